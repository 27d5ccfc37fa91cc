"""The management centre (管理中心): the organisation tree of the administrator's subtree on
the left, the panes of the selected organisation on the right (see ``panes.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static, TabbedContent, TabPane, Tabs

from zhtj_tui.domain import paths
from zhtj_tui.domain.orgs import INFO_LABELS
from zhtj_tui.screens.keys import ALT_DIGIT_KEYS
from zhtj_tui.screens.panes import PANES, CentrePane, pane_specs
from zhtj_tui.screens.search import OrgSearchProvider, SearchModal
from zhtj_tui.services.dto import OrgBrief, OrgView, Role, Session
from zhtj_tui.widgets.calls import ServiceCaller
from zhtj_tui.widgets.host import host
from zhtj_tui.widgets.keyorder import hold_keys, release_keys
from zhtj_tui.widgets.org_tree import OrgTree
from zhtj_tui.widgets.topbar import TopBar

if TYPE_CHECKING:
    from zhtj_tui.services import Services

#: The tabs' titles in their order (Alt+1…6 reach them directly).
TAB_TITLES = tuple(p.title for p in sorted(PANES, key=lambda p: p.order))[:6]


# A tab chosen by key gets the focus inside it within FOCUS_TRIES x FOCUS_STEP seconds.
FOCUS_STEP = 0.02
FOCUS_TRIES = 150
FOCUS_ASKS = 5

class CentreTabs(TabbedContent):
    """The centre's tabs. ``TabbedContent`` switches to the tab of a widget that got the focus
    when that news arrives, which is a message later: a focus asked for just before Alt+n
    chose another tab would switch back. Here the tab follows the focus only while the focus
    is still inside that tab."""

    def _on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        focused = self.screen.focused
        if focused is None or event.tab_pane not in focused.ancestors:
            event.stop()
            event.prevent_default()  # the base class's handler would switch the tab


class CentreScreen(ServiceCaller, Screen):
    SCREEN_TITLE = "管理中心"
    #: Its layout, read when the centre first opens (not parsed before the login screen).
    CSS_PATH = "centre.tcss"
    COMMANDS = {OrgSearchProvider}
    BINDINGS = [
        # Short labels so that the footer fits 80 columns with any tab's own keys; the help
        # (F1) says them in full (the tooltip).
        Binding("f3", "search", "查找", id="centre.search", tooltip="查找组织"),
        Binding("ctrl+f", "search", "查找组织", id="centre.search_ctrl", show=False),
        Binding("f4", "focus_tree", "组织树", id="centre.tree", show=False),  # Esc too; room in the footer
        Binding("f5", "focus_panes", "面板", id="centre.panes", tooltip="切换面板（到标签行，再按进入面板）"),
        Binding("f6", "toggle_tree", "隐藏/显示组织树", id="centre.toggle_tree", show=False),
        Binding("f2", "switch_role", "切换", id="centre.switch", tooltip="切换组织（有多个管理员身份时）"),
        Binding("f9", "logout", "注销", id="centre.logout", tooltip="退出登录"),
        # 修改密码 and 交接 (R-REG-6, R-REG-7); listed in F1 help and the command palette.
        Binding("f10", "account", "我的账号", id="centre.account", show=False),
        # Also from the tree or another pane, not only inside 创建下级组织.
        Binding("f7", "batch_create", "批量创建", id="centre.batch", show=False),
        Binding("f8", "correct", "更正", id="centre.correct", show=False),
        Binding("escape", "focus_tree", "返回组织树", id="centre.escape", show=False),
        # Each tab directly (Alt+1…6, in the order of the tabs); one footer entry says all six.
        # Both forms of the key are bound (see screens.keys); inside an input, where the
        # Option character would be typed, the application hands them to ``action_tab``.
        *(Binding(f"alt+{n},{ALT_DIGIT_KEYS[n - 1]}", f"tab({n})", "标签" if n == 1 else f"“{title}”标签",
                  id=f"centre.tab{n}", show=n == 1, key_display="Alt+1…6" if n == 1 else None,
                  tooltip=f"“{title}”标签")
          for n, title in enumerate(TAB_TITLES, start=1)),
    ]

    def __init__(self, services: Services, session: Session, role: Role) -> None:
        super().__init__()
        self.services = services
        self.session = session
        self.role = role
        self.actor = session.actor(role.org_id)
        self.view: OrgView | None = None
        self.specs = pane_specs()
        self.panes: dict[str, CentrePane] = {}
        self._focus_pane_once = False
        #: The tab to open on: the one this administrator used last (``services.prefs``), a
        #: branch administrator's first time 团员 (their main work); None until read.
        self._wanted_tab: str | None = None
        self._tab_restored = False
        self._auto_tab = ""

    def compose(self) -> ComposeResult:
        r = self.role
        yield TopBar(f"管理中心 · {self.session.name}（{r.org_name} {r.post_name}）")
        root = OrgBrief(r.org_id, r.org_name, r.category_name, r.group, 0)
        with Horizontal(id="centre"):
            yield OrgTree(self.services, self.actor, root, id="tree")
            with Vertical(id="right"):
                yield Static("", id="org-path", markup=False)
                with CentreTabs(id="panes"):
                    for spec in self.specs:
                        pane = spec.load()(self.services, self.actor, r.org_id, id=f"pane-{spec.id}")
                        self.panes[spec.id] = pane
                        with TabPane(spec.title, id=spec.id):
                            yield pane
        yield Footer(compact=True, show_command_palette=False)  # Ctrl+P: in F1

    def on_mount(self) -> None:
        tree = self.query_one(OrgTree)
        if self.role.group == "branch":
            # A branch has no organisation below it: its tree would be one line beside a
            # cut-off form. The form gets the whole width (F4 still shows the tree).
            tree.display = False
            self._focus_pane_once = True
        else:
            tree.focus()
        self.select_org(self.role.org_id)
        prefs, account = self.services.prefs, self.session.account_id
        self.call_service(lambda: prefs.get(account, "centre_tab") or "", self._tab_read,
                          lambda _exc: self._tab_read(""), group="centre-tab")

    def _tab_read(self, tab: str) -> None:
        self._wanted_tab = tab or ("members" if self.role.group == "branch" else "")
        self._restore_tab()

    def _restore_tab(self) -> None:
        """Once both the organisation and the remembered tab are known: open that tab."""
        if self._tab_restored or self._wanted_tab is None or self.view is None:
            return
        self._tab_restored = True
        pane = self.panes.get(self._wanted_tab)
        if pane is not None and type(pane).applies_to(self.view, self.actor):
            tabs = self.query_one("#panes", TabbedContent)
            if tabs.active != self._wanted_tab:
                self._auto_tab = self._wanted_tab
                tabs.active = self._wanted_tab
                if self.role.group == "branch":
                    self.call_after_refresh(self._focus_active_pane)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """Remember the tab the administrator chose (not one the centre switched to)."""
        tab = getattr(event.pane, "id", None) or ""
        if not self._tab_restored or tab not in self.panes or tab == self._auto_tab:
            self._auto_tab = ""
            return
        prefs, account = self.services.prefs, self.session.account_id
        self.call_service(lambda: prefs.set(account, "centre_tab", tab), lambda _r: None,
                          lambda _exc: None, group="centre-tab-save")

    # -- selecting an organisation ---------------------------------------------------------------
    def select_org(self, org_id: int, reveal: bool = False) -> None:
        """Show ``org_id`` on the right; with ``reveal``, also open the tree down to it and put
        the cursor on it (a search hit or a child chosen in 录入进度 may be deep down)."""
        services, actor = self.services, self.actor

        def shown(view: OrgView) -> None:
            self.show_org(view)
            if reveal:
                self.query_one(OrgTree).reveal(view.id, path_ids(view.path))

        self.call_service(lambda: services.orgs.get(actor, org_id), shown, group="centre-org", latest_only=True)

    def show_org(self, view: OrgView) -> None:
        self.view = view
        status = "信息完整" if view.info_complete else (
            "信息未完整：缺" + "、".join(INFO_LABELS.get(k, k) for k in view.missing_fields[:3])
            + ("等" if len(view.missing_fields) > 3 else ""))
        line = self.query_one("#org-path", Static)
        width = (line.content_region.width or 50) - 1
        line.update(f"{fit_path(view.path_names, f'（{view.category_name}）', width)}\n{status}")
        tabs = self.query_one("#panes", TabbedContent)
        first_visible = None
        for spec in self.specs:
            pane = self.panes[spec.id]
            applies = type(pane).applies_to(view, self.actor)
            if applies:
                tabs.show_tab(spec.id)
                pane.org_changed(view)
                first_visible = first_visible or spec.id
            else:
                tabs.hide_tab(spec.id)
        active = tabs.active
        if first_visible and (not active or not type(self.panes[active]).applies_to(view, self.actor)):
            self._auto_tab = first_visible
            tabs.active = first_visible
        self._restore_tab()
        if self._focus_pane_once:
            self._focus_pane_once = False
            self.call_after_refresh(self._focus_active_pane)

    def _focus_active_pane(self) -> None:
        pane = self.panes.get(self.query_one("#panes", TabbedContent).active or "")
        if pane is not None:
            pane.focus_first()

    def on_org_tree_org_chosen(self, event: OrgTree.OrgChosen) -> None:
        self.select_org(event.org_id)

    def on_centre_pane_orgs_changed(self, event: CentrePane.OrgsChanged) -> None:
        self.query_one(OrgTree).reload(event.org_id)
        for pane in self.panes.values():
            pane.orgs_changed(event.org_id)
        if self.view is not None and self.view.id == event.org_id:
            self.select_org(event.org_id)

    def on_centre_pane_view_updated(self, event: CentrePane.ViewUpdated) -> None:
        self.show_org(event.view)

    def on_progress_pane_org_chosen(self, event) -> None:
        """Enter on a branch in 录入进度 opens it here."""
        self.select_org(event.org_id, reveal=True)

    # -- actions ------------------------------------------------------------------------------
    def action_search(self) -> None:
        def chosen(org_id: int | None) -> None:
            if org_id is not None:
                self.select_org(org_id, reveal=True)

        self.app.push_screen(SearchModal(self.services, self.actor), chosen)

    def action_focus_tree(self) -> None:
        tree = self.query_one(OrgTree)
        tree.display = True
        tree.focus()

    def action_focus_panes(self) -> None:
        """F5: to the row of tabs (←→ choose a pane); pressed again, into the chosen pane."""
        tabs = self.query_one("#panes", TabbedContent)
        bar = tabs.query_one(Tabs)
        if self.focused is not bar:
            bar.focus()
            return
        pane = self.panes.get(tabs.active or "")
        if pane is not None:
            pane.focus_first()

    def action_tab(self, n: int) -> None:
        """Alt+n: the n-th tab (as the tabs are ordered), its first field or table focused."""
        if not 1 <= n <= len(self.specs):
            return
        spec = self.specs[n - 1]
        pane = self.panes[spec.id]
        if self.view is not None and not type(pane).applies_to(self.view, self.actor):
            self.notify(f"“{spec.title}”标签不适用于{self.view.short_name}", severity="warning")
            return
        tabs = self.query_one("#panes", TabbedContent)
        if tabs.active != spec.id:
            # A focused widget in the pane being hidden would hand the focus to a sibling in
            # the same pane, whose tab Textual would then show again: nothing keeps the focus
            # during the switch (the keys wait, below).
            self.set_focus(None)
        tabs.active = spec.id
        # The keys typed after Alt+n belong inside the tab: they wait until its focus is set.
        hold_keys(self.app, self)
        self._focus_when_shown(tabs, spec.id, pane, FOCUS_TRIES)

    def _focus_when_shown(self, tabs: TabbedContent, tab: str, pane: CentrePane, tries: int,
                          asked: int = 0) -> None:
        """Focus inside ``pane`` once its tab is shown (a hidden widget takes no focus; on
        a busy machine the switch may take many refreshes), for at most ``tries`` short
        timer steps, and only while that tab is still the one chosen; then let the keys go.
        A pane with nothing to focus yet (still loading) is asked FOCUS_ASKS times. The focus
        put outside the tabs meanwhile (the tree, by a key or a click) stays there."""
        focused = self.focused
        if tabs.active != tab or tries <= 0 or asked >= FOCUS_ASKS or (
                focused is not None and (focused is pane or pane in focused.ancestors
                                         or tabs not in focused.ancestors)):
            release_keys(self.app, self)
            return
        if pane.region.area:
            pane.focus_first()
            asked += 1
        self.set_timer(FOCUS_STEP, lambda: self._focus_when_shown(tabs, tab, pane, tries - 1, asked))

    def action_toggle_tree(self) -> None:
        tree = self.query_one(OrgTree)
        tree.display = not tree.display

    def action_batch_create(self) -> None:
        """F7: 批量创建 (R-SUB-2) for the organisation shown, when children may be created here."""
        pane = self.panes.get("create")
        if pane is None or self.view is None:
            return
        if not type(pane).applies_to(self.view, self.actor):
            if self.view.is_branch:
                self.notify("团支部之下不设组织，不能批量创建。请在组织树中选中您管理的团委或团总支", severity="warning")
            else:
                self.notify("只能为本组织批量创建直属下级组织：请先在组织树中选中您管理的组织（F4）",
                            severity="warning")
            return
        self.query_one("#panes", TabbedContent).active = "create"
        batch = getattr(pane, "action_batch", None)  # CreateChildPane's (panes load lazily)
        if batch is not None:
            batch()

    def action_correct(self) -> None:
        """F8: the parent's correction of a child's locked fields, wherever the focus is
        (the note above the form says F8)."""
        if self.view is None or "info" not in self.panes:
            return
        if not self.view.correctable or self.view.editable:
            self.notify("只有直属上级组织的管理员可以更正该组织锁定的信息；请选中您的直属下级组织",
                        severity="warning")
            return
        self.query_one("#panes", TabbedContent).active = "info"
        correct = getattr(self.panes["info"], "action_correct", None)  # OrgInfoPane's (panes load lazily)
        if correct is not None:
            correct()

    def action_account(self) -> None:
        """F10 我的账号: change the password (R-REG-7) or hand over (R-REG-6)."""
        from zhtj_tui.screens.fix_dialogs import AccountModal, PasswordModal

        def chosen(what: str | None) -> None:
            if what == "password":
                self.app.push_screen(PasswordModal(self.services, self.session.account_id), self._password_changed)
            elif what == "hand_over":
                self._hand_over()

        r = self.role
        self.app.push_screen(AccountModal(self.session.name, r.org_name, r.post_name), chosen)

    def _password_changed(self, changed: bool | None) -> None:
        if changed:
            self.notify("密码已修改，下次登录请使用新密码")

    def _hand_over(self) -> None:
        from zhtj_tui.screens.confirm import PromptModal
        from zhtj_tui.screens.fix_dialogs import hand_over_code_modal

        services, actor, fmt = self.services, self.actor, host(self).settings.fmt

        def handed(result) -> None:
            self.app.push_screen(hand_over_code_modal(result.code, fmt), lambda _r: host(self).logout())

        def with_reason(reason: str | None) -> None:
            if reason:
                self.call_service(lambda: services.admins.hand_over(actor, reason), handed, group="hand-over")

        self.app.push_screen(PromptModal(
            "交接管理员", "交接原因：", ok="交接",
            help_text=f"将为 {self.role.org_name} 的继任者生成管理员注册码，并停用您本人在该组织的管理员身份；"
                      "之后您将退出登录。"), with_reason)

    def action_switch_role(self) -> None:
        host(self).switch_role()

    def action_logout(self) -> None:
        host(self).logout()

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "switch_role":
            return len(self.session.roles) > 1
        return True


def path_ids(path: str) -> tuple[int, ...]:
    """'/1/7/42/' -> (1, 7, 42): the ids from the top organisation down to the organisation."""
    return tuple(paths.ids(path))


def fit_path(names: tuple[str, ...], suffix: str, cells: int) -> str:
    """The path on one line of ``cells``: the nearest ancestors kept, the farthest ones
    dropped first ("… / 医学院团委 / 临床医学专业2023级2班团支部（团支部）")."""
    parts = list(names)
    text = " / ".join(parts) + suffix
    while len(parts) > 1 and cell_len(text) > cells:
        parts.pop(0)
        text = "… / " + " / ".join(parts) + suffix
    return text
