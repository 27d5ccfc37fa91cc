"""团干部: an organisation's posts, who holds them since when, and the history (R-MEM-6).
``CadresPane`` is built with ``(services, actor, org_id)``; ``AppointModal`` appoints and
``EndModal`` closes a holding. The 书记 shown here is the secretary of 本组织信息."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Static

from zhtj_tui.domain.dates import parse_date
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.idcard import mask_id_number
from zhtj_tui.domain.mobile import mask_mobile
from zhtj_tui.domain.vocab import league_posts
from zhtj_tui.screens.tcss import beside
from zhtj_tui.services.dto import CadreList, CadreView
from zhtj_tui.widgets.calls import run_service
from zhtj_tui.widgets.choice import ChoiceInput
from zhtj_tui.widgets.field import FieldInput

if TYPE_CHECKING:
    from zhtj_tui.services import Services
    from zhtj_tui.services.dto import Actor

APPOINT_FIELDS = (("post", "职务*"), ("post_name", "职务名称"), ("name", "姓名*"), ("id_number", "身份证号码*"),
                  ("mobile", "手机号码*"), ("since", "任职日期"))


class AppointModal(ModalScreen["CadreView | None"]):
    """Appoint someone to a post (a new 书记 closes the old holding)."""

    DEFAULT_CSS = beside(__file__, "cadres_appoint.tcss")
    BINDINGS = [
        Binding("ctrl+s", "save", "保存", id="cadres.appoint.save"),
        Binding("escape", "cancel", "取消", id="cadres.appoint.cancel"),
    ]

    def __init__(self, services: Services, actor: Actor, org_id: int, org_name: str = "", post: str = "") -> None:
        super().__init__()
        self.services, self.actor, self.org_id, self.org_name, self.post = services, actor, org_id, org_name, post
        self.saving = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"任命团干部 · {self.org_name}", markup=False)
            for key, label in APPOINT_FIELDS:
                kw: dict[str, Any] = dict(id=f"a-{key}", compact=True, select_on_focus=False)
                field: FieldInput
                if key == "post":
                    field = ChoiceInput([i.name for i in league_posts()], value=self.post, placeholder="如 书记 或 sj", **kw)
                elif key == "since":
                    field = FieldInput(placeholder="默认今天；如 2026-09-01", **kw)
                else:
                    field = FieldInput(**kw)
                with Horizontal(classes="row"):
                    yield Label(label)
                    yield field
            yield Static("", id="appoint-error", markup=False)
            yield Static("Enter 下一项 · Ctrl+S 保存 · Esc 取消", markup=False)

    def on_mount(self) -> None:
        self.query_one("#a-post" if not self.post else "#a-name", Input).focus()

    def field_enter(self, field) -> None:
        """Enter in a field, while the key is dispatched (see ``FieldInput``)."""
        if isinstance(field, ChoiceInput) and not field.complete():
            self.query_one("#appoint-error", Static).update("职务不在列表中，请重新输入")
            return
        if field.id == "a-since":
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
        if self.saving:
            return
        post_field = self.query_one("#a-post", ChoiceInput)
        post_field.complete()
        values = {key: self.query_one(f"#a-{key}", Input).value for key, _ in APPOINT_FIELDS}
        try:
            since = parse_date(values["since"], "since", "任职日期", default=self.services.settings.today())
        except DomainError as exc:
            self._failed(exc)
            return
        self.saving = True
        run_service(self, lambda: self.services.cadres.appoint(self.actor, self.org_id, values["post"], values, since),
                 self.dismiss, self._failed, group="appoint")

    def _failed(self, exc: DomainError) -> None:
        self.saving = False
        self.query_one("#appoint-error", Static).update(exc.message)
        if exc.field in dict(APPOINT_FIELDS):
            self.query_one(f"#a-{exc.field}", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)


class EndModal(ModalScreen["CadreView | None"]):
    """Close a holding (离任) on a date, default today."""

    DEFAULT_CSS = beside(__file__, "cadres_end.tcss")
    BINDINGS = [Binding("escape", "cancel", "取消", id="cadres.end.cancel")]

    def __init__(self, services: Services, actor: Actor, cadre: CadreView) -> None:
        super().__init__()
        self.services, self.actor, self.cadre = services, actor, cadre

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"{self.cadre.name} 离任 {self.cadre.post_label}：离任日期", markup=False)
            yield Input(value=self.services.settings.today().isoformat(), id="end-date", compact=True)
            yield Static("", id="end-error", markup=False)
            yield Static("Enter 确定 · Esc 取消", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            day = parse_date(event.value, "end_date", "离任日期", default=self.services.settings.today())
        except DomainError as exc:
            self.query_one("#end-error", Static).update(exc.message)
            return
        run_service(self, lambda: self.services.cadres.end(self.actor, self.cadre.id, day), self.dismiss,
                 lambda exc: self.query_one("#end-error", Static).update(exc.message), group="end")

    def action_cancel(self) -> None:
        self.dismiss(None)


class CadresPane(Vertical):
    """团干部 of an organisation: current holders and history; a appoints, x ends."""

    DEFAULT_CSS = beside(__file__, "cadres_pane.tcss")
    BINDINGS = [
        Binding("a", "appoint", "任命", id="cadres.appoint"),
        Binding("s", "secretary", "更换书记", id="cadres.secretary"),
        Binding("x", "end", "离任", id="cadres.end"),
    ]

    def __init__(self, services: Services, actor: Actor, org_id: int, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.services, self.actor, self.org_id = services, actor, org_id
        self.listing: CadreList | None = None

    def compose(self) -> ComposeResult:
        yield Static("团干部", id="cadres-title", classes="title", markup=False)
        yield DataTable(id="cadre-current", cursor_type="row")
        yield Static("历任", classes="title", markup=False)
        yield DataTable(id="cadre-history", cursor_type="row")
        yield Static("a任命 s更换书记 x离任", id="cadres-status", markup=False)

    def on_mount(self) -> None:
        current = self.query_one("#cadre-current", DataTable)
        # The dates before the (masked) numbers: beside the tree at 80 columns they stay in
        # sight, and the numbers are the first to be cut.
        for col in ("职务", "姓名", "任职起", "超龄", "身份证号", "手机"):
            current.add_column(col, key=col)
        history = self.query_one("#cadre-history", DataTable)
        for col in ("职务", "姓名", "任职起", "离任"):
            history.add_column(col, key=col)
        # No focus here: inside the centre's tabs, focusing would switch to this tab.
        self.reload()

    # -- the management centre's pane protocol ----------------------------------------------
    @classmethod
    def applies_to(cls, view, actor) -> bool:  # noqa: ARG003
        """Every organisation has posts (R-MEM-6)."""
        return True

    def org_changed(self, view) -> None:
        self.org_id = view.id
        if self.is_mounted:
            self.reload()

    def orgs_changed(self, org_id: int) -> None:  # noqa: ARG002
        if self.is_mounted:
            self.reload()

    def focus_first(self) -> None:
        self.query_one("#cadre-current", DataTable).focus()

    def reload(self) -> None:
        org_id = self.org_id
        run_service(self, lambda: self.services.cadres.list(self.actor, org_id), self._loaded,
                 lambda exc: self.notify(exc.message, severity="error"), group="cadres-load")

    def _loaded(self, listing: CadreList) -> None:
        self.listing = listing
        self.query_one("#cadres-title", Static).update(f"团干部 · {listing.org_name}")
        current = self.query_one("#cadre-current", DataTable)
        current.clear()
        for c in listing.current:
            current.add_row(c.post_label, c.name, c.start_date.isoformat(), "超龄" if c.over_age else "",
                            _masked(c.id_number), _masked_mobile(c.mobile), key=str(c.id))
        history = self.query_one("#cadre-history", DataTable)
        history.clear()
        for c in listing.history:
            history.add_row(c.post_label, c.name, c.start_date.isoformat(),
                            c.end_date.isoformat() if c.end_date else "", key=str(c.id))

    def _open(self, post: str = "") -> None:
        if self.listing is not None and not self.listing.editable:
            self.notify("只有本组织或其直属上级组织的管理员可以调整团干部", severity="warning")
            return
        name = self.listing.org_name if self.listing else ""
        self.app.push_screen(AppointModal(self.services, self.actor, self.org_id, name, post), self._done)

    def action_appoint(self) -> None:
        self._open()

    def action_secretary(self) -> None:
        self._open("书记")

    def action_end(self) -> None:
        table = self.query_one("#cadre-current", DataTable)
        if self.listing is None or not self.listing.current or table.cursor_row < 0:
            return
        cadre = self.listing.current[min(table.cursor_row, len(self.listing.current) - 1)]
        self.app.push_screen(EndModal(self.services, self.actor, cadre), self._done)

    def _done(self, view: CadreView | None) -> None:
        if view is not None:
            self.notify(f"已保存：{view.name} {view.post_label}" + ("（已离任）" if view.end_date else ""))
            self.reload()


def _masked(number: str) -> str:
    return number if "*" in number else mask_id_number(number)


def _masked_mobile(number: str) -> str:
    return number if "*" in number else mask_mobile(number)
