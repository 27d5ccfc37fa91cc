"""The entry form's small pieces: type-ahead over the value lists and the 入团年月 shapes
(R-MEM-2), checked through the same domain functions the service uses."""

from __future__ import annotations

from datetime import date

import pytest
from textual.app import App

from tests.conftest import make_settings
from tests.helpers import FakeClock
from zhtj_tui.domain.idcard import make_id_number
from zhtj_tui.screens.members import MemberEntryScreen, _choices
from zhtj_tui.services import Services
from zhtj_tui.services.dto import Actor
from zhtj_tui.widgets.choice import best_choice
from zhtj_tui.widgets.keyorder import OrderedKeys


@pytest.mark.parametrize(("key", "typed", "picked"), [
    ("ethnic", "汉", "汉族"), ("ethnic", "han", "汉族"), ("ethnic", "hui", "回族"), ("ethnic", "蒙", "蒙古族"),
    ("political", "gqty", "共青团员"), ("political", "团员", "共青团员"), ("political", "qz", "群众"),
    ("education", "bkzd", "本科在读"), ("education", "初中", "初中"), ("post", "sj", "书记"),
    ("ethnic", "xyz", None),
])
def test_type_ahead_picks_the_item(key, typed, picked):
    # R-MEM-2: 民族/政治面貌/学历 accept type-ahead (domain.pinyin.matches).
    assert best_choice(_choices(key), typed) == picked


def _entry_app(tmp_path):
    svc = Services.open(make_settings(f"sqlite:///{tmp_path / 'e.sqlite'}", FakeClock()), client_key="t")
    op = Actor.server_operator()
    top = svc.orgs.create_top(op, "测试大学团委", "团委")
    branch = svc.orgs.create_child(op, top.id, "计算机专业2024级1班团支部", "团支部")

    class EntryApp(OrderedKeys, App):
        def on_mount(self) -> None:
            self.push_screen(MemberEntryScreen(svc, op, branch.id))

    return svc, EntryApp()


async def test_choice_completes_on_enter_and_on_leaving(tmp_path):
    # R-MEM-2: typing "hui" then Tab picks 回族; Enter on an unknown value stays put.
    svc, app = _entry_app(tmp_path)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            screen.input("ethnic").focus()
            await pilot.press(*"hui")
            assert str(screen.query_one("#h-ethnic").content) == "→ 回族"
            await pilot.press("tab")
            assert screen.input("ethnic").value == "回族" and screen.focused is screen.input("political")
            await pilot.press(*"xyz", "enter")
            assert screen.focused is screen.input("political")
            assert "不在列表中" in str(screen.query_one("#h-political").content)
    finally:
        svc.close()


@pytest.mark.parametrize("typed", ["2019-09", "201909", "2019.9", "2019年9月"])
async def test_join_month_shapes_are_read_while_typing(tmp_path, typed):
    # R-MEM-2/4: 入团年月 in the shapes people type, checked against the age rule at once.
    svc, app = _entry_app(tmp_path)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            screen.input("id_number").value = make_id_number("110105", date(2006, 3, 1), 7)
            screen.input("join_month").value = typed
            await pilot.pause()
            hint = str(screen.query_one("#h-join_month").content)
            assert hint == "2019-09 · 入团时13周岁 · 未满14周岁"
            assert "男" in str(screen.query_one("#h-id_number").content)
            screen.input("join_month").value = "2019-02"  # 12 years 11 months: refused as typed
            await pilot.pause()
            assert "不符合入团年龄" in str(screen.query_one("#h-join_month").content)
            assert "年满13周岁" in str(screen.query_one("#entry-error").content)
    finally:
        svc.close()


async def test_a_slow_save_says_so_and_keys_typed_meanwhile_start_the_next_member(tmp_path):
    # R-MEM-1: "正在保存…" appears once a save takes a noticeable time (a quick one does not
    # redraw the form for it); keys typed during the save wait and go to the blank form.
    import threading

    svc, app = _entry_app(tmp_path)
    gate = threading.Event()
    add = svc.members.add

    def slow_add(*args, **kwargs):
        gate.wait(10)
        return add(*args, **kwargs)

    svc.members.add = slow_add  # type: ignore[method-assign]
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            values = {"name": "王小燕", "id_number": make_id_number("650102", date(2005, 3, 4), 123),
                      "ethnic": "汉族", "political": "共青团员", "join_month": "2019-09", "education": "本科在读",
                      "mobile": "13712345678", "member_no": "201912345678"}
            for key, value in values.items():
                screen.input(key).value = value
            await pilot.press("ctrl+s", *"李四")
            error = screen.query_one("#entry-error")
            for _ in range(400):  # bounded for a loaded machine; ends when it shows
                await pilot.pause(0.05)
                if "正在保存" in str(error.content):
                    break
            assert "正在保存" in str(error.content)
            assert screen.input("name").value == "王小燕"  # the keys wait for the outcome
            gate.set()
            for _ in range(400):
                await app.workers.wait_for_complete()
                await pilot.pause(0.05)
                if screen.saved_count == 1 and app.keys_idle:
                    break
            assert screen.saved_count == 1 and "已保存：王小燕" in str(error.content)
            assert screen.input("name").value == "李四" and screen.input("id_number").value == ""
    finally:
        gate.set()
        svc.close()
