"""First run (no organisation in the database): create the deployment's top organisation
and show its first registration code (R-CODE-6), or load the demo data to look around."""

from __future__ import annotations

import importlib

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Select, Static

from zhtj_tui.domain import orgs as rules
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.text import clean_text
from zhtj_tui.domain.vocab import categories
from zhtj_tui.services.dto import Actor, CodeView
from zhtj_tui.widgets.calls import ServiceCaller
from zhtj_tui.widgets.field import Form, FormField
from zhtj_tui.widgets.topbar import TopBar

INTRO = (
    "数据库中还没有任何团组织。请创建本系统的顶级组织（例如 石河子大学团委），"
    "系统会为它生成第一个管理员注册码，用它注册管理员后即可登录。"
)


def demo_module():
    """The demo data generator, when it is installed (``zhtj_tui.demo.generate``)."""
    try:
        mod = importlib.import_module("zhtj_tui.demo")
    except ImportError:
        return None
    return mod if callable(getattr(mod, "generate", None)) else None


class FirstRunScreen(ServiceCaller, Form, Screen):
    SCREEN_TITLE = "首次使用"

    def __init__(self) -> None:
        super().__init__()
        self.code: CodeView | None = None

    def compose(self) -> ComposeResult:
        yield TopBar("智慧团建 · 首次使用：创建顶级组织")
        with VerticalScroll(id="first-box", classes="box"):
            yield Static(INTRO, markup=False)
            yield FormField("category", "组织类别", required=True, value="02",
                            options=[(c.name, c.code) for c in categories()])
            yield FormField("short_name", "组织简称", required=True, check=self._check_name, live=self._check_name,
                            placeholder="例如 石河子大学团委")
            yield FormField("full_name", "组织全称", placeholder="可稍后填写，例如 共青团石河子大学委员会",
                            check=lambda v: _none(clean_text(v, "full_name")))
            with Horizontal(classes="buttons"):
                yield Button("创建顶级组织", id="create", variant="primary", compact=True)
                if demo_module() is not None:
                    yield Button("载入演示数据", id="demo", compact=True)
            yield Static("", id="first-result", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("注册管理员", id="to-register", variant="success", compact=True)
                yield Button("去登录", id="to-login", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#to-register").display = False
        self.query_one("#to-login").display = False
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
            self.app.show_login()
            self.app.show_register(self.code.code if self.code else "")
        elif bid == "to-login":
            self.app.show_login()

    def create(self) -> None:
        if not self.validate_all(["category", "short_name", "full_name"]):
            return
        v = self.values()
        services = self.app.services

        def run() -> CodeView:
            op = Actor.server_operator()
            top = services.orgs.create_top(op, v["short_name"], v["category"], v["full_name"] or None)
            return services.codes.issue(op, top.id)

        self.call_service(run, self._created, self.show_error, group="first-run")

    def _created(self, code: CodeView) -> None:
        self.code = code
        fmt = self.app.settings.fmt
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
        mod = demo_module()
        if mod is None:
            return
        services = self.app.services

        def run():
            return mod.generate(services, scale="small", seed=2026)

        self.query_one("#first-result", Static).update("正在生成演示数据，请稍候…")
        self.call_service(run, self._demo_loaded, self.show_error, group="first-run")

    def _demo_loaded(self, result) -> None:
        lines = ["演示数据已载入。"]
        logins = getattr(result, "logins", None) or (result.get("logins") if isinstance(result, dict) else None)
        if logins:
            lines.append("演示账号（账号 / 密码 / 组织）：")
            for item in list(logins)[:6]:
                lines.append("  " + " / ".join(str(x) for x in (item if isinstance(item, (tuple, list)) else (item,))))
        elif result is not None and not isinstance(result, (dict, tuple, list)):
            lines.append(str(result)[:300])
        self.query_one("#first-result", Static).update("\n".join(lines))
        for bid in ("#create", "#demo"):
            self.query_one(bid).display = False
        self.query_one("#to-login").display = True
        self.query_one("#to-login", Button).focus()


def _none(_value) -> None:
    return None
