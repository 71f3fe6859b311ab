"""Template versions: each template's migrations, declared as data, and what follows from them.

A template's schema in the catalog is its current version. Each earlier version is reached by undoing, newest
first, the steps of the migrations declared for it (pmo_xl.templates.migrations, of the kinds in pmo_xl.templates.steps): every step carries what it needs
to be undone (a retired field's definition, a split column's old definition, a rule's value before), so an old
workbook is read in its own shape and judged by its own rules (`schema_at`). Its values are then moved to the
current version by the same steps (`migrate`), and `migration_map` says where each of an old version's names and
columns went: what `pmo templates upgrade` copies a PM's entries through.

Nothing here reads or writes a file. The declarations are checked once, when first used (`check_history`): a
rename onto a name that exists, a step naming a field its version does not have, a gap or a cycle in the versions
is one SchemaError naming the template, the migration and the step.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from pmo_xl.errors import SchemaError
from pmo_xl.templates.schema import TemplateSchema
from pmo_xl.templates.steps import (
    AddCheck,
    AddColumn,
    AddField,
    AddStampedTable,
    ChangeRule,
    Migration,
    Relabel,
    RemapChoices,
    RenameChoice,
    RenameColumn,
    RenameField,
    RetireField,
    SplitColumn,
    Step,
    Value,
    is_version,
    version_key,
)

__all__ = [
    "AddCheck", "AddColumn", "AddField", "AddStampedTable", "ChangeRule", "Migration", "MigrationMap", "Relabel", "RemapChoices",
    "RenameChoice", "RenameColumn", "RenameField", "RetireField", "SplitColumn", "Step", "TemplateHistory", "changelog",
    "check_history", "history", "is_version", "known_versions", "migrate", "migration_map", "migrations_from",
    "schema_at", "version_key",
]  # fmt: skip


# -- a template's history -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateHistory:
    """A template's current schema and its migrations, oldest first; `schemas` holds the schema at every version,
    worked out (and so checked) once."""

    current: TemplateSchema
    migrations: tuple[Migration, ...]
    schemas: Mapping[str, TemplateSchema]

    @property
    def versions(self) -> tuple[str, ...]:
        return tuple(self.schemas)


def check_history(current: TemplateSchema, migrations: Sequence[Migration]) -> TemplateHistory:
    """The schema at every version, each migration's steps undone newest first; SchemaError naming the migration
    and the step for anything that does not fit (a gap, a cycle, a rename onto a name that exists, a step naming
    what its version does not have)."""
    template_id = current.template_id
    _check_version(template_id, current.version, "its current version")
    for migration in migrations:
        if migration.template_id != template_id:
            raise SchemaError(f"{migration.label}: declared among {template_id}'s migrations; move it to its own")
        _check_version(template_id, migration.from_version, f"migration {migration.label}")
        _check_version(template_id, migration.to_version, f"migration {migration.label}")
        if version_key(migration.to_version) <= version_key(migration.from_version):
            raise SchemaError(f"{migration.label}: a migration must go to a later version")
    expected_end = current.version
    for migration in reversed(migrations):
        if migration.to_version != expected_end:
            raise SchemaError(
                f"{template_id}: migration {migration.from_version} -> {migration.to_version} should end at "
                f"{expected_end} (the next version's start, or the current version): declare the migrations in "
                "order, without a gap or a loop"
            )
        expected_end = migration.from_version
    seen = [m.from_version for m in migrations] + [current.version]
    if len(set(seen)) != len(seen):
        raise SchemaError(f"{template_id}: version {_first_repeat(seen)} is reached twice: a cycle in its migrations")
    schemas = {current.version: current}
    schema = current
    for migration in reversed(migrations):
        for number, step in reversed(list(enumerate(migration.steps, start=1))):
            where = f"{migration.label}, step {number} ({type(step).__name__})"
            try:
                step.check(schema)
                schema = step.undo(schema)
            except SchemaError as error:
                raise SchemaError(f"{where}: {error}") from None
        schema = _rebuilt(replace(schema, version=migration.from_version), migration)
        schemas[migration.from_version] = schema
    ordered = {version: schemas[version] for version in sorted(schemas, key=version_key)}
    return TemplateHistory(current, tuple(migrations), ordered)


def _rebuilt(schema: TemplateSchema, migration: Migration) -> TemplateSchema:
    """The undone schema run through its own checks (duplicate names, required_when on a missing field)."""
    try:
        sections = tuple(replace(s, fields=tuple(replace(f) for f in s.fields)) for s in schema.sections)
        tables = tuple(replace(t, columns=tuple(replace(c) for c in t.columns)) for t in schema.tables)
        return replace(schema, sections=sections, tables=tables)
    except SchemaError as error:
        raise SchemaError(
            f"{migration.label}: version {migration.from_version} would not be a valid schema: {error}"
        ) from None


def _check_version(template_id: str, version: str, what: str) -> None:
    if not is_version(version):
        raise SchemaError(f"{template_id}: {what} '{version}' is not a version: write major.minor, e.g. '1.1'")


def _first_repeat(items: Sequence[str]) -> str:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            return item
        seen.add(item)
    return ""


_HISTORIES: dict[tuple[str, int, int], TemplateHistory] = {}
_LOCK = threading.Lock()


def history(template_id: str) -> TemplateHistory:
    """The checked history of a declared template (catalog.SCHEMAS and migrations.MIGRATIONS, read when called, so
    a test may put a series of its own in their place)."""
    from pmo_xl.templates.catalog import SCHEMAS  # read when called: a test may put its own series in place
    from pmo_xl.templates.migrations import MIGRATIONS

    if template_id not in SCHEMAS:
        raise SchemaError(f"unknown template '{template_id}'; known: {', '.join(SCHEMAS)}")
    current, migrations = SCHEMAS[template_id], tuple(MIGRATIONS.get(template_id, ()))
    key = (template_id, id(current), id(migrations) if migrations else 0)
    found = _HISTORIES.get(key)
    if found is None or found.current is not current or found.migrations != migrations:
        found = check_history(current, migrations)
        with _LOCK:
            _HISTORIES[key] = found
    return found


def known_versions(template_id: str) -> tuple[str, ...]:
    """Every version of the template this pmo-xl reads, oldest first; the last is the current one."""
    return history(template_id).versions


def schema_at(template_id: str, version: str) -> TemplateSchema:
    """The template as it was at `version`: read an old workbook in its own shape and judge it by its own rules."""
    schemas = history(template_id).schemas
    if version not in schemas:
        raise SchemaError(
            f"{template_id} has no version '{version}' (known: {', '.join(schemas)}): regenerate the workbook from "
            "the current template"
        )
    return schemas[version]


def migrations_from(template_id: str, from_version: str) -> tuple[Migration, ...]:
    """The migrations that take `from_version` to the current version, in order."""
    found = history(template_id)
    schema_at(template_id, from_version)
    start = found.versions.index(from_version)
    return found.migrations[start:]


def migrate(
    template_id: str, from_version: str, fields: Mapping[str, Value], tables: Mapping[str, Sequence[Mapping]]
) -> tuple[dict[str, Value], dict[str, list[dict[str, Value]]], tuple[str, ...]]:
    """Values as collect reads them (field name -> value; table name -> rows by column key) moved from
    `from_version` to the current version. Pure: the inputs are copied, never changed. The notes say each value
    that could not move as it was (a retired field's, a value that would not split, an ambiguous split's)."""
    moved_fields = dict(fields)
    moved_tables = {name: [dict(row) for row in rows] for name, rows in tables.items()}
    notes: list[str] = []
    for migration in migrations_from(template_id, from_version):
        for step in migration.steps:
            step.move(moved_fields, moved_tables, notes)
    return moved_fields, moved_tables, tuple(notes)


@dataclass(frozen=True)
class MigrationMap:
    """Where each name and column of an old version lands in the current one (what an upgrade copies through).

    `fields`: old field name -> current name, or None when it was retired. `columns`: (table, old column key) ->
    the current keys it goes to (two or more for a split, none for a column that was dropped). `choices`: (target in
    the current version, old value) -> current value."""

    template_id: str
    from_version: str
    to_version: str
    fields: Mapping[str, str | None]
    columns: Mapping[tuple[str, str], tuple[str, ...]]
    choices: Mapping[tuple[str, str], str]


def migration_map(template_id: str, from_version: str) -> MigrationMap:
    """The MigrationMap from `from_version` to the current version, composed over every step between them."""
    old = schema_at(template_id, from_version)
    fields: dict[str, str | None] = {f.name: f.name for f in old.fields if f.formula is None}
    columns: dict[tuple[str, str], tuple[str, ...]] = {
        (table.name, column.key): (column.key,) for table in old.tables for column in table.columns
    }
    choices: dict[tuple[str, str], str] = {}
    for migration in migrations_from(template_id, from_version):
        for step in migration.steps:
            if isinstance(step, RenameField):
                fields = {o: (step.new if n == step.old else n) for o, n in fields.items()}
                choices = {(step.new if t == step.old else t, v): c for (t, v), c in choices.items()}
            elif isinstance(step, RetireField):
                fields = {o: (None if n == step.field.name else n) for o, n in fields.items()}
            elif isinstance(step, RenameColumn):
                columns = {k: tuple(step.new if (k[0] == step.table and n == step.old) else n for n in v)
                           for k, v in columns.items()}  # fmt: skip
                old_target, new_target = f"{step.table}[{step.old}]", f"{step.table}[{step.new}]"
                choices = {(new_target if t == old_target else t, v): c for (t, v), c in choices.items()}
            elif isinstance(step, SplitColumn):
                into = tuple(c.key for c in step.into)
                columns = {k: tuple(x for n in v for x in (into if (k[0] == step.table and n == step.column.key)
                                                           else (n,))) for k, v in columns.items()}  # fmt: skip
            elif isinstance(step, RenameChoice | RemapChoices):
                mapping = {step.old: step.new} if isinstance(step, RenameChoice) else dict(step.mapping)
                choices = {key: mapping.get(value, value) for key, value in choices.items()}
                for value, new in mapping.items():
                    choices.setdefault((step.target, value), new)
    return MigrationMap(template_id, from_version, history(template_id).current.version, fields, columns, choices)


def changelog(template_id: str) -> list[str]:
    """The template's versions and their steps in words, newest first (what `pmo templates changelog` prints)."""
    found = history(template_id)
    lines = [f"{template_id}: current version {found.current.version}; reads {', '.join(found.versions)}"]
    if not found.migrations:
        lines.append("  no earlier version")
    for migration in reversed(found.migrations):
        lines.append(f"  {migration.from_version} -> {migration.to_version}: {migration.summary}")
        lines += [f"    - {step.describe()}" for step in migration.steps]
    return lines
