"""`pmo scenario save|compare|commit` (issue 18): two scenarios saved from one pipeline, set side by side in a
printable workbook, one committed into the ledger and a new register that `pmo generate` takes."""

from __future__ import annotations

import json
import sqlite3

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from pypdf import PdfReader

from pmo_xl.cli import main
from pmo_xl.ledger import open_ledger
from pmo_xl.portfolio.selection import Scenario, SelectionSettings, load_scenarios
from pmo_xl.portfolio.selection.saved import read_saved_scenarios
from pmo_xl.portfolio.selection.scenarios import scenarios_bytes
from tests.libreoffice import convert

MONTHS = [f"2027-{month:02d}" for month in range(1, 13)]
REGISTER = (
    "project_id,project_name,project_manager,sponsor,stage,lifecycle_status,start_date,end_date,budget,currency,"
    "money_unit,custom_cost_centre\r\n"
    "PRJ-001,Customer portal,Ana Ruiz,Rita Campos,Execution,active,2026-01-05,2027-06-30,150,EUR,k,CC-10\r\n"
    "REQ-1,Payroll fix (already a project),Ben Ott,Rita Campos,Planning,active,2026-11-01,2027-03-31,50,EUR,k,\r\n"
)


@pytest.fixture
def pmo(tmp_path):
    """A PMO's folder: a pipeline with PMs and sponsors, its estimates, capacity, the register and a ledger."""
    requests = pd.DataFrame(
        {
            "request_id": ["REQ-1", "REQ-2", "REQ-3", "REQ-4"],
            "title": ["Payroll fix", "ERP upgrade", "Data catalogue", "Intranet"],
            "project_manager": ["Ben Ott", "Chloé Martin", "Dev Rao", "Eva Lind"],
            "sponsor": ["Rita Campos", "Sam Berg", "Sam Berg", "Rita Campos"],
            "currency": ["EUR"] * 4,
            "money_unit": ["k"] * 4,
            "npv": [120, 300, 250, 40],
            "cost_FY2027": [50, 200, 150, 20],
            "cost_FY2028": [0, 100, 0, 0],
            "start_month": ["2027-01", "2027-03", "2027-02", "2027-01"],
            "duration_months": [3, 10, 6, 2],
            "mandatory": ["yes", "", "", ""],
        }
    )
    requests.to_csv(tmp_path / "pipeline.csv", index=False)
    estimates = pd.DataFrame(
        [(rid, "Developer", month, fte) for rid, fte in (("REQ-1", 1.0), ("REQ-2", 2.0), ("REQ-3", 2.0),
                                                         ("REQ-4", 0.5)) for month in MONTHS[:6]],
        columns=["request_id", "role", "month", "fte"],
    )  # fmt: skip
    with pd.ExcelWriter(tmp_path / "requests.xlsx") as writer:
        requests.to_excel(writer, sheet_name="Requests", index=False)
        estimates.to_excel(writer, sheet_name="RequestResources", index=False)
    pd.DataFrame({"role": "Developer", "month": MONTHS, "capacity_fte": 5.0}).to_csv(
        tmp_path / "capacity.csv", index=False
    )
    (tmp_path / "register.csv").write_bytes(REGISTER.encode("utf-8"))
    with open_ledger(tmp_path / "pmo_ledger.db", write=True):
        pass
    return tmp_path


def pmo_run(*arguments):
    result = CliRunner().invoke(main, [str(argument) for argument in arguments])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def save(pmo, name, *options):
    return pmo_run("scenario", "save", name, "--requests", pmo / "requests.xlsx", "--capacity", pmo / "capacity.csv",
                   "--value", "npv", "--out", pmo / "scenarios.json", *options)  # fmt: skip


def test_save_two_compare_them_commit_one_and_generate_from_the_new_register(pmo, tmp_path):
    lean = save(pmo, "Lean", "--budget", "FY2027=200")
    assert lean.exit_code == 0, lean.output
    growth = save(pmo, "Growth", "--budget", "FY2027=450", "--force-out", "REQ-4=Intranet waits for the new CMS")
    assert growth.exit_code == 0, growth.output

    saved = {s.name: s for s in read_saved_scenarios((pmo / "scenarios.json").read_bytes(), "scenarios.json")}
    assert list(saved) == ["Lean", "Growth"]  # the second save kept the first
    lean_run, growth_run = saved["Lean"].run, saved["Growth"].run
    assert lean_run.selected == ("REQ-1", "REQ-3")  # 50 + 150 within 200: the mandatory one, then the better npv
    assert set(growth_run.selected) == {"REQ-1", "REQ-2", "REQ-3"}
    assert saved["Growth"].scenario.forces == {"REQ-4": ("out", "Intranet waits for the new CMS")}
    assert growth_run.cost_by_year == {"FY2027": 400.0, "FY2028": 100.0}
    assert "Budget FY2027" in lean_run.binding
    developer = next(use for use in growth_run.capacity_use if use.role == "Developer")
    assert developer.used_fte_months == pytest.approx(5 * 6)  # 1 + 2 + 2 FTE over the six estimated months
    assert developer.capacity_fte_months == pytest.approx(5.0 * 12)
    assert lean_run.capacity[:1] == (("Developer", "2027-01", 5.0),)

    compared = pmo_run("scenario", "compare", "Lean", "Growth", "--file", pmo / "scenarios.json",
                       "--out", tmp_path / "compare.xlsx")  # fmt: skip
    assert compared.exit_code == 0, compared.output
    sheet = load_workbook(tmp_path / "compare.xlsx")["Comparison"]
    rows = {row[0]: row[1:] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]}
    assert rows["REQ-2 ERP upgrade"] == ("out", "in (2027-03)")
    assert rows["REQ-4 Intranet"] == ("out", "out")
    assert rows["total npv"] == (370.0, 670.0)
    assert rows["FY2028"] == (0.0, 100.0)
    assert rows["forced in or out"] == ("none", "REQ-4 out: Intranet waits for the new CMS")
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$2:$2"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToHeight == 0  # one page wide

    register_before = (pmo / "register.csv").read_bytes()
    committed = pmo_run("scenario", "commit", "Growth", "--file", pmo / "scenarios.json", "--register",
                        pmo / "register.csv", "--ledger", pmo / "pmo_ledger.db", "--by", "Steering committee",
                        "--out", tmp_path / "register-2027.csv")  # fmt: skip
    assert committed.exit_code == 0, committed.output
    assert (pmo / "register.csv").read_bytes() == register_before  # the PMO's register is never edited
    new = pd.read_csv(tmp_path / "register-2027.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(new["project_id"]) == ["PRJ-001", "REQ-1", "REQ-2", "REQ-3"]  # REQ-1 was a project already
    assert list(new.columns[:12]) == REGISTER.split("\r\n")[0].split(",")  # every column kept, the PMO's own too
    assert new.loc[0, "custom_cost_centre"] == "CC-10"
    erp = new[new["project_id"] == "REQ-2"].iloc[0]
    assert (erp["project_name"], erp["project_manager"], erp["sponsor"]) == ("ERP upgrade", "Chloé Martin", "Sam Berg")
    assert (erp["start_date"], erp["end_date"], erp["budget"]) == ("2027-03-01", "2027-12-31", "300")
    assert (erp["lifecycle_status"], erp["stage"], erp["currency"], erp["money_unit"]) == ("active", "Initiation",
                                                                                             "EUR", "k")  # fmt: skip
    with open_ledger(pmo / "pmo_ledger.db") as ledger:
        [decision] = ledger.scenario_commits()
    assert (decision.scenario_name, decision.committed_by) == ("Growth", "Steering committee")
    assert set(decision.approved) == {"REQ-1", "REQ-2", "REQ-3"} and decision.new_projects == ("REQ-2", "REQ-3")
    assert json.loads(decision.scenario)[0]["run"]["selected"] == list(growth_run.selected)
    with sqlite3.connect(pmo / "pmo_ledger.db") as connection, pytest.raises(sqlite3.DatabaseError, match="append"):
        connection.execute("DELETE FROM scenario_commit")

    generated = pmo_run("generate", "--register", tmp_path / "register-2027.csv", "--out", tmp_path / "outbox",
                        "--period", "2027-03")  # fmt: skip
    assert generated.exit_code == 0, generated.output
    made = sorted(path.name for path in (tmp_path / "outbox").rglob("*.xlsx"))
    assert any("REQ-2" in name for name in made) and any("REQ-3" in name for name in made), made


def test_the_compare_workbook_prints_landscape_on_one_page_wide(pmo, tmp_path):
    assert save(pmo, "Lean", "--budget", "FY2027=200").exit_code == 0
    assert save(pmo, "Growth", "--budget", "FY2027=450").exit_code == 0
    assert save(pmo, "All", "--total-budget", "1000").exit_code == 0
    out = tmp_path / "compare.xlsx"
    assert pmo_run("scenario", "compare", "Lean", "Growth", "All", "--file", pmo / "scenarios.json",
                   "--out", out).exit_code == 0  # fmt: skip
    pdf = PdfReader(convert(out, "pdf", tmp_path))
    assert len(pdf.pages) == 1
    box = pdf.pages[0].mediabox
    assert box.width > box.height  # landscape
    text = pdf.pages[0].extract_text()
    assert "Lean" in text and "All" in text and "ERP upgrade" in text


def test_a_scenario_file_of_the_import_reads_both_ways(pmo, tmp_path):
    """The Project Online import and pmo optimize --save-scenario write scenarios without a run; a saved run is
    one more key that load_scenarios (pmo optimize --compare) passes over."""
    imported = Scenario("PO cost 1", SelectionSettings("score", {}, 900.0), {"REQ-2": ("in", "Project Online force")})
    (pmo / "scenarios.json").write_bytes(scenarios_bytes([imported]))
    [read] = read_saved_scenarios((pmo / "scenarios.json").read_bytes(), "scenarios.json")
    assert read.scenario == imported and read.run is None

    assert save(pmo, "Lean", "--budget", "FY2027=200").exit_code == 0
    assert [s.name for s in load_scenarios(pmo / "scenarios.json")] == ["PO cost 1", "Lean"]
    assert load_scenarios(pmo / "scenarios.json")[0] == imported

    refused = pmo_run("scenario", "compare", "Lean", "PO cost 1", "--file", pmo / "scenarios.json", "--out",
                      tmp_path / "c.xlsx")  # fmt: skip
    assert refused.exit_code == 2
    assert "'PO cost 1' has settings but no saved run" in refused.stderr and "pmo scenario save" in refused.stderr
    missing = pmo_run("scenario", "compare", "Lean", "Nope", "--file", pmo / "scenarios.json", "--out",
                      tmp_path / "c.xlsx")  # fmt: skip
    assert missing.exit_code == 2 and "no scenario named 'Nope' (it holds: PO cost 1, Lean)" in missing.stderr
    assert not (tmp_path / "c.xlsx").exists()


def test_a_commit_without_a_pm_is_refused_and_records_nothing(pmo, tmp_path):
    frame = pd.read_excel(pmo / "requests.xlsx", sheet_name=None, engine="openpyxl")
    frame["Requests"] = frame["Requests"].drop(columns=["project_manager"])
    with pd.ExcelWriter(pmo / "requests.xlsx") as writer:
        for name, table in frame.items():
            table.to_excel(writer, sheet_name=name, index=False)
    assert save(pmo, "Growth", "--budget", "FY2027=450").exit_code == 0
    arguments = ["scenario", "commit", "Growth", "--file", pmo / "scenarios.json", "--register", pmo / "register.csv",
                 "--ledger", pmo / "pmo_ledger.db", "--out", tmp_path / "new.csv"]  # fmt: skip
    refused = pmo_run(*arguments)
    assert refused.exit_code == 2
    assert "REQ-2: no project_manager" in refused.stderr and "--pm REQ-2=NAME" in refused.stderr
    assert "Traceback" not in refused.output
    assert not (tmp_path / "new.csv").exists()
    with open_ledger(pmo / "pmo_ledger.db") as ledger:
        assert ledger.scenario_commits() == []
    into_register = pmo_run(*arguments[:-1], pmo / "register.csv")
    assert into_register.exit_code == 2 and "is the PMO's register" in into_register.stderr

    named = pmo_run(*arguments, "--pm", "REQ-2=Chloé Martin", "--pm", "REQ-3=Dev Rao")
    assert named.exit_code == 0, named.output
    new = pd.read_csv(tmp_path / "new.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(new.loc[new["project_id"].isin(["REQ-2", "REQ-3"]), "project_manager"]) == ["Chloé Martin", "Dev Rao"]


def test_pmo_optimize_saving_a_scenario_keeps_the_runs_of_the_others(pmo, tmp_path):
    assert save(pmo, "Lean", "--budget", "FY2027=200").exit_code == 0
    kept = json.loads((pmo / "scenarios.json").read_bytes())[0]
    optimized = pmo_run("optimize", pmo / "requests.xlsx", "--value", "npv", "--total-budget", "300",
                        "--save-scenario", "Quick", "--scenarios", pmo / "scenarios.json", "-o", tmp_path / "o.xlsx")  # fmt: skip
    assert optimized.exit_code == 0, optimized.output
    entries = json.loads((pmo / "scenarios.json").read_bytes())
    assert [entry["name"] for entry in entries] == ["Lean", "Quick"]
    assert entries[0] == kept and "run" not in entries[1]


def test_a_semicolon_register_keeps_its_rows_and_reads_the_same(pmo, tmp_path):
    """A German PMO's register (semicolons, decimal commas, day/month dates) stays in its own form: its rows read
    back as the same records, and the new project's budget is written with a decimal comma."""
    from pmo_xl.register import read_register
    from pmo_xl.templates.catalog import schema_for

    german = (
        "project_id;project_name;project_manager;sponsor;start_date;end_date;budget;currency;money_unit\r\n"
        "PRJ-001;Kundenportal, Relaunch;Jürgen Weiß;Rita Campos;05.01.2026;30.06.2027;1.234,5;EUR;k\r\n"
    )
    (pmo / "register.csv").write_bytes(german.encode("cp1252"))
    frame = pd.read_excel(pmo / "requests.xlsx", sheet_name=None, engine="openpyxl")
    frame["Requests"]["cost_FY2027"] = [50, 200.5, 150, 20]
    with pd.ExcelWriter(pmo / "requests.xlsx") as writer:
        for name, table in frame.items():
            table.to_excel(writer, sheet_name=name, index=False)
    assert save(pmo, "Growth", "--budget", "FY2027=450").exit_code == 0
    committed = pmo_run("scenario", "commit", "Growth", "--file", pmo / "scenarios.json", "--register",
                        pmo / "register.csv", "--ledger", pmo / "pmo_ledger.db", "--out", tmp_path / "neu.csv")  # fmt: skip
    assert committed.exit_code == 0, committed.output
    schema = schema_for("project_status")
    before = read_register(pmo / "register.csv", schema)
    after = read_register(tmp_path / "neu.csv", schema)
    assert after[0] == before[0]
    text = (tmp_path / "neu.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("project_id;project_name;")
    erp = next(record for record in after if record.project_id == "REQ-2")
    assert erp.fields["budget_original"] == pytest.approx(300.5) and ";300,50;" in text


def _saved(pmo) -> dict:
    return {s.name: s for s in read_saved_scenarios((pmo / "scenarios.json").read_bytes(), "scenarios.json")}


def test_a_scenario_keeps_its_resources_costs_and_model_files_and_reruns_the_same_from_them(pmo, tmp_path):
    """Resources and costs other than the pipeline's own change the choice; the saved run names the files, the
    comparison shows them, and running again from what was saved gives the same selection."""
    heavier = pd.DataFrame(
        [(rid, "Developer", month, fte) for rid, fte in (("REQ-1", 1.0), ("REQ-2", 3.0), ("REQ-3", 2.0),
                                                         ("REQ-4", 0.5)) for month in MONTHS[:6]],
        columns=["request_id", "role", "month", "fte"],
    )  # fmt: skip
    heavier.to_csv(pmo / "estimates-heavy.csv", index=False)
    pd.DataFrame({"request_id": ["REQ-3"], "fiscal_year": ["FY2028"], "cost": [90]}).to_csv(
        pmo / "costs.csv", index=False
    )
    assert save(pmo, "As planned", "--budget", "FY2027=450").exit_code == 0
    tight = save(pmo, "Heavier", "--budget", "FY2027=450", "--resources", pmo / "estimates-heavy.csv",
                 "--costs", pmo / "costs.csv", "--force-in", "REQ-4=Board promise")  # fmt: skip
    assert tight.exit_code == 0, tight.output

    saved = _saved(pmo)
    planned, heavier_run = saved["As planned"].run, saved["Heavier"].run
    assert set(planned.selected) == {"REQ-1", "REQ-2", "REQ-3"}
    # 1 + 3 + 2 + 0.5 FTE is over the 5 developers: beside the forced intranet, the ERP upgrade (npv 300) or the
    # data catalogue (npv 250, now costing 150 + 90 by the costs file), not both.
    assert set(heavier_run.selected) == {"REQ-1", "REQ-2", "REQ-4"}
    costs = [{o.request_id: o.cost for o in run.outcomes}["REQ-3"] for run in (planned, heavier_run)]
    assert costs == [150.0, 240.0]
    assert planned.input_files == {"capacity": str(pmo / "capacity.csv")}
    assert heavier_run.input_files == {"resources": str(pmo / "estimates-heavy.csv"), "costs": str(pmo / "costs.csv"),
                                       "capacity": str(pmo / "capacity.csv")}  # fmt: skip
    assert saved["Heavier"].scenario.forces == {"REQ-4": ("in", "Board promise")}

    compared = pmo_run("scenario", "compare", "As planned", "Heavier", "--file", pmo / "scenarios.json",
                       "--out", tmp_path / "compare.xlsx")  # fmt: skip
    assert compared.exit_code == 0, compared.output
    rows = {row[0]: row[1:] for row in load_workbook(tmp_path / "compare.xlsx")["Comparison"].iter_rows(
        min_row=2, values_only=True) if row[0]}  # fmt: skip
    assert rows["resources read from"] == ("-", str(pmo / "estimates-heavy.csv"))
    assert rows["costs read from"] == ("-", str(pmo / "costs.csv"))
    assert rows["REQ-3 Data catalogue"] == ("in (2027-02)", "out")

    # Run it again from what the file kept: its settings, forces and input files.
    scenario, run = saved["Heavier"].scenario, heavier_run
    again = ["--budget", *(f"{label}={amount!r}" for label, amount in scenario.settings.budgets.items())]
    for request_id, (direction, reason) in scenario.forces.items():
        again += [f"--force-{direction}", f"{request_id}={reason}"]
    for role, path in run.input_files.items():
        again += [f"--{role}", path]
    rerun = pmo_run("scenario", "save", "Heavier again", "--requests", run.requests_file, "--value",
                    scenario.settings.value_measure, "--out", pmo / "scenarios.json", *again)  # fmt: skip
    assert rerun.exit_code == 0, rerun.output
    repeated = _saved(pmo)["Heavier again"].run
    assert (repeated.selected, repeated.value, dict(repeated.cost_by_year)) == (
        run.selected, run.value, dict(run.cost_by_year))  # fmt: skip

    committed = pmo_run("scenario", "commit", "Heavier", "--file", pmo / "scenarios.json", "--register",
                        pmo / "register.csv", "--ledger", pmo / "pmo_ledger.db", "--by", "Steering committee",
                        "--pm", "REQ-4=Eva Lind", "--out", tmp_path / "register-heavier.csv")  # fmt: skip
    assert committed.exit_code == 0, committed.output
    with open_ledger(pmo / "pmo_ledger.db") as ledger:
        [decision] = ledger.scenario_commits()
    assert json.loads(decision.scenario)[0]["run"]["input_files"]["costs"] == str(pmo / "costs.csv")


def test_a_scenario_scored_with_a_model_file_keeps_the_models_name_and_version(pmo, tmp_path):
    from pmo_xl.portfolio.criteria import DEFAULT_MODEL
    from pmo_xl.portfolio.scoring import SCORING_MODEL_COLUMNS, model_to_rows

    model = pd.DataFrame(model_to_rows(DEFAULT_MODEL), columns=SCORING_MODEL_COLUMNS)
    model["model_name"], model["model_version"] = "Board model", "2027.2"
    model.to_csv(pmo / "model.csv", index=False)
    requests = pd.read_csv(pmo / "pipeline.csv")
    for number, criterion in enumerate(criterion.criterion_id for criterion in DEFAULT_MODEL.criteria):
        requests[f"pmo_{criterion}"] = [(number + row) % 5 + 1 for row in range(len(requests))]
    requests.to_csv(pmo / "scored-pipeline.csv", index=False)
    result = pmo_run("scenario", "save", "By the board's model", "--requests", pmo / "scored-pipeline.csv",
                     "--model", pmo / "model.csv", "--budget", "FY2027=450", "--out", pmo / "scenarios.json")  # fmt: skip
    assert result.exit_code == 0, result.output
    run = _saved(pmo)["By the board's model"].run
    assert run.scoring_model == "Board model v2027.2 (pmo scores)"
    assert run.input_files == {"model": str(pmo / "model.csv")}
