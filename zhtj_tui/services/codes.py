"""Administrator registration codes (R-CODE-1..6)."""

from __future__ import annotations

from datetime import timedelta

from pony.orm import select

from zhtj_tui.domain import orgs as rules
from zhtj_tui.domain.codes import EXPIRED, REVOKED, USED, code_state, generate_code, normalize_code
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.services.base import ServiceBase
from zhtj_tui.services.dto import Actor, CodeCheck, CodeView
from zhtj_tui.services.throttle import Throttle

#: ``domain.codes.code_state`` == VALID in raw SQL over reg_code (``$now`` bound).
USABLE_SQL = "used_at IS NULL AND revoked_at IS NULL AND expires_at > $now"


def usable_codes(store, now):
    """The registration codes still usable at ``now`` (``domain.codes.code_state``), as a
    query to narrow further."""
    return select(c for c in store.RegCode if c.used_at is None and c.revoked_at is None and c.expires_at > now)


def usable_sql(alias: str) -> str:
    """``usable_codes`` in raw SQL over ``reg_code {alias}``, with the parameter ``$now``
    (the partial index ``idx_reg_code_usable`` serves it)."""
    return f"{alias}.used_at IS NULL AND {alias}.revoked_at IS NULL AND {alias}.expires_at > $now"


class CodeService(ServiceBase):
    def issue(self, actor: Actor, org_id: int) -> CodeView:
        """A new code for a direct child of the actor's organisation (or, for the server
        operator, any organisation: a lost code). Earlier unused codes are revoked (R-CODE-5)."""

        def run():
            org = self.parent_of_child(actor, org_id)
            return self._issue(actor, org)

        return self.write(run)

    def current(self, actor: Actor, org_id: int) -> CodeView | None:
        """The child's valid unused code, if there is one."""

        def run():
            org = self.parent_of_child(actor, org_id)
            code = self._valid(org)
            return self._view(code, reused=True) if code else None

        return self.read(run)

    def show_or_issue(self, actor: Actor, org_id: int) -> CodeView:
        """The child's valid code, or a new one when none is valid (the 注册码 icon)."""

        def run():
            org = self.parent_of_child(actor, org_id)
            code = self._valid(org)
            return self._view(code, reused=True) if code else self._issue(actor, org)

        return self.write(run)

    def issue_all(self, actor: Actor, parent_id: int, renew: bool = False) -> tuple[CodeView, ...]:
        """批量生成注册码: a code for every direct child, in one transaction. Children with
        a valid unused code keep it (it may have been handed out) unless ``renew``."""

        def run():
            parent = self.org(parent_id) if actor.operator else self.own_org(actor, parent_id)
            out = []
            children = select(o for o in self.s.Org if o.parent == parent).order_by(lambda o: (o.short_name, o.id))
            for child in children:
                code = None if renew else self._valid(child)
                out.append(self._view(code, reused=True) if code else self._issue(actor, child, audit=False))
            self.audit(actor, "code.issue_all", "org", parent.id, parent,
                       after={"children": len(out), "new": sum(not c.reused for c in out)})
            return tuple(out)

        return self.write(run)

    def check(self, raw_code: str) -> CodeCheck:
        """What the registrant confirms before registering (R-REG-1): the code's
        organisation and its full path. Refuses used, revoked, expired and unknown codes;
        repeated unknown codes from one place are slowed down."""
        code = normalize_code(raw_code)
        self.ctx_throttle().check()

        def run():
            row = self.s.RegCode.get(code=code)
            if row is None:
                return None
            self.refusal(row)
            org = row.org
            return CodeCheck(
                code=code,
                org_id=org.id,
                org_name=org.short_name,
                category_name=rules.category(org.category).name,
                path_names=self.names_along(org.path),
                expires_at=row.expires_at,
            )

        result = self.read(run)
        if result is None:
            self.ctx_throttle().fail()
            raise DomainError("管理员注册码不存在，请核对（区分大小写）后重新输入", "code", "code_unknown")
        return result

    def refusal(self, row) -> None:
        """Raise the reason a code cannot be used, if any (R-CODE-2, R-CODE-3, R-CODE-5)."""
        state = code_state(row.used_at, row.revoked_at, row.expires_at, self.now())
        if state == USED:
            raise DomainError(
                "该管理员注册码已被使用（一个注册码只能注册一位管理员），请联系上级组织管理员生成新的注册码",
                "code", "code_used",
            )
        if state == REVOKED:
            raise DomainError(
                "该管理员注册码已作废（上级组织已重新生成），请向上级组织管理员索取最新的注册码",
                "code", "code_revoked",
            )
        if state == EXPIRED:
            raise DomainError(
                f"该管理员注册码已于 {self.settings.fmt(row.expires_at)} 过期（有效期{self.settings.code_valid_days}天），"
                "请联系上级组织管理员生成新的注册码",
                "code", "code_expired",
            )

    def ctx_throttle(self) -> Throttle:
        return Throttle(self, f"code:{self.ctx.client_key}")

    def issue_in_session(self, actor: Actor, org) -> CodeView:
        """Inside a write session, with the right already checked (a hand-over, R-REG-6):
        a new code for ``org``, earlier unused ones revoked, audited."""
        return self._issue(actor, org)

    # -- helpers -----------------------------------------------------------------------
    def _valid(self, org):
        return usable_codes(self.s, self.now()).filter(lambda c: c.org == org).order_by(lambda c: c.id).first()

    def _issue(self, actor: Actor, org, audit: bool = True) -> CodeView:
        now = self.now()
        for old in select(c for c in self.s.RegCode if c.org == org and c.used_at is None and c.revoked_at is None):
            old.revoked_at = now
        for _ in range(20):
            value = generate_code()
            if self.s.RegCode.get(code=value) is None:
                break
        row = self.s.RegCode(
            code=value,
            org=org,
            issued_by=actor.account_id,
            issued_at=now,
            expires_at=now + timedelta(days=self.settings.code_valid_days),
        )
        row.flush()
        if audit:
            # The code itself is a secret: the audit log keeps only that one was issued.
            self.audit(actor, "code.issue", "org", org.id, org, after={"expires_at": self.settings.fmt(row.expires_at)})
        return self._view(row)

    def _view(self, row, reused: bool = False) -> CodeView:
        return CodeView(
            code=row.code,
            org_id=row.org.id,
            org_name=row.org.short_name,
            category_name=rules.category(row.org.category).name,
            issued_at=row.issued_at,
            expires_at=row.expires_at,
            reused=reused,
        )

