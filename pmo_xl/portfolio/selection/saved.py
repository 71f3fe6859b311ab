"""Saved scenarios: a selection run kept with its inputs, set side by side with others, and committed as projects.

The scenario file is the one `pmo optimize --save-scenario` and the Project Online import write (`scenarios.py`: a
JSON list of {name, settings, forces}). A saved run adds one key, `run`, to its entry: what the selection was run on
(the scoring model, the requests file, the capacity limits as the selection read them) and what it came to (the
requests in and out with their start and cost, the value, the cost by fiscal year, the capacity use by role, the
binding constraints). `load_scenarios` ignores the key, so either reader reads either file.

Pure: the run, the scenarios and the register rows come in as data; `pmo scenario` (cli/scenario.py) reads and
writes the files and the ledger.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field

import pandas as pd

from pmo_xl.periods import month_index
from pmo_xl.portfolio.selection.inputs import (
    SelectionError,
    SelectionSettings,
    month_label,
    parse_requests,
    selection_capacity,
)
from pmo_xl.portfolio.selection.run import OptimizeRequest, _scored, optimize
from pmo_xl.portfolio.selection.scenarios import Scenario, apply_scenario
from pmo_xl.portfolio.selection.solve import SelectionResult, gap_text

# The inputs a run may read beyond its requests, in the order a comparison lists them.
INPUT_ROLES = ("resources", "costs", "capacity", "model")


@dataclass(frozen=True)
class RequestOutcome:
    """One request in one run: in (with its start month, after any deferral) or out, why, and its cost."""

    request_id: str
    title: str
    selected: bool
    decision: str
    start_month: str
    duration_months: int | None
    cost: float


@dataclass(frozen=True)
class RoleUse:
    """A role's capacity over the horizon: FTE-months the chosen requests take and the role has, its busiest month."""

    role: str
    used_fte_months: float
    capacity_fte_months: float
    peak_utilisation: float | None
    peak_month: str


@dataclass(frozen=True)
class ScenarioRun:
    """A selection run as saved: its inputs beyond the scenario's settings and forces, and what it came to."""

    saved_at: str
    requests_file: str
    scoring_model: str
    capacity: tuple[tuple[str, str, float], ...]
    status: str
    proven_gap: float | None
    value: float
    cost: float
    cost_by_year: Mapping[str, float]
    capacity_use: tuple[RoleUse, ...]
    binding: tuple[str, ...]
    outcomes: tuple[RequestOutcome, ...]
    # The files the run read beyond the requests (resources, costs, capacity, model), by role, as given: with the
    # scenario's settings and forces, what re-runs it on the same inputs. A run saved before they were kept has none.
    input_files: Mapping[str, str] = field(default_factory=dict)

    @property
    def selected(self) -> tuple[str, ...]:
        return tuple(outcome.request_id for outcome in self.outcomes if outcome.selected)


@dataclass(frozen=True)
class SavedScenario:
    """A scenario of the file, with its run when `pmo scenario save` kept one (None for one the Project Online
    import or `pmo optimize --save-scenario` wrote)."""

    scenario: Scenario
    run: ScenarioRun | None = None

    @property
    def name(self) -> str:
        return self.scenario.name


def scenario_run(
    table: pd.DataFrame,
    result: SelectionResult,
    resources: pd.DataFrame | None,
    costs: pd.DataFrame | None,
    capacity: pd.DataFrame | None,
    *,
    saved_at: str,
    requests_file: str,
    scoring_model: str,
    input_files: Mapping[str, str] | None = None,
) -> ScenarioRun:
    """What `result` came to, from the request `table` it was chosen from (scored, forces applied) and the capacity
    limits it was chosen within (role, month, capacity_fte; netted, as `optimize` passes them on)."""
    settings = result.settings
    requests, _warnings = parse_requests(table, settings, resources, costs)
    decisions = result.decisions.set_index("request_id")
    cost_by_year: dict[str, float] = {}
    outcomes = []
    for request in requests:
        row = decisions.loc[request.request_id]
        picked = bool(row["selected"])
        delay = int(row["deferral_months"]) if picked and pd.notna(row["deferral_months"]) else 0
        if picked:
            for label, amount in request.fy_cost(delay, settings.fiscal_year_start_month).items():
                cost_by_year[label] = cost_by_year.get(label, 0.0) + amount
        outcomes.append(
            RequestOutcome(
                request.request_id,
                request.title,
                picked,
                str(row["decision"]),
                str(row["start_month"]),
                _duration(table, request.request_id),
                float(row["cost"]),
            )
        )
    limits = _capacity_rows(capacity)
    return ScenarioRun(
        saved_at=saved_at,
        requests_file=requests_file,
        scoring_model=scoring_model,
        capacity=limits,
        status=result.status,
        proven_gap=result.proven_gap,
        value=float(result.value),
        cost=result.cost,
        cost_by_year={label: round(amount, 2) for label, amount in sorted(cost_by_year.items())},
        capacity_use=_capacity_use(result.constraints),
        binding=tuple(result.binding),
        outcomes=tuple(outcomes),
        input_files={role: str(path) for role, path in (input_files or {}).items() if path},
    )


def _duration(table: pd.DataFrame, request_id: str) -> int | None:
    if "duration_months" not in table.columns:
        return None
    rows = table[table["request_id"].astype(str).str.strip() == request_id]
    if rows.empty or pd.isna(rows.iloc[0]["duration_months"]) or str(rows.iloc[0]["duration_months"]).strip() == "":
        return None
    return int(float(rows.iloc[0]["duration_months"]))


def _capacity_rows(capacity: pd.DataFrame | None) -> tuple[tuple[str, str, float], ...]:
    if capacity is None or capacity.empty:
        return ()
    return tuple((str(row.role), str(row.month), float(row.capacity_fte)) for row in capacity.itertuples(index=False))


def _capacity_use(constraints: pd.DataFrame) -> tuple[RoleUse, ...]:
    """Per role, from the capacity rows of the solve (one per role and month, named 'Role YYYY-MM')."""
    rows = constraints[constraints["kind"] == "capacity"]
    by_role: dict[str, list[tuple[str, float, float]]] = {}
    for row in rows.itertuples(index=False):
        role, _space, month = str(row.constraint).rpartition(" ")
        by_role.setdefault(role, []).append((month, float(row.used), float(row.limit)))
    uses = []
    for role, months in by_role.items():
        ratios = [(used / limit if limit else None, month) for month, used, limit in months]
        known = [(ratio, month) for ratio, month in ratios if ratio is not None]
        peak, peak_month = max(known) if known else (None, "")
        uses.append(RoleUse(role, sum(m[1] for m in months), sum(m[2] for m in months), peak, peak_month))
    return tuple(uses)


def run_and_keep(
    pipeline: pd.DataFrame,
    request: OptimizeRequest,
    *,
    saved_at: str,
    requests_file: str,
    input_files: Mapping[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> SavedScenario:
    """`optimize` the pipeline as `pmo optimize` does, and keep the run as the scenario `request.scenario_name`."""
    result = optimize(pipeline, request, progress)
    settings = request.settings
    capacity = (
        None
        if request.capacity is None
        else selection_capacity(request.capacity, request.resources, settings, pipeline)
    )
    table = _scored(pipeline, request) if settings.value_measure == "score" else pipeline
    if request.forces:
        table = apply_scenario(table, request.scenario)
    if settings.value_measure != "score":
        model = ""
    elif "score" in pipeline.columns:
        model = "the score column of the requests file"
    else:
        model = f"{request.scoring_model.name} v{request.scoring_model.version} ({request.score_set} scores)"
    run = scenario_run(table, result.selection, request.resources, request.costs, capacity, saved_at=saved_at,
                       requests_file=requests_file, scoring_model=model, input_files=input_files)  # fmt: skip
    return SavedScenario(request.scenario, run)


# -- the file ----------------------------------------------------------------------------------------------------


def saved_scenarios_bytes(scenarios: Sequence[SavedScenario]) -> bytes:
    """The scenario file for exactly these scenarios: `scenarios.scenarios_bytes`'s entries, with `run` added to
    each that has one (`read_saved_scenarios` reads it back; `scenarios.load_scenarios` reads its scenarios)."""
    payload = [_entry(saved) for saved in scenarios]
    return json.dumps(payload, indent=2, ensure_ascii=False).encode("utf-8")


def _entry(saved: SavedScenario) -> dict:
    scenario = saved.scenario
    entry: dict = {
        "name": scenario.name,
        "settings": {**asdict(scenario.settings), "budgets": dict(scenario.settings.budgets)},
        "forces": {key: list(value) for key, value in scenario.forces.items()},
    }
    if saved.run is not None:
        run = saved.run
        entry["run"] = {
            **{
                key: value
                for key, value in asdict(run).items()
                if key not in ("capacity", "outcomes", "capacity_use", "input_files")
            },
            "input_files": dict(run.input_files),
            "cost_by_year": dict(run.cost_by_year),
            "capacity": [list(row) for row in run.capacity],
            "capacity_use": [asdict(use) for use in run.capacity_use],
            "binding": list(run.binding),
            "selected": list(run.selected),
            "outcomes": [asdict(outcome) for outcome in run.outcomes],
        }
    return entry


def read_saved_scenarios(content: bytes, source: str) -> list[SavedScenario]:
    """The scenarios of a scenario file's bytes, with their runs; SelectionError naming `source` when it is not one."""
    try:
        payload = json.loads(content.decode("utf-8-sig"))
        if not isinstance(payload, list):
            raise TypeError("it is not a list of scenarios")
        return [
            SavedScenario(
                Scenario(
                    str(item["name"]),
                    SelectionSettings(**item["settings"]),
                    {key: (value[0], value[1]) for key, value in item.get("forces", {}).items()},
                ),
                _run(item["run"]) if item.get("run") is not None else None,
            )
            for item in payload
        ]
    except (ValueError, KeyError, TypeError, IndexError) as error:
        raise SelectionError(
            f"{source}: not a scenario file written by pmo scenario save, pmo optimize or pmo import ({error})"
        ) from None


def _run(item: Mapping) -> ScenarioRun:
    return ScenarioRun(
        saved_at=str(item["saved_at"]),
        requests_file=str(item["requests_file"]),
        scoring_model=str(item["scoring_model"]),
        capacity=tuple((str(role), str(month), float(fte)) for role, month, fte in item["capacity"]),
        status=str(item["status"]),
        proven_gap=None if item["proven_gap"] is None else float(item["proven_gap"]),
        value=float(item["value"]),
        cost=float(item["cost"]),
        cost_by_year={str(label): float(amount) for label, amount in item["cost_by_year"].items()},
        capacity_use=tuple(RoleUse(**use) for use in item["capacity_use"]),
        binding=tuple(str(name) for name in item["binding"]),
        outcomes=tuple(RequestOutcome(**outcome) for outcome in item["outcomes"]),
        input_files={str(role): str(path) for role, path in (item.get("input_files") or {}).items()},
    )


def with_scenario(scenarios: Sequence[SavedScenario], saved: SavedScenario) -> list[SavedScenario]:
    """The file's scenarios with `saved` in: in the place of one of its name, else at the end."""
    names = [existing.name for existing in scenarios]
    if saved.name in names:
        return [saved if existing.name == saved.name else existing for existing in scenarios]
    return [*scenarios, saved]


def pick_scenarios(scenarios: Sequence[SavedScenario], names: Sequence[str], source: str) -> list[SavedScenario]:
    """The scenarios named, in that order, each with a saved run; SelectionError saying which are missing and how to
    save them."""
    by_name = {saved.name: saved for saved in scenarios}
    twice = sorted({name for name in names if list(names).count(name) > 1})
    if twice:
        raise SelectionError(f"scenario {', '.join(map(repr, twice))} is named twice; name each scenario once")
    missing = [name for name in names if name not in by_name]
    if missing:
        held = ", ".join(by_name) or "none"
        raise SelectionError(f"{source}: no scenario named {', '.join(map(repr, missing))} (it holds: {held})")
    unrun = [name for name in names if by_name[name].run is None]
    if unrun:
        raise SelectionError(
            f"{source}: scenario {', '.join(map(repr, unrun))} has settings but no saved run (written by pmo optimize "
            "or the Project Online import); run `pmo scenario save NAME --requests ...` to keep a run under that name"
        )
    return [by_name[name] for name in names]


# -- the comparison ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComparisonRow:
    """One line of the side-by-side: its label, and one cell per scenario (text or a number)."""

    section: str
    label: str
    cells: tuple[str | float | None, ...]
    unit: str = ""


@dataclass(frozen=True)
class ScenarioComparison:
    """Scenarios side by side, section by section (`requests`, `value`, `cost by year`, `capacity`, `binding`,
    `forces`): what the compare workbook writes and what a page of the review pack can render."""

    names: tuple[str, ...]
    value_measure: str
    rows: tuple[ComparisonRow, ...]

    def section(self, name: str) -> list[ComparisonRow]:
        return [row for row in self.rows if row.section == name]


def compare_saved(scenarios: Sequence[SavedScenario]) -> ScenarioComparison:
    """Each scenario's saved run, side by side: in or out per request (a request a run did not see is 'not in its
    pipeline'), value, cost by fiscal year, capacity use by role, the binding constraints and the forces."""
    if not scenarios:
        raise SelectionError("no scenarios to compare: name two or more")
    runs = [saved.run for saved in scenarios if saved.run is not None]
    if len(runs) != len(scenarios):
        raise SelectionError("every scenario compared needs a saved run (pmo scenario save)")
    measures = {saved.scenario.settings.value_measure for saved in scenarios}
    rows: list[ComparisonRow] = []
    order: dict[str, str] = {}
    for run in runs:
        for outcome in run.outcomes:
            order.setdefault(outcome.request_id, outcome.title)
    for request_id, title in order.items():
        cells = []
        for run in runs:
            outcome = next((o for o in run.outcomes if o.request_id == request_id), None)
            cells.append(
                "not in its pipeline"
                if outcome is None
                else (f"in ({outcome.start_month})" if outcome.start_month else "in")
                if outcome.selected
                else "out"
            )
        rows.append(ComparisonRow("requests", f"{request_id} {title}".strip(), tuple(cells)))
    measure = measures.pop() if len(measures) == 1 else "value"
    rows.append(ComparisonRow("value", f"total {measure}", tuple(run.value for run in runs)))
    rows.append(ComparisonRow("value", "requests selected", tuple(float(len(run.selected)) for run in runs)))
    rows.append(ComparisonRow("value", "how sure", tuple(_sureness(run) for run in runs)))
    years = sorted({label for run in runs for label in run.cost_by_year})
    for label in years:
        rows.append(ComparisonRow("cost by year", label, tuple(run.cost_by_year.get(label, 0.0) for run in runs)))
    rows.append(ComparisonRow("cost by year", "total cost", tuple(run.cost for run in runs)))
    budget_years = sorted({label for saved in scenarios for label in saved.scenario.settings.budgets})
    for label in budget_years:
        rows.append(
            ComparisonRow(
                "cost by year",
                f"budget {label}",
                tuple(saved.scenario.settings.budgets.get(label) for saved in scenarios),
            )
        )
    binding_roles = {name.rpartition(" ")[0] for run in runs for name in run.binding if _is_capacity(name)}
    roles = sorted({use.role for run in runs for use in run.capacity_use
                    if use.used_fte_months > 0 or use.role in binding_roles})  # fmt: skip
    for role in roles:
        uses = [next((use for use in run.capacity_use if use.role == role), None) for run in runs]
        rows.append(ComparisonRow("capacity", role, tuple(_use_text(use) for use in uses)))
    rows.append(ComparisonRow("binding", "binding constraints", tuple(_binding_text(run.binding) for run in runs)))
    rows.append(ComparisonRow("forces", "forced in or out", tuple(_forces(saved.scenario) for saved in scenarios)))
    rows.append(ComparisonRow("forces", "scoring model", tuple(run.scoring_model or "-" for run in runs)))
    rows.append(ComparisonRow("forces", "requests read from", tuple(run.requests_file or "-" for run in runs)))
    for role in INPUT_ROLES:
        if any(role in run.input_files for run in runs):
            rows.append(
                ComparisonRow("forces", f"{role} read from", tuple(run.input_files.get(role, "-") for run in runs))
            )
    return ScenarioComparison(tuple(saved.name for saved in scenarios), measure, tuple(rows))


def _sureness(run: ScenarioRun) -> str:
    return gap_text(run.proven_gap) if run.status != "infeasible" else "infeasible"


def _use_text(use: RoleUse | None) -> str:
    """'9.0 of 139.5 FTE-months, peak 27% (2027-08)'; '-' for a role the run had no capacity row for."""
    if use is None:
        return "-"
    text = f"{use.used_fte_months:,.1f} of {use.capacity_fte_months:,.1f} FTE-months"
    if use.peak_utilisation is not None and use.used_fte_months > 0:
        text += f", peak {use.peak_utilisation:.0%} ({use.peak_month})"
    return text


def _is_capacity(name: str) -> bool:
    return not name.startswith("Budget ") and month_index(name.rpartition(" ")[2]) is not None


def _binding_text(binding: Sequence[str]) -> str:
    """The binding constraints, a role's months as one range: 'Budget FY2027; Solution Architect 2027-03 to 2027-10
    (8 months)', one a line."""
    lines: list[str] = []
    months: dict[str, list[str]] = {}
    for name in binding:
        if _is_capacity(name):
            role, _space, month = name.rpartition(" ")
            if role not in months:
                lines.append(role)
            months.setdefault(role, []).append(month)
        else:
            lines.append(name)
    shown = []
    for line in lines:
        held = months.get(line)
        if held is None:
            shown.append(line)
        elif len(held) == 1:
            shown.append(f"{line} {held[0]}")
        else:
            shown.append(f"{line} {min(held)} to {max(held)} ({len(held)} months)")
    return "\n".join(shown) or "none"


def _forces(scenario: Scenario) -> str:
    return (
        "; ".join(f"{request_id} {force}: {reason}" for request_id, (force, reason) in scenario.forces.items())
        or "none"
    )


# -- the commit ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewProject:
    """An approved request as a register row: the columns `pmo generate` needs, from the request's own."""

    project_id: str
    columns: Mapping[str, str]


# The request columns carried into the register row, when the request table has them.
CARRIED_COLUMNS = ("project_manager", "pm_email", "sponsor", "programme", "business_unit", "currency", "money_unit")
# A project approved by a commit starts as an active project at its first stage: `pmo generate` makes status
# workbooks for active projects only, and an approved request is to report from its first month.
COMMITTED_LIFECYCLE = "active"
COMMITTED_STAGE = "Initiation"


def approved_projects(
    run: ScenarioRun,
    requests: pd.DataFrame,
    register_ids: Sequence[str],
    project_managers: Mapping[str, str] | None = None,
) -> tuple[list[NewProject], list[str]]:
    """(a register row per approved request the register does not hold yet, the problems that stop the commit).

    A request in flight or already in the register (its id a project_id) is approved but not added again. Start
    is the first day of the run's start month; end the last day of its last month (start + duration_months - 1);
    budget the request's cost in the run; the PM from `project_managers` (request id -> name: `--pm`), else the
    request's project_manager column. Each problem names the request, the column and the fix."""
    held = {project_id.strip().casefold() for project_id in register_ids}
    table = requests.copy()
    table.columns = [str(column).strip() for column in table.columns]
    by_id = {str(row["request_id"]).strip(): row for _index, row in table.iterrows()}
    projects: list[NewProject] = []
    problems: list[str] = []
    approved = set(run.selected)
    for request_id in project_managers or {}:
        if request_id not in approved:
            problems.append(
                f"--pm {request_id}: the scenario does not approve {request_id} (it approves: "
                f"{', '.join(sorted(approved)) or 'none'})"
            )
    for outcome in run.outcomes:
        if not outcome.selected or outcome.request_id.casefold() in held:
            continue
        row = by_id.get(outcome.request_id)
        if row is None:
            problems.append(
                f"{outcome.request_id}: not in the requests file any more; give the requests file the "
                "scenario was saved from"
            )
            continue
        start = month_index(outcome.start_month) if outcome.start_month else None
        if start is None:
            problems.append(f"{outcome.request_id}: no start_month; give the request a start_month (YYYY-MM)")
            continue
        if not outcome.duration_months:
            problems.append(f"{outcome.request_id}: no duration_months; give the request its duration in months")
            continue
        last = start + outcome.duration_months - 1
        end = dt.date(last // 12 + (last % 12 + 1) // 12, (last % 12 + 1) % 12 + 1, 1) - dt.timedelta(days=1)
        columns = {
            "project_id": outcome.request_id,
            "project_name": outcome.title or outcome.request_id,
            "start_date": f"{month_label(start)}-01",
            "end_date": end.isoformat(),
            "budget": _amount(outcome.cost),
            "lifecycle_status": COMMITTED_LIFECYCLE,
            "stage": COMMITTED_STAGE,
        }
        for column in CARRIED_COLUMNS:
            value = row.get(column)
            if value is not None and not pd.isna(value) and str(value).strip():
                columns[column] = str(value).strip()
        if project_managers and outcome.request_id in project_managers:
            columns["project_manager"] = project_managers[outcome.request_id]
        for column, value in columns.items():
            if value.startswith(_FORMULA_STARTS):
                problems.append(
                    f"{outcome.request_id}: its {column} '{value}' starts with '{value[0]}', which a "
                    "spreadsheet opening the register runs as a formula; change it in the requests file"
                )
        pm_hint = f", or give --pm {outcome.request_id}=NAME"
        for needed in ("project_manager", "sponsor"):
            if needed not in columns:
                problems.append(
                    f"{outcome.request_id}: no {needed}; add a {needed} column to the requests file and name who "
                    f"it is for each approved request{pm_hint if needed == 'project_manager' else ''} (the register "
                    "needs one)"
                )
        projects.append(NewProject(outcome.request_id, columns))
    return projects, problems


def _amount(value: float) -> str:
    """To the cent, whole when it is (costs spread over months add up to 299.99999999999994)."""
    value = round(float(value), 2)
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


# A cell a spreadsheet would run as a formula when it opens the CSV.
_FORMULA_STARTS = ("=", "+", "-", "@")


def new_register_csv(
    headers: Sequence[str],
    rows: Sequence[Mapping[str, object]],
    projects: Sequence[NewProject],
    separator: str = ",",
    decimal_mark: str = ".",
) -> bytes:
    """The register's rows as read, every column kept, then one row per new project; the columns a new row fills
    that the register lacks are added at the end. A CSV as the register was (its separator and decimal mark; UTF-8
    with BOM, CRLF); dates ISO, which every locale reads the same."""
    import csv

    columns = list(headers)
    for project in projects:
        columns += [column for column in project.columns if column not in columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell_text(row.get(column), decimal_mark) for column in columns])
    for project in projects:
        cells = {**project.columns}
        if decimal_mark != "." and "budget" in cells:
            cells["budget"] = cells["budget"].replace(".", decimal_mark)
        writer.writerow([cells.get(column, "") for column in columns])
    return buffer.getvalue().encode("utf-8-sig")


def _cell_text(cell: object, decimal_mark: str) -> str:
    """A cell as the register holds it: a CSV's text unchanged; a workbook's typed value as text."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat(sep=" ")
    if isinstance(cell, dt.date):
        return cell.isoformat()
    if isinstance(cell, float):
        text = str(int(cell)) if cell.is_integer() else repr(cell)
        return text.replace(".", decimal_mark)
    return str(cell)
