"""Starting the interface (``zhtj`` with no subcommand)."""

from __future__ import annotations

import sys


def run_interface(args, ctx) -> int:
    try:
        from zhtj_tui.app import make_app
    except ImportError:
        print("界面尚未安装完整，请使用 zhtj --help 查看可用命令", file=sys.stderr)
        return 1
    settings = ctx.settings
    if args.no_mouse:
        settings = settings.with_(mouse=False)
    if getattr(args, "demo", False):
        settings = settings.with_(offer_demo=True)
    app = make_app(settings)
    app.run(mouse=settings.mouse)
    return int(app.return_code or 0)
