"""The kinds of step a template migration is made of, declared as data (see pmo_xl.templates.versions).

Each step has the same four parts: `check(after)` raises SchemaError (a reason, without the step's place) when the
schema after the step does not have what the step made; `undo(after)` gives the schema before it; `move(fields,
tables, notes)` carries values forward (in place, on copies `versions.migrate` made); `describe()` says it in words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

from pmo_xl.errors import SchemaError
from pmo_xl.templates.schema import Check, Column, Field, Section, Table, TemplateSchema
from pmo_xl.values import is_blank

Value = object  # a value as collect reads it (pmo_xl.submissions.Value); kept loose to stay below submissions
Rows = dict[str, list[dict[str, Value]]]

_VERSION = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)$")
_COLUMN_TARGET = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\[([^\]]+)\]$")
INSTRUCTION = "instruction:"


def version_key(version: str) -> tuple[int, int]:
    """(major, minor) of a declared version such as '1.1'; SchemaError for anything else ('1.0.0', 'v1')."""
    match = _VERSION.match(version)
    if match is None:
        raise SchemaError(f"'{version}' is not a template version: write major.minor, e.g. '1.1'")
    return int(match.group(1)), int(match.group(2))


def is_version(text: str) -> bool:
    return bool(_VERSION.match(text))


# -- where a step acts ------------------------------------------------------------------------------------------


def _split_target(target: str) -> tuple[str, str | None]:
    """'rag_overall' -> ('rag_overall', None); 'RAID[status]' -> ('RAID', 'status')."""
    match = _COLUMN_TARGET.match(target)
    return (match.group(1), match.group(2)) if match else (target, None)


def _has_field(schema: TemplateSchema, name: str) -> bool:
    return any(f.name == name for f in schema.fields)


def _table(schema: TemplateSchema, name: str) -> Table | None:
    return next((table for table in schema.tables if table.name == name), None)


def _column(schema: TemplateSchema, table_name: str, key: str) -> Column | None:
    table = _table(schema, table_name)
    return next((column for column in table.columns if column.key == key), None) if table else None


def _target_def(schema: TemplateSchema, target: str) -> Field | Column | Table | None:
    if target.startswith("table:"):
        return _table(schema, target.removeprefix("table:"))
    name, key = _split_target(target)
    if key is None:
        return next((f for f in schema.fields if f.name == name), None)
    return _column(schema, name, key)


def _with_target(schema: TemplateSchema, target: str, change) -> TemplateSchema:
    """`schema` with the field, column or table that `target` names replaced by change(it)."""
    if target.startswith("table:"):
        name = target.removeprefix("table:")
        return replace(schema, tables=tuple(change(t) if t.name == name else t for t in schema.tables))
    name, key = _split_target(target)
    if key is None:
        return _map_fields(schema, lambda f: change(f) if f.name == name else f)
    return _map_columns(schema, name, lambda c: change(c) if c.key == key else c)


def _map_fields(schema: TemplateSchema, change) -> TemplateSchema:
    sections = tuple(replace(s, fields=tuple(change(f) for f in s.fields)) for s in schema.sections)
    return replace(schema, sections=sections)


def _map_columns(schema: TemplateSchema, table_name: str, change) -> TemplateSchema:
    tables = tuple(
        replace(t, columns=tuple(change(c) for c in t.columns)) if t.name == table_name else t for t in schema.tables
    )
    return replace(schema, tables=tables)


def _with_columns(schema: TemplateSchema, table_name: str, columns: Sequence[Column]) -> TemplateSchema:
    tables = tuple(replace(t, columns=tuple(columns)) if t.name == table_name else t for t in schema.tables)
    return replace(schema, tables=tables)


def _with_section_fields(schema: TemplateSchema, title: str, fields: Sequence[Field]) -> TemplateSchema:
    sections = tuple(replace(s, fields=tuple(fields)) if s.title == title else s for s in schema.sections)
    return replace(schema, sections=sections)


def _section(schema: TemplateSchema, title: str) -> Section | None:
    return next((s for s in schema.sections if s.title == title), None)


def _shown(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, tuple):
        return ", ".join(map(str, value)) or "none"
    return repr(value) if isinstance(value, str) else str(value)


# -- the steps ----------------------------------------------------------------------------------------------------
#
# Each step has the same four parts: `check(after)` raises SchemaError (a reason, without the step's place) when the
# schema after the step does not have what the step made; `undo(after)` gives the schema before it; `move(...)`
# carries values forward; `describe()` says it in words for the changelog and the docs.


@dataclass(frozen=True)
class AddField:
    """A new field, in `section` after the field `after` (None: first in the section). Older submissions get
    `default` (None: left blank)."""

    field: Field
    section: str
    after: str | None = None
    default: Value = None

    def check(self, after: TemplateSchema) -> None:
        _require_in_section(after, self.section, self.field.name, self.after)

    def undo(self, after: TemplateSchema) -> TemplateSchema:
        section = _section(after, self.section)
        return _with_section_fields(after, self.section, [f for f in section.fields if f.name != self.field.name])

    def move(self, fields: dict, tables: Rows, notes: list[str]) -> None:
        if self.default is not None and is_blank(fields.get(self.field.name)):
            fields[self.field.name] = self.default
        else:
            fields.setdefault(self.field.name, None)

    def describe(self) -> str:
        place = f"after `{self.after}`" if self.after else "first"
        default = f"; older reports take {_shown(self.default)}" if self.default is not None else ""
        return f"added field `{self.field.name}` ({self.field.label}, {self.field.type}) in {self.section}, {place}{default}"


@dataclass(frozen=True)
class AddColumn:
    """A new column of `table`, after the column `after` (None: first). Older rows get `default`."""

    table: str
    column: Column
    after: str | None = None
    default: Value = None

    def check(self, after: TemplateSchema) -> None:
        table = _require_table(after, self.table)
        keys = [c.key for c in table.columns]
        if self.column.key not in keys:
            raise SchemaError(f"table {self.table} has no column '{self.column.key}' after it")
        index = keys.index(self.column.key)
        before = keys[index - 1] if index else None
        if before != self.after:
            raise SchemaError(
                f"column '{self.column.key}' follows {_shown(before)} in {self.table}, not {_shown(self.after)}"
            )

    def undo(self, after: TemplateSchema) -> TemplateSchema:
        table = _table(after, self.table)
        return _with_columns(after, self.table, [c for c in table.columns if c.key != self.column.key])

    def move(self, fields: dict, tables: Rows, notes: list[str]) -> None:
        if self.column.formula is not None:
            return  # a calculated column: the workbook works it out, no row holds a value for it
        for row in tables.get(self.table, []):
            if is_blank(row.get(self.column.key)):
                row[self.column.key] = self.default

    def describe(self) -> str:
        place = f"after `{self.after}`" if self.after else "first"
        default = f"; older rows take {_shown(self.default)}" if self.default is not None else ""
        return f"added column {self.column.header!r} (`{self.column.key}`) to table {self.table}, {place}{default}"


@dataclass(frozen=True)
class RenameField:
    """A field's defined name changed; its value goes with it."""

    old: str
    new: str

    def check(self, after: TemplateSchema) -> None:
        if not _has_field(after, self.new):
            raise SchemaError(f"the field '{self.new}' it renames to is not there after it")
        if _has_field(after, self.old):
            raise SchemaError(f"it renames '{self.old}' to '{self.new}', but '{self.old}' still exists after it")

    def undo(self, after: TemplateSchema) -> TemplateSchema:
        undone = _map_fields(after, lambda f: replace(f, name=self.old) if f.name == self.new else f)
        return _map_fields(
            undone,
            lambda f: (
                replace(f, required_when=(self.old, f.required_when[1]))
                if f.required_when and f.required_when[0] == self.new
                else f
            ),
        )

    def move(self, fields: dict, tables: Rows, notes: list[str]) -> None:
        if self.old in fields:
            fields[self.new] = fields.pop(self.old)

    def describe(self) -> str:
        return f"renamed field `{self.old}` to `{self.new}`"


@dataclass(frozen=True)
class RenameColumn:
    """A table column's key (and, when given, its header) changed; its values go with it."""

    table: str
    old: str
    new: str
    header_before: str = ""

    def check(self, after: TemplateSchema) -> None:
        _require_table(after, self.table)
        if _column(after, self.table, self.new) is None:
            raise SchemaError(f"table {self.table} has no column '{self.new}' after it")
        if self.old != self.new and _column(after, self.table, self.old) is not None:
            raise SchemaError(f"it renames {self.table}[{self.old}] to '{self.new}', but '{self.old}' still exists")

    def undo(self, after: TemplateSchema) -> TemplateSchema:
        def back(column: Column) -> Column:
            if column.key != self.new:
                return column
            return replace(column, key=self.old, header=self.header_before or column.header)

        return _map_columns(after, self.table, back)

    def move(self, fields: dict, tables: Rows, notes: list[str]) -> None:
        if self.old == self.new:
            return
        for row in tables.get(self.table, []):
            if self.old in row:
                row[self.new] = row.pop(self.old)

    def describe(self) -> str:
        header = f" (header was {self.header_before!r})" if self.header_before else ""
        return f"renamed column {self.table}[`{self.old}`] to `{self.new}`{header}"


def _choices_of(definition: Field | Column) -> tuple[str, ...]:
    return definition.allowed


def _replace_choice(values: tuple[str, ...], old: str, new: str) -> tuple[str, ...]:
    return tuple(old if value == new else value for value in values)


@dataclass(frozen=True)
class RenameChoice:
    """One allowed value of a choice field or column (`target`: 'name' or 'Table[key]') renamed: stored and
    submitted values are the same choice under both names."""

    target: str
    old: str
    new: str

    def check(self, after: TemplateSchema) -> None:
        definition = _require_choice(after, self.target)
        if self.new not in _choices_of(definition):
            raise SchemaError(f"{self.target} does not allow '{self.new}' after it")
        if self.old in _choices_of(definition):
            raise SchemaError(f"it renames '{self.old}' of {self.target}, but '{self.old}' is still allowed")

    def undo(self, after: TemplateSchema) -> TemplateSchema:
        return _with_target(
            after, self.target, lambda d: replace(d, allowed=_replace_choice(d.allowed, self.old, self.new))
        )

    def move(self, fields: dict, tables: Rows, notes: list[str]) -> None:
        _remap_values(self.target, fields, tables, {self.old: self.new})

    def describe(self) -> str:
        return f"renamed choice {self.old!r} of {self.target} to {self.new!r}"


@dataclass(frozen=True)
class RemapChoices:
    """The allowed values of a choice changed from `before` to `after`; `mapping` says what each old value that is
    not itself allowed after becomes. Several old values onto one new merge them; `splits` names an old value that
    became several (old, the new ones): `mapping` gives the one an old value takes, since which was meant cannot be
    told, and each such value moved is noted."""

    target: str
    before: tuple[str, ...]
    after: tuple[str, ...]
    mapping: tuple[tuple[str, str], ...]
    splits: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def check(self, after: TemplateSchema) -> None:
        definition = _require_choice(after, self.target)
        if tuple(_choices_of(definition)) != tuple(self.after):
            raise SchemaError(
                f"{self.target} allows {_shown(_choices_of(definition))} after it, not {_shown(self.after)}"
            )
        mapped = dict(self.mapping)
        for old in self.before:
            if old not in self.after and old not in mapped:
                raise SchemaError(f"'{old}' of {self.target} is no longer allowed and the mapping does not place it")
        for old, new in self.mapping:
            if old not in self.before or new not in self.after:
                raise SchemaError(f"the mapping {old!r} -> {new!r} of {self.target} is not from before to after")
        for old, news in self.splits:
            if mapped.get(old) not in news:
                raise SchemaError(f"the split of {old!r} in {self.target} does not say which value it takes")

    def undo(self, after: TemplateSchema) -> TemplateSchema:
        return _with_target(after, self.target, lambda d: replace(d, allowed=tuple(self.before)))

    def move(self, fields: dict, tables: Rows, notes: list[str]) -> None:
        ambiguous = {old: news for old, news in self.splits}
        moved = _remap_values(self.target, fields, tables, dict(self.mapping))
        for where, old, new in moved:
            if old in ambiguous:
                others = " or ".join(repr(n) for n in ambiguous[old] if n != new)
                notes.append(f"{where}: {old!r} was split; it became {new!r} (it could also be {others})")

    def describe(self) -> str:
        parts = []
        merged: dict[str, list[str]] = {}
        for old, new in self.mapping:
            merged.setdefault(new, []).append(old)
        split_of = dict(self.splits)
        for old, new in self.mapping:
            if old in split_of:
                parts.append(f"{old!r} split into {' and '.join(map(repr, split_of[old]))} (old values take {new!r})")
        for new, olds in merged.items():
            olds = [old for old in olds if old not in split_of]
            if len(olds) > 1 or (olds and new in self.before):
                parts.append(f"{' and '.join(map(repr, olds))} merged into {new!r}")
            elif olds:
                parts.append(f"{olds[0]!r} became {new!r}")
        return f"choices of {self.target}: " + "; ".join(parts)


@dataclass(frozen=True)
class SplitColumn:
    """One table column became several (`into`, standing where it stood): each value is split at `separator`, the
    parts going to `into` in order; a value that does not split into exactly that many parts (or is no text) goes
    whole to the column `unsplit`, and is noted. `column` is the old definition."""

    table: str
    column: Column
    into: tuple[Column, ...]
    separator: str
    unsplit: str

    def check(self, after: TemplateSchema) -> None:
        table = _require_table(after, self.table)
        keys = [c.key for c in table.columns]
        wanted = [c.key for c in self.into]
        if len(wanted) < 2:
            raise SchemaError(f"a split of {self.table}[{self.column.key}] needs two columns or more")
        if self.unsplit not in wanted:
            raise SchemaError(f"'{self.unsplit}', where an unsplit value goes, is not one of {', '.join(wanted)}")
        missing = [key for key in wanted if key not in keys]
        if missing:
            raise SchemaError(f"table {self.table} has no column {', '.join(map(repr, missing))} after it")
        start = keys.index(wanted[0])
        if keys[start : start + len(wanted)] != wanted:
            raise SchemaError(f"the columns {', '.join(wanted)} of {self.table} are not side by side, in that order")
        if self.column.key in keys and self.column.key not in wanted:
            raise SchemaError(f"it splits {self.table}[{self.column.key}], but that column still exists after it")

    def undo(self, after: TemplateSchema) -> TemplateSchema:
        table = _table(after, self.table)
        wanted = {c.key for c in self.into}
        columns: list[Column] = []
        for column in table.columns:
            if column.key in wanted:
                if column.key == self.into[0].key:
                    columns.append(self.column)
                continue
            columns.append(column)
        return _with_columns(after, self.table, columns)

    def move(self, fields: dict, tables: Rows, notes: list[str]) -> None:
        keys = [c.key for c in self.into]
        for index, row in enumerate(tables.get(self.table, [])):
            if self.column.key not in row:
                continue
            value = row.pop(self.column.key)
            parts = value.split(self.separator, len(keys) - 1) if isinstance(value, str) else []
            if len(parts) == len(keys) and all(part.strip() for part in parts):
                row.update({key: part.strip() for key, part in zip(keys, parts, strict=True)})
                continue
            row.update(dict.fromkeys(keys))
            row[self.unsplit] = value
            if not is_blank(value):
                item = row.get("id") or f"row {index + 1}"
                notes.append(
                    f"{self.table} {item}: {self.column.key} {value!r} has no {self.separator!r} to split at; "
                    f"it went whole to {self.unsplit}"
                )

    def describe(self) -> str:
        into = " and ".join(f"{c.header!r} (`{c.key}`)" for c in self.into)
        return (
            f"split column {self.table}[`{self.column.key}`] at {self.separator!r} into {into}; a value without it "
            f"goes to `{self.unsplit}`"
        )


@dataclass(frozen=True)
class RetireField:
    """A field no longer asked for. `field` is its old definition, which sat in `section` after `after`: older
    workbooks are read with it, and its value in them is noted when it is moved past this version."""

    field: Field
    section: str
    after: str | None = None

    def check(self, after: TemplateSchema) -> None:
        if _has_field(after, self.field.name):
            raise SchemaError(f"it retires '{self.field.name}', but the field still exists after it")
        section = _section(after, self.section)
        if section is None:
            raise SchemaError(f"there is no section {self.section!r} after it")
        if self.after is not None and self.after not in {f.name for f in section.fields}:
            raise SchemaError(f"the field '{self.after}' it sat after is not in {self.section!r}")

    def undo(self, after: TemplateSchema) -> TemplateSchema:
        section = _section(after, self.section)
        fields = list(section.fields)
        index = 0 if self.after is None else [f.name for f in fields].index(self.after) + 1
        fields.insert(index, self.field)
        return _with_section_fields(after, self.section, fields)

    def move(self, fields: dict, tables: Rows, notes: list[str]) -> None:
        value = fields.pop(self.field.name, None)
        if not is_blank(value):
            notes.append(f"{self.field.name}: retired; its value {value!r} stays in the file, not in the report")

    def describe(self) -> str:
        return f"retired field `{self.field.name}` ({self.field.label}) from {self.section}"


_RULE_ATTRIBUTES = ("required", "minimum", "maximum", "allowed", "required_when", "default", "locked", "type")
_LABEL_ATTRIBUTES = ("label", "unit", "help", "header", "title", "text")


@dataclass(frozen=True)
class _AttributeChange:
    """One attribute of a field, column or table changed, moving no value: the kinds below differ only in which
    attributes they may name (`allowed`, what to call them) and how they say it."""

    target: str
    attribute: str
    before: object
    after: object

    allowed: ClassVar[tuple[str, ...]] = ()
    called: ClassVar[str] = ""

    def check(self, after: TemplateSchema) -> None:
        if self.attribute not in self.allowed:
            raise SchemaError(f"'{self.attribute}' is not a {self.called}; use one of {', '.join(self.allowed)}")
        _require_attribute(after, self.target, self.attribute, self.after)

    def undo(self, after: TemplateSchema) -> TemplateSchema:
        return _with_target(after, self.target, lambda d: replace(d, **{self.attribute: self.before}))

    def move(self, fields: dict, tables: Rows, notes: list[str]) -> None:
        return None


@dataclass(frozen=True)
class ChangeRule(_AttributeChange):
    """A rule of a field or column changed (`attribute` one of required, minimum, maximum, allowed, required_when,
    default, locked, type). Values are not moved: a report is judged by its own version's rule."""

    allowed: ClassVar[tuple[str, ...]] = _RULE_ATTRIBUTES
    called: ClassVar[str] = "rule"

    def describe(self) -> str:
        return f"rule of {self.target}: {self.attribute} {_shown(self.before)} -> {_shown(self.after)}"


@dataclass(frozen=True)
class Relabel(_AttributeChange):
    """Words changed, not meaning: a field's label, unit or help, a column's header or help, a table's title
    ('table:Name'), an instruction's text ('instruction:Heading'). Values are not moved."""

    allowed: ClassVar[tuple[str, ...]] = _LABEL_ATTRIBUTES
    called: ClassVar[str] = "label"

    def check(self, after: TemplateSchema) -> None:
        if not self.target.startswith(INSTRUCTION):
            return super().check(after)
        heading = self.target.removeprefix(INSTRUCTION)
        texts = dict(after.instructions)
        if heading not in texts:
            raise SchemaError(f"there is no instruction {heading!r} after it")
        if texts[heading] != self.after:
            raise SchemaError(f"the instruction {heading!r} does not read as the step says after it")
        return None

    def undo(self, after: TemplateSchema) -> TemplateSchema:
        if not self.target.startswith(INSTRUCTION):
            return super().undo(after)
        heading = self.target.removeprefix(INSTRUCTION)
        instructions = tuple((h, self.before if h == heading else t) for h, t in after.instructions)
        return replace(after, instructions=instructions)

    def describe(self) -> str:
        if self.target.startswith(INSTRUCTION):
            return f"reworded the instruction {self.target.removeprefix(INSTRUCTION)!r}"
        return f"{self.attribute} of {self.target}: {self.before!r} -> {self.after!r}"


@dataclass(frozen=True)
class AddInstruction:
    """A new instruction on the Instructions sheet (`heading`, `text`), after the instruction `after` (None:
    first). Values are not moved."""

    heading: str
    text: str
    after: str | None = None

    def check(self, after: TemplateSchema) -> None:
        headings = [heading for heading, _text in after.instructions]
        if self.heading not in headings:
            raise SchemaError(f"there is no instruction {self.heading!r} after it")
        if dict(after.instructions)[self.heading] != self.text:
            raise SchemaError(f"the instruction {self.heading!r} does not read as the step says after it")
        index = headings.index(self.heading)
        before = headings[index - 1] if index else None
        if before != self.after:
            raise SchemaError(f"the instruction {self.heading!r} follows {_shown(before)}, not {_shown(self.after)}")

    def undo(self, after: TemplateSchema) -> TemplateSchema:
        return replace(after, instructions=tuple((h, t) for h, t in after.instructions if h != self.heading))

    def move(self, fields: dict, tables: Rows, notes: list[str]) -> None:
        return None

    def describe(self) -> str:
        place = f"after {self.after!r}" if self.after else "first"
        return f"added the instruction {self.heading!r}, {place}"


@dataclass(frozen=True)
class AddCheck:
    """A new live check (schema.Check): the collector applies it, and the sheet shows it beside its field.
    Values are not moved; a report of an earlier version is judged without it."""

    rule: Check

    def check(self, after: TemplateSchema) -> None:
        if self.rule not in after.checks:
            found = next((c for c in after.checks if c.name == self.rule.name), None)
            raise SchemaError(
                f"there is no check '{self.rule.name}' after it"
                if found is None
                else f"the check '{self.rule.name}' does not read as the step says after it"
            )

    def undo(self, after: TemplateSchema) -> TemplateSchema:
        return replace(after, checks=tuple(c for c in after.checks if c.name != self.rule.name))

    def move(self, fields: dict, tables: Rows, notes: list[str]) -> None:
        return None

    def describe(self) -> str:
        return f"added the live check `{self.rule.name}` on `{self.rule.target}` ({self.rule.severity})"


@dataclass(frozen=True)
class RetireCheck:
    """A live check no longer made (its field retired, say). `rule` is its old declaration, which followed the
    check named `after` (None: the first): a report of an earlier version is still judged by it."""

    rule: Check
    after: str | None = None

    def check(self, after: TemplateSchema) -> None:
        names = [c.name for c in after.checks]
        if self.rule.name in names:
            raise SchemaError(f"it retires the check '{self.rule.name}', but the check still exists after it")
        if self.after is not None and self.after not in names:
            raise SchemaError(f"the check '{self.after}' it followed is not there after it")

    def undo(self, after: TemplateSchema) -> TemplateSchema:
        checks = list(after.checks)
        index = 0 if self.after is None else [c.name for c in checks].index(self.after) + 1
        checks.insert(index, self.rule)
        return replace(after, checks=tuple(checks))

    def move(self, fields: dict, tables: Rows, notes: list[str]) -> None:
        return None

    def describe(self) -> str:
        return f"retired the live check `{self.rule.name}` on `{self.rule.target}`"


@dataclass(frozen=True)
class AddStampedTable:
    """A new read-only table the PMO stamps at generation (schema.TemplateSchema.stamped), after the stamped table
    `after` (None: the first). The collector never reads it, so no value moves and older reports lack nothing."""

    table: Table
    after: str | None = None

    def check(self, after: TemplateSchema) -> None:
        names = [t.name for t in after.stamped]
        if self.table.name not in names:
            raise SchemaError(f"there is no stamped table {self.table.name} after it")
        if after.stamped[names.index(self.table.name)] != self.table:
            raise SchemaError(f"the stamped table {self.table.name} does not read as the step says after it")
        index = names.index(self.table.name)
        before = names[index - 1] if index else None
        if before != self.after:
            raise SchemaError(f"the stamped table {self.table.name} follows {_shown(before)}, not {_shown(self.after)}")

    def undo(self, after: TemplateSchema) -> TemplateSchema:
        return replace(after, stamped=tuple(t for t in after.stamped if t.name != self.table.name))

    def move(self, fields: dict, tables: Rows, notes: list[str]) -> None:
        return None

    def describe(self) -> str:
        return (
            f"added the read-only table {self.table.name} ({self.table.title}) on the {self.table.sheet} sheet, "
            "stamped by the PMO at generation and never read back"
        )


_LOOK_ATTRIBUTES = ("row_height", "width")


@dataclass(frozen=True)
class Restyle(_AttributeChange):
    """Looks changed, not meaning: a table's body row height ('table:Name', `row_height`) or a column's width.
    Values are not moved."""

    allowed: ClassVar[tuple[str, ...]] = _LOOK_ATTRIBUTES
    called: ClassVar[str] = "look"

    def describe(self) -> str:
        return f"{self.attribute} of {self.target}: {_shown(self.before)} -> {_shown(self.after)}"


Step = (
    AddField | AddColumn | RenameField | RenameColumn | RenameChoice | RemapChoices | SplitColumn | RetireField
    | ChangeRule | Relabel | AddInstruction | Restyle | AddCheck | RetireCheck | AddStampedTable
)  # fmt: skip


@dataclass(frozen=True)
class Migration:
    """From one version of a template to the next: the steps in the order they were made."""

    template_id: str
    from_version: str
    to_version: str
    summary: str
    steps: tuple[Step, ...]

    @property
    def label(self) -> str:
        return f"{self.template_id} {self.from_version} -> {self.to_version}"


# -- checks the steps share ---------------------------------------------------------------------------------------


def _require_table(schema: TemplateSchema, name: str) -> Table:
    table = _table(schema, name)
    if table is None:
        raise SchemaError(f"there is no table {name} after it")
    return table


def _require_in_section(schema: TemplateSchema, title: str, name: str, after: str | None) -> None:
    section = _section(schema, title)
    if section is None:
        raise SchemaError(f"there is no section {title!r} after it")
    names = [f.name for f in section.fields]
    if name not in names:
        raise SchemaError(f"the field '{name}' is not in section {title!r} after it")
    index = names.index(name)
    before = names[index - 1] if index else None
    if before != after:
        raise SchemaError(f"'{name}' follows {_shown(before)} in {title!r}, not {_shown(after)}")


def _require_choice(schema: TemplateSchema, target: str) -> Field | Column:
    definition = _target_def(schema, target)
    if definition is None or isinstance(definition, Table):
        raise SchemaError(f"there is no field or column {target} after it")
    if definition.type != "choice":
        raise SchemaError(f"{target} is a {definition.type}, not a choice")
    return definition


def _require_attribute(schema: TemplateSchema, target: str, attribute: str, expected: object) -> None:
    definition = _target_def(schema, target)
    if definition is None:
        raise SchemaError(f"there is no {target} after it")
    if not hasattr(definition, attribute):
        raise SchemaError(f"{target} has no {attribute}")
    if getattr(definition, attribute) != expected:
        raise SchemaError(
            f"{target}'s {attribute} is {_shown(getattr(definition, attribute))} after it, not {_shown(expected)}"
        )


def _remap_values(target: str, fields: dict, tables: Rows, mapping: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """Replace the values of `target` found in `mapping`; returns (where, old, new) for each value moved."""
    moved = []
    name, key = _split_target(target)
    if key is None:
        value = fields.get(name)
        if isinstance(value, str) and value in mapping:
            fields[name] = mapping[value]
            moved.append((name, value, mapping[value]))
        return moved
    for index, row in enumerate(tables.get(name, [])):
        value = row.get(key)
        if isinstance(value, str) and value in mapping:
            row[key] = mapping[value]
            moved.append((f"{name} {row.get('id') or f'row {index + 1}'} {key}", value, mapping[value]))
    return moved
