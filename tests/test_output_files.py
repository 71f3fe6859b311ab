"""Outputs land with the permissions a colleague on a shared drive needs: the umask's for a new file, the old
file's own when one is replaced (mkstemp alone would leave every output 0600, readable by its writer only)."""

from __future__ import annotations

import os
import stat

import pytest
import xlsxwriter

from pmo_xl.excel.files import atomic_target, replace_with_retry, write_bytes_atomic


@pytest.fixture
def shared_umask():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _write_with_xlsxwriter(path) -> None:
    temporary = atomic_target(path)
    workbook = xlsxwriter.Workbook(str(temporary))
    workbook.add_worksheet("Dashboard").write_string(0, 0, "Portfolio dashboard")
    workbook.close()
    replace_with_retry(temporary, path)


def test_a_new_workbook_written_through_atomic_target_gets_the_umask_mode(tmp_path, shared_umask):
    target = tmp_path / "portfolio.xlsx"
    _write_with_xlsxwriter(target)
    assert _mode(target) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["portfolio.xlsx"]


def test_a_replaced_workbook_keeps_the_mode_its_owner_gave_it(tmp_path, shared_umask):
    target = tmp_path / "portfolio.xlsx"
    _write_with_xlsxwriter(target)
    os.chmod(target, 0o664)  # shared with the PMO group on purpose
    _write_with_xlsxwriter(target)
    assert _mode(target) == 0o664


def test_bytes_written_atomically_follow_the_same_rule(tmp_path, shared_umask):
    report = tmp_path / "report.html"
    write_bytes_atomic(report, b"<!DOCTYPE html>")
    assert _mode(report) == 0o644
    os.chmod(report, 0o600)  # kept private by its owner
    write_bytes_atomic(report, b"<!DOCTYPE html><p>new</p>")
    assert _mode(report) == 0o600 and report.read_bytes().endswith(b"new</p>")
