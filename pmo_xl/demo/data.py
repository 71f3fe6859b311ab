"""Fill generated status workbooks with realistic PM data, period after period, with a chosen share of faults.

Tests, the collect benchmark and `pmo demo` use it. A filled workbook is the generated one with cells patched in
its sheet XML (pmo_xl.excel.sheet_xml.set_cells), exactly as the generator writes, so it keeps everything the template
holds. Items carry forward as a real PM would: milestones move and complete, risks close, new ones appear, and
resource demand moves with the calendar. A `fault` turns the file into one of the bad inputs collect must
handle; FAULT_OUTCOMES says what collect should conclude about each.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pmo_xl.collect.reader import read_submission_bytes
from pmo_xl.errors import PmoError
from pmo_xl.excel.files import write_bytes_atomic
from pmo_xl.excel.package import XlsxPackage
from pmo_xl.excel.sheet_xml import CellValue, excel_serial, set_cells
from pmo_xl.periods import is_month, month_add, year_and_month
from pmo_xl.register import ProjectRecord
from pmo_xl.submissions import ParsedSubmission
from pmo_xl.templates.catalog import (
    BENEFIT_TYPES,
    DEFAULT_ROLES,
    PROJECT_STATUS,
    PROXIMITY,
    RAG_DIMENSIONS,
    RAID_TYPES,
)
from pmo_xl.templates.metadata import custom_property, meta_name
from pmo_xl.values import as_date, as_float
from pmo_xl.vba.cfb import write_compound_file


class DemoDataError(PmoError):
    """A workbook cannot be filled with demo data (not a generated status workbook)."""


@dataclass(frozen=True)
class FaultOutcome:
    """What collect should conclude about a file with this fault: accepted or rejected, and the finding code."""

    accepted: bool
    code: str


FAULT_OUTCOMES: dict[str, FaultOutcome] = {
    # files that are not readable workbooks
    "empty_file": FaultOutcome(False, "empty_file"),
    "not_a_zip": FaultOutcome(False, "not_a_zip"),
    "truncated_zip": FaultOutcome(False, "truncated_zip"),
    "password_protected": FaultOutcome(False, "password_protected"),
    "sensitivity_label": FaultOutcome(False, "sensitivity_label"),
    "legacy_xls": FaultOutcome(False, "legacy_xls"),
    "xlsb": FaultOutcome(False, "xlsb"),
    "zip_bomb": FaultOutcome(False, "zip_bomb"),
    "macros": FaultOutcome(True, "macros_present"),
    "cloud_placeholder": FaultOutcome(False, "cloud_only"),
    # files that are not what we expect
    "not_our_template": FaultOutcome(False, "not_our_template"),
    "unknown_template_version": FaultOutcome(False, "unknown_template_version"),
    # damaged structure
    "deleted_name": FaultOutcome(False, "missing_name"),
    "deleted_table": FaultOutcome(False, "missing_table"),
    "renamed_header": FaultOutcome(False, "renamed_header"),
    "reordered_columns": FaultOutcome(True, "columns_reordered"),
    "renamed_sheets": FaultOutcome(True, ""),
    "reordered_sheets": FaultOutcome(True, ""),
    # bad values: in a 1.2 report each is judged as its Summary sheet shows it, by the template's live check (text
    # in a number or date cell, 6500% or 150% in the percent cell, an empty required cell), under the check's name
    "text_in_number": FaultOutcome(False, "actual_to_date_not_a_number"),
    "percent_points": FaultOutcome(False, "percent_complete_out_of_range"),
    "ambiguous_percent": FaultOutcome(False, "percent_complete_out_of_range"),
    "date_as_text_iso": FaultOutcome(False, "forecast_end_date_not_a_date"),
    "date_as_text_local": FaultOutcome(False, "forecast_end_date_not_a_date"),
    "ambiguous_date": FaultOutcome(False, "forecast_end_date_not_a_date"),
    "date_as_number": FaultOutcome(True, "date_as_number"),
    "missing_required": FaultOutcome(False, "key_achievements_missing"),
    "missing_rationale": FaultOutcome(False, "rag_overall_rationale_missing"),  # the template's live check
    "not_allowed": FaultOutcome(False, "rag_schedule_not_allowed"),  # the template's live check
    "period_missing": FaultOutcome(False, "period_missing"),
    "period_in_future": FaultOutcome(False, "period_in_future"),
    "long_string": FaultOutcome(False, "string_too_long"),
}
FAULTS = tuple(FAULT_OUTCOMES)

_PEOPLE = (
    "Ana Ruiz", "Tom Becker", "Priya Nair", "Jonas Weber", "Lea Martin", "Omar Haddad", "Sofia Rossi",
    "Ken Sato", "Maja Nowak", "Lucas Silva", "Ines Costa", "Erik Lund", "Chloé Bernard", "Arjun Mehta",
)  # fmt: skip
_MILESTONES = (
    "Requirements signed off", "Architecture approved", "Build complete", "System test complete",
    "User acceptance test passed", "Data migration rehearsal", "Go-live", "Hypercare closed",
    "Vendor contract signed", "Pilot site live", "Training delivered", "Security review passed",
)  # fmt: skip
_RISKS = (
    "Key supplier may deliver late", "Test environment not ready in time", "Data quality in legacy system is poor",
    "Budget approval for phase 2 delayed", "Subject-matter experts pulled into year-end work",
    "Integration partner changes API version", "Regulatory guidance may change scope",
    "Licence costs may rise at renewal", "Single developer holds key knowledge", "Office move disrupts pilot site",
)  # fmt: skip
_ACHIEVEMENTS = (
    "Completed the design review and closed 14 open questions.", "Finished sprint 7; 32 of 40 stories done.",
    "Migrated the first two data domains to the new platform.", "Signed the vendor contract on budget.",
    "Ran the pilot with 25 users; satisfaction 4.2 of 5.", "Passed the security review with two minor actions.",
    "Trained 120 staff across three sites.", "Closed the test phase with no severity-1 defects open.",
)  # fmt: skip
_STEPS = (
    "Finalise the test plan", "Book the go/no-go meeting", "Confirm data owners", "Order the production licences",
    "Run the migration rehearsal", "Update the training material", "Agree hypercare rota",
)  # fmt: skip
_RATIONALES = {
    "Amber": ("Two weeks behind on integration testing.", "Contingency half used after the vendor delay."),
    "Red": ("Go-live at risk: the supplier missed the second delivery.", "Forecast overspend of 12% on licences."),
}
_PATHS = ("Extra tester from January; weekly check with the supplier.", "Re-plan agreed with the sponsor by the 15th.")


def fill_demo_submission(
    generated_path: Path,
    out_path: Path,
    rng: random.Random,
    previous: ParsedSubmission | None = None,
    fault: str | None = None,
) -> None:
    """Fill the generated status workbook at `generated_path` like a PM would and write it to `out_path`.

    Items already in the workbook (carried forward by `pmo generate --ledger`) are updated; otherwise items from
    `previous` (the last accepted, validated submission) are carried forward; otherwise new ones are made up.
    `fault` (one of FAULTS) makes the file one of the bad inputs collect must handle.
    """
    if fault is not None and fault not in FAULT_OUTCOMES:
        raise DemoDataError(f"unknown fault '{fault}'; choose one of {', '.join(FAULTS)}")
    out_path = Path(out_path)
    data = Path(generated_path).read_bytes()
    parsed, findings = read_submission_bytes(data, str(generated_path))
    if parsed is None or parsed.metadata.template_id != PROJECT_STATUS.template_id:
        reason = "; ".join(f.message for f in findings) or "not a project status workbook"
        raise DemoDataError(f"{generated_path}: cannot fill demo data: {reason}")
    fields, tables = _status_content(parsed, previous, rng)
    package = XlsxPackage(data, str(generated_path))
    writer = _Writer(package)
    metadata_changes: dict[str, str] = {}
    _apply_value_fault(fault, fields, tables, metadata_changes)
    writer.fields(fields)
    swap = ("description", "owner") if fault == "reordered_columns" else None
    for table_name, rows in tables.items():
        writer.table(table_name, rows, swap if table_name == "RAID" else None)
    if fault == "reordered_columns":
        writer.swap_headers("RAID", "Description", "Owner")
    if fault == "date_as_number":
        writer.plain_number_format("forecast_end_date")
    for key, value in metadata_changes.items():
        writer.metadata(key, value)
    filled = writer.bytes()
    write_bytes_atomic(out_path, _apply_file_fault(fault, filled))
    if fault == "cloud_placeholder":
        _make_sparse_placeholder(out_path)


def fill_by_name(
    generated_path: Path,
    out_path: Path,
    fields: dict[str, CellValue],
    tables: dict[str, list[dict[str, CellValue]]] | None = None,
) -> None:
    """Write `fields` (by defined name) and `tables` (rows by column key) into a generated status workbook, as a PM
    typing into its cells would; every other cell and part stays as generated."""
    data = Path(generated_path).read_bytes()
    writer = _Writer(XlsxPackage(data, str(generated_path)))
    writer.fields(fields)
    for table_name, rows in (tables or {}).items():
        writer.table(table_name, rows, None)
    write_bytes_atomic(Path(out_path), writer.bytes())


def fill_demo_inbox(
    generated: list[Path],
    out_dir: Path,
    rng: random.Random,
    fault_share: float = 0.0,
    previous: dict[str, ParsedSubmission] | None = None,
    faults: tuple[str, ...] = FAULTS,
    progress: Callable[[int, int], None] | None = None,
) -> dict[Path, str | None]:
    """Fill every generated workbook into `out_dir`; about `fault_share` of them get a random fault.

    `previous` maps project id -> last accepted submission, for carry-forward. Returns each file and its fault.
    """
    results: dict[Path, str | None] = {}
    for index, path in enumerate(generated, start=1):
        fault = rng.choice(faults) if faults and rng.random() < fault_share else None
        target = Path(out_dir) / path.name
        if fault == "macros":
            target = target.with_suffix(".xlsm")
        project_id = _project_id_from_name(path.name)
        fill_demo_submission(path, target, rng, (previous or {}).get(project_id), fault)
        results[target] = fault
        if progress:
            progress(index, len(generated))
    return results


_PROJECT_NAMES = (
    "Customer portal relaunch", "ERP finance upgrade", "Data platform foundation", "Warehouse scanning rollout",
    "Cyber resilience programme", "HR self-service", "Contract management system", "Field service mobile app",
    "Cloud migration wave", "Billing engine replacement", "Supplier onboarding portal", "Analytics self-service",
)  # fmt: skip
_PROGRAMMES = ("Digital Customer", "Back Office", "Data & Analytics", "Operations", "Security")


def demo_projects(count: int, rng: random.Random, first_period: str = "2026-01") -> list[ProjectRecord]:
    """`count` plausible register rows (PRJ-0001...), active, with budgets and baseline dates around `first_period`."""
    year, month = year_and_month(first_period)
    records = []
    for number in range(1, count + 1):
        start = dt.date(year, month, 1) - dt.timedelta(days=rng.randint(0, 300))
        budget = float(rng.choice((120, 250, 430, 850, 1200, 2400)))
        records.append(
            ProjectRecord(
                row_number=number + 1,
                project_id=f"PRJ-{number:04d}",
                project_name=f"{rng.choice(_PROJECT_NAMES)} {number}",
                project_manager=rng.choice(_PEOPLE),
                sponsor=rng.choice(_PEOPLE),
                start_date=start,
                end_date=start + dt.timedelta(days=rng.randint(300, 900)),
                pm_email=f"pm{number}@example.org",
                programme=rng.choice(_PROGRAMMES),
                fields={"budget_original": budget, "budget_current": budget, "currency": "EUR", "money_unit": "k"},
            )
        )
    return records


def _project_id_from_name(name: str) -> str:
    return name.split(" - ", 1)[0]


# -- realistic content --------------------------------------------------------------------------------------------


def _period_end(period: str) -> dt.date:
    year, month = year_and_month(month_add(period, 1))
    return dt.date(year, month, 1) - dt.timedelta(days=1)


def _status_content(
    parsed: ParsedSubmission, previous: ParsedSubmission | None, rng: random.Random
) -> tuple[dict[str, CellValue], dict[str, list[dict[str, CellValue]]]]:
    period = parsed.metadata.reporting_period
    period_end = _period_end(period)
    submitted_on = period_end - dt.timedelta(days=rng.randint(0, 4))
    start = as_date(parsed.fields.get("start_date")) or period_end - dt.timedelta(days=180)
    end = as_date(parsed.fields.get("baseline_end_date")) or period_end + dt.timedelta(days=270)
    budget = as_float(parsed.fields.get("budget_current"), as_float(parsed.fields.get("budget_original"), 500.0))
    elapsed = min(max((period_end - start).days / max((end - start).days, 1), 0.0), 0.95)
    done = round(min(max(elapsed + rng.uniform(-0.1, 0.05), 0.0), 0.95) / 0.05) * 0.05
    if previous is not None:
        done = max(done, as_float(previous.fields.get("percent_complete"), 0.0))
    fields: dict[str, CellValue] = {
        "submitted_on": submitted_on,
        "percent_complete": round(done, 2),
        "actual_to_date": round(budget * done * rng.uniform(0.9, 1.15), 1),
        "estimate_at_completion": round(budget * rng.choice((0.95, 1.0, 1.0, 1.02, 1.08, 1.2)), 1),
        "forecast_end_date": end + dt.timedelta(days=rng.choice((0, 0, 0, 14, 30, 61))),
        "key_achievements": " ".join(rng.sample(_ACHIEVEMENTS, 2)),
    }
    if "forecast_end_comment" in parsed.fields and fields["forecast_end_date"] > end:  # template 1.2 on
        fields["forecast_end_comment"] = "The supplier's late delivery moves the end; a change request is drafted."
    for key, _label in RAG_DIMENSIONS:
        rag = rng.choices(("Green", "Amber", "Red"), weights=(6, 3, 1))[0]
        fields[f"rag_{key}"] = rag
        if rag != "Green":
            fields[f"rag_{key}_rationale"] = rng.choice(_RATIONALES[rag])
            fields[f"rag_{key}_path_to_green"] = rng.choice(_PATHS)
    earlier = parsed.tables if any(parsed.tables.values()) else (previous.tables if previous else {})
    tables = {
        "Milestones": _milestones(earlier.get("Milestones", []), start, end, period_end, rng),
        "RAID": _raid(earlier.get("RAID", []), start, submitted_on, rng),
        "NextSteps": _next_steps(period_end, rng),
        "Decisions": _decisions(earlier.get("Decisions", []), period_end, rng),
        "ChangeRequests": _change_requests(earlier.get("ChangeRequests", []), submitted_on, rng),
        "Benefits": _benefits(earlier.get("Benefits", []), rng),
        "ResourceDemand": _resource_demand(earlier.get("ResourceDemand", []), period, rng),
    }
    return fields, tables


def _with_ids(rows: list[dict[str, CellValue]], prefix: str) -> list[dict[str, CellValue]]:
    used = [int(m.group(1)) for row in rows if (m := re.fullmatch(re.escape(prefix) + r"(\d+)", str(row.get("id"))))]
    next_number = max(used, default=0) + 1
    for row in rows:
        if not row.get("id"):
            row["id"] = f"{prefix}{next_number:03d}"
            next_number += 1
    return rows


def _milestones(earlier, start, end, period_end, rng) -> list[dict[str, CellValue]]:
    rows = []
    for old in earlier:
        row = dict(old)
        forecast = as_date(row.get("forecast_date")) or period_end
        if row.get("status") not in ("Complete", "Cancelled"):
            if forecast <= period_end:
                row.update(status="Complete", actual_date=forecast - dt.timedelta(days=rng.randint(0, 5)))
            else:
                slip = rng.choice((0, 0, 0, 7, 14))
                row.update(forecast_date=forecast + dt.timedelta(days=slip), status="At risk" if slip else "On track")
        rows.append(row)
    if not rows:
        names = rng.sample(_MILESTONES, rng.randint(4, 8))
        span = max((end - start).days, 30)
        for index, name in enumerate(names, start=1):
            forecast = start + dt.timedelta(days=span * index // (len(names) + 1))
            complete = forecast <= period_end
            rows.append(
                {
                    "name": name,
                    "key": rng.choice(("Yes", "No", "No")),
                    "forecast_date": forecast,
                    "actual_date": forecast if complete else None,
                    "status": "Complete" if complete else rng.choice(("On track", "On track", "At risk")),
                    "comment": "" if rng.random() < 0.6 else "Depends on the supplier's delivery.",
                }
            )
    return _with_ids(rows, "M-")


def _raid(earlier, start, submitted_on, rng) -> list[dict[str, CellValue]]:
    rows = []
    for old in earlier:
        row = {key: value for key, value in old.items() if key != "severity"}
        if row.get("status") != "Closed" and rng.random() < 0.2:
            row.update(status="Closed", date_closed=submitted_on)
        rows.append(row)
    # Most months a PM adds a risk or two, not a handful: a portfolio of 50 should not raise 60 a month.
    for _ in range(rng.choices((0, 1, 2), weights=(2, 5, 2))[0] if rows else rng.randint(3, 6)):
        raised = max(start, submitted_on - dt.timedelta(days=rng.randint(0, 60)))
        rows.append(
            {
                "type": rng.choices(RAID_TYPES, weights=(5, 1, 3, 1))[0],
                "description": rng.choice(_RISKS),
                "owner": rng.choice(_PEOPLE),
                "date_raised": raised,
                "probability": rng.randint(1, 5),
                "impact": rng.randint(1, 5),
                "proximity": rng.choice(PROXIMITY),
                "financial_exposure": rng.choice((None, 10, 25, 50, 120)),
                "response": "Mitigate: agree fallback with the sponsor.",
                "due_date": submitted_on + dt.timedelta(days=rng.randint(7, 90)),
                # Escalation is for the few a PM cannot handle: about one new item in twelve.
                "escalate": "Yes" if rng.random() < 0.08 else "No",
                "status": rng.choice(("Open", "Open", "Monitoring")),
            }
        )
    return _with_ids(rows[:60], "R-")


def _next_steps(period_end, rng) -> list[dict[str, CellValue]]:
    return _with_ids(
        [
            {"step": step, "owner": rng.choice(_PEOPLE), "due_date": period_end + dt.timedelta(days=rng.randint(5, 40))}
            for step in rng.sample(_STEPS, rng.randint(2, 5))
        ],
        "N-",
    )


def _decisions(earlier, period_end, rng) -> list[dict[str, CellValue]]:
    rows = [dict(old, status="Decided") for old in earlier if old.get("status") == "Open"][:2]
    # A decision for management is an exception: most months a project needs none.
    for _ in range(rng.choices((0, 1, 2), weights=(7, 2, 1))[0]):
        rows.append(
            {
                "decision": "Approve the revised go-live date",
                "owner": rng.choice(_PEOPLE),
                "required_by": period_end + dt.timedelta(days=rng.randint(20, 60)),
                "status": "Open",
            }
        )
    return _with_ids(rows, "D-")


def _change_requests(earlier, submitted_on, rng) -> list[dict[str, CellValue]]:
    rows = []
    for old in earlier:
        row = dict(old)
        if row.get("status") == "Proposed" and rng.random() < 0.6:
            row.update(status=rng.choice(("Approved", "Rejected")))
            if row["status"] == "Approved":
                row["date_approved"] = submitted_on
        rows.append(row)
    if rng.random() < 0.3:
        rows.append(
            {
                "description": "Add the self-service reporting module",
                "cost_impact": rng.choice((15, 40, 80)),
                "schedule_impact_days": rng.choice((0, 14, 30)),
                "scope_impact": "One extra module",
                "status": "Proposed",
            }
        )
    return _with_ids(rows[:20], "CR-")


def _benefits(earlier, rng) -> list[dict[str, CellValue]]:
    rows = [dict(old) for old in earlier]
    for row in rows:
        realised = as_float(row.get("realised_value"), 0.0)
        row["realised_value"] = round(realised + rng.uniform(0, 5), 1)
    if not rows:
        for _ in range(rng.randint(1, 3)):
            baseline = rng.choice((50, 120, 300))
            rows.append(
                {
                    "benefit": "Lower processing cost per order",
                    "owner": rng.choice(_PEOPLE),
                    "type": rng.choice(BENEFIT_TYPES),
                    "measure": "k EUR per year",
                    "baseline_value": baseline,
                    "forecast_value": round(baseline * rng.uniform(0.8, 1.1)),
                    "realised_value": 0,
                }
            )
    return _with_ids(rows, "B-")


def _resource_demand(earlier, period, rng) -> list[dict[str, CellValue]]:
    months = [month_add(period, offset) for offset in range(PROJECT_STATUS.table("ResourceDemand").month_series.count)]
    rows = []
    for old in earlier:
        row: dict[str, CellValue] = {"role": old.get("role"), "person": old.get("person")}
        last = 0.0
        for month in months:
            value = old.get(month)
            last = as_float(value, last)
            row[month] = value if month in old else round(last, 2)
        rows.append(row)
    if not rows:
        for role in rng.sample(DEFAULT_ROLES, rng.randint(2, 5)):
            level = rng.choice((0.25, 0.5, 1.0, 1.5, 2.0))
            rows.append({"role": role, "person": None, **{month: level for month in months}})
    return rows


# -- writing ------------------------------------------------------------------------------------------------------


class _Writer:
    """Collects cell values per sheet part and writes the package once, with every untouched member copied raw."""

    def __init__(self, package: XlsxPackage):
        self.package = package
        self.structure = package.structure
        self.cells: dict[str, dict[tuple[int, int], CellValue]] = {}
        self.replacements: dict[str, bytes] = {}
        self.unstyled: list[tuple[str, str]] = []

    def put(self, sheet: str, row: int, column: int, value: CellValue) -> None:
        self.cells.setdefault(self.structure.sheet_parts[sheet], {})[(row, column)] = value

    def fields(self, values: dict[str, CellValue]) -> None:
        for name, value in values.items():
            reference = self.structure.name(name)
            if reference is not None:
                self.put(reference.sheet, reference.row, reference.column, value)

    def table(self, name: str, rows: list[dict[str, CellValue]], swap: tuple[str, str] | None) -> None:
        found = self.structure.table(name)
        table = PROJECT_STATUS.table(name)
        position = {header.casefold(): found.first_column + index for index, header in enumerate(found.headers)}
        columns = {column.key: position[column.header.casefold()] for column in table.columns}
        columns.update({header: position[header.casefold()] for header in found.headers if is_month(header)})
        if swap:
            columns[swap[0]], columns[swap[1]] = columns[swap[1]], columns[swap[0]]
        body = list(found.body_rows)
        for excel_row, row in zip(body, rows, strict=False):
            for key, value in row.items():
                if key in columns and not _is_formula_column(table, key):
                    self.put(found.sheet, excel_row, columns[key], value)

    def swap_headers(self, table_name: str, first: str, second: str) -> None:
        found = self.structure.table(table_name)
        xml = self.package.members[found.part]
        xml = xml.replace(f'name="{first}"'.encode(), b'name="\x00"')
        xml = xml.replace(f'name="{second}"'.encode(), f'name="{first}"'.encode())
        self.replacements[found.part] = xml.replace(b'name="\x00"', f'name="{second}"'.encode())
        first_column = found.first_column + found.headers.index(first)
        second_column = found.first_column + found.headers.index(second)
        self.put(found.sheet, found.first_row, first_column, second)
        self.put(found.sheet, found.first_row, second_column, first)

    def plain_number_format(self, field_name: str) -> None:
        """Write the field's date as its serial number in a cell without a date format, as 'Format: General' does."""
        reference = self.structure.name(field_name)
        part = self.structure.sheet_parts[reference.sheet]
        value = self.cells.get(part, {}).get((reference.row, reference.column))
        if isinstance(value, dt.date):
            self.cells[part][(reference.row, reference.column)] = excel_serial(value)
            self.unstyled.append((part, reference.address))

    def metadata(self, key: str, value: str) -> None:
        reference = self.structure.name(meta_name(key))
        self.put(reference.sheet, reference.row, reference.column, value)
        custom = self.replacements.get("docProps/custom.xml", self.package.members["docProps/custom.xml"])
        pattern = rb'(<property\b[^>]*\bname="' + re.escape(custom_property(key).encode()) + rb'"[^>]*>\s*<vt:lpwstr>)'
        pattern += rb"(.*?)(</vt:lpwstr>)"
        self.replacements["docProps/custom.xml"] = re.sub(
            pattern, lambda m: m.group(1) + (value or "-").encode() + m.group(3), custom, flags=re.S
        )

    def bytes(self) -> bytes:
        for part, values in self.cells.items():
            self.replacements[part] = set_cells(self.package.members[part], values, self.structure.date1904)
        for part, address in self.unstyled:
            self.replacements[part] = re.sub(
                rb'(<c r="' + address.encode() + rb'")\s+s="\d+"', rb"\1", self.replacements[part]
            )
        return self.package.write(self.replacements)


def _is_formula_column(table, key: str) -> bool:
    return any(column.key == key and column.formula is not None for column in table.columns)


# -- faults -------------------------------------------------------------------------------------------------------


_LONG_STRING_MARK = "pmo-xl demo: a text longer than an Excel cell goes here"


def _apply_value_fault(fault: str | None, fields: dict, tables: dict, metadata_changes: dict[str, str]) -> None:
    forecast = fields["forecast_end_date"]
    if fault == "text_in_number":
        fields["actual_to_date"] = "about 300k"
    elif fault == "percent_points":
        fields["percent_complete"] = 65
    elif fault == "ambiguous_percent":
        fields["percent_complete"] = 1.5
    elif fault == "date_as_text_iso":
        fields["forecast_end_date"] = forecast.isoformat()
    elif fault == "date_as_text_local":
        fields["forecast_end_date"] = f"{forecast.day:02d}/{forecast.month:02d}/{forecast.year}"
        if forecast.day <= 12:  # keep it unambiguous: a day above 12
            fields["forecast_end_date"] = f"28/{forecast.month:02d}/{forecast.year}"
    elif fault == "ambiguous_date":
        fields["forecast_end_date"] = f"03/06/{forecast.year}"
    elif fault == "missing_required":
        fields["key_achievements"] = None
    elif fault == "missing_rationale":
        fields["rag_overall"] = "Red"
        fields["rag_overall_rationale"] = None
    elif fault == "not_allowed":
        fields["rag_schedule"] = "Blue"
    elif fault == "long_string":
        # Longer than any cell Excel writes: our cell writer refuses it, so it goes in by hand (_apply_file_fault).
        fields["key_achievements"] = _LONG_STRING_MARK
    elif fault == "period_missing":
        fields["reporting_period"] = None
        metadata_changes["reporting_period"] = ""
    elif fault == "period_in_future":
        fields["reporting_period"] = "2099-01"
        metadata_changes["reporting_period"] = "2099-01"
    elif fault == "unknown_template_version":
        metadata_changes["template_version"] = "9.0"


def _apply_file_fault(fault: str | None, filled: bytes) -> bytes:
    if fault == "long_string":
        members = _members(filled)
        mark = _LONG_STRING_MARK.encode()
        return _zip({name: data.replace(mark, b"Delivered. " * 3300) for name, data in members.items()})
    if fault is None:
        return filled
    makers: dict[str, Callable[[bytes], bytes]] = {
        "empty_file": lambda _: b"",
        "not_a_zip": lambda _: b"project_id,rag_overall\nPRJ-001,Green\n",
        "truncated_zip": lambda data: data[: len(data) * 2 // 3],
        "password_protected": lambda _: _encrypted_package(rights_managed=False),
        "sensitivity_label": lambda _: _encrypted_package(rights_managed=True),
        "legacy_xls": lambda _: write_compound_file(
            {"Workbook": b"\x09\x08\x10\x00" + bytes(600), "\x05SummaryInformation": bytes(200)}
        ),
        "xlsb": lambda _: _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\x83\x01\x00"}),
        "zip_bomb": _zip_bomb,
        "macros": _with_macros,
        "not_our_template": lambda _: _foreign_workbook(),
        "deleted_name": lambda data: _rewrite_workbook_xml(
            data, lambda xml: re.sub(rb'<definedName name="forecast_end_date"[^>]*>[^<]*</definedName>', b"", xml)
        ),
        "deleted_table": lambda data: _without_table(data, "Benefits"),
        "renamed_header": lambda data: _renamed_header(data, "RAID", "Probability", "Likelihood"),
        "renamed_sheets": lambda data: _renamed_sheets(data, {"Summary": "Statut déc.", "RAID": "Risks & issues"}),
        "reordered_sheets": _reordered_sheets,
    }
    maker = makers.get(fault)
    return maker(filled) if maker else filled


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _encrypted_package(rights_managed: bool) -> bytes:
    """An OOXML file encrypted the way Office stores it: a compound file with EncryptionInfo and EncryptedPackage.

    A sensitivity label with encryption uses the same container, with the DRM transform in its data spaces and
    the label in the document summary; the encrypted bytes themselves are irrelevant to collect, which refuses both.
    """
    streams = {
        "EncryptionInfo": struct.pack("<HHI", 4, 4, 0x40) + bytes(200),
        "EncryptedPackage": struct.pack("<Q", 8192) + bytes(8192),
        "\x06DataSpaces/Version": "Microsoft.Container.DataSpaces".encode("utf-16-le"),
    }
    if rights_managed:
        streams["\x06DataSpaces/DataSpaceMap"] = "DRMEncryptedDataSpace".encode("utf-16-le")
        streams["\x06DataSpaces/TransformInfo/DRMEncryptedTransform/\x06Primary"] = (
            "{C73DFACD-061F-43B0-8B64-0C620D2A8B50}Microsoft.Metadata.DRMTransform".encode("utf-16-le")
        )
        streams["\x05DocumentSummaryInformation"] = b"\xfe\xff" + bytes(46) + b"MSIP_Label_0f1e2d3c_Enabled=true"
    else:
        streams["\x06DataSpaces/DataSpaceMap"] = "StrongEncryptionDataSpace".encode("utf-16-le")
        streams["\x06DataSpaces/TransformInfo/StrongEncryptionTransform/\x06Primary"] = (
            "{FF9A3F03-56EF-4613-BDD5-5A41C1D07246}Microsoft.Container.EncryptionTransform".encode("utf-16-le")
        )
    return write_compound_file(streams)


def _zip_bomb(data: bytes) -> bytes:
    """The workbook plus a part whose headers declare 4 GB: small on disk, ruinous if inflated blindly."""
    members = _members(data)
    members["xl/media/image1.bin"] = bytes(1024 * 1024)
    packed = bytearray(_zip(members))
    name = b"xl/media/image1.bin"
    declared = struct.pack("<I", 0xFFFFFFF0)
    for signature, size_offset, name_offset in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := packed.find(signature, start)) != -1:
            name_length = struct.unpack_from("<H", packed, start + (26 if signature == b"PK\x03\x04" else 28))[0]
            if packed[start + name_offset : start + name_offset + name_length] == name:
                packed[start + size_offset : start + size_offset + 4] = declared
            start += 4
    return bytes(packed)


def _with_macros(data: bytes) -> bytes:
    """The workbook as a macro-enabled .xlsm with a VBA project (which collect must never run)."""
    members = _members(data)
    members["xl/vbaProject.bin"] = write_compound_file(
        {"VBA/dir": b"\x01" + bytes(40), "VBA/Module1": b"Attribute VB_Name = \"Module1\"\r\nSub Auto_Open()\r\nEnd Sub\r\n",
         "PROJECT": b'ID="{00000000-0000-0000-0000-000000000000}"\r\nModule=Module1\r\n'}
    )  # fmt: skip
    types = members["[Content_Types].xml"]
    types = types.replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    members["[Content_Types].xml"] = types.replace(
        b"</Types>",
        b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
    )
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
        b'Target="vbaProject.bin"/></Relationships>',
    )
    return _zip(members)


def _foreign_workbook() -> bytes:
    """Someone's own status spreadsheet: a real workbook, but not one the PMO generated."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Status"
    sheet.append(["Project", "RAG", "Comment"])
    sheet.append(["Customer portal", "Green", "All fine"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rewrite_workbook_xml(data: bytes, change: Callable[[bytes], bytes]) -> bytes:
    members = _members(data)
    members["xl/workbook.xml"] = change(members["xl/workbook.xml"])
    return _zip(members)


def _without_table(data: bytes, table_name: str) -> bytes:
    """The workbook with one table converted back to a plain range (Table Design > Convert to Range)."""
    package = XlsxPackage(data)
    found = package.structure.table(table_name)
    members = _members(data)
    sheet_part = package.structure.sheet_parts[found.sheet]
    rels_part = sheet_part.replace("worksheets/", "worksheets/_rels/") + ".rels"
    table_file = found.part.rsplit("/", 1)[1].encode()
    rels = members[rels_part]
    match = re.search(
        rb'<Relationship\b[^>]*Id="([^"]+)"[^>]*Target="[^"]*' + re.escape(table_file) + rb'"[^>]*/>', rels
    )
    if match is None:
        match = re.search(
            rb'<Relationship\b[^>]*Target="[^"]*' + re.escape(table_file) + rb'"[^>]*Id="([^"]+)"[^>]*/>', rels
        )
    members[rels_part] = rels.replace(match.group(0), b"")
    sheet = re.sub(rb'<tablePart r:id="' + match.group(1) + rb'"\s*/>', b"", members[sheet_part])
    members[sheet_part] = re.sub(rb'<tableParts count="\d+">\s*</tableParts>', b"", sheet)
    members["[Content_Types].xml"] = re.sub(
        rb'<Override PartName="/' + re.escape(found.part.encode()) + rb'"[^>]*/>', b"", members["[Content_Types].xml"]
    )
    del members[found.part]
    return _zip(members)


def _renamed_header(data: bytes, table_name: str, old: str, new: str) -> bytes:
    package = XlsxPackage(data)
    found = package.structure.table(table_name)
    members = _members(data)
    members[found.part] = members[found.part].replace(f'name="{old}"'.encode(), f'name="{new}"'.encode())
    column = found.first_column + found.headers.index(old)
    part = package.structure.sheet_parts[found.sheet]
    members[part] = set_cells(members[part], {(found.first_row, column): new})
    return _zip(members)


def _quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _xml_attr(text: str) -> bytes:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").encode()


def _renamed_sheets(data: bytes, renames: dict[str, str]) -> bytes:
    def change(xml: bytes) -> bytes:
        for old, new in renames.items():
            xml = xml.replace(f'<sheet name="{old}"'.encode(), b'<sheet name="' + _xml_attr(new) + b'"')
            xml = re.sub(
                rb"(<definedName\b[^>]*>)([^<]*)",
                lambda m, old=old, new=new: (
                    m.group(1) + m.group(2).replace(f"{old}!".encode(), _xml_attr(_quoted(new) + "!"))
                ),
                xml,
            )
        return xml

    return _rewrite_workbook_xml(data, change)


def _reordered_sheets(data: bytes) -> bytes:
    """Sheets in reverse order; sheet-scoped names (print titles) follow their sheet, as Excel does on a move."""

    def change(xml: bytes) -> bytes:
        sheets = re.findall(rb"<sheet\b[^>]*/>", xml)
        count = len(sheets)
        block = re.search(rb"<sheets>.*?</sheets>", xml, re.S)
        xml = xml[: block.start()] + b"<sheets>" + b"".join(reversed(sheets)) + b"</sheets>" + xml[block.end() :]
        xml = re.sub(rb'localSheetId="(\d+)"', lambda m: b'localSheetId="%d"' % (count - 1 - int(m.group(1))), xml)
        return re.sub(rb'activeTab="\d+"', b'activeTab="%d"' % (count - 2), xml)

    return _rewrite_workbook_xml(data, change)


def _make_sparse_placeholder(path: Path) -> None:
    """A file with its full size but no content on disk, as a sync client's online-only placeholder looks."""
    size = path.stat().st_size
    path.unlink()
    with open(path, "wb") as handle:
        handle.truncate(size)


__all__ = [
    "FAULTS",
    "FAULT_OUTCOMES",
    "DemoDataError",
    "FaultOutcome",
    "demo_projects",
    "fill_demo_inbox",
    "fill_demo_submission",
]
