"""Styles kept in ``.tcss`` files beside the screens that use them.

``beside(__file__, "view.tcss")`` returns the file's text for a class's ``DEFAULT_CSS``:
the style sits next to the component (readable, editable with a CSS-aware editor) and still
applies in every application that shows the component (the management centre, the window
after login, and test hosts), which a screen's ``CSS_PATH`` would not do for a widget.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def beside(module_file: str, name: str) -> str:
    return (Path(module_file).parent / name).read_text(encoding="utf-8")
