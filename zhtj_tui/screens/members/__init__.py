"""团员管理: the member table (``pane.MembersPane``), the keyboard-only rapid entry form
(``entry.MemberEntryScreen``) and the small dialogs they use (``dialogs``). Built with
``(services, actor, org_id)`` so that the management centre can mount them as a pane."""

from zhtj_tui.screens.confirm import ConfirmModal
from zhtj_tui.screens.members.dialogs import RemoveReasonModal, TransferModal
from zhtj_tui.screens.members.entry import MemberEntryScreen
from zhtj_tui.screens.members.fields import FORM_FIELDS, PLACEHOLDERS, STICKY_FIELDS, _choices
from zhtj_tui.screens.members.pane import MembersPane

__all__ = ["FORM_FIELDS", "PLACEHOLDERS", "STICKY_FIELDS", "ConfirmModal", "MemberEntryScreen", "MembersPane",
           "RemoveReasonModal", "TransferModal", "_choices"]
