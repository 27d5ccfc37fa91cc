"""An organisation's administrators change (R-REG-6, seed: 职务变动) and forget passwords
(R-REG-7): the list of a child's administrators, deactivation by the parent, hand-over to
a successor, and the parent's one-time password reset code.

Only active administrators count (progress, checks, 下级管理) and only they may log in.
"""

from __future__ import annotations

from pony.orm import select

from zhtj_tui.domain.errors import Conflict, NotFound
from zhtj_tui.domain.mobile import mask_mobile
from zhtj_tui.domain.text import clean_text
from zhtj_tui.domain.vocab import league_posts
from zhtj_tui.services.base import ServiceBase
from zhtj_tui.services.codes import CodeService
from zhtj_tui.services.dto import Actor, AdminView, HandOver, ResetCodeView


class AdminService(ServiceBase):
    def __init__(self, ctx, accounts):
        super().__init__(ctx)
        self.accounts = accounts

    def list(self, actor: Actor, org_id: int, include_inactive: bool = True) -> tuple[AdminView, ...]:
        """The administrators of ``org_id`` (in the actor's subtree): name, masked mobile,
        post, last login; active ones first."""

        def run():
            org = self.visible_org(actor, org_id)
            q = select(r for r in self.s.AdminRole if r.org == org)
            if not include_inactive:
                q = q.filter(lambda r: r.active)
            rows = sorted(q[:], key=lambda r: (not r.active, r.created_at, r.id))
            return tuple(self._view(r) for r in rows)

        return self.read(run)

    def _view(self, role) -> AdminView:
        acc = role.account
        return AdminView(
            account_id=acc.id, org_id=role.org.id, name=acc.name, mobile_masked=mask_mobile(acc.mobile),
            post_name=role.post_name or league_posts().name_of(role.post), last_login_at=acc.last_login_at,
            active=role.active, since=role.created_at,
        )

    def _active_role(self, org, account_id: int):
        role = self.s.AdminRole.get(org=org, account=account_id) if isinstance(account_id, int) else None
        if role is None:
            raise NotFound(f"{org.short_name} 没有这位管理员，请刷新列表后重试", None, "admin_not_found")
        if not role.active:
            raise Conflict(f"{role.account.name} 已不是 {org.short_name} 的管理员（已停用）", None, "already_inactive")
        return role

    def deactivate(self, actor: Actor, org_id: int, account_id: int, reason: str) -> AdminView:
        """R-REG-6: the direct parent's administrator (or the server operator) deactivates
        one of a child's administrators, with a reason kept in the audit log."""
        reason = clean_text(reason, "reason", required=True, label="停用原因")

        def run():
            org = self.parent_of_child(actor, org_id)
            role = self._active_role(org, account_id)
            role.active = False
            self._drop_reset_code_if_idle(role.account)
            self.audit(actor, "admin.deactivate", "admin_role", role.id, org,
                       before={"name": role.account.name, "active": True}, after={"active": False}, note=reason)
            return self._view(role)

        return self.write(run)

    def hand_over(self, actor: Actor, reason: str) -> HandOver:
        """R-REG-6: the acting administrator hands over their organisation: a registration
        code for the successor (earlier unused ones stop working, R-CODE-5), then their own
        role is deactivated, in one transaction. The code is shown once, to them."""
        reason = clean_text(reason, "reason", required=True, label="交接原因")

        def run():
            org = self.admin_org(actor)
            role = self._active_role(org, actor.account_id)
            code = CodeService(self.ctx).issue_in_session(actor, org)
            role.active = False
            self._drop_reset_code_if_idle(role.account)
            self.audit(actor, "admin.hand_over", "admin_role", role.id, org,
                       before={"name": role.account.name, "active": True},
                       after={"active": False, "code_expires_at": self.settings.fmt(code.expires_at)}, note=reason)
            return HandOver(code=code, org_id=org.id)

        return self.write(run)

    def issue_reset_code(self, actor: Actor, org_id: int, account_id: int) -> ResetCodeView:
        """R-REG-7: the direct parent's administrator (or the server operator) issues a
        one-time password reset code (8 characters, 24 hours) for one of a child's active
        administrators. The code is shown once and kept only as a digest."""

        def run():
            org = self.parent_of_child(actor, org_id)
            role = self._active_role(org, account_id)
            view = self.accounts.new_reset_code(actor, role.account)
            self.audit(actor, "account.reset_code", "account", role.account.id, org,
                       after={"name": role.account.name, "expires_at": self.settings.fmt(view.expires_at)})
            return view

        return self.write(run)

    def _drop_reset_code_if_idle(self, acc) -> None:
        """An account left without an active role keeps no outstanding reset code."""
        if not select(r for r in self.s.AdminRole if r.account == acc and r.active).exists():
            acc.set(reset_hash=None, reset_expires_at=None)

