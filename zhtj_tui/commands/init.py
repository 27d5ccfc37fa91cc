"""``zhtj init``: the top organisation of a deployment and its first code (R-CODE-6);
``zhtj code ORG``: a fresh code for any organisation (a lost code)."""

from __future__ import annotations

from zhtj_tui.commands.orgref import resolve_org
from zhtj_tui.services.dto import Actor


def register(sub) -> None:
    p = sub.add_parser("init", help="创建本系统的顶级组织并输出其第一个管理员注册码")
    p.add_argument("--name", required=True, help="组织简称，例如 石河子大学团委")
    p.add_argument("--full-name", default=None, help="组织全称")
    p.add_argument("--category", default="团委", help="组织类别（默认 团委）")
    p.set_defaults(func=cmd_init)

    c = sub.add_parser("code", help="为任一组织补发管理员注册码（原注册码作废）")
    c.add_argument("org", help="组织编号、全称或简称")
    c.set_defaults(func=cmd_code)


def cmd_init(args, ctx) -> int:
    svc = ctx.services
    op = Actor.server_operator()
    org = svc.orgs.create_top(op, args.name, args.category, args.full_name)
    code = svc.codes.issue(op, org.id)
    print(f"已创建顶级组织：{org.short_name}（{org.category_name}，编号 {org.id}）")
    print(f"管理员注册码：{code.code}")
    print(f"有效期至：{svc.settings.fmt(code.expires_at)}")
    print("请将注册码交给该组织的管理员，在 zhtj 界面中选择“注册管理员”使用。")
    return 0


def cmd_code(args, ctx) -> int:
    svc = ctx.services
    org_id = resolve_org(svc, args.org)
    code = svc.codes.issue(Actor.server_operator(), org_id)
    print(f"组织：{code.org_name}（{code.category_name}，编号 {code.org_id}）")
    print(f"管理员注册码：{code.code}")
    print(f"有效期至：{svc.settings.fmt(code.expires_at)}")
    print("该组织此前未使用的注册码已作废。")
    return 0
