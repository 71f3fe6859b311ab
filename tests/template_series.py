"""A test-only series of two version bumps on a copy of the status template (never shipped).

    1.0 (the shipped status template's shape)
    1.0 -> 1.1  adds a field (lessons_learned) and a RAID column (mitigation_cost), renames RAID status
                'Monitoring' to 'Watching'
    1.1 -> 2.0  splits NextSteps' owner ('Ana / Finance') into owner and owner_team, retires key_achievements

`use_series(monkeypatch)` puts it in place of the shipped status template's history, as the catalog and the
migrations registry (read when called) see it.
"""

from __future__ import annotations

from dataclasses import replace

from pmo_xl.templates import catalog, migrations
from pmo_xl.templates.schema import Column, Field, TemplateSchema
from pmo_xl.templates.steps import RetireCheck
from pmo_xl.templates.versions import (
    AddColumn,
    AddField,
    Migration,
    RenameChoice,
    RetireField,
    SplitColumn,
    schema_at,
)

SHIPPED = catalog.PROJECT_STATUS
LESSONS = Field("lessons_learned", "Lessons learned", "text", multiline=True, help="What would you do differently?")
MITIGATION_COST = Column("mitigation_cost", "Mitigation cost", "currency", minimum=0, width=12)
OWNER = SHIPPED.table("NextSteps").column("owner")
OWNER_TEAM = Column("owner_team", "Owner's team", "text", width=16, help="The team of the owner.")
RETIRED = SHIPPED.field("key_achievements")
# The retired field's live check goes with it: 1.1 reports are still judged by it.
_NAMES = [check.name for check in SHIPPED.checks]
_INDEX = _NAMES.index("key_achievements_missing")
RETIRED_CHECK = RetireCheck(SHIPPED.checks[_INDEX], after=_NAMES[_INDEX - 1] if _INDEX else None)

SERIES = (
    Migration(
        "project_status",
        "1.0",
        "1.1",
        "Lessons learned, a RAID mitigation cost, 'Monitoring' called 'Watching'",
        (
            AddField(LESSONS, "This period", after="key_achievements"),
            AddColumn("RAID", MITIGATION_COST, after="financial_exposure"),
            RenameChoice("RAID[status]", "Monitoring", "Watching"),
        ),
    ),
    Migration(
        "project_status",
        "1.1",
        "2.0",
        "A next step's owner and team apart; achievements are lessons learned now",
        (
            SplitColumn("NextSteps", OWNER, (OWNER, OWNER_TEAM), " / ", unsplit="owner"),
            RETIRED_CHECK,
            RetireField(RETIRED, "This period"),
        ),
    ),
)


def _v2() -> TemplateSchema:
    """The series' current version, written out by hand (not derived from the steps it is checked against)."""
    sections = []
    for section in SHIPPED.sections:
        fields = [f for f in section.fields if f.name != RETIRED.name]
        if section.title == "This period":
            fields.append(LESSONS)
        sections.append(replace(section, fields=tuple(fields)))
    tables = []
    for table in SHIPPED.tables:
        columns = []
        for column in table.columns:
            if table.name == "RAID" and column.key == "status":
                column = replace(column, allowed=("Open", "Watching", "Closed"))
            columns.append(column)
            if table.name == "RAID" and column.key == "financial_exposure":
                columns.append(MITIGATION_COST)
            if table.name == "NextSteps" and column.key == "owner":
                columns.append(OWNER_TEAM)
        tables.append(replace(table, columns=tuple(columns)))
    checks = tuple(check for check in SHIPPED.checks if check.name != RETIRED_CHECK.rule.name)
    return replace(SHIPPED, version="2.0", sections=tuple(sections), tables=tuple(tables), checks=checks)


V2 = _v2()


def use_series(monkeypatch) -> None:
    monkeypatch.setitem(catalog.SCHEMAS, "project_status", V2)
    monkeypatch.setitem(migrations.MIGRATIONS, "project_status", SERIES)


def series_schema(version: str) -> TemplateSchema:
    """The series at `version` (call with the series in place)."""
    return schema_at("project_status", version)


def write_register(path, project_ids) -> None:
    """A register of the series' projects (one a project id), as the version tests generate from it."""
    path.write_text(
        "project_id,project_name,project_manager,pm_email,sponsor,programme,start_date,end_date,budget,currency,"
        "money_unit,lifecycle_status\n"
        + "".join(f"{p},Project {p},PM,pm@example.org,Sponsor,Finance systems,2026-01-15,2027-12-31,10000,EUR,"
                  "units,active\n" for p in project_ids),
        encoding="utf-8",
    )  # fmt: skip
