"""The key bar at the bottom of each screen."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeysFooter(Footer):
    """Textual's compact ``Footer`` that shows its keys in the screen's first frame and is
    rebuilt only when the keys it shows change.

    Textual's footer starts empty and rebuilds itself (removes and mounts every key) after
    each change of the screen's bindings, i.e. after every focus move, even when the keys
    it shows stay the same: on a screen that opens, a second pass of styling, layout and
    painting right after the first frame (which that rebuild may also swallow)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(compact=True, **kwargs)
        self._shown: tuple | None = None

    def _keys(self) -> tuple:
        """What the footer shows for the screen's bindings now."""
        palette = self.app.COMMAND_PALETTE_BINDING
        return tuple(
            (key, b.action, b.description, b.group, b.key_display, enabled, tooltip)
            for key, (_node, b, enabled, tooltip) in self.screen.active_bindings.items()
            if b.show or key == palette
        )

    def compose(self):
        self.set_reactive(Footer._bindings_ready, True)
        self._shown = self._keys()
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen and self._keys() == self._shown:
            return
        super().bindings_changed(screen)
