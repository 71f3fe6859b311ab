"""The PMO's settings: the reporting calendar and the RAG thresholds, with defaults, loadable from TOML, JSON or CSV.

A settings file holds only what differs from the defaults, e.g. `pmo_settings.toml`:

    cadence = "monthly"                # monthly, fortnightly or quarterly
    fiscal_year_start_month = 4        # April
    due_days_after_period_end = 5      # the cut-off: 5 days after the period's last day
    schedule_slip_amber_days = 10
    [due_dates]                        # a cut-off set by hand for a period
    "2026-12" = "2027-01-08"
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from pmo_xl.errors import PmoError
from pmo_xl.periods import is_month

CADENCES = ("monthly", "fortnightly", "quarterly")


class SettingsError(PmoError):
    """A settings file is unreadable or holds an unknown key or a bad value."""


@dataclass(frozen=True)
class PmoSettings:
    cadence: str = "monthly"
    fiscal_year_start_month: int = 1
    # The cut-off of a period, unless `due_dates` sets it: this many days after the period's last day.
    due_days_after_period_end: int = 5
    due_dates: dict[str, dt.date] = field(default_factory=dict)
    # Derived RAG: the worse of schedule slip (forecast end - baseline end, days) and EAC over current budget (%).
    schedule_slip_amber_days: int = 15
    schedule_slip_red_days: int = 45
    cost_overrun_amber_percent: float = 5.0
    cost_overrun_red_percent: float = 10.0
    pmo_name: str = "PMO"
    pmo_email: str = ""

    def __post_init__(self) -> None:
        problems = []
        if self.cadence not in CADENCES:
            problems.append(f"cadence '{self.cadence}' must be one of {', '.join(CADENCES)}")
        if not 1 <= int(self.fiscal_year_start_month) <= 12:
            problems.append(f"fiscal_year_start_month {self.fiscal_year_start_month} must be 1 (January) to 12")
        if self.schedule_slip_red_days < self.schedule_slip_amber_days:
            problems.append("schedule_slip_red_days must be at least schedule_slip_amber_days")
        if self.cost_overrun_red_percent < self.cost_overrun_amber_percent:
            problems.append("cost_overrun_red_percent must be at least cost_overrun_amber_percent")
        for period in self.due_dates:
            if not is_month(period):
                problems.append(f"due_dates: '{period}' is not a period; write it as YYYY-MM")
        if problems:
            raise SettingsError("settings: " + "; ".join(problems))


_NAMES = {f.name: f for f in fields(PmoSettings)}


def _convert(name: str, value: object, source: str) -> object:
    default = getattr(PmoSettings(), name)
    try:
        if name == "due_dates":
            if not isinstance(value, dict):
                raise ValueError("expected a table of period = date")
            return {str(period): _date(day) for period, day in value.items()}
        if isinstance(default, bool):
            return str(value).strip().lower() in ("1", "true", "yes")
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        return str(value).strip()
    except (TypeError, ValueError) as error:
        raise SettingsError(f"{source}: setting '{name}' = {value!r}: {error}") from None


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())


def settings_from_mapping(values: dict[str, object], source: str = "settings") -> PmoSettings:
    unknown = sorted(set(values) - set(_NAMES))
    if unknown:
        raise SettingsError(f"{source}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(_NAMES)}")
    return replace(PmoSettings(), **{name: _convert(name, value, source) for name, value in values.items()})


def load_settings(path: Path | str | None) -> PmoSettings:
    """Defaults, overridden by a .toml, .json or .csv (columns `setting,value`; `due_date:YYYY-MM` rows) file."""
    if path is None:
        return PmoSettings()
    path = Path(path)
    if not path.exists():
        raise SettingsError(f"{path}: settings file not found")
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            values = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        elif suffix == ".json":
            values = json.loads(path.read_text(encoding="utf-8-sig"))
        elif suffix == ".csv":
            values = _csv_values(path)
        else:
            raise SettingsError(f"{path}: settings must be .toml, .json or .csv, not '{suffix}'")
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise SettingsError(f"{path}: cannot read settings: {error}") from None
    return settings_from_mapping(values, str(path))


def _csv_values(path: Path) -> dict[str, object]:
    values: dict[str, object] = {}
    due_dates: dict[str, object] = {}
    with path.open(encoding="utf-8-sig", newline="") as stream:
        for row_number, row in enumerate(csv.reader(stream), start=1):
            if not row or not row[0].strip() or (row_number == 1 and row[0].strip().lower() == "setting"):
                continue
            name, value = row[0].strip(), row[1].strip() if len(row) > 1 else ""
            if name.startswith("due_date:"):
                due_dates[name.split(":", 1)[1].strip()] = value
            else:
                values[name] = value
    if due_dates:
        values["due_dates"] = due_dates
    return values
