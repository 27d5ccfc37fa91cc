"""Welcome and login: by mobile number or ID number and password (R-REG-5). The slow
password check runs in a thread worker."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, Static

from zhtj_tui.widgets.button import CompactButton
from zhtj_tui.widgets.calls import ServiceCaller
from zhtj_tui.widgets.field import Form, FormField
from zhtj_tui.widgets.footer import KeysFooter
from zhtj_tui.widgets.host import host
from zhtj_tui.widgets.topbar import TopBar

INTRO = (
    "欢迎使用智慧团建终端版。请用注册时填写的手机号码或身份证号码登录。\n"
    "还没有账号？请向上级组织管理员索取“管理员注册码”，然后选择“注册管理员”。"
)


class LoginScreen(ServiceCaller, Form, Screen):
    SCREEN_TITLE = "登录"
    BINDINGS = [
        Binding("f2", "register", "注册管理员", id="login.register"),
        Binding("f3", "forgot", "忘记密码", id="login.forgot"),
    ]

    def __init__(self, login: str = "", message: str = "") -> None:
        super().__init__()
        self._login = login
        self._message = message
        self._resumed = False

    def compose(self) -> ComposeResult:
        yield TopBar("智慧团建 · 团组织管理员登录")
        with Vertical(id="login-box", classes="box"):
            yield Static(INTRO, id="login-intro", markup=False)
            fields = (FormField("login", "账号", required=True, placeholder="手机号码或身份证号码", value=self._login),
                      FormField("password", "密码", required=True, password=True))
            for field in fields:
                if field.key == self._first_field():
                    # The mark of the field with the focus (``on_mount``) from the start, so
                    # that focusing it does not style the field again before the first frame.
                    field.add_class("-focused", update=False)
                yield field
            yield Static(self._message, id="login-message", markup=False)
            with Horizontal(classes="buttons"):
                yield CompactButton("登录", id="login", variant="primary")
                yield CompactButton("注册管理员 (F2)", id="register")
                yield CompactButton("忘记密码 (F3)", id="forgot")
        yield KeysFooter()

    def on_mount(self) -> None:
        pinned = host(self).settings.pinned_login
        if pinned:
            # Connected with an administrator's own SSH key: that account and no other.
            self.field("login").value = pinned
            self.field("login").control.disabled = True
        self.field(self._first_field()).focus_control()
        shown = getattr(self.app, "first_screen_shown", None)
        if shown is not None:
            self.call_after_refresh(shown)

    def _first_field(self) -> str:
        """The field that gets the focus: the password once the account is known."""
        return "password" if self._login or host(self).settings.pinned_login else "login"

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Textual's own handler. The first time, every widget was styled as it
        # was mounted a moment ago: not all styled again before the first frame.
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        event.prevent_default()  # not also Form's "next field"
        if event.input.id == "input-password":
            self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "login":
            self.submit()
        elif event.button.id == "register":
            self.action_register()
        elif event.button.id == "forgot":
            self.action_forgot()

    def action_forgot(self) -> None:
        """忘记密码 (R-REG-7): a new password with the parent's one-time reset code."""
        from zhtj_tui.screens.forgot import ForgotPasswordScreen

        host(self).goto(ForgotPasswordScreen(login=self.field("login").value))

    def action_register(self) -> None:
        host(self).show_register()

    def submit(self) -> None:
        login, password = self.field("login").value, self.field("password").value
        if not self.validate_all(["login", "password"]):
            return
        services = host(self).services  # the database may still be opening: the worker waits for it
        self.query_one("#login-message", Static).update("正在核对账号和密码…")
        self.call_service(lambda: services.accounts.login(login, password), self._ok, self._error, group="login")

    def _ok(self, session) -> None:
        self.query_one("#login-message", Static).update("")
        host(self).login_succeeded(session)

    def _error(self, exc) -> None:
        self.query_one("#login-message", Static).update("")
        self.show_error(exc)
