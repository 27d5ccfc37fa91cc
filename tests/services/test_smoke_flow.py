"""The four-step workflow of SPEC §2 on both backends."""

from tests.helpers import person, register_admin
from zhtj_tui.services.dto import Actor


def test_workflow_register_fill_create_issue(svc):
    # R-CODE-6: the top organisation's first code comes from the server operator.
    op = Actor.server_operator()
    top = svc.orgs.create_top(op, "石河子大学团委", "团委", "石河子大学共青团委员会")
    code = svc.codes.issue(op, top.id)
    session, who = register_admin(svc, code.code)
    me = session.actor(top.id)
    assert [r.org_id for r in session.roles] == [top.id]
    view = svc.orgs.save_info(me, top.id, {
        "full_name": "石河子大学共青团委员会", "industry": "普通高等院校",
        "admin_quota": 3, "admin_actual": 2, "inst_quota": 0, "inst_actual": 0,
        "secretary_name": who.name, "secretary_id": who.id_number, "secretary_mobile": who.mobile,
    }, expected_version=top.version)
    assert view.info_complete and view.missing_fields == ()
    child = svc.orgs.create_child(me, top.id, "师范学院团委", "团委")
    assert child.path == f"/{top.id}/{child.id}/"
    child_code = svc.codes.show_or_issue(me, child.id)
    assert len(child_code.code) == 8
    rows = svc.orgs.list_children(me, top.id).items
    assert [(r.short_name, r.code_status) for r in rows] == [("师范学院团委", "有效")]
    session2, _ = register_admin(svc, child_code.code, person(name="李四"))
    assert session2.roles[0].path_names == ("石河子大学团委", "师范学院团委")
