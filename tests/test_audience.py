"""One audience model: `--programme`/`--business-unit`, the workbook's dashboard_* settings and the outputs' readers
are one `Audience`; the dashboard and report are built for management, the coaching scorecard for the PMO only."""

from __future__ import annotations

import pytest

from pmo_xl.collect.run import collect_candidates
from pmo_xl.ledger import open_ledger
from pmo_xl.reporting.audience import MANAGEMENT, OUTPUT_READERS, PMO, Audience, AudienceError, require_reader
from pmo_xl.reporting.dashboard import scope_views
from pmo_xl.reporting.load import ReportSource, load_dashboard
from pmo_xl.workbook.layout import WORKBOOK_SETTINGS
from tests.collect_builders import candidate, status_submission
from tests.test_coaching import TODAY


@pytest.fixture(scope="module")
def two_programmes(tmp_path_factory):
    path = tmp_path_factory.mktemp("audience") / "ledger.db"
    with open_ledger(path, write=True) as ledger:
        for project_id, programme in (("PRJ-001", "Digital"), ("PRJ-002", "Digital"), ("PRJ-003", "Back Office")):
            submission = status_submission(project_id, "2026-11", fields={"programme": programme})
            collect_candidates([candidate(submission)], ledger)
    return path


def test_the_options_and_the_workbook_settings_are_one_audience():
    from_options = Audience.of(programme=" Digital ", business_unit=None)
    from_workbook = Audience.from_settings({"dashboard_programme": "Digital", "dashboard_business_unit": ""})
    assert from_options == from_workbook == Audience(MANAGEMENT, "Digital", "")
    assert from_options.label == "Programme: Digital" and Audience().label == "All projects"
    assert ReportSource("ledger.db", programme="Digital").audience == from_workbook
    keys = {setting.key for setting in WORKBOOK_SETTINGS}
    assert {"dashboard_programme", "dashboard_business_unit"} <= keys


def test_each_output_says_whom_it_serves_and_the_scorecard_is_the_pmos_alone():
    assert OUTPUT_READERS["pmo-coaching.xlsx"] == (PMO,)
    for output in ("portfolio.xlsx", "report.html", "dashboard"):
        assert OUTPUT_READERS[output] == (MANAGEMENT,)
        with pytest.raises(AudienceError):
            require_reader(output, Audience(PMO))
    with pytest.raises(AudienceError, match="stays with the PMO"):
        require_reader("pmo-coaching.xlsx", Audience(MANAGEMENT))
    with pytest.raises(AudienceError, match="unknown reader"):
        Audience("board")


def test_the_option_and_the_setting_give_the_same_dashboard(two_programmes):
    by_option, dashboard = load_dashboard(two_programmes, today=TODAY, programme="digital")
    _by_setting, same = load_dashboard(
        two_programmes, today=TODAY, audience=Audience.from_settings({"dashboard_programme": "Digital"})
    )
    assert (dashboard.scope, same.scope) == ("Programme: digital", "Programme: Digital")
    assert int(dashboard.rag["projects"].sum()) == int(same.rag["projects"].sum()) == 2
    _all, everyone = load_dashboard(two_programmes, today=TODAY)
    assert int(everyone.rag["projects"].sum()) == 3
    views, _items, label = scope_views(by_option.views, by_option.items, Audience.of("Back Office"))
    assert set(views.status["project_id"]) == {"PRJ-003"} and label == "Programme: Back Office"
    with pytest.raises(AudienceError):
        scope_views(by_option.views, by_option.items, Audience(PMO))
