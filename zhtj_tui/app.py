"""The terminal interface: ``ZhtjApp`` and ``make_app`` (one factory for the CLI and the
tests). The app holds the services, the logged-in session and the chosen role, and moves
between the screens; the screens do the work through the services."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING

from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.screens.help import key_name
from zhtj_tui.screens.keys import alt_digit, escape_then
from zhtj_tui.widgets.calls import ServiceCaller, log_unexpected
from zhtj_tui.widgets.keyorder import OrderedKeys
from zhtj_tui.widgets.topbar import TopBar

if TYPE_CHECKING:
    from textual.timer import Timer

    from zhtj_tui.config import Settings
    from zhtj_tui.services import Services
    from zhtj_tui.services.dto import Actor, OrgBrief, Role, Session

#: Seconds of running work before the top bars say "正在处理…".
BUSY_AFTER = 0.3


#: Called after an administrator has logged in and chosen the organisation to work in, once
#: the management centre is showing: ``hook(app, session, role)``. The progress window for
#: committee and general-branch administrators (R-PROG-1) registers itself here.
def progress_after_login(app: ZhtjApp, session: Session, role: Role) -> None:
    """R-PROG-1's window; its screens (and the progress service) load at login, not at start-up."""
    from zhtj_tui.screens.progress import after_login

    after_login(app, session, role)


AFTER_LOGIN_HOOKS: list[Callable[[ZhtjApp, Session, Role], None]] = [progress_after_login]


class ZhtjApp(OrderedKeys, ServiceCaller, App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "智慧团建"
    SUB_TITLE = "团组织管理（终端版）"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("f1", "help", "帮助", id="app.help", show=False),  # said in the top bar
        Binding("question_mark", "help", "帮助", id="app.help_q", show=False),
        Binding("ctrl+q", "quit", "退出程序", id="app.quit", priority=True, show=False),  # in the top bar
        Binding("ctrl+p", "command_palette", "命令面板", id="app.palette", show=False, priority=True),
    ]

    #: A service call has been running for a while: every ``TopBar`` shows "正在处理…".
    work_running = var(False)

    def __init__(self, settings: Settings, services: Services, owns_services: bool = False) -> None:
        super().__init__()
        self.settings = settings
        self.services = services
        self._owns_services = owns_services
        self.session: Session | None = None
        self.role: Role | None = None
        self.animation_level = "full" if settings.animations else "none"
        self._busy: set[Worker] = set()
        self._busy_timer: Timer | None = None
        #: The registration screen is kept while the app runs, so Esc keeps typed data.
        self.register_screen: Screen | None = None
        #: True from the start until the database has been opened and read (or failed).
        self.starting = False
        self._start_requested = False
        self._gc_held = False

    def on_load(self) -> None:
        # No pass of the garbage collector until the first screen is up: start-up makes tens
        # of thousands of objects (widgets, styles, parsed CSS) and frees almost none, so
        # each pass only walks them; the collector resumes at the first screen's first frame
        # (or when the app ends).
        self._gc_held = gc.isenabled()
        gc.disable()

    # -- start -------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # Under the login screen from the start, empty: a failed start writes there.
        return iter(())

    def on_mount(self) -> None:
        # The login screen first (it is the first screen but on the very first start); the
        # database is opened and read once it shows (``first_screen_shown``): the user types
        # while it opens, and a login waits for it. No organisation yet: the first-run
        # screen replaces it. Pushed once the app's start-up is over: pushed from here, the
        # screen would be laid out and painted while Textual still holds the app's repaints
        # back, then laid out and painted again (its first frame drawn twice).
        self.starting = True
        self.call_later(self.show_login)
        # The pinyin dictionary (type-ahead, searching by initials) loads while the user
        # reads the first screen, not on their first keystroke; a second after start-up, so
        # that it does not hold up the first screen itself.
        self.set_timer(1.0, lambda: self.run_worker(_warm_pinyin, thread=True, group="warm-up",
                                                    exit_on_error=False))

    def first_screen_shown(self) -> None:
        """Called by the first screen once it is up: open the database in a worker (not
        before, so that its imports do not hold up the first screen)."""
        self._resume_gc()
        if self.starting and not self._start_requested:
            self._start_requested = True
            self.call_service(self._read_top, self._started, self._start_failed, group="start")

    def _read_top(self) -> OrgBrief | None:
        """Runs in a worker: open the database (a database that cannot be used is a
        ``DomainError``), is there an organisation yet? Any failure is said on screen."""
        try:
            top = self.services.orgs.top()
            self.services.accounts  # noqa: B018 - built here, not on the first login
            return top
        except DomainError:
            raise
        except Exception as exc:  # noqa: BLE001 - shown to the user, logged without data
            log_unexpected(exc)
            raise DomainError(f"{type(exc).__name__}", None, "start_failed") from None

    def _start_failed(self, exc) -> None:
        self.starting = False
        while len(self.screen_stack) > 1:
            self.pop_screen()
        text = f"无法读取数据库：{exc.message}\n请稍后重新启动 zhtj；如反复出现，请联系服务器管理员。按 Ctrl+Q 退出。"
        found = self.query("#start-message")
        if found:
            found.first(Static).update(text)
        else:
            self.mount(TopBar("智慧团建 · 团组织管理（终端版）"), Static(text, id="start-message", markup=False))

    def _started(self, top: OrgBrief | None) -> None:
        self.starting = False
        if top is None:
            from zhtj_tui.screens.first_run import FirstRunScreen

            self.goto(FirstRunScreen())

    def _resume_gc(self) -> None:
        if self._gc_held:
            self._gc_held = False
            gc.enable()

    def on_unmount(self) -> None:
        from zhtj_tui.widgets import css_cache

        css_cache.save()
        self._resume_gc()
        gc.unfreeze()  # what ``_freeze_long_lived`` kept aside is collected again
        if self._owns_services:
            try:
                self.services.close()
            except Exception:  # noqa: BLE001 - closing on the way out
                pass

    async def action_quit(self) -> None:
        """Ctrl+Q: a screen holding unsaved input (the member entry form) asks first."""
        guard = getattr(self.screen, "before_leaving", None)
        if guard is not None:
            guard("退出程序", self.exit)
            return
        await super().action_quit()

    # -- moving between screens ----------------------------------------------------------
    def goto(self, screen: Screen) -> None:
        """Replace every screen above the base with ``screen``."""
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(screen)

    def show_login(self, login: str = "", message: str = "") -> None:
        from zhtj_tui.screens.login import LoginScreen

        self.goto(LoginScreen(login=login, message=message))

    def show_register(self, code: str = "") -> None:
        from zhtj_tui.screens.register import RegisterScreen

        if self.register_screen is None or code:
            self._drop_register_screen()
            screen = self.register_screen = RegisterScreen(code=code)
            # Installed, so that popping it (Esc) keeps its widgets and the typed data.
            self.install_screen(screen, name="register")
        self.push_screen("register")

    def _drop_register_screen(self) -> None:
        if self.is_screen_installed("register") and self.get_screen("register") not in self.screen_stack:
            self.uninstall_screen("register")
        self.register_screen = None

    def registered(self, login: str, message: str) -> None:
        """Registration done: a fresh registration screen next time (no password kept)."""
        self.register_screen = None
        self.show_login(login=login, message=message)
        self.call_after_refresh(self._drop_register_screen)

    def login_succeeded(self, session: Session) -> None:
        """After the password was verified: choose the organisation, then ``after_login``."""
        self.session = session
        if not session.roles:
            self.notify("该账号目前不是任何组织的管理员，请向上级组织索取注册码后注册", severity="error")
            return
        if len(session.roles) == 1:
            self.after_login(session, session.roles[0])
            return
        from zhtj_tui.screens.roles import RoleScreen

        self.goto(RoleScreen(session, callback=partial(self.after_login, session)))

    def after_login(self, session: Session, role: Role) -> None:
        """The administrator works in ``role``'s organisation: open the management centre,
        then run ``AFTER_LOGIN_HOOKS`` (e.g. the progress window, R-PROG-1)."""
        self.enter_centre(session, role)
        for hook in list(AFTER_LOGIN_HOOKS):
            hook(self, session, role)
        self.call_after_refresh(_freeze_long_lived)

    def enter_centre(self, session: Session, role: Role) -> None:
        from zhtj_tui.screens.centre import CentreScreen

        self.session, self.role = session, role
        self.goto(CentreScreen(self.services, session, role))

    def switch_role(self) -> None:
        if self.session is None:
            return
        from zhtj_tui.screens.roles import RoleScreen

        session = self.session
        self.push_screen(RoleScreen(session, callback=partial(self.after_login, session), modal=True))

    def logout(self) -> None:
        self.session = None
        self.role = None
        self.show_login(message="已退出登录")

    @property
    def actor(self) -> Actor | None:
        if self.session is None or self.role is None:
            return None
        return self.session.actor(self.role.org_id)

    def open_batch_create(self, services, actor: Actor, org_id: int, on_done: Callable[[], None] | None = None) -> None:
        """批量创建 (R-SUB-2): the Excel template, preview and import of direct children."""
        from zhtj_tui.screens.batch_import import BatchImportScreen

        self.push_screen(BatchImportScreen(services, actor, org_id, "orgs"), callback=lambda _r: on_done and on_done())

    def open_org(self, org_id: int) -> None:
        """Open ``org_id`` in the management centre (e.g. a child chosen in the progress window)."""
        from zhtj_tui.screens.centre import CentreScreen

        for screen in reversed(self.screen_stack):
            if isinstance(screen, CentreScreen):
                screen.select_org(org_id, reveal=True)
                return

    async def on_event(self, event: events.Event) -> None:
        """Alt+1…6 arrive from most terminals as Esc+digit, which Textual reads as the
        characters ¡™£¢∞§ that an input would type: in the management centre they are turned
        back into the keys alt+1…6 (which type nothing) before they join the queue of keys, so
        they switch the tab from inside an input too, in their turn. Elsewhere, and for
        Esc+letter (Textual's alt+letter; the program has no Alt+letter keys), they are what
        the user typed when a slow link delivers Esc and the next key together: Esc, then
        that key (registration's Esc then the mobile number for the login field)."""
        if isinstance(event, events.Key) and not event.is_forwarded:
            for key in escape_then(event, self._centre_on_top()):
                await super().on_event(key)
            return
        await super().on_event(event)

    def _centre_on_top(self) -> bool:
        return type(self.screen).__name__ == "CentreScreen"

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """No blinking cursor over SSH unless asked for (every blink is output), in every
        input of every screen, including those not made by ``make_input``."""
        if isinstance(event.widget, Input):
            event.widget.cursor_blink = bool(self.settings.cursor_blink)

    # -- busy indicator -----------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return bool(self._busy)

    def track_busy(self, worker: Worker, running: bool) -> None:
        """Show "正在处理…" while a service call runs (a worker replaced before it started
        never reports back, so finished and cancelled ones are dropped here)."""
        if running:
            self._busy.add(worker)
        else:
            self._busy.discard(worker)
        self._recheck_busy()

    def _recheck_busy(self, show: bool = False) -> None:
        """Drop the workers that no longer run; while any runs, look again a few times a
        second. "正在处理…" shows from the first look at which work is still running (so
        only for work that takes a noticeable time: a quick save does not make the top bars
        of the screens below repaint and lay out twice) and goes at once when none runs. A
        worker replaced (cancelled) before its task began never reports back and keeps the
        state RUNNING for ever (textual 8.2): a cancelled worker's outcome is dropped anyway."""
        self._busy = {w for w in self._busy
                      if w.state in (WorkerState.PENDING, WorkerState.RUNNING) and not w.is_cancelled}
        if not self._busy:
            self.work_running = False
        elif show:
            self.work_running = True
        if self._busy and self._busy_timer is None:
            self._busy_timer = self.set_interval(BUSY_AFTER, partial(self._recheck_busy, True), name="busy")
        elif not self._busy and self._busy_timer is not None:
            self._busy_timer.stop()
            self._busy_timer = None

    # -- help and the command palette ----------------------------------------------------------
    def screen_keys(self, screen: Screen) -> list[tuple[str, str]]:
        seen: set[str] = set()
        out = []
        for key, active in screen.active_bindings.items():
            b = active.binding
            # The help says what the footer abbreviates (Alt+1…6 "标签": each tab's name).
            text = b.tooltip or b.description
            if not b.id or not text or text in seen or b.system:
                continue
            seen.add(text)
            out.append((key, text))
        return out

    def action_help(self) -> None:
        from zhtj_tui.screens.help import HelpModal

        if isinstance(self.screen, HelpModal):
            return
        title = getattr(self.screen, "SCREEN_TITLE", "") or "智慧团建"
        self.push_screen(HelpModal(title, self.screen_keys(self.screen)))

    def action_command_palette(self) -> None:
        """The command palette, in Chinese: the current screen's actions (and on the
        management centre, organisations by name)."""
        from textual.command import CommandPalette

        from zhtj_tui.screens.palette import ChinesePalette

        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(ChinesePalette(id="--command-palette", placeholder="输入操作或组织（名称、拼音首字母或数字）…"))

    def action_help_quit(self) -> None:
        """Ctrl+C does not quit (it copies in inputs); say how to quit."""
        self.notify("要退出程序，请按 Ctrl+Q", title="退出")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette lists the actions of the current screen by their Chinese
        names (found by name or by its pinyin initials, see ``screens.search``)."""
        seen: set[str] = set()
        for key, active in screen.active_bindings.items():
            b = active.binding
            # Ours only (each has an id and a Chinese description); Textual's own widget
            # bindings (Cursor Down, Copy selected text…) are English and not commands.
            if not b.id or not b.description or b.action in ("command_palette",) or b.system:
                continue
            title = b.tooltip or b.description
            if not active.enabled or title in seen or alt_digit(key) and not key.startswith("alt+"):
                continue
            seen.add(title)
            yield SystemCommand(title, f"按键 {key_name(key)}",
                                partial(self.call_later, self.run_action, b.action, active.node))
        yield SystemCommand("退出程序", "关闭智慧团建终端版", self.exit)


def make_app(settings: Settings, services=None) -> ZhtjApp:
    """The app for ``settings``; its database is opened once the first screen shows,
    unless ``services`` is given (tests)."""
    owns = services is None
    if services is None:
        from zhtj_tui.config import state_dir
        from zhtj_tui.services import Services
        from zhtj_tui.widgets import css_cache

        # The program's own start (not a test's host): Textual's CSS parsed in earlier runs.
        css_cache.install(state_dir() / "textual-css.cache")

        # Opened by the start-up worker, after the first screen is up (``_read_top``).
        services = Services.open(settings, defer=True)
    return ZhtjApp(settings, services, owns_services=owns)


def _warm_pinyin() -> None:
    from zhtj_tui.domain.pinyin import initials
    from zhtj_tui.widgets import css_cache

    initials("团")
    css_cache.save()
    _freeze_long_lived()


def _freeze_long_lived() -> None:
    """Everything made so far (the interface, the pinyin dictionary: a few hundred thousand
    objects; after a login, the management centre's widgets) lives as long as the session:
    out of the collector's sight, so that a full collection later (say, while a big tree
    node opens a page) does not walk it again each time (a hundred milliseconds and more on
    a busy machine). Done once the pinyin dictionary is loaded and after each login; the
    app gives it all back to the collector when it ends."""
    gc.freeze()


if TYPE_CHECKING:
    from zhtj_tui.widgets.host import Host

    def _is_a_host(app: ZhtjApp) -> Host:
        """mypy checks here that the application gives screens what ``Host`` promises."""
        return app
