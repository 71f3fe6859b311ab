"""Our own check of an OOXML package, for what openxml-audit does not look at (it validates parts against the Open
XML SDK's schemas, which allow `<v>nan</v>`, out-of-order cells, duplicate table ids and ill-formed names):

- every XML part is well-formed (a control character makes a part unreadable to everyone);
- every numeric cell value is a finite number;
- rows ascend, and cells ascend within their row and belong to it;
- no cell text is longer than Excel's 32,767 characters;
- table ids are unique across the workbook, and table names too;
- defined names are valid Excel names.

Hand-written because no library checks these; each returns plain messages, empty when the package is fine.
"""

from __future__ import annotations

import io
import math
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from pmo_xl.errors import SchemaError
from pmo_xl.excel.package import parse_cell
from pmo_xl.templates.schema import check_defined_name

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
EXCEL_CELL_LIMIT = 32767
# Names Excel itself writes: print areas and titles, filters, and hidden helper names of add-ins.
_BUILT_IN = re.compile(r"^_xlnm\.[A-Za-z_]+$|^_xlfn\.|^_xlpm\.")


def check_package(path: Path) -> list[str]:
    problems: list[str] = []
    with zipfile.ZipFile(io.BytesIO(Path(path).read_bytes())) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    names = list(parts)
    if len(names) != len(set(names)):
        problems.append("two zip members share one name")
    table_ids: dict[str, str] = {}
    table_names: dict[str, str] = {}
    for name, data in parts.items():
        if not name.endswith((".xml", ".rels", ".vml")):
            continue
        try:
            root = ET.fromstring(data)
        except ET.ParseError as error:
            problems.append(f"{name}: not well-formed XML ({error})")
            continue
        if name.startswith("xl/worksheets/"):
            problems += _check_sheet(name, root)
        elif name.startswith("xl/tables/"):
            for attribute, seen in (("id", table_ids), ("name", table_names)):
                value = root.get(attribute, "")
                if value.casefold() in seen:
                    problems.append(
                        f"{name}: table {attribute} {value} is used again (also in {seen[value.casefold()]})"
                    )
                seen[value.casefold()] = name
        elif name == "xl/workbook.xml":
            for defined in root.iter(f"{MAIN}definedName"):
                defined_name = defined.get("name", "")
                if _BUILT_IN.match(defined_name):
                    continue
                try:
                    check_defined_name(defined_name)
                except SchemaError as error:
                    problems.append(f"{name}: defined name {defined_name!r}: {error}")
        elif name == "xl/sharedStrings.xml":
            for item in root.iter(f"{MAIN}si"):
                text = "".join(node.text or "" for node in item.iter(f"{MAIN}t"))
                if len(text.encode("utf-16-le")) // 2 > EXCEL_CELL_LIMIT:
                    problems.append(f"{name}: a shared string of {len(text):,} characters")
    return problems


def _check_sheet(name: str, root: ET.Element) -> list[str]:
    problems = []
    previous_row = 0
    for row in root.iter(f"{MAIN}row"):
        number = int(row.get("r", previous_row + 1))
        if number <= previous_row:
            problems.append(f"{name}: row {number} comes after row {previous_row}")
        previous_row = number
        previous_column = 0
        for cell in row.iter(f"{MAIN}c"):
            address = cell.get("r")
            if address:
                try:
                    reference = parse_cell(address)
                except ValueError:
                    problems.append(f"{name}: {address!r} is not a cell address")
                    continue
                if reference[0] != number:
                    problems.append(f"{name}: cell {address} is not in row {number}")
                    continue
                if reference[1] <= previous_column:
                    problems.append(f"{name}: cell {address} comes after column {previous_column} in its row")
                previous_column = reference[1]
            kind = cell.get("t", "n")
            value = cell.find(f"{MAIN}v")
            if kind == "n" and value is not None and value.text is not None:
                try:
                    finite = math.isfinite(float(value.text))
                except ValueError:
                    finite = False
                if not finite:
                    problems.append(f"{name}: cell {address} holds {value.text!r}, not a finite number")
            if kind == "inlineStr":
                text = "".join(node.text or "" for node in cell.iter(f"{MAIN}t"))
                if len(text.encode("utf-16-le")) // 2 > EXCEL_CELL_LIMIT:
                    problems.append(f"{name}: cell {address} holds {len(text):,} characters")
    return problems
