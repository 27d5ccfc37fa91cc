"""团员管理 (R-MEM-1..5): entering, finding, editing, removing and moving members.

Who may act (R-MEM-1): the branch's own administrator or its direct parent's administrator
enter and edit; anyone whose subtree holds the branch reads. Uniqueness of ID numbers among
active members and of 团员编号 is the database's (``Member.active_id``, ``Member.member_no``).

``MemberService`` is put together from one module per responsibility: the lists, search
and counts (``member_list``), who already holds a person's numbers (``member_ids``), how
the stored codes read (``member_text``); this module holds one member's record and the
writes.
"""

from __future__ import annotations

from pony.orm import select

from zhtj_tui.domain.errors import Conflict, DomainError, Forbidden, NotFound
from zhtj_tui.domain.idcard import mask_id_number, normalize_id_number
from zhtj_tui.domain.joinage import age_on, is_over_age, over_age_cutoff
from zhtj_tui.domain.member import MEMBER_FIELDS, MemberData, check_member, member_initials
from zhtj_tui.domain.mobile import mask_mobile
from zhtj_tui.domain.text import LIMITS, clean_text, search_text
from zhtj_tui.domain.vocab import (
    SECRETARY_POST,
    STATUS_NORMAL,
    education_levels,
    ethnic_groups,
    political_statuses,
)
from zhtj_tui.services.base import ServiceBase, is_active
from zhtj_tui.services.cadres import CadreService
from zhtj_tui.services.dto import Actor, MemberView, TransferResult, TransferTargets
from zhtj_tui.services.member_ids import (
    DuplicateMember,
    MemberIdChecks,
    release_member_no,
    returning_member_no,
)
from zhtj_tui.services.member_list import PAGE, SEARCH_KINDS, MemberListing, classify_query
from zhtj_tui.services.member_text import REMOVE_REASONS, post_label, snapshot, status_name


class MemberService(MemberListing, MemberIdChecks, ServiceBase):
    # -- reading ---------------------------------------------------------------------
    def get(self, actor: Actor, member_id: int) -> MemberView:
        """The full record; the ID number and mobile in full only for someone who may edit."""
        return self.read(lambda: self._view(self._visible_member(actor, member_id), actor))

    # -- writing ---------------------------------------------------------------------
    def check(self, values: dict) -> MemberData:
        """The member's values checked by the domain rule (for instant feedback in forms)."""
        return check_member(values, self.settings.today(), self.settings.join_age, self.settings.member_no_cutover)

    def add(self, actor: Actor, branch_id: int, values: dict) -> MemberView:
        """Enter one member into a branch (R-MEM-1..4)."""
        data = self.check(values)

        def run():
            self.lock_orgs(branch_id)  # the member's path is the branch's (R-TREE-6)
            branch = self.member_branch(actor, branch_id)
            self._refuse_duplicates(actor, data, None, branch_id=branch.id)
            now = self.now()
            m = self.s.Member(
                branch=branch, path=branch.path, name=data.name, name_initials=member_initials(data.name),
                id_number=data.id_number, active_id=data.id_number,
                birth_date=data.birth_date, sex=data.sex, ethnic=data.ethnic, political=data.political,
                join_month=data.join_month, education=data.education, mobile=data.mobile,
                member_no=data.member_no, post=data.post, post_name=data.post_name,
                join_unit=data.join_unit, note=data.note, status=STATUS_NORMAL,
                created_at=now, updated_at=now, version=1,
            )
            m.flush()
            self.audit(actor, "member.add", "member", m.id, branch, after=snapshot(m))
            if m.post == SECRETARY_POST:
                CadreService(self.ctx).member_became_secretary(actor, branch, m)
            return self._view(m, actor, data.warnings)

        return self._write_member(run, actor, data, branch_id=branch_id)

    def update(self, actor: Actor, member_id: int, values: dict, expected_version: int | None = None) -> MemberView:
        """Edit a member with the same checks as entry; refuses a save over someone
        else's change (optimistic version) saying what changed."""
        data = self.check(values)

        def run():
            m = self._member(member_id)
            self._may_write(actor, m)
            if not is_active(m):
                raise DomainError("该团员已离团，记录只读，不能修改", None, "member_left")
            if expected_version is not None and m.version != expected_version:
                raise Conflict(self._changed_message(m, data), None, "changed")
            self._refuse_duplicates(actor, data, m.id, branch_id=m.branch.id)
            before = snapshot(m)
            cadres = CadreService(self.ctx)
            old_id_number, was_secretary = m.id_number, m.post == SECRETARY_POST
            if was_secretary and data.post != SECRETARY_POST:
                cadres.member_left_secretary(actor, m, "团内职务变更")
            m.name, m.name_initials = data.name, member_initials(data.name)
            m.id_number, m.active_id = data.id_number, data.id_number
            m.birth_date, m.sex = data.birth_date, data.sex
            for key in ("ethnic", "political", "join_month", "education", "mobile", "member_no",
                        "post", "post_name", "join_unit", "note"):
                setattr(m, key, getattr(data, key))
            after = snapshot(m)
            if after == before:
                return self._view(m, actor, data.warnings)
            if m.post == SECRETARY_POST:
                if was_secretary:
                    cadres.member_details_changed(m, old_id_number)
                else:
                    cadres.member_became_secretary(actor, m.branch, m)
            m.updated_at = self.now()
            m.version += 1
            self.audit(actor, "member.update", "member", m.id, m.branch, before=before, after=after)
            return self._view(m, actor, data.warnings)

        return self._write_member(run, actor, data, member_id)

    def remove(self, actor: Actor, member_id: int, reason: str, note: str | None = None) -> MemberView:
        """Take a member off the branch's list for one of ``REMOVE_REASONS``; the record is
        kept with that status, and its ID number is free again (R-MEM-3)."""
        reason = (reason or "").strip()
        if reason not in REMOVE_REASONS:
            raise DomainError("请从列表中选择离团原因：" + "、".join(REMOVE_REASONS), "reason", "bad_reason")
        # The free-text note goes through the one text rule (controls, direction marks, length).
        note = clean_text(note, "reason", label="离团说明") or None

        def run():
            m = self._member(member_id)
            self._may_write(actor, m)
            if not is_active(m):
                raise DomainError("该团员已不在团员名单中", None, "member_left")
            before = snapshot(m)
            if m.post == SECRETARY_POST:
                # R-MEM-6: a secretary who leaves the League no longer holds the post.
                CadreService(self.ctx).member_left_secretary(actor, m, f"离团：{reason}")
            m.active_id = None
            m.status = REMOVE_REASONS[reason]
            m.left_reason = reason if not note else f"{reason}：{note}"[:LIMITS["reason"]]
            m.left_at = self.now()
            m.updated_at = self.now()
            m.version += 1
            self.audit(actor, "member.remove", "member", m.id, m.branch, before=before, after=snapshot(m),
                       note=reason)
            return self._view(m, actor)

        return self.write(run)

    def transfer(self, actor: Actor, member_ids, to_branch_id: int) -> TransferResult:
        """Move members to another branch (R-MEM-1): the actor must be allowed to edit the
        members where they are and to enter members in the target branch (each branch's
        own administrator or its direct parent's). One transaction: all move or none. A
        secretary moved away stops being the old branch's 书记 (R-MEM-6)."""
        ids = sorted({int(i) for i in member_ids})
        if not ids:
            raise DomainError("请先选择要转移的团员", None, "nothing_selected")

        def run():
            self.lock_orgs(to_branch_id)  # the members take the target's path (R-TREE-6)
            target = self.visible_org(actor, to_branch_id)
            if target.group != "branch":
                raise DomainError("只能转移到团支部，请选择一个团支部", None, "not_branch")
            if not actor.operator:
                self.admin_org(actor)
            if not self.may_write_members(actor, target):
                raise Forbidden(
                    f"您不能向“{target.short_name}”录入团员，因此也不能把团员转入该支部：转入须由该支部或其直属上级组织的管理员办理",
                    None, "not_member_admin")
            members = select(m for m in self.s.Member if m.id in ids)[:]
            if len(members) != len(ids):
                raise NotFound("部分团员不存在，请刷新后重试", None, "member_not_found")
            cadres = CadreService(self.ctx)
            moved = []
            for m in sorted(members, key=lambda x: x.id):
                if not self.may_write_members(actor, m.branch):
                    raise Forbidden(
                        f"团员 {m.name} 所在的“{m.branch.short_name}”不由您直接管理，不能转出：转移须由该支部或其直属上级组织的管理员办理",
                        None, "not_member_admin")
                if not is_active(m):
                    raise DomainError(f"团员 {m.name} 已离团，不能转移", None, "member_left")
                if m.branch.id == target.id:
                    continue
                before = {"branch_id": m.branch.id, "branch": m.branch.short_name, **snapshot(m)}
                if m.post == SECRETARY_POST:
                    cadres.member_left_secretary(actor, m, f"转出到{target.short_name}")
                    m.post, m.post_name = None, None
                m.branch = target
                m.path = target.path
                m.updated_at = self.now()
                m.version += 1
                after = {"branch_id": target.id, "branch": target.short_name, **snapshot(m)}
                self.audit(actor, "member.transfer", "member", m.id, target, before=before, after=after,
                           note=f"{before['branch']} → {target.short_name}")
                moved.append(m.id)
            return TransferResult(tuple(moved), target.id, target.short_name)

        return self.write(run)

    def transfer_targets(self, actor: Actor, from_branch_id: int | None = None, text: str = "",
                         limit: int = 50) -> TransferTargets:
        """The branches the actor may move members into (R-MEM-1), other than
        ``from_branch_id``; when there is none, ``reason`` says why and who can do it."""
        found = self.branches(actor, text, limit + 1, writable=True)
        items = tuple(b for b in found if b.id != from_branch_id)[:limit]
        if items:
            return TransferTargets(items, "")
        if text:
            return TransferTargets((), f"没有名称含“{search_text(text)}”且您可以转入的团支部")

        def why() -> str:
            if actor.operator:
                return "系统中还没有其他团支部"
            home = self.admin_org(actor)
            if home.group == "branch":
                return ("您只管理本团支部，没有可以转入的其他团支部。团员转到其他团支部，"
                        f"请联系上级组织“{home.parent.short_name if home.parent else ''}”的管理员办理，或由转入支部的管理员录入")
            return ("您的组织下没有其他直属团支部。团员转移须由转出、转入两个团支部共同的直属上级组织管理员办理，"
                    "或先由原支部办理转出、再由新支部录入")

        return TransferTargets((), self.read(why))

    # -- helpers ---------------------------------------------------------------------
    def _member(self, member_id: int):
        m = self.s.Member.get(id=member_id) if isinstance(member_id, int) else None
        if m is None:
            raise NotFound("该团员不存在或已被删除，请刷新", None, "member_not_found")
        return m

    def _visible_member(self, actor: Actor, member_id: int):
        m = self._member(member_id)
        self.visible_org(actor, m.branch.id)
        return m

    def _may_write(self, actor: Actor, m) -> None:
        self.member_branch(actor, m.branch.id)

    def _view(self, m, actor: Actor, warnings: tuple[str, ...] = ()) -> MemberView:
        today = self.settings.today()
        editable = is_active(m) and self.may_write_members(actor, m.branch)
        return MemberView(
            id=m.id, branch_id=m.branch.id, branch_name=m.branch.short_name, path_names=self.names_along(m.branch.path),
            name=m.name, id_number=m.id_number if editable else mask_id_number(m.id_number),
            sex=m.sex, birth_date=m.birth_date, age=age_on(m.birth_date, today),
            ethnic=m.ethnic, ethnic_name=ethnic_groups().name_of(m.ethnic),
            political=m.political, political_name=political_statuses().name_of(m.political),
            join_month=m.join_month, education=m.education, education_name=education_levels().name_of(m.education),
            mobile=m.mobile if editable else mask_mobile(m.mobile), member_no=m.member_no or "",
            post=m.post or "", post_name=m.post_name or "", post_label=post_label(m.post, m.post_name),
            join_unit=m.join_unit or "", note=m.note or "", status=m.status, status_name=status_name(m.status),
            left_reason=m.left_reason or "", left_at=m.left_at,
            over_age=is_over_age(m.birth_date, today, self.settings.join_age), version=m.version,
            editable=editable, warnings=tuple(warnings),
        )

    def _changed_message(self, m, data: MemberData) -> str:
        changed = []
        for key in ("name", "ethnic", "political", "join_month", "education", "mobile", "member_no",
                    "post", "join_unit", "note"):
            if (getattr(m, key) or None) != (getattr(data, key) or None):
                changed.append(MEMBER_FIELDS[key])
        if m.id_number != data.id_number:
            changed.append("身份证号码")
        last = select(a for a in self.s.AuditEntry if a.entity == "member" and a.entity_id == m.id).order_by(
            lambda a: (-a.id,)).first()
        who = f"（{last.actor_label} 于 {self.settings.local(last.at):%m-%d %H:%M}）" if last else ""
        what = "、".join(changed[:6]) or "团员信息"
        return f"保存前该团员的信息已被他人修改{who}，与您填写的不同之处：{what}。请重新打开后核对再保存"


__all__ = ["MemberService", "DuplicateMember", "PAGE", "REMOVE_REASONS", "SEARCH_KINDS", "classify_query",
           "over_age_cutoff", "status_name", "normalize_id_number", "release_member_no", "returning_member_no"]
