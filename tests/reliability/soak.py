"""The concurrency soak: N real processes doing a realistic mix on one database for a
bounded time, each recording every write it reported as successful and every failure;
then a check that the database agrees with what the users were told.

Used by ``tests/reliability/test_soak.py`` (bounded, in CI) and ``benchmarks/soak.py``
(prints operations per second by kind, retries and failures).

The mix, per worker (an administrator of its own committee W_i and of a shared committee S):
- ``create_child``: a branch under W_i (unique name);
- ``create_shared``: a branch under S with a name drawn from a small pool, so that workers
  race for the same name (exactly one may win);
- ``issue_code``: a code for one of W_i's branches;
- ``redeem``: registering a new administrator with a code drawn from a shared pool, so that
  workers race for the same code (R-CODE-3: exactly one may win);
- ``save_shared``: S's information saved from the version just read (lost-update races);
- ``add_member`` / ``edit_member``: members entered into and edited in W_i's branch;
- ``edit_shared_member``: members of S's branch edited from the version just read, by
  every worker (lost-update races on members);
- ``progress``: the progress view (R-PROG-2) of W_i and of S;
- ``read``: the child list, S's view, the audit log, a member list.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

POOL_NAMES = 40
POOL_CODES = 60
WEIGHTS = {"create_child": 2, "create_shared": 1, "issue_code": 2, "redeem": 2, "save_shared": 1,
           "add_member": 3, "edit_member": 2, "edit_shared_member": 2, "progress": 2, "read": 2}
SHARED_MEMBERS = 12
#: Each worker does at least this many operations, however long they take: the mix's races
#: (a name taken twice, a pool code redeemed twice) then happen on a loaded machine too,
#: where 8 processes on 2 cores may get few operations done in the seconds given.
MIN_OPS = 80


# -- setup -----------------------------------------------------------------------------------


def setup(url: str, workers: int, plan_path: Path) -> dict:
    """Create the organisations and administrators the workers act as; write the plan."""
    from tests.conftest import make_settings
    from tests.helpers import PASSWORD, person
    from zhtj_tui.services import Services
    from zhtj_tui.services.dto import Actor

    svc = Services.open(make_settings(url), client_key="soak-setup")
    op = Actor.server_operator()
    try:
        top = svc.orgs.create_top(op, "压力测试大学团委", "团委")
        shared = svc.orgs.create_child(op, top.id, "共享学院团委", "团委")
        pool_parent = svc.orgs.create_child(op, top.id, "注册码池团委", "团委")
        plan: dict = {"url": url, "workers": [], "shared": shared.id, "pool_codes": []}
        from tests.member_helpers import member_values

        shared_branch = svc.orgs.create_child(op, shared.id, "共享2024级1班团支部", "团支部")
        plan["shared_branch"] = shared_branch.id
        plan["shared_members"] = {}
        for _ in range(SHARED_MEMBERS):
            m = svc.members.add(op, shared_branch.id, member_values())
            plan["shared_members"][str(m.id)] = m.version
        for i in range(workers):
            own = svc.orgs.create_child(op, top.id, f"压测{i}号学院团委", "团委")
            own_branch = svc.orgs.create_child(op, own.id, f"压测{i}号2024级1班团支部", "团支部")
            who = person(name="压测管理")
            for org_id in (own.id, shared.id):
                code = svc.codes.issue(op, org_id).code
                svc.accounts.register(code, "书记", who.name, who.id_number, who.mobile, who.join_month, PASSWORD)
            account = svc.accounts.login(who.mobile, PASSWORD).account_id
            plan["workers"].append({"index": i, "account": account, "own": own.id, "branch": own_branch.id})
        for k in range(POOL_CODES):
            org = svc.orgs.create_child(op, pool_parent.id, f"池{k}号团委", "团委")
            plan["pool_codes"].append(svc.codes.issue(op, org.id).code)
        plan["shared_version"] = svc.orgs.get(op, shared.id).version
    finally:
        svc.close()
    plan_path.write_text(json.dumps(plan), "utf-8")
    return plan


# -- a worker --------------------------------------------------------------------------------


def worker_main(plan_path: str, index: str, seconds: str, out_path: str) -> None:
    from tests.conftest import make_settings
    from tests.helpers import PASSWORD
    from zhtj_tui.domain.errors import DomainError
    from zhtj_tui.domain.idcard import make_id_number
    from zhtj_tui.services import Services
    from zhtj_tui.services.base import RETRY_STATS
    from zhtj_tui.services.dto import Actor

    plan = json.loads(Path(plan_path).read_text("utf-8"))
    i = int(index)
    me = plan["workers"][i]
    rng = random.Random(1000 + i)
    svc = Services.open(make_settings(plan["url"]), client_key=f"soak-{i}")
    own = Actor(me["account"], me["own"], f"压测{i}")
    shared = Actor(me["account"], plan["shared"], f"压测{i}")
    kinds = [k for k, w in WEIGHTS.items() for _ in range(w)]
    records: list[dict] = []
    my_children: list[int] = []
    n = 0
    # Start together: a worker started late on a busy machine would otherwise find the others
    # done and race with nobody.
    ready = Path(plan_path).parent
    (ready / f"ready{i}").touch()
    wait_until = time.monotonic() + 120
    while len(list(ready.glob("ready*"))) < len(plan["workers"]) and time.monotonic() < wait_until:
        time.sleep(0.01)
    deadline = time.monotonic() + float(seconds)

    def op_create_child():
        name = f"压{i}队{n}班团支部"
        view = svc.orgs.create_child(own, me["own"], name, "团支部")
        my_children.append(view.id)
        return {"name": name, "parent": me["own"], "id": view.id}, {"name": name, "parent": me["own"]}

    def op_create_shared():
        name = f"共享{rng.randrange(POOL_NAMES)}班团支部"
        view = svc.orgs.create_child(shared, plan["shared"], name, "团支部")
        return {"name": name, "parent": plan["shared"], "id": view.id}, {"name": name, "parent": plan["shared"]}

    my_codes: list[str] = []

    def op_issue_code():
        if not my_children:
            return op_create_child()
        org_id = rng.choice(my_children)
        code = svc.codes.issue(own, org_id)
        my_codes.append(code.code)
        return {"code": code.code, "org": org_id}, {"org": org_id}

    def op_redeem():
        # Half the time a code this worker handed out (valid unless re-issued since), half
        # the time one of the shared pool that every worker races for.
        code = my_codes.pop() if my_codes and rng.random() < 0.5 else rng.choice(plan["pool_codes"])
        birth = date(1975, 1, 1) + timedelta(days=n % 9000)  # unique with the sequence below
        idn = make_id_number("110105", birth, 100 + i + 10 * (n // 9000))
        mobile = f"15{i}{n:08d}"
        join = f"{birth.year + 15}-{birth.month:02d}"
        reg = svc.accounts.register(code, "组织委员", "压测新人", idn, mobile, join, PASSWORD)
        return ({"code": code, "account": reg.account_id, "id_number": idn, "org": reg.org_id},
                {"code": code, "id_number": idn})

    def op_save_shared():
        version = svc.orgs.get(shared, plan["shared"]).version
        quota = rng.randrange(10, 99)
        values = {"admin_quota": quota, "admin_actual": quota - 5, "email": f"w{i}n{n}@example.cn"}
        view = svc.orgs.save_info(shared, plan["shared"], values, expected_version=version)
        return {"from": version, "to": view.version, "email": values["email"]}, {"from": version, "email": values["email"]}

    my_members: list[int] = []

    def member_values(k: int) -> dict:
        birth = date(2000, 1, 1) + timedelta(days=k % 700)  # joined 2014-2015: no 团员编号
        return {"name": "压测团员", "id_number": make_id_number("120101", birth, 100 + i + 10 * (k // 700)),
                "ethnic": "汉族", "political": "共青团员", "join_month": f"{birth.year + 14}-{birth.month:02d}",
                "education": "本科在读", "mobile": f"18{i}{k:08d}", "member_no": "", "note": f"w{i}"}

    def edit_values(cur, note: str) -> dict:
        return {"name": cur.name, "id_number": cur.id_number, "ethnic": cur.ethnic, "political": cur.political,
                "join_month": cur.join_month, "education": cur.education, "mobile": cur.mobile,
                "member_no": cur.member_no, "note": note}

    def op_add_member():
        values = member_values(n)
        view = svc.members.add(own, me["branch"], values)
        my_members.append(view.id)
        return ({"id": view.id, "id_number": values["id_number"], "branch": me["branch"]},
                {"id_number": values["id_number"], "branch": me["branch"]})

    def op_edit_member():
        if not my_members:
            op_add_member()  # checked through the edit that follows
        mid = rng.choice(my_members)
        cur = svc.members.get(own, mid)
        view = svc.members.update(own, mid, edit_values(cur, f"w{i}n{n}"), expected_version=cur.version)
        return {"id": mid, "from": cur.version, "to": view.version, "note": f"w{i}n{n}"}, {"id": mid}

    def op_edit_shared_member():
        mid = int(rng.choice(list(plan["shared_members"])))
        cur = svc.members.get(shared, mid)
        view = svc.members.update(shared, mid, edit_values(cur, f"w{i}n{n}"), expected_version=cur.version)
        return ({"id": mid, "from": cur.version, "to": view.version, "note": f"w{i}n{n}"},
                {"id": mid, "from": cur.version})

    def op_progress():
        svc.progress.progress(own, me["own"])
        svc.progress.progress(shared, plan["shared"])
        return {}, {}

    def op_read():
        svc.orgs.list_children(own, me["own"])
        svc.orgs.get(shared, plan["shared"])
        svc.audit.recent(own, me["own"], limit=20)
        svc.members.list(own, me["branch"])
        return {}, {}

    ops = {"create_child": op_create_child, "create_shared": op_create_shared, "issue_code": op_issue_code,
           "redeem": op_redeem, "save_shared": op_save_shared, "add_member": op_add_member,
           "edit_member": op_edit_member, "edit_shared_member": op_edit_shared_member, "progress": op_progress,
           "read": op_read}
    while time.monotonic() < deadline or n < MIN_OPS:
        kind = rng.choice(kinds)
        started = time.monotonic()
        attempt: dict = {}
        try:
            data, attempt = ops[kind]()
            records.append({"k": kind, "ok": True, "data": data, "t": time.monotonic() - started})
        except DomainError as exc:
            records.append({"k": kind, "ok": False, "err": exc.code or type(exc).__name__, "msg": exc.message,
                            "cls": type(exc).__name__, "t": time.monotonic() - started, "data": attempt})
        except Exception as exc:  # noqa: BLE001 - recorded: the soak fails on any of these
            records.append({"k": kind, "ok": False, "err": "crash", "cls": type(exc).__name__,
                            "msg": str(exc)[:300], "t": time.monotonic() - started, "data": attempt})
        n += 1
    svc.close()
    Path(out_path).write_text(json.dumps({"records": records, "retry": dict(RETRY_STATS)}), "utf-8")


# -- running and checking ----------------------------------------------------------------------


@dataclass
class SoakResult:
    seconds: float
    workers: int
    ops: Counter = field(default_factory=Counter)
    ok: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)  # (kind, reason)
    retries: int = 0
    busy: int = 0
    problems: list[str] = field(default_factory=list)
    records: list[dict] = field(default_factory=list)
    wall: float = 0.0

    def report(self) -> str:
        lines = [f"{self.workers} processes, {self.seconds:.1f} s of work each, at least {MIN_OPS} operations "
                 f"({self.wall:.1f} s wall clock)"]
        for kind in WEIGHTS:
            times = sorted(r["t"] for r in self.records if r["k"] == kind) or [0.0]
            p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
            lines.append(f"  {kind:18s} {self.ops[kind] / self.seconds:8.1f} ops/s  "
                         f"({self.ok[kind]} ok, {self.ops[kind] - self.ok[kind]} refused; "
                         f"p99 {p99 * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms)")
        total = sum(self.ops.values())
        lines.append(f"  {'all':18s} {total / self.seconds:8.1f} ops/s  ({total} operations)")
        lines.append(f"  busy retries {self.retries}, gave up (Busy) {self.busy}")
        for (kind, reason), count in sorted(self.failures.items()):
            lines.append(f"  refused {kind}/{reason}: {count}")
        lines.append("  problems: " + ("; ".join(self.problems[:10]) if self.problems else "none (nothing lost)"))
        return "\n".join(lines)


def run(url: str, workers: int, seconds: float, work_dir: Path, env: dict[str, str] | None = None) -> SoakResult:
    from tests.reliability.procs import ROOT, child_env

    plan_path = work_dir / "plan.json"
    setup(url, workers, plan_path)
    procs = []
    started = time.monotonic()
    for i in range(workers):
        out = work_dir / f"worker{i}.json"
        procs.append((subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.workers", "soak", str(plan_path), str(i), str(seconds), str(out)],
            cwd=ROOT, env=child_env(**(env or {})), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        ), out))
    result = SoakResult(seconds=seconds, workers=workers)
    for proc, out in procs:
        _, err = proc.communicate(timeout=seconds + 120)
        if proc.returncode != 0:
            result.problems.append(f"worker exited {proc.returncode}: {err[-500:]}")
            continue
        data = json.loads(out.read_text("utf-8"))
        result.records += data["records"]
        result.retries += data["retry"].get("retries", 0)
        result.busy += data["retry"].get("busy", 0)
    result.wall = time.monotonic() - started  # includes process start-up and setup of each
    for r in result.records:
        result.ops[r["k"]] += 1
        if r["ok"]:
            result.ok[r["k"]] += 1
        else:
            result.failures[(r["k"], r["err"])] += 1
    verify(url, json.loads(plan_path.read_text("utf-8")), result)
    return result


#: Refusals that the mix provokes on purpose; anything else is a problem.
EXPECTED_REFUSALS = {
    "create_shared": {"duplicate_name", "busy"},
    "redeem": {"code_used", "code_revoked", "busy", "account_taken"},
    "save_shared": {"changed", "busy"},
    "edit_shared_member": {"changed", "busy"},
}


def verify(url: str, plan: dict, result: SoakResult) -> None:
    """Every reported success is in the database; nothing reported as failed is there
    (unless another success put it there); uniqueness holds; no 'database is locked'."""
    from pony.orm import db_session

    from zhtj_tui.db import open_store

    problems = result.problems
    for r in result.records:
        if r["ok"]:
            continue
        if r["err"] == "crash":
            problems.append(f"unexpected {r['cls']} in {r['k']}: {r['msg'][:120]}")
        elif r["err"] not in EXPECTED_REFUSALS.get(r["k"], {"busy"}):
            problems.append(f"unexpected refusal {r['k']}/{r['err']}: {r['msg'][:120]}")
        if re.search(r"database is locked|locked|OperationalError|Traceback", r["msg"], re.I) and r["err"] != "busy":
            problems.append(f"raw database error reached a user: {r['msg'][:120]}")
        if r["err"] == "busy" and "繁忙" not in r["msg"]:
            problems.append(f"Busy without the Chinese message: {r['msg'][:80]}")
    store = open_store(url, create=False)
    try:
        with db_session:
            orgs = {(p, n): oid for oid, p, n in store.db.select("select id, parent_id, short_name from org")}
            codes = {c: (org, used_by) for c, org, used_by in store.db.select("select code, org, used_by from reg_code")}
            accounts = {idn: aid for aid, idn in store.db.select("select id, id_number from account")}
            roles = {(a, o) for a, o in store.db.select("select account, org from admin_role")}
            version = store.db.select("select version from org where id = $s", {"s": plan["shared"]})[0]
            email = store.db.select("select email from org where id = $s", {"s": plan["shared"]})[0]
            dup_names = store.db.select(
                "select parent_id, short_name from org group by parent_id, short_name having count(*) > 1")
            dup_roles = store.db.select(
                "select account, org from admin_role group by account, org having count(*) > 1")
            members = {mid: (idn, active, ver, note, branch) for mid, idn, active, ver, note, branch in store.db.select(
                "select id, id_number, active_id, version, note, branch from member")}
            dup_active = store.db.select(
                "select active_id from member where active_id is not null group by active_id having count(*) > 1")
            roles_by_code = store.db.select(
                "select code_id from admin_role where code_id is not null group by code_id having count(*) > 1")
    finally:
        store.disconnect()
    created = Counter()
    redeemed = Counter()
    saves = []
    member_saves: dict[int, list[dict]] = {}
    by_id_number = {v[0]: k for k, v in members.items()}
    for r in result.records:
        d = r.get("data") or {}
        if r["ok"] and r["k"] in ("create_child", "create_shared"):
            created[(d["parent"], d["name"])] += 1
            if orgs.get((d["parent"], d["name"])) != d["id"]:
                problems.append(f"lost: organisation {d['name']}")
        elif r["ok"] and r["k"] == "issue_code":
            if d.get("code") and codes.get(d["code"], (None,))[0] != d["org"]:
                problems.append("lost: an issued code")
        elif r["ok"] and r["k"] == "redeem":
            redeemed[d["code"]] += 1
            if codes.get(d["code"], (None, None))[1] != d["account"] or (d["account"], d["org"]) not in roles:
                problems.append("lost: a registration")
            if accounts.get(d["id_number"]) != d["account"]:
                problems.append("lost: a registered account")
        elif r["ok"] and r["k"] == "save_shared":
            saves.append(d)
        elif r["ok"] and r["k"] == "add_member":
            if members.get(d["id"], (None,))[0] != d["id_number"] or members[d["id"]][4] != d["branch"]:
                problems.append("lost: an entered member")
        elif r["ok"] and r["k"] in ("edit_member", "edit_shared_member"):
            member_saves.setdefault(d["id"], []).append(d)
        elif not r["ok"] and r["k"] == "add_member" and d and d["id_number"] in by_id_number:
            problems.append("half there: a refused member exists")
        elif not r["ok"] and r["k"] == "create_child" and d and (d["parent"], d["name"]) in orgs:
            problems.append(f"half there: a refused organisation {d['name']} exists")
        elif not r["ok"] and r["k"] == "redeem" and d and d["id_number"] in accounts:
            problems.append("half there: a refused registration created an account")
    for key, count in created.items():
        if count > 1:
            problems.append(f"two successes created {key[1]}")
    for code, count in redeemed.items():
        if count > 1:
            problems.append(f"code {code[:2]}… redeemed {count} times")
    froms = [s["from"] for s in saves]
    if len(froms) != len(set(froms)):
        problems.append("two saves succeeded from the same version (a lost update)")
    if version != plan["shared_version"] + len(saves):
        problems.append(f"shared version {version} != {plan['shared_version']} + {len(saves)} saves")
    if saves and email != max(saves, key=lambda s: s["from"])["email"]:
        problems.append("the last successful save is not what the database holds")
    initial = {int(k): v for k, v in plan.get("shared_members", {}).items()}
    for mid, done in member_saves.items():
        froms = [x["from"] for x in done]
        if len(froms) != len(set(froms)):
            problems.append(f"member {mid}: two saves from the same version (a lost update)")
        last = max(done, key=lambda x: x["to"])
        if members[mid][2] != last["to"] or members[mid][3] != last["note"]:
            problems.append(f"member {mid}: the last successful save is not what the database holds")
        if mid in initial and members[mid][2] != initial[mid] + len(done):
            problems.append(f"member {mid}: version {members[mid][2]} != {initial[mid]} + {len(done)} saves")
    if dup_names or dup_roles or roles_by_code or dup_active:
        problems.append("uniqueness broken")
    if url.startswith("sqlite"):
        from tests.reliability.procs import integrity, sqlite_path

        check = integrity(sqlite_path(url))
        if check != ["ok"]:
            problems.append(f"integrity_check: {check[:3]}")


def default_seconds() -> float:
    from tests.helpers import THOROUGH

    return float(os.environ.get("ZHTJ_SOAK_SECONDS", 60 if THOROUGH else 5))


__all__ = ["run", "setup", "worker_main", "SoakResult", "default_seconds"]
