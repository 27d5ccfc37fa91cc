"""Interface figures (issue 4):

1. time from process start to the login screen, beside a bare Textual app started the same
   way (a fresh ``python`` process, headless, 80x24, stopped as soon as the first screen is
   up), median of N runs;
2. time to open a tree node with 2,000 children (first page of 200 with its "更多…" entry),
   and to page through all of them, on a temporary SQLite database, N times, beside a bare
   Textual Tree adding 200 nodes; each time from the key to the first frame showing them.

Run: PYTHONPATH=. python benchmarks/ui_startup.py [--runs 5] [--children 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Both children stop at the same moment: the first frame of their first screen, rendered to
#: the text a terminal would get (headless, Textual skips writing it; here it is rendered all
#: the same, so that painting counts on both sides). Wall time from the parent's clock
#: before the process started, and the child's CPU seconds until then.
FIRST_FRAME = r"""
import sys, time
t0 = float(sys.argv[1])
from textual.app import App
_display = App._display
def _first_frame(app, screen, renderable):
    if (renderable is not None and not app._batch_count and not getattr(app, "_bench_shown", False)
            and type(screen).__name__ == WANT):
        app._bench_shown = True
        render = getattr(renderable, "render_segments", None)
        if render is not None:
            render(app.console)
        print(time.time() - t0, time.process_time(), flush=True)
        app.call_later(app.exit)
    return _display(app, screen, renderable)
App._display = _first_frame
"""

#: The login screen is up as soon as it is painted: the database is opened by a worker after
#: that (the user types meanwhile) and is not waited for, as the bare app has none.
ZHTJ_CHILD = FIRST_FRAME + r"""
WANT = "LoginScreen"
from zhtj_tui.app import make_app
from zhtj_tui.config import load_settings
app = make_app(load_settings(sys.argv[2]))
app.run(headless=True, size=(80, 24))
"""

BARE_CHILD = FIRST_FRAME + r"""
WANT = "Screen"
from textual.widgets import Footer, Input, Static
class Bare(App):
    def compose(self):
        yield Static("hello")
        yield Input()
        yield Footer()
app = Bare()
app.run(headless=True, size=(80, 24))
"""


def child_env(root: Path = ROOT) -> dict[str, str]:
    """The children's environment: ``root`` on the path, and bytecode written and read as an
    installed program's is (Textual's is compiled when installed; with
    PYTHONDONTWRITEBYTECODE set, zhtj alone would be compiled from source at every start)."""
    env = dict(os.environ, PYTHONPATH=str(root))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def start_time(code: str, *args: str, cpu: list[float] | None = None, root: Path = ROOT) -> float:
    """Seconds from process start to the first frame of the first screen; the child's CPU
    seconds until then are appended to ``cpu`` (on a busy machine they vary less).
    ``root``: the source tree the child imports (another checkout, to compare)."""
    t0 = time.time()
    # Run in ``root``: ``python -c`` puts the working directory first on the path, before
    # PYTHONPATH, so started elsewhere (say, in this checkout with ``--compare``) the child
    # would import the zhtj of the directory it was started in.
    out = subprocess.run([sys.executable, "-c", code, repr(t0), *args], env=child_env(root), cwd=root,
                         capture_output=True, text=True, timeout=WAIT)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-2000:])
    wall, used = (float(x) for x in out.stdout.strip().splitlines()[-1].split())
    if cpu is not None:
        cpu.append(used)
    return wall


def build_db(path: Path, n_children: int):
    """A top organisation with an administrator, and one committee with ``n_children``
    branches (bulk-inserted with executemany)."""
    from tests.conftest import make_settings
    from tests.helpers import PASSWORD, person
    from zhtj_tui.config import utc_now
    from zhtj_tui.db.schema import org_initials
    from zhtj_tui.services import Services
    from zhtj_tui.services.dto import Actor

    settings = make_settings(f"sqlite:///{path}").with_(clock=utc_now)
    svc = Services.open(settings, client_key="bench")
    op = Actor.server_operator()
    top = svc.orgs.create_top(op, "石河子大学团委", "团委")
    code = svc.codes.issue(op, top.id).code
    who = person()
    svc.accounts.register(code, "书记", who.name, who.id_number, who.mobile, who.join_month, PASSWORD)
    session = svc.accounts.login(who.mobile, PASSWORD)
    big = svc.orgs.create_child(session.actor(top.id), top.id, "大型学院团委", "团委")
    svc.close()
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    con = sqlite3.connect(path)
    names = [f"专业{i:04d}班团支部" for i in range(n_children)]
    rows = [(big.id, 2, "05", "branch", name, org_initials(name), now, now) for name in names]
    con.executemany(
        "INSERT INTO org (parent_id, depth, category, cat_group, short_name, name_initials, created_at, updated_at,"
        " version, info_complete) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, 0)", rows)
    con.execute("UPDATE org SET path = ? || id || '/' WHERE parent_id = ? AND path IS NULL", (big.path, big.id))
    con.commit()
    con.close()
    return settings, who, big.id


#: No wait of this benchmark lasts longer: it fails loudly instead of hanging.
WAIT = 60.0


async def _until(pilot, what: str, ready, timeout: float = WAIT) -> None:
    """Pause until ``ready()``; raise (naming ``what``) after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise SystemExit(f"ui_startup: gave up waiting for {what} after {timeout:.0f} s "
                             f"(screen: {type(pilot.app.screen).__name__})")
        await pilot.pause(0.01)


async def _settle(pilot) -> None:
    await pilot.pause()
    await asyncio.wait_for(pilot.app.workers.wait_for_complete(), WAIT)
    await pilot.pause()


async def _before_key(pilot) -> None:
    """Settle, then let two of Textual's screen update periods pass: Textual paints at most
    one frame per period (1/60 s), and after a frame painted from idle the next may come up
    to two periods later. A person's key does not come within 33 ms of the last frame; each
    timed key on either side starts from an app whose last frame is at least that old, so
    that neither side's figure depends on how recently the setup painted."""
    from textual.constants import MAX_FPS

    await _settle(pilot)
    await asyncio.sleep(2 / MAX_FPS)
    await _settle(pilot)


class Frames:
    """The frames an app paints: ``when(ready)`` before an action, then ``await shown()``
    gives the time of the first frame painted with ``ready()`` true, i.e. showing the
    action's result. Both the interface and the bare baseline are timed this way (no
    polling, and no pilot pause, whose cost grows with the number of widgets on the screen).
    ``start()`` marks the action's start; ``shown()`` gives (wall seconds, CPU seconds of the
    process, its worker threads included) since then."""

    def __init__(self, app) -> None:
        self._ready = None
        self._done: asyncio.Future | None = None
        display = app._display

        def _display(screen, renderable) -> None:
            display(screen, renderable)
            if self._ready is not None and renderable is not None and self._ready():
                self._ready = None
                self._done.set_result((time.perf_counter() - self._t0, time.process_time() - self._cpu0))

        app._display = _display

    def when(self, ready) -> None:
        self._ready = ready
        self._done = asyncio.get_running_loop().create_future()

    def start(self) -> None:
        self._t0, self._cpu0 = time.perf_counter(), time.process_time()

    async def shown(self, what: str) -> tuple[float, float]:
        try:
            return await asyncio.wait_for(self._done, WAIT)
        except TimeoutError:
            raise SystemExit(f"ui_startup: no frame showed {what} after {WAIT:.0f} s") from None


async def tree_figures(settings, who, big_id: int, runs: int) -> tuple[list[list[float]], int]:
    """Open the big node in the real interface (after login, with the progress window the
    administrator gets, R-PROG-1) ``runs`` times (closed and emptied between runs): per run,
    the first page, then each later page, in seconds, each from the key to the first frame
    showing its nodes (as the baseline's); workers settle between pages."""
    from tests.helpers import PASSWORD
    from zhtj_tui.app import make_app
    from zhtj_tui.screens.centre import CentreScreen
    from zhtj_tui.widgets.org_tree import MoreNode, OrgTree

    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        frames = Frames(app)
        await _until(pilot, "the login screen", lambda: bool(app.screen.query("#input-password")))
        app.screen.query_one("#field-login").value = who.mobile
        app.screen.query_one("#field-password").value = PASSWORD
        app.screen.submit()
        # The centre is under the progress window: find it in the stack, close the window.
        await _until(pilot, "the management centre", lambda: any(isinstance(s, CentreScreen)
                                                                   for s in app.screen_stack))
        await _settle(pilot)
        deadline = time.monotonic() + WAIT
        while not isinstance(app.screen, CentreScreen):
            if time.monotonic() > deadline:
                raise SystemExit("ui_startup: the progress window did not close")
            await pilot.press("escape")
            await _settle(pilot)
        tree = app.screen.query_one(OrgTree)
        await _until(pilot, "the big node in the tree", lambda: tree.find(big_id) is not None)
        node = tree.find(big_id)
        all_pages = []
        for _ in range(runs):
            if node.is_expanded:  # a run before: close and empty the node, as never opened
                node.collapse()
                node.remove_children()
                node.data.loaded = False
                await _settle(pilot)
            pages = []
            # From the key that opens the node (space: Tree's toggle_node action), as the
            # later pages are timed from the key on "更多…" (Enter: select_cursor).
            tree.move_cursor(node)
            await _before_key(pilot)
            frames.when(lambda: len(node.children) > 0)
            frames.start()
            tree.action_toggle_node()
            pages.append(await frames.shown("the first page"))
            await _settle(pilot)
            while True:
                more = [c for c in node.children if isinstance(c.data, MoreNode)]
                if not more:
                    break
                before = len(node.children)
                tree.move_cursor(more[0])
                await _before_key(pilot)
                frames.when(lambda before=before: len(node.children) > before)
                frames.start()
                tree.action_select_cursor()
                pages.append(await frames.shown("the next page"))
                await _settle(pilot)
            all_pages.append(pages)
        return all_pages, len(node.children)


async def bare_tree_page(n: int = 200) -> float:
    """The baseline: a bare Textual Tree at 80x24 adding ``n`` labelled nodes to an open
    node, in seconds until the first frame showing them."""
    from textual.app import App
    from textual.widgets import Tree

    class Bare(App):
        def compose(self):
            yield Tree("root")

    app = Bare()
    async with app.run_test(size=(80, 24)) as pilot:
        frames = Frames(app)
        tree = app.query_one(Tree)
        tree.root.expand()
        node = tree.root.add("大型学院团委", expand=True)
        await _before_key(pilot)
        frames.when(lambda: len(node.children) > n)
        frames.start()
        for i in range(n):
            node.add(f"专业{i:04d}班团支部", allow_expand=False)
        node.add_leaf("更多…")
        return await frames.shown("the bare tree's nodes")


def tree_report(children: int, runs: list[list[tuple[float, float]]], shown: int,
                bare: list[tuple[float, float]]) -> None:
    print(f"tree node with {children} children ({len(runs[0])} pages, {shown} nodes shown at the end), "
          f"{len(runs)} runs; each time from the key to the first frame showing the nodes:")
    for k, what in ((0, "wall"), (1, "CPU")):
        base = [b[k] for b in bare]
        first = [r[0][k] for r in runs]
        slowest = [max([p[k] for p in r[1:]] or [0.0]) for r in runs]
        later = [p[k] for r in runs for p in r[1:]] or [0.0]
        med = statistics.median(base)
        print(f"  {what}:")
        print(f"    bare Textual Tree adding 200 nodes : median {med * 1000:5.0f} ms, best {min(base) * 1000:.0f} ms"
              f"  (baseline, {len(base)} runs)")
        print(f"    first page of 200 + '更多…'         : median {statistics.median(first) * 1000:5.0f} ms, "
              f"best {min(first) * 1000:.0f} ms  ({statistics.median(first) / med:.1f}x median, "
              f"{min(first) / min(base):.1f}x best)")
        print(f"    every later page                   : median {statistics.median(later) * 1000:5.0f} ms "
              f"({statistics.median(later) / med:.1f}x); slowest of a run: median "
              f"{statistics.median(slowest) * 1000:.0f} ms, best {min(slowest) * 1000:.0f} ms"
              f"  ({statistics.median(slowest) / med:.1f}x median, {min(slowest) / min(base):.1f}x best; goal: at most 3x)")


def startup_figures(path: Path, runs: int, compare: Path | None = None) -> None:
    """Start-up, zhtj and the bare app alternating (a busy machine slows both alike);
    with ``compare``, also the zhtj of that source tree (its own database, made by its own
    ``build_db``), in the same alternation."""
    zhtj, bare, zhtj_cpu, bare_cpu, other, other_cpu = [], [], [], [], [], []
    if compare is not None:
        other_db = path.parent / "compare.sqlite"
        subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                        "from benchmarks.ui_startup import build_db; build_db(Path(sys.argv[1]), 10)", str(other_db)],
                       env=dict(os.environ, PYTHONPATH=str(compare)), cwd=compare, check=True, capture_output=True)
    # Once each, not counted: the bytecode written, the files in the page cache, for both.
    start_time(ZHTJ_CHILD, str(path))
    start_time(BARE_CHILD)
    if compare is not None:
        start_time(ZHTJ_CHILD, str(other_db), root=compare)
    for _ in range(runs):
        zhtj.append(start_time(ZHTJ_CHILD, str(path), cpu=zhtj_cpu))
        bare.append(start_time(BARE_CHILD, cpu=bare_cpu))
        if compare is not None:
            other.append(start_time(ZHTJ_CHILD, str(other_db), cpu=other_cpu, root=compare))
    print(f"start to the first frame of the first screen, {runs} runs each, alternating (headless, 80x24,"
          " fresh process, frame rendered; zhtj's database opens after it):")
    print(f"  zhtj login screen : median {statistics.median(zhtj) * 1000:5.0f} ms, best {min(zhtj) * 1000:.0f} ms"
          f"  (CPU until then: median {statistics.median(zhtj_cpu) * 1000:.0f} ms)")
    print(f"  bare Textual app  : median {statistics.median(bare) * 1000:5.0f} ms, best {min(bare) * 1000:.0f} ms"
          f"  (CPU until then: median {statistics.median(bare_cpu) * 1000:.0f} ms)")
    print(f"  ratio             : median {statistics.median(zhtj) / statistics.median(bare):5.2f}x, "
          f"best {min(zhtj) / min(bare):.2f}x; CPU median {statistics.median(zhtj_cpu) / statistics.median(bare_cpu):.2f}x"
          "  (goal: at most 1.3x)")
    if compare is not None:
        print(f"  zhtj of {compare}: median {statistics.median(other) * 1000:5.0f} ms, best {min(other) * 1000:.0f} ms"
              f"  (CPU median {statistics.median(other_cpu) * 1000:.0f} ms), ratio median "
              f"{statistics.median(other) / statistics.median(bare):.2f}x, best {min(other) / min(bare):.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--children", type=int, default=2000)
    ap.add_argument("--only", choices=("startup", "tree"), help="measure only the start-up or only the tree node")
    ap.add_argument("--compare", type=Path, metavar="DIR",
                    help="also start the zhtj of this source tree (e.g. an export of an older commit)")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite"
        os.environ["ZHTJ_CONFIG"] = str(Path(tmp) / "none.toml")
        settings, who, big_id = build_db(path, args.children)
        if args.only != "tree":
            startup_figures(path, args.runs, args.compare)
        if args.only == "startup":
            return
        # The baseline before and after the interface's runs (a busy machine slows both alike).
        bare = [asyncio.run(bare_tree_page()) for _ in range((args.runs + 1) // 2)]
        runs, shown = asyncio.run(asyncio.wait_for(tree_figures(settings, who, big_id, args.runs), WAIT * 5))
        bare += [asyncio.run(bare_tree_page()) for _ in range(args.runs // 2)]
        tree_report(args.children, runs, shown, bare)


if __name__ == "__main__":
    main()
