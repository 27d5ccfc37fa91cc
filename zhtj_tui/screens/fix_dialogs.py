"""Dialogs for fixing mistakes: moving an organisation (R-TREE-6), a child's administrators
(R-REG-6) with deactivation and password reset codes (R-REG-7), the administrator's own
account (change password, hand over). All keyboard-driven and laid out for 80x24; every
service call runs in a thread worker, and a refusal is said inside the dialog with what was
typed kept."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.screens.code_modal import CodeModal
from zhtj_tui.screens.confirm import ConfirmModal, PromptModal
from zhtj_tui.screens.tcss import beside
from zhtj_tui.services.dto import Actor, AdminView, ChildRow, MoveResult, MoveTarget, ResetCodeView
from zhtj_tui.widgets.calls import ServiceCaller
from zhtj_tui.widgets.cells import fit_middle
from zhtj_tui.widgets.field import FormField, make_input
from zhtj_tui.widgets.host import host
from zhtj_tui.widgets.password import NewPasswordForm

if TYPE_CHECKING:
    from zhtj_tui.services import Services


class MoveModal(ServiceCaller, ModalScreen[MoveResult | None]):
    """移动 (R-TREE-6): pick the new parent (typed text filters the list), give a reason,
    Enter moves. The service checks everything again (R-TREE-2, names, the subtree)."""

    BINDINGS = [Binding("escape", "cancel", "取消", id="move.cancel")]
    DEFAULT_CSS = beside(__file__, "fix_dialogs.tcss")

    def __init__(self, services: Services, actor: Actor, row: ChildRow) -> None:
        super().__init__()
        self.services, self.actor, self.row = services, actor, row
        self.targets: tuple[MoveTarget, ...] = ()
        self.chosen: MoveTarget | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="move-dialog"):
            yield Static(f"移动组织：{self.row.short_name}", classes="dialog-title", markup=False)
            yield Static("连同全部下级组织和团员，移到本组织范围内另一个组织之下。", classes="dialog-help")
            with Horizontal(classes="dialog-row"):
                yield Label("筛选名称：")
                yield make_input(id="move-filter", placeholder="输入名称的一部分，↓ 到列表")
            yield OptionList(id="move-targets")
            yield Static("新的上级：（未选择）", id="move-chosen", markup=False)
            with Horizontal(classes="dialog-row"):
                yield Label("移动原因：")
                yield make_input(id="move-reason", placeholder="例如 隶属关系错误", max_length=200)
            yield Static("", id="move-error", classes="dialog-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("移动 (Enter)", id="ok", variant="warning", compact=True)
                yield Button("取消 (Esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#move-filter", Input).focus()
        self._load("")

    def _load(self, text: str) -> None:
        services, actor, org_id = self.services, self.actor, self.row.id
        self.call_service(lambda: services.orgs.move_targets(actor, org_id, text), self._loaded, self._failed,
                          group="move-targets")

    def _loaded(self, targets: tuple[MoveTarget, ...]) -> None:
        self.targets = targets
        options = self.query_one("#move-targets", OptionList)
        options.clear_options()
        for t in targets:
            label = fit_middle(t.path_text, 60) + ("（已有同名组织）" if t.name_taken else "")
            options.add_option(Option(label, id=str(t.id), disabled=t.name_taken))
        if not targets:
            options.add_option(Option("没有可以移入的组织（类别须允许，且在本组织范围内）", disabled=True))

    def _failed(self, exc: DomainError) -> None:
        self.query_one("#move-error", Static).update(exc.message)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "move-filter":
            self._load(event.value)

    def on_key(self, event: events.Key) -> None:
        if event.key == "down" and self.focused is self.query_one("#move-filter", Input):
            event.stop()
            self._to_list()

    def _to_list(self) -> None:
        options = self.query_one("#move-targets", OptionList)
        options.focus()
        if options.highlighted is None and options.option_count:
            options.highlighted = 0

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._choose(event.option.id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id)
        self.query_one("#move-reason", Input).focus()

    def _choose(self, option_id: str | None) -> None:
        target = next((t for t in self.targets if str(t.id) == option_id), None)
        if target is None or target.name_taken:
            return
        self.chosen = target
        self.query_one("#move-chosen", Static).update(f"新的上级：{target.path_text}")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "move-filter":
            self._to_list()
        else:
            self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self.submit()
        else:
            self.dismiss(None)

    def submit(self) -> None:
        error = self.query_one("#move-error", Static)
        reason = self.query_one("#move-reason", Input).value.strip()
        if self.chosen is None:
            error.update("请先在列表中选择新的上级组织（↑↓ 选择，Enter 确定）")
            self._to_list()
            return
        if not reason:
            error.update("请填写移动原因（记入审计日志）")
            self.query_one("#move-reason", Input).focus()
            return
        error.update("正在移动…")
        services, actor, org_id, target = self.services, self.actor, self.row.id, self.chosen.id
        self.call_service(lambda: services.orgs.move(actor, org_id, target, reason), self.dismiss, self._failed,
                          group="move")

    def action_cancel(self) -> None:
        self.dismiss(None)


ADMIN_COLUMNS = (("name", "姓名", 8), ("mobile", "手机", 12), ("post", "职务", 8), ("login", "最近登录", 17),
                 ("state", "状态", 4))


class AdminsModal(ServiceCaller, ModalScreen[bool]):
    """A child's administrators (R-REG-6): name, masked mobile, post, last login, state.
    The direct parent's administrator may deactivate one (x, with a reason) or issue a
    one-time password reset code (r, R-REG-7). Returns whether anything changed."""

    BINDINGS = [
        Binding("escape", "close", "关闭", id="admins.close"),
        Binding("x", "deactivate", "停用管理员", id="admins.deactivate"),
        Binding("r", "reset_code", "密码重置码", id="admins.reset"),
    ]
    DEFAULT_CSS = "#admins-table { height: auto; max-height: 10; }"

    def __init__(self, services: Services, actor: Actor, row: ChildRow, may_manage: bool) -> None:
        super().__init__()
        self.services, self.actor, self.row, self.may_manage = services, actor, row, may_manage
        self.admins: tuple[AdminView, ...] = ()
        self.changed = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="admins-dialog"):
            yield Static(f"{self.row.short_name} 的管理员", classes="dialog-title", markup=False)
            table: DataTable = DataTable(id="admins-table", cursor_type="row", cell_padding=0)
            for key, header, cells in ADMIN_COLUMNS:
                table.add_column(header, width=cells + 1, key=key)
            yield table
            yield Static("正在读取…", id="admins-status", markup=False)
            if self.may_manage:
                help_text = "x 停用所选管理员（需填写原因）   r 生成密码重置码   Esc 关闭"
            else:
                help_text = "只有直属上级组织的管理员可以停用管理员或生成密码重置码。Esc 关闭"
            yield Static(help_text, classes="dialog-help", markup=False)

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.load()

    def load(self) -> None:
        services, actor, org_id = self.services, self.actor, self.row.id
        self.call_service(lambda: services.admins.list(actor, org_id), self._loaded, group="admins")

    def _loaded(self, admins: tuple[AdminView, ...]) -> None:
        fmt = host(self).settings.fmt
        self.admins = admins
        table = self.query_one(DataTable)
        table.clear()
        for a in admins:
            table.add_row(fit_middle(a.name, 8), a.mobile_masked, fit_middle(a.post_name, 8),
                          fmt(a.last_login_at) if a.last_login_at else "从未登录", "有效" if a.active else "已停用",
                          key=str(a.account_id))
        active = sum(a.active for a in admins)
        self.query_one("#admins-status", Static).update(
            f"有效管理员 {active} 名" if active else "没有管理员：请在下级管理中按 c 生成注册码，交给该组织的新管理员")

    def current(self) -> AdminView | None:
        table = self.query_one(DataTable)
        if not self.admins or table.cursor_row is None or table.cursor_row >= len(self.admins):
            return None
        return self.admins[table.cursor_row]

    def _target(self) -> AdminView | None:
        if not self.may_manage:
            self.notify("只有直属上级组织的管理员可以这样做：请在组织树中选中您管理的组织", severity="warning")
            return None
        admin = self.current()
        if admin is None:
            return None
        if not admin.active:
            self.notify(f"{admin.name} 已停用", severity="warning")
            return None
        return admin

    def action_deactivate(self) -> None:
        admin = self._target()
        if admin is None:
            return
        services, actor, org_id = self.services, self.actor, self.row.id

        def with_reason(reason: str | None) -> None:
            if not reason:
                return
            self.call_service(lambda: services.admins.deactivate(actor, org_id, admin.account_id, reason),
                              lambda _v: self._done(f"已停用 {admin.name} 的管理员身份"), group="admins-write")

        self.app.push_screen(PromptModal(
            "停用管理员", "停用原因：",
            help_text=f"停用后 {admin.name} 不能再登录管理 {self.row.short_name}（可凭新的注册码重新注册）。",
            ok="停用"), with_reason)

    def action_reset_code(self) -> None:
        admin = self._target()
        if admin is None:
            return
        services, actor, org_id = self.services, self.actor, self.row.id

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.call_service(lambda: services.admins.issue_reset_code(actor, org_id, admin.account_id),
                                  self._show_reset_code, group="admins-write")

        self.app.push_screen(ConfirmModal(
            "密码重置码", f"为 {admin.name} 生成一次性密码重置码？\n24小时内有效，只能使用一次；此前未使用的重置码作废。",
            yes="生成"), confirmed)

    def _show_reset_code(self, view: ResetCodeView) -> None:
        self.app.push_screen(ResetCodeModal(view, host(self).settings.fmt))

    def _done(self, message: str) -> None:
        self.changed = True
        self.notify(message)
        self.load()

    def action_close(self) -> None:
        self.dismiss(self.changed)


class ResetCodeModal(ModalScreen[None]):
    """A password reset code, shown once (R-REG-7)."""

    BINDINGS = [Binding("escape", "close", "关闭", id="reset_code.close")]

    def __init__(self, view: ResetCodeView, fmt) -> None:
        super().__init__()
        self.view, self.fmt = view, fmt

    def compose(self) -> ComposeResult:
        v = self.view
        with Vertical(classes="dialog", id="reset-code-dialog"):
            yield Static("密码重置码", classes="dialog-title")
            yield Static(f"管理员：{v.name}", markup=False)
            yield Static(" ".join(v.code), id="code-value", markup=False)
            yield Static(f"重置码：{v.code}", id="code-plain", markup=False)
            yield Static(f"有效期至：{self.fmt(v.expires_at)}（只能使用一次）", id="code-expiry", markup=False)
            yield Static("请当面或电话告知本人：在登录界面按 F3（忘记密码），输入账号、重置码和新密码。"
                         "关闭后不再显示。", classes="dialog-help")
            with Horizontal(classes="dialog-buttons"):
                yield Button("关闭 (Esc)", id="close", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)


class PasswordModal(ServiceCaller, NewPasswordForm, ModalScreen[bool]):
    """修改密码 (R-REG-7): the old password, the new one twice. The slow hashing runs in a
    thread worker."""

    BINDINGS = [Binding("escape", "cancel", "取消", id="password.cancel")]

    def __init__(self, services: Services, account_id: int) -> None:
        super().__init__()
        self.services, self.account_id = services, account_id

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="password-dialog"):
            yield Static("修改密码", classes="dialog-title")
            yield FormField("old_password", "原密码", required=True, password=True)
            yield from self.new_password_fields()
            with Horizontal(classes="dialog-buttons"):
                yield Button("保存 (Enter)", id="ok", variant="primary", compact=True)
                yield Button("取消 (Esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.field("old_password").focus_control()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self.submit()
        else:
            self.dismiss(False)

    def submit(self) -> None:
        v = self.checked_values()
        if v is None:
            return
        services, acc = self.services, self.account_id
        self.call_service(lambda: services.accounts.change_password(acc, v["old_password"], v["new_password"]),
                          lambda _r: self.dismiss(True), self.show_error, group="password")

    def action_cancel(self) -> None:
        self.dismiss(False)


class AccountModal(ModalScreen["str | None"]):
    """我的账号: change the password (p) or hand over the organisation (h, R-REG-6)."""

    BINDINGS = [
        Binding("escape", "choose('')", "关闭", id="account.close"),
        Binding("p", "choose('password')", "修改密码", id="account.password"),
        Binding("h", "choose('hand_over')", "交接", id="account.hand_over"),
    ]

    def __init__(self, name: str, org_name: str, post: str) -> None:
        super().__init__()
        self._who = f"{name}（{org_name} {post}）"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="account-dialog"):
            yield Static("我的账号", classes="dialog-title")
            yield Static(self._who, markup=False)
            yield Static("交接：职务变动时，为继任者生成管理员注册码，然后停用您本人在本组织的管理员身份。",
                         classes="dialog-help")
            with Horizontal(classes="dialog-buttons"):
                yield Button("修改密码 (p)", id="password", variant="primary", compact=True)
                yield Button("交接管理员 (h)", id="hand_over", compact=True)
                yield Button("关闭 (Esc)", id="close", compact=True)

    def on_mount(self) -> None:
        self.query_one("#password", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss("" if event.button.id == "close" else event.button.id)

    def action_choose(self, what: str) -> None:
        self.dismiss(what or None)


def hand_over_code_modal(code, fmt) -> CodeModal:
    return CodeModal(code, fmt, "这是继任者的管理员注册码，请交给继任者。您已不再是本组织的管理员，关闭后将退出登录")
