"""Reading our outputs as a user sees them: an Excel table's rows by header, and the report's text without markup."""

from __future__ import annotations

import html
import re
from pathlib import Path

from python_calamine import CalamineWorkbook


def table(path: Path, name: str) -> list[dict]:
    """The filled rows of the Excel table `name` in the workbook at `path`, as {header: value}."""
    found = CalamineWorkbook.from_path(str(path), load_tables=True).get_table_by_name(name)
    return [dict(zip(found.columns, row, strict=True)) for row in found.to_python() if any(cell != "" for cell in row)]


def report_text(path: Path) -> str:
    """The report's text as a reader sees it: tags, styles and scripts gone, entities decoded, spaces folded."""
    text = re.sub(r"<(style|script)\b.*?</\1>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))
