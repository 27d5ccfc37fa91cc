"""忘记密码 (R-REG-7): set a new password with the one-time reset code that the parent
organisation's administrator (or the server operator) issued. The code is used atomically
by the service; the slow hashing runs in a thread worker."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Static

from zhtj_tui.widgets.calls import ServiceCaller
from zhtj_tui.widgets.field import FormField
from zhtj_tui.widgets.host import host
from zhtj_tui.widgets.password import NewPasswordForm
from zhtj_tui.widgets.topbar import TopBar

INTRO = (
    "忘记密码时，请向上级组织管理员索取“密码重置码”（8位数字和字母，区分大小写，24小时内有效，"
    "只能使用一次）；顶级组织的管理员请联系服务器管理员。"
)


class ForgotPasswordScreen(ServiceCaller, NewPasswordForm, Screen):
    SCREEN_TITLE = "忘记密码"
    BINDINGS = [Binding("escape", "back", "返回登录", id="forgot.back")]

    def __init__(self, login: str = "") -> None:
        super().__init__()
        self._login = login

    def compose(self) -> ComposeResult:
        yield TopBar("智慧团建 · 忘记密码")
        with Vertical(id="forgot-box", classes="box"):
            yield Static(INTRO, id="forgot-intro", markup=False)
            yield FormField("login", "账号", required=True, placeholder="手机号码或身份证号码", value=self._login)
            yield FormField("reset_code", "密码重置码", required=True, placeholder="8位数字和字母")
            yield from self.new_password_fields()
            yield Static("", id="forgot-message", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("设置新密码", id="ok", variant="primary", compact=True)
                yield Button("返回登录 (Esc)", id="back", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.field("reset_code" if self._login else "login").focus_control()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self.submit()
        else:
            self.action_back()

    def action_back(self) -> None:
        host(self).show_login(login=self.field("login").value)

    def submit(self) -> None:
        v = self.checked_values()
        if v is None:
            return
        accounts = host(self).services.accounts
        self.query_one("#forgot-message", Static).update("正在设置新密码…")
        self.call_service(lambda: accounts.redeem_reset_code(v["login"], v["reset_code"], v["new_password"]),
                          self._done, self._failed, group="forgot")

    def _done(self, login: str) -> None:
        host(self).show_login(login=login, message="新密码已设置，请用新密码登录")

    def _failed(self, exc) -> None:
        self.query_one("#forgot-message", Static).update("")
        self.show_error(exc)
