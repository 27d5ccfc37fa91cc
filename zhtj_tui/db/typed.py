# mypy: disable-error-code="empty-body"
"""What the entities of ``schema.define_entities`` hold, for type checkers and readers.

Pony builds the entity classes at run time (one set per ``Database``), so ``Store``'s
attributes are annotated with these declarations instead: mypy then follows every
attribute across the database hop (``store.Member.get(...).branch.path`` is a ``str``).
Nothing here runs against a database; ``tests/db/test_store.py`` checks that the
declarations and the schema name the same attributes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, Generic, Self, TypeVar

E = TypeVar("E", bound="Entity")


class EntitySet(Generic[E]):
    """A to-many attribute (Pony ``Set``)."""

    def __iter__(self) -> Iterator[E]: ...
    def __len__(self) -> int: ...
    def count(self) -> int: ...
    def is_empty(self) -> bool: ...
    def select(self, *args: Any, **kwargs: Any) -> Any: ...
    def add(self, item: E) -> None: ...
    def remove(self, item: E) -> None: ...


class _EntityMeta(type):
    # Iterating an entity class happens inside Pony's select(...) generators; indexing
    # (``store.Org[1]``) is rare: both are left as Any.
    def __iter__(cls) -> Iterator[Any]: ...
    def __getitem__(cls, key: Any) -> Any: ...


class Entity(metaclass=_EntityMeta):
    """What every Pony entity offers that the services use."""

    def __init__(self, **kwargs: Any) -> None: ...
    @classmethod
    def get(cls, *args: Any, **kwargs: Any) -> Self | None: ...
    @classmethod
    def get_for_update(cls, *args: Any, **kwargs: Any) -> Self | None: ...
    @classmethod
    def select(cls, *args: Any, **kwargs: Any) -> Any: ...
    @classmethod
    def exists(cls, *args: Any, **kwargs: Any) -> bool: ...
    @classmethod
    def select_by_sql(cls, sql: str, globals: Any = None, locals: Any = None) -> list[Self]: ...
    def flush(self) -> None: ...
    def delete(self) -> None: ...
    def set(self, **kwargs: Any) -> None: ...
    def to_dict(self, *args: Any, **kwargs: Any) -> dict[str, Any]: ...


class Org(Entity):
    id: int
    parent: Org | None
    children: EntitySet[Org]
    path: str  # NULL only inside the insert that sets it
    depth: int
    category: str
    group: str
    short_name: str
    name_initials: str
    full_name: str | None
    cohort: int | None
    industry: str | None
    admin_quota: int | None
    admin_actual: int | None
    inst_quota: int | None
    inst_actual: int | None
    contact_phone: str | None
    email: str | None
    info_saved_at: datetime | None
    info_complete: bool
    created_at: datetime
    created_by: Account | None
    updated_at: datetime
    version: int
    roles: EntitySet[AdminRole]
    codes: EntitySet[RegCode]
    members: EntitySet[Member]
    cadres: EntitySet[Cadre]
    tasks: EntitySet[DeadlineTask]


class Account(Entity):
    id: int
    name: str
    id_number: str
    mobile: str
    birth_date: date
    sex: str
    join_month: str
    password_hash: str
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime
    last_login_at: datetime | None
    reset_hash: str | None
    reset_expires_at: datetime | None
    roles: EntitySet[AdminRole]
    orgs_created: EntitySet[Org]
    codes_issued: EntitySet[RegCode]
    codes_used: EntitySet[RegCode]


class AdminRole(Entity):
    id: int
    account: Account
    org: Org
    post: str
    post_name: str | None
    code_id: int | None
    created_at: datetime
    active: bool


class RegCode(Entity):
    id: int
    code: str
    org: Org
    issued_by: Account | None
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None
    used_by: Account | None
    revoked_at: datetime | None


class Member(Entity):
    id: int
    branch: Org
    path: str
    name: str
    name_initials: str
    id_number: str
    id_rev: str
    active_id: str | None
    birth_date: date
    sex: str
    ethnic: str
    political: str
    join_month: str
    education: str
    mobile: str
    member_no: str | None
    post: str | None
    post_name: str | None
    join_unit: str | None
    note: str | None
    status: str
    left_reason: str | None
    left_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    cadres: EntitySet[Cadre]


class Cadre(Entity):
    id: int
    org: Org
    post: str
    post_name: str | None
    name: str
    id_number: str
    mobile: str
    member: Member | None
    start_date: date
    end_date: date | None
    secretary_of: int | None
    created_at: datetime


class DeadlineTask(Entity):
    id: int
    org: Org
    name: str
    kind: str
    cohort: int | None
    due: date
    created_at: datetime
    created_by: int | None


class AuditEntry(Entity):
    id: int
    at: datetime
    actor: int | None
    actor_label: str
    action: str
    entity: str
    entity_id: int | None
    org: int | None
    path: str | None
    before: Any
    after: Any
    note: str | None


class Throttle(Entity):
    key: str
    failures: int
    locked_until: datetime | None


class Meta(Entity):
    key: str
    value: str
