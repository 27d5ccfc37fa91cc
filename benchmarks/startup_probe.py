"""Start one app headless at 80x24, wait for its first screen, and exit: the subject of
the start-up row. ``startup_probe.py bare`` starts a bare Textual app; ``startup_probe.py
zhtj DB_URL`` starts zhtj (``zhtj_tui.app.make_app``). Prints peak RSS as JSON."""

from __future__ import annotations

import asyncio
import json
import resource
import sys


def build_app(argv: list[str]):
    if argv[0] == "bare":
        from textual.app import App
        from textual.widgets import Footer, Header, Static

        class Bare(App):
            def compose(self):
                yield Header()
                yield Static("智慧团建")
                yield Footer()

        return Bare()
    from zhtj_tui.app import make_app
    from zhtj_tui.config import load_settings

    return make_app(load_settings(argv[1]))


async def first_screen(app) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()


def main() -> None:
    app = build_app(sys.argv[1:])
    asyncio.run(first_screen(app))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"maxrss_mib": rss}))


if __name__ == "__main__":
    main()
