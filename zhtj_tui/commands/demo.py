"""``zhtj demo``: fill an empty database with deterministic demonstration data
(see ``zhtj_tui.demo`` for what each scale holds)."""

from __future__ import annotations

import sys
import time

TABLE_LABELS = {
    "org": "组织", "member": "团员", "account": "管理员账号", "admin_role": "管理员身份", "reg_code": "注册码",
    "cadre": "书记（团干部）", "deadline_task": "截止任务", "audit_log": "审计记录",
}


#: What each planted defect of the demo data is, as the operator reads it.
DEFECT_LABELS = {
    "no_branches": "团总支下没有团支部",
    "no_secretary": "没有录入书记",
    "no_admin": "没有管理员注册（注册码未使用），信息未填写，没有团员",
    "over_age": "有一名团员已满28周岁（超龄）",
    "few_members": "只有2名团员（少于3人）",
}


def register(sub) -> None:
    p = sub.add_parser("demo", help="向空数据库写入演示数据（small / university / province 三种规模）")
    p.add_argument("--scale", choices=("small", "university", "province"), default="small",
                   help="规模：small 约1千团员；university 约3千组织、6万团员；province 约30万组织、500万团员（宜用 PostgreSQL）")
    p.add_argument("--seed", type=int, default=2018, help="随机种子（相同种子生成相同数据，默认 2018）")
    p.add_argument("--force", action="store_true", help="清空此前由 zhtj demo 生成的数据后重新生成")
    p.add_argument("-v", "--verbose", action="store_true", help="另在标准错误输出中列出各步骤用时")
    p.set_defaults(func=cmd_demo)


def cmd_demo(args, ctx) -> int:
    from zhtj_tui.demo import generate

    svc = ctx.services  # creates the schema if needed
    last = [0.0]

    def progress(counts) -> None:
        now = time.monotonic()
        if args.scale != "small" and now - last[0] > 5:
            last[0] = now
            print(f"  已写入 {counts.rows['org']:,} 个组织、{counts.rows['member']:,} 名团员…", file=sys.stderr,
                  flush=True)

    if args.scale == "province" and svc.store.provider == "sqlite":
        print("提示：province 规模约 500 万团员，建议使用 PostgreSQL（--db postgresql://…）；"
              "写入 SQLite 文件需要较长时间和数 GB 磁盘空间", file=sys.stderr)
    print(f"正在生成演示数据（规模 {args.scale}，随机种子 {args.seed}）：{svc.store.url.describe()}")
    report = generate(svc.settings.db_url, svc.settings, svc.accounts.hasher, args.scale, args.seed, args.force,
                      progress)
    for table, label in TABLE_LABELS.items():
        print(f"  {label}：{report.counts.get(table, 0):,}")
    print(f"共 {report.rows:,} 行，用时 {report.seconds:.1f} 秒，{report.rate:,.0f} 行/秒")
    if report.phases and args.verbose:
        names = {"rows": "生成并写入", "counts": "各组织计数", "indexes": "建索引和约束", "commit": "提交",
                 "statistics": "统计信息"}
        print("各步骤用时：" + "，".join(f"{names.get(k, k)} {v:.1f} 秒" for k, v in report.phases.items()),
              file=sys.stderr)
        if report.server.get("copying"):
            print(f"  服务器写入（COPY）共 {report.server['copying']:.1f} 秒，"
                  f"其间本程序等待服务器 {report.server['waited']:.1f} 秒", file=sys.stderr)
    if report.logins:
        print(f"演示登录（手机号码 + 密码 {report.password}）：")
        for login in report.logins:
            print(f"  {login.mobile}  {login.name}（{login.org_name} {login.post}）")
    if report.defects:
        print("预置的问题（供录入进度与检查使用）：")
        for kind, name in report.defects.items():
            print(f"  {name}：{DEFECT_LABELS.get(kind, kind)}")
    return 0
