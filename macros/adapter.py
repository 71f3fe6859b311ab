"""The one small interface the ribbon entry points use to talk to the calling workbook, and its two backings.

`XlwingsBook` drives the live workbook in Excel (`xw.Book.caller()`, never the active book). `FileBook` works on
an .xlsm file through openpyxl, so the same entry points run in tests and on machines without Excel. Tables are
found by name on whichever sheet holds them; no cell address appears here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import io
import math
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pandas as pd

from pmo_xl.errors import PmoError
from pmo_xl.values import is_blank

LOG_TABLE = "Log"
SETTINGS_TABLE = "Settings"


class BookError(PmoError):
    """The calling workbook lacks a table the action needs, or a table has the wrong shape."""


@dataclass(frozen=True)
class LogEntry:
    time: dt.datetime
    action: str
    outcome: str
    message: str
    user: str = field(default_factory=getpass.getuser)

    def row(self) -> list:
        return [self.time.replace(microsecond=0), self.action, self.outcome, self.message, self.user]


class Book(Protocol):
    """What an entry point may do with the calling workbook."""

    path: Path

    def read_table(self, name: str, keep_blank_rows: bool = False) -> pd.DataFrame: ...
    def rows_below(self, name: str) -> list[int]: ...
    def write_table(self, name: str, frame: pd.DataFrame) -> None: ...
    def read_settings(self) -> dict[str, object]: ...
    def append_log(self, entry: LogEntry) -> None: ...
    def show_status(self, text: str | None) -> None: ...
    def show_message(self, text: str, title: str) -> None: ...
    def busy(self) -> contextlib.AbstractContextManager: ...
    def commit(self) -> None: ...


def _settings_from(frame: pd.DataFrame) -> dict[str, object]:
    if "setting" not in frame.columns or "value" not in frame.columns:
        raise BookError(f"the {SETTINGS_TABLE} table needs the columns setting and value")
    return {str(key).strip(): value for key, value in zip(frame["setting"], frame["value"], strict=True) if key}


def _plain(value):
    """A cell value from a DataFrame cell: NaN/NaT become empty, numpy and pandas scalars plain Python."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):
        return value.item()
    return value


class XlwingsBook:
    """The live workbook in Excel. Only this class imports xlwings' COM side, and only it goes untested here."""

    def __init__(self, book):
        self.book = book
        self.path = Path(book.fullname)

    @classmethod
    def caller(cls) -> XlwingsBook:
        import xlwings as xw

        return cls(xw.Book.caller())

    def _table(self, name: str):
        for sheet in self.book.sheets:
            if name in [table.name for table in sheet.tables]:
                return sheet.tables[name]
        raise BookError(f"{self.book.name} has no table named {name}: rebuild it with `pmo workbook upgrade`")

    def read_table(self, name: str, keep_blank_rows: bool = False) -> pd.DataFrame:
        table = self._table(name)
        headers = [str(header) for header in table.header_row_range.value]
        body = table.data_body_range
        rows = body.options(ndim=2).value if body is not None else []
        if not keep_blank_rows:  # kept, a row's place in the frame is its place in the table (its Excel row)
            rows = [row for row in rows if not all(is_blank(cell) for cell in row)]
        return pd.DataFrame(rows, columns=headers)

    def rows_below(self, name: str) -> list[int]:
        """The Excel rows under the table with something typed in its columns: outside it, Excel leaves them out."""
        table = self._table(name)
        whole = table.range
        first_row, last_row = whole.last_cell.row + 1, table.parent.used_range.last_cell.row
        if last_row < first_row:
            return []
        below = table.parent.range((first_row, whole.column), (last_row, whole.last_cell.column))
        rows = below.options(ndim=2).value or []
        return [first_row + n for n, row in enumerate(rows) if not all(is_blank(cell) for cell in row)]

    def write_table(self, name: str, frame: pd.DataFrame) -> None:
        self._table(name).update(frame, index=False)

    def read_settings(self) -> dict[str, object]:
        return _settings_from(self.read_table(SETTINGS_TABLE))

    def append_log(self, entry: LogEntry) -> None:
        log = self.read_table(LOG_TABLE)
        log.loc[len(log)] = entry.row()
        self.write_table(LOG_TABLE, log)

    def show_status(self, text: str | None) -> None:
        self.book.app.status_bar = text if text else False  # False hands the status bar back to Excel

    def show_message(self, text: str, title: str) -> None:
        self.book.app.alert(text, title=title)

    @contextlib.contextmanager
    def busy(self) -> Iterator[None]:
        app = self.book.app
        calculation, screen_updating = app.calculation, app.screen_updating
        app.calculation, app.screen_updating = "manual", False
        try:
            yield
        finally:
            app.calculation, app.screen_updating = calculation, screen_updating

    def commit(self) -> None:
        """Changes are live in Excel; saving stays the user's decision."""


class FileBook:
    """An .xlsm file on disk, read and written with openpyxl; `commit()` saves it atomically.

    openpyxl drops the ribbon (customUI) part on save, so `commit()` puts the file's own part back.
    Messages and status texts are kept in `messages` and `statuses`, for tests and for the CLI to print.
    """

    def __init__(self, path: Path):
        from openpyxl import load_workbook

        self.path = Path(path)
        with zipfile.ZipFile(self.path) as package:
            self._custom_ui = (
                package.read("customUI/customUI14.xml").decode("utf-8")
                if "customUI/customUI14.xml" in package.namelist()
                else None
            )
        self.workbook = load_workbook(self.path, keep_vba=True)
        self.messages: list[tuple[str, str]] = []
        self.statuses: list[str | None] = []
        self.calculation = "automatic"
        self.screen_updating = True

    def _table(self, name: str):
        for worksheet in self.workbook.worksheets:
            if name in worksheet.tables:
                return worksheet, worksheet.tables[name]
        raise BookError(f"{self.path.name} has no table named {name}: rebuild it with `pmo workbook upgrade`")

    def read_table(self, name: str, keep_blank_rows: bool = False) -> pd.DataFrame:
        worksheet, table = self._table(name)
        cells = [[cell.value for cell in row] for row in worksheet[table.ref]]
        headers = [str(header) for header in cells[0]]
        rows = [row for row in cells[1:] if keep_blank_rows or not all(is_blank(cell) for cell in row)]
        return pd.DataFrame(rows, columns=headers)

    def rows_below(self, name: str) -> list[int]:
        """The Excel rows under the table with something typed in its columns: outside it, Excel leaves them out."""
        from openpyxl.utils.cell import range_boundaries

        worksheet, table = self._table(name)
        min_col, _min_row, max_col, max_row = range_boundaries(table.ref)
        cells = worksheet.iter_rows(min_row=max_row + 1, min_col=min_col, max_col=max_col, values_only=True)
        return [max_row + 1 + n for n, row in enumerate(cells) if not all(is_blank(cell) for cell in row)]

    def write_table(self, name: str, frame: pd.DataFrame) -> None:
        from openpyxl.utils.cell import get_column_letter, range_boundaries

        worksheet, table = self._table(name)
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        headers = [worksheet.cell(min_row, column).value for column in range(min_col, max_col + 1)]
        if [str(header) for header in headers] != [str(column) for column in frame.columns]:
            raise BookError(f"table {name}: expected the columns {headers}, got {list(frame.columns)}")
        for row in range(min_row + 1, max_row + 1):
            for column in range(min_col, max_col + 1):
                worksheet.cell(row, column).value = None
        for offset, values in enumerate(frame.itertuples(index=False), start=1):
            for column, value in enumerate(values, start=min_col):
                cell = worksheet.cell(min_row + offset, column)
                cell.value = _plain(value)
                if isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@"):
                    cell.data_type = "s"  # a user's text, never a formula
                elif isinstance(cell.value, dt.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
        last_row = min_row + max(1, len(frame))
        table.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{last_row}"
        if table.autoFilter is not None:
            table.autoFilter.ref = table.ref

    def read_settings(self) -> dict[str, object]:
        return _settings_from(self.read_table(SETTINGS_TABLE))

    def append_log(self, entry: LogEntry) -> None:
        log = self.read_table(LOG_TABLE)
        log.loc[len(log)] = entry.row()
        self.write_table(LOG_TABLE, log)

    def show_status(self, text: str | None) -> None:
        self.statuses.append(text)

    def show_message(self, text: str, title: str) -> None:
        self.messages.append((title, text))

    @contextlib.contextmanager
    def busy(self) -> Iterator[None]:
        calculation, screen_updating = self.calculation, self.screen_updating
        self.calculation, self.screen_updating = "manual", False
        try:
            yield
        finally:
            self.calculation, self.screen_updating = calculation, screen_updating

    def commit(self) -> None:
        from pmo_xl.workbook.build import add_custom_ui, write_atomically

        buffer = io.BytesIO()
        self.workbook.save(buffer)
        data = buffer.getvalue()
        if self._custom_ui is not None:
            data = add_custom_ui(data, self._custom_ui)
        write_atomically(self.path, data)
