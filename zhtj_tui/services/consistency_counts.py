"""The consistency check's stored counts (``db.tally``, ``db.tally_age``) recomputed from
the tables; registered with ``services.consistency.derived_check`` like every other check."""

from __future__ import annotations

from collections.abc import Iterator

from zhtj_tui.services.consistency import Base, Mismatch, derived_check


@derived_check("org_tally", "各组织的计数（团员、管理员、书记及下级合计，各年级团支部）")
def _org_tally(base: Base) -> Iterator[Mismatch]:
    """``db.tally``: the counts kept per organisation, and per organisation and cohort,
    for progress and the deadline tasks, against the tables."""
    from zhtj_tui.db import tally

    db = base.store.db
    stored, wanted = tally.stored(db), tally.recompute(db)
    for oid in sorted(set(stored) | set(wanted)):
        have, want = stored.get(oid), wanted.get(oid)
        if have is None or want is None:
            yield Mismatch("org_tally", "org_tally", oid, "(row)", "有" if have else "无", "有" if want else "无",
                           base.org_label(oid))
            continue
        for column, h, w in zip(tally.ROW, have, want, strict=True):
            if (bool(h) if column == "info" else h) != (bool(w) if column == "info" else w):
                yield Mismatch("org_tally", "org_tally", oid, column, h, w, base.org_label(oid))
    stored_c, wanted_c = tally.stored_cohorts(db), tally.recompute_cohorts(wanted)
    for oid, cohort in sorted(set(stored_c) | set(wanted_c)):
        have, want = stored_c.get((oid, cohort)), wanted_c.get((oid, cohort))
        zero = (0,) * len(tally.COHORT_COLS)
        for column, h, w in zip(tally.COHORT_COLS, have or zero, want or zero, strict=True):
            if h != w:
                yield Mismatch("org_tally", "org_cohort_tally", oid, f"{cohort}级 {column}", h, w,
                               base.org_label(oid))


@derived_check("org_age_tally", "各组织按出生月份的在册团员计数（超龄统计）")
def _org_age_tally(base: Base) -> Iterator[Mismatch]:
    """``db.tally_age``: active members per organisation and birth month over its subtree,
    and the organisations whose oldest active member was born that month."""
    from zhtj_tui.db import tally, tally_age

    db = base.store.db
    wanted = tally_age.recompute(db, tally.recompute(db), *tally_age.own_rows(db))
    stored = tally_age.stored(db)
    for oid, born in sorted(set(stored) | set(wanted), key=lambda k: (k[0], str(k[1]))):
        have, want = stored.get((oid, born), (0, 0)), wanted.get((oid, born), (0, 0))
        for column, h, w in zip(tally_age.AGE_COLS, have, want, strict=True):
            if h != w:
                yield Mismatch("org_age_tally", "org_age_tally", oid, f"{born} {column}", h, w, base.org_label(oid))
