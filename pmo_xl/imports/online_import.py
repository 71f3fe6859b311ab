"""A whole Project Online export imported: one core call that works out every file `pmo import project-online`
writes, before any is written.

`import_online(export, request)` runs each part over the export read once: the register (project_online), the
proposals, their pipeline and the scenarios (online_portfolio), the scoring model from the business drivers
(online_drivers), the status seeds and capacity (online_seeds) and the baselines for the ledger. It gives the files
as bytes by their path under DIR, the mapping report's sheets, and what to say; the command writes them. Nothing here
writes, so a failure anywhere leaves DIR as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from pmo_xl.errors import ExportError
from pmo_xl.excel.files import safe_file_name
from pmo_xl.imports.online_drivers import DRIVER_SETS, DriversImport, import_drivers, read_impacts
from pmo_xl.imports.online_portfolio import MAPPED_SETS, PortfolioImport, portfolio_import, register_ids
from pmo_xl.imports.online_seeds import (
    SEED_SETS,
    StatusSeeds,
    capacity_csv,
    proposed_demand_csv,
    seed_bytes,
    seed_file_name,
    status_seeds,
)
from pmo_xl.imports.project_online import (
    Export,
    MappingLine,
    RegisterImport,
    baselines_for_ledger,
    mapping_report,
    register_rows,
)
from pmo_xl.ledger import ImportedBaseline
from pmo_xl.portfolio.scoring import SCORING_MODEL_COLUMNS, model_to_rows
from pmo_xl.portfolio.selection.scenarios import scenarios_bytes
from pmo_xl.values import short

REGISTER_FILE = "register.csv"
PIPELINE_FILE = "pipeline.csv"
SCENARIOS_FILE = "pipeline-scenarios.json"
PIPELINE_RESOURCES_FILE = "pipeline-resources.csv"
MODEL_FILE = "scoring-model.csv"
SEEDS_FOLDER = "seeds"
CAPACITY_FILE = "capacity.csv"
PROPOSED_FILE = "proposed-demand.csv"
REPORT_FILE = "import-report.xlsx"
# Projects properties the proposals part maps (it says what they became for a proposal).
_PORTFOLIO_PROJECT_PROPERTIES = ("EnterpriseProjectTypeName", "ProjectCost")


@dataclass(frozen=True)
class OnlineRequest:
    """What the PMO chose (`pmo import project-online --help` says each)."""

    period: str
    roles: tuple[str, ...]
    imported_at: str
    id_field: str | None = None
    sponsor_field: str = "Sponsor"
    stage_field: str | None = None
    baseline: int = 0
    proposals: str | None = None
    analysis: str | None = None
    budget: float | Mapping[str, float] | None = None
    fiscal_year_start_month: int = 1
    prioritization: str | None = None
    impacts: Path | None = None
    role_field: str | None = None
    role_names: Mapping[str, str] = field(default_factory=dict)
    hours_per_fte_month: float | None = None


@dataclass(frozen=True)
class OnlineImport:
    """Every file to write (bytes by its path under DIR, the mapping report aside), the report's sheets, the
    baselines for the ledger, and what to tell the PMO: warnings, and what to mend (the run exits 1)."""

    export: Export
    register: RegisterImport
    files: Mapping[str, bytes]
    report: Mapping[str, pd.DataFrame]
    baselines: tuple[ImportedBaseline, ...]
    without_baseline: tuple[str, ...]
    portfolio: PortfolioImport | None
    drivers: DriversImport | None
    seeds: StatusSeeds
    warnings: tuple[str, ...]
    to_mend: tuple[str, ...]
    mapping: tuple[MappingLine, ...]
    notes: tuple[str, ...] = ()


def import_online(export: Export, request: OnlineRequest) -> OnlineImport:
    """Everything a Project Online export becomes; ExportError (one line) when a part cannot be made."""
    _refuse_one_column_csv(export)
    everyone = register_rows(
        export, id_field=request.id_field, sponsor_field=request.sponsor_field, stage_field=request.stage_field,
        baseline=request.baseline,
    )  # fmt: skip
    warnings: list[str] = list(everyone.warnings)
    files: dict[str, bytes] = {}
    portfolio = None
    if request.proposals:
        portfolio = portfolio_import(
            export,
            request.proposals,
            register_ids(everyone),
            analysis=request.analysis,
            budget=request.budget,
            fiscal_year_start_month=request.fiscal_year_start_month,
        )
        warnings += portfolio.warnings
    proposals = portfolio.proposals if portfolio else frozenset()
    register = _without(everyone, proposals)
    drivers = import_drivers(export, request.prioritization) if export.rows("BusinessDrivers") else None
    if drivers is not None:
        warnings += drivers.warnings
        files[MODEL_FILE] = _csv(SCORING_MODEL_COLUMNS, model_to_rows(drivers.model))
    if portfolio is not None and portfolio.pipeline.rows:
        pipeline = portfolio.pipeline.frame()
        if request.impacts is not None:
            if drivers is None:
                raise ExportError(f"--impacts {request.impacts.name}: the export has no BusinessDrivers to rate")
            impacts = read_impacts(request.impacts, drivers, [row for row in everyone.rows])
            pipeline = pipeline.merge(impacts, on="request_id", how="left")
        files[PIPELINE_FILE] = _frame_csv(pipeline)
        files[SCENARIOS_FILE] = scenarios_bytes(portfolio.scenarios)
        for variant in portfolio.start_variants:
            files[f"pipeline-{safe_file_name(variant.name)}.csv"] = _frame_csv(variant.pipeline.frame())
    seed_options = {"hours_per_fte_month": request.hours_per_fte_month} if request.hours_per_fte_month else {}
    # Every project is seeded at once (one pass over a million timephased rows); a proposal's work is the
    # pipeline's resource estimate, a project underway's its status seed.
    seeds = status_seeds(
        export, everyone.rows, request.period, roles=request.roles, baseline=request.baseline,
        role_field=request.role_field, role_names=dict(request.role_names), **seed_options,
    )  # fmt: skip
    notes = list(seeds.notes)
    underway = {str(row["project_id"]) for row in register.rows}
    for seed in seeds.projects:
        if seed.project_id in underway:
            files[f"{SEEDS_FOLDER}/{seed_file_name(seed.project_id)}"] = seed_bytes(seed, export.source, request.period)
    if seeds.capacity:
        files[CAPACITY_FILE] = capacity_csv(seeds.capacity)
    proposed = [demand for demand in seeds.proposed if demand.project_id in underway]
    if proposed:
        files[PROPOSED_FILE] = proposed_demand_csv(proposed)
    if portfolio is not None and portfolio.pipeline.rows:
        files[PIPELINE_RESOURCES_FILE] = _frame_csv(_request_resources(seeds, underway))
    files[REGISTER_FILE] = _frame_csv(
        pd.DataFrame(
            [[row.get(column) for column in register.columns] for row in register.rows],
            columns=list(register.columns),
            dtype=object,
        )
    )
    baselines, without = baselines_for_ledger(export, register, request.baseline, request.imported_at)
    mapping = _register_sets(_mapping(export, register, portfolio, drivers, seeds), request)
    report = _report(mapping, everyone, proposals, drivers, seeds, warnings)
    return OnlineImport(
        export, register, files, report, baselines, without, portfolio, drivers, seeds, tuple(warnings),
        tuple(seeds.problems), mapping, tuple(notes),
    )  # fmt: skip


def _refuse_one_column_csv(export: Export) -> None:
    """A CSV read with another separator than its own (a `;` file under --csv-locale en-US) is one column headed by
    every name: refused, where it would become a register of blank projects with one odd custom field."""
    for found in export.sets.values():
        names = found.properties
        if len(names) == 1 and any(mark in names[0] for mark in ";,\t|") and found.files[0].lower().endswith(".csv"):
            raise ExportError(
                f"{export.source}: {found.files[0]} reads as one column headed '{short(names[0], 60)}': it is "
                "separated by another mark than --csv-locale reads; give --csv-locale auto, or the locale it was "
                "saved in"
            )


def _request_resources(seeds: StatusSeeds, underway: set[str]) -> pd.DataFrame:
    """The proposals' work by role and month, committed or proposed alike (a proposal's bookings are estimates), as
    the selection's resource estimates: request_id, role, month, fte (pmo optimize --resources)."""
    rows: dict[tuple[str, str, str], float] = {}
    for seed in seeds.projects:
        if seed.project_id in underway:
            continue
        for line in seed.tables.get("ResourceDemand", ()):
            for month, fte in line.items():
                if month not in ("role", "person") and fte:
                    key = (seed.project_id, str(line["role"]), month)
                    rows[key] = rows.get(key, 0.0) + float(fte)  # type: ignore[arg-type]
    for demand in seeds.proposed:
        if demand.project_id not in underway:
            key = (demand.project_id, demand.role, demand.month)
            rows[key] = rows.get(key, 0.0) + demand.fte
    return pd.DataFrame(
        [[*key, round(fte, 4)] for key, fte in sorted(rows.items())], columns=["request_id", "role", "month", "fte"]
    )


def _without(register: RegisterImport, proposals: frozenset[str]) -> RegisterImport:
    """The register of the projects underway: the proposals are the pipeline's."""
    rows = tuple(row for row in register.rows if str(row["external_id"]).casefold() not in proposals)
    kept = {row["project_id"] for row in rows}
    return replace(register, rows=rows, generated_ids=tuple(i for i in register.generated_ids if i in kept))


def _mapping(
    export: Export,
    register: RegisterImport,
    portfolio: PortfolioImport | None,
    drivers: DriversImport | None,
    seeds: StatusSeeds,
) -> tuple[MappingLine, ...]:
    """The report's lines: each set's own line (rows, pages, repeats) from mapping_report, and each property's line
    from the part that mapped it."""
    parts: dict[str, tuple[MappingLine, ...]] = {}
    if portfolio is not None:
        parts.update(dict.fromkeys(MAPPED_SETS, portfolio.mapping))
    if drivers is not None:
        parts.update(dict.fromkeys(DRIVER_SETS, drivers.mapping))
    parts.update(dict.fromkeys(SEED_SETS, seeds.mapping))
    targets = {
        **dict.fromkeys(MAPPED_SETS, "request pipeline and scenarios" if portfolio else ""),
        **dict.fromkeys(DRIVER_SETS, "scoring model" if drivers else ""),
        **dict.fromkeys(SEED_SETS, "status seeds and capacity"),
    }
    lines: list[MappingLine] = []
    for line in mapping_report(export, register):
        mapped_by = parts.get(line.entity_set)
        if line.entity_set == "Projects" and portfolio and line.property in _PORTFOLIO_PROJECT_PROPERTIES:
            lines += [m for m in portfolio.mapping if (m.entity_set, m.property) == ("Projects", line.property)]
        elif mapped_by is None or not export.sets[line.entity_set].known:
            lines.append(line)
        elif not line.property:
            note = line.note.removesuffix("; not mapped yet")
            lines.append(replace(line, became=targets.get(line.entity_set, ""), note=note))
            lines += [m for m in mapped_by if m.entity_set == line.entity_set and m.property]
    return tuple(dict.fromkeys(lines))


def _register_sets(lines: Sequence[MappingLine], request: OnlineRequest) -> tuple[MappingLine, ...]:
    """The lines of the two sets the register reads besides Projects (project_online.register_rows and
    baselines_for_ledger), which mapping_report leaves "not mapped yet": what each of their properties became."""
    stage = "not used: --stage-field gives the stage" if request.stage_field else "register stage: the current one"
    if request.proposals and "stage" in request.proposals.casefold():
        stage += "; the --proposals stage rule"
    targets = {
        ("ProjectBaselines", ""): "register budget and the ledger's period-0 records",
        ("ProjectBaselines", "ProjectId"): "the project",
        ("ProjectBaselines", "BaselineNumber"): f"picks baseline {request.baseline} (--baseline)",
        ("ProjectBaselines", "ProjectBaselineCost"): "register budget where ProjectBudgetCost is blank or 0; the "
        "period-0 record's cost (--ledger)",
        ("ProjectBaselines", "ProjectBaselineStartDate"): "the period-0 record's start (--ledger)",
        ("ProjectBaselines", "ProjectBaselineFinishDate"): "the period-0 record's finish (--ledger)",
        ("ProjectWorkflowStageDataSet", ""): "register stage",
        ("ProjectWorkflowStageDataSet", "ProjectId"): "the project",
        ("ProjectWorkflowStageDataSet", "StageName"): stage,
        ("ProjectWorkflowStageDataSet", "StageEntryDate"): "the current stage is the one entered last",
        ("ProjectWorkflowStageDataSet", "StageOrder"): "the current stage, of two entered on the same day",
    }
    unused = {
        ("ProjectWorkflowStageDataSet", "StageId"): "not used",
        ("ProjectWorkflowStageDataSet", "StageStatus"): "not used: the stage entered last is the current one",
    }
    mapped = []
    for line in lines:
        key = (line.entity_set, line.property)
        if "not mapped yet" not in line.note or (key not in targets and key not in unused):
            mapped.append(line)
        elif key in targets:
            note = line.note.replace("; not mapped yet", "").replace("not mapped yet", "").strip()
            mapped.append(replace(line, became=targets[key], note=note))
        else:
            mapped.append(replace(line, note=line.note.replace("not mapped yet", unused[key])))
    return tuple(mapped)


def _report(
    mapping: Sequence[MappingLine],
    everyone: RegisterImport,
    proposals: frozenset[str],
    drivers: DriversImport | None,
    seeds: StatusSeeds,
    warnings: Sequence[str],
) -> dict[str, pd.DataFrame]:
    sheets = {
        "Mapping": pd.DataFrame(
            [[line.entity_set, line.property, line.became, line.note] for line in mapping],
            columns=["entity_set", "property", "became", "note"],
        ),
        "ProjectIds": pd.DataFrame(
            [
                [
                    row["project_id"],
                    row["external_id"],
                    row["project_name"],
                    row["project_id"] in everyone.generated_ids,
                    "proposal (pipeline)" if str(row["external_id"]).casefold() in proposals else "project (register)",
                ]
                for row in everyone.rows
            ],
            columns=["project_id", "external_id", "project_name", "generated", "became"],
        ),
        "Seeds": pd.DataFrame(
            [
                [seed.project_id, seed.project_name, seed.describe()]
                for seed in seeds.projects
                if str(seed.external_id).casefold() not in proposals
            ],
            columns=["project_id", "project_name", "seeded"],
        ),
        "Messages": pd.DataFrame(
            [["warning", text] for text in warnings]
            + [["to mend", text] for text in seeds.problems]
            + [["note", text] for text in seeds.notes],
            columns=["kind", "message"],
        ),
    }
    if drivers is not None:
        sheets["Drivers"] = drivers.report_frame()
    return sheets


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    return _frame_csv(pd.DataFrame([list(row) for row in rows], columns=list(header), dtype=object))


def _frame_csv(frame: pd.DataFrame) -> bytes:
    """A CSV as every pmo-xl file is written: UTF-8 with BOM, comma, point, CRLF; dates ISO. A whole number is
    written whole (433000, never 433000.0), so one value is one text whichever form of the export gave it: JSON
    light's 433000.0, verbose's "433000.000000" and an Excel cell's 433000 give the same file."""
    shown = frame.copy()
    for column in shown.columns:
        shown[column] = pd.Series([_cell(value) for value in shown[column]], index=shown.index, dtype=object)
    return shown.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def _cell(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
