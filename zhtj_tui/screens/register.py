"""Administrator registration (R-REG-1..5): the code, the organisation it belongs to for
confirmation, then 团内职务 and the personal fields, each checked when it is left with the
same domain functions the service uses."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Select, Static

from zhtj_tui.domain.codes import normalize_code
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.idcard import parse_id_number
from zhtj_tui.domain.joinage import check_join_month, rule_text
from zhtj_tui.domain.mobile import normalize_mobile
from zhtj_tui.domain.months import parse_month
from zhtj_tui.domain.password import check_password
from zhtj_tui.domain.text import clean_person_name
from zhtj_tui.domain.vocab import OTHER_POST, league_posts
from zhtj_tui.services.dto import CodeCheck, Registered
from zhtj_tui.widgets.calls import ServiceCaller
from zhtj_tui.widgets.field import Form, FormField
from zhtj_tui.widgets.host import host
from zhtj_tui.widgets.topbar import TopBar

PERSON_FIELDS = ("post", "post_name", "name", "id_number", "mobile", "join_month", "password", "password2")


class RegisterScreen(ServiceCaller, Form, Screen):
    SCREEN_TITLE = "注册管理员"
    BINDINGS = [Binding("escape", "back", "返回", id="register.back")]

    def __init__(self, code: str = "") -> None:
        super().__init__()
        self._code = code
        self.checked: CodeCheck | None = None

    # -- layout ---------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        settings = host(self).settings
        yield TopBar("智慧团建 · 注册管理员")
        with Vertical(id="step-code", classes="box"):
            yield Static("第一步：输入上级组织管理员给您的管理员注册码（8位，区分大小写）", markup=False)
            yield FormField("code", "管理员注册码", required=True, value=self._code, check=self._check_code,
                            max_length=20)
            with Horizontal(classes="buttons"):
                yield Button("核对注册码", id="check", variant="primary", compact=True)
            yield Static("", id="code-info", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("确认是该组织，下一步", id="confirm", variant="success", compact=True, disabled=True)
                yield Button("返回登录", id="to-login", compact=True)
        with VerticalScroll(id="step-person", classes="box"):
            yield Static("", id="person-org", markup=False)
            yield FormField("post", "团内职务", required=True, options=[(i.name, i.code) for i in league_posts()])
            yield FormField("post_name", "职务名称", required=True, placeholder="“其他”职务的名称")
            yield FormField("name", "姓名", required=True, check=lambda v: _none(clean_person_name(v, "name")))
            yield FormField("id_number", "身份证号码", required=True, check=self._check_id, max_length=22)
            yield FormField("mobile", "手机号码", required=True, check=lambda v: _none(normalize_mobile(v)),
                            max_length=13)
            yield FormField("join_month", "入团年月", required=True, check=self._check_join,
                            placeholder="例如 2015-09")
            yield Static(rule_text(settings.join_age), classes="hint", markup=False)
            yield FormField("password", "密码", required=True, password=True,
                            check=lambda v: _none(check_password(v)), placeholder="至少8位，含字母和数字")
            yield FormField("password2", "再次输入密码", required=True, password=True, check=self._check_pw2)
            with Horizontal(classes="buttons"):
                yield Button("注册", id="submit", variant="primary", compact=True)
                yield Button("上一步", id="prev", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#step-person").display = False
        self.field("post_name").display = False
        self.field("code").focus_control()

    @property
    def step(self) -> int:
        return 2 if self.query_one("#step-person").display else 1

    # -- field checks (domain functions) -------------------------------------------------------
    def _check_code(self, text: str) -> None:
        normalize_code(text)
        if self.checked is not None and self.checked.code != text.strip():
            self.checked = None
            self._show_check(None)

    def _check_id(self, text: str) -> str:
        info = parse_id_number(text, host(self).settings.today())
        hint = f"出生日期 {info.birth_date.isoformat()}，性别 {info.sex}"
        return "；".join((hint,) + info.warnings)

    def _check_join(self, text: str) -> str | None:
        month = parse_month(text)
        try:
            info = parse_id_number(self.field("id_number").value, host(self).settings.today())
        except DomainError:
            return None
        warnings = check_join_month(info.birth_date, month, host(self).settings.today(), host(self).settings.join_age)
        return "；".join(warnings) or None

    def _check_pw2(self, text: str) -> None:
        if text != self.field("password").value:
            raise DomainError("两次输入的密码不一致，请重新输入", "password2", "password_mismatch")

    # -- step 1 ---------------------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        event.prevent_default()  # not also Form's "next field"
        if event.input.id == "input-code":
            self.check_code()
        elif event.input.id == "input-password2":
            self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        bid = event.button.id
        if bid == "check":
            self.check_code()
        elif bid == "confirm":
            self.go_person()
        elif bid == "to-login":
            self.app.pop_screen()
        elif bid == "submit":
            self.submit()
        elif bid == "prev":
            self.go_code()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "input-post":
            self.field("post_name").display = event.value == OTHER_POST

    def check_code(self) -> None:
        if not self.field("code").validate():
            return
        code = self.field("code").value
        codes = host(self).services.codes
        self.call_service(lambda: codes.check(code), self._code_ok, self._code_error, group="code")

    def _code_ok(self, checked: CodeCheck) -> None:
        self.checked = checked
        self._show_check(checked)
        self.query_one("#confirm", Button).focus()

    def _code_error(self, exc: DomainError) -> None:
        self.checked = None
        self._show_check(None)
        self.field("code").set_error(exc.message)
        self.field("code").focus_control()

    def _show_check(self, checked: CodeCheck | None) -> None:
        info = self.query_one("#code-info", Static)
        confirm = self.query_one("#confirm", Button)
        if checked is None:
            info.update("")
            confirm.disabled = True
            return
        fmt = host(self).settings.fmt
        info.update(
            f"该注册码属于：{checked.path_text}\n"
            f"组织类别：{checked.category_name}    注册码有效期至：{fmt(checked.expires_at)}\n"
            "请确认这是您要管理的组织。"
        )
        confirm.disabled = False

    def go_person(self) -> None:
        if self.checked is None:
            return
        self.query_one("#step-code").display = False
        self.query_one("#step-person").display = True
        self.query_one("#person-org", Static).update(
            f"第二步：填写管理员信息。组织：{self.checked.path_text}")
        self.field("post").focus_control()

    def go_code(self) -> None:
        self.query_one("#step-person").display = False
        self.query_one("#step-code").display = True
        self.field("code").focus_control()

    def action_back(self) -> None:
        """Esc: back one step; the typed data stays (the screen is kept by the app)."""
        if self.step == 2:
            self.go_code()
        else:
            self.app.pop_screen()

    # -- step 2 ---------------------------------------------------------------------------------
    def submit(self) -> None:
        if self.checked is None:
            self.go_code()
            return
        keys = [k for k in PERSON_FIELDS if k != "post_name" or self.field("post_name").display]
        if not self.validate_all(keys):
            return
        v = self.values(keys)
        code = self.checked.code
        accounts = host(self).services.accounts

        def run() -> Registered:
            return accounts.register(code, v["post"], v["name"], v["id_number"], v["mobile"], v["join_month"],
                                     v["password"], post_name=v.get("post_name") or None)

        self.call_service(run, self._registered, self._register_error, group="register")

    def _registered(self, result: Registered) -> None:
        mobile = normalize_mobile(self.field("mobile").value)
        note = "" if result.new_account else "（已加入您原有的账号）"
        warn = ("。注意：" + "；".join(result.warnings)) if result.warnings else ""
        org = self.checked.org_name if self.checked else ""
        host(self).registered(mobile, f"注册成功{note}：您已是 {org} 的管理员，请登录{warn}")

    def _register_error(self, exc: DomainError) -> None:
        if exc.field == "code":
            self.go_code()
            self.checked = None
            self._show_check(None)
            self.field("code").set_error(exc.message)
            self.field("code").focus_control()
            return
        self.show_error(exc)


def _none(_value) -> None:
    return None
