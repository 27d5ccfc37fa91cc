"""Reading the append-only audit log (SPEC §9). No service changes or deletes entries."""

from __future__ import annotations

from pony.orm import select

from zhtj_tui.services.base import ServiceBase, subtree_upper
from zhtj_tui.services.dto import Actor, AuditView


class AuditService(ServiceBase):
    def recent(self, actor: Actor, org_id: int, limit: int = 100, action_prefix: str | None = None) -> tuple[AuditView, ...]:
        """The newest entries about ``org_id`` and its subtree, newest first."""

        def run():
            org = self.visible_org(actor, org_id)
            lo, hi = org.path, subtree_upper(org.path)
            q = select(a for a in self.s.AuditEntry if a.path >= lo and a.path < hi)
            if action_prefix:
                q = q.filter(lambda a: a.action.startswith(action_prefix))
            rows = q.order_by(lambda a: (-a.id,))[:limit]
            return tuple(
                AuditView(a.id, a.at, a.actor_label, a.action, a.entity, a.entity_id, a.org,
                          a.before, a.after, a.note or "")
                for a in rows
            )

        return self.read(run)
