"""`pmo demo`'s Project Online step: a PMO arriving from Project Online, as the demo shows it.

A small export made up by pmo_xl.demo.online_export (the documented names, verbose JSON in pages, a German custom
field) is imported as `pmo import project-online` imports it, and Project XML plans are written for two of its
projects, as their PMs would save them from Microsoft Project. The projects' first status workbooks are then
generated from the imported register with their seeds and, for those two, their plans, as `pmo generate --seeds
--plans` makes them. Each step calls the same core function as its command.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from pmo_xl.demo.online_export import NAMES_CSV, ExportSize, sample_sets, write_export

EXPORT_FOLDER = "project-online-export"
IMPORTED_FOLDER = "project-online-import"
PLANS_FOLDER = "plans"
WORKBOOKS_FOLDER = "workbooks"
PLANNED = 2  # projects whose PMs keep a Microsoft Project plan


@dataclass(frozen=True)
class OnlineDemo:
    export: Path
    names: Path
    imported: Path
    report: Path
    plans: tuple[Path, ...]
    workbooks: tuple[Path, ...]
    projects: int
    proposals: int


def run_online_demo(out: Path, period: str, say: Callable[[str], None]) -> OnlineDemo:
    """The export, its import into out/project-online-import, two plans, and the imported projects' workbooks."""
    from pmo_xl.generate.generator import generate_for_records
    from pmo_xl.generate.plan_milestones import MilestoneSelection, read_project_plans, with_plan_milestones
    from pmo_xl.generate.seeds import read_project_seeds, with_seeds
    from pmo_xl.imports.online_import import REGISTER_FILE, REPORT_FILE, SEEDS_FOLDER, OnlineRequest, import_online
    from pmo_xl.imports.project_online import read_export, read_names
    from pmo_xl.ledger import now_stamp
    from pmo_xl.online import write_import
    from pmo_xl.periods import first_day
    from pmo_xl.register import read_register
    from pmo_xl.templates.catalog import PROJECT_STATUS

    sets = sample_sets(ExportSize())
    export = out / EXPORT_FOLDER
    say(f"Project Online: writing a small export of {len(sets['Projects'])} projects into {export}")
    write_export(sets, export, "verbose", page_size=40)
    names = out / "project-online-names.csv"
    names.write_text(NAMES_CSV, encoding="utf-8")
    imported = out / IMPORTED_FOLDER
    say(f"Project Online: importing it into {imported}")
    request = OnlineRequest(
        period=period, roles=tuple(PROJECT_STATUS.table("ResourceDemand").column("role").allowed),
        imported_at=now_stamp(), id_field="Project Code", proposals="type=Proposal", budget=600000.0,
    )  # fmt: skip
    result = import_online(read_export(export, read_names(names)), request)
    write_import(result, imported, force=True, created=dt.datetime(2026, 11, 30, 18))
    records = read_register(imported / REGISTER_FILE, PROJECT_STATUS)
    plans_folder = imported / PLANS_FOLDER
    plans_folder.mkdir(exist_ok=True)
    guid_of = {str(row["project_id"]): str(row["external_id"]) for row in result.register.rows}
    plans = []
    for record in records[:PLANNED]:
        guid = guid_of[record.project_id]
        tasks = [row for row in sets["Tasks"] if row["ProjectId"] == guid]
        baselines = {row["TaskId"]: row for row in sets["TaskBaselines"] if row["ProjectId"] == guid}
        plan = plans_folder / f"{record.project_id}.xml"
        plan.write_bytes(project_xml(record.project_name, tasks, baselines))
        plans.append(plan)
    say(f"Project Online: {len(records)} status workbooks from the seeds, {len(plans)} with their plan's milestones")
    seeds = read_project_seeds(records, imported / SEEDS_FOLDER, PROJECT_STATUS, period)
    capacity = PROJECT_STATUS.table("Milestones").rows
    read_plans = read_project_plans(records, plans_folder, MilestoneSelection(), period, capacity=capacity)
    fill = with_seeds(None, {seed.project_id: seed.seeded for seed in seeds if seed.seeded})
    fill = with_plan_milestones(fill, {plan.project_id: plan.milestones for plan in read_plans if plan.milestones})
    generated = generate_for_records(
        PROJECT_STATUS, records, imported / WORKBOOKS_FOLDER / period, period, force=True, carry_forward=fill,
        today=first_day(period),
    )  # fmt: skip
    proposals = len(result.portfolio.pipeline.rows) if result.portfolio else 0
    return OnlineDemo(export, names, imported, imported / REPORT_FILE, tuple(plans),
                      tuple(workbook.path for workbook in generated), len(records), proposals)  # fmt: skip


def _xml_day(value: object) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S") if isinstance(value, dt.datetime) else ""


def project_xml(title: str, tasks: Sequence[Mapping[str, object]], baselines: Mapping[object, Mapping]) -> bytes:
    """The tasks as Microsoft Project saves a plan in Project XML (MSPDI): the project summary task (UID 0), then
    each task with its UID (the export's TaskClientUniqueId: the same task in Project Online and on the desktop),
    dates, progress and baseline 0."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        '<Project xmlns="http://schemas.microsoft.com/project">',
        "  <SaveVersion>14</SaveVersion>",
        f"  <Title>{escape(title)}</Title>",
        "  <Tasks>",
        f"    <Task><UID>0</UID><ID>0</ID><Name>{escape(title)}</Name><OutlineLevel>0</OutlineLevel>"
        "<Summary>1</Summary></Task>",
    ]
    for number, task in enumerate(tasks, start=1):
        parts = [
            f"<UID>{task['TaskClientUniqueId']}</UID><ID>{number}</ID><Name>{escape(str(task['TaskName']))}</Name>",
            f"<OutlineLevel>{task['TaskOutlineLevel']}</OutlineLevel><Summary>{int(bool(task['TaskIsSummary']))}"
            f"</Summary><Milestone>{int(bool(task['TaskIsMilestone']))}</Milestone>",
            f"<Start>{_xml_day(task['TaskStartDate'])}</Start><Finish>{_xml_day(task['TaskFinishDate'])}</Finish>",
            f"<PercentComplete>{task.get('TaskPercentCompleted', 0)}</PercentComplete>",
        ]
        if task.get("TaskActualFinishDate"):
            parts.append(f"<ActualStart>{_xml_day(task['TaskActualStartDate'])}</ActualStart>"
                         f"<ActualFinish>{_xml_day(task['TaskActualFinishDate'])}</ActualFinish>")  # fmt: skip
        if task.get("TaskDeadline"):
            parts.append(f"<Deadline>{_xml_day(task['TaskDeadline'])}</Deadline>")
        baseline = baselines.get(task["TaskId"])
        if baseline:
            parts.append(f"<Baseline><Number>0</Number><Start>{_xml_day(baseline['TaskBaselineStartDate'])}</Start>"
                         f"<Finish>{_xml_day(baseline['TaskBaselineFinishDate'])}</Finish></Baseline>")  # fmt: skip
        lines.append(f"    <Task>{''.join(parts)}</Task>")
    lines += ["  </Tasks>", "</Project>", ""]
    return "\n".join(lines).encode("utf-8")
