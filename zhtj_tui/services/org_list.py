"""Reading the tree: organisations by id or name (the operator's commands), the top
organisation, direct children page by page (the tree, 下级组织管理 R-SUB-3), and search.
Mixed into ``OrgService``; pages are raw SELECTs into plain rows."""

from __future__ import annotations

import re
from typing import NamedTuple

from pony.orm import select

from zhtj_tui.db.values import as_datetime
from zhtj_tui.domain import orgs as rules
from zhtj_tui.domain.codes import EXPIRED, STATE_LABELS, VALID, code_state
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.text import clean_name
from zhtj_tui.services.base import ServiceBase, like_escape, subtree_upper
from zhtj_tui.services.dto import Actor, ChildRow, OrgBrief, Page

#: Page size of child listings and tree nodes.
PAGE = 200

#: Runs of Latin letters, of digits, and of anything else, in a search text.
_SEARCH_TOKENS = re.compile(r"[a-z]+|\d+|[^a-z\d]+")


def _id_list(ids: list[int]) -> str:
    return ", ".join(str(int(i)) for i in ids)


class _Child(NamedTuple):
    """A direct child as the tree and the children table need it."""

    id: int
    short_name: str
    full_name: str | None
    category: str
    group: str
    depth: int
    info_complete: bool


class OrgListing(ServiceBase):
    def resolve(self, ref: str) -> int:
        """The id of the organisation ``ref`` names, for the server operator's commands:
        its id, its 全称, or an unambiguous 简称."""
        # The same clean-up and length limit as the names themselves (a 5,000-character
        # argument is refused here rather than by the ORM's column check).
        ref = clean_name(ref, "full_name", label="组织名称")
        if not ref:
            raise DomainError("请指定组织（编号、全称或简称）", "org", "required")

        def run() -> int:
            # An id: ASCII digits that fit the column ("²".isdigit() is true; 10**20 overflows).
            if re.fullmatch(r"[0-9]{1,18}", ref):
                org = self.s.Org.get(id=int(ref))
                if org is not None:
                    return org.id
            org = self.s.Org.get(full_name=ref)
            if org is not None:
                return org.id
            rows = select(o for o in self.s.Org if o.short_name == ref)[:3]
            if len(rows) == 1:
                return rows[0].id
            if len(rows) > 1:
                raise DomainError(f"有多个组织简称为“{ref}”，请改用组织编号或全称", "org", "ambiguous")
            raise DomainError(f"找不到组织“{ref}”，请用组织编号、全称或简称指定", "org", "org_not_found")

        return self.read(run)

    def path_names(self, org_id: int) -> tuple[str, ...]:
        return self.read(lambda: self.names_along(self.org(org_id).path))

    def top(self) -> OrgBrief | None:
        """The deployment's top organisation, if there is one."""

        def run():
            org = select(o for o in self.s.Org if o.parent is None).order_by(lambda o: o.id).first()
            return self._brief(org) if org else None

        return self.read(run)

    def children(self, actor: Actor, org_id: int, after: tuple | None = None, limit: int = PAGE) -> Page[OrgBrief]:
        """Direct children for the tree, by name, a page at a time (keyset on name, id)."""

        def run():
            rows, nxt, total = self._child_page(self.visible_org(actor, org_id), after, limit)
            counts = self._child_counts([o.id for o in rows])
            items = tuple(
                OrgBrief(o.id, o.short_name, rules.category(o.category).name, o.group, o.depth, counts.get(o.id, 0))
                for o in rows
            )
            return Page(items, nxt, total)

        return self.read(run)

    def search(self, actor: Actor, text: str, limit: int = 20) -> tuple[OrgBrief, ...]:
        """Organisations in the actor's subtree matching ``text``, shallowest first.

        ``text`` is read as runs of Chinese, digits and Latin letters, all of which must
        match: Chinese and digits anywhere in the 简称 or 全称 (``临床2026`` finds
        临床医学专业2026级1班团支部), letters in the pinyin initials of the 简称 (stored in
        ``name_initials``) or in the 简称 itself (``lc2026``, ``jsj``, ``MBA``). One raw
        SELECT over the subtree finds them, whatever their number; one more reads the
        names along their paths."""
        text = clean_name(text, "short_name")
        if not text:
            return ()
        tokens = [t.strip() for t in _SEARCH_TOKENS.findall(text.lower()) if t.strip()]
        where, params = [], {"lim": limit}
        for i, token in enumerate(tokens):
            params[f"t{i}"] = f"%{like_escape(token)}%"
            if token.isascii() and token.isalpha():
                where.append(f"(o.name_initials LIKE $t{i} ESCAPE '!' OR lower(o.short_name) LIKE $t{i} ESCAPE '!')")
            else:
                where.append(f"(o.short_name LIKE $t{i} ESCAPE '!' OR o.full_name LIKE $t{i} ESCAPE '!')")

        def run():
            scope = []
            if not actor.operator:
                home = self.home_path(actor)
                scope.append("o.path >= $lo AND o.path < $hi")
                params.update(lo=home, hi=subtree_upper(home))
            # The page first, then the children of its rows only.
            rows = self.s.select(
                "SELECT p.id, p.short_name, p.category, p.cat_group, p.depth, p.path,"
                " (SELECT count(*) FROM org c WHERE c.parent_id = p.id) FROM"
                f" (SELECT o.id, o.short_name, o.category, o.cat_group, o.depth, o.path FROM org o"
                f" WHERE {' AND '.join(where + scope) or '1 = 1'} ORDER BY o.depth, o.short_name, o.id LIMIT $lim) p"
                " ORDER BY p.depth, p.short_name, p.id", params)
            names = self.names_along_all(r[5] for r in rows)
            return tuple(OrgBrief(int(oid), name, rules.category(cat).name, group, int(depth), int(kids), names[path])
                         for oid, name, cat, group, depth, path, kids in rows)

        return self.read(run)

    def list_children(self, actor: Actor, org_id: int, after: tuple | None = None, limit: int = PAGE) -> Page[ChildRow]:
        """下级组织管理 (R-SUB-3): each direct child with its status, a page at a time."""

        def run():
            rows, nxt, total = self._child_page(self.visible_org(actor, org_id), after, limit)
            ids = [o.id for o in rows]
            admins = self._admin_counts(ids)
            secretaries = self._secretaries(ids)
            codes = self._code_status(ids)
            kids = self._child_counts(ids)
            items = tuple(
                ChildRow(
                    id=o.id,
                    short_name=o.short_name,
                    full_name=o.full_name or "",
                    category_name=rules.category(o.category).name,
                    group=o.group,
                    info_complete=o.info_complete,
                    secretary_name=secretaries.get(o.id, ("",))[0],
                    admin_count=admins.get(o.id, 0),
                    child_count=kids.get(o.id, 0),
                    code_status=codes.get(o.id, ("未生成", None))[0],
                    code_expires_at=codes.get(o.id, ("未生成", None))[1],
                )
                for o in rows
            )
            return Page(items, nxt, total)

        return self.read(run)

    # -- creating -----------------------------------------------------------------------
    # -- helpers ---------------------------------------------------------------------
    def _child_page(self, parent, after: tuple | None, limit: int):
        """One page of ``parent``'s direct children by (简称, id), keyset-paged: the rows,
        the ``after`` of the next page (``None`` on the last) and, on the first page, the total.

        Raw SQL into plain rows: a page is one index range read, and building 200 ORM
        entities (every column converted) would cost a hundred times the query itself."""
        params = {"p": parent.id, "lim": limit + 1}
        where = "parent_id = $p"
        if after:
            params["n"], params["i"] = after
            where += " AND (short_name > $n OR (short_name = $n AND id > $i))"
        rows = [_Child(oid, name, full, cat, group, depth, bool(info)) for oid, name, full, cat, group, depth, info
                in self.s.execute(f"SELECT id, short_name, full_name, category, cat_group, depth, info_complete "
                                  f"FROM org WHERE {where} ORDER BY short_name, id LIMIT $lim", params).fetchall()]
        more = len(rows) > limit
        rows = rows[:limit]
        nxt = (rows[-1].short_name, rows[-1].id) if more and rows else None
        total = None
        if after is None:
            total = int(self.s.execute("SELECT count(*) FROM org WHERE parent_id = $p", params).fetchone()[0])
        return rows, nxt, total

    def _brief(self, org) -> OrgBrief:
        return OrgBrief(
            org.id, org.short_name, rules.category(org.category).name, org.group, org.depth,
            org.children.count(), self.names_along(org.path),
        )

    def _child_counts(self, ids: list[int]) -> dict[int, int]:
        if not ids:
            return {}
        return dict(self.s.execute(f"SELECT parent_id, count(*) FROM org WHERE parent_id IN ({_id_list(ids)}) "
                                   "GROUP BY parent_id").fetchall())

    def _admin_counts(self, ids: list[int]) -> dict[int, int]:
        if not ids:
            return {}
        # The count kept per organisation (db.tally): one index look-up per row.
        return dict(self.s.execute(f"SELECT org_id, a FROM org_tally WHERE org_id IN ({_id_list(ids)})").fetchall())

    def _secretaries(self, ids: list[int]) -> dict[int, tuple[str, str]]:
        if not ids:
            return {}
        rows = self.s.execute(f"SELECT secretary_of, name, id_number FROM cadre WHERE secretary_of IN ({_id_list(ids)})")
        return {oid: (name, idn) for oid, name, idn in rows.fetchall()}

    def _code_status(self, ids: list[int]) -> dict[int, tuple[str, object]]:
        """The status of each organisation's newest registration code."""
        if not ids:
            return {}
        now = self.now()
        # Only the newest code of each organisation is read (an organisation may have had many).
        rows = self.s.execute(
            "SELECT org, used_at, revoked_at, expires_at FROM reg_code WHERE id IN "
            f"(SELECT max(id) FROM reg_code WHERE org IN ({_id_list(ids)}) GROUP BY org)").fetchall()
        newest = {oid: tuple(map(as_datetime, rest)) for oid, *rest in rows}
        out = {}
        for oid, (used, revoked, expires) in newest.items():
            state = code_state(used, revoked, expires, now)
            out[oid] = (STATE_LABELS[state], expires if state in (EXPIRED, VALID) else None)
        return out
