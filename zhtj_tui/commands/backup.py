"""``zhtj backup FILE [--force]`` and ``zhtj restore FILE [--force]`` (see ``zhtj_tui.db.backup``)."""

from __future__ import annotations

from zhtj_tui.db import backup as bk


def register(sub) -> None:
    b = sub.add_parser(
        "backup",
        help="备份数据库到文件（SQLite 在线备份，可在他人使用时进行；PostgreSQL 调用 pg_dump -Fc）",
    )
    b.add_argument("file", help="备份文件路径（创建时权限为 0600；文件已存在时须加 --force 才会替换）")
    b.add_argument("--force", action="store_true", help="替换已存在的同名备份文件")
    b.set_defaults(func=cmd_backup)

    r = sub.add_parser("restore", help="从备份文件恢复数据库（覆盖已有数据须加 --force）")
    r.add_argument("file", help="zhtj backup 生成的备份文件")
    r.add_argument("--force", action="store_true", help="确认覆盖已有数据的数据库")
    r.set_defaults(func=cmd_restore)


def _counts(result: bk.BackupResult) -> str:
    t = result.tables
    if not t:
        return ""
    return f"（组织 {t.get('org', 0)} 个，管理员账号 {t.get('account', 0)} 个，团员 {t.get('member', 0)} 人）"


def cmd_backup(args, ctx) -> int:
    result = bk.backup(ctx.settings.db_url, args.file, overwrite=args.force)
    print(f"已备份到 {result.path}，{result.size} 字节{_counts(result)}")
    return 0


def cmd_restore(args, ctx) -> int:
    result = bk.restore(ctx.settings.db_url, args.file, force=args.force)
    print(f"已从 {args.file} 恢复数据库{_counts(result)}")
    return 0
