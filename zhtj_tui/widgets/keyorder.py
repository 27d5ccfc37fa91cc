"""Keys are handled one at a time, in the order they were typed, by the widget that has the
focus when their turn comes.

Why this is needed: Textual's ``App`` hands each key to the *queue* of the focused widget and
at once takes the next key from the terminal. The widget handles its key later, in its own
task; a key it does not handle itself (Backspace, Delete, Ctrl+U, the arrows, Ctrl+S, Enter)
then bubbles up through the parents' queues back to the ``App``, which only then looks up
the bindings, for whatever widget has the focus *by then*. When a whole record arrives at
once (an SSH link after a stall), the App has already handed the following keys to the old
field, and a Backspace that bubbles back after an Enter moved the focus is applied to the
next field, or nowhere: keys are lost or land in the wrong field.

``OrderedKeys`` (a mixin for the ``App``) keeps the keys coming from the terminal in a
queue of its own and gives out the next one only when the previous one has been handled
completely: taken by a widget, stopped on its way up, or finished by the App's bindings.
Each key therefore sees the focus (and the screen) that all the keys before it left behind,
whatever the rate, for every key and every widget, not only for Enter in a form.

A screen may also hold the keys while it waits for something the next keys depend on, e.g.
a save after which the form is blank again (``hold_keys`` / ``release_keys``).

Knowing where a key is on its way up relies on ``Message._bubble_to`` (Textual 8); a change
there shows in ``tests/tui/test_keyorder.py``.
"""

from __future__ import annotations

import time
from collections import deque

from textual import events
from textual.message_pump import MessagePump

#: A key that has not finished after this long (a widget removed while holding it) no
#: longer holds up the ones after it.
STUCK_AFTER = 5.0
#: A hold that is never released (a save that hangs) ends after this long.
HOLD_AT_MOST = 15.0


class _Tracked:
    """Mixin for the copies of terminal events sent through the DOM: remembers which node
    holds the event now (Textual moves it to the parent with ``_bubble_to``)."""

    holder: MessagePump | None = None

    def _bubble_to(self, widget: MessagePump) -> None:
        self.holder = widget
        super()._bubble_to(widget)  # type: ignore[misc]


class TrackedKey(_Tracked, events.Key):
    pass


class TrackedPaste(_Tracked, events.Paste):
    pass


# Handlers are looked up by name: the copies are handled as the events they copy.
TrackedKey.handler_name = events.Key.handler_name
TrackedPaste.handler_name = events.Paste.handler_name


def _tracked(event: events.Key | events.Paste) -> TrackedKey | TrackedPaste:
    if isinstance(event, events.Key):
        copy: TrackedKey | TrackedPaste = TrackedKey(event.key, event.character)
    else:
        copy = TrackedPaste(event.text)
    copy.time = event.time
    return copy


class OrderedKeys:
    """Mixin for an ``App`` (put it before ``App`` in the bases).

    A key is sent through only by a *step* the App runs from its own message queue after
    the previous key has finished (or a hold was released): whatever that key asked the
    App to do meanwhile (``Widget.focus`` moves the focus in a callback of the App) is in
    the queue ahead of the step, so the next key sees its effect. A key arriving while
    nothing is under way is sent at once."""

    def _ordered_state(self) -> None:
        if "_ok_pending" not in self.__dict__:
            self._ok_pending: deque[events.Key | events.Paste] = deque()
            self._ok_current: TrackedKey | TrackedPaste | None = None
            #: Nothing under way and no step due: a new key may be sent at once.
            self._ok_ready = True
            self._ok_moved = 0.0
            self._ok_holds: dict[object, float] = {}
            self._ok_timer = None
            self._ok_screen = None

    # -- holding the keys ------------------------------------------------------------------
    def hold_keys(self, owner: object) -> None:
        """Keep the keys typed from now on until ``release_keys(owner)``."""
        self._ordered_state()
        self._ok_holds[owner] = time.monotonic()
        self._ok_ready = False
        self._ok_watch()

    def release_keys(self, owner: object, discard: bool = False) -> int:
        """Let the kept keys through (or, with ``discard``, drop them); returns how many
        keys were waiting. Call it after what the keys must find done (e.g. the focus)."""
        self._ordered_state()
        self._ok_holds.pop(owner, None)
        waiting = len(self._ok_pending)
        if discard:
            self._ok_pending.clear()
        self._ok_later()
        return waiting

    @property
    def keys_waiting(self) -> int:
        self._ordered_state()
        return len(self._ok_pending)

    @property
    def keys_idle(self) -> bool:
        """No key under way, none waiting and none held back for a step still to come (the
        focus after a save): tests and benchmarks wait for this."""
        self._ordered_state()
        return self._ok_current is None and not self._ok_pending and not self._ok_held()

    # -- the queue ---------------------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not isinstance(event, _Tracked) \
                and not event.is_forwarded:
            self._ordered_state()
            self._ok_pending.append(event)
            if self._ok_ready:
                await self._ok_send()
            else:
                self._ok_watch()
            return
        if isinstance(event, _Tracked) and event.is_forwarded:
            # Back at the App after bubbling: the App's (non-priority) bindings run now.
            await super().on_event(event)  # type: ignore[misc]
            current = self._ok_current
            if current is not None and event is current:
                self._ok_finish(current)
            return
        await super().on_event(event)  # type: ignore[misc]

    def _ok_later(self) -> None:
        """A step, behind everything already in the App's queue."""
        self._ok_ready = False
        self.call_later(self._ok_step)  # type: ignore[attr-defined]

    async def _ok_step(self) -> None:
        self._ok_ready = self._ok_current is None
        await self._ok_send()

    def _ok_held(self) -> bool:
        if not self._ok_holds:
            return False
        now = time.monotonic()
        for owner, since in list(self._ok_holds.items()):
            if now - since > HOLD_AT_MOST:
                del self._ok_holds[owner]
        return bool(self._ok_holds)

    async def _ok_send(self) -> None:
        """Send the next key through, if none is under way and nobody holds the keys."""
        if self._ok_current is not None or not self._ok_pending or self._ok_held():
            if self._ok_pending:
                self._ok_watch()
            return
        app = self
        raw = self._ok_pending.popleft()
        event = _tracked(raw)
        screen = app.screen  # type: ignore[attr-defined]
        event.holder = app.focused or screen  # type: ignore[attr-defined]  # where App.on_event sends it
        self._ok_current = event
        self._ok_ready = False
        self._ok_moved = time.monotonic()
        self._ok_screen = screen
        await super().on_event(event)  # type: ignore[misc]  # priority bindings, then forwarding
        if event is not self._ok_current:
            return
        if event.is_forwarded:
            self._ok_follow(event)
        else:
            # Taken by a priority binding (or dropped by the App): done.
            self._ok_finish(event)

    def _ok_follow(self, event: TrackedKey | TrackedPaste) -> None:
        """Wait for the node holding ``event`` to be done with it, then look again."""
        node = event.holder
        if node is None or node is self:
            return  # the App finishes it in ``on_event``
        if not node.call_later(self._ok_check, event, node):
            self.call_later(self._ok_finish, event)  # type: ignore[attr-defined]  # the node has closed

    def _ok_check(self, event: TrackedKey | TrackedPaste, node: MessagePump) -> None:
        """Runs in ``node``'s task after it handled ``event``."""
        if event is not self._ok_current:
            return
        if event.holder is node:
            # Handled and stopped here (or dropped): the next key may go.
            self.call_later(self._ok_finish, event)  # type: ignore[attr-defined]
        else:
            self._ok_follow(event)

    def _ok_finish(self, event: TrackedKey | TrackedPaste) -> None:
        if event is not self._ok_current:
            return
        self._ok_current = None
        self._ok_moved = time.monotonic()
        self._ok_ready = False
        screen = self.screen  # type: ignore[attr-defined]
        if screen is not self._ok_screen:
            # The key opened or closed a screen: the next key goes there once it is shown
            # and has its focus.
            screen.call_after_refresh(self._ok_step)
            if self._ok_pending:
                self._ok_watch()
        else:
            self.call_later(self._ok_step)  # type: ignore[attr-defined]

    def _ok_watch(self) -> None:
        """A slow timer that unblocks the queue if a key, a step or a hold is stuck."""
        if self._ok_timer is None:
            self._ok_timer = self.set_interval(0.5, self._ok_tick, name="ordered-keys")  # type: ignore[attr-defined]
        else:
            self._ok_timer.resume()

    def _ok_tick(self) -> None:
        if self._ok_pending and time.monotonic() - self._ok_moved > STUCK_AFTER:
            self._ok_current = None  # a widget went away with the key: go on
            self._ok_moved = time.monotonic()
            self._ok_later()
        elif self._ok_pending and self._ok_holds and not self._ok_held():
            self._ok_later()  # a hold ran out
        if not self._ok_pending and not self._ok_holds and self._ok_timer is not None:
            self._ok_timer.pause()


def hold_keys(app: object, owner: object) -> None:
    """``app.hold_keys(owner)`` where the application keeps the keys in order (not every
    test host does)."""
    if isinstance(app, OrderedKeys):
        app.hold_keys(owner)


def release_keys(app: object, owner: object, discard: bool = False) -> int:
    if isinstance(app, OrderedKeys):
        return app.release_keys(owner, discard)
    return 0
