"""An .xlsx file as a zip of XML parts: find fields and tables by name, and rewrite only the parts that change.

The generator never round-trips a template through openpyxl, which drops sparklines, x14 validations, form
controls and customUI. It reads the template's zip once, patches the few parts it must change and copies every
other member's compressed bytes untouched, through the one zip layer (`zip_archive`): the standard library's
zipfile cannot copy a member without decompressing and recompressing it.
"""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from pmo_xl.errors import TemplateError
from pmo_xl.excel.zip_archive import (
    DamagedPart,
    ZipMember,
    end_record,
    inflate,
    member_records,
    read_directory,
    stored_bytes,
)

NS = {
    "main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "custom": "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
    "vt": "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
}
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


@dataclass(frozen=True)
class CellRef:
    sheet: str
    row: int  # 1-based, as in the sheet XML
    column: int  # 1-based

    @property
    def address(self) -> str:
        return f"{column_letters(self.column)}{self.row}"


@dataclass(frozen=True)
class TableRef:
    name: str
    sheet: str
    part: str  # e.g. xl/tables/table3.xml
    first_row: int
    first_column: int
    last_row: int
    last_column: int
    headers: tuple[str, ...]

    @property
    def body_rows(self) -> range:
        return range(self.first_row + 1, self.last_row + 1)


def column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + (ord(letter) - 64)
    return number


def column_letters(column: int) -> str:
    letters = ""
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# Excel's grid
MAX_ROW, MAX_COLUMN = 1_048_576, 16_384


def parse_cell(address: str) -> tuple[int, int]:
    """(row, column) of an A1 address on Excel's grid; ValueError for anything else (A0, XFE1, A1048577)."""
    match = _CELL.match(address.strip())
    if not match:
        raise ValueError(f"not a cell address: {address}")
    row, column = int(match.group(2)), column_number(match.group(1))
    if not (1 <= row <= MAX_ROW and 1 <= column <= MAX_COLUMN):
        raise ValueError(f"not a cell address on Excel's grid: {address}")
    return row, column


def parse_range(reference: str) -> tuple[int, int, int, int]:
    first, _, last = reference.partition(":")
    first_row, first_column = parse_cell(first)
    last_row, last_column = parse_cell(last or first)
    return first_row, first_column, last_row, last_column


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts: list[str] = []
    for part in (PurePosixPath(base).parent / target).parts:
        if part == "..":
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def _relationships(members: Mapping[str, bytes], part: str) -> dict[str, tuple[str, str]]:
    """rId -> (type, resolved target) for a part's .rels file."""
    path = PurePosixPath(part)
    rels_part = str(path.parent / "_rels" / f"{path.name}.rels")
    if rels_part not in members:
        return {}
    root = ET.fromstring(members[rels_part])
    return {
        rel.get("Id"): (rel.get("Type", ""), _resolve(part, rel.get("Target", "")))
        for rel in root.findall("rel:Relationship", NS)
        if rel.get("TargetMode") != "External"
    }


@dataclass(frozen=True)
class WorkbookStructure:
    """Where a workbook keeps its sheets, named cells and tables, read from its XML parts."""

    sheet_parts: dict[str, str]  # sheet name -> part
    sheet_states: dict[str, str]  # sheet name -> visible / hidden / veryHidden
    names: dict[str, CellRef | None]  # workbook-scoped defined names; None where the name is #REF! or not a cell
    tables: dict[str, TableRef]  # by displayName, case-insensitive lookups via table()
    date1904: bool
    custom_properties: dict[str, str]

    def __post_init__(self) -> None:
        # Excel names and table names are case-insensitive.
        object.__setattr__(self, "_names_folded", {key.casefold(): value for key, value in self.names.items()})
        object.__setattr__(self, "_tables_folded", {key.casefold(): value for key, value in self.tables.items()})

    def table(self, name: str) -> TableRef | None:
        return self._tables_folded.get(name.casefold())

    def name(self, name: str) -> CellRef | None:
        return self._names_folded.get(name.casefold())


def read_structure(members: Mapping[str, bytes]) -> WorkbookStructure:
    """Parse workbook.xml, its relationships, the tables and custom properties of an unzipped .xlsx."""
    workbook_part = "xl/workbook.xml"
    for _rid, (rel_type, target) in _relationships(members, "").items():
        if rel_type.endswith("/officeDocument"):
            workbook_part = target
    if workbook_part not in members:
        raise TemplateError("no workbook part: this is not an Excel workbook")
    root = ET.fromstring(members[workbook_part])
    relationships = _relationships(members, workbook_part)
    sheet_parts: dict[str, str] = {}
    sheet_states: dict[str, str] = {}
    sheet_index: list[str] = []
    for sheet in root.iterfind("main:sheets/main:sheet", NS):
        name = sheet.get("name", "")
        rid = sheet.get(f"{{{NS['r']}}}id", "")
        if rid in relationships:
            sheet_parts[name] = relationships[rid][1]
        sheet_states[name] = sheet.get("state", "visible")
        sheet_index.append(name)
    properties = root.find("main:workbookPr", NS)
    date1904 = properties is not None and properties.get("date1904", "0") in ("1", "true")
    names: dict[str, CellRef | None] = {}
    for defined in root.iterfind("main:definedNames/main:definedName", NS):
        name = defined.get("name", "")
        if defined.get("localSheetId") is not None or name.startswith("_xlnm."):
            continue
        names[name] = _cell_of(defined.text or "", set(sheet_parts))
    tables: dict[str, TableRef] = {}
    for sheet_name, sheet_part in sheet_parts.items():
        for rel_type, target in _relationships(members, sheet_part).values():
            if rel_type.endswith("/table") and target in members:
                table = _table_of(members[target], sheet_name, target)
                tables[table.name] = table
    return WorkbookStructure(sheet_parts, sheet_states, names, tables, date1904, read_custom_properties(members))


def _cell_of(formula: str, sheets: set[str]) -> CellRef | None:
    text = formula.strip().lstrip("=")
    sheet, separator, address = text.rpartition("!")
    if not separator:
        return None
    sheet = sheet.strip("'").replace("''", "'")
    address = address.split(":")[0]
    if sheet not in sheets:
        return None
    try:
        row, column = parse_cell(address)
    except ValueError:  # not a cell on the grid: the name is broken, and the reader says so where it is needed
        return None
    return CellRef(sheet, row, column)


def _table_of(xml: bytes, sheet: str, part: str) -> TableRef:
    root = ET.fromstring(xml)
    name = root.get("displayName") or root.get("name") or ""
    reference = root.get("ref", "")
    try:
        first_row, first_column, last_row, last_column = parse_range(reference)
    except ValueError:
        raise DamagedPart(
            f"the table {name or part} has the range '{reference[:40]}', which is not on Excel's grid"
        ) from None
    columns = root.find("main:tableColumns", NS)
    headers = tuple(column.get("name", "") for column in root.iterfind("main:tableColumns/main:tableColumn", NS))
    if first_row > last_row or first_column > last_column:
        raise DamagedPart(f"the table {name} has the range {reference}, which ends before it starts")
    if len(headers) != last_column - first_column + 1 or (
        columns is not None and columns.get("count") not in (None, str(len(headers)))
    ):
        raise DamagedPart(
            f"the table {name} spans {last_column - first_column + 1} column(s) ({reference}) but lists "
            f"{len(headers)}: its columns and its range disagree"
        )
    return TableRef(name, sheet, part, first_row, first_column, last_row, last_column, headers)


def read_custom_properties(members: Mapping[str, bytes]) -> dict[str, str]:
    xml = members.get("docProps/custom.xml")
    if not xml:
        return {}
    values: dict[str, str] = {}
    for prop in ET.fromstring(xml).iterfind("custom:property", NS):
        text = "".join(child.text or "" for child in prop)
        values[prop.get("name", "")] = text
    return values


# -- the raw zip: read once, write with untouched members copied byte for byte ---------------------------------


@dataclass(frozen=True)
class RawMember:
    info: ZipMember
    compressed: bytes


class XlsxPackage:
    """A template's zip, held in memory: its members' stored bytes, and their uncompressed XML."""

    def __init__(self, data: bytes, source: str = "<memory>"):
        self.source = source
        directory = read_directory(data)
        self.order: list[str] = list(directory)
        self.raw = {name: RawMember(member, stored_bytes(data, member)) for name, member in directory.items()}
        self.members = {name: inflate(data, member) for name, member in directory.items()}
        self.structure = read_structure(self.members)
        self._unchanged_cache: dict[str, tuple[bytes, bytes, bytes]] = {}
        self._changed_cache: dict[tuple[str, bytes], tuple[bytes, bytes, bytes]] = {}

    @classmethod
    def from_path(cls, path) -> XlsxPackage:
        with open(path, "rb") as handle:
            return cls(handle.read(), str(path))

    def _unchanged(self, name: str) -> tuple[bytes, bytes, bytes]:
        if name not in self._unchanged_cache:
            info, compressed = self.raw[name].info, self.raw[name].compressed
            local, central = member_records(info, compressed, info.crc, info.compress_type, info.file_size)
            self._unchanged_cache[name] = (local, compressed, central)
        return self._unchanged_cache[name]

    def _changed(self, name: str, content: bytes) -> tuple[bytes, bytes, bytes]:
        # In a batch many workbooks share a patched part (the month headers of one period): compress it once.
        key = (name, content)
        cached = self._changed_cache.get(key)
        if cached is None:
            compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
            compressed = compressor.compress(content) + compressor.flush()
            local, central = member_records(
                self.raw[name].info, compressed, zlib.crc32(content), zipfile.ZIP_DEFLATED, len(content)
            )
            cached = (local, compressed, central)
            if len(self._changed_cache) > 64:
                self._changed_cache.clear()
            self._changed_cache[key] = cached
        return cached

    def _streamed(self, name: str, chunks: Iterable[bytes]) -> tuple[bytes, bytes, bytes]:
        """A part written from `chunks` as they come, compressed on the way: its text is never held whole."""
        compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
        compressed, crc, size = [], 0, 0
        for chunk in chunks:
            crc, size = zlib.crc32(chunk, crc), size + len(chunk)
            compressed.append(compressor.compress(chunk))
        compressed.append(compressor.flush())
        data = b"".join(compressed)
        local, central = member_records(self.raw[name].info, data, crc, zipfile.ZIP_DEFLATED, size)
        return local, data, central

    def write(self, replacements: dict[str, bytes | Iterable[bytes]]) -> bytes:
        """The package's bytes with `replacements` (part -> new content, or an iterable of its chunks, compressed
        as they come); every other member copied raw."""
        unknown = set(replacements) - set(self.raw)
        if unknown:
            raise TemplateError(f"{self.source}: cannot replace parts the template lacks: {sorted(unknown)}")
        out: list[bytes] = []
        central: list[bytes] = []
        offset = 0
        for name in self.order:
            content = replacements.get(name)
            if isinstance(content, bytes):
                local, compressed, record = self._changed(name, content)
            elif content is not None:
                local, compressed, record = self._streamed(name, content)
            else:
                local, compressed, record = self._unchanged(name)
            out += (local, compressed)
            central += (record, struct.pack("<I", offset), name.encode("utf-8"))
            offset += len(local) + len(compressed)
        directory = b"".join(central)
        return b"".join(out) + directory + end_record(len(self.order), len(directory), offset)
