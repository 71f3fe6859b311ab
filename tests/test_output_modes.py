"""Every output pmo writes gets the mode a plain `open()` would give it (the umask's) when new, and keeps the mode
its owner gave it when replaced: one atomic writer (pmo_xl.excel.files) serves them all. A writer that used
mkstemp alone would leave 0600, unreadable to colleagues on a shared drive; one that chmods to the umask would undo
an owner's 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmo_xl.cli import main

UMASK = 0o027  # not the usual 022: a default mode that merely looks right cannot pass
NEW_FILE_MODE = 0o666 & ~UMASK  # 0o640


@pytest.fixture
def unusual_umask():
    previous = os.umask(UMASK)
    yield
    os.umask(previous)


def _pmo(*arguments: str) -> None:
    result = CliRunner().invoke(main, list(arguments), catch_exceptions=False)
    assert result.exit_code == 0, result.output


def _modes(folder: Path) -> dict[str, int]:
    return {
        str(path.relative_to(folder)): stat.S_IMODE(path.stat().st_mode) for path in folder.rglob("*") if path.is_file()
    }


def test_every_output_is_new_with_the_umask_mode_and_a_replaced_one_keeps_its_own(tmp_path, unusual_umask):
    out = tmp_path / "month"
    _pmo("demo", str(out), "--projects", "6", "--periods", "2")
    _pmo("workbook", "build", "--out", str(out / "pmo_workbook.xlsm"))
    _pmo("templates", "build", "--out", str(out / "templates"))
    modes = _modes(out)
    kinds = {Path(name).suffix for name in modes}
    assert {".xlsx", ".xlsm", ".html", ".db", ".csv"} <= kinds, kinds  # the test covers every kind of output
    assert len(modes) > 20
    assert {name: mode for name, mode in modes.items() if mode != NEW_FILE_MODE} == {}

    replaced = ["portfolio.xlsx", "report.html", "pmo_workbook.xlsm", "templates/project_status.xlsx"]
    for name in replaced:
        os.chmod(out / name, 0o600)  # kept private by its owner
    ledger = str(out / "pmo_ledger.db")
    _pmo("dashboard", str(out / "portfolio.xlsx"), "--ledger", ledger, "--today", "2026-12-03")
    _pmo("report", str(out / "report.html"), "--ledger", ledger, "--today", "2026-12-03")
    _pmo("workbook", "build", "--out", str(out / "pmo_workbook.xlsm"))
    _pmo("templates", "build", "--out", str(out / "templates"))
    after = _modes(out)
    assert {name: after[name] for name in replaced} == dict.fromkeys(replaced, 0o600)
    assert set(after) == set(modes), "no temporary file left behind"
