"""Status seeds from a Project Online export: what each imported project's first status workbook starts from.

A project that comes over from Project Online has no earlier report in pmo-xl, so its first workbook would start
blank. The export already holds what the PM would type: the milestone tasks with their baselines (Tasks,
TaskBaselines), the risks and issues (Risks, Issues), the work booked on the project by month (Assignments,
AssignmentTimephasedDataSet, Resources), and each resource's capacity (ResourceTimephasedDataSet).
`status_seeds` turns them into rows of the status template's Milestones, RAID and ResourceDemand tables, one seed
per project, plus the proposed (tentative) demand and the Capacity table rows; `pmo generate --seeds DIR`
(pmo_xl/generate/seeds.py) fills the workbooks from them.

Everything here is pure: the Export and the register rows in, plain data out. The mappings that are a choice
(probability and impact onto the 1-5 scale, statuses, bookings) are declared once below, each with its source, and
docs/project-online-seeds.md shows them. A value that does not fit one is a problem line naming the project and the
item, and that item is left out of the seed: never guessed.

Speed: the timephased sets run to a million rows. Each row costs a few dict look-ups: a raw date or number text is
read once per distinct value (cached), rows are summed by assignment and month first, and roles are looked up
once per assignment.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pmo_xl.imports.project_online import ENTITY_SETS, Export, MappingLine, feed_date, feed_number
from pmo_xl.periods import first_day, period_of
from pmo_xl.portfolio.capacity import CAPACITY_COLUMNS, CapacitySettings
from pmo_xl.values import as_text, is_blank, read_flag

SEED_FORMAT = "pmo-xl status seed"
SEED_VERSION = 1
MILESTONE_ID_PREFIX = "M-P"  # pmo_xl.generate.plan_milestones.PLAN_ID_PREFIX: the desktop plan's UID keeps the id
RAID_ID_PREFIX = "R-"  # the RAID table's own id prefix (templates/catalog.py)
HOURS_PER_FTE_MONTH = CapacitySettings().hours_per_fte_month  # the capacity model's default: 20 days x 8 hours
SEED_SETS = (
    "Tasks", "TaskBaselines", "Assignments", "AssignmentTimephasedDataSet", "Resources", "ResourceTimephasedDataSet",
    "Risks", "Issues", "Deliverables",
)  # fmt: skip

# -- the declared mappings ----------------------------------------------------------------------------------------

# Risk Probability is a percentage and Impact a value from 1 to 10 ("View and edit risks", Project Server help:
# http://office.microsoft.com/en-gb/project/HP010461751033.aspx). The RAID table scores both 1-5
# (templates/catalog.py SCALE_1_TO_5). Probability: five equal bands of 20 points, upper bound included.
PROBABILITY_BANDS = ((20, 1), (40, 2), (60, 3), (80, 4), (100, 5))
# Impact 1-10 onto 1-5: two points a step (1-2 -> 1, ..., 9-10 -> 5); a whole number only.
IMPACT_STEPS = {value: (value + 1) // 2 for value in range(1, 11)}
# The PWA Risks and Issues lists' Status choices, "(1) Active", "(2) Postponed", "(3) Closed" (the number is part of
# the text in the feed; it is dropped before the look-up): Active is open, Postponed is watched, not worked.
RAID_STATUS_MAP = {"active": "Open", "postponed": "Monitoring", "closed": "Closed"}
# The Issues list's Priority choices "(1) High", "(2) Medium", "(3) Low" become the RAID impact: a declared choice
# of pmo-xl's (an issue has happened, so its probability is left blank).
ISSUE_PRIORITY_IMPACT = {"high": 4, "medium": 3, "low": 2}
# Assignments.AssignmentBookingId: 0 committed, 1 proposed (MSP_EpmAssignmentBooking, the reporting database's
# lookup the feed's AssignmentBookingName comes from, and localised with the PWA: "Confirmados" is a 0).
BOOKING_IDS = {0: "committed", 1: "proposed"}
BOOKING_NAMES = {"committed": "committed", "proposed": "proposed"}


@dataclass(frozen=True)
class ProposedDemand:
    """Tentative demand (proposed bookings): not in any workbook; the shell writes it as its own CSV."""

    project_id: str
    role: str
    month: str
    fte: float
    booking: str = "proposed"


@dataclass(frozen=True)
class ProjectSeed:
    """One project's seed: rows of the status template's Milestones, RAID and ResourceDemand tables, by column key
    (dates as dt.date; ResourceDemand months as 'YYYY-MM' keys holding FTE), and what was left out and why."""

    project_id: str
    external_id: str
    project_name: str
    tables: Mapping[str, tuple[Mapping[str, object], ...]]
    left_out: tuple[str, ...] = ()

    def describe(self) -> str:
        counts = ", ".join(f"{len(self.tables.get(name, ()))} {name}" for name in ("Milestones", "RAID",
                                                                                    "ResourceDemand"))  # fmt: skip
        return counts + (f" ({'; '.join(self.left_out)})" if self.left_out else "")


@dataclass(frozen=True)
class StatusSeeds:
    """What `status_seeds` gives: the projects' seeds, the proposed demand, the Capacity table's rows, the
    problems (one line each, naming the set, project and item: that item is not seeded) and the mapping lines."""

    source: str
    period: str
    projects: tuple[ProjectSeed, ...]
    proposed: tuple[ProposedDemand, ...]
    capacity: tuple[Mapping[str, object], ...]
    problems: tuple[str, ...]
    mapping: tuple[MappingLine, ...]
    hours_per_fte_month: float = HOURS_PER_FTE_MONTH
    notes: tuple[str, ...] = field(default=())


# -- reading values once -----------------------------------------------------------------------------------------


class _Values:
    """Dates, numbers, flags and keys read through the one reader, each distinct raw value once: a million
    timephased rows repeat the same few thousand GUIDs, dates and numbers."""

    def __init__(self) -> None:
        # By type and value: True, 1 and 1.0 are equal as dict keys but not the same text or flag, and a CSV's
        # "1,5" (pmo_xl.imports.project_online.CsvText, its file's decimal mark) is not a JSON page's "1,5".
        self._read: dict[tuple[object, type, object], object] = {}

    def _once(self, reader, value: object):
        try:
            return self._read[reader, type(value), value]
        except KeyError:
            found = self._read[reader, type(value), value] = reader(value)
            return found
        except TypeError:  # an unhashable cell: read it as it is
            return reader(value)

    def key(self, value: object) -> str:
        return self._once(_key, value)

    def flag(self, value: object) -> bool | None:
        return self._once(_flag, value)

    def date(self, value: object) -> tuple[dt.date | None, str]:
        return self._once(_feed_date, value)

    def number(self, value: object) -> tuple[float | int | None, str]:
        return self._once(_feed_number, value)


def _feed_date(value: object) -> tuple[dt.date | None, str]:
    return feed_date(value, "date")


def _feed_number(value: object) -> tuple[float | int | None, str]:
    return feed_number(value, "number")


def _key(value: object) -> str:
    return as_text(value).strip().casefold()


def _text(value: object) -> str:
    return "" if is_blank(value) else as_text(value).strip()


def _flag(value: object) -> bool | None:
    reading = read_flag(value, "flag")
    return None if reading.refused else bool(reading.value)


def _choice_text(value: object) -> str:
    """A PWA choice as the feed writes it, "(1) Active", without its number: "active"."""
    text = _key(value)
    if text.startswith("(") and ")" in text:
        text = text.split(")", 1)[1].strip()
    return text


def _problem_reason(problem: str) -> str:
    """A reader's refusal without its label ("number: 'x' is not a number" -> "'x' is not a number")."""
    return problem.split(": ", 1)[1] if ": " in problem else problem


# -- the core ----------------------------------------------------------------------------------------------------


def status_seeds(
    export: Export,
    register_rows: Iterable[Mapping[str, object]],
    period: str,
    *,
    roles: Sequence[str],
    baseline: int = 0,
    role_field: str | None = None,
    role_names: Mapping[str, str] | None = None,
    raid_statuses: Mapping[str, str] | None = None,
    hours_per_fte_month: float = HOURS_PER_FTE_MONTH,
) -> StatusSeeds:
    """Each register row's seed (matched by external_id = ProjectId) from `export`. `period` is the month the
    seeds are made for (a milestone met before it is left out, as pmo generate --plans leaves it); `baseline` the
    task baseline (0-10) that gives the milestones' baseline dates; `roles` the template's roles (the
    ResourceDemand table's role choices); `role_field` the
    Resources custom field holding the role (default: the one PortfolioAnalyses.RoleCustomFieldName names, else
    RBS, else a generic resource's name); `role_names` maps a PWA role to a template role (case aside);
    `raid_statuses` adds status texts (a localised PWA's) to RAID_STATUS_MAP. Pure."""
    if hours_per_fte_month <= 0:
        raise ValueError("hours per FTE-month must be above 0")
    values = _Values()
    projects = {}
    for row in register_rows:
        guid = _key(row.get("external_id"))
        if guid:
            projects[guid] = (_text(row.get("project_id")), _text(row.get("external_id")),
                              _text(row.get("project_name")))  # fmt: skip
    problems: list[str] = []
    notes: list[str] = []
    statuses = {**RAID_STATUS_MAP, **{_choice_text(k): v for k, v in (raid_statuses or {}).items()}}
    milestones, milestone_left = _milestones(export, projects, period, baseline, values, problems)
    raid, raid_left = _raid(export, projects, values, statuses, problems)
    role_of, role_problems, role_note = _roles(export, roles, role_field, role_names or {})
    problems += role_problems
    if role_note:
        notes.append(role_note)
    demand, proposed = _demand(export, projects, role_of, values, hours_per_fte_month, problems, notes)
    capacity = _capacity(export, role_of, values, problems)
    seeds = []
    for guid, (project_id, external_id, name) in sorted(projects.items(), key=lambda item: item[1][0]):
        tables = {
            "Milestones": tuple(milestones.get(guid, ())),
            "RAID": tuple(raid.get(guid, ())),
            "ResourceDemand": tuple(demand.get(guid, ())),
        }
        left = tuple(milestone_left.get(guid, ())) + tuple(raid_left.get(guid, ()))
        seeds.append(ProjectSeed(project_id, external_id, name, tables, left))
    for set_name in ("Tasks", "Risks", "Issues", "Assignments"):
        outside = sum(1 for row in export.rows(set_name) if values.key(row.get("ProjectId")) not in projects)
        if outside:
            notes.append(f"{set_name}: {outside} row(s) of projects not in the register: not seeded")
    deliverables = len(export.rows("Deliverables"))
    if deliverables:
        notes.append(f"Deliverables: {deliverables} row(s) not seeded: the status template has no table for them")
    return StatusSeeds(export.source, period, tuple(seeds), tuple(proposed), tuple(capacity), tuple(problems),
                       seeds_mapping(export), hours_per_fte_month, tuple(notes))  # fmt: skip


def _milestones(export, projects, period, baseline, values, problems):
    """project guid -> Milestones rows; project guid -> what was left out."""
    baselines: dict[tuple[str, str], Mapping[str, object]] = {}
    for row in export.rows("TaskBaselines"):
        number, _problem = values.number(row.get("BaselineNumber"))
        if number == baseline:
            baselines[(values.key(row.get("ProjectId")), _key(row.get("TaskId")))] = row
    start = first_day(period)
    rows: dict[str, list[dict[str, object]]] = defaultdict(list)
    done_before: dict[str, int] = defaultdict(int)
    for task in export.rows("Tasks"):
        guid = values.key(task.get("ProjectId"))
        if guid not in projects:
            continue
        milestone = values.flag(task.get("TaskIsMilestone"))
        if milestone is False:  # most tasks: nothing more to read
            continue
        name = _text(task.get("TaskName")) or _text(task.get("TaskId"))
        where = f"Tasks, project {projects[guid][0]}, task '{name}'"
        if milestone is None:
            problems.append(f"{where}: TaskIsMilestone '{_text(task.get('TaskIsMilestone'))}' is not true or false; "
                            "export the set again")  # fmt: skip
            continue
        uid, uid_problem = values.number(task.get("TaskClientUniqueId"))
        if uid is None or uid_problem or uid != int(uid) or uid < 0:
            shown = _text(task.get("TaskClientUniqueId")) or "blank"
            problems.append(f"{where}: TaskClientUniqueId is {shown}, not the plan's task UID, so the milestone "
                            "has no id that lasts; include TaskClientUniqueId in the export")  # fmt: skip
            continue
        found = {}
        bad = False
        for key, value in (("forecast_date", task.get("TaskFinishDate")),
                           ("actual_date", task.get("TaskActualFinishDate")),
                           ("baseline_date", baselines.get((guid, _key(task.get("TaskId"))), {}).get(
                               "TaskBaselineFinishDate"))):  # fmt: skip
            day, problem = values.date(value)
            if problem:
                problems.append(f"{where}: {_problem_reason(problem)}")
                bad = True
            found[key] = day
        percent, percent_problem = values.number(task.get("TaskPercentCompleted"))
        if percent_problem:
            problems.append(f"{where}: TaskPercentCompleted {_problem_reason(percent_problem)}")
            bad = True
        if bad:
            continue
        if found["actual_date"] is not None and found["actual_date"] < start:
            done_before[guid] += 1
            continue
        met = found["actual_date"] is not None or percent == 100
        rows[guid].append({
            "id": f"{MILESTONE_ID_PREFIX}{int(uid)}",
            "name": name,
            "baseline_date": found["baseline_date"],
            "forecast_date": found["forecast_date"],
            "actual_date": found["actual_date"],
            # Complete once met; otherwise blank: pmo generate --seeds works the status out for its own period,
            # by the rule pmo generate --plans uses (Late, On track).
            "status": "Complete" if met else None,
        })  # fmt: skip
    for found in rows.values():
        found.sort(key=lambda row: (row["forecast_date"] or dt.date.max, row["id"]))
    left = {guid: [f"{count} milestone(s) met before {period} left out"] for guid, count in done_before.items()}
    return rows, left


def _raid(export, projects, values, statuses, problems):
    """project guid -> RAID rows (open items, ids R-001...); project guid -> what was left out."""
    items: dict[str, list[tuple[tuple, dict[str, object]]]] = defaultdict(list)
    closed: dict[str, int] = defaultdict(int)
    for set_name, kind, key in (("Risks", "Risk", "RiskId"), ("Issues", "Issue", "IssueId")):
        for row in export.rows(set_name):
            guid = _key(row.get("ProjectId"))
            if guid not in projects:
                continue
            title = _text(row.get("Title")) or _text(row.get(key))
            where = f"{set_name}, project {projects[guid][0]}, {kind.lower()} '{title}'"
            item, item_problems = _raid_item(row, kind, values, statuses)
            if item_problems:
                problems += [f"{where}: {problem}" for problem in item_problems]
                continue
            if item["status"] == "Closed":
                closed[guid] += 1
                continue
            created, _problem = values.date(row.get("CreatedDate"))
            items[guid].append(((kind != "Risk", created or dt.date.max, title.casefold(), _key(row.get(key))), item))
    rows = {}
    for guid, found in items.items():
        found.sort(key=lambda pair: pair[0])
        rows[guid] = [{"id": f"{RAID_ID_PREFIX}{number:03d}", **item}
                      for number, (_order, item) in enumerate(found, start=1)]  # fmt: skip
    left = {guid: [f"{count} closed risk(s) and issue(s) left out"] for guid, count in closed.items()}
    return rows, left


def _raid_item(row, kind, values, statuses) -> tuple[dict[str, object], list[str]]:
    problems: list[str] = []
    title, description = _text(row.get("Title")), _text(row.get("Description"))
    text = f"{title}: {description}" if title and description and description != title else (title or description)
    status_text = _choice_text(row.get("Status"))
    status = statuses.get(status_text)
    if status is None:
        problems.append(f"Status '{_text(row.get('Status')) or 'blank'}' is none of "
                        f"{', '.join(sorted(statuses))}; map it (docs/project-online-seeds.md)")  # fmt: skip
    dates = {}
    for key, name in (("date_raised", "CreatedDate"), ("due_date", "DueDate")):
        day, problem = values.date(row.get(name))
        if problem:
            problems.append(f"{name} {_problem_reason(problem)}")
        dates[key] = day
    probability = impact = exposure = None
    if kind == "Risk":
        probability = _probability(row.get("Probability"), values, problems)
        impact = _impact(row.get("Impact"), values, problems)
        exposure, problem = values.number(row.get("CostExposure"))
        if problem or (exposure is not None and exposure < 0):
            problems.append(f"CostExposure {_problem_reason(problem) if problem else f'{exposure} is below 0'}")
        response = _text(row.get("MitigationPlan"))
    else:
        priority = _choice_text(row.get("Priority"))
        if priority:
            impact = ISSUE_PRIORITY_IMPACT.get(priority)
            if impact is None:
                problems.append(f"Priority '{_text(row.get('Priority'))}' is none of "
                                f"{', '.join(ISSUE_PRIORITY_IMPACT)}")  # fmt: skip
        response = _text(row.get("Resolution"))
    item = {
        "type": kind,
        "description": text,
        "owner": _text(row.get("Owner")) or _text(row.get("AssignedToResource")),
        "date_raised": dates["date_raised"],
        "probability": probability,
        "impact": impact,
        "financial_exposure": exposure,
        "response": response or None,
        "due_date": dates["due_date"],
        "status": status,
    }
    return item, problems


def _probability(value, values, problems) -> int | None:
    percent, problem = values.number(value)
    if problem:
        problems.append(f"Probability {_problem_reason(problem)}")
        return None
    if percent is None:
        return None
    if not 0 <= percent <= 100:
        problems.append(f"Probability {percent:g} is not a percentage (0-100)")
        return None
    return next(score for bound, score in PROBABILITY_BANDS if percent <= bound)


def _impact(value, values, problems) -> int | None:
    impact, problem = values.number(value)
    if problem:
        problems.append(f"Impact {_problem_reason(problem)}")
        return None
    if impact is None:
        return None
    if impact != int(impact) or int(impact) not in IMPACT_STEPS:
        problems.append(f"Impact {impact:g} is not a whole number from 1 to 10 (the PWA risk scale)")
        return None
    return IMPACT_STEPS[int(impact)]


def _roles(export, roles, role_field, role_names) -> tuple[dict[str, str | None], list[str], str]:
    """resource guid -> its template role (None: not a template role, reported once per PWA role)."""
    known = {role.casefold(): role for role in roles}
    mapped = {_key(name): known.get(_key(role), role) for name, role in role_names.items()}
    resources = export.rows("Resources")
    note = ""
    if role_field is None:
        named = {_text(row.get("RoleCustomFieldName")) for row in export.rows("PortfolioAnalyses")} - {""}
        if len(named) == 1:
            role_field = named.pop()
            note = f"Resources: the role is the custom field {role_field} (PortfolioAnalyses.RoleCustomFieldName)"
    field_name = None
    if role_field is not None:
        wanted = "".join(role_field.split()).casefold()  # the feed strips a custom field's spaces
        field_name = next((name for row in resources for name in row if name.casefold() == wanted), None)
    role_of: dict[str, str | None] = {}
    unknown: dict[str, int] = defaultdict(int)
    for row in resources:
        value = _text(row.get(field_name)) if field_name else ""
        value = value or _text(row.get("RBS"))
        if not value and _flag(row.get("ResourceIsGeneric")):
            value = _text(row.get("ResourceName"))
        role = mapped.get(value.casefold()) or known.get(value.casefold())
        if value and role is None:
            unknown[value] += 1
        if role is not None and role not in roles:
            unknown[role] += 1
            role = None
        role_of[_key(row.get("ResourceId"))] = role
    problems = [f"Resources: role '{value}' ({count} resource(s)) is not one of the template's roles; add it to the "
                "template's roles or map it to one (--role-map)" for value, count in sorted(unknown.items())]  # fmt: skip
    if role_field is not None and field_name is None:
        problems.append(f"Resources: no custom field named '{role_field}'; roles come from RBS or a generic "
                        "resource's name")  # fmt: skip
    return role_of, problems, note


def _demand(export, projects, role_of, values, hours_per_fte_month, problems, notes):
    """project guid -> ResourceDemand rows (committed); the proposed demand."""
    assignments: dict[str, tuple[str, str | None, str]] = {}  # assignment -> (project guid, role, booking)
    no_role = 0
    for row in export.rows("Assignments"):
        guid = values.key(row.get("ProjectId"))
        if guid not in projects:
            continue
        assignment = _key(row.get("AssignmentId"))
        booking = _booking(row, values)
        if booking is None:
            problems.append(f"Assignments, project {projects[guid][0]}, assignment {_text(row.get('AssignmentId'))}: "
                            f"AssignmentBookingName '{_text(row.get('AssignmentBookingName'))}' is neither Committed "
                            "nor Proposed; include AssignmentBookingId (0 committed, 1 proposed) in the export")  # fmt: skip
            continue
        resource = _key(row.get("ResourceId"))
        role = role_of.get(resource)
        if role is None:
            no_role += resource not in role_of
        assignments[assignment] = (guid, role, booking)
    # Each row's work goes straight to its project, role and month: a million rows, no table of them kept.
    committed: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    tentative: dict[tuple[str, str, str], float] = defaultdict(float)
    unmatched = unrolled = 0.0
    months: dict[object, str | None] = {}
    bad_rows = 0
    for row in export.rows("AssignmentTimephasedDataSet"):
        day = row.get("TimeByDay")
        try:
            month = months[day]
        except KeyError:
            found, _problem = values.date(day)
            month = months[day] = period_of(found) if found is not None else None
        work, problem = values.number(row.get("AssignmentWork"))
        if month is None or problem:
            bad_rows += 1
            continue
        if not work:
            continue
        assignment = assignments.get(values.key(row.get("AssignmentId")))
        if assignment is None:
            unmatched += work
            continue
        guid, role, booking = assignment
        if role is None:
            unrolled += work
            continue
        if booking == "committed":
            by_month = committed[guid][role]
            by_month[month] = by_month.get(month, 0.0) + work
        else:
            tentative[(guid, role, month)] += work
    if bad_rows:
        problems.append(f"AssignmentTimephasedDataSet: {bad_rows} row(s) whose TimeByDay is not a date or whose "
                        "AssignmentWork is not a number; export the set again")  # fmt: skip
    if unmatched:
        notes.append(f"AssignmentTimephasedDataSet: {unmatched:g} hour(s) of assignments not in Assignments for a "
                     "project of the register: not seeded")  # fmt: skip
    if unrolled:
        problems.append(f"AssignmentTimephasedDataSet: {unrolled:g} hour(s) of work by resources without a template "
                        "role (see the Resources lines) are not seeded")  # fmt: skip
    if no_role:
        notes.append(f"Assignments: {no_role} assignment(s) of resources not in Resources")
    demand = {
        guid: [{"role": role, "person": None,
                **{month: _fte(total, hours_per_fte_month) for month, total in sorted(by_month.items())}}
               for role, by_month in sorted(by_role.items())]
        for guid, by_role in committed.items()
    }  # fmt: skip
    proposed = [ProposedDemand(projects[guid][0], role, month, _fte(total, hours_per_fte_month))
                for (guid, role, month), total in sorted(tentative.items(), key=lambda item: (projects[item[0][0]][0],
                                                                                             item[0][1], item[0][2]))]  # fmt: skip
    return demand, proposed


def _fte(hours: float, hours_per_fte_month: float) -> float:
    return round(hours / hours_per_fte_month, 4)


def _booking(row, values) -> str | None:
    number, problem = values.number(row.get("AssignmentBookingId"))
    if number is not None and not problem:
        return BOOKING_IDS.get(int(number)) if number == int(number) else None
    return BOOKING_NAMES.get(_key(row.get("AssignmentBookingName")))


def _capacity(export, role_of, values, problems) -> list[dict[str, object]]:
    """Capacity table rows (CAPACITY_COLUMNS): each role's hours by month, from the capacity of its named
    resources (a generic resource is a placeholder: its capacity is not people's)."""
    generic = {_key(row.get("ResourceId")) for row in export.rows("Resources") if _flag(row.get("ResourceIsGeneric"))}
    months: dict[object, str | None] = {}
    totals: dict[tuple[str, str], float] = defaultdict(float)
    bad_rows = 0
    for row in export.rows("ResourceTimephasedDataSet"):
        resource = _key(row.get("ResourceId"))
        role = role_of.get(resource)
        if role is None or resource in generic:
            continue
        day = row.get("TimeByDay")
        try:
            month = months[day]
        except KeyError:
            found, _problem = values.date(day)
            month = months[day] = period_of(found) if found is not None else None
        capacity, problem = values.number(row.get("Capacity"))
        if month is None or problem or (capacity is not None and capacity < 0):
            bad_rows += 1
            continue
        if capacity:
            totals[(role, month)] += capacity
    if bad_rows:
        problems.append(f"ResourceTimephasedDataSet: {bad_rows} row(s) whose TimeByDay is not a date or whose "
                        "Capacity is not a number of hours; export the set again")  # fmt: skip
    return [{"role": role, "person": None, "from_month": month, "to_month": month, "fte": None,
             "hours_per_month": round(total, 4), "productive_ratio": None}
            for (role, month), total in sorted(totals.items())]  # fmt: skip


# -- the mapping report's lines ------------------------------------------------------------------------------------

SEED_TARGETS: dict[str, dict[str, str]] = {
    "Tasks": {
        "ProjectId": "the project (register external_id)",
        "TaskId": "joins TaskBaselines",
        "TaskName": "Milestones name",
        "TaskIsMilestone": "which tasks become Milestones rows",
        "TaskFinishDate": "Milestones forecast_date",
        "TaskActualFinishDate": "Milestones actual_date; a milestone met before the period is left out",
        "TaskPercentCompleted": "Milestones status Complete at 100",
        "TaskClientUniqueId": "Milestones id M-P<UID> (the desktop plan's task UID)",
    },
    "TaskBaselines": {
        "ProjectId": "joins Tasks", "TaskId": "joins Tasks", "BaselineNumber": "the baseline chosen (default 0)",
        "TaskBaselineFinishDate": "Milestones baseline_date",
    },
    "Assignments": {
        "ProjectId": "the project", "AssignmentId": "joins AssignmentTimephasedDataSet",
        "ResourceId": "the role, through Resources",
        "AssignmentBookingId": "committed (0) to ResourceDemand, proposed (1) to the proposed demand CSV",
        "AssignmentBookingName": "Committed or Proposed, where AssignmentBookingId is absent",
    },
    "AssignmentTimephasedDataSet": {
        "ProjectId": "the project", "AssignmentId": "joins Assignments", "TimeByDay": "the month",
        "AssignmentWork": "hours, summed by role and month, / hours per FTE-month = ResourceDemand FTE",
    },
    "Resources": {
        "ResourceId": "joins Assignments and ResourceTimephasedDataSet",
        "RBS": "the role, unless the role custom field gives one",
        "ResourceIsGeneric": "a generic resource's name is its role; its capacity is not counted",
        "ResourceName": "the role of a generic resource",
    },
    "ResourceTimephasedDataSet": {
        "ResourceId": "the resource's role", "TimeByDay": "the month",
        "Capacity": "Capacity hours_per_month, summed by role and month",
    },
    "Risks": {
        "ProjectId": "the project", "RiskId": "orders the RAID rows", "Title": "RAID description",
        "Description": "RAID description, after the title", "Owner": "RAID owner",
        "AssignedToResource": "RAID owner, where Owner is blank", "CreatedDate": "RAID date_raised",
        "DueDate": "RAID due_date", "Probability": "RAID probability (percent in bands of 20 -> 1-5)",
        "Impact": "RAID impact (1-10 -> 1-5)", "CostExposure": "RAID financial_exposure",
        "MitigationPlan": "RAID response", "Status": "RAID status (Active Open, Postponed Monitoring, Closed left out)",
    },
    "Issues": {
        "ProjectId": "the project", "IssueId": "orders the RAID rows", "Title": "RAID description",
        "Owner": "RAID owner", "AssignedToResource": "RAID owner, where Owner is blank",
        "CreatedDate": "RAID date_raised", "DueDate": "RAID due_date", "Priority": "RAID impact (High 4, Medium 3, Low 2)",
        "Resolution": "RAID response", "Status": "RAID status (Active Open, Postponed Monitoring, Closed left out)",
    },
    "Deliverables": {},
}  # fmt: skip


def seeds_mapping(export: Export) -> tuple[MappingLine, ...]:
    """A line for every property of the seed sets found in `export`: what it became, or why not."""
    lines = []
    for name in SEED_SETS:
        found = export.sets.get(name)
        if found is None:
            continue
        targets = SEED_TARGETS[name]
        note = f"{len(found.rows)} row(s) from {', '.join(found.files)}"
        lines.append(MappingLine(name, "", "status seeds" if targets else "", note if targets else
                                 note + "; not seeded: the status template has no table for it"))  # fmt: skip
        documented = ENTITY_SETS[name].properties
        role_fields = {
            "".join(_text(row.get("RoleCustomFieldName")).split()).casefold()
            for row in export.rows("PortfolioAnalyses")
        } - {""}
        for prop in found.properties:
            if prop in targets:
                lines.append(MappingLine(name, prop, targets[prop]))
            elif name == "Resources" and prop.casefold() in role_fields:
                lines.append(MappingLine(name, prop, "the role of ResourceDemand and Capacity",
                                         "the role custom field PortfolioAnalyses.RoleCustomFieldName names"))  # fmt: skip
            elif prop in documented:
                lines.append(MappingLine(name, prop, "", "not used by the status seeds"))
            else:
                lines.append(MappingLine(name, prop, "", "unknown property: not in docs/project-online.md"))
    return tuple(lines)


# -- serialising (bytes; the shell writes them) -------------------------------------------------------------------


def _json_value(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value} cannot be written in a seed")
    return value


def seed_bytes(seed: ProjectSeed, source: str, period: str) -> bytes:
    """One project's seed file (`<project_id>.json`): the tables' rows by column key, dates as YYYY-MM-DD, blank
    cells left out. pmo generate --seeds reads it back (pmo_xl.generate.seeds)."""
    document = {
        "format": SEED_FORMAT,
        "version": SEED_VERSION,
        "project_id": seed.project_id,
        "external_id": seed.external_id,
        "project_name": seed.project_name,
        "source": source,
        "period": period,
        "tables": {
            name: [{key: _json_value(value) for key, value in row.items() if value is not None} for row in rows]
            for name, rows in seed.tables.items()
        },
        "left_out": list(seed.left_out),
    }
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def seed_file_name(project_id: str) -> str:
    return f"{project_id}.json"


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue().encode("utf-8-sig")


PROPOSED_COLUMNS = ("project_id", "role", "month", "fte", "booking")


def proposed_demand_csv(proposed: Iterable[ProposedDemand]) -> bytes:
    """The tentative demand: project_id, role, month, fte, booking."""
    return _csv(PROPOSED_COLUMNS, ((item.project_id, item.role, item.month, item.fte, item.booking)
                                   for item in proposed))  # fmt: skip


def capacity_csv(rows: Iterable[Mapping[str, object]]) -> bytes:
    """The Capacity table as CSV (CAPACITY_COLUMNS), as `pmo capacity --capacity` reads it."""
    return _csv(CAPACITY_COLUMNS, ([row.get(column) for column in CAPACITY_COLUMNS] for row in rows))
