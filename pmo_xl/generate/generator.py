"""Generate project workbooks from a PMO template: identity, baseline, metadata and a unique token per workbook.

The template is read once. Each workbook is the template's zip with a few parts patched (the sheets that hold
filled cells, the tables whose month headers move with the period, the custom properties); every other member
is copied byte for byte, so whatever the PMO put in the template (sparklines, validations, images) survives.
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
import os
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pmo_xl import __version__
from pmo_xl.errors import OutputError, TemplateError
from pmo_xl.excel.files import safe_file_name, write_bytes_atomic
from pmo_xl.excel.package import XlsxPackage
from pmo_xl.excel.printing import fitted_height
from pmo_xl.excel.sheet_xml import CellValue, SheetPatcher, without_cached_results
from pmo_xl.periods import fiscal_year_labels, is_month, month_series
from pmo_xl.register import ProjectRecord, read_register
from pmo_xl.settings import PmoSettings
from pmo_xl.templates.adopt import adopted_template
from pmo_xl.templates.builder import build_template
from pmo_xl.templates.catalog import SCHEMAS, schema_for
from pmo_xl.templates.metadata import META_KEYS, WorkbookMetadata, custom_property, meta_name
from pmo_xl.templates.schema import Table, TemplateSchema
from pmo_xl.values import without_control_characters

# The shipped templates are package data (pmo_xl/templates/shipped), found through importlib.resources: the same
# lookup in a checkout and in an installed wheel, never by counting parent folders.
TEMPLATES_DIR = Path(str(importlib.resources.files("pmo_xl.templates") / "shipped"))
TableRows = list[dict[str, CellValue]]


@dataclass(frozen=True)
class WorkbookFill:
    """Everything that goes into one generated workbook."""

    metadata: WorkbookMetadata
    fields: dict[str, CellValue]
    # table name -> rows keyed by column key, or by 'YYYY-MM' for month-series columns
    tables: dict[str, TableRows] = field(default_factory=dict)
    # table name -> the highest id number an item of it has held (a closed row not carried, a need a decision
    # answers): its blank rows are numbered after it, so an id never passes to a second item
    id_floors: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class GeneratedWorkbook:
    project_id: str
    path: Path
    token: str


def template_path(template_id: str, templates_dir: Path | None = None) -> Path:
    """The template workbook to generate from: the PMO's own folder if given, else the one the PMO adopted
    (pmo_xl.templates.adopt), else the shipped one.

    The package ships its templates as data (TEMPLATES_DIR); a copy installed without them (a stripped wheel) builds
    the shipped template from its schema into a per-user cache once. The builder is
    deterministic and a test holds the committed templates equal to a fresh build, so both are the same file.
    """
    if templates_dir is not None:
        return Path(templates_dir) / f"{template_id}.xlsx"
    adopted = adopted_template(SCHEMAS[template_id]) if template_id in SCHEMAS else None
    if adopted is not None:  # the PMO's restyled template (pmo templates adopt), of the current version
        return adopted
    shipped = TEMPLATES_DIR / f"{template_id}.xlsx"
    if shipped.exists() or template_id not in SCHEMAS:
        return shipped
    cached = shipped_templates_cache() / f"{template_id}.xlsx"
    if not cached.exists():
        build_template(SCHEMAS[template_id], cached)
    return cached


def shipped_templates_cache() -> Path:
    """Where an installed pmo-xl keeps the templates it built from its schemas, one folder per version."""
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"]) / "pmo-xl" / "cache"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pmo-xl"
    folder = base / "templates" / __version__
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class TemplateSource:
    """A template workbook, loaded once and checked against its schema, ready to render many workbooks."""

    def __init__(self, schema: TemplateSchema, path: Path):
        self.schema = schema
        self.path = Path(path)
        if not self.path.exists():
            raise TemplateError(f"{self.path}: template not found; run `pmo templates build` to create it")
        self.package = XlsxPackage.from_path(self.path)
        self.structure = self.package.structure
        self._patchers: dict[str, SheetPatcher] = {}
        # A template saved by Excel or LibreOffice caches formula results computed from its blank inputs; the
        # generated workbook must not carry them, or LibreOffice shows them instead of calculating.
        self._uncached: dict[str, bytes] = {}
        for part in self.structure.sheet_parts.values():
            uncached = without_cached_results(self.package.members[part])
            if uncached != self.package.members[part]:
                self._uncached[part] = uncached
        self._check_contract()

    def _patcher(self, part: str) -> SheetPatcher:
        if part not in self._patchers:
            xml = self._uncached.get(part, self.package.members[part])
            self._patchers[part] = SheetPatcher(xml, self.structure.date1904)
        return self._patchers[part]

    def _check_contract(self) -> None:
        problems = []
        for f in self.schema.fields:
            if self.structure.name(f.name) is None:
                problems.append(f"defined name '{f.name}' ({f.label}) is missing or no longer points at a cell")
        for key in META_KEYS:
            if self.structure.name(meta_name(key)) is None:
                problems.append(f"metadata name '{meta_name(key)}' is missing")
        for table in (*self.schema.tables, *self.schema.stamped):
            found = self.structure.table(table.name)
            if found is None:
                problems.append(f"table '{table.name}' is missing")
                continue
            headers = {header.casefold() for header in found.headers}
            for column in table.columns:
                if column.header.casefold() not in headers:
                    problems.append(f"table '{table.name}' has no column '{column.header}'")
        if problems:
            listing = "\n".join(f"  - {problem}" for problem in problems)
            raise TemplateError(f"{self.path} does not honour the template contract:\n{listing}")

    def render(self, fill: WorkbookFill) -> bytes:
        structure = self.structure
        cells: dict[str, dict[tuple[int, int], CellValue]] = {}

        def put(sheet: str, row: int, column: int, value: CellValue) -> None:
            cells.setdefault(structure.sheet_parts[sheet], {})[(row, column)] = value

        for name, value in fill.fields.items():
            reference = structure.name(name)
            if reference is None:
                raise TemplateError(f"{self.path}: no defined name '{name}' to fill")
            put(reference.sheet, reference.row, reference.column, value)
        for key, value in fill.metadata.as_dict().items():
            reference = structure.name(meta_name(key))
            put(reference.sheet, reference.row, reference.column, value)

        heights: dict[str, dict[int, float]] = {}

        def fit(sheet: str, row: int, height: float) -> None:
            heights.setdefault(structure.sheet_parts[sheet], {})[row] = height

        replacements: dict[str, bytes] = dict(self._uncached)
        for table in (*self.schema.tables, *self.schema.stamped):
            self._fill_table(table, fill, put, replacements, fit)
        for part in {*cells, *heights}:
            replacements[part] = self._patcher(part).patch(cells.get(part, {}), heights.get(part))
        replacements["docProps/custom.xml"] = _custom_properties(
            self.package.members.get("docProps/custom.xml", b""), fill.metadata
        )
        workbook_part = "xl/workbook.xml"
        full_calc = with_full_calc_on_load(self.package.members[workbook_part])
        if full_calc != self.package.members[workbook_part]:
            replacements[workbook_part] = full_calc
        return self.package.write(replacements)

    def _fill_table(self, table: Table, fill: WorkbookFill, put, replacements: dict[str, bytes], fit) -> None:
        found = self.structure.table(table.name)
        position = {header.casefold(): found.first_column + index for index, header in enumerate(found.headers)}
        columns = {column.key: position[column.header.casefold()] for column in table.columns}
        if table.month_series:
            old_months = [header for header in found.headers if is_month(header)]
            new_months = month_series(fill.metadata.reporting_period, len(old_months))
            if old_months != new_months:
                replacements[found.part] = _rename_table_columns(
                    self.package.members[found.part], dict(zip(old_months, new_months, strict=True))
                )
                for old, new in zip(old_months, new_months, strict=True):
                    put(found.sheet, found.first_row, position[old.casefold()], new)
            for month, column in zip(new_months, (position[old.casefold()] for old in old_months), strict=True):
                columns[month] = column
        rows = fill.tables.get(table.name, [])
        capacity = len(found.body_rows)
        if len(rows) > capacity:
            raise TemplateError(
                f"{self.path}: table {table.name} holds {capacity} rows but {len(rows)} are to be carried forward; "
                f"raise the table's pre-sized rows in the schema and rebuild the templates"
            )
        floor = fill.id_floors.get(table.name, 0)
        next_ids: Iterator[str] = (
            next_blank_row_ids(rows, table.id_prefix, capacity, floor) if table.id_prefix else iter(())
        )
        for index, excel_row in enumerate(found.body_rows):
            row = rows[index] if index < len(rows) else None
            if row is None:
                if table.id_prefix and (rows or floor):
                    put(found.sheet, excel_row, columns["id"], next(next_ids))
                continue
            for key, value in row.items():
                if key in columns:
                    put(found.sheet, excel_row, columns[key], value)
            # a carried or stamped text longer than its column: the row as tall as its lines, or they are cut
            height = fitted_height((row.get(column.key), column.width) for column in table.columns if column.wraps)
            if height is not None and height > (table.row_height or 0):
                fit(found.sheet, excel_row, height)


def next_blank_row_ids(rows: TableRows, prefix: str, count: int, floor: int = 0) -> Iterator[str]:
    """The ids pre-filled in a table's blank rows, after the highest `prefix`-numbered id its `rows` hold (M-001...)
    and after `floor`, the highest one used before."""
    used = [id_number(row.get("id"), prefix) for row in rows]
    start = max([number for number in used if number is not None] + [floor])
    return (f"{prefix}{number:03d}" for number in range(start + 1, start + 1 + count))


def id_number(value: object, prefix: str) -> int | None:
    """The number of a `prefix`-numbered id ('D-012' -> 12); None for any other text."""
    match = re.fullmatch(re.escape(prefix) + r"(\d+)", str(value or ""))
    return int(match.group(1)) if match else None


def _rename_table_columns(table_xml: bytes, renames: dict[str, str]) -> bytes:
    def rename(match: re.Match) -> bytes:
        old = match.group(2).decode("utf-8")
        return match.group(1) + renames.get(old, old).encode("utf-8") + match.group(3)

    return re.sub(rb'(<tableColumn\b[^>]*?\bname=")([^"]*)(")', rename, table_xml)


def with_full_calc_on_load(workbook_xml: bytes) -> bytes:
    """Ask Excel to recalculate on open: the generated cells carry no cached formula results."""
    if re.search(rb'<calcPr\b[^>]*\bfullCalcOnLoad="(1|true)"', workbook_xml):
        return workbook_xml
    if b"<calcPr" in workbook_xml:
        without = re.sub(rb'(<calcPr\b[^>]*?)\s+fullCalcOnLoad="[^"]*"', rb"\1", workbook_xml)
        return re.sub(rb"<calcPr\b", b'<calcPr fullCalcOnLoad="1"', without, count=1)
    return workbook_xml.replace(b"</workbook>", b'<calcPr fullCalcOnLoad="1"/></workbook>')


def _xml_text(value: str) -> bytes:
    # control characters are not allowed in XML 1.0: a custom.xml holding one cannot be parsed by anyone
    value = without_control_characters(value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode("utf-8")


def _custom_properties(custom_xml: bytes, metadata: WorkbookMetadata) -> bytes:
    """Custom document properties mirroring the metadata sheet (LibreOffice and Excel both keep them)."""
    values = metadata.as_dict()
    if not custom_xml:
        raise TemplateError("the template has no custom document properties part (docProps/custom.xml)")
    for key, value in values.items():
        name = re.escape(custom_property(key).encode("utf-8"))
        pattern = rb'(<property\b[^>]*\bname="' + name + rb'"[^>]*>\s*<vt:lpwstr>)(.*?)(</vt:lpwstr>)'
        custom_xml, count = re.subn(
            pattern, lambda m, v=value: m.group(1) + _xml_text(v or "-") + m.group(3), custom_xml, flags=re.S
        )
        if count == 0:
            raise TemplateError(f"the template lacks the custom property '{custom_property(key)}'")
    return custom_xml


# -- from the register to fills -------------------------------------------------------------------------------


def new_token() -> str:
    return uuid.uuid4().hex


def fill_for_project(
    schema: TemplateSchema,
    record: ProjectRecord,
    period: str,
    token: str,
    today: dt.date | None = None,
    fiscal_year_start_month: int = 1,
) -> WorkbookFill:
    """The identity, baseline and pre-fill for one project's workbook in `period`."""
    field_names = {f.name for f in schema.fields}
    identity: dict[str, CellValue] = {
        "project_id": record.project_id,
        "project_name": record.project_name,
        "project_manager": record.project_manager,
        "sponsor": record.sponsor,
        "programme": record.programme,
        "reporting_period": period,
        "start_date": record.start_date,
        "baseline_end_date": record.end_date,
    }
    fields = {name: value for name, value in identity.items() if name in field_names and value not in ("", None)}
    fields.update(record.fields)
    if schema.template_id == "project_request":
        fields.pop("start_date", None)
    tables: dict[str, TableRows] = {}
    if any(table.name == "Financials" for table in schema.tables):
        rows = schema.table("Financials").rows
        labels = fiscal_year_labels(period, rows, fiscal_year_start_month)
        tables["Financials"] = [{"fiscal_year": label} for label in labels]
    metadata = WorkbookMetadata(
        template_id=schema.template_id,
        template_version=schema.version,
        project_id=record.project_id,
        reporting_period=period,
        generation_token=token,
        generated_on=(today or dt.date.today()).isoformat(),
    )
    return WorkbookFill(metadata=metadata, fields=fields, tables=tables)


def output_name(schema: TemplateSchema, project_id: str, project_name: str, period: str) -> str:
    return safe_file_name(schema.file_name.format(project_id=project_id, project_name=project_name, period=period))


CarryForward = Callable[[ProjectRecord, WorkbookFill], WorkbookFill]


def generate_batch(
    template_id: str,
    register: Path,
    out_dir: Path,
    period: str,
    force: bool = False,
    templates_dir: Path | None = None,
    carry_forward: CarryForward | None = None,
    token_factory: Callable[[], str] = new_token,
    progress: Callable[[int, int, str], None] | None = None,
    today: dt.date | None = None,
    csv_locale: str | None = None,
    settings: PmoSettings | None = None,
) -> list[GeneratedWorkbook]:
    """Generate one workbook per register row. Checks the register and every target before writing anything."""
    schema = schema_for(template_id)
    records = read_register(register, schema, csv_locale, settings)
    return generate_for_records(
        schema, records, out_dir, period, force, templates_dir, carry_forward, token_factory, progress, today
    )


def generate_for_records(
    schema: TemplateSchema,
    records: Iterable[ProjectRecord],
    out_dir: Path,
    period: str,
    force: bool = False,
    templates_dir: Path | None = None,
    carry_forward: CarryForward | None = None,
    token_factory: Callable[[], str] = new_token,
    progress: Callable[[int, int, str], None] | None = None,
    today: dt.date | None = None,
) -> list[GeneratedWorkbook]:
    records = list(records)
    source = TemplateSource(schema, template_path(schema.template_id, templates_dir))
    out_dir = Path(out_dir)
    targets = [out_dir / output_name(schema, r.project_id, r.project_name, period) for r in records]
    clashes = _name_clashes(targets)
    if clashes:
        raise OutputError("two projects would write the same file: " + "; ".join(clashes))
    existing = [target for target in targets if target.exists()]
    if existing and not force:
        listing = "\n".join(f"  - {target}" for target in existing[:20])
        more = f"\n  ... and {len(existing) - 20} more" if len(existing) > 20 else ""
        raise OutputError(
            f"{len(existing)} workbook(s) already exist and were left untouched; nothing was generated. "
            f"Use --force to overwrite them:\n{listing}{more}"
        )
    results = []
    for index, (record, target) in enumerate(zip(records, targets, strict=True), start=1):
        token = token_factory()
        fill = fill_for_project(schema, record, period, token, today)
        if carry_forward is not None:
            fill = carry_forward(record, fill)
        write_bytes_atomic(target, source.render(fill))
        results.append(GeneratedWorkbook(record.project_id, target, token))
        if progress:
            progress(index, len(records), record.project_id)
    return results


def _name_clashes(targets: list[Path]) -> list[str]:
    seen: dict[str, Path] = {}
    clashes = []
    for target in targets:
        key = target.name.casefold()
        if key in seen:
            clashes.append(f"'{seen[key].name}' and '{target.name}'")
        seen[key] = target
    return clashes
