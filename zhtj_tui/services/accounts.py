"""Administrator registration (R-REG-1..5) and login."""

from __future__ import annotations

import re
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pony.orm import select

from zhtj_tui.domain import orgs as rules
from zhtj_tui.domain.codes import (
    RESET_VALID_HOURS,
    code_digest,
    generate_code,
    normalize_code,
    normalize_reset_code,
)
from zhtj_tui.domain.errors import DomainError, Forbidden
from zhtj_tui.domain.idcard import mask_id_number, parse_id_number
from zhtj_tui.domain.joinage import check_join_month
from zhtj_tui.domain.mobile import mask_mobile, normalize_mobile
from zhtj_tui.domain.months import parse_month
from zhtj_tui.domain.password import check_password
from zhtj_tui.domain.text import clean_person_name, clean_text, to_halfwidth
from zhtj_tui.domain.vocab import OTHER_POST, league_posts
from zhtj_tui.services.base import ServiceBase
from zhtj_tui.services.codes import USABLE_SQL, CodeService
from zhtj_tui.services.dto import Actor, Registered, ResetCodeView, Role, Session
from zhtj_tui.services.throttle import Throttle


class AccountService(ServiceBase):
    def __init__(self, ctx):
        super().__init__(ctx)
        s = ctx.settings
        self.hasher = PasswordHasher(time_cost=s.argon2_time_cost, memory_cost=s.argon2_memory_cost,
                                     parallelism=1)

    # -- registration ---------------------------------------------------------------------
    def validate_registration(self, post: str, post_name: str | None, name: str, id_number: str,
                              mobile: str, join_month: str) -> dict:
        """Check the personal fields (R-REG-1..4); returns the clean values and warnings."""
        post_code = league_posts().resolve(post, "post")
        post_label = None
        if post_code == OTHER_POST:
            post_label = clean_text(post_name, "post_name", required=True, label="职务名称")
        person = clean_person_name(name, "name")
        info = parse_id_number(id_number, self.settings.today())
        phone = normalize_mobile(mobile)
        month = parse_month(join_month)
        warnings = info.warnings + check_join_month(info.birth_date, month, self.settings.today(), self.settings.join_age)
        return {
            "post": post_code, "post_name": post_label, "name": person, "id": info, "mobile": phone,
            "join_month": str(month), "warnings": warnings,
        }

    def register(self, code: str, post: str, name: str, id_number: str, mobile: str, join_month: str,
                 password: str, post_name: str | None = None) -> Registered:
        """Register an administrator with a code (R-REG-1..5).

        Redeeming is atomic: the code is marked used by a conditional update, so when
        several people submit one code at once exactly one succeeds (R-CODE-3). A person
        who already has an account (same ID number) adds the organisation to it by giving
        that account's password.
        """
        code = normalize_code(code)
        v = self.validate_registration(post, post_name, name, id_number, mobile, join_month)
        info = v["id"]
        throttle = Throttle(self, f"code:{self.ctx.client_key}")
        throttle.check()

        def find():
            by_id = self.s.Account.get(id_number=info.number)
            by_mobile = self.s.Account.get(mobile=v["mobile"])
            return (
                (by_id.id, by_id.password_hash, by_id.locked_until) if by_id else None,
                by_mobile.id if by_mobile else None,
            )

        existing, mobile_owner = self.read(find)
        if existing is None:
            if mobile_owner is not None:
                raise DomainError("该手机号码已被其他账号使用，请核对或换一个手机号码", "mobile", "mobile_taken")
            check_password(password)
            pw_hash = self.hasher.hash(password)
        else:
            if mobile_owner is not None and mobile_owner != existing[0]:
                raise DomainError("该手机号码已被其他账号使用，请核对或换一个手机号码", "mobile", "mobile_taken")
            # The account's password guards it here as at login: wrong ones count towards
            # the same lock, or a valid code would allow unlimited guesses.
            self._refuse_if_locked(existing[2], self.now())
            if not self._verify(existing[1], password):
                self._count_wrong_password(existing[0], self.now())
                raise DomainError(
                    "该身份证号码已注册过管理员账号：请输入该账号的原密码，新的组织将加入同一账号",
                    "password", "existing_account_password",
                )
            pw_hash = None

        now = self.now()

        def run():
            cur = self.s.execute(
                f"UPDATE reg_code SET used_at = $now WHERE code = $code AND {USABLE_SQL}",
                {"now": now, "code": code},
            )
            if cur.rowcount != 1:
                row = self.s.RegCode.get(code=code)
                if row is None:
                    return "unknown"
                self.codes_refusal(row)
                raise DomainError("该管理员注册码已被使用，请联系上级组织管理员生成新的注册码", "code", "code_used")
            code_id, org_id = self.s.select("select id, org from reg_code where code = $code", {"code": code})[0]
            org = self.s.Org[org_id]
            if existing is None:
                acc = self.s.Account(
                    name=v["name"], id_number=info.number, mobile=v["mobile"], birth_date=info.birth_date,
                    sex=info.sex, join_month=v["join_month"], password_hash=pw_hash, created_at=now,
                )
                acc.flush()
            else:
                acc = self.s.Account[existing[0]]
                old_role = self.s.AdminRole.get(account=acc, org=org)
                if old_role is not None and old_role.active:
                    raise DomainError(f"您已是 {org.short_name} 的管理员，无需再次注册", "code", "already_admin")
            role = self.s.AdminRole.get(account=acc, org=org) if existing is not None else None
            if role is not None:
                # A former administrator of this organisation, registered again with a new
                # code (R-REG-6): the same role, active again.
                role.set(active=True, post=v["post"], post_name=v["post_name"], code_id=code_id, created_at=now)
            else:
                role = self.s.AdminRole(account=acc, org=org, post=v["post"], post_name=v["post_name"],
                                        code_id=code_id, created_at=now)
            role.flush()
            self.s.execute("UPDATE reg_code SET used_by = $a WHERE id = $id", {"a": acc.id, "id": code_id})
            actor = Actor(account_id=acc.id, org_id=org.id, label=v["name"])
            self.audit(actor, "account.register", "admin_role", role.id, org,
                       after={"post": v["post"], "new_account": existing is None})
            return Registered(account_id=acc.id, org_id=org.id, new_account=existing is None, warnings=v["warnings"])

        result = self.write(run, integrity=lambda exc: DomainError(
            "该身份证号码或手机号码刚刚已被注册，请直接登录或核对信息", "id_number", "account_taken"))
        if result == "unknown":
            throttle.fail()
            raise DomainError("管理员注册码不存在，请核对（区分大小写）后重新输入", "code", "code_unknown")
        return result

    def codes_refusal(self, row) -> None:
        CodeService(self.ctx).refusal(row)

    # -- login ------------------------------------------------------------------------------
    def login(self, login: str, password: str) -> Session:
        """Log in by mobile number or ID number. Five wrong passwords in a row lock the
        account for 15 minutes, and the message says until when."""
        ident = re.sub(r"\s+", "", to_halfwidth(login or "")).upper()
        if not ident:
            raise DomainError("请输入手机号码或身份证号码", "login", "required")
        if len(ident) not in (11, 18):
            # Neither a mobile nor an ID number (and longer than the columns it is looked
            # up in): say what is expected.
            raise DomainError("请输入11位手机号码或18位身份证号码", "login", "login_format")
        if not password:
            raise DomainError("请输入密码", "password", "required")
        throttle = Throttle(self, f"login:{self.ctx.client_key}")
        throttle.check()
        wrong = DomainError("账号或密码不正确，请重新输入", "password", "bad_login")

        def find():
            acc = self._by_login(ident)
            if acc is None:
                return None
            return acc.id, acc.password_hash, acc.locked_until

        found = self.read(find)
        if found is None:
            throttle.fail()
            raise wrong
        acc_id, pw_hash, locked_until = found
        now = self.now()
        self._refuse_if_locked(locked_until, now, account_id=acc_id)
        if not self._verify(pw_hash, password):
            self._count_wrong_password(acc_id, now)
            raise wrong
        if not self.read(lambda: self.s.AdminRole.select(lambda r: r.account.id == acc_id and r.active).exists()):
            # R-REG-6: only active administrators count, and only they may log in.
            raise DomainError(
                "您的管理员身份已停用（已交接或被上级组织停用），不能登录。"
                "如需继续担任管理员，请向上级组织管理员索取新的管理员注册码重新注册", "login", "deactivated",
            )

        def ok():
            # A plain UPDATE: a wrong password counted meanwhile by another session must
            # not turn this login into an optimistic-check conflict.
            self.s.execute(
                "UPDATE account SET failed_logins = 0, locked_until = NULL, last_login_at = $now WHERE id = $id",
                {"now": now, "id": acc_id},
            )
            return self._session(self.s.Account[acc_id])

        session = self.write(ok)
        throttle.reset()
        return session

    def session(self, account_id: int) -> Session:
        """The account's current roles (after registering another organisation)."""
        return self.read(lambda: self._session(self.s.Account[account_id]))

    def change_password(self, account_id: int, old: str, new: str) -> None:
        check_password(new, "new_password")
        pw_hash, locked_until = self.read(lambda: (self.s.Account[account_id].password_hash,
                                                   self.s.Account[account_id].locked_until))
        self._refuse_if_locked(locked_until, self.now(), "old_password", account_id=account_id)
        if not self._verify(pw_hash, old):
            self._count_wrong_password(account_id, self.now(), "old_password")
            raise DomainError("原密码不正确", "old_password", "bad_password")
        new_hash = self.hasher.hash(new)

        def run():
            acc = self.s.Account[account_id]
            acc.password_hash = new_hash
            self.audit(Actor(account_id, None, acc.name), "account.password", "account", acc.id)

        self.write(run)

    def _refuse_if_locked(self, locked_until, now, field: str = "password", account_id: int | None = None) -> None:
        if locked_until is not None and locked_until > now:
            raise DomainError(
                f"密码错误次数过多，账号已锁定，请于 {self.settings.fmt(locked_until)} 后再试。{self._who_helps(account_id)}",
                field, "locked",
            )

    def _who_helps(self, account_id: int | None) -> str:
        """R-REG-7: who can help a locked-out administrator: the parent organisation's
        administrator (a reset code), or the server operator."""
        if account_id is None:
            return ""

        def run():
            roles = select(r for r in self.s.AdminRole if r.account.id == account_id and r.active)[:]
            return sorted({r.org.parent.short_name for r in roles if r.org.parent is not None})

        parents = self.read(run)
        who = "、".join(f"“{p}”" for p in parents[:3])
        parent = f"请{who}的管理员为您生成密码重置码，在登录界面按F3（忘记密码）设置新密码；" if who else ""
        return f"如忘记密码，{parent}服务器管理员也可以解除锁定或重置（zhtj account unlock / reset）"

    def _count_wrong_password(self, acc_id: int, now, field: str = "password") -> None:
        """One more wrong password for the account; the one that reaches the limit locks it
        for ``lock_minutes`` and is refused with the time the lock ends."""
        limit, minutes = self.settings.max_failed_logins, self.settings.lock_minutes
        until = now + timedelta(minutes=minutes)

        def fail():
            self.s.execute("UPDATE account SET failed_logins = failed_logins + 1 WHERE id = $id", {"id": acc_id})
            cur = self.s.execute(
                "UPDATE account SET locked_until = $u, failed_logins = 0 WHERE id = $id AND failed_logins >= $n",
                {"u": until, "id": acc_id, "n": limit},
            )
            return cur.rowcount == 1

        if self.write(fail):
            raise DomainError(
                f"密码连续错误{limit}次，账号已锁定，请于 {self.settings.fmt(until)} 后再试。{self._who_helps(acc_id)}",
                field, "locked",
            )

    # -- forgotten passwords (R-REG-7) ------------------------------------------------------
    def _by_login(self, ident: str):
        return self.s.Account.get(mobile=ident) if len(ident) == 11 else self.s.Account.get(id_number=ident)

    def resolve_account(self, ref: str) -> int:
        """The account named by its mobile number or ID number (the login name), for the
        server operator's commands."""
        ident = re.sub(r"\s+", "", to_halfwidth(ref or "")).upper()
        if len(ident) not in (11, 18):
            raise DomainError("请用11位手机号码或18位身份证号码指定账号", "account", "login_format")
        acc_id = self.read(lambda: (a.id if (a := self._by_login(ident)) else None))
        if acc_id is None:
            raise DomainError(f"找不到手机号码或身份证号码为 {mask_login(ident)} 的账号", "account", "account_not_found")
        return acc_id

    def new_reset_code(self, actor: Actor, acc) -> ResetCodeView:
        """Inside a write session, with the right already checked: a fresh one-time reset
        code for ``acc`` (an earlier unused one stops working); only its digest is kept."""
        code = generate_code()
        expires = self.now() + timedelta(hours=RESET_VALID_HOURS)
        acc.set(reset_hash=code_digest(code), reset_expires_at=expires)
        return ResetCodeView(code=code, account_id=acc.id, name=acc.name, expires_at=expires)

    def _need_operator(self, actor: Actor) -> Actor:
        if not actor.operator:
            raise Forbidden("只有服务器管理员可以解除锁定或重置任意账号；忘记密码请向上级组织管理员索取密码重置码",
                            None, "need_operator")
        return actor

    def operator_reset(self, actor: Actor, ref: str) -> ResetCodeView:
        """``zhtj account reset``: the server operator issues a reset code for any account
        (the lock is lifted too); the person sets a new password with it (忘记密码)."""
        op = self._need_operator(actor)
        acc_id = self.resolve_account(ref)

        def run():
            acc = self.s.Account[acc_id]
            view = self.new_reset_code(op, acc)
            acc.set(failed_logins=0, locked_until=None)
            self.audit(op, "account.reset_code", "account", acc.id,
                       after={"expires_at": self.settings.fmt(view.expires_at), "by": "operator"})
            return view

        return self.write(run)

    def unlock(self, actor: Actor, ref: str) -> tuple[int, str, bool]:
        """``zhtj account unlock``: the server operator lifts a lock (R-REG-7). Returns
        (id, name, was locked)."""
        op = self._need_operator(actor)
        acc_id = self.resolve_account(ref)
        now = self.now()

        def run():
            acc = self.s.Account[acc_id]
            was = acc.locked_until is not None and acc.locked_until > now
            self.s.execute("UPDATE account SET failed_logins = 0, locked_until = NULL WHERE id = $id", {"id": acc_id})
            self.audit(op, "account.unlock", "account", acc_id, after={"was_locked": was})
            return acc_id, acc.name, was

        return self.write(run)

    def redeem_reset_code(self, login: str, code: str, new_password: str) -> str:
        """忘记密码: set a new password with a one-time reset code (R-REG-7). The code is used
        by one conditional UPDATE that also sets the password, so it works exactly once even
        when submitted twice at the same moment. Returns the login name to log in with."""
        ident = re.sub(r"\s+", "", to_halfwidth(login or "")).upper()
        if not ident:
            raise DomainError("请输入手机号码或身份证号码", "login", "required")
        if len(ident) not in (11, 18):
            raise DomainError("请输入11位手机号码或18位身份证号码", "login", "login_format")
        raw = normalize_reset_code(code)
        check_password(new_password, "new_password")
        throttle = Throttle(self, f"reset:{self.ctx.client_key}")
        throttle.check()
        wrong = DomainError("账号或密码重置码不正确，请核对（区分大小写）后重新输入", "reset_code", "reset_wrong")
        found = self.read(lambda: (a.id, a.reset_hash, a.reset_expires_at) if (a := self._by_login(ident)) else None)
        if found is None:
            throttle.fail()
            raise wrong
        acc_id, stored, expires = found
        now = self.now()
        new_hash = self.hasher.hash(new_password)  # slow: the caller runs this off the event loop

        def run():
            cur = self.s.execute(
                "UPDATE account SET password_hash = $h, reset_hash = NULL, reset_expires_at = NULL, "
                "failed_logins = 0, locked_until = NULL WHERE id = $id AND reset_hash = $d AND reset_expires_at > $now",
                {"h": new_hash, "id": acc_id, "d": code_digest(raw), "now": now},
            )
            if cur.rowcount != 1:
                return False
            name = self.s.Account[acc_id].name
            self.audit(Actor(acc_id, None, name), "account.reset_password", "account", acc_id)
            return True

        if self.write(run):
            throttle.reset()
            return ident
        if stored == code_digest(raw) and expires is not None and expires <= now:
            raise DomainError(
                f"该密码重置码已于 {self.settings.fmt(expires)} 过期（有效期{RESET_VALID_HOURS}小时），"
                "请联系上级组织管理员重新生成", "reset_code", "reset_expired",
            )
        throttle.fail()
        if stored is None:
            raise DomainError(
                "该账号没有可用的密码重置码（重置码只能使用一次），请联系上级组织管理员生成新的重置码",
                "reset_code", "reset_none",
            )
        raise wrong

    def _verify(self, pw_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(pw_hash, password or "")
        except (VerificationError, InvalidHashError):
            return False

    def _session(self, acc) -> Session:
        roles = select(r for r in self.s.AdminRole if r.account == acc and r.active).order_by(lambda r: r.id)[:]
        out = []
        for r in roles:
            org = r.org
            post = r.post_name or league_posts().name_of(r.post)
            cat = rules.category(org.category)
            out.append(Role(org.id, org.short_name, cat.name, cat.group, post, self.names_along(org.path)))
        return Session(account_id=acc.id, name=acc.name, roles=tuple(out))


def mask_login(ident: str) -> str:
    """A login name said back without revealing it whole (a mobile or an ID number)."""
    return mask_mobile(ident) if len(ident) == 11 else mask_id_number(ident)
