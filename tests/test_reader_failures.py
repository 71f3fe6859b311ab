"""Every reader failure stays with its file: a native panic becomes that file's damaged_workbook verdict and the run
goes on; KeyboardInterrupt and SystemExit still stop the run, with what was recorded kept."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import re
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.collect import reader as submission_reader
from pmo_xl.collect.run import CollectRequest
from pmo_xl.demo.data import demo_projects, fill_demo_submission
from pmo_xl.excel.package import XlsxPackage
from pmo_xl.generate.generator import generate_for_records
from pmo_xl.monthly import run_collect
from pmo_xl.templates.catalog import PROJECT_STATUS

PERIOD = "2026-11"


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("panic")
    generated = generate_for_records(
        PROJECT_STATUS, demo_projects(2, random.Random(6), PERIOD), folder / "out", PERIOD, today=dt.date(2026, 11, 1)
    )
    paths = []
    for number, item in enumerate(generated):
        target = folder / f"filled {number}.xlsx"
        fill_demo_submission(item.path, target, random.Random(number))
        paths.append(target)
    return paths


def _with_date_serial(source: Path, target: Path, serial: bytes) -> Path:
    """The workbook with its Submitted on date cell (a date format) holding `serial`: -1e20 makes calamine panic."""
    package = XlsxPackage.from_path(source)
    reference = package.structure.name("submitted_on")
    part = package.structure.sheet_parts[reference.sheet]
    xml = package.members[part]
    cell = re.search(rb'<c r="' + reference.address.encode() + rb'"([^>]*)>.*?</c>', xml, re.S)
    style = re.search(rb'\bs="\d+"', cell.group(1)).group(0)
    changed = xml.replace(
        cell.group(0), b'<c r="' + reference.address.encode() + b'" ' + style + b"><v>" + serial + b"</v></c>"
    )
    target.write_bytes(package.write({part: changed}))
    return target


def test_a_reader_panic_is_that_files_verdict_and_the_run_goes_on(filled, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _with_date_serial(filled[0], inbox / "a panicking date.xlsx", b"-1e20")
    (inbox / "b good.xlsx").write_bytes(filled[1].read_bytes())
    result = CliRunner().invoke(main, ["collect", str(inbox), "--ledger", str(tmp_path / "l.db"),
                                       "--out", str(tmp_path / "p.xlsx"), "--today", "2026-12-03"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 file(s): 1 accepted, 1 rejected" in result.output
    sheet = openpyxl.load_workbook(tmp_path / "p.xlsx", read_only=True)["Submissions"]
    rows = list(sheet.iter_rows(values_only=True))
    verdicts = {Path(row[0]).name: dict(zip(rows[0], row, strict=True)) for row in rows[1:] if row[0]}
    panicked = verdicts["a panicking date.xlsx"]
    assert panicked["verdict"] == "rejected" and panicked["codes"] == "damaged_workbook"
    assert "Open it in Excel, check the dates, save it and send it again" in panicked["reasons"]
    assert verdicts["b good.xlsx"]["verdict"] == "accepted"


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit])
def test_an_interrupt_still_stops_the_run_and_keeps_what_was_recorded(filled, tmp_path, monkeypatch, stop):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "good.xlsx").write_bytes(filled[0].read_bytes())
    ledger = tmp_path / "l.db"
    assert run_collect(CollectRequest(inbox=inbox, ledger=ledger, today=dt.date(2026, 12, 3))).count("accepted") == 1
    (inbox / "another.xlsx").write_bytes(filled[1].read_bytes())

    def interrupted(*_arguments):
        raise stop()

    monkeypatch.setattr(submission_reader, "_read", interrupted)
    with pytest.raises(stop):
        run_collect(CollectRequest(inbox=inbox, ledger=ledger, today=dt.date(2026, 12, 3)))
    with contextlib.closing(sqlite3.connect(ledger)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert connection.execute("SELECT COUNT(*) FROM submission").fetchone()[0] == 1


def _rewritten(source: Path, target: Path, change) -> Path:
    package = XlsxPackage.from_path(source)
    part = package.structure.sheet_parts["Summary"]
    target.write_bytes(package.write({part: change(package.members[part])}))
    return target


def _duplicated_member(source: Path, target: Path) -> Path:
    import zipfile

    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in original.infolist():
            copy.writestr(info, original.read(info))
        sheet = next(name for name in original.namelist() if name.startswith("xl/worksheets/"))
        with pytest.warns(UserWarning, match="Duplicate name"):
            copy.writestr(sheet, original.read(sheet).replace(b"<v>", b"<v>9", 1))  # a second, different part
    return target


def _part_rewritten(source: Path, target: Path, part: str, change) -> Path:
    package = XlsxPackage.from_path(source)
    target.write_bytes(package.write({part: change(package.members[part])}))
    return target


def _table_rewritten(source: Path, target: Path, change) -> Path:
    part = XlsxPackage.from_path(source).structure.table("RAID").part
    return _part_rewritten(source, target, part, change)


def _cell_added(address: bytes):
    """A value typed at `address` on the Summary sheet, in a row of its own at the end of the cells."""
    row = re.match(rb"[A-Z]+([0-9]+)", address).group(1)
    return lambda xml: xml.replace(
        b"</sheetData>", b'<row r="' + row + b'"><c r="' + address + b'"><v>1</v></c></row></sheetData>'
    )


@pytest.mark.parametrize(
    ("kind", "make", "piece"),
    [
        ("a sheet part cut off", lambda s, t: _rewritten(s, t, lambda xml: xml[: len(xml) * 2 // 3]), "is cut off"),
        ("a garbage tag between cells", lambda s, t: _rewritten(s, t, lambda xml: xml.replace(b"</c>", b"</c><zz", 1)),
         "is not well-formed XML"),
        ("a missing end tag", lambda s, t: _rewritten(s, t, lambda xml: xml.replace(b"</row>", b"", 1)),
         "is not well-formed XML"),
        ("an undefined entity", lambda s, t: _rewritten(s, t, lambda xml: xml.replace(b"</c>", b"</c>&bogus;", 1)),
         "is not well-formed XML"),
        ("a document type declaration", lambda s, t: _rewritten(
            s, t, lambda xml: xml.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaa">]>', 1)), "declares a document type"),
        ("a cell off the grid", lambda s, t: _rewritten(s, t, _cell_added(b"XFE1")), "not an address on Excel's grid"),
        ("an empty cell of unknown type", lambda s, t: _rewritten(
            s, t, lambda xml: re.sub(rb'(<c r="[A-Z]+[0-9]+" s="[0-9]+")/>', rb'\1 t="zz"/>', xml, count=1)),
         'of unknown type t="zz"'),
        ("a row written twice", lambda s, t: _rewritten(
            s, t, lambda xml: re.sub(rb'(<row r="5"[^>]*>.*?</row>)', rb"\1\1", xml, count=1, flags=re.S)),
         "writes row 5 twice"),
        ("ill-formed shared strings", lambda s, t: _part_rewritten(
            s, t, "xl/sharedStrings.xml", lambda xml: xml.replace(b"</si>", b"</si><", 1)), "shared text (xl/sharedStrings.xml) is not"),
        ("a table range off the grid", lambda s, t: _table_rewritten(
            s, t, lambda xml: re.sub(rb'ref="([A-Z]+[0-9]+):[A-Z]+', rb'ref="\1:XFE', xml, count=1)), "not on Excel's grid"),
        ("a table column deleted", lambda s, t: _table_rewritten(
            s, t, lambda xml: re.sub(rb"<tableColumn [^>]*?/>", b"", xml, count=1)), "its columns and its range disagree"),
        ("raw control characters in a sheet", lambda s, t: _rewritten(s, t, lambda xml: xml.replace(b"<v>", b"<v>\x01", 1)),
         "raw control characters"),
        ("two parts under one name", _duplicated_member, "two parts named"),
    ],
)  # fmt: skip
def test_damaged_parts_are_refused_not_read(filled, tmp_path, kind, make, piece):
    from pmo_xl.collect.reader import read_submission

    damaged = make(filled[0], tmp_path / "damaged.xlsx")
    parsed, findings = read_submission(damaged)
    assert parsed is None, kind
    assert [f.code for f in findings] == ["damaged_workbook"] and piece in findings[0].message
    assert "Open it in Excel, save it, and send it again" in findings[0].message


@pytest.mark.parametrize("address", [b"A1048576", b"XFD1048576", b"AAA1"])
def test_a_cell_far_outside_the_template_is_refused_with_its_address_not_laid_out(filled, tmp_path, address):
    """calamine lays a sheet out up to its last cell: XFD1048576 would ask for 512 GB and abort the whole process
    (no exception to catch). The file is refused before calamine sees it, naming the cell and how to clear it."""
    from pmo_xl.collect.reader import read_submission

    parsed, findings = read_submission(_rewritten(filled[0], tmp_path / "far.xlsx", _cell_added(address)))
    assert parsed is None
    assert [f.code for f in findings] == ["cell_outside_template"]
    assert f"has a cell at {address.decode()}" in findings[0].message
    assert "Home > Clear > Clear All" in findings[0].message


@pytest.mark.parametrize("weird", [b"nan", b"1e309", b"-inf"])
def test_nan_or_infinity_in_a_number_cell_is_refused_never_read_as_blank(filled, tmp_path, weird):
    from pmo_xl.collect.reader import read_submission
    from pmo_xl.collect.validation import validate

    package = XlsxPackage.from_path(filled[0])
    reference = package.structure.name("actual_to_date")
    part = package.structure.sheet_parts[reference.sheet]
    xml = package.members[part]
    cell = re.search(rb'<c r="' + reference.address.encode() + rb'"[^>]*>.*?</c>', xml, re.S)
    changed = xml.replace(cell.group(0), b'<c r="' + reference.address.encode() + b'"><v>' + weird + b"</v></c>")
    (tmp_path / "weird.xlsx").write_bytes(package.write({part: changed}))
    parsed, findings = read_submission(tmp_path / "weird.xlsx")
    assert findings == []
    _normalised, problems = validate(parsed, PROJECT_STATUS, dt.date(2026, 12, 3))
    errors = [(f.code, f.cell) for f in problems if f.severity == "error"]
    assert errors == [("excel_error", f"Summary!{reference.address}")]  # not "is empty", not a blank
