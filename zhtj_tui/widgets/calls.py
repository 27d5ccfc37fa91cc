"""The one way the interface runs background work (DESIGN rule 3).

``run_service(node, fn, on_ok, on_error, on_failed=...)`` (or ``call_service`` on a
``ServiceCaller``) runs ``fn`` (a blocking service call) in a thread worker with
``exit_on_error=False``. The worker never touches a widget: its outcome is a ``ServiceDone``
message posted to the widget or screen that made the call (thread-safe; the thread does
not wait for it), and the handlers run there with the service's typed result (a frozen dataclass of
``services.dto``). There is one failure path:

* a ``DomainError`` goes to ``on_error`` (or a notification): the form shows what to fix;
* anything else (a database that is locked or gone, a full disk) is written to the error
  log with its traceback, shown as a Chinese notification, and handed to ``on_failed`` so
  the form can leave its busy state; the typed data stays where it is. A handler that
  itself fails takes the same path (never a traceback on screen).

Long work reports progress with a message that has ``can_replace`` (``Progress``), a few
times a second, never per row.
"""

from __future__ import annotations

import logging
import os
import traceback
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from textual._context import active_message_pump
from textual.message import Message
from textual.worker import Worker, get_current_worker

from zhtj_tui.domain.errors import DomainError

log = logging.getLogger("zhtj_tui.ui")
T = TypeVar("T")


@dataclass
class Progress(Message):
    """How far a long background job has come; a newer one replaces an older one still
    waiting in the queue."""

    done: int
    total: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, Progress)


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


@dataclass(eq=False)  # compared and hashed by identity: one outcome is one message
class ServiceDone(Message, Generic[T], bubble=False):
    """The outcome of one service call: ``value`` is the service's typed result when ``ok``,
    else the exception it raised. Posted by the worker to the widget or screen that made
    the call, or to the nearest ``ServiceCaller`` holding it, and handled there. A read
    marked ``latest_only`` (searches, page loads, views that follow the cursor) is replaced
    by a newer outcome of the same group for the same node still waiting in the queue: only
    the newest is shown."""

    group: str
    worker: Worker | None
    ok: bool
    value: Any
    handlers: tuple[Callable[[Any], object] | None, Callable[[DomainError], object] | None,
                    Callable[[BaseException], object] | None]
    node: Any
    latest_only: bool = False
    #: Where it was posted (the App when the node had no ServiceCaller or had closed).
    receiver: Any = None

    def can_replace(self, message: Message) -> bool:
        if (self.latest_only and isinstance(message, ServiceDone) and message.group == self.group
                and message.node is self.node):
            _WAITING.discard(self)
            return True
        return False


#: Outcomes posted and not yet handled (``outcomes_waiting``).
_WAITING: weakref.WeakSet[ServiceDone] = weakref.WeakSet()


def outcomes_waiting(app) -> int:
    """How many outcomes of ``app``'s service calls are posted and not handled yet, not
    counting those whose receiver has closed meanwhile (tests wait for none)."""
    count = 0
    for done in list(_WAITING):
        receiver = done.receiver
        if receiver is not None and receiver.app is app and not (receiver._closed or receiver._closing):
            count += 1
    return count


def run_service(
    node,
    fn: Callable[[], T],
    on_ok: Callable[[T], object] | None = None,
    on_error: Callable[[DomainError], object] | None = None,
    *,
    on_failed: Callable[[BaseException], object] | None = None,
    group: str = "service",
    exclusive: bool = True,
    latest_only: bool = False,
) -> Worker:
    """Run ``fn`` in a thread worker of ``node`` (a widget or screen); its outcome comes
    back as a ``ServiceDone`` message and the handlers run on the event loop. A newer call
    of the same group replaces an older one still running (``exclusive``)."""
    app = node.app
    receiver: Any = next((n for n in (node, *node.ancestors) if isinstance(n, ServiceCaller)), None)

    def job() -> None:
        worker = get_current_worker()
        value: Any
        try:
            ok, value = True, fn()
        except Exception as exc:  # noqa: BLE001 - reported on screen, never raised
            ok, value = False, exc
        if worker.is_cancelled:  # a newer call of the same group replaced this one
            app.call_later(_untrack, app, worker)
            return
        done: ServiceDone = ServiceDone(group, worker, ok, value, (on_ok, on_error, on_failed), node,
                                        latest_only)
        # Posted (thread-safe) and the thread ends at once. Not ``call_from_thread``: that
        # keeps the thread waiting for the handlers and wakes it in the middle of them, and on
        # a busy machine the event loop then waits for the thread to be scheduled and take the
        # GIL before it can paint what they changed (e.g. the blank entry form after a save).
        # A receiver closed meanwhile hands it to the App; a closed App takes nothing.
        done.receiver = receiver or app
        _WAITING.add(done)
        if receiver is None or not receiver.post_message(done):
            done.receiver = app
            app.call_later(_service_done, app, done)

    worker = node.run_worker(job, thread=True, exclusive=exclusive, group=group, exit_on_error=False)
    track = getattr(app, "track_busy", None)
    if track is not None:
        track(worker, True)
    return worker


def _untrack(app, worker: Worker | None) -> None:
    track = getattr(app, "track_busy", None)
    if track is not None and worker is not None:
        track(worker, False)


def _service_done(app, done: ServiceDone) -> None:
    _WAITING.discard(done)
    _untrack(app, done.worker)
    on_ok, on_error, on_failed = done.handlers
    value = done.value
    try:
        if done.ok:
            if on_ok is not None:
                on_ok(value)
            return
        if isinstance(value, DomainError):
            if on_error is not None:
                on_error(value)
            else:
                app.notify(value.message, severity="error", timeout=8)
            return
    except Exception as exc:  # noqa: BLE001 - a handler's own failure: the same one path
        value = exc
    log_unexpected(value)
    app.notify(unexpected_message(value), severity="error", timeout=10)
    if on_failed is not None:
        on_failed(value)


class ServiceCaller:
    """Mixin for widgets and screens (anything with ``app`` and ``run_worker``):
    ``self.call_service(fn, on_ok, on_error, ...)`` is ``run_service(self, fn, ...)``; the
    outcome comes back to it as a ``ServiceDone`` message."""

    call_service = run_service

    def _on_service_done(self, message: ServiceDone) -> None:
        # The handlers act for the App, as any callback of the App would: a screen they push
        # answers the App, not this node, which may be gone by then (the login screen that
        # the management centre replaces).
        app = message.node.app
        token = active_message_pump.set(app)
        try:
            _service_done(app, message)
        finally:
            active_message_pump.reset(token)
