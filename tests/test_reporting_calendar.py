"""The reporting calendar's two dates a period (submission deadline, data-as-of), the old settings names still read
with a note, and `pmo calendar`'s .ics read back with the icalendar library as a calendar application would."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import warnings

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from macros.adapter import FileBook
from pmo_xl.cli import main
from pmo_xl.reporting.calendar import due_date, report_windows
from pmo_xl.reporting_calendar import (
    calendar_ics,
    data_as_of,
    period_calendar_ics,
    reporting_periods,
    submission_deadline,
)
from pmo_xl.settings import PmoSettings, SettingsError, SettingsRenamed, load_settings, settings_from_rows
from pmo_xl.workbook.build import TableContent, build_workbook, default_content
from pmo_xl.workbook.upgrade import upgrade_workbook

PMO = PmoSettings(pmo_name="Group PMO Zürich", pmo_email="pmo@example.com")


def events(ics: bytes) -> dict[str, dict]:
    """UID -> the event's start date, SEQUENCE, SUMMARY and reminders, read by the icalendar library."""
    found = {}
    for event in Calendar.from_ical(ics).walk("VEVENT"):
        found[str(event["UID"])] = {
            "start": event.decoded("DTSTART"),
            "end": event.decoded("DTEND"),
            "sequence": int(event["SEQUENCE"]),
            "summary": str(event["SUMMARY"]),
            "reminders": [alarm.decoded("TRIGGER") for alarm in event.walk("VALARM")],
        }
    return found


# -- the two dates ------------------------------------------------------------------------------------------------


def test_both_dates_from_the_defaults_day_counts_and_dates_set_by_hand():
    assert (data_as_of("2027-02", PmoSettings()), submission_deadline("2027-02", PmoSettings())) == (
        dt.date(2027, 2, 28),
        dt.date(2027, 3, 5),
    )
    counted = PmoSettings(data_as_of_days_after_period_end=-3, deadline_days_after_period_end=8)
    assert (data_as_of("2028-02", counted), submission_deadline("2028-02", counted)) == (
        dt.date(2028, 2, 26),
        dt.date(2028, 3, 8),
    )
    by_hand = dataclasses.replace(
        counted, deadlines={"2027-12": dt.date(2028, 1, 14)}, data_as_of_dates={"2027-12": dt.date(2027, 12, 20)}
    )
    assert (data_as_of("2027-12", by_hand), submission_deadline("2027-12", by_hand)) == (
        dt.date(2027, 12, 20),
        dt.date(2028, 1, 14),
    )
    assert submission_deadline("2027-11", by_hand) == dt.date(2027, 12, 8)  # other periods: the day counts
    assert due_date("2027-12", by_hand) == dt.date(2028, 1, 14)  # the tracker reads the same deadline
    fortnightly = report_windows("2027-03", "fortnightly", counted)
    assert [window.due for window in fortnightly] == [dt.date(2027, 3, 23), dt.date(2027, 4, 8)]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"data_as_of_days_after_period_end": 6},
            "data_as_of_days_after_period_end 6 is later than deadline_days_after_period_end 5",
        ),
        (
            {"deadlines": {"2027-03": "2027-03-20"}},
            r"period 2027-03: the data-as-of date 2027-03-31 \(data_as_of_days_after_period_end\) is later than the submission deadline 2027-03-20 \(deadline:2027-03\)",
        ),
        (
            {"data_as_of_dates": {"2027-03": "2027-04-09"}},
            r"data-as-of date 2027-04-09 \(data_as_of:2027-03\) is later than the submission deadline 2027-04-05 \(deadline_days_after_period_end\)",
        ),
        ({"data_as_of_dates": {"2027-03": "2027-02-27"}}, "is before the period starts"),
        ({"data_as_of_days_after_period_end": -28}, "would fall before a period starts; give -27 or more"),
        ({"data_as_of_dates": {"March": "2027-03-20"}}, "data_as_of_dates: 'March' is not a period"),
    ],
)
def test_a_data_as_of_date_after_the_deadline_is_refused_naming_both(tmp_path, settings, message):
    import json

    path = tmp_path / "pmo_settings.json"
    path.write_text(json.dumps(settings), encoding="utf-8")
    with pytest.raises(SettingsError, match=message) as refused:
        load_settings(path)
    assert str(refused.value).startswith(f"{path}: ")


# -- the old names ------------------------------------------------------------------------------------------------


def test_old_names_in_toml_and_csv_are_read_as_the_new_ones_with_one_note(tmp_path):
    toml = tmp_path / "pmo_settings.toml"
    toml.write_text('due_days_after_period_end = 7\n[due_dates]\n"2027-12" = 2028-01-12\n', encoding="utf-8")
    with pytest.warns(SettingsRenamed) as notes:
        settings = load_settings(toml)
    assert (settings.deadline_days_after_period_end, settings.deadlines) == (7, {"2027-12": dt.date(2028, 1, 12)})
    assert [str(note.message) for note in notes] == [
        f"{toml}: read the old setting names 'due_days_after_period_end' as 'deadline_days_after_period_end' and "
        "'due_dates' as 'deadlines'; rename them to the new names"
    ]
    csv_file = tmp_path / "pmo_settings.csv"
    csv_file.write_text("setting,value\ndue_date:2027-12,2028-01-09\ndata_as_of:2027-12,2027-12-18\n")
    with pytest.warns(SettingsRenamed, match="'due_date:YYYY-MM' as 'deadline:YYYY-MM'; rename it to the new name"):
        from_csv = load_settings(csv_file)
    assert (submission_deadline("2027-12", from_csv), data_as_of("2027-12", from_csv)) == (
        dt.date(2028, 1, 9),
        dt.date(2027, 12, 18),
    )
    both = tmp_path / "both.toml"
    both.write_text("due_days_after_period_end = 7\ndeadline_days_after_period_end = 6\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"both due_days_after_period_end \(the old name\) and deadline_days"):
        load_settings(both)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # new names: no note
        new = tmp_path / "new.toml"
        new.write_text("deadline_days_after_period_end = 7\n", encoding="utf-8")
        assert load_settings(new).deadline_days_after_period_end == 7


def test_a_run_with_old_names_says_so_once_in_words(tmp_path):
    settings = tmp_path / "pmo_settings.toml"
    settings.write_text('pmo_name = "Group PMO"\ndue_days_after_period_end = 7\n', encoding="utf-8")
    result = CliRunner().invoke(
        main, ["calendar", "--year", "2027", "--out", str(tmp_path / "r.ics"), "--settings", str(settings)]
    )
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if line.startswith("pmo: note:")]
    assert notes == [
        f"pmo: note: {settings}: read the old setting name 'due_days_after_period_end' as "
        "'deadline_days_after_period_end'; rename it to the new name"
    ]
    deadline = events((tmp_path / "r.ics").read_bytes())["project_status-2027-01-deadline@group-pmo.pmo-xl"]
    assert deadline["start"] == dt.date(2027, 2, 7)  # the old name's 7 days, not the default 5


def _workbook_with_old_settings_rows(path):
    """A PMO workbook an older pmo-xl built: the deadline rows under their old names."""
    content = default_content()
    settings = content["Settings"]
    old_rows = (
        ("due_days_after_period_end", 8, "Cut-off of a reporting period: this many days after its last day."),
        ("due_date:2027-12", dt.date(2028, 1, 15), "A cut-off set by hand: add a row due_date:YYYY-MM."),
    )
    kept = tuple(row for row in settings.rows if not str(row[0]).startswith(("deadline", "data_as_of")))
    content["Settings"] = TableContent(settings.headers, (*kept, *old_rows))
    return build_workbook(path, content)


def test_workbook_rows_with_old_names_are_read_and_pmo_workbook_upgrade_renames_them(tmp_path):
    old = _workbook_with_old_settings_rows(tmp_path / "PMO 2026.xlsm")
    with pytest.warns(SettingsRenamed, match="'due_days_after_period_end' as 'deadline_days_after_period_end' and "
                      "'due_date:YYYY-MM' as 'deadline:YYYY-MM'"):  # fmt: skip
        read = settings_from_rows(FileBook(old).read_settings().items())
    assert (read.deadline_days_after_period_end, read.deadlines) == (8, {"2027-12": dt.date(2028, 1, 15)})

    upgraded = FileBook(upgrade_workbook(old))
    rows = upgraded.read_table("Settings").set_index("setting")
    assert not {"due_days_after_period_end", "due_date:2027-12"} & set(rows.index)
    assert rows.loc["deadline_days_after_period_end", "value"] == 8
    assert rows.loc["deadline:2027-12", "meaning"].startswith("A submission deadline set by hand")
    assert rows.loc["data_as_of_days_after_period_end", "value"] == 0  # new in this build: its default
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the upgraded workbook reads without a note
        settings = settings_from_rows(upgraded.read_settings().items())
    assert (settings.deadline_days_after_period_end, settings.deadlines) == (8, {"2027-12": dt.date(2028, 1, 15)})


# -- the .ics -----------------------------------------------------------------------------------------------------


def test_a_year_of_monthly_reporting_is_24_all_day_events_with_reminders_and_stable_uids():
    periods = reporting_periods(2027, PMO)
    assert periods == [f"2027-{month:02d}" for month in range(1, 13)]
    ics = calendar_ics(PMO, periods)
    found = events(ics)
    assert len(found) == 24 == len(Calendar.from_ical(ics).walk("VEVENT"))  # UIDs unique
    march = found["project_status-2027-03-deadline@pmo-example-com.pmo-xl"]
    assert (march["start"], march["end"], march["sequence"]) == (dt.date(2027, 4, 5), dt.date(2027, 4, 6), 0)
    assert march["summary"] == "Deadline 2027-03: Project status report"  # a month view shows its start
    assert march["reminders"] == [-dt.timedelta(days=2, hours=15), dt.timedelta(hours=9)]  # 3 days before, on the day
    as_of = found["project_status-2027-03-data-as-of@pmo-example-com.pmo-xl"]
    assert (as_of["start"], as_of["reminders"]) == (dt.date(2027, 3, 31), [dt.timedelta(hours=9)])
    assert calendar_ics(PMO, periods) == ics  # the same bytes again: nothing reads the clock
    quarterly = reporting_periods(2027, dataclasses.replace(PMO, fiscal_year_start_month=4), "quarterly")
    assert quarterly == ["2027-03", "2027-06", "2027-09", "2027-12"]
    fortnightly = events(calendar_ics(PMO, periods, cadence="fortnightly"))
    assert len(fortnightly) == 36
    assert fortnightly["project_status-2027-03-mid-month-deadline@pmo-example-com.pmo-xl"]["start"] == dt.date(
        2027, 3, 20
    )
    one = events(period_calendar_ics(PMO, "2027-03"))  # what the send-out attaches: the year's UIDs
    assert set(one) == {uid for uid in found if "-2027-03-" in uid}


def test_a_changed_deadline_revises_only_its_event_and_importing_twice_gives_the_same_set():
    periods = reporting_periods(2027, PMO)
    first = calendar_ics(PMO, periods)
    moved = dataclasses.replace(PMO, deadlines={"2027-03": dt.date(2027, 4, 9)})
    second = calendar_ics(moved, periods, previous=first)
    before, after = events(first), events(second)
    changed = {uid for uid in after if after[uid] != before[uid]}
    assert changed == {"project_status-2027-03-deadline@pmo-example-com.pmo-xl"}
    assert after["project_status-2027-03-deadline@pmo-example-com.pmo-xl"]["sequence"] == 1
    assert calendar_ics(moved, periods, previous=second) == second  # unchanged since: same bytes, no bump

    # A calendar application keeps, per UID, the event with the highest SEQUENCE: both files imported give the second.
    imported: dict[str, dict] = {}
    for ics in (first, second, first, second):
        for uid, event in events(ics).items():
            if uid not in imported or event["sequence"] >= imported[uid]["sequence"]:
                imported[uid] = event
    assert imported == after


def test_pmo_calendar_writes_the_file_atomically_and_refuses_a_missing_folder_in_one_line(tmp_path, monkeypatch):
    out = tmp_path / "pmo-reporting.ics"
    settings = tmp_path / "pmo_settings.toml"
    settings.write_text('pmo_name = "Group PMO"\n', encoding="utf-8")
    run = ["calendar", "--year", "2027", "--out", str(out), "--settings", str(settings)]
    result = CliRunner().invoke(main, run)
    assert result.exit_code == 0, result.output
    assert "24 events (24 new, 0 revised) for the 12 monthly reporting periods of 2027" in result.stdout
    assert len(events(out.read_bytes())) == 24
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "pmo-reporting.ics",
        "pmo_settings.toml",
    ]  # no temporary

    replaced = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda source, target: replaced.append(target) or real_replace(source, target))
    settings.write_text('pmo_name = "Group PMO"\n[deadlines]\n"2027-06" = 2027-07-09\n', encoding="utf-8")
    result = CliRunner().invoke(main, run)
    assert result.exit_code == 0, result.output
    assert [os.fspath(target) for target in replaced] == [os.fspath(out)]  # written beside, then moved into place
    assert "revised: Deadline 2027-06: Project status report now 2027-07-09" in result.stdout

    result = CliRunner().invoke(main, ["calendar", "--year", "2028", "--out", str(out), "--settings", str(settings)])
    assert result.exit_code == 0, result.output
    assert (
        "24 event(s) of the previous pmo-reporting.ics are not in it" in result.stdout
    )  # said, not dropped in silence
    assert "    Deadline 2027-06: Project status report (2027-07-09)" in result.stdout

    missing = tmp_path / "no such folder" / "r.ics"
    result = CliRunner().invoke(main, ["calendar", "--year", "2027", "--out", str(missing)])
    assert result.exit_code == 2 and not missing.parent.exists()
    assert result.output.strip() == f"pmo: --out {missing}: its folder does not exist; give an .ics file in an existing folder"  # fmt: skip

    not_ics = tmp_path / "notes.ics"
    not_ics.write_text("my own notes\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["calendar", "--year", "2027", "--out", str(not_ics)])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    assert "is not an iCalendar file" in result.output and not_ics.read_text(encoding="utf-8") == "my own notes\n"
