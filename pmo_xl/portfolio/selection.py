"""Portfolio selection: the set of requests that maximises value within budgets and role capacity.

The choice is a mixed-integer programme solved by HiGHS through `scipy.optimize.milp`. These are multi-dimensional
knapsacks (NP-hard): at a few hundred requests a proof of optimality can take minutes, so every result states
its proven gap from HiGHS's dual bound ("optimal", or "within 0.6 % of optimal") instead of promising optimality.

Request table columns (`REQUEST_COLUMNS`; only request_id and the value column are required):
  request_id, title, mandatory, in_flight, value / benefit / npv / score, cost_FY2027 ... (one per fiscal year),
  start_month ('YYYY-MM'), duration_months, depends_on and excludes (ids separated by ';'),
  force ('in' / 'out' / blank), force_reason, max_deferral_months.
Resource estimates: long table request_id, role, month ('YYYY-MM'), fte (planned months; deferral shifts them).
Capacity: long table role, month, capacity_fte (from the capacity plan).
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pmo_xl.errors import PmoError
from pmo_xl.excel.tables import read_table
from pmo_xl.periods import fiscal_year_label, fiscal_year_months, month_index
from pmo_xl.portfolio.scoring import request_id_problems
from pmo_xl.values import is_blank, read_flag, read_number

if TYPE_CHECKING:
    from scipy import sparse

# scipy is imported where a problem is built or solved: it costs every `pmo` command most of a second to load.

REQUEST_COLUMNS = (
    "request_id",
    "title",
    "mandatory",
    "in_flight",
    "value",
    "benefit",
    "npv",
    "score",
    "cost_FY<year>",
    "start_month",
    "duration_months",
    "depends_on",
    "excludes",
    "force",
    "force_reason",
    "max_deferral_months",
)
COST_COLUMN = re.compile(r"^cost_(FY\d{4})$", re.IGNORECASE)
RESOURCE_COLUMNS = ("request_id", "role", "month", "fte")
CAPACITY_COLUMNS = ("role", "month", "capacity_fte")
COST_LONG_COLUMNS = ("request_id", "fiscal_year", "cost")
VALUE_MEASURES = ("score", "npv", "benefit", "value")
_COST_WORDS = ("cost", "budget", "price", "spend", "capex", "opex")


class SelectionError(PmoError):
    """The selection inputs are inconsistent (unknown ids, commitments over budget, bad months...)."""


@dataclass(frozen=True)
class SelectionSettings:
    """What to maximise and within which limits. Budgets are keyed by fiscal year label, e.g. 'FY2027'."""

    value_measure: str = "score"
    budgets: Mapping[str, float] = field(default_factory=dict)
    total_budget: float | None = None
    max_deferral_months: int = 0
    time_limit_seconds: float = 10.0
    gap_tolerance: float = 0.0
    fiscal_year_start_month: int = 1


# ---------------------------------------------------------------------------------------------------------------
# Parsing the inputs


def _month_index(text, where: str) -> int:
    if isinstance(text, pd.Timestamp) or (hasattr(text, "year") and hasattr(text, "month")):
        return int(text.year) * 12 + int(text.month) - 1
    index = month_index(str(text).strip())
    if index is None:
        raise SelectionError(f"{where}: month must look like 2027-03, got {text!r}")
    return index


def month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _read_amount(cell, where: str, default: float | None = None) -> float | None:
    """A table cell read by pmo_xl.values; `default` when blank; SelectionError naming `where` when refused."""
    value = read_number(cell, where, text_is_normal=True).or_raise(SelectionError)
    return default if value is None else float(value)  # type: ignore[arg-type]


def _flag(cell, where: str) -> bool:
    return bool(read_flag(cell, where).or_raise(SelectionError))


def _ids(cell) -> list[str]:
    return [] if is_blank(cell) else [part.strip() for part in re.split(r"[;,]", str(cell)) if part.strip()]


@dataclass(frozen=True)
class Request:
    request_id: str
    title: str
    value: float
    mandatory: bool
    in_flight: bool
    force: str
    force_reason: str
    depends_on: tuple[str, ...]
    excludes: tuple[str, ...]
    max_deferral: int
    start: int | None
    monthly_cost: Mapping[int, float]
    fixed_fy_cost: Mapping[str, float]
    demand: Mapping[tuple[str, int], float]
    model_version: str = ""

    @property
    def committed(self) -> bool:
        return self.mandatory or self.in_flight

    @property
    def total_cost(self) -> float:
        return sum(self.monthly_cost.values()) + sum(self.fixed_fy_cost.values())

    def fy_cost(self, delay: int, start_month: int) -> dict[str, float]:
        costs = dict(self.fixed_fy_cost)
        for month, amount in self.monthly_cost.items():
            label = fiscal_year_label(month + delay, start_month)
            costs[label] = costs.get(label, 0.0) + amount
        return costs


def parse_requests(
    requests: pd.DataFrame,
    settings: SelectionSettings,
    resources: pd.DataFrame | None = None,
    costs: pd.DataFrame | None = None,
) -> tuple[list[Request], list[str]]:
    """Validate the request table (and long cost/resource tables); every problem names the request and column."""
    problems: list[str] = []
    found_warnings: list[str] = []
    frame = requests.copy()
    frame.columns = [str(column).strip() for column in frame.columns]
    # An empty row of an Excel table is not a request.
    frame = frame[[not all(is_blank(cell) for cell in row) for row in frame.itertuples(index=False)]]
    if "request_id" not in frame.columns:
        raise SelectionError(f"the request table needs a request_id column; it has {', '.join(frame.columns)}")
    measure = settings.value_measure
    if measure not in frame.columns:
        raise SelectionError(
            f"the value measure is '{measure}' but the request table has no {measure} column "
            f"(columns: {', '.join(frame.columns)}); choose one of score, npv, benefit with --value"
        )
    ids = [str(cell).strip() if not is_blank(cell) else "" for cell in frame["request_id"]]
    problems += request_id_problems(frame["request_id"])
    known = set(ids)
    cost_columns = {match.group(1).upper(): column for column in frame.columns if (match := COST_COLUMN.match(column))}
    long_costs: dict[str, dict[str, float]] = {}
    if costs is not None and len(costs):
        for row in costs.itertuples(index=False):
            record = dict(zip(costs.columns, row, strict=True))
            where = f"cost table, {record.get('request_id')} {record.get('fiscal_year')}"
            label = str(record.get("fiscal_year", "")).strip().upper()
            if not re.fullmatch(r"FY\d{4}", label):
                problems.append(f"{where}: fiscal_year must look like FY2027")
                continue
            bucket = long_costs.setdefault(str(record.get("request_id")).strip(), {})
            bucket[label] = bucket.get(label, 0.0) + (_read_amount(record.get("cost"), where, 0.0) or 0.0)
    demand_by_request: dict[str, dict[tuple[str, int], float]] = {}
    if resources is not None and len(resources):
        missing = [c for c in RESOURCE_COLUMNS if c not in resources.columns]
        if missing:
            raise SelectionError(
                f"the resource estimates need column(s) {', '.join(missing)} ({', '.join(RESOURCE_COLUMNS)})"
            )
        for number, row in enumerate(resources.itertuples(index=False), start=2):
            record = dict(zip(resources.columns, row, strict=True))
            request_id = str(record["request_id"]).strip()
            where = f"resource estimates row {number} ({request_id})"
            if request_id not in known:
                problems.append(f"{where}: unknown request_id")
                continue
            try:
                key = (str(record["role"]).strip(), _month_index(record["month"], where))
                fte = _read_amount(record["fte"], where, 0.0) or 0.0
            except SelectionError as error:
                problems.append(str(error))
                continue
            bucket = demand_by_request.setdefault(request_id, {})
            bucket[key] = bucket.get(key, 0.0) + fte
    parsed: list[Request] = []
    for row, record in enumerate(frame.to_dict("records"), start=2):
        request_id = ids[row - 2]
        if not request_id:
            continue
        where = f"request {request_id} (row {row})"
        try:
            value = _read_amount(record.get(measure), f"{where} {measure}")
            force = "" if is_blank(record.get("force")) else str(record["force"]).strip().lower()
            if force not in ("", "in", "out"):
                raise SelectionError(f"{where} force: use 'in', 'out' or leave blank, got {record['force']!r}")
            reason = "" if is_blank(record.get("force_reason")) else str(record["force_reason"]).strip()
            if force and not reason:
                raise SelectionError(f"{where}: force {force} needs a force_reason (who decided, and why)")
            if value is None and force != "out":
                raise SelectionError(f"{where}: {measure} is blank; give a value or force the request out")
            mandatory = _flag(record.get("mandatory"), f"{where} mandatory")
            in_flight = _flag(record.get("in_flight"), f"{where} in_flight")
            if force == "out" and (mandatory or in_flight):
                raise SelectionError(f"{where}: a mandatory or in-flight request cannot be forced out")
            start = (
                None
                if is_blank(record.get("start_month"))
                else _month_index(record["start_month"], f"{where} start_month")
            )
            duration = _read_amount(record.get("duration_months"), f"{where} duration_months")
            own_deferral = _read_amount(record.get("max_deferral_months"), f"{where} max_deferral_months")
            max_deferral = int(settings.max_deferral_months if own_deferral is None else own_deferral)
            if mandatory or in_flight:
                max_deferral = 0
            fy_costs = {
                label: _read_amount(record.get(column), f"{where} {column}", 0.0) or 0.0
                for label, column in cost_columns.items()
            }
            for label, amount in long_costs.get(request_id, {}).items():
                fy_costs[label] = fy_costs.get(label, 0.0) + amount
            if any(amount < 0 for amount in fy_costs.values()):
                raise SelectionError(f"{where}: costs must be >= 0")
            monthly: dict[int, float] = {}
            fixed: dict[str, float] = {}
            if start is not None:
                active = set(range(start, start + max(int(duration or 1), 1)))
                for label, amount in fy_costs.items():
                    if not amount:
                        continue
                    # The table gives cost per fiscal year; spread it over the months the request runs in that
                    # year (or the whole year) so that a deferral can move it into the next fiscal year.
                    months = [m for m in fiscal_year_months(label, settings.fiscal_year_start_month) if m in active]
                    months = months or list(fiscal_year_months(label, settings.fiscal_year_start_month))
                    for month in months:
                        monthly[month] = monthly.get(month, 0.0) + amount / len(months)
            else:
                fixed = {label: amount for label, amount in fy_costs.items() if amount}
                if max_deferral and (demand_by_request.get(request_id) or fixed):
                    found_warnings.append(f"{request_id} has no start_month, so it cannot be deferred")
                    max_deferral = 0
            for other in (*_ids(record.get("depends_on")), *_ids(record.get("excludes"))):
                if other not in known:
                    raise SelectionError(f"{where}: depends_on/excludes names unknown request {other!r}")
                if other == request_id:
                    raise SelectionError(f"{where}: a request cannot depend on or exclude itself")
            parsed.append(
                Request(
                    request_id=request_id,
                    title="" if is_blank(record.get("title")) else str(record["title"]),
                    value=float(value or 0.0),
                    mandatory=mandatory,
                    in_flight=in_flight,
                    force=force,
                    force_reason=reason,
                    depends_on=tuple(_ids(record.get("depends_on"))),
                    excludes=tuple(_ids(record.get("excludes"))),
                    max_deferral=max(max_deferral, 0),
                    start=start,
                    monthly_cost=monthly,
                    fixed_fy_cost=fixed,
                    demand=demand_by_request.get(request_id, {}),
                    model_version="" if is_blank(record.get("model_version")) else str(record["model_version"]),
                )
            )
        except SelectionError as error:
            problems.append(str(error))
    if problems:
        listing = "\n".join(f"  - {problem}" for problem in problems[:50])
        raise SelectionError(f"{len(problems)} problem(s) in the request data; nothing was selected:\n{listing}")
    return parsed, found_warnings


def selection_capacity(
    capacity: pd.DataFrame,
    resources: pd.DataFrame | None,
    settings: SelectionSettings,
    requests: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Role capacity per month, `role, month, capacity_fte`, from either shape of capacity table.

    A long table in that shape passes through. The PMO workbook's `Capacity` table (role, person, from_month,
    to_month, fte or hours_per_month, productive_ratio) is netted by its productive ratio through the capacity
    core, `pmo_xl.portfolio.capacity.role_capacity`, the same numbers `pmo capacity` shows, over the months the resource
    estimates cover plus the longest allowed deferral.
    """
    columns = {str(column).strip().lower() for column in capacity.columns}
    if set(CAPACITY_COLUMNS) <= columns:
        return capacity
    from pmo_xl.portfolio.capacity import CapacitySettings, role_capacity

    if resources is None or not len(resources) or "month" not in resources.columns:
        raise SelectionError(
            "a Capacity table (role, from_month, to_month, fte, productive_ratio) gives capacity over time; give "
            "the resource estimates too (--resources), so that the months to plan are known"
        )
    months = [_month_index(month, "resource estimates") for month in resources["month"] if not is_blank(month)]
    deferral = settings.max_deferral_months
    if requests is not None and "max_deferral_months" in requests.columns:
        own = [_read_amount(cell, "max_deferral_months", 0.0) or 0.0 for cell in requests["max_deferral_months"]]
        deferral = max([deferral, *map(int, own)])
    first, last = min(months), max(months) + deferral
    # The capacity core plans at most 60 months; demand beyond that is reported as outside the capacity plan.
    horizon = min(last - first + 1, 60)
    return role_capacity(capacity, current_period=month_label(first), settings=CapacitySettings(horizon_months=horizon))


def read_capacity_table(path: Path) -> pd.DataFrame:
    """The capacity file of `pmo optimize --capacity`: a `CapacityPlan` table (role, month, capacity_fte), the
    PMO workbook's `Capacity` table, or a CSV of either shape; a workbook with neither table gives its first sheet.
    """
    from pmo_xl.portfolio.capacity import CAPACITY_TABLE

    return read_table(path, ("CapacityPlan", CAPACITY_TABLE), first_sheet=True)


def parse_capacity(capacity: pd.DataFrame | None) -> dict[tuple[str, int], float]:
    if capacity is None or not len(capacity):
        return {}
    missing = [c for c in CAPACITY_COLUMNS if c not in capacity.columns]
    if missing:
        raise SelectionError(f"the capacity table needs column(s) {', '.join(missing)} ({', '.join(CAPACITY_COLUMNS)})")
    limits: dict[tuple[str, int], float] = {}
    spelling: dict[str, str] = {}  # roles match ignoring case; the first spelling met names the role
    for number, row in enumerate(capacity.itertuples(index=False), start=2):
        record = dict(zip(capacity.columns, row, strict=True))
        where = f"capacity row {number}"
        role = str(record["role"]).strip()
        key = (spelling.setdefault(role.casefold(), role), _month_index(record["month"], where))
        limits[key] = limits.get(key, 0.0) + (_read_amount(record["capacity_fte"], where, 0.0) or 0.0)
    return limits


# ---------------------------------------------------------------------------------------------------------------
# The model


@dataclass(frozen=True)
class Limit:
    """One resource constraint row: a fiscal-year budget, the total budget, or a role's capacity in a month."""

    name: str
    kind: str
    limit: float
    role: str = ""
    month: int = -1
    fiscal_year: str = ""


@dataclass(frozen=True)
class SelectionProblem:
    requests: tuple[Request, ...]
    settings: SelectionSettings
    variant_request: np.ndarray
    variant_delay: np.ndarray
    limits: tuple[Limit, ...]
    usage: sparse.csr_matrix  # limits x variants
    warnings: tuple[str, ...]


def _roles_spelt_as_in_the_capacity_plan(
    requests: Sequence[Request], capacity_limits: Mapping[tuple[str, int], float]
) -> list[Request]:
    """Roles match ignoring case, as in the capacity plan: an estimate for 'developer' draws on 'Developer'."""
    spelling = {role.casefold(): role for role, _month in capacity_limits}
    matched = []
    for request in requests:
        demand: dict[tuple[str, int], float] = {}
        for (role, month), fte in request.demand.items():
            key = (spelling.get(role.casefold(), role), month)
            demand[key] = demand.get(key, 0.0) + fte
        matched.append(replace(request, demand=demand) if demand != dict(request.demand) else request)
    return matched


def build_problem(
    requests: pd.DataFrame,
    settings: SelectionSettings,
    resources: pd.DataFrame | None = None,
    capacity: pd.DataFrame | None = None,
    costs: pd.DataFrame | None = None,
) -> SelectionProblem:
    if settings.value_measure not in VALUE_MEASURES and settings.value_measure not in requests.columns:
        raise SelectionError(f"value measure must be one of {', '.join(VALUE_MEASURES)}")
    if not 1 <= settings.fiscal_year_start_month <= 12:
        raise SelectionError("the fiscal year start month must be 1-12")
    parsed, found_warnings = parse_requests(requests, settings, resources, costs)
    capacity_limits = parse_capacity(capacity)
    parsed = _roles_spelt_as_in_the_capacity_plan(parsed, capacity_limits)
    limits: list[Limit] = []
    for label, amount in sorted(settings.budgets.items()):
        limits.append(Limit(f"Budget {label}", "budget", float(amount), fiscal_year=label))
    if settings.total_budget is not None:
        limits.append(Limit("Budget total", "total", float(settings.total_budget)))
    for (role, month), amount in sorted(capacity_limits.items(), key=lambda item: (item[0][1], item[0][0])):
        limits.append(Limit(f"{role} {month_label(month)}", "capacity", amount, role=role, month=month))
    index = {(limit.kind, limit.fiscal_year, limit.role, limit.month): row for row, limit in enumerate(limits)}
    variant_request, variant_delay = [], []
    rows, cols, data = [], [], []
    unplanned: set[tuple[str, int]] = set()
    unbudgeted: set[str] = set()
    start_month = settings.fiscal_year_start_month
    held_to_horizon: list[str] = []
    for position, request in enumerate(parsed):
        for delay in range(request.max_deferral + 1):
            if delay and _leaves_the_horizon(request, delay, capacity_limits, settings):
                if not held_to_horizon or held_to_horizon[-1] != request.request_id:
                    held_to_horizon.append(request.request_id)
                continue
            column = len(variant_request)
            variant_request.append(position)
            variant_delay.append(delay)
            for label, amount in request.fy_cost(delay, start_month).items():
                row = index.get(("budget", label, "", -1))
                if row is None:
                    if delay == 0 and settings.budgets:
                        unbudgeted.add(label)
                    continue
                rows.append(row), cols.append(column), data.append(amount)
            if settings.total_budget is not None:
                rows.append(index[("total", "", "", -1)]), cols.append(column), data.append(request.total_cost)
            for (role, month), fte in request.demand.items():
                row = index.get(("capacity", "", role, month + delay))
                if row is None:
                    if delay == 0 and capacity_limits:
                        unplanned.add((role, month))
                    continue
                rows.append(row), cols.append(column), data.append(fte)
    if held_to_horizon:
        found_warnings.append(
            f"{len(held_to_horizon)} request(s) cannot be deferred as far as allowed, because a later start would put "
            "demand outside the capacity plan or cost in a fiscal year with no budget: "
            f"{', '.join(held_to_horizon[:10])}{' ...' if len(held_to_horizon) > 10 else ''}"
        )
    found_warnings.extend(_dependencies_planned_out_of_order(parsed))
    if unbudgeted:
        found_warnings.append(f"no budget given for {', '.join(sorted(unbudgeted))}: costs there are not constrained")
    if unplanned:
        roles = sorted({role for role, _ in unplanned})
        found_warnings.append(
            f"{len(unplanned)} role-month(s) of demand fall outside the capacity plan and are not constrained "
            f"(roles: {', '.join(roles[:8])})"
        )
    from scipy import sparse

    usage = sparse.csr_matrix((data, (rows, cols)), shape=(len(limits), len(variant_request)))
    problem = SelectionProblem(
        tuple(parsed),
        settings,
        np.array(variant_request, dtype=int),
        np.array(variant_delay, dtype=int),
        tuple(limits),
        usage,
        tuple(found_warnings),
    )
    _check_commitments(problem)
    return problem


def _leaves_the_horizon(
    request: Request, delay: int, capacity_limits: Mapping[tuple[str, int], float], settings: SelectionSettings
) -> bool:
    """Whether starting `delay` months late moves planned demand or cost out of what the plan and budgets cover.

    Beyond the capacity plan's last month, or in a fiscal year with no budget, nothing would constrain it: such a
    start is not offered (a PMO cannot commit people or money that no plan covers). Demand or cost that is already
    uncovered at the planned start is warned about once and does not block a deferral.
    """
    if capacity_limits:
        for (role, month), fte in request.demand.items():
            if fte and (role, month) in capacity_limits and (role, month + delay) not in capacity_limits:
                return True
    if settings.budgets:
        start_month = settings.fiscal_year_start_month
        for month, amount in request.monthly_cost.items():
            if (
                amount
                and fiscal_year_label(month, start_month) in settings.budgets
                and fiscal_year_label(month + delay, start_month) not in settings.budgets
            ):
                return True
    return False


def _dependency_slack(request: Request, needed: Request) -> int | None:
    """How many months after the dependent the needed request may start; None when either has no start month.

    A needs B: A never starts before B. Where the plan itself has A first, a deferral never widens that lead.
    """
    if request.start is None or needed.start is None:
        return None
    return max(0, needed.start - request.start)


def _dependencies_planned_out_of_order(requests: Sequence[Request]) -> list[str]:
    by_id = {request.request_id: request for request in requests}
    return [
        f"{request.request_id} depends on {needed} but is planned to start before it; a deferral will not widen that"
        for request in requests
        for needed in request.depends_on
        if _dependency_slack(request, by_id[needed])
    ]


def _starts_in_dependency_order(problem: SelectionProblem, chosen: np.ndarray) -> bool:
    start_of = {
        problem.requests[r].request_id: problem.requests[r].start + int(d)
        for r, d, picked in zip(problem.variant_request, problem.variant_delay, chosen, strict=True)
        if picked and problem.requests[r].start is not None
    }
    by_id = {request.request_id: request for request in problem.requests}
    for request in problem.requests:
        if request.request_id not in start_of:
            continue
        for needed in request.depends_on:
            slack = _dependency_slack(request, by_id[needed])
            if slack is not None and needed in start_of and start_of[needed] > start_of[request.request_id] + slack:
                return False
    return True


def _check_commitments(problem: SelectionProblem) -> None:
    """Mandatory and in-flight requests take budget and capacity first; say so plainly if they alone overrun."""
    committed = np.array(
        [
            problem.requests[r].committed and d == 0
            for r, d in zip(problem.variant_request, problem.variant_delay, strict=True)
        ],
        dtype=float,
    )
    if not committed.any():
        return
    used = problem.usage @ committed
    overruns = [
        f"{limit.name}: committed {used[row]:,.2f} of {limit.limit:,.2f}"
        for row, limit in enumerate(problem.limits)
        if used[row] > limit.limit + 1e-9
    ]
    if overruns:
        raise SelectionError(
            "mandatory and in-flight requests alone exceed the limits; raise them or review the "
            "commitments:\n" + "\n".join(f"  - {line}" for line in overruns[:30])
        )


def _logic_rows(
    problem: SelectionProblem, requests: Sequence[Request]
) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    from scipy import sparse

    position = {request.request_id: index for index, request in enumerate(requests)}
    variants_of: list[list[int]] = [[] for _ in requests]
    for column, request_index in enumerate(problem.variant_request):
        variants_of[request_index].append(column)
    rows, cols, data, lower, upper = [], [], [], [], []

    def add(terms: Iterable[tuple[int, float]], low: float, high: float) -> None:
        row = len(lower)
        for column, coefficient in terms:
            rows.append(row), cols.append(column), data.append(coefficient)
        lower.append(low), upper.append(high)

    for index, request in enumerate(requests):
        chosen = [(column, 1.0) for column in variants_of[index]]
        must = request.committed or request.force == "in"
        if request.force == "out":
            add(chosen, 0.0, 0.0)
        elif must or len(chosen) > 1:
            add(chosen, 1.0 if must else 0.0, 1.0)
        for needed in request.depends_on:
            other = position[needed]
            slack = _dependency_slack(request, requests[other])
            if slack is None:
                add([*chosen, *((column, -1.0) for column in variants_of[other])], -np.inf, 0.0)
                continue
            # Each start of A needs B chosen at a start no later than A's (plus the planned lead, if any).
            for column in variants_of[index]:
                latest = request.start + problem.variant_delay[column] + slack
                allowed = [c for c in variants_of[other] if requests[other].start + problem.variant_delay[c] <= latest]
                add([(column, 1.0), *((c, -1.0) for c in allowed)], -np.inf, 0.0)
        for other in request.excludes:
            if position[other] > index or request.request_id not in requests[position[other]].excludes:
                add([*chosen, *((column, 1.0) for column in variants_of[position[other]])], -np.inf, 1.0)
    matrix = sparse.csr_matrix((data, (rows, cols)), shape=(len(lower), len(problem.variant_request)))
    return matrix, np.array(lower), np.array(upper)


# ---------------------------------------------------------------------------------------------------------------
# Solving and reporting


@dataclass(frozen=True)
class SelectionResult:
    status: str
    proven_gap: float | None
    value: float
    bound: float | None
    decisions: pd.DataFrame
    constraints: pd.DataFrame
    warnings: tuple[str, ...]
    settings: SelectionSettings
    solve_seconds: float

    @property
    def selected_ids(self) -> list[str]:
        return list(self.decisions.loc[self.decisions["selected"], "request_id"])


def gap_text(gap: float | None) -> str:
    if gap is None:
        return "no proven bound"
    if gap <= 1e-6:
        return "optimal"
    return f"within {gap * 100:.2g} % of optimal"


def _start_as_planned_where_possible(problem: SelectionProblem, chosen: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Move deferred requests back towards their planned start while everything still fits; the value is unchanged.

    Done after the solve instead of with a deferral penalty in the objective, so the objective stays the plain
    total value and the proven gap is the gap on value.
    """
    chosen = chosen.copy()
    usage = problem.usage.tocsc()
    used = usage @ chosen
    for column in np.flatnonzero(chosen & (problem.variant_delay > 0)):
        request = problem.variant_request[column]
        for earlier in np.flatnonzero(
            (problem.variant_request == request) & (problem.variant_delay < problem.variant_delay[column])
        ):
            trial = used - usage[:, column].toarray().ravel() + usage[:, earlier].toarray().ravel()
            if not np.all(trial <= rhs + 1e-9):
                continue
            moved = chosen.copy()
            moved[column], moved[earlier] = 0, 1
            if _starts_in_dependency_order(problem, moved):
                chosen, used = moved, trial
                break
    return chosen


def solve_selection(
    problem: SelectionProblem,
    limits: Sequence[float] | None = None,
    time_limit_seconds: float | None = None,
    gap_tolerance: float | None = None,
    explain: bool = True,
) -> SelectionResult:
    """Solve the MILP. `limits` overrides each constraint's limit (the frontier scales budgets this way)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    settings = problem.settings
    requests = problem.requests
    rhs = np.array([limit.limit for limit in problem.limits] if limits is None else limits, dtype=float)
    logic, logic_low, logic_high = _logic_rows(problem, requests)
    constraints = []
    if problem.usage.shape[0]:
        constraints.append(LinearConstraint(problem.usage, -np.inf, rhs))
    if logic.shape[0]:
        constraints.append(LinearConstraint(logic, logic_low, logic_high))
    objective = -np.array([requests[r].value for r in problem.variant_request], dtype=float)
    started = time.perf_counter()
    variables = len(objective)
    if variables == 0:
        raise SelectionError("there are no requests to select from")
    outcome = milp(
        objective,
        integrality=np.ones(variables),
        bounds=Bounds(np.zeros(variables), np.ones(variables)),
        constraints=constraints,
        options={
            "time_limit": float(time_limit_seconds if time_limit_seconds is not None else settings.time_limit_seconds),
            "mip_rel_gap": float(gap_tolerance if gap_tolerance is not None else settings.gap_tolerance),
            "disp": False,
        },
    )
    elapsed = time.perf_counter() - started
    if outcome.x is None:
        if outcome.status == 2:
            forced = [r.request_id for r in requests if r.force == "in"]
            raise SelectionError(
                "no selection satisfies the constraints: the forced-in requests"
                f" ({', '.join(forced) or 'none'}), dependencies and exclusions cannot all hold within the limits"
            )
        raise SelectionError(
            f"no feasible selection found within {settings.time_limit_seconds:g} s; allow more time "
            f"(--time-limit) ({outcome.message})"
        )
    chosen = _start_as_planned_where_possible(problem, np.round(outcome.x).astype(int), rhs)
    value = float(sum(requests[r].value for r, picked in zip(problem.variant_request, chosen, strict=True) if picked))
    bound = getattr(outcome, "mip_dual_bound", None)
    gap = None
    if bound is not None and np.isfinite(bound):
        bound = -float(bound)
        if outcome.status == 0 and math.isclose(bound, value, rel_tol=1e-9, abs_tol=1e-9):
            gap = 0.0
        else:
            gap = max(0.0, (bound - value) / abs(bound)) if bound else 0.0
    else:
        bound = None
    return _report(problem, chosen, rhs, value, bound, gap, elapsed, explain)


def _report(
    problem: SelectionProblem,
    chosen: np.ndarray,
    rhs: np.ndarray,
    value: float,
    bound: float | None,
    gap: float | None,
    elapsed: float,
    explain: bool = True,
) -> SelectionResult:
    settings = problem.settings
    requests = problem.requests
    used = problem.usage @ chosen
    delay_of = {
        int(r): int(d)
        for r, d, picked in zip(problem.variant_request, problem.variant_delay, chosen, strict=True)
        if picked
    }
    selected_ids = {requests[r].request_id for r in delay_of}
    blockers: dict[int, int] = {}
    rows = []
    for index, request in enumerate(requests):
        picked = index in delay_of
        delay = delay_of.get(index, 0)
        if picked:
            why = (
                "in flight"
                if request.in_flight
                else "mandatory"
                if request.mandatory
                else f"forced in: {request.force_reason}"
                if request.force == "in"
                else "chosen"
            )
            get_in = ""
        else:
            why = f"forced out: {request.force_reason}" if request.force == "out" else "not chosen"
            get_in = (
                ""
                if request.force == "out" or not explain
                else _what_would_get_it_in(problem, index, selected_ids, used, rhs, blockers)
            )
        cost = request.total_cost
        rows.append(
            {
                "request_id": request.request_id,
                "title": request.title,
                "selected": picked,
                "decision": why,
                "start_month": month_label(request.start + delay) if request.start is not None else "",
                "deferral_months": delay if picked else None,
                settings.value_measure: request.value,
                # A score is only meaningful with the model that produced it.
                **({"model_version": request.model_version} if settings.value_measure == "score" else {}),
                "cost": cost,
                "value_per_cost": request.value / cost if cost else None,
                "what_would_get_it_in": get_in,
            }
        )
    decisions = pd.DataFrame(rows)
    constraint_rows = []
    for row, limit in enumerate(problem.limits):
        slack = rhs[row] - used[row]
        constraint_rows.append(
            {
                "constraint": limit.name,
                "kind": limit.kind,
                "limit": rhs[row],
                "used": used[row],
                "slack": slack,
                "utilisation": used[row] / rhs[row] if rhs[row] else None,
                "requests_kept_out": blockers.get(row, 0),
                "binding": bool(blockers.get(row, 0)) or slack <= 1e-6 * max(1.0, abs(rhs[row])),
            }
        )
    constraint_table = pd.DataFrame(
        constraint_rows,
        columns=["constraint", "kind", "limit", "used", "slack", "utilisation", "requests_kept_out", "binding"],
    )
    return SelectionResult(
        gap_text(gap), gap, value, bound, decisions, constraint_table, problem.warnings, settings, elapsed
    )


def double_count_warning(model, settings: SelectionSettings) -> str:
    """Warn when a cost criterion in the score is also what the budget constrains (cost counted twice)."""
    if settings.value_measure != "score" or not (settings.budgets or settings.total_budget is not None):
        return ""
    costly = [
        c.name
        for c in model.criteria
        if c.direction == "cost" and any(word in f"{c.criterion_id} {c.name} {c.unit}".lower() for word in _COST_WORDS)
    ]
    if not costly:
        return ""
    return (
        f"the score includes the cost criterion {', '.join(costly)} and the budget also limits cost: cost is "
        "counted twice; drop the criterion's weight or maximise npv/benefit instead"
    )


def _what_would_get_it_in(
    problem: SelectionProblem,
    index: int,
    selected_ids: set[str],
    used: np.ndarray,
    rhs: np.ndarray,
    blockers: dict[int, int],
) -> str:
    """What it would take to add this request on top of the chosen portfolio (not a re-optimisation)."""
    request = problem.requests[index]
    blocked = [f"excluded by {other} (mutually exclusive)" for other in request.excludes if other in selected_ids]
    blocked += [
        f"excluded by {other.request_id} (mutually exclusive)"
        for other in problem.requests
        if request.request_id in other.excludes
        and other.request_id in selected_ids
        and other.request_id not in request.excludes
    ]
    blocked += [f"needs {other}, which is not selected" for other in request.depends_on if other not in selected_ids]
    columns = np.flatnonzero(problem.variant_request == index)
    best: tuple[float, list[str], list[int]] | None = None
    for column in columns:
        demand = problem.usage[:, column].toarray().ravel()
        short = used + demand - rhs
        over = [row for row in np.flatnonzero(demand > 0) if short[row] > 1e-9]
        if not over:
            best = (0.0, [], [])
            break
        total_short = sum(short[row] / max(rhs[row], 1e-9) for row in over)
        lines = []
        for row in over:
            limit = problem.limits[row]
            if limit.kind == "capacity":
                lines.append(f"{limit.role} short {short[row]:.2f} FTE in {month_label(limit.month)}")
            else:
                lines.append(f"{limit.name} +{short[row]:,.0f}")
        if best is None or total_short < best[0]:
            best = (total_short, lines, list(over))
    if best and best[2]:
        for row in best[2]:
            blockers[row] = blockers.get(row, 0) + 1
    parts = list(blocked)
    if best and best[1]:
        parts.append("needs " + "; ".join(best[1][:4]) + (f" and {len(best[1]) - 4} more" if len(best[1]) > 4 else ""))
        later = _later_start_that_fits(problem, request, used, rhs)
        if later:
            parts.append(f"or would fit if started {later} month(s) later")
    if not parts:
        parts.append(
            "fits, but its value is not positive"
            if request.value <= 0
            else "fits on its own; left out for higher total value"
        )
    return "; ".join(parts)


def _later_start_that_fits(problem: SelectionProblem, request: Request, used: np.ndarray, rhs: np.ndarray) -> int:
    """Smallest extra deferral (up to 12 months) after which it fits, staying inside the planned months/years."""
    if request.start is None:
        return 0
    settings = problem.settings
    rows = {(limit.kind, limit.fiscal_year, limit.role, limit.month): row for row, limit in enumerate(problem.limits)}
    for delay in range(request.max_deferral + 1, request.max_deferral + 13):
        extra = np.zeros(len(problem.limits))
        inside = True
        for label, amount in request.fy_cost(delay, settings.fiscal_year_start_month).items():
            row = rows.get(("budget", label, "", -1))
            if row is None and settings.budgets and amount:
                inside = False
            elif row is not None:
                extra[row] += amount
        for (role, month), fte in request.demand.items():
            row = rows.get(("capacity", "", role, month + delay))
            if row is None and fte and any(limit.role == role for limit in problem.limits):
                inside = False
            elif row is not None:
                extra[row] += fte
        total_row = rows.get(("total", "", "", -1))
        if total_row is not None:
            extra[total_row] += request.total_cost
        if inside and np.all(used + extra <= rhs + 1e-9):
            return delay
    return 0


def select_portfolio(
    requests: pd.DataFrame,
    settings: SelectionSettings,
    resources: pd.DataFrame | None = None,
    capacity: pd.DataFrame | None = None,
    costs: pd.DataFrame | None = None,
    scoring_model=None,
) -> SelectionResult:
    """Build and solve in one call: the core of `pmo optimize`."""
    result = solve_selection(build_problem(requests, settings, resources, capacity, costs))
    warning = double_count_warning(scoring_model, settings) if scoring_model is not None else ""
    return replace(result, warnings=(*result.warnings, warning)) if warning else result


def greedy_by_ratio(problem: SelectionProblem, rank_by: str = "value_per_cost") -> float:
    """The baseline a spreadsheet would use: commitments, then down the ranked list, taking each one that fits.

    `rank_by` is "value_per_cost" (greedy by ratio) or "value" (fund the top-scored requests first).
    """
    requests = problem.requests
    usage = problem.usage.tocsc()
    used = np.zeros(len(problem.limits))
    rhs = np.array([limit.limit for limit in problem.limits])
    chosen: set[str] = set()
    start_of: dict[str, int] = {}
    value = 0.0
    columns_of = {r: np.flatnonzero(problem.variant_request == r) for r in range(len(requests))}
    by_id = {request.request_id: request for request in requests}

    def take(index: int, column: int) -> None:
        nonlocal used, value
        used = used + usage[:, column].toarray().ravel()
        chosen.add(requests[index].request_id)
        if requests[index].start is not None:
            start_of[requests[index].request_id] = requests[index].start + int(problem.variant_delay[column])
        value += requests[index].value

    def in_order(request: Request, column: int) -> bool:
        for needed in request.depends_on:
            slack = _dependency_slack(request, by_id[needed])
            if slack is not None and start_of[needed] > request.start + int(problem.variant_delay[column]) + slack:
                return False
        return True

    for index, request in enumerate(requests):
        if request.committed or request.force == "in":
            take(index, columns_of[index][0])
    order = sorted(
        (i for i, r in enumerate(requests) if not (r.committed or r.force) and r.value > 0),
        key=lambda i: (
            -(
                requests[i].value
                if rank_by == "value"
                else requests[i].value / requests[i].total_cost
                if requests[i].total_cost
                else np.inf
            )
        ),
    )
    for index in order:
        request = requests[index]
        if any(other not in chosen for other in request.depends_on):
            continue
        if any(other in chosen for other in request.excludes) or any(
            request.request_id in requests[j].excludes for j in range(len(requests)) if requests[j].request_id in chosen
        ):
            continue
        for column in columns_of[index]:
            if np.all(used + usage[:, column].toarray().ravel() <= rhs + 1e-9) and in_order(request, column):
                take(index, column)
                break
    return value


# ---------------------------------------------------------------------------------------------------------------
# The efficient frontier and scenarios


def efficient_frontier(
    problem: SelectionProblem,
    points: int = 20,
    low: float | None = None,
    high: float | None = None,
    gap_tolerance: float = 0.01,
    time_limit_seconds: float | None = None,
    progress=None,
) -> pd.DataFrame:
    """Best value at `points` budget levels: every budget limit scaled by a common factor from `low` to `high`.

    Each point states its own proven gap. A point the time limit stopped outside `gap_tolerance` is solved once
    more with three times the limit; if it is still outside, `within_tolerance` is False and
    `frame.attrs["warnings"]` says so.

    The default range runs from what the commitments need to a little past the budget at which the budget stops
    binding (beyond it, capacity alone limits the portfolio and the curve is flat).
    """
    budget_rows = [row for row, limit in enumerate(problem.limits) if limit.kind in ("budget", "total")]
    if not budget_rows:
        raise SelectionError("the efficient frontier varies the budget: give a fiscal-year or total budget")
    base = np.array([limit.limit for limit in problem.limits])
    seconds = float(time_limit_seconds if time_limit_seconds is not None else problem.settings.time_limit_seconds)

    def solve(limits: np.ndarray) -> SelectionResult:
        result = solve_selection(
            problem, limits, time_limit_seconds=seconds, gap_tolerance=gap_tolerance, explain=False
        )
        for extra in _FRONTIER_RETRY_FACTORS:
            if _within(result, gap_tolerance):
                break
            # The time limit stopped it outside the tolerance: once more with longer, keeping the better proof.
            retry = solve_selection(
                problem, limits, time_limit_seconds=seconds * extra, gap_tolerance=gap_tolerance, explain=False
            )
            total_seconds = retry.solve_seconds + result.solve_seconds
            result = replace(min((retry, result), key=_gap_or_inf), solve_seconds=total_seconds)
        return result

    # The portfolio with no budget limit at all: at every budget level it fits, it is also the answer there, so
    # the flat end of the curve costs one solve instead of one per point. Its proven gap holds there too: the
    # optimum at a smaller budget is at most the optimum without one.
    unlimited_limits = base.copy()
    unlimited_limits[budget_rows] = np.inf
    unlimited = solve(unlimited_limits)
    unlimited_usage = problem.usage @ _chosen_vector(problem, unlimited)
    committed = problem.usage @ np.array(
        [
            problem.requests[r].committed and d == 0
            for r, d in zip(problem.variant_request, problem.variant_delay, strict=True)
        ],
        float,
    )
    positive = [row for row in budget_rows if base[row] > 0]
    low = max((committed[row] / base[row] for row in positive), default=0.0) if low is None else low
    needed = max((unlimited_usage[row] / base[row] for row in positive), default=1.0)
    high = max(needed * 1.1, low * 1.1, 1e-6) if high is None else high
    total_rows = [row for row in budget_rows if problem.limits[row].kind == "total"]
    rows = []
    for factor in np.linspace(max(low, 1e-6), high, points):
        limits = base.copy()
        limits[budget_rows] = base[budget_rows] * factor
        fits_unlimited = np.all(unlimited_usage[budget_rows] <= limits[budget_rows] + 1e-9)
        result = unlimited if fits_unlimited else solve(limits)
        cost = float(result.decisions.loc[result.decisions["selected"], "cost"].sum())
        rows.append(
            {
                "budget_factor": factor,
                "budget": float(limits[total_rows[0]] if total_rows else limits[budget_rows].sum()),
                "value": result.value,
                "cost": cost,
                "value_per_cost": result.value / cost if cost else None,
                "requests_selected": int(result.decisions["selected"].sum()),
                "budget_binding": result is not unlimited,
                "status": result.status,
                "proven_gap": result.proven_gap,
                "within_tolerance": _within(result, gap_tolerance),
                "seconds": result.solve_seconds if result is not unlimited or not rows else 0.0,
            }
        )
        if progress:
            progress(
                f"frontier point {len(rows)}/{points}: budget x{factor:.2f} -> value {result.value:,.1f} "
                f"({result.status})"
            )
    frontier = pd.DataFrame(rows)
    outside = frontier[~frontier["within_tolerance"]]
    frontier.attrs["warnings"] = tuple(
        f"frontier point {position + 1} (budget {row.budget:,.0f}): {row.status}, outside the "
        f"{gap_tolerance:.1%} tolerance even after a longer solve; raise --time-limit to tighten it"
        for position, row in zip(outside.index, outside.itertuples(), strict=True)
    )
    return frontier


_FRONTIER_RETRY_FACTORS = (3.0,)


def _gap_or_inf(result: SelectionResult) -> float:
    return float("inf") if result.proven_gap is None else result.proven_gap


def _within(result: SelectionResult, gap_tolerance: float) -> bool:
    return _gap_or_inf(result) <= gap_tolerance + 1e-9


def _chosen_vector(problem: SelectionProblem, result: SelectionResult) -> np.ndarray:
    """The 0/1 variant vector of a result (which request, at which deferral)."""
    delays = dict(zip(result.decisions["request_id"], result.decisions["deferral_months"], strict=True))
    chosen = np.zeros(len(problem.variant_request))
    for column, (request, delay) in enumerate(zip(problem.variant_request, problem.variant_delay, strict=True)):
        picked = delays.get(problem.requests[request].request_id)
        if picked is not None and not pd.isna(picked) and int(picked) == delay:
            chosen[column] = 1.0
    return chosen


@dataclass(frozen=True)
class Scenario:
    """A named what-if: settings plus extra force-in/force-out decisions (request_id -> ('in'|'out', reason))."""

    name: str
    settings: SelectionSettings
    forces: Mapping[str, tuple[str, str]] = field(default_factory=dict)


def apply_scenario(requests: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    frame = requests.copy()
    for column in ("force", "force_reason"):
        if column not in frame.columns:
            frame[column] = None
    frame["force"] = frame["force"].astype(object)
    frame["force_reason"] = frame["force_reason"].astype(object)
    ids = frame["request_id"].astype(str).str.strip()
    for request_id, (force, reason) in scenario.forces.items():
        if not (ids == request_id).any():
            raise SelectionError(f"scenario {scenario.name}: unknown request {request_id}")
        frame.loc[ids == request_id, "force"] = force
        frame.loc[ids == request_id, "force_reason"] = f"{reason} (scenario {scenario.name})"
    return frame


def save_scenarios(path: Path, scenarios: Sequence[Scenario]) -> Path:
    """Scenarios as JSON beside the pipeline; saving a name again replaces it."""
    path = Path(path)
    existing = {scenario.name: scenario for scenario in (load_scenarios(path) if path.exists() else [])}
    for scenario in scenarios:
        existing[scenario.name] = scenario
    payload = [
        {
            "name": s.name,
            "settings": {**asdict(s.settings), "budgets": dict(s.settings.budgets)},
            "forces": {k: list(v) for k, v in s.forces.items()},
        }
        for s in existing.values()
    ]
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    temporary.replace(path)
    return path


def load_scenarios(path: Path) -> list[Scenario]:
    path = Path(path)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        return [
            Scenario(
                item["name"],
                SelectionSettings(**item["settings"]),
                {k: (v[0], v[1]) for k, v in item.get("forces", {}).items()},
            )
            for item in payload
        ]
    except FileNotFoundError:
        raise SelectionError(f"{path}: no such scenario file") from None
    except (ValueError, KeyError, TypeError) as error:
        raise SelectionError(f"{path}: not a scenario file saved by pmo optimize ({error})") from None


def run_scenarios(
    requests: pd.DataFrame,
    scenarios: Sequence[Scenario],
    resources: pd.DataFrame | None = None,
    capacity: pd.DataFrame | None = None,
    costs: pd.DataFrame | None = None,
) -> dict[str, SelectionResult]:
    return {
        scenario.name: select_portfolio(
            apply_scenario(requests, scenario), scenario.settings, resources, capacity, costs
        )
        for scenario in scenarios
    }


def compare_scenarios(results: Mapping[str, SelectionResult]) -> pd.DataFrame:
    """Side by side: one row per request (in, with its start month, or out), then totals per scenario."""
    names = list(results)
    if not names:
        raise SelectionError("no scenarios to compare")
    first = results[names[0]].decisions
    table = first[["request_id", "title"]].copy()
    for name in names:
        decisions = results[name].decisions.set_index("request_id")
        table[name] = [
            (f"in ({decisions.at[rid, 'start_month']})" if decisions.at[rid, "start_month"] else "in")
            if decisions.at[rid, "selected"]
            else "out"
            for rid in table["request_id"]
        ]
    summary = []
    for label, pick in (
        ("TOTAL value", lambda r: f"{r.value:,.2f}"),
        ("TOTAL cost", lambda r: f"{r.decisions.loc[r.decisions['selected'], 'cost'].sum():,.2f}"),
        ("requests selected", lambda r: str(int(r.decisions["selected"].sum()))),
        ("status", lambda r: r.status),
    ):
        summary.append({"request_id": label, "title": "", **{name: pick(results[name]) for name in names}})
    return pd.concat([table, pd.DataFrame(summary)], ignore_index=True)


def settings_with(settings: SelectionSettings, **changes) -> SelectionSettings:
    return replace(settings, **changes)


# ---------------------------------------------------------------------------------------------------------------
# Options and the output workbook


def parse_budget(text: str) -> tuple[str, float]:
    """'FY2027=1.2m' -> ('FY2027', 1200000.0); k and m suffixes and thousands separators are accepted."""
    label, separator, amount = str(text).partition("=")
    label = label.strip().upper()
    if not separator or not re.fullmatch(r"FY\d{4}", label):
        raise SelectionError(f"budget {text!r}: write it as FY2027=1500000 (or 1.5m, 800k)")
    cleaned = amount.strip().lower().replace("_", "")
    multiplier = 1.0
    if cleaned.endswith(("k", "m")):
        multiplier = 1e3 if cleaned.endswith("k") else 1e6
        cleaned = cleaned[:-1]
    reading = read_number(cleaned, "amount", text_is_normal=True)
    if reading.value is None:
        why = reading.message.partition(": ")[2] or "it is not an amount"
        raise SelectionError(f"budget {text!r}: {amount!r} is not an amount ({why})")
    value = float(reading.value) * multiplier  # type: ignore[arg-type]
    if value < 0:
        raise SelectionError(f"budget {text!r}: must be >= 0")
    return label, value


def parse_forces(texts: Sequence[str], force: str) -> dict[str, tuple[str, str]]:
    """'REQ-7=Board decision' -> {'REQ-7': (force, 'Board decision')}; a force always carries its reason."""
    forces = {}
    for text in texts:
        request_id, separator, reason = str(text).partition("=")
        if not separator or not request_id.strip() or not reason.strip():
            raise SelectionError(f"force {force} {text!r}: write it as REQ-7=the reason (who decided, and why)")
        forces[request_id.strip()] = (force, reason.strip())
    return forces


def summary_rows(result: SelectionResult) -> list[tuple[str, object]]:
    selected = result.decisions[result.decisions["selected"]]
    cost = float(selected["cost"].sum())
    settings = result.settings
    rows: list[tuple[str, object]] = [
        ("Result", result.status),
        ("Proven gap", result.proven_gap if result.proven_gap is not None else "no bound"),
        (f"Total {settings.value_measure}", result.value),
        ("Upper bound on the optimum", result.bound if result.bound is not None else "none"),
        ("Requests selected", len(selected)),
        ("Requests not selected", int(len(result.decisions) - len(selected))),
        ("Total cost of the selection", cost),
        (f"{settings.value_measure} per unit of cost", result.value / cost if cost else "n/a"),
        (
            "Binding constraints",
            ", ".join(result.constraints.loc[result.constraints["binding"], "constraint"]) or "none",
        ),
        ("Solve time (s)", round(result.solve_seconds, 3)),
        ("Value measure", settings.value_measure),
        ("Budgets", ", ".join(f"{k}={v:,.0f}" for k, v in sorted(settings.budgets.items())) or "none"),
        ("Total budget", settings.total_budget if settings.total_budget is not None else "none"),
        ("Max deferral (months)", settings.max_deferral_months),
        ("Time limit (s)", settings.time_limit_seconds),
        ("Gap tolerance", settings.gap_tolerance),
    ]
    rows.extend(("Warning", warning) for warning in result.warnings)
    return rows


def write_selection_workbook(
    result: SelectionResult, path: Path, frontier: pd.DataFrame | None = None, comparison: pd.DataFrame | None = None
) -> Path:
    """Summary, Selection, Constraints, and optionally Frontier (table and chart) and Scenarios sheets."""
    from pmo_xl.portfolio.scoring import write_frame, write_workbook_atomically

    def build(workbook) -> None:
        bold = workbook.add_format({"bold": True})
        money = workbook.add_format({"num_format": "#,##0"})
        ratio = workbook.add_format({"num_format": "0.0000"})
        percent = workbook.add_format({"num_format": "0.0%"})
        summary = workbook.add_worksheet("Summary")
        summary.set_column(0, 0, 30)
        summary.set_column(1, 1, 70)
        summary.write_string(0, 0, "Portfolio selection", workbook.add_format({"bold": True, "font_size": 14}))
        for row, (label, value) in enumerate(summary_rows(result), start=2):
            summary.write_string(row, 0, label, bold)
            if isinstance(value, int | float) and not isinstance(value, bool):
                summary.write_number(row, 1, float(value), percent if label == "Proven gap" else None)
            else:
                summary.write_string(row, 1, str(value))
        decisions = result.decisions.sort_values(["selected", "value_per_cost"], ascending=[False, False])
        write_frame(
            workbook,
            "Selection",
            decisions,
            {"cost": money, "value_per_cost": ratio},
            note=f"{result.status}. value_per_cost sits beside the value: maximising raw score favours many "
            "small projects.",
        )
        write_frame(
            workbook,
            "Constraints",
            result.constraints,
            {"limit": money, "used": money, "slack": money, "utilisation": percent},
        )
        if frontier is not None and len(frontier):
            sheet = write_frame(
                workbook,
                "Frontier",
                frontier,
                {"budget": money, "cost": money, "value_per_cost": ratio, "proven_gap": percent},
            )
            chart = workbook.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
            budget_col = list(frontier.columns).index("budget")
            value_col = list(frontier.columns).index("value")
            chart.add_series(
                {
                    "name": "Best value",
                    "categories": ["Frontier", 1, budget_col, len(frontier), budget_col],
                    "values": ["Frontier", 1, value_col, len(frontier), value_col],
                }
            )
            chart.set_title({"name": "Efficient frontier"})
            chart.set_x_axis({"name": "Budget", "num_format": "#,##0"})
            chart.set_y_axis({"name": f"Total {result.settings.value_measure}"})
            chart.set_legend({"none": True})
            sheet.insert_chart(1, len(frontier.columns) + 1, chart, {"x_scale": 1.5, "y_scale": 1.5})
        if comparison is not None and len(comparison):
            write_frame(workbook, "Scenarios", comparison)

    return write_workbook_atomically(Path(path), build)
