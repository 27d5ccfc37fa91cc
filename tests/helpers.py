"""Test helpers: valid people, a clock that tests move, and a small organisation tree."""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from zhtj_tui.domain.idcard import make_id_number

_seq = itertools.count(1)

#: ``ZHTJ_THOROUGH=1``: the randomised tests search longer (ten times the examples of each
#: property test, longer random-key and soak runs) than the default sized for CI.
THOROUGH = os.environ.get("ZHTJ_THOROUGH", "") not in ("", "0")


def examples(n: int) -> int:
    """A property test's number of examples: ``n`` by default, ten times that when thorough."""
    return n * 10 if THOROUGH else n


class FakeClock:
    """A clock the test sets and moves; naive UTC like the system clock."""

    def __init__(self, start: datetime = datetime(2026, 11, 1, 8, 0)):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **kw) -> None:
        self.current += timedelta(**kw)


@dataclass
class Person:
    name: str
    id_number: str
    mobile: str
    join_month: str
    birth: date


def person(birth: date = date(2000, 5, 17), name: str = "张三", join_month: str | None = None,
           region: str = "110105") -> Person:
    """A new valid person each call (distinct ID number and mobile)."""
    n = next(_seq)
    # The sequence has 3 digits: beyond 1000 people the district code moves on, so that a
    # long test session never hands out one ID number twice for the same birth date.
    idn = make_id_number(f"{int(region) + n // 1000:06d}", birth, n % 1000)
    mobile = f"139{n:08d}"
    jm = join_month or f"{birth.year + 14}-{birth.month:02d}"
    return Person(name, idn, mobile, jm, birth)


PASSWORD = "zhtj2026ok"


def register_admin(svc, code: str, who: Person | None = None, post: str = "书记"):
    """Register ``who`` with ``code`` and log in; returns (Session, Person)."""
    who = who or person()
    svc.accounts.register(code, post, who.name, who.id_number, who.mobile, who.join_month, PASSWORD)
    return svc.accounts.login(who.mobile, PASSWORD), who


def admin_of(svc, org_id: int, who: Person | None = None):
    """An administrator of ``org_id`` (code issued by the server operator); returns Actor."""
    from zhtj_tui.services.dto import Actor

    code = svc.codes.issue(Actor.server_operator(), org_id)
    session, _ = register_admin(svc, code.code, who)
    return session.actor(org_id)
