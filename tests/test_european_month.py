"""A European PMO's month, end to end through the `pmo` command, every figure checked against a hand computation.

The register is what a PMO in Lyon or Munich gets from Excel's "Save as CSV": semicolons, a BOM, Windows line
ends, decimal commas (`320000,50`), thousands points (`2.630.000`), dd/mm/yyyy dates with days over 12, budgets in
whole euros, and one project in pounds. Once `320000,50` became 32,000,050 and whole euros were shown as "k EUR".

Hand computation (the expectations below are typed from it, never copied from output):

    project  currency  budget          EAC             variance (budget - EAC)   RAG
    EU-001   EUR         320,000.50      340,000.50        -20,000              Amber
    EU-002   EUR       1,250,000.00    1,200,000.00        +50,000              Green
    EU-003   EUR       2,630,000.00    2,900,000.00       -270,000              Red
    UK-004   GBP         480,000.00      480,000.00              0              Green

    EUR: budget 4,200,000.50, EAC 4,440,000.50, variance -240,000, at Red 2,630,000 = 62.6 % of the EUR budget
    GBP: budget 480,000, EAC 480,000, variance 0, nothing at Red. Euros and pounds are never added together.

Shown in whole units, rounded half up as Excel's #,##0 does, the same in every output: 4,200,000.50 is 4,200,001
and 4,440,000.50 is 4,440,001 on the Dashboard sheet, in its headline and in the report.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.collect.reader import read_submission
from pmo_xl.demo.data import fill_by_name, fill_demo_submission
from tests.outputs import report_text as _report_text
from tests.outputs import table as _table

REGISTER = (
    "project_id;project_name;project_manager;pm_email;sponsor;programme;stage;start_date;end_date;budget;currency;"
    "money_unit\r\n"
    "EU-001;Refonte du portail client;Élodie Martin;elodie@example.eu;Claire Dubois;Digital;Execution;15/01/2026;"
    "30/06/2027;320000,50;EUR;units\r\n"
    "EU-002;ERP-Migration;Jürgen Weiß;juergen@example.eu;Ingrid Olsen;Back Office;Execution;01/03/2026;31/12/2027;"
    "1.250.000;EUR;units\r\n"
    "EU-003;Datenplattform;Sofía García;sofia@example.eu;Marc Lefèvre;Data;Planning;13/04/2026;28/02/2028;"
    "2.630.000;EUR;units\r\n"
    "UK-004;Warehouse scanning;Oliver Smith;oliver@example.co.uk;Ingrid Olsen;Operations;Execution;20/05/2026;"
    "15/11/2027;480.000;GBP;units\r\n"
)
# What each PM types, by defined name, into the generated workbook.
REPORTED = {
    "EU-001": {
        "actual_to_date": 150000.5,
        "estimate_at_completion": 340000.5,
        "percent_complete": 0.45,
        "rag": "Amber",
    },
    "EU-002": {"actual_to_date": 600000, "estimate_at_completion": 1200000, "percent_complete": 0.5, "rag": "Green"},
    "EU-003": {"actual_to_date": 400000, "estimate_at_completion": 2900000, "percent_complete": 0.2, "rag": "Red"},
    "UK-004": {"actual_to_date": 100000, "estimate_at_completion": 480000, "percent_complete": 0.3, "rag": "Green"},
}
PERIOD, TODAY = "2026-11", "2026-12-03"


def _pm_fields(figures: dict) -> dict:
    rag = figures["rag"]
    fields = {key: value for key, value in figures.items() if key != "rag"}
    fields.update(submitted_on=dt.date(2026, 12, 2), rag_overall=rag, rag_cost=rag, rag_schedule="Green")
    for dimension in ("overall", "cost"):
        fields[f"rag_{dimension}_rationale"] = None if rag == "Green" else "The integrator delivers late"
        fields[f"rag_{dimension}_path_to_green"] = None if rag == "Green" else "A second integrator from January"
    return fields


def _run(*arguments: str) -> str:
    result = CliRunner().invoke(main, list(arguments), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def month(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("european-month")
    register = root / "registre.csv"
    register.write_bytes(b"\xef\xbb\xbf" + REGISTER.encode("utf-8"))
    _run("generate", "--register", str(register), "--out", str(root / "outbox"), "--period", PERIOD)
    inbox = root / "inbox"
    inbox.mkdir()
    for generated in sorted((root / "outbox").glob("*.xlsx")):
        project_id = generated.name.split(" - ")[0]
        # Milestones, risks and the rest as a PM would fill them; then the figures above typed over them by name.
        draft = root / f"draft {generated.name}"
        fill_demo_submission(generated, draft, random.Random(project_id))
        fill_by_name(draft, inbox / generated.name, _pm_fields(REPORTED[project_id]))
    ledger, portfolio = root / "ledger.db", root / "portfolio.xlsx"
    _run("collect", str(inbox), "--ledger", str(ledger), "--out", str(portfolio), "--register", str(register),
         "--period", PERIOD, "--today", TODAY)  # fmt: skip
    _run("dashboard", str(root / "dashboard.xlsx"), "--ledger", str(ledger), "--register", str(register))
    _run("report", str(root / "report.html"), "--ledger", str(ledger), "--register", str(register))
    return root


def test_the_generated_workbooks_carry_the_registers_figures_exactly(month):
    by_project = {path.name.split(" - ")[0]: path for path in (month / "outbox").glob("*.xlsx")}
    first, _ = read_submission(by_project["EU-001"])
    assert first.fields["budget_original"] == 320000.5  # not 32,000,050
    assert first.fields["budget_current"] == 320000.5
    assert first.fields["start_date"] == dt.date(2026, 1, 15) and first.fields["baseline_end_date"] == dt.date(
        2027, 6, 30
    )
    assert (first.fields["currency"], first.fields["money_unit"]) == ("EUR", "units")
    third, _ = read_submission(by_project["EU-003"])
    assert third.fields["budget_original"] == 2630000 and third.fields["start_date"] == dt.date(2026, 4, 13)
    pounds, _ = read_submission(by_project["UK-004"])
    assert (pounds.fields["budget_original"], pounds.fields["currency"]) == (480000, "GBP")


@pytest.mark.parametrize("workbook", ["portfolio.xlsx", "dashboard.xlsx"])
def test_portfolio_cells_equal_the_hand_computation(month, workbook):
    path = month / workbook
    status = {row["project_id"]: row for row in _table(path, "Status")}
    assert set(status) == {"EU-001", "EU-002", "EU-003", "UK-004"}
    assert status["EU-001"]["budget_current"] == 320000.5 and status["EU-001"]["budget_variance"] == -20000
    assert status["EU-002"]["budget_variance"] == 50000
    assert status["EU-003"]["budget_variance"] == -270000
    assert status["UK-004"]["budget_variance"] == 0 and status["UK-004"]["currency"] == "GBP"
    assert {row["money_unit"] for row in status.values()} == {"units"}
    currencies = {row["Amounts in"]: row for row in _table(path, "DashCurrency")}
    variance = "Variance (budget − EAC; negative = overspend)"
    assert currencies["EUR"]["Budget"] == 4200000.5 and currencies["EUR"]["Forecast (EAC)"] == 4440000.5
    assert currencies["EUR"][variance] == -240000 and currencies["EUR"]["Budget at Red"] == 2630000
    assert currencies["EUR"]["Share of budget at Red"] == pytest.approx(2630000 / 4200000.5)
    assert currencies["GBP"]["Budget"] == 480000 and currencies["GBP"][variance] == 0
    assert currencies["GBP"]["Budget at Red"] == 0
    headline = {row["Measure"]: row["Value"] for row in _table(path, "DashHeadline")}
    assert headline["Projects reporting"] == 4 and headline["Projects at Red"] == 1
    assert headline["Budget"] == "4,200,001 EUR; 480,000 GBP"  # per currency, never one sum
    budget = {row["Project"]: row for row in _table(path, "DashBudget")}
    assert budget["EU-003"][variance] == -270000 and budget["EU-003"]["Amounts in"] == "EUR"
    assert budget["UK-004"]["Amounts in"] == "GBP"


def test_the_report_text_equals_the_hand_computation(month):
    text = _report_text(month / "report.html")
    assert "4 of 4 active projects reporting for 2026-11" in text
    assert "4,200,001 EUR 480,000 GBP budget, per currency (never added up)" in text
    assert "4,440,001 EUR 480,000 GBP forecast at completion" in text
    assert "EUR: 63% GBP: 0% of the budget is at Red" in text
    assert "EUR 3 4,200,001 4,440,001 -240,000 2,630,000 63%" in text  # the Budget per currency row
    assert "GBP 1 480,000 480,000 0 0 0%" in text
    assert "k EUR" not in text and "4,680,000" not in text  # no assumed thousands, no euros plus pounds
    assert re.search(r"EU-003 Datenplattform 2,630,000 2,900,000 400,000 -270,000 -10(\.3)?% EUR", text), text
    assert re.search(r"EU-002 ERP-Migration 1,250,000 1,200,000 600,000 50,000 4(\.0)?% EUR", text)


def test_a_comma_register_with_day_first_dates_is_refused_until_its_locale_is_named(tmp_path):
    """03/12/2026 in a comma file could be 3 December (en-GB) or 12 March (en-US): never guessed."""
    register = tmp_path / "register.csv"
    register.write_text(
        "project_id,project_name,project_manager,sponsor,start_date,end_date,budget,currency,money_unit\n"
        'UK-1,Depot,Oliver Smith,Ingrid Olsen,03/12/2026,04/01/2028,"1,250,000",GBP,units\n',
        encoding="utf-8",
    )
    refused = CliRunner().invoke(main, ["generate", "--register", str(register), "--out", str(tmp_path / "a")])
    assert refused.exit_code != 0 and "could be day/month or month/day" in refused.output
    assert "--csv-locale" in refused.output and not (tmp_path / "a").exists()
    _run("generate", "--register", str(register), "--out", str(tmp_path / "b"), "--period", PERIOD,
         "--csv-locale", "en-GB")  # fmt: skip
    (generated,) = (tmp_path / "b").glob("*.xlsx")
    parsed, _ = read_submission(generated)
    assert parsed.fields["start_date"] == dt.date(2026, 12, 3) and parsed.fields["budget_original"] == 1250000
    settings = tmp_path / "pmo_settings.toml"
    settings.write_text('csv_locale = "en-US"\n', encoding="utf-8")
    _run("generate", "--register", str(register), "--out", str(tmp_path / "c"), "--period", PERIOD,
         "--settings", str(settings))  # fmt: skip
    (generated,) = (tmp_path / "c").glob("*.xlsx")
    assert read_submission(generated)[0].fields["start_date"] == dt.date(2026, 3, 12)
