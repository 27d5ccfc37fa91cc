"""Snapshots at 80x24 of the member table, the entry form and the cadre pane (R-MEM-1..6),
on fixed data and a fixed clock."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import make_settings
from tests.helpers import FakeClock
from tests.tui.member_app import PaneApp
from zhtj_tui.domain.idcard import make_id_number
from zhtj_tui.services import Services
from zhtj_tui.services.dto import Actor

PEOPLE = [  # name, birth, join month, 团员编号
    ("张三", date(2006, 3, 1), "2019-09", "201900000101"),
    ("李四", date(2006, 5, 12), "2019-09", "201900000102"),
    ("王小明", date(2005, 11, 30), "2019-09", "201900000103"),
    ("欧阳娜娜", date(2006, 1, 8), "2020-05", "202000000104"),
    ("陈老", date(1997, 2, 3), "2011-05", ""),
]


@pytest.fixture
def fixed(tmp_path):
    svc = Services.open(make_settings(f"sqlite:///{tmp_path / 'snap.sqlite'}", FakeClock()), client_key="snap")
    op = Actor.server_operator()
    top = svc.orgs.create_top(op, "测试大学团委", "团委", "测试大学共青团委员会")
    college = svc.orgs.create_child(op, top.id, "计算机学院团委", "团委")
    b1 = svc.orgs.create_child(op, college.id, "计算机专业2024级1班团支部", "团支部")
    for i, (name, birth, month, no) in enumerate(PEOPLE):
        svc.members.add(op, b1.id, {
            "name": name, "id_number": make_id_number("110105", birth, 11 + i), "ethnic": "汉族",
            "political": "共青团员", "join_month": month, "education": "本科在读",
            "mobile": f"1391000{i:04d}", "member_no": no, "post": "组织委员" if i == 1 else "",
        })
    svc.cadres.appoint(op, b1.id, "书记", {"name": "张三", "id_number": make_id_number("110105", PEOPLE[0][1], 11),
                                           "mobile": "13910000000"}, date(2026, 9, 1))
    svc.cadres.appoint(op, b1.id, "书记", {"name": "李四", "id_number": make_id_number("110105", PEOPLE[1][1], 12),
                                           "mobile": "13910000001"}, date(2026, 10, 15))
    yield svc, op, b1.id
    svc.close()


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def test_member_table_snapshot(fixed, snap_compare):
    # R-MEM-5: the table flags 超龄; ID numbers masked (SPEC §9).
    svc, op, b1 = fixed
    assert snap_compare(PaneApp(svc, op, b1), terminal_size=(80, 24), run_before=settle)


def test_entry_form_snapshot(fixed, snap_compare):
    # R-MEM-2/4: the ID number fills sex, birth and age; the join month is checked while typing.
    svc, op, b1 = fixed

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"赵六", "enter", *make_id_number("110105", date(2007, 6, 1), 31), "enter")
        await pilot.press(*"han", "enter", *"gqty", "enter", *"2019.9")
        await settle(pilot)

    assert snap_compare(PaneApp(svc, op, b1), terminal_size=(80, 24), run_before=run_before)


def test_cadres_pane_snapshot(fixed, snap_compare):
    # R-MEM-6: current holders and the history of the 书记 post.
    svc, op, b1 = fixed
    assert snap_compare(PaneApp(svc, op, b1, pane="cadres"), terminal_size=(80, 24), run_before=settle)
