"""Every bad input of issue 3 section 8 gets a clear verdict, never a traceback."""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import shutil
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msoffcrypto.format.ooxml import OOXMLFile

from pmo_xl.collect import reader as submission_reader
from pmo_xl.collect.inbox import list_inbox
from pmo_xl.collect.reader import read_submission, read_submission_bytes
from pmo_xl.collect.validation import validate
from pmo_xl.demo.data import FAULT_OUTCOMES, demo_projects, fill_demo_submission
from pmo_xl.generate.generator import generate_for_records
from pmo_xl.templates.catalog import PROJECT_STATUS, schema_for

PERIOD = "2026-12"
TODAY = dt.date(2027, 1, 10)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    return generate_for_records(PROJECT_STATUS, demo_projects(1, random.Random(8)), out, PERIOD)[0].path


@pytest.fixture(scope="module")
def filled_bytes(generated, tmp_path_factory) -> bytes:
    target = tmp_path_factory.mktemp("filled") / "filled.xlsx"
    fill_demo_submission(generated, target, random.Random(4))
    return target.read_bytes()


def judge(path: Path) -> tuple[bool, list]:
    """What collect concludes about one file: (accepted, findings), through the same steps collect takes."""
    to_read, skipped = list_inbox(path.parent)
    for verdict in skipped:
        if verdict.path == str(path):
            return False, list(verdict.findings)
    assert path in to_read
    parsed, findings = read_submission(path)
    if parsed is not None:
        _, more = validate(parsed, schema_for(parsed.metadata.template_id), TODAY)
        findings += more
    return not any(f.severity == "error" for f in findings), findings


@pytest.mark.parametrize("fault", list(FAULT_OUTCOMES))
def test_each_fault_gets_its_verdict_and_code(generated, tmp_path, fault):
    suffix = ".xlsm" if fault == "macros" else ".xlsx"
    target = tmp_path / f"PRJ-0001 status{suffix}"
    fill_demo_submission(generated, target, random.Random(21), fault=fault)
    accepted, findings = judge(target)
    expected = FAULT_OUTCOMES[fault]
    assert accepted == expected.accepted, [f.describe() for f in findings]
    if expected.code:
        assert expected.code in {f.code for f in findings}
    else:
        assert [f for f in findings if f.severity != "info"] == []
    for finding in findings:
        assert finding.message and finding.describe()


VALUE_FAULT_PLACES = {
    "text_in_number": ("Summary", "actual_to_date", "Summary!C31"),
    "percent_points": ("Summary", "percent_complete", "Summary!C24"),
    "ambiguous_percent": ("Summary", "percent_complete", "Summary!C24"),
    "date_as_text_iso": ("Summary", "forecast_end_date", "Summary!C38"),
    "date_as_text_local": ("Summary", "forecast_end_date", "Summary!C38"),
    "ambiguous_date": ("Summary", "forecast_end_date", "Summary!C38"),
    "date_as_number": ("Summary", "forecast_end_date", "Summary!C38"),
    "missing_required": ("Summary", "key_achievements", "Summary!C42"),
    "missing_rationale": ("Summary", "rag_overall_rationale", "Summary!D16"),
    "not_allowed": ("Summary", "rag_schedule", "Summary!C17"),
    "period_in_future": ("Summary", "reporting_period", "Summary!C11"),
    "long_string": ("Summary", "key_achievements", "Summary!C42"),
}


@pytest.mark.parametrize("fault", list(VALUE_FAULT_PLACES))
def test_value_findings_name_the_sheet_the_defined_name_and_the_cell(generated, tmp_path, fault):
    target = tmp_path / "status.xlsx"
    fill_demo_submission(generated, target, random.Random(2), fault=fault)
    _, findings = judge(target)
    finding = next(f for f in findings if f.code == FAULT_OUTCOMES[fault].code)
    assert (finding.sheet, finding.where, finding.cell) == VALUE_FAULT_PLACES[fault]
    assert finding.cell in finding.describe()


def test_structure_findings_name_the_table_and_the_header_cell(generated, tmp_path):
    target = tmp_path / "status.xlsx"
    fill_demo_submission(generated, target, random.Random(2), fault="renamed_header")
    _, findings = judge(target)
    (renamed,) = [f for f in findings if f.code == "renamed_header"]
    assert (renamed.sheet, renamed.where, renamed.cell) == ("RAID", "RAID[Probability]", "RAID!B4")
    assert "Likelihood" in renamed.message
    fill_demo_submission(generated, target, random.Random(2), fault="deleted_table")
    _, findings = judge(target)
    (missing,) = [f for f in findings if f.code == "missing_table"]
    assert (missing.sheet, missing.where) == ("Benefits", "Benefits")


def test_a_really_encrypted_workbook_is_password_protected(filled_bytes, tmp_path):
    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(filled_bytes)).encrypt("secret", encrypted)
    target = tmp_path / "locked.xlsx"
    target.write_bytes(encrypted.getvalue())
    accepted, findings = judge(target)
    assert not accepted
    assert [f.code for f in findings] == ["password_protected"]
    assert "password" in findings[0].message


def test_a_labelled_but_unencrypted_workbook_is_read(filled_bytes, tmp_path):
    members = {}
    with zipfile.ZipFile(io.BytesIO(filled_bytes)) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    members["docMetadata/LabelInfo.xml"] = (
        b'<clbl:labelList xmlns:clbl="http://schemas.microsoft.com/office/2020/mipLabelMetadata"/>'
    )
    target = tmp_path / "labelled.xlsx"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    accepted, findings = judge(target)
    assert accepted, [f.describe() for f in findings]


def test_an_honest_zip_bomb_is_refused_from_its_declared_sizes(monkeypatch, tmp_path):
    monkeypatch.setattr(submission_reader, "MAX_UNCOMPRESSED_BYTES", 4 * 1024 * 1024)
    target = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", bytes(5 * 1024 * 1024))
    parsed, findings = read_submission(target)
    assert parsed is None
    assert [f.code for f in findings] == ["zip_bomb"]
    assert "5,242,8" in findings[0].message


def test_lock_hidden_and_system_files_are_skipped_and_workbooks_found_recursively(filled_bytes, tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "Programme A" / "December").mkdir(parents=True)
    (inbox / ".sync").mkdir()
    (inbox / "Programme A" / "December" / "PRJ-0001.xlsx").write_bytes(filled_bytes)
    (inbox / "Programme A" / "~$PRJ-0001.xlsx").write_bytes(b"\x0cAna Ruiz" + bytes(150))
    (inbox / ".hidden.xlsx").write_bytes(filled_bytes)
    (inbox / ".sync" / "state.xlsx").write_bytes(filled_bytes)
    (inbox / "desktop.ini").write_bytes(b"[.ShellClassInfo]")
    (inbox / "notes.txt").write_text("call Ana")
    to_read, skipped = list_inbox(inbox)
    assert to_read == [inbox / "Programme A" / "December" / "PRJ-0001.xlsx"]
    codes = {Path(v.path).name: v.findings[0].code for v in skipped}
    assert codes == {
        "~$PRJ-0001.xlsx": "lock_file",
        ".hidden.xlsx": "hidden_file",
        "desktop.ini": "hidden_file",
        "notes.txt": "not_a_workbook_name",
        ".sync": "hidden_folder",  # one verdict for the folder; its files are not read
    }
    assert all(v.status == "skipped" for v in skipped)


def test_a_cloud_only_placeholder_is_skipped_with_the_remedy(filled_bytes, tmp_path):
    placeholder = tmp_path / "PRJ-0001.xlsx"
    with open(placeholder, "wb") as handle:
        handle.truncate(len(filled_bytes))
    assert os.stat(placeholder).st_blocks == 0
    to_read, skipped = list_inbox(tmp_path)
    assert to_read == []
    (verdict,) = skipped
    assert verdict.findings[0].code == "cloud_only"
    assert "Always keep on this device" in verdict.findings[0].message


def test_windows_recall_attributes_mark_a_placeholder():
    from pmo_xl.collect.inbox import FILE_ATTRIBUTE_RECALL_ON_DATA_ACCESS, is_cloud_only

    class WindowsStat:
        st_file_attributes = FILE_ATTRIBUTE_RECALL_ON_DATA_ACCESS | 0x20
        st_size = 40_000
        st_blocks = 80

    class LocalStat:
        st_file_attributes = 0x20
        st_size = 40_000
        st_blocks = 80

    assert is_cloud_only(WindowsStat())
    assert not is_cloud_only(LocalStat())


@pytest.mark.parametrize(
    "name",
    [
        "PRJ-0001 - Überweisungsportal für Kundinnen - Statusbericht Dezember 2026 ✓.xlsx",
        "PRJ-0001 - " + "Very long project name for the customer portal relaunch " * 3 + "- Status 2026-12.xlsx",
        "PRJ-0001 - 客户门户 - 状态 2026-12.xlsx",
    ],
)
def test_non_ascii_and_very_long_file_names_are_read(filled_bytes, tmp_path, name):
    target = tmp_path / "inbox" / name
    target.parent.mkdir()
    target.write_bytes(filled_bytes)
    accepted, findings = judge(target)
    assert accepted, [f.describe() for f in findings]
    parsed, _ = read_submission(target)
    assert parsed.file_name == name


def test_a_missing_file_is_an_unreadable_finding_not_an_exception(tmp_path):
    parsed, findings = read_submission(tmp_path / "gone.xlsx")
    assert parsed is None and findings[0].code == "unreadable"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.floats(0, 1), flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=6))
def test_damaged_bytes_never_raise(filled_bytes, cut, flips):
    damaged = bytearray(filled_bytes[: max(1, int(len(filled_bytes) * cut))] if cut < 1 else filled_bytes)
    for position, value in flips:
        damaged[int(position * (len(damaged) - 1))] = value
    parsed, findings = read_submission_bytes(bytes(damaged), "damaged.xlsx")
    if parsed is None:
        assert findings and all(f.severity == "error" for f in findings)
    else:
        validate(parsed, PROJECT_STATUS, TODAY)


def test_the_same_file_twice_under_two_names_hashes_the_same(filled_bytes, tmp_path):
    first, second = tmp_path / "PRJ-0001.xlsx", tmp_path / "PRJ-0001 - LAPTOP-123.xlsx"
    first.write_bytes(filled_bytes)
    shutil.copy(first, second)
    assert read_submission(first)[0].sha256 == read_submission(second)[0].sha256


def test_files_and_folders_with_the_windows_hidden_or_system_attribute_are_skipped(filled_bytes, tmp_path, monkeypatch):
    from types import SimpleNamespace

    from pmo_xl.collect import inbox as inbox_files

    (tmp_path / "Archive").mkdir()
    (tmp_path / "Archive" / "old.xlsx").write_bytes(filled_bytes)
    (tmp_path / "hidden.xlsx").write_bytes(filled_bytes)
    (tmp_path / "system.xlsx").write_bytes(filled_bytes)
    (tmp_path / "visible.xlsx").write_bytes(filled_bytes)
    attributes = {
        "Archive": inbox_files.FILE_ATTRIBUTE_HIDDEN,
        "hidden.xlsx": inbox_files.FILE_ATTRIBUTE_HIDDEN,
        "system.xlsx": inbox_files.FILE_ATTRIBUTE_SYSTEM,
    }
    real_stat = os.stat

    def windows_stat(path, *args, **kwargs):
        status = real_stat(path, *args, **kwargs)
        fields = {name: getattr(status, name) for name in dir(status) if name.startswith("st_")}
        fields["st_file_attributes"] = attributes.get(Path(path).name, 0x20)
        return SimpleNamespace(**fields)

    monkeypatch.setattr(inbox_files.os, "stat", windows_stat)
    to_read, skipped = list_inbox(tmp_path)
    assert to_read == [tmp_path / "visible.xlsx"]
    assert {Path(v.path).name: v.findings[0].code for v in skipped} == {
        "hidden.xlsx": "hidden_file",
        "system.xlsx": "hidden_file",
        "Archive": "hidden_folder",
    }


def test_one_inbox_with_every_fault_runs_through_pmo_collect_with_a_verdict_for_each(tmp_path):
    """Every fault of the demo filler, plus a project the register does not know, in one inbox, through the CLI."""
    import openpyxl
    from click.testing import CliRunner

    from pmo_xl.cli import main

    faults = list(FAULT_OUTCOMES)
    projects = demo_projects(len(faults) + 1, random.Random(30), PERIOD)
    generated = [g.path for g in generate_for_records(PROJECT_STATUS, projects, tmp_path / "outbox", PERIOD)]
    inbox = tmp_path / "inbox"
    expected: dict[str, tuple[str, str]] = {}
    for fault, source in zip(faults, generated, strict=False):
        target = inbox / f"{fault} {source.stem}{'.xlsm' if fault == 'macros' else '.xlsx'}"
        fill_demo_submission(source, target, random.Random(fault), fault=fault)
        outcome = FAULT_OUTCOMES[fault]
        verdict = "accepted" if outcome.accepted else "skipped" if outcome.code == "cloud_only" else "rejected"
        expected[target.name] = (verdict, outcome.code)
    stranger = inbox / f"not in the register {generated[-1].stem}.xlsx"
    fill_demo_submission(generated[-1], stranger, random.Random(31))
    expected[stranger.name] = ("rejected", "unknown_project")
    register = tmp_path / "register.csv"
    lines = ["project_id,project_name,project_manager,pm_email,sponsor,start_date,end_date,budget,currency,money_unit"]
    lines += [
        f"{p.project_id},{p.project_name},{p.project_manager},{p.pm_email},{p.sponsor},{p.start_date},{p.end_date},"
        f"{p.fields['budget_original']},EUR,k"
        for p in projects[:-1]
    ]
    register.write_text("\n".join(lines) + "\n", encoding="utf-8")

    arguments = ["collect", str(inbox), "--ledger", str(tmp_path / "pmo_ledger.db"), "--out"]
    arguments += [str(tmp_path / "portfolio.xlsx"), "--register", str(register), "--today", TODAY.isoformat()]
    result = CliRunner().invoke(main, arguments)

    assert result.exit_code == 0, result.output
    assert result.exception is None and "Traceback" not in result.output + result.stderr
    sheet = openpyxl.load_workbook(tmp_path / "portfolio.xlsx", read_only=True)["Submissions"]
    rows = list(sheet.iter_rows(values_only=True))
    submissions = {Path(row[0]).name: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert {name: row["verdict"] for name, row in submissions.items()} == {
        name: verdict for name, (verdict, _code) in expected.items()
    }
    for name, (verdict, code) in expected.items():
        codes = (submissions[name]["codes"] or "").split()
        if code:
            assert code in codes, (name, submissions[name]["reasons"])
        else:
            assert (submissions[name]["errors"], submissions[name]["warnings"]) == (0, 0), (name, codes)
        if verdict == "rejected":
            assert submissions[name]["reasons"], name
    accepted = sum(verdict == "accepted" for verdict, _code in expected.values())
    assert f"{len(expected)} file(s): {accepted} accepted, " in result.output


def test_an_unknown_template_version_says_whether_to_upgrade_pmo_xl_or_regenerate(generated, tmp_path, monkeypatch):
    from pmo_xl.templates.versions import known_versions

    newer = tmp_path / "from a newer pmo-xl.xlsx"
    fill_demo_submission(generated, newer, random.Random(5), fault="unknown_template_version")
    parsed, findings = read_submission(newer)
    assert parsed is None and [f.code for f in findings] == ["unknown_template_version"]
    known = ", ".join(known_versions("project_status"))
    assert findings[0].message == (
        f"the workbook is project_status version '9.0', but it was made by a newer pmo-xl (this one reads {known}): "
        "upgrade pmo-xl on the PMO's machine"
    )
    assert (findings[0].sheet, findings[0].where) == ("_pmo", "pmo_meta_template_version")
    # The same file read by a pmo-xl that has moved past 9.0: the workbook is old, so the PM regenerates it.
    monkeypatch.setattr(submission_reader, "known_versions", lambda template_id: ("9.5", "10.0"))
    _, findings = read_submission(newer)
    assert findings[0].message.endswith(
        "this pmo-xl reads 9.5, 10.0: regenerate the workbook from the current template"
    )


def _zip_with_a_lying_member(source: bytes, liar: str, real_size: int) -> bytes:
    """`source`'s members re-zipped, with `liar` replaced by `real_size` zero bytes whose headers declare the size
    of the original member: a zip bomb the declared-size check cannot see. Built in 1 MB chunks, never whole."""
    entries = []
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        for info in archive.infolist():
            content = archive.read(info)
            compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
            if info.filename == liar:
                chunk, crc, compressed = bytes(1 << 20), 0, []
                for _ in range(real_size >> 20):
                    compressed.append(compressor.compress(chunk))
                    crc = zlib.crc32(chunk, crc)
                entries.append((info.filename, b"".join(compressed) + compressor.flush(), crc, len(content)))
            else:
                compressed = compressor.compress(content) + compressor.flush()
                entries.append((info.filename, compressed, zlib.crc32(content), len(content)))
    out, directory = io.BytesIO(), []
    for name, compressed, crc, declared in entries:
        offset, encoded = out.tell(), name.encode()
        header = struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 33, crc, len(compressed), declared, len(encoded), 0
        )
        out.write(header + encoded + compressed)
        directory.append(
            struct.pack("<IHHHHHHIII", 0x02014B50, 20, 20, 0, 8, 0, 33, crc, len(compressed), declared)
            + struct.pack("<HHHHHII", len(encoded), 0, 0, 0, 0, 0, offset)
            + encoded
        )
    start = out.tell()
    out.write(b"".join(directory))
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), out.tell() - start, start, 0))
    return out.getvalue()


_READ_AND_MEASURE = """
import json, resource, sys
from pmo_xl.collect.reader import read_submission
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
parsed, findings = read_submission(sys.argv[1])
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"parsed": parsed is not None, "codes": [f.code for f in findings], "grown_kib": grown}))
"""


@pytest.mark.parametrize("liar", ["xl/workbook.xml", "RAID"])
def test_a_zip_bomb_whose_headers_lie_is_refused_with_bounded_memory(filled_bytes, tmp_path, liar):
    """The declared sizes say 'small'; the member really inflates to 256 MB. Reading stops at the declared size,
    whether the member is one the structure reader inflates or a worksheet calamine reads."""
    import json
    import subprocess
    import sys

    from pmo_xl.excel.package import read_structure

    if liar == "RAID":
        with zipfile.ZipFile(io.BytesIO(filled_bytes)) as archive:
            liar = read_structure({n: archive.read(n) for n in archive.namelist()}).sheet_parts["RAID"]
    bomb = tmp_path / "looks small.xlsx"
    bomb.write_bytes(_zip_with_a_lying_member(filled_bytes, liar, 256 << 20))
    assert bomb.stat().st_size < 2 << 20
    measured = subprocess.run(
        [sys.executable, "-c", _READ_AND_MEASURE, str(bomb)], capture_output=True, text=True, check=True, timeout=120
    )
    outcome = json.loads(measured.stdout)
    assert outcome["parsed"] is False and outcome["codes"] == ["zip_bomb"]
    assert outcome["grown_kib"] < 64 * 1024, f"reading grew the process by {outcome['grown_kib']:,} KiB"
