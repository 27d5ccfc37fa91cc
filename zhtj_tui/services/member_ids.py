"""Who already holds a person's numbers (R-MEM-3, R-MEM-4): an active member with the same
ID number (worded by where they are), a 团员编号 in use, the returning member's own 团员编号;
and a member write that lost a unique value to a concurrent save, reported like any
duplicate. Uniqueness itself is the database's (``Member.active_id``, ``Member.member_no``)."""

from __future__ import annotations

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.idcard import mask_id_number, normalize_id_number
from zhtj_tui.domain.member import MEMBER_FIELDS, MemberData
from zhtj_tui.services.base import ServiceBase, is_active
from zhtj_tui.services.dto import Actor, MemberView


class DuplicateMember(DomainError):
    """R-MEM-3: the ID number is held by an active member. The code says where: in the branch
    being entered (``duplicate_in_branch``), in another branch inside the actor's subtree
    (``duplicate_in_subtree``, with ``member_id``: the form may offer to move that member
    here), or elsewhere (``duplicate``, naming the holder's path)."""

    def __init__(self, message: str, field: str | None, code: str, member_id: int | None = None,
                 holder_path: str = "", holder_branch_id: int | None = None):
        super().__init__(message, field, code)
        self.member_id = member_id
        self.holder_path = holder_path
        self.holder_branch_id = holder_branch_id


class _Clash(Exception):
    """Raised inside a write when the database refused a unique value (lost a race)."""


class MemberIdChecks(ServiceBase):
    def id_holder(self, actor: Actor, branch_id: int, id_number: str) -> DuplicateMember | None:
        """R-MEM-3 before saving (the entry form asks when the ID field is left): who holds
        this ID number, worded for the case, or None when nobody does."""
        number = normalize_id_number(id_number)

        def run():
            self.member_branch(actor, branch_id)
            return self._id_holder(actor, number, None, branch_id)

        return self.read(run)

    def _write_member(self, run, actor: Actor, data: MemberData, exclude_id: int | None = None,
                      branch_id: int | None = None) -> MemberView:
        """Run a member write; a unique value lost to a concurrent save is reported like
        any duplicate, naming who holds it now (R-MEM-3)."""
        try:
            return self.write(run, integrity=lambda exc: _Clash(str(exc)))  # type: ignore[arg-type,return-value]
        except _Clash as exc:
            text = str(exc).lower()

            def explain():
                self._refuse_duplicates(actor, data, exclude_id, release=False, branch_id=branch_id)

            self.read(explain)
            field = "member_no" if "member_no" in text else "id_number"
            raise DomainError(f"{MEMBER_FIELDS[field]}刚刚已被他人录入，请刷新后核对", field, "duplicate") from None

    def _id_holder(self, actor: Actor, id_number: str, exclude_id: int | None,
                   branch_id: int | None) -> DuplicateMember | None:
        holder = self.s.Member.get(active_id=id_number)
        if holder is None or holder.id == exclude_id:
            return None
        masked = mask_id_number(id_number)
        where = " / ".join(self.names_along(holder.branch.path))
        if branch_id is not None and holder.branch.id == branch_id:
            return DuplicateMember(
                f"身份证号码 {masked} 已是本支部的团员 {holder.name}，不能重复录入。"
                "请核对号码；要修改其信息，请回到团员列表选中后按 e",
                "id_number", "duplicate_in_branch", holder.id, where, holder.branch.id,
            )
        # Offer to move the holder here only when the actor may also edit the branch that
        # holds them (R-MEM-1: moving needs the right to edit both).
        if self.may_write_members(actor, holder.branch):
            return DuplicateMember(
                f"身份证号码 {masked} 已是您管理的 {where} 的团员 {holder.name}。"
                "一人只能在一个团支部：可将其转入本支部，或核对号码",
                "id_number", "duplicate_in_subtree", holder.id, where, holder.branch.id,
            )
        return DuplicateMember(
            f"身份证号码 {masked} 已是 {where} 的团员。"
            "一人只能在一个团支部，请核对号码，或请对方组织先办理转出",
            "id_number", "duplicate", None, where, None,
        )

    def _refuse_duplicates(self, actor: Actor, data: MemberData, exclude_id: int | None,
                           release: bool = True, branch_id: int | None = None) -> None:
        M = self.s.Member
        problem = self._id_holder(actor, data.id_number, exclude_id, branch_id)
        if problem is not None:
            raise problem
        if data.member_no:
            other = M.get(member_no=data.member_no)
            if other is not None and other.id != exclude_id:
                if returning_member_no(is_active(other), other.id_number, data.id_number):
                    if release:
                        release_member_no(self.s, data.member_no, data.id_number)
                    return
                where = " / ".join(self.names_along(other.branch.path))
                raise DomainError(
                    f"团员编号 {data.member_no} 已被 {where} 的团员记录使用，团员编号在全系统中不能重复，请核对",
                    "member_no", "duplicate_member_no",
                )


def returning_member_no(holder_active: bool, holder_id_number: str, id_number: str) -> bool:
    """R-MEM-4: a 团员编号 belongs to its person. Held only by a closed record of the same
    ID number (someone who left and comes back), it passes to the new record; held by an
    active record or by another person, it is a duplicate. Single entry and the Excel
    import both decide with this rule."""
    return not holder_active and holder_id_number == id_number


def release_member_no(store, member_no: str, id_number: str) -> bool:
    """Inside a write: the closed record of the same person gives ``member_no`` up (to
    NULL) so that the returning member's new record can hold it (``returning_member_no``)."""
    old = store.Member.get(member_no=member_no)
    if old is None or not returning_member_no(is_active(old), old.id_number, id_number):
        return False
    old.member_no = None
    old.flush()
    return True
