"""Keys as terminals send them.

Most terminals send Alt+digit as Esc followed by the digit, which Textual reads as the
macOS Option characters (¡ ™ £ ¢ ∞ §, see ``textual._ansi_sequences``); terminals with the
kitty protocol send ``alt+1``. Both mean the same here, in the management centre. Esc and
the next key typed quickly (or delivered together by a slow link) arrive as the same bytes:
outside the centre, and for any Alt+letter (the program has none), they are read as Esc
then that key (``escape_then``).
"""

from __future__ import annotations

from textual import events
from textual.keys import _character_to_key

ALT_DIGIT_KEYS = ("inverted_exclamation_mark", "trade_mark_sign", "pound_sign", "cent_sign", "infinity",
                  "section_sign")


def alt_digit(key: str) -> int | None:
    """1…6 for Alt+1…6 however it arrived, else None."""
    if key.startswith("alt+") and key[4:].isdigit() and 1 <= int(key[4:]) <= len(ALT_DIGIT_KEYS):
        return int(key[4:])
    if key in ALT_DIGIT_KEYS:
        return ALT_DIGIT_KEYS.index(key) + 1
    return None


def escape_then(event: events.Key, centre: bool) -> list[events.Key]:
    """The keys ``event`` stands for: itself, alt+1…6 in the centre, or Esc and the key
    it was read together with."""
    digit = alt_digit(event.key)
    if digit is not None and not event.key.startswith("alt+"):
        if centre:
            keys = [events.Key(f"alt+{digit}", None)]
        else:
            keys = [events.Key("escape", "\x1b"), events.Key(str(digit), str(digit))]
    elif (event.key.startswith("alt+") and digit is None and event.character is not None
          and len(event.character) == 1 and event.character.isascii() and event.character.isprintable()):
        keys = [events.Key("escape", "\x1b"), events.Key(_character_to_key(event.character), event.character)]
    else:
        return [event]
    for key in keys:
        key.time = event.time
    return keys
