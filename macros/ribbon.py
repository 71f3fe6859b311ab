"""The Python behind the PMO ribbon: one entry point per Python button in `pmo_xl.workbook.ribbon.BUTTONS`.

Excel calls e.g. `macros.ribbon.score_requests()` through RunPython; tests call `score_requests(FileBook(path))`.
Each action reads tables through the `Book` adapter, calls one core function and writes the result back in one
block. To plug in a core function, write its action below and add one line to `ACTIONS`; a button without a line
there still gets an entry point, which says "not available in this build yet".
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from macros.actions import Action, not_available_yet, run_action, run_pmo_json
from macros.adapter import Book
from pmo_xl.errors import PmoError
from pmo_xl.values import read_number
from pmo_xl.workbook.layout import REQUEST_RESOURCES_TABLE
from pmo_xl.workbook.ribbon import Button, python_buttons

# Above this many inbox files, projects or requests, Collect status, New project workbooks and Optimise run as a
# separate pmo process.
DEFAULT_IN_PROCESS_LIMIT = 100


def _folder_setting(book: Book, settings: dict, key: str, default: str) -> Path:
    """A path from the Settings table; blank means `default`, and relative paths start at the workbook's folder."""
    value = str(settings.get(key) or "").strip() or default
    return book.path.parent / Path(value).expanduser()


def _ledger_setting(book: Book, settings: dict) -> Path | str:
    """ledger_path from the Settings table: a PostgreSQL URL as written (the team ledger), else a file as
    _folder_setting reads it (blank: pmo_ledger.db beside the workbook)."""
    value = str(settings.get("ledger_path") or "").strip()
    if value.lower().startswith(("postgresql://", "postgres://")):
        return value
    return _folder_setting(book, settings, "ledger_path", "pmo_ledger.db")


def _ledger_exists(ledger: Path | str) -> bool:
    return isinstance(ledger, str) or ledger.exists()  # a URL: the server says, when it is opened


def _settings_source(book: Book) -> str:
    return f"{book.path.name}, Settings sheet"


def _pmo_settings(book: Book):
    """The reporting calendar, RAG thresholds and money settings from the Settings table, checked by the core."""
    from pmo_xl.settings import settings_from_rows

    return settings_from_rows(book.read_settings().items(), _settings_source(book))


def _capacity_settings(book: Book):
    from pmo_xl.settings import capacity_settings_from_rows

    return capacity_settings_from_rows(book.read_settings().items(), _settings_source(book))


def _seconds_setting(book: Book, value: object, default: float) -> float:
    reading = read_number(value, "ribbon_time_limit_seconds", minimum=1, text_is_normal=True)
    seconds = reading.or_raise(PmoError, _settings_source(book))
    return default if seconds is None else float(seconds)  # type: ignore[arg-type]


def _in_process_limit(book: Book) -> int:
    value = book.read_settings().get("ribbon_in_process_limit")
    reading = read_number(value, "ribbon_in_process_limit", whole=True, minimum=0, text_is_normal=True)
    limit = reading.or_raise(PmoError, _settings_source(book))
    return DEFAULT_IN_PROCESS_LIMIT if limit is None else int(limit)  # type: ignore[call-overload]


def _register_rows(book: Book):
    """The Portfolio table's project rows, in the register's columns (pmo generate's register)."""
    from pmo_xl.register import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

    portfolio = book.read_table("Portfolio")
    projects = portfolio[portfolio["kind"].fillna("project").astype(str).str.strip().str.lower() == "project"]
    return projects[[column for column in projects.columns if column in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]]


def _register_file(book: Book, folder: Path) -> Path:
    """The Portfolio table's project rows as a register CSV, the plainest file the register reader takes."""
    register_file = folder / "Portfolio table.csv"
    _register_rows(book).to_csv(register_file, index=False)
    return register_file


def _portfolio_register(book: Book) -> list:
    """The Portfolio table's project rows as register records, checked as a register file is."""
    from pmo_xl.register import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, read_register_table
    from pmo_xl.templates.catalog import PROJECT_STATUS

    portfolio = book.read_table("Portfolio")
    projects = portfolio[portfolio["kind"].fillna("project").astype(str).str.strip().str.lower() == "project"]
    register = projects[[column for column in projects.columns if column in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]]
    return read_register_table(register, f"{book.path.name}, table Portfolio", PROJECT_STATUS, _pmo_settings(book))


def _dashboard_inputs(book: Book) -> dict[str, object]:
    """What the dashboard and report core reads, from this workbook's own tables and settings: passed as they are,
    no temporary file between the workbook and the core."""
    from pmo_xl.portfolio.capacity import CAPACITY_TABLE

    return {
        "register": _portfolio_register(book),
        "capacity": book.read_table(CAPACITY_TABLE),
        "settings": _pmo_settings(book),
    }


def _audience(book: Book) -> dict[str, str]:
    """The programme or business unit the Dashboard and report are narrowed to: the one audience model
    (pmo_xl.reporting.audience) read from the Settings table, as the scope keyword arguments."""
    from pmo_xl.reporting.audience import Audience

    return Audience.from_settings(book.read_settings()).scope


def score_requests_action(book: Book) -> str:
    from pmo_xl.portfolio.scoring import score_requests

    model = _scoring_model(book)
    requests = book.read_table("Requests")
    score_set = str(book.read_settings().get("score_set") or "pmo")
    result = score_requests(requests, model, score_set)
    requests["score"] = result.table["score"].to_numpy()
    requests["rank"] = result.table["rank"].to_numpy()
    requests["model_version"] = f"{model.name} v{model.version}"
    book.write_table("Requests", requests)
    warnings = f" Warnings: {'; '.join(result.warnings)}" if result.warnings else ""
    return f"Scored {len(requests)} request(s) with {model.name} v{model.version} ({score_set} scores).{warnings}"


def new_project_workbooks_action(book: Book) -> str:
    from pmo_xl.generate.generator import generate_for_records
    from pmo_xl.periods import current_period
    from pmo_xl.register import reporting_records
    from pmo_xl.settings import write_settings_csv
    from pmo_xl.templates.catalog import PROJECT_STATUS

    out_dir = _folder_setting(book, book.read_settings(), "project_workbooks_folder", "outbox")
    period = current_period()
    # The Settings sheet's currency and money unit serve the projects whose row states none.
    records, not_reporting = reporting_records(_portfolio_register(book))  # only active projects report
    skipped = f"; {len(not_reporting)} project(s) not active, not generated" if not_reporting else ""
    if len(records) > _in_process_limit(book):
        # Many workbooks take a while: a separate pmo process keeps Excel responsive and is capped. A process
        # reads files, so only this path writes the register and settings to a temporary folder.
        with tempfile.TemporaryDirectory(prefix="pmo-register-") as folder:
            register_file = _register_file(book, Path(folder))
            settings_file = write_settings_csv(_pmo_settings(book), Path(folder) / "settings.csv")
            arguments = ["generate", "--register", str(register_file), "--out", str(out_dir), "--period", period,
                         "--settings", str(settings_file)]  # fmt: skip
            summary = run_pmo_json(arguments, book, "New project workbooks")
        written = len(summary["workbooks"])
        return f"Wrote {written} project workbook(s) for {period} to {out_dir} (as a separate pmo process){skipped}"
    written = generate_for_records(
        PROJECT_STATUS, records, out_dir, period,
        progress=lambda done, total, project_id: book.show_status(f"PMO: workbook {done} of {total} ({project_id})"),
    )  # fmt: skip
    return f"Wrote {len(written)} project workbook(s) for {period} to {out_dir}{skipped}"


def _committed_demand(book: Book, settings: dict):
    """Resources and status of the projects: from the ledger when there is one, else from portfolio.xlsx."""
    from pmo_xl.portfolio.capacity import read_portfolio
    from pmo_xl.reporting.views import load_views

    ledger = _ledger_setting(book, settings)
    if _ledger_exists(ledger):
        views = load_views(ledger, settings=_pmo_settings(book))
        return views.resources, views.status, ledger
    portfolio_file = _folder_setting(book, settings, "portfolio_file", "portfolio.xlsx")
    if not portfolio_file.exists():
        raise PmoError(
            f"Capacity needs the ledger {ledger} or the portfolio workbook {portfolio_file}, which Collect status "
            "writes. Collect status first, or set ledger_path or portfolio_file on the Settings sheet."
        )
    resources, status = read_portfolio(portfolio_file)
    return resources, status, portfolio_file


def capacity_action(book: Book) -> str:
    """The same plan as `pmo capacity`: committed demand, the Requests pipeline and its estimates, the settings."""
    from pmo_xl.portfolio.capacity import CAPACITY_TABLE, latest_period, plan_capacity
    from pmo_xl.portfolio.capacity_report import write_capacity_workbook

    settings = book.read_settings()
    capacity_settings = _capacity_settings(book)
    resources, status, source = _committed_demand(book, settings)
    requests = book.read_table("Requests")
    estimates = book.read_table(REQUEST_RESOURCES_TABLE)
    plan = plan_capacity(
        book.read_table(CAPACITY_TABLE), resources, status, requests, estimates,
        current_period=latest_period(status), settings=capacity_settings,
    )  # fmt: skip
    output = _folder_setting(book, settings, "reports_folder", ".") / "capacity.xlsx"
    write_capacity_workbook(plan, output, force=True)
    return (
        f"Wrote {output}: {len(plan.roles)} roles, {len(plan.over_allocations)} over-allocation(s) on the "
        f"{capacity_settings.assessed_line} line; demand from {source.name} and {len(requests)} request(s)"
    )


def _scoring_model(book: Book):
    """The workbook's ScoringModel table as the scoring model, every problem naming its table row."""
    from pmo_xl.portfolio.scoring import SCORING_MODEL_TABLE, model_from_rows

    table = book.read_table(SCORING_MODEL_TABLE)
    return model_from_rows(list(table.columns), table.to_numpy().tolist(),
                           source=f"{book.path.name}, table {SCORING_MODEL_TABLE}")  # fmt: skip


def _filled_rows(book: Book, name: str):
    rows = book.read_table(name).dropna(how="all")
    return rows if len(rows) else None


def _optimise_request(book: Book, time_limit: float):
    """What Optimise chooses by, from the Settings sheet and the workbook's own tables: the score from the
    ScoringModel table, role capacity from the Capacity table against the RequestResources estimates."""
    from pmo_xl.portfolio.capacity import CAPACITY_TABLE
    from pmo_xl.portfolio.selection import OptimizeRequest, SelectionSettings, parse_budget

    settings = book.read_settings()
    total = read_number(settings.get("optimise_total_budget"), "optimise_total_budget", text_is_normal=True)
    total_budget = total.or_raise(PmoError, _settings_source(book))
    try:
        budgets = dict(
            parse_budget(text) for text in str(settings.get("optimise_budgets") or "").split(";") if text.strip()
        )
    except PmoError as error:
        raise PmoError(f"{_settings_source(book)}, optimise_budgets: {error}") from None
    selection_settings = SelectionSettings(
        value_measure="score",
        budgets=budgets,
        total_budget=None if total_budget is None else float(total_budget),  # type: ignore[arg-type]
        time_limit_seconds=max(1.0, time_limit - 10),
        fiscal_year_start_month=_pmo_settings(book).fiscal_year_start_month,
    )
    return OptimizeRequest(
        selection_settings,
        resources=_filled_rows(book, REQUEST_RESOURCES_TABLE),
        capacity=_filled_rows(book, CAPACITY_TABLE),
        scoring_model=_scoring_model(book),
        score_set=str(settings.get("score_set") or "pmo"),
    )


def optimise_action(book: Book) -> str:
    """The same choice as `pmo optimize`, by score, from the Requests table; marks each request selected or not."""
    from pmo_xl.portfolio.selection import optimize

    requests = book.read_table("Requests")
    time_limit = _seconds_setting(book, book.read_settings().get("ribbon_time_limit_seconds"), 60.0)
    request = _optimise_request(book, time_limit)
    # The score is computed afresh from the criteria and the ScoringModel table, never taken from the last scoring.
    pipeline = requests.drop(columns=["score", "rank", "selected"], errors="ignore")
    if len(pipeline) > _in_process_limit(book):
        summary = _optimise_as_process(book, pipeline, request, time_limit)
        chosen = set(summary["selected"])
        outcome = (summary["status"], summary["requests"], summary["value"], summary["cost"], summary["binding"])
    else:
        result = optimize(pipeline, request, lambda text: book.show_status(f"PMO: Optimise: {text}")).selection
        chosen = set(result.selected_ids)
        outcome = (result.status, len(result.decisions), result.value, result.cost, result.binding)
    requests["selected"] = [
        "yes" if str(request_id).strip() in chosen else "no" for request_id in requests["request_id"]
    ]
    book.write_table("Requests", requests)
    status, considered, value, cost, binding = outcome
    listed = f"; binding: {', '.join(binding)}" if binding else ""
    return (f"{status}: {len(chosen)} of {considered} request(s) selected, total {request.settings.value_measure} "
            f"{value:,.2f} for cost {cost:,.2f}{listed}")  # fmt: skip


def _optimise_as_process(book: Book, pipeline, request, time_limit: float) -> dict:
    """A large pipeline: `pmo optimize --json` as a capped separate process (a selection may take minutes), its
    summary read from the JSON. A process reads files, so only this path writes the tables to a temporary folder."""
    from pmo_xl.portfolio.scoring import SCORING_MODEL_TABLE

    settings = request.settings
    with tempfile.TemporaryDirectory(prefix="pmo-optimise-") as folder:
        requests_file, model_file, output = (Path(folder) / name for name in ("requests.csv", "model.csv", "out.xlsx"))
        pipeline.to_csv(requests_file, index=False)
        book.read_table(SCORING_MODEL_TABLE).to_csv(model_file, index=False)
        arguments = ["optimize", str(requests_file), "--value", "score", "--model", str(model_file),
                     "--scores", request.score_set, "--fiscal-year-start", str(settings.fiscal_year_start_month),
                     "--time-limit", f"{settings.time_limit_seconds:g}", "-o", str(output)]  # fmt: skip
        for option, frame in (("--capacity", request.capacity), ("--resources", request.resources)):
            if frame is not None:
                frame.to_csv(Path(folder) / f"{option[2:]}.csv", index=False)
                arguments += [option, str(Path(folder) / f"{option[2:]}.csv")]
        for label, amount in settings.budgets.items():
            arguments += ["--budget", f"{label}={amount!r}"]
        if settings.total_budget is not None:
            arguments += ["--total-budget", repr(settings.total_budget)]
        return run_pmo_json(arguments, book, "Optimise", time_limit=time_limit)


def collect_status_action(book: Book) -> str:
    from pmo_xl.collect.inbox import list_inbox
    from pmo_xl.collect.run import CollectRequest
    from pmo_xl.monthly import run_collect

    settings = book.read_settings()
    pmo_settings = _pmo_settings(book)
    inbox = _folder_setting(book, settings, "inbox_folder", "inbox")
    if not inbox.is_dir():
        raise PmoError(f"The inbox folder {inbox} does not exist: set inbox_folder on the Settings sheet")
    portfolio_file = _folder_setting(book, settings, "portfolio_file", "portfolio.xlsx")
    ledger = _ledger_setting(book, settings)
    files, _skipped = list_inbox(inbox)
    if len(files) > _in_process_limit(book):
        return _collect_as_process(book, inbox, ledger, portfolio_file, pmo_settings)
    request = CollectRequest(
        inbox=inbox, ledger=ledger, out=portfolio_file, chasers=portfolio_file.parent / "chasers", settings=pmo_settings
    )
    result = run_collect(request, lambda done, total, path: book.show_status(f"PMO: reading file {done} of {total}"))
    if result.output_error:
        raise PmoError(f"{result.output_error} The ledger is up to date; Collect status again once it is closed.")
    rejected = [Path(verdict.path).name for verdict in result.verdicts if verdict.status == "rejected"]
    return f"{result.summary()}; {len(result.added)} added to the ledger; wrote {result.output}.{_listing(rejected)}"


def _listing(rejected: list[str]) -> str:
    return f" Rejected: {', '.join(rejected)} (reasons on the Submissions sheet)." if rejected else ""


def _collect_as_process(book: Book, inbox: Path, ledger: Path | str, portfolio_file: Path, pmo_settings) -> str:
    """A large inbox: `pmo collect` as a capped separate process; the Log message is made from its JSON summary."""
    from pmo_xl.settings import write_settings_csv

    with tempfile.TemporaryDirectory(prefix="pmo-collect-") as folder:
        settings_file = write_settings_csv(pmo_settings, Path(folder) / "settings.csv")
        arguments = ["collect", str(inbox), "--ledger", str(ledger), "--out", str(portfolio_file),
                     "--settings", str(settings_file), "--chasers", str(portfolio_file.parent / "chasers")]  # fmt: skip
        summary = run_pmo_json(arguments, book, "Collect status")
    if summary["output_error"]:
        raise PmoError(f"{summary['output_error']} The ledger is up to date; Collect status again once it is closed.")
    rejected = [entry["file"] for entry in summary["rejected"]]
    return (
        f"{_collect_counts(summary)}; {len(summary['added'])} added to the ledger; wrote "
        f"{summary['outputs']['portfolio']} (as a separate pmo process).{_listing(rejected)}"
    )


def _collect_counts(summary: dict) -> str:
    """What the verdicts came to, from `pmo collect --json`: the counts, then what the PMO has to look at."""
    counts = summary["counts"]
    shown = ["accepted", "rejected", "duplicate", "superseded"] + (["skipped"] if counts["skipped"] else [])
    text = f"{summary['files']} file(s): " + ", ".join(f"{counts[status]} {status}" for status in shown)
    if summary["pmo_fields_changed"]:
        text += (f"; {len(summary['pmo_fields_changed'])} PMO-owned figure(s) changed without an approved change "
                 "request (the PMO's figures are used)")  # fmt: skip
    if summary["ties"]:
        text += (f"; {len(summary['ties'])} tie(s) between reports for one period that nothing tells apart (the first "
                 "collected is used; see the Submissions sheet)")  # fmt: skip
    return text


def _ledger(book: Book, settings: dict) -> Path | str:
    ledger = _ledger_setting(book, settings)
    if not _ledger_exists(ledger):
        raise PmoError(f"There is no ledger at {ledger} yet: Collect status first, or set ledger_path on Settings.")
    return ledger


def refresh_dashboard_action(book: Book) -> str:
    from pmo_xl.reporting.dashboard_sheet import refresh_dashboard_tables

    ledger = _ledger(book, book.read_settings())
    audience = _audience(book)
    tables = refresh_dashboard_tables(ledger, **_dashboard_inputs(book), **audience)
    for name, frame in tables.items():
        book.write_table(name, frame)
    return f"Dashboard refreshed from {ledger} for {' and '.join(audience.values()) or 'all projects'} ({len(tables)} blocks)"


def export_report_action(book: Book) -> str:
    from pmo_xl.reporting.load import ReportSource
    from pmo_xl.reporting.report_html import export_report

    settings = book.read_settings()
    output = _folder_setting(book, settings, "reports_folder", ".") / "report.html"
    export_report(ReportSource(_ledger(book, settings), **_dashboard_inputs(book), **_audience(book)), output)
    return f"Wrote the management report {output}"


def _scenario_file(book: Book) -> Path:
    return _folder_setting(book, book.read_settings(), "scenario_file", "scenarios.json")


def _scenario_name(book: Book, label: str) -> str:
    name = str(book.read_settings().get("scenario_name") or "").strip()
    if not name:
        raise PmoError(f"{label} needs a scenario name: set scenario_name on the Settings sheet (e.g. Lean 2027).")
    return name


def _saved_scenarios(book: Book) -> list:
    from pmo_xl.portfolio.selection.saved import read_saved_scenarios

    path = _scenario_file(book)
    if not path.exists():
        raise PmoError(f"There is no scenario file {path} yet: Save scenario first, or set scenario_file on Settings.")
    return read_saved_scenarios(path.read_bytes(), str(path))


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def save_scenario_action(book: Book) -> str:
    """The same run as `pmo scenario save`: Optimise's inputs from this workbook, kept under scenario_name."""
    from pmo_xl.excel.files import write_bytes_atomic
    from pmo_xl.portfolio.selection.saved import run_and_keep, saved_scenarios_bytes, with_scenario

    name = _scenario_name(book, "Save scenario")
    path = _scenario_file(book)
    existing = _saved_scenarios(book) if path.exists() else []
    time_limit = _seconds_setting(book, book.read_settings().get("ribbon_time_limit_seconds"), 60.0)
    request = replace(_optimise_request(book, time_limit), scenario_name=name)
    pipeline = book.read_table("Requests").drop(columns=["score", "rank", "selected"], errors="ignore")
    tables = {"resources": REQUEST_RESOURCES_TABLE, "capacity": "Capacity", "model": "ScoringModel"}
    saved = run_and_keep(pipeline, request, saved_at=_now(), requests_file=f"{book.path.name}, table Requests",
                         input_files={role: f"{book.path.name}, table {name}" for role, name in tables.items()},
                         progress=lambda text: book.show_status(f"PMO: Save scenario: {text}"))  # fmt: skip
    write_bytes_atomic(path, saved_scenarios_bytes(with_scenario(existing, saved)))
    run = saved.run
    return (f"Saved scenario {name!r} in {path}: {run.status}, {len(run.selected)} request(s) in "
            f"({', '.join(run.selected) or 'none'}), value {run.value:,.2f} for cost {run.cost:,.2f}")  # fmt: skip


def compare_scenarios_action(book: Book) -> str:
    """The same workbook as `pmo scenario compare`, of the scenarios named on the Settings sheet (blank = all)."""
    from pmo_xl.portfolio.selection.compare_workbook import write_comparison_workbook
    from pmo_xl.portfolio.selection.saved import compare_saved, pick_scenarios

    scenarios = _saved_scenarios(book)
    listed = str(book.read_settings().get("scenarios_to_compare") or "")
    names = [name.strip() for name in listed.split(";") if name.strip()]
    names = names or [saved.scenario.name for saved in scenarios if saved.run is not None]
    picked = pick_scenarios(scenarios, names, str(_scenario_file(book)))
    output = _folder_setting(book, book.read_settings(), "reports_folder", ".") / "scenario_comparison.xlsx"
    write_comparison_workbook(compare_saved(picked), output, f"Scenarios compared: {', '.join(names)}")
    return f"{len(names)} scenario(s) side by side ({', '.join(names)}) -> {output}"


def commit_scenario_action(book: Book) -> str:
    """The same decision as `pmo scenario commit`: a ledger row (who, when) and a NEW register file, the Portfolio
    table's projects plus the approved requests; the Portfolio table itself is left as it is."""
    import getpass
    import hashlib

    from pmo_xl.excel.files import write_bytes_atomic
    from pmo_xl.ledger import ScenarioCommit, open_ledger
    from pmo_xl.portfolio.selection.saved import (
        approved_projects,
        new_register_csv,
        pick_scenarios,
        saved_scenarios_bytes,
    )

    name = _scenario_name(book, "Commit scenario")
    saved = pick_scenarios(_saved_scenarios(book), [name], str(_scenario_file(book)))[0]
    ledger, register = _ledger(book, book.read_settings()), _portfolio_register(book)
    projects, problems = approved_projects(saved.run, book.read_table("Requests"), [r.project_id for r in register])
    if problems:
        raise PmoError(f"Scenario {name!r} cannot be committed; nothing was recorded: " + "; ".join(problems))
    rows = _register_rows(book)
    cells = rows.astype(object).where(rows.notna(), None).to_dict("records")  # a blank cell stays blank, not "nan"
    content = new_register_csv(list(rows.columns), cells, projects)
    safe_name = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
    output = _folder_setting(book, book.read_settings(), "reports_folder", ".") / f"register-{safe_name}.csv"
    source = f"{book.path.name}, table Portfolio"
    decision = ScenarioCommit(name, saved_scenarios_bytes([saved]).decode("utf-8"), saved.run.selected,
                              tuple(project.project_id for project in projects), source,
                              hashlib.sha256(rows.to_csv(index=False).encode()).hexdigest(), str(output),
                              getpass.getuser(), _now())  # fmt: skip
    with open_ledger(ledger, write=True) as records:
        write_bytes_atomic(output, content)
        records.add_scenario_commit(decision)
    return (f"Committed scenario {name!r} in {ledger}: {len(decision.approved)} request(s) approved, "
            f"{len(projects)} new project(s) in {output}")  # fmt: skip


def record_decisions_action(book: Book) -> str:
    """The same as `pmo decide --from pmo_workbook.xlsm`: the Decisions table's rows, as this workbook holds them
    now (unsaved edits included), checked and recorded in the ledger all or none; a row already there adds nothing."""
    from openpyxl.utils.cell import get_column_letter

    from pmo_xl.decisions import DECISIONS_TABLE, record_table, requests_from_table
    from pmo_xl.ledger import now_stamp
    from pmo_xl.workbook.layout import table

    frame = book.read_table(DECISIONS_TABLE, keep_blank_rows=True)  # each row at its place: messages name its cell
    letters = {header: get_column_letter(col) for col, header in enumerate(frame.columns, start=1)}
    first_row = table(DECISIONS_TABLE).top_row + 2  # the Excel row under the header
    source = f"{book.path.name}, sheet Decisions"
    requests = requests_from_table(frame, source, letters, first_row, book.rows_below(DECISIONS_TABLE))
    if not requests:
        return "The Decisions table has no rows: type the committee's decisions there, then click Record decisions."
    ledger = _ledger(book, book.read_settings())
    result = record_table(ledger, requests, now_stamp())
    listed = "".join(f"; {d.project_id} {d.answers}: {d.kind} by {d.owner}" for d in result.decisions)
    listed += "".join(f"; {d.project_id} {d.answers}: action done on {d.done_on}" for d in result.done)
    done = f", {len(result.done)} action(s) recorded done" if result.done else ""
    return (
        f"{len(result.decisions)} decision(s) recorded{done}, {result.already} already in the ledger {ledger}{listed}"
    )


ACTIONS: dict[str, Action] = {
    "record_decisions": record_decisions_action,
    "score_requests": score_requests_action,
    "new_project_workbooks": new_project_workbooks_action,
    "capacity": capacity_action,
    "collect_status": collect_status_action,
    "optimise": optimise_action,
    "refresh_dashboard": refresh_dashboard_action,
    "export_report": export_report_action,
    "save_scenario": save_scenario_action,
    "compare_scenarios": compare_scenarios_action,
    "commit_scenario": commit_scenario_action,
}


def _entry_point(button: Button) -> Callable[..., str]:
    def entry_point(book: Book | None = None) -> str:
        action = ACTIONS.get(button.action) or not_available_yet(button.label, "its core function")
        return run_action(button.label, action, book)

    entry_point.__name__ = button.action
    entry_point.__doc__ = f"The '{button.label}' button: {button.supertip}"
    return entry_point


for _button in python_buttons():
    globals()[_button.action] = _entry_point(_button)
