"""How progress is drawn in cells: bars, percentages, names cut to fit, one task line, and
a child's problems by kind with counts."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from zhtj_tui.services.progress import ERROR, PROBLEM_SEVERITY, PROBLEM_SHORT, ChildProgress, TaskView

BAR_WIDTH = 4
NAME_WIDTH = 22
BAR_COLUMNS = (("info", "信息完整"), ("secretary", "书记"), ("admin", "管理员"), ("members", "有团员"))
MAX_TASK_LINES = 3
#: The compact table (the centre's pane): names keep their end (…2017级1班团支部).
COMPACT_NAME_WIDTH = 20
COMPACT_LABELS = {"info": "信息", "secretary": "书记", "admin": "管理", "members": "有团员"}

def bar(ratio: float, width: int = BAR_WIDTH) -> Text:
    """A bar of ``width`` cells with its percentage, coloured by how far along it is."""
    ratio = min(max(ratio, 0.0), 1.0)
    filled = round(ratio * width)
    if 0 < ratio < 1:  # something done shows, and only complete is full
        filled = min(max(filled, 1), width - 1)
    style = "green" if ratio >= 1.0 else ("yellow" if ratio >= 0.5 else "red")
    text = Text("█" * filled, style=style)
    text.append("░" * (width - filled), style="grey50")
    text.append(f"{round(ratio * 100):>4}%")
    return text


def percent(ratio: float) -> Text:
    """The compact form of ``bar``: the percentage alone, in the bar's colour."""
    ratio = min(max(ratio, 0.0), 1.0)
    style = "green" if ratio >= 1.0 else ("yellow" if ratio >= 0.5 else "red")
    return Text(f"{round(ratio * 100):>3}%", style=style)


def fit(name: str, cells: int = NAME_WIDTH) -> str:
    """``name`` cut to ``cells`` terminal cells (CJK characters take two) with an ellipsis."""
    if cell_len(name) <= cells:
        return name
    out, used = [], 0
    for ch in name:
        width = cell_len(ch)
        if used + width > cells - 1:
            break
        out.append(ch)
        used += width
    return "".join(out) + "…"


def task_text(t: TaskView, compact: bool = False) -> Text:
    """One task on one line; ``compact`` (the centre's pane, 50 cells) shortens the name and
    the words."""
    if t.complete:
        state, style = "已完成", "green"
    elif t.overdue:
        state, style = (f"逾期{-t.days_left}天" if compact else f"已逾期{-t.days_left}天"), "bold white on red"
    else:
        state, style = f"剩余{t.days_left}天", "yellow" if t.days_left <= 2 else ""
    line = Text("● " if not t.complete else "✓ ", style=style)
    line.append(fit(t.name, 16 if compact else 26))
    line.append(f" {t.done}/{t.total}" if compact else f"  {t.done}/{t.total}")
    line.append(f" {t.due.month:02d}-{t.due.day:02d} " if compact else f"  截止{t.due.month:02d}-{t.due.day:02d} ")
    line.append(f" {state} ", style=style or None)
    if t.missing_count:
        line.append(f" 待办{t.missing_count}" if compact else f"  待办{t.missing_count}项")
    return line


def problems_text(child: ChildProgress) -> Text:
    """"缺书记2 缺管理员1 支部不足3人1": each kind with its count, errors red, warnings yellow."""
    if not child.problems:
        return Text("✓ 无问题", style="green")
    out = Text()
    for i, (kind, n) in enumerate(child.problems):
        if i:
            out.append(" ")
        out.append(f"{PROBLEM_SHORT.get(kind, kind)}{n}", style="red" if PROBLEM_SEVERITY.get(kind) == ERROR else "yellow")
    return out


def score_ratio(child: ChildProgress) -> float:
    """The row's one figure: the mean of the four shares (information, secretaries,
    administrators, branches with members). An organisation with no branch counts 0 for
    the last, so it is never shown complete."""
    return child.figures.score()
