"""DESIGN rule 1, the direction of imports: screens/widgets -> services -> db + domain.
``domain`` imports nothing of ours but itself; ``services``, ``db``, ``domain`` and
``excel`` never import textual; screens and widgets never import pony or the db package,
nor ``excel``: reading and writing files are use cases of the services."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "zhtj_tui"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(sub: str) -> list[Path]:
    return sorted((PKG / sub).rglob("*.py"))


def _violations(sub: str, forbidden) -> list[str]:
    out = []
    for path in _modules(sub):
        for name in sorted(_imports(path)):
            if forbidden(name):
                out.append(f"{path.relative_to(PKG.parent)} imports {name}")
    return out


@pytest.mark.parametrize("sub", ["domain", "db", "services", "excel", "demo"])
def test_core_never_imports_textual(sub):
    assert _modules(sub), f"zhtj_tui/{sub} has no modules"
    assert _violations(sub, lambda n: n == "textual" or n.startswith("textual.")) == []


def test_domain_imports_only_domain():
    def bad(name: str) -> bool:
        return name.startswith("zhtj_tui") and not name.startswith("zhtj_tui.domain")

    assert _violations("domain", bad) == []


@pytest.mark.parametrize("sub", ["screens", "widgets"])
def test_interface_never_imports_pony_or_db(sub):
    if sub == "screens":
        assert _modules(sub), "zhtj_tui/screens has no modules"

    def bad(name: str) -> bool:
        return name == "pony" or name.startswith("pony.") or name.startswith("zhtj_tui.db")

    assert _violations(sub, bad) == []


@pytest.mark.parametrize("sub", ["screens", "widgets"])
def test_interface_never_imports_excel(sub):
    def bad(name: str) -> bool:
        return name == "zhtj_tui.excel" or name.startswith("zhtj_tui.excel.") or name == "openpyxl" \
            or name.startswith("openpyxl.")

    assert _violations(sub, bad) == []


def test_the_checker_sees_imports(tmp_path):
    # The checker itself must notice an import, or the tests above prove nothing.
    f = tmp_path / "m.py"
    f.write_text("from pony.orm import select\nimport textual.app\n", "utf-8")
    assert {"pony.orm", "textual.app"} <= _imports(f)
