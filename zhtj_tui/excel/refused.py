"""The refusal of a whole uploaded file, and the messages shared by the readers."""

from __future__ import annotations

from zhtj_tui.domain.errors import DomainError


class FileRefused(DomainError):
    """The file as a whole cannot be imported; nothing was read into the database."""


CORRUPT = "文件已损坏或不是有效的电子表格，请在 Excel 或 WPS 中重新打开并另存为 .xlsx 后再上传"
SAVE_AS = "请在 Excel 或 WPS 中打开，“另存为” Excel 工作簿（.xlsx）后再上传"


def corrupt() -> FileRefused:
    return FileRefused(CORRUPT, "file", "corrupt")
