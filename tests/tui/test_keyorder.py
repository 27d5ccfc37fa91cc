"""Keys typed ahead are handled in order, each by the widget focused at its point of the
sequence (``widgets.keyorder.OrderedKeys``), for keys the widget takes itself (characters)
and for keys that bubble up to a binding (Backspace, Ctrl+U, a screen's Ctrl+N), also when
a binding moves the focus in a callback (``Widget.focus``) or a screen holds the keys."""

from __future__ import annotations

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Input

from zhtj_tui.widgets.keyorder import OrderedKeys


class Two(App):
    BINDINGS = [Binding("ctrl+n", "next_field", "next")]

    def compose(self) -> ComposeResult:
        yield Input("abc", id="a", select_on_focus=False)
        yield Input("xyz", id="b", select_on_focus=False)

    def action_next_field(self) -> None:
        self.query_one("#b", Input).focus()  # takes effect in a callback, later


class OrderedTwo(OrderedKeys, Two):
    pass


def burst(app, keys: list[tuple[str, str | None]]) -> None:
    for key, char in keys:
        app.post_message(events.Key(key, char))


SEQUENCE = [("backspace", "\x7f"), ("1", "1"), ("ctrl+n", "\x0e"), ("backspace", "\x7f"), ("backspace", "\x7f"),
            ("2", "2"), ("ctrl+u", "\x15"), ("3", "3")]


async def _run(app) -> tuple[str, str]:
    async with app.run_test() as pilot:
        await pilot.pause()
        app.query_one("#a", Input).cursor_position = 3
        app.query_one("#b", Input).cursor_position = 3
        await pilot.pause()
        burst(app, SEQUENCE)
        for _ in range(100):
            await pilot.pause()
            if getattr(app, "keys_idle", True) and app.query_one("#b", Input).value in ("3", "x2"):
                break
        return app.query_one("#a", Input).value, app.query_one("#b", Input).value


async def test_each_key_reaches_the_field_focused_at_its_turn():
    # a: "abc" ⌫ 1 → "ab1"; Ctrl+N moves to b: "xyz" ⌫⌫ 2 → "x2", Ctrl+U → "", 3 → "3".
    assert await _run(OrderedTwo()) == ("ab1", "3")


async def test_without_the_ordering_keys_go_astray():
    # What the ordering fixes (Textual hands keys to the focused widget's queue and looks up
    # the bindings of bubbled keys later): the same burst does not give the same result.
    assert await _run(Two()) != ("ab1", "3")


async def test_held_keys_wait_and_can_be_dropped():
    app = OrderedTwo()
    async with app.run_test() as pilot:
        await pilot.pause()
        a = app.query_one("#a", Input)
        a.cursor_position = 3
        app.hold_keys("save")
        burst(app, [("1", "1"), ("2", "2")])
        await pilot.pause()
        assert a.value == "abc" and app.keys_waiting == 2
        assert app.release_keys("save") == 2
        for _ in range(50):
            await pilot.pause()
            if app.keys_idle:
                break
        assert a.value == "abc12"
        app.hold_keys("save")
        burst(app, [("3", "3")])
        await pilot.pause()
        assert app.release_keys("save", discard=True) == 1
        await pilot.pause()
        assert a.value == "abc12" and app.keys_idle
        # A hold with no key behind it yet is not idle: what it waits for (the focus after
        # a save) is still to come, and a key typed now would wait for it.
        app.hold_keys("save")
        assert not app.keys_idle
        app.release_keys("save")
        assert app.keys_idle
