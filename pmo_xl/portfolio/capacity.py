"""The capacity plan: demand against net productive capacity, by role (and named person) and calendar month.

Demand is kept as three cumulative lines rather than one blended number:

- ``committed``: the latest resource tables of active, recently reported projects;
- ``weighted``: committed plus the open request pipeline, each request weighted by the probability of its stage;
- ``all_pending``: committed plus every open request at full weight.

Everything here is pure: DataFrames and frozen dataclasses in, a `CapacityPlan` out. Reading files sits at the end
of the module (`read_capacity`, `read_portfolio`; the request pipeline is
`pmo_xl.collect.requests.read_request_pipeline`); writing the workbook is `pmo_xl.portfolio.capacity_report`.

Months travel as 'YYYY-MM' text at the edges and as integer month numbers (year * 12 + month - 1) inside, so that
shifting and horizon arithmetic are vectorised integer operations rather than date parsing per row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pmo_xl.errors import InputTableError, PmoError
from pmo_xl.excel.tables import read_table
from pmo_xl.periods import month_index
from pmo_xl.portfolio.resource_plan import resources_from_plan
from pmo_xl.values import read_number, read_number_column

# The `Capacity` table: the workbook builder and the CLI share these headers. One row is one role (or one named
# person within a role) over a range of months. `to_month` empty means "until further notice".
CAPACITY_TABLE = "Capacity"
CAPACITY_COLUMNS = ("role", "person", "from_month", "to_month", "fte", "hours_per_month", "productive_ratio")
CAPACITY_COLUMN_HELP = {
    "role": "Role name, as used in the projects' resource tables (matched ignoring case).",
    "person": "Optional. A named person in a scarce role; their capacity rolls up into the role.",
    "from_month": "First month this row applies, YYYY-MM.",
    "to_month": "Last month this row applies, YYYY-MM. Leave empty for open-ended.",
    "fte": "Gross FTE available. Give either fte or hours_per_month.",
    "hours_per_month": "Gross hours per month, converted to FTE with the working-days and hours-per-day settings.",
    "productive_ratio": "Share of time left for projects after BAU, leave and holidays (0-1). Often 0.6-0.7.",
}
# Accepted so that a one-month row or an hours column named plainly is not an error.
# `capacity_fte` is the CapacityPlan table's net FTE (role, month, capacity_fte): with no productive_ratio column
# the default ratio of 1 keeps it net, so `--capacity` takes either shape in every command.
_CAPACITY_ALIASES = {
    "month": "from_month", "hours": "hours_per_month", "ratio": "productive_ratio", "capacity_fte": "fte",
}  # fmt: skip
# The capacity plan `pmo capacity` writes: what was planned from a Capacity table, not one itself.
_PLAN_OUTPUT_TABLE = "CapacityByRole"

RESOURCE_COLUMNS = ("project_id", "period", "role", "person", "month", "fte")
STATUS_COLUMNS = ("project_id", "lifecycle_status", "period")
REQUEST_COLUMNS = ("request_id", "stage")
REQUEST_RESOURCE_COLUMNS = ("request_id", "role", "month", "fte")

SELECTOR_COLUMNS = ("role", "month", "capacity_fte")
SELECTOR_TABLE = "CapacityPlan"  # a table of SELECTOR_COLUMNS: net capacity by role and month
DEMAND_LINES = ("committed", "weighted", "all_pending")
DEMAND_LINE_LABELS = {
    "committed": "Committed (active projects)",
    "weighted": "Committed + probability-weighted pipeline",
    "all_pending": "Committed + all pending requests at full weight",
}

DEFAULT_STAGE_PROBABILITIES = (
    ("approved", 0.9),
    ("in review", 0.5),
    ("scored", 0.5),
    ("submitted", 0.3),
    ("pending", 0.3),
    ("draft", 0.1),
)
# Requests at these stages carry no demand: they were turned down, or already became projects.
CLOSED_STAGES = ("rejected", "converted", "withdrawn", "cancelled", "closed", "done")

_EPSILON = 1e-9
_OPEN_ENDED = np.iinfo(np.int64).max // 2  # to_month of a row with no end


class CapacityError(PmoError):
    """Capacity or demand input is unusable. The message lists every problem found (up to a limit) and where."""


@dataclass(frozen=True)
class CapacitySettings:
    """The PMO's choices for the plan. Defaults are what most PMOs start from."""

    horizon_months: int = 12
    working_days_per_month: float = 20.0
    hours_per_fte_day: float = 8.0
    default_productive_ratio: float = 1.0
    stale_after_periods: int = 3
    stage_probabilities: tuple[tuple[str, float], ...] = DEFAULT_STAGE_PROBABILITIES
    amber_from: float = 0.85
    red_above: float = 1.0
    assessed_line: str = "weighted"
    contributors_listed: int = 5

    def __post_init__(self):
        problems = []
        if not 1 <= self.horizon_months <= 60:
            problems.append(f"horizon_months must be 1-60 (got {self.horizon_months})")
        if self.working_days_per_month <= 0 or self.hours_per_fte_day <= 0:
            problems.append("working_days_per_month and hours_per_fte_day must be positive")
        if not 0 < self.default_productive_ratio <= 1:
            problems.append(f"default_productive_ratio must be in (0, 1] (got {self.default_productive_ratio})")
        if self.stale_after_periods < 0:
            problems.append(f"stale_after_periods must be 0 or more (got {self.stale_after_periods})")
        for stage, probability in self.stage_probabilities:
            if not 0 <= probability <= 1:
                problems.append(f"probability for stage '{stage}' must be in 0-1 (got {probability})")
        if not 0 <= self.amber_from <= self.red_above:
            problems.append(f"thresholds need 0 <= amber_from <= red_above (got {self.amber_from}, {self.red_above})")
        if self.assessed_line not in DEMAND_LINES:
            problems.append(f"assessed_line must be one of {', '.join(DEMAND_LINES)} (got '{self.assessed_line}')")
        if problems:
            raise CapacityError("Capacity settings: " + "; ".join(problems))

    def probability_of(self, stage: str) -> float | None:
        key = _key(stage)
        for known, probability in self.stage_probabilities:
            if _key(known) == key:
                return probability
        return None

    @property
    def hours_per_fte_month(self) -> float:
        return self.working_days_per_month * self.hours_per_fte_day


@dataclass(frozen=True)
class Shift:
    """What-if: move every month of a project's or request's demand by `months` (negative moves it earlier)."""

    item_id: str
    months: int

    @classmethod
    def parse(cls, text: str) -> Shift:
        """'P-001:+2' or 'REQ-7:-1'."""
        item_id, _, months = text.rpartition(":")
        reading = read_number(months, "months", whole=True, text_is_normal=True)
        if not item_id.strip() or reading.refused or reading.value is None:
            raise CapacityError(f"shift '{text}': write it as ID:MONTHS, e.g. P-001:+2 or REQ-7:-1")
        return cls(item_id.strip(), int(reading.value))  # type: ignore[call-overload]


@dataclass(frozen=True)
class Hire:
    """What-if: add `fte` (gross) to a role from a month on. Net of the role's productive ratio unless given."""

    role: str
    fte: float
    from_month: str
    person: str = ""
    productive_ratio: float | None = None

    @classmethod
    def parse(cls, text: str) -> Hire:
        """'Developer:2@2026-05' (role, gross FTE, first month)."""
        match = re.fullmatch(r"\s*(.+?)\s*:\s*([0-9.,]+)\s*@\s*(\S+)\s*", text)
        fte = read_number(match.group(2), "FTE", minimum=0, text_is_normal=True) if match else None
        if not match or fte is None or fte.refused or _month_or_none(match.group(3)) is None:
            raise CapacityError(f"hire '{text}': write it as ROLE:FTE@YYYY-MM, e.g. Developer:2@2026-05")
        return cls(match.group(1), float(fte.value), match.group(3))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Scenario:
    """A what-if: changes applied to copies of the inputs. The base data is never modified."""

    name: str = "What-if"
    shifts: tuple[Shift, ...] = ()
    hires: tuple[Hire, ...] = ()
    dropped_requests: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.shifts or self.hires or self.dropped_requests)

    def describe(self) -> list[str]:
        lines = [f"Shift {s.item_id} by {s.months:+d} month(s)" for s in self.shifts]
        lines += [
            f"Hire {h.fte:g} FTE {h.role}{f' ({h.person})' if h.person else ''} from {h.from_month}" for h in self.hires
        ]
        lines += [f"Drop request {request_id}" for request_id in self.dropped_requests]
        return lines


@dataclass(frozen=True, eq=False)
class CapacityPlan:
    """Demand against capacity over the horizon. Wide frames are indexed by role with one column per month."""

    current_period: str
    months: tuple[str, ...]
    settings: CapacitySettings
    capacity_fte: pd.DataFrame
    committed_fte: pd.DataFrame
    weighted_fte: pd.DataFrame
    all_pending_fte: pd.DataFrame
    over_allocations: pd.DataFrame
    dropped: pd.DataFrame
    person_capacity_fte: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(self.capacity_fte.index)

    def demand(self, line: str | None = None) -> pd.DataFrame:
        line = line or self.settings.assessed_line
        return {"committed": self.committed_fte, "weighted": self.weighted_fte, "all_pending": self.all_pending_fte}[
            line
        ]

    @property
    def utilisation(self) -> pd.DataFrame:
        """Assessed demand / capacity. inf where demand meets no capacity; NaN where there is neither."""
        return _utilisation(self.demand(), self.capacity_fte)

    @property
    def rag(self) -> pd.DataFrame:
        """'green' / 'amber' / 'red' / '' per role and month, from the settings' thresholds."""
        return rag_of(self.utilisation, self.settings)

    def role_capacity(self) -> pd.DataFrame:
        """Net productive capacity as the selector takes it: long `role, month, capacity_fte`."""
        return _long(self.capacity_fte, "capacity_fte")

    def headroom(self) -> pd.DataFrame:
        """Capacity left for new work after committed demand (never below 0): long `role, month, capacity_fte`.

        For a selector that is given only new requests; one that also models in-flight projects wants
        `role_capacity()`, or committed demand would count twice.
        """
        left = (self.capacity_fte - self.committed_fte).clip(lower=0.0)
        return _long(left, "capacity_fte")

    def lines(self) -> pd.DataFrame:
        """Long frame: role, month, capacity and the three demand lines, and the assessed utilisation."""
        frame = _long(self.capacity_fte, "capacity_fte")
        for line in DEMAND_LINES:
            frame[f"{line}_fte"] = self.demand(line).to_numpy().ravel()
        frame["utilisation"] = self.utilisation.to_numpy().ravel()
        return frame

    def totals(self) -> pd.DataFrame:
        """One row per month: total capacity and the three demand lines, across roles."""
        frame = pd.DataFrame({"month": list(self.months)})
        frame["capacity_fte"] = self.capacity_fte.sum(axis=0).to_numpy()
        for line in DEMAND_LINES:
            frame[f"{line}_fte"] = self.demand(line).sum(axis=0).to_numpy()
        return frame


@dataclass(frozen=True, eq=False)
class ScenarioComparison:
    """A what-if and the plan before and after it."""

    scenario: Scenario
    before: CapacityPlan
    after: CapacityPlan

    def side_by_side(self) -> pd.DataFrame:
        """Role, month, then assessed demand, capacity, utilisation and shortfall before and after."""
        rows = []
        for label, plan in (("before", self.before), ("after", self.after)):
            demand = plan.demand()
            frame = _long(plan.capacity_fte, f"capacity_fte_{label}")
            frame[f"demand_fte_{label}"] = demand.to_numpy().ravel()
            frame[f"utilisation_{label}"] = plan.utilisation.to_numpy().ravel()
            frame[f"shortfall_fte_{label}"] = np.clip(
                frame[f"demand_fte_{label}"] - frame[f"capacity_fte_{label}"], 0, None
            )
            rows.append(frame)
        merged = rows[0].merge(rows[1], on=["role", "month"], how="outer", sort=False)
        # Keep the plan's order (roles as in the Capacity table, months in time), not the merge's sort.
        order = list(dict.fromkeys([*self.before.roles, *self.after.roles]))
        merged["role"] = pd.Categorical(merged["role"], categories=order, ordered=True)
        merged = merged.sort_values(["role", "month"], ignore_index=True)
        merged["role"] = merged["role"].astype(object)
        absent = [column for column in merged.columns if column.startswith(("capacity", "demand", "shortfall"))]
        merged[absent] = merged[absent].fillna(0.0)
        return merged

    def summary(self) -> pd.DataFrame:
        """Headline figures before and after: shortfall FTE-months and over-allocated role-months."""
        figures = []
        for plan in (self.before, self.after):
            role_level = plan.over_allocations[plan.over_allocations["level"] == "role"]
            figures.append(
                (
                    float(role_level["shortfall_fte"].sum()),
                    len(role_level),
                    float(plan.demand().to_numpy().sum()),
                    float(plan.capacity_fte.to_numpy().sum()),
                )
            )
        names = ("Shortfall (FTE-months)", "Over-allocated role-months", "Demand (FTE-months)", "Capacity (FTE-months)")
        return pd.DataFrame(
            {
                "measure": names,
                "before": [figure for figure in figures[0]],
                "after": [figure for figure in figures[1]],
            }
        ).assign(change=lambda frame: frame["after"] - frame["before"])


def parse_stage_probabilities(texts: Iterable[str], base: CapacitySettings = CapacitySettings()) -> tuple:
    """'approved=0.8' entries layered over the settings' stage probabilities."""
    probabilities = dict(base.stage_probabilities)
    for text in texts:
        stage, _, value = text.partition("=")
        reading = read_number(value, "probability", percent_sign=True, minimum=0, maximum=1, text_is_normal=True)
        if not stage.strip() or reading.value is None:
            raise CapacityError(f"stage probability '{text}': write it as STAGE=P, e.g. approved=0.8")
        probabilities = {name: p for name, p in probabilities.items() if _key(name) != _key(stage)}
        probabilities[stage.strip()] = float(reading.value)  # type: ignore[arg-type]
    return tuple(probabilities.items())


def latest_period(status: pd.DataFrame) -> str:
    """The portfolio's current period: the latest reporting period among the status rows."""
    status = _require_columns(status, ("period",), "Status")
    numbers, valid = _month_numbers(status["period"])
    if not valid.any():
        raise CapacityError(f"{status.attrs.get('source', 'Status')}: no valid reporting period; pass --period YYYY-MM")
    return month_label(int(numbers[valid].max()))


def horizon_start(reporting_period: str) -> str:
    """The first month of the capacity horizon for a portfolio whose latest reports are for `reporting_period`:
    that month itself ("12 months from the current period"). `pmo capacity`, `pmo dashboard`, `pmo report` and
    `pmo demo` all start here, so the same ledger gives the same hot spots everywhere."""
    return month_label(month_number(reporting_period, "current period"))


# ----------------------------------------------------------------------------------------------------------------
# Months


def month_number(value: object, where: str = "") -> int:
    """'2026-03' (or a date) -> 2026 * 12 + 2. Raises CapacityError naming `where` for anything else."""
    number = _month_or_none(value)
    if number is None:
        raise CapacityError(f"{where + ': ' if where else ''}'{value}' is not a month; write it as YYYY-MM")
    return number


def month_label(number: int) -> str:
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def _month_or_none(value: object) -> int | None:
    if isinstance(value, dt.date | pd.Timestamp):
        return value.year * 12 + value.month - 1
    return month_index(value.strip()) if isinstance(value, str) else None


def _month_numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised month parsing: parse each distinct value once. Returns numbers (-1 if invalid) and a valid mask."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed = np.array([_month_or_none(value) if value is not None else None for value in uniques], dtype=object)
    lookup = np.array([-1 if number is None else number for number in parsed] + [-1], dtype=np.int64)
    numbers = lookup[codes]  # code -1 (missing) lands on the trailing -1
    return numbers, numbers >= 0


def _key(value: object) -> str:
    """Role, person and id matching ignores case and surrounding blanks: 'Developer ' is 'developer'."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip().casefold()


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _Vocabulary:
    """Interns names (roles, people, ids) by their key, remembering the first spelling seen for display."""

    def __init__(self):
        self.display: list[str] = []
        self.index: dict[str, int] = {}

    def add(self, value: object) -> int:
        key = _key(value)
        code = self.index.get(key)
        if code is None:
            code = self.index[key] = len(self.display)
            self.display.append(_text(value))
        return code

    def codes(self, values: pd.Series, *, add: bool = True) -> np.ndarray:
        """Codes for a whole column, looking up each distinct value once. Unknown values are -1 unless `add`."""
        raw_codes, uniques = pd.factorize(values, use_na_sentinel=True)
        lookup = [self.add(value) if add else self.index.get(_key(value), -1) for value in uniques]
        # Missing values (code -1) index the last slot; only intern "" when there really is one.
        has_missing = bool((raw_codes < 0).any())
        missing = (self.add("") if add else self.index.get("", -1)) if has_missing else -1
        return np.array([*lookup, missing], dtype=np.int64)[raw_codes]

    def __len__(self) -> int:
        return len(self.display)


# ----------------------------------------------------------------------------------------------------------------
# Input checks


def _require_columns(frame: pd.DataFrame, required: Iterable[str], what: str) -> pd.DataFrame:
    renamed = frame.rename(columns=lambda column: _header(column))
    missing = [column for column in required if column not in renamed.columns]
    if missing:
        source = frame.attrs.get("source", what)
        raise CapacityError(
            f"{source}: missing column(s) {', '.join(missing)}; found {', '.join(map(str, frame.columns)) or 'none'}"
        )
    renamed.attrs = dict(frame.attrs)
    return renamed


def _header(column: object) -> str:
    return re.sub(r"[\s\-]+", "_", str(column).strip().casefold())


def _where(frame: pd.DataFrame, position: int, column: str, what: str) -> str:
    """Name the cell a bad value came from when the reader recorded it, else the row."""
    where = frame.attrs
    letters = {
        _CAPACITY_ALIASES.get(_header(header), _header(header)): letter
        for header, letter in where.get("columns", {}).items()
    }
    letters.update({_header(header): letter for header, letter in where.get("columns", {}).items()})
    if where.get("sheet") and column in letters:
        return f"{where['file']}, sheet {where['sheet']}, cell {letters[column]}{where['first_row'] + position}"
    return f"{where.get('source', what)}, row {position + where.get('first_row', 1)}"


def _raise_if(problems: list[str], what: str) -> None:
    if problems:
        shown = problems[:20]
        more = f"\n  ... and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        listing = "\n".join(f"  - {problem}" for problem in shown)
        raise CapacityError(f"{what}: {len(problems)} problem(s); nothing was planned:\n{listing}{more}")


def _bad_positions(mask: np.ndarray, limit: int = 20) -> list[int]:
    return [int(position) for position in np.flatnonzero(mask)[:limit]]


def _fte_column(frame: pd.DataFrame, column: str, what: str, problems: list[str]) -> np.ndarray:
    """FTE as floats, blanks as 0; text that is not a number and negative numbers are problems."""
    series = frame[column]
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype=float)
        bad = values < 0
    else:
        numbers, refused = read_number_column(series.tolist(), column, text_is_normal=True)
        values = np.array(numbers, dtype=float)
        bad = values < 0
        bad[[position for position, _reading in refused]] = True
    for position in _bad_positions(bad):
        problems.append(f"{_where(frame, position, column, what)}: '{series.iloc[position]}' is not an FTE >= 0")
    return np.nan_to_num(values, nan=0.0)


# ----------------------------------------------------------------------------------------------------------------
# Capacity


def capacity_rows(capacity: pd.DataFrame, settings: CapacitySettings = CapacitySettings()) -> pd.DataFrame:
    """Validate the Capacity table and return one row per entry with months as numbers and net FTE.

    Columns: role, person, from_month, to_month (numbers; to_month is a large number when open-ended),
    gross_fte, productive_ratio, net_fte.
    """
    what = CAPACITY_TABLE
    frame = capacity.rename(columns=lambda column: _CAPACITY_ALIASES.get(_header(column), _header(column)))
    frame.attrs = dict(capacity.attrs)
    if "role" not in frame.columns or "from_month" not in frame.columns:
        _require_columns(frame, ("role", "from_month"), what)
    if "fte" not in frame.columns and "hours_per_month" not in frame.columns:
        source = capacity.attrs.get("source", what)
        raise CapacityError(f"{source}: needs an 'fte' or an 'hours_per_month' column ({', '.join(CAPACITY_COLUMNS)})")
    frame = frame.reset_index(drop=True)
    blank_rows = frame.apply(lambda row: all(_text(value) == "" for value in row), axis=1) if len(frame) else []
    frame = frame[~np.asarray(blank_rows, dtype=bool)] if len(frame) else frame
    # A table with a plain `month` column and no `to_month` lists one month per row.
    single_month_rows = "to_month" not in frame.columns and "month" in capacity.columns.map(_header)
    problems: list[str] = []
    rows = []
    for position, record in zip(frame.index, frame.to_dict("records"), strict=True):
        row, row_problems = _capacity_row(record, settings, single_month_rows)
        problems += [f"{_where(frame, position, column, what)}: {problem}" for column, problem in row_problems]
        if row is not None and not row_problems:
            rows.append(row)
    _raise_if(problems, capacity.attrs.get("source", f"{what} table"))
    return pd.DataFrame(
        rows, columns=["role", "person", "from_month", "to_month", "gross_fte", "productive_ratio", "net_fte"]
    )


def _capacity_row(
    record: dict, settings: CapacitySettings, single_month: bool
) -> tuple[dict | None, list[tuple[str, str]]]:
    """One Capacity row checked: the row in numbers, and (column, problem) pairs."""
    problems: list[tuple[str, str]] = []
    role = _text(record.get("role"))
    if not role:
        problems.append(("role", "role is empty"))
    start = _month_or_none(record.get("from_month"))
    if start is None:
        problems.append(("from_month", f"'{_text(record.get('from_month'))}' is not a month (YYYY-MM)"))
    end_text = _text(record.get("to_month"))
    end = start if single_month else _OPEN_ENDED
    if end_text:
        end = _month_or_none(record.get("to_month"))
        if end is None:
            problems.append(("to_month", f"'{end_text}' is not a month (YYYY-MM)"))
        elif start is not None and end < start:
            problems.append(("to_month", f"{end_text} is before from_month"))
    fte, hours = _cell_number(record.get("fte")), _cell_number(record.get("hours_per_month"))
    gross = None
    if fte is None and hours is None:
        problems.append(("fte", "give either fte or hours_per_month"))
    elif fte is not None and hours is not None:
        problems.append(("fte", "give fte or hours_per_month, not both"))
    else:
        column, amount = ("fte", fte) if fte is not None else ("hours_per_month", hours)
        if amount == "bad" or amount < 0:
            problems.append((column, f"'{_text(record.get(column))}' is not a number >= 0"))
        else:
            gross = amount if column == "fte" else amount / settings.hours_per_fte_month
    ratio = _cell_number(record.get("productive_ratio"))
    if ratio is None:
        ratio = settings.default_productive_ratio
    elif ratio == "bad" or not 0 < ratio <= 1:
        shown = _text(record.get("productive_ratio"))
        problems.append(("productive_ratio", f"'{shown}' must be a ratio in (0, 1], e.g. 0.65"))
    if problems or gross is None:
        return None, problems
    row = {
        "role": role,
        "person": _text(record.get("person")),
        "from_month": start,
        "to_month": end,
        "gross_fte": float(gross),
        "productive_ratio": float(ratio),
        "net_fte": float(gross) * float(ratio),
    }
    return row, problems


def _cell_number(value: object) -> float | str | None:
    """A table cell through pmo_xl.values ('65%' is 0.65): None when blank, 'bad' for what it refuses."""
    reading = read_number(value, "value", percent_sign=True, text_is_normal=True)
    if reading.refused:
        return "bad"
    return None if reading.value is None else float(reading.value)  # type: ignore[arg-type]


def _apply_hires(rows: pd.DataFrame, hires: Sequence[Hire], settings: CapacitySettings) -> pd.DataFrame:
    added = []
    for hire in hires:
        start = month_number(hire.from_month, f"what-if hire of {hire.role}")
        if hire.fte <= 0:
            raise CapacityError(f"what-if hire of {hire.role}: FTE must be positive (got {hire.fte})")
        ratio = hire.productive_ratio
        if ratio is None:
            same_role = rows[rows["role"].map(_key) == _key(hire.role)]
            gross = same_role["gross_fte"].sum()
            # A hire works like the colleagues already in the role: their FTE-weighted productive ratio.
            ratio = float(same_role["net_fte"].sum() / gross) if gross > 0 else settings.default_productive_ratio
        added.append(
            {
                "role": hire.role.strip(),
                "person": hire.person.strip(),
                "from_month": start,
                "to_month": _OPEN_ENDED,
                "gross_fte": float(hire.fte),
                "productive_ratio": ratio,
                "net_fte": float(hire.fte) * ratio,
            }
        )
    if not added:
        return rows
    return pd.concat([rows, pd.DataFrame(added)], ignore_index=True)


def role_capacity(
    capacity: pd.DataFrame,
    *,
    current_period: str,
    settings: CapacitySettings = CapacitySettings(),
) -> pd.DataFrame:
    """Net productive capacity for the selector: long `role, month, capacity_fte` over the horizon."""
    first = month_number(current_period, "current period")
    months = np.arange(first, first + settings.horizon_months)
    rows = capacity_rows(capacity, settings)
    roles = _Vocabulary()
    role_codes = roles.codes(rows["role"])
    grid = _spread_capacity(rows, role_codes, len(roles), months)
    return _long(_wide(grid, roles.display, months), "capacity_fte")


def _spread_capacity(rows: pd.DataFrame, codes: np.ndarray, size: int, months: np.ndarray) -> np.ndarray:
    """Sum each row's net FTE into a (size x months) grid over the months it covers."""
    grid = np.zeros((max(size, 0), len(months)))
    if len(rows):
        covers = (rows["from_month"].to_numpy()[:, None] <= months) & (months <= rows["to_month"].to_numpy()[:, None])
        np.add.at(grid, codes, covers * rows["net_fte"].to_numpy()[:, None])
    return grid


# ----------------------------------------------------------------------------------------------------------------
# Demand
#
# Demand rows travel as integer codes (item, role, person, month) and FTE: at a million rows, copying and grouping
# text columns would cost more than the whole plan.


@dataclass(frozen=True, eq=False)
class _Demand:
    """Demand rows of one kind (projects or requests) and the items they belong to."""

    rows: pd.DataFrame  # item, role, person, month, fte (and weight for requests)
    dropped_rows: pd.DataFrame  # item, month, fte of items that do not count
    item_keys: np.ndarray  # normalised id per item code
    item_display: list[str]  # the id as first written, per item code
    reasons: dict[int, dict]  # item code -> why it does not count
    known_keys: set[str]  # every id seen, whether or not it has demand


def _key_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per-row key codes for an id column, normalising each distinct value once.

    Returns codes, the key of each code, and the first spelling seen of each code (for display).
    """
    raw_codes, uniques = pd.factorize(values, use_na_sentinel=True)
    unique_keys = [_key(value) for value in uniques] + [""]
    key_codes, keys = pd.factorize(pd.Series(unique_keys, dtype=object))
    display: dict[int, str] = {}
    for code, value in zip(key_codes, [*list(uniques), ""], strict=True):
        display.setdefault(int(code), _text(value))
    return key_codes[raw_codes], np.asarray(keys, dtype=object), [display[code] for code in range(len(keys))]


def _checked_months_and_fte(frame: pd.DataFrame, what: str) -> tuple[np.ndarray, np.ndarray]:
    problems: list[str] = []
    months, valid = _month_numbers(frame["month"])
    for position in _bad_positions(~valid):
        problems.append(f"{_where(frame, position, 'month', what)}: '{frame['month'].iloc[position]}' is not a month")
    fte = _fte_column(frame, "fte", what, problems)
    _raise_if(problems, frame.attrs.get("source", what))
    return months, fte


def _split(frame, items, months, fte, counted, latest, roles: _Vocabulary, people: _Vocabulary, weight=None):
    columns = {
        "item": items[counted],
        "role": roles.codes(frame["role"][counted]),
        "person": people.codes(_person_column(frame)[counted]),
        "month": months[counted],
        "fte": fte[counted],
    }
    if weight is not None:
        columns["weight"] = weight[counted]
    dropped = latest & ~counted
    return pd.DataFrame(columns), pd.DataFrame({"item": items[dropped], "month": months[dropped], "fte": fte[dropped]})


def _person_column(frame: pd.DataFrame) -> pd.Series:
    if "person" in frame.columns:
        return frame["person"]
    return pd.Series([""] * len(frame), index=frame.index, dtype=object)


def _committed_demand(
    resources: pd.DataFrame,
    status: pd.DataFrame,
    first: int,
    settings: CapacitySettings,
    roles: _Vocabulary,
    people: _Vocabulary,
) -> _Demand:
    """The latest resource rows of projects that count; the others dropped with a reason. All months: the horizon
    is cut after any what-if shift."""
    resources = _require_columns(resources, ("project_id", "role", "month", "fte"), "Resources")
    status = _require_columns(status, STATUS_COLUMNS, "Status")
    months, fte = _checked_months_and_fte(resources, "Resources")
    project_codes, project_keys, project_display = _key_codes(resources["project_id"])
    if "period" in resources.columns:
        # The ledger may hold several submissions per project: only the latest one's resource table counts.
        periods, _ = _month_numbers(resources["period"])
        latest_rows = periods == pd.Series(periods).groupby(project_codes).transform("max").to_numpy()
    else:
        latest_rows = np.ones(len(resources), dtype=bool)

    status_by_key = {_key(record["project_id"]): record for record in status.to_dict("records")}
    keep_project = np.zeros(len(project_keys), dtype=bool)
    reasons: dict[int, dict] = {}
    for code, key in enumerate(project_keys):
        record = status_by_key.get(key)
        reason = _project_drop_reason(record, first, settings)
        keep_project[code] = reason is None
        if reason is not None:
            name = _text((record or {}).get("project_name", ""))
            reasons[code] = {"kind": "project", "item_id": project_display[code], "name": name, "reason": reason}
    counted = latest_rows & keep_project[project_codes]
    rows, dropped = _split(resources, project_codes, months, fte, counted, latest_rows, roles, people)
    known = set(project_keys.tolist()) | set(status_by_key)
    return _Demand(rows, dropped, project_keys, project_display, reasons, known)


def _project_drop_reason(record: dict | None, first: int, settings: CapacitySettings) -> str | None:
    if record is None:
        return "no status row: the project has resource rows but no status"
    lifecycle = re.sub(r"[\s_\-]+", " ", _key(record.get("lifecycle_status")))
    if lifecycle in ("on hold", "closed"):
        return f"lifecycle status is {lifecycle}"
    if lifecycle != "active":
        return f"unknown lifecycle status '{_text(record.get('lifecycle_status'))}' (expected active, on hold, closed)"
    period = _month_or_none(record.get("period"))
    if period is None:
        return f"no valid reporting period ('{_text(record.get('period'))}')"
    age = first - period
    if age > settings.stale_after_periods:
        return f"stale: last report {month_label(period)} is {age} periods old (limit {settings.stale_after_periods})"
    return None


def _request_weights(
    requests: pd.DataFrame, project_keys: set[str], settings: CapacitySettings, dropped_in_scenario: set[str]
) -> tuple[dict[str, float], dict[str, dict]]:
    """Each open request's weight (its probability); each other request's reason for not counting."""
    problems: list[str] = []
    weights: dict[str, float] = {}
    reasons: dict[str, dict] = {}
    for position, record in enumerate(requests.to_dict("records")):
        key = _key(record["request_id"])
        stage = _key(record.get("stage"))
        converted = _text(record.get("converted_project_id", ""))
        override = _cell_number(record.get("probability"))
        reason = None
        if key in dropped_in_scenario:
            reason = "dropped in the what-if"
        elif converted:
            reason = f"became project {converted}: its demand counts as committed"
        elif key in project_keys:
            reason = "became a project with the same id: its demand counts as committed"
        elif stage in CLOSED_STAGES:
            reason = f"stage is {stage}"
        elif override == "bad" or (override is not None and not 0 <= override <= 1):
            where = _where(requests, position, "probability", "Requests")
            problems.append(f"{where}: probability '{_text(record.get('probability'))}' must be in 0-1")
        elif override is not None:
            weights[key] = float(override)
        elif settings.probability_of(stage) is not None:
            weights[key] = settings.probability_of(stage)
        else:
            reason = f"unknown stage '{_text(record.get('stage'))}': give it a probability in the settings"
        if reason:
            title = _text(record.get("title", ""))
            reasons[key] = {"kind": "request", "item_id": _text(record["request_id"]), "name": title, "reason": reason}
    _raise_if(problems, requests.attrs.get("source", "Requests"))
    return weights, reasons


def _pipeline_demand(
    requests: pd.DataFrame | None,
    request_resources: pd.DataFrame | None,
    project_keys: set[str],
    settings: CapacitySettings,
    dropped_in_scenario: set[str],
    roles: _Vocabulary,
    people: _Vocabulary,
) -> _Demand:
    """Request estimates: open requests with their weight; the others dropped with a reason."""
    if requests is None or request_resources is None:
        empty = pd.DataFrame({"item": [], "role": [], "person": [], "month": [], "fte": [], "weight": []})
        return _Demand(empty.astype(float), empty[["item", "month", "fte"]], np.array([], dtype=object), [], {}, set())
    requests = _require_columns(requests, REQUEST_COLUMNS, "Requests")
    estimates = _require_columns(request_resources, REQUEST_RESOURCE_COLUMNS, "Request resources")
    months, fte = _checked_months_and_fte(estimates, "Request resources")
    weights, reasons_by_key = _request_weights(requests, project_keys, settings, dropped_in_scenario)
    request_codes, request_keys, request_display = _key_codes(estimates["request_id"])
    reasons = {}
    for code, key in enumerate(request_keys):
        if key not in weights:
            missing = {
                "kind": "request",
                "item_id": request_display[code],
                "name": "",
                "reason": "no row in the request list",
            }
            reasons[code] = reasons_by_key.get(key, missing)
    weight = np.array([weights.get(key, np.nan) for key in request_keys], dtype=float)[request_codes]
    counted = ~np.isnan(weight)
    everything = np.ones(len(estimates), dtype=bool)
    rows, dropped = _split(estimates, request_codes, months, fte, counted, everything, roles, people, weight)
    known = {_key(request_id) for request_id in requests["request_id"]} | set(request_keys.tolist())
    return _Demand(rows, dropped, request_keys, request_display, reasons, known)


def _shift(frame: pd.DataFrame, item_keys: np.ndarray, shifts: Sequence[Shift]) -> pd.DataFrame:
    if not shifts or not len(frame):
        return frame
    frame = frame.copy()
    for shift in shifts:
        codes = np.flatnonzero(item_keys == _key(shift.item_id))
        frame.loc[frame["item"].isin(codes), "month"] += int(shift.months)
    return frame


def _check_scenario_ids(scenario: Scenario, project_keys: set[str], request_keys: set[str]) -> None:
    problems = [
        f"shift: no project or request '{shift.item_id}' in the portfolio or the pipeline"
        for shift in scenario.shifts
        if _key(shift.item_id) not in project_keys | request_keys
    ]
    problems += [
        f"drop: no request '{request_id}' in the request list"
        for request_id in scenario.dropped_requests
        if _key(request_id) not in request_keys
    ]
    _raise_if(problems, f"What-if '{scenario.name}'")


def _dropped_list(dropped_rows: pd.DataFrame, reasons: dict[int, dict]) -> list[dict]:
    """Each dropped project or request that had demand inside the horizon, with how much."""
    totals = dropped_rows.groupby("item", sort=False)["fte"].sum()
    return [
        {**reasons[int(code)], "fte_months_dropped": float(total)}
        for code, total in totals.items()
        if total > _EPSILON and int(code) in reasons
    ]


# ----------------------------------------------------------------------------------------------------------------
# The plan


def plan_capacity(
    capacity: pd.DataFrame,
    resources: pd.DataFrame,
    status: pd.DataFrame,
    requests: pd.DataFrame | None = None,
    request_resources: pd.DataFrame | None = None,
    *,
    current_period: str,
    settings: CapacitySettings = CapacitySettings(),
    scenario: Scenario | None = None,
) -> CapacityPlan:
    """Demand against net capacity, by role and month, from `current_period` over the settings' horizon.

    `capacity` is the Capacity table; `resources` and `status` are the portfolio's latest accepted submissions;
    `requests` and `request_resources` are the request pipeline and its resource estimates. A `scenario` is applied
    to copies: none of the frames passed in is modified.
    """
    scenario = scenario or Scenario()
    first = month_number(current_period, "current period")
    horizon = settings.horizon_months
    months = np.arange(first, first + horizon)

    rows = _apply_hires(capacity_rows(capacity, settings), scenario.hires, settings)
    # The Capacity table's roles and people come first, so that its spelling is the one displayed.
    roles, people = _Vocabulary(), _Vocabulary()
    capacity_role = roles.codes(rows["role"])
    planned_roles = len(roles)
    named_rows = rows[rows["person"] != ""]
    person_codes = people.codes(named_rows["person"])

    projects = _committed_demand(resources, status, first, settings, roles, people)
    dropped_requests = {_key(request_id) for request_id in scenario.dropped_requests}
    pipeline = _pipeline_demand(
        requests, request_resources, projects.known_keys, settings, dropped_requests, roles, people
    )
    _check_scenario_ids(scenario, projects.known_keys, pipeline.known_keys)

    def in_horizon(frame: pd.DataFrame, demand: _Demand) -> pd.DataFrame:
        shifted = _shift(frame, demand.item_keys, scenario.shifts)
        month = shifted["month"].to_numpy()
        return shifted[(month >= first) & (month < first + horizon)]

    committed, tentative = in_horizon(projects.rows, projects), in_horizon(pipeline.rows, pipeline)
    dropped = pd.DataFrame(
        _dropped_list(in_horizon(projects.dropped_rows, projects), projects.reasons)
        + _dropped_list(in_horizon(pipeline.dropped_rows, pipeline), pipeline.reasons),
        columns=["kind", "item_id", "name", "reason", "fte_months_dropped"],
    ).sort_values(["fte_months_dropped", "item_id"], ascending=[False, True], ignore_index=True)

    size = len(roles)
    grid_capacity = _spread_capacity(rows, capacity_role, size, months)

    def grid(frame: pd.DataFrame, fte: np.ndarray) -> np.ndarray:
        cell = frame["role"].to_numpy(dtype=np.int64) * horizon + (frame["month"].to_numpy(dtype=np.int64) - first)
        return np.bincount(cell, fte, size * horizon).reshape(size, horizon)

    tentative_fte = tentative["fte"].to_numpy(dtype=float)
    tentative_weight = tentative["weight"].to_numpy(dtype=float)
    committed_grid = grid(committed, committed["fte"].to_numpy(dtype=float))
    grids = {
        "committed": committed_grid,
        "weighted": committed_grid + grid(tentative, tentative_fte * tentative_weight),
        "all_pending": committed_grid + grid(tentative, tentative_fte),
    }

    # Each demand row's share of the assessed line, to name who causes an over-allocation. Request items are
    # numbered after the project items.
    pipeline_share = {"committed": 0.0, "weighted": tentative_weight, "all_pending": 1.0}[settings.assessed_line]
    item_ids = [*projects.item_display, *pipeline.item_display]
    contributions = pd.DataFrame(
        {
            "item": np.concatenate(
                [committed["item"].to_numpy(np.int64), tentative["item"].to_numpy(np.int64) + len(projects.item_keys)]
            ),
            "role": np.concatenate([committed["role"].to_numpy(np.int64), tentative["role"].to_numpy(np.int64)]),
            "person": np.concatenate([committed["person"].to_numpy(np.int64), tentative["person"].to_numpy(np.int64)]),
            "month": np.concatenate([committed["month"].to_numpy(np.int64), tentative["month"].to_numpy(np.int64)])
            - first,
            "fte": np.concatenate([committed["fte"].to_numpy(dtype=float), tentative_fte * pipeline_share]),
        }
    )
    person_role: dict[int, str] = {}
    for code, role in zip(person_codes, named_rows["role"], strict=True):
        person_role.setdefault(int(code), role)
    person_capacity = _spread_capacity(named_rows, person_codes, len(people), months)

    over = _over_allocations(
        grids[settings.assessed_line],
        grid_capacity,
        roles.display,
        contributions,
        item_ids,
        person_capacity,
        person_role,
        people,
        months,
        settings,
    )
    # Roles that only dropped demand used would be empty rows: keep the Capacity table's roles and any with demand.
    shown = [code for code in range(size) if code < planned_roles or grids["all_pending"][code].any()]
    role_names = [roles.display[code] or "(no role)" for code in shown]
    named = sorted(person_role)
    return CapacityPlan(
        current_period=month_label(first),
        months=tuple(month_label(month) for month in months),
        settings=settings,
        capacity_fte=_wide(grid_capacity[shown], role_names, months),
        committed_fte=_wide(grids["committed"][shown], role_names, months),
        weighted_fte=_wide(grids["weighted"][shown], role_names, months),
        all_pending_fte=_wide(grids["all_pending"][shown], role_names, months),
        over_allocations=over,
        dropped=dropped,
        person_capacity_fte=_wide(person_capacity[named], [people.display[code] for code in named], months),
    )


def _over_allocations(
    demand: np.ndarray,
    capacity: np.ndarray,
    role_names: list[str],
    contributions: pd.DataFrame,
    item_ids: list[str],
    person_capacity: np.ndarray,
    person_role: dict[int, str],
    people: _Vocabulary,
    months: np.ndarray,
    settings: CapacitySettings,
) -> pd.DataFrame:
    columns = [
        "level",
        "role",
        "person",
        "month",
        "demand_fte",
        "capacity_fte",
        "shortfall_fte",
        "utilisation",
        "contributing",
    ]
    records = []
    shortfall = demand - capacity
    for role_code, month_offset in zip(*np.nonzero(shortfall > _EPSILON), strict=True):
        records.append(("role", role_code, -1, month_offset, demand[role_code, month_offset]))
    if person_role:
        named = np.array(sorted(person_role), dtype=np.int64)
        person_rows = contributions[contributions["person"].isin(named)]
        person_demand = np.zeros_like(person_capacity)
        np.add.at(
            person_demand,
            (person_rows["person"].to_numpy(), person_rows["month"].to_numpy()),
            person_rows["fte"].to_numpy(),
        )
        over = (person_demand - person_capacity) > _EPSILON
        over[[code for code in range(len(over)) if code not in person_role]] = False
        for person_code, month_offset in zip(*np.nonzero(over), strict=True):
            records.append(("person", -1, person_code, month_offset, person_demand[person_code, month_offset]))
    if not records:
        return pd.DataFrame(columns=columns)

    cells = pd.DataFrame(records, columns=["level", "role_code", "person_code", "month", "demand_fte"])
    contributors = _contributors(cells, contributions, item_ids, len(months), settings.contributors_listed)
    rows = []
    for record, listed in zip(cells.itertuples(index=False), contributors, strict=True):
        if record.level == "role":
            available = capacity[record.role_code, record.month]
            role, person = role_names[record.role_code] or "(no role)", ""
        else:
            available = person_capacity[record.person_code, record.month]
            role, person = person_role[record.person_code], people.display[record.person_code]
        rows.append(
            {
                "level": record.level,
                "role": role,
                "person": person,
                "month": month_label(int(months[record.month])),
                "demand_fte": float(record.demand_fte),
                "capacity_fte": float(available),
                "shortfall_fte": float(record.demand_fte - available),
                "utilisation": float(record.demand_fte / available) if available > 0 else float("inf"),
                "contributing": listed,
            }
        )
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(
        ["shortfall_fte", "month", "level", "role", "person"],
        ascending=[False, True, False, True, True],
        ignore_index=True,
    )


def _contributors(
    cells: pd.DataFrame, contributions: pd.DataFrame, item_ids: list[str], horizon: int, limit: int
) -> list[str]:
    """'P-001 1.50, R-007 0.45, +3 more' per over-allocated cell: the biggest contributors first."""
    items = max(len(item_ids), 1)
    item_codes = contributions["item"].to_numpy(dtype=np.int64)
    # Equal contributions are listed in id order.
    item_rank = np.argsort(np.argsort(np.asarray(item_ids, dtype=str), kind="stable"), kind="stable")
    texts: dict[tuple[str, int], str] = {}
    for level in ("role", "person"):
        wanted = cells.loc[cells["level"] == level]
        if not len(wanted):
            continue
        wanted_cells = wanted[f"{level}_code"].to_numpy(dtype=np.int64) * horizon + wanted["month"].to_numpy()
        cell = contributions[level].to_numpy(dtype=np.int64) * horizon + contributions["month"].to_numpy()
        is_wanted = np.zeros(max(int(cell.max(initial=0)), int(wanted_cells.max())) + 1, dtype=bool)
        is_wanted[wanted_cells] = True
        mask = is_wanted[cell]
        sums = pd.Series(contributions["fte"].to_numpy()[mask]).groupby(cell[mask] * items + item_codes[mask]).sum()
        sums = sums[sums.to_numpy() > _EPSILON]
        cell_of, item_of, fte = sums.index.to_numpy() // items, sums.index.to_numpy() % items, sums.to_numpy()
        order = np.lexsort((item_rank[item_of], -fte, cell_of))
        cell_of, item_of, fte = cell_of[order], item_of[order], fte[order]
        starts = np.flatnonzero(np.r_[True, cell_of[1:] != cell_of[:-1]]) if len(cell_of) else np.array([], int)
        ends = np.r_[starts[1:], len(cell_of)]
        for start, end in zip(starts, ends, strict=True):
            stop = min(end, start + limit)
            shown = ", ".join(
                f"{_text(item_ids[item])} {value:.2f}"
                for item, value in zip(item_of[start:stop], fte[start:stop], strict=True)
            )
            extra = end - start - limit
            texts[(level, int(cell_of[start]))] = shown + (f", +{extra} more" if extra > 0 else "")
    return [
        texts.get((level, int(code * horizon + month)), "")
        for level, code, month in zip(
            cells["level"],
            np.where(cells["level"] == "role", cells["role_code"], cells["person_code"]),
            cells["month"],
            strict=True,
        )
    ]


def _wide(grid: np.ndarray, names: Sequence[str], months: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame(grid, index=pd.Index(list(names), name="role"), columns=[month_label(m) for m in months])
    frame.columns.name = "month"
    return frame


def _long(wide: pd.DataFrame, value: str) -> pd.DataFrame:
    roles = np.repeat(wide.index.to_numpy(dtype=object), wide.shape[1])
    months = np.tile(np.asarray(wide.columns, dtype=object), wide.shape[0])
    return pd.DataFrame({"role": roles, "month": months, value: wide.to_numpy(dtype=float).ravel()})


def _utilisation(demand: pd.DataFrame, capacity: pd.DataFrame) -> pd.DataFrame:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = demand.to_numpy() / capacity.to_numpy()
    ratio[(capacity.to_numpy() <= 0) & (demand.to_numpy() > _EPSILON)] = np.inf
    ratio[(capacity.to_numpy() <= 0) & (demand.to_numpy() <= _EPSILON)] = np.nan
    return pd.DataFrame(ratio, index=demand.index, columns=demand.columns)


def rag_of(utilisation: pd.DataFrame, settings: CapacitySettings) -> pd.DataFrame:
    values = utilisation.to_numpy()
    rag = np.full(values.shape, "", dtype=object)
    with np.errstate(invalid="ignore"):
        rag[values < settings.amber_from] = "green"
        rag[(values >= settings.amber_from) & (values <= settings.red_above)] = "amber"
        rag[values > settings.red_above] = "red"
    return pd.DataFrame(rag, index=utilisation.index, columns=utilisation.columns)


def what_if(
    capacity: pd.DataFrame,
    resources: pd.DataFrame,
    status: pd.DataFrame,
    requests: pd.DataFrame | None = None,
    request_resources: pd.DataFrame | None = None,
    *,
    current_period: str,
    scenario: Scenario,
    settings: CapacitySettings = CapacitySettings(),
) -> ScenarioComparison:
    """The plan before and after `scenario`, computed from the same untouched inputs."""
    arguments = (capacity, resources, status, requests, request_resources)
    before = plan_capacity(*arguments, current_period=current_period, settings=settings)
    after = plan_capacity(*arguments, current_period=current_period, settings=settings, scenario=scenario)
    return ScenarioComparison(scenario=scenario, before=before, after=after)


# ----------------------------------------------------------------------------------------------------------------
# Reading the inputs (the only I/O in this module), through the one table reader


def _read(path: Path | str, names: Sequence[str], plain_sheet: bool = False) -> pd.DataFrame:
    """The table or sheet named any of `names` (or a whole CSV file), through the one reader, pmo_xl.excel.tables;
    with `plain_sheet`, the first sheet of a workbook that holds no Excel table at all (a sheet typed by hand)."""
    try:
        return read_table(path, names)
    except InputTableError as error:
        if plain_sheet and error.not_found and not error.tables:
            return read_table(path, names, first_sheet=True)
        if error.not_found and _PLAN_OUTPUT_TABLE in error.tables and CAPACITY_TABLE in names:
            raise CapacityError(
                f"{Path(path).name} is what `pmo capacity` writes (a plan worked out from a Capacity table); give "
                "the Capacity table itself: pmo_workbook.xlsm, a workbook with a Capacity table, or its CSV"
            ) from error
        raise CapacityError(str(error)) from error


def read_capacity(path: Path | str) -> pd.DataFrame:
    """The `Capacity` table from the PMO workbook (or any workbook), a `CapacityPlan` table (role, month,
    capacity_fte: net FTE a month), or a CSV file of either shape; a workbook without tables gives its first sheet."""
    return _read(path, (CAPACITY_TABLE, SELECTOR_TABLE), plain_sheet=True)


def read_portfolio(path: Path | str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The `Resources` and `Status` tables (or sheets) of portfolio.xlsx, as `pmo collect` writes them (Resources a
    plan, a column per month, or long rows as before: `resources_from_plan`)."""
    return resources_from_plan(_read(path, ("Resources",))), _read(path, ("Status",))
