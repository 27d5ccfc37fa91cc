"""Slowing down repeated failures that are not tied to an account (wrong codes, unknown
logins): after ``max_failed_logins`` failures in a row from one place, a lock of
``lock_minutes``."""

from __future__ import annotations

from datetime import timedelta

from pony.orm import db_session

from zhtj_tui.domain.errors import DomainError


class Throttle:
    def __init__(self, service, key: str):
        self.svc = service
        self.key = key[:100]

    def check(self) -> None:
        svc = self.svc

        def run():
            row = svc.s.Throttle.get(key=self.key)
            return row.locked_until if row is not None else None

        until = svc.read(run)
        if until is not None and until > svc.now():
            raise DomainError(
                f"错误次数过多，已暂停尝试，请于 {svc.settings.fmt(until)} 后再试", None, "throttled"
            )

    def fail(self) -> None:
        svc = self.svc
        limit = svc.settings.max_failed_logins
        lock_until = svc.now() + timedelta(minutes=svc.settings.lock_minutes)

        def run():
            with db_session:
                svc.s.execute(
                    "INSERT INTO throttle (key, failures, locked_until) VALUES ($k, 1, NULL) "
                    "ON CONFLICT (key) DO UPDATE SET failures = throttle.failures + 1",
                    {"k": self.key},
                )
                svc.s.execute(
                    "UPDATE throttle SET locked_until = $u, failures = 0 WHERE key = $k AND failures >= $n",
                    {"k": self.key, "u": lock_until, "n": limit},
                )

        svc.write(run)

    def reset(self) -> None:
        svc = self.svc

        def run():
            svc.s.execute("DELETE FROM throttle WHERE key = $k", {"k": self.key})

        svc.write(run)
