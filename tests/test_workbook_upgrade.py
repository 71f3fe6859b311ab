"""`pmo workbook upgrade OLD.xlsm`: the PMO's data moves into a fresh build; the old file is only read."""

from __future__ import annotations

import hashlib
import io
import zipfile

from click.testing import CliRunner
from openpyxl import load_workbook

import macros.ribbon
from macros.adapter import FileBook
from pmo_xl.workbook.build import Formula, TableContent, build_workbook, build_workbook_bytes, default_content
from pmo_xl.workbook.upgrade import upgrade_workbook


def old_workbook(path):
    """An older build: an extra column the PMO added, a formula column, two projects, a changed and a missing setting."""
    content = default_content()
    portfolio = content["Portfolio"]
    headers = (*portfolio.headers, "benefit_owner", "budget_k")
    first = (*portfolio.rows[0], "Finance", Formula("=Portfolio[[#This Row],[budget]]/1000"))
    values = {"project_id": "P-002", "project_name": "Data platform", "kind": "project", "benefit_owner": "CFO office"}
    second = tuple(values.get(header) for header in headers)
    content["Portfolio"] = TableContent(headers, (first, second))
    settings = content["Settings"]
    kept = tuple(row for row in settings.rows if row[0] != "ribbon_time_limit_seconds")
    changed = tuple((row[0], "CHF", row[2]) if row[0] == "currency" else row for row in kept)
    content["Settings"] = TableContent(settings.headers, (*changed, ("board_date", "2026-03-02", "Our own setting")))
    return build_workbook(path, content)


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_upgrade_carries_register_settings_and_extra_columns_into_a_fresh_build(tmp_path):
    old = old_workbook(tmp_path / "PMO 2025.xlsm")
    before = digest(old)
    new = upgrade_workbook(old)
    assert new == tmp_path / "PMO 2025-upgraded.xlsm"
    assert digest(old) == before

    book = FileBook(new)
    portfolio = book.read_table("Portfolio")
    assert portfolio["project_id"].tolist() == ["P-001", "P-002"]
    assert portfolio["benefit_owner"].tolist() == ["Finance", "CFO office"]
    sheet = load_workbook(new)["Portfolio"]
    formula_column = list(portfolio.columns).index("budget_k") + 1
    assert sheet.cell(4, formula_column).value == "=Portfolio[[#This Row],[budget]]/1000"

    settings = book.read_settings()
    assert settings["currency"] == "CHF"
    assert settings["board_date"] == "2026-03-02"
    assert settings["ribbon_time_limit_seconds"] == 60  # new in this build: its default
    with zipfile.ZipFile(new) as package, zipfile.ZipFile(io.BytesIO(build_workbook_bytes())) as fresh:
        assert package.read("xl/vbaProject.bin") == fresh.read("xl/vbaProject.bin")  # the code is the new build's
        assert package.read("customUI/customUI14.xml") == fresh.read("customUI/customUI14.xml")


def test_upgrade_keeps_the_scoring_model_and_log_the_pmo_edited(tmp_path):
    old = build_workbook(tmp_path / "old.xlsm")
    book = FileBook(old)
    model = book.read_table("ScoringModel")
    model["weight"] = model["weight"].astype(object)
    model.loc[model["criterion_id"] == "urgency", "weight"] = 0.4
    book.write_table("ScoringModel", model)
    book.commit()
    macros.ribbon.score_requests(FileBook(old))
    new = FileBook(upgrade_workbook(old, tmp_path / "new.xlsm"))
    assert set(new.read_table("ScoringModel").query("criterion_id == 'urgency'")["weight"]) == {0.4}
    assert new.read_table("Log")["action"].tolist() == ["Score requests"]
    assert new.read_table("Requests")["rank"].tolist() == [1]


def test_upgrade_never_overwrites_without_force_and_refuses_a_stranger(tmp_path):
    from pmo_xl.cli import main

    old = build_workbook(tmp_path / "old.xlsm")
    (tmp_path / "new.xlsm").write_bytes(b"keep me")
    result = CliRunner().invoke(main, ["workbook", "upgrade", str(old), "--out", str(tmp_path / "new.xlsm")])
    assert result.exit_code == 2 and "--force" in result.output
    assert (tmp_path / "new.xlsm").read_bytes() == b"keep me"
    result = CliRunner().invoke(main, ["workbook", "upgrade", str(old), "--out", str(tmp_path / "new.xlsm"), "--force"])
    assert result.exit_code == 0, result.output

    from openpyxl import Workbook

    stranger = tmp_path / "stranger.xlsx"
    Workbook().save(stranger)
    result = CliRunner().invoke(main, ["workbook", "upgrade", str(stranger)])
    assert result.exit_code == 2 and "is it a PMO workbook?" in result.output
    assert not (tmp_path / "stranger-upgraded.xlsm").exists()


def _settings_table_of_an_older_build(values):
    """The Settings table as builds before the core's settings were generated into it held them."""
    content = default_content()
    settings = content["Settings"]
    old_keys = ("reporting_frequency", "reporting_calendar_start", "currency", "unit", "rag_amber_threshold",
                "rag_red_threshold")  # fmt: skip
    kept = tuple(row for row in settings.rows if row[0] not in (*old_keys, "cadence", "money_unit"))
    content["Settings"] = TableContent(settings.headers, (*kept, *((key, values[key], "old") for key in old_keys)))
    return content


def test_upgrade_renames_old_settings_and_marks_the_ones_whose_units_changed(tmp_path):
    from pmo_xl.settings import settings_from_rows

    old = build_workbook(tmp_path / "old.xlsm", _settings_table_of_an_older_build({
        "reporting_frequency": "quarterly", "reporting_calendar_start": "2026-01-31", "currency": "CHF", "unit": "m",
        "rag_amber_threshold": 0.05, "rag_red_threshold": 0.15,
    }))  # fmt: skip
    book = FileBook(upgrade_workbook(old))
    settings = book.read_settings()
    assert settings["cadence"] == "quarterly" and settings["money_unit"] == "m" and settings["currency"] == "CHF"
    assert "reporting_frequency" not in settings and "unit" not in settings
    assert settings["rag_amber_threshold"] == 0.05  # kept, never silently reinterpreted as days or percent
    meanings = book.read_table("Settings").set_index("setting")["meaning"]
    assert meanings["rag_amber_threshold"].startswith("Not used since this build: RAG thresholds are now days")
    assert meanings["cadence"].startswith("Default reporting cadence")  # the new build's text, not "old"
    core = settings_from_rows(settings.items())
    assert (core.cadence, core.money_unit, core.schedule_slip_amber_days) == ("quarterly", "m", 15)


def test_upgrade_keeps_an_old_cadence_the_core_refuses_as_a_marked_row(tmp_path):
    from pmo_xl.settings import settings_from_rows

    old = build_workbook(tmp_path / "old.xlsm", _settings_table_of_an_older_build({
        "reporting_frequency": "weekly", "reporting_calendar_start": "", "currency": "EUR", "unit": "k",
        "rag_amber_threshold": 0.05, "rag_red_threshold": 0.15,
    }))  # fmt: skip
    book = FileBook(upgrade_workbook(old))
    settings = book.read_settings()
    assert settings["reporting_frequency"] == "weekly" and settings["cadence"] == "monthly"
    meanings = book.read_table("Settings").set_index("setting")["meaning"]
    assert meanings["reporting_frequency"] == "Not used since this build: cadence does not accept 'weekly'"
    assert settings_from_rows(settings.items()).cadence == "monthly"
