"""Completeness problems of an organisation and its subtree (R-TREE-3, ``zhtj check``)."""

from __future__ import annotations

from zhtj_tui.db.tally import PROBLEM_CONDITIONS
from zhtj_tui.domain.joinage import over_age_cutoff
from zhtj_tui.services.base import subtree_upper
from zhtj_tui.services.dto import Actor
from zhtj_tui.services.progress.base import ACTIVE_M
from zhtj_tui.services.progress.dto import (
    PROBLEM_KINDS,
    PROBLEM_LIMIT,
    Problem,
    Problems,
)
from zhtj_tui.services.progress.figures import FiguresPart


class ProblemsPart(FiguresPart):
    # -- R-TREE-3 -----------------------------------------------------------------------
    def problems(self, actor: Actor, org_id: int, limit: int = PROBLEM_LIMIT) -> Problems:
        """The completeness problems of ``org_id`` and its subtree: exact counts per kind,
        and up to ``limit`` of each kind by path."""

        def run():
            org = self.visible_org(actor, org_id)
            return self._problems(org, max(0, limit))

        return self.read(run)

    def _problems(self, org, limit: int) -> Problems:
        """Counts from the organisation's kept totals (``db.tally``); the problems listed
        through one partial index per kind, so each query reads what it lists."""
        lo, hi = org.path, subtree_upper(org.path)
        cutoff = self._date(over_age_cutoff(self.settings.today(), self.settings.join_age))
        params = {"lo": lo, "hi": hi, "lim": limit, "cutoff": cutoff, "x": org.id}
        row = self._rows("""
            SELECT t_orgs - t_sec, t_orgs - t_adm, t_orgs - t_info, t_br - t_brm, t_few, t_gbnb
            FROM org_tally WHERE org_id = $x""", params)[0]
        kept = dict(zip(("no_secretary", "no_admin", "info_incomplete", "branch_no_members",
                         "branch_few_members", "general_branch_non_branch_child"), map(int, row), strict=True))
        extra = {
            "general_branch_non_branch_child":
                "(SELECT min(k.short_name) FROM org k WHERE k.parent_id = t.org_id AND k.cat_group <> 'branch')",
            "branch_few_members": "t.m",
        }
        found: dict[str, tuple[int, list[tuple]]] = {}
        for kind, condition in PROBLEM_CONDITIONS.items():
            sql = f"""
                SELECT t.org_id, t.path, {extra.get(kind, "''")} FROM org_tally t
                WHERE t.path >= $lo AND t.path < $hi AND {condition.replace("grp", "t.grp")}"""
            if kind in kept:
                n = kept[kind]
                rows = self._rows(sql + " ORDER BY t.path LIMIT $lim", params) if n and limit else []
                found[kind] = (n, [r[:3] for r in rows])
            else:
                found[kind] = self._windowed(sql, params)
        # Branches with 超龄 members: their number from the subtree's counts by birth month
        # (db.tally_age) and the branches whose oldest member was born in the cut-off's
        # month up to the cut-off; the first of them by path through each one's oldest member.
        params["month"] = self._date(over_age_cutoff(self.settings.today(), self.settings.join_age).replace(day=1))
        n = int(self._rows("""
            SELECT COALESCE(SUM(a.br), 0) FROM org_age_tally a
            WHERE a.org_id = $x AND a.born < $month""", params)[0][0] or 0)
        n += int(self._rows("""
            SELECT count(*) FROM org_tally t
            WHERE t.oldest >= $month AND t.oldest <= $cutoff AND t.path >= $lo AND t.path < $hi""", params)[0][0])
        rows = self._rows(f"""
            SELECT t.org_id, t.path,
                   (SELECT count(*) FROM member m WHERE m.branch = t.org_id AND {ACTIVE_M}
                      AND m.birth_date <= $cutoff)
            FROM org_tally t
            WHERE t.path >= $lo AND t.path < $hi AND t.grp = 'branch' AND t.oldest <= $cutoff
            ORDER BY t.path LIMIT $lim""", params) if n and limit else []
        found["branch_over_age"] = (n, [r[:3] for r in rows])
        code_rows = self._expiring_codes(lo, hi)
        found["code_expiring"] = (len(code_rows), [
            (oid, path, f"有效期至 {self.settings.fmt(exp)}") for oid, path, exp in code_rows[:limit]])
        paths = [row[1] for _, rows in found.values() for row in rows]
        names = self.names_along_all(paths)
        items = []
        for kind, severity, _ in PROBLEM_KINDS:
            for oid, path, detail in found[kind][1]:
                items.append(Problem(kind, severity, oid, names[path][-1], names[path], _detail(kind, detail)))
        counts = tuple((kind, found[kind][0]) for kind, _, _ in PROBLEM_KINDS)
        return Problems(org.id, counts, tuple(items))


def _detail(kind: str, extra) -> str:
    if kind == "branch_few_members":
        return f"现有团员{int(extra)}人"
    if kind == "branch_over_age":
        return f"超龄团员{int(extra)}人"
    if kind == "general_branch_non_branch_child":
        return f"下级组织“{extra}”不是团支部"
    return str(extra or "")
