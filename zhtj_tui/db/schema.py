"""The entities, built by a factory so that each Database (SQLite or PostgreSQL) gets its
own set. Every entity names its table, so raw SQL is the same on both backends."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

from pony.orm import Database, Json, Optional, PrimaryKey, Required, Set, composite_index, composite_key

from zhtj_tui.db import tally, tally_age
from zhtj_tui.domain.pinyin import stored_initials
from zhtj_tui.domain.vocab import STATUS_NORMAL

#: Width of ``org.name_initials`` (one letter at most per character of the 简称).
ORG_INITIALS_WIDTH = 60


def org_initials(short_name: str) -> str:
    """``org.name_initials``: the pinyin initials of the 简称 (letters-only search)."""
    return stored_initials(short_name, ORG_INITIALS_WIDTH)

SCHEMA_VERSION = 11


def define_entities(db: Database, provider: str) -> None:
    # Paths are compared as byte strings ("/1/7/" < "/1/70/"): the C collation on
    # PostgreSQL makes the range query correct and indexable whatever the cluster's locale.
    path_type = 'varchar(255) COLLATE "C"' if provider == "postgres" else "varchar(255)"
    id_rev_type = 'varchar(18) COLLATE "C"' if provider == "postgres" else "varchar(18)"

    class Org(db.Entity):
        _table_ = "org"
        id = PrimaryKey(int, auto=True)
        parent = Optional("Org", reverse="children", column="parent_id")
        children = Set("Org", reverse="parent")
        path = Optional(str, 255, unique=True, sql_type=path_type, nullable=True)
        depth = Required(int, default=0)
        category = Required(str, 2)
        group = Required(str, 16, column="cat_group")
        short_name = Required(str, 60)
        #: ``org_initials(short_name)``, so that letters-only search ("jsj") is done in SQL.
        #: Filled in by the hooks below on every ORM write; NOT NULL in SQL, so a raw bulk
        #: insert must give it.
        name_initials = Optional(str, ORG_INITIALS_WIDTH)
        full_name = Optional(str, 120, unique=True, nullable=True)
        cohort = Optional(int, nullable=True, index=True)
        industry = Optional(str, 2, nullable=True)
        admin_quota = Optional(int, nullable=True)
        admin_actual = Optional(int, nullable=True)
        inst_quota = Optional(int, nullable=True)
        inst_actual = Optional(int, nullable=True)
        contact_phone = Optional(str, 30, nullable=True)
        email = Optional(str, 100, nullable=True)
        info_saved_at = Optional(datetime, nullable=True)
        info_complete = Required(bool, default=False)
        created_at = Required(datetime)
        created_by = Optional("Account", reverse="orgs_created", column="created_by")
        updated_at = Required(datetime)
        version = Required(int, default=1)
        roles = Set("AdminRole")
        codes = Set("RegCode")
        members = Set("Member")
        cadres = Set("Cadre")
        tasks = Set("DeadlineTask")
        composite_key(parent, short_name)

        def before_insert(self):
            self.name_initials = org_initials(self.short_name)

        # The counts of db.tally, in the same transaction as the write.
        def after_insert(self):
            if self.path:
                tally.attach(db, self.id, self.path, self.group, self.info_complete, self.cohort)

        def before_update(self):
            initials = org_initials(self.short_name)
            if self.name_initials != initials:
                self.name_initials = initials
            self._tally_old = _old(self, "path", "group", "info_complete", "cohort")

        def after_update(self):
            old = getattr(self, "_tally_old", None) or self
            self._tally_old = None
            if not old.path and self.path:
                tally.attach(db, self.id, self.path, self.group, self.info_complete, self.cohort)
            elif (old.group != self.group or bool(old.info_complete) != bool(self.info_complete)
                  or old.cohort != self.cohort):
                tally.set_org(db, self.id, self.group, self.info_complete, self.cohort)

        def before_delete(self):
            self._tally_gone = self.id

        def after_delete(self):
            tally.detach(db, self._tally_gone)

    class Account(db.Entity):
        _table_ = "account"
        id = PrimaryKey(int, auto=True)
        name = Required(str, 30)
        id_number = Required(str, 18, unique=True)
        mobile = Required(str, 11, unique=True)
        birth_date = Required(date)
        sex = Required(str, 2)
        join_month = Required(str, 7)
        password_hash = Required(str, 200)
        failed_logins = Required(int, default=0)
        locked_until = Optional(datetime, nullable=True)
        created_at = Required(datetime)
        last_login_at = Optional(datetime, nullable=True)
        #: A one-time password reset code (R-REG-7), kept as its SHA-256 only, and when it
        #: expires; both NULL when none is outstanding. Redeeming clears them in the same
        #: conditional UPDATE that sets the new password.
        reset_hash = Optional(str, 64, nullable=True)
        reset_expires_at = Optional(datetime, nullable=True)
        roles = Set("AdminRole")
        orgs_created = Set(Org, reverse="created_by")
        codes_issued = Set("RegCode", reverse="issued_by")
        codes_used = Set("RegCode", reverse="used_by")

    class AdminRole(db.Entity):
        _table_ = "admin_role"
        id = PrimaryKey(int, auto=True)
        account = Required(Account)
        org = Required(Org)
        post = Required(str, 2)
        post_name = Optional(str, 30, nullable=True)
        code_id = Optional(int, nullable=True)
        created_at = Required(datetime)
        active = Required(bool, default=True)
        composite_key(account, org)

        def after_insert(self):
            if self.active:
                tally.own_delta(db, self.org.id, a=1)

        def before_update(self):
            self._tally_old = _old(self, "org", "active")

        def after_update(self):
            _moved(self, "a", lambda r: r.org.id if r.active else None)

        def before_delete(self):
            self._tally_old = (self.org, self.active)

        def after_delete(self):
            org, active = self._tally_old
            if active:
                tally.own_delta(db, _id(org), a=-1)

    class RegCode(db.Entity):
        _table_ = "reg_code"
        id = PrimaryKey(int, auto=True)
        code = Required(str, 8, unique=True)
        org = Required(Org)
        issued_by = Optional(Account, reverse="codes_issued")
        issued_at = Required(datetime)
        expires_at = Required(datetime)
        used_at = Optional(datetime, nullable=True)
        used_by = Optional(Account, reverse="codes_used")
        revoked_at = Optional(datetime, nullable=True)
        composite_index(org, used_at, revoked_at)

    class Member(db.Entity):
        _table_ = "member"
        id = PrimaryKey(int, auto=True)
        branch = Required(Org)
        #: The branch's path, copied so that subtree counts are one range scan.
        path = Required(str, 255, sql_type=path_type, index=True)
        name = Required(str, 30)
        name_initials = Required(str, 30, index=True)
        id_number = Required(str, 18, index=True)
        #: The ID number reversed, so that "the last digits" is an indexed prefix range.
        #: Filled in by the hooks below on every ORM write; NOT NULL in SQL, so a raw
        #: bulk insert must give it (``id_number[::-1]``).
        id_rev = Optional(str, 18, index=True, sql_type=id_rev_type)
        #: The ID number while the member is active, NULL otherwise: the database keeps
        #: active ID numbers unique system-wide (R-MEM-3).
        active_id = Optional(str, 18, unique=True, nullable=True)
        birth_date = Required(date)
        sex = Required(str, 2)
        ethnic = Required(str, 2)
        political = Required(str, 2)
        join_month = Required(str, 7)
        education = Required(str, 2)
        mobile = Required(str, 11)
        member_no = Optional(str, 12, unique=True, nullable=True)
        post = Optional(str, 2, nullable=True)
        post_name = Optional(str, 30, nullable=True)
        join_unit = Optional(str, 100, nullable=True)
        note = Optional(str, 500, nullable=True)
        status = Required(str, 2, default="1")
        left_reason = Optional(str, 200, nullable=True)
        left_at = Optional(datetime, nullable=True)
        created_at = Required(datetime)
        updated_at = Required(datetime)
        version = Required(int, default=1)
        cadres = Set("Cadre")

        def before_insert(self):
            self.id_rev = self.id_number[::-1]

        def before_update(self):
            if self.id_rev != self.id_number[::-1]:
                self.id_rev = self.id_number[::-1]
            self._tally_old = _old(self, "branch", "status", "birth_date")

        def after_insert(self):
            if self.status == STATUS_NORMAL:
                tally.own_delta(db, self.branch.id, m=1)
                tally_age.member_change(db, (None, None), (self.branch.id, self.birth_date))

        def after_update(self):
            old = getattr(self, "_tally_old", None)
            _moved(self, "m", _counted_at)
            if old is not None:
                tally_age.member_change(db, (_counted_at(old), old.birth_date), (_counted_at(self), self.birth_date))

        def before_delete(self):
            self._tally_old = (self.branch, self.status, self.birth_date)

        def after_delete(self):
            branch, status, birth = self._tally_old
            if status == STATUS_NORMAL:
                tally.own_delta(db, _id(branch), m=-1)
                tally_age.member_change(db, (_id(branch), birth), (None, None))

    class Cadre(db.Entity):
        """A post held in an organisation (团干部), R-MEM-6. The open 书记 holding is the
        organisation's secretary."""

        _table_ = "cadre"
        id = PrimaryKey(int, auto=True)
        org = Required(Org)
        post = Required(str, 2)
        post_name = Optional(str, 30, nullable=True)
        name = Required(str, 30)
        id_number = Required(str, 18, index=True)
        mobile = Required(str, 11)
        member = Optional(Member)
        start_date = Required(date)
        end_date = Optional(date, nullable=True)
        #: The organisation's id while this is its open 书记 holding, NULL otherwise:
        #: the database keeps one secretary per organisation.
        secretary_of = Optional(int, unique=True, nullable=True)
        created_at = Required(datetime)
        composite_index(org, end_date)

        def after_insert(self):
            if self.secretary_of is not None:
                tally.own_delta(db, self.secretary_of, s=1)

        def before_update(self):
            self._tally_old = _old(self, "secretary_of")

        def after_update(self):
            _moved(self, "s", lambda r: r.secretary_of)

        def before_delete(self):
            self._tally_old = (self.secretary_of,)

        def after_delete(self):
            if self._tally_old[0] is not None:
                tally.own_delta(db, self._tally_old[0], s=-1)

    class DeadlineTask(db.Entity):
        _table_ = "deadline_task"
        id = PrimaryKey(int, auto=True)
        org = Required(Org)
        name = Required(str, 60)
        kind = Required(str, 20)
        cohort = Optional(int, nullable=True)
        due = Required(date)
        created_at = Required(datetime)
        created_by = Optional(int, nullable=True)

    class AuditEntry(db.Entity):
        _table_ = "audit_log"
        id = PrimaryKey(int, auto=True)
        at = Required(datetime, index=True)
        actor = Optional(int, nullable=True)
        actor_label = Required(str, 60)
        action = Required(str, 40)
        entity = Required(str, 20)
        entity_id = Optional(int, nullable=True)
        org = Optional(int, nullable=True)
        #: The organisation's path when the entry was written, for subtree reads.
        path = Optional(str, 255, sql_type=path_type, nullable=True, index=True)
        before = Optional(Json, nullable=True)
        after = Optional(Json, nullable=True)
        note = Optional(str, 200, nullable=True)

    class Throttle(db.Entity):
        """Failed attempts by a key other than an account (wrong registration codes)."""

        _table_ = "throttle"
        key = PrimaryKey(str, 100)
        failures = Required(int, default=0)
        locked_until = Optional(datetime, nullable=True)

    class Meta(db.Entity):
        _table_ = "zhtj_meta"
        key = PrimaryKey(str, 40)
        value = Required(str, 200)


# -- the hooks' helpers ---------------------------------------------------------------------
def _old(obj, *names: str) -> SimpleNamespace:
    """The values of ``names`` as last read from or written to the database."""
    dbvals, cls = obj._dbvals_, type(obj)
    return SimpleNamespace(**{n: dbvals.get(getattr(cls, n), getattr(obj, n)) for n in names})


def _id(ref) -> int:
    return ref if isinstance(ref, int) else ref.id


def _counted_at(member) -> int | None:
    """The organisation whose active members count ``member`` (its branch), or None."""
    return _id(member.branch) if member.status == STATUS_NORMAL else None


def _moved(obj, key: str, counted_at) -> None:
    """One count ``key`` moves from where the old values put it to where the new ones do
    (``counted_at(row)``: the organisation id it counts for, or None)."""
    old = getattr(obj, "_tally_old", None)
    if old is None:
        return
    obj._tally_old = None
    was, now = counted_at(old), counted_at(obj)
    if was == now:
        return
    if was is not None:
        tally.own_delta(obj._database_, was, **{key: -1})
    if now is not None:
        tally.own_delta(obj._database_, now, **{key: 1})


def fill_org_initials(db) -> None:
    """Migration step 6: ``org.name_initials`` of every existing organisation."""
    rows = db.select("SELECT id, short_name FROM org")
    con = db.get_connection()
    cur = con.cursor()
    mark = "?" if db.provider_name == "sqlite" else "%s"
    cur.executemany(f"UPDATE org SET name_initials = {mark} WHERE id = {mark}",
                    [(org_initials(name), oid) for oid, name in rows])
