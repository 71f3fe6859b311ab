"""A status workbook's first Milestones, RAID and ResourceDemand rows from a seed (`pmo generate --seeds DIR`).

A seed is one JSON file a project, `<project_id>.json`, that `pmo import project-online` writes from the export
(pmo_xl.imports.online_seeds): the rows of the three tables by column key. It is used for a project that has no
earlier report: once a project has reported, carry-forward (`--ledger`) gives its rows and the seed is not used.

`seed_tables` is the core, and pure: a seed's bytes, the template and the period in; the rows the workbook gets, or
one line saying what is wrong (every row is checked against its table's columns, choices and dates, before anything
is written). `read_project_seeds` is the shell around it: it finds each project's seed in DIR and turns every
problem into one line for that project, so one bad seed never stops the others.

- **Milestones.** A seed's status is `Complete` (the task was met) or blank: the status is worked out for the
  workbook's period by the rule `pmo generate --plans` uses (`milestone_status`), so a seed made in March gives
  `Late` in May for a milestone that slipped past its baseline. A milestone met before the period is left out.
- **ResourceDemand.** The seed holds FTE by calendar month; the workbook takes the months of its own 12-month
  series (`realigned_demand`, as carry-forward does). Months before the period or past the series are left out and
  counted.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from pmo_xl.generate.carry_forward import realigned_demand
from pmo_xl.generate.generator import CarryForward, WorkbookFill
from pmo_xl.generate.plan_milestones import milestone_status
from pmo_xl.periods import first_day, is_month, month_series
from pmo_xl.register import ProjectRecord
from pmo_xl.templates.schema import Column, Table, TemplateSchema
from pmo_xl.values import parse_xml_date, readable_name, short

SEED_FORMAT = "pmo-xl status seed"  # pmo_xl.imports.online_seeds.SEED_FORMAT
SEEDED_TABLES = ("Milestones", "RAID", "ResourceDemand")


class SeedError(ValueError):
    """A seed that cannot be used, in one line naming the file, the table, the row and the fix."""


@dataclass(frozen=True)
class SeededTables:
    """What one seed gives a workbook: its tables' rows (by column key) and what was left out."""

    source: str
    tables: Mapping[str, tuple[dict[str, object], ...]]
    left_out: tuple[str, ...] = ()

    def describe(self) -> str:
        counts = ", ".join(f"{len(self.tables.get(name, ()))} {name}" for name in SEEDED_TABLES)
        text = f"{counts} row(s) from {self.source}"
        return text + (f" ({'; '.join(self.left_out)})" if self.left_out else "")


def seed_tables(data: bytes, source: str, schema: TemplateSchema, period: str) -> SeededTables:
    """The rows `data` (a seed file's bytes) gives a workbook of `schema` for `period`; SeedError (one line) when
    the file is not a seed, or a row does not fit its table. Pure."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SeedError(f"{source}: not JSON ({short(str(error), 80)}); write it again with pmo import "
                        "project-online") from None  # fmt: skip
    if not isinstance(document, dict) or document.get("format") != SEED_FORMAT:
        raise SeedError(f'{source}: not a status seed (no "format": "{SEED_FORMAT}"); write it with pmo import '
                        "project-online")  # fmt: skip
    tables = document.get("tables")
    if not isinstance(tables, dict):
        raise SeedError(f'{source}: has no "tables" object')
    unknown = [name for name in tables if name not in SEEDED_TABLES]
    if unknown:
        raise SeedError(f"{source}: table '{unknown[0]}' is not one a seed fills ({', '.join(SEEDED_TABLES)})")
    known = {table.name: table for table in schema.tables}
    result: dict[str, tuple[dict[str, object], ...]] = {}
    left_out: list[str] = []
    for name, rows in tables.items():
        if name not in known:
            raise SeedError(f"{source}: the '{schema.template_id}' template has no {name} table")
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise SeedError(f"{source}: {name} is not a list of rows")
        table = known[name]
        checked = [_checked_row(row, table, f"{source}: {name} row {number}")
                   for number, row in enumerate(rows, start=1)]  # fmt: skip
        if name == "Milestones":
            checked, met_before = _milestones_for(checked, period)
            if met_before:
                left_out.append(f"{met_before} milestone(s) met before {period} left out")
        if name == "ResourceDemand" and table.month_series is not None:
            months = set(month_series(period, table.month_series.count))
            outside = sum(1 for row in checked for key in row if is_month(key) and key not in months)
            checked = realigned_demand(checked, period, table.month_series.count)
            if outside:
                left_out.append(f"{outside} ResourceDemand month value(s) outside {period} and the 11 months after it"
                                " left out")  # fmt: skip
        if len(checked) > table.rows:
            raise SeedError(f"{source}: {len(checked)} {name} rows but the table holds {table.rows}; keep the ones "
                            "the PM reports on in the seed")  # fmt: skip
        result[name] = tuple(checked)
    return SeededTables(source, result, tuple(left_out))


def _checked_row(row: Mapping[str, object], table: Table, where: str) -> dict[str, object]:
    columns = {column.key: column for column in table.columns if column.formula is None}
    checked: dict[str, object] = {}
    for key, value in row.items():
        if table.month_series is not None and is_month(key):
            series = table.month_series
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise SeedError(f"{where}: {key} is {value!r}, not a number of {series.unit}")
            if series.minimum is not None and value < series.minimum:
                raise SeedError(f"{where}: {key} is {value:g}, below {series.minimum:g}")
            checked[key] = value
            continue
        column = columns.get(key)
        if column is None:
            raise SeedError(f"{where}: '{key}' is not a column of the {table.name} table "
                            f"({', '.join(columns)})")  # fmt: skip
        checked[key] = _cell(value, column, where)
    return checked


def _cell(value: object, column: Column, where: str) -> object:
    """A seed cell as its column takes it, or SeedError."""
    if value is None or value == "":
        return None
    label = f"{where}: {column.header}"
    if column.type in ("choice", "rag"):
        match = next((choice for choice in column.choices if choice.casefold() == str(value).strip().casefold()), None)
        if match is None or not isinstance(value, str):
            raise SeedError(f"{label} is '{value}', not one of {', '.join(column.choices)}")
        return match
    if column.type == "date":
        day = parse_xml_date(value) if isinstance(value, str) else None
        if day is None:
            raise SeedError(f"{label} is '{value}', not a date written YYYY-MM-DD")
        return day
    if column.type == "text":
        if not isinstance(value, str):
            raise SeedError(f"{label} is {value!r}, not text")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SeedError(f"{label} is {value!r}, not a number")
    if column.type == "integer" and value != int(value):
        raise SeedError(f"{label} is {value:g}, not a whole number")
    if column.allowed and str(int(value)) not in column.allowed:
        raise SeedError(f"{label} is {value:g}, not one of {', '.join(column.allowed)}")
    if column.minimum is not None and value < column.minimum:
        raise SeedError(f"{label} is {value:g}, below {column.minimum:g}")
    if column.maximum is not None and value > column.maximum:
        raise SeedError(f"{label} is {value:g}, above {column.maximum:g}")
    return int(value) if column.type == "integer" else value


def _milestones_for(rows: list[dict[str, object]], period: str) -> tuple[list[dict[str, object]], int]:
    """The seed's milestones for `period`: a met one before the period left out; a status blank or Complete worked
    out by milestone_status (a PMO's own status in the seed, At risk say, is kept)."""
    start = first_day(period)
    kept = []
    met_before = 0
    for row in rows:
        actual = row.get("actual_date")
        if isinstance(actual, dt.date) and actual < start:
            met_before += 1
            continue
        status = row.get("status")
        if status in (None, "Complete"):
            percent = 100 if status == "Complete" else None
            row = {**row, "status": milestone_status(row.get("baseline_date"), row.get("forecast_date"), actual,  # type: ignore[arg-type]
                                                     percent, period)}  # fmt: skip
        kept.append(row)
    return kept, met_before


# -- the shell: each project's seed found and read ----------------------------------------------------------------


def find_seed(seeds_dir: Path, record: ProjectRecord) -> Path | None:
    """The project's seed in `seeds_dir`: `<project_id>.json` (case aside), or None. Two is a SeedError."""
    wanted = f"{record.project_id}.json".casefold()
    found = sorted(path for path in Path(seeds_dir).iterdir() if path.name.casefold() == wanted and path.is_file())
    if len(found) > 1:
        raise SeedError(f"{' and '.join(readable_name(path.name) for path in found)}: two seeds for "
                        f"{record.project_id}; keep one")  # fmt: skip
    return found[0] if found else None


@dataclass(frozen=True)
class ProjectSeedOutcome:
    """One project as `read_project_seeds` found it: its seeded tables, or the problem (one line), or neither (no
    seed; or an earlier report, which carries forward instead: `has_report`)."""

    project_id: str
    path: Path | None
    seeded: SeededTables | None = None
    problem: str = ""
    has_report: bool = False


def read_project_seeds(
    records: Iterable[ProjectRecord],
    seeds_dir: Path,
    schema: TemplateSchema,
    period: str,
    has_report: Callable[[ProjectRecord], bool] = lambda record: False,
) -> list[ProjectSeedOutcome]:
    """Each project's seed, read and checked; a seed that cannot be used is a `problem` naming the file. A project
    with an earlier report is not seeded (carry-forward wins), and its seed is not read."""
    outcomes = []
    for record in records:
        path = None
        try:
            path = find_seed(seeds_dir, record)
            if path is None:
                outcomes.append(ProjectSeedOutcome(record.project_id, None))
                continue
            if has_report(record):
                outcomes.append(ProjectSeedOutcome(record.project_id, path, has_report=True))
                continue
            seeded = seed_tables(path.read_bytes(), readable_name(path.name), schema, period)
        except SeedError as error:
            outcomes.append(ProjectSeedOutcome(record.project_id, path, problem=str(error)))
            continue
        except OSError as error:
            outcomes.append(ProjectSeedOutcome(record.project_id, path,
                                               problem=f"{readable_name(str(path))}: cannot be read ({error.strerror})"))  # fmt: skip
            continue
        outcomes.append(ProjectSeedOutcome(record.project_id, path, seeded))
    return outcomes


def with_seeds(carry_forward: CarryForward | None, seeded: Mapping[str, SeededTables]) -> CarryForward:
    """A generate hook: `carry_forward` (if any), then each seeded project's tables set from its seed."""

    def fill_from_seed(record: ProjectRecord, fill: WorkbookFill) -> WorkbookFill:
        if carry_forward is not None:
            fill = carry_forward(record, fill)
        found = seeded.get(record.project_id)
        if found is None:
            return fill
        tables = {**fill.tables, **{name: [dict(row) for row in rows] for name, rows in found.tables.items() if rows}}
        return replace(fill, tables=tables)

    return fill_from_seed
