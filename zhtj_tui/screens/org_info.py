"""本组织信息 (R-INFO-1..4): the organisation's own information. Required fields are red
until filled; staffing fields appear only where the category needs them; the first save
asks for confirmation that 简称/全称/类别/行业 cannot be changed afterwards; after that they
are locked, and the direct parent's administrator may correct them with a reason."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from zhtj_tui.domain import orgs as rules
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.idcard import parse_id_number
from zhtj_tui.domain.mobile import normalize_mobile
from zhtj_tui.domain.text import clean_person_name, clean_text
from zhtj_tui.domain.vocab import categories, industries
from zhtj_tui.screens.confirm import ConfirmModal
from zhtj_tui.screens.panes import CentrePane
from zhtj_tui.services.dto import OrgView
from zhtj_tui.widgets.calls import ServiceCaller
from zhtj_tui.widgets.field import Form, FormField
from zhtj_tui.widgets.host import host

if TYPE_CHECKING:
    from zhtj_tui.services import Services
    from zhtj_tui.services.dto import Actor

L = rules.INFO_LABELS
#: Fields the administrator fills in (简称 and 类别 are the parent's, R-TREE-1).
EDITABLE = ("full_name", "industry", *rules.STAFFING_FIELDS, *rules.SECRETARY_FIELDS, "contact_phone", "email")
SHORT_LABELS = {
    "admin_quota": "行政编制数", "admin_actual": "行政实际配备数", "inst_quota": "事业编制数",
    "inst_actual": "事业实际配备数", "industry": "单位所属行业", "secretary_id": "书记身份证号",
}

FIRST_SAVE_WARNING = (
    "组织简称、组织全称、组织类别、单位所属行业类别保存后不可修改"
    "（如确需更正，须由上级组织管理员操作并说明原因）。\n请核对无误后再保存。确认保存吗？"
)


def _label(key: str) -> str:
    return SHORT_LABELS.get(key, L[key])


class OrgInfoPane(Form, CentrePane):
    BINDINGS = [
        Binding("ctrl+s", "save", "保存", id="info.save"),
        Binding("f8", "correct", "更正", id="info.correct"),
    ]

    def compose(self) -> ComposeResult:
        today = host(self).settings.today
        with VerticalScroll(id="info-form"):
            yield Static("", id="info-note", markup=False)
            yield FormField("category", _label("category"), disabled=True)
            yield FormField("short_name", _label("short_name"), disabled=True)
            yield FormField("full_name", _label("full_name"), check=lambda v: _none(clean_text(v, "full_name")))
            yield FormField("industry", _label("industry"), options=[(i.name, i.code) for i in industries()])
            for key in rules.STAFFING_FIELDS:
                yield FormField(key, _label(key), check=partial(self._check_staffing, key),
                                placeholder="整数，没有填0", max_length=6)
            yield FormField("secretary_name", _label("secretary_name"),
                            check=lambda v: _none(clean_person_name(v, "secretary_name", "书记姓名")))
            yield FormField("secretary_id", _label("secretary_id"), max_length=22,
                            check=lambda v: _id_hint(parse_id_number(v, today(), field="secretary_id")))
            yield FormField("secretary_mobile", _label("secretary_mobile"), max_length=13,
                            check=lambda v: _none(normalize_mobile(v, "secretary_mobile", "书记手机号码")))
            yield FormField("contact_phone", _label("contact_phone"), check=lambda v: _none(rules.check_phone(v)))
            yield FormField("email", _label("email"), check=lambda v: _none(rules.check_email(v)))
            with Horizontal(classes="buttons"):
                yield Button("保存 (Ctrl+S)", id="info-save", variant="primary", compact=True)
                yield Button("更正 (F8)", id="info-correct", variant="warning", compact=True)
            yield Static("", id="info-status", markup=False)

    # -- showing -----------------------------------------------------------------------------
    _draft: tuple[int, int, dict[str, str]] | None = None

    def org_changed(self, view: OrgView) -> None:
        prev = self.view
        if prev is not None and prev.editable and prev.id != view.id:
            # Looking at another organisation keeps what was typed here (until saved).
            self._draft = (prev.id, prev.version, self.values(EDITABLE))
        super().org_changed(view)
        self.fill(view)
        draft = self._draft
        if draft is not None and draft[0] == view.id:
            self._draft = None
            if draft[1] == view.version:
                for key, value in draft[2].items():
                    f = self.field(key)
                    if f.display and not f.disabled:
                        f.value = value

    def fill(self, view: OrgView) -> None:
        cat = rules.category(view.category)
        required = set(rules.required_fields(cat))
        shown = set(rules.shown_fields(cat))
        sec = view.secretary
        values = {
            "category": view.category_name, "short_name": view.short_name, "full_name": view.full_name,
            "industry": view.industry,
            "admin_quota": _num(view.admin_quota), "admin_actual": _num(view.admin_actual),
            "inst_quota": _num(view.inst_quota), "inst_actual": _num(view.inst_actual),
            "secretary_name": sec.name if sec else "", "secretary_id": sec.id_number if sec else "",
            "secretary_mobile": sec.mobile if sec else "",
            "contact_phone": view.contact_phone, "email": view.email,
        }
        for key, f in self.fields().items():
            f.display = key in shown
            f.required = key in required
            f.value = values.get(key, "")
            f.clear()
            locked = key in ("category", "short_name") or (view.locked and key in rules.IMMUTABLE_FIELDS)
            f.disabled = locked or not view.editable
        self.call_after_refresh(self._show_long_locked)
        self.query_one("#info-save").display = view.editable
        self.query_one("#info-correct").display = view.correctable and not view.editable
        if view.editable and not view.locked:
            note = "请填写本组织信息（红色为必填项）。首次保存后，简称、全称、类别、行业类别将被锁定。"
        elif view.editable:
            note = f"本组织信息已于 {host(self).settings.fmt(view.info_saved_at)} 首次保存；简称、全称、类别、行业类别已锁定。"
        elif view.correctable:
            note = "这是直属下级组织的信息，由其管理员填写；锁定的四项可由您更正（F8）。"
        else:
            note = "只读：组织信息由该组织的管理员填写。"
        self.query_one("#info-note", Static).update(note)
        self._status(view)

    def _show_long_locked(self) -> None:
        """A locked value cannot be scrolled: when it is longer than its box (the full name
        beside the tree at 80 columns), it is said in full under it."""
        for f in self.fields().values():
            if not f.display or not f.disabled or f.has_error:
                continue
            box = f.control.content_region.width or 30
            f.set_note(f.value if cell_len(f.value) > box else None)

    def _status(self, view: OrgView) -> None:
        if view.info_complete:
            text = "信息完整"
        else:
            text = "尚未填写：" + "、".join(L.get(k, k) for k in view.missing_fields)
        self.query_one("#info-status", Static).update(text)

    def focus_first(self) -> None:
        for f in self.fields().values():
            if f.display and not f.disabled:
                f.focus_control()
                return
        super().focus_first()

    # -- checks -------------------------------------------------------------------------------
    def _check_staffing(self, key: str, text: str) -> None:
        number = rules.parse_staffing(text, key)
        pairs = {"admin_actual": "admin_quota", "inst_actual": "inst_quota"}
        quota_key = pairs.get(key)
        if quota_key and number is not None:
            try:
                quota = rules.parse_staffing(self.field(quota_key).value, quota_key)
            except DomainError:
                return None
            rules.check_staffing_pair(quota, number, quota_key, key)
        return None

    # -- saving -------------------------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "info-save":
            event.stop()
            self.action_save()
        elif event.button.id == "info-correct":
            event.stop()
            self.action_correct()

    def editable_keys(self) -> list[str]:
        assert self.view is not None
        return [k for k in EDITABLE if self.field(k).display and not self.field(k).disabled]

    def action_save(self) -> None:
        view = self.view
        if view is None or not view.editable:
            return
        keys = self.editable_keys()
        # Saving part of the information is allowed (missing fields stay red), but the
        # fields locked by the first save must be filled before it (R-INFO-2).
        must = () if view.locked else [k for k in keys if k in rules.IMMUTABLE_FIELDS]
        if not self.validate_all(keys, require=must):
            return
        if not view.locked:
            def answered(yes: bool | None) -> None:
                if yes:
                    self.save(keys)

            self.app.push_screen(ConfirmModal("确认首次保存", FIRST_SAVE_WARNING, yes="确认保存"), answered)
        else:
            self.save(keys)

    def save(self, keys: list[str]) -> None:
        view = self.view
        assert view is not None
        values = self.values(keys)
        services, actor, org_id, version = self.services, self.actor, view.id, view.version
        self.call_service(lambda: services.orgs.save_info(actor, org_id, values, expected_version=version),
                          self._saved, self.show_error, group="info-save")

    def _saved(self, view: OrgView) -> None:
        self.notify("本组织信息已保存" + ("，信息完整" if view.info_complete else "，但还有必填项未填写"),
                    severity="information" if view.info_complete else "warning")
        self.post_message(CentrePane.ViewUpdated(view))

    def action_correct(self) -> None:
        view = self.view
        if view is None or not view.correctable or view.editable:
            return
        def corrected(v: OrgView | None) -> None:
            if v is not None:
                self.post_message(CentrePane.ViewUpdated(v))

        self.app.push_screen(CorrectModal(self.services, self.actor, view), corrected)

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "save":
            return bool(self.view and self.view.editable)
        if action == "correct":
            return bool(self.view and self.view.correctable and not self.view.editable)
        return True


class CorrectModal(ServiceCaller, Form, ModalScreen["OrgView | None"]):
    """The parent's correction of a locked field, with a reason (R-INFO-2 decision)."""

    BINDINGS = [Binding("escape", "cancel", "取消", id="correct.cancel")]

    def __init__(self, services: Services, actor: Actor, view: OrgView) -> None:
        super().__init__()
        self.services, self.actor, self.view = services, actor, view

    def compose(self) -> ComposeResult:
        v = self.view
        with Vertical(classes="dialog", id="correct-dialog"):
            yield Static(f"更正 {v.short_name} 的锁定信息", classes="dialog-title", markup=False)
            yield Static("只修改需要更正的项；原因将记入审计日志。", classes="dialog-help")
            yield FormField("short_name", "组织简称", required=True, value=v.short_name)
            yield FormField("full_name", "组织全称", value=v.full_name)
            yield FormField("category", "组织类别", required=True, value=v.category,
                            options=[(c.name, c.code) for c in categories()])
            yield FormField("industry", "单位所属行业", value=v.industry, options=[(i.name, i.code) for i in industries()])
            yield FormField("reason", "更正原因", required=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button("提交更正", id="ok", variant="warning", compact=True)
                yield Button("取消", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.field("short_name").focus_control()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self.submit()
        else:
            self.dismiss(None)

    def on_input_submitted(self, event) -> None:
        event.stop()
        event.prevent_default()
        if event.input.id == "input-reason":
            self.submit()

    def submit(self) -> None:
        if not self.validate_all():
            return
        v = self.values()
        old = {"short_name": self.view.short_name, "full_name": self.view.full_name,
               "category": self.view.category, "industry": self.view.industry}
        changes = {k: v[k] for k in old if v[k] != old[k]}
        if not changes:
            self.notify("没有需要更正的内容", severity="warning")
            return
        services, actor, org_id, reason = self.services, self.actor, self.view.id, v["reason"]
        self.call_service(lambda: services.orgs.correct(actor, org_id, changes, reason), self.dismiss,
                          self.show_error, group="correct")

    def action_cancel(self) -> None:
        self.dismiss(None)


def _num(value: int | None) -> str:
    return "" if value is None else str(value)


def _none(_value) -> None:
    return None


def _id_hint(info) -> str:
    return "；".join((f"出生日期 {info.birth_date.isoformat()}，性别 {info.sex}",) + info.warnings)
