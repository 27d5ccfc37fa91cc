"""录入进度督导 (R-PROG-1..3), one component per module:

* ``view.ProgressView``: one organisation's progress (tasks and a row per direct child);
* ``modal.ProgressModal``: the window shown right after login, and ``after_login``, the
  application's after-login hook that pushes it;
* ``pane.ProgressPane``: the management centre's 进度 tab, with keyboard drill-down;
* ``tasks.TasksScreen`` and ``taskform.TaskForm``: the deadline tasks;
* ``render``: bars, percentages and task lines in terminal cells.

Each component's style is in the ``.tcss`` file of the same name.
"""

from zhtj_tui.screens.progress.modal import (
    WINDOW_GROUPS,
    ProgressModal,
    after_login,
    progress_window_for,
    wants_progress_window,
)
from zhtj_tui.screens.progress.pane import ProgressPane
from zhtj_tui.screens.progress.render import BAR_WIDTH, bar, fit, percent, problems_text, task_text
from zhtj_tui.screens.progress.taskform import TaskForm
from zhtj_tui.screens.progress.tasks import TasksScreen
from zhtj_tui.screens.progress.view import Loaded, ProgressView

__all__ = [
    "BAR_WIDTH", "WINDOW_GROUPS", "Loaded", "ProgressModal", "ProgressPane", "ProgressView", "TaskForm",
    "TasksScreen", "after_login", "bar", "fit", "percent", "problems_text", "progress_window_for", "task_text",
    "wants_progress_window",
]
