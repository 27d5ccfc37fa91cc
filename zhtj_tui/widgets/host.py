"""The typed seam between the interface and the rest: what screens and widgets may ask of
the running application (its ``Services``, its ``Settings``, and where to go next).

Textual types ``node.app`` as a plain ``App``; ``host(node)`` gives the same object typed
as ``Host``, so mypy checks every service call a screen makes (``host(self).services.members
.add(...)`` has the service's real signature). ``ZhtjApp`` satisfies the protocol; the small
test applications that host one pane only need ``services`` and ``settings``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.screen import Screen

    from zhtj_tui.config import Settings
    from zhtj_tui.services import Services
    from zhtj_tui.services.dto import Actor, Session


class Host(Protocol):
    services: Services
    settings: Settings

    def goto(self, screen: Screen) -> None: ...

    def show_login(self, login: str = "", message: str = "") -> None: ...

    def show_register(self, code: str = "") -> None: ...

    def registered(self, login: str, message: str) -> None: ...

    def login_succeeded(self, session: Session) -> None: ...

    def switch_role(self) -> None: ...

    def logout(self) -> None: ...

    def open_batch_create(self, services: Services, actor: Actor, org_id: int,
                          on_done: Callable[[], None] | None = None) -> None: ...


def host(node: DOMNode) -> Host:
    """The application ``node`` runs in, typed."""
    return cast("Host", node.app)
