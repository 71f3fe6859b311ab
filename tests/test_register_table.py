"""The register from a table already in memory (the ribbon's Portfolio table) is checked as a register file is:
the same records from the same rows, every problem named with the table and its row."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pmo_xl.errors import RegisterError
from pmo_xl.register import read_register, read_register_table
from pmo_xl.settings import PmoSettings
from pmo_xl.templates.catalog import PROJECT_STATUS

SETTINGS = PmoSettings(currency="EUR", money_unit="k")
ROWS = [
    {"project_id": "PRJ-001", "project_name": "ERP upgrade", "project_manager": "Ana Ruiz", "sponsor": "CFO",
     "start_date": dt.datetime(2026, 1, 5), "end_date": dt.datetime(2027, 3, 31)},
    {"project_id": "PRJ-002", "project_name": "Portal", "project_manager": "Marc Lefèvre", "sponsor": "CMO",
     "start_date": dt.datetime(2026, 2, 1), "end_date": dt.datetime(2026, 12, 31)},
]  # fmt: skip


def test_a_table_gives_the_records_its_file_gives(tmp_path):
    frame = pd.DataFrame(ROWS)
    path = tmp_path / "register.xlsx"
    frame.to_excel(path, index=False)
    from_file = read_register(path, PROJECT_STATUS, settings=SETTINGS)
    from_table = read_register_table(frame, "pmo_workbook.xlsm, table Portfolio", PROJECT_STATUS, SETTINGS)
    assert [(r.project_id, r.project_name, r.start_date, r.end_date) for r in from_table] == [
        (r.project_id, r.project_name, r.start_date, r.end_date) for r in from_file
    ]


def test_a_bad_row_of_the_table_is_named_with_the_table_and_its_row():
    frame = pd.DataFrame([ROWS[0], {**ROWS[1], "project_name": None, "end_date": dt.datetime(2025, 1, 1)}])
    with pytest.raises(RegisterError) as raised:
        read_register_table(frame, "pmo_workbook.xlsm, table Portfolio", PROJECT_STATUS, SETTINGS)
    message = str(raised.value)
    assert message.startswith("pmo_workbook.xlsm, table Portfolio:")
    assert "row 3" in message and "project_name is empty" in message
