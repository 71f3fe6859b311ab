"""Money on the dashboard, portfolio.xlsx and the report: every amount carries its unit and currency, units of one
currency are converted exactly, currencies are never added together, and the variance has the template's sign."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from pmo_xl.collect.validation import _recompute_formula_fields
from pmo_xl.ledger import open_ledger
from pmo_xl.reporting.dashboard import build_dashboard, executive_summary
from pmo_xl.reporting.load import read_item_history
from pmo_xl.reporting.portfolio_workbook import write_portfolio_with_dashboard
from pmo_xl.reporting.report_html import render_report
from pmo_xl.reporting.views import amounts_label, load_views, money_label
from pmo_xl.templates.catalog import PROJECT_STATUS, VARIANCE_HEADER, budget_variance
from tests.collect_builders import status_submission

TODAY = dt.date(2026, 12, 10)


def _money(currency: str, unit: str, budget: float, eac: float, **fields) -> dict:
    return {"currency": currency, "money_unit": unit, "budget_original": budget, "budget_current": budget,
            "estimate_at_completion": eac, "actual_to_date": eac / 2, **fields}  # fmt: skip


def _portfolio(folder, *submissions):
    ledger_path = folder / "ledger.db"
    with open_ledger(ledger_path, write=True) as ledger:
        for number, submission in enumerate(submissions):
            ledger.add_submission(submission, f"2026-12-0{number + 1}T09:00:00")
    views = load_views(ledger_path, today=TODAY)
    items = read_item_history(ledger_path, views)
    dashboard = build_dashboard(views, items)
    html = render_report(dashboard, executive_summary(views, items), views)
    workbook = write_portfolio_with_dashboard(views, dashboard, folder / "portfolio.xlsx")
    return views, dashboard, html, openpyxl.load_workbook(workbook)


def _table(workbook, sheet: str, table: str) -> list[dict]:
    worksheet = workbook[sheet]
    rows = [[cell.value for cell in row] for row in worksheet[worksheet.tables[table].ref]]
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:] if any(value is not None for value in row)]


def _headline(dashboard) -> dict:
    return {row["measure"]: (row["value"], row["amounts_in"]) for row in dashboard.headline.to_dict("records")}


@pytest.mark.parametrize(
    ("unit", "currency", "label"),
    [("units", "EUR", "EUR"), ("k", "EUR", "k EUR"), ("m", "GBP", "m GBP"), ("", "EUR", "EUR (unit not stated)"),
     ("k", "", "k (currency not stated)"), (None, None, "unit and currency not stated")],
)  # fmt: skip
def test_an_amount_is_labelled_with_its_unit_and_currency(unit, currency, label):
    assert amounts_label(unit, currency) == label


def test_a_register_in_whole_euros_reads_as_euros_not_thousands(tmp_path):
    whole_euros = status_submission("PRJ-001", fields=_money("EUR", "units", 2_630_000.0, 2_700_000.0))
    _views, dashboard, html, workbook = _portfolio(tmp_path, whole_euros)
    assert dashboard.money_label == "EUR"
    assert _headline(dashboard)["Budget"] == (2_630_000.0, "EUR")
    headline = {row["Measure"]: row for row in _table(workbook, "Dashboard", "DashHeadline")}
    assert (headline["Budget"]["Value"], headline["Budget"]["Amounts in"]) == (2_630_000, "EUR")
    assert _table(workbook, "Dashboard", "DashBudget")[0]["Amounts in"] == "EUR"
    assert "2,630,000</b><span>budget (EUR)</span>" in html
    assert "k EUR" not in html


def test_thousands_and_units_of_one_currency_add_up_in_one_unit(tmp_path):
    in_thousands = status_submission("PRJ-001", fields=_money("EUR", "k", 800.0, 820.0))
    in_euros = status_submission("PRJ-002", fields=_money("EUR", "units", 85_000.0, 80_000.0))
    _views, dashboard, html, workbook = _portfolio(tmp_path, in_thousands, in_euros)
    # the smallest unit reported: 800 k EUR is 800,000 EUR, exactly
    assert dashboard.money_label == "EUR"
    assert _headline(dashboard)["Budget"] == (885_000.0, "EUR")
    assert _headline(dashboard)["Forecast at completion"] == (900_000.0, "EUR")
    budget = dashboard.budget.set_index("project_id")
    assert budget.loc["PRJ-001", "budget"] == 800_000.0 and budget.loc["PRJ-001", "amounts_in"] == "EUR"
    assert budget.loc["PRJ-001", "variance"] == -20_000.0
    assert dashboard.rag.set_index("rag").loc["Green", "budget"] == 885_000.0
    assert list(dashboard.currencies["amounts_in"]) == ["EUR"]
    assert "885,000</b><span>budget (EUR)</span>" in html
    cells = {row["Project"]: row for row in _table(workbook, "Dashboard", "DashBudget")}
    assert (cells["PRJ-001"]["Budget"], cells["PRJ-001"]["Amounts in"]) == (800_000, "EUR")


@pytest.fixture(scope="module")
def euros_and_pounds(tmp_path_factory):
    """Two EUR projects, one in k and one in units, and a GBP project: a PMO with a UK subsidiary."""
    return _portfolio(
        tmp_path_factory.mktemp("currencies"),
        status_submission("PRJ-E1", fields=_money("EUR", "k", 1_000.0, 1_100.0, rag_overall="Red")),
        status_submission("PRJ-E2", fields=_money("EUR", "units", 200_000.0, 190_000.0)),
        status_submission("PRJ-G1", fields=_money("GBP", "k", 800.0, 800.0)),
    )


def test_a_portfolio_in_two_currencies_is_never_added_into_one_number(euros_and_pounds):
    _views, dashboard, _html, _workbook = euros_and_pounds
    assert dashboard.money_label == "EUR, GBP"
    headline = _headline(dashboard)
    assert headline["Budget"] == ("1,200,000 EUR; 800,000 GBP", "EUR, GBP")
    assert headline["Forecast at completion"] == ("1,290,000 EUR; 800,000 GBP", "EUR, GBP")
    assert headline["Share of budget at Red"][0] == "EUR: 83%; GBP: 0%"
    rag = dashboard.rag.set_index("rag")
    # a row within one currency keeps its number, labelled; a row over two currencies gives each total
    assert (rag.loc["Red", "budget"], rag.loc["Red", "amounts_in"]) == (1_000_000.0, "EUR")
    assert rag.loc["Green", "budget"] == "200,000 EUR; 800,000 GBP"
    assert rag.loc["Green", "share_of_budget"] == "EUR: 17%; GBP: 100%"
    assert dashboard.stage.set_index("stage").loc["Not set", "budget"] == "1,200,000 EUR; 800,000 GBP"
    assert dashboard.trend.loc[0, "red_budget"] == 1_000_000.0 and dashboard.trend.loc[0, "amounts_in"] == "EUR"
    currencies = dashboard.currencies.set_index("amounts_in")
    eur = currencies.loc["EUR", ["projects", "budget", "forecast", "variance", "red_budget"]].tolist()
    assert eur == [2, 1_200_000.0, 1_290_000.0, -90_000.0, 1_000_000.0]
    assert currencies.loc["EUR", "share_of_budget_at_red"] == pytest.approx(1_000_000 / 1_200_000)
    assert currencies.loc["GBP", ["projects", "budget", "red_budget"]].tolist() == [1, 800_000.0, 0.0]


def test_the_sheet_and_the_report_give_totals_per_currency(euros_and_pounds):
    _views, _dashboard, html, workbook = euros_and_pounds
    headline = {row["Measure"]: row for row in _table(workbook, "Dashboard", "DashHeadline")}
    assert headline["Budget"]["Value"] == "1,200,000 EUR; 800,000 GBP"
    per_currency = {row["Amounts in"]: row for row in _table(workbook, "Dashboard", "DashCurrency")}
    assert per_currency["EUR"]["Budget"] == 1_200_000 and per_currency["GBP"]["Budget"] == 800_000
    assert per_currency["EUR"]["Share of budget at Red"] == pytest.approx(1_000_000 / 1_200_000)
    budget = {row["Project"]: row for row in _table(workbook, "Dashboard", "DashBudget")}
    assert (budget["PRJ-G1"]["Budget"], budget["PRJ-G1"]["Amounts in"]) == (800_000, "GBP")
    note = workbook["Dashboard"]["B2"].value
    assert "Amounts in EUR, GBP: totals are given per currency and never added across currencies" in note
    assert "1,200,000 EUR<br>800,000 GBP</small></b><span>budget, per currency (never added up)" in html
    assert "Budget per currency" in html and "Budget EUR" in html and "Budget GBP" in html  # one share bar each
    for blind in ("2,000,000", "mixed currencies"):
        assert blind not in html and blind not in str(headline)


def test_an_empty_scope_has_no_money_label():
    import pandas as pd

    assert money_label(pd.DataFrame(columns=["currency", "money_unit"])) == ""


# -- the variance: budget - EAC everywhere, as the PM's template computes it ---------------------------------------


def test_a_project_over_budget_shows_a_negative_variance_everywhere(tmp_path):
    over = _money("EUR", "k", 2_400.0, 2_520.0)
    fields = dict(over)
    _recompute_formula_fields(PROJECT_STATUS, fields)
    assert fields["budget_variance"] == -120.0  # what the PM sees in the template
    assert budget_variance(2_400.0, 2_520.0) == -120.0
    field = PROJECT_STATUS.field("budget_variance")
    assert field.label == "Variance (budget - EAC)" and "Negative = overspend" in field.help
    assert "budget_current-estimate_at_completion" in field.formula

    views, dashboard, html, workbook = _portfolio(tmp_path, status_submission("PRJ-001", fields=over))
    assert views.status.loc[0, "budget_variance"] == -120.0
    row = dashboard.budget.iloc[0]
    assert (row["variance"], row["variance_percent"]) == (-120.0, pytest.approx(-0.05))
    assert dashboard.currencies.loc[0, "variance"] == -120.0
    cells = _table(workbook, "Dashboard", "DashBudget")[0]
    assert cells[VARIANCE_HEADER] == -120 and cells["Variance %"] == pytest.approx(-0.05)
    assert _table(workbook, "Status", "Status")[0]["budget_variance"] == -120
    assert VARIANCE_HEADER == "Variance (budget \u2212 EAC; negative = overspend)"
    assert f"<th>{VARIANCE_HEADER}</th>" in html
    detail = html.split("<h2>Budget against forecast</h2>")[1]
    # in k: a tenth of a k (100 EUR) is shown, as on the Dashboard sheet (#,##0.0)
    assert '<td class="n">-120.0</td><td class="n">-5%</td>' in detail


def test_amounts_in_m_keep_their_decimals_everywhere(tmp_path):
    """2.5 m and 2.75 m are 250,000 apart: shown as whole numbers they were 3 and 3, a variance of -0."""
    _views, dashboard, html, workbook = _portfolio(
        tmp_path, status_submission("PRJ-001", fields=_money("USD", "m", 2.5, 2.75))
    )
    assert dashboard.money.decimals == 2
    detail = html.split("<h2>Budget against forecast</h2>")[1]
    assert '<td class="n">2.50</td><td class="n">2.75</td>' in detail and '<td class="n">-0.25</td>' in detail
    sheet = workbook["Dashboard"]
    formats = {cell.number_format for row in sheet.iter_rows() for cell in row if cell.value == 2.75}
    assert formats == {'#,##0.00 "m USD"'}  # two decimals, and the unit in the number format (one currency)
