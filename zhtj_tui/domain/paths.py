"""Materialized paths of the organisation tree (DESIGN rule 7): ``/1/7/42/`` is organisation
42 under 7 under the top organisation 1. The one place that knows their shape: reading the
ids, the path of a child, and "inside this subtree" as a test and as a half-open range
(``path >= lo AND path < upper(lo)`` seeks an index on SQLite and PostgreSQL alike)."""

from __future__ import annotations

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


def inside(path: str, ancestor: str) -> bool:
    """Whether ``path`` is ``ancestor`` itself or lies in its subtree."""
    return path.startswith(ancestor)
