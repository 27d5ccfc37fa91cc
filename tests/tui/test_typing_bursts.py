"""Over a slow SSH link keys arrive in bursts: a whole member typed ahead, with Enter
between the fields, must land field by field and save once (the application hands keys out in order)."""

from __future__ import annotations

from datetime import date

from textual import events
from textual.widgets import Input

from tests.helpers import admin_of
from tests.tui.conftest import settle
from tests.tui.member_app import PaneApp
from zhtj_tui.domain.idcard import make_id_number
from zhtj_tui.screens.members import MemberEntryScreen
from zhtj_tui.services.dto import Actor


def burst(app, text: str) -> None:
    """Queue every key at once, as a terminal delivers a burst (no waiting in between)."""
    for ch in text:
        app.post_message(events.Key("enter" if ch == "\r" else ch, ch))


async def test_a_member_typed_as_one_burst_lands_field_by_field(tui_services):
    # R-MEM-1, R-MEM-2: rapid entry by keyboard alone, typed ahead of the screen.
    svc = tui_services
    op = Actor.server_operator()
    top = svc.orgs.create_top(op, "石河子大学团委", "团委", "石河子大学共青团委员会")
    branch = svc.orgs.create_child(op, top.id, "数学专业2023级1班团支部", "团支部")
    actor = admin_of(svc, branch.id)
    idn = make_id_number("650102", date(2005, 3, 4), 123)  # odd sequence: 男
    app = PaneApp(svc, actor, branch.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MemberEntryScreen)
        # 12 fields: the Enter on the last one (备注) saves.
        burst(app, f"王小燕\r{idn}\rhan\rgqty\r2020-09\rbkzd\r13712345678\r202012345678\r\r\r\r\r")
        await settle(pilot)
        assert screen.saved_count == 1
        # The blank form is ready with the sticky values, focus back on 姓名.
        assert screen.focused is not None and screen.focused.id == "f-name"
        values = {i.id: i.value for i in screen.query(Input)}
        assert values["f-name"] == "" and values["f-ethnic"] == "汉族" and values["f-education"] == "本科在读"
    rows = svc.members.list(actor, branch.id).items
    assert [(m.name, m.sex) for m in rows] == [("王小燕", "男")]
    full = svc.members.get(actor, rows[0].id)
    assert (full.id_number, full.mobile, full.member_no, full.join_month) == (
        idn, "13712345678", "202012345678", "2020-09")
