"""Values read by raw SQL, the same on both backends: PostgreSQL's driver gives dates and
datetimes, SQLite the text Pony wrote."""

from __future__ import annotations

from datetime import date, datetime


def as_date(value) -> date | None:
    """A date read by raw SQL: PostgreSQL gives dates, SQLite the text Pony wrote."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def as_datetime(value) -> datetime | None:
    """A datetime read by raw SQL: PostgreSQL gives datetimes, SQLite the text Pony wrote."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
