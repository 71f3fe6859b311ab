"""Read one submitted workbook into a ParsedSubmission, finding every field and table by name, never by position.

The file is read exactly once: its bytes are hashed and parsed from memory, so the SHA-256 always describes the
bytes that were parsed even when AutoSave or OneDrive rewrites the file meanwhile. The structure (defined names,
tables, custom properties) comes from the small XML parts of the zip, opened through the one zip layer
(`pmo_xl.excel.zip_archive`: a bounded directory read, no member inflated past its declared size); the values
come from python-calamine, one sheet at a time and only for the sheets that hold fields or tables. Formula cells are never read: templates ship
without cached results, so validation recomputes what it needs. calamine reads an Excel error value (`#REF!`,
`#N/A`) as a blank, so each sheet part that holds one is searched for them and the cell gets an `ExcelError`.
Rows a PM typed just below a table, in its columns, are read as its rows with a warning; rows with input further
down, after a blank row, are refused rather than dropped (docs/collect-input-rules.md, section 9).

Nothing here raises for a bad file. A file that cannot be identified as one of our templates gives
`(None, [error findings])`; a workbook that is ours but damaged (a deleted name, a renamed header) gives the
submission with what could be read plus error findings. A field or table missing from the submission's dicts
means the reader has already reported why, so validation does not report it again.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from operator import itemgetter
from pathlib import Path

from lxml import etree
from python_calamine import CalamineWorkbook

from pmo_xl.excel.package import (
    NS,
    CellRef,
    DamagedPart,
    TableRef,
    WorkbookStructure,
    column_letters,
    read_custom_properties,
    read_structure,
)
from pmo_xl.excel.zip_archive import (
    END_RECORD_SIGNATURE,
    LOCAL_HEADER_SIGNATURE,
    InflatesPastDeclaredSize,
    LazyMembers,
    ZipMember,
    read_directory,
)
from pmo_xl.periods import is_month, month_series
from pmo_xl.submissions import Finding, ParsedSubmission, Value
from pmo_xl.templates.catalog import SCHEMAS
from pmo_xl.templates.metadata import META_KEYS, META_SHEET, WorkbookMetadata, custom_property, meta_name
from pmo_xl.templates.schema import Table, TemplateSchema, column_number
from pmo_xl.templates.versions import is_version, known_versions, schema_at, version_key
from pmo_xl.values import ExcelError

# Our templates inflate to well under 1 MB; 256 MB of declared content is an attack or an accident either way.
MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
# Real XML compresses about 5-20x; a member inflating over 1000x its compressed size is a zip bomb's signature.
MAX_COMPRESSION_RATIO = 1000
_RATIO_APPLIES_ABOVE = 10 * 1024 * 1024

CFB_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
# Parts whose absence-or-presence tells what kind of zip this is.
_XLSB_PART = "xl/workbook.bin"
_VBA_PART = "xl/vbaProject.bin"
_PERCENT_BUILTIN_FORMATS = {"9", "10"}
_UNSUPPORTED_ERROR = re.compile(r"Unsupported cell error value '(#[^']+)'")
# An error cell as Excel and LibreOffice write it, with or without the formula that gave it:
# <c r="B7" s="3" t="e"><f>VLOOKUP(...)</f><v>#N/A</v></c>. Groups: column letters, row, error code.
_ERROR_CELL = re.compile(
    rb'<(?:\w+:)?c(?=\s)(?=[^>]*?\sr="([A-Z]{1,3})([0-9]+)")(?=[^>]*?\st="e")[^>]*(?<!/)>\s*'
    rb"(?:<(?:\w+:)?f\b[^>]*?(?:/>|>[^<]*</(?:\w+:)?f>)\s*)?"
    rb"<(?:\w+:)?v>([^<]+)</(?:\w+:)?v>"
)


def read_submission(path: Path) -> tuple[ParsedSubmission | None, list[Finding]]:
    """Read `path` once, hash those bytes and parse them. Never raises for a bad file (see the module docstring)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        return None, [
            Finding(
                "error",
                "unreadable",
                f"the file could not be read ({error.strerror or error}); if it is open or still syncing, "
                "wait and run collect again",
            )
        ]
    return read_submission_bytes(data, str(path))


# The spreadsheet reader (calamine, native code) panics on some damaged cells, e.g. a date cell holding -1e20. A Rust
# panic reaches Python as pyo3's PanicException, which derives from BaseException, so `except Exception` misses it.
READER_PANIC = (
    "a cell of this workbook holds what no workbook can (e.g. a date far beyond the calendar), and the reader "
    "stopped on it: the file is damaged. Open it in Excel, check the dates, save it and send it again"
)


def is_reader_panic(error: BaseException) -> bool:
    """True for a native reader's panic (pyo3's PanicException): contained to its file, unlike KeyboardInterrupt."""
    return type(error).__name__ == "PanicException"


def read_submission_bytes(
    data: bytes, path: str, sha256: str | None = None
) -> tuple[ParsedSubmission | None, list[Finding]]:
    """Parse a submission from bytes already read; `path` is only recorded and used in messages. `sha256` is the
    bytes' digest when the caller has already taken it."""
    try:
        return _read(data, path, sha256)
    except BaseException as error:
        if not isinstance(error, Exception) and not is_reader_panic(error):
            raise  # KeyboardInterrupt and SystemExit stop the run, as they should
        if is_reader_panic(error):
            return None, [_error("damaged_workbook", READER_PANIC)]
        unknown_error = _UNSUPPORTED_ERROR.search(str(error))
        if unknown_error:
            # calamine stops at error values newer than it knows (#SPILL!, #CALC!): it is the PM's cell, not damage
            found = ExcelError(unknown_error.group(1))
            where = _error_cell(data, found.code)
            message = (
                f"{'the cell ' + where if where else 'a cell'} {found.describe()}; correct that formula (or type the "
                "value), save and send it again"
            )
            return None, [Finding("error", "excel_error", message, cell=where)]
        return None, [
            Finding(
                "error",
                "damaged_workbook",
                f"the workbook is damaged and could not be read ({type(error).__name__}: {error}); "
                "open it in Excel, save it again as .xlsx and resend it",
            )
        ]


def _read(data: bytes, path: str, sha256: str | None) -> tuple[ParsedSubmission | None, list[Finding]]:
    if not data:
        return None, [_error("empty_file", "the file is empty (0 bytes); ask the PM to save the workbook again")]
    if data.startswith(CFB_SIGNATURE):
        return None, [classify_compound_file(data)]
    if not data.startswith(LOCAL_HEADER_SIGNATURE):
        if data.startswith(END_RECORD_SIGNATURE):
            return None, [_error("not_a_workbook", "the file is an empty zip archive, not a workbook")]
        return None, [
            _error(
                "not_a_zip",
                "the file is not an Excel workbook (.xlsx is a zip archive; this file is not): "
                "was it renamed from another format, or is it a CSV or PDF export?",
            )
        ]
    try:
        directory = read_directory(data)
    except DamagedPart as damage:
        return None, [_error("damaged_workbook", f"{damage}: {_DAMAGED_FIX}")]
    except zipfile.BadZipFile:
        return None, [
            _error(
                "truncated_zip",
                "the workbook is incomplete (the zip archive is cut off): it was probably copied or sent while "
                "still being saved or synced; ask the PM to send it again",
            )
        ]
    bomb = _zip_bomb_finding(directory)
    if bomb:
        return None, [bomb]
    if _XLSB_PART in directory:
        return None, [
            _error(
                "xlsb",
                "the workbook is an Excel binary workbook (.xlsb); save it as an Excel Workbook (.xlsx) and resend it",
            )
        ]
    try:
        return _read_workbook(data, path, directory, sha256)
    except InflatesPastDeclaredSize as lie:
        return None, [_lying_size_finding(str(lie))]
    except _Damaged as damage:
        return None, [damage.finding()]
    except Exception as error:
        if _CALAMINE_SIZE_LIE in str(error):
            return None, [_lying_size_finding("a worksheet")]
        raise


def _read_workbook(
    data: bytes, path: str, directory: dict[str, ZipMember], sha256: str | None
) -> tuple[ParsedSubmission | None, list[Finding]]:
    members = LazyMembers(directory, data)
    if "mimetype" in members and members["mimetype"].strip().startswith(_ODS_MIMETYPE):
        return None, [_foreign_format_finding("opendocument", "OpenDocument (.ods)")]
    try:
        structure, layouts = _structure(members)
    except InflatesPastDeclaredSize:
        raise
    except DamagedPart as damage:
        return None, [_error("damaged_workbook", f"{damage}: {_DAMAGED_FIX}")]
    except (KeyError, ET.ParseError, zipfile.BadZipFile, zlib.error, EOFError) as error:
        return None, [
            _error("damaged_workbook", f"the workbook's structure could not be read ({error}); save it again")
        ]
    except Exception as error:  # read_structure raises TemplateError for a zip that is no workbook
        if _is_strict(members):
            return None, [_foreign_format_finding("strict_open_xml", "Strict Open XML")]
        return None, [_error("not_a_workbook", f"the file is a zip archive but not an Excel workbook ({error})")]
    if not structure.names and _is_strict(members):  # only a workbook without names is looked at again
        return None, [_foreign_format_finding("strict_open_xml", "Strict Open XML")]
    findings: list[Finding] = []
    has_macros = _VBA_PART in directory
    if has_macros:
        findings.append(
            Finding(
                "warning",
                "macros_present",
                "the workbook contains macros (VBA); its values were read but the macros were never run. "
                "Templates need no macros: ask the PM to save it as .xlsx",
            )
        )
    sheets = _SheetValues(data, members, structure.sheet_parts)
    metadata, identity_findings = _metadata(structure, sheets)
    if metadata is None:
        return None, identity_findings
    findings += identity_findings
    # An older version's workbook is read in its own shape: collect migrates its values after judging them.
    schema = schema_at(metadata.template_id, metadata.template_version)
    layout_key = (schema.template_id, schema.version, metadata.reporting_period)
    if layout_key not in layouts:
        layouts[layout_key] = _layout(schema, structure, metadata.reporting_period)
    layout = layouts[layout_key]
    findings += layout.findings
    field_values = _field_values(layout, sheets)
    tables, table_rows, below_findings = _table_values(layout, sheets)
    findings += below_findings
    field_cells = {spot.name: spot.cell for spot in layout.fields}
    column_cells = {table.name: dict(table.column_cells) for table in layout.tables}
    percent_fields = _percent_formatted_fields(schema, structure, members, field_values)
    parsed = ParsedSubmission(
        path=path,
        file_name=os.path.basename(path),  # not Path: a Path interns the name for good
        sha256=sha256 or hashlib.sha256(data).hexdigest(),
        size=len(data),
        metadata=metadata,
        fields=field_values,
        tables=tables,
        table_rows=table_rows,
        has_macros=has_macros,
        field_cells=field_cells,
        column_cells=column_cells,
        percent_formatted=frozenset(percent_fields),
        saved_at=_saved_at(members),
    )
    return parsed, findings


_MODIFIED = re.compile(
    rb"<dcterms:modified\b[^>]*>\s*(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?Z?\s*</dcterms:modified>"
)


def _saved_at(members: LazyMembers) -> str:
    """The workbook's last-saved time from docProps/core.xml ('' if absent): a regex, since only this one element
    is wanted from a part the reader otherwise never opens."""
    if "docProps/core.xml" not in members:
        return ""
    match = _MODIFIED.search(members["docProps/core.xml"])
    return match.group(1).decode("ascii") if match else ""


_SAVE_AS_XLSX = "in Excel use Save As > Excel Workbook (.xlsx), and send it again"
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_STRICT_NAMESPACE = b"http://purl.oclc.org/ooxml/spreadsheetml/main"


def _is_strict(members: LazyMembers) -> bool:
    return "xl/workbook.xml" in members and _STRICT_NAMESPACE in members["xl/workbook.xml"][:2000]


def _foreign_format_finding(code: str, what: str) -> Finding:
    """A spreadsheet saved in another format than ours: OpenDocument (LibreOffice's .ods, also when renamed .xlsx)
    or Strict Open XML (Excel's "Strict Open XML Spreadsheet"), whose names and tables the reader would otherwise
    report one by one as missing."""
    return _error(code, f"the workbook was saved as {what}: {_SAVE_AS_XLSX}")


def _error_cell(data: bytes, code: str) -> str:
    """'Summary!C31' for the first cell holding the error value `code`, found in the sheet XML ('' if none)."""
    pattern = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*>(?:<f[^>]*>[^<]*</f>|<f[^>]*/>)?<v>' + re.escape(code.encode()))
    try:
        members = LazyMembers(read_directory(data), data)
        for sheet, part in read_structure(members).sheet_parts.items():
            if part in members:
                match = pattern.search(members[part])
                if match:
                    return f"{_sheet_ref(sheet)}!{match.group(1).decode()}"
    except Exception:  # the message stands without the cell
        return ""
    return ""


def _error(code: str, message: str, **where: object) -> Finding:
    return Finding("error", code, message, **where)


# -- files that are not zips ------------------------------------------------------------------------------------


def classify_compound_file(data: bytes) -> Finding:
    """What an OLE compound file is: password-encrypted, sensitivity-label encrypted, legacy .xls, or other."""
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as compound:
            streams = {"/".join(entry) for entry in compound.listdir(streams=True, storages=True)}
            label_text = b""
            for entry in compound.listdir(streams=True, storages=False):
                stream = "/".join(entry)
                if "DataSpaces" in stream or stream.endswith("DocumentSummaryInformation"):
                    label_text += compound.openstream(entry).read(1 << 20)
    except OSError:
        return _error("damaged_workbook", "the file looks like an old-style Office file but is damaged")
    lowered = {stream.casefold() for stream in streams}
    rights_managed = (
        any("drmencrypted" in stream for stream in lowered)
        or _utf16_or_ascii_in(b"Microsoft.Metadata.DRMTransform", label_text)
        or _utf16_or_ascii_in(b"MSIP_Label_", label_text)
    )
    encrypted = {"encryptioninfo", "encryptedpackage"} <= lowered
    if rights_managed:
        return _error(
            "sensitivity_label",
            "the workbook is encrypted by a Microsoft 365 sensitivity label (rights management), so no program "
            "but Office signed in as an authorised user can read it. Ask the PM to apply a label without "
            "encryption (e.g. 'Internal') before sending, or have the PMO's collect account granted rights; "
            "see docs/collect-input-rules.md",
        )
    if encrypted:
        return _error(
            "password_protected",
            "the workbook is protected with a password to open, so it cannot be read. Ask the PM to remove the "
            "password (File > Info > Protect Workbook > Encrypt with Password, clear it) and resend",
        )
    if "workbook" in lowered or "book" in lowered:
        return _error(
            "legacy_xls",
            "the workbook is in the old Excel 97-2003 format (.xls), which has no tables or stable names; "
            "fill in the .xlsx template the PMO sent",
        )
    return _error("not_a_workbook", "the file is an old-style Office document, not an Excel workbook")


def _utf16_or_ascii_in(needle: bytes, haystack: bytes) -> bool:
    return needle in haystack or needle.decode("ascii").encode("utf-16-le") in haystack


# What calamine says of a worksheet that inflates past its declared size (the zip layer catches the other parts).
_CALAMINE_SIZE_LIE = "larger than its declared uncompressed size"


def _zip_bomb_finding(directory: dict[str, ZipMember]) -> Finding | None:
    """Judge the archive from its declared sizes, before inflating anything."""
    total = 0
    for member in directory.values():
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _RATIO_APPLIES_ABOVE and ratio > MAX_COMPRESSION_RATIO:
            return _error(
                "zip_bomb",
                f"the part {member.filename} would inflate {ratio:,.0f} times its stored size "
                f"({member.file_size:,} bytes); the file was not opened",
            )
    if total > MAX_UNCOMPRESSED_BYTES:
        return _error(
            "zip_bomb",
            f"the workbook would inflate to {total:,} bytes, over the {MAX_UNCOMPRESSED_BYTES:,}-byte cap for a "
            "status workbook; the file was not opened",
        )
    return None


def _lying_size_finding(part: str) -> Finding:
    return _error(
        "zip_bomb",
        f"{part} inflates past the size the workbook's zip headers declare, the mark of a zip bomb; reading "
        "stopped at the declared size",
    )


# (looked-up member -> its stored bytes, the structure parsed from them, the layouts derived from it); a handful
# of templates at most
_STRUCTURE_CACHE: list[tuple[dict[str, tuple[int, bytes] | None], WorkbookStructure, dict]] = []
_STRUCTURE_CACHE_SIZE = 8
_PERCENT_STYLE_CACHE: dict[tuple[int, bytes] | None, set[int]] = {}
_CUSTOM_PROPERTIES = "docProps/custom.xml"


@dataclass(frozen=True)
class _IndexedStructure(WorkbookStructure):
    """WorkbookStructure with case-insensitive lookups from a dict: a status workbook looks up 60-odd names."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_names_folded", {key.casefold(): ref for key, ref in self.names.items()})
        object.__setattr__(self, "_tables_folded", {key.casefold(): ref for key, ref in self.tables.items()})

    def name(self, name: str) -> CellRef | None:
        return self._names_folded.get(name.casefold())  # type: ignore[attr-defined]

    def table(self, name: str) -> TableRef | None:
        return self._tables_folded.get(name.casefold())  # type: ignore[attr-defined]


def _structure(members: LazyMembers) -> tuple[WorkbookStructure, dict[tuple[str, str, str], _Layout]]:
    """read_structure, reused when every member it looked at holds the same bytes as in an earlier file; with the
    layouts already worked out for that structure."""
    for fingerprint, structure, layouts in tuple(_STRUCTURE_CACHE):  # a snapshot: files are read on threads
        if all(members.stored(name) == stored for name, stored in fingerprint.items()):
            return replace(structure, custom_properties=read_custom_properties(members)), layouts
    members.probed.clear()
    parsed = read_structure(members)
    structure = _IndexedStructure(**{item.name: getattr(parsed, item.name) for item in fields(parsed)})
    fingerprint = {name: members.stored(name) for name in members.probed if name != _CUSTOM_PROPERTIES}
    layouts: dict[tuple[str, str, str], _Layout] = {}
    _STRUCTURE_CACHE.insert(0, (fingerprint, structure, layouts))
    del _STRUCTURE_CACHE[_STRUCTURE_CACHE_SIZE:]
    return structure, layouts


class _SheetValues:
    """Each sheet's cell values as a list of rows from A1, loaded by calamine once, only when first needed; an
    error cell holds an ExcelError, not calamine's blank. Every part calamine reads is checked first (see
    `_check_part`): a damaged part refuses the file instead of being read for what it seems to say."""

    def __init__(self, data: bytes, members: LazyMembers, sheet_parts: Mapping[str, str]):
        self._data = data
        self._members = members
        self._sheet_parts = sheet_parts
        self._workbook: CalamineWorkbook | None = None
        self._rows: dict[str, list[list[object]]] = {}

    def rows(self, sheet: str) -> list[list[object]]:
        if sheet not in self._rows:
            if self._workbook is None:
                for name in self._members:  # the parts calamine reads on opening, whatever a writer named them
                    if name.startswith("xl/") and name.endswith(_OPENED_PARTS):
                        _check_part(name, self._members, _part_label(name), cache=True)
                self._workbook = CalamineWorkbook.from_filelike(io.BytesIO(self._data))
            part = self._sheet_parts.get(sheet)
            sheet_xml = self._members[part] if part is not None and part in self._members else None
            if sheet_xml is not None:
                label = f"the sheet '{sheet}' ({part})"
                _check_part(part, self._members, label, sheet=True)
                _check_cells(label, sheet_xml)
            try:
                rows = self._workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            except Exception as error:
                unknown = _UNKNOWN_TYPE.search(str(error))
                if unknown:
                    raise _Damaged(f"the sheet '{sheet}' has a cell of unknown type t=\"{unknown.group(1)}\"") from None
                raise
            if sheet_xml is not None:
                _place_errors(rows, sheet_xml)
            self._rows[sheet] = rows
        return self._rows[sheet]

    def value(self, sheet: str, row: int, column: int) -> Value:
        rows = self.rows(sheet)
        if row - 1 >= len(rows) or column - 1 >= len(rows[row - 1]):
            return None
        return _plain(rows[row - 1][column - 1])


class _Damaged(Exception):
    """A part we read is damaged: the file is refused, never read for what it seems to say."""

    code = "damaged_workbook"

    def finding(self) -> Finding:
        return _error(self.code, f"{self}: {_DAMAGED_FIX}")


class _OutsideArea(_Damaged):
    """A cell far outside any template's area: not damage, but more than the reader may lay out."""

    code = "cell_outside_template"

    def finding(self) -> Finding:
        return _error(self.code, str(self))


_DAMAGED_FIX = "the data read from it may not be what the PM typed. Open it in Excel, save it, and send it again"
_OPENED_PARTS = ("sharedStrings.xml", "styles.xml")
_UNKNOWN_TYPE = re.compile(r"Unknown cell 't' attribute: \"([^\"]*)\"")
# Characters XML 1.0 forbids: a part holding one raw is not well-formed, whatever a lenient reader makes of it.
_RAW_CONTROL = bytes(range(0x20)).translate(None, b"\t\n\r")
# Parts already found well-formed, by their stored (compressed) bytes: styles.xml is the same in most files of a run.
_WELL_FORMED: dict[tuple[int, bytes], None] = {}
_WELL_FORMED_SIZE = 16


def _part_label(part: str) -> str:
    """A part as a message names it: what it is to a PMO, then its name in the zip."""
    what = "the workbook's shared text" if part.endswith("sharedStrings.xml") else "the workbook's cell formats"
    return f"{what} ({part})"


def _check_part(part: str, members: LazyMembers, label: str, cache: bool = False, sheet: bool = False) -> None:
    """Refuse a part that is not well-formed XML: calamine reads on through garbage tags, a lone '<', a bad entity,
    a duplicate attribute, a missing or extra end tag, a part cut off, and reads what it finds, so its silence
    proves nothing.

    libxml2 (through lxml) is the judge, parsing to a target with no element methods: no tree is built and no
    Python runs per element, and lxml lets go of the GIL while it parses, so on collect's reader threads the check
    runs beside the next file's Python work (about 4 µs per KB on one core; expat, the standard library's parser,
    costs twice that and holds the GIL). A document type declaration, which no Open XML part may have (OPC forbids
    DTDs), is refused, and entities are never resolved.

    Of a sheet part, what calamine reads is checked: everything up to the end of its cells (sheetData), closed
    after them. The formatting that follows (conditional formats, validations, page setup, about 30 % of the
    bytes) is never read, and damage there changes no value; a part cut off anywhere is still refused.
    """
    key = members.stored(part) if cache else None
    if key is not None and key in _WELL_FORMED:
        return
    xml = members[part]
    checked = _read_region(xml) if sheet else xml
    parser = etree.XMLParser(target=_NoTree(), resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        etree.fromstring(checked, parser)
    except etree.XMLSyntaxError as error:
        raise _Damaged(f"{label} {_what_is_wrong(xml, error)}") from None
    except _DoctypeFound:
        raise _Damaged(f"{label} declares a document type, which no Open XML part may do") from None
    if key is not None:
        if len(_WELL_FORMED) >= _WELL_FORMED_SIZE:
            _WELL_FORMED.clear()
        _WELL_FORMED[key] = None


class _DoctypeFound(Exception):
    pass


# The root element's name: the first start tag after the declaration, comments and processing instructions.
_ROOT_NAME = re.compile(rb"\s*(?:(?:<\?.*?\?>|<!--.*?-->)\s*)*<([\w:.-]+)", re.S)


def _root_closed(xml: bytes) -> bytes | None:
    """The root's name when the part ends with its end tag (a part cut off anywhere does not); else None."""
    root = _ROOT_NAME.match(xml, 0, 4096)
    if root is None or not xml[-256:].rstrip().endswith(b"</" + root.group(1) + b">"):
        return None
    return root.group(1)


def _read_region(sheet_xml: bytes) -> bytes:
    """The sheet part up to the end of its cell data, with the root closed after it; the whole part when it is
    cut off or its cell data cannot be found (then the parser says what is wrong with the whole). Found with
    rfind, not a regex: a regex tries every '<' of the part."""
    root = _root_closed(sheet_xml)
    end = max(sheet_xml.rfind(b"sheetData>"), sheet_xml.rfind(b"sheetData/>"))
    if root is None or end < 0:
        return sheet_xml
    return sheet_xml[: sheet_xml.index(b">", end) + 1] + b"</" + root + b">"


class _NoTree:
    """A parser target that builds nothing: lxml calls only the methods a target has."""

    def doctype(self, *_args: object) -> None:
        raise _DoctypeFound

    def close(self) -> None:
        return None


def _what_is_wrong(xml: bytes, error: etree.XMLSyntaxError) -> str:
    """The parser's complaint in a PMO's words, for the two damages a copy or a sync makes most."""
    if len(xml.translate(None, _RAW_CONTROL)) != len(xml):
        return "holds raw control characters, which XML does not allow"
    if _root_closed(xml) is None:
        return "is cut off before its end"
    line, column = error.position
    return f"is not well-formed XML ({error.msg.split(', line')[0]}, line {line}, column {column})"


# A cell element that is not `<c r="..."` with an address inside A1:ZZ9999: a writer with other habits (another
# attribute order, a prefix, no address), or a cell off the grid or far outside any template's area. Almost no
# sheet has one, so one search (no object per cell) clears a sheet; the rare one is looked at cell by cell.
_UNUSUAL_CELL = re.compile(rb'<c\b(?! r="[A-Z]{1,2}[1-9][0-9]{0,3}")')
# A writer that prefixes the main namespace does so from the root on (<x:worksheet>): then the general patterns.
_PREFIXED_ROOT = re.compile(rb"(?:<\?[^>]*>)?\s*(?:<!--.*?-->\s*)*<\w+:", re.S)
_ANY_CELL_ADDRESS = re.compile(rb'<(?:\w+:)?c\s[^>]*?(?<=\s)r\s*=\s*["\']([^"\']*)')
_IN_AREA = re.compile(rb"[A-Z]{1,2}[1-9][0-9]{0,3}")
# calamine lays a sheet out as one dense block up to its last cell, so one value typed at XFD1048576 would ask it
# for 512 GB and abort the process, and one at A1048576 costs 300 MB. A1:ZZ9999 is far beyond any template's area
# (its widest table ends at column X, its longest at row 400).
_READ_AREA = "A1:ZZ9999"
_ROW_NUMBER = re.compile(rb'<row r="([0-9]+)"')
# A type attribute (a cell's, or a formula's) with a value neither may have: calamine complains only when the cell
# holds a value, so an empty cell of unknown type would pass it. ' t="' is the one attribute spelled so.
_UNKNOWN_TYPE_ATTRIBUTE = re.compile(
    rb' t\s*=\s*["\'](?!(?:s|n|str|b|e|inlineStr|d|shared|array|normal|dataTable)["\'])'
)
_ANY_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\s[^>]*?(?<=\s)r\s*=\s*["\']([0-9]+)')


def _check_cells(label: str, sheet_xml: bytes) -> None:
    """Refuse a sheet whose cells Excel would repair (an address off the grid such as A0, XFE1 or A1048577; a row
    written twice or out of order) or that reaches beyond the area we read (A1:ZZ9999). calamine reads all of
    these, placing values where Excel would not."""
    row_number = _ROW_NUMBER
    if _UNUSUAL_CELL.search(sheet_xml) is not None or _PREFIXED_ROOT.match(sheet_xml) is not None:
        row_number = _ANY_ROW_NUMBER
        for address in _ANY_CELL_ADDRESS.findall(sheet_xml):
            if _IN_AREA.fullmatch(address) is None:
                _refuse_address(label, address.decode("utf-8", "replace")[:20])
    unknown = _UNKNOWN_TYPE_ATTRIBUTE.search(sheet_xml)
    if unknown is not None:
        shown = sheet_xml[unknown.end() : unknown.end() + 12].split(b'"')[0].decode("utf-8", "replace")
        raise _Damaged(f'{label} has a cell of unknown type t="{shown}"')
    rows = [int(number) for number in row_number.findall(sheet_xml)]
    if rows != sorted(set(rows)):
        twice = next(later for earlier, later in itertools.pairwise(rows) if later <= earlier)
        raise _Damaged(f"{label} writes row {twice} twice, or out of order")


def _refuse_address(label: str, address: str) -> None:
    from pmo_xl.excel.package import parse_cell

    try:
        parse_cell(address)
    except ValueError:
        raise _Damaged(f"{label} has a cell at '{address}', which is not an address on Excel's grid") from None
    raise _OutsideArea(
        f"{label} has a cell at {address} (a value or a format), far outside the area a template sheet uses "
        f"({_READ_AREA}); it cannot be read safely. In Excel, select that cell (type {address} in the Name Box), "
        "clear it (Home > Clear > Clear All), save and send the workbook again"
    )


def _place_errors(rows: list[list[object]], sheet_xml: bytes) -> None:
    """Put an ExcelError where the sheet XML has an error cell. Most sheets hold none, and one substring search
    says so at a fraction of the cost of the regex. calamine's rows already span every error cell (it counts them
    as cells), so an address outside them is not a cell calamine read and is left alone."""
    if b't="e"' not in sheet_xml:
        return
    for letters, digits, code in _ERROR_CELL.findall(sheet_xml):
        row, column = int(digits) - 1, column_number(letters.decode()) - 1
        if 0 <= row < len(rows) and column < len(rows[row]):
            rows[row][column] = ExcelError(code.decode("utf-8", "replace").strip())


_INFINITY = float("inf")


def _plain(value: object) -> Value:
    if type(value) is str:
        return value or None
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if (isinstance(value, float) and value != value) or value in (_INFINITY, -_INFINITY):
        # <v>nan</v> or <v>1e309</v>: no Excel writes them; read as a number it would pass for a blank
        return ExcelError("#NUM!")
    if isinstance(value, str | int | float | bool | ExcelError):
        return value
    import datetime as dt

    if isinstance(value, dt.datetime | dt.date):
        return value
    # calamine gives time and timedelta for time-formatted cells; keep their text, validation judges it
    return str(value)


# -- identity -----------------------------------------------------------------------------------------------------


def _metadata(structure: WorkbookStructure, sheets: _SheetValues) -> tuple[WorkbookMetadata | None, list[Finding]]:
    """The template identity from the hidden metadata sheet, cross-checked with the custom document properties."""
    from_sheet: dict[str, str] = {}
    for key in META_KEYS:
        reference = structure.name(meta_name(key))
        if reference is not None and reference.sheet in structure.sheet_parts:
            value = sheets.value(reference.sheet, reference.row, reference.column)
            if value is not None:
                from_sheet[key] = str(value).strip()
    from_properties = {
        key: value.strip()
        for key in META_KEYS
        if (value := structure.custom_properties.get(custom_property(key), "")).strip() not in ("", "-")
    }
    values = {**from_properties, **from_sheet}
    template_id = values.get("template_id", "")
    if not template_id:
        return None, [
            _error(
                "not_our_template",
                "the workbook is not one of the PMO's templates (it carries no template id); the PM must fill in "
                "the workbook the PMO generated for the project",
            )
        ]
    if template_id not in SCHEMAS:
        return None, [
            _error(
                "not_our_template",
                f"the workbook says it is template '{template_id}', which this PMO does not collect "
                f"(known: {', '.join(SCHEMAS)})",
            )
        ]
    refused = _version_refusal(template_id, values.get("template_version", ""), from_sheet, from_properties)
    if refused is not None:
        return None, [refused]
    findings = []
    for key in ("template_id", "project_id", "reporting_period", "generation_token"):
        if key in from_sheet and key in from_properties and from_sheet[key] != from_properties[key]:
            findings.append(
                _error(
                    "metadata_mismatch",
                    f"the workbook's hidden metadata says {key} '{from_sheet[key]}' but its document properties say "
                    f"'{from_properties[key]}': the file was altered or mixed from two workbooks",
                    sheet="_pmo",
                    where=meta_name(key),
                )
            )
    metadata = WorkbookMetadata(**{key: values.get(key, "") for key in META_KEYS})
    return metadata, findings


def _version_refusal(
    template_id: str, version: str, from_sheet: dict[str, str], from_properties: dict[str, str]
) -> Finding | None:
    """None when the workbook's version is one this pmo-xl reads (pmo_xl.templates.versions), else the refusal:
    its two records of the version disagree, it is newer than this pmo-xl, or no version ever had that name."""
    where = {"sheet": META_SHEET, "where": meta_name("template_version")}
    on_sheet, in_properties = from_sheet.get("template_version"), from_properties.get("template_version")
    if on_sheet is not None and in_properties is not None and on_sheet != in_properties:
        return _error(
            "unknown_template_version",
            f"the workbook's hidden metadata says {template_id} version '{on_sheet}' but its document properties say "
            f"'{in_properties}': the version was edited by hand, so which shape to read it in cannot be told; "
            "ask the PM to copy the entries into a freshly generated workbook",
            **where,
        )
    known = known_versions(template_id)
    if version in known:
        return None
    current = known[-1]
    if is_version(version) and version_key(version) > version_key(current):
        fix = f"it was made by a newer pmo-xl (this one reads {', '.join(known)}): upgrade pmo-xl on the PMO's machine"
    elif is_version(version):
        fix = f"this pmo-xl reads {', '.join(known)}: regenerate the workbook from the current template"
    else:
        fix = (
            f"that is no version pmo-xl writes (it reads {', '.join(known)}); the metadata was edited by hand: "
            "ask the PM to copy the entries into a freshly generated workbook"
        )
    return _error(
        "unknown_template_version", f"the workbook is {template_id} version '{version or '?'}', but {fix}", **where
    )


# -- fields and tables --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _FieldSpot:
    name: str
    sheet: str
    row: int
    column: int
    cell: str


@dataclass(frozen=True)
class _TableLayout:
    name: str
    sheet: str
    body_rows: range
    read: tuple[tuple[str, int], ...]  # (column key, 0-based column index), formula columns left out
    input_indexes: tuple[int, ...]  # the cells a PM fills in: all empty means a blank pre-sized row
    keep_every_row: bool
    column_cells: dict[str, str]
    span: slice  # the table's own columns, as 0-based indexes into a sheet row
    # the rows under the table that may hold its rows typed outside it: up to, not including, the first row
    # where another table or a named cell sits in its columns
    below: range
    edges: tuple[str, str]  # ('RAID!B', 'P'): the sheet and first column, and the last column, for messages


@dataclass(frozen=True)
class _Layout:
    """Where a template's fields and table columns sit in one workbook structure, and what is missing.

    It depends only on the structure, so it is worked out once per template (and period), not once per file.
    """

    fields: tuple[_FieldSpot, ...]
    tables: tuple[_TableLayout, ...]
    findings: tuple[Finding, ...]


def _layout(schema: TemplateSchema, structure: WorkbookStructure, reporting_period: str) -> _Layout:
    spots: list[_FieldSpot] = []
    findings: list[Finding] = []
    for field in schema.fields:
        if field.formula is not None:
            continue
        reference = structure.name(field.name)
        if reference is None:
            findings.append(
                _error(
                    "missing_name",
                    f"the defined name '{field.name}' ({field.label}) is missing or no longer points at a cell: "
                    "was its cell or row deleted? Ask the PM to copy the values into a fresh copy of the workbook",
                    sheet=schema.main_sheet,
                    where=field.name,
                )
            )
            continue
        cell = f"{_sheet_ref(reference.sheet)}!{reference.address}"
        spots.append(_FieldSpot(field.name, reference.sheet, reference.row, reference.column, cell))
    tables = []
    prefilled = set(schema.extra.get("prefill_rows", {}))  # type: ignore[arg-type]
    for table in schema.tables:
        table_layout = _table_layout(table, structure, reporting_period, table.name in prefilled, findings)
        if table_layout is not None:
            tables.append(table_layout)
    return _Layout(tuple(spots), tuple(tables), tuple(findings))


def _table_layout(
    table: Table, structure: WorkbookStructure, reporting_period: str, keep_every_row: bool, findings: list[Finding]
) -> _TableLayout | None:
    found = structure.table(table.name)
    if found is None:
        findings.append(
            _error(
                "missing_table",
                f"the table '{table.name}' ({table.title}) is missing: was it deleted or converted to a range? "
                "Ask the PM to copy the rows into a fresh copy of the workbook",
                sheet=table.sheet,
                where=table.name,
            )
        )
        return None
    sheet_ref = _sheet_ref(found.sheet)
    position = {header.strip().casefold(): found.first_column + index for index, header in enumerate(found.headers)}
    columns: dict[str, int] = {}
    expected = _expected_headers(table, found.headers, reporting_period)
    for key, header in expected:
        column = position.get(header.casefold())
        if column is None:
            findings.append(
                _error(
                    "renamed_header",
                    f"table {table.name} has no column '{header}': a header was renamed or its column deleted. "
                    f"Headers are: {', '.join(found.headers)}. Restore the header '{header}'",
                    sheet=found.sheet,
                    where=f"{table.name}[{header}]",
                    cell=f"{sheet_ref}!{column_letters(found.first_column)}{found.first_row}",
                )
            )
            continue
        columns[key] = column
    expected_order = [header.casefold() for _, header in expected]
    actual_order = [
        header.strip().casefold() for header in found.headers if header.strip().casefold() in expected_order
    ]
    if actual_order != [header for header in expected_order if header in actual_order]:
        findings.append(
            Finding(
                "info",
                "columns_reordered",
                f"table {table.name}: columns were moved; they were read by their headers",
                sheet=found.sheet,
                where=table.name,
            )
        )
    formula_keys = {column.key for column in table.columns if column.formula is not None}
    return _TableLayout(
        name=table.name,
        sheet=found.sheet,
        body_rows=found.body_rows,
        read=tuple((key, column - 1) for key, column in columns.items() if key not in formula_keys),
        input_indexes=tuple(columns[key] - 1 for key in columns if not _is_locked_or_formula(table, key)),
        keep_every_row=keep_every_row,
        column_cells={key: f"{sheet_ref}!{column_letters(column)}" for key, column in columns.items()},
        span=slice(found.first_column - 1, found.last_column),
        below=range(found.last_row + 1, _first_row_taken_below(found, structure)),
        edges=(f"{sheet_ref}!{column_letters(found.first_column)}", column_letters(found.last_column)),
    )


# Excel's last row + 1: "no limit below" for a table with nothing under it
_SHEET_END = 1_048_577


def _first_row_taken_below(found: TableRef, structure: WorkbookStructure) -> int:
    """The first row under `found` where, in its columns, another table or a named cell begins: rows read as the
    table's must stop above it."""
    limit = _SHEET_END
    for other in structure.tables.values():
        if (
            other.sheet == found.sheet
            and other.first_row > found.last_row
            and other.first_column <= found.last_column
            and other.last_column >= found.first_column
        ):
            limit = min(limit, other.first_row)
    for cell in structure.names.values():
        if (
            cell is not None
            and cell.sheet == found.sheet
            and cell.row > found.last_row
            and found.first_column <= cell.column <= found.last_column
        ):
            limit = min(limit, cell.row)
    return limit


def _field_values(layout: _Layout, sheets: _SheetValues) -> dict[str, Value]:
    return {spot.name: sheets.value(spot.sheet, spot.row, spot.column) for spot in layout.fields}


def _sheet_ref(sheet: str) -> str:
    return sheet if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", sheet) else "'" + sheet.replace("'", "''") + "'"


def _table_values(
    layout: _Layout, sheets: _SheetValues
) -> tuple[dict[str, list[dict[str, Value]]], dict[str, list[int]], list[Finding]]:
    """Each table's rows that hold input, and the rows a PM typed just below it (with a finding either way)."""
    tables: dict[str, list[dict[str, Value]]] = {}
    table_rows: dict[str, list[int]] = {}
    findings: list[Finding] = []
    for table in layout.tables:
        read, input_indexes = table.read, table.input_indexes
        rows: list[dict[str, Value]] = []
        excel_rows: list[int] = []
        sheet_rows = sheets.rows(table.sheet)
        widest = max((index for _, index in read), default=0)
        input_cells = itemgetter(*input_indexes) if len(input_indexes) > 1 else None
        # Rows past the sheet's last cell hold nothing: a table stretched to row 1,048,576 costs no more to read.
        for excel_row in range(table.body_rows.start, min(table.body_rows.stop, len(sheet_rows) + 1)):
            line = sheet_rows[excel_row - 1]
            width = len(line)
            if not table.keep_every_row:
                # Most pre-sized rows are blank: test their input cells in one C-level call before building a row.
                if input_cells is not None and width > widest:
                    if input_cells(line).count("") == len(input_indexes):
                        continue
                elif all(index >= width or line[index] == "" for index in input_indexes):
                    continue
            rows.append({key: _plain(line[index]) if index < width else None for key, index in read})
            excel_rows.append(excel_row)
        below, blank_row, stranded = _rows_below(table, sheet_rows)
        for excel_row in below:
            line = sheet_rows[excel_row - 1]
            rows.append({key: _plain(line[index]) if index < len(line) else None for key, index in read})
            excel_rows.append(excel_row)
        if below:
            findings.append(_rows_below_finding(table, below))
        if stranded:
            findings.append(_stranded_rows_finding(table, stranded, blank_row))
        tables[table.name] = rows
        table_rows[table.name] = excel_rows
    return tables, table_rows, findings


def _rows_below(table: _TableLayout, sheet_rows: list[list[object]]) -> tuple[list[int], int, list[int]]:
    """Rows under the table holding input in its columns: those read as its rows, down to the first row blank in
    all its columns; that blank row (0 if none); and the rows with input after it, which are not read.

    A row that holds something only in columns the PM does not fill (a pre-sized row's id, a title) is not read
    but does not end the rows either, so a table whose ref was shrunk over its pre-sized rows is read to the end.
    """
    below: list[int] = []
    stranded: list[int] = []
    blank_row = 0
    for excel_row in range(table.below.start, min(table.below.stop, len(sheet_rows) + 1)):
        line = sheet_rows[excel_row - 1]
        has_input = any(index < len(line) and line[index] != "" for index in table.input_indexes)
        if not blank_row and not has_input and all(cell == "" for cell in line[table.span]):
            blank_row = excel_row
        elif has_input:
            (stranded if blank_row else below).append(excel_row)
    return below, blank_row, stranded


def _rows_below_finding(table: _TableLayout, below: list[int]) -> Finding:
    count = len(below)
    return Finding(
        "warning",
        "rows_below_table",
        f"{_rows(count)} below the {table.name} table {'was' if count == 1 else 'were'} read "
        f"({_row_numbers(below)}) as its rows; nothing is lost. Keep such rows straight under the table, without a "
        "blank row (where the sheet is unprotected, you can also grow the table over them: drag its bottom-right "
        "corner down)",
        sheet=table.sheet,
        where=table.name,
        cell=_cells(table, below[0], below[-1]),
        row=below[0],
    )


def _stranded_rows_finding(table: _TableLayout, stranded: list[int], blank_row: int) -> Finding:
    count = len(stranded)
    return _error(
        "rows_below_table_not_read",
        f"{_rows(count)} below the {table.name} table {'holds' if count == 1 else 'hold'} values that were not "
        f"read ({_row_numbers(stranded)}): the blank row {blank_row} separates {'it' if count == 1 else 'them'} "
        f"from the table, so {'it' if count == 1 else 'they'} may be notes or {table.name} rows. Move "
        f"{table.name} rows up into the table (or right under it) and delete notes from the table's columns, "
        "then send the workbook again",
        sheet=table.sheet,
        where=table.name,
        cell=_cells(table, stranded[0], stranded[-1]),
        row=stranded[0],
    )


def _cells(table: _TableLayout, first_row: int, last_row: int) -> str:
    return f"{table.edges[0]}{first_row}:{table.edges[1]}{last_row}"


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _row_numbers(rows: list[int]) -> str:
    """'row 71', 'rows 71-73', 'rows 71-72, 75': the Excel rows as a PM would look them up."""
    runs: list[list[int]] = []
    for row in rows:
        if runs and row == runs[-1][-1] + 1:
            runs[-1].append(row)
        else:
            runs.append([row])
    text = ", ".join(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs)
    return f"row {text}" if len(rows) == 1 else f"rows {text}"


def _expected_headers(table: Table, found_headers: tuple[str, ...], reporting_period: str) -> list[tuple[str, str]]:
    """(key, header) of every column the table must have. Month columns run from the table's first month header:
    the generator names them from the period, and carry-forward may start them elsewhere."""
    headers = [(column.key, column.header) for column in table.columns]
    if table.month_series:
        first_month = next((header.strip() for header in found_headers if is_month(header.strip())), reporting_period)
        if first_month:
            headers += [(month, month) for month in month_series(first_month, table.month_series.count)]
    return headers


def _is_locked_or_formula(table: Table, key: str) -> bool:
    for column in table.columns:
        if column.key == key:
            return column.locked or column.formula is not None
    return False  # month columns are input


# -- number formats: is a percent field's cell still formatted as a percentage? -----------------------------------


def _percent_formatted_fields(
    schema: TemplateSchema, structure: WorkbookStructure, members: LazyMembers, values: dict[str, Value]
) -> list[str]:
    """Names of percent fields holding 1 whose cell carries a percentage format, so 1 there means 100%, not 1%.

    calamine does not expose number formats, and only these few cells need one, so the style index is read from
    the sheet XML with a regex and looked up in styles.xml.
    """
    # The format decides only whether 1 means 100% or 1% (see validation.normalise_percent), so only cells
    # holding exactly 1 are looked at; every other value reads the same either way.
    percent_fields = [f for f in schema.fields if f.type == "percent" and f.formula is None and values.get(f.name) == 1]
    references = {f.name: structure.name(f.name) for f in percent_fields}
    references = {name: ref for name, ref in references.items() if ref is not None}
    if not references:
        return []
    percent_styles = _percent_style_indexes(members)
    result = []
    for name, reference in references.items():
        part = structure.sheet_parts.get(reference.sheet)
        if part is None or part not in members:
            continue
        match = re.search(rb'<c\b[^>]*?\br="' + reference.address.encode() + rb'"[^>]*>', members[part])
        if match is None:
            match = re.search(rb'<c\b[^>]*?\br="' + reference.address.encode() + rb'"[^>]*/>', members[part])
        style = re.search(rb'\bs="(\d+)"', match.group(0)) if match else None
        if style and int(style.group(1)) in percent_styles:
            result.append(name)
    return result


def _percent_style_indexes(members: LazyMembers) -> set[int]:
    styles_part = next((name for name in members if name.endswith("styles.xml") and name.startswith("xl/")), None)
    if styles_part is None:
        return set()
    stored = members.stored(styles_part)
    if stored not in _PERCENT_STYLE_CACHE:
        if len(_PERCENT_STYLE_CACHE) > _STRUCTURE_CACHE_SIZE:
            _PERCENT_STYLE_CACHE.clear()
        _PERCENT_STYLE_CACHE[stored] = _parse_percent_styles(members[styles_part])
    return _PERCENT_STYLE_CACHE[stored]


def _parse_percent_styles(styles_xml: bytes) -> set[int]:
    root = ET.fromstring(styles_xml)
    percent_formats = set(_PERCENT_BUILTIN_FORMATS)
    for number_format in root.iterfind("main:numFmts/main:numFmt", NS):
        code = re.sub(r'"[^"]*"|\\.', "", number_format.get("formatCode", ""))
        if "%" in code:
            percent_formats.add(number_format.get("numFmtId", ""))
    return {
        index
        for index, xf in enumerate(root.iterfind("main:cellXfs/main:xf", NS))
        if xf.get("numFmtId", "0") in percent_formats
    }


__all__ = ["MAX_UNCOMPRESSED_BYTES", "classify_compound_file", "read_submission", "read_submission_bytes"]
