"""An input over a value list with type-ahead: typing 汉 or "han" picks 汉族.

The matching is ``domain.pinyin.matches`` (the one place for it); the widget only keeps the
choices and replaces what was typed with the chosen item when asked (Enter, leaving).
"""

from __future__ import annotations

from collections.abc import Sequence

from zhtj_tui.domain import pinyin
from zhtj_tui.widgets.field import FieldInput


def best_choice(choices: Sequence[str], typed: str) -> str | None:
    """The item ``typed`` stands for: exact, then prefix, then pinyin/substring match."""
    t = typed.strip()
    if not t:
        return None
    if t in choices:
        return t
    for c in choices:
        if c.startswith(t):
            return c
    for c in choices:
        if pinyin.matches(c, t):
            return c
    return None


class ChoiceInput(FieldInput):
    """An ``Input`` whose value must be one of ``choices``."""

    def __init__(self, choices: Sequence[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.choices = tuple(choices)

    def best(self) -> str | None:
        return best_choice(self.choices, self.value)

    def on_blur(self) -> None:
        # In the field's own queue: before any key typed into it after the focus comes back.
        self.complete()

    def complete(self) -> bool:
        """Replace the typed text with the matching item; False when nothing matches."""
        if not self.value.strip():
            return True
        pick = self.best()
        if pick is None:
            return False
        if pick != self.value:
            self.value = pick
            self.cursor_position = len(pick)
        return True
