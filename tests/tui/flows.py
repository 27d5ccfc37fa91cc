"""Shared steps of the interface tests (used by the Pilot and snapshot tests)."""

from __future__ import annotations

from datetime import date

from tests.helpers import PASSWORD, Person, person
from tests.tui.conftest import fill, settle
from zhtj_tui.services.dto import Actor

TOP = "石河子大学团委"
TOP_FULL = "共青团石河子大学委员会"


def admin_person() -> Person:
    return person(birth=date(1990, 3, 12), name="王小明", join_month="2004-05")


def setup_top(services) -> tuple[int, str]:
    """The top organisation and its first code, made by the server operator."""
    op = Actor.server_operator()
    top = services.orgs.create_top(op, TOP, "团委", TOP_FULL)
    return top.id, services.codes.issue(op, top.id).code


def setup_admin(services) -> tuple[int, Person]:
    top_id, code = setup_top(services)
    who = admin_person()
    services.accounts.register(code, "书记", who.name, who.id_number, who.mobile, who.join_month, PASSWORD)
    return top_id, who


async def login(pilot, who: Person) -> None:
    screen = pilot.app.screen
    fill(screen, "login", who.mobile)
    fill(screen, "password", PASSWORD)
    screen.query_one("#input-password").focus()
    await pilot.press("enter")
    await settle(pilot)


async def open_register_step2(pilot, code: str) -> None:
    await pilot.press("f2")
    await settle(pilot)
    screen = pilot.app.screen
    fill(screen, "code", code)
    screen.query_one("#input-code").focus()
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("enter")  # the confirm button has the focus
    await settle(pilot)


def fill_person(screen, who: Person) -> None:
    fill(screen, "post", "01")
    fill(screen, "name", who.name)
    fill(screen, "id_number", who.id_number)
    fill(screen, "mobile", who.mobile)
    fill(screen, "join_month", who.join_month)
    fill(screen, "password", PASSWORD)
    fill(screen, "password2", PASSWORD)
