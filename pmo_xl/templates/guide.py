"""The PM's printable guide to a template: one self-contained HTML page, made from the schema (`pmo templates guide`).

A PM on their first report gets it with the send-out (pmo_xl.generate.sendout). It says, for each cell and table
column the PM fills, grouped as the workbook groups them: its label, its help text, an example value and the rules
`pmo collect` applies, in words. Everything comes from the declaration (fields, columns, `schema.checks`), so the
guide, the workbook, the collector and docs/templates.md say the same thing. The page loads nothing (no script, no
font, no link): it prints on one A4 sheet and opens offline, from an e-mail attachment.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from pmo_xl.templates.checks import ROW_CHECK_KEY
from pmo_xl.templates.schema import VALUE_KINDS, Check, Column, Field, Section, Table, TemplateSchema

# Example values a type cannot give (free text), declared once: by field name, or by 'Table[column key]'.
EXAMPLES: dict[str, str] = {
    "key_achievements": "Pilot site live; data migration tested.",
    "rag_overall_rationale": "Go-live 3 weeks late: test system late.",
    "rag_overall_path_to_green": "Supplier fixes it by 15 March (A. Ruiz).",
    "NextSteps[step]": "Sign test plan",
    "NextSteps[owner]": "Ana Ruiz",
    "Decisions[decision]": "Second supplier?",
    "Decisions[owner]": "Steering board",
    "Milestones[name]": "Pilot site live",
    "Milestones[comment]": "Supplier fix due",
    "RAID[description]": "Tester leaves",
    "RAID[owner]": "Tom Becker",
    "RAID[response]": "Train a backup",
    "ChangeRequests[description]": "Add a site",
    "ChangeRequests[scope_impact]": "One more site",
    "Benefits[benefit]": "Fewer disputes",
    "Benefits[owner]": "Head of finance",
    "Benefits[measure]": "per month",
    "ResourceDemand[person]": "Tom Becker",
    "ResourceEstimate[person]": "Tom Becker",
    "project_name": "Self-service invoicing portal",
    "requester": "Ana Ruiz",
    "requester_email": "ana.ruiz@example.org",
    "sponsor": "Head of finance",
    "department": "Finance",
    "problem_statement": "Customers wait 10 days for a corrected invoice.",
    "objectives": "Corrected invoices within 1 day.",
    "strategic_alignment": "Customer experience, objective 2.",
    "do_nothing": "Disputes keep growing; 2 more clerks needed.",
    "RequesterScores[justification]": "Serves objective 2 directly.",
    "Dependencies[depends_on]": "ERP upgrade",
    "Dependencies[description]": "Needs the new invoice API",
    "KeyRisks[risk]": "Supplier capacity",
    "KeyRisks[mitigation]": "Second supplier on standby",
}
_TYPE_EXAMPLES = {"date": "2027-03-31", "percent": "65%", "number": "12.5", "integer": "3", "currency": "1250"}
# How a check's finding reads for the PM, by its severity.
SEVERITY_WORDS = {"error": "Returned if", "warning": "Please check if"}

_STYLE = """
@page { size: A4; margin: 7mm 8mm; }
* { box-sizing: border-box; }
body { font: 6pt/1.12 "Segoe UI", Arial, Helvetica, sans-serif; color: #111; margin: 0; }
header { border-bottom: 1.5pt solid #1f4e79; margin-bottom: 2mm; padding-bottom: 1mm; }
h1 { font-size: 11pt; margin: 0; color: #1f4e79; }
header p { margin: 0.6mm 0 0; }
.columns { column-count: 2; column-gap: 5mm; }
h2 { font-size: 7.4pt; margin: 1.2mm 0 0.4mm; color: #fff; background: #1f4e79; padding: 0.3mm 1mm;
     break-after: avoid; }
h3 { font-size: 6.8pt; margin: 0.9mm 0 0.2mm; color: #1f4e79; break-after: avoid; }
p.note { margin: 0 0 0.5mm; color: #444; }
table { border-collapse: collapse; width: 100%; }
tr { break-inside: avoid; }
td { vertical-align: top; padding: 0.25mm 0.8mm; border-bottom: 0.4pt solid #ccc; }
td.label, .label { width: 22%; font-weight: 600; }
td.example, .example { width: 19%; color: #1f4e79; font-style: italic; overflow-wrap: anywhere; }
table.grid td { width: 33%; }
.rule { color: #555; }
.check { color: #7a3e00; }
table.forms { margin-top: 0.8mm; background: #f2f5f9; }
table.forms td { width: 25%; border: 0; padding: 0.6mm 1mm; }
.other { break-inside: avoid; }
.other p { margin: 0 0 0.4mm; }
"""


def example_value(item: Field | Column, table: Table | None = None) -> str:
    """A value a PM could type: declared for free text (EXAMPLES), else from the type and its allowed values."""
    key = f"{table.name}[{item.key}]" if table is not None and isinstance(item, Column) else item.name
    if key in EXAMPLES:
        return EXAMPLES[key]
    if item.choices:
        return item.choices[0]
    example = _TYPE_EXAMPLES.get(item.type, "")
    return example


def _amount(value: float, item: Field | Column) -> str:
    return f"{value * 100:g}%" if item.type == "percent" else f"{value:g}"


def _rules(item: Field | Column, schema: TemplateSchema, in_table: bool, checks: Sequence[Check] = ()) -> list[str]:
    """The collector's rules for one input, in words; a rule one of its `checks` states is left to the check."""
    kinds = {getattr(check, "kind", "") for check in checks}
    rules = []
    if item.required:
        rules.append("Required.")
    if isinstance(item, Field) and item.required_when and "required_when" not in kinds:
        other, values = item.required_when
        rules.append(f"Required when {schema.field(other).label} is {' or '.join(values)}.")
    if item.choices:
        rules.append(f"List: {', '.join(item.choices)}.")
    elif item.minimum is not None and item.maximum is not None:
        rules.append(f"From {_amount(item.minimum, item)} to {_amount(item.maximum, item)}.")
    elif item.minimum is not None:
        rules.append(f"At least {_amount(item.minimum, item)}.")
    elif item.maximum is not None:
        rules.append(f"At most {_amount(item.maximum, item)}.")
    if item.type == "integer" and not item.choices:
        rules.append("A whole number.")
    if item.type == "currency":
        rules.append("In the sheet's currency and unit ('Amounts in').")
    if item.moves and "changed" not in kinds:
        rules.append("Should move each period.")
    return rules


def _check_words(check: Check) -> str:
    message = check.message.rstrip()
    ending = "" if message.endswith((".", "?", "!")) else "."
    return f"{SEVERITY_WORDS.get(check.severity, check.severity)}: {message}{ending} Fix: {check.fix}"


def _notes(rules: Iterable[str], checks: Iterable[Check]) -> str:
    html = "".join(f' <span class="rule">{escape(rule)}</span>' for rule in rules)
    return html + "".join(f' <span class="check">{escape(_check_words(check))}</span>' for check in checks)


def _row(label: str, help_text: str, rules: Iterable[str], checks: Iterable[Check], example: str) -> str:
    return (
        f'<tr><td class="label">{escape(label)}</td><td>{escape(help_text)}{_notes(rules, checks)}</td>'
        f'<td class="example">{escape(example)}</td></tr>'
    )


def _set_by_pmo(labels: list[str]) -> str:
    return f'<p class="note">Set by the PMO or calculated: {escape(", ".join(labels))}.</p>' if labels else ""


def _section_html(section: Section, schema: TemplateSchema, checks: dict[str, list[Check]]) -> str:
    inputs = [f for f in section.fields if f.is_input]
    if not inputs:
        return ""
    # Last period's values (`previous_of`) sit on a hidden sheet: the PM never sees them.
    shown = [f.label for f in section.fields if not f.is_input and not getattr(f, "previous_of", None)]
    head = f"<h3>{escape(section.title)}</h3>" + _set_by_pmo(shown)
    if section.layout == "grid":
        return head + _grid_html(inputs, schema, checks)
    rows = []
    for f in inputs:
        own = checks.pop(f.name, [])
        rows.append(_row(f.label, f.help, _rules(f, schema, False, own), own, example_value(f)))
    return head + "<table>" + "".join(rows) + "</table>"


def _grid_html(inputs: list[Field], schema: TemplateSchema, checks: dict[str, list[Check]]) -> str:
    """The RAG grid as the sheet lays it out: a row per dimension, its RAG then the fields that depend on it."""
    rows: list[list[Field]] = []
    for f in inputs:
        if f.required_when is None or not rows:
            rows.append([f])
        else:
            rows[-1].append(f)
    width = max(len(row) for row in rows)
    cells = [
        "<tr>" + "".join(_grid_cell(f, schema, checks) for f in row) + "<td></td>" * (width - len(row)) + "</tr>"
        for row in rows
    ]
    return '<table class="grid">' + "".join(cells) + "</table>"


def _grid_cell(f: Field, schema: TemplateSchema, checks: dict[str, list[Check]]) -> str:
    example = example_value(f)
    shown = f' <span class="example">e.g. {escape(example)}</span>' if example else ""
    own = checks.pop(f.name, [])
    notes = _notes(_rules(f, schema, False, own), own)
    return f'<td><span class="label">{escape(f.label)}</span> {escape(f.help)}{notes}{shown}</td>'


def _table_html(table: Table, schema: TemplateSchema, checks: dict[str, list[Check]]) -> str:
    inputs = [column for column in table.columns if column.formula is None and not column.locked]
    ids = f", IDs {table.row_id(0)}, {table.row_id(1)}..." if table.id_prefix else ""
    parts = [f"<h3>{escape(table.title)} (table {escape(table.name)}{escape(ids)})</h3>"]
    if table.help:
        parts.append(f'<p class="note">{escape(table.help)}</p>')
    # the rows' Check column is told once, with the Summary's (its words are the rules listed here)
    shown = [c.header for c in table.columns if c not in inputs and c.key not in ("id", ROW_CHECK_KEY)]
    parts.append(_set_by_pmo(shown))
    rows = []
    for column in inputs:
        own = checks.pop(f"{table.name}[{column.key}]", [])
        rows.append(_row(column.header, column.help, _rules(column, schema, True, own), own,
                         example_value(column, table)))  # fmt: skip
    if table.month_series:
        series = table.month_series
        rules = [f"At least {series.minimum:g}." if series.minimum is not None else "", f"In {series.unit}."]
        rows.append(_row(f"YYYY-MM (x {series.count})", f"One column per calendar month from the reporting period on. "
                         f"{series.help}", [rule for rule in rules if rule], [], "0.5"))  # fmt: skip
    return "".join(parts) + "<table>" + "".join(rows) + "</table>"


_VALUE_FORMS = (
    ("Dates", "Type a date such as 2027-03-31; 31/03/2027 is read too (only one reading). 03/12/2027 could be 3 "
     "December or 12 March and is returned: write 2027-12-03."),
    ("Percentages", "Type 65% (or 0.65). 65 is read as 65%. 1 or 1.5 without a % sign could be 1% or 100% and is "
     "returned: type the % sign."),
    ("Numbers", "Digits only, a dot for decimals (1250.5): 1.200,50 or 1,200 could be read two ways and is returned."),
    ("Choices", "Pick from the cell's list; amber is read as Amber, anything not on the list is returned."),
)  # fmt: skip


def template_guide_html(schema: TemplateSchema) -> str:
    """The guide to `schema` as one self-contained HTML page, every text escaped."""
    checks: dict[str, list[Check]] = {}
    for check in schema.checks:
        if check.kind not in VALUE_KINDS:  # a value check restates its cell's rules: said once, below
            checks.setdefault(check.target, []).append(check)
    # The main sheet's sections down to its grid (the RAG) span the page: a grid needs the width.
    grids = [index for index, section in enumerate(schema.sections) if section.layout == "grid"]
    wide = schema.sections[: grids[-1] + 1] if grids else ()
    top = [f"<h2>Sheet {escape(schema.main_sheet)}</h2>"] + [_section_html(s, schema, checks) for s in wide]
    flowing = [_section_html(section, schema, checks) for section in schema.sections[len(wide) :]]
    if not wide:
        flowing, top = top + flowing, []
    sheet = schema.main_sheet
    for table in schema.tables:
        if table.sheet != sheet:
            sheet = table.sheet
            flowing.append(f"<h2>Sheet {escape(sheet)}</h2>")
        flowing.append(_table_html(table, schema, checks))
    forms = "".join(f"<td><strong>{escape(name)}.</strong> {escape(text)}</td>" for name, text in _VALUE_FORMS)
    # A check on a target no sheet above shows is still the PM's to know.
    other = "".join(f"<p>{escape(_check_words(check))}</p>" for found in checks.values() for check in found)
    title = f"{schema.title}: how to fill it in"
    intro = [
        "Fill the yellow cells; grey cells are set by the PMO. Keep the file name, sheets and tables, and send the "
        "saved file back as it is."
    ]
    if any(table.id_prefix for table in schema.tables):
        intro.append("In a table, each row keeps its ID: use the next blank row for a new item (a row with nothing "
                     "but its ID is ignored).")  # fmt: skip
    if any(item.moves for item in (*schema.fields, *(c for t in schema.tables for c in t.columns))):
        intro.append("A figure that should move each period but holds last period's value again counts as copied "
                     "forward.")  # fmt: skip
    if any(check.kind in VALUE_KINDS for check in schema.checks):
        intro.append(f"On the {schema.main_sheet} sheet the Check column flags as you type a required cell left "
                     "empty, a number or date Excel took as text (it sits on the left of its cell) and a number out "
                     "of range; each returns the report. The forms below are read in the tables.")  # fmt: skip
    intro.append(f"A file the PMO cannot accept is returned, with each cell to correct. Template {schema.template_id} "
                 f"version {schema.version}.")  # fmt: skip
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<header><h1>{escape(title)}</h1><p>{escape(' '.join(intro))}</p>"
        f'<table class="forms"><tr>{forms}</tr></table></header>{"".join(top)}'
        f'<div class="columns">{"".join(flowing)}'
        + (f'<div class="other"><h3>Other checks</h3>{other}</div>' if other else "")
        + "</div>"
        "</body></html>\n"
    )


def guide_file_name(schema: TemplateSchema) -> str:
    return f"{schema.template_id}-guide.html"
