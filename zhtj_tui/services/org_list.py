"""Reading the tree: organisations by id or name (the operator's commands), the top
organisation, direct children page by page (the tree, 下级组织管理 R-SUB-3), and search.
Mixed into ``OrgService``; pages are raw SELECTs into plain rows."""

from __future__ import annotations

import re

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


#: One page of direct children (``_child_page``), each with its number of children. The
#: (parent_id, short_name) index gives the page in order and the per-row values are scalar
#: subqueries, so that their index look-ups run for the page's rows only (joins let
#: PostgreSQL hash whole tables).
_PAGE_SQL = ("SELECT o.id, o.short_name, o.category, o.cat_group, o.depth,"
             " (SELECT count(*) FROM org k WHERE k.parent_id = o.id){extra}"
             " FROM org o WHERE {where} ORDER BY o.short_name, o.id LIMIT $lim")

#: What 下级组织管理 adds to each child: its 全称, information flag, administrators (the
#: count kept in ``org_tally``), secretary, and the id of its newest registration code (an
#: organisation may have had many).
_STATUS_EXTRA = (", o.full_name, o.info_complete, (SELECT t.a FROM org_tally t WHERE t.org_id = o.id),"
                 " (SELECT c.name FROM cadre c WHERE c.secretary_of = o.id),"
                 " (SELECT max(r.id) FROM reg_code r WHERE r.org = o.id)")


def _id_list(ids: list[int]) -> str:
    return ", ".join(str(int(i)) for i in ids)


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
            rows, nxt, total = self._child_page(self.visible_scope(actor, org_id).id, after, limit)
            items = tuple(OrgBrief(o[0], o[1], rules.category(o[2]).name, o[3], o[4], o[5]) for o in rows)
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
        where: list[str] = []
        params: dict[str, object] = {"lim": limit}
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
            rows, nxt, total = self._child_page(self.visible_scope(actor, org_id).id, after, limit, status=True)
            codes = self._codes([r[10] for r in rows if r[10] is not None])
            items = []
            for oid, name, cat, group, _depth, kids, full, info, admins, secretary, code_id in rows:
                code, code_expires = codes.get(code_id, ("未生成", None))
                items.append(ChildRow(
                    id=oid, short_name=name, full_name=full or "", category_name=rules.category(cat).name,
                    group=group, info_complete=bool(info), secretary_name=secretary or "", admin_count=int(admins or 0),
                    child_count=kids, code_status=code, code_expires_at=code_expires,
                ))
            return Page(tuple(items), nxt, total)

        return self.read(run)

    # -- helpers ---------------------------------------------------------------------
    def _child_page(self, parent_id: int, after: tuple | None, limit: int, status: bool = False):
        """One page of ``parent_id``'s direct children by (简称, id), keyset-paged, in one
        raw SELECT: the rows (id, 简称, category, group, depth, number of children, and with
        ``status`` the columns ``_STATUS_EXTRA`` adds), the ``after`` of the next page (``None``
        on the last) and, on the first page, the total."""
        params = {"p": parent_id, "lim": limit + 1}
        where = "o.parent_id = $p"
        if after:
            params["n"], params["i"] = after
            where += " AND (o.short_name > $n OR (o.short_name = $n AND o.id > $i))"
        sql = _PAGE_SQL.format(extra=_STATUS_EXTRA if status else "", where=where)
        rows = [(int(r[0]), r[1], r[2], r[3], int(r[4]), int(r[5]), *r[6:]) for r in self.s.select(sql, params)]
        more = len(rows) > limit
        rows = rows[:limit]
        nxt = (rows[-1][1], rows[-1][0]) if more and rows else None
        total = None
        if after is None:
            total = int(self.s.select("SELECT count(*) FROM org WHERE parent_id = $p", {"p": parent_id})[0])
        return rows, nxt, total

    def _codes(self, ids: list[int]) -> dict[int, tuple[str, object]]:
        """The state of each of these registration codes, and its expiry while it matters."""
        if not ids:
            return {}
        now = self.now()
        out: dict[int, tuple[str, object]] = {}
        for cid, used, revoked, expires in self.s.select(
                f"SELECT id, used_at, revoked_at, expires_at FROM reg_code WHERE id IN ({_id_list(ids)})"):
            expires = as_datetime(expires)
            assert expires is not None  # every code has one (NOT NULL)
            state = code_state(as_datetime(used), as_datetime(revoked), expires, now)
            out[int(cid)] = (STATE_LABELS[state], expires if state in (EXPIRED, VALID) else None)
        return out

    def _brief(self, org) -> OrgBrief:
        return OrgBrief(
            org.id, org.short_name, rules.category(org.category).name, org.group, org.depth,
            org.children.count(), self.names_along(org.path),
        )
