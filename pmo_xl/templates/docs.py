"""The field reference and the version history in docs/templates.md, generated from the declared schemas and
their migrations (never written by hand)."""

from __future__ import annotations

from pathlib import Path

from pmo_xl.excel.files import write_bytes_atomic
from pmo_xl.templates.catalog import SCHEMAS
from pmo_xl.templates.checks import bounds
from pmo_xl.templates.schema import Field, Table, TemplateSchema
from pmo_xl.templates.versions import changelog

# Relative to where `pmo templates docs` runs: the repository's docs folder. Never inside the installed package.
DOCS_PATH = Path("docs") / "templates.md"
BEGIN = "<!-- BEGIN GENERATED FIELD REFERENCE: `pmo templates docs` rewrites this part -->"
END = "<!-- END GENERATED FIELD REFERENCE -->"
VERSIONS_BEGIN = "<!-- BEGIN GENERATED VERSIONS: `pmo templates docs` rewrites this part -->"
VERSIONS_END = "<!-- END GENERATED VERSIONS -->"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _allowed(f: Field | object) -> str:
    choices = f.choices
    if choices:
        return ", ".join(choices)
    bounds = []
    if f.minimum is not None:
        bounds.append(f">= {f.minimum:g}")
    if f.maximum is not None:
        bounds.append(f"<= {f.maximum:g}")
    return " and ".join(bounds)


def _required(f: Field) -> str:
    if f.formula:
        return "calculated"
    if f.required_when:
        other, values = f.required_when
        return f"when {other} is {' or '.join(values)}"
    return "yes" if f.required else ""


def _table_section(table: Table) -> list[str]:
    lines = [
        f"#### Table `{table.name}` (sheet {table.sheet}, {table.rows} pre-sized rows"
        + (f", ids `{table.row_id(0)}`...)" if table.id_prefix else ")"),
        "",
        table.help or table.title,
        "",
        "| header | key | type | required | allowed | help |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for column in table.columns:
        required = "calculated" if column.formula else ("yes" if column.required else "")
        lines.append(
            f"| {_cell(column.header)} | `{column.key}` | {column.type} | {required} | {_cell(_allowed(column))} | "
            f"{_cell(column.help)} |"
        )
    if table.month_series:
        series = table.month_series
        lines.append(
            f"| `YYYY-MM` x {series.count} | month | {series.type} ({series.unit}) | | >= {series.minimum:g} | "
            f"calendar months from the reporting period on. {_cell(series.help)} |"
        )
    return [*lines, ""]


def schema_reference(schema: TemplateSchema) -> list[str]:
    lines = [
        f"### `{schema.template_id}` v{schema.version}: {schema.title}",
        "",
        "| defined name | label | type | required | allowed | unit | locked | help |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for f in schema.fields:
        unit = f.unit or ("money unit and currency" if f.type == "currency" else "")
        locked = "PMO" if f.locked else ("formula" if f.formula else "")
        lines.append(
            f"| `{f.name}` | {_cell(f.label)} | {f.type} | {_required(f)} | {_cell(_allowed(f))} | {unit} | "
            f"{locked} | {_cell(f.help)} |"
        )
    lines.append("")
    lines += _checks_section(schema)
    for table in schema.tables:
        lines += _table_section(table)
    for table in schema.stamped:
        section = _table_section(table)
        note = (
            "Read-only: the PMO stamps it at generation (`pmo generate --ledger`), every cell locked; the collector "
            "never reads it, so it is not part of the report and no rule judges it."
        )
        lines += [*section[:1], "", note, *section[1:]]
    return lines


_CHECK_RULES = {
    "required": "`{target}` is empty (spaces and line breaks only)",
    "is_number": "`{target}` holds text",
    "in_range": "`{target}` is a number outside {bounds}",
    "is_date": "`{target}` holds text",
    "allowed": "`{target}` holds none of its choices (case aside, nothing trimmed)",
    "required_when": "`{target}` is empty while its own rule asks for it",
    "explained_when_later": "`{target}` is empty while `{subject}` is after `{other}`",
    "not_below": "`{target}` is below `{other}`",
    "changed": "`{target}` equals `{other}`",
}


def _checks_section(schema: TemplateSchema) -> list[str]:
    """The live checks: what the sheet's Check column shows and the collector finds, under one name."""
    if not schema.checks:
        return []
    lines = [
        "#### Live checks",
        "",
        "Each check is a formula in the Summary sheet's Check column beside its field, and the same rule in the "
        "collector: its name is the finding's code. An error returns the report; a warning accepts it with a note. "
        "A check against last period passes when last period's value is blank (a first report).",
        "",
        "| check | severity | fails when | the sheet shows | message | fix |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for check in schema.checks:
        low, high = bounds(schema.field(check.target))
        shown = "1990-01-01 to 2100-12-31" if schema.field(check.target).type == "date" else f"{low:g} to {high:g}"
        rule = _CHECK_RULES[check.kind].format(target=check.target, subject=check.subject, other=check.other,
                                               bounds=shown)  # fmt: skip
        if check.below is not None:
            rule += f" (while below {check.below:g})"
        lines.append(
            f"| `{check.name}` | {check.severity} | {rule} | {_cell(check.shown)} | {_cell(check.message)} | "
            f"{_cell(check.fix)} |"
        )
    return [*lines, ""]


def generated_reference() -> str:
    lines = [BEGIN, ""]
    for schema in SCHEMAS.values():
        lines += schema_reference(schema)
    lines.append(END)
    return "\n".join(lines)


def generated_versions() -> str:
    """Each template's versions and the steps between them, from pmo_xl.templates.migrations."""
    lines = [
        VERSIONS_BEGIN,
        "",
        "Collect reads a workbook of any version listed here in its own shape, judges it by that version's rules and "
        "moves its values to the current version through these steps (`pmo templates changelog` prints the same).",
        "",
    ]
    for template_id in SCHEMAS:
        history = changelog(template_id)
        lines += [f"### `{template_id}`", "", history[0].split(": ", 1)[1].capitalize() + ".", ""]
        for line in history[1:]:
            text = line.strip()
            lines.append(f"- {text}" if not text.startswith("- ") else f"  {text}")
        lines.append("")
    lines.append(VERSIONS_END)
    return "\n".join(lines)


def _replaced(current: str, begin: str, end: str, generated: str, heading: str) -> str:
    if begin in current and end in current:
        head, _, rest = current.partition(begin)
        _, _, tail = rest.partition(end)
        return head + generated + tail
    return current.rstrip() + "\n\n" + heading + generated + "\n"


def render_template_docs(current: str) -> str:
    """`current` with its generated parts replaced (or appended if it has none)."""
    current = _replaced(current, BEGIN, END, generated_reference(), "")
    return _replaced(current, VERSIONS_BEGIN, VERSIONS_END, generated_versions(), "## Versions\n\n")


def write_template_docs(path: Path = DOCS_PATH) -> Path:
    current = Path(path).read_text(encoding="utf-8") if Path(path).exists() else "# Templates\n"
    return write_bytes_atomic(path, render_template_docs(current).encode("utf-8"))
