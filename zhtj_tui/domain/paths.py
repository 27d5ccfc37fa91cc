"""Materialized paths of the organisation tree (DESIGN rule 7): ``/1/7/42/`` is organisation
42 under 7 under the top organisation 1. The one place that knows their shape: reading the
ids, the path of a child, and "inside this subtree" as a test and as a half-open range
(``path >= lo AND path < upper(lo)`` seeks an index on SQLite and PostgreSQL alike)."""

from __future__ import annotations

from collections.abc import Mapping

ROOT = "/"


def ids(path: str) -> list[int]:
    """'/1/7/42/' -> [1, 7, 42]: the ids from the top organisation down to the organisation."""
    return [int(x) for x in path.strip("/").split("/") if x]


def child(parent_path: str, org_id: int) -> str:
    """The path of organisation ``org_id`` under the organisation at ``parent_path``
    (``ROOT`` for a top organisation)."""
    return f"{parent_path}{org_id}/"


def upper(path: str) -> str:
    """Upper bound of the paths under ``path`` as a half-open range ('/1/7/' -> '/1/70'):
    paths end in '/', and '0' is the character after '/'."""
    return path[:-1] + "0"


def upper_sql(expr: str) -> str:
    """``upper`` in SQL (SQLite and PostgreSQL), for a path read in the same statement."""
    return f"(substr({expr}, 1, length({expr}) - 1) || '0')"


def inside(path: str, ancestor: str) -> bool:
    """Whether ``path`` is ``ancestor`` itself or lies in its subtree."""
    return path.startswith(ancestor)


def from_parents(parent_of: Mapping[int, int | None]) -> tuple[dict[int, str | None], dict[int, int | None]]:
    """Each organisation's path and depth computed from its parent (``None`` for the top);
    ``None`` for both where the chain of parents loops or reaches an organisation that is
    not in ``parent_of``."""
    found: dict[int, str | None] = {}
    depths: dict[int, int | None] = {}
    for start in parent_of:
        chain = []
        oid: int | None = start
        seen = set()
        while oid is not None and oid not in found:
            if oid in seen or oid not in parent_of:
                break
            seen.add(oid)
            chain.append(oid)
            oid = parent_of[oid]
        prefix: str | None
        depth: int | None
        if oid is None:
            prefix, depth = ROOT, -1
        elif oid in found:
            prefix, depth = found[oid], depths[oid]
        else:
            prefix, depth = None, None
        for cid in reversed(chain):
            if prefix is None or depth is None:
                found[cid], depths[cid] = None, None
                continue
            prefix, depth = child(prefix, cid), depth + 1
            found[cid], depths[cid] = prefix, depth
    return found, depths
