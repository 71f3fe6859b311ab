"""`pmo templates upgrade`: workbooks PMs hold at 1.0 of the test series (tests/template_series.py) moved to 2.0.

Workbooks are generated at 1.0 and half-filled as a PM would (by defined name and header), one left blank; the
upgrade makes each from the 2.0 template. Every named value and every table cell of each 1.0 workbook is found at
its destination in the upgraded one by the migration map, none sampled; the token and metadata are kept and
pmo collect accepts the upgraded files as current; --dry-run writes nothing and shows the diff; --in-place keeps a
backup and never overwrites one; the files are valid; hand-edited versions and other templates are refused.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.collect.reader import read_submission
from pmo_xl.generate.generator import generate_for_records
from pmo_xl.ledger import open_ledger
from pmo_xl.register import read_register
from pmo_xl.templates.builder import build_template
from pmo_xl.templates.versions import migration_map
from tests.template_series import SHIPPED, V2, series_schema, use_series, write_register
from tests.test_collect_versions import RAG, _entries, _fill

PERIOD = "2026-10"


def _invoke(*arguments: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in arguments], catch_exceptions=False)
    return result.exit_code, result.output


def _upgrade_json(*arguments: object) -> dict:
    result = CliRunner().invoke(main, ["templates", "upgrade", *map(str, arguments), "--json"], catch_exceptions=False)
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def series():
    with pytest.MonkeyPatch.context() as monkeypatch:
        use_series(monkeypatch)
        yield monkeypatch


@pytest.fixture(scope="module")
def held(series, tmp_path_factory):
    """A folder of 1.0 workbooks as PMs hold them (two half-filled, one blank), the register and the 2.0
    templates."""
    root = tmp_path_factory.mktemp("upgrade")
    register = root / "register.csv"
    write_register(register, RAG)
    build_template(series_schema("1.0"), root / "templates-1.0" / "project_status.xlsx")
    build_template(V2, root / "templates-2.0" / "project_status.xlsx")
    records = read_register(register, SHIPPED)
    generate_for_records(
        series_schema("1.0"), records, root / "generated", PERIOD, templates_dir=root / "templates-1.0"
    )
    held = root / "held"
    held.mkdir()
    for generated in sorted((root / "generated").glob("*.xlsx")):
        project_id = generated.name.split(" - ")[0]
        if project_id == "P-3":
            shutil.copy(generated, held / generated.name)  # blank, as generated
        else:
            _fill(generated, held / generated.name, "1.0", *_entries(project_id, PERIOD, "1.0"))
    return root, held, register, root / "templates-2.0"


@pytest.fixture(scope="module")
def upgraded(held):
    root, folder, _, templates = held
    summary = _upgrade_json(folder, "--out", root / "upgraded", "--templates-dir", templates)
    return root / "upgraded", summary


def test_every_named_value_and_table_cell_lands_where_the_migration_map_says(held, upgraded):
    _, folder, _, _ = held
    out, summary = upgraded
    assert summary["counts"] == {"upgraded": 3, "current": 0, "refused": 0, "skipped": 0}, summary
    the_map = migration_map("project_status", "1.0")
    for original in sorted(folder.glob("*.xlsx")):
        before, _ = read_submission(original)
        after, after_findings = read_submission(out / original.name)
        assert before.metadata.template_version == "1.0" and after.metadata.template_version == "2.0"
        assert not [f for f in after_findings if f.severity == "error"], after_findings
        assert set(before.fields) == set(the_map.fields)  # the map places every entry of 1.0
        for name, value in before.fields.items():  # every named value, none sampled
            destination = the_map.fields[name]
            if destination is None:
                assert name not in after.fields
            else:
                assert after.fields[destination] == value, (original.name, name)
        for table, rows in before.tables.items():  # every cell of every row
            after_rows = after.tables.get(table, [])
            assert len(after_rows) == len(rows), (original.name, table)
            for row, moved in zip(rows, after_rows, strict=True):
                for key, value in row.items():
                    destinations = the_map.columns[(table, key)]
                    if len(destinations) == 1:
                        expected = the_map.choices.get((f"{table}[{destinations[0]}]", value), value)
                        assert moved[destinations[0]] == expected, (original.name, table, key)
                    else:
                        parts = value.split(" / ") if isinstance(value, str) and " / " in value else [value]
                        parts += [None] * (len(destinations) - len(parts))
                        assert [moved[k] for k in destinations] == parts, (original.name, table, key)
        # what 2.0 adds is there, blank; nothing else is in the upgraded workbook
        assert after.fields["lessons_learned"] is None
        assert set(after.fields) == {v for v in the_map.fields.values() if v} | {"lessons_learned"}
        assert all(row["mitigation_cost"] is None for row in after.tables.get("RAID", []))
    # and by hand, for one half-filled workbook
    after, _ = read_submission(next(out.glob("P-2 *")))
    assert after.fields["rag_overall"] == "Red" and after.fields["rag_overall_rationale"] == "Supplier late"
    assert [r["status"] for r in after.tables["RAID"]] == ["Watching", "Open"]
    assert [(r["owner"], r["owner_team"]) for r in after.tables["NextSteps"]] == [("Ana", "Finance"), ("Ben", None)]
    blank, _ = read_submission(next(out.glob("P-3 *")))
    assert blank.tables.get("RAID") == [] and blank.fields["project_id"] == "P-3"


def test_the_metadata_and_token_are_kept_and_collect_accepts_the_upgraded_files(held, upgraded):
    root, folder, register, _ = held
    out, summary = upgraded
    for original in sorted(folder.glob("*.xlsx")):
        before, _ = read_submission(original)
        after, _ = read_submission(out / original.name)
        assert after.metadata.as_dict() == {**before.metadata.as_dict(), "template_version": "2.0"}
    by_project = {entry["project_id"]: entry for entry in summary["workbooks"]}
    assert {entry["generation_token"] for entry in by_project.values()} == {
        read_submission(path)[0].metadata.generation_token for path in folder.glob("*.xlsx")
    }
    code, output = _invoke("collect", out, "--ledger", root / "ledger.db", "--register", register, "--out",
                           root / "portfolio.xlsx", "--period", PERIOD, "--today", "2026-10-20")  # fmt: skip
    # the two half-filled are accepted; the blank one is read as P-3's and judged for what it lacks, as it was
    assert code == 0 and "3 file(s): 2 accepted, 1 rejected" in output, output
    reasons = output.split("rejected: ", 1)[1].split("3 file(s)")[0].splitlines()
    assert reasons[0].endswith("P-3 - Project P-3 - Status 2026-10.xlsx")
    # a 2.0 report is judged by its live checks: each required cell left empty is "... is empty"
    assert all(line.endswith("is empty") for line in reasons[1:]) and len(reasons) > 5, reasons
    with open_ledger(root / "ledger.db") as ledger:
        stored = ledger.submissions("project_status")
    assert set(stored["template_version"]) == {"2.0"} and set(stored["source_version"]) == {""}
    assert dict(zip(stored["project_id"], stored["generation_token"], strict=True)) == {
        project: by_project[project]["generation_token"] for project in ("P-1", "P-2")
    }


def test_a_dry_run_writes_nothing_and_shows_each_files_changes(held, tmp_path):
    _, folder, _, templates = held
    before = {path: path.read_bytes() for path in folder.rglob("*")}
    code, output = _invoke("templates", "upgrade", folder, "--dry-run", "--templates-dir", templates)
    assert code == 0, output
    assert {path: path.read_bytes() for path in folder.rglob("*")} == before
    lines = output.splitlines()
    assert "3 workbook(s): 3 upgraded, 0 already current, 0 refused; nothing written (--dry-run)" in lines
    p1 = lines.index(next(line for line in lines if line.startswith("P-1 ") and ": upgraded 1.0 -> 2.0" in line))
    block = lines[p1 : lines.index(next(line for line in lines[p1 + 1 :] if line.startswith("P-2 ")))]
    assert "    RAID R-001 status 'Monitoring' -> status 'Watching'" in block
    assert "    NextSteps N-001 owner 'Ana / Finance' -> owner 'Ana', owner_team 'Finance'" in block
    assert "    key_achievements: retired in 2.0; its value 'P-1 delivered in 2026-10' is not carried" in block
    assert "    lessons_learned: new field (Lessons learned), left blank" in block
    assert "    RAID[mitigation_cost]: new column ('Mitigation cost'), filled in 0 of 2 row(s)" in block
    assert "    note: NextSteps N-002: owner 'Ben' has no ' / ' to split at; it went whole to owner" in block
    # with --out, a dry run does not make the folder either
    code, _ = _invoke("templates", "upgrade", folder, "--dry-run", "--out", tmp_path / "out", "--templates-dir",
                      templates)  # fmt: skip
    assert code == 0 and not (tmp_path / "out").exists()


def test_in_place_keeps_a_backup_and_never_overwrites_one(held, tmp_path):
    _, folder, _, templates = held
    original = next(folder.glob("P-1 *"))
    workbook = tmp_path / "pm" / original.name
    workbook.parent.mkdir()
    shutil.copy(original, workbook)
    code, output = _invoke("templates", "upgrade", workbook, "--in-place")
    assert code == 2 and "add --backup" in output and workbook.read_bytes() == original.read_bytes()
    code, output = _invoke("templates", "upgrade", workbook, "--in-place", "--backup", "--templates-dir", templates)
    assert code == 0, output
    first_backup = workbook.parent / ".pmo-backup" / workbook.name
    assert first_backup.read_bytes() == original.read_bytes()
    assert read_submission(workbook)[0].metadata.template_version == "2.0"
    # again: the workbook is current now, so nothing is written and no backup made
    code, output = _invoke("templates", "upgrade", workbook.parent, "--in-place", "--backup", "--templates-dir",
                           templates)  # fmt: skip
    assert code == 0 and "already current" in output and len(list(first_backup.parent.iterdir())) == 1
    # the PM sends the 1.0 file again: a second backup beside the first, which stays as it was
    shutil.copy(original, workbook)
    code, output = _invoke("templates", "upgrade", workbook, "--in-place", "--backup", "--templates-dir", templates)
    second = workbook.parent / ".pmo-backup" / f"{workbook.stem} (2).xlsx"
    assert code == 0 and second.read_bytes() == original.read_bytes() == first_backup.read_bytes(), output
    assert f"the workbook as it was is kept in {second}" in output


def test_out_never_overwrites_a_workbook_there(held, tmp_path):
    _, folder, _, templates = held
    out = tmp_path / "out"
    out.mkdir()
    taken = out / next(folder.glob("P-2 *")).name
    taken.write_bytes(b"the PMO's own file")
    summary = _upgrade_json(folder, "--out", out, "--templates-dir", templates)
    assert summary["counts"] == {"upgraded": 2, "current": 0, "refused": 1, "skipped": 0} and summary["exit"] == 1
    (refused,) = [entry for entry in summary["workbooks"] if entry["verdict"] == "refused"]
    assert (
        refused["reason"]
        == f"{taken} exists and is never overwritten; choose an empty --out folder, or remove that file"
    )
    assert taken.read_bytes() == b"the PMO's own file"
    code, output = _invoke("templates", "upgrade", folder, "--out", folder / "sub")
    assert code == 2 and "is inside" in output


def test_upgraded_workbooks_are_valid_files(upgraded):
    from openxml_audit import OpenXmlValidator

    from tests.ooxml_checks import check_package

    out, _ = upgraded
    for path in sorted(out.glob("*.xlsx")):
        result = OpenXmlValidator().validate(str(path))
        assert result.is_valid, [str(error) for error in list(result.errors)[:5]]
        assert check_package(path) == []


@pytest.mark.libreoffice
def test_libreoffice_opens_an_upgraded_workbook(upgraded, tmp_path):
    from tests.libreoffice import convert

    out, _ = upgraded
    source = tmp_path / "upgraded.xlsx"
    shutil.copy(next(out.glob("P-2 *")), source)
    converted = convert(source, "csv", tmp_path / "converted")
    assert converted.exists() and converted.stat().st_size > 0


# -- hostile: each a clear refusal in one line --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metadata", "reason"),
    [
        ({"template_version": "1.0.0"}, "version '1.0.0', but that is no version pmo-xl writes (it reads 1.0, 1.1, "
                                        "2.0); the metadata was edited by hand"),
        ({"template_version": "9.9"}, "version '9.9', but it was made by a newer pmo-xl (this one reads 1.0, 1.1, "
                                      "2.0): upgrade pmo-xl"),
        ({"template_id": "project_charter"}, "the workbook says it is template 'project_charter', which this PMO "
                                             "does not collect"),
    ],
)  # fmt: skip
def test_hand_edited_metadata_and_another_template_are_refused_in_one_line(held, tmp_path, metadata, reason):
    root, _, _, templates = held
    hostile = tmp_path / "hostile"
    hostile.mkdir()
    _fill(next((root / "generated").glob("P-1 *")), hostile / "edited.xlsx", "1.0", *_entries("P-1", PERIOD, "1.0"),
          metadata=metadata)  # fmt: skip
    shutil.copy(next((root / "generated").glob("P-2 *")), hostile / "fine.xlsx")
    summary = _upgrade_json(hostile, "--out", tmp_path / "out", "--templates-dir", templates)
    assert summary["counts"] == {"upgraded": 1, "current": 0, "refused": 1, "skipped": 0} and summary["exit"] == 1
    refused = next(entry for entry in summary["workbooks"] if entry["verdict"] == "refused")
    assert Path(refused["path"]).name == "edited.xlsx"
    assert reason in refused["reason"] and "\n" not in refused["reason"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["fine.xlsx"]


def test_a_damaged_file_and_a_file_of_no_template_are_refused_and_others_skipped(held, tmp_path):
    _, _, _, templates = held
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "cut.xlsx").write_bytes(b"PK\x03\x04 cut off")
    (folder / "notes.txt").write_text("not a workbook")
    plain = tmp_path / "plain.xlsx"
    import openpyxl

    book = openpyxl.Workbook()
    book.save(plain)
    shutil.copy(plain, folder / "plain.xlsx")
    code, output = _invoke("templates", "upgrade", folder, "--out", tmp_path / "out", "--templates-dir", templates)
    assert code == 1
    assert "cut.xlsx: refused: the workbook is incomplete (the zip archive is cut off)" in output
    assert "plain.xlsx: refused: the workbook is not one of the PMO's templates" in output
    assert "2 workbook(s): 0 upgraded, 0 already current, 2 refused" in output and "1 other file(s) skipped" in output
    assert not (tmp_path / "out").exists()
