"""Blocking service calls in thread workers (DESIGN rule 3).

``run_call(node, fn, ok, err)`` runs ``fn`` in a thread worker; the worker never touches a
widget: the outcome is handed to the event loop with ``App.call_from_thread`` and the
callbacks run there. A ``DomainError`` goes to ``err``; anything else becomes a Chinese
``DomainError`` (the traceback is not shown to the user).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from textual.worker import Worker, get_current_worker

from zhtj_tui.domain.errors import DomainError

log = logging.getLogger("zhtj_tui.ui")

UNEXPECTED = "操作没有完成：数据库暂时无法访问或出现意外问题。您填写的内容仍保留，请稍后再试"


def run_call(node, fn: Callable[[], Any], ok: Callable[[Any], Any], err: Callable[[DomainError], Any],
             group: str = "service", exclusive: bool = True) -> Worker:
    app = node.app

    def work() -> None:
        worker = get_current_worker()
        try:
            result = fn()
        except DomainError as exc:
            outcome, value = err, exc
        except Exception as exc:  # no traceback reaches the screen
            log.error("service call failed: %s", type(exc).__name__)
            outcome, value = err, DomainError(UNEXPECTED, None, "unexpected")
        else:
            outcome, value = ok, result
        if worker.is_cancelled:
            return
        try:
            app.call_from_thread(outcome, value)
        except RuntimeError:  # the app is closing
            pass

    return node.run_worker(work, thread=True, exclusive=exclusive, group=group)
