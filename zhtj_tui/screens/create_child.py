"""创建下级组织 → 单个创建 (R-SUB-1): 简称 (the naming rule R-TREE-4 checked as you type),
组织类别, optional 全称; after each creation the form is ready for the next one. 批量创建
(Excel import, R-SUB-2) opens its own screen through ``ZhtjApp.open_batch_create``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Static

from zhtj_tui.domain import orgs as rules
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.text import LIMITS, clean_text
from zhtj_tui.domain.vocab import Category
from zhtj_tui.screens.panes import CentrePane
from zhtj_tui.services.dto import Actor, OrgView
from zhtj_tui.widgets.field import Form, FormField
from zhtj_tui.widgets.host import host

if TYPE_CHECKING:
    from zhtj_tui.services import Services


class CreateChildPane(Form, CentrePane):
    BINDINGS = [
        Binding("ctrl+s", "create", "创建", id="create.submit"),
        Binding("f7", "batch", "批量创建", id="create.batch"),
    ]

    def __init__(self, services: Services, actor: Actor, org_id: int, **kw) -> None:
        super().__init__(services, actor, org_id, **kw)
        self.created: list[str] = []

    @classmethod
    def applies_to(cls, view: OrgView, actor: Actor) -> bool:
        return not view.is_branch and (actor.operator or view.id == actor.org_id)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="create-form"):
            yield Static("单个创建直属下级组织。命名规则：单位名称+类别后缀（团委、团工委、团总支、团支部等），"
                         "如 计算机专业2017级3班团支部。", id="create-note", markup=False)
            yield FormField("short_name", "组织简称", required=True, check=self._check_name, live=self._live_name,
                            max_length=LIMITS["short_name"])
            yield FormField("category", "组织类别", required=True, options=[])
            yield FormField("full_name", "组织全称", placeholder="可不填，由该组织管理员填写",
                            check=lambda v: _none(clean_text(v, "full_name")))
            with Horizontal(classes="buttons"):
                yield Button("创建 (Ctrl+S)", id="create-submit", variant="primary", compact=True)
                yield Button("批量创建（Excel）F7", id="create-batch", compact=True)
            yield Static("", id="create-result", markup=False)

    def org_changed(self, view: OrgView) -> None:
        changed = self.view is None or self.view.id != view.id
        super().org_changed(view)
        if changed:
            allowed = rules.allowed_child_categories(rules.category(view.category))
            self.field("category").set_options([(c.name, c.code) for c in allowed])
            self.created = []
            self.query_one("#create-result", Static).update("")

    def focus_first(self) -> None:
        self.field("short_name").focus_control()

    # -- the naming rule ----------------------------------------------------------------------
    def _allowed(self) -> tuple[Category, ...]:
        if self.view is None:
            return ()
        return rules.allowed_child_categories(rules.category(self.view.category))

    def _category(self) -> Category | None:
        value = self.field("category").value
        return rules.category(value) if value else None

    def _check_name(self, text: str) -> str:
        """What the form says of the name when it is checked (leaving the field, creating)."""
        return self._describe(text, self._category() or rules.infer_category(text, self._allowed()))

    def _live_name(self, text: str) -> str:
        """As you type: when the name's suffix names another allowed category than the one
        chosen (or none is chosen), follow the name (``domain.orgs.category_for_name``)."""
        chosen = self._category()
        cat = rules.category_for_name(text, chosen, self._allowed())
        if cat is not None and cat != chosen:
            self.field("category").value = cat.code
        return self._describe(text, cat)

    @staticmethod
    def _describe(text: str, cat: Category | None) -> str:
        if cat is None:
            raise DomainError("请先选择组织类别；简称须以与类别相符的团委、团总支或团支部等结尾", "category", "required")
        name = rules.check_short_name(text, cat)
        if name.warnings:
            return "可以创建；注意：" + name.warnings[0]
        return "符合命名规则" + (f"（{name.cohort}级）" if name.cohort and cat.is_branch else "")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        event.prevent_default()  # not also Form's "next field"
        if event.input.id == "input-full_name":
            self.action_create()

    # -- creating -------------------------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "create-submit":
            event.stop()
            self.action_create()
        elif event.button.id == "create-batch":
            event.stop()
            self.action_batch()

    def action_create(self) -> None:
        if self.view is None:
            return
        if not self.validate_all(["category", "short_name", "full_name"]):
            return
        v = self.values()
        services, actor, parent = self.services, self.actor, self.view.id
        self.call_service(
            lambda: services.orgs.create_child(actor, parent, v["short_name"], v["category"], v["full_name"] or None),
            self._created, self.show_error, group="create-child")

    def _created(self, view: OrgView) -> None:
        self.created.append(view.short_name)
        self.notify(f"已创建：{view.short_name}（{view.category_name}）")
        for warning in view.warnings:
            self.notify(f"{view.short_name}：{warning}", severity="warning", timeout=12)
        shown = self.created[-3:]
        self.query_one("#create-result", Static).update(
            f"本次已创建 {len(self.created)} 个：" + "、".join(shown) + ("…" if len(self.created) > 3 else "")
            + "\n可继续输入下一个。")
        for key in ("short_name", "full_name"):
            self.field(key).value = ""
            self.field(key).clear()
        self.field("short_name").focus_control()
        self.post_message(CentrePane.OrgsChanged(view.parent_id or self.org_id))

    def action_batch(self) -> None:
        if self.view is None:
            return
        pid = self.view.id
        def done() -> None:
            self.post_message(CentrePane.OrgsChanged(pid))

        host(self).open_batch_create(self.services, self.actor, pid, on_done=done)


def _none(_value) -> None:
    return None
