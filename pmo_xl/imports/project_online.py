"""A Project Online export read: the ProjectData (OData V3) entity sets a PMO saved before Project Online closed.

EXPORT is a folder or a zip holding one file per entity set, named by the set (`Projects.json`, `Tasks.xlsx`,
`BusinessDrivers.csv`), a set that came in several pages as `Tasks.json`, `Tasks-2.json`, `Tasks-3.json`... Three
forms are read: JSON as the feed gives it (V3 verbose `{"d": {"results": [...]}}` with `/Date(...)/` dates, or JSON
light `{"value": [...]}` with ISO dates), the one table Excel's OData connector writes (read by pmo_xl.excel.tables),
and CSV. Names are Microsoft's, listed with their sources in docs/project-online.md; nothing else is assumed.

This module only reads: `read_export` gives each set's rows (a row repeated across pages kept once, by the set's
key), and `register_rows` maps the Projects set to register rows. Writing files is the command's
(pmo_xl/online.py). A JSON page is parsed as a stream (ijson), one row at a time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from sys import intern

from pmo_xl.errors import ExportError, InputTableError
from pmo_xl.excel.tables import read_table, same_name
from pmo_xl.excel.zip_archive import DamagedPart, InflatesPastDeclaredSize, inflate, read_directory
from pmo_xl.ledger import ImportedBaseline
from pmo_xl.values import (
    CsvError,
    LocaleError,
    as_text,
    decode_csv,
    is_blank,
    parse_odata_date,
    parse_xml_date,
    read_date,
    read_number,
    short,
)

FORMS = (".json", ".xlsx", ".csv")


@dataclass(frozen=True)
class EntitySet:
    """One ProjectData entity set: its key (what makes a row the same row on two pages) and the properties the
    mapping uses or knows (docs/project-online.md gives the source of each)."""

    name: str
    key: tuple[str, ...]
    properties: tuple[str, ...]


# The sets of docs/project-online.md, in its order. Other documented properties of these sets are not listed yet:
# they are reported as unknown, never dropped.
def _declared(name: str, key: str, properties: str) -> EntitySet:
    return EntitySet(name, tuple(key.split()), tuple(dict.fromkeys(key.split() + properties.split())))


ENTITY_SETS: dict[str, EntitySet] = {
    entity_set.name: entity_set
    for entity_set in (
        _declared(
            "Projects",
            "ProjectId",
            "ProjectName ProjectOwnerName ProjectManagerName ProjectStartDate ProjectFinishDate ProjectCost "
            "ProjectActualCost ProjectBudgetCost ProjectCurrency ProjectPercentCompleted ProjectDepartments "
            "EnterpriseProjectTypeName",
        ),
        _declared(
            "ProjectBaselines",
            "ProjectId BaselineNumber",
            "ProjectBaselineCost ProjectBaselineStartDate ProjectBaselineFinishDate",
        ),
        _declared(
            "ProjectWorkflowStageDataSet", "ProjectId StageId", "StageName StageOrder StageEntryDate StageStatus"
        ),
        _declared(
            "Tasks",
            "ProjectId TaskId",
            "TaskName TaskIsMilestone TaskIsSummary TaskOutlineLevel TaskStartDate TaskFinishDate TaskActualStartDate "
            "TaskActualFinishDate TaskPercentCompleted TaskDeadline TaskClientUniqueId",
        ),
        _declared(
            "TaskBaselines",
            "ProjectId TaskId BaselineNumber",
            "TaskBaselineStartDate TaskBaselineFinishDate TaskBaselineCost",
        ),
        _declared("Assignments", "ProjectId AssignmentId", "ResourceId AssignmentBookingId AssignmentBookingName"),
        _declared("AssignmentTimephasedDataSet", "ProjectId AssignmentId TimeByDay", "AssignmentWork"),
        _declared("Resources", "ResourceId", "RBS ResourceName ResourceIsGeneric"),
        _declared("ResourceTimephasedDataSet", "ResourceId TimeByDay", "Capacity BaseCapacity ResourceName"),
        _declared(
            "BusinessDrivers",
            "BusinessDriverId",
            "BusinessDriverName BusinessDriverDescription ImpactDescriptionNone ImpactDescriptionLow "
            "ImpactDescriptionModerate ImpactDescriptionStrong ImpactDescriptionExtreme BusinessDriverIsActive "
            "BusinessDriverCreatedDate BusinessDriverModifiedDate CreatedByResourceId CreatedByResourceName "
            "ModifiedByResourceId ModifiedByResourceName",
        ),
        _declared(
            "PortfolioAnalyses",
            "AnalysisId",
            "PrioritizationId RoleCustomFieldName AnalysisName AnalysisDescription AnalysisType PrioritizationName "
            "PrioritizationType AlternateProjectEndDateCustomFieldId AlternateProjectEndDateCustomFieldName "
            "AlternateProjectStartDateCustomFieldId AlternateProjectStartDateCustomFieldName BookingType "
            "CreatedByResourceId CreatedByResourceName CreatedDate DepartmentId DepartmentName "
            "FilterResourcesByDepartment FilterResourcesByRBS FilterResourcesByRBSValueId FilterResourcesByRBSValueText "
            "ForcedInAliasLookupTableId ForcedInAliasLookupTableName ForcedOutAliasLookupTableId "
            "ForcedOutAliasLookupTableName HardConstraintCustomFieldId HardConstraintCustomFieldName "
            "ModifiedByResourceId ModifiedByResourceName ModifiedDate PlanningHorizonEndDate PlanningHorizonStartDate "
            "RoleCustomFieldId TimeScale UseAlternateProjectDatesForResourcePlans",
        ),
        _declared(
            "Prioritizations",
            "PrioritizationId",
            "PrioritizationIsManual ConsistencyRatio PrioritizationName PrioritizationDescription "
            "PrioritizationCreatedDate PrioritizationModifiedDate CreatedByResourceId CreatedByResourceName "
            "ModifiedByResourceId ModifiedByResourceName DepartmentId DepartmentName",
        ),
        # Microsoft's page spells the name property BusinessDriveName; the feed may say either.
        _declared(
            "PrioritizationDrivers",
            "PrioritizationId BusinessDriverId",
            "BusinessDriverPriority BusinessDriverName BusinessDriveName PrioritizationName",
        ),
        _declared(
            "PrioritizationDriverRelations",
            "PrioritizationId BusinessDriver1Id BusinessDriver2Id",
            "RelationValue BusinessDriver1Name BusinessDriver2Name PrioritizationName",
        ),
        _declared(
            "PortfolioAnalysisProjects",
            "AnalysisId ProjectId",
            "Priority AbsolutePriority AnalysisName ProjectName Duration FinishNoLaterThan Locked OriginalEndDate "
            "OriginalStartDate StartDate StartNoEarlierThan",
        ),
        _declared(
            "CostConstraintScenarios",
            "ScenarioId",
            "AnalysisId AnalysisName ScenarioName ScenarioDescription SelectedProjectsCost SelectedProjectsPriority "
            "UnselectedProjectsCost UnselectedProjectsPriority UseDependencies CreatedByResourceId "
            "CreatedByResourceName CreatedDate ModifiedByResourceId ModifiedByResourceName ModifiedDate",
        ),
        _declared(
            "CostScenarioProjects",
            "ScenarioId ProjectId",
            "ForceStatus Status ForceAliasLookupTableId ForceAliasLookupTableName AnalysisId AnalysisName ScenarioName "
            "ProjectName Priority AbsolutePriority HardConstraintValue",
        ),
        _declared(
            "ResourceConstraintScenarios",
            "ScenarioId",
            "AnalysisId AnalysisName ScenarioName ScenarioDescription CostConstraintScenarioId "
            "CostConstraintScenarioName AllocationThreshold ConstraintType ConstraintValue EnforceProjectDependencies "
            "EnforceSchedulingConstraints HiringType RateTable CreatedByResourceId CreatedByResourceName CreatedDate "
            "ModifiedByResourceId ModifiedByResourceName ModifiedDate",
        ),
        _declared(
            "ResourceScenarioProjects",
            "ScenarioId ProjectId",
            "NewStartDate ForceStatus Status ForceAliasLookupTableId ForceAliasLookupTableName AnalysisId AnalysisName "
            "ScenarioName CostConstraintScenarioId CostConstraintScenarioName ProjectName Priority AbsolutePriority "
            "HardConstraintValue ResourceCost ResourceWork",
        ),
        _declared(
            "Risks",
            "ProjectId RiskId",
            "Title Description Owner AssignedToResource CreatedDate DueDate Probability Impact Exposure Cost "
            "CostExposure MitigationPlan ContingencyPlan TriggerDescription TriggerTask Category Status ModifiedDate "
            "ModifiedByResource IsFolder ItemRelativeUrlPath NumberOfAttachments ProjectName",
        ),
        _declared(
            "Issues",
            "ProjectId IssueId",
            "Title Discussion Owner AssignedToResource CreatedDate DueDate Priority Resolution Category Status "
            "ModifiedDate ModifiedByResource IsFolder ItemRelativeUrlPath NumberOfAttachments ProjectName",
        ),
        _declared("Deliverables", "ProjectId DeliverableId", ""),
    )
}
# A file's name without its suffix: the set's name, and for a page after the first "-N" (Tasks-2.json).
_PAGE_NAME = re.compile(r"^(?P<set>[A-Za-z][A-Za-z0-9]*)(?:-(?P<page>\d{1,4}))?$")


@dataclass(frozen=True)
class SetRows:
    """One entity set as read: its rows (each a property -> value mapping, as the file held it), the files it came
    from in page order, how many repeated rows were kept once, and whether the last page said more pages follow."""

    name: str
    rows: tuple[Mapping[str, object], ...]
    files: tuple[str, ...]
    repeated_rows: int = 0
    next_page_missing: bool = False
    known: bool = True
    renamed: Mapping[str, str] = dataclasses.field(default_factory=dict)  # documented name -> the feed's, by --names

    @functools.cached_property
    def properties(self) -> tuple[str, ...]:
        """Every property of the set's rows, in the order first seen: worked out once (a million rows)."""
        return tuple(dict.fromkeys(name for row in self.rows for name in row))


@dataclass(frozen=True)
class Export:
    """Every entity set found in EXPORT (known or not), and the files that are not an entity set."""

    source: str
    sets: Mapping[str, SetRows]
    other_files: tuple[str, ...]
    sha256: str = ""  # of the entity set files read, by name and content: which export a record came from

    def rows(self, name: str) -> tuple[Mapping[str, object], ...]:
        found = self.sets.get(name)
        return found.rows if found else ()


@dataclass(frozen=True)
class MappingLine:
    """One line of the mapping report: an entity set and property, what it became, and why."""

    entity_set: str
    property: str
    became: str
    note: str = ""


# -- reading EXPORT -------------------------------------------------------------------------------------------------


def read_export(path: Path | str, names: Mapping[str, str] | None = None, csv_locale: str | None = None) -> Export:
    """Every entity set in the folder or zip `path`; ExportError (one line) when nothing known can be read.

    `names` (from `read_names`, `--names mapping.csv`) gives the documented name of a set or property a localized
    PWA named otherwise: its properties are renamed as they are read, and the mapping report says so.
    `csv_locale` (pmo_xl.values.CSV_LOCALES) says how the CSV files write numbers and dates where their separator
    does not: a comma CSV from an American Excel writes 3/1/2026, which is refused as ambiguous without it."""
    path = Path(path)
    names = {same_name(feed): name for feed, name in (names or {}).items()}
    if path.is_dir():
        return _read_folder(path, path.name, (), names, csv_locale)
    if path.is_file() and path.suffix.lower() == ".zip":
        with tempfile.TemporaryDirectory(prefix="pmo-export-") as folder:
            skipped = _unpack(path, Path(folder))
            return _read_folder(Path(folder), path.name, skipped, names, csv_locale)
    if not path.exists():
        raise ExportError(f"{path}: no such folder or zip")
    raise ExportError(f"{path}: give the folder or the .zip that holds the export's files (Projects.json, ...)")


# A zip's members are inflated in memory one at a time: a real export's biggest set is a few hundred megabytes, and
# JSON compresses about tenfold. More, or a member that inflates far past that ratio, is a zip bomb or a mistake.
ZIP_TOTAL_LIMIT = 3 * 1024**3
ZIP_RATIO_LIMIT = 200


def _unpack(path: Path, folder: Path) -> list[str]:
    """The zip's files of a form read here, flat in `folder` (the zip layer bounds every member's size); the names
    of the others, to be listed. Two members of one name in different folders are refused, as two files for one page
    of a set are."""
    import zipfile

    skipped = []
    try:
        data = path.read_bytes()
        members = read_directory(data)
        wanted = {}
        for name, member in members.items():
            base = name.replace("\\", "/").rsplit("/", 1)[-1]
            if not base:
                continue
            if Path(base).suffix.lower() not in FORMS:
                skipped.append(name)
                continue
            if base.casefold() in wanted:
                raise ExportError(
                    f"{path.name}: {wanted[base.casefold()][0]} and {name} are both {base}; keep one (the zip holds "
                    "two exports?)"
                )
            if member.file_size > ZIP_RATIO_LIMIT * max(member.compress_size, 1) and member.file_size > 1 << 20:
                raise ExportError(
                    f"{path.name}: {name} would inflate {member.file_size // max(member.compress_size, 1)} times its "
                    "size: not an export (a zip bomb?); unpack the export yourself and give the folder"
                )
            wanted[base.casefold()] = (name, base, member)
        if sum(member.file_size for _name, _base, member in wanted.values()) > ZIP_TOTAL_LIMIT:
            raise ExportError(
                f"{path.name}: its files would take more than {ZIP_TOTAL_LIMIT // 1024**3} GB unpacked; unpack it "
                "onto a disk with room and give the folder"
            )
        for _name, base, member in wanted.values():
            (folder / base).write_bytes(inflate(data, member))
    except (DamagedPart, InflatesPastDeclaredSize, zipfile.BadZipFile, ValueError, OSError) as error:
        raise ExportError(f"{path.name}: not a readable zip ({short(str(error), 100)})") from None
    return skipped


def _read_folder(
    folder: Path,
    source: str,
    skipped: Sequence[str] = (),
    names: Mapping[str, str] | None = None,
    csv_locale: str | None = None,
) -> Export:
    pages: dict[str, list[tuple[int, Path]]] = {}
    other: list[str] = list(skipped)
    for file in sorted(folder.iterdir()):
        if not file.is_file() or file.name.startswith((".", "~$")):
            continue
        match = _PAGE_NAME.match(file.stem)
        if file.suffix.lower() not in FORMS or not match:
            other.append(file.name)
            continue
        stem = match.group("set")
        name = _set_name((names or {}).get(same_name(stem), stem))
        pages.setdefault(name, []).append((int(match.group("page") or 1), file))
    if not pages:
        raise ExportError(
            f"{source}: no entity set found: expected files named by the set, e.g. Projects.json, Tasks.xlsx, "
            "BusinessDrivers.csv (docs/project-online.md)"
        )
    sets = {
        name: _renamed(
            _read_set(name, sorted(found, key=lambda page: page[0]), source, csv_locale), names or {}, source
        )
        for name, found in pages.items()
    }
    if not any(entity_set.known for entity_set in sets.values()):
        raise ExportError(
            f"{source}: none of its files is a ProjectData entity set ({', '.join(sorted(sets))}); name each file by "
            "its set, e.g. Projects.json (docs/project-online.md lists them)"
        )
    return Export(source, sets, tuple(other), _fingerprint(file for found in pages.values() for _n, file in found))


def _fingerprint(files: Iterable[Path]) -> str:
    """The export's identity: each entity set file's name and content, in name order (not where it was unpacked)."""
    digest = hashlib.sha256()
    for file in sorted(files, key=lambda file: file.name):
        digest.update(file.name.encode("utf-8") + b"\0")
        with file.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def _renamed(found: SetRows, names: Mapping[str, str], source: str) -> SetRows:
    """The set with the properties `names` maps (compared as same_name does) under their documented names."""
    renames = {
        feed: names[same_name(feed)]
        for feed in found.properties
        if same_name(feed) in names and names[same_name(feed)] != feed
    }
    if not renames:
        return found
    clash = next((feed for feed, name in renames.items() if name in found.properties and name not in renames), None)
    if clash:
        raise ExportError(
            f"{source}: --names renames {found.name}.{clash} to {renames[clash]}, which the set already has; "
            "drop that line of the names file"
        )
    rows = tuple({renames.get(name, name): value for name, value in row.items()} for row in found.rows)
    return replace(found, rows=rows, renamed={name: feed for feed, name in renames.items()})


def read_names(path: Path | str) -> dict[str, str]:
    """A `--names` file: a table (CSV or .xlsx) with the columns feed_name and name, one line per set or property a
    localized PWA names otherwise ("Projektcode" -> "Project Code"); ExportError naming the row when a line is
    incomplete or a feed name is given twice."""
    path = Path(path)
    if not path.is_file():
        raise ExportError(f"--names {path}: no such file")
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise ExportError(f"--names {path.name}: give a .csv or .xlsx table with the columns feed_name and name")
    rows, _more = _read_page(path, path.name)
    columns = {same_name(column): column for row in rows for column in row}
    if rows and not {"feedname", "name"} & set(columns):
        raise ExportError(
            f"{path.name}: a names file needs the columns feed_name and name (the name in the export, the documented "
            f"one); its columns are {', '.join(columns.values())}"
        )
    names: dict[str, str] = {}
    for number, row in enumerate(rows, start=2):
        feed, name = (as_text(row.get(columns.get(key, ""), "")).strip() for key in ("feedname", "name"))
        if not feed or not name:
            raise ExportError(f"{path.name}, row {number}: give both feed_name and name")
        if same_name(feed) in {same_name(known) for known in names}:
            raise ExportError(f"{path.name}, row {number}: {feed} is named twice; keep one line")
        names[feed] = name
    return names


def _set_name(stem: str) -> str:
    """The set's name as Microsoft spells it, whatever the file's case; an unknown name as written."""
    return next((name for name in ENTITY_SETS if name.casefold() == stem.casefold()), stem)


def _read_set(name: str, pages: Sequence[tuple[int, Path]], source: str, csv_locale: str | None = None) -> SetRows:
    numbers = [number for number, _file in pages]
    if len(set(numbers)) != len(numbers):
        twice = next(number for number in numbers if numbers.count(number) > 1)
        files = ", ".join(file.name for number, file in pages if number == twice)
        raise ExportError(f"{source}: {files} are both page {twice} of {name}; keep one")
    entity_set = ENTITY_SETS.get(name)
    key_of = _key_reader(entity_set.key) if entity_set else None
    rows: list[Mapping[str, object]] = []
    # A million rows are told apart by their key's hash (8 bytes each, not the key's strings); the rows that share
    # a hash are compared by their key itself, so a collision never makes two rows one.
    seen: dict[int, int | list[int]] = {}
    starts: list[tuple[int, str]] = []  # each page's first row's position, to name the file of a row
    repeated = 0
    more = False
    for _number, file in pages:
        page_rows, more = _read_page(file, source, csv_locale)
        starts.append((len(rows), file.name))
        for row in page_rows:
            key = key_of(row) if key_of else None
            if key is None:
                rows.append(row)  # no key to tell a repeat by: kept as it is
                continue
            hashed = hash(key)
            found = seen.get(hashed)
            if found is None:  # nearly every row: a key not seen before
                seen[hashed] = len(rows)
                rows.append(row)
                continue
            candidates = [found] if isinstance(found, int) else found
            earlier = next((index for index in candidates if key_of(rows[index]) == key), None)  # type: ignore[misc]
            if earlier is None:
                seen[hashed] = [*candidates, len(rows)]
                rows.append(row)
                continue
            if dict(rows[earlier]) != dict(row):
                shown = ", ".join(f"{part} {row.get(part)}" for part in entity_set.key)  # type: ignore[union-attr]
                raise ExportError(
                    f"{source}: {name} has two different rows for {shown} ({next(n for start, n in reversed(starts) if start <= earlier)} and "
                    f"{file.name}); the pages were saved at different times: export the set again"
                )
            repeated += 1
    return SetRows(name, tuple(rows), tuple(file.name for _n, file in pages), repeated, more, entity_set is not None)


def _key_reader(parts: Sequence[str]):
    """A row's key (its key properties' text, case folded), or None when a part is blank."""

    def key(row: Mapping[str, object]) -> tuple[str, ...] | None:
        values = []
        for value in map(row.get, parts):
            if type(value) is not str:
                value = as_text(value)
            if not value:
                return None
            values.append(value.casefold())  # type: ignore[union-attr]
        return tuple(values)

    return key


def _read_page(file: Path, source: str, csv_locale: str | None = None) -> tuple[list[Mapping[str, object]], bool]:
    """(rows, whether the page says a next page follows) of one file."""
    suffix = file.suffix.lower()
    if suffix == ".json":
        return _json_page(file, source)
    if suffix == ".csv":
        return _csv_page(file, source, csv_locale), False
    try:
        frame = read_table(file, first_sheet=True)
    except InputTableError as error:
        raise ExportError(f"{source}: {error}") from None
    rows = [
        {column: value for column, value in zip(frame.columns, values, strict=True) if not is_blank(value)}
        for values in frame.itertuples(index=False, name=None)
    ]
    return [row for row in rows if row], False


class CsvText(str):
    """A CSV field's text, with how its file writes numbers and dates (the file's locale), so that feed_number and
    feed_date read "1.234,5" and "01.03.2026" as the PMO's Excel meant them, wherever the value goes."""

    __slots__ = ()
    decimal_mark: str | None = "."
    day_first: bool | None = None


_CSV_TEXT: dict[tuple[str | None, bool | None], type[CsvText]] = {}


def _csv_text(decimal_mark: str | None, day_first: bool | None) -> type[CsvText]:
    key = (decimal_mark, day_first)
    if key not in _CSV_TEXT:
        _CSV_TEXT[key] = type("CsvText", (CsvText,), {"__slots__": (), "decimal_mark": decimal_mark,
                                                       "day_first": day_first})  # fmt: skip
    return _CSV_TEXT[key]


def _csv_page(file: Path, source: str, csv_locale: str | None = None) -> list[Mapping[str, object]]:
    """A CSV page's rows, its separator (and so its decimal mark and date order) taken from the file as
    pmo_xl.values.decode_csv reads every CSV: a `;` file from a German Excel keeps its decimal commas."""
    try:
        locale, lines = decode_csv(file.read_bytes(), csv_locale)
    except (CsvError, LocaleError, OSError) as error:
        raise ExportError(f"{source}: {file.name}: {error}") from None
    lines = [(number, cells) for number, cells in lines if any(cell.strip() for cell in cells)]
    if not lines:
        return []
    (_first, header), body = lines[0], lines[1:]
    header = [cell.strip() for cell in header]
    text = _csv_text(locale.decimal_mark, locale.day_first)
    rows: list[Mapping[str, object]] = []
    for number, cells in body:
        if len(cells) > len(header):
            raise ExportError(
                f"{source}: {file.name}, line {number}: {len(cells)} fields under {len(header)} headers; a field "
                f"holds a {locale.describe()} without quotes: save the set again"
            )
        rows.append({name: text(cell) for name, cell in zip(header, cells, strict=False) if cell.strip()})
    return rows


# Where a feed page keeps its rows, by the parser's path to the array: V3 verbose, V1 verbose, JSON light.
_ROW_ARRAYS = ("d.results", "d", "value")
# The next-page link, by the parser's path to its value: V3 verbose, JSON light V3 and V4.
_NEXT_LINKS = ("d.__next", "odata.nextLink", "@odata.nextLink")
_NEXT_LINK_TEXT = re.compile(rb'"(?:__next|odata\.nextLink|@odata\.nextLink)"\s*:\s*"[^"]')
_TAIL_BYTES = 65536


def _json_page(file: Path, source: str) -> tuple[list[Mapping[str, object]], bool]:
    """(rows, whether the page says a next page follows) of one feed page, parsed as a stream.

    A page may be hundreds of megabytes (a set saved in one page), so it is never loaded whole: ijson's C parser
    (yajl) builds one row at a time. A first short pass over the parser's events finds where the rows are (and a
    next-page link written before them); the second builds the rows, and checks the whole document is well formed.
    A link written after the rows (where the feed puts it) is found in the text after the rows' closing bracket,
    read from the end of the file: the second pass builds rows only, and a third full pass over the events just to
    see that one property would double the time of a big page.
    """
    import ijson

    try:
        with file.open("rb") as stream:
            skip = 3 if stream.read(3) == b"\xef\xbb\xbf" else 0  # a BOM, as Notepad saves
            stream.seek(skip)
            where, more = _rows_array(ijson.parse(stream))
            if where is None:
                raise ExportError(
                    f'{source}: {file.name} is JSON but not an OData feed (expected {{"d": {{"results": [...]}}}} or '
                    '{"value": [...]}); save the page as the feed returned it'
                )
            stream.seek(skip)
            rows = []
            for row in ijson.items(stream, f"{where}.item", use_float=True):
                if not isinstance(row, dict):
                    raise ExportError(f"{source}: {file.name}: the feed's rows are not objects; save the page again")
                rows.append(_properties(row))
            stream.seek(max(skip, file.stat().st_size - _TAIL_BYTES))
            tail = stream.read()
    except ijson.JSONError as error:
        problem = str(error).strip().splitlines()[0] if str(error).strip() else "not well formed"
        raise ExportError(
            f"{source}: {file.name} is not JSON ({short(problem, 80)}); save the feed's page again"
        ) from None
    except UnicodeDecodeError as error:
        raise ExportError(f"{source}: {file.name} is not UTF-8 text ({short(str(error), 80)})") from None
    return rows, more or bool(_NEXT_LINK_TEXT.search(tail[tail.rfind(b"]") + 1 :]))


def _rows_array(events) -> tuple[str | None, bool]:
    """(the path to the page's rows array, whether a next-page link came before it), reading events only up to the
    array's start; (None, False) for JSON that is not a feed."""
    more = False
    for path, event, value in events:
        if event == "start_array" and path in _ROW_ARRAYS:
            return path, more
        if event == "string" and path in _NEXT_LINKS and value:
            more = True
        if event == "start_array" or (path == "" and event == "end_map"):
            return None, False
    return None, False


def _properties(row: Mapping[str, object]) -> dict[str, object]:
    """A JSON row's properties: OData's annotations (`__metadata`, `odata.*`) and links to related entities
    (`{"__deferred": ...}`, `...@odata.navigationLinkUrl`) are not properties, nor blank values.

    A plain loop with the common case first: it runs once per row of a million-row page. Short strings are interned,
    since a set repeats the same GUIDs and dates on every row; whether a name is an annotation is worked out once per
    name (_ANNOTATIONS), as a page repeats the same few names on every row."""
    properties: dict[str, object] = {}
    for name, value in row.items():
        kind = type(value)
        if kind is str:
            if not value or value.isspace():  # type: ignore[union-attr]
                continue
            if len(value) <= 64:  # type: ignore[arg-type]
                value = intern(value)  # type: ignore[arg-type]
        elif value is None or (kind is dict and "__deferred" in value):  # type: ignore[operator]
            continue
        try:
            if _ANNOTATIONS[name]:
                continue
        except KeyError:
            if _ANNOTATIONS.setdefault(name, name[:2] == "__" or "odata." in name):
                continue
        properties[name] = value
    return properties


# Property name -> whether it is an OData annotation, not a property (see _properties).
_ANNOTATIONS: dict[str, bool] = {}


# -- values -----------------------------------------------------------------------------------------------------------


_CSV_TIME = re.compile(r"\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?\s*$")


def feed_date(value: object, label: str) -> tuple[dt.date | None, str]:
    """(day, problem) of a date as the feed or Excel wrote it: "/Date(ms)/", ISO, or a date cell."""
    if isinstance(value, str):
        day = parse_odata_date(value) or parse_xml_date(value)
        if day is not None:
            return day, ""
    day_first = getattr(value, "day_first", None)
    if isinstance(value, CsvText):  # Excel saves a date-time cell as "01.03.2026 08:00": the day is the date's
        value = _CSV_TIME.sub("", value)
    reading = read_date(value, label, day_first=day_first, text_is_normal=True)
    return (None, reading.message) if reading.refused else (reading.value, "")  # type: ignore[return-value]


def feed_number(value: object, label: str) -> tuple[float | int | None, str]:
    """(number, problem): JSON writes Edm.Decimal as text with a point ("2380.000000"); a CSV field as its file's
    locale writes numbers (CsvText)."""
    mark = getattr(value, "decimal_mark", ".") if isinstance(value, str) else None
    reading = read_number(value, label, decimal_mark=mark, text_is_normal=True)
    return (None, reading.message) if reading.refused else (reading.value, "")  # type: ignore[return-value]


# -- the register ---------------------------------------------------------------------------------------------------

REGISTER_COLUMNS = (
    "project_id", "project_name", "project_manager", "sponsor", "start_date", "end_date", "stage", "currency",
    "money_unit", "budget", "external_id",
)  # fmt: skip
CUSTOM_PREFIX = "custom_"  # pmo_xl.register.CUSTOM_COLUMN_PREFIX: the register keeps such columns as they are


@dataclass(frozen=True)
class RegisterImport:
    """The register rows made from Projects: columns, rows (column -> value), the ids generated, the custom
    fields that became columns, the mapping report's lines and the warnings to show."""

    columns: tuple[str, ...]
    rows: tuple[Mapping[str, object], ...]
    generated_ids: tuple[str, ...]
    custom_fields: tuple[str, ...]
    mapping: tuple[MappingLine, ...]
    warnings: tuple[str, ...]


def register_rows(
    export: Export,
    *,
    id_field: str | None = None,
    sponsor_field: str = "Sponsor",
    stage_field: str | None = None,
    baseline: int = 0,
    id_prefix: str = "PO-",
) -> RegisterImport:
    """Projects as register rows (docs/import.md, "Project Online exports"); ExportError when there are none or
    two share a PMO id."""
    projects = export.rows("Projects")
    if not projects and "Projects" in export.sets:
        raise ExportError(
            f"{export.source}: {', '.join(export.sets['Projects'].files)} holds no rows: export the Projects set again"
        )
    if not projects:
        raise ExportError(
            f"{export.source}: no Projects set (Projects.json, .xlsx or .csv): the register comes from it"
        )
    known = set(ENTITY_SETS["Projects"].properties)
    custom = [name for name in dict.fromkeys(p for row in projects for p in row) if name not in known]
    id_property = _custom_named(custom, id_field) if id_field else None
    sponsor_property = _custom_named(custom, sponsor_field) if sponsor_field else None
    stage_property = _custom_named(custom, stage_field) if stage_field else None
    warnings: list[str] = []
    if id_field and id_property is None:
        warnings.append(f"no custom field named '{id_field}' in Projects: every project id is generated")
    if sponsor_field and sponsor_property is None:
        warnings.append(f"no custom field named '{sponsor_field}' in Projects: sponsor is left blank")
    if stage_field and stage_property is None:
        warnings.append(f"no custom field named '{stage_field}' in Projects: stage is left blank")
    stages = _current_stages(export.rows("ProjectWorkflowStageDataSet"))
    baselines = {
        as_text(row.get("ProjectId")).casefold(): row
        for row in export.rows("ProjectBaselines")
        if _baseline_number(row.get("BaselineNumber")) == baseline
    }
    ordered = sorted(
        projects, key=lambda row: (as_text(row.get("ProjectName")).casefold(), as_text(row.get("ProjectId")))
    )
    rows: list[dict[str, object]] = []
    generated: list[str] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for row in ordered:
        guid = as_text(row.get("ProjectId")).strip()
        name = as_text(row.get("ProjectName")).strip()
        label = f"Projects, project '{name or guid}'"
        project_id = as_text(row.get(id_property)).strip() if id_property else ""
        if not project_id:
            project_id = f"{id_prefix}{len(generated) + 1:03d}"
            generated.append(project_id)
        if project_id.casefold() in seen:
            problems.append(f"'{project_id}' is the id of both '{seen[project_id.casefold()]}' and '{name}'")
        seen[project_id.casefold()] = name
        start, start_problem = feed_date(row.get("ProjectStartDate"), f"{label}: ProjectStartDate")
        finish, finish_problem = feed_date(row.get("ProjectFinishDate"), f"{label}: ProjectFinishDate")
        budget, budget_problem = feed_number(row.get("ProjectBudgetCost"), f"{label}: ProjectBudgetCost")
        if not budget:  # blank, or 0: PWA's ProjectBudgetCost without budget cost resources
            baseline_row = baselines.get(guid.casefold(), {})
            budget, budget_problem = feed_number(
                baseline_row.get("ProjectBaselineCost"), f"{label}: ProjectBaselineCost (baseline {baseline})"
            )
        problems += [problem for problem in (start_problem, finish_problem, budget_problem) if problem]
        stage = as_text(row.get(stage_property)).strip() if stage_property else stages.get(guid.casefold(), "")
        register_row: dict[str, object] = {
            "project_id": project_id,
            "project_name": name,
            "project_manager": as_text(row.get("ProjectOwnerName") or row.get("ProjectManagerName")).strip(),
            "sponsor": as_text(row.get(sponsor_property)).strip() if sponsor_property else "",
            "start_date": start,
            "end_date": finish,
            "stage": stage,
            "currency": as_text(row.get("ProjectCurrency")).strip(),
            "money_unit": "units",  # ProjectBudgetCost and the baseline cost are in the PWA's currency units
            "budget": budget,
            "external_id": guid,
        }
        for field in custom:
            if field not in (id_property, sponsor_property, stage_property):
                register_row[_custom_column(field)] = row.get(field)
        rows.append(register_row)
    if problems:
        raise ExportError(
            f"{export.source}: {problems[0]}" + (f" (and {len(problems) - 1} more)" if problems[1:] else "")
        )
    kept = [field for field in custom if field not in (id_property, sponsor_property, stage_property)]
    columns = REGISTER_COLUMNS + tuple(_custom_column(field) for field in kept)
    mapping = _projects_mapping(export, custom, id_property, sponsor_property, stage_property)
    return RegisterImport(columns, tuple(rows), tuple(generated), tuple(kept), mapping, tuple(warnings))


def baselines_for_ledger(
    export: Export, register: RegisterImport, baseline: int, imported_at: str
) -> tuple[tuple[ImportedBaseline, ...], tuple[str, ...]]:
    """Each register project's baseline `baseline` (ProjectBaselines) as its period-0 ledger record, marked as
    imported from this export; and the names of the projects the export holds no such baseline for (listed, not
    made up). ExportError when a baseline's date or cost is not one."""
    found = {
        as_text(row.get("ProjectId")).casefold(): row
        for row in export.rows("ProjectBaselines")
        if _baseline_number(row.get("BaselineNumber")) == baseline
    }
    records: list[ImportedBaseline] = []
    missing: list[str] = []
    problems: list[str] = []
    for project in register.rows:
        row = found.get(as_text(project["external_id"]).casefold())
        if row is None:
            missing.append(f"{project['project_id']} ({project['project_name']})")
            continue
        label = f"ProjectBaselines, project '{project['project_name']}', baseline {baseline}"
        start, start_problem = feed_date(row.get("ProjectBaselineStartDate"), f"{label}: ProjectBaselineStartDate")
        finish, finish_problem = feed_date(row.get("ProjectBaselineFinishDate"), f"{label}: ProjectBaselineFinishDate")
        cost, cost_problem = feed_number(row.get("ProjectBaselineCost"), f"{label}: ProjectBaselineCost")
        problems += [problem for problem in (start_problem, finish_problem, cost_problem) if problem]
        records.append(
            ImportedBaseline(
                str(project["project_id"]), str(project["external_id"]), baseline, start, finish, cost,
                str(project["currency"]), str(project["money_unit"]), export.source, export.sha256, imported_at,
            )
        )  # fmt: skip
    if problems:
        raise ExportError(
            f"{export.source}: {problems[0]}" + (f" (and {len(problems) - 1} more)" if problems[1:] else "")
        )
    return tuple(records), tuple(missing)


def _baseline_number(value: object) -> int | None:
    number, problem = feed_number(value, "BaselineNumber")
    return int(number) if not problem and number is not None and float(number).is_integer() else None


def _custom_named(properties: Iterable[str], wanted: str) -> str | None:
    """The feed's name for a custom field: names lose their spaces in the feed, and case differs by language."""
    return next((name for name in properties if same_name(name) == same_name(wanted)), None)


def _custom_column(field: str) -> str:
    return CUSTOM_PREFIX + re.sub(r"[^0-9a-z]+", "_", field.casefold()).strip("_")


def _current_stages(rows: Sequence[Mapping[str, object]]) -> dict[str, str]:
    """Each project's current workflow stage: the one entered last (by StageEntryDate, then StageOrder)."""
    best: dict[str, tuple[tuple, str]] = {}
    for row in rows:
        entered, _problem = feed_date(row.get("StageEntryDate"), "StageEntryDate")
        order, _problem = feed_number(row.get("StageOrder"), "StageOrder")
        rank = (entered or dt.date.min, order or 0)
        project = as_text(row.get("ProjectId")).casefold()
        if project not in best or rank > best[project][0]:
            best[project] = (rank, as_text(row.get("StageName")).strip())
    return {project: stage for project, (_rank, stage) in best.items()}


_PROJECT_TARGETS = {
    "ProjectId": "register external_id",
    "ProjectName": "register project_name",
    "ProjectOwnerName": "register project_manager",
    "ProjectManagerName": "register project_manager, where ProjectOwnerName is blank",
    "ProjectStartDate": "register start_date",
    "ProjectFinishDate": "register end_date",
    "ProjectBudgetCost": "register budget (money_unit units)",
    "ProjectCurrency": "register currency",
}


def _projects_mapping(
    export: Export, custom: Sequence[str], id_property: str | None, sponsor: str | None, stage: str | None
) -> tuple[MappingLine, ...]:
    lines = []
    for name in export.sets["Projects"].properties:
        if name in _PROJECT_TARGETS:
            lines.append(MappingLine("Projects", name, _PROJECT_TARGETS[name]))
        elif name in ENTITY_SETS["Projects"].properties:
            lines.append(MappingLine("Projects", name, "", "not mapped yet"))
        elif name == id_property:
            lines.append(MappingLine("Projects", name, "register project_id", "the --id-field custom field"))
        elif name == sponsor:
            lines.append(MappingLine("Projects", name, "register sponsor", "the --sponsor-field custom field"))
        elif name == stage:
            lines.append(MappingLine("Projects", name, "register stage", "the --stage-field custom field"))
        else:
            lines.append(
                MappingLine(
                    "Projects", name, f"register {_custom_column(name)}",
                    "not a Project property docs/project-online.md lists: taken as a custom field",
                )
            )  # fmt: skip
    return tuple(lines)


def mapping_report(export: Export, register: RegisterImport | None) -> tuple[MappingLine, ...]:
    """Every entity set and property found, what it became and why; unknown sets and properties named."""
    lines: list[MappingLine] = []
    order = list(ENTITY_SETS)  # the documented order (Projects first), then sets no page documents, by name
    for name, entity_set in sorted(export.sets.items(), key=lambda item: (
        order.index(item[0]) if item[0] in order else len(order), item[0])):  # fmt: skip
        pages = ", ".join(entity_set.files)
        if not entity_set.known:
            lines.append(MappingLine(name, "", "", f"unknown entity set ({pages}): not read further"))
            lines += [MappingLine(name, p, "", "property of an unknown entity set") for p in entity_set.properties]
            continue
        note = f"{len(entity_set.rows)} row(s) from {pages}"
        if entity_set.repeated_rows:
            note += f"; {entity_set.repeated_rows} row(s) repeated across pages kept once"
        if entity_set.next_page_missing:
            note += f"; its last page says more follow, but there is no {name}-{len(entity_set.files) + 1} file"
        became = "register" if name == "Projects" else ""
        lines.append(MappingLine(name, "", became, note if became else note + "; not mapped yet"))
        if name == "Projects" and register is not None:
            lines += register.mapping
            continue
        documented = ENTITY_SETS[name].properties
        for found in entity_set.properties:
            why = "not mapped yet" if found in documented else "unknown property: not in docs/project-online.md"
            lines.append(MappingLine(name, found, "", why))
    lines += [MappingLine("", other, "", "not an entity set file: not read") for other in export.other_files]
    return tuple(_with_feed_name(line, export) for line in lines)


def _with_feed_name(line: MappingLine, export: Export) -> MappingLine:
    """The line of a property --names renamed says what the export called it."""
    found = export.sets.get(line.entity_set)
    feed = found.renamed.get(line.property) if found else None
    if not feed:
        return line
    note = f"named {feed} in the export (--names)" + (f"; {line.note}" if line.note else "")
    return replace(line, note=note)
