"""A Project Online export made up in code: what a PMO saved from its PWA's ProjectData feed before the service closed.

`pmo demo` imports one, the tests build their fixtures from it in every form the import reads, and
benchmarks/bench_online.py makes one of 2,000 projects. Every set and property name is one docs/project-online.md
lists (a test checks it), except the quirks a real export has and the import must report:

- custom fields as the feed names them: spaces stripped ("Project Code" is `ProjectCode`) and, in a German PWA,
  localized (`Geschaeftsbereich`, which a names file maps to "Business Unit");
- one property no ProjectData page documents (`TaskColourCode` in Tasks);
- the driver's name in PrioritizationDrivers spelled `BusinessDriveName`, as Microsoft's page spells it;
- a manual prioritization (weights typed in, no pairwise relations) beside the one of pairwise judgements;
- sets in pages, the last row of a page repeated as the first of the next (the feed's paging under changes).

Four forms, as the import reads them: `verbose` (OData V3 JSON verbose, `/Date(ms)/` dates and decimals as text),
`light` (JSON light, ISO dates), `xlsx` (one table per file, as Excel's OData connector saves it) and `csv` (as a
German Excel saves that table: `;`, decimal commas, 01.03.2026 08:00, TRUE/FALSE).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

FORMS = ("verbose", "light", "xlsx", "csv")
FEED = "https://contoso.sharepoint.com/sites/pwa/_api/ProjectData"
NAMES_CSV = "feed_name;name\nGeschaeftsbereich;Business Unit\n"  # the names file a German export needs
_NAMESPACE = uuid.UUID("6f1d2c3e-0b7a-4e55-9a57-5d0c9c1e2a10")

ROLES = ("Project Manager", "Business Analyst", "Developer", "Tester", "Solution Architect")
DRIVERS = (
    ("Grow revenue", "New income from customers", "No new income", "Under 100 k a year", "100-500 k a year",
     "500 k-1 M a year", "Over 1 M a year"),
    ("Reduce cost", "Lower running cost", "No saving", "Under 50 k a year", "50-200 k a year", "200-500 k a year",
     "Over 500 k a year"),
    ("Comply with regulation", "A legal or audit duty", "None", "Good practice", "Audit finding", "Regulator's order",
     "Licence at risk"),
    ("Customer satisfaction", "Better service for customers", "None", "Few customers notice", "Some segments",
     "Most customers", "Every customer"),
)  # fmt: skip
# Driver 1 <text> driver 2, for each pair of DRIVERS in order: a consistent set of judgements (Saaty's CR < 0.1).
RELATIONS = {
    (0, 1): "is more important than",
    (0, 2): "is less important than",
    (0, 3): "is much more important than",
    (1, 2): "is much less important than",
    (1, 3): "is more important than",
    (2, 3): "is extremely more important than",
}
MANUAL_WEIGHTS = (0.4, 0.3, 0.2, 0.1)
_PROGRAMMES = ("Digital Customer", "Back Office", "Operations")
_NAMES = (
    "Data centre move", "CRM replacement", "Invoice automation", "Warehouse scanning", "HR self-service",
    "Network refresh", "Supplier portal", "Payroll consolidation", "Mobile app refresh", "Document management",
)  # fmt: skip
_PEOPLE = ("Ana Silva", "Marc Dupont", "Priya Nair", "Jonas Weber", "Lea Martin", "Omar Haddad")
_SPONSORS = ("Claire Martin", "Ingrid Olsen", "Rita Campos")


@dataclass(frozen=True)
class ExportSize:
    """How big an export to make: projects (the last `proposals` of them are proposals), tasks per project (of
    which every fourth is a milestone), assignments per project and months of timephased work per assignment."""

    projects: int = 6
    proposals: int = 2
    tasks: int = 12
    assignments: int = 3
    months: int = 12
    risks: int = 2


def _guid(*parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(map(str, parts))))


def _month(start: dt.date, months: int) -> dt.date:
    index = start.year * 12 + start.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour)


def sample_sets(size: ExportSize = ExportSize(), seed: int = 5) -> dict[str, list[dict[str, object]]]:
    """Every entity set of the export as rows of Python values (datetime, int, float, bool, str), in set order."""
    rng = random.Random(seed)
    sets: dict[str, list[dict[str, object]]] = {name: [] for name in _SET_ORDER}
    resources = _resources(sets)
    analysis, ahp, manual = _guid("analysis"), _guid("prioritization", "ahp"), _guid("prioritization", "manual")
    drivers = _drivers(sets, ahp, manual)
    sets["PortfolioAnalyses"].append({
        "AnalysisId": analysis, "AnalysisName": "FY2027 portfolio", "PrioritizationId": ahp,
        "PrioritizationName": "Board 2026", "RoleCustomFieldName": "Resource Role",
    })  # fmt: skip
    del drivers
    scenario, resource_scenario = _guid("scenario", "cost"), _guid("scenario", "resource")
    sets["CostConstraintScenarios"].append({
        "ScenarioId": scenario, "ScenarioName": "Within budget", "AnalysisId": analysis,
        "AnalysisName": "FY2027 portfolio",
    })  # fmt: skip
    sets["ResourceConstraintScenarios"].append({
        "ScenarioId": resource_scenario, "ScenarioName": "Hire nobody", "AnalysisId": analysis,
        "AnalysisName": "FY2027 portfolio", "CostConstraintScenarioId": scenario,
    })  # fmt: skip
    first_proposal = size.projects - size.proposals
    for number in range(size.projects):
        proposal = number >= first_proposal
        project = _project(sets, number, proposal, rng)
        guid = str(project["ProjectId"])
        start, finish = project["ProjectStartDate"].date(), project["ProjectFinishDate"].date()  # type: ignore[union-attr]
        if proposal:
            rank = number - first_proposal + 1
            sets["PortfolioAnalysisProjects"].append({
                "AnalysisId": analysis, "ProjectId": guid, "ProjectName": project["ProjectName"],
                "Priority": round(80.0 - 7.5 * rank, 2), "AbsolutePriority": rank,
            })  # fmt: skip
            force = 0 if rank == 1 else 1 if rank == size.proposals and size.proposals > 1 else 2
            sets["CostScenarioProjects"].append({
                "ScenarioId": scenario, "ProjectId": guid, "ProjectName": project["ProjectName"],
                "ForceStatus": force, "Status": 0 if force != 1 else 1,
            })  # fmt: skip
            sets["ResourceScenarioProjects"].append({
                "ScenarioId": resource_scenario, "ProjectId": guid, "ProjectName": project["ProjectName"],
                "NewStartDate": _at(_month(start, 2), 8), "ForceStatus": 2, "Status": 0,
            })  # fmt: skip
            _work(sets, guid, start, resources, size, rng, booking="Proposed")
            continue
        _baselines(sets, guid, project, rng)
        _tasks(sets, guid, start, finish, size, rng)
        _work(sets, guid, start, resources, size, rng, booking="Committed")
        _raid(sets, guid, str(project["ProjectName"]), start, size, rng)
    _capacity(sets, resources, dt.date(2026, 1, 1), 36)  # three years: the proposals start in 2027
    return sets


_SET_ORDER = (
    "Projects", "ProjectBaselines", "ProjectWorkflowStageDataSet", "Tasks", "TaskBaselines", "Resources",
    "Assignments", "AssignmentTimephasedDataSet", "ResourceTimephasedDataSet", "BusinessDrivers",
    "PortfolioAnalyses", "Prioritizations", "PrioritizationDrivers", "PrioritizationDriverRelations",
    "PortfolioAnalysisProjects", "CostConstraintScenarios", "CostScenarioProjects", "ResourceConstraintScenarios",
    "ResourceScenarioProjects", "Risks", "Issues",
)  # fmt: skip


def _project(sets, number: int, proposal: bool, rng: random.Random) -> dict[str, object]:
    name = _NAMES[number % len(_NAMES)] + (f" {number // len(_NAMES) + 1}" if number >= len(_NAMES) else "")
    guid = _guid("project", number)
    start = _month(dt.date(2026, 1, 5), number % 9)
    start = start.replace(day=5) if not proposal else _month(dt.date(2027, 1, 1), number % 4)
    finish = _month(start, 6 + number % 10) - dt.timedelta(days=3)
    cost = float(rng.randrange(120, 900) * 1000)
    project = {
        "ProjectId": guid, "ProjectName": name, "ProjectOwnerName": _PEOPLE[number % len(_PEOPLE)],
        "ProjectManagerName": _PEOPLE[(number + 1) % len(_PEOPLE)], "ProjectStartDate": _at(start, 8),
        "ProjectFinishDate": _at(finish, 17), "ProjectCost": cost,
        "ProjectActualCost": 0.0 if proposal else round(cost * rng.uniform(0.1, 0.6), 2),
        "ProjectBudgetCost": cost if number % 3 else 0.0,  # 0: no budget cost resources; the baseline's cost counts
        "ProjectCurrency": "EUR", "ProjectPercentCompleted": 0 if proposal else rng.randrange(5, 80),
        "ProjectDepartments": "IT", "EnterpriseProjectTypeName": "Proposal" if proposal else "Enterprise Project",
        # custom fields, as the feed names them
        "ProjectCode": f"P-{number + 1:04d}", "Sponsor": _SPONSORS[number % len(_SPONSORS)],
        "Geschaeftsbereich": _PROGRAMMES[number % len(_PROGRAMMES)],
    }  # fmt: skip
    sets["Projects"].append(project)
    stages = (("Create", 1), ("Select", 2)) if proposal else (("Create", 1), ("Select", 2), ("Execute", 3))
    for stage, order in stages:
        sets["ProjectWorkflowStageDataSet"].append({
            "ProjectId": guid, "StageId": _guid("stage", stage), "StageName": stage, "StageOrder": order,
            "StageEntryDate": _at(_month(start, order - len(stages)), 9), "StageStatus": 1 if order == len(stages) else 2,
        })  # fmt: skip
    return project


def _baselines(sets, guid: str, project: Mapping[str, object], rng: random.Random) -> None:
    for number in (0, 1):
        sets["ProjectBaselines"].append({
            "ProjectId": guid, "BaselineNumber": number,
            "ProjectBaselineCost": round(float(project["ProjectCost"]) * (0.9 + 0.1 * number), 2),  # type: ignore[arg-type]
            "ProjectBaselineStartDate": project["ProjectStartDate"],
            "ProjectBaselineFinishDate": project["ProjectFinishDate"] - dt.timedelta(days=14 * (1 - number)),  # type: ignore[operator]
        })  # fmt: skip


def _tasks(sets, guid: str, start: dt.date, finish: dt.date, size: ExportSize, rng: random.Random) -> None:
    span = (finish - start).days
    today = dt.date(2026, 5, 1)
    for index in range(size.tasks):
        uid = index + 1
        summary = index % 6 == 0
        milestone = not summary and index % 4 == 3
        day = start + dt.timedelta(days=span * (index + 1) // (size.tasks + 1))
        task_start = day if milestone else day - dt.timedelta(days=10)
        slip = dt.timedelta(days=rng.choice((0, 0, 7, 14)))
        done = day + slip < today
        row: dict[str, object] = {
            "ProjectId": guid, "TaskId": _guid(guid, "task", uid), "TaskName": f"{'Phase' if summary else 'Task'} {uid}",
            "TaskIsMilestone": milestone, "TaskIsSummary": summary, "TaskOutlineLevel": 1 if summary else 2,
            "TaskStartDate": _at(task_start + slip, 8), "TaskFinishDate": _at(day + slip, 17),
            "TaskPercentCompleted": 100 if done else 0, "TaskClientUniqueId": uid,
        }  # fmt: skip
        if milestone:
            row["TaskName"] = f"Milestone {uid}: gate {index // 4 + 1}"
        if done:
            row["TaskActualStartDate"], row["TaskActualFinishDate"] = _at(task_start + slip, 8), _at(day + slip, 17)
        if milestone and index % 8 == 3:
            row["TaskDeadline"] = _at(day + dt.timedelta(days=7), 17)
        if index == 1:
            row["TaskColourCode"] = "Amber"  # no ProjectData page documents it: the mapping report must name it
        sets["Tasks"].append(row)
        sets["TaskBaselines"].append({
            "ProjectId": guid, "TaskId": row["TaskId"], "BaselineNumber": 0,
            "TaskBaselineStartDate": _at(task_start, 8), "TaskBaselineFinishDate": _at(day, 17),
            "TaskBaselineCost": float(rng.randrange(1, 40) * 500),
        })  # fmt: skip


def _resources(sets) -> list[tuple[str, str]]:
    """(ResourceId, role) of each resource: a named person per role, and one generic resource per role."""
    found = []
    for number, role in enumerate(ROLES):
        person, generic = _guid("resource", role), _guid("resource", "generic", role)
        sets["Resources"].append({
            "ResourceId": person, "ResourceName": _PEOPLE[number % len(_PEOPLE)], "ResourceIsGeneric": False,
            "ResourceRole": role, "RBS": "Contoso.IT",
        })  # fmt: skip
        sets["Resources"].append({"ResourceId": generic, "ResourceName": role, "ResourceIsGeneric": True})
        found += [(person, role), (generic, role)]
    return found


def _work(sets, guid: str, start: dt.date, resources, size: ExportSize, rng: random.Random, booking: str) -> None:
    for number in range(size.assignments):
        resource, _role = resources[(number * 2 + len(guid)) % len(resources)]
        assignment = _guid(guid, "assignment", number)
        sets["Assignments"].append({
            "ProjectId": guid, "AssignmentId": assignment, "ResourceId": resource,
            "AssignmentBookingName": booking if number else "Committed" if booking == "Committed" else booking,
        })  # fmt: skip
        for month in range(size.months):
            sets["AssignmentTimephasedDataSet"].append({
                "ProjectId": guid, "AssignmentId": assignment, "TimeByDay": _at(_month(start, month), 0),
                "AssignmentWork": float(rng.randrange(8, 120)),
            })  # fmt: skip


def _capacity(sets, resources, first: dt.date, months: int) -> None:
    for resource, _role in resources[::2]:  # people have capacity; generic resources stand for demand
        for month in range(months):
            sets["ResourceTimephasedDataSet"].append({
                "ResourceId": resource, "TimeByDay": _at(_month(first, month), 0), "Capacity": 140.0,
            })  # fmt: skip


def _raid(sets, guid: str, name: str, start: dt.date, size: ExportSize, rng: random.Random) -> None:
    for number in range(size.risks):
        sets["Risks"].append({
            "ProjectId": guid, "RiskId": _guid(guid, "risk", number), "Title": f"{name}: supplier delay {number + 1}",
            "Description": "A key supplier may deliver late.", "AssignedToResource": _PEOPLE[number % len(_PEOPLE)],
            "CreatedDate": _at(start, 10), "DueDate": _at(_month(start, 3), 17),
            "Probability": rng.choice((10, 30, 50, 70, 90)), "Impact": rng.choice((2, 4, 6, 8, 10)),
            "Status": "(1) Active", "Category": "(1) Category1",
        })  # fmt: skip
    sets["Issues"].append({
        "ProjectId": guid, "IssueId": _guid(guid, "issue"), "Title": f"{name}: test environment not ready",
        "Discussion": "The environment was promised for last week.", "AssignedToResource": _PEOPLE[0],
        "CreatedDate": _at(start, 11), "DueDate": _at(_month(start, 1), 17), "Priority": "(2) Medium",
        "Status": "(1) Active", "Category": "(1) Category1",
    })  # fmt: skip


def ahp_priorities() -> tuple[float, ...]:
    """The AHP prioritization's driver weights, as Project computes them from RELATIONS (principal eigenvector),
    rounded as the feed writes a decimal."""
    from pmo_xl.portfolio.ahp import ahp_weights

    scale = {"is extremely more important than": 9.0, "is much more important than": 5.0,
             "is more important than": 3.0, "is as important as": 1.0, "is less important than": 1 / 3,
             "is much less important than": 1 / 5, "is extremely less important than": 1 / 9}  # fmt: skip
    size = len(DRIVERS)
    matrix: list[list[float | None]] = [[1.0 if i == j else None for j in range(size)] for i in range(size)]
    for (i, j), text in RELATIONS.items():
        matrix[i][j] = scale[text]
    return tuple(round(weight, 6) for weight in ahp_weights(matrix).weights)


def _drivers(sets, ahp: str, manual: str) -> list[str]:
    ids = [_guid("driver", name) for name, *_rest in DRIVERS]
    for driver_id, (name, description, none, low, moderate, strong, extreme) in zip(ids, DRIVERS, strict=True):
        sets["BusinessDrivers"].append({
            "BusinessDriverId": driver_id, "BusinessDriverName": name, "BusinessDriverDescription": description,
            "ImpactDescriptionNone": none, "ImpactDescriptionLow": low, "ImpactDescriptionModerate": moderate,
            "ImpactDescriptionStrong": strong, "ImpactDescriptionExtreme": extreme, "BusinessDriverIsActive": True,
        })  # fmt: skip
    sets["Prioritizations"] += [
        {"PrioritizationId": ahp, "PrioritizationName": "Board 2026", "PrioritizationIsManual": False,
         "ConsistencyRatio": 0.93},
        {"PrioritizationId": manual, "PrioritizationName": "Typed weights", "PrioritizationIsManual": True},
    ]  # fmt: skip
    for weights, prioritization in ((ahp_priorities(), ahp), (MANUAL_WEIGHTS, manual)):
        for driver_id, (name, *_rest), weight in zip(ids, DRIVERS, weights, strict=True):
            sets["PrioritizationDrivers"].append({
                "PrioritizationId": prioritization, "BusinessDriverId": driver_id,
                "BusinessDriveName": name,  # Microsoft's page spells it so
                "BusinessDriverPriority": weight,
            })  # fmt: skip
    for (i, j), text in RELATIONS.items():
        sets["PrioritizationDriverRelations"].append({
            "PrioritizationId": ahp, "BusinessDriver1Id": ids[i], "BusinessDriver2Id": ids[j],
            "BusinessDriver1Name": DRIVERS[i][0], "BusinessDriver2Name": DRIVERS[j][0], "RelationValue": text,
        })  # fmt: skip
    return ids


# -- writing the files ------------------------------------------------------------------------------------------


def write_export(
    sets: Mapping[str, Sequence[Mapping[str, object]]], folder: Path, form: str = "verbose", page_size: int = 0
) -> list[Path]:
    """The sets as files in `folder`, one per set (or per page of `page_size` rows, each page after the first
    starting with the previous page's last row again), in `form`; the files written."""
    if form not in FORMS:
        raise ValueError(f"form must be one of {', '.join(FORMS)}")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in sets.items():
        if not rows:
            continue
        pages = list(_pages(rows, page_size))
        for number, page in enumerate(pages, start=1):
            stem = name if number == 1 else f"{name}-{number}"
            more = number < len(pages)
            path = folder / f"{stem}.{'json' if form in ('verbose', 'light') else form}"
            if form == "verbose":
                _write_verbose(path, name, page, more)
            elif form == "light":
                _write_light(path, name, page, more)
            elif form == "xlsx":
                _write_xlsx(path, name, page)
            else:
                _write_csv(path, page)
            written.append(path)
    return written


def _pages(rows: Sequence[Mapping[str, object]], page_size: int) -> Iterator[Sequence[Mapping[str, object]]]:
    if page_size <= 0 or len(rows) <= page_size:
        yield rows
        return
    for start in range(0, len(rows), page_size):
        yield rows[max(0, start - 1) : start + page_size]  # the row before the page, again: the feed's repeat


def _columns(rows: Sequence[Mapping[str, object]]) -> list[str]:
    return list(dict.fromkeys(name for row in rows for name in row))


def _verbose_value(value: object) -> object:
    if isinstance(value, dt.datetime):
        return f"/Date({int((value - dt.datetime(1970, 1, 1)).total_seconds() * 1000)})/"
    if isinstance(value, float):
        return f"{value:.6f}"  # Edm.Decimal: text with a point
    return value


def _write_verbose(path: Path, name: str, rows, more: bool) -> None:
    with path.open("w", encoding="utf-8") as stream:
        stream.write('{"d": {"results": [')
        for number, row in enumerate(rows):
            body = {"__metadata": {"uri": f"{FEED}/{name}({number})", "type": f"ReportingData.{name.rstrip('s')}"}}
            body.update((key, _verbose_value(value)) for key, value in row.items())
            stream.write(("," if number else "") + json.dumps(body, ensure_ascii=False))
        stream.write("]")
        if more:
            stream.write(f', "__next": "{FEED}/{name}?$skiptoken={len(rows)}"')
        stream.write("}}")


def _write_light(path: Path, name: str, rows, more: bool) -> None:
    with path.open("w", encoding="utf-8") as stream:
        stream.write(f'{{"odata.metadata": "{FEED}/$metadata#{name}", "value": [')
        for number, row in enumerate(rows):
            body = {key: value.isoformat() if isinstance(value, dt.datetime) else value for key, value in row.items()}
            stream.write(("," if number else "") + json.dumps(body, ensure_ascii=False))
        stream.write("]")
        if more:
            stream.write(f', "odata.nextLink": "{FEED}/{name}?$skiptoken={len(rows)}"')
        stream.write("}")


def _write_xlsx(path: Path, name: str, rows) -> None:
    import xlsxwriter

    columns = _columns(rows)
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet(name[:31])
    stamp = book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    sheet.add_table(0, 0, len(rows), len(columns) - 1, {
        "name": name, "style": "Table Style Medium 2", "columns": [{"header": column} for column in columns],
    })  # fmt: skip
    for row_number, row in enumerate(rows, start=1):
        for column_number, column in enumerate(columns):
            value = row.get(column)
            if isinstance(value, dt.datetime):
                sheet.write_datetime(row_number, column_number, value, stamp)
            elif value is not None:
                sheet.write(row_number, column_number, value)
    book.close()


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, float):
        return format(value, ".15g").replace(".", ",")  # what Excel's General format shows, with a decimal comma
    text = str(value)
    return f'"{text}"' if any(mark in text for mark in ';"\n') else text


def _write_csv(path: Path, rows) -> None:
    columns = _columns(rows)
    lines = [";".join(columns)] + [";".join(_csv_value(row.get(column)) for column in columns) for row in rows]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")
