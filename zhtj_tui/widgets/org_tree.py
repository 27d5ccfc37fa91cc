"""The organisation tree of the administrator's subtree. Children are loaded when a node
opens, a page at a time (services.orgs.children); a node with more children than a page
ends in a "更多…" entry that loads the next page (DESIGN rule 8)."""

from __future__ import annotations

import gc
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.services.dto import Actor, OrgBrief, Page
from zhtj_tui.widgets.calls import ServiceCaller

if TYPE_CHECKING:
    from zhtj_tui.services import Services


@dataclass
class OrgNode:
    org_id: int
    name: str
    loaded: bool = False


@dataclass
class MoreNode:
    parent_id: int
    after: tuple
    shown: int
    total: int | None


class OrgTree(ServiceCaller, Tree):
    """Emits ``OrgTree.OrgChosen`` when an organisation is selected (Enter).

    A page of children is shown without laying the screen out again: the tree's size is
    set by the screen (``#tree``), not by its rows, so new rows change only what the tree
    can scroll (its scroll bars), which the tree updates itself; Textual's Tree would lay
    out the whole management centre for each row added, then for the new scrollable size.
    A tree sized by its content (``auto``) is laid out as Textual does it."""

    #: What the rows span (Textual's Widget lays the screen out when it changes).
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False, repaint=True)

    BINDINGS = [
        Binding("enter", "select_cursor", "选择", id="tree.select", show=False),
        Binding("space", "toggle_node", "展开/收起", id="tree.toggle", show=False),
    ]

    class OrgChosen(Message):
        def __init__(self, org_id: int) -> None:
            super().__init__()
            self.org_id = org_id

    class PageLoaded(Message):
        """A page of children was added (tests and benchmarks wait for it)."""

        def __init__(self, org_id: int, count: int) -> None:
            super().__init__()
            self.org_id = org_id
            self.count = count

    def __init__(self, services: Services, actor: Actor, root: OrgBrief, **kw) -> None:
        #: Cells of each node's label, by node id (names do not change once shown).
        self._label_cells: dict[int, int] = {}
        super().__init__(self._label(root), data=OrgNode(root.id, root.short_name), **kw)
        self.services = services
        self.actor = actor
        self.root_brief = root
        self.show_root = True
        self.guide_depth = 2

    @staticmethod
    def _label(b: OrgBrief) -> Text:
        # Plain text: a name is never read as markup ("[" is an ordinary character).
        return Text(b.short_name)

    def get_label_width(self, node: TreeNode) -> int:
        """What ``render_label`` would measure (the open/closed icon, then the name),
        without rendering the label: the tree measures every shown node each time its rows
        change, and a node may hold thousands of children."""
        cells = self._label_cells.get(node.id)
        if cells is None:
            label = node.label
            cells = self._label_cells[node.id] = label.cell_len if isinstance(label, Text) else cell_len(label)
        if node.allow_expand:
            cells += cell_len(self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE)
        return cells

    def _sized_by_rows(self) -> bool:
        return bool(self.styles.auto_dimensions)

    def _invalidate(self) -> None:
        """Textual's, less the layout of the screen (see the class)."""
        if self._sized_by_rows():
            super()._invalidate()
            return
        self._clear_line_cache()
        self._updates += 1
        self.root._reset()
        self.refresh()

    def watch_virtual_size(self, size: Size) -> None:
        if self._sized_by_rows():
            self.refresh(layout=True)
        elif self.is_mounted:
            # The scroll bars' extent; showing or hiding one lays the screen out.
            self._scroll_update(size)

    def on_mount(self) -> None:
        self.root.expand()

    # -- loading ------------------------------------------------------------------------------
    def _toggle_node(self, node: TreeNode) -> None:
        """The key (or click) that opens a node whose children were never read opens it
        with its first page, in one frame: no frame of an open node without rows first.
        Textual paints at most one frame per period of its screen update timer (1/60 s), and
        after a frame painted from idle the next comes up to two periods later: a frame of
        the empty open node would hold back the frame showing the page. Until the page is
        read the node stays as it was (a slow read says "正在处理…" in the top bar)."""
        data = node.data
        if isinstance(data, OrgNode) and not data.loaded and node.allow_expand and not node.is_expanded:
            data.loaded = True
            self.load_page(node, None, open_node=True)
            return
        super()._toggle_node(node)

    def on_tree_node_expanded(self, event: Tree.NodeExpanded) -> None:
        data = event.node.data
        if isinstance(data, OrgNode) and not data.loaded:
            data.loaded = True
            self.load_page(event.node, None)

    def load_page(self, node: TreeNode, after: tuple | None, more_node: TreeNode | None = None,
                  open_node: bool = False) -> None:
        """Read a page of ``node``'s children (after ``after``) and add it; ``more_node``:
        the "更多…" entry it replaces; ``open_node``: open the node with the page."""
        data = node.data
        assert isinstance(data, OrgNode)
        org_id = data.org_id
        services, actor = self.services, self.actor

        def fetch() -> Page[OrgBrief]:
            return services.orgs.children(actor, org_id, after=after)

        def done(page: Page[OrgBrief]) -> None:
            if more_node is not None:
                prev = more_node.data
                more_node.remove()
                shown = prev.shown if isinstance(prev, MoreNode) else 0
                total = prev.total if isinstance(prev, MoreNode) else None
            else:
                shown, total = 0, page.total
            self.add_page(node, page, shown, total)
            if open_node and node.allow_expand and not node.is_expanded:
                node.expand()

        def refused(exc: DomainError) -> None:
            if open_node:
                data.loaded = False  # the next key tries again
            self.notify(exc.message, severity="error", timeout=8)

        def failed(_exc: BaseException) -> None:
            if open_node:
                data.loaded = False

        self.call_service(fetch, done, refused, on_failed=failed, group=f"tree-{org_id}", exclusive=False)

    def _add_items(self, node: TreeNode, page: Page[OrgBrief]) -> None:
        """A page of rows at the end of ``node``'s children, the tree redrawn once for all of
        them (``TreeNode.add`` redraws it for each)."""
        if not page.items:
            return
        children = node._children
        for b in page.items:
            child = self._add_node(node, self._label(b), OrgNode(b.id, b.short_name))
            child._allow_expand = b.group != "branch" and b.child_count > 0
            children.append(child)
        node._updates += 1
        self._invalidate()

    def add_page(self, node: TreeNode, page: Page[OrgBrief], shown: int, total: int | None) -> None:
        # No full pass of the garbage collector between a page's arrival and the frame that
        # shows it (the rows themselves fill the youngest generations): the collector runs
        # again once the page is on screen.
        if gc.isenabled():
            gc.disable()
            self.app.call_after_refresh(gc.enable)  # the app: also when the tree goes away first
        self._add_items(node, page)
        shown += len(page.items)
        if page.next_after is not None:
            more = f"更多…（已显示 {shown}" + (f" / 共 {total}" if total else "") + "）"
            node.add_leaf(more, data=MoreNode(_org_id(node), page.next_after, shown, total))
        if not page.items and page.next_after is None and node is not self.root and shown == 0:
            node.allow_expand = False
        self.post_message(self.PageLoaded(_org_id(node), len(page.items)))

    def reload(self, org_id: int) -> None:
        """Reload the children of ``org_id`` (after creating one) if its node is shown."""
        node = self.find(org_id)
        if node is None:
            return
        node.remove_children()
        data = node.data
        if isinstance(data, OrgNode):
            data.loaded = True
            node.allow_expand = True
            if not node.is_expanded:
                node.expand()  # the expanded event will not reload: loaded is set
            self.load_page(node, None)

    # -- revealing a deep organisation (search hits) -------------------------------------------
    class Revealed(Message):
        """``org_id`` is shown and under the cursor (or could not be: ``found`` is False)."""

        def __init__(self, org_id: int, found: bool) -> None:
            super().__init__()
            self.org_id = org_id
            self.found = found

    def reveal(self, org_id: int, ancestors: tuple[int, ...]) -> None:
        """Open the branches from the root down to ``org_id`` (``ancestors``: the ids of its
        path, top first, as in ``OrgView.path``), loading the pages of children that hold
        it, and put the cursor on it."""
        root_id = _org_id(self.root)
        chain = [*ancestors]
        if not chain or chain[-1] != org_id:
            chain.append(org_id)
        if root_id not in chain:
            return
        chain = chain[chain.index(root_id):]
        node = self.find(org_id)
        if node is not None and self._opened_to(node):
            self._put_cursor(node)
            return
        services, actor = self.services, self.actor

        def fetch() -> list[tuple[int, int, list[Page[OrgBrief]]]]:
            """For each level, the pages of children up to the one holding the next level."""
            levels = []
            for parent_id, child_id in zip(chain, chain[1:], strict=False):
                pages, after = [], None
                while True:
                    page = services.orgs.children(actor, parent_id, after=after)
                    pages.append(page)
                    if any(b.id == child_id for b in page.items) or page.next_after is None:
                        break
                    after = page.next_after
                levels.append((parent_id, child_id, pages))
            return levels

        self.call_service(fetch, lambda levels: self._open_levels(org_id, levels), group="tree-reveal",
                          latest_only=True)

    def _opened_to(self, node: TreeNode) -> bool:
        parent = node.parent
        while parent is not None:
            if not parent.is_expanded:
                return False
            parent = parent.parent
        return True

    def _open_levels(self, org_id: int, levels: list[tuple[int, int, list[Page[OrgBrief]]]]) -> None:
        for parent_id, child_id, pages in levels:
            node = self.find(parent_id)
            if node is None:
                break
            if self.find_child(node, child_id) is None:
                node.remove_children()
                shown = 0
                for page in pages[:-1]:
                    self._add_items(node, page)
                    shown += len(page.items)
                self.add_page(node, pages[-1], shown, pages[0].total)
            data = node.data
            if isinstance(data, OrgNode):
                data.loaded = True
            node.allow_expand = True
            node.expand()
        target = self.find(org_id)
        if target is not None:
            # The new rows get their line numbers when the tree is next laid out.
            self.call_after_refresh(self._put_cursor, target)
        self.call_after_refresh(self.post_message, self.Revealed(org_id, target is not None))

    def _put_cursor(self, node: TreeNode) -> None:
        self.move_cursor(node)
        self.scroll_to_node(node, animate=False)
        # Once more after the next layout: the new rows may widen the tree so that a
        # horizontal scroll bar takes a line of the view, and the row must stay in it.
        self.call_after_refresh(self.scroll_to_node, node, animate=False)

    @staticmethod
    def find_child(node: TreeNode, org_id: int) -> TreeNode | None:
        for child in node.children:
            if isinstance(child.data, OrgNode) and child.data.org_id == org_id:
                return child
        return None

    def find(self, org_id: int) -> TreeNode | None:
        stack = [self.root]
        while stack:
            n = stack.pop()
            if isinstance(n.data, OrgNode) and n.data.org_id == org_id:
                return n
            stack.extend(n.children)
        return None

    # -- selecting ------------------------------------------------------------------------------
    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        event.stop()
        data = event.node.data
        if isinstance(data, MoreNode):
            parent = event.node.parent
            if parent is not None:
                self.load_page(parent, data.after, more_node=event.node)
            return
        if isinstance(data, OrgNode):
            self.post_message(self.OrgChosen(data.org_id))


def _org_id(node: TreeNode) -> int:
    """The organisation a node of the tree stands for (every node carries one)."""
    assert node.data is not None
    return node.data.org_id
