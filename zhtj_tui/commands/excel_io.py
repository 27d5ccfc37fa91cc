"""Excel in and out on the command line (the acting identity is the server operator):

- ``zhtj export codes --org ORG -o FILE``: registration codes of all direct children (R-CODE-4)
- ``zhtj export members --org ORG -o FILE [--full-ids]``: the subtree's active members
- ``zhtj template orgs --parent ORG -o FILE`` / ``zhtj template members -o FILE``
- each of these refuses an existing FILE (exit 2, nothing written or recorded) unless ``--force``
- ``zhtj import orgs FILE --parent ORG`` / ``zhtj import members FILE --branch ORG``
  ``[--dry-run] [--json]``: exit 0 when every row was created or already existed, 1 otherwise.
"""

from __future__ import annotations

import json
import sys

from zhtj_tui.commands.orgref import resolve_org
from zhtj_tui.commands.tty_progress import TtyProgress
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.services.dto import Actor, ImportResult


def register(sub) -> None:
    exp = sub.add_parser("export", help="导出 Excel：注册码、团员名单")
    exp_sub = exp.add_subparsers(dest="what", metavar="内容", required=True)
    c = exp_sub.add_parser("codes", help="为某组织的全部直属下级组织生成注册码并导出（已有有效注册码的保留）")
    c.add_argument("--org", required=True, help="上级组织：编号、全称或简称")
    c.add_argument("-o", "--output", required=True, metavar="FILE", help="输出的 .xlsx 文件")
    c.add_argument("--force", action="store_true", help="替换已存在的同名文件（不加时已存在的文件不会被改动）")
    c.add_argument("--renew", action="store_true", help="全部重新生成（原有未使用的注册码作废）")
    c.set_defaults(func=cmd_export_codes)
    m = exp_sub.add_parser("members", help="导出某组织及其全部下级组织的团员名单")
    m.add_argument("--org", required=True, help="组织：编号、全称或简称")
    m.add_argument("-o", "--output", required=True, metavar="FILE", help="输出的 .xlsx 文件")
    m.add_argument("--force", action="store_true", help="替换已存在的同名文件（不加时已存在的文件不会被改动）")
    m.add_argument("--full-ids", action="store_true", help="导出完整的身份证号码和手机号码（默认部分隐藏）")
    m.set_defaults(func=cmd_export_members)

    tpl = sub.add_parser("template", help="下载 Excel 导入模板")
    tpl_sub = tpl.add_subparsers(dest="what", metavar="模板", required=True)
    o = tpl_sub.add_parser("orgs", help="下级组织批量创建模板（组织类别下拉列表按上级组织生成）")
    o.add_argument("--parent", required=True, help="上级组织：编号、全称或简称")
    o.add_argument("-o", "--output", required=True, metavar="FILE", help="输出的 .xlsx 文件")
    o.add_argument("--force", action="store_true", help="替换已存在的同名文件（不加时已存在的文件不会被改动）")
    o.set_defaults(func=cmd_template_orgs)
    t = tpl_sub.add_parser("members", help="团员信息导入模板")
    t.add_argument("-o", "--output", required=True, metavar="FILE", help="输出的 .xlsx 文件")
    t.add_argument("--force", action="store_true", help="替换已存在的同名文件（不加时已存在的文件不会被改动）")
    t.set_defaults(func=cmd_template_members)

    imp = sub.add_parser("import", help="从 Excel 批量导入：下级组织、团员")
    imp_sub = imp.add_subparsers(dest="what", metavar="内容", required=True)
    io = imp_sub.add_parser("orgs", help="批量创建直属下级组织")
    io.add_argument("file", help="填好的下级组织批量创建模板（.xlsx）")
    io.add_argument("--parent", required=True, help="上级组织：编号、全称或简称")
    io.add_argument("--dry-run", action="store_true", help="只检查并显示结果，不写入")
    io.add_argument("--json", action="store_true", help="以 JSON 输出每一行的结果")
    io.set_defaults(func=cmd_import_orgs)
    im = imp_sub.add_parser("members", help="向团支部批量导入团员")
    im.add_argument("file", help="填好的团员信息导入模板（.xlsx）")
    im.add_argument("--branch", required=True, help="团支部：编号、全称或简称")
    im.add_argument("--dry-run", action="store_true", help="只检查并显示结果，不写入")
    im.add_argument("--json", action="store_true", help="以 JSON 输出每一行的结果")
    im.set_defaults(func=cmd_import_members)


def cmd_export_codes(args, ctx) -> int:
    svc = ctx.services
    org_id = resolve_org(svc, args.org)
    done = svc.files.export_codes(Actor.server_operator(), org_id, args.output, overwrite=args.force, renew=args.renew)
    if done.path is None:
        print("该组织还没有直属下级组织，没有可导出的注册码")
        return 0
    print(f"已导出 {done.count} 个直属下级组织的管理员注册码（新生成 {done.new} 个）到 {done.path}")
    return 0


def cmd_export_members(args, ctx) -> int:
    svc = ctx.services
    org_id = resolve_org(svc, args.org)
    with TtyProgress("导出团员") as bar:
        done = svc.files.export_members(Actor.server_operator(), org_id, args.output, args.full_ids,
                                        overwrite=args.force, progress=bar)
    print(f"已导出“{done.org_name}”及其下级组织的 {done.count} 名团员到 {done.path}")
    if args.full_ids:
        print("注意：该文件含完整身份证号码和手机号码，请妥善保管，用后删除", file=sys.stderr)
    return 0


def cmd_template_orgs(args, ctx) -> int:
    svc = ctx.services
    parent_id = resolve_org(svc, args.parent)
    path = svc.files.org_template(Actor.server_operator(), parent_id, args.output, overwrite=args.force)
    name = svc.orgs.get(Actor.server_operator(), parent_id).short_name
    print(f"已生成“{name}”的下级组织批量创建模板：{path}")
    return 0


def cmd_template_members(args, ctx) -> int:
    path = ctx.services.files.member_template(Actor.server_operator(), None, args.output, overwrite=args.force)
    print(f"已生成团员信息导入模板：{path}")
    return 0


def cmd_import_orgs(args, ctx) -> int:
    svc = ctx.services
    parent = resolve_org(svc, args.parent)
    return _run(args, lambda: svc.org_import.run_file(Actor.server_operator(), parent, args.file, dry_run=args.dry_run))


def cmd_import_members(args, ctx) -> int:
    svc = ctx.services
    branch = resolve_org(svc, args.branch)

    def run():
        with TtyProgress("读取并检查") as bar:
            return svc.member_import.run_file(Actor.server_operator(), branch, args.file, dry_run=args.dry_run,
                                              progress=bar)

    return _run(args, run)


def _run(args, fn) -> int:
    """With --json a refusal of the whole file is JSON too (exit 2), for scripts."""
    try:
        result = fn()
    except DomainError as exc:
        if not args.json:
            raise
        print(json.dumps({"ok": False, "error": str(exc), "code": exc.code, "rows": []}, ensure_ascii=False))
        return 2
    return _report(result, args.json)


def _report(result: ImportResult, as_json: bool) -> int:
    if as_json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=1))
    else:
        what = "组织" if result.kind == "orgs" else "团员"
        for note in result.notes:
            print(note)
        for r in result.rows:
            reason = f"：{r.reason}" if r.reason else ""
            print(f"第{r.row}行  {r.name or '（空）'}  {r.outcome}{reason}")
        verb = "可创建" if result.dry_run else "已创建"
        print(f"{result.target_name}：{verb} {result.created} 个{what}，已存在 {result.existing} 个，错误 {result.refused} 行"
              + ("（试运行，未写入）" if result.dry_run else ""))
        if result.refused:
            print("请改正有错误的行后重新导入整个文件：已创建的行会显示为“已存在”，不会重复创建。")
    return 0 if result.ok else 1
