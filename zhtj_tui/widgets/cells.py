"""Text fitted to a number of terminal cells (CJK characters take two)."""

from __future__ import annotations

from rich.cells import cell_len


def _take(chars, cells: int) -> str:
    out, used = [], 0
    for ch in chars:
        if used + cell_len(ch) > cells:
            break
        out.append(ch)
        used += cell_len(ch)
    return "".join(out)


def fit_middle(text: str, cells: int) -> str:
    """``text`` in at most ``cells`` terminal cells: when too long, its beginning, an
    ellipsis and its end. Class names differ at the end (计算机专业2023级1班团支部), so
    a name with digits keeps everything from its first digit when that fits
    (计算…2023级1班团支部)."""
    if cell_len(text) <= cells:
        return text
    first_digit = next((i for i, ch in enumerate(text) if ch.isdigit()), None)
    if first_digit:
        tail = text[first_digit:]
        room = cells - 1 - cell_len(tail)
        head = _take(text[:first_digit], room) if room >= 2 else ""
        if head:
            return head + "…" + tail
    head = _take(text, 4)
    tail = _take(reversed(text), cells - cell_len(head) - 1)[::-1]
    return head + "…" + tail
