"""Completeness problems of an organisation and its subtree (R-TREE-3, ``zhtj check``)."""

from __future__ import annotations

from zhtj_tui.domain.joinage import over_age_cutoff
from zhtj_tui.services.base import subtree_upper
from zhtj_tui.services.dto import Actor
from zhtj_tui.services.progress.base import ACTIVE_M, _upper
from zhtj_tui.services.progress.dto import (
    MIN_BRANCH_MEMBERS,
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
        lo, hi = org.path, subtree_upper(org.path)
        cutoff = self._date(over_age_cutoff(self.settings.today(), self.settings.join_age))
        params = {"lo": lo, "hi": hi, "lim": limit, "cutoff": cutoff}
        in_tree = "o.path >= $lo AND o.path < $hi"
        member_counts = f"""
            SELECT m.path AS path, count(*) AS n FROM member m
            WHERE m.path >= $lo AND m.path < $hi AND {ACTIVE_M} GROUP BY m.path"""
        queries = {
            "no_branch": f"""
                SELECT o.id, o.path, '' FROM org o
                WHERE {in_tree} AND o.cat_group IN ('committee', 'general_branch')
                  AND NOT EXISTS (SELECT 1 FROM org b WHERE b.cat_group = 'branch'
                                  AND b.path > o.path AND b.path < {_upper('o.path')})""",
            "general_branch_non_branch_child": f"""
                SELECT o.id, o.path, min(k.short_name) FROM org o JOIN org k ON k.parent_id = o.id
                WHERE {in_tree} AND o.cat_group = 'general_branch' AND k.cat_group <> 'branch'
                GROUP BY o.id, o.path""",
            "no_secretary": f"""
                SELECT o.id, o.path, '' FROM org o
                WHERE {in_tree} AND NOT EXISTS (SELECT 1 FROM cadre s WHERE s.secretary_of = o.id)""",
            "no_admin": f"""
                SELECT o.id, o.path, '' FROM org o
                WHERE {in_tree} AND NOT EXISTS (SELECT 1 FROM admin_role r WHERE r.org = o.id AND r.active)""",
            "info_incomplete": f"""
                SELECT o.id, o.path, '' FROM org o WHERE {in_tree} AND NOT o.info_complete""",
            "branch_no_members": f"""
                SELECT o.id, o.path, '' FROM org o
                WHERE {in_tree} AND o.cat_group = 'branch'
                  AND NOT EXISTS (SELECT 1 FROM member m WHERE m.path = o.path AND {ACTIVE_M})""",
            "branch_few_members": f"""
                SELECT o.id, o.path, mc.n FROM org o JOIN ({member_counts}) mc ON mc.path = o.path
                WHERE {in_tree} AND o.cat_group = 'branch' AND mc.n < {MIN_BRANCH_MEMBERS}""",
            "branch_over_age": f"""
                SELECT o.id, o.path, mo.n FROM org o
                JOIN (SELECT m.path AS path, count(*) AS n FROM member m
                      WHERE m.path >= $lo AND m.path < $hi AND {ACTIVE_M} AND m.birth_date <= $cutoff
                      GROUP BY m.path) mo ON mo.path = o.path
                WHERE {in_tree} AND o.cat_group = 'branch'""",
        }
        found: dict[str, tuple[int, list[tuple]]] = {}
        for kind, sql in queries.items():
            found[kind] = self._windowed(sql, params)
        code_rows = self._expiring_codes(lo, hi)
        found["code_expiring"] = (len(code_rows), [
            (oid, path, f"有效期至 {self.settings.fmt(exp)}") for oid, path, exp in code_rows[:limit]])
        paths = [row[1] for _, rows in found.values() for row in rows]
        names = self._path_names(paths)
        items = []
        for kind, severity, _ in PROBLEM_KINDS:
            for oid, path, extra in found[kind][1]:
                items.append(Problem(kind, severity, oid, names[path][-1], names[path], _detail(kind, extra)))
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
