"""What the parts of the progress service share: raw SQL over the materialized path."""

from __future__ import annotations

from datetime import date

from zhtj_tui.services.base import ServiceBase, active_sql

#: An active member of ``member m`` (R-MEM-3, ``services.base.active_sql``).
ACTIVE_M = active_sql("m")

_UPPER = "(substr({p}, 1, length({p}) - 1) || '0')"


def _upper(col: str) -> str:
    """SQL for the subtree upper bound of a path column (see ``subtree_upper``)."""
    return _UPPER.format(p=col)


class ProgressBase(ServiceBase):
    """Helpers for the figures, problems and tasks parts."""

    def _windowed(self, sql: str, params: dict) -> tuple[int, list[tuple]]:
        """The exact count and the first ``$lim`` rows by path, in one query."""
        rows = self._rows(f"SELECT t.*, count(*) OVER () FROM ({sql}) t ORDER BY 2 LIMIT $lim", params)
        if rows:
            return int(rows[0][-1]), [r[:3] for r in rows]
        if params["lim"] == 0:
            return int(self._rows(f"SELECT count(*) FROM ({sql}) t", params)[0][0]), []
        return 0, []

    def _rows(self, sql: str, params: dict) -> list[tuple]:
        return list(self.s.execute(sql, params).fetchall())

    def _date(self, d: date):
        # SQLite keeps dates as ISO text; PostgreSQL as dates.
        return d.isoformat() if self.s.provider == "sqlite" else d

