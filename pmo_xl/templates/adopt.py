"""A template a PMO analyst restyled in Excel (colours, widths, moved blocks, extra guidance text), checked and made
the one `pmo generate` and `pmo templates upgrade` use (`pmo templates adopt FILE`).

Nothing in pmo-xl knows a cell address: the generator and collect find every field by its defined name and every
table by its name and headers. So a restyled template works exactly when those are intact, with the rules (data
validations) that guide the PM. `check_template` says, one line each, what is missing: a defined name deleted or no
longer on a cell, a table renamed or a header changed, a validation rule dropped or changed, metadata gone, or a
template of another version than this pmo-xl writes. It reads bytes and writes nothing.

Where an adopted template lives: `adopted_templates_dir()`, a per-user folder (on Windows
%LOCALAPPDATA%\\pmo-xl\\templates, elsewhere $XDG_DATA_HOME/pmo-xl/templates, by default
~/.local/share/pmo-xl/templates), one file a template, named by its id (project_status.xlsx). Without
--templates-dir, `generate.generator.template_path` takes the adopted template before the shipped one, and refuses
an adopted template of an older version than the current one (`adopted_template`), rather than fall back in
silence: the PMO restyles the new version's template and adopts it again.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pmo_xl.errors import TemplateError
from pmo_xl.excel.package import XlsxPackage, column_letters, parse_range, read_custom_properties
from pmo_xl.excel.zip_archive import DamagedPart
from pmo_xl.templates.metadata import META_KEYS, custom_property, meta_name
from pmo_xl.templates.schema import Column, Field, TemplateSchema

# The data validation type the builder gives each kind of input (pmo_xl.templates.builder._validation).
_RULE_TYPES = {"date": "date", "integer": "whole", "number": "decimal", "currency": "decimal", "percent": "decimal",
               "text": "textLength"}  # fmt: skip
_VALIDATION = re.compile(rb"<(?:\w+:)?dataValidation\b([^>]*?)(/>|>(.*?)</(?:\w+:)?dataValidation>)", re.S)
_ATTRIBUTE = re.compile(rb'\b(type|sqref)="([^"]*)"')
_X14_SQREF = re.compile(rb"<(?:\w+:)?sqref>([^<]*)</(?:\w+:)?sqref>")


@dataclass(frozen=True)
class TemplateCheck:
    """What `check_template` found: the template id and version the file says it is, and each problem in a line."""

    template_id: str
    version: str
    problems: tuple[str, ...]


def check_template(data: bytes, source: str, schema: TemplateSchema) -> TemplateCheck:
    """Whether `data` honours `schema` (its current version): every defined name on a cell, every table with its
    name and headers, every input cell's validation rule, the metadata cells and properties, and the version."""
    try:
        package = XlsxPackage(data, source)
    except (DamagedPart, TemplateError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise TemplateError(f"{source} cannot be adopted: it is no readable workbook ({error})") from None
    structure = package.structure
    properties = structure.custom_properties
    template_id = properties.get(custom_property("template_id"), "").strip()
    version = properties.get(custom_property("template_version"), "").strip()
    problems: list[str] = []
    if template_id != schema.template_id:  # nothing else can be compared
        problem = f"it says it is template '{template_id or '?'}', not {schema.template_id}: adopt it as its own"
        return TemplateCheck(template_id, version, (problem,))
    if version != schema.version:
        problems.append(
            f"it is {schema.template_id} version {version or '?'}, but this pmo-xl writes {schema.version}: restyle "
            f"a template of {schema.version} (pmo templates build) and adopt that"
        )
    for key in META_KEYS:
        if structure.name(meta_name(key)) is None:
            problems.append(f"the metadata name '{meta_name(key)}' is missing or no longer on a cell")
        if custom_property(key) not in properties:
            problems.append(f"the document property '{custom_property(key)}' is missing")
    rules = _validation_rules(package)
    for field in schema.fields:
        reference = structure.name(field.name)
        if reference is None:
            problems.append(f"the defined name '{field.name}' ({field.label}) is missing or no longer on a cell")
            continue
        problem = _rule_problem(field, rules.get(reference.sheet, []), reference.row, reference.column)
        if problem:
            problems.append(f"{reference.sheet}!{reference.address} ({field.name}): {problem}")
    for table in (*schema.tables, *schema.stamped):  # the generator fills the stamped ones too
        found = structure.table(table.name)
        if found is None:
            problems.append(f"the table '{table.name}' ({table.title}) is missing: was it renamed? Name it "
                            f"{table.name} again (Table Design > Table Name)")  # fmt: skip
            continue
        headers = {header.strip().casefold(): found.first_column + i for i, header in enumerate(found.headers)}
        for column in table.columns:
            position = headers.get(column.header.casefold())
            if position is None:
                problems.append(f"the table {table.name} has no column '{column.header}' (its headers: "
                                f"{', '.join(found.headers)}): restore that header")  # fmt: skip
                continue
            row = found.first_row + 1
            problem = _rule_problem(column, rules.get(found.sheet, []), row, position) if found.body_rows else ""
            if problem:
                problems.append(f"{found.sheet}!{column_letters(position)}{row} ({table.name}[{column.header}]): "
                                f"{problem}")  # fmt: skip
        if table.month_series:
            months = [header for header in found.headers if re.fullmatch(r"\d{4}-\d{2}", header.strip())]
            if len(months) != table.month_series.count:
                problems.append(f"the table {table.name} has {len(months)} month column(s), not "
                                f"{table.month_series.count}")  # fmt: skip
        if len(found.body_rows) < table.rows:
            problems.append(f"the table {table.name} holds {len(found.body_rows)} row(s), fewer than the "
                            f"{table.rows} the template has")  # fmt: skip
    return TemplateCheck(template_id, version, tuple(problems))


def _validation_rules(package: XlsxPackage) -> dict[str, list[tuple[str, list[tuple[int, int, int, int]]]]]:
    """Each sheet's data validations: (type, the ranges it covers); 'none' for an input message without a rule."""
    rules: dict[str, list[tuple[str, list[tuple[int, int, int, int]]]]] = {}
    for sheet, part in package.structure.sheet_parts.items():
        for match in _VALIDATION.finditer(package.members.get(part, b"")):
            attributes = dict(_ATTRIBUTE.findall(match.group(1)))
            sqref = attributes.get(b"sqref")
            if sqref is None and match.group(3):
                inner = _X14_SQREF.search(match.group(3))
                sqref = inner.group(1) if inner else None
            ranges = []
            for reference in (sqref or b"").decode("utf-8", "replace").split():
                try:
                    ranges.append(parse_range(reference))
                except ValueError:
                    continue
            rules.setdefault(sheet, []).append((attributes.get(b"type", b"none").decode(), ranges))
    return rules


def _rule_problem(definition: Field | Column, rules, row: int, column: int) -> str:
    """'' when the cell's validation is the one the schema gives it, else what is wrong."""
    if definition.locked or definition.formula is not None:
        return ""
    expected = "list" if definition.choices else _RULE_TYPES.get(definition.type)
    if expected is None:
        return ""
    found = [kind for kind, ranges in rules
             if any(r1 <= row <= r2 and c1 <= column <= c2 for r1, c1, r2, c2 in ranges)]  # fmt: skip
    if not found:
        return f"its validation rule ({expected}) was removed; restore it (Data > Data Validation) or start again"
    if expected not in found:
        return f"its validation rule is {found[0]}, not {expected}; restore it (Data > Data Validation)"
    return ""


# -- where adopted templates live -----------------------------------------------------------------------------------


def adopted_templates_dir() -> Path:
    """The per-user folder of adopted templates (see the module docstring); not created here."""
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "pmo-xl" / "templates"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "pmo-xl" / "templates"


def adopted_template(schema: TemplateSchema) -> Path | None:
    """The adopted template of `schema`'s id, if there is one; TemplateError when it is of another version than
    `schema` (the current one), with the fix."""
    path = adopted_templates_dir() / f"{schema.template_id}.xlsx"
    if not path.is_file():
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            properties = read_custom_properties({"docProps/custom.xml": archive.read("docProps/custom.xml")})
    except (OSError, KeyError, zipfile.BadZipFile) as error:
        raise TemplateError(f"{path}, the adopted {schema.template_id} template, cannot be read ({error}): adopt "
                            "it again (pmo templates adopt), or remove it to use the shipped one") from None  # fmt: skip
    version = properties.get(custom_property("template_version"), "").strip()
    if version != schema.version:
        raise TemplateError(
            f"{path}, the adopted {schema.template_id} template, is version {version or '?'}, but this pmo-xl writes "
            f"{schema.version}: restyle the new template (pmo templates build) and adopt it (pmo templates adopt), "
            "or remove the adopted one to use the shipped template"
        )
    return path
