"""Progress figures of each direct child, rolled up over its subtree (R-PROG-2).

The figures are read from the counts kept per organisation (``db.tally``): one row per
direct child, whatever the size of its subtree. What depends on today's date: 超龄
members and the branches holding them from each child's counts by birth date
(``db.tally_age``: the rows born on or before the cut-off), and registration codes about
to expire from the small reg_code table."""

from __future__ import annotations

from datetime import datetime, timedelta

from zhtj_tui.db.tally import PROBLEM_CONDITIONS
from zhtj_tui.domain import orgs as rules
from zhtj_tui.domain.joinage import over_age_cutoff
from zhtj_tui.services.base import active_sql, subtree_upper
from zhtj_tui.services.codes import usable_sql
from zhtj_tui.services.dto import Actor
from zhtj_tui.services.progress.base import ProgressBase
from zhtj_tui.services.progress.dto import EXPIRY_WARN_DAYS, PROBLEM_KINDS, ChildProgress, Figures, Progress


class FiguresPart(ProgressBase):
    # -- R-PROG-2 -----------------------------------------------------------------------
    def progress(self, actor: Actor, org_id: int) -> Progress:
        """Progress of ``org_id``'s direct children, each rolled up over its subtree."""

        def run():
            org = self.visible_org(actor, org_id)
            return self._progress(org)

        return self.read(run)

    def _child_prefix(self, col: str) -> str:
        """SQL for the path of the direct child of ``$lo`` whose subtree holds ``col``."""
        pos = "instr" if self.s.provider == "sqlite" else "strpos"
        return f"substr({col}, 1, $plen + {pos}(substr({col}, $plen + 1), '/'))"

    def _progress(self, org) -> Progress:
        today = self.settings.today()
        cutoff = self._date(over_age_cutoff(today, self.settings.join_age))
        x = org.id
        params = {"x": x, "cutoff": cutoff, "p": org.path, "lo": org.path, "hi": subtree_upper(org.path),
                  "plen": len(org.path), "month": self._date(over_age_cutoff(today, self.settings.join_age).replace(day=1)),
                  "own_branch": org.group == "branch"}
        rows = self._rows("""
            SELECT c.id, c.short_name, c.category, c.cat_group, c.info_complete, c.path,
              t.s, t.a, t.m, (SELECT count(*) FROM org k WHERE k.parent_id = c.id),
              t.t_orgs, t.t_info, t.t_sec, t.t_adm, t.t_br, t.t_brm, t.t_mem, t.t_few, t.t_gbnb
            FROM org c JOIN org_tally t ON t.org_id = c.id
            WHERE c.parent_id = $x OR c.id = $x""", params)
        old = self._over_age(params, {r[0]: r[5] for r in rows})
        problems = self._child_problems(org, params, old)
        children = []
        own = Figures()
        for (cid, name, cat, group, info, cpath, sec, adm, m, kids,
             t_orgs, t_info, t_sec, t_adm, t_br, t_brm, t_mem, _few, _gbnb) in rows:
            if cid == x:
                own = Figures(
                    orgs=1, info_complete=int(bool(info)), secretaries=int(sec > 0), with_admin=int(adm > 0),
                    branches=int(group == "branch"), branches_with_members=int(group == "branch" and m > 0),
                    members=int(m), over_age=old.get(cpath, (0, 0))[1] if group == "branch" else 0,
                )
                continue
            figures = Figures(orgs=t_orgs, info_complete=t_info, secretaries=t_sec, with_admin=t_adm,
                              branches=t_br, branches_with_members=t_brm, members=t_mem,
                              over_age=old.get(cpath, (0, 0))[1])
            children.append(ChildProgress(
                id=cid, short_name=name, category_name=rules.category(cat).name, group=group,
                info_complete=bool(info), has_secretary=bool(sec), has_admin=bool(adm),
                figures=figures, child_count=int(kids or 0), problems=problems.get(cpath, ()),
            ))
        children.sort(key=lambda c: (c.figures.score(), c.short_name, c.id))
        total = own
        for c in children:
            total = total + c.figures
        return Progress(
            org_id=x, short_name=org.short_name, category_name=rules.category(org.category).name,
            group=org.group, path_names=self.names_along_all([org.path])[org.path], today=today,
            children=tuple(children), own=own, total=total,
        )

    def _over_age(self, params: dict, path_of: dict[int, str]) -> dict[str, tuple[int, int]]:
        """Per direct child (its path) and for the organisation itself (its own path, over
        its subtree): (branches with 超龄 members, 超龄 members). The months before the
        cut-off's month from each child's counts by birth month (``db.tally_age``); the
        cut-off's own month from the members born in it up to the cut-off and the branches
        whose oldest member was (one month of births, through their birth-date indexes)."""
        out: dict[str, list[int]] = {}
        # The ids are spelled out: with a subquery the planner may read all of ``org``.
        ids = ", ".join(str(int(oid)) for oid in path_of)
        for oid, br, m in self._rows(f"""
                SELECT a.org_id, SUM(a.br), SUM(a.m) FROM org_age_tally a
                WHERE a.org_id IN ({ids}) AND a.born < $month
                GROUP BY a.org_id""", params):
            out[path_of[oid]] = [int(br or 0), int(m or 0)]
        for col, table, cond in ((0, "org_tally t", "t.oldest >= $month AND t.oldest <= $cutoff"),
                                 (1, "member t", f"{active_sql('t')} AND t.birth_date >= $month "
                                                 "AND t.birth_date <= $cutoff")):
            for path, n in self._rows(f"""
                    SELECT {self._child_prefix("t.path")}, count(*) FROM {table}
                    WHERE {cond} AND t.path > $lo AND t.path < $hi GROUP BY 1""", params):
                out.setdefault(path, [0, 0])[col] += int(n)
            if params["own_branch"]:
                (n,) = self._rows(f"SELECT count(*) FROM {table} WHERE {cond} AND t.path = $lo", params)[0]
                out.setdefault(params["lo"], [0, 0])[col] += int(n)
        if not params["own_branch"]:
            out.pop(params["lo"], None)  # its own figures count no 超龄 (members are in branches)
        return {path: (br, m) for path, (br, m) in out.items()}

    def _child_problems(self, org, params: dict, old: dict) -> dict[str, tuple[tuple[str, int], ...]]:
        """The counts of ``problems`` per direct child of ``org`` (keyed by the child's path),
        with the same definitions: from the children's kept counts, plus the organisations
        without a branch below (the partial index of that problem), the branches with 超龄
        members and the expiring codes."""
        rows = self._rows("""
            SELECT c.path, t.t_orgs - t.t_sec, t.t_orgs - t.t_adm, t.t_orgs - t.t_info,
                   t.t_br - t.t_brm, t.t_few, t.t_gbnb
            FROM org c JOIN org_tally t ON t.org_id = c.id WHERE c.parent_id = $x""", params)
        counts: dict[str, dict[str, int]] = {}
        for path, no_sec, no_adm, no_info, no_members, few, gbnb in rows:
            counts[path] = {"no_secretary": no_sec, "no_admin": no_adm, "info_incomplete": no_info,
                            "branch_no_members": no_members, "branch_few_members": few,
                            "general_branch_non_branch_child": gbnb}
        prefix = self._child_prefix("t.path")
        for path, n in self._rows(f"""
                SELECT {prefix}, count(*) FROM org_tally t
                WHERE t.path > $lo AND t.path < $hi AND {PROBLEM_CONDITIONS['no_branch']}
                GROUP BY 1""", params):
            counts.setdefault(path, {})["no_branch"] = int(n)
        for path, (branches, _members) in old.items():
            if path != org.path:
                counts.setdefault(path, {})["branch_over_age"] = branches
        plen = len(org.path)
        for _oid, path, _exp in self._expiring_codes(org.path, params["hi"]):
            child = path[:path.index("/", plen) + 1]
            counts.setdefault(child, {})
            counts[child]["code_expiring"] = counts[child].get("code_expiring", 0) + 1
        return {path: tuple((k, int(c[k])) for k, _, _ in PROBLEM_KINDS if c.get(k)) for path, c in counts.items()}

    def _expiring_codes(self, lo: str, hi: str) -> list[tuple]:
        """Unused codes of the subtree below ``lo`` that expire within ``EXPIRY_WARN_DAYS``
        days, as (org id, org path, expiry) by path. The usable codes about to expire come
        first (their partial index by expiry), then each one's organisation path by primary
        key, once per code, and the subtree is picked here: a join, or a filter on the path
        in SQL, lets the planner read the subtree's organisations instead (all 300,000 at a
        province's top)."""
        now = self.now()
        rows = [(oid, path, exp) for oid, path, exp in self._rows(f"""
            SELECT c.org, (SELECT o.path FROM org o WHERE o.id = c.org), c.expires_at FROM reg_code c
            WHERE {usable_sql('c')} AND c.expires_at <= $soon""",
            {"now": now, "soon": now + timedelta(days=EXPIRY_WARN_DAYS)}) if path and lo < path < hi]
        out = [(int(oid), path, exp if isinstance(exp, datetime) else datetime.fromisoformat(exp))
               for oid, path, exp in rows]
        return sorted(out, key=lambda r: (r[1], r[2]))
