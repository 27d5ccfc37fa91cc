"""Typing into a form field repaints that field only (R-MEM-1: rapid entry keeps up with a
fast typist): Textual lays the whole screen out again whenever an input's text width
changes, which on a form of twenty widgets cost more than the key itself."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from zhtj_tui.widgets.field import FieldInput


class _Form(App):
    CSS = "FieldInput { width: 12; } Static { height: 1; }"

    def compose(self) -> ComposeResult:
        for i in range(10):
            yield Static(f"第{i}行")
        yield FieldInput(id="typed", compact=True)


async def test_keys_in_a_form_input_do_not_lay_the_screen_out_and_it_still_scrolls(monkeypatch):
    # R-MEM-1
    layouts: list[Screen] = []
    original = Screen._refresh_layout

    def counting(self, *args, **kwargs):
        layouts.append(self)
        return original(self, *args, **kwargs)

    app = _Form()
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        monkeypatch.setattr(Screen, "_refresh_layout", counting)
        await pilot.press(*"abcdefghijklmnopqrstuvwxyz")
        await pilot.pause()
        typed = app.query_one(FieldInput)
        assert typed.value == "abcdefghijklmnopqrstuvwxyz"
        assert layouts == []
        # The input still scrolls to keep the cursor in sight.
        row = app.screen._compositor.render_strips()[10].text
        assert row.startswith("pqrstuvwxyz")
        await pilot.press("home")
        await pilot.pause()
        assert app.screen._compositor.render_strips()[10].text.startswith("abcdefghijk")
