"""Choosing the organisation to work in when one person administers several."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from zhtj_tui.services.dto import Role, Session
from zhtj_tui.widgets.host import host
from zhtj_tui.widgets.topbar import TopBar


class _RoleList(Vertical):
    def __init__(self, session: Session) -> None:
        super().__init__(id="roles-box", classes="box")
        self.session = session

    def compose(self) -> ComposeResult:
        yield Static(f"{self.session.name}，您是以下组织的管理员，请选择本次要管理的组织：", markup=False)
        yield OptionList(
            *[Option(f"{r.org_name}（{r.category_name}，{r.post_name}）  {' / '.join(r.path_names)}", id=str(i))
              for i, r in enumerate(self.session.roles)],
            id="roles",
        )


class RoleScreen(Screen):
    SCREEN_TITLE = "选择组织"
    BINDINGS = [Binding("escape", "cancel", "返回", id="roles.cancel")]

    def __init__(self, session: Session, callback: Callable[[Role], None], modal: bool = False) -> None:
        super().__init__()
        self.session = session
        self.callback = callback
        self.modal = modal

    def compose(self) -> ComposeResult:
        yield TopBar("智慧团建 · 选择要管理的组织")
        yield _RoleList(self.session)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        role = self.session.roles[int(event.option.id or 0)]
        if self.modal:
            self.app.pop_screen()
        self.callback(role)

    def action_cancel(self) -> None:
        if self.modal:
            self.app.pop_screen()
        else:
            host(self).logout()

