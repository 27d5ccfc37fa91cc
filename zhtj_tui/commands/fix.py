"""Fixing mistakes from the command line, for the server operator:

``zhtj org move ORG --to ORG --reason …`` and ``zhtj org delete ORG --reason …`` correct the
tree (R-TREE-6); ``zhtj account unlock ACCOUNT`` lifts a password lock and
``zhtj account reset ACCOUNT`` issues a one-time password reset code (R-REG-7). Organisations
are named by id, 全称 or unambiguous 简称 (``OrgService.resolve``); accounts by mobile
number or ID number.
"""

from __future__ import annotations

from zhtj_tui.commands.orgref import resolve_org
from zhtj_tui.services.dto import Actor


def register(sub) -> None:
    org = sub.add_parser("org", help="更正组织树：移动或删除组织（需填写原因，记入审计日志）")
    org_sub = org.add_subparsers(dest="org_command", metavar="操作", required=True)
    mv = org_sub.add_parser("move", help="把组织连同其全部下级和团员移到另一个上级组织之下")
    mv.add_argument("org", help="要移动的组织：编号、全称或简称")
    mv.add_argument("--to", required=True, metavar="ORG", help="新的上级组织：编号、全称或简称")
    mv.add_argument("--reason", required=True, help="移动原因，例如 隶属关系错误")
    mv.set_defaults(func=cmd_move)
    rm = org_sub.add_parser("delete", help="删除误建的空组织（没有下级组织、团员、管理员和团干部）")
    rm.add_argument("org", help="要删除的组织：编号、全称或简称")
    rm.add_argument("--reason", required=True, help="删除原因，例如 重复创建")
    rm.set_defaults(func=cmd_delete)

    acc = sub.add_parser("account", help="管理员账号：解除锁定、生成密码重置码")
    acc_sub = acc.add_subparsers(dest="account_command", metavar="操作", required=True)
    un = acc_sub.add_parser("unlock", help="解除因密码连续错误造成的锁定")
    un.add_argument("account", help="账号：手机号码或身份证号码")
    un.set_defaults(func=cmd_unlock)
    rs = acc_sub.add_parser("reset", help="生成一次性密码重置码（24小时内有效），并解除锁定")
    rs.add_argument("account", help="账号：手机号码或身份证号码")
    rs.set_defaults(func=cmd_reset)


def cmd_move(args, ctx) -> int:
    svc = ctx.services
    org_id = resolve_org(svc, args.org)
    target_id = resolve_org(svc, args.to)
    result = svc.orgs.move(Actor.server_operator(), org_id, target_id, args.reason)
    print(f"已移动：{result.short_name}（编号 {result.org_id}）")
    print(f"现在位于：{' / '.join(result.path_names)}")
    print(f"随之移动的下级组织 {result.orgs - 1} 个、团员 {result.members} 名；原因已记入审计日志。")
    return 0


def cmd_delete(args, ctx) -> int:
    svc = ctx.services
    org_id = resolve_org(svc, args.org)
    result = svc.orgs.delete(Actor.server_operator(), org_id, args.reason)
    print(f"已删除：{result.short_name}（编号 {result.org_id}）；原因已记入审计日志。")
    return 0


def cmd_unlock(args, ctx) -> int:
    acc_id, name, was_locked = ctx.services.accounts.unlock(Actor.server_operator(), args.account)
    if was_locked:
        print(f"已解除 {name}（账号编号 {acc_id}）的锁定，现在可以重新登录。")
    else:
        print(f"{name}（账号编号 {acc_id}）当前没有被锁定；密码错误计数已清零。")
    return 0


def cmd_reset(args, ctx) -> int:
    svc = ctx.services
    view = svc.accounts.operator_reset(Actor.server_operator(), args.account)
    print(f"账号：{view.name}（账号编号 {view.account_id}），锁定已解除")
    print(f"密码重置码：{view.code}")
    print(f"有效期至：{svc.settings.fmt(view.expires_at)}（只能使用一次）")
    print("请将重置码交给本人：在登录界面按 F3（忘记密码），输入账号、重置码和新密码。")
    return 0
