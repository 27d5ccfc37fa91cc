"""团员管理 at university scale on SQLite: prints median timings (not a test).

    PYTHONPATH=. python benchmarks/members_bench.py [--members 60000] [--branches 2000] [--runs 30]

Builds a temporary database (one 团委, 40 college 团委, the branches under them, and the
members, written with raw executemany), then measures through the services: saving one
member, searching by name / initials / ID suffix (in a college and in the whole
university), opening a branch's member page, and — in a Pilot run of the entry form — the
time from Ctrl+S to the blank form being ready for the next member.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from zhtj_tui.config import Settings  # noqa: E402
from zhtj_tui.db.schema import org_initials  # noqa: E402
from zhtj_tui.domain import pinyin  # noqa: E402
from zhtj_tui.domain.idcard import make_id_number  # noqa: E402
from zhtj_tui.services import Services  # noqa: E402
from zhtj_tui.services.dto import Actor  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建文斌宇浩凯健俊帆帅旭宁龙林欣悦晨雨轩思涵"
NOW = datetime(2026, 11, 1, 8, 0)
STAMP = str(NOW)


def build(svc: Services, n_branches: int, n_members: int) -> dict:
    """The tree and the members, raw executemany in one transaction each."""
    op = Actor.server_operator()
    top = svc.orgs.create_top(op, "测试大学团委", "团委", "测试大学共青团委员会")
    colleges = 40
    per_college = n_branches // colleges
    rng = random.Random(7)
    org_rows, branch_ids = [], []
    next_id = top.id + 1
    college_ids = []
    for c in range(colleges):
        cid = next_id
        next_id += 1
        college_ids.append(cid)
        org_rows.append((cid, top.id, f"/{top.id}/{cid}/", 1, "02", "committee", f"第{c + 1}学院团委", STAMP, STAMP))
        for b in range(per_college):
            bid = next_id
            next_id += 1
            branch_ids.append((bid, f"/{top.id}/{cid}/{bid}/"))
            org_rows.append((bid, cid, f"/{top.id}/{cid}/{bid}/", 2, "05", "branch",
                             f"专业{c + 1}-{2020 + b % 5}级{b}班团支部", STAMP, STAMP))
    members = []
    per_branch = n_members // len(branch_ids)
    i = 0
    for bid, path in branch_ids:
        for _ in range(per_branch):
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            birth = date(1996, 1, 1) + timedelta(days=i // 900)
            idn = make_id_number("110105", birth, i % 900)
            join_year = max(birth.year + 14, 2012)
            members.append((bid, path, name, pinyin.initials(name), idn, idn[::-1], idn, birth.isoformat(),
                            "男" if int(idn[16]) % 2 else "女", "01", "03", f"{join_year}-09", "11",
                            f"139{i:08d}", f"{join_year}{i:08d}" if join_year >= 2017 else None, "1", STAMP, STAMP))
            i += 1
    con = sqlite3.connect(svc.store.url.path, timeout=30)
    try:
        cur = con.cursor()
        cur.executemany(
            "INSERT INTO org (id, parent_id, path, depth, category, cat_group, short_name, name_initials, created_at,"
            " updated_at, version, info_complete) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 0)",
            [(*r[:7], org_initials(r[6]), *r[7:]) for r in org_rows])
        cur.executemany(
            "INSERT INTO member (branch, path, name, name_initials, id_number, id_rev, active_id, birth_date, sex,"
            " ethnic, political, join_month, education, mobile, member_no, status, created_at, updated_at, version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)", members)
        con.commit()
        cur.execute("ANALYZE")
        con.commit()
    finally:
        con.close()
    return {"top": top.id, "college": college_ids[0], "branch": branch_ids[0][0], "members": members}


def register(svc: Services, org_id: int, n: int) -> Actor:
    """An administrator of ``org_id``, registered with a code as in real use."""
    code = svc.codes.issue(Actor.server_operator(), org_id)
    idn, mobile, password = make_id_number("110105", date(1990, 1, 1 + n), 900 + n), f"1380000000{n}", "bench2026ok"
    svc.accounts.register(code.code, "书记", f"管理员{'甲乙丙丁'[n]}", idn, mobile, "2004-05", password)
    return svc.accounts.login(mobile, password).actor(org_id)


def median_ms(fn, runs: int) -> float:
    times = []
    for k in range(runs):
        t0 = time.perf_counter()
        fn(k)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def new_values(k: int) -> dict:
    birth = date(2004, 1, 1) + timedelta(days=k % 600)
    return {"name": "新同学", "id_number": make_id_number("120101", birth, 100 + (k // 600) % 800), "ethnic": "汉族",
            "political": "共青团员", "join_month": "2020-09", "education": "本科在读",
            "mobile": f"137{k:08d}", "member_no": f"2020{90000000 + k:08d}"}


async def pilot_save(svc: Services, actor: Actor, branch_id: int, runs: int) -> float:
    from textual.app import App

    from zhtj_tui.screens.members import MemberEntryScreen

    class EntryApp(App):
        def on_mount(self) -> None:
            self.push_screen(MemberEntryScreen(svc, actor, branch_id))

    app = EntryApp()
    times, inside = [], []
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        for k in range(runs):
            for key, value in new_values(10_000 + k).items():
                screen.input(key).value = value
            await pilot.pause()
            screen.last_ready_seconds = None
            t0 = time.perf_counter()
            await pilot.press("ctrl+s")
            for _ in range(200):
                if screen.last_ready_seconds is not None:
                    break
                await app.workers.wait_for_complete()
                await pilot.pause()
            else:
                raise SystemExit(f"the form did not save: {screen.query_one('#entry-error').render()}")
            times.append((time.perf_counter() - t0) * 1000)
            inside.append(screen.last_ready_seconds * 1000)
            assert screen.input("name").value == "" and screen.focused is screen.input("name")
        assert screen.saved_count == runs, screen.query_one("#entry-error").render()
    return statistics.median(times), statistics.median(inside)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--members", type=int, default=60_000)
    ap.add_argument("--branches", type=int, default=2_000)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db_url=f"sqlite:///{tmp}/bench.sqlite", clock=lambda: NOW, argon2_time_cost=1,
                            argon2_memory_cost=1024)
        svc = Services.open(settings, client_key="bench")
        t0 = time.perf_counter()
        info = build(svc, args.branches, args.members)
        print(f"built {args.members:,} members in {args.branches:,} branches in {time.perf_counter() - t0:.1f} s")
        top_admin = register(svc, info["top"], 0)
        college_admin = register(svc, info["college"], 1)
        sample = info["members"]
        rng = random.Random(3)
        picks = [sample[rng.randrange(len(sample))] for _ in range(args.runs)]
        b, runs = info["branch"], args.runs
        results = {
            "save one member (add)": median_ms(lambda k: svc.members.add(college_admin, b, new_values(k)), runs),
            "open a branch's member page (org+list+totals)": median_ms(
                lambda k: (svc.orgs.get(college_admin, b), svc.members.list(college_admin, b),
                           svc.members.totals(college_admin, b)), runs),
            "search name, one college (1,500)": median_ms(
                lambda k: svc.members.list(college_admin, info["college"], picks[k][2][1:]), runs),
            "search name, whole university": median_ms(
                lambda k: svc.members.list(top_admin, info["top"], picks[k][2]), runs),
            "search initials, whole university": median_ms(
                lambda k: svc.members.list(top_admin, info["top"], picks[k][3]), runs),
            "search ID suffix (6), whole university": median_ms(
                lambda k: svc.members.list(top_admin, info["top"], picks[k][4][-6:]), runs),
            "search 团员编号, whole university": median_ms(
                lambda k: svc.members.list(top_admin, info["top"], picks[k][14] or "201700000001"), runs),
            "per-branch counts, whole university": median_ms(
                lambda k: svc.members.counts(top_admin, info["top"]), max(5, runs // 3)),
            "member and 超龄 totals, whole university": median_ms(
                lambda k: svc.members.totals(top_admin, info["top"]), max(5, runs // 3)),
        }
        for label, ms in results.items():
            print(f"{label:<46} median {ms:7.2f} ms")
        saved = svc.members.totals(college_admin, b).members
        assert saved == args.members // args.branches + runs, saved  # every timed save really saved
        ms, inside = asyncio.run(pilot_save(svc, college_admin, b, min(runs, 20)))
        print(f"{'Pilot: Ctrl+S pressed to blank form ready':<46} median {ms:7.2f} ms")
        print(f"{'  of which save action to blank form (screen)':<46} median {inside:7.2f} ms")
        svc.close()


if __name__ == "__main__":
    main()
