"""Correcting the tree (R-TREE-6, seed: 检查修正 "隶属关系错误"): moving an organisation with
its whole subtree under another organisation, and deleting one created by mistake.

Both are mixed into ``OrgService``. The organisation acted on must lie strictly below the
actor's own organisation (the server operator: anywhere but the top); a move's new parent
must lie inside the actor's subtree too, outside the moved subtree, and accept the moved
organisation's category (R-TREE-2). A move rewrites the stored path and depth of every
organisation of the subtree and the path of every member in it, in the same transaction
as the new parent (DESIGN rule 7: the derived values stay true). Each is audited with
the reason given.
"""

from __future__ import annotations

from types import SimpleNamespace

from pony.orm import count, select

from zhtj_tui.db import tally
from zhtj_tui.domain import orgs as rules
from zhtj_tui.domain import paths
from zhtj_tui.domain.errors import DomainError, Forbidden
from zhtj_tui.domain.text import clean_text
from zhtj_tui.services.base import ServiceBase, subtree_upper
from zhtj_tui.services.dto import Actor, DeleteResult, MoveResult, MoveTarget

_ids_of = paths.ids


class OrgCorrections(ServiceBase):
    def _names(self, org) -> tuple[str, ...]:
        ids = _ids_of(org.path)
        names = dict(select((o.id, o.short_name) for o in self.s.Org if o.id in ids)[:])
        return tuple(names.get(i, "?") for i in ids)

    # -- who may ---------------------------------------------------------------------------
    def _below_actor(self, actor: Actor, org_id: int, what: str):
        """An organisation strictly below the actor's own (the operator: any but the top)."""
        org = self.org(org_id)
        if org.parent is None:
            raise Forbidden(f"顶级组织不能{what}", None, "top_org")
        if actor.operator:
            return org
        home = self.admin_org(actor)
        if org.id == home.id:
            raise Forbidden(f"不能{what}本组织：请由上级组织的管理员操作", None, "own_org")
        if not paths.inside(org.path, home.path):
            raise Forbidden(f"只能{what}本组织之下的组织", None, "outside_subtree")
        return org

    # -- moving ------------------------------------------------------------------------------
    def move_targets(self, actor: Actor, org_id: int, text: str = "", limit: int = 50) -> tuple[MoveTarget, ...]:
        """Where ``org_id`` may be moved: organisations in the actor's subtree whose category
        accepts it (R-TREE-2), outside its own subtree, other than its present parent;
        filtered by ``text`` in the 简称 or 全称, nearest levels first."""
        text = clean_text(text, "short_name")

        def run():
            org = self._below_actor(actor, org_id, "移动")
            cat = rules.category(org.category)
            parents = [c.code for c in rules.categories() if cat in rules.allowed_child_categories(c)]
            q = select(o for o in self.s.Org if o.category in parents and o.id != org.parent.id)
            if not actor.operator:
                home = self.admin_org(actor)
                lo, hi = home.path, subtree_upper(home.path)
                q = q.filter(lambda o: o.path >= lo and o.path < hi)
            mine_lo, mine_hi = org.path, subtree_upper(org.path)
            q = q.filter(lambda o: o.path < mine_lo or o.path >= mine_hi)
            if text:
                q = q.filter(lambda o: text in o.short_name or text in o.full_name)
            rows = q.order_by(lambda o: (o.depth, o.short_name, o.id))[:limit]
            row_ids = [r.id for r in rows]
            name = org.short_name
            clash = set(select(o.parent.id for o in self.s.Org
                               if o.short_name == name and o.parent.id in row_ids)[:]) if rows else set()
            return tuple(
                MoveTarget(o.id, o.short_name, rules.category(o.category).name, self._names(o),
                           o.id in clash)
                for o in rows
            )

        return self.read(run)

    def move(self, actor: Actor, org_id: int, new_parent_id: int, reason: str) -> MoveResult:
        """R-TREE-6: move ``org_id`` and its whole subtree under ``new_parent_id``."""
        reason = clean_text(reason, "reason", required=True, label="移动原因")

        def run():
            if not isinstance(new_parent_id, int):
                raise DomainError("请选择新的上级组织", "parent", "required")
            # Both chains locked before anything is read: a concurrent move, creation or
            # member entry below either waits, then reads the paths written here.
            self.lock_orgs(org_id, new_parent_id, exclusive=True)
            org = self._below_actor(actor, org_id, "移动")
            target = self.visible_org(actor, new_parent_id)
            if target.id == org.parent.id:
                raise DomainError(f"{org.short_name} 已在 {target.short_name} 之下，无需移动", "parent", "same_parent")
            if paths.inside(target.path, org.path):
                raise DomainError(
                    f"不能把 {org.short_name} 移到它自己或它的下级组织之下，请选择其他组织", "parent", "into_itself"
                )
            rules.check_child_category(rules.category(target.category), rules.category(org.category), "parent")
            clash = self.s.Org.get(parent=target, short_name=org.short_name)
            if clash is not None:
                raise DomainError(
                    f"{target.short_name} 下已有名为“{org.short_name}”的组织，不能移入；"
                    "如确属同一组织，请先更正其中一个的简称", "parent", "duplicate_name",
                )
            old_parent = org.parent
            old_path, new_path = org.path, f"{target.path}{org.id}/"
            lo, hi = old_path, subtree_upper(old_path)
            old_names = self._names(org)
            new_names = (*self._names(target), org.short_name)
            orgs = count(o for o in self.s.Org if o.path >= lo and o.path < hi)
            # Set-based, in this one transaction: the parent, then the path and depth of
            # every organisation of the subtree and the path of every member in it. Pony's
            # cached copies of these rows are not read again in this session.
            params = {"new": new_path, "keep": len(old_path) + 1, "lo": lo, "hi": hi,
                      "shift": target.depth + 1 - org.depth, "t": target.id, "id": org.id, "now": self.now()}
            self.s.execute("UPDATE org SET parent_id = $t, version = version + 1, updated_at = $now "
                           "WHERE id = $id", params)
            self.s.execute(
                "UPDATE org SET path = $new || substr(path, $keep), depth = depth + $shift "
                "WHERE path >= $lo AND path < $hi", params)
            members = self.s.execute(
                "UPDATE member SET path = $new || substr(path, $keep) WHERE path >= $lo AND path < $hi",
                params).rowcount
            # The counts kept per organisation follow the subtree (the one set-based write
            # the entity hooks do not see).
            tally.move(self.s.db, org.id, old_path, new_path)
            before = {"parent": old_parent.id, "path_names": list(old_names)}
            after = {"parent": target.id, "path_names": list(new_names), "orgs": orgs, "members": members}
            # The entry carries the moved organisation with its new path (subtree reads).
            self.audit(actor, "org.move", "org", org.id, SimpleNamespace(id=org.id, path=new_path),
                       before=before, after=after, note=reason)
            return MoveResult(org.id, org.short_name, old_parent.id, target.id, new_names, orgs, members)

        return self.write(run)

    # -- deleting ----------------------------------------------------------------------------
    def delete_blockers(self, actor: Actor, org_id: int) -> tuple[str, ...]:
        """What still keeps ``org_id`` from being deleted (empty when it may be)."""
        return self.read(lambda: self._blockers(self._below_actor(actor, org_id, "删除")))

    def _blockers(self, org) -> tuple[str, ...]:
        out = []
        children = count(o for o in self.s.Org if o.parent == org)
        if children:
            out.append(f"{children} 个下级组织")
        active = count(m for m in self.s.Member if m.branch == org and m.status == "1")
        former = count(m for m in self.s.Member if m.branch == org) - active
        if active:
            out.append(f"{active} 名团员")
        if former:
            out.append(f"{former} 条已转出或离团的团员记录")
        admins = count(r for r in self.s.AdminRole if r.org == org and r.active)
        if admins:
            out.append(f"{admins} 名管理员")
        cadres = count(c for c in self.s.Cadre if c.org == org)
        if cadres:
            out.append(f"{cadres} 条团干部记录")
        return tuple(out)

    def delete(self, actor: Actor, org_id: int, reason: str) -> DeleteResult:
        """R-TREE-6: delete an organisation created by mistake. Refused while it has
        children, members (or their records), active administrators or cadres; its
        registration codes, deadline tasks and former administrators' roles go with it
        (their history stays in the audit log)."""
        reason = clean_text(reason, "reason", required=True, label="删除原因")

        def run():
            self.lock_orgs(org_id, exclusive=True)
            org = self._below_actor(actor, org_id, "删除")
            blockers = self._blockers(org)
            if blockers:
                raise DomainError(
                    f"{org.short_name} 还有{'、'.join(blockers)}，不能删除。"
                    "删除只用于误建的空组织；放错位置的组织请用“移动”", None, "not_empty",
                )
            parent = org.parent
            snapshot = {"short_name": org.short_name, "full_name": org.full_name, "category": org.category,
                        "parent": parent.id, "path_names": list(self._names(org))}
            result = DeleteResult(org.id, org.short_name, parent.id)
            for row in select(r for r in self.s.AdminRole if r.org == org)[:]:
                row.delete()
            for row in select(c for c in self.s.RegCode if c.org == org)[:]:
                row.delete()
            for row in select(t for t in self.s.DeadlineTask if t.org == org)[:]:
                row.delete()
            # The entry is written against the parent (the deleted one has no row to point at).
            self.audit(actor, "org.delete", "org", org.id, parent, before=snapshot, note=reason)
            org.delete()
            return result

        return self.write(run)
