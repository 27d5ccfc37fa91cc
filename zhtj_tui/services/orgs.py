"""Organisations: the top organisation, direct children (R-SUB-1, R-TREE-*), the
organisation's own information (R-INFO-*), the parent's corrections.

``OrgService`` is put together from one module per responsibility: reading the tree and
searching it (``org_list``), moving and deleting (``org_fix``); this module holds
creating an organisation, its own information and the parent's corrections."""

from __future__ import annotations

from dataclasses import replace

from pony.orm import count, select

from zhtj_tui.domain import orgs as rules
from zhtj_tui.domain.errors import Conflict, DomainError, Forbidden
from zhtj_tui.domain.idcard import mask_id_number, parse_id_number
from zhtj_tui.domain.mobile import mask_mobile, normalize_mobile
from zhtj_tui.domain.text import clean_name, clean_person_name, clean_text
from zhtj_tui.domain.vocab import Category, industries
from zhtj_tui.services.base import ServiceBase
from zhtj_tui.services.cadres import CadreService
from zhtj_tui.services.dto import Actor, OrgView, Secretary
from zhtj_tui.services.org_fix import OrgCorrections
from zhtj_tui.services.org_list import PAGE, OrgListing

__all__ = ["OrgService", "PAGE"]


class OrgService(OrgListing, OrgCorrections, ServiceBase):
    # -- reading ----------------------------------------------------------------------
    def get(self, actor: Actor, org_id: int) -> OrgView:
        def run():
            org = self.visible_org(actor, org_id)
            return self._view(org, actor)

        return self.read(run)

    def create_top(self, actor: Actor, short_name: str, category: str, full_name: str | None = None) -> OrgView:
        """The top organisation of the deployment (R-CODE-6): by the server operator, once."""
        if not actor.operator:
            raise Forbidden("只有服务器管理员可以创建顶级组织", None, "need_operator")
        cat = rules.category(category)
        name = rules.check_short_name(short_name, cat)
        full = clean_name(full_name, "full_name") or None

        def run():
            if select(o for o in self.s.Org if o.parent is None).exists():
                raise DomainError("本系统已有顶级组织，不能再创建。如需为它补发注册码，请使用 zhtj code", None, "top_exists")
            # The meta row is the database's guarantee that only one process creates it.
            self.s.Meta(key="top_org", value="1")
            org = self._new_org(None, cat, name, full, actor)
            self.audit(actor, "org.create_top", "org", org.id, org, after=self._snapshot(org))
            return self._view(org, actor)

        return self.write(run, integrity=lambda exc: DomainError(
            "本系统已有顶级组织（或全称重复），不能再创建", None, "top_exists"))

    def create_child(self, actor: Actor, parent_id: int, short_name: str, category: str,
                     full_name: str | None = None) -> OrgView:
        """R-SUB-1: create one direct child of the actor's organisation."""
        cat = rules.category(category)
        name = rules.check_short_name(short_name, cat)
        full = clean_name(full_name, "full_name") or None

        def run():
            self.lock_orgs(parent_id)  # the child's path comes from the parent's (R-TREE-6)
            parent = self.org(parent_id) if actor.operator else self.own_org(actor, parent_id)
            org = self.add_child(actor, parent, cat, name, full)
            return replace(self._view(org, actor), warnings=name.warnings)

        return self.write(run, integrity=lambda exc: _duplicate_name_error(exc, name.name, full))

    def add_child(self, actor: Actor, parent, cat: Category, name: rules.OrgName, full: str | None):
        """Inside a write session, with ``parent`` already authorised: check and create one
        direct child, with its audit entry. Shared by single creation and the batch import
        (R-SUB-1, R-SUB-2), so both apply exactly the same rules."""
        rules.check_child_category(rules.category(parent.category), cat)
        self._check_unique(parent, name.name, full)
        org = self._new_org(parent, cat, name, full, actor)
        self.audit(actor, "org.create", "org", org.id, org, after=self._snapshot(org))
        return org

    def _check_unique(self, parent, short_name: str, full_name: str | None, exclude_id: int | None = None):
        clash = self.s.Org.get(parent=parent, short_name=short_name)
        if clash is not None and clash.id != exclude_id:
            raise DomainError(
                f"本组织下已有名为“{short_name}”的下级组织，请换一个简称", "short_name", "duplicate_name"
            )
        if full_name:
            other = self.s.Org.get(full_name=full_name)
            if other is not None and other.id != exclude_id:
                where = " / ".join(self.names_along(other.path))
                raise DomainError(
                    f"组织全称“{full_name}”已被 {where} 使用，全称在全系统中不能重复", "full_name", "duplicate_full_name"
                )

    def _new_org(self, parent, cat: Category, name: rules.OrgName, full: str | None, actor: Actor):
        now = self.now()
        org = self.s.Org(
            parent=parent,
            depth=(parent.depth + 1) if parent else 0,
            category=cat.code,
            group=cat.group,
            short_name=name.name,
            full_name=full,
            cohort=name.cohort,
            created_at=now,
            updated_at=now,
            created_by=actor.account_id,
        )
        org.flush()
        org.path = f"{parent.path if parent else '/'}{org.id}/"
        self.refresh_info_complete(org)
        return org

    # -- own information ---------------------------------------------------------------
    def save_info(self, actor: Actor, org_id: int, values: dict, expected_version: int | None = None) -> OrgView:
        """Fill in or update the organisation's own information (R-INFO-1..4).

        ``values`` holds form fields by key (see ``domain.orgs.INFO_LABELS``); 简称 and 类别
        are the parent's (R-TREE-1) and are ignored here. 全称 and 行业类别 can be set until
        the first save, after which they are locked (R-INFO-2). ``expected_version`` is the
        version the form was opened with: a save over someone else's change is refused.
        """
        clean = self._clean_info(values)

        def run():
            org = self.own_org(actor, org_id)
            if expected_version is not None and org.version != expected_version:
                raise Conflict(self._changed_message(org, clean), None, "changed")
            before = self._snapshot(org)
            # R-INFO-2: 全称 and 行业类别 are free until the first save; after it, a saved
            # value is locked (only the parent corrects it), while one never filled in may
            # still be filled. A field left out of ``values`` is left as it is.
            for key in ("full_name", "industry"):
                if key not in clean:
                    continue
                new, old = clean[key] or None, getattr(org, key) or None
                if new == old:
                    continue
                if org.info_saved_at is not None and (old is not None or new is None):
                    if new is None:
                        continue  # an empty box for a locked field changes nothing
                    raise DomainError(
                        f"{rules.INFO_LABELS[key]}保存后不可修改；如确需更正，请联系上级组织管理员", key, "locked"
                    )
                if key == "full_name":
                    self._check_unique(org.parent, org.short_name, new, exclude_id=org.id)
                setattr(org, key, new)
            # R-INFO-3: the pair is checked on the numbers as they will be saved, so that
            # sending only one of them cannot slip past the saved other one.
            staffing = {k: clean[k] if k in clean else getattr(org, k) for k in rules.STAFFING_FIELDS}
            rules.check_staffing_pair(staffing["admin_quota"], staffing["admin_actual"], "admin_quota", "admin_actual")
            rules.check_staffing_pair(staffing["inst_quota"], staffing["inst_actual"], "inst_quota", "inst_actual")
            for key in rules.STAFFING_FIELDS:
                if key in clean:
                    setattr(org, key, clean[key])
            for key in ("contact_phone", "email"):
                if key in clean:
                    setattr(org, key, clean[key] or None)
            if all(k in clean for k in rules.SECRETARY_FIELDS) and clean.get("secretary_id"):
                self._set_secretary(actor, org, clean["secretary_name"], clean["secretary_id"], clean["secretary_mobile"])
            if org.info_saved_at is None:
                org.info_saved_at = self.now()
            org.updated_at = self.now()
            org.version += 1
            self.refresh_info_complete(org)
            self.audit(actor, "org.save_info", "org", org.id, org, before=before, after=self._snapshot(org))
            return self._view(org, actor)

        return self.write(run, integrity=lambda exc: _duplicate_name_error(exc, None, clean.get("full_name")))

    def _clean_info(self, values: dict) -> dict:
        """Validate each given field with the domain rules; errors name the field."""
        out: dict = {}
        if "full_name" in values:
            out["full_name"] = clean_name(values["full_name"], "full_name") or None
        if "industry" in values:
            out["industry"] = industries().resolve(values["industry"], "industry", required=False)
        for key in rules.STAFFING_FIELDS:
            if key in values:
                out[key] = rules.parse_staffing(values[key], key)
        rules.check_staffing_pair(out.get("admin_quota"), out.get("admin_actual"), "admin_quota", "admin_actual")
        rules.check_staffing_pair(out.get("inst_quota"), out.get("inst_actual"), "inst_quota", "inst_actual")
        if "contact_phone" in values:
            out["contact_phone"] = rules.check_phone(values["contact_phone"])
        if "email" in values:
            out["email"] = rules.check_email(values["email"])
        sec = [values.get(k) for k in rules.SECRETARY_FIELDS]
        if any(str(v or "").strip() for v in sec):
            out["secretary_name"] = clean_person_name(values.get("secretary_name"), "secretary_name", "书记姓名")
            info = parse_id_number(values.get("secretary_id"), self.settings.today(), field="secretary_id")
            out["secretary_id"] = info.number
            out["secretary_mobile"] = normalize_mobile(values.get("secretary_mobile"), "secretary_mobile", "书记手机号码")
        return out

    def _set_secretary(self, actor: Actor, org, name: str, id_number: str, mobile: str) -> None:
        """The organisation's secretary is its open 书记 holding (R-MEM-6): one record,
        kept by the cadre service."""
        CadreService(self.ctx).set_secretary(actor, org, name, id_number, mobile)

    def correct(self, actor: Actor, org_id: int, changes: dict, reason: str) -> OrgView:
        """R-INFO-2 *decision*: the direct parent's administrator corrects a locked field
        (简称, 全称, 组织类别, 行业类别), with a reason kept in the audit log."""
        reason = clean_text(reason, "reason", required=True, label="更正原因")
        unknown = set(changes) - set(rules.IMMUTABLE_FIELDS)
        if unknown:
            raise DomainError("只能更正组织简称、组织全称、组织类别和行业类别", None, "bad_field")

        def run():
            org = self.parent_of_child(actor, org_id)
            before = self._snapshot(org)
            cat = rules.category(changes.get("category", org.category))
            if cat.code != org.category:
                if org.parent is not None:
                    rules.check_child_category(rules.category(org.parent.category), cat)
                for child in org.children:
                    rules.check_child_category(cat, rules.category(child.category))
                if not cat.is_branch and org.members.count():
                    raise DomainError("该组织下还有团员，不能改为非团支部类别", "category", "has_members")
            name = rules.check_short_name(changes.get("short_name", org.short_name), cat)
            full = clean_name(changes["full_name"], "full_name") or None if "full_name" in changes else org.full_name
            self._check_unique(org.parent, name.name, full, exclude_id=org.id)
            org.category, org.group = cat.code, cat.group
            org.short_name, org.full_name = name.name, full
            org.cohort = name.cohort
            if "industry" in changes:
                org.industry = industries().resolve(changes["industry"], "industry", required=False)
            org.version += 1
            org.updated_at = self.now()
            self.refresh_info_complete(org)
            self.audit(actor, "org.correct", "org", org.id, org, before=before, after=self._snapshot(org), note=reason)
            return self._view(org, actor)

        return self.write(run, integrity=lambda exc: _duplicate_name_error(exc, changes.get("short_name"), changes.get("full_name")))

    # -- helpers ---------------------------------------------------------------------
    def _missing(self, org) -> tuple[str, ...]:
        return self.missing_info(org)

    def _snapshot(self, org) -> dict:
        sec = self.s.Cadre.get(secretary_of=org.id)
        return {
            "short_name": org.short_name,
            "full_name": org.full_name,
            "category": org.category,
            "industry": org.industry,
            "admin_quota": org.admin_quota,
            "admin_actual": org.admin_actual,
            "inst_quota": org.inst_quota,
            "inst_actual": org.inst_actual,
            "contact_phone": org.contact_phone,
            "email": org.email,
            # Personal data is kept masked in the audit log.
            "secretary": None if sec is None else {
                "name": sec.name, "id_number": mask_id_number(sec.id_number), "mobile": mask_mobile(sec.mobile)
            },
        }

    def _changed_message(self, org, clean: dict) -> str:
        labels = []
        for key, label in rules.INFO_LABELS.items():
            if key.startswith("secretary_") or not hasattr(org, key):
                continue
            if key in clean and (getattr(org, key) or None) != (clean[key] or None):
                labels.append(f"{label}（现为“{getattr(org, key) if getattr(org, key) is not None else ''}”）")
        changed = "；".join(labels[:5]) or "本组织信息"
        return f"保存前该组织的信息已被他人修改：{changed}。请重新打开表单，核对后再保存"

    def _view(self, org, actor: Actor) -> OrgView:
        cat = rules.category(org.category)
        sec = self.s.Cadre.get(secretary_of=org.id)
        editable = actor.operator or (actor.org_id == org.id)
        correctable = actor.operator or (org.parent is not None and actor.org_id == org.parent.id)
        secretary = None
        if sec is not None:
            secretary = Secretary(
                name=sec.name,
                id_number=sec.id_number if editable else mask_id_number(sec.id_number),
                mobile=sec.mobile if editable else mask_mobile(sec.mobile),
                since=sec.start_date,
            )
        return OrgView(
            id=org.id,
            parent_id=org.parent.id if org.parent else None,
            path=org.path,
            depth=org.depth,
            category=cat.code,
            category_name=cat.name,
            group=cat.group,
            short_name=org.short_name,
            full_name=org.full_name or "",
            cohort=org.cohort,
            industry=org.industry or "",
            industry_name=industries().name_of(org.industry),
            admin_quota=org.admin_quota,
            admin_actual=org.admin_actual,
            inst_quota=org.inst_quota,
            inst_actual=org.inst_actual,
            contact_phone=org.contact_phone or "",
            email=org.email or "",
            info_saved_at=org.info_saved_at,
            info_complete=org.info_complete,
            missing_fields=self._missing(org),
            secretary=secretary,
            admin_count=count(r for r in self.s.AdminRole if r.org == org and r.active),
            child_count=org.children.count(),
            version=org.version,
            path_names=self.names_along(org.path),
            editable=editable,
            correctable=correctable,
            members_writable=cat.is_branch and self.may_write_members(actor, org),
        )


def _duplicate_name_error(exc: Exception, short_name: str | None, full_name: str | None) -> DomainError:
    text = str(exc).lower()
    if "full_name" in text and full_name:
        return DomainError(f"组织全称“{full_name}”已被使用，全称在全系统中不能重复", "full_name", "duplicate_full_name")
    return DomainError(
        f"本组织下已有名为“{short_name or ''}”的下级组织，请换一个简称", "short_name", "duplicate_name"
    )

