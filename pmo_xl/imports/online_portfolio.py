"""Proposals, the legacy priority and the portfolio scenarios of a Project Online export (issue 15).

ProjectData has no Proposals set: proposals are the Projects a rule the PMO gives selects, by enterprise project type
and/or current workflow stage (`parse_proposal_rule`). They become the request pipeline of `pmo optimize`
(`request_pipeline`), their legacy priority from PortfolioAnalysisProjects as the fixed score; the analysis's
cost-constraint scenarios become saved selection scenarios with their forces (`cost_scenarios`), and its
resource-constraint scenarios, whose new start dates pmo-xl's scenarios cannot hold, become pipeline variants with
the starts moved (`resource_scenarios`). `portfolio_import` does all of it. docs/project-online-portfolio.md says what
each property becomes and why.

Pure functions over an `Export` and the register's ids: nothing here writes a file. The command writes the pipeline
(`ProposalPipeline.frame()` as CSV) and the scenarios (`pmo_xl.portfolio.selection.save_scenarios`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from pmo_xl.errors import ExportError
from pmo_xl.imports.project_online import (
    ENTITY_SETS,
    Export,
    MappingLine,
    RegisterImport,
    _current_stages,
    feed_date,
    feed_number,
)
from pmo_xl.periods import fiscal_year_label
from pmo_xl.portfolio.selection.inputs import SelectionSettings
from pmo_xl.portfolio.selection.scenarios import Scenario
from pmo_xl.values import as_text

RULE_EXAMPLE = "type=Proposal,Idea; stage=Create,Select"
RULE_KEYS = {"type": "EnterpriseProjectTypeName", "stage": "the current workflow stage (StageName)"}

# ForceStatus and Status are Edm.Byte in ProjectData (CostScenarioProject, ResourceScenarioProject) and ProjectData
# does not say what their codes mean; the Project Server PSI documents the same bytes of the same solution rows.
# This is the one table of those codes: (property, code) -> (what pmo-xl makes of it, its meaning).
FORCE_STATUS_SOURCE = (
    "https://learn.microsoft.com/en-us/previous-versions/office/developer/office-2010/gg180100(v=office.14)"
)
STATUS_SOURCE = "https://learn.microsoft.com/en-us/previous-versions/office/ee736428(v=office.14)"
SCENARIO_CODES: dict[tuple[str, int], tuple[str, str]] = {
    ("ForceStatus", 0): ("in", "forced in by the user"),
    ("ForceStatus", 1): ("out", "forced out by the user"),
    ("ForceStatus", 2): ("", "selected automatically (no force)"),
    ("Status", 0): ("selected", "in the scenario's selection"),
    ("Status", 1): ("not selected", "not in the scenario's selection"),
}
CODE_SOURCES = {"ForceStatus": FORCE_STATUS_SOURCE, "Status": STATUS_SOURCE}


# -- the proposals rule ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProposalRule:
    """Which Projects are proposals: an enterprise project type among `types` and (when both are given) a current
    workflow stage among `stages`. Names are kept as written; they match ignoring case and repeated spaces."""

    types: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()

    def __str__(self) -> str:
        parts = [f"type={','.join(self.types)}"] if self.types else []
        return "; ".join(parts + ([f"stage={','.join(self.stages)}"] if self.stages else []))


def parse_proposal_rule(text: str) -> ProposalRule:
    """`type=Proposal,Idea; stage=Create,Select` (either clause alone, or both: a proposal matches both); ExportError,
    one line with an example, when it is not of that form."""
    found: dict[str, tuple[str, ...]] = {}
    clauses = [clause.strip() for clause in str(text or "").split(";")]
    for clause in clauses:
        key, equals, values = clause.partition("=")
        key = key.strip().casefold()
        names = tuple(dict.fromkeys(value.strip() for value in values.split(",") if value.strip()))
        problem = ""
        if not clause:
            continue
        if not equals:
            problem = f"'{clause}' is not key=value"
        elif key not in RULE_KEYS:
            problem = f"'{key}' is not type or stage"
        elif key in found:
            problem = f"{key} is given twice (list its values once, separated by commas)"
        elif not names:
            problem = f"{key}= names no value"
        if problem:
            raise ExportError(f"proposal rule '{text}': {problem}; write it like {RULE_EXAMPLE}")
        found[key] = names
    if not found:
        raise ExportError(f"proposal rule '{text}' is empty; write it like {RULE_EXAMPLE}")
    return ProposalRule(found.get("type", ()), found.get("stage", ()))


def _same(text: object) -> str:
    return " ".join(as_text(text).split()).casefold()


def select_proposals(export: Export, rule: ProposalRule) -> tuple[frozenset[str], tuple[str, ...]]:
    """(the proposals' ProjectIds, casefolded; warnings): the Projects the rule selects. A rule value no project has
    is a warning naming the values the export does have."""
    stages = _current_stages(export.rows("ProjectWorkflowStageDataSet"))
    types_wanted = {_same(name) for name in rule.types}
    stages_wanted = {_same(name) for name in rule.stages}
    proposals = set()
    for row in export.rows("Projects"):
        guid = as_text(row.get("ProjectId")).strip().casefold()
        if rule.types and _same(row.get("EnterpriseProjectTypeName")) not in types_wanted:
            continue
        if rule.stages and _same(stages.get(guid)) not in stages_wanted:
            continue
        proposals.add(guid)
    warnings = []
    for label, wanted, seen in (
        ("type", rule.types, [row.get("EnterpriseProjectTypeName") for row in export.rows("Projects")]),
        ("stage", rule.stages, list(stages.values())),
    ):
        known = {_same(name): as_text(name).strip() for name in seen if as_text(name).strip()}
        for name in wanted:
            if _same(name) not in known:
                listing = ", ".join(sorted(known.values())) or "none"
                warnings.append(f"proposal rule: no project has {label} '{name}' (the export has: {listing})")
    return frozenset(proposals), tuple(warnings)


# -- the request pipeline -------------------------------------------------------------------------------------------


PIPELINE_COLUMNS = (
    "request_id", "title", "start_month", "duration_months", "score", "legacy_priority", "legacy_absolute_priority",
    "stage", "external_id",
)  # fmt: skip


@dataclass(frozen=True)
class ProposalPipeline:
    """The request pipeline (REQUEST_COLUMNS of pmo_xl.portfolio.selection.inputs, plus the legacy priority and the
    PWA GUID): columns in order, one row (column -> value) per proposal, the chosen analysis and the warnings."""

    columns: tuple[str, ...]
    rows: tuple[Mapping[str, object], ...]
    analysis: str
    warnings: tuple[str, ...]

    def frame(self):
        """The pipeline as a DataFrame, for the command to write as CSV (`pmo optimize REQUESTS` reads it)."""
        import pandas as pd

        return pd.DataFrame([dict(row) for row in self.rows], columns=list(self.columns))


@dataclass(frozen=True)
class _Proposal:
    guid: str
    request_id: str
    name: str
    start: dt.date | None
    finish: dt.date | None
    cost: float | int | None


def register_ids(register: RegisterImport) -> dict[str, str]:
    """ProjectId (casefolded) -> the PMO id `register_rows` gave the project."""
    return {as_text(row["external_id"]).casefold(): as_text(row["project_id"]) for row in register.rows}


def _proposals(export: Export, proposals: frozenset[str], ids: Mapping[str, str]) -> list[_Proposal]:
    found: list[_Proposal] = []
    problems: list[str] = []
    for row in export.rows("Projects"):
        guid = as_text(row.get("ProjectId")).strip()
        if guid.casefold() not in proposals:
            continue
        name = as_text(row.get("ProjectName")).strip() or guid
        label = f"Projects, proposal '{name}'"
        request_id = ids.get(guid.casefold(), "")
        start, start_problem = feed_date(row.get("ProjectStartDate"), f"{label}: ProjectStartDate")
        finish, finish_problem = feed_date(row.get("ProjectFinishDate"), f"{label}: ProjectFinishDate")
        cost, cost_problem = feed_number(row.get("ProjectCost"), f"{label}: ProjectCost")
        problems += [problem for problem in (start_problem, finish_problem, cost_problem) if problem]
        if not request_id:
            problems.append(f"{label} ({guid}) has no PMO id among the register's rows: give the register rows of the "
                            "whole Projects set")  # fmt: skip
        if start and finish and finish < start:
            problems.append(f"{label}: ProjectFinishDate {finish} is before ProjectStartDate {start}")
        if cost and (start is None or finish is None):
            problems.append(
                f"{label}: ProjectCost {cost} cannot be spread over fiscal years without ProjectStartDate and "
                "ProjectFinishDate; export the Projects set with both dates"
            )
        if cost is not None and cost < 0:
            problems.append(f"{label}: ProjectCost {cost} is negative")
        found.append(_Proposal(guid, request_id, name, start, finish, cost))
    if problems:
        raise ExportError(
            f"{export.source}: {problems[0]}" + (f" (and {len(problems) - 1} more)" if problems[1:] else "")
        )
    return sorted(found, key=lambda proposal: (proposal.request_id.casefold(), proposal.guid))


def cost_by_fiscal_year(
    cost: float | int, start: dt.date, finish: dt.date, fiscal_year_start_month: int = 1
) -> dict[str, float | int]:
    """`cost` spread over the calendar days from `start` to `finish` (both included), summed by fiscal year: each
    year's share to the cent, the last year taking the remainder so that the shares add up to `cost` exactly."""
    days: dict[str, int] = {}
    day = start
    while day <= finish:
        month_end = (dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)) - dt.timedelta(days=1)
        last = min(month_end, finish)
        label = fiscal_year_label(day.year * 12 + day.month - 1, fiscal_year_start_month)
        days[label] = days.get(label, 0) + (last - day).days + 1
        day = last + dt.timedelta(days=1)
    if len(days) == 1:
        return {next(iter(days)): cost}
    # In whole cents (integers, so the shares add up exactly): each year's share rounded to the cent, the last
    # year the remainder.
    total_days = sum(days.values())
    cents = round(cost * 100)
    shares: dict[str, float | int] = {}
    given = 0
    labels = list(days)
    for label in labels[:-1]:
        share = round(cents * days[label] / total_days)
        shares[label] = share / 100
        given += share
    shares[labels[-1]] = (cents - given) / 100
    return shares


def _months(start: dt.date, finish: dt.date) -> int:
    """The calendar months the dates span, both included (a project of 5 January to 26 June runs 6 months)."""
    return (finish.year * 12 + finish.month) - (start.year * 12 + start.month) + 1


def choose_analysis(export: Export, analysis: str | None) -> tuple[str, str]:
    """(AnalysisId, AnalysisName) of the portfolio analysis to import: the one named (or whose id is) `analysis`;
    without it, the only analysis PortfolioAnalysisProjects prioritises (or, when that set is empty, the only one of
    the scenario sets); ("", "") when there is none. ExportError when `analysis` matches none, or none is given and
    there are several to choose from."""
    everywhere = _analyses(export, _ANALYSIS_SETS)
    if analysis:
        wanted = _same(analysis)
        match = [key for key, name in everywhere.items() if wanted in (_same(name), key)]
        if not match:
            listing = ", ".join(f"'{name}'" for name in sorted(everywhere.values())) or "none"
            raise ExportError(f"{export.source}: no portfolio analysis named '{analysis}' (the export has: {listing}); "
                              "give one of those names")  # fmt: skip
        return _original_id(export, match[0]), everywhere[match[0]]
    candidates = _analyses(export, _ANALYSIS_SETS[:1]) or everywhere
    if len(candidates) > 1:
        listing = ", ".join(f"'{name}'" for name in sorted(candidates.values()))
        raise ExportError(f"{export.source}: {len(candidates)} portfolio analyses ({listing}); choose the one to "
                          "import by its name (--analysis NAME)")  # fmt: skip
    if not candidates:
        return "", ""
    key = next(iter(candidates))
    return _original_id(export, key), candidates[key]


_ANALYSIS_SETS = ("PortfolioAnalysisProjects", "CostConstraintScenarios", "ResourceConstraintScenarios")


def _analyses(export: Export, set_names: Sequence[str]) -> dict[str, str]:
    """AnalysisId (casefolded) -> its AnalysisName (or the id) over the rows of `set_names`."""
    known: dict[str, str] = {}
    for set_name in set_names:
        for row in export.rows(set_name):
            analysis_id = as_text(row.get("AnalysisId")).strip()
            if analysis_id:
                name, key = as_text(row.get("AnalysisName")).strip(), analysis_id.casefold()
                if key not in known or (name and known[key] == analysis_id):  # the first name given names it
                    known[key] = name or analysis_id
    return known


def _original_id(export: Export, key: str) -> str:
    for set_name in _ANALYSIS_SETS:
        for row in export.rows(set_name):
            if as_text(row.get("AnalysisId")).strip().casefold() == key:
                return as_text(row.get("AnalysisId")).strip()
    return key


def _in_analysis(row: Mapping[str, object], analysis_id: str) -> bool:
    return as_text(row.get("AnalysisId")).strip().casefold() == analysis_id.casefold()


def _legacy_priorities(export: Export, analysis_id: str) -> dict[str, tuple[float | int | None, float | int | None]]:
    priorities: dict[str, tuple[float | int | None, float | int | None]] = {}
    problems: list[str] = []
    for row in export.rows("PortfolioAnalysisProjects"):
        if not _in_analysis(row, analysis_id):
            continue
        label = f"PortfolioAnalysisProjects, project '{as_text(row.get('ProjectName')) or row.get('ProjectId')}'"
        priority, problem = feed_number(row.get("Priority"), f"{label}: Priority")
        absolute, absolute_problem = feed_number(row.get("AbsolutePriority"), f"{label}: AbsolutePriority")
        problems += [text for text in (problem, absolute_problem) if text]
        priorities[as_text(row.get("ProjectId")).strip().casefold()] = (priority, absolute)
    if problems:
        raise ExportError(
            f"{export.source}: {problems[0]}" + (f" (and {len(problems) - 1} more)" if problems[1:] else "")
        )
    return priorities


def request_pipeline(
    export: Export,
    proposals: frozenset[str],
    ids: Mapping[str, str],
    *,
    analysis: str | None = None,
    fiscal_year_start_month: int = 1,
) -> ProposalPipeline:
    """The proposals as the request pipeline: request_id (the PMO id), title (ProjectName), start_month and
    duration_months (ProjectStartDate to ProjectFinishDate), cost_FY<year> (ProjectCost spread by days), and the
    chosen analysis's Priority (legacy_priority, also the score) and AbsolutePriority (legacy_absolute_priority)."""
    if not 1 <= fiscal_year_start_month <= 12:
        raise ExportError(f"the fiscal year's first month is {fiscal_year_start_month}: give a month from 1 to 12")
    analysis_id, analysis_name = choose_analysis(export, analysis)
    priorities = _legacy_priorities(export, analysis_id) if analysis_id else {}
    warnings: list[str] = []
    if not priorities:
        warnings.append(
            "no PortfolioAnalysisProjects rows: the pipeline has no legacy priority (score is blank); score it with "
            "pmo score before pmo optimize"
        )
    rows: list[dict[str, object]] = []
    fiscal_years: set[str] = set()
    # The proposal's workflow stage as PWA names it: pmo capacity weights a request by its stage's probability,
    # which the PMO states for these names (--stage-probability Select=0.6); pmo-xl does not guess one.
    stages = _current_stages(export.rows("ProjectWorkflowStageDataSet"))
    for proposal in _proposals(export, proposals, ids):
        row: dict[str, object] = {"request_id": proposal.request_id, "title": proposal.name,
                                  "stage": stages.get(proposal.guid.casefold(), ""),
                                  "external_id": proposal.guid}  # fmt: skip
        if proposal.start and proposal.finish:
            row["start_month"] = f"{proposal.start.year:04d}-{proposal.start.month:02d}"
            row["duration_months"] = _months(proposal.start, proposal.finish)
        if proposal.cost is None:
            warnings.append(f"proposal {proposal.request_id} ('{proposal.name}') has no ProjectCost: its cost columns "
                            "are blank, which pmo optimize reads as 0")  # fmt: skip
        elif proposal.start and proposal.finish:
            for label, amount in cost_by_fiscal_year(
                proposal.cost, proposal.start, proposal.finish, fiscal_year_start_month
            ).items():
                row[f"cost_{label}"] = amount
                fiscal_years.add(label)
        legacy = priorities.get(proposal.guid.casefold())
        if legacy is not None:
            row["legacy_priority"], row["legacy_absolute_priority"] = legacy
            row["score"] = legacy[0]
        elif priorities:
            warnings.append(f"proposal {proposal.request_id} ('{proposal.name}') is not in the portfolio analysis "
                            f"'{analysis_name}': its score is blank")  # fmt: skip
        rows.append(row)
    columns = PIPELINE_COLUMNS[:4] + tuple(f"cost_{label}" for label in sorted(fiscal_years)) + PIPELINE_COLUMNS[4:]
    return ProposalPipeline(columns, tuple(rows), analysis_name, tuple(warnings))


# -- the scenarios --------------------------------------------------------------------------------------------------


def _code(row: Mapping[str, object], prop: str, where: str) -> tuple[str, str]:
    """(what pmo-xl makes of a ForceStatus or Status byte, its meaning); ExportError naming the scenario, the project
    and the code when SCENARIO_CODES does not hold it."""
    value = row.get(prop)
    number, _problem = feed_number(value, prop)
    known = ", ".join(f"{code} {meaning}" for (name, code), (_m, meaning) in SCENARIO_CODES.items() if name == prop)
    if number is None or number != int(number) or (prop, int(number)) not in SCENARIO_CODES:
        raise ExportError(
            f"{where}: {prop} {as_text(value) or '(blank)'} is not a code pmo-xl knows ({known}; "
            f"{CODE_SOURCES[prop]}); check the export's row, or tell us the code's meaning"
        )
    return SCENARIO_CODES[(prop, int(number))]


def _scenario_names(rows: Sequence[Mapping[str, object]]) -> dict[str, str]:
    """ScenarioId (casefolded) -> a name unique among them: ScenarioName, or the id when blank, with the id's first
    eight characters added when two scenarios share a name."""
    names: dict[str, str] = {}
    for row in rows:
        scenario_id = as_text(row.get("ScenarioId")).strip()
        name = as_text(row.get("ScenarioName")).strip() or scenario_id
        if _same(name) in {_same(other) for other in names.values()}:
            name = f"{name} ({scenario_id[:8]})"
        names[scenario_id.casefold()] = name
    return names


@dataclass(frozen=True)
class ScenarioImport:
    """The cost-constraint scenarios as saved selection scenarios, the mapping lines of what was not kept (a force on
    a project that is not a proposal), and the warnings (a budget taken from the selection)."""

    scenarios: tuple[Scenario, ...]
    mapping: tuple[MappingLine, ...]
    warnings: tuple[str, ...]


def cost_scenarios(
    export: Export,
    pipeline: ProposalPipeline,
    *,
    budget: float | Mapping[str, float] | None = None,
    fiscal_year_start_month: int = 1,
    analysis: str | None = None,
) -> ScenarioImport:
    """The chosen analysis's CostConstraintScenarios as `Scenario`s: maximise the score within a total budget, with
    each CostScenarioProjects force (ForceStatus 0 in, 1 out) on a proposal kept. The budget is `budget` (one for
    all, or by scenario name); without it, the cost of the scenario's selected proposals (Status 0), with a warning."""
    analysis_id, analysis_name = choose_analysis(export, analysis)
    headers, mapping = _scenarios_of(export, "CostConstraintScenarios", "CostScenarioProjects", analysis_id,
                                     analysis_name)  # fmt: skip
    names = _scenario_names(headers)
    titles = _project_names(export)
    budgets = _budgets(budget, names.values(), export.source)
    by_guid = {as_text(row["external_id"]).casefold(): row for row in pipeline.rows}
    members: dict[str, list[Mapping[str, object]]] = {}
    for row in export.rows("CostScenarioProjects"):
        members.setdefault(_key(row), []).append(row)
    scenarios: list[Scenario] = []
    warnings: list[str] = []
    for header in headers:
        key = _key(header)
        name = names[key]
        forces: dict[str, tuple[str, str]] = {}
        selected_cost = 0.0
        selected = 0
        outside = 0
        for row in members.get(key, []):
            guid = as_text(row.get("ProjectId")).strip()
            project = as_text(row.get("ProjectName")).strip() or titles.get(guid.casefold(), guid)
            where = f"CostScenarioProjects, scenario '{name}', project '{project}'"
            force, force_meaning = _code(row, "ForceStatus", where)
            status, _status_meaning = _code(row, "Status", where)
            request = by_guid.get(guid.casefold())
            if request is None:
                outside += 1
                if force:
                    mapping.append(MappingLine("CostScenarioProjects", "ForceStatus", "", f"scenario '{name}': "
                                               f"'{project}' is {force_meaning} but is not a proposal (not in the "
                                               "pipeline): the force is not kept"))  # fmt: skip
                continue
            if force:
                reason = as_text(row.get("ForceAliasLookupTableName")).strip()
                forces[as_text(request["request_id"])] = (
                    force, f"{force_meaning} in Project Online" + (f": {reason}" if reason else "")
                )  # fmt: skip
            if status == "selected":
                selected += 1
                selected_cost += sum(float(value) for column, value in request.items() if column.startswith("cost_"))
        if outside:
            mapping.append(MappingLine("CostScenarioProjects", "ProjectId", "", f"scenario '{name}': {outside} "
                                       "project(s) that are not proposals (underway): not in the pipeline"))  # fmt: skip
        limit = budgets.get(_same(name), budget if not isinstance(budget, Mapping) else None)
        if limit is None:
            limit = round(selected_cost, 2)
            shown = as_text(header.get("SelectedProjectsCost")).strip()
            warnings.append(
                f"scenario '{name}': Project Online does not export the budget limit; the budget is {limit:,.2f}, the "
                f"cost of its {selected} selected proposal(s)"
                + (
                    f" (Project Online showed SelectedProjectsCost {shown} for all its selected projects)"
                    if shown
                    else ""
                )
                + "; give the budget to set it"
            )
        settings = SelectionSettings(value_measure="score", total_budget=float(limit),
                                     fiscal_year_start_month=fiscal_year_start_month)  # fmt: skip
        scenarios.append(Scenario(name, settings, forces))
    return ScenarioImport(tuple(scenarios), tuple(mapping), tuple(warnings))


def _budgets(budget: float | Mapping[str, float] | None, names: Iterable[str], source: str) -> dict[str, float]:
    """The budgets given by scenario name (matched ignoring case); ExportError for a name no scenario has."""
    if not isinstance(budget, Mapping):
        return {}
    known = {_same(name): name for name in names}
    for name in budget:
        if _same(name) not in known:
            listing = ", ".join(f"'{other}'" for other in known.values()) or "none"
            raise ExportError(f"{source}: a budget is given for the scenario '{name}', but the analysis has no cost "
                              f"scenario of that name (it has: {listing})")  # fmt: skip
    return {_same(name): float(amount) for name, amount in budget.items()}


def _project_names(export: Export) -> dict[str, str]:
    """ProjectId (casefolded) -> ProjectName, to name a scenario's project when its row does not."""
    return {
        as_text(row.get("ProjectId")).strip().casefold(): as_text(row.get("ProjectName")).strip()
        for row in export.rows("Projects")
        if as_text(row.get("ProjectName")).strip()
    }


def _key(row: Mapping[str, object]) -> str:
    return as_text(row.get("ScenarioId")).strip().casefold()


def _scenarios_of(
    export: Export, header_set: str, project_set: str, analysis_id: str, analysis_name: str
) -> tuple[list[Mapping[str, object]], list[MappingLine]]:
    """(the scenario rows of the chosen analysis, mapping lines for the scenarios of other analyses and for the
    project rows of a scenario the header set does not hold)."""
    headers, mapping = [], []
    for row in export.rows(header_set):
        if _in_analysis(row, analysis_id):
            headers.append(row)
        else:
            name = as_text(row.get("ScenarioName")).strip() or as_text(row.get("ScenarioId"))
            other = as_text(row.get("AnalysisName")).strip() or as_text(row.get("AnalysisId"))
            mapping.append(MappingLine(header_set, "AnalysisId", "", f"scenario '{name}' is of the analysis '{other}', "
                                       f"not the one imported ('{analysis_name}'): not imported"))  # fmt: skip
    known = {_key(row) for row in export.rows(header_set)}
    orphans = sorted({as_text(row.get("ScenarioId")) for row in export.rows(project_set) if _key(row) not in known})
    if orphans:
        mapping.append(MappingLine(project_set, "ScenarioId", "", f"scenario(s) {', '.join(orphans)} are not in "
                                   f"{header_set}: their rows are not imported"))  # fmt: skip
    return headers, mapping


@dataclass(frozen=True)
class StartVariant:
    """A resource-constraint scenario as a pipeline variant: the pipeline with each proposal's start moved to the
    scenario's NewStartDate (its cost re-spread over the moved dates) and its forces in the force column."""

    name: str
    pipeline: ProposalPipeline
    moved: tuple[tuple[str, str, str], ...]  # (request_id, start_month before, after)


def resource_scenarios(
    export: Export,
    pipeline: ProposalPipeline,
    proposals: frozenset[str],
    ids: Mapping[str, str],
    *,
    analysis: str | None = None,
    fiscal_year_start_month: int = 1,
) -> tuple[tuple[StartVariant, ...], tuple[MappingLine, ...]]:
    """Each ResourceConstraintScenario of the chosen analysis as a `StartVariant` (pmo-xl's scenarios cannot move a
    start; a variant pipeline can, and `pmo optimize` reads it as any pipeline), and the mapping lines."""
    analysis_id, analysis_name = choose_analysis(export, analysis)
    headers, mapping = _scenarios_of(export, "ResourceConstraintScenarios", "ResourceScenarioProjects", analysis_id,
                                     analysis_name)  # fmt: skip
    names = _scenario_names(headers)
    titles = _project_names(export)
    variants: list[StartVariant] = []
    for header in headers:
        key = _key(header)
        name = names[key]
        new_starts: dict[str, dt.date] = {}
        forces: dict[str, tuple[str, str]] = {}
        outside = 0
        for row in export.rows("ResourceScenarioProjects"):
            if _key(row) != key:
                continue
            guid = as_text(row.get("ProjectId")).strip().casefold()
            project = as_text(row.get("ProjectName")).strip() or titles.get(guid, guid)
            where = f"ResourceScenarioProjects, scenario '{name}', project '{project}'"
            force, meaning = _code(row, "ForceStatus", where)
            if guid not in proposals:
                outside += 1
                if force:
                    mapping.append(MappingLine("ResourceScenarioProjects", "ForceStatus", "", f"scenario '{name}': "
                                               f"'{project}' is {meaning} but is not a proposal (not in the "
                                               "pipeline): the force is not kept"))  # fmt: skip
                continue
            if force:
                forces[guid] = (force, f"{meaning} in Project Online (resource scenario '{name}')")
            start, problem = feed_date(row.get("NewStartDate"), f"{where}: NewStartDate")
            if problem:
                raise ExportError(f"{export.source}: {problem}")
            if start is not None:
                new_starts[guid] = start
        if outside:
            mapping.append(MappingLine("ResourceScenarioProjects", "ProjectId", "", f"scenario '{name}': {outside} "
                                       "project(s) that are not proposals (underway): not in the pipeline"))  # fmt: skip
        shifted = {}
        for proposal in _proposals(export, proposals, ids):
            new = new_starts.get(proposal.guid.casefold())
            if new and proposal.start and proposal.finish and new != proposal.start:
                shifted[proposal.guid.casefold()] = (new, proposal.finish + (new - proposal.start))
            elif new and not (proposal.start and proposal.finish):
                mapping.append(MappingLine("ResourceScenarioProjects", "NewStartDate", "", f"scenario '{name}': "
                                           f"'{proposal.name}' has no ProjectStartDate and ProjectFinishDate to move: "
                                           "its start is not moved"))  # fmt: skip
        moved_export = _with_dates(export, shifted)
        variant = request_pipeline(moved_export, proposals, ids, analysis=analysis_id or None,
                                   fiscal_year_start_month=fiscal_year_start_month)  # fmt: skip
        rows = []
        for row in variant.rows:
            force = forces.get(as_text(row["external_id"]).casefold())
            rows.append({**row, "force": force[0], "force_reason": force[1]} if force else dict(row))
        columns = variant.columns + (("force", "force_reason") if forces else ())
        before = {as_text(row["external_id"]).casefold(): row.get("start_month", "") for row in pipeline.rows}
        moved = tuple(
            (as_text(row["request_id"]), as_text(before.get(as_text(row["external_id"]).casefold())),
             as_text(row.get("start_month")))
            for row in rows
            if as_text(row["external_id"]).casefold() in shifted
        )  # fmt: skip
        variants.append(StartVariant(name, replace(variant, columns=columns, rows=tuple(rows)), moved))
    return tuple(variants), tuple(mapping)


def _with_dates(export: Export, shifted: Mapping[str, tuple[dt.date, dt.date]]) -> Export:
    """`export` with the Projects' start and finish replaced as `shifted` says (a copy: the export is not changed)."""
    if not shifted:
        return export
    projects = export.sets["Projects"]
    rows = []
    for row in projects.rows:
        dates = shifted.get(as_text(row.get("ProjectId")).strip().casefold())
        rows.append({**row, "ProjectStartDate": dates[0], "ProjectFinishDate": dates[1]} if dates else row)
    return replace(export, sets={**export.sets, "Projects": replace(projects, rows=tuple(rows))})


# -- all of it, and its mapping lines ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PortfolioImport:
    """What the command writes: the proposals (ProjectIds, casefolded, kept out of the new register), the request
    pipeline, the cost scenarios, the start variants, the mapping lines of the sets read here, and the warnings."""

    proposals: frozenset[str]
    pipeline: ProposalPipeline
    scenarios: tuple[Scenario, ...]
    start_variants: tuple[StartVariant, ...]
    mapping: tuple[MappingLine, ...]
    warnings: tuple[str, ...]


def portfolio_import(
    export: Export,
    rule: ProposalRule | str,
    ids: Mapping[str, str],
    *,
    analysis: str | None = None,
    budget: float | Mapping[str, float] | None = None,
    fiscal_year_start_month: int = 1,
) -> PortfolioImport:
    """The proposals of `rule`, their pipeline, the cost scenarios and start variants of the chosen analysis."""
    rule = parse_proposal_rule(rule) if isinstance(rule, str) else rule
    proposals, rule_warnings = select_proposals(export, rule)
    pipeline = request_pipeline(export, proposals, ids, analysis=analysis,
                                fiscal_year_start_month=fiscal_year_start_month)  # fmt: skip
    scenarios = cost_scenarios(export, pipeline, budget=budget, fiscal_year_start_month=fiscal_year_start_month,
                               analysis=analysis)  # fmt: skip
    variants, variant_mapping = resource_scenarios(export, pipeline, proposals, ids, analysis=analysis,
                                                   fiscal_year_start_month=fiscal_year_start_month)  # fmt: skip
    mapping = (*portfolio_mapping(export, rule), *scenarios.mapping, *variant_mapping)
    return PortfolioImport(proposals, pipeline, scenarios.scenarios, variants, mapping,
                           (*rule_warnings, *pipeline.warnings, *scenarios.warnings))  # fmt: skip


MAPPED_SETS = (
    "PortfolioAnalysisProjects", "CostConstraintScenarios", "CostScenarioProjects", "ResourceConstraintScenarios",
    "ResourceScenarioProjects",
)  # fmt: skip
_USED = {
    ("Projects", "EnterpriseProjectTypeName"): "which projects are proposals (the proposal rule's type=)",
    ("Projects", "ProjectCost"): "pipeline cost_FY<year> of a proposal, spread over its days",
    ("PortfolioAnalysisProjects", "AnalysisId"): "the analysis imported (--analysis)",
    ("PortfolioAnalysisProjects", "AnalysisName"): "the analysis imported (--analysis)",
    ("PortfolioAnalysisProjects", "ProjectId"): "pipeline request, by the register's PMO id",
    ("PortfolioAnalysisProjects", "Priority"): "pipeline legacy_priority and score",
    ("PortfolioAnalysisProjects", "AbsolutePriority"): "pipeline legacy_absolute_priority",
    ("CostConstraintScenarios", "ScenarioId"): "a saved selection scenario",
    ("CostConstraintScenarios", "ScenarioName"): "the saved scenario's name",
    ("CostConstraintScenarios", "AnalysisId"): "the analysis imported (--analysis)",
    ("CostConstraintScenarios", "AnalysisName"): "the analysis imported (--analysis)",
    ("CostConstraintScenarios", "SelectedProjectsCost"): "shown in the budget warning (it counts every selected "
    "project, not only proposals)",
    ("CostScenarioProjects", "ScenarioId"): "the scenario's forces",
    ("CostScenarioProjects", "ProjectId"): "the request forced",
    ("CostScenarioProjects", "ForceStatus"): "scenario force in / out (0 in, 1 out, 2 none)",
    ("CostScenarioProjects", "Status"): "the selected cost, the budget when none is given (0 selected, 1 not)",
    ("CostScenarioProjects", "ForceAliasLookupTableName"): "the force's reason",
    ("ResourceConstraintScenarios", "ScenarioId"): "a pipeline variant with moved starts",
    ("ResourceConstraintScenarios", "ScenarioName"): "the variant's name",
    ("ResourceConstraintScenarios", "AnalysisId"): "the analysis imported (--analysis)",
    ("ResourceConstraintScenarios", "AnalysisName"): "the analysis imported (--analysis)",
    ("ResourceScenarioProjects", "ScenarioId"): "the variant's moved starts",
    ("ResourceScenarioProjects", "ProjectId"): "the request moved",
    ("ResourceScenarioProjects", "NewStartDate"): "the variant's start_month (finish moved with it, cost re-spread)",
    ("ResourceScenarioProjects", "ForceStatus"): "the variant's force column (0 in, 1 out, 2 none)",
}
_NOT_USED = {
    "ProjectName": "the title comes from Projects.ProjectName",
    "ScenarioDescription": "a saved scenario has no description",
    "Priority": "the legacy priority comes from PortfolioAnalysisProjects",
    "AbsolutePriority": "the legacy priority comes from PortfolioAnalysisProjects",
    "HardConstraintValue": "the pipeline's cost comes from Projects.ProjectCost",
    "ForceAliasLookupTableId": "the reason's text (ForceAliasLookupTableName) is kept",
    "CostConstraintScenarioId": "the budget of the linked cost scenario is not exported",
    "CostConstraintScenarioName": "the budget of the linked cost scenario is not exported",
    "Status": "the resource planner's selection is not a pmo-xl input",
    "ResourceCost": "role demand comes from the assignments' timephased work",
    "ResourceWork": "role demand comes from the assignments' timephased work",
    "SelectedProjectsPriority": "the selection's value is worked out again by pmo optimize",
    "UnselectedProjectsCost": "the selection's cost is worked out again by pmo optimize",
    "UnselectedProjectsPriority": "the selection's value is worked out again by pmo optimize",
    "UseDependencies": "project dependencies are not in ProjectData: give depends_on in the pipeline",
    "EnforceProjectDependencies": "project dependencies are not in ProjectData: give depends_on in the pipeline",
    "ConstraintValue": "the resource limit: capacity comes from ResourceTimephasedDataSet (pmo optimize --capacity)",
    "StartNoEarlierThan": "how far a start may move is the PMO's max_deferral_months",
    "FinishNoLaterThan": "how far a start may move is the PMO's max_deferral_months",
    "StartDate": "the start comes from Projects.ProjectStartDate",
    "OriginalStartDate": "the start comes from Projects.ProjectStartDate",
    "OriginalEndDate": "the finish comes from Projects.ProjectFinishDate",
    "Duration": "duration_months comes from ProjectStartDate and ProjectFinishDate",
}


def portfolio_mapping(export: Export, rule: ProposalRule | None = None) -> tuple[MappingLine, ...]:
    """A line for every property found in the sets read here (MAPPED_SETS, and the Projects properties they use):
    what it became, or why nothing did. The set lines themselves stay mapping_report's."""
    lines = []
    for (set_name, prop), became in _USED.items():
        if set_name == "Projects" and "Projects" in export.sets and prop in export.sets["Projects"].properties:
            note = f"rule {rule}" if rule and prop == "EnterpriseProjectTypeName" else ""
            lines.append(MappingLine("Projects", prop, became, note))
    for set_name in MAPPED_SETS:
        found = export.sets.get(set_name)
        if found is None:
            continue
        documented = ENTITY_SETS[set_name].properties
        for prop in found.properties:
            if (set_name, prop) in _USED:
                lines.append(MappingLine(set_name, prop, _USED[(set_name, prop)]))
            elif prop not in documented:
                lines.append(MappingLine(set_name, prop, "", "unknown property: not in docs/project-online.md"))
            else:
                why = _NOT_USED.get(prop, "kept in Project Online's record only: pmo-xl has no place for it")
                lines.append(MappingLine(set_name, prop, "", f"not used: {why}"))
    return tuple(lines)
