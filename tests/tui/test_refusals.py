"""What the interface refuses, with the service's Chinese message under the right field."""

from __future__ import annotations

from datetime import date

from tests.helpers import PASSWORD, person
from tests.tui.conftest import click, fill, settle
from tests.tui.flows import admin_person, fill_person, login, open_register_step2, setup_admin, setup_top
from zhtj_tui.app import make_app
from zhtj_tui.domain.idcard import make_id_number
from zhtj_tui.screens.centre import CentreScreen
from zhtj_tui.screens.login import LoginScreen
from zhtj_tui.screens.register import RegisterScreen


async def _check_code(pilot, code: str) -> RegisterScreen:
    await pilot.press("f2")
    await settle(pilot)
    reg = pilot.app.screen
    assert isinstance(reg, RegisterScreen)
    fill(reg, "code", code)
    reg.query_one("#input-code").focus()
    await pilot.press("enter")
    await settle(pilot)
    return reg


async def test_expired_code(tui_settings, tui_services, tui_clock):
    """R-CODE-2: a code older than 20 days is refused, saying it expired and what to do."""
    _, code = setup_top(tui_services)
    tui_clock.advance(days=21)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        reg = await _check_code(pilot, code)
        msg = reg.field("code").message
        assert "过期" in msg and "上级组织" in msg
        assert reg.checked is None and reg.query_one("#confirm").disabled
        assert pilot.app.focused is reg.field("code").control


async def test_used_code(tui_settings, tui_services):
    """R-CODE-3: a code registers exactly one administrator."""
    _, code = setup_top(tui_services)
    p = person()
    tui_services.accounts.register(code, "书记", p.name, p.id_number, p.mobile, p.join_month, PASSWORD)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        reg = await _check_code(pilot, code)
        assert "已被使用" in reg.field("code").message


async def test_code_used_meanwhile_goes_back_to_the_code(tui_settings, tui_services):
    """R-CODE-3: the code is taken between checking and submitting: the refusal is shown
    under the code on step 1, and the typed personal data stays."""
    _, code = setup_top(tui_services)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_register_step2(pilot, code)
        reg = pilot.app.screen
        who = admin_person()
        fill_person(reg, who)
        other = person()
        tui_services.accounts.register(code, "书记", other.name, other.id_number, other.mobile, other.join_month,
                                       PASSWORD)
        await click(pilot, "#submit")
        await settle(pilot)
        assert reg.step == 1
        assert "已被使用" in reg.field("code").message
        assert reg.field("name").value == who.name  # typed data kept


async def test_wrong_join_age_states_the_rule(tui_settings, tui_services):
    """R-REG-2: joined at 12 after the cut-over: refused, and the message states the rule."""
    _, code = setup_top(tui_services)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_register_step2(pilot, code)
        reg = pilot.app.screen
        assert reg.step == 2
        who = person(birth=date(2005, 6, 15))
        fill_person(reg, who)
        fill(reg, "join_month", "2018-05")  # 12 years 11 months
        reg.field("join_month").focus_control()
        await pilot.press("tab")  # leaving the field checks it
        await pilot.pause()
        msg = reg.field("join_month").message
        assert "不符合规定" in msg and "入团时须年满13周岁" in msg and "2016年9月1日前入团的须年满12周岁" in msg
        await click(pilot, "#submit")
        await settle(pilot)
        assert isinstance(pilot.app.screen, RegisterScreen)  # nothing was submitted
        assert pilot.app.focused is reg.field("join_month").control
        assert tui_services.accounts.read(lambda: tui_services.store.Account.select().count()) == 0


async def test_wrong_id_check_character(tui_settings, tui_services):
    """R-REG-3: a wrong check character is refused, saying which part is wrong."""
    _, code = setup_top(tui_services)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_register_step2(pilot, code)
        reg = pilot.app.screen
        good = make_id_number("110105", date(2000, 5, 17), 123)
        bad = good[:17] + ("0" if good[17] != "0" else "1")
        fill(reg, "id_number", bad)
        reg.field("id_number").focus_control()
        await pilot.press("tab")
        await pilot.pause()
        assert "校验位" in reg.field("id_number").message
        fill(reg, "id_number", good)
        reg.field("id_number").focus_control()
        await pilot.press("tab")
        await pilot.pause()
        assert "出生日期 2000-05-17" in reg.field("id_number").message  # the hint once right


async def test_wrong_name_suffix(tui_settings, tui_services):
    """R-TREE-4: a 简称 without the category's suffix is refused as you type and on creating."""
    _, who = setup_admin(tui_services)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        centre = pilot.app.screen
        assert isinstance(centre, CentreScreen)
        centre.query_one("#panes").active = "create"
        await settle(pilot)
        create = centre.panes["create"]
        fill(create, "category", "02")
        create.field("short_name").focus_control()
        await pilot.press(*"师范学院")
        await pilot.pause()
        assert "应以“团委”结尾" in create.field("short_name").message  # as you type
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "应以“团委”结尾" in create.field("short_name").message
        assert create.field("short_name").has_error
        assert tui_services.orgs.list_children(centre.actor, centre.actor.org_id).items == ()


async def test_duplicate_child_name_error_under_the_field(tui_settings, tui_services):
    """R-TREE-5: the service's refusal lands under 简称, with the focus there."""
    top_id, who = setup_admin(tui_services)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        centre = pilot.app.screen
        tui_services.orgs.create_child(centre.actor, top_id, "师范学院团委", "团委")
        centre.query_one("#panes").active = "create"
        await settle(pilot)
        create = centre.panes["create"]
        fill(create, "short_name", "师范学院团委")
        create.field("short_name").focus_control()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "已有名为“师范学院团委”" in create.field("short_name").message
        assert pilot.app.focused is create.field("short_name").control


async def test_locked_account(tui_settings, tui_services):
    """R-REG-5 decision: five wrong passwords lock the account; the message says until when."""
    _, who = setup_admin(tui_services)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, LoginScreen)
        fill(screen, "login", who.mobile)
        for _ in range(5):
            fill(screen, "password", "wrong-pass1")
            screen.field("password").focus_control()
            await pilot.press("enter")
            await settle(pilot)
        msg = screen.field("password").message
        assert "已锁定" in msg and "后再试" in msg
        fill(screen, "password", PASSWORD)  # even the right password is refused now
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, LoginScreen)
        assert "已锁定" in screen.field("password").message


async def test_database_failure_keeps_typed_data(tui_settings, tui_services, monkeypatch):
    """A database failure shows a Chinese message and keeps the form; the app survives."""
    _, who = setup_admin(tui_services)

    def broken(*a, **kw):
        raise OSError("disk I/O error")

    app = make_app(tui_settings, tui_services)
    notes: list[str] = []
    monkeypatch.setattr(app, "notify", lambda message, **kw: notes.append(message))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(tui_services.accounts, "login", broken)
        screen = pilot.app.screen
        fill(screen, "login", who.mobile)
        fill(screen, "password", PASSWORD)
        screen.field("password").focus_control()
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.is_running and isinstance(pilot.app.screen, LoginScreen)
        assert screen.field("login").value == who.mobile and screen.field("password").value == PASSWORD
        assert any("数据库暂时无法访问" in n for n in notes)


async def test_escape_backs_out_without_losing_typed_data(tui_settings, tui_services):
    """Esc steps back (person → code → login); coming back finds the typed data."""
    _, code = setup_top(tui_services)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_register_step2(pilot, code)
        reg = pilot.app.screen
        fill(reg, "name", "王小明")
        fill(reg, "mobile", "13912345678")
        await pilot.press("escape")
        await pilot.pause()
        assert reg.step == 1
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, LoginScreen)
        await pilot.press("f2")
        await settle(pilot)
        assert pilot.app.screen is reg and reg.field("code").value == code
        reg.query_one("#input-code").focus()
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert reg.step == 2
        assert reg.field("name").value == "王小明" and reg.field("mobile").value == "13912345678"


async def test_second_registration_starts_empty(tui_settings, tui_services):
    """After a registration the next one starts from an empty form (no password kept)."""
    top_id, code = setup_top(tui_services)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_register_step2(pilot, code)
        reg = pilot.app.screen
        fill_person(reg, admin_person())
        reg.query_one("#input-password2").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, LoginScreen)
        await pilot.press("f2")
        await settle(pilot)
        again = pilot.app.screen
        assert isinstance(again, RegisterScreen) and again is not reg
        assert again.field("code").value == "" and again.field("password").value == ""


async def test_unreadable_database_at_start_is_said_on_screen(tui_settings, tui_services, monkeypatch):
    """A database that cannot be read at start-up gives a Chinese message, not a crash."""

    def gone():
        raise OSError("unable to open database file")

    monkeypatch.setattr(tui_services.orgs, "top", gone)
    app = make_app(tui_settings, tui_services)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.is_running
        text = str(app.query_one("#start-message").render())
        assert "无法读取数据库" in text and "OSError" in text


async def test_login_screen_shows_before_the_database_opens_and_a_bad_one_is_said(tmp_path):
    """Start-up (DESIGN: blocking work in workers): the login screen is up before the
    database is opened, a worker opens it afterwards; a file that is no database gives the
    store's Chinese sentence on screen instead of the login screen, not a crash."""
    from tests.conftest import make_settings

    good = make_settings(f"sqlite:///{tmp_path / 'zhtj.sqlite'}")
    app = make_app(good)
    seen = []
    shown = app.first_screen_shown

    def first_screen_shown():
        seen.append((type(app.screen).__name__, app.services._store is None))
        shown()

    app.first_screen_shown = first_screen_shown
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert seen[0] == ("LoginScreen", True)
        assert app.services._store is not None and not app.starting
        assert type(app.screen).__name__ == "FirstRunScreen"  # an empty database

    bad = tmp_path / "notes.sqlite"
    bad.write_text("hello\n", "utf-8")
    app = make_app(make_settings(f"sqlite:///{bad}"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.is_running and len(app.screen_stack) == 1
        text = str(app.query_one("#start-message").render())
        assert "无法读取数据库" in text and "file is not a database" in text
