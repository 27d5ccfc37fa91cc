"""Running service calls off the event loop (DESIGN rule 3).

``ServiceCaller.call_service(fn, on_ok, on_error)`` runs ``fn`` (a blocking service call)
in a thread worker. The worker never touches a widget: its outcome is handed back to the
event loop with ``App.call_from_thread`` and the callbacks run there. A ``DomainError``
goes to ``on_error`` (or a notification); anything else (a database that is locked or
gone) becomes a Chinese notification and the typed data stays where it is.
"""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Callable
from datetime import datetime
from typing import Any

from textual.worker import Worker, get_current_worker

from zhtj_tui.domain.errors import DomainError

log = logging.getLogger("zhtj_tui.ui")


def unexpected_message(exc: BaseException) -> str:
    return (
        f"操作没有完成：数据库暂时无法访问或出现意外问题（{type(exc).__name__}）。"
        "您填写的内容仍保留，请稍后再试；如反复出现，请联系系统维护人员"
    )


def log_unexpected(exc: BaseException) -> None:
    """Keep the traceback (frames and type only: the message may hold typed data)."""
    try:
        from zhtj_tui.config import state_dir

        path = state_dir() / "zhtj-error.log"
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(f"--- {datetime.now().isoformat(timespec='seconds')} interface\n")
            fh.write("".join(traceback.format_tb(exc.__traceback__)))
            fh.write(f"{type(exc).__module__}.{type(exc).__name__}\n")
    except OSError:
        pass


class ServiceCaller:
    """Mixin for widgets and screens (anything with ``app`` and ``run_worker``)."""

    def call_service(
        self,
        fn: Callable[[], Any],
        on_ok: Callable[[Any], Any] | None = None,
        on_error: Callable[[DomainError], Any] | None = None,
        *,
        group: str = "service",
        exclusive: bool = True,
    ) -> Worker:
        app = self.app  # type: ignore[attr-defined]

        def job() -> None:
            worker = get_current_worker()
            try:
                outcome: tuple[bool, Any] | None = (True, fn())
            except Exception as exc:  # noqa: BLE001 - reported on screen, never raised
                outcome = (False, exc)
            if worker.is_cancelled:
                outcome = None  # a newer call of the same group replaced this one
            try:
                app.call_from_thread(self._service_done, worker, outcome, on_ok, on_error)
            except RuntimeError:  # the app has closed meanwhile
                pass

        worker = self.run_worker(  # type: ignore[attr-defined]
            job, thread=True, exclusive=exclusive, group=group, exit_on_error=False
        )
        track = getattr(app, "track_busy", None)
        if track is not None:
            track(worker, True)
        return worker

    def _service_done(self, worker: Worker, outcome, on_ok, on_error) -> None:
        app = self.app  # type: ignore[attr-defined]
        track = getattr(app, "track_busy", None)
        if track is not None:
            track(worker, False)
        if outcome is None:
            return
        ok, value = outcome
        if ok:
            if on_ok is not None:
                on_ok(value)
            return
        if isinstance(value, DomainError):
            if on_error is not None:
                on_error(value)
            else:
                app.notify(value.message, severity="error", timeout=8)
            return
        log_unexpected(value)
        app.notify(unexpected_message(value), severity="error", timeout=10)
