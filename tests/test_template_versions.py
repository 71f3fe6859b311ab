"""Template versions: migrations declared as data, the schema at each version, values moved, conflicts refused."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.errors import SchemaError
from pmo_xl.templates import catalog
from pmo_xl.templates.migrations import PROJECT_STATUS_MIGRATIONS
from pmo_xl.templates.schema import Field
from pmo_xl.templates.versions import (
    AddField,
    AddStampedTable,
    ChangeRule,
    Migration,
    RenameChoice,
    RenameField,
    check_history,
    known_versions,
    migrate,
    migration_map,
    schema_at,
)
from tests.template_series import LESSONS, MITIGATION_COST, OWNER_TEAM, SHIPPED, V2, use_series

# -- the shipped history ------------------------------------------------------------------------------------------


def test_the_status_template_reads_its_version_before_the_trust_changes():
    assert known_versions("project_status") == ("1.0", "1.1", "1.2", "1.3")  # 1.2: test_live_checks, 1.3: below
    assert catalog.PROJECT_STATUS.version == "1.3"
    old = schema_at("project_status", "1.0")
    assert old.version == "1.0"
    assert (old.field("currency").default, old.field("money_unit").default) == ("EUR", "k")
    assert dict(old.instructions)["Adding rows"].endswith("Need more rows? Ask the PMO.")
    # nothing else differs: with those three put back, 1.0 is the current schema
    back = replace(
        old,
        version="1.1",
        sections=tuple(
            replace(
                s,
                fields=tuple(replace(f, default=None) if f.name in ("currency", "money_unit") else f for f in s.fields),
            )
            for s in old.sections
        ),
        instructions=schema_at("project_status", "1.1").instructions,
    )
    assert back == schema_at("project_status", "1.1")
    assert known_versions("project_request") == ("1.0", "1.1")  # its own 1.1: tests/test_versions_follow.py


def test_version_1_3_adds_only_the_read_only_decisions_table_and_its_instruction():
    old, new = schema_at("project_status", "1.2"), catalog.PROJECT_STATUS
    assert old.stamped == () and new.stamped == (catalog.DECISIONS_TAKEN,)
    assert all(column.locked and column.formula is None for column in new.stamped[0].columns)
    assert [h for h, _ in new.instructions if h not in dict(old.instructions)] == ["Decisions taken"]
    # nothing the PM fills changed: a 1.2 report's values move to 1.3 as they are, and no step notes anything
    assert (old.sections, old.tables, old.checks) == (new.sections, new.tables, new.checks)
    fields, tables = {"percent_complete": 0.4}, {"Decisions": [{"id": "D-001", "status": "Open"}]}
    assert migrate("project_status", "1.2", fields, tables) == (fields, tables, ())
    with pytest.raises(SchemaError, match="the stamped table 'DecisionsTaken' is read-only"):
        replace(new, stamped=(replace(catalog.DECISIONS_TAKEN, columns=(*catalog.DECISIONS_TAKEN.columns[:-1],
                replace(catalog.DECISIONS_TAKEN.columns[-1], locked=False))),))  # fmt: skip


def test_the_changelog_command_prints_each_version_and_its_steps_in_words():
    result = CliRunner().invoke(main, ["templates", "changelog"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "project_status: current version 1.3; reads 1.0, 1.1, 1.2, 1.3"
    assert lines[1].startswith("  1.2 -> 1.3: The steering committee's decisions, stamped read-only")
    assert any(line.startswith("  1.1 -> 1.2: Guidance checked live") for line in lines)
    assert (
        "  1.0 -> 1.1: No silent money unit (currency and unit come from the register or settings), and rows may "
        "be added below a table" in lines
    )
    assert "    - rule of currency: default 'EUR' -> none" in lines
    assert "    - reworded the instruction 'Adding rows'" in lines
    assert "project_request: current version 1.1; reads 1.0, 1.1" in lines
    one = CliRunner().invoke(main, ["templates", "changelog", "project_request"], catch_exceptions=False)
    assert one.output.splitlines()[:2] == [
        "project_request: current version 1.1; reads 1.0, 1.1",
        "  1.0 -> 1.1: No silent money unit (the requester picks the currency and unit), taller rows for the "
        "scoring descriptors, and how to add rows",
    ]


# -- the test series ----------------------------------------------------------------------------------------------


@pytest.fixture
def series(monkeypatch):
    use_series(monkeypatch)


def test_each_version_of_the_series_is_the_current_schema_with_the_later_steps_undone(series):
    assert known_versions("project_status") == ("1.0", "1.1", "2.0")
    assert schema_at("project_status", "2.0") is V2
    assert schema_at("project_status", "1.0") == replace(SHIPPED, version="1.0")
    middle = schema_at("project_status", "1.1")
    assert middle.field("lessons_learned") == LESSONS and middle.field("key_achievements") == SHIPPED.field(
        "key_achievements"
    )
    assert [c.key for c in middle.table("RAID").columns][9:11] == ["financial_exposure", "mitigation_cost"]
    assert middle.table("RAID").column("status").allowed == ("Open", "Watching", "Closed")
    assert [c.key for c in middle.table("NextSteps").columns] == ["id", "step", "owner", "due_date", "check"]
    assert [c.key for c in V2.table("NextSteps").columns] == ["id", "step", "owner", "owner_team", "due_date", "check"]
    with pytest.raises(SchemaError, match=r"project_status has no version '1\.0\.0' \(known: 1\.0, 1\.1, 2\.0\)"):
        schema_at("project_status", "1.0.0")


V10_FIELDS = {
    "project_id": "PRJ-001",
    "rag_overall": "Amber",
    "percent_complete": 0.4,
    "submitted_on": dt.date(2026, 11, 3),
    "key_achievements": "Pilot live",
}
V10_TABLES = {
    "RAID": [
        {"id": "R-001", "type": "Risk", "status": "Monitoring", "probability": 3},
        {"id": "R-002", "type": "Issue", "status": "Open", "probability": None},
    ],
    "NextSteps": [
        {"id": "N-001", "step": "Sign off", "owner": "Ana / Finance", "due_date": dt.date(2026, 12, 1)},
        {"id": "N-002", "step": "Cut over", "owner": "Ben", "due_date": None},
    ],
}


def test_migrate_moves_every_value_of_a_v1_0_report_to_v2_0_and_says_what_did_not_move_as_it_was(series):
    fields, tables, notes = migrate("project_status", "1.0", V10_FIELDS, V10_TABLES)
    assert fields == {
        **{k: v for k, v in V10_FIELDS.items() if k != "key_achievements"},
        "lessons_learned": None,
    }
    assert tables["RAID"] == [
        {"id": "R-001", "type": "Risk", "status": "Watching", "probability": 3, "mitigation_cost": None},
        {"id": "R-002", "type": "Issue", "status": "Open", "probability": None, "mitigation_cost": None},
    ]
    assert tables["NextSteps"] == [
        {"id": "N-001", "step": "Sign off", "owner": "Ana", "owner_team": "Finance", "due_date": dt.date(2026, 12, 1)},
        {"id": "N-002", "step": "Cut over", "owner": "Ben", "owner_team": None, "due_date": None},
    ]
    assert notes == (
        "NextSteps N-002: owner 'Ben' has no ' / ' to split at; it went whole to owner",
        "key_achievements: retired; its value 'Pilot live' stays in the file, not in the report",
    )
    assert V10_TABLES["RAID"][0]["status"] == "Monitoring" and "key_achievements" in V10_FIELDS  # the input untouched
    # from 1.1 only the later steps run; from the current version nothing moves
    assert migrate("project_status", "1.1", {"lessons_learned": "x"}, {})[0] == {"lessons_learned": "x"}
    assert migrate("project_status", "2.0", V10_FIELDS, V10_TABLES)[:2] == (V10_FIELDS, V10_TABLES)


def test_the_migration_map_places_every_name_and_column_of_v1_0_in_v2_0(series):
    found = migration_map("project_status", "1.0")
    old = schema_at("project_status", "1.0")
    assert set(found.fields) == {f.name for f in old.fields if f.formula is None}
    assert found.fields["key_achievements"] is None
    assert all(found.fields[name] == name for name in found.fields if name != "key_achievements")
    assert found.columns[("NextSteps", "owner")] == ("owner", "owner_team")
    assert all(keys == (key,) for (table, key), keys in found.columns.items() if (table, key) != ("NextSteps", "owner"))
    assert found.choices == {("RAID[status]", "Monitoring"): "Watching"}
    assert (found.from_version, found.to_version) == ("1.0", "2.0")
    assert ("RAID", MITIGATION_COST.key) not in found.columns and ("NextSteps", OWNER_TEAM.key) not in found.columns


# -- declarations that conflict -----------------------------------------------------------------------------------


def _bump(*steps, start="1.3", end="1.4") -> tuple[Migration, ...]:
    return (*PROJECT_STATUS_MIGRATIONS, Migration("project_status", start, end, "test", steps))


def _current(version="1.4", **changes):
    return replace(catalog.PROJECT_STATUS, version=version, **changes)


@pytest.mark.parametrize(
    ("current", "migrations", "message"),
    [
        pytest.param(
            _current(),
            _bump(RenameField("sponsor", "project_manager")),
            r"project_status 1\.3 -> 1\.4, step 1 \(RenameField\): it renames 'sponsor' to 'project_manager', but "
            r"'sponsor' still exists after it",
            id="rename onto a name that exists",
        ),
        pytest.param(
            _current(),
            _bump(RenameChoice("RAID[status]", "Open", "Active")),
            r"step 1 \(RenameChoice\): RAID\[status\] does not allow 'Active' after it",
            id="choice not there",
        ),
        pytest.param(
            _current(),
            _bump(AddField(Field("risk_appetite", "Risk appetite", "text"), "Progress")),
            r"step 1 \(AddField\): the field 'risk_appetite' is not in section 'Progress' after it",
            id="a step naming a field its version does not have",
        ),
        pytest.param(
            _current(),
            _bump(AddStampedTable(replace(catalog.DECISIONS_TAKEN, name="ActionsTaken"))),
            r"step 1 \(AddStampedTable\): there is no stamped table ActionsTaken after it",
            id="a stamped table its version does not have",
        ),
        pytest.param(
            _current(),
            _bump(ChangeRule("percent_complete", "maximum", 100, 2)),
            r"step 1 \(ChangeRule\): percent_complete's maximum is 1 after it, not 2",
            id="a rule that is not so",
        ),
        pytest.param(
            _current(version="1.5"),
            _bump(),
            r"migration 1\.3 -> 1\.4 should end at 1\.5 .*without a gap or a loop",
            id="a version gap",
        ),
        pytest.param(
            _current(),
            _bump(start="1.1", end="1.4"),
            r"migration 1\.2 -> 1\.3 should end at 1\.1",
            id="two migrations from one version",
        ),
        pytest.param(
            _current(version="1.1"),
            (*PROJECT_STATUS_MIGRATIONS, Migration("project_status", "1.2", "1.1", "x", ())),
            r"1\.2 -> 1\.1: a migration must go to a later version",
            id="a cycle",
        ),
        pytest.param(
            _current(version="1.1.1"),
            _bump(end="1.1.1"),
            r"its current version '1\.1\.1' is not a version: write major\.minor",
            id="a version of three parts",
        ),
        pytest.param(
            _current(),
            (*PROJECT_STATUS_MIGRATIONS, Migration("project_request", "1.2", "1.3", "x", ())),
            r"project_request 1\.2 -> 1\.3: declared among project_status's migrations",
            id="another template's",
        ),
    ],
)
def test_conflicting_declarations_are_refused_in_one_line(current, migrations, message):
    with pytest.raises(SchemaError, match=message) as raised:
        check_history(current, migrations)
    assert "\n" not in str(raised.value)


def test_two_migrations_that_conflict_are_refused_when_the_template_is_used(monkeypatch):
    monkeypatch.setitem(catalog.SCHEMAS, "project_status", _current())
    from pmo_xl.templates import migrations

    monkeypatch.setitem(
        migrations.MIGRATIONS,
        "project_status",
        _bump(RenameField("project_name", "title"), RenameField("project_id", "title")),
    )
    with pytest.raises(SchemaError, match=r"1\.3 -> 1\.4, step 2 \(RenameField\): the field 'title' it renames to"):
        known_versions("project_status")
