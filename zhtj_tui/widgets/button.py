"""The program's buttons: Textual's ``Button`` in its compact form."""

from __future__ import annotations

from textual.css.types import CSSLocation
from textual.widgets import Button
from textual.widgets._button import ButtonVariant


class CompactButton(Button):
    """Textual's compact ``Button`` (one line, no border), styled by the rules of Textual's
    button that a compact button of the default style shows, and only those: Textual's own
    are some sixty rules (the flat style, terminal-colour themes, borders a compact button
    never draws), parsed and matched against every button when the first screen starts.
    It is still a ``Button`` to CSS (``Button`` selectors match it): the colours the program
    gives its buttons are in ``app.tcss`` (``Button.-textual-compact``).

    Its style classes are set when it is made, so that the first styling of the button is
    already the right one (Textual sets them when the button is mounted and styles the
    button again for each)."""

    DEFAULT_CSS = """
    CompactButton {
        width: auto;
        min-width: 16;
        height: auto;
        line-pad: 1;
        text-align: center;
        content-align: center middle;
        pointer: pointer;
        border: none;
        &.-style-default {
            text-style: bold;
            color: $button-foreground;
            background: $surface;
            &:disabled { text-opacity: 0.6; pointer: not-allowed; }
            &:focus { text-style: $button-focus-text-style; background-tint: $foreground 5%; }
            &:hover { background: $surface-darken-1; }
            &.-active { background: $surface; tint: $background 30%; }
            &.-primary {
                color: $button-color-foreground; background: $primary;
                &:hover { background: $primary-darken-2; }
                &.-active { background: $primary; }
            }
            &.-success {
                color: $button-color-foreground; background: $success;
                &:hover { background: $success-darken-2; }
                &.-active { background: $success; }
            }
            &.-warning {
                color: $button-color-foreground; background: $warning;
                &:hover { background: $warning-darken-2; }
                &.-active { background: $warning; }
            }
            &.-error {
                color: $button-color-foreground; background: $error;
                &:hover { background: $error-darken-1; }
                &.-active { background: $error; }
            }
        }
    }
    """

    def _get_default_css(self) -> list[tuple[CSSLocation, str, int, str]]:
        return [css for css in super()._get_default_css() if css[0][1] != "Button.DEFAULT_CSS"]

    def __init__(self, label: str, *, variant: ButtonVariant = "default", id: str | None = None,
                 classes: str = "") -> None:
        marks = f"-style-default -{variant}"
        super().__init__(label, variant=variant, id=id, classes=f"{classes} {marks}".strip(), compact=True)
