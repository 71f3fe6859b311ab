"""The native reader of Microsoft Project XML (MSPDI, what Project's File > Save As > XML writes), in Python.

Hand-written, not MPXJ's: it needs no Java, so a PMO without the `plans` extra can still import a plan saved as XML,
and it is the independent check of MPXJ (tests/test_plans.py: each .mpp read by MPXJ gives the same tasks as its XML
twin read here). Only the task fields a PMO reports on are read; the schema is Microsoft's
(https://learn.microsoft.com/office-project/xml-data-interchange/project-elements-and-xml-structure).

libxml2 (lxml) parses; a document type declaration is refused and no entity is resolved, as collect does.
"""

from __future__ import annotations

import datetime as dt

from lxml import etree

from pmo_xl.errors import PlanError
from pmo_xl.imports.schedule import Plan, PlanTask
from pmo_xl.values import parse_xml_date, parse_xml_integer, short

NAMESPACE = "http://schemas.microsoft.com/project"
_DATES = ("Start", "Finish", "ActualStart", "ActualFinish", "Deadline")
# A task's Flag1-Flag20 are <ExtendedAttribute> elements, each named by its FieldID (Project's field numbers, as
# MPXJ's FieldTypeHelper gives them; tests/test_plans.py has MPXJ read the same XML and agree).
FLAG_FIELD_IDS = {
    **{188743752 + number - 1: number for number in range(1, 11)},
    **{188743972 + number - 11: number for number in range(11, 21)},
}


def parse_xml(data: bytes, source: str) -> etree._Element:
    """The document's root, or a PlanError naming what is wrong with the XML."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise PlanError(
            f"{source}: the XML is damaged ({short(str(error), 120)}); save the plan again from Microsoft Project"
        ) from None
    if root.getroottree().docinfo.doctype:
        raise PlanError(f"{source}: the XML declares a document type, which Project XML never does; it is not read")
    return root


def read_project_xml(data: bytes, *, baseline: int = 0, source: str = "plan") -> Plan:
    """The plan in `data` (Project XML), its dates those of `baseline` (0-10)."""
    root = parse_xml(data, source)
    root_name = etree.QName(root)
    if root_name.localname != "Project" or root_name.namespace not in (NAMESPACE, None):
        raise PlanError(
            f"{source}: an XML file, but not Microsoft Project XML (its root is <{root_name.localname}>); "
            "save the plan from Microsoft Project with File > Save As > XML"
        )
    prefix = f"{{{NAMESPACE}}}" if root_name.namespace else ""
    title = root.findtext(f"{prefix}Title") or root.findtext(f"{prefix}Name") or ""
    tasks = []
    for element in root.iterfind(f"{prefix}Tasks/{prefix}Task"):
        task = _task(element, prefix, baseline, source)
        if task is not None:
            tasks.append(task)
    return Plan(source=source, file_format="Project XML", title=title.strip(), baseline=baseline, tasks=tuple(tasks))


def _task(element: etree._Element, prefix: str, baseline: int, source: str) -> PlanTask | None:
    fields: dict[str, str] = {}
    baseline_dates: dict[str, str] = {}
    flags: set[int] = set()
    for child in element:
        if not isinstance(child.tag, str):
            continue  # a comment or processing instruction
        name = child.tag.removeprefix(prefix)
        if name == "ExtendedAttribute":
            field_id = parse_xml_integer(child.findtext(f"{prefix}FieldID") or "")
            if field_id in FLAG_FIELD_IDS and _flag(child.findtext(f"{prefix}Value")):
                flags.add(FLAG_FIELD_IDS[field_id])
        elif name == "Baseline":
            if _integer(child.findtext(f"{prefix}Number"), "Baseline Number", fields, source) == baseline:
                baseline_dates = {
                    key: child.findtext(f"{prefix}{key}") or "" for key in ("Start", "Finish")
                }  # fmt: skip
        elif name not in fields:
            fields[name] = child.text or ""
    uid = _integer(fields.get("UID"), "UID", fields, source)
    if uid is None:
        raise PlanError(f"{source}: a task has no UID; the Project XML is damaged, save the plan again from Project")
    outline_level = _integer(fields.get("OutlineLevel"), "OutlineLevel", fields, source)
    if _flag(fields.get("IsNull")) or outline_level == 0:
        return None  # a blank row; the project summary task (the plan itself)
    dates = {key: _date(fields.get(key), key, uid, source) for key in _DATES}
    percent = _integer(fields.get("PercentComplete"), "PercentComplete", fields, source)
    return PlanTask(
        uid=uid,
        name=(fields.get("Name") or "").strip(),
        outline_level=1 if outline_level is None else outline_level,
        summary=_flag(fields.get("Summary")),
        milestone=_flag(fields.get("Milestone")),
        start=dates["Start"],
        finish=dates["Finish"],
        baseline_start=_date(baseline_dates.get("Start"), f"baseline {baseline} start", uid, source),
        baseline_finish=_date(baseline_dates.get("Finish"), f"baseline {baseline} finish", uid, source),
        actual_start=dates["ActualStart"],
        actual_finish=dates["ActualFinish"],
        percent_complete=percent,
        deadline=dates["Deadline"],
        flags=tuple(sorted(flags)),
    )


def _flag(text: str | None) -> bool:
    return (text or "").strip() in ("1", "true")


def _integer(text: str | None, label: str, fields: dict[str, str], source: str) -> int | None:
    if text is None or not text.strip():
        return None
    number = parse_xml_integer(text)
    if number is None:
        where = f"task UID {fields['UID']}" if "UID" in fields and label != "UID" else "a task"
        raise PlanError(f"{source}: {where} has {label} '{short(text.strip())}', not a whole number; the Project XML "
                        "is damaged, save the plan again from Project")  # fmt: skip
    return number


def _date(text: str | None, label: str, uid: int, source: str) -> dt.date | None:
    if text is None or not text.strip():
        return None
    day = parse_xml_date(text)
    if day is None:
        raise PlanError(f"{source}: task UID {uid} has {label} '{short(text.strip())}', not a date; the Project XML "
                        "is damaged, save the plan again from Project")  # fmt: skip
    return day
