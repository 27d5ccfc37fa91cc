"""团员管理 driven by keyboard alone in a small App at 80x24 on a temporary SQLite database
(R-MEM-1..6): rapid entry of a class, search by pinyin initials, edit, removal with a
reason, transfer of two members, a new branch secretary; the audit log shows each step."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import make_settings
from tests.helpers import admin_of, person
from tests.member_helpers import member_values
from tests.tui.member_app import PaneApp
from zhtj_tui.screens.confirm import ConfirmModal
from zhtj_tui.screens.members import MembersPane
from zhtj_tui.services import Services
from zhtj_tui.services.dto import Actor


@pytest.fixture
def world(sqlite_url, clock):
    svc = Services.open(make_settings(sqlite_url, clock), client_key="tui")
    op = Actor.server_operator()
    top = svc.orgs.create_top(op, "测试大学团委", "团委", "测试大学共青团委员会")
    college = svc.orgs.create_child(op, top.id, "计算机学院团委", "团委")
    b1 = svc.orgs.create_child(op, college.id, "计算机专业2024级1班团支部", "团支部")
    b2 = svc.orgs.create_child(op, college.id, "计算机专业2024级2班团支部", "团支部")
    admin = admin_of(svc, college.id, person(name="李院"))
    yield svc, admin, college.id, b1.id, b2.id
    svc.close()


async def settle(pilot) -> None:
    """Let thread workers finish and their results reach the widgets."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def type_text(pilot, text: str) -> None:
    await pilot.press(*list(text))


async def enter_member(pilot, p, member_no: str, first: bool, join_month: str = "") -> None:
    """Fill one member from 姓名 to 备注 by keyboard; Enter on 备注 saves."""
    await type_text(pilot, p.name)
    await pilot.press("enter")
    await type_text(pilot, p.id_number)
    await pilot.press("enter")
    if first:  # the next members keep 民族, 政治面貌, 入团年月, 学历 from this one
        await type_text(pilot, "han")  # type-ahead: han → 汉族
        await pilot.press("enter")
        await type_text(pilot, "gqty")  # 共青团员
        await pilot.press("enter")
        await type_text(pilot, "201909")
        await pilot.press("enter")
        await type_text(pilot, "本科在")
        await pilot.press("enter")
    else:
        await pilot.press("enter", "enter")
        if join_month:  # override the carried-over value
            await pilot.press("ctrl+u")
            await type_text(pilot, join_month)
        await pilot.press("enter", "enter")
    await type_text(pilot, p.mobile)
    await pilot.press("enter")
    await type_text(pilot, member_no)
    await pilot.press("enter", "enter", "enter", "enter", "enter")  # 职务, 职务名称, 单位, 备注 → save
    await settle(pilot)


async def test_class_entry_search_edit_remove_transfer_and_secretary(world):
    svc, admin, college, b1, b2 = world
    born = date(2006, 3, 1)
    # Already in the 2班 branch: entered again for 1班, the form offers to move her here.
    moved = person(name="孙小红", birth=born)
    svc.members.add(admin, b2, member_values(moved, join_month="2019-09", member_no="201900009999"))
    app = PaneApp(svc, admin, b1)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "共 0 人" in str(app.query_one("#members-status").content)
        await pilot.press("n")
        await settle(pilot)
        entry = app.screen
        assert entry.focused.id == "f-name"

        # 1. 张三 — the ID fills sex, birth date and age at once.
        zhang = person(name="张三", birth=born)
        await type_text(pilot, zhang.name)
        await pilot.press("enter")
        await type_text(pilot, zhang.id_number)
        assert "2006-03-01 · 20岁" in str(entry.query_one("#h-id_number").render())
        await pilot.press("enter")
        await type_text(pilot, "han")
        await pilot.press("enter")
        assert entry.input("ethnic").value == "汉族"
        await type_text(pilot, "gqty")
        await pilot.press("enter")
        await type_text(pilot, "2019.9")
        await pilot.press("enter")
        await type_text(pilot, "bkzd")
        await pilot.press("enter")
        assert entry.input("education").value == "本科在读"
        await type_text(pilot, zhang.mobile)
        await pilot.press("enter")
        await type_text(pilot, "201900000101")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert entry.saved_count == 1 and entry.focused.id == "f-name"
        # Sticky defaults, blank personal fields.
        assert (entry.input("ethnic").value, entry.input("political").value) == ("汉族", "共青团员")
        assert entry.input("join_month").value == "2019.9" and entry.input("name").value == ""

        # 2. 李四, the normal way.
        await enter_member(pilot, person(name="李四", birth=born), "201900000102", first=False)
        assert entry.saved_count == 2

        # 3. 王五 is refused for the age rule (12 when joining); the cursor goes to 入团年月
        # and everything typed stays; corrected to 2020-09 (and 团员编号 to 2020…), saved.
        young = person(name="王五", birth=date(2007, 6, 1))
        await enter_member(pilot, young, "201900000103", first=False)
        assert entry.saved_count == 2 and entry.focused.id == "f-join_month"
        assert "年满13周岁" in str(entry.query_one("#entry-error").render())
        assert entry.input("name").value == "王五" and entry.input("id_number").value == young.id_number
        await pilot.press("ctrl+u")
        await type_text(pilot, "2020-09")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert entry.focused.id == "f-member_no"  # the 团员编号 must start with the join year
        await pilot.press("ctrl+u")
        await type_text(pilot, "202000000103")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert entry.saved_count == 3

        # 4. 周石 (入团年月 back to 2019-09).
        await enter_member(pilot, person(name="周石", birth=born), "201900000104", first=False, join_month="2019-09")
        assert entry.saved_count == 4

        # 5. 孙小红 is a duplicate inside the administrator's subtree: moved here instead.
        await enter_member(pilot, moved, "201900009999", first=False)
        offer = app.screen
        assert isinstance(offer, ConfirmModal) and "计算机专业2024级2班团支部" in offer.question
        await pilot.press("y")
        await settle(pilot)
        assert entry.saved_count == 5 and app.screen is entry
        await pilot.press("escape")
        await settle(pilot)

        pane = app.query_one("#pane")
        assert [r.name for r in pane.rows] == ["李四", "孙小红", "王五", "周石", "张三"]
        assert "共 5 人 · 超龄 0 人" in str(app.query_one("#members-status").content)

        # Find 张三 by pinyin initials.
        await pilot.press("slash")
        await type_text(pilot, "zs")
        await settle(pilot)
        assert [r.name for r in pane.rows] == ["周石", "张三"]  # zs: by initials, then name
        await pilot.press("enter", "down")  # back to the table, on 张三
        assert pane.current().name == "张三"

        # Edit 张三's mobile.
        await pilot.press("e")
        await settle(pilot)
        edit = app.screen
        assert edit.input("name").value == "张三" and edit.input("id_number").value == zhang.id_number
        for _ in range(6):
            await pilot.press("enter")
        assert edit.focused.id == "f-mobile"
        await pilot.press("ctrl+u")
        await type_text(pilot, "13912345678")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not edit
        zhang_id = next(r.id for r in pane.rows if r.name == "张三")
        assert svc.members.get(admin, zhang_id).mobile == "13912345678"

        # Remove 周石 (graduated); the record stays.
        assert pane.current().name == "周石"
        zhou_id = pane.current().id
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("enter")  # 毕业离团, the first reason
        await settle(pilot)
        assert svc.members.get(admin, zhou_id).status_name == "毕业离团"

        # Transfer two members (marked with space) to the 2班 branch.
        await pilot.press("slash", "ctrl+u")
        await settle(pilot)
        await pilot.press("enter")
        assert [r.name for r in pane.rows] == ["李四", "孙小红", "王五", "张三"]
        assert pane.current().name == "李四"
        await pilot.press("space", "space")  # marks 李四 and 孙小红
        assert len(pane.marked) == 2
        await pilot.press("t")
        await settle(pilot)
        await type_text(pilot, "2班")
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert [r.name for r in pane.rows] == ["王五", "张三"]
        assert [r.name for r in svc.members.list(admin, b2).items] == ["李四", "孙小红"]

    # Change the 1班 branch's secretary in the cadre pane.
    sec = person(name="冯书记")
    app = PaneApp(svc, admin, b1, pane="cadres")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        for text in (sec.name, sec.id_number, sec.mobile):
            await type_text(pilot, text)
            await pilot.press("enter")
        await pilot.press("enter")  # 任职日期: today
        await settle(pilot)
        current = app.query_one("#cadre-current")
        assert [current.get_row_at(i)[:2] for i in range(current.row_count)] == [["书记", "冯书记"]]
    assert svc.orgs.get(admin, b1).secretary.name == "冯书记"

    actions = [a.action for a in reversed(svc.audit.recent(admin, college, limit=50))
               if a.action.startswith(("member.", "cadre."))]
    assert actions == ["member.add",  # 孙小红 in 2班 before the session
                       "member.add", "member.add", "member.add", "member.add", "member.transfer",
                       "member.update", "member.remove", "member.transfer", "member.transfer",
                       "cadre.appoint"]


async def test_pane_follows_the_centre_selection(world):
    # The centre's pane protocol: another organisation selected → its members (a committee
    # shows every branch below it); entering needs a branch (R-TREE-2).
    svc, admin, college, b1, b2 = world
    svc.members.add(admin, b1, member_values(person(name="甲乙丙")))
    svc.members.add(admin, b2, member_values(person(name="丁戊己")))
    assert MembersPane.applies_to(svc.orgs.get(admin, college), admin)
    app = PaneApp(svc, admin, b1)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pane = app.query_one("#pane", MembersPane)
        assert [r.name for r in pane.rows] == ["甲乙丙"] and pane.is_branch
        pane.org_changed(svc.orgs.get(admin, college))
        await settle(pilot)
        assert [r.name for r in pane.rows] == ["丁戊己", "甲乙丙"] and not pane.is_branch
        assert "共 2 人" in str(app.query_one("#members-status").content)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is pane.screen  # no entry form for a committee


# R-MEM-1: a branch administrator has no branch to move members into, and is told why
async def test_r_mem_1_branch_admin_transfer_dialog_says_why_it_is_empty(world):
    svc, admin, college, b1, b2 = world
    branch_admin = admin_of(svc, b1, person(name="赵班"))
    svc.members.add(branch_admin, b1, member_values())
    app = PaneApp(svc, branch_admin, b1)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        dialog = app.screen
        assert type(dialog).__name__ == "TransferModal"
        assert dialog.query_one("#transfer-targets").option_count == 0
        why = str(dialog.query_one("#transfer-why").render())
        assert "只管理本团支部" in why and "计算机学院团委" in why
        await pilot.press("escape")
        await settle(pilot)
    # The college administrator moving from 1班 sees only 2班 (not 1班 itself).
    app = PaneApp(svc, admin, b1)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        options = app.screen.query_one("#transfer-targets")
        assert options.option_count == 1 and "2班" in str(options.get_option_at_index(0).prompt)
        assert not app.screen.query_one("#transfer-why").display
