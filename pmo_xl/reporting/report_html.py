"""The management pack: one self-contained HTML file (inline CSS and SVG, no scripts, no external resources).

It opens with a one-page executive summary (what changed since the last period, by stable item ids, and the
decisions needed from management), then the detail. Every string from a PM's workbook goes through `html.escape`.
The charts are hand-written SVG: a few bars need no plotting library, and the file must render the same in any
mail client or browser without one.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from pmo_xl.excel.files import write_bytes_atomic
from pmo_xl.reporting.dashboard import NOT_REPORTED, RAGS, Dashboard, ExecutiveSummary, done_by, overdue_actions
from pmo_xl.reporting.dashboard_sheet import money_note
from pmo_xl.reporting.views import PortfolioViews, whole_amount
from pmo_xl.templates.catalog import VARIANCE_HEADER
from pmo_xl.values import as_float

if TYPE_CHECKING:
    from pmo_xl.reporting.load import ReportSource

RAG_COLOURS = {"Green": "#3A9D5D", "Amber": "#F0A30A", "Red": "#D64541", NOT_REPORTED: "#A6A6A6"}
SERIES_COLOURS = ("#2F5597", "#ED7D31", "#7F7F7F")

_CSS = """
body{font-family:Segoe UI,Helvetica,Arial,sans-serif;color:#222;margin:0;background:#fff}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;border-bottom:2px solid #1F3864;color:#1F3864;margin-top:28px}
h3{font-size:15px;margin:18px 0 6px}.sub{color:#595959;margin:0 0 16px}
.tiles{display:flex;gap:12px;margin:12px 0}
.tile{flex:1;border:1px solid #d0d7e2;border-radius:6px;padding:8px 12px;min-width:90px}
.tile b{display:block;font-size:22px}.tile span{color:#595959;font-size:12px}.tile small.per{display:block;font-size:15px}
table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0 12px}
th{background:#1F3864;color:#fff;text-align:left;padding:5px 6px}td{border-bottom:1px solid #e3e7ee;padding:4px 6px;vertical-align:top}
td.n,td.id{text-align:right;white-space:nowrap}td.id{text-align:left}td.flag{color:#C00000;font-weight:bold}td.ok{color:#2E7D32}.none{color:#7f7f7f;font-style:italic}
.rag{display:inline-block;padding:1px 8px;border-radius:9px;color:#fff;font-size:12px}
.rag-Green{background:#3A9D5D}.rag-Amber{background:#F0A30A}.rag-Red{background:#D64541}.rag-none{background:#A6A6A6}
.cols{display:flex;gap:24px;flex-wrap:wrap}.cols>div{flex:1;min-width:320px}
.summary{page-break-after:always;break-after:page}
ul{margin:4px 0 10px 18px;padding:0}li{margin:2px 0}
footer{color:#7f7f7f;font-size:11px;margin-top:30px}
@media print{main{padding:0}h1{font-size:20px}h2{font-size:15px;margin-top:12px}h3{margin:8px 0 4px}table{font-size:10px;margin:3px 0 6px}td,th{padding:2px 4px}.tile{padding:4px 8px}.tile b{font-size:16px}.tiles{gap:6px;margin:6px 0}p.none{margin:2px 0}}
"""


def _e(value: object) -> str:
    """Escaped text for any value: user strings can hold <, &, quotes or a script tag."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return html.escape(str(value), quote=True)


# The places money is shown with in the report being rendered (its scale's unit: units 0, k 1, m 2), as on the
# Dashboard sheet; set by render_report.
_MONEY_DECIMALS: ContextVar[int] = ContextVar("money_decimals", default=0)


def _shown_number(value: object, digits: int = 0) -> str:
    """A number with digit groups; text (a total per currency, '1,200 k EUR; 800 k GBP') shown as it is."""
    if isinstance(value, str):
        return _e(value)
    number = as_float(value)
    if number is None:
        return ""
    return whole_amount(number, digits)


def _percent(value: object) -> str:
    """A fraction as a percentage; text (a share per currency) shown as it is."""
    if isinstance(value, str):
        return _e(value)
    number = as_float(value)
    return "" if number is None else f"{number * 100:.0f}%"


def _cover_note(dashboard: Dashboard) -> str:
    """Said under a table whose forecast and variance cover fewer projects than its budget."""
    if not dashboard.forecast_cover:
        return ""
    return f" The forecast (EAC) and the variance are of the projects that give a forecast: {dashboard.forecast_cover}."


def _rag_badge(value: object) -> str:
    rag = str(value or "")
    css = rag if rag in RAGS else "none"
    return f'<span class="rag rag-{css}">{_e(rag or "none")}</span>'


SUMMARY_TEXT_CHARS = 70


def _shortened(value: object, limit: int = SUMMARY_TEXT_CHARS) -> object:
    if not isinstance(value, str) or len(value) <= limit:
        return value
    return value[: limit - 1].rstrip() + "\u2026"


def _capped(frame: pd.DataFrame, columns: Sequence[tuple[str, str, str]], empty: str, limit: int) -> str:
    """The first `limit` rows, long texts cut short: the executive summary must fit on one printed page whatever
    the PMs wrote, and the detail holds every row in full."""
    more = len(frame) - limit
    note = f'<p class="none">{more} more in the detail below.</p>' if more > 0 else ""
    shown = frame.head(limit).copy()
    for column, _header, kind in columns:
        if kind == "text" and column in shown.columns:
            shown[column] = shown[column].map(_shortened)
    return _table(shown, columns, empty) + note


def _table(frame: pd.DataFrame, columns: Sequence[tuple[str, str, str]], empty: str) -> str:
    """columns: (frame column, header, kind) with kind text, number, money, percent, rag, date, flag."""
    if frame.empty:
        return f'<p class="none">{_e(empty)}</p>'
    head = "".join(f"<th>{_e(header)}</th>" for _c, header, _k in columns)
    body = []
    for row in frame.to_dict("records"):
        cells = []
        for column, _header, kind in columns:
            value = row.get(column)
            if kind == "rag":
                cells.append(f"<td>{_rag_badge(value)}</td>")
            elif kind in ("number", "money", "count"):
                digits = {"number": 1, "count": 0}.get(kind, _MONEY_DECIMALS.get())
                cells.append(f'<td class="n">{_shown_number(value, digits)}</td>')
            elif kind == "id":
                cells.append(f'<td class="id">{_e(value)}</td>')
            elif kind == "percent":
                cells.append(f'<td class="n">{_percent(value)}</td>')
            elif kind == "flag":  # a warning word (OVERDUE): red and bold, so it is seen on paper too; "done": green
                done = str(value).startswith("done")
                cells.append(f'<td class="{"ok" if done else "flag"}">{_e(value)}</td>')
            else:
                cells.append(f"<td>{_e(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


# -- SVG charts ---------------------------------------------------------------------------------------------------


def _svg(width: int, height: int, body: str, label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{_e(label)}" font-family="Segoe UI,Helvetica,Arial,sans-serif" font-size="12">'
        f"<title>{_e(label)}</title>{body}</svg>"
    )


def stacked_share_bars(rows: Sequence[tuple[str, dict[str, float]]], label: str, width: int = 520) -> str:
    """One 100% bar per row (e.g. 'Projects', 'Budget'), segments coloured by RAG, with the share written in."""
    # About 7 px a character at 12 px: the names ('Budget k GBP') fit left of the bars.
    bar_left = max(80, 14 + 7 * max((len(name) for name, _values in rows), default=0))
    bar_width, bar_height, gap = width - bar_left - 20, 26, 14
    parts = []
    for index, (name, values) in enumerate(rows):
        y = 10 + index * (bar_height + gap)
        total = sum(values.values())
        parts.append(f'<text x="{bar_left - 8}" y="{y + 17}" text-anchor="end">{_e(name)}</text>')
        x = float(bar_left)
        for rag, value in values.items():
            share = value / total if total else 0.0
            if share <= 0:
                continue
            segment = bar_width * share
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{segment:.1f}" height="{bar_height}" '
                f'fill="{RAG_COLOURS.get(rag, "#999")}"><title>{_e(rag)}: {share * 100:.0f}%</title></rect>'
            )
            if segment > 34:
                parts.append(
                    f'<text x="{x + segment / 2:.1f}" y="{y + 17}" fill="#fff" text-anchor="middle">'
                    f"{share * 100:.0f}%</text>"
                )
            x += segment
    legend_y = 10 + len(rows) * (bar_height + gap) + 4
    parts.append(_legend(list(RAG_COLOURS.items()), bar_left, legend_y))
    return _svg(width, legend_y + 18, "".join(parts), label)


def _legend(entries: Sequence[tuple[str, str]], x: int, y: int) -> str:
    parts = []
    for name, colour in entries:
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="{y + 10}">{_e(name)}</text>')
        x += 24 + 7 * len(name)
    return "".join(parts)


def stacked_columns(categories: Sequence[str], series: dict[str, Sequence[float]], label: str, width: int = 520) -> str:
    """Stacked columns per category (e.g. RAG counts per period)."""
    height, left, bottom, top = 240, 40, 200, 14
    totals = [sum(values[i] for values in series.values()) for i in range(len(categories))]
    tick_step = _round_step(max(totals, default=0) / 4)
    ticks = max(1, math.ceil(max(totals, default=0) / tick_step))
    peak = tick_step * ticks
    step = (width - left - 10) / max(len(categories), 1)
    column_width = min(48.0, step * 0.6)
    parts = [f'<line x1="{left}" y1="{bottom}" x2="{width - 5}" y2="{bottom}" stroke="#999"/>']
    for tick in range(0, ticks + 1):
        value = tick_step * tick
        y = bottom - (bottom - top) * tick / ticks
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#595959">{value:g}</text>')
    for index, category in enumerate(categories):
        x = left + step * index + (step - column_width) / 2
        y = float(bottom)
        for name, values in series.items():
            value = values[index] or 0
            bar = (bottom - top) * value / peak
            if bar > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y - bar:.1f}" width="{column_width:.1f}" height="{bar:.1f}" '
                    f'fill="{RAG_COLOURS.get(name, "#999")}"><title>{_e(category)} {_e(name)}: {value:g}</title></rect>'
                )
            y -= bar
        parts.append(
            f'<text x="{x + column_width / 2:.1f}" y="{bottom + 16}" text-anchor="middle">{_e(category)}</text>'
        )
    parts.append(_legend([(name, RAG_COLOURS.get(name, "#999")) for name in series], left, height - 16))
    return _svg(width, height, "".join(parts), label)


def _round_step(rough: float) -> float:
    """The axis step a person would pick: 1, 2 or 5 times a power of ten, at least `rough` (46 projects: 0-50 by 10)."""
    if rough <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(rough))
    return next(factor * power for factor in (1, 2, 5, 10) if factor * power >= rough - 1e-9)


def grouped_bars(
    labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    label: str,
    percent: bool = False,
    width: int = 520,
) -> str:
    """Horizontal grouped bars, one group per label (e.g. budget against forecast per project)."""
    names = list(series)
    bar_height, group_gap, left = 9, 8, 180
    group_height = bar_height * len(names) + group_gap
    values = [v for vs in series.values() for v in vs if v is not None and not math.isnan(v)]
    peak = max(values, default=0) or 1
    if percent:
        peak = max(peak, 1.0)
    plot = width - left - 60
    parts = []
    for index, name in enumerate(labels):
        y = 6 + index * group_height
        # About 7 px a character at 12 px: 24 characters stay inside the label column, none clipped at the edge.
        short = _shortened(name, 24)
        parts.append(
            f'<text x="{left - 6}" y="{y + group_height / 2:.1f}" text-anchor="end"><title>{_e(name)}</title>'
            f"{_e(short)}</text>"
        )
        for number, series_name in enumerate(names):
            value = series[series_name][index]
            if value is None or math.isnan(value):
                continue
            bar = plot * max(value, 0) / peak
            colour = SERIES_COLOURS[number % len(SERIES_COLOURS)]
            text = f"{value * 100:.0f}%" if percent else whole_amount(value)
            by = y + number * bar_height
            parts.append(
                f'<rect x="{left}" y="{by}" width="{bar:.1f}" height="{bar_height - 1}" fill="{colour}">'
                f"<title>{_e(name)} {_e(series_name)}: {text}</title></rect>"
            )
            parts.append(f'<text x="{left + bar + 4:.1f}" y="{by + 8}" font-size="10" fill="#595959">{text}</text>')
    legend_y = 6 + len(labels) * group_height + 4
    parts.append(_legend([(n, SERIES_COLOURS[i % 3]) for i, n in enumerate(names)], left, legend_y))
    return _svg(width, legend_y + 18, "".join(parts), label)


# -- the report ---------------------------------------------------------------------------------------------------


NOT_REPORTING_MEASURES = ("Reports late", "Returned for correction", "Stale (latest report for an earlier period)",
                          "Never reported")  # fmt: skip


def _tiles(dashboard: Dashboard) -> str:
    headline = dashboard.headline.set_index("measure")
    values, amounts_in = headline["value"].to_dict(), headline["amounts_in"].to_dict()

    def money(measure: str) -> str:
        if isinstance(values.get(measure), str):
            return ", per currency (never added up)"
        return f" ({amounts_in[measure]})" if amounts_in.get(measure) else ""

    def shown(text: str) -> str:
        # A total per currency ('1,200 k EUR; 800 k GBP'), one currency a line.
        if "; " not in text:
            return text
        return '<small class="per">' + "<br>".join(part for part in text.split("; ")) + "</small>"

    tiles = [
        (
            f"{_shown_number(values.get('Projects reporting'))} of {_shown_number(values.get('Active projects'))}",
            f"active projects reporting for {dashboard.period}",
        ),
        (_shown_number(values.get("Budget"), _MONEY_DECIMALS.get()), f"budget{money('Budget')}"),
        (
            _shown_number(values.get("Forecast at completion"), _MONEY_DECIMALS.get()),
            f"forecast at completion{money('Forecast at completion')}, of the projects that reported"
            + (f" ({dashboard.forecast_cover})" if dashboard.forecast_cover else ""),
        ),
        (_shown_number(values.get("Projects at Red")), "projects at Red"),
        (_percent(values.get("Share of budget at Red")), "of the budget is at Red"),
        (
            _shown_number(sum(int(values.get(m) or 0) for m in NOT_REPORTING_MEASURES)),
            "late, returned, stale or never reported",
        ),
    ]
    return (
        '<div class="tiles">'
        + "".join(f'<div class="tile"><b>{shown(v)}</b><span>{_e(t)}</span></div>' for v, t in tiles)
        + "</div>"
    )


def _share_rows(dashboard: Dashboard) -> list[tuple[str, dict[str, float]]]:
    """The bars of the RAG share chart: projects, then the budget, one bar per currency when there are several."""
    rag = dashboard.rag.set_index("rag")
    rows = [("Projects", {name: float(count) for name, count in rag["projects"].items()})]
    currencies = dashboard.currencies
    for row in currencies.to_dict("records"):
        name = "Budget" if len(currencies) == 1 else f"Budget {row['amounts_in']}"
        budgets = {name_: row[f"{name_.lower().replace(' ', '_')}_budget"] for name_ in (*RAGS, NOT_REPORTED)}
        rows.append((name, budgets))
    return rows


def _committee(summary: ExecutiveSummary, today: dt.date | None) -> str:
    """The needs management answered (`pmo decide`), shown closed, and the actions they set, overdue ones flagged
    against the report's date. Nothing when no decision was recorded."""
    if summary.decided.empty and summary.actions.empty:
        return ""
    decided = _table(
        summary.decided,
        [("project_id", "Project", "id"), ("id", "ID", "id"), ("decision", "Decision needed", "text"),
         ("closed", "Closed", "text")],
        "None.",
    )  # fmt: skip
    actions = summary.actions.copy()
    late = overdue_actions(actions, today) if today is not None else pd.Series(False, index=actions.index)
    done = actions["done_on"].map(lambda day: f"done {done_by(day, today):%Y-%m-%d}" if done_by(day, today) else "")
    actions["flag"] = [("OVERDUE" if overdue else said) for overdue, said in zip(late, done, strict=True)]
    overdue = int(late.sum())
    finished = int((done != "").sum())
    count = f"{overdue} overdue" + (f", {finished} done" if finished else "")
    return f"""<h3>Decided by management: closed</h3>{decided}
<h3>Actions from the decisions ({count})</h3>{_table(actions, [("due", "Due", "date"), ("flag", "Overdue or done", "flag"), ("project_id", "Project", "id"), ("answers", "Answers", "id"), ("action", "Action", "text"), ("action_owner", "Owner", "text")], "No action was set.")}
"""


def _executive_summary(
    dashboard: Dashboard, summary: ExecutiveSummary, limit: int = 3, today: dt.date | None = None
) -> str:
    committee = _committee(summary, today)
    since = f" since {summary.previous_period}" if summary.previous_period else ""
    share_chart = stacked_share_bars(_share_rows(dashboard), "Share of projects and of budget by RAG")
    new_reds = _capped(
        summary.new_reds,
        [("project_id", "Project", "id"), ("project_name", "Name", "text"), ("programme", "Programme", "text"),
         ("previous_rag", "Was", "rag"), ("rag", "Now", "rag"), ("derived_rag", "Rules say", "rag")],
        f"No project turned red{since}.",
        limit,
    )  # fmt: skip
    risk_columns = [("project_id", "Project", "id"), ("id", "ID", "id"), ("type", "Type", "text"),
                    ("description", "Description", "text"), ("owner", "Owner", "text"),
                    ("severity", "Severity", "count")]  # fmt: skip
    slipped = _capped(
        summary.slipped_key_milestones,
        [("project_id", "Project", "id"), ("id", "ID", "id"), ("name", "Key milestone", "text"),
         ("previous_forecast", "Was", "date"), ("forecast", "Now", "date"), ("moved_days", "Moved (days)", "count")],
        f"No key milestone slipped{since}.",
        limit,
    )  # fmt: skip
    rebaselines = _capped(
        summary.rebaselines.assign(
            covered=summary.rebaselines["covered"].map({True: "yes", False: "no: the PMO's baseline is used"})
        ),
        [("project_id", "Project", "id"), ("project_name", "Name", "text"), ("changes", "Baseline change", "text"),
         ("covered", "Covered by approved CR", "text")],
        f"No baseline changed{since}.",
        limit,
    )  # fmt: skip
    decisions = _capped(
        summary.decisions,
        [("required_by", "Needed by", "date"), ("project_id", "Project", "id"), ("id", "ID", "id"),
         ("decision", "Decision needed", "text"), ("owner", "Owner", "text")],
        "No decision is waiting for management.",
        limit + 2,
    )  # fmt: skip
    escalated = _capped(
        summary.escalations,
        [("project_id", "Project", "id"), ("id", "ID", "id"), ("description", "Description", "text"),
         ("owner", "Owner", "text"), ("severity", "Severity", "count"), ("due_date", "Due", "date")],
        "No risk or issue is escalated.",
        limit,
    )  # fmt: skip
    new_risks = summary.new_risks.sort_values("severity", ascending=False, na_position="last")
    closed_risks = summary.closed_risks.sort_values("severity", ascending=False, na_position="last")
    headlines = "".join(f"<li>{_e(line)}</li>" for line in summary.headlines())
    return f"""<section class="summary" id="executive-summary">
<h1>Portfolio report {_e(summary.period)}</h1>
<p class="sub">{_e(summary.scope)} &middot; executive summary &middot; changes{_e(since) or " (first period)"}</p>
{_tiles(dashboard)}
<div class="cols"><div><h3>At a glance</h3><ul>{headlines}</ul></div><div>{share_chart}</div></div>
<h2>Decisions needed from management</h2>{decisions}
{committee}<h3>Risks and issues escalated to management</h3>{escalated}
<h2>What changed{_e(since)}</h2>
<h3>New reds</h3>{new_reds}
<div class="cols"><div><h3>New risks and issues</h3>{_capped(new_risks, risk_columns, "No new risk or issue.", limit)}</div>
<div><h3>Closed risks and issues</h3>{_capped(closed_risks, risk_columns, "No risk or issue closed.", limit)}</div></div>
<h3>Key milestones that slipped</h3>{slipped}
<h3>Re-baselines</h3>{rebaselines}
</section>"""


def _all_changes(summary: ExecutiveSummary) -> str:
    """Every change and decision, uncapped: the executive summary shows the first few of each."""
    since = f" since {summary.previous_period}" if summary.previous_period else ""
    risk_columns = [("project_id", "Project", "id"), ("id", "ID", "id"), ("type", "Type", "text"),
                    ("description", "Description", "text"), ("owner", "Owner", "text"),
                    ("severity", "Severity", "count")]  # fmt: skip
    return f"""<h2>All changes{_e(since)} and decisions</h2>
<h3>Decisions needed</h3>
{_table(summary.decisions, [("required_by", "Needed by", "date"), ("project_id", "Project", "id"), ("project_name", "Name", "text"), ("id", "ID", "id"), ("decision", "Decision needed", "text"), ("owner", "Owner", "text")], "None.")}
<h3>Escalated risks and issues</h3>
{_table(summary.escalations, [*risk_columns, ("due_date", "Due", "date")], "None.")}
<h3>New reds</h3>
{_table(summary.new_reds, [("project_id", "Project", "id"), ("project_name", "Name", "text"), ("previous_rag", "Was", "rag"), ("rag", "Now", "rag")], "None.")}
<h3>New risks and issues</h3>{_table(summary.new_risks, risk_columns, "None.")}
<h3>Closed risks and issues</h3>{_table(summary.closed_risks, risk_columns, "None.")}
<h3>Key milestones that slipped</h3>
{_table(summary.slipped_key_milestones, [("project_id", "Project", "id"), ("id", "ID", "id"), ("name", "Key milestone", "text"), ("previous_forecast", "Was", "date"), ("forecast", "Now", "date"), ("moved_days", "Moved (days)", "count")], "None.")}
<h3>Re-baselines</h3>
{_table(summary.rebaselines, [("project_id", "Project", "id"), ("project_name", "Name", "text"), ("changes", "Baseline change", "text")], "None.")}
<h3>PMO-owned figures changed without an approved change request</h3>
<p class="sub">The dashboard and this report use the PMO's figure until an approved change request covers the change.
The cell is named on the Submissions sheet of portfolio.xlsx and in the output of pmo collect.</p>
{_table(_pmo_field_changes(summary), [("project_id", "Project", "id"), ("project_name", "Name", "text"), ("period", "Period", "text"), ("message", "What changed", "text"), ("place", "In the PM's workbook", "text")], "None: every PMO-owned figure is as the PMO set it.")}"""


def _pmo_field_changes(summary: ExecutiveSummary) -> pd.DataFrame:
    """The changed PMO-owned figures, each with where to find it in the PM's workbook (by defined name or item)."""
    from pmo_xl.templates.catalog import PROJECT_STATUS

    milestones = PROJECT_STATUS.table("Milestones")
    changes = summary.pmo_field_changes
    places = [
        f"{milestones.sheet} sheet, milestone {item_id}, Baseline date" if item_id
        else f"{PROJECT_STATUS.main_sheet} sheet, the cell named {field}"
        for field, item_id in zip(changes["field"], changes["item_id"], strict=True)
    ]  # fmt: skip
    return changes.assign(place=places)


def _detail(dashboard: Dashboard, views: PortfolioViews, summary: ExecutiveSummary) -> str:
    trend = dashboard.trend
    trend_chart = stacked_columns(
        [str(p) for p in trend["period"]], {rag: list(trend[rag]) for rag in (*RAGS, NOT_REPORTED)},
        "RAG trend across periods (from the ledger)",
    )  # fmt: skip
    check = dashboard.rag_check
    biggest = dashboard.budget.head(12)
    several = len(dashboard.currencies) > 1
    budget_chart = grouped_bars(
        [
            f"{row.project_id} {row.project_name}" + (f" ({row.amounts_in})" if several else "")
            for row in biggest.itertuples()
        ],
        {"Budget": list(biggest["budget"]), "Forecast (EAC)": [_float(v) for v in biggest["forecast"]]},
        "Budget against forecast at completion, largest budgets",
    )
    top_progress = dashboard.progress.head(12)
    progress_chart = grouped_bars(
        [f"{row.project_id} {row.project_name}" for row in top_progress.itertuples()],
        {
            "% complete": [_float(v) for v in top_progress["percent_complete"]],
            "% budget spent": [_float(v) for v in top_progress["percent_budget_spent"]],
            "% milestones met": [_float(v) for v in top_progress["percent_milestones_met"]],
        },
        "% complete against % budget spent and % milestones met",
        percent=True,
    )
    scale = dashboard.money
    # Every project of the register, reported or not: its latest report (the period named), or its register row.
    everyone = pd.concat([views.status, views.unreported], ignore_index=True) if len(views.unreported) else views.status
    records = everyone.to_dict("records")
    everyone = everyone.assign(
        budget=[scale.budget(row) if scale.key(row) else None for row in records],
        estimate_at_completion=[scale.amount(row.get("estimate_at_completion"), row) for row in records],
        amounts_in=[scale.key(row) for row in records],
    )
    inactive = everyone["coverage"].isin(("on hold", "closed", "pipeline"))
    status, not_active = everyone[~inactive], everyone[inactive]
    return f"""<section id="detail">
{_all_changes(summary)}
<h2>Budget per currency</h2>
<p class="sub">{_e(money_note(dashboard))}{_e(_cover_note(dashboard))}</p>
{_table(dashboard.currencies, [("amounts_in", "Amounts in", "text"), ("projects", "Projects", "count"), ("budget", "Budget", "money"), ("forecast", "Forecast (EAC)", "money"), ("variance", VARIANCE_HEADER, "money"), ("red_budget", "Budget at Red", "money"), ("share_of_budget_at_red", "Share of budget at Red", "percent")], "No budget data.")}
<h2>RAG trend</h2>{trend_chart}
{_table(trend, [("period", "Period", "text"), *((r, r, "count") for r in (*RAGS, NOT_REPORTED)), ("red_budget", "Budget at Red", "money"), ("amounts_in", "Amounts in", "text")], "No history yet.")}
<h2>By stage</h2>
{_table(dashboard.stage, [("stage", "Stage", "text"), *((r, r, "count") for r in (*RAGS, NOT_REPORTED)), ("projects", "Projects", "count"), ("budget", "Budget", "money"), ("amounts_in", "Amounts in", "text")], "No projects.")}
<h2>Declared RAG against the PMO's rules</h2>
{_table(check, [("rag", "RAG", "rag"), ("declared", "Declared by PMs", "count"), ("derived", "Derived by rules", "count")], "No RAG data.")}
{_table(dashboard.disagreements, [("project_id", "Project", "id"), ("project_name", "Name", "text"), ("declared", "PM says", "rag"), ("derived", "Rules say", "rag"), ("reason", "Why", "text")], "Every declared RAG agrees with the rules.")}
<h2>Key milestones slipping against baseline</h2>
{_table(dashboard.slipping_milestones, [("project_id", "Project", "id"), ("milestone_id", "ID", "text"), ("milestone", "Milestone", "text"), ("baseline_date", "Baseline", "date"), ("forecast_date", "Forecast", "date"), ("slip_days", "Slip (days)", "count"), ("moved_this_period_days", "Moved this period", "count")], "No key milestone is forecast after its baseline.")}
<h2>Progress: complete, spent, milestones met</h2>{progress_chart}
<h2>Top risks and issues</h2>
{_table(dashboard.top_risks, [("project_id", "Project", "id"), ("id", "ID", "id"), ("type", "Type", "text"), ("description", "Description", "text"), ("owner", "Owner", "text"), ("severity", "Severity", "count"), ("financial_exposure", "Exposure", "money"), ("amounts_in", "Amounts in", "text"), ("proximity", "Proximity", "text")], "No open risk or issue.")}
<h2>Budget against forecast</h2>{budget_chart}
{_table(dashboard.budget, [("project_id", "Project", "id"), ("project_name", "Name", "text"), ("budget", "Budget", "money"), ("forecast", "Forecast (EAC)", "money"), ("actual_to_date", "Actual", "money"), ("variance", VARIANCE_HEADER, "money"), ("variance_percent", "Variance %", "percent"), ("amounts_in", "Amounts in", "text")], "No budget data.")}
<h2>Capacity hot spots</h2>
{_hot_spots(dashboard)}
<h2>Submission tracker</h2>
{_table(dashboard.submission_states, [("state", "State", "text"), ("projects", "Projects", "count")], "No tracker.")}
{_table(dashboard.outstanding_reports, [("project_id", "Project", "id"), ("project_name", "Name", "text"), ("project_manager", "Project manager", "text"), ("state", "State", "text"), ("latest_period", "Latest report", "text"), ("due_date", "Due", "date"), ("note", "Note", "text")], "Every active project reported for the period.")}
<h2>All active projects</h2>
<p class="note">Every active project of the register, with its state for {_e(dashboard.period)}: reporting, late, not due (its cadence), returned for correction, stale (the RAG shown is from its latest report, for the period named) or never reported.</p>
{_table(status, [("project_id", "Project", "id"), ("project_name", "Name", "text"), ("programme", "Programme", "text"), ("stage", "Stage", "text"), ("coverage", "State", "text"), ("period", "Report for", "text"), ("rag_overall", "RAG", "rag"), ("rag_derived", "Rules", "rag"), ("percent_complete", "Complete", "percent"), ("budget", "Budget", "money"), ("estimate_at_completion", "EAC", "money"), ("amounts_in", "Amounts in", "text"), ("forecast_end_date", "Forecast end", "date")], "No projects.")}
<h2>Not active: on hold, closed, pipeline</h2>
{_table(not_active, [("project_id", "Project", "id"), ("project_name", "Name", "text"), ("programme", "Programme", "text"), ("coverage", "State", "text"), ("period", "Last report", "text"), ("budget", "Budget", "money"), ("amounts_in", "Amounts in", "text")], "None.")}
</section>"""


def _hot_spots(dashboard: Dashboard) -> str:
    columns = [("role", "Role", "text"), ("month", "Month", "text"), ("demand_fte", "Demand FTE", "number"),
               ("capacity_fte", "Capacity FTE", "number"), ("utilisation", "Utilisation", "percent"),
               ("shortfall_fte", "Shortfall FTE", "number")]  # fmt: skip
    hot = dashboard.capacity_hot_spots
    note = ""
    if "scope_demand_fte" in hot.columns and hot["scope_demand_fte"].notna().any():
        # Capacity is shared: the shortfall is the portfolio's, the last column this view's share of the demand.
        columns.append(("scope_demand_fte", f"Demand of {dashboard.scope}", "number"))
        note = '<p class="sub">Capacity is shared by the portfolio: these are its shortfalls that this view\'s projects draw on.</p>'
    return note + _table(hot, columns, "No role is over capacity (or no capacity plan was given).")


def _float(value: object) -> float | None:
    """A chart's value: a number, or None for a blank or a per-currency text (never parsed)."""
    return as_float(value)


def render_report(
    dashboard: Dashboard, summary: ExecutiveSummary, views: PortfolioViews, written_on: dt.date | None = None
) -> str:
    """The whole HTML document as text. Pure: the date in its footer is `written_on` (the caller's today), never
    read from the clock here, so the same inputs give the same document."""
    token = _MONEY_DECIMALS.set(dashboard.money.decimals)
    try:
        return _document(dashboard, summary, views, written_on)
    finally:
        _MONEY_DECIMALS.reset(token)


def _document(
    dashboard: Dashboard, summary: ExecutiveSummary, views: PortfolioViews, written_on: dt.date | None
) -> str:
    written = f" on {written_on.isoformat()}" if written_on is not None else ""
    title = f"Portfolio report {summary.period} ({summary.scope})"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title><style>{_CSS}</style></head>
<body><main>
{_executive_summary(dashboard, summary, today=written_on)}
{_detail(dashboard, views, summary)}
<footer>Written by pmo from the ledger{written}. Trends come from the ledger's history of
accepted submissions; items are matched across periods by their stable ids.</footer>
</main></body></html>
"""


def write_report(
    path: Path | str,
    dashboard: Dashboard,
    summary: ExecutiveSummary,
    views: PortfolioViews,
    written_on: dt.date | None = None,
) -> Path:
    """Write the report atomically, dated `written_on` (default: today, read here in the shell); returns its path."""
    document = render_report(dashboard, summary, views, written_on or dt.date.today())
    return write_bytes_atomic(Path(path), document.encode("utf-8"))


def export_report(source: ReportSource, out: Path | str) -> Path:
    """`pmo report` and the ribbon's Export report: the ledger in, OUT.html written."""
    from pmo_xl.reporting.dashboard import executive_summary, scope_views

    inputs, dashboard = source.load()
    summary = executive_summary(inputs.views, inputs.items, audience=source.audience)
    views, _items, _scope = scope_views(inputs.views, inputs.items, source.audience)
    return write_report(out, dashboard, summary, views, source.today)
