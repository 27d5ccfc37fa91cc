"""Reaching every place in a key or two at 80x24: each tab directly, focus always visible,
every dialog giving the focus back where the user was, confirmations doing what their
highlighted choice says, a footer that fits, and a busy indicator that shows only while work
runs (keyboard use over SSH; DESIGN "Over SSH")."""

from __future__ import annotations

import pytest
from textual.widgets import Button, DataTable, Footer, Input, OptionList, Tabs, Tree

from tests.helpers import PASSWORD
from tests.tui.conftest import settle
from tests.tui.flows import login, setup_admin
from zhtj_tui.app import make_app
from zhtj_tui.screens.keys import ALT_DIGIT_KEYS

TABS = ("info", "children", "create", "members", "progress", "cadres")


@pytest.fixture
def demo(small_demo):
    return small_demo


async def until(pilot, condition, rounds: int = 300) -> None:
    """Let the app process messages until ``condition`` holds (a switch of tab finishes a
    refresh after the key itself), at most ``rounds`` pauses (bounded for a machine running
    two suites at once; it returns as soon as the condition holds); the caller asserts it."""
    for _ in range(rounds):
        if condition():
            return
        await pilot.pause(0.1)


async def demo_centre(pilot, demo, login_index: int = 0):
    screen = pilot.app.screen
    screen.query_one("#field-login").value = demo.logins[login_index].mobile
    screen.query_one("#field-password").value = demo.password
    screen.query_one("#input-password").focus()
    await pilot.press("enter")
    await settle(pilot)
    return pilot.app.screen


@pytest.mark.parametrize("form", ["alt", "option"])
async def test_each_tab_by_alt_digit_from_anywhere(tui_settings, tui_services, demo, form):
    """Alt+1…6 open each tab and focus inside it, whether the terminal sends alt+n or Esc+n
    (read as ¡™£¢∞§), from the tree and from inside an input, which types nothing."""
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        centre = await demo_centre(pilot, demo)
        tabs = centre.query_one("#panes")
        assert pilot.app.focused is centre.query_one("#tree")
        for n, tab in reversed(list(enumerate(TABS, start=1))):
            await pilot.press(f"alt+{n}" if form == "alt" else ALT_DIGIT_KEYS[n - 1])
            await settle(pilot)
            await until(pilot, lambda tab=tab: tabs.active == tab and pilot.app.focused is not None
                        and centre.panes[tab] in pilot.app.focused.ancestors)
            assert tabs.active == tab
            focused = pilot.app.focused
            assert focused is not None and centre.panes[tab] in focused.ancestors, tab
        # In the 本组织 form, an input has the focus; Alt+4 goes to 团员, typing nothing.
        centre.panes["info"].query(Input).first().focus()
        await pilot.pause()
        before = {i.id: i.value for i in centre.query(Input)}
        await pilot.press("alt+4" if form == "alt" else "cent_sign")
        await settle(pilot)
        await until(pilot, lambda: tabs.active == "members")
        assert tabs.active == "members"
        assert {i.id: i.value for i in centre.query(Input)} == before


async def test_tab_keys_are_in_the_footer_and_the_help(tui_settings, tui_services, demo):
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        centre = await demo_centre(pilot, demo)
        said = [d for _k, d in pilot.app.screen_keys(centre)]
        for title in ("本组织", "下级管理", "创建下级", "团员", "进度", "团干部"):
            assert f"“{title}”标签" in said  # F1 names every tab's key
        footer_keys = [str(k.render()) for k in centre.query_one(Footer).query("FooterKey")]
        assert any("Alt+1…6" in k and "标签" in k for k in footer_keys)


async def test_footer_fits_80_columns_in_every_tab(tui_settings, tui_services, demo):
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        centre = await demo_centre(pilot, demo)
        footer = centre.query_one(Footer)
        for n, tab in enumerate(TABS, start=1):
            await pilot.press(f"alt+{n}")
            await settle(pilot)
            await until(pilot, lambda tab=tab: centre.query_one("#panes").active == tab)
            assert centre.query_one("#panes").active == tab
            assert footer.virtual_size.width <= 80, tab


def _style(widget, component: str | None = None):
    if component is None:
        return widget.rich_style
    return widget.get_component_rich_style(component)


async def test_focus_is_visible_on_every_kind_of_widget(tui_settings, tui_services, demo):
    """Tables, trees, lists: the cursor looks different with and without the focus; of two
    buttons, only the focused one is filled (whatever their colours)."""
    from zhtj_tui.screens.confirm import ConfirmModal

    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        centre = await demo_centre(pilot, demo)
        await pilot.press("alt+5")  # 进度: a table and a list
        await settle(pilot)
        checks = [(centre.query_one("#tree", Tree), "tree--cursor"),
                  (centre.query_one("#pv-table", DataTable), "datatable--cursor"),
                  (centre.query_one("#pv-problems", OptionList), "option-list--option-highlighted")]
        for widget, component in checks:
            widget.focus()
            await pilot.pause()
            focused = _style(widget, component)
            centre.query_one(Tabs).focus()  # the row of tabs
            await pilot.pause()
            assert pilot.app.focused is not widget
            blurred = _style(widget, component)
            assert focused.bgcolor != blurred.bgcolor, type(widget).__name__
        modal = ConfirmModal("确认首次保存", "保存后将锁定。", yes="确认保存")
        await pilot.app.push_screen(modal)
        await pilot.pause()
        yes, no = modal.query_one("#yes", Button), modal.query_one("#no", Button)
        assert pilot.app.focused is no  # the safe default has the focus…
        assert _style(no).bgcolor != _style(yes).bgcolor
        no_focused, yes_blurred = _style(no).bgcolor, _style(yes).bgcolor
        yes.focus()
        await pilot.pause()
        assert _style(yes).bgcolor != yes_blurred  # only the focused button is filled
        assert _style(no).bgcolor != no_focused


async def test_confirmation_enter_does_the_highlighted_choice(tui_settings, tui_services):
    """R-INFO-2's first-save question: the highlighted (focused) button is what Enter does,
    and the dialog names it; → then Enter saves."""
    from zhtj_tui.screens.confirm import ConfirmModal

    results = []
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for keys, default, expected in ((["enter"], "no", False), (["right", "enter"], "yes", False),
                                        (["left", "enter"], "no", True), (["enter"], "yes", True),
                                        (["tab", "enter"], "yes", False)):
            modal = ConfirmModal("确认首次保存", "保存后简称、全称、类别将锁定。", yes="确认保存", default=default)
            pilot.app.push_screen(modal, results.append)
            await pilot.pause()
            enter_does = "确认保存" if default == "yes" else "取消"
            assert f"Enter {enter_does}" in str(modal.query_one(".dialog-help").render())
            await pilot.press(*keys)
            await pilot.pause()
            assert results[-1] is expected, (keys, default)


@pytest.mark.parametrize("together", [False, True], ids=["esc-apart", "esc-with-digit"])
async def test_esc_from_registration_returns_to_the_login_field(tui_settings, tui_services, together):
    """The reported trap: after Esc from 注册管理员, what is typed goes to the login field,
    and Enter moves on to the password (it does not re-open registration). Over a slow link
    Esc and the next key arrive together (ESC 1, which Textual reads as the Option character
    ¡): outside the management centre that is Esc, then 1, and the number ends whole in the
    login field too."""
    _, who = setup_admin(tui_services)
    assert who.mobile.startswith("1")
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        login_screen = pilot.app.screen
        await pilot.press("f2")
        await settle(pilot)
        assert pilot.app.screen is not login_screen
        if together:
            await pilot.press("inverted_exclamation_mark", *who.mobile[1:], "enter")  # ESC 1, then the rest
        else:
            await pilot.press("escape")
            await settle(pilot)
            assert pilot.app.screen is login_screen
            await pilot.press(*who.mobile, "enter")
        await settle(pilot)
        assert pilot.app.screen is login_screen
        assert login_screen.query_one("#field-login").value == who.mobile
        assert pilot.app.focused is login_screen.query_one("#input-password")
        await pilot.press(*PASSWORD, "enter")
        await settle(pilot)
        assert type(pilot.app.screen).__name__ == "CentreScreen"


def test_esc_then_a_key_from_one_read():
    """What each key read with a leading Esc stands for (screens.keys.escape_then)."""
    from textual import events

    from zhtj_tui.screens.keys import escape_then

    def keys(key: str, char: str | None, centre: bool) -> list[tuple[str, str | None]]:
        return [(k.key, k.character) for k in escape_then(events.Key(key, char), centre)]

    assert keys("inverted_exclamation_mark", "¡", centre=True) == [("alt+1", None)]  # a tab
    assert keys("section_sign", "§", centre=False) == [("escape", "\x1b"), ("6", "6")]
    assert keys("alt+a", "a", centre=True) == [("escape", "\x1b"), ("a", "a")]
    assert keys("alt+shift+z", "Z", centre=False) == [("escape", "\x1b"), ("Z", "Z")]
    assert keys("alt+3", None, centre=False) == [("alt+3", None)]  # the kitty protocol's own Alt+3
    assert keys("a", "a", centre=False) == [("a", "a")]
    assert keys("pilcrow_sign", "¶", centre=False) == [("pilcrow_sign", "¶")]  # a character, not a tab key


@pytest.mark.parametrize("where", ["tree", "table"])
@pytest.mark.parametrize("key", ["f1", "f3", "ctrl+p", "t"])
async def test_every_dialog_gives_the_focus_back(tui_settings, tui_services, demo, where, key):
    """Help, search, the command palette and the tasks: Esc returns the focus where it was."""
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        centre = await demo_centre(pilot, demo)
        await pilot.press("alt+5")
        await settle(pilot)
        target = centre.query_one("#tree") if where == "tree" else centre.query_one("#pv-table")
        target.focus()
        await pilot.pause()
        if key == "t" and where == "tree":
            key = "f1"  # t is the progress pane's key
        await pilot.press(key)
        await settle(pilot)
        assert pilot.app.screen is not centre, key
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is centre
        assert pilot.app.focused is target, (key, where)


async def test_progress_window_gives_the_focus_to_the_centre(tui_settings, tui_services, demo, monkeypatch):
    """After the window shown at login is closed, the tree has the focus (not nothing)."""
    import zhtj_tui.app as app_module
    from zhtj_tui.screens.progress import after_login

    monkeypatch.setattr(app_module, "AFTER_LOGIN_HOOKS", [after_login])
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await demo_centre(pilot, demo)
        assert type(pilot.app.screen).__name__ == "ProgressModal"
        await pilot.press("escape")
        await settle(pilot)
        centre = pilot.app.screen
        assert pilot.app.focused is centre.query_one("#tree")


async def test_busy_indicator_only_while_work_runs(tui_settings, tui_services):
    """A call replaced before it started never reports back: the top bar still clears."""
    import threading

    from zhtj_tui.widgets.calls import run_service

    _, who = setup_admin(tui_services)
    gate = threading.Event()
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        centre = pilot.app.screen
        busy = centre.query_one("#topbar-busy")
        run_service(centre, gate.wait, group="slow")
        run_service(centre, lambda: None, group="slow")  # replaces the first, maybe before it ran
        await pilot.pause()
        assert "正在处理" in str(busy.render()) or not pilot.app.busy
        gate.set()
        await settle(pilot)
        for _ in range(200):
            if not pilot.app.busy:
                break
            await pilot.pause(0.1)
        await pilot.pause(0.4)
        assert not pilot.app.busy, [(w.group, w.state) for w in pilot.app._busy]
        assert str(busy.render()) == ""


async def test_busy_indicator_shows_for_slow_work_not_for_quick_work(tui_settings, tui_services):
    """"正在处理…" appears once work has run for a noticeable time, and never for a quick
    call (which would cost a repaint of every top bar for nothing)."""
    import threading

    from zhtj_tui.widgets.calls import run_service

    _, who = setup_admin(tui_services)
    gate = threading.Event()
    shown: list[bool] = []
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        centre = pilot.app.screen
        busy = centre.query_one("#topbar-busy")
        pilot.app.watch(pilot.app, "work_running", lambda value: shown.append(value), init=False)
        run_service(centre, lambda: None, group="quick")
        await settle(pilot)
        assert shown == [] and str(busy.render()) == ""
        run_service(centre, gate.wait, group="slow")
        for _ in range(400):  # shown once the work has run for a noticeable time
            await pilot.pause(0.05)
            if "正在处理" in str(busy.render()):
                break
        assert "正在处理" in str(busy.render())
        gate.set()
        await settle(pilot)
        await pilot.pause()
        assert shown == [True, False] and str(busy.render()) == ""


async def _palette(pilot, text: str):
    from textual.command import CommandList

    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*text)
    for _ in range(400):  # the providers search in threads; the list fills when they answer
        await pilot.pause(0.05)
        options = pilot.app.screen.query_one(CommandList)
        prompts = [str(getattr(options.get_option_at_index(i).prompt, "plain", "")) or
                   str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        if prompts:
            return prompts
    return []


@pytest.mark.parametrize("typed", ["lc2026", "临床2026"])
async def test_palette_finds_organisations_by_pinyin_and_digits(tui_settings, tui_services, demo, typed):
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        centre = await demo_centre(pilot, demo)
        prompts = await _palette(pilot, typed)
        assert any("临床医学专业2026级1班团支部" in p for p in prompts), prompts
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is centre
        assert centre.view.short_name.startswith("临床医学专业2026级")


async def test_palette_is_chinese_and_finds_actions_by_name(tui_settings, tui_services, demo):
    from zhtj_tui.screens.palette import NOTHING_FOUND

    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        centre = await demo_centre(pilot, demo)
        prompts = await _palette(pilot, "查找组织")
        assert any("查找组织" in p for p in prompts), prompts
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is centre
        prompts = await _palette(pilot, "qqqqqq")
        for _ in range(200):  # said after a short delay of the palette's own
            if prompts and NOTHING_FOUND in prompts[-1]:
                break
            await pilot.pause(0.1)
            options = pilot.app.screen.query_one("CommandList")
            prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any(NOTHING_FOUND in p for p in prompts), prompts
        keys = [b.binding.description for b in pilot.app.screen.active_bindings.values() if b.binding.show]
        assert keys == ["关闭命令面板"]
