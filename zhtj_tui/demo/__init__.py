"""Demo data: ``zhtj demo --scale small|university|province --seed N``.

Deterministic: everything is drawn from ``random.Random(seed)`` (no global state) and
anchored on the injected clock (``settings.now()`` / ``settings.today()``), so one seed
and one clock give the same rows, id for id, on SQLite and on PostgreSQL. Rows are
written in bulk with ids assigned up front (``executemany`` on SQLite, ``COPY`` on
PostgreSQL), never one ORM object at a time.

Dates: the seed's notice is of autumn 2018 (new cohort 2018, branches due 11-09, members
due 11-15). The demo moves it to the clock's academic year Y (the clock's year from
September, the year before until August): class branches of cohorts Y-3..Y, and the two
deadline tasks "Y级团支部建立" (kind ``cohort_branches``, cohort Y, due Y-11-09) and
"全体团员信息录入" (kind ``members_entered``, due Y-11-15). With the clock in November
2018 that is the seed's own calendar; with a clock after mid-November both tasks are
overdue, before November both are pending.

small (exact, whatever the seed):
- 35 organisations: 石河子大学团委 (共青团石河子大学委员会); 4 colleges (信息科学与技术学院团委,
  师范学院团委, 医学院团委, 马克思主义学院团总支); 30 class branches named by the seed's rule
  (计算机专业Y级1班团支部 ...), 9 of them of cohort Y.
- 1,010 members (28 branches of 36, one of 2, one of 0).
- 34 administrators (34 accounts, 34 roles, 34 used codes) and 1 valid unused code;
  33 secretaries (Cadre rows with ``secretary_of``); 2 deadline tasks; 1 audit entry.
- Planted defects, for progress and checks to find:
  1. 马克思主义学院团总支 has no branch below it (R-TREE-3).
  2. 计算机专业Y级2班团支部 has no secretary, so its information is incomplete (its
     组织委员 is its administrator).
  3. 临床医学专业Y级2班团支部 was created by its college but nobody registered: no
     administrator (its code is valid and unused), information not filled, no secretary,
     no members.
  4. 汉语言文学专业(Y-3)级1班团支部 has one member aged 28 (超龄, R-MEM-5).
  5. 数学专业Y级1班团支部 has only 2 members.
  Defects 2 and 3 are cohort-Y branches: the ``cohort_branches`` task shows them missing.
- Logins (printed at the end): the administrators of the top organisation, the four
  colleges and 计算机专业(Y-3)级1班团支部, all with the password ``demo2026zhtj``.

university: about 3,000 organisations (39 colleges, their class branches, and
继续教育学院团委 with 2,000 branches) and about 60,000 members; a few newest branches are
untouched and a few have no secretary.

province (for PostgreSQL): about 300,000 organisations (河南团省委 → 18 团市委 → about 180
团区委 and one 高新区团工委 with 2,000 enterprises → schools and enterprises → branches)
and about 5,000,000 members.

All demo accounts share one argon2id hash of the demo password (made with the
AccountService's hasher and a salt drawn from the seed): hashing is slow on purpose, and
this is demonstration data, not real accounts.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from zhtj_tui.db import parse_url
from zhtj_tui.demo.build import Builder, Counts, Login
from zhtj_tui.demo.people import REGIONS_HENAN, REGIONS_NATIONAL, People
from zhtj_tui.demo.scales import DEMO_PASSWORD, SCALES
from zhtj_tui.demo.writer import open_writer
from zhtj_tui.domain.errors import DomainError

META_SCALE = "demo_scale"
META_SEED = "demo_seed"


@dataclass
class DemoReport:
    scale: str
    seed: int
    counts: dict[str, int]
    seconds: float
    logins: list[Login] = field(default_factory=list)
    password: str = DEMO_PASSWORD
    defects: dict[str, str] = field(default_factory=dict)
    #: Seconds per step: rows built and written (``rows``), the counts kept per organisation
    #: (``counts``), indexes and constraints (``indexes``), ``commit``, statistics.
    phases: dict[str, float] = field(default_factory=dict)
    #: Seconds this process waited for the server to take rows (``waited``), and seconds
    #: the server spent on them (``copying``), from the writer's COPY thread (PostgreSQL).
    server: dict[str, float] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def generate(db_url: str, settings, hasher, scale: str = "small", seed: int = 2018, force: bool = False,
             progress: Callable[[Counts], None] | None = None) -> DemoReport:
    """Fill the (already created) database at ``db_url`` with the ``scale`` data set.

    Refuses a database that holds data unless ``force``, and ``force`` unless the data
    was made by this command (the ``demo_scale`` row of ``zhtj_meta``).
    """
    if scale not in SCALES:
        raise DomainError(f"未知的规模“{scale}”，可选：{'、'.join(SCALES)}", "scale", "bad_scale")
    url = parse_url(db_url)
    writer = open_writer(url)
    try:
        made_by_demo = writer.meta(META_SCALE)
        if writer.non_empty():
            if made_by_demo is None:
                raise DomainError(
                    "该数据库中已有真实数据（不是 zhtj demo 生成的），演示数据不会写入。请换一个空数据库",
                    "db", "not_empty",
                )
            if not force:
                raise DomainError(
                    f"该数据库中已有演示数据（规模 {made_by_demo}）。如要清空后重新生成，请加 --force",
                    "db", "demo_exists",
                )
        rng = random.Random(seed)
        # One slow hash, outside the timed part: the rate is that of writing rows.
        pw_hash = hasher.hash(DEMO_PASSWORD, salt=rng.randbytes(16))
        started = time.perf_counter()
        # One transaction from emptying the tables to the last index: a run cut short
        # leaves the database as it was, and on PostgreSQL the rows of the tables emptied
        # in it are written frozen (see ``PostgresWriter.write``).
        writer.empty_tables()
        for key in ("top_org", META_SCALE, META_SEED):
            writer.execute("DELETE FROM zhtj_meta WHERE key = " + ("%s" if writer.provider == "postgres" else "?"),
                           (key,))
        writer.set_meta(META_SCALE, scale)
        writer.set_meta(META_SEED, str(seed))
        writer.set_meta("top_org", "1")

        today, now = settings.today(), settings.now()
        if scale == "province":
            people = People(rng, today, REGIONS_HENAN, policy=settings.join_age,
                            member_no_cutover=settings.member_no_cutover)
        else:
            people = People(rng, today, REGIONS_NATIONAL, policy=settings.join_age,
                            member_no_cutover=settings.member_no_cutover)
        b = Builder(writer, rng, people, now, today, pw_hash, settings.code_valid_days, progress)
        phases: dict[str, float] = {}
        mark = [time.perf_counter()]

        def phase(name: str) -> None:
            now_ = time.perf_counter()
            phases[name] = now_ - mark[0]
            mark[0] = now_

        writer.begin_load()
        defects = SCALES[scale](b, today)
        b.audit("demo.generate", f"演示数据 规模={scale} 随机种子={seed}", None)
        b.flush()
        phase("rows")
        # The counts kept per organisation (db.tally, db.tally_age), from the rows made.
        b.write_counts()
        writer.sync()
        phase("counts")
        writer.end_load()
        writer.reset_sequences()
        phase("indexes")
        writer.commit()
        phase("commit")
        writer.analyze()
        phase("statistics")
        seconds = time.perf_counter() - started
        return DemoReport(scale, seed, dict(b.counts.rows), seconds, b.logins, DEMO_PASSWORD, defects, phases,
                          {"waited": writer.waited, "copying": writer.copying})
    finally:
        writer.close()


__all__ = ["generate", "DemoReport", "SCALES", "META_SCALE", "DEMO_PASSWORD"]
