"""Business drivers and their prioritisation, from a Project Online export: the scoring model pmo-xl ranks with.

Project Online kept a PMO's strategy as business drivers (BusinessDrivers), weighted in a prioritisation
(Prioritizations, PrioritizationDrivers) that a portfolio analysis used (PortfolioAnalyses). No replacement keeps
them, so they land here (issue 15, "Drivers"; docs/project-online-drivers.md says every rule below and why):

- each driver becomes a criterion of a `ScoringModelSpec`: `criterion_id` the slug of its name
  (`criterion_id_for`), its description the help text, its five impact texts a categorical scale (`IMPACT_LEVELS`);
- the weights are the prioritisation's own `BusinessDriverPriority`, imported as they are (normalised only when
  they do not sum to 1, and then said);
- for a calculated prioritisation the weights are recomputed from the pairwise judgements
  (PrioritizationDriverRelations.RelationValue, read through `RELATION_SCALE`) with Saaty's AHP, as a cross-check
  within `WEIGHT_TOLERANCE`; Saaty's CR comes from that matrix. Project's own `ConsistencyRatio` is another measure
  (0-1, near 1 consistent) and is shown beside it, never copied into it;
- per-project impact ratings are not in ProjectData: `impacts_frame` reads an optional impacts sheet into the
  `pmo_<criterion_id>` columns `pmo score` scores.

Everything here is pure over an `Export` and plain data: the command writes the files.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pmo_xl.errors import ExportError, InputTableError
from pmo_xl.excel.tables import read_table, same_name
from pmo_xl.imports.project_online import ENTITY_SETS, Export, MappingLine, feed_date, feed_number
from pmo_xl.portfolio.ahp import CR_THRESHOLD, AhpError, AhpResult, ahp_weights
from pmo_xl.portfolio.criteria import Criterion, Level, ScoringModelSpec
from pmo_xl.portfolio.scoring import criterion_columns
from pmo_xl.values import as_text, is_blank, read_flag, short

DRIVER_SETS = (
    "BusinessDrivers", "PortfolioAnalyses", "Prioritizations", "PrioritizationDrivers", "PrioritizationDriverRelations",
)  # fmt: skip

# The five impact levels of a driver in Project Web App, in order: the level's name (what an impacts sheet says),
# the BusinessDriver property holding its text, the pmo-xl level score (0-4, the same digits an impacts sheet may
# use) and its value in 0-1. The values are evenly spaced, as pmo-xl's own five-level criteria are: ProjectData
# holds no number for a level, and Microsoft does not publish the ones Project used.
IMPACT_LEVELS: tuple[tuple[str, str, int, float], ...] = (
    ("None", "ImpactDescriptionNone", 0, 0.0),
    ("Low", "ImpactDescriptionLow", 1, 0.25),
    ("Moderate", "ImpactDescriptionModerate", 2, 0.5),
    ("Strong", "ImpactDescriptionStrong", 3, 0.75),
    ("Extreme", "ImpactDescriptionExtreme", 4, 1.0),
)

# RelationValue (driver 1 <text> driver 2) -> how many times more important driver 1 is, on Saaty's 1-9 scale.
# The seven texts are those Project Web App offers when drivers are compared in pairs (Project Server 2013:
# J. Cottino, "How Microsoft Project Server calculates Business drivers priorities", 2015,
# http://www.jeremycottino.com/2015/01/how-microsoft-project-server-calculate.html). Microsoft documents
# RelationValue only as "the importance of the business driver relationship" (Edm.String) and publishes no numbers,
# so the numbers are pmo-xl's: Saaty's anchors (1 equal, 3 moderate, 5 strong, 9 extreme importance) and their
# reciprocals. This is why the recomputed weights are a cross-check of the imported ones, never a replacement.
RELATION_SCALE: dict[str, float] = {
    "is extremely more important than": 9.0,
    "is much more important than": 5.0,
    "is more important than": 3.0,
    "is as important as": 1.0,
    "is less important than": 1 / 3,
    "is much less important than": 1 / 5,
    "is extremely less important than": 1 / 9,
}
# A recomputed weight further than this from the imported one (both on the 0-1 scale) is a warning.
WEIGHT_TOLERANCE = 0.02
# Imported priorities whose sum is this close to 1 are kept exactly as the feed wrote them.
WEIGHT_SUM_TOLERANCE = 1e-6
# Project warns when its own ConsistencyRatio is below this (DriverPrioritizationDataSet.PrioritizationRow).
PWA_CONSISTENCY_WARNING = 0.75
REPORT_COLUMNS = ("driver", "criterion_id", "imported_weight", "recomputed_weight", "difference", "note")


@dataclass(frozen=True)
class BusinessDriver:
    """One row of BusinessDrivers: its GUID as the feed wrote it, its name, its criterion id and its levels."""

    driver_id: str
    name: str
    criterion_id: str
    description: str
    levels: tuple[Level, ...]


@dataclass(frozen=True)
class Prioritization:
    """One row of Prioritizations, with the names of the portfolio analyses that use it."""

    prioritization_id: str
    name: str
    manual: bool
    consistency_ratio: float | None  # Project's own measure: 0-1, near 1 consistent; not Saaty's CR
    modified: dt.date | None
    analyses: tuple[str, ...] = ()


@dataclass(frozen=True)
class DriverWeight:
    """A driver of the chosen prioritisation: its priority as the feed gave it, the weight imported (that priority,
    normalised if the priorities did not sum to 1), and the weight recomputed from the pairwise judgements."""

    driver: BusinessDriver
    priority: float
    imported_weight: float
    recomputed_weight: float | None


@dataclass(frozen=True)
class DriversImport:
    """The scoring model made from the drivers, the prioritisation it came from, each driver's weights, Saaty's
    result on the recomputed matrix (None for a manual prioritisation), the warnings and the mapping lines."""

    model: ScoringModelSpec
    prioritization: Prioritization
    weights: tuple[DriverWeight, ...]
    saaty: AhpResult | None
    warnings: tuple[str, ...]
    mapping: tuple[MappingLine, ...]

    @property
    def saaty_cr(self) -> str:
        """Saaty's consistency ratio as the report shows it: "n/a" for a manual prioritisation."""
        return "n/a" if self.saaty is None else f"{self.saaty.consistency_ratio:.3f}"

    def report_frame(self) -> pd.DataFrame:
        """The drivers sheet of the mapping report: one row a driver, then one row comparing the two ratios."""
        rows = []
        for weight in self.weights:
            recomputed = weight.recomputed_weight
            difference = None if recomputed is None else recomputed - weight.imported_weight
            note = ""
            if recomputed is None:
                note = "manual prioritization: no pairwise judgements to recompute from"
            elif abs(difference) > WEIGHT_TOLERANCE:  # type: ignore[arg-type]
                note = f"differs by more than {WEIGHT_TOLERANCE}: the imported weight is kept"
            shown = [None if value is None else round(value, 6) for value in (recomputed, difference)]
            rows.append([weight.driver.name, weight.driver.criterion_id, weight.imported_weight, *shown,
                         note])  # fmt: skip
        rows.append(["consistency", "", None, None, None, self.consistency_summary()])
        return pd.DataFrame(rows, columns=list(REPORT_COLUMNS))

    def consistency_summary(self) -> str:
        pwa = self.prioritization.consistency_ratio
        shown = "not in the export" if pwa is None else f"{pwa:.3f}"
        saaty = (
            "n/a (a manual prioritization has no pairwise judgements)"
            if self.saaty is None
            else f"{self.saaty.consistency_ratio:.3f} (from the recomputed matrix; revisit above {CR_THRESHOLD:.2f})"
        )
        return (
            f"Project Online ConsistencyRatio {shown} (Project's own measure: 0-1, near 1 is consistent, Project "
            f"warns below {PWA_CONSISTENCY_WARNING}); Saaty CR {saaty}. Two different measures: neither is the other."
        )


# -- criteria ---------------------------------------------------------------------------------------------------------


def criterion_id_for(name: str) -> str:
    """A driver's criterion id: its name with accents dropped, lower case, every run of other characters one `_`
    ("Grow revenue (EMEA)" -> grow_revenue_emea); `driver` alone, or `driver_` before a leading digit."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^0-9a-z]+", "_", folded.casefold()).strip("_")
    if not slug:
        return "driver"
    return f"driver_{slug}" if slug[0].isdigit() else slug


def business_drivers(export: Export) -> tuple[BusinessDriver, ...]:
    """Every row of BusinessDrivers as a driver. Two names with one slug are told apart by `_2`, `_3`... in the
    order of (name, GUID), so the ids stay the same each time the same export is read."""
    rows = export.rows("BusinessDrivers")
    if not rows:
        raise ExportError(
            f"{export.source}: no BusinessDrivers set (BusinessDrivers.json, .xlsx or .csv): the criteria come from it"
        )
    found = []
    for row in rows:
        driver_id = as_text(row.get("BusinessDriverId")).strip()
        name = as_text(row.get("BusinessDriverName")).strip()
        if not driver_id or not name:
            missing = "BusinessDriverId" if not driver_id else "BusinessDriverName"
            raise ExportError(
                f"{export.source}: BusinessDrivers, driver '{name or driver_id or '?'}': {missing} is blank; export "
                "the set again with its id and name"
            )
        found.append((name, driver_id, row))
    taken: dict[str, int] = {}
    drivers = []
    for name, driver_id, row in sorted(found, key=lambda item: (item[0].casefold(), item[1].casefold())):
        slug = criterion_id_for(name)
        taken[slug] = taken.get(slug, 0) + 1
        criterion_id = slug if taken[slug] == 1 else f"{slug}_{taken[slug]}"
        drivers.append(
            BusinessDriver(
                driver_id, name, criterion_id, as_text(row.get("BusinessDriverDescription")).strip(), _levels(row)
            )
        )
    return tuple(drivers)


def _levels(row: Mapping[str, object]) -> tuple[Level, ...]:
    """The five levels: "Moderate: <PWA's text>", or the level's name alone where PWA holds no text."""
    levels = []
    for level_name, prop, score, value in IMPACT_LEVELS:
        text = as_text(row.get(prop)).strip()
        descriptor = f"{level_name}: {text}" if text else f"{level_name} (no description in Project Online)"
        levels.append(Level(score=score, value=value, descriptor=descriptor))
    return tuple(levels)


# -- which prioritisation -------------------------------------------------------------------------------------------


def prioritizations(export: Export) -> tuple[Prioritization, ...]:
    """Every row of Prioritizations, each with the analyses (PortfolioAnalyses) that use it."""
    analyses: dict[str, list[str]] = {}
    for row in export.rows("PortfolioAnalyses"):
        key = as_text(row.get("PrioritizationId")).strip().casefold()
        if key:
            analyses.setdefault(key, []).append(
                as_text(row.get("AnalysisName")).strip() or as_text(row.get("AnalysisId"))
            )
    found = []
    for row in export.rows("Prioritizations"):
        prioritization_id = as_text(row.get("PrioritizationId")).strip()
        name = as_text(row.get("PrioritizationName")).strip() or prioritization_id
        label = f"{export.source}: Prioritizations, prioritization '{name}'"
        manual = read_flag(row.get("PrioritizationIsManual"), f"{label}: PrioritizationIsManual")
        if manual.refused:
            raise ExportError(manual.message)
        ratio, problem = feed_number(row.get("ConsistencyRatio"), f"{label}: ConsistencyRatio")
        if problem:
            raise ExportError(problem)
        modified, _problem = feed_date(row.get("PrioritizationModifiedDate"), "PrioritizationModifiedDate")
        found.append(
            Prioritization(
                prioritization_id,
                name,
                bool(manual.value),
                None if ratio is None else float(ratio),
                modified,
                tuple(analyses.get(prioritization_id.casefold(), ())),
            )
        )
    return tuple(found)


def choose_prioritization(export: Export, name: str | None = None) -> tuple[Prioritization, str]:
    """(the prioritisation, a warning or ''): the one named `name` (its PrioritizationName, or the AnalysisName of
    an analysis that uses it; case does not matter), else the only one a portfolio analysis uses, else the only one.
    Several and no name: ExportError listing them."""
    found = prioritizations(export)
    if not found:
        raise ExportError(
            f"{export.source}: no Prioritizations set (Prioritizations.json, .xlsx or .csv): the weights of the "
            "drivers come from a prioritization"
        )
    listing = "; ".join(_described(prioritization) for prioritization in found)
    if name is not None:
        wanted = name.strip().casefold()
        matches = [p for p in found if p.name.casefold() == wanted]
        matches = matches or [p for p in found if any(a.casefold() == wanted for a in p.analyses)]
        if len(matches) == 1:
            return matches[0], ""
        if not matches:
            raise ExportError(f"{export.source}: no prioritization or portfolio analysis is named '{name}'; the "
                              f"export has: {listing}")  # fmt: skip
        ids = ", ".join(p.prioritization_id for p in matches)
        raise ExportError(f"{export.source}: {len(matches)} prioritizations are named '{name}' ({ids}); keep one of "
                          "them in Prioritizations")  # fmt: skip
    used = [p for p in found if p.analyses]
    pool = used or list(found)
    if len(pool) == 1:
        others = [p.name for p in found if p is not pool[0]]
        warning = (
            f"prioritization '{pool[0].name}' weights the criteria: the one a portfolio analysis uses (also in the "
            f"export, not used: {', '.join(others)})"
            if others
            else ""
        )
        return pool[0], warning
    raise ExportError(
        f"{export.source}: {len(pool)} prioritizations could weight the criteria: "
        + "; ".join(_described(p) for p in pool)
        + ". Choose one with --prioritization NAME"
    )


def _described(prioritization: Prioritization) -> str:
    used = f" (used by {', '.join(repr(a) for a in prioritization.analyses)})" if prioritization.analyses else ""
    return f"'{prioritization.name}'{used}"


# -- weights --------------------------------------------------------------------------------------------------------


def import_drivers(export: Export, prioritization: str | None = None) -> DriversImport:
    """The scoring model of the chosen prioritisation's drivers, weighted by their BusinessDriverPriority, with the
    AHP cross-check (docs/project-online-drivers.md). ExportError (one line) when it cannot be made."""
    drivers = business_drivers(export)
    chosen, chosen_warning = choose_prioritization(export, prioritization)
    warnings = [chosen_warning] if chosen_warning else []
    priorities = _priorities(export, chosen, drivers, warnings)
    total = sum(priority for _driver, priority in priorities)
    if not total > 0:
        raise ExportError(f"{export.source}: PrioritizationDrivers of '{chosen.name}': every BusinessDriverPriority "
                          "is 0; export the prioritization again")  # fmt: skip
    normalise = not math.isclose(total, 1.0, rel_tol=0.0, abs_tol=WEIGHT_SUM_TOLERANCE)
    if normalise:
        warnings.append(
            f"BusinessDriverPriority of prioritization '{chosen.name}' sums to {total:g}, not 1: each weight is its "
            f"priority divided by {total:g}"
        )
    recomputed: dict[str, float] = {}
    saaty = None
    if not chosen.manual:
        saaty = _recompute(export, chosen, [driver for driver, _priority in priorities])
        recomputed = {
            driver.driver_id.casefold(): weight
            for (driver, _priority), weight in zip(priorities, saaty.weights, strict=True)
        }
    weights = []
    for driver, priority in priorities:
        imported = priority / total if normalise else priority
        again = recomputed.get(driver.driver_id.casefold())
        if again is not None and abs(again - imported) > WEIGHT_TOLERANCE:
            warnings.append(
                f"driver '{driver.name}': Project Online's weight {imported:.4f}, recomputed from the pairwise "
                f"judgements {again:.4f} (difference {again - imported:+.4f}, beyond ±{WEIGHT_TOLERANCE}); the "
                "imported weight is kept"
            )
        weights.append(DriverWeight(driver, priority, imported, again))
    weights.sort(key=lambda weight: (-weight.imported_weight, weight.driver.name.casefold()))
    if saaty is not None and saaty.flag:
        warnings.append(f"prioritization '{chosen.name}': Saaty {saaty.flag}")
    if chosen.consistency_ratio is not None and chosen.consistency_ratio < PWA_CONSISTENCY_WARNING:
        warnings.append(
            f"prioritization '{chosen.name}': Project Online's own ConsistencyRatio is {chosen.consistency_ratio:.3f}"
            f", below the {PWA_CONSISTENCY_WARNING} at which Project warns (its measure, not Saaty's CR)"
        )
    in_model = {weight.driver.driver_id.casefold() for weight in weights}
    left_out = [driver.name for driver in drivers if driver.driver_id.casefold() not in in_model]
    if left_out:
        warnings.append(
            f"{len(left_out)} business driver(s) not in prioritization '{chosen.name}' are not criteria: "
            + ", ".join(left_out)
        )
    model = ScoringModelSpec(
        name=f"Project Online: {chosen.name}",
        version=chosen.modified.isoformat() if chosen.modified else "imported",
        criteria=tuple(
            Criterion(
                weight.driver.criterion_id,
                weight.driver.name,
                weight.imported_weight,
                levels=weight.driver.levels,
                help_text=weight.driver.description,
            )
            for weight in weights
        ),
    )
    mapping = drivers_mapping(export, chosen)
    return DriversImport(model, chosen, tuple(weights), saaty, tuple(warnings), mapping)


def _priorities(
    export: Export, chosen: Prioritization, drivers: Sequence[BusinessDriver], warnings: list[str]
) -> list[tuple[BusinessDriver, float]]:
    """The chosen prioritisation's drivers, matched to BusinessDrivers by BusinessDriverId (by name where a row has
    no id), each with its BusinessDriverPriority."""
    by_id = {driver.driver_id.casefold(): driver for driver in drivers}
    by_name: dict[str, list[BusinessDriver]] = {}
    for driver in drivers:
        by_name.setdefault(same_name(driver.name), []).append(driver)
    found: list[tuple[BusinessDriver, float]] = []
    seen: set[str] = set()
    for row in export.rows("PrioritizationDrivers"):
        if as_text(row.get("PrioritizationId")).strip().casefold() != chosen.prioritization_id.casefold():
            continue
        driver_id = as_text(row.get("BusinessDriverId")).strip()
        # Microsoft's page spells it BusinessDriveName; the BusinessDriver type says BusinessDriverName.
        name = as_text(row.get("BusinessDriveName") or row.get("BusinessDriverName")).strip()
        where = f"{export.source}: PrioritizationDrivers of '{chosen.name}', driver '{name or driver_id}'"
        driver = by_id.get(driver_id.casefold()) if driver_id else None
        if driver is None and not driver_id and len(by_name.get(same_name(name), ())) == 1:
            driver = by_name[same_name(name)][0]
        if driver is None:
            raise ExportError(f"{where}: not in BusinessDrivers (no driver with BusinessDriverId "
                              f"'{driver_id or '(blank)'}'); export BusinessDrivers and PrioritizationDrivers "
                              "together")  # fmt: skip
        if name and same_name(name) != same_name(driver.name):
            warnings.append(f"{where}: BusinessDrivers names driver {driver.driver_id} '{driver.name}'; that name is "
                            "used")  # fmt: skip
        if driver.driver_id.casefold() in seen:
            raise ExportError(f"{where}: listed twice in the prioritization; keep one row")
        seen.add(driver.driver_id.casefold())
        priority, problem = feed_number(row.get("BusinessDriverPriority"), f"{where}: BusinessDriverPriority")
        if problem or priority is None:
            raise ExportError(problem or f"{where}: BusinessDriverPriority is blank; it is the driver's weight")
        if priority < 0:
            raise ExportError(f"{where}: BusinessDriverPriority is {priority:g}; a weight is 0 or more")
        found.append((driver, float(priority)))
    if not found:
        raise ExportError(f"{export.source}: PrioritizationDrivers has no driver of prioritization '{chosen.name}' "
                          f"({chosen.prioritization_id}); export the set with that prioritization's rows")  # fmt: skip
    return found


def relation_value(text: object) -> float | None:
    """How many times more important driver 1 is than driver 2, for one RelationValue text (case, spaces and a final
    full stop do not matter); None when the text is not one of `RELATION_SCALE`'s."""
    wanted = re.sub(r"\s+", " ", as_text(text)).strip().rstrip(".").strip().casefold()
    return RELATION_SCALE.get(wanted)


def _recompute(export: Export, chosen: Prioritization, drivers: Sequence[BusinessDriver]) -> AhpResult:
    """Saaty's weights and CR of the chosen prioritisation's pairwise judgements, in the order of `drivers`."""
    position = {driver.driver_id.casefold(): index for index, driver in enumerate(drivers)}
    size = len(drivers)
    matrix: list[list[float | None]] = [[1.0 if i == j else None for j in range(size)] for i in range(size)]
    label = f"{export.source}: PrioritizationDriverRelations of '{chosen.name}'"
    for row in export.rows("PrioritizationDriverRelations"):
        if as_text(row.get("PrioritizationId")).strip().casefold() != chosen.prioritization_id.casefold():
            continue
        first = as_text(row.get("BusinessDriver1Id")).strip()
        second = as_text(row.get("BusinessDriver2Id")).strip()
        pair = f"'{_name_of(row, 1, first)}' vs '{_name_of(row, 2, second)}'"
        if first.casefold() not in position or second.casefold() not in position:
            raise ExportError(f"{label}: the pair {pair} names a driver that is not in the prioritization's "
                              "PrioritizationDrivers; export the two sets together")  # fmt: skip
        value = relation_value(row.get("RelationValue"))
        if value is None:
            known = ", ".join(f"'{text}'" for text in RELATION_SCALE)
            raise ExportError(
                f"{label}: the pair {pair} says '{short(as_text(row.get('RelationValue')) or '(blank)')}', not a "
                f"judgement pmo-xl reads ({known}); docs/project-online-drivers.md explains the table"
            )
        i, j = position[first.casefold()], position[second.casefold()]
        if i == j:
            if value != 1.0:
                raise ExportError(f"{label}: the pair {pair} compares a driver with itself as unequal")
            continue
        for row_index, column, judgement in ((i, j, value), (j, i, 1 / value)):
            held = matrix[row_index][column]
            if held is not None and not math.isclose(held, judgement, rel_tol=1e-9):
                raise ExportError(f"{label}: the pair {pair} is judged twice, and the two judgements disagree; keep "
                                  "one row")  # fmt: skip
            matrix[row_index][column] = judgement
    for i in range(size):
        for j in range(i + 1, size):
            if matrix[i][j] is None:
                raise ExportError(
                    f"{label}: no judgement for the pair '{drivers[i].name}' vs '{drivers[j].name}'; a calculated "
                    "prioritization compares every pair: export PrioritizationDriverRelations whole"
                )
    try:
        return ahp_weights(matrix)
    except AhpError as error:
        raise ExportError(f"{label}: {error}") from None


def _name_of(row: Mapping[str, object], number: int, driver_id: str) -> str:
    return as_text(row.get(f"BusinessDriver{number}Name")).strip() or driver_id


# -- the mapping report ---------------------------------------------------------------------------------------------

_AUDIT = "not mapped: who changed it and when; the model's version says which prioritization it came from"
_TARGETS: dict[str, dict[str, tuple[str, str]]] = {
    "BusinessDrivers": {
        "BusinessDriverId": ("", "matches PrioritizationDrivers and PrioritizationDriverRelations to the driver"),
        "BusinessDriverName": ("ScoringModel criterion_name", "criterion_id is its slug (criterion_id_for)"),
        "BusinessDriverDescription": ("ScoringModel help_text", ""),
        **{
            prop: (f"ScoringModel level_descriptor of level {score} ({name})", "")
            for name, prop, score, _v in IMPACT_LEVELS
        },
        "BusinessDriverIsActive": ("", "not mapped: a driver is a criterion when the chosen prioritization weights it"),
    },
    "PortfolioAnalyses": {
        "AnalysisId": ("", "identifies the analysis"),
        "AnalysisName": ("", "matched by --prioritization NAME"),
        "PrioritizationId": ("", "the prioritization whose weights the criteria take"),
        "PrioritizationName": ("", "shown when prioritizations are listed"),
    },
    "Prioritizations": {
        "PrioritizationId": ("", "identifies the prioritization"),
        "PrioritizationName": ("ScoringModel model_name ('Project Online: NAME')", "matched by --prioritization NAME"),
        "PrioritizationIsManual": ("", "manual: weights imported, nothing recomputed, Saaty CR n/a"),
        "ConsistencyRatio": ("drivers report", "Project's own 0-1 measure, shown beside Saaty's CR; never pmo-xl's CR"),
        "PrioritizationModifiedDate": ("ScoringModel model_version (its day)", ""),
        "PrioritizationDescription": ("", "not mapped: the ScoringModel table has no column for it"),
    },
    "PrioritizationDrivers": {
        "PrioritizationId": ("", "the prioritization the row belongs to"),
        "BusinessDriverId": ("", "matches the row to BusinessDrivers"),
        "BusinessDriverPriority": ("ScoringModel weight", "normalised only when a prioritization's do not sum to 1"),
        "BusinessDriveName": ("", "checked against BusinessDrivers (Microsoft's spelling)"),
        "BusinessDriverName": ("", "checked against BusinessDrivers"),
        "PrioritizationName": ("", "not used: PrioritizationId says which prioritization"),
    },
    "PrioritizationDriverRelations": {
        "PrioritizationId": ("", "the prioritization the judgement belongs to"),
        "BusinessDriver1Id": ("", "driver 1 of the pair (the row reads: driver 1 RelationValue driver 2)"),
        "BusinessDriver2Id": ("", "driver 2 of the pair"),
        "BusinessDriver1Name": ("", "names the pair in messages"),
        "BusinessDriver2Name": ("", "names the pair in messages"),
        "RelationValue": ("drivers report: recomputed weights and Saaty CR", "read through RELATION_SCALE"),
        "PrioritizationName": ("", "not used: PrioritizationId says which prioritization"),
    },
}
_SET_TARGETS = {
    "BusinessDrivers": "ScoringModel criteria",
    "PortfolioAnalyses": "which prioritization",
    "Prioritizations": "ScoringModel name and version; drivers report",
    "PrioritizationDrivers": "ScoringModel weights",
    "PrioritizationDriverRelations": "drivers report (cross-check)",
}


def drivers_mapping(export: Export, chosen: Prioritization | None = None) -> tuple[MappingLine, ...]:
    """The mapping report's lines for the drivers' sets: each set found, then each of its properties, with what it
    became or why not. They replace the lines `mapping_report` gives these sets."""
    lines = []
    for name in DRIVER_SETS:
        found = export.sets.get(name)
        if found is None:
            continue
        note = f"{len(found.rows)} row(s) from {', '.join(found.files)}"
        if found.repeated_rows:
            note += f"; {found.repeated_rows} row(s) repeated across pages kept once"
        if found.next_page_missing:
            note += f"; its last page says more follow, but there is no {name}-{len(found.files) + 1} file"
        if chosen is not None and name not in ("BusinessDrivers", "PortfolioAnalyses"):
            wanted = chosen.prioritization_id.casefold()
            mine = sum(1 for row in found.rows if as_text(row.get("PrioritizationId")).strip().casefold() == wanted)
            note += f"; {mine} of prioritization '{chosen.name}', the others not used"
            if name == "PrioritizationDriverRelations" and chosen.manual:
                note += "; a manual prioritization has no judgements to recompute from"
        lines.append(MappingLine(name, "", _SET_TARGETS[name], note))
        documented = ENTITY_SETS[name].properties
        targets = _TARGETS[name]
        for prop in found.properties:
            if prop in targets:
                became, why = targets[prop]
            elif prop not in documented:
                became, why = "", "unknown property: not in docs/project-online.md"
            elif prop.startswith(("Created", "Modified")) or prop.endswith(("CreatedDate", "ModifiedDate")):
                became, why = "", _AUDIT
            elif prop.startswith("Department"):
                became, why = "", "not mapped: pmo-xl's scoring model is not kept per department"
            else:
                became, why = "", "not used for the drivers"
            feed_name = found.renamed.get(prop)
            if feed_name:
                why = f"named {feed_name} in the export (--names)" + (f"; {why}" if why else "")
            lines.append(MappingLine(name, prop, became, why))
    return tuple(lines)


# -- the impacts sheet ----------------------------------------------------------------------------------------------

IMPACT_NAMES = {name.casefold(): score for name, _prop, score, _value in IMPACT_LEVELS}
PROJECT_COLUMN = "project"


def read_impacts(path: Path | str, drivers: DriversImport, projects: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    """`impacts_frame` of a CSV, or of a workbook's table or sheet named Impacts (else its first sheet)."""
    try:
        table = read_table(path, "Impacts", first_sheet=True)
    except InputTableError as error:
        raise ExportError(str(error)) from None
    return impacts_frame(table, drivers, projects)


def impacts_frame(
    table: pd.DataFrame, drivers: DriversImport, projects: Sequence[Mapping[str, object]]
) -> pd.DataFrame:
    """request_id and one `pmo_<criterion_id>` column a driver, holding level scores 0-4, from an impacts sheet.

    `table` has a `project` column (the PMO project id, the project's name or its PWA GUID, as in `projects`: the
    register rows, with project_id, project_name and external_id) and one column a driver (headed by its name or its
    criterion id; case and spaces do not matter), holding None/Low/Moderate/Strong/Extreme or 0-4. A blank stays
    blank (the model's missing_rule decides). Each problem names the file, the row and the column."""
    source = table.attrs.get("source") or "impacts"
    first_row = int(table.attrs.get("first_row") or 2)
    weights = drivers.weights
    headers = [str(header) for header in table.columns]
    project_header = next((h for h in headers if same_name(h) == same_name(PROJECT_COLUMN)), None)
    problems: list[str] = []
    if project_header is None:
        raise ExportError(f"{source}: no column '{PROJECT_COLUMN}' (the PMO project id, the project's name or its PWA "
                          f"GUID); its headers are {', '.join(headers)}")  # fmt: skip
    column_of: dict[str, str] = {}  # criterion_id -> header
    for header in headers:
        if header == project_header:
            continue
        matches = [w for w in weights if same_name(w.driver.criterion_id) == same_name(header)]
        matches = matches or [w for w in weights if same_name(w.driver.name) == same_name(header)]
        if len(matches) != 1:
            why = "names two drivers" if matches else "is not a driver of the model"
            names = ", ".join(f"'{w.driver.name}'" for w in weights)
            problems.append(f"{source}: column '{header}' {why} (drivers: {names}); head it with a driver's "
                            "name or criterion id")  # fmt: skip
            continue
        criterion_id = matches[0].driver.criterion_id
        if criterion_id in column_of:
            problems.append(f"{source}: columns '{column_of[criterion_id]}' and '{header}' are both driver "
                            f"'{matches[0].driver.name}'; keep one")  # fmt: skip
        column_of[criterion_id] = header
    for weight in weights:
        if weight.driver.criterion_id not in column_of:
            problems.append(f"{source}: no column for driver '{weight.driver.name}'; add one headed by its name")
    lookup = _project_lookup(projects)
    out_columns = criterion_columns(drivers.model, "pmo")
    rows: list[list[object]] = []
    seen: dict[str, int] = {}
    for index, record in enumerate(table.to_dict("records")):
        row_number = first_row + index
        if all(is_blank(value) for value in record.values()):
            continue
        cell = as_text(record.get(project_header)).strip()
        candidates = lookup.get(cell.casefold(), []) if cell else []
        if len(candidates) != 1:
            why = ("is blank" if not cell else f"'{cell}' is no project of the register" if not candidates
                   else f"'{cell}' names {len(candidates)} projects ({', '.join(candidates)}): give the project id")  # fmt: skip
            problems.append(f"{source} row {row_number}, column '{project_header}': the project {why}")
            continue
        project_id = candidates[0]
        if project_id in seen:
            problems.append(f"{source} row {row_number}: project {project_id} is also on row {seen[project_id]}")
        seen[project_id] = row_number
        values: list[object] = [project_id]
        for criterion in drivers.model.criteria:
            header = column_of.get(criterion.criterion_id)
            score, problem = _impact(record.get(header) if header else None)
            if problem:
                problems.append(f"{source} row {row_number}, column '{header}': {problem}")
            values.append(score)
        rows.append(values)
    if problems:
        raise ExportError(problems[0] + (f" (and {len(problems) - 1} more)" if problems[1:] else ""))
    frame = pd.DataFrame(rows, columns=["request_id", *out_columns])
    for column in out_columns:
        frame[column] = frame[column].astype("Int64")
    return frame


def _project_lookup(projects: Sequence[Mapping[str, object]]) -> dict[str, list[str]]:
    """Each way a project may be named (PMO id, name, GUID; case does not matter) -> the PMO ids it names."""
    lookup: dict[str, list[str]] = {}
    for project in projects:
        project_id = as_text(project.get("project_id")).strip()
        for key in ("project_id", "project_name", "external_id"):
            text = as_text(project.get(key)).strip().casefold()
            if text and project_id not in lookup.setdefault(text, []):
                lookup[text].append(project_id)
    return lookup


def _impact(value: object) -> tuple[int | None, str]:
    """(level score 0-4, problem) of one impact cell: a PWA level name, or its digit 0-4; blank is None."""
    if is_blank(value):
        return None, ""
    if isinstance(value, str) and value.strip().casefold() in IMPACT_NAMES:
        return IMPACT_NAMES[value.strip().casefold()], ""
    expected = "None, Low, Moderate, Strong or Extreme (or 0-4)"
    if isinstance(value, bool):
        return None, f"{value} is not an impact: expected {expected}"
    number, problem = feed_number(value, "impact")
    if problem or number is None or number not in range(5):
        return None, f"'{short(as_text(value))}' is not an impact: expected {expected}"
    return int(number), ""
