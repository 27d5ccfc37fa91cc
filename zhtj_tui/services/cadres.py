"""团干部 (R-MEM-6): who holds which post in an organisation since when, with history.

The organisation's secretary shown in 本组织信息 IS its open 书记 holding: one record, kept
unique by the database (``Cadre.secretary_of``). ``OrgService.save_info`` writes it through
``CadreService.set_secretary``, the one place for that rule. A committee's cadre need not be
a member of any branch.
"""

from __future__ import annotations

from datetime import date

from pony.orm import select

from zhtj_tui.domain.errors import DomainError, Forbidden, NotFound
from zhtj_tui.domain.idcard import mask_id_number, parse_id_number
from zhtj_tui.domain.joinage import age_on, is_over_age
from zhtj_tui.domain.mobile import mask_mobile, normalize_mobile
from zhtj_tui.domain.text import clean_person_name, clean_text
from zhtj_tui.domain.vocab import OTHER_POST, SECRETARY_POST, league_posts
from zhtj_tui.services.base import ServiceBase
from zhtj_tui.services.dto import Actor, CadreList, CadreView


class CadreService(ServiceBase):
    # -- reading ---------------------------------------------------------------------
    def list(self, actor: Actor, org_id: int, history_limit: int = 200) -> CadreList:
        """Current holders (by post order) and the closed holdings, newest first."""

        def run():
            org = self.visible_org(actor, org_id)
            editable = self._may_manage(actor, org)
            C = self.s.Cadre
            current = select(c for c in C if c.org == org and c.end_date is None).order_by(
                lambda c: (c.post, c.start_date, c.id))[:]
            past = select(c for c in C if c.org == org and c.end_date is not None).order_by(
                lambda c: (-c.id,))[:history_limit]
            return CadreList(
                org.id, org.short_name,
                tuple(self._view(c, editable) for c in current),
                tuple(self._view(c, editable) for c in past),
                editable,
            )

        return self.read(run)

    def secretary(self, actor: Actor, org_id: int) -> CadreView | None:
        def run():
            org = self.visible_org(actor, org_id)
            c = self.s.Cadre.get(secretary_of=org.id)
            return self._view(c, self._may_manage(actor, org)) if c else None

        return self.read(run)

    # -- writing ---------------------------------------------------------------------
    def appoint(self, actor: Actor, org_id: int, post: str, person: dict, since: date | None = None) -> CadreView:
        """Someone takes ``post`` in the organisation from ``since`` (default today).

        ``person`` holds name, id_number, mobile (and post_name for 其他). A new 书记
        closes the previous one's holding; a person who already holds another post here
        changes post (职务变动): the old holding closes on ``since`` and stays in history.
        """
        post_code = league_posts().resolve(post, "post")
        post_name = None
        if post_code == OTHER_POST:
            post_name = clean_text(person.get("post_name"), "post_name", required=True, label="职务名称")
        name = clean_person_name(person.get("name"), "name")
        info = parse_id_number(person.get("id_number"), self.settings.today())
        mobile = normalize_mobile(person.get("mobile"))
        since = since or self.settings.today()
        if since > self.settings.today():
            raise DomainError("任职开始日期不能晚于今天", "since", "future_date")

        def run():
            org = self.managed_org(actor, org_id)
            c = self._appoint(actor, org, post_code, post_name, name, info.number, mobile, since)
            return self._view(c, True)

        return self.write(run, integrity=lambda exc: DomainError(
            "该组织的书记刚刚已被他人更换，请刷新后再试", "post", "secretary_taken"))

    def end(self, actor: Actor, cadre_id: int, end_date: date | None = None) -> CadreView:
        """Close a holding (离任) on ``end_date``; it stays in the history."""
        end_date = end_date or self.settings.today()

        def run():
            c = self.s.Cadre.get(id=cadre_id) if isinstance(cadre_id, int) else None
            if c is None:
                raise NotFound("该任职记录不存在，请刷新", None, "cadre_not_found")
            self.managed_org(actor, c.org.id)
            if c.end_date is not None:
                raise DomainError("该任职已经结束", None, "already_ended")
            if end_date < c.start_date:
                raise DomainError(
                    f"离任日期不能早于任职开始日期 {c.start_date.isoformat()}", "end_date", "end_before_start")
            if end_date > self.settings.today():
                raise DomainError("离任日期不能晚于今天", "end_date", "future_date")
            before = _snapshot(c)
            self._close(actor, c, end_date)
            self.audit(actor, "cadre.end", "cadre", c.id, c.org, before=before, after=_snapshot(c))
            return self._view(c, True)

        return self.write(run)

    def set_secretary(self, actor: Actor, org, name: str, id_number: str, mobile: str,
                      since: date | None = None):
        """Inside the caller's write session: make this person the organisation's 书记.

        The same person keeps the holding (name and mobile updated); another person closes
        the old holding today and opens a new one. Values must already be validated."""
        since = since or self.settings.today()
        current = self.s.Cadre.get(secretary_of=org.id)
        if current is not None and current.id_number == id_number:
            if (current.name, current.mobile) != (name, mobile):
                before = _snapshot(current)
                current.name, current.mobile = name, mobile
                self.audit(actor, "cadre.update", "cadre", current.id, org, before=before, after=_snapshot(current))
            return current
        return self._appoint(actor, org, SECRETARY_POST, None, name, id_number, mobile, since)

    # -- helpers ---------------------------------------------------------------------
    def managed_org(self, actor: Actor, org_id: int):
        """An organisation whose cadres the actor manages: its own administrator, or the
        direct parent's administrator (as for members, R-MEM-1)."""
        org = self.org(org_id)
        if actor.operator:
            return org
        self.admin_org(actor)
        if not self._may_manage(actor, org):
            raise Forbidden("只有本组织或其直属上级组织的管理员可以调整团干部", None, "not_cadre_admin")
        return org

    def _may_manage(self, actor: Actor, org) -> bool:
        return self.may_write_members(actor, org)

    def _appoint(self, actor: Actor, org, post: str, post_name: str | None, name: str, id_number: str,
                 mobile: str, since: date):
        C = self.s.Cadre
        # 职务变动: the person's other open holdings here close as the new one starts.
        for old in select(c for c in C if c.org == org and c.end_date is None and c.id_number == id_number)[:]:
            if old.post == post and post != OTHER_POST:
                raise DomainError(f"{name} 已担任该组织的{_post_label(post, post_name)}", "post", "already_holds")
            before = _snapshot(old)
            self._close(actor, old, max(since, old.start_date))
            self.audit(actor, "cadre.end", "cadre", old.id, org, before=before, after=_snapshot(old),
                       note="职务变动")
        if post == SECRETARY_POST:
            current = C.get(secretary_of=org.id)
            if current is not None:
                before = _snapshot(current)
                self._close(actor, current, max(since, current.start_date))
                self.audit(actor, "cadre.end", "cadre", current.id, org, before=before, after=_snapshot(current),
                           note="书记更换")
        member = self.s.Member.get(active_id=id_number)
        c = C(org=org, post=post, post_name=post_name, name=name, id_number=id_number, mobile=mobile,
              member=member, start_date=since, secretary_of=org.id if post == SECRETARY_POST else None,
              created_at=self.now())
        c.flush()
        self.audit(actor, "cadre.appoint", "cadre", c.id, org, after=_snapshot(c))
        if post == SECRETARY_POST:
            self._sync_member_post(actor, org, id_number, secretary=True)
            self.refresh_info_complete(org)
        return c

    def _close(self, actor: Actor, c, end_date: date, member_post: bool = True) -> None:
        """End a holding. Ending the open 书记 holding changes the organisation's
        secretary: its completeness (R-INFO-4) and the member's 团内职务 (R-MEM-6) follow
        in the same transaction."""
        was_secretary = c.secretary_of is not None
        c.end_date = end_date
        c.secretary_of = None
        c.flush()
        if was_secretary:
            if member_post:
                self._sync_member_post(actor, c.org, c.id_number, secretary=False)
            self.refresh_info_complete(c.org)

    def _sync_member_post(self, actor: Actor, org, id_number: str, secretary: bool) -> None:
        """R-MEM-6, one record: the secretary who is an active member of the branch has
        团内职务 书记 there, and nobody else in the branch has."""
        m = self.s.Member.get(active_id=id_number)
        if m is None or m.branch.id != org.id:
            return
        if secretary == (m.post == SECRETARY_POST):
            return
        before = {"post": m.post, "post_name": m.post_name}
        m.post, m.post_name = (SECRETARY_POST, None) if secretary else (None, None)
        m.updated_at = self.now()
        m.version += 1
        self.audit(actor, "member.post", "member", m.id, org, before=before,
                   after={"post": m.post, "post_name": m.post_name}, note="书记变动")

    # -- the member side of R-MEM-6 (called inside the member service's writes) --------
    def member_became_secretary(self, actor: Actor, branch, m) -> None:
        """A member entered, imported or edited with 团内职务 书记 becomes the branch's
        secretary (one record), or is refused naming the current one."""
        current = self.s.Cadre.get(secretary_of=branch.id)
        if current is not None and current.id_number == m.id_number:
            if current.member is None:
                current.member = m
            return
        if current is not None:
            raise DomainError(secretary_taken_message(branch.short_name, current.name, current.start_date),
                              "post", "secretary_exists")
        self._appoint(actor, branch, SECRETARY_POST, None, m.name, m.id_number, m.mobile, self.settings.today())

    def member_left_secretary(self, actor: Actor, m, note: str) -> None:
        """The member's 书记 holding in their branch ends today (团内职务 changed, 离团 or
        moved to another branch); ``m.post`` is the caller's to set."""
        current = self.s.Cadre.get(secretary_of=m.branch.id)
        if current is None or current.id_number != m.id_number:
            return
        before = _snapshot(current)
        self._close(actor, current, max(self.settings.today(), current.start_date), member_post=False)
        self.audit(actor, "cadre.end", "cadre", current.id, m.branch, before=before, after=_snapshot(current),
                   note=note)

    def member_details_changed(self, m, old_id_number: str) -> None:
        """The secretary's record follows the member's corrected name, ID number, mobile."""
        current = self.s.Cadre.get(secretary_of=m.branch.id)
        if current is not None and current.id_number == old_id_number:
            current.name, current.id_number, current.mobile = m.name, m.id_number, m.mobile
            if current.member is None:
                current.member = m

    def _view(self, c, editable: bool) -> CadreView:
        today = self.settings.today()
        birth = parse_id_number(c.id_number).birth_date
        return CadreView(
            id=c.id, org_id=c.org.id, post=c.post, post_label=_post_label(c.post, c.post_name), name=c.name,
            id_number=c.id_number if editable else mask_id_number(c.id_number),
            mobile=c.mobile if editable else mask_mobile(c.mobile),
            member_id=c.member.id if c.member else None, start_date=c.start_date, end_date=c.end_date,
            is_secretary=c.secretary_of is not None, age=age_on(birth, today),
            over_age=is_over_age(birth, today, self.settings.join_age),
        )


def secretary_taken_message(org_name: str, current_name: str, since: date) -> str:
    """R-MEM-6: why a second 书记 is refused, naming the current one and what to do."""
    return (f"{org_name}已有书记 {current_name}（{since.isoformat()} 起任职），一个组织只能有一位书记。"
            "如书记已更换，请先在“团干部”中为原书记办理离任或任命新书记；否则请把此人的团内职务改为其他职务")


def _post_label(post: str, post_name: str | None) -> str:
    if post == OTHER_POST and post_name:
        return post_name
    return league_posts().name_of(post)


def _snapshot(c) -> dict:
    return {
        "post": c.post,
        "post_name": c.post_name,
        "name": c.name,
        "id_number": mask_id_number(c.id_number),
        "mobile": mask_mobile(c.mobile),
        "start_date": c.start_date.isoformat(),
        "end_date": c.end_date.isoformat() if c.end_date else None,
    }
