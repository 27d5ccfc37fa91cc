"""Textual's CSS, parsed once and kept between runs of the program.

Textual parses every style sheet it meets (its widgets' ``DEFAULT_CSS``, ``app.tcss``) at each
start: about a fifth of the work before the first screen's first frame. ``install()`` keeps
each parsed style sheet in the user's state directory (the directory of the error log,
readable by its owner only), keyed by its text, where it was read from, how it is applied,
the theme's variables and the installed Textual (a file that is not the user's own, or that
others may write, is not read), and hands it back on the next start instead
of parsing it again. Anything unreadable, from another version, or with errors is parsed
as usual; a changed style sheet is a new key.

The rules are stored one style sheet per entry (unpickled when first asked for), so a start
reads only what its first screen uses. Written when the program ends, if anything new was
parsed, by replacing the file at once (several programs may end together); also a moment
after start-up (a program that is killed still leaves what its first screen needed).
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

#: Changes when what is stored changes.
FORMAT = 1

#: Style sheets kept at most; beyond, only those this run used (old versions of changed
#: style sheets are dropped).
KEEP = 400

_installed: CssCache | None = None


class CssCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.version = f"{FORMAT}/{_textual_files()}"
        self.stored: dict[str, bytes] = {}
        #: What this run used, by key.
        self.parsed: dict[str, Any] = {}
        self.changed = False
        self._variables: tuple[object, str] | None = None
        try:
            with open(path, "rb") as fh:
                st = os.fstat(fh.fileno())
                if st.st_uid != os.getuid() or st.st_mode & 0o022:
                    return  # written by someone else, or writable by others: not read
                data = pickle.load(fh)
            if isinstance(data, dict) and data.get("version") == self.version:
                self.stored = data["sheets"]
        except Exception:  # noqa: BLE001 - no cache, or an unusable one: parse as usual
            self.stored = {}

    def key(self, css: str, read_from, is_default_rules: bool, tie_breaker: int, scope: str,
            variables: dict[str, str]) -> str:
        if self._variables is None or self._variables[0] is not variables:
            text = repr(sorted(variables.items()))
            self._variables = (variables, hashlib.blake2b(text.encode(), digest_size=16).hexdigest())
        head = repr((read_from, is_default_rules, tie_breaker, scope, self._variables[1]))
        return hashlib.blake2b((head + css).encode(), digest_size=20).hexdigest()

    def get(self, key: str):
        rules = self.parsed.get(key)
        if rules is None and key in self.stored:
            try:
                rules = self.parsed[key] = pickle.loads(self.stored[key])
            except Exception:  # noqa: BLE001 - parsed again
                del self.stored[key]
        return rules

    def put(self, key: str, rules) -> None:
        try:
            self.stored[key] = pickle.dumps(rules, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - not kept
            return
        self.parsed[key] = rules
        self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        self.changed = False
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                # A copy: another thread may be adding to it (one C call under the GIL).
                sheets = dict(self.stored)
                if len(sheets) > KEEP:
                    sheets = {key: sheets[key] for key in list(self.parsed) if key in sheets}
                pickle.dump({"version": self.version, "sheets": sheets}, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except OSError:
            tmp.unlink(missing_ok=True)


def _textual_files() -> str:
    """Which Textual parses the CSS and defines what is stored: where it is installed, and
    the size and time of its CSS modules (its version number costs a look through the
    installed packages' metadata)."""
    from textual.css import model

    folder = Path(model.__file__).parent
    marks = [str(folder)]
    for name in ("model.py", "parse.py", "styles.py", "stylesheet.py", "tokenize.py", "types.py"):
        st = os.stat(folder / name)
        marks.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.blake2b(" ".join(marks).encode(), digest_size=16).hexdigest()


def install(path: Path) -> CssCache:
    """Parse Textual CSS through the cache at ``path`` from now on (once per process)."""
    global _installed
    if _installed is not None:
        return _installed
    from textual.css.stylesheet import Stylesheet

    cache = _installed = CssCache(path)
    parse_rules = Stylesheet._parse_rules

    def _parse_rules(self, css, read_from, is_default_rules=False, tie_breaker=0, scope=""):
        key = cache.key(css, read_from, is_default_rules, tie_breaker, scope, self._variables)
        rules = cache.get(key)
        if rules is None:
            rules = parse_rules(self, css, read_from, is_default_rules, tie_breaker, scope)
            if not any(rule.errors for rule in rules):
                cache.put(key, rules)
        return rules

    Stylesheet._parse_rules = _parse_rules  # type: ignore[method-assign]
    return cache


def save() -> None:
    """Write what was parsed for the first time in this run (when the program ends)."""
    if _installed is not None:
        _installed.save()
