"""The selection's inputs: its settings, and the request, cost, resource and capacity tables read into requests.

Request table columns (`REQUEST_COLUMNS`; only request_id and the value column are required):
  request_id, title, mandatory, in_flight, value / benefit / npv / score, cost_FY2027 ... (one per fiscal year),
  start_month ('YYYY-MM'), duration_months, depends_on and excludes (ids separated by ';'),
  force ('in' / 'out' / blank), force_reason, max_deferral_months.
Resource estimates: long table request_id, role, month ('YYYY-MM'), fte (planned months; deferral shifts them).
Capacity: long table role, month, capacity_fte (from the capacity plan), or the PMO workbook's Capacity table.
Every problem in a table names the request (or row) and the column, and all of them are listed at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from pmo_xl.errors import PmoError
from pmo_xl.periods import fiscal_year_label, fiscal_year_months, month_index
from pmo_xl.portfolio.scoring import request_id_problems
from pmo_xl.values import is_blank, read_flag, read_number

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
