"""The row builder: organisations, people and everything that hangs off them, as tuples
with pre-assigned ids, handed to a writer in batches (see ``writer.COLUMNS``)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from zhtj_tui.db import tally_age, tally_build
from zhtj_tui.db.schema import org_initials
from zhtj_tui.demo.people import People, PersonRow, age_birth_window
from zhtj_tui.demo.writer import COLUMNS, Writer
from zhtj_tui.domain import orgs as rules
from zhtj_tui.domain.codes import generate_code
from zhtj_tui.domain.months import YearMonth
from zhtj_tui.domain.vocab import SECRETARY_POST, STATUS_NORMAL, league_posts

#: Rows buffered before they are written (members dominate).
BATCH = 20_000
#: NULL in a COPY line.
NULL = "\\N"


@dataclass
class OrgRef:
    id: int
    path: str
    depth: int
    short_name: str
    full_name: str | None
    category: str
    cohort: int | None
    admin_account: int | None = None
    info_saved_at: datetime | None = None


@dataclass
class Login:
    org_name: str
    name: str
    mobile: str
    post: str


@dataclass
class Counts:
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLUMNS, 0))

    def total(self) -> int:
        return sum(self.rows.values())


class Builder:
    """Assigns ids, buffers rows, and writes them table by table in foreign-key order."""

    def __init__(self, writer: Writer, rng: random.Random, people: People, now: datetime, today: date,
                 password_hash: str, code_valid_days: int = 20, progress=None):
        self.w = writer
        self.rng = rng
        self.people = people
        self.now = now
        self.today = today
        self.password_hash = password_hash
        self.code_valid_days = code_valid_days
        self.progress = progress
        self.next_id = dict.fromkeys(COLUMNS, 1)
        self.buf: dict[str, list[tuple]] = {t: [] for t in COLUMNS}
        self.counts = Counts()
        self.codes: set[str] = set()
        self.logins: list[Login] = []
        # What the counts kept per organisation (db.tally, db.tally_age) are made of,
        # noted as the rows are made: written by ``write_counts`` without reading back.
        self.tree: list[tuple] = []  # (id, path, group, info complete, parent id, cohort)
        self.active: dict[int, int] = {}  # active members per branch
        self.months: dict[int, dict[date, int]] = {}  # ... by birth month
        self.oldest: dict[int, date] = {}  # the oldest active member's birth date
        self.admins: dict[int, int] = {}  # active administrator roles per organisation
        self.secretaries: set[int] = set()  # organisations with an open 书记 holding

    # -- ids and buffers -------------------------------------------------------------
    def _id(self, table: str) -> int:
        n = self.next_id[table]
        self.next_id[table] = n + 1
        return n

    def _add(self, table: str, row: tuple) -> None:
        self.buf[table].append(row)

    def checkpoint(self) -> None:
        """Write the buffers when they are big (call between whole units of work)."""
        if sum(len(b) for b in self.buf.values()) >= BATCH:
            self.flush()

    def flush(self) -> None:
        for table in COLUMNS:
            rows = self.buf[table]
            if rows:
                self.w.write(table, rows)
                self.counts.rows[table] += len(rows)
                self.buf[table] = []
        if self.progress is not None:
            self.progress(self.counts)

    # -- time ------------------------------------------------------------------------
    def days_ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    # -- organisations -----------------------------------------------------------------
    def org(self, parent: OrgRef | None, category: str, short_name: str, full_name: str | None, *,
            industry: str | None = None, staffing: tuple[int, int, int, int] | None = None,
            phone: str | None = None, email: str | None = None, has_secretary: bool = True,
            filled: bool = True, created_days_ago: float = 30.0) -> OrgRef:
        """One organisation row. ``filled``: its administrator saved its information."""
        cat = rules.category(category)
        name = rules.check_short_name(short_name, cat)
        if parent is not None:
            rules.check_child_category(rules.category(parent.category), cat)
        oid = self._id("org")
        path = f"{parent.path if parent else '/'}{oid}/"
        created = self.days_ago(created_days_ago)
        saved = created + timedelta(days=min(created_days_ago / 2, 3)) if filled else None
        if not filled:
            full_name, industry, staffing, phone, email, has_secretary = None, None, None, None, None, False
        values = {"full_name": full_name, "industry": industry, "contact_phone": phone, "email": email}
        if staffing is not None:
            values.update(zip(rules.STAFFING_FIELDS, staffing, strict=True))
        complete = not rules.missing_info(cat, values.get, has_secretary)
        aq, aa, iq, ia = staffing or (None, None, None, None)
        cohort = name.cohort
        self.tree.append((oid, path, cat.group, complete, parent.id if parent else None, cohort))
        self._add("org", (
            oid, parent.id if parent else None, path, (parent.depth + 1) if parent else 0, cat.code, cat.group,
            name.name, org_initials(name.name), full_name, cohort, industry, aq, aa, iq, ia, phone, email, saved, complete, created,
            parent.admin_account if parent else None, saved or created, 2 if filled else 1,
        ))
        return OrgRef(oid, path, (parent.depth + 1) if parent else 0, name.name, full_name, cat.code, cohort,
                      info_saved_at=saved)

    # -- people around an organisation ---------------------------------------------------
    def account(self, p: PersonRow, join: YearMonth, created: datetime) -> int:
        aid = self._id("account")
        self._add("account", (aid, p.name, p.id_number, p.mobile, p.birth, p.sex, str(join), self.password_hash,
                              0, None, created, None))
        return aid

    def admin(self, org: OrgRef, parent: OrgRef | None, p: PersonRow, join: YearMonth, post: str,
              login: bool = False) -> int:
        """An administrator who registered with a code from the parent (a used code)."""
        issued = (org.info_saved_at or self.days_ago(5)) - timedelta(days=2)
        used = issued + timedelta(hours=self.rng.randint(1, 40))
        aid = self.account(p, join, used)
        cid = self._id("reg_code")
        self._add("reg_code", (cid, self._code(), org.id, parent.admin_account if parent else None, issued,
                               issued + timedelta(days=self.code_valid_days), used, aid, None))
        self._add("admin_role", (self._id("admin_role"), aid, org.id, post, None, cid, used, True))
        self.admins[org.id] = self.admins.get(org.id, 0) + 1
        org.admin_account = aid
        if login:
            self.logins.append(Login(org.short_name, p.name, p.mobile, league_posts().name_of(post)))
        return aid

    def open_code(self, org: OrgRef, parent: OrgRef | None, days_ago: float = 2.0) -> None:
        """A valid code the parent issued and nobody has used yet."""
        issued = self.days_ago(days_ago)
        self._add("reg_code", (self._id("reg_code"), self._code(), org.id,
                               parent.admin_account if parent else None, issued,
                               issued + timedelta(days=self.code_valid_days), None, None, None))

    def secretary(self, org: OrgRef, p: PersonRow, member_id: int | None = None) -> None:
        start = (org.info_saved_at or self.now).date()
        self.secretaries.add(org.id)
        self._add("cadre", (self._id("cadre"), org.id, SECRETARY_POST, None, p.name, p.id_number, p.mobile,
                            member_id, start, None, org.id, org.info_saved_at or self.now))

    def _code(self) -> str:
        while True:
            code = generate_code(self.rng)
            if code not in self.codes:
                self.codes.add(code)
                return code

    def staff(self, age_from: int = 26, age_to: int = 45) -> tuple[PersonRow, YearMonth]:
        """A teacher or official: no longer a League member, joined as a teenager."""
        lo, hi = age_birth_window(self.today, age_from, age_to)
        p = self.people.person(self.people.birth_between(lo, hi))
        return p, self.people.join_month(p.birth, 14, 16)

    def committee_people(self, org: OrgRef, parent: OrgRef | None, *, secretary: bool = True,
                         admin: bool = True, login: bool = False) -> None:
        """The secretary of a committee (a teacher), who is also its administrator."""
        if not (secretary or admin):
            return
        p, join = self.staff()
        if secretary:
            self.secretary(org, p)
        if admin:
            self.admin(org, parent, p, join, SECRETARY_POST if secretary else "03", login=login)

    # -- members -----------------------------------------------------------------------
    def members(self, branch: OrgRef, parent: OrgRef | None, n: int, profile: Profile, *,
                secretary: bool = True, admin: bool = True, login: bool = False,
                over_age: int = 0) -> list[int]:
        """``n`` members of ``branch``; the first is its secretary (and administrator), or,
        without a secretary, its 组织委员 is the administrator. ``over_age`` of them are 28."""
        ids = []
        people = self.people
        rng = self.rng
        created0 = branch.info_saved_at or self.days_ago(10)
        births: list[date] = []
        bid, bpath = branch.id, branch.path
        lines = self.w.lines
        add = self.buf["member"].append  # (no flush during one branch's members)
        for i in range(n):
            if i >= n - over_age:
                lo, hi = age_birth_window(self.today, 28, 28)
                birth = people.birth_between(lo, hi)
            else:
                birth = people.birth_between(*profile.birth_window)
            p = people.person(birth)
            births.append(birth)
            join = people.join_month(birth, profile.join_from, profile.join_to)
            mid = self._id("member")
            post = None
            if i == 0 and n:
                post = SECRETARY_POST if secretary else "03"
            elif i in (1, 2):
                post = "02" if i == 1 else "04"
            r = rng.random()
            political = "02" if r < profile.probationary else ("01" if r < profile.probationary + profile.party
                                                               else "03")
            created = created0 + timedelta(minutes=3 * i)
            if created > self.now:
                created = self.now
            education = profile.education(rng)
            member_no = people.member_no(join)
            unit = profile.join_unit(rng, p) if rng.random() < 0.6 else None
            idn = p.id_number
            if lines:  # the COPY line itself (see Writer.lines): every value is plain text
                add(f"{mid}\t{bid}\t{bpath}\t{p.name}\t{p.initials}\t{idn}\t{idn[::-1]}\t{idn}\t{birth}\t"
                    f"{p.sex}\t{p.ethnic}\t{political}\t{join}\t{education}\t{p.mobile}\t{member_no or NULL}\t"
                    f"{post or NULL}\t{NULL}\t{unit or NULL}\t{NULL}\t{STATUS_NORMAL}\t{NULL}\t{NULL}\t{created}\t"
                    f"{created}\t1\n")
            else:
                add((mid, bid, bpath, p.name, p.initials, idn, idn[::-1], idn, birth, p.sex, p.ethnic, political,
                     str(join), education, p.mobile, member_no, post, None, unit, None, STATUS_NORMAL, None, None,
                     created, created, 1))
            ids.append(mid)
            if i == 0:
                if secretary:
                    self.secretary(branch, p, mid)
                if admin:
                    self.admin(branch, parent, p, join, post or "03", login=login)
        if births:  # all of them active (status 正常)
            self.active[bid] = self.active.get(bid, 0) + len(births)
            months = self.months.setdefault(bid, {})
            for born in births:
                key = born.replace(day=1)
                months[key] = months.get(key, 0) + 1
            first = min(births)
            if bid not in self.oldest or first < self.oldest[bid]:
                self.oldest[bid] = first
        return ids

    def write_counts(self) -> None:
        """The counts kept per organisation (``db.tally``: org_tally, org_cohort_tally;
        ``db.tally_age``: org_age_tally) from what was generated, by the same functions
        the consistency check compares the stored counts with: nothing is read back."""
        self.flush()
        rows = tally_build.compute(self.tree, self.active, self.oldest, self.admins, self.secretaries)
        self.w.write("org_tally", [(oid, *rows[oid]) for oid in sorted(rows)])
        cohorts = tally_build.recompute_cohorts(rows)
        self.w.write("org_cohort_tally", [(oid, y, *cohorts[oid, y]) for oid, y in sorted(cohorts)])
        batch: list = []
        lines = self.w.lines
        for oid, born, m, br in tally_age.table_rows(tally_age.rollup(rows, self.months, self.oldest)):
            batch.append(f"{oid}\t{born}\t{m}\t{br}\n" if lines else (oid, born, m, br))
            if len(batch) == BATCH * 5:
                self.w.write("org_age_tally", batch)
                batch = []
        self.w.write("org_age_tally", batch)

    def task(self, org: OrgRef, name: str, kind: str, cohort: int | None, due: date) -> None:
        self._add("deadline_task", (self._id("deadline_task"), org.id, name, kind, cohort, due,
                                    self.days_ago(20), org.admin_account))

    def audit(self, action: str, note: str, org: OrgRef | None) -> None:
        self._add("audit_log", (self._id("audit_log"), self.now, None, "演示数据", action, "org",
                                org.id if org else None, org.id if org else None, org.path if org else None,
                                None, None, note[:200]))


@dataclass(frozen=True)
class Profile:
    """Who the members of a branch are: their ages, when they joined, what they study."""

    birth_window: tuple[date, date]
    join_from: int = 14
    join_to: int = 16
    education_codes: tuple[str, ...] = ("11",)
    education_weights: tuple[float, ...] = (1.0,)
    probationary: float = 0.02
    party: float = 0.005
    units: tuple[str, ...] = ()

    def education(self, rng: random.Random) -> str:
        if len(self.education_codes) == 1:
            return self.education_codes[0]
        return rng.choices(self.education_codes, self.education_weights)[0]

    def join_unit(self, rng: random.Random, p: PersonRow) -> str | None:
        if not self.units:
            return None
        return rng.choice(self.units)


def cohort_window(cohort: int, entry_age: int) -> tuple[date, date]:
    """Birth dates of people who start school in September ``cohort`` aged ``entry_age``
    (give or take a year)."""
    return date(cohort - entry_age - 1, 9, 1), date(cohort - entry_age + 1, 8, 31)
