"""Progress figures of each direct child, rolled up over its subtree (R-PROG-2)."""

from __future__ import annotations

from datetime import timedelta

from pony.orm import select

from zhtj_tui.domain import orgs as rules
from zhtj_tui.domain.joinage import over_age_cutoff
from zhtj_tui.services.base import subtree_upper
from zhtj_tui.services.codes import usable_codes
from zhtj_tui.services.dto import Actor
from zhtj_tui.services.progress.base import ACTIVE_M, ProgressBase, _upper
from zhtj_tui.services.progress.dto import (
    EXPIRY_WARN_DAYS,
    MIN_BRANCH_MEMBERS,
    PROBLEM_KINDS,
    ChildProgress,
    Figures,
    Progress,
)


class FiguresPart(ProgressBase):
    # -- R-PROG-2 -----------------------------------------------------------------------
    def progress(self, actor: Actor, org_id: int) -> Progress:
        """Progress of ``org_id``'s direct children, each rolled up over its subtree."""

        def run():
            org = self.visible_org(actor, org_id)
            return self._progress(org)

        return self.read(run)

    def _progress(self, org) -> Progress:
        today = self.settings.today()
        cutoff = self._date(over_age_cutoff(today, self.settings.join_age))
        x = org.id
        # Organisations of each child's subtree; secretaries by a join on the unique
        # cadre.secretary_of, administrators by a set the database builds once. CROSS JOIN
        # keeps the children outermost on SQLite even without ANALYZE statistics (else it
        # may scan every organisation); PostgreSQL plans it like any inner join.
        org_sql = f"""
            SELECT c.id, count(*),
              SUM(CASE WHEN o.info_complete THEN 1 ELSE 0 END),
              SUM(CASE WHEN s.id IS NOT NULL THEN 1 ELSE 0 END),
              SUM(CASE WHEN o.id IN (SELECT r.org FROM admin_role r WHERE r.active) THEN 1 ELSE 0 END),
              SUM(CASE WHEN o.cat_group = 'branch' THEN 1 ELSE 0 END)
            FROM org c
            CROSS JOIN org o
            LEFT JOIN cadre s ON s.secretary_of = o.id
            WHERE c.parent_id = $x AND o.path >= c.path AND o.path < {_upper('c.path')}
            GROUP BY c.id"""
        # Members: one ordered scan of the active-member index over the whole subtree,
        # grouped per branch (a member's path is its branch's: the number of groups is the
        # number of branches with members), then per child, whose path is the branch
        # path's prefix up to the next '/'.
        pos = "instr" if self.s.provider == "sqlite" else "strpos"
        member_sql = f"""
            SELECT substr(mb.path, 1, $plen + {pos}(substr(mb.path, $plen + 1), '/')),
                   count(*), SUM(mb.n), SUM(mb.old)
            FROM (SELECT m.path AS path, count(*) AS n,
                         SUM(CASE WHEN m.birth_date <= $cutoff THEN 1 ELSE 0 END) AS old
                  FROM member m WHERE m.path > $lo AND m.path < $hi AND {ACTIVE_M}
                  GROUP BY m.path) mb
            GROUP BY 1"""
        own_sql = """
            SELECT c.id, c.short_name, c.category, c.cat_group, c.info_complete, c.path,
              CASE WHEN EXISTS (SELECT 1 FROM cadre s WHERE s.secretary_of = c.id) THEN 1 ELSE 0 END,
              CASE WHEN EXISTS (SELECT 1 FROM admin_role r WHERE r.org = c.id AND r.active) THEN 1 ELSE 0 END,
              (SELECT count(*) FROM org k WHERE k.parent_id = c.id)
            FROM org c
            WHERE c.parent_id = $x OR c.id = $x"""
        own_members_sql = f"""
            SELECT count(*), SUM(CASE WHEN m.birth_date <= $cutoff THEN 1 ELSE 0 END)
            FROM member m WHERE m.path = $p AND {ACTIVE_M}"""
        params = {"x": x, "cutoff": cutoff, "p": org.path, "lo": org.path, "hi": subtree_upper(org.path),
                  "plen": len(org.path)}
        orgs = {r[0]: r[1:] for r in self._rows(org_sql, params)}
        members = {r[0]: r[1:] for r in self._rows(member_sql, params)}
        problems = self._child_problems(org, cutoff)
        own_rows = self._rows(own_sql, params)
        own_m = self._rows(own_members_sql, params)[0]
        children = []
        own = Figures()
        for cid, name, cat, group, info, cpath, sec, adm, kids in own_rows:
            if cid == x:
                n_members = int(own_m[0] or 0)
                own = Figures(
                    orgs=1, info_complete=int(bool(info)), secretaries=int(sec), with_admin=int(adm),
                    branches=int(group == "branch"), branches_with_members=int(group == "branch" and n_members > 0),
                    members=n_members, over_age=int(own_m[1] or 0),
                )
                continue
            o = orgs.get(cid, (1, 0, 0, 0, 0))
            m = members.get(cpath, (0, 0, 0))
            orgs_n, info_n, sec_n, adm_n, branch_n = (int(v or 0) for v in o)
            figures = Figures(orgs_n, info_n, sec_n, adm_n, branch_n, branches_with_members=int(m[0] or 0),
                              members=int(m[1] or 0), over_age=int(m[2] or 0))
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
            group=org.group, path_names=self._path_names([org.path])[org.path], today=today,
            children=tuple(children), own=own, total=total,
        )

    def _child_problems(self, org, cutoff) -> dict[str, tuple[tuple[str, int], ...]]:
        """The counts of ``problems`` per direct child of ``org`` (keyed by the child's path):
        one pass over the subtree's organisations, each attributed to the child whose path
        is its path's prefix up to the next '/', plus the expiring codes."""
        pos = "instr" if self.s.provider == "sqlite" else "strpos"
        sql = f"""
            SELECT substr(o.path, 1, $plen + {pos}(substr(o.path, $plen + 1), '/')),
              SUM(CASE WHEN o.cat_group IN ('committee', 'general_branch')
                        AND NOT EXISTS (SELECT 1 FROM org b WHERE b.cat_group = 'branch'
                                        AND b.path > o.path AND b.path < {_upper('o.path')}) THEN 1 ELSE 0 END),
              SUM(CASE WHEN o.cat_group = 'general_branch' AND EXISTS
                        (SELECT 1 FROM org k WHERE k.parent_id = o.id AND k.cat_group <> 'branch') THEN 1 ELSE 0 END),
              SUM(CASE WHEN s.id IS NULL THEN 1 ELSE 0 END),
              SUM(CASE WHEN o.id IN (SELECT r.org FROM admin_role r WHERE r.active) THEN 0 ELSE 1 END),
              SUM(CASE WHEN o.info_complete THEN 0 ELSE 1 END),
              SUM(CASE WHEN o.cat_group = 'branch' AND mc.n IS NULL THEN 1 ELSE 0 END),
              SUM(CASE WHEN o.cat_group = 'branch' AND mc.n < {MIN_BRANCH_MEMBERS} THEN 1 ELSE 0 END),
              SUM(CASE WHEN o.cat_group = 'branch' AND mc.old > 0 THEN 1 ELSE 0 END)
            FROM org o
            LEFT JOIN cadre s ON s.secretary_of = o.id
            LEFT JOIN (SELECT m.path AS path, count(*) AS n,
                              SUM(CASE WHEN m.birth_date <= $cutoff THEN 1 ELSE 0 END) AS old
                       FROM member m WHERE m.path > $lo AND m.path < $hi AND {ACTIVE_M}
                       GROUP BY m.path) mc ON mc.path = o.path
            WHERE o.path > $lo AND o.path < $hi
            GROUP BY 1"""
        params = {"lo": org.path, "hi": subtree_upper(org.path), "plen": len(org.path), "cutoff": cutoff}
        kinds = [k for k, _, _ in PROBLEM_KINDS if k != "code_expiring"]
        counts: dict[str, dict[str, int]] = {
            r[0]: dict(zip(kinds, (int(v or 0) for v in r[1:]), strict=True)) for r in self._rows(sql, params)}
        plen = len(org.path)
        for _oid, path, _exp in self._expiring_codes(org.path, params["hi"]):
            child = path[:path.index("/", plen) + 1]
            counts.setdefault(child, {})
            counts[child]["code_expiring"] = counts[child].get("code_expiring", 0) + 1
        return {path: tuple((k, c[k]) for k, _, _ in PROBLEM_KINDS if c.get(k)) for path, c in counts.items()}

    def _expiring_codes(self, lo: str, hi: str) -> list[tuple]:
        """Unused codes of the subtree below ``lo`` that expire within ``EXPIRY_WARN_DAYS``
        days, as (org id, org path, expiry) by path; the small reg_code table, through the
        ORM (it converts the datetimes)."""
        now = self.now()
        soon = now + timedelta(days=EXPIRY_WARN_DAYS)
        codes = select(
            (c.org.id, c.org.path, c.expires_at) for c in usable_codes(self.s, now)
            if c.expires_at <= soon and c.org.path > lo and c.org.path < hi
        )
        return sorted(codes[:], key=lambda r: (r[1], r[2]))
