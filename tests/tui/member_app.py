"""A small App that mounts the member and cadre widgets as the management centre will."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer

from zhtj_tui.screens.cadres import CadresPane
from zhtj_tui.screens.members import MembersPane
from zhtj_tui.widgets.keyorder import OrderedKeys


class PaneApp(OrderedKeys, App):
    """Hosts one pane (团员管理 or 团干部) for an organisation."""

    def __init__(self, services, actor, org_id: int, pane: str = "members") -> None:
        super().__init__()
        self.services, self.actor, self.org_id, self.pane = services, actor, org_id, pane

    def compose(self) -> ComposeResult:
        if self.pane == "members":
            yield MembersPane(self.services, self.actor, self.org_id, id="pane")
        else:
            yield CadresPane(self.services, self.actor, self.org_id, id="pane")
        yield Footer()


    def on_mount(self) -> None:
        # As the centre does when the pane's tab is chosen.
        self.query_one("#pane").focus_first()
