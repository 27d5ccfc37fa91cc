"""The extension points other parts plug into: the hook run
after login (the progress window, R-PROG-1), the centre's pane registry, and 批量创建."""

from __future__ import annotations

from tests.tui.conftest import settle
from tests.tui.flows import login, setup_admin
from zhtj_tui import app as app_module
from zhtj_tui.app import make_app
from zhtj_tui.screens import panes


async def test_after_login_hook_and_extra_pane(tui_settings, tui_services, monkeypatch):
    """R-PROG-1's window hooks in after login; a registered pane shows where it applies."""
    top_id, who = setup_admin(tui_services)
    seen = []
    monkeypatch.setattr(app_module, "AFTER_LOGIN_HOOKS", [lambda app, session, role: seen.append(role.org_id)])

    class ProbePane(panes.CentrePane):
        changes: list[int] = []

        @classmethod
        def applies_to(cls, view, actor):
            return view.group == "committee"

        def org_changed(self, view):
            super().org_changed(view)
            ProbePane.changes.append(view.id)

    monkeypatch.setattr(panes, "PANES", list(panes.PANES))
    monkeypatch.setattr("tests.tui.test_hooks.ProbePane", ProbePane, raising=False)
    panes.register_pane(panes.PaneSpec("probe", "录入进度", "tests.tui.test_hooks:ProbePane", 50))
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        assert seen == [top_id]
        centre = pilot.app.screen
        assert "probe" in centre.panes and ProbePane.changes == [top_id]
        assert centre.query_one("#panes").get_tab("probe").display


async def test_batch_create_opens_the_excel_import(tui_settings, tui_services):
    """R-SUB-2: 批量创建 (F7 in 创建下级组织) opens the Excel import for direct children."""
    from zhtj_tui.screens.batch_import import BatchImportScreen

    top_id, who = setup_admin(tui_services)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        pilot.app.screen.query_one("#panes").active = "create"
        await settle(pilot)
        pilot.app.screen.panes["create"].field("short_name").focus_control()
        await pilot.press("f7")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, BatchImportScreen)
        assert (screen.parent_id, screen.kind) == (top_id, "orgs")
