"""Keys as terminals send them.

Most terminals send Alt+digit as Esc followed by the digit, which Textual reads as the
macOS Option characters (¡ ™ £ ¢ ∞ §, see ``textual._ansi_sequences``); terminals with the
kitty protocol send ``alt+1``. Both mean the same here.
"""

from __future__ import annotations

ALT_DIGIT_KEYS = ("inverted_exclamation_mark", "trade_mark_sign", "pound_sign", "cent_sign", "infinity",
                  "section_sign")


def alt_digit(key: str) -> int | None:
    """1…6 for Alt+1…6 however it arrived, else None."""
    if key.startswith("alt+") and key[4:].isdigit() and 1 <= int(key[4:]) <= len(ALT_DIGIT_KEYS):
        return int(key[4:])
    if key in ALT_DIGIT_KEYS:
        return ALT_DIGIT_KEYS.index(key) + 1
    return None
