"""The reporting calendar and the coverage: reporting, late, stale, never reported, not due; who is chased; the drafts."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import pytest

from pmo_xl.reporting.calendar import (
    TrackedProject,
    chaser_list,
    due_date,
    is_reporting_period,
    submission_tracker,
    write_chaser_drafts,
)
from pmo_xl.settings import PmoSettings, SettingsError, load_settings

SETTINGS = PmoSettings()  # monthly, cut-off 5 days after the period ends


def _project(project_id, **options):
    defaults = {"project_name": f"Project {project_id}", "project_manager": "Ana Ruiz", "pm_email": "ana@example.org"}
    return TrackedProject(project_id, **{**defaults, **options})


def _states(projects, submitted, today, period="2026-11", settings=SETTINGS, latest=None, returned=None):
    tracker = submission_tracker(projects, submitted, period, settings, today, latest, returned)
    return dict(zip(tracker["project_id"], tracker["state"], strict=True)), tracker


def test_due_date_defaults_to_days_after_the_period_and_can_be_set_per_period():
    assert due_date("2026-11", SETTINGS) == dt.date(2026, 12, 5)
    assert due_date("2027-02", SETTINGS) == dt.date(2027, 3, 5)
    christmas = PmoSettings(deadlines={"2026-12": dt.date(2027, 1, 12)})
    assert due_date("2026-12", christmas) == dt.date(2027, 1, 12)
    assert due_date("2026-11", christmas) == dt.date(2026, 12, 5)


def test_reporting_late_stale_and_never_reported():
    projects = [_project("ON-TIME"), _project("LATE"), _project("NOTHING"), _project("OLD")]
    submitted = {"ON-TIME": [dt.date(2026, 12, 3)], "LATE": [dt.date(2026, 12, 9)]}
    latest = {"ON-TIME": "2026-11", "LATE": "2026-10", "OLD": "2026-09"}
    before_cut_off, tracker = _states(projects, submitted | {"LATE": []}, dt.date(2026, 12, 4), latest=latest)
    # Before the cut-off nothing is chased, but an earlier report is never counted as this period's.
    assert before_cut_off == {"ON-TIME": "reporting", "LATE": "stale", "NOTHING": "never reported", "OLD": "stale"}
    assert not tracker["chase"].any()
    after, tracker = _states(projects, submitted, dt.date(2026, 12, 10), latest=latest)
    assert after == {"ON-TIME": "reporting", "LATE": "late", "NOTHING": "never reported", "OLD": "stale"}
    nothing = tracker.set_index("project_id").loc["NOTHING"]
    assert bool(nothing["chase"]) is True and nothing["note"] == "5 day(s) overdue"
    old = tracker.set_index("project_id").loc["OLD"]
    assert old["latest_period"] == "2026-09" and old["note"] == "latest report is for 2026-09; 5 day(s) overdue"
    assert tracker.set_index("project_id").loc["LATE", "note"] == "4 day(s) after the cut-off"


def test_only_active_projects_are_chased():
    projects = [
        _project("ACTIVE"),
        _project("PAUSED", lifecycle_status="on hold"),
        _project("DONE", lifecycle_status="closed"),
    ]
    states, tracker = _states(projects, {}, dt.date(2027, 1, 10))
    assert states == {"ACTIVE": "never reported", "PAUSED": "on hold", "DONE": "closed"}
    assert list(tracker["chase"]) == [True, False, False]
    assert tracker.set_index("project_id").loc["PAUSED", "note"] == "on hold: not chased"


def test_quarterly_projects_report_in_the_last_month_of_each_fiscal_quarter():
    april_year = PmoSettings(fiscal_year_start_month=4)
    assert [m for m in range(1, 13) if is_reporting_period(f"2026-{m:02d}", "quarterly", 4)] == [3, 6, 9, 12]
    assert [m for m in range(1, 13) if is_reporting_period(f"2026-{m:02d}", "quarterly", 2)] == [1, 4, 7, 10]
    quarterly = _project("Q", cadence="quarterly")
    reported = {"Q": "2026-09"}
    states, tracker = _states([quarterly], {}, dt.date(2026, 12, 20), "2026-11", april_year, reported)
    assert states == {"Q": "not due"} and not tracker["chase"].any()  # its September report stands
    states, tracker = _states([quarterly], {}, dt.date(2027, 1, 20), "2026-12", april_year, reported)
    assert states == {"Q": "stale"} and tracker["chase"].all()


def test_quarterly_as_the_default_cadence_comes_from_the_settings():
    settings = PmoSettings(cadence="quarterly")
    states, tracker = _states([_project("P")], {}, dt.date(2027, 1, 20), "2026-11", settings, {"P": "2026-09"})
    assert states == {"P": "not due"} and tracker.loc[0, "cadence"] == "quarterly"


def test_fortnightly_projects_owe_a_report_for_each_half_month():
    project = _project("F", cadence="fortnightly")
    # first half: due on the 20th (15th + 5 days)
    assert _states([project], {}, dt.date(2026, 11, 21))[0] == {"F": "never reported"}
    assert _states([project], {"F": [dt.date(2026, 11, 14)]}, dt.date(2026, 11, 21))[0] == {"F": "reporting"}
    # second half: a report from the first half no longer counts
    late_half = _states([project], {"F": [dt.date(2026, 11, 14)]}, dt.date(2026, 12, 6), latest={"F": "2026-11"})
    assert late_half[0] == {"F": "stale"} and late_half[1]["chase"].all()
    assert _states([project], {"F": [dt.date(2026, 11, 14), dt.date(2026, 12, 2)]}, dt.date(2026, 12, 6))[0] == {
        "F": "reporting"
    }


def test_chaser_list_groups_outstanding_reports_by_pm():
    projects = [
        _project("PRJ-001"),
        _project("PRJ-002"),
        _project("PRJ-003", project_manager="Tom Becker", pm_email=""),
        _project("PRJ-004", project_manager="Tom Becker", pm_email=""),
    ]
    _, tracker = _states(projects, {"PRJ-004": [dt.date(2026, 12, 1)]}, dt.date(2026, 12, 10))
    chasers = chaser_list(tracker).set_index("project_manager")
    assert chasers.loc["Ana Ruiz", "project_ids"] == "PRJ-001, PRJ-002"
    assert chasers.loc["Ana Ruiz", "pm_email"] == "ana@example.org"
    assert "PRJ-001 Project PRJ-001 (2026-11, due 2026-12-05)" in chasers.loc["Ana Ruiz", "outstanding"]
    assert chasers.loc["Tom Becker", "project_ids"] == "PRJ-003"
    assert "no pm_email" in chasers.loc["Tom Becker", "note"]


def test_one_eml_draft_per_pm_that_outlook_opens_as_unsent(tmp_path):
    projects = [
        _project("PRJ-001"),
        _project("PRJ-002"),
        _project("PRJ-003", project_manager="Tom Becker", pm_email="tom@example.org"),
    ]
    _, tracker = _states(projects, {}, dt.date(2026, 12, 10))
    settings = PmoSettings(pmo_name="Group PMO", pmo_email="pmo@example.org")
    drafts = write_chaser_drafts(chaser_list(tracker), tracker, tmp_path / "chasers", settings)
    assert sorted(path.name for path in drafts) == ["Reminder - Ana Ruiz.eml", "Reminder - Tom Becker.eml"]
    raw = (tmp_path / "chasers" / "Reminder - Ana Ruiz.eml").read_bytes()
    assert b"\r\n" in raw
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["X-Unsent"] == "1"
    assert message["To"] == "ana@example.org"
    assert message["From"] == "Group PMO <pmo@example.org>"
    assert "PRJ-001, PRJ-002" in message["Subject"]
    body = message.get_content()
    assert "PRJ-001 Project PRJ-001: period 2026-11, due 2026-12-05" in body
    assert "PRJ-002" in body and "PRJ-003" not in body
    assert body.rstrip().endswith("Group PMO")


def test_settings_load_from_toml_json_and_csv(tmp_path):
    toml = tmp_path / "pmo_settings.toml"
    toml.write_text(
        'cadence = "fortnightly"\nfiscal_year_start_month = 4\nschedule_slip_red_days = 60\n'
        '[deadlines]\n"2026-12" = 2027-01-12\n',
        encoding="utf-8",
    )
    settings = load_settings(toml)
    assert (settings.cadence, settings.fiscal_year_start_month, settings.schedule_slip_red_days) == (
        "fortnightly",
        4,
        60,
    )
    assert settings.deadlines == {"2026-12": dt.date(2027, 1, 12)}
    assert settings.cost_overrun_amber_percent == 5.0  # untouched defaults stay
    json_file = tmp_path / "s.json"
    json_file.write_text('{"cadence": "quarterly", "deadlines": {"2026-12": "2027-01-15"}}', encoding="utf-8")
    assert load_settings(json_file).deadlines == {"2026-12": dt.date(2027, 1, 15)}
    csv_file = tmp_path / "s.csv"
    csv_file.write_text(
        "setting,value\ncadence,monthly\ndeadline_days_after_period_end,3\ndeadline:2026-12,2027-01-09\n"
    )
    from_csv = load_settings(csv_file)
    assert from_csv.deadline_days_after_period_end == 3 and from_csv.deadlines == {"2026-12": dt.date(2027, 1, 9)}
    assert load_settings(None) == PmoSettings()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('cadence = "weekly"', "cadence 'weekly' must be one of"),
        ("fiscal_year_start_month = 13", "fiscal_year_start_month 13"),
        ("colour = 'blue'", "unknown setting"),
        ('[deadlines]\n"December" = 2027-01-12', "'December' is not a period"),
        ("schedule_slip_amber_days = 'soon'", "schedule_slip_amber_days"),
    ],
)
def test_bad_settings_are_refused_with_the_reason(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError, match=message.replace("(", r"\(")):
        load_settings(path)
