"""Rapid member entry typed ahead of the screen (R-MEM-1, R-MEM-2, R-MEM-3, R-MEM-5): whole
members arrive at once, with corrections, while saves are still running; every key must
land in the field that has the focus at its point of the sequence."""

from __future__ import annotations

from datetime import date

from textual import events
from textual.widgets import Input

from tests.entry_roster import intended, roster, stored, to_textual, typed_keys
from tests.helpers import admin_of
from tests.tui.conftest import settle
from tests.tui.member_app import PaneApp
from zhtj_tui.domain.idcard import make_id_number
from zhtj_tui.screens.confirm import ConfirmModal
from zhtj_tui.screens.members import MemberEntryScreen
from zhtj_tui.screens.members.dialogs import LeaveModal
from zhtj_tui.services.dto import Actor

CHARS = {"enter": "\r", "tab": "\t", "backspace": "\x7f", "ctrl+u": "\x15", "ctrl+s": "\x13"}


def burst(app, names: list[str]) -> None:
    """Queue keys all at once, as a terminal delivers a burst (no waiting in between)."""
    for name in names:
        char = name if len(name) == 1 else CHARS.get(name)
        app.post_message(events.Key(name, char))


def _branch(svc, name="数学专业2023级1班团支部"):
    op = Actor.server_operator()
    top = svc.orgs.create_top(op, "石河子大学团委", "团委", "石河子大学共青团委员会")
    branch = svc.orgs.create_child(op, top.id, name, "团支部")
    return top, branch


async def _open_entry(pilot) -> MemberEntryScreen:
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, MemberEntryScreen)
    return screen


async def test_a_class_typed_ahead_in_one_go_is_saved_exactly(tui_services):
    # R-MEM-1/2: twelve members with Backspace runs, Ctrl+U, Shift+Tab, Left/Delete and
    # kept values, every key queued before the first save has finished.
    svc = tui_services
    _, branch = _branch(svc)
    actor = admin_of(svc, branch.id)
    members = roster(12, seed=5)
    app = PaneApp(svc, actor, branch.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_entry(pilot)
        for keys in typed_keys(members):
            burst(app, to_textual(keys))
        await settle(pilot, rounds=200)
        assert screen.saved_count == len(members), str(screen.query_one("#entry-error").content)
        assert screen.focused is not None and screen.focused.id == "f-name"
        assert screen.query_one("#f-name", Input).value == ""
    assert stored(svc, actor, branch.id) == intended(svc, members)


async def test_the_issue_sequence_backspaces_after_enter_replace_the_kept_month(tui_services):
    # R-MEM-2: after one saved member, name⏎ID⏎⏎⏎ then seven Backspaces and 2020-04: the
    # Backspaces act on 入团年月 (they used to bubble back after the focus had moved on).
    svc = tui_services
    _, branch = _branch(svc)
    actor = admin_of(svc, branch.id)
    first = make_id_number("650102", date(2005, 3, 4), 123)
    second = make_id_number("650102", date(2005, 5, 6), 124)
    app = PaneApp(svc, actor, branch.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_entry(pilot)
        await pilot.press(*"王小燕", "enter", *first, "enter", *"han", "enter", *"gqty", "enter",
                          *"2019-09", "enter", *"bkzd", "enter", *"13712345678", "enter", *"201912345678",
                          "ctrl+s")
        await settle(pilot)
        assert screen.saved_count == 1
        burst(app, [*"李四", "enter", *second, "enter", "enter", "enter", *["backspace"] * 7, *"2020-04",
                    "enter", "enter", *"13712345679", "enter", *"202012345679", "ctrl+s"])
        await settle(pilot)
        assert screen.saved_count == 2, str(screen.query_one("#entry-error").content)
    rows = {r.name: r.join_month for r in svc.members.list(actor, branch.id).items}
    assert rows == {"王小燕": "2019-09", "李四": "2020-04"}


async def test_kept_values_are_selected_typing_replaces_and_enter_keeps(tui_services):
    # R-MEM-2: entering a field by Enter selects its content, as a spreadsheet cell does.
    svc = tui_services
    _, branch = _branch(svc)
    actor = admin_of(svc, branch.id)
    app = PaneApp(svc, actor, branch.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_entry(pilot)
        screen._fill({"ethnic": "汉族", "join_month": "2017-01"})
        await pilot.press(*"张三", "enter", "enter", "enter")  # name, ID (empty), 民族 kept
        await settle(pilot)
        assert screen.focused.id == "f-political"
        assert screen.input("ethnic").value == "汉族"
        await pilot.press("enter", *"2018-02", "enter")
        await settle(pilot)
        assert screen.input("join_month").value == "2018-02"  # not 2017-012018-02


async def test_over_age_asks_once_before_saving(tui_services):
    # R-MEM-5: someone aged 28 or more is saved only after one confirmation; the age,
    # 超龄 and the join age are readable in full at 80 columns.
    svc = tui_services
    _, branch = _branch(svc)
    actor = admin_of(svc, branch.id)
    today = svc.settings.today()
    idn = make_id_number("650102", date(today.year - 29, 1, 1), 77)
    app = PaneApp(svc, actor, branch.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_entry(pilot)
        await pilot.press(*"老王", "enter", *idn, "enter", *"han", "enter", *"gqty", "enter",
                          *"2012-05", "enter", *"bk", "enter", *"13712345670")
        await settle(pilot)
        status = str(screen.query_one("#entry-status").content)
        assert "29岁" in status and "超龄" in status and "入团时15周岁" in status
        region = screen.query_one("#entry-status").content_region
        assert region.right <= 80 and region.height == 2
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal) and "29岁" in app.screen.question
        await pilot.press("n")  # back to the form: nothing saved
        await settle(pilot)
        assert app.screen is screen and svc.members.list(actor, branch.id).total == 0
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert screen.saved_count == 1
    assert [r.over_age for r in svc.members.list(actor, branch.id).items] == [True]


async def test_under_fourteen_note_is_shown(tui_services):
    # R-MEM-4: joining at 13 after the cut-over is allowed with a note, visible in full.
    svc = tui_services
    _, branch = _branch(svc)
    actor = admin_of(svc, branch.id)
    app = PaneApp(svc, actor, branch.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_entry(pilot)
        screen.input("id_number").value = make_id_number("650102", date(2006, 3, 1), 7)
        screen.input("join_month").value = "2019-09"
        await settle(pilot)
        assert "未满14周岁" in str(screen.query_one("#entry-status").content)


async def test_leaving_with_unsaved_input_asks_save_discard_or_continue(tui_services):
    # Nothing typed is lost by a key: Esc asks 保存 / 放弃 / 继续录入.
    svc = tui_services
    _, branch = _branch(svc)
    actor = admin_of(svc, branch.id)
    idn = make_id_number("650102", date(2005, 3, 4), 5)
    app = PaneApp(svc, actor, branch.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_entry(pilot)
        await pilot.press(*"半个")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LeaveModal)
        await pilot.press("c")  # 继续录入: the typed name is still there
        await settle(pilot)
        assert app.screen is screen and screen.input("name").value == "半个"
        for key, value in (("name", "王五"), ("id_number", idn), ("ethnic", "汉族"), ("political", "共青团员"),
                           ("join_month", "2019-09"), ("education", "本科在读"), ("mobile", "13712345670"),
                           ("member_no", "201912345670")):
            screen.input(key).value = value
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("s")  # 保存, then leave
        await settle(pilot)
        assert not isinstance(app.screen, MemberEntryScreen)
        assert [r.name for r in svc.members.list(actor, branch.id).items] == ["王五"]
        screen = await _open_entry(pilot)
        await pilot.press(*"不要了", "escape")
        await settle(pilot)
        await pilot.press("d")  # 放弃
        await settle(pilot)
        assert not isinstance(app.screen, MemberEntryScreen)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("escape")  # nothing typed: leaves at once
        await settle(pilot)
        assert not isinstance(app.screen, (MemberEntryScreen, LeaveModal))
    assert svc.members.list(actor, branch.id).total == 1


async def test_duplicate_id_is_reported_when_leaving_the_field(tui_services):
    # R-MEM-3: looked up in the background when the ID field is left, worded for the case.
    svc = tui_services
    op = Actor.server_operator()
    top = svc.orgs.create_top(op, "石河子大学团委", "团委", "石河子大学共青团委员会")
    college = svc.orgs.create_child(op, top.id, "数学学院团委", "团委")
    here = svc.orgs.create_child(op, college.id, "数学专业2023级1班团支部", "团支部")
    there = svc.orgs.create_child(op, college.id, "数学专业2023级2班团支部", "团支部")
    chem = svc.orgs.create_child(op, top.id, "化学学院团委", "团委")
    far = svc.orgs.create_child(op, chem.id, "化学专业2023级1班团支部", "团支部")
    actor = admin_of(svc, college.id)  # administers here and there, not far

    def add(branch_id, seq):
        idn = make_id_number("650102", date(2005, 3, 4), seq)
        svc.members.add(op, branch_id, {"name": "人" + "甲乙丙"[seq - 1], "id_number": idn, "ethnic": "汉族",
                                        "political": "共青团员", "join_month": "2019-09", "education": "本科在读",
                                        "mobile": f"137123456{seq:02d}", "member_no": f"20191234{seq:04d}"})
        return idn

    cases = {add(here.id, 1): "已是本支部的团员 人甲", add(there.id, 2): "可将其转入本支部",
             add(far.id, 3): "化学学院团委 / 化学专业2023级1班团支部"}
    app = PaneApp(svc, actor, here.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_entry(pilot)
        for idn, words in cases.items():
            screen.input("id_number").focus()
            await settle(pilot)
            await pilot.press("ctrl+u", *idn, "enter")
            await settle(pilot)
            message = str(screen.query_one("#entry-error").content)
            assert words in message, message
            assert "已有此人" in str(screen.query_one("#h-id_number").content)


async def test_ctrl_q_and_f9_with_unsaved_input_ask_first(tui_settings, tui_services):
    # Nothing typed is lost by a key: Ctrl+Q (quit) and F9 (log out) ask like Esc does.
    from tests.helpers import person
    from tests.tui.flows import login
    from zhtj_tui.app import make_app
    from zhtj_tui.screens.login import LoginScreen

    svc = tui_services
    _, branch = _branch(svc)
    who = person(name="唐可萍")
    admin_of(svc, branch.id, who)
    app = make_app(tui_settings, svc)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        screen = await _open_entry(pilot)
        await pilot.press(*"半个")
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert isinstance(app.screen, LeaveModal) and app.is_running
        await pilot.press("escape")  # 继续录入
        await settle(pilot)
        assert app.screen is screen and screen.input("name").value == "半个"
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, LeaveModal)
        await pilot.press("d")  # 放弃, then log out
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
