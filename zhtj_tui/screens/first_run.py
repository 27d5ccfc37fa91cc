"""First run (no organisation in the database): create the deployment's top organisation
and show its first registration code (R-CODE-6), or load the demo data to look around."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, OptionList, Select, Static
from textual.widgets.option_list import Option

from zhtj_tui.domain import orgs as rules
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.text import clean_text
from zhtj_tui.domain.vocab import categories
from zhtj_tui.services.demo import DemoLogin, DemoResult
from zhtj_tui.services.dto import Actor, CodeView
from zhtj_tui.widgets.calls import ServiceCaller, log_unexpected
from zhtj_tui.widgets.field import Form, FormField
from zhtj_tui.widgets.host import host
from zhtj_tui.widgets.topbar import TopBar

INTRO = (
    "数据库中还没有任何团组织。请创建本系统的顶级组织（例如 石河子大学团委），"
    "系统会为它生成第一个管理员注册码，用它注册管理员后即可登录。"
)
#: Said only when the demo is not offered here.
DEMO_HINT = "只想先试用？请按 Ctrl+Q 退出，改用 zhtj --demo 启动。"


#: The demo loaded from this screen is always the same one (the default seed of ``zhtj demo``).
DEMO_SEED = 2018


class FirstRunScreen(ServiceCaller, Form, Screen):
    SCREEN_TITLE = "首次使用"

    def __init__(self) -> None:
        super().__init__()
        self.code: CodeView | None = None
        self.demo: DemoResult | None = None

    def compose(self) -> ComposeResult:
        yield TopBar("智慧团建 · 首次使用：创建顶级组织")
        with VerticalScroll(id="first-box", classes="box"):
            yield Static(INTRO if host(self).settings.offer_demo else f"{INTRO}{DEMO_HINT}", id="first-intro",
                         markup=False)
            yield FormField("category", "组织类别", required=True, value="02",
                            options=[(c.name, c.code) for c in categories()])
            yield FormField("short_name", "组织简称", required=True, check=self._check_name, live=self._check_name,
                            placeholder="例如 石河子大学团委")
            yield FormField("full_name", "组织全称", placeholder="可稍后填写，例如 共青团石河子大学委员会",
                            check=lambda v: _none(clean_text(v, "full_name")))
            with Horizontal(id="first-actions", classes="buttons"):
                yield Button("创建顶级组织", id="create", variant="primary", compact=True)
                yield Button("载入演示数据", id="demo", compact=True)
            yield Static("", id="first-result", markup=False)
            yield OptionList(id="demo-logins")
            yield Static("选择一个账号后按 Enter，即转到登录（账号已填好，只需输入密码）", id="demo-hint",
                         classes="hint-line", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("注册管理员", id="to-register", variant="success", compact=True)
                yield Button("去登录", id="to-login", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#to-register").display = False
        self.query_one("#to-login").display = False
        self.query_one("#demo-logins").display = False
        self.query_one("#demo-hint").display = False
        # The demo only when asked for (zhtj --demo), never beside the real top organisation
        # by default; zhtj demo fills an empty database from the command line.
        if not (host(self).settings.offer_demo and host(self).services.demo.available()):
            self.query_one("#demo").display = False
        self.field("short_name").focus_control()

    def _category(self):
        value = self.field("category").value
        return rules.category(value) if value else None

    def _check_name(self, text: str) -> str | None:
        cat = self._category()
        if cat is None:
            raise DomainError("请先选择组织类别", "category", "required")
        rules.check_short_name(text, cat)
        return None

    def on_select_changed(self, event: Select.Changed) -> None:
        if self.field("short_name").value:
            self.field("short_name").validate()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        bid = event.button.id
        if bid == "create":
            self.create()
        elif bid == "demo":
            self.load_demo()
        elif bid == "to-register":
            host(self).show_login()
            host(self).show_register(self.code.code if self.code else "")
        elif bid == "to-login":
            self.go_login(self.demo.logins[0].mobile if self.demo and self.demo.logins else "")

    def create(self) -> None:
        if not self.validate_all(["category", "short_name", "full_name"]):
            return
        v = self.values()
        services = host(self).services

        def run() -> CodeView:
            op = Actor.server_operator()
            top = services.orgs.create_top(op, v["short_name"], v["category"], v["full_name"] or None)
            return services.codes.issue(op, top.id)

        self.call_service(run, self._created, self.show_error, group="first-run")

    def _created(self, code: CodeView) -> None:
        self.code = code
        fmt = host(self).settings.fmt
        self.query_one("#first-result", Static).update(
            f"已创建顶级组织：{code.org_name}（{code.category_name}）\n"
            f"管理员注册码：{code.code}    有效期至：{fmt(code.expires_at)}\n"
            "请记下注册码（区分大小写），然后选择“注册管理员”。服务器管理员也可用 zhtj code 补发。"
        )
        self.query_one("#create").display = False
        if self.query("#demo"):
            self.query_one("#demo").display = False
        for f in self.fields().values():
            f.disabled = True
        self.query_one("#to-register").display = True
        self.query_one("#to-register", Button).focus()

    def load_demo(self) -> None:
        demo = host(self).services.demo
        if not host(self).settings.offer_demo:
            return
        if not demo.available():
            self.notify("本安装未包含演示数据，请改为创建顶级组织", severity="error")
            return
        self.query_one("#first-result", Static).update("正在生成演示数据（约 1,000 名团员），请稍候…")
        for bid in ("#create", "#demo"):
            self.query_one(bid, Button).disabled = True

        def run() -> DemoResult:
            try:
                return demo.load("small", DEMO_SEED)
            except DomainError:
                raise
            except Exception as exc:  # noqa: BLE001 - said on screen, logged without data
                log_unexpected(exc)
                raise DomainError("生成演示数据时出错，数据库未改动或只写入了一部分。请用 zhtj demo --force "
                                  "重新生成，或换一个空数据库", None, "demo_failed") from None

        self.call_service(run, self._demo_loaded, self._demo_failed, group="first-run")

    def _demo_failed(self, exc) -> None:
        for bid in ("#create", "#demo"):
            self.query_one(bid, Button).disabled = False
        self.query_one("#first-result", Static).update("")
        self.show_error(exc)

    def _demo_loaded(self, result: DemoResult) -> None:
        self.demo = result
        # The form is of no use any more: the room goes to the logins.
        for f in self.fields().values():
            f.display = False
        self.query_one("#first-intro").display = False
        self.query_one("#first-actions").display = False
        self.query_one("#first-result", Static).update(
            f"演示数据已载入：{result.count('org'):,} 个团组织、{result.count('member'):,} 名团员。\n"
            f"演示账号用手机号码登录，密码都是 {result.password}")
        logins = self.query_one("#demo-logins", OptionList)
        logins.clear_options()
        logins.add_options([Option(_login_line(x), id=str(i)) for i, x in enumerate(result.logins)])
        logins.display = True
        self.query_one("#demo-hint").display = True
        self.query_one("#to-login").display = True
        logins.highlighted = 0
        logins.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if self.demo is None or event.option_list.id != "demo-logins":
            return
        event.stop()
        self.go_login(self.demo.logins[int(str(event.option.id))].mobile)

    def go_login(self, mobile: str = "") -> None:
        message = f"演示账号的密码：{self.demo.password}" if self.demo is not None else ""
        host(self).show_login(login=mobile, message=message)


def _login_line(x: DemoLogin) -> str:
    return f"{x.mobile}  {x.org_name} {x.post} {x.name}"


def _none(_value) -> None:
    return None
