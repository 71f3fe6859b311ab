"""The review pack: the steering committee's printed pack, as one HTML document that Chromium prints to PDF.

It follows the PRINCE2 highlight report: a one-page executive summary; the decisions and escalations, each listed
once with its owner, due date and an overdue flag; the open actions per owner; what changed since the last period;
then exactly one page per active project (its identity, RAG declared against derived, its milestones' baseline
against forecast, budget against EAC with the variance in the one sign convention and its unit, its top risks and
issues, the decisions it needs, the PM's commentary, and the period of its data with a stale marker); then a
capacity page and a pipeline page when they were given.

Every list on a page is bounded ("+N more ...") so that a project with 40 risks still fits its one page: the
portfolio.xlsx and the HTML report hold every row. Page numbers come from CSS `@page` margin boxes, and each page's
heading names what it holds, so Chromium's document outline (`--generate-pdf-document-outline`) bookmarks every
project. Pure: `render_review_pack` takes `today` (what is overdue) and reads no clock and no file. The pack is a
management output (`reporting.audience`): it never carries the coaching scorecard.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from pmo_xl.reporting.audience import require_reader
from pmo_xl.reporting.calendar import CURRENT_STATES
from pmo_xl.reporting.dashboard import CLOSED_MILESTONE, RISK_TYPES, Dashboard, ExecutiveSummary, done_by
from pmo_xl.reporting.pack_content import (  # noqa: F401 (re-exported: the pack's public names, as before)
    ACTIONS_PER_OWNER,
    COMPARED_REQUESTS,
    OUTPUT,
    SUMMARY_ROWS,
    TOP_DECISIONS,
    TOP_MILESTONES,
    TOP_RISKS,
    Attention,
    PackCounts,
    PipelineRequest,
    active_projects,
    comparison_line,
    comparison_requests,
    current_reds,
    needs_attention,
    owner_actions,
    pack_counts,
    page_records,
    project_end,
)
from pmo_xl.reporting.report_html import _e, _rag_badge, stacked_share_bars
from pmo_xl.reporting.views import (
    MONEY_DECIMALS,
    NOT_IN_REGISTER,
    PortfolioViews,
    amounts_label,
    project_budget,
    whole_amount,
)
from pmo_xl.templates.catalog import VARIANCE_HEADER, budget_variance
from pmo_xl.values import as_date, as_float

if TYPE_CHECKING:
    from pmo_xl.portfolio.selection.saved import ScenarioComparison
    from pmo_xl.reporting.audience import Audience
    from pmo_xl.reporting.load import ReportSource

COMMENTARY_CHARS = 600
TEXT_CHARS = 90

_CSS = """
@page{size:A4 landscape;margin:12mm 12mm 14mm 12mm;
 @bottom-left{content:var(--footer);font:9px Helvetica,Arial,sans-serif;color:#595959}
 @bottom-right{content:"Page " counter(page) " of " counter(pages);font:9px Helvetica,Arial,sans-serif;color:#595959}}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{font-family:Segoe UI,Helvetica,Arial,sans-serif;color:#222;margin:0;font-size:11px}
section.page{break-before:page;page-break-before:always;break-inside:avoid;page-break-inside:avoid}
section.page:first-of-type{break-before:auto;page-break-before:auto}
h1{font-size:19px;color:#1F3864;margin:0 0 2px;border-bottom:2px solid #1F3864;padding-bottom:2px}
h2{font-size:13px;color:#1F3864;margin:10px 0 3px;break-after:avoid;page-break-after:avoid}
.sub{color:#595959;margin:0 0 6px}.none{color:#7f7f7f;font-style:italic;margin:2px 0}
.more{color:#595959;font-style:italic;margin:1px 0 4px}
table{border-collapse:collapse;width:100%;margin:2px 0 4px}
th{background:#1F3864;color:#fff;text-align:left;padding:2px 5px;font-weight:600}
td{border-bottom:1px solid #e3e7ee;padding:2px 5px;vertical-align:top}
th.n,td.n{text-align:right;white-space:nowrap}td.d{white-space:nowrap}
.rag{display:inline-block;padding:0 7px;border-radius:8px;color:#fff;font-size:10px}
.rag-Green{background:#3A9D5D}.rag-Amber{background:#F0A30A}.rag-Red{background:#D64541}.rag-none{background:#A6A6A6}
.overdue{color:#fff;background:#D64541;border-radius:3px;padding:0 4px;font-weight:600;white-space:nowrap}
.done{color:#fff;background:#3A9D5D;border-radius:3px;padding:0 4px;font-weight:600;white-space:nowrap}
.stale{color:#fff;background:#7F6000;border-radius:3px;padding:0 4px;font-weight:600}
.cols{display:flex;gap:16px}.cols>div{flex:1;min-width:0}
.tiles{display:flex;gap:8px;margin:6px 0}
.tile{flex:1;border:1px solid #d0d7e2;border-radius:5px;padding:4px 8px}
.tile b{display:block;font-size:16px}.tile span{color:#595959}
.ident td{border:none;padding:1px 6px 1px 0}.ident td:first-child{color:#595959;width:90px}
.money td.n{font-size:12px}.neg{color:#C00000;font-weight:600}
.commentary{border-left:3px solid #d0d7e2;padding:2px 8px;margin:2px 0;white-space:pre-wrap}
.counter{float:right;color:#595959;font-size:10px;margin:4px 0 0}
td.id{white-space:nowrap}
.att{white-space:nowrap;font-weight:600;color:#7F6000}
.cmp td.n{white-space:normal}
"""


def _short(value: object, limit: int = TEXT_CHARS) -> str:
    """Escaped text, cut at `limit` with an ellipsis: a page holds a bounded amount of each PM's text."""
    text = "" if value is None or (isinstance(value, float) and value != value) else str(value)
    text = text.strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "\u2026"
    return _e(text)


def _date(value: object) -> str:
    day = as_date(value)
    return day.isoformat() if day else ""


def _overdue(value: object, today: dt.date) -> str:
    day = as_date(value)
    return ' <span class="overdue">overdue</span>' if day is not None and day < today else ""


def _more(hidden: int, what: str) -> str:
    return f'<p class="more">+{hidden} more {_e(what)}</p>' if hidden > 0 else ""


def _rows_table(headers: Sequence[str], rows: Sequence[Sequence[str]], empty: str, numeric: Sequence[int] = ()) -> str:
    """A table of cells already escaped; the columns in `numeric` right-aligned under right-aligned headers."""
    if not rows:
        return f'<p class="none">{_e(empty)}</p>'
    head = "".join(
        f'<th class="n">{_e(h)}</th>' if i in numeric else f"<th>{_e(h)}</th>" for i, h in enumerate(headers)
    )
    body = "".join("<tr>" + "".join(_cell(c, i in numeric) for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(content: str, numeric: bool) -> str:
    if numeric:
        return f'<td class="n">{content}</td>'
    # An ID ('PRJ-001', 'R-004') never breaks at its hyphen.
    return f'<td class="id">{content}</td>' if len(content) <= 16 and " " not in content else f"<td>{content}</td>"


def _summary_page(dashboard: Dashboard, summary: ExecutiveSummary, projects: pd.DataFrame, today: dt.date) -> str:
    headline = dashboard.headline.set_index("measure")["value"].to_dict()
    counts = pack_counts(dashboard, summary, today)
    reds = current_reds(projects)
    tiles = [
        (f"{counts.active}", "active projects, one page each"),
        (f"{counts.at_red}", "at Red (declared by the PM)"),
        (f"{counts.decisions}", f"decisions needed, {counts.overdue_decisions} overdue"),
        (f"{counts.escalated}", "risks and issues escalated"),
        (f"{counts.not_reporting}", "without a current report (late, returned, stale or never)"),
    ]
    tile_html = "".join(f'<div class="tile"><b>{_e(v)}</b><span>{_e(t)}</span></div>' for v, t in tiles)
    rag = dashboard.rag.set_index("rag")
    shares = stacked_share_bars(
        [("Projects", {name: float(count) for name, count in rag["projects"].items()})],
        "Share of projects by RAG", width=420,
    )  # fmt: skip
    red_rows = [
        [_e(row["project_id"]), _short(row.get("project_name"), 40), _rag_badge(row.get("rag_derived")),
         _short(row.get("key_achievements"), 70)]
        for row in reds.head(SUMMARY_ROWS).to_dict("records")
    ]  # fmt: skip
    headlines = "".join(f"<li>{_e(line)}</li>" for line in summary.headlines())
    money = _money_headline(headline, dashboard)
    attention = needs_attention(projects, summary, today)
    attention_rows = [
        [_e(item.project_id), f'<span class="att">{_e(item.kind)}</span>', _short(item.detail, 80)]
        for item in attention[:SUMMARY_ROWS]
    ]  # fmt: skip
    return f"""<section class="page" id="executive-summary">
<h1>Executive summary: portfolio review {_e(summary.period)}</h1>
<p class="sub">{_e(summary.scope)} &middot; data for {_e(summary.period)}{_e(_since(summary))} &middot; overdue means due before {_e(today.isoformat())}</p>
<div class="tiles">{tile_html}</div>
<div class="cols"><div><h2>At a glance</h2><ul>{headlines}</ul>{money}</div><div>{shares}</div></div>
<div class="cols"><div>
<h2>Projects at Red</h2>
{_rows_table(["Project", "Name", "Rules say", "The PM's commentary"], red_rows, "No project is at Red.")}
{_more(len(reds) - SUMMARY_ROWS, "projects at Red: each has its page")}
</div><div>
<h2>Needs attention</h2>
{_rows_table(["Project", "What", "Detail"], attention_rows, "Nothing overdue; every project has a current report.")}
{_more(len(attention) - SUMMARY_ROWS, "items: overdue decisions under Decisions and escalations, each project on its page")}
</div></div>
</section>"""


def _since(summary: ExecutiveSummary) -> str:
    return f", changes since {summary.previous_period}" if summary.previous_period else ", first period"


def _money_headline(headline: dict, dashboard: Dashboard) -> str:
    parts = []
    for measure in ("Budget", "Forecast at completion"):
        value = headline.get(measure)
        if isinstance(value, str):
            parts.append(f"{measure}: {value}")
        elif as_float(value) is not None:
            parts.append(
                f"{measure}: {whole_amount(as_float(value), dashboard.money.decimals)} {dashboard.money_label}"
            )
    if dashboard.forecast_cover and len(parts) == 2:  # never a budget of five projects read against a forecast of four
        parts[1] += f" ({dashboard.forecast_cover})"
    return "".join(f'<p class="sub">{_e(part)}</p>' for part in parts)


def _decisions_page(summary: ExecutiveSummary, today: dt.date) -> str:
    decision_rows = [
        [_e(row["project_id"]), _e(row.get("id")), _short(row.get("decision")), _e(row.get("owner")),
         f'<span class="d">{_date(row.get("required_by"))}</span>{_overdue(row.get("required_by"), today)}']
        for row in summary.decisions.to_dict("records")
    ]  # fmt: skip
    escalation_rows = [
        [_e(row["project_id"]), _e(row.get("id")), _e(row.get("type")), _short(row.get("description")),
         _e(row.get("owner")), _severity(row.get("severity")),
         f'<span class="d">{_date(row.get("due_date"))}</span>{_overdue(row.get("due_date"), today)}']
        for row in summary.escalations.to_dict("records")
    ]  # fmt: skip
    decided_rows = [
        [_e(row["project_id"]), _e(row.get("id")), _short(row.get("decision")), _e(row.get("closed"))]
        for row in summary.decided.to_dict("records")
    ]
    action_rows = [
        [_e(row["project_id"]), _e(row.get("answers")), _short(row.get("action"), 70), _e(row.get("action_owner")),
         f'<span class="d">{_date(row.get("due"))}</span>{_action_state(row, today)}']
        for row in summary.actions.to_dict("records")
    ]  # fmt: skip
    taken = (
        "<h2>Decided by the committee (closed)</h2>"
        + _rows_table(["Project", "ID", "Decision needed", "Decided"], decided_rows, "")
        if decided_rows
        else ""
    ) + (  # an open action stays listed until recorded done, whether or not its decision is still shown
        "<h2>Actions the decisions set</h2>"
        + _rows_table(["Project", "Answers", "Action", "Owner", "Due"], action_rows, "No action was set.")
        if action_rows
        else ""
    )
    return f"""<section class="page" id="decisions">
<h1>Decisions and escalations</h1>
<p class="sub">Each listed once, soonest first; the project pages refer to them by ID. Overdue: due before {_e(today.isoformat())}.</p>
<h2>Decisions needed from the committee</h2>
{_rows_table(["Project", "ID", "Decision needed", "Owner", "Needed by"], decision_rows, "No decision is waiting for the committee.")}
<h2>Risks and issues escalated</h2>
{_rows_table(["Project", "ID", "Type", "Description", "Owner", "Severity", "Due"], escalation_rows, "No risk or issue is escalated.", numeric=(5,))}
{taken}
</section>"""


def _action_state(row: dict, today: dt.date) -> str:
    """An action's flag: done (with its day), else overdue past its due date."""
    done = done_by(row.get("done_on"), today)
    if done is not None:
        return f' <span class="done">done {_date(done)}</span>'
    return _overdue(row.get("due"), today)


def _severity(value: object) -> str:
    number = as_float(value)
    return "" if number is None else f"{number:.0f}"


def _actions_page(actions: pd.DataFrame, today: dt.date) -> str:
    parts = []
    for owner, group in actions.groupby("owner", sort=True):
        overdue = sum(1 for day in group["due_date"] if day < today)
        rows = [
            [_e(row["project_id"]), _e(row["id"]), _short(row.get("response") or row.get("description"), 80),
             f'<span class="d">{_date(row["due_date"])}</span>{_overdue(row["due_date"], today)}']
            for row in group.head(ACTIONS_PER_OWNER).to_dict("records")
        ]  # fmt: skip
        parts.append(
            f'<h2>{_e(owner)} <span class="sub">({len(group)} open, {overdue} overdue)</span></h2>'
            + _rows_table(["Project", "Item", "Action (the response)", "Due"], rows, "")
            + _more(len(group) - ACTIONS_PER_OWNER, f"actions of {owner}: see the RAID sheet of portfolio.xlsx")
        )
    body = "".join(parts) or '<p class="none">No open risk or issue has a response due.</p>'
    return f"""<section class="page" id="actions">
<h1>Actions per owner</h1>
<p class="sub">The responses to open risks and issues that have a due date, earliest first. Overdue: due before {_e(today.isoformat())}.</p>
{body}
</section>"""


def _changes_page(summary: ExecutiveSummary) -> str:
    def listed(frame: pd.DataFrame, headers: list[str], columns: list[str], empty: str, what: str) -> str:
        rows = [[_short(row.get(c), 70) for c in columns] for row in frame.head(SUMMARY_ROWS).to_dict("records")]
        return _rows_table(headers, rows, empty) + _more(len(frame) - SUMMARY_ROWS, f"{what} in the HTML report")

    since = f" since {summary.previous_period}" if summary.previous_period else ""
    slipped = summary.slipped_key_milestones.assign(
        previous_forecast=summary.slipped_key_milestones["previous_forecast"].map(_date),
        forecast=summary.slipped_key_milestones["forecast"].map(_date),
    )
    return f"""<section class="page" id="what-changed">
<h1>What changed{_e(since)}</h1>
<div class="cols"><div>
<h2>New reds</h2>{listed(summary.new_reds, ["Project", "Name", "Was"], ["project_id", "project_name", "previous_rag"], "No project turned red.", "new reds")}
<h2>Key milestones that slipped</h2>{listed(slipped, ["Project", "ID", "Milestone", "Was", "Now", "Days"], ["project_id", "id", "name", "previous_forecast", "forecast", "moved_days"], "No key milestone slipped.", "slipped milestones")}
<h2>Re-baselines</h2>{listed(summary.rebaselines, ["Project", "Baseline change"], ["project_id", "changes"], "No baseline changed.", "re-baselines")}
</div><div>
<h2>New risks and issues</h2>{listed(summary.new_risks, ["Project", "ID", "Description", "Owner"], ["project_id", "id", "description", "owner"], "No new risk or issue.", "new risks and issues")}
<h2>Closed risks and issues</h2>{listed(summary.closed_risks, ["Project", "ID", "Description"], ["project_id", "id", "description"], "No risk or issue closed.", "closed risks and issues")}
</div></div>
</section>"""


# -- one page per project ---------------------------------------------------------------------------------------


def _by_project(frame: pd.DataFrame) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for row in frame.to_dict("records"):
        grouped.setdefault(row["project_id"], []).append(row)
    return grouped


def _money(value: float | None, unit: object) -> str:
    if value is None:
        return "not reported"
    return whole_amount(value, MONEY_DECIMALS.get(str(unit or "").strip(), 0))


def _budget_block(row: dict) -> str:
    budget = project_budget(row)
    eac = as_float(row.get("estimate_at_completion"))
    variance = budget_variance(budget, eac)
    unit = amounts_label(row.get("money_unit"), row.get("currency"))
    variance_text = _money(variance, row.get("money_unit"))
    css = ' class="n neg"' if variance is not None and variance < 0 else ' class="n"'
    actual = as_float(row.get("actual_to_date"))
    return f"""<table class="money"><thead><tr><th>Amounts in {_e(unit)}</th><th class="n">Amount</th></tr></thead><tbody>
<tr><td>Budget (current approved)</td><td class="n">{_money(budget, row.get("money_unit"))}</td></tr>
<tr><td>Forecast at completion (EAC)</td><td class="n">{_money(eac, row.get("money_unit"))}</td></tr>
<tr><td>{_e(VARIANCE_HEADER)}</td><td{css}>{variance_text}</td></tr>
<tr><td>Actual to date</td><td class="n">{_money(actual, row.get("money_unit"))}</td></tr>
</tbody></table>"""


def _end_dates(row: dict) -> str:
    end = project_end(row)
    if end is None:
        return ""
    baseline, forecast, said, late = end
    css = ' class="sub neg"' if late else ' class="sub"'
    return (f"<p{css}>Project end: baseline {_date(baseline) or 'not set'}, forecast {_date(forecast) or 'not given'}"
            f"{_e(f' ({said})' if said else '')}</p>")  # fmt: skip


def _milestone_block(milestones: list[dict], baselines: dict[str, object]) -> str:
    # A milestone without a baseline date of its own is measured against its effective baseline (the PMO's date,
    # else its first forecast in the ledger), as the dashboard measures slip.
    live = [
        {
            **m,
            "baseline_date": m.get("baseline_date") if as_date(m.get("baseline_date")) else baselines.get(m.get("id")),
        }
        for m in milestones
        if m.get("status") != "Cancelled"
    ]

    def slip(row: dict) -> int | None:
        baseline, forecast = as_date(row.get("baseline_date")), as_date(row.get("forecast_date"))
        return (forecast - baseline).days if baseline and forecast else None

    # Open key milestones first, the most slipped first, then the rest by date: what a committee asks about.
    def rank(row: dict) -> tuple:
        done = row.get("status") in CLOSED_MILESTONE
        key = str(row.get("key") or "").strip().casefold() == "yes"
        return (done, not key, -(slip(row) or 0), _date(row.get("forecast_date")) or "9999")

    shown = sorted(live, key=rank)[:TOP_MILESTONES]
    rows = []
    for row in shown:
        days = slip(row)
        slip_text = "" if days is None else (f'<span class="neg">+{days}</span>' if days > 0 else f"{days}")
        key = " (key)" if str(row.get("key") or "").strip().casefold() == "yes" else ""
        rows.append([f"{_e(row.get('id'))} {_short(row.get('name'), 40)}{key}", _date(row.get("baseline_date")),
                     _date(row.get("forecast_date")), slip_text, _e(row.get("status"))])  # fmt: skip
    table = _rows_table(["Milestone", "Baseline", "Forecast", "Slip (days)", "Status"], rows, "No milestone reported.",
                        numeric=(3,))  # fmt: skip
    return table + _more(len(live) - len(shown), "milestones: see the Milestones sheet of portfolio.xlsx")


def _risk_block(raid: list[dict]) -> str:
    open_items = [r for r in raid if r.get("type") in RISK_TYPES and r.get("status") != "Closed"]
    open_items.sort(key=lambda r: (-(as_float(r.get("severity")) or 0), str(r.get("id") or "")))
    rows = [
        [_e(r.get("id")), _e(r.get("type")), _short(r.get("description"), 70), _e(r.get("owner")),
         _severity(r.get("severity"))]
        for r in open_items[:TOP_RISKS]
    ]  # fmt: skip
    table = _rows_table(["ID", "Type", "Description", "Owner", "Severity"], rows, "No open risk or issue.",
                        numeric=(4,))  # fmt: skip
    return table + _more(len(open_items) - TOP_RISKS, "open risks and issues: see the RAID sheet of portfolio.xlsx")


def _decision_refs(decisions: list[dict], today: dt.date) -> str:
    if not decisions:
        return '<p class="none">No decision needed.</p>'
    # Referred to by ID: each decision is written out once, under Decisions and escalations.
    items = "".join(
        f"<li>{_e(d.get('id'))}, owner {_e(d.get('owner'))}, needed by "
        f"{_date(d.get('required_by')) or 'no date'}{_overdue(d.get('required_by'), today)}</li>"
        for d in decisions[:TOP_DECISIONS]
    )
    return (
        f"<ul>{items}</ul>" + _more(len(decisions) - TOP_DECISIONS, "decisions")
        + '<p class="sub">What each asks is under Decisions and escalations.</p>'
    )  # fmt: skip


def _data_period(row: dict, period: str) -> str:
    coverage = str(row.get("coverage") or "")
    reported = str(row.get("period") or "")
    if not reported or coverage == "never reported":
        return f'<span class="stale">never reported</span> no accepted report for {_e(period)}'
    if coverage == NOT_IN_REGISTER:
        return f"report for {_e(reported)} (the project is not in the register)"
    if coverage in CURRENT_STATES and reported == period:
        return f"report for {_e(reported)} ({_e(coverage)})"
    if coverage in CURRENT_STATES:
        return f"report for {_e(reported)} ({_e(coverage)}: it stands for {_e(period)})"
    return f'<span class="stale">stale</span> latest accepted report is for {_e(reported)}, not {_e(period)} ({_e(coverage)})'


def _project_page(row: dict, number: int, count: int, context: _PackContext) -> str:
    project_id = row["project_id"]
    missing = "no report" if row.get("coverage") == "never reported" or not row.get("period") else "not set"

    def badge(value: object) -> str:
        return _rag_badge(value) if value else f'<span class="rag rag-none">{missing}</span>'

    rag_rows = [
        [_e(label), badge(row.get(declared)), badge(row.get(derived))]
        for label, declared, derived in (("Overall", "rag_overall", "rag_derived"),
                                         ("Schedule", "rag_schedule", "rag_schedule_derived"),
                                         ("Cost", "rag_cost", "rag_cost_derived"))
    ]  # fmt: skip
    identity = [
        ("Programme", row.get("programme")), ("Business unit", row.get("business_unit")), ("Stage", row.get("stage")),
        ("Project manager", row.get("project_manager")), ("Sponsor", row.get("sponsor")),
    ]  # fmt: skip
    ident = "".join(f"<tr><td>{_e(label)}</td><td>{_short(value, 50)}</td></tr>" for label, value in identity)
    disagreement = row.get("rag_disagreement")
    why = f'<p class="sub">Rules: {_short(disagreement, 120)}</p>' if disagreement and row.get("rag_disagrees") else ""
    commentary = str(row.get("key_achievements") or "").strip()
    commentary_html = (
        f'<div class="commentary">{_short(commentary, COMMENTARY_CHARS)}</div>'
        + ('<p class="more">shortened: the full text is in the PM\'s workbook</p>' if len(commentary) > COMMENTARY_CHARS else "")
        if commentary else '<p class="none">No commentary this period.</p>'
    )  # fmt: skip
    return f"""<section class="page project" id="project-{_e(project_id)}">
<p class="counter">project {number} of {count}</p>
<h1>{_e(project_id)} &middot; {_short(row.get("project_name"), 60)}</h1>
<p class="sub">Data: {_data_period(row, context.period)}</p>
<div class="cols"><div>
<table class="ident"><tbody>{ident}</tbody></table>
<h2>RAG: declared by the PM against the PMO's rules</h2>
{_rows_table(["", "PM declares", "Rules say"], rag_rows, "")}{why}
<h2>Budget against forecast</h2>{_budget_block(row)}
</div><div>
<h2>Milestones: baseline against forecast</h2>{_end_dates(row)}{_milestone_block(context.milestones.get(project_id, []), context.baselines.get(project_id, {}))}
<h2>Top risks and issues</h2>{_risk_block(context.raid.get(project_id, []))}
</div></div>
<div class="cols"><div>
<h2>Decisions needed</h2>{_decision_refs(context.decisions.get(project_id, []), context.today)}
</div><div>
<h2>The PM's commentary (key achievements)</h2>{commentary_html}
</div></div>
</section>"""


@dataclass(frozen=True)
class _PackContext:
    period: str
    today: dt.date
    milestones: dict[str, list[dict]]
    raid: dict[str, list[dict]]
    decisions: dict[str, list[dict]]
    baselines: dict[str, dict[str, object]]  # project -> milestone id -> effective baseline date


def _effective_baselines(frame: pd.DataFrame, ids: set[str]) -> dict[str, dict[str, object]]:
    baselines: dict[str, dict[str, object]] = {}
    for row in frame[frame["project_id"].isin(ids)].to_dict("records"):
        baselines.setdefault(row["project_id"], {})[row["id"]] = row.get("baseline_date")
    return baselines


# -- capacity and pipeline --------------------------------------------------------------------------------------


def _capacity_page(dashboard: Dashboard) -> str:
    hot = dashboard.capacity_hot_spots
    rows = [
        [_e(r.get("role")), _e(r.get("month")), f"{as_float(r.get('demand_fte')) or 0:.1f}",
         f"{as_float(r.get('capacity_fte')) or 0:.1f}", f"{(as_float(r.get('utilisation')) or 0) * 100:.0f}%",
         f"{as_float(r.get('shortfall_fte')) or 0:.1f}"]
        for r in hot.head(25).to_dict("records")
    ]  # fmt: skip
    return f"""<section class="page" id="capacity">
<h1>Capacity: where demand exceeds capacity</h1>
<p class="sub">Role-months over capacity, largest shortfall first (FTE). The capacity plan holds every month.</p>
{_rows_table(["Role", "Month", "Demand FTE", "Capacity FTE", "Utilisation", "Shortfall FTE"], rows, "No role is over capacity.", numeric=(2, 3, 4, 5))}
{_more(len(hot) - 25, "role-months over capacity: see capacity_plan.xlsx")}
</section>"""


def _pipeline_page(pipeline: Sequence[PipelineRequest]) -> str:
    limit = 30
    rows = [
        [_e(r.request_id), _short(r.title, 60), _short(r.sponsor, 30), _e(r.stage), _e(r.start_month),
         "" if r.cost is None else whole_amount(r.cost, 1)]
        for r in pipeline[:limit]
    ]  # fmt: skip
    return f"""<section class="page" id="pipeline">
<h1>Pipeline: requests waiting for a decision</h1>
<p class="sub">{len(pipeline)} request(s) in the pipeline, by start month. Costs are the sum of the request's
yearly costs, in the unit the Requests table states them in; request_scores.xlsx and request_selection.xlsx rank
and choose them.</p>
{_rows_table(["Request", "Title", "Sponsor", "Stage", "Start", "Cost (all years)"], rows, "No request in the pipeline.", numeric=(5,))}
{_more(len(pipeline) - limit, "requests: see the Requests table")}
</section>"""


def _comparison_page(comparison: ScenarioComparison) -> str:
    names = list(comparison.names)
    differ, alike = comparison_requests(comparison)

    def table(rows: Sequence, first: str, empty: str = "None.", numbers: bool = False) -> str:
        body = [
            [_short(label, 60), *(_e(cell).replace("\n", "<br>") for cell in cells)]
            for label, *cells in (comparison_line(comparison, row) for row in rows)
        ]  # fmt: skip
        return _rows_table([first, *names], body, empty, numeric=tuple(range(1, len(names) + 1)) if numbers else ())

    figures = [*comparison.section("value"), *comparison.section("cost by year")]
    shown = differ[:COMPARED_REQUESTS]
    return f"""<section class="page cmp" id="scenarios">
<h1>Scenarios compared: {_e(", ".join(names))}</h1>
<p class="sub">Each scenario's saved run (pmo scenario save), side by side. Amounts in the unit of the Requests
table; the comparison workbook (pmo scenario compare) holds every row.</p>
<div class="cols"><div>
<h2>Value and cost</h2>{table(figures, "Measure", numbers=True)}
<h2>Capacity use by role</h2>{table(comparison.section("capacity"), "Role", "No role's capacity is used or binding in these runs.")}
</div><div>
<h2>Requests the scenarios decide differently</h2>{table(shown, "Request", "Every request is decided alike in every scenario.")}
{_more(len(differ) - len(shown), "requests decided differently: see the comparison workbook")}
<p class="sub">{alike} request(s) are in, or out, in every scenario alike.</p>
<h2>Binding constraints and forces</h2>{table([*comparison.section("binding"), *comparison.section("forces")], "What")}
</div></div>
</section>"""


# -- the document -----------------------------------------------------------------------------------------------


def render_review_pack(
    dashboard: Dashboard,
    summary: ExecutiveSummary,
    views: PortfolioViews,
    today: dt.date,
    audience: Audience | None = None,
    pipeline: Sequence[PipelineRequest] | None = None,
    capacity: bool = False,
    comparison: ScenarioComparison | None = None,
) -> str:
    """The review pack as one HTML document. Pure: `views` and `summary` are already narrowed to the audience,
    `today` says what is overdue, and the same inputs give the same document. The capacity page is added when a
    capacity plan was given (`capacity`), the pipeline page when the requests were (`pipeline`), and the scenario
    comparison page after it when saved scenarios were compared (`comparison`, from `compare_saved`)."""
    from pmo_xl.reporting.audience import Audience

    require_reader(OUTPUT, audience or Audience())
    projects = active_projects(views)
    ids = set(projects["project_id"])
    decisions = _by_project(summary.decisions[summary.decisions["project_id"].isin(ids)])
    context = _PackContext(
        period=views.period,
        today=today,
        milestones=_by_project(views.milestones[views.milestones["project_id"].isin(ids)]),
        raid=_by_project(views.raid[views.raid["project_id"].isin(ids)]),
        decisions=decisions,
        baselines=_effective_baselines(views.milestone_baselines, ids),
    )
    records = page_records(projects)
    pages = [
        _summary_page(dashboard, summary, projects, today),
        _decisions_page(summary, today),
        _actions_page(owner_actions(views, ids), today),
        _changes_page(summary),
        *(_project_page(row, number, len(records), context) for number, row in enumerate(records, start=1)),
    ]
    if capacity:
        pages.append(_capacity_page(dashboard))
    if pipeline is not None:
        pages.append(_pipeline_page(pipeline))
    if comparison is not None:
        pages.append(_comparison_page(comparison))
    footer = f"Portfolio review {summary.period} \u00b7 {summary.scope}".replace("\\", "\\\\").replace('"', '\\"')
    title = f"Portfolio review pack {summary.period} ({summary.scope})"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>
<style>:root{{--footer:"{_e(footer)}"}}{_CSS}</style></head>
<body>
{"".join(pages)}
</body></html>
"""


def export_review_pack(
    source: ReportSource,
    out: Path | str,
    today: dt.date | None = None,
    comparison: ScenarioComparison | None = None,
) -> Path:
    """`pmo review-pack`: the ledger in (as `pmo report` reads it), OUT.pdf printed through Chromium, OUT.html, or
    OUT.pptx (the same pages as slides)."""
    from pmo_xl.excel.files import write_bytes_atomic
    from pmo_xl.reporting.dashboard import executive_summary, scope_views
    from pmo_xl.reporting.pdf import print_pdf

    out = Path(out)
    suffix = out.suffix.casefold()
    if suffix not in (".pdf", ".html", ".htm", ".pptx"):
        from pmo_xl.errors import PmoError

        raise PmoError(f"{out}: the review pack is written as .pdf, .html or .pptx; name the file so")
    today = today or source.today or dt.date.today()
    inputs, dashboard = source.load()
    summary = executive_summary(inputs.views, inputs.items, audience=source.audience)
    views, _items, _scope = scope_views(inputs.views, inputs.items, source.audience)
    pipeline = read_pipeline(source.requests, today) if source.requests is not None else None
    capacity = inputs.capacity_plan is not None
    if suffix == ".pptx":
        from pmo_xl.reporting.pack_pptx import render_pack_pptx

        slides = render_pack_pptx(dashboard, summary, views, today, source.audience, pipeline, capacity, comparison)
        return write_bytes_atomic(out, slides)
    document = render_review_pack(dashboard, summary, views, today, source.audience, pipeline, capacity, comparison)
    if suffix == ".pdf":
        return print_pdf(document, out)
    return write_bytes_atomic(out, document.encode("utf-8"))


def read_pipeline(requests: Path | str, today: dt.date) -> list[PipelineRequest]:
    """The Requests table (`--requests`) as the pipeline page lists it, by start month."""
    from pmo_xl.collect.requests import read_request_pipeline

    table = read_request_pipeline(requests, today).requests
    cost_columns = [column for column in table.columns if str(column).startswith("cost_")]
    rows = []
    for row in table.to_dict("records"):
        costs = [as_float(row.get(column)) for column in cost_columns]
        known = [cost for cost in costs if cost is not None]
        rows.append(
            PipelineRequest(
                str(row.get("request_id") or ""), str(row.get("title") or ""), str(row.get("sponsor") or ""),
                str(row.get("stage") or ""), str(row.get("start_month") or ""), sum(known) if known else None,
            )
        )  # fmt: skip
    return sorted(rows, key=lambda r: (r.start_month, r.request_id))
