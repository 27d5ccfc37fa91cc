"""The panes of the management centre (right-hand side), as a small registry.

A pane is a ``CentrePane`` built with ``(services, actor, org_id)``; the centre calls its
``org_changed(view)`` whenever another organisation is selected, and shows it only where
``applies_to(view, actor)`` is true. A pane that changes the tree (creates organisations)
posts ``CentrePane.OrgsChanged``; one that changes the selected organisation posts
``CentrePane.ViewUpdated``. To add a pane, write a module with a ``CentrePane`` subclass and
add one ``PaneSpec`` line to ``PANES`` (or call ``register_pane`` from your module's import).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.containers import ScrollableContainer, Vertical
from textual.message import Message

from zhtj_tui.services.dto import Actor, OrgView
from zhtj_tui.widgets.calls import ServiceCaller

if TYPE_CHECKING:
    from zhtj_tui.services import Services


@dataclass(frozen=True)
class PaneSpec:
    id: str
    title: str
    #: "package.module:ClassName" of a CentrePane subclass (imported when the centre opens).
    target: str
    order: int = 100

    def load(self) -> type[CentrePane]:
        module, _, name = self.target.partition(":")
        return getattr(importlib.import_module(module), name)


PANES: list[PaneSpec] = [
    # Tab titles are short so that all six fit beside the tree at 80 columns; each pane's
    # own heading uses the full term of the operating guide (本组织信息, 下级组织管理, ...).
    PaneSpec("info", "本组织", "zhtj_tui.screens.org_info:OrgInfoPane", 10),
    PaneSpec("children", "下级管理", "zhtj_tui.screens.children:ChildrenPane", 20),
    PaneSpec("create", "创建下级", "zhtj_tui.screens.create_child:CreateChildPane", 30),
    PaneSpec("members", "团员", "zhtj_tui.screens.members.pane:MembersPane", 40),
    PaneSpec("progress", "进度", "zhtj_tui.screens.progress.pane:ProgressPane", 50),
    PaneSpec("cadres", "团干部", "zhtj_tui.screens.cadres:CadresPane", 60),
]


def register_pane(spec: PaneSpec) -> None:
    """Add (or replace, by id) a pane of the management centre."""
    PANES[:] = [p for p in PANES if p.id != spec.id] + [spec]


def pane_specs() -> list[PaneSpec]:
    """The panes whose module can be imported, in order."""
    out = []
    for spec in sorted(PANES, key=lambda p: p.order):
        try:
            spec.load()
        except (ImportError, AttributeError):
            continue
        out.append(spec)
    return out


class CentrePane(ServiceCaller, Vertical):
    """Base of a centre pane."""

    DEFAULT_CSS = "CentrePane { height: 1fr; }"

    class OrgsChanged(Message):
        """Organisations under ``org_id`` were created or changed (the tree reloads them)."""

        def __init__(self, org_id: int) -> None:
            super().__init__()
            self.org_id = org_id

    class ViewUpdated(Message):
        """The selected organisation changed (e.g. its information was saved)."""

        def __init__(self, view: OrgView) -> None:
            super().__init__()
            self.view = view

    def __init__(self, services: Services, actor: Actor, org_id: int, **kw) -> None:
        super().__init__(**kw)
        self.services = services
        self.actor = actor
        self.org_id = org_id
        self.view: OrgView | None = None

    @classmethod
    def applies_to(cls, view: OrgView, actor: Actor) -> bool:
        return True

    def org_changed(self, view: OrgView) -> None:
        """Another organisation (or a fresh view of the same one) is selected."""
        self.org_id = view.id
        self.view = view

    def orgs_changed(self, org_id: int) -> None:
        """Organisations under ``org_id`` changed (another pane created one)."""

    @property
    def is_home(self) -> bool:
        """Is the selected organisation the administrator's own?"""
        return self.view is not None and (self.actor.operator or self.view.id == self.actor.org_id)

    def focus_first(self) -> None:
        """Focus the first field, table or button (not a scrolling container)."""
        for widget in self.query("*"):
            if widget.focusable and widget.display and not isinstance(widget, ScrollableContainer):
                widget.focus()
                return
