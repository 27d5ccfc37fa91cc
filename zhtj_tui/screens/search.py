"""Quick jump to an organisation by part of its name, searched in the database: a dialog
(F3 / Ctrl+F) and a command palette provider (Ctrl+P)."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.command import Hit, Hits, Provider
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from zhtj_tui.services.dto import Actor, OrgBrief
from zhtj_tui.widgets.calls import ServiceCaller
from zhtj_tui.widgets.field import make_input

if TYPE_CHECKING:
    from zhtj_tui.services import Services


class SearchModal(ServiceCaller, ModalScreen["int | None"]):
    BINDINGS = [
        Binding("escape", "cancel", "返回", id="search.cancel"),
        Binding("down", "to_list", "结果", id="search.list", show=False),
    ]

    def __init__(self, services: Services, actor: Actor) -> None:
        super().__init__()
        self.services = services
        self.actor = actor
        self.results: tuple[OrgBrief, ...] = ()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="search-dialog"):
            yield Static("查找组织（输入名称的一部分，按 Enter 或 ↓ 选择结果）", classes="dialog-title")
            yield make_input(id="search-input", placeholder="例如 计算机 或 2018级")
            yield OptionList(id="search-results")
            yield Static("", id="search-status", classes="dialog-help", markup=False)

    def on_mount(self) -> None:
        self.query_one("#search-input", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        text = event.value.strip()
        if not text:
            self._show(())
            return
        services, actor = self.services, self.actor
        self.call_service(lambda: services.orgs.search(actor, text), self._show, group="search", latest_only=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.results:
            self.dismiss(self.results[0].id)

    def _show(self, results: tuple[OrgBrief, ...]) -> None:
        self.results = results
        ol = self.query_one("#search-results", OptionList)
        ol.clear_options()
        ol.add_options([Option(hit_line(b), id=str(b.id)) for b in results])
        text = self.query_one("#search-input", Input).value.strip()
        self.query_one("#search-status", Static).update(
            f"找到 {len(results)} 个" + ("（只显示前20个，请输入更多字缩小范围）" if len(results) >= 20 else "")
            if text else "")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_to_list(self) -> None:
        if self.results:
            ol = self.query_one("#search-results", OptionList)
            if ol.highlighted is None:
                ol.highlighted = 0  # so that Enter right away opens the first hit
            ol.focus()

    def action_cancel(self) -> None:
        self.dismiss(None)


#: Cells of a hit's line in the search box (the dialog's width less its frame).
HIT_CELLS = 64


def hit_line(b: OrgBrief, cells: int = HIT_CELLS) -> str:
    """One line per hit: the name, its category and where it is (the parents, the nearest
    ones kept when the line is too long)."""
    head = f"{b.short_name}（{b.category_name}）"
    parents = list(b.path_names[:-1]) if b.path_names and b.path_names[-1] == b.short_name else list(b.path_names)
    if not parents:
        return head
    room = cells - cell_len(head) - 2
    where = " / ".join(parents)
    while parents and cell_len(where) > room:
        parents.pop(0)
        where = "… / " + " / ".join(parents)
    if not parents:
        return head
    return f"{head}  {where}"


class OrgSearchProvider(Provider):
    """Command palette: organisations of the administrator's subtree matching the query."""

    async def search(self, query: str) -> Hits:
        screen = self.screen
        services = getattr(screen, "services", None)
        actor = getattr(screen, "actor", None)
        select = getattr(screen, "select_org", None)
        if services is None or actor is None or select is None or not query.strip():
            return
        try:
            results = await asyncio.to_thread(services.orgs.search, actor, query.strip(), 10)
        except Exception:  # noqa: BLE001 - a failed search shows nothing
            return
        matcher = self.matcher(query)
        for b in results:
            score = matcher.match(b.short_name) or 0.3
            yield Hit(score, matcher.highlight(b.short_name), partial(select, b.id, True),
                      help=f"转到组织：{b.path_text}")
