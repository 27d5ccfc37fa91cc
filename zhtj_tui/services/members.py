"""团员管理 (R-MEM-1..5): entering, finding, editing, removing and moving members.

Who may act (R-MEM-1): the branch's own administrator or its direct parent's administrator
enter and edit; anyone whose subtree holds the branch reads. Uniqueness of ID numbers among
active members and of 团员编号 is the database's (``Member.active_id``, ``Member.member_no``).
"""

from __future__ import annotations

import re
from datetime import date

from pony.orm import select

from zhtj_tui.domain import pinyin
from zhtj_tui.domain.errors import Conflict, DomainError, Forbidden, NotFound
from zhtj_tui.domain.idcard import mask_id_number, normalize_id_number
from zhtj_tui.domain.joinage import age_on, is_over_age, over_age_cutoff
from zhtj_tui.domain.member import MEMBER_FIELDS, MemberData, check_member
from zhtj_tui.domain.mobile import mask_mobile
from zhtj_tui.domain.text import LIMITS, clean_text, search_text
from zhtj_tui.domain.vocab import (
    OTHER_POST,
    SECRETARY_POST,
    STATUS_NORMAL,
    education_levels,
    ethnic_groups,
    league_posts,
    member_statuses,
    political_statuses,
)
from zhtj_tui.services.base import ServiceBase, active_sql, is_active, subtree_upper
from zhtj_tui.services.cadres import CadreService
from zhtj_tui.services.dto import (
    Actor,
    BranchCount,
    MemberRow,
    MemberView,
    OrgBrief,
    Page,
    TransferResult,
    TransferTargets,
)

#: Rows per page of the member table.
PAGE = 200

#: Why a member leaves the branch's active list (a fixed list), and the 团籍状态 code kept
#: on the record. Codes 1-6 are ``vocab/member_status.csv``; 7 and 8 are ours (*decision*):
#: graduation and an entry made by mistake have no national status code.
REMOVE_REASONS: dict[str, str] = {
    "毕业离团": "7",
    "满28周岁离团": "3",
    "转出": "2",
    "自行脱团": "4",
    "自愿退团": "5",
    "开除团籍": "6",
    "录入错误": "8",
}
_LOCAL_STATUS = {"7": "毕业离团", "8": "录入错误"}

#: Search kinds (``search(by=...)``); "auto" picks one from the typed text.
SEARCH_KINDS = ("auto", "name", "initials", "id_suffix", "member_no")


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


def status_name(code: str | None) -> str:
    return member_statuses().name_of(code) or _LOCAL_STATUS.get(code or "", "")


def classify_query(text: str) -> str:
    """What the user typed: 12 digits → 团员编号 (or ID suffix), other digits → ID suffix,
    Latin letters → pinyin initials, anything else → part of the name."""
    if re.fullmatch(r"\d{12}", text):
        return "member_no"
    if re.fullmatch(r"\d*[\dXx]", text) and any(c.isdigit() for c in text):
        return "id_suffix"
    if re.fullmatch(r"[A-Za-z]+", text):
        return "initials"
    return "name"


class MemberService(ServiceBase):
    # -- reading ---------------------------------------------------------------------
    def list(self, actor: Actor, org_id: int, query: str = "", by: str = "auto",
             after: tuple | None = None, limit: int = PAGE, include_left: bool = False,
             count_all: bool = False) -> Page[MemberRow]:
        """The members of ``org_id`` (a branch, or every branch under an organisation),
        sorted by pinyin initials then name, a page at a time (keyset on the sort key).
        ``query`` narrows by name, initials ("zs" finds 张三), the last digits of the ID
        number or 团员编号; everything is done in the database. ``total`` is the number of
        matches when they fit on the first page, or when ``count_all`` asks for the count
        (an extra scan); otherwise None ("more than a page")."""
        if by not in SEARCH_KINDS:
            raise DomainError("未知的查找方式", None, "bad_search")
        text = search_text(query)
        kind = classify_query(text) if (text and by == "auto") else by
        today = self.settings.today()
        cutoff = over_age_cutoff(today, self.settings.join_age)

        def run():
            org = self.visible_org(actor, org_id)
            M = self.s.Member
            if org.group == "branch":
                q = select(m for m in M if m.branch == org)
            else:
                lo, hi = org.path, subtree_upper(org.path)
                q = select(m for m in M if m.path >= lo and m.path < hi)
            if not include_left:
                q = q.filter(lambda m: m.status == STATUS_NORMAL)  # active: base.active_sql
            if text:
                narrowed = self._narrow(q, kind, text)
                if kind == "member_no" and not narrowed.exists():
                    # Twelve digits that are no 团员编号 are the end of an ID number.
                    narrowed = self._narrow(q, "id_suffix", text)
                q = narrowed
            base = q
            if after:
                a_ini, a_name, a_id = after
                q = q.filter(lambda m: m.name_initials > a_ini or (m.name_initials == a_ini and (
                    m.name > a_name or (m.name == a_name and m.id > a_id))))
            rows = q.order_by(lambda m: (m.name_initials, m.name, m.id))[: limit + 1]
            more = len(rows) > limit
            rows = rows[:limit]
            # The first page counts the matches only when they do not all fit on it.
            total = None if after else (len(rows) if not more else (base.count() if count_all else None))
            # 所在支部 of each row: the page's branches in one query (a committee's list
            # spans many branches).
            branch_ids = list({m.branch.id for m in rows})
            branches = dict(select((o.id, o.short_name) for o in self.s.Org if o.id in branch_ids)[:]) \
                if branch_ids else {}
            items = tuple(self._row(m, today, cutoff, branches.get(m.branch.id, "")) for m in rows)
            nxt = (rows[-1].name_initials, rows[-1].name, rows[-1].id) if more and rows else None
            return Page(items, nxt, total)

        return self.read(run)

    search = list

    def _narrow(self, q, kind: str, text: str):
        if kind == "name":
            return q.filter(lambda m: text in m.name)
        if kind == "initials":
            t = text.lower()
            hi = t[:-1] + chr(ord(t[-1]) + 1)
            # The range seeks the index; startswith keeps the match exact in any collation.
            return q.filter(lambda m: m.name_initials >= t and m.name_initials < hi and m.name_initials.startswith(t))
        if kind == "member_no":
            return q.filter(lambda m: m.member_no == text)
        if kind == "id_suffix":
            rev = text.upper()[::-1]
            hi = rev + "~"
            return q.filter(lambda m: m.id_rev >= rev and m.id_rev < hi)
        raise DomainError("未知的查找方式", None, "bad_search")

    def get(self, actor: Actor, member_id: int) -> MemberView:
        """The full record; the ID number and mobile in full only for someone who may edit."""
        return self.read(lambda: self._view(self._visible_member(actor, member_id), actor))

    def counts(self, actor: Actor, org_id: int) -> tuple[BranchCount, ...]:
        """Active members and 超龄 members (R-MEM-5) of each branch under ``org_id`` (or
        of ``org_id`` itself when it is a branch): one GROUP BY over the path range."""
        cutoff = over_age_cutoff(self.settings.today(), self.settings.join_age)

        def run():
            org = self.visible_org(actor, org_id)
            rows = self.s.execute(
                "SELECT branch, COUNT(*), SUM(CASE WHEN birth_date <= $cutoff THEN 1 ELSE 0 END) FROM member"
                f" WHERE path >= $lo AND path < $hi AND {active_sql()} GROUP BY branch",
                {"cutoff": cutoff.isoformat(), "lo": org.path, "hi": subtree_upper(org.path)},
            ).fetchall()
            totals = {int(b): (int(n), int(o or 0)) for b, n, o in rows}
            if org.group == "branch":
                totals.setdefault(org.id, (0, 0))
            return tuple(BranchCount(b, n, o) for b, (n, o) in sorted(totals.items()))

        return self.read(run)

    def totals(self, actor: Actor, org_id: int) -> BranchCount:
        """Active and 超龄 members of ``org_id``'s whole subtree, in one aggregate."""
        cutoff = over_age_cutoff(self.settings.today(), self.settings.join_age)

        def run():
            org = self.visible_org(actor, org_id)
            n, o = self.s.execute(
                "SELECT COUNT(*), SUM(CASE WHEN birth_date <= $cutoff THEN 1 ELSE 0 END) FROM member"
                f" WHERE path >= $lo AND path < $hi AND {active_sql()}",
                {"cutoff": cutoff.isoformat(), "lo": org.path, "hi": subtree_upper(org.path)},
            ).fetchone()
            return BranchCount(org.id, int(n or 0), int(o or 0))

        return self.read(run)

    def count(self, actor: Actor, branch_id: int) -> BranchCount:
        return self.totals(actor, branch_id)

    def branches(self, actor: Actor, text: str = "", limit: int = 50, writable: bool = False) -> tuple[OrgBrief, ...]:
        """Branches in the actor's subtree, in tree order; ``text`` narrows by part of the
        name. ``writable``: only those whose members the actor may enter (R-MEM-1: the
        actor's own branch or the direct children of the actor's organisation)."""
        text = search_text(text)

        def run():
            Org = self.s.Org
            q = select(o for o in Org if o.group == "branch")
            if not actor.operator:
                home = self.admin_org(actor)
                lo, hi = home.path, subtree_upper(home.path)
                q = q.filter(lambda o: o.path >= lo and o.path < hi)
                if writable:
                    hid = home.id
                    q = q.filter(lambda o: o.id == hid or o.parent.id == hid)
            if text:
                q = q.filter(lambda o: text in o.short_name)
            rows = q.order_by(lambda o: (o.path,))[:limit]
            parent_ids = {o.parent.id for o in rows if o.parent}
            names = dict(select((o.id, o.short_name) for o in Org if o.id in parent_ids)[:]) if parent_ids else {}
            return tuple(
                OrgBrief(o.id, o.short_name, "团支部", o.group, o.depth, 0,
                         ((names.get(o.parent.id, ""),) if o.parent else ()) + (o.short_name,))
                for o in rows
            )

        return self.read(run)

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
                branch=branch, path=branch.path, name=data.name, name_initials=_initials(data.name),
                id_number=data.id_number, active_id=data.id_number,
                birth_date=data.birth_date, sex=data.sex, ethnic=data.ethnic, political=data.political,
                join_month=data.join_month, education=data.education, mobile=data.mobile,
                member_no=data.member_no, post=data.post, post_name=data.post_name,
                join_unit=data.join_unit, note=data.note, status=STATUS_NORMAL,
                created_at=now, updated_at=now, version=1,
            )
            m.flush()
            self.audit(actor, "member.add", "member", m.id, branch, after=_snapshot(m))
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
            before = _snapshot(m)
            cadres = CadreService(self.ctx)
            old_id_number, was_secretary = m.id_number, m.post == SECRETARY_POST
            if was_secretary and data.post != SECRETARY_POST:
                cadres.member_left_secretary(actor, m, "团内职务变更")
            m.name, m.name_initials = data.name, _initials(data.name)
            m.id_number, m.active_id = data.id_number, data.id_number
            m.birth_date, m.sex = data.birth_date, data.sex
            for key in ("ethnic", "political", "join_month", "education", "mobile", "member_no",
                        "post", "post_name", "join_unit", "note"):
                setattr(m, key, getattr(data, key))
            after = _snapshot(m)
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
            before = _snapshot(m)
            if m.post == SECRETARY_POST:
                # R-MEM-6: a secretary who leaves the League no longer holds the post.
                CadreService(self.ctx).member_left_secretary(actor, m, f"离团：{reason}")
            m.active_id = None
            m.status = REMOVE_REASONS[reason]
            m.left_reason = reason if not note else f"{reason}：{note}"[:LIMITS["reason"]]
            m.left_at = self.now()
            m.updated_at = self.now()
            m.version += 1
            self.audit(actor, "member.remove", "member", m.id, m.branch, before=before, after=_snapshot(m),
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
                before = {"branch_id": m.branch.id, "branch": m.branch.short_name, **_snapshot(m)}
                if m.post == SECRETARY_POST:
                    cadres.member_left_secretary(actor, m, f"转出到{target.short_name}")
                    m.post, m.post_name = None, None
                m.branch = target
                m.path = target.path
                m.updated_at = self.now()
                m.version += 1
                after = {"branch_id": target.id, "branch": target.short_name, **_snapshot(m)}
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

    def id_holder(self, actor: Actor, branch_id: int, id_number: str) -> DuplicateMember | None:
        """R-MEM-3 before saving (the entry form asks when the ID field is left): who holds
        this ID number, worded for the case, or None when nobody does."""
        number = normalize_id_number(id_number)

        def run():
            self.member_branch(actor, branch_id)
            return self._id_holder(actor, number, None, branch_id)

        return self.read(run)

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

    def _row(self, m, today: date, cutoff: date, branch_name: str = "") -> MemberRow:
        return MemberRow(
            id=m.id, branch_id=m.branch.id, branch_name=branch_name, name=m.name, id_masked=mask_id_number(m.id_number), sex=m.sex,
            age=age_on(m.birth_date, today), join_month=m.join_month,
            political_name=_political_short(m.political), post_label=_post_label(m.post, m.post_name),
            over_age=m.birth_date <= cutoff, member_no=m.member_no or "", active=is_active(m),
        )

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
            post=m.post or "", post_name=m.post_name or "", post_label=_post_label(m.post, m.post_name),
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


def _initials(name: str) -> str:
    return pinyin.initials(name)[:30]


def _political_short(code: str | None) -> str:
    item = political_statuses().get(code)
    return (item.short or item.name) if item else ""


def _post_label(post: str | None, post_name: str | None) -> str:
    if not post:
        return ""
    if post == OTHER_POST and post_name:
        return post_name
    return league_posts().name_of(post)


def _snapshot(m) -> dict:
    """A member's values for the audit log, personal data masked (SPEC §9)."""
    return {
        "name": m.name,
        "id_number": mask_id_number(m.id_number),
        "sex": m.sex,
        "ethnic": m.ethnic,
        "political": m.political,
        "join_month": m.join_month,
        "education": m.education,
        "mobile": mask_mobile(m.mobile),
        "member_no": m.member_no,
        "post": m.post,
        "post_name": m.post_name,
        "join_unit": m.join_unit,
        "note": m.note,
        "status": m.status,
        "left_reason": m.left_reason,
    }


__all__ = ["MemberService", "DuplicateMember", "REMOVE_REASONS", "SEARCH_KINDS", "classify_query",
           "over_age_cutoff", "status_name", "normalize_id_number"]
