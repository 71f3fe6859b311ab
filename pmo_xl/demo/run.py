"""`pmo demo`: the whole PMO cycle on made-up data, in one folder, in well under a minute.

register -> project workbooks (per period, carried forward from the ledger) -> simulated PM submissions, a few
faulty -> collect into the ledger and portfolio.xlsx -> capacity plan -> scoring and selection of the request
pipeline -> dashboard -> report.html. Every step calls the same core function as its `pmo` command, so the demo
shows exactly what the PMO gets. The data are made up in code from a fixed seed: the same command gives the same
projects, and nothing outside the output folder is read.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pmo_xl.errors import OutputError
from pmo_xl.excel.files import write_bytes_atomic
from pmo_xl.periods import current_period, first_day, month_add, year_and_month
from pmo_xl.reporting.calendar import due_date
from pmo_xl.reporting_calendar import calendar_ics, reporting_periods
from pmo_xl.settings import PmoSettings
from pmo_xl.templates.catalog import DEFAULT_ROLES, PROJECT_STATUS, STAGES

Progress = Callable[[str], None]

PROGRAMMES = ("Digital Customer", "Back Office", "Data & Analytics", "Operations", "Security")
BUSINESS_UNITS = {
    "Digital Customer": "Sales & Marketing",
    "Back Office": "Finance",
    "Data & Analytics": "Technology",
    "Operations": "Operations",
    "Security": "Technology",
}
_PROJECT_NAMES = (
    "Customer portal relaunch", "ERP finance upgrade", "Data platform foundation", "Warehouse scanning rollout",
    "Cyber resilience uplift", "HR self-service", "Mobile app refresh", "Invoice automation", "Master data clean-up",
    "Network refresh", "Identity and access management", "Contact centre migration", "Pricing engine",
    "Supplier portal", "Fleet telematics", "Document management", "Payroll consolidation", "Analytics self-service",
    "Field service scheduling", "Backup modernisation",
)  # fmt: skip
_PEOPLE = (
    "Ana Ruiz", "Tom Becker", "Priya Nair", "Jonas Weber", "Lea Martin", "Omar Haddad", "Sofia Rossi", "Ken Sato",
    "Maja Nowak", "Lucas Silva", "Ines Costa", "Erik Lund",
)  # fmt: skip
_SPONSORS = ("Claire Dubois", "Ingrid Olsen", "Marc Lefèvre", "Rita Campos")
_REQUEST_TITLES = (
    "Self-service analytics for sales", "E-invoicing mandate", "Chatbot for customer service", "New CRM",
    "Data retention compliance", "Robotic process automation pilot", "Cloud cost dashboard", "Loyalty programme",
    "Warehouse robotics study", "Zero-trust network", "Supplier risk scoring", "Digital onboarding",
)  # fmt: skip
# Faults a real inbox sees most: a missing rationale, text in a number cell, an ambiguous date, a renamed header.
DEMO_FAULTS = ("missing_rationale", "text_in_number", "ambiguous_date", "renamed_header")
REQUEST_STAGES = ("approved", "in review", "submitted", "draft")


@dataclass(frozen=True)
class DemoResult:
    """What the demo wrote, for the CLI to point at."""

    out: Path
    periods: tuple[str, ...]
    portfolio: Path
    report: Path
    ledger: Path
    inbox: Path
    capacity_plan: Path
    request_scores: Path
    request_selection: Path
    register: Path
    accepted: int
    rejected: tuple[str, ...] = field(default_factory=tuple)
    summary_lines: tuple[str, ...] = field(default_factory=tuple)
    # How the numbers add up: projects in the register by lifecycle status, the requests in the pipeline, and the
    # last period's reports (sent, late); `explanation` says it in words.
    projects_by_status: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    late: int = 0
    # Every file and folder the demo wrote at the top of `out`, with what it is: "Where to look".
    files: tuple[tuple[Path, str], ...] = field(default_factory=tuple)
    # The coaching loop: the report returned with a feedback draft and then corrected (project id), if any.
    corrected: str = ""

    @property
    def explanation(self) -> tuple[str, ...]:
        """Why the demo generated the workbooks it did, and how the last period's reports add up."""
        by_status = self.projects_by_status
        total = sum(by_status.values())
        active = by_status.get("active", 0)
        others = ", ".join(f"{count} {status}" for status, count in by_status.items() if status != "active")
        last = self.periods[-1]
        sent = active - self.late
        return (
            f"{total} projects in the register ({self.register.name}): {active} active, who report every month"
            + (f"; {others}, who do not report" if others else "")
            + ".",
            f"{active} status workbooks generated for each of {len(self.periods)} periods ({', '.join(self.periods)}).",
            f"{last}: {sent} reports sent ({self.late} PM late), {len(self.rejected)} rejected, {self.accepted} "
            "accepted and counted.",
            f"{self.requests} requests in the pipeline ({self.request_scores.name} ranks them, "
            f"{self.request_selection.name} chooses among them).",
            *(
                (
                    f"{self.corrected}'s report was returned with a feedback e-mail (mail/), sent back corrected "
                    "(corrections/) and accepted on a second collect: the Missing sheet says 'corrected after 1 "
                    "return(s)', and pmo-coaching.xlsx counts the return for its PM.",
                )
                if self.corrected
                else ()
            ),
        )


# -- the embedded sample data ---------------------------------------------------------------------------------


def sample_register(projects: int, first_period: str, seed: int = 7) -> list[dict[str, object]]:
    """Register rows: ids, names, programmes, stages, lifecycle states and budgets from 80 k to 5 m."""
    rng = random.Random(seed)
    start_year, start_month = year_and_month(first_period)
    rows = []
    for number in range(1, projects + 1):
        name = _PROJECT_NAMES[(number - 1) % len(_PROJECT_NAMES)]
        if number > len(_PROJECT_NAMES):
            name = f"{name} {(number - 1) // len(_PROJECT_NAMES) + 1}"
        start = dt.date(start_year, start_month, 1) - dt.timedelta(days=rng.randint(60, 420))
        end = start + dt.timedelta(days=rng.randint(300, 800))
        lifecycle = "on hold" if number % 17 == 0 else "closed" if number % 23 == 0 else "active"
        # A few large projects among many small ones: weighting by budget must show what counting hides.
        budget = rng.choice((80, 120, 150, 200, 250, 300, 450, 600)) if number % 9 else rng.choice((2400, 5000))
        manager = _PEOPLE[(number - 1) % len(_PEOPLE)]
        rows.append(
            {
                "project_id": f"PRJ-{number:03d}",
                "project_name": name,
                "project_manager": manager,
                "pm_email": manager.lower().replace(" ", ".") + "@example.org",
                "sponsor": rng.choice(_SPONSORS),
                "programme": PROGRAMMES[(number - 1) % len(PROGRAMMES)],
                "business_unit": BUSINESS_UNITS[PROGRAMMES[(number - 1) % len(PROGRAMMES)]],
                "stage": rng.choices(STAGES, weights=(1, 2, 6, 1))[0],
                "lifecycle_status": lifecycle,
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
                "budget": budget,
                "currency": "EUR",
                "money_unit": "k",
            }
        )
    return rows


def sample_requests(count: int, first_month: str, seed: int = 11) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The request pipeline (criteria, costs per fiscal year, stage) and its resource estimates."""
    from pmo_xl.portfolio.criteria import DEFAULT_MODEL

    rng = random.Random(seed)
    year = year_and_month(first_month)[0]
    requests, estimates = [], []
    for number in range(1, count + 1):
        request_id = f"REQ-{number:03d}"
        start = month_add(first_month, rng.randint(1, 6))
        duration = rng.randint(4, 12)
        row: dict[str, object] = {
            "request_id": request_id,
            "title": _REQUEST_TITLES[(number - 1) % len(_REQUEST_TITLES)],
            "sponsor": rng.choice(_SPONSORS),
            "stage": rng.choice(REQUEST_STAGES),
            "mandatory": "no",
            "start_month": start,
            "duration_months": duration,
            f"cost_FY{year + 1}": rng.choice((60, 120, 200, 350, 500)),
            f"cost_FY{year + 2}": rng.choice((0, 40, 100, 250)),
        }
        for criterion in DEFAULT_MODEL.criteria:
            level = rng.randint(1, 5)
            row[f"pmo_{criterion.criterion_id}"] = level
            row[f"requester_{criterion.criterion_id}"] = min(5, level + rng.choice((0, 0, 1)))
        requests.append(row)
        for role in rng.sample(DEFAULT_ROLES[:6], rng.randint(1, 3)):
            fte = rng.choice((0.5, 1.0, 1.5))
            estimates += [
                {"request_id": request_id, "role": role, "month": month_add(start, offset), "fte": fte}
                for offset in range(duration)
            ]
    return pd.DataFrame(requests), pd.DataFrame(estimates, columns=["request_id", "role", "month", "fte"])


SCARCE_ROLES = ("Data Engineer", "Solution Architect", "Security Specialist")
DEMO_PRODUCTIVE_RATIO = 0.75


def sample_capacity(committed: pd.DataFrame, first_month: str) -> pd.DataFrame:
    """The Capacity table, sized against the sample's committed demand (`role`, `fte` per project-month rows of
    the latest reports): the scarce roles get about 70 % of their peak demand, so they run hot, and every other
    role about 135 %, so the request pipeline has room to be chosen from (also in a demo of a few projects)."""
    months = committed.groupby(["role", "month"])["fte"].sum() if len(committed) else pd.Series(dtype=float)
    peak = months.groupby(level="role").max().to_dict() if len(months) else {}
    rows = []
    for role in DEFAULT_ROLES:
        share = 0.7 if role in SCARCE_ROLES else 1.35
        net = peak.get(role, 0.0) * share
        rows.append(
            {"role": role, "person": "", "from_month": first_month, "to_month": "",
             "fte": max(round(net / DEMO_PRODUCTIVE_RATIO * 2) / 2, 1.0), "hours_per_month": None,
             "productive_ratio": DEMO_PRODUCTIVE_RATIO}
        )  # fmt: skip
    return pd.DataFrame(rows)


# -- the run ------------------------------------------------------------------------------------------------------


def demo_periods(today: dt.date, count: int = 3, settings: PmoSettings | None = None) -> tuple[str, ...]:
    """The last `count` months whose reporting cut-off is behind `today`.

    Early in a month the previous month's reports are not due yet, so a late PM would show as "not due"; ending
    on the latest period already past its cut-off makes the late PM and the rejected files show as missing on
    any day the demo runs, with `today` the real date.
    """
    settings = settings or PmoSettings()
    last = month_add(current_period(today), -1)
    while today <= due_date(last, settings):
        last = month_add(last, -1)
    return tuple(month_add(last, offset) for offset in range(-count + 1, 1))


def _write_register(rows: list[dict[str, object]], path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _write_tables(path: Path, tables: dict[str, pd.DataFrame]) -> Path:
    """Plain workbook with one Excel table per frame, named as `pmo capacity --requests` reads them."""
    from pmo_xl.portfolio.scoring import write_frame, write_workbook_atomically

    def build(workbook) -> None:
        for name, frame in tables.items():
            write_frame(workbook, name, frame)

    return write_workbook_atomically(path, build)


def run_demo(
    out: Path,
    projects: int = 50,
    periods: int = 3,
    seed: int = 7,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> DemoResult:
    """Run the whole cycle into `out` (created; must be empty or a previous demo's folder)."""
    from pmo_xl.collect.run import CollectRequest
    from pmo_xl.demo.data import fill_demo_submission
    from pmo_xl.demo.online import run_online_demo
    from pmo_xl.generate.carry_forward import carry_forward_from_ledger
    from pmo_xl.generate.generator import generate_for_records
    from pmo_xl.monthly import run_collect
    from pmo_xl.portfolio.capacity import CapacitySettings
    from pmo_xl.portfolio.capacity_report import write_capacity_workbook
    from pmo_xl.portfolio.criteria import DEFAULT_MODEL
    from pmo_xl.portfolio.scoring import score_requests, with_scores, write_scores_workbook
    from pmo_xl.portfolio.selection import SelectionSettings, select_portfolio, write_selection_workbook
    from pmo_xl.register import read_register
    from pmo_xl.reporting.dashboard import (
        build_dashboard,
        executive_summary,
        plan_portfolio_capacity,
    )
    from pmo_xl.reporting.load import read_item_history
    from pmo_xl.reporting.portfolio_workbook import write_portfolio_with_dashboard
    from pmo_xl.reporting.report_html import write_report
    from pmo_xl.reporting.views import latest_resources

    say = progress or (lambda _text: None)
    today = today or dt.date.today()
    out = Path(out)
    if projects < 1:
        raise OutputError("--projects must be at least 1")
    _prepare_folder(out)
    period_list = demo_periods(today, periods)
    rng = random.Random(seed)

    register_path = _write_register(sample_register(projects, period_list[0], seed), out / "register.csv")
    records = read_register(register_path, PROJECT_STATUS)
    reporting = [record for record in records if record.lifecycle_status == "active"]
    ledger = out / "pmo_ledger.db"
    inbox = out / "inbox"
    collected = None
    late_count = 0
    rejected: list[str] = []
    for index, period in enumerate(period_list):
        last = index == len(period_list) - 1
        say(f"{period}: generating {len(reporting)} project workbooks (the active projects) and filling them as the "
            "PMs would")  # fmt: skip
        carry = carry_forward_from_ledger(ledger) if ledger.exists() else None
        generated = generate_for_records(
            PROJECT_STATUS, reporting, out / "workbooks" / period, period, force=True, carry_forward=carry,
            today=_period_day(period),
        )  # fmt: skip
        period_inbox = inbox / period
        # In the last period one PM is late (nothing sent) and a few files are faulty, as in any real month.
        late = {generated[-1].project_id} if last and len(generated) > 3 else set()
        late_count = len(late)
        # At least two faulty files (a small demo too): one is corrected after its feedback, one stays returned.
        chosen = generated[1:-1:12] if len(generated[1:-1:12]) > 1 or len(generated) < 5 else generated[1:3]
        faulty = {g.project_id: DEMO_FAULTS[n % len(DEMO_FAULTS)] for n, g in enumerate(chosen)}
        for workbook in generated:
            if workbook.project_id in late:
                continue
            fault = faulty.get(workbook.project_id) if last else None
            fill_demo_submission(workbook.path, period_inbox / workbook.path.name, rng, None, fault)
        say(f"{period}: collecting {period_inbox}")
        if last:
            say(f"{period}: writing one send-out e-mail draft per PM (mail/send-out/)")
            _send_out(records, generated, period, ledger, out / "mail" / "send-out")
        collected = run_collect(
            # The register recorded with the run, as `pmo collect --register` does: a later `pmo dashboard` on the
            # demo's ledger shows each project's programme, unit and stage without being given it again.
            CollectRequest(
                inbox=period_inbox,
                ledger=ledger,
                register=records,
                period=period,
                today=today,
                register_source=(str(register_path), _sha256(register_path)),
                chasers=out / "mail" if last else None,
            )
        )
        rejected += [
            f"{verdict.path}: {verdict.errors[0].describe() if verdict.errors else 'rejected'}"
            for verdict in collected.verdicts
            if verdict.status == "rejected"
        ]
    assert collected is not None and collected.views is not None
    accepted = sum(1 for verdict in collected.verdicts if verdict.status == "accepted")
    # The coaching loop: the first returned report is corrected by its PM after the feedback draft and collected
    # again; the scorecard is written from the ledger that now holds the return and the correction.
    returned = [v for v in collected.verdicts if v.status == "rejected" and v.project_id]
    corrected = ""
    if returned:
        corrected = returned[0].project_id
        workbook = next(g for g in generated if g.project_id == corrected)
        say(f"{period_list[-1]}: {corrected}'s PM sends the corrected report back; collecting it")
        fill_demo_submission(workbook.path, out / "corrections" / period_list[-1] / workbook.path.name, rng)
    # The steering committee answers one need of the month's reports (as pmo decide does), before the views are
    # built again: the report and the review pack show it closed, with the action it sets.
    decided = _committee_decision(ledger, collected.views, corrected, today)
    if decided:
        say(f"{period_list[-1]}: the steering committee decides {decided} (pmo decide)")
    again = run_collect(
        CollectRequest(
            inbox=out / "corrections" / period_list[-1] if corrected else inbox / period_list[-1],
            ledger=ledger,
            register=records,
            period=period_list[-1],
            today=today,
            chasers=out / "mail",
            coaching=out / "pmo-coaching.xlsx",
        )
    )
    assert again.views is not None
    views = again.views
    items = read_item_history(ledger, views)

    say("planning capacity and scoring the request pipeline")
    requests, request_resources = sample_requests(max(6, projects // 4), period_list[-1], seed)
    capacity = sample_capacity(latest_resources(views.resources), period_list[-1])
    plan = plan_portfolio_capacity(capacity, views, requests, request_resources, CapacitySettings(horizon_months=12))
    _write_tables(out / "requests.xlsx", {"Requests": requests, "RequestResources": request_resources})
    _write_tables(out / "capacity.xlsx", {"Capacity": capacity})
    capacity_path = write_capacity_workbook(plan, out / "capacity_plan.xlsx", force=True)
    scores = score_requests(requests, DEFAULT_MODEL, "pmo")
    scores_path = write_scores_workbook(scores, out / "request_scores.xlsx")
    scored, _warnings = with_scores(requests, DEFAULT_MODEL, "pmo")
    year = year_and_month(period_list[-1])[0]
    budget = float(scored[f"cost_FY{year + 1}"].sum()) * 0.5
    selection = select_portfolio(
        scored,
        SelectionSettings(budgets={f"FY{year + 1}": budget}, max_deferral_months=2, time_limit_seconds=10),
        request_resources,
        plan.headroom(),
        scoring_model=DEFAULT_MODEL,
    )
    selection_path = write_selection_workbook(selection, out / "request_selection.xlsx")
    say("saving two portfolio scenarios and comparing them")
    scenarios_path, comparison_path, comparison = _two_scenarios(out, scored, request_resources, year, budget)

    online = run_online_demo(out, period_list[-1], say)
    write_bytes_atomic(
        out / "pmo-reporting.ics",
        calendar_ics(PmoSettings(), reporting_periods(year_and_month(period_list[-1])[0], PmoSettings())),
    )

    say("writing the dashboard and the management report")
    dashboard = build_dashboard(views, items, plan)
    portfolio = write_portfolio_with_dashboard(views, dashboard, out / "portfolio.xlsx")
    summary = executive_summary(views, items)
    report = write_report(out / "report.html", dashboard, summary, views)
    say("printing the steering committee's review pack")
    pack = _review_pack(out, ledger, records, out / "capacity.xlsx", out / "requests.xlsx", today, comparison)
    by_status: dict[str, int] = {}
    for record in records:
        by_status[record.lifecycle_status or "active"] = by_status.get(record.lifecycle_status or "active", 0) + 1
    files = (
        (report, "the management report (open it in a browser)"),
        (portfolio, "the Dashboard sheet, then every view of the portfolio"),
        (register_path, "the project register the cycle started from"),
        (out / "workbooks", "the status workbooks generated for the PMs, one folder per period"),
        (inbox, f"what the PMs sent back, one folder per period ({len(rejected)} rejected)"),
        (
            out / "mail",
            "e-mail drafts (.eml, open in Outlook): send-out/ per PM, feedback on returned reports, reminders",
        ),
        *(
            ((out / "corrections", f"the corrected report {corrected}'s PM sent back after the feedback"),)
            if corrected
            else ()
        ),
        (out / "pmo-coaching.xlsx", "the PMO's data-quality scorecard per PM, for coaching (never for management)"),
        (out / "pmo-reporting.ics", "the reporting calendar: each period's deadline and data-as-of date"),
        (ledger, "the ledger every view and trend comes from"),
        (out / "requests.xlsx", "the request pipeline: Requests and RequestResources tables"),
        (out / "capacity.xlsx", "the Capacity table: each role's FTE and productive ratio"),
        (capacity_path, "demand against capacity by role and month"),
        (scores_path, "the request pipeline scored and ranked"),
        (selection_path, "the requests chosen within budget and capacity"),
        (scenarios_path, "two portfolio scenarios saved with their inputs (pmo scenario save)"),
        (comparison_path, "the two scenarios side by side (pmo scenario compare)"),
        (pack, "the steering committee's review pack: summary, decisions, one page per project (pmo review-pack)"),
        (online.export, "a Project Online export (ProjectData sets, JSON in pages), as a PMO saved it"),
        (online.names, "the names file for its German custom field (pmo import project-online --names)"),
        (
            online.imported,
            f"that export imported: a register of {online.projects} projects, {online.proposals} "
            "proposals as a pipeline, a scoring model, status seeds, two plans, and the workbooks",
        ),
        (out / _DEMO_MARK, "marks the folder as the demo's: a new pmo demo may replace it"),
    )
    return DemoResult(
        out=out,
        periods=period_list,
        portfolio=portfolio,
        report=report,
        ledger=ledger,
        inbox=inbox,
        capacity_plan=capacity_path,
        request_scores=scores_path,
        request_selection=selection_path,
        register=register_path,
        accepted=accepted,
        rejected=tuple(rejected),
        projects_by_status=by_status,
        requests=len(requests),
        late=late_count,
        files=files,
        corrected=corrected,
        summary_lines=(
            *((f"the steering committee decided {decided}",) if decided else ()),
            f"{len(selection.selected_ids)} of {len(requests)} requests selected ({selection.status})",
            f"{len(plan.over_allocations)} capacity over-allocation(s)",
            *summary.headlines(),
        ),
    )


# The committee's action is due two weeks after the meeting: an action is set on or after the day it is decided
# (pmo decide refuses one due earlier), and the decision answers this month's report, so it cannot predate it.
ACTION_DAYS = 14


def _committee_decision(ledger: Path, views, skip: str, today: dt.date) -> str:
    """Record the committee's answer to the first open decision-needed row of this month's reports (not of `skip`,
    whose report is about to be replaced by its correction): approve, with an action for the need's owner. Returns
    what was decided, as the demo's summary says it ('' when no report asks for a decision)."""
    from pmo_xl.decisions import DecisionRequest, record_decisions
    from pmo_xl.ledger import now_stamp
    from pmo_xl.reporting.dashboard import executive_summary
    from pmo_xl.reporting.load import read_item_history

    needs = executive_summary(views, read_item_history(ledger, views)).decisions
    # A need of this month's report (not a late PM's stale one), soonest needed first as the summary lists them.
    reported = set(views.status.loc[views.status["period"] == views.period, "project_id"]) - {skip}
    needs = needs[needs["project_id"].isin(reported)]
    if needs.empty:
        return ""
    need = needs.iloc[0]
    owner = str(need["owner"] or "") or "the project manager"
    due = today + dt.timedelta(days=ACTION_DAYS)
    request = DecisionRequest(
        str(need["project_id"]), str(need["id"]), "approve", "Steering committee", today, due,
        note=f"Approved: {need['decision']}", action="Tell the sponsor and the team, and update the plan",
        action_owner=owner, source="pmo demo",
    )  # fmt: skip
    record_decisions(ledger, [request], now_stamp())
    return f"{request.project_id} {request.answers}: approve, action for {owner} due {due.isoformat()}"


def _two_scenarios(out: Path, scored, resources, year: int, budget: float):
    """Two budgets for next year, each kept as a scenario with its run, and the two side by side."""
    from pmo_xl.portfolio.selection import SelectionSettings
    from pmo_xl.portfolio.selection.compare_workbook import write_comparison_workbook
    from pmo_xl.portfolio.selection.run import OptimizeRequest
    from pmo_xl.portfolio.selection.saved import compare_saved, run_and_keep, saved_scenarios_bytes

    saved = [
        run_and_keep(
            scored,
            OptimizeRequest(
                SelectionSettings(budgets={f"FY{year + 1}": amount}, max_deferral_months=2, time_limit_seconds=10),
                resources=resources,
                scenario_name=name,
            ),
            saved_at=f"{year}-12-01T00:00:00",
            requests_file="requests.xlsx",
        )
        for name, amount in (("Lean", budget), ("Growth", budget * 1.5))
    ]
    scenarios = write_bytes_atomic(out / "scenarios.json", saved_scenarios_bytes(saved))
    compared = compare_saved(saved)
    workbook = write_comparison_workbook(compared, out / "scenario_comparison.xlsx", "Lean or Growth")
    return scenarios, workbook, compared


def _review_pack(out: Path, ledger: Path, records, capacity: Path, requests: Path, today: dt.date, comparison) -> Path:
    """The pack, with the two scenarios' comparison page, as a PDF through Chromium; as HTML (it prints from a
    browser) where no Chromium is installed."""
    from pmo_xl.reporting.load import ReportSource
    from pmo_xl.reporting.pdf import PdfError
    from pmo_xl.reporting.review_pack import export_review_pack

    source = ReportSource(ledger, records, capacity=capacity, requests=requests, today=today)
    try:
        return export_review_pack(source, out / "review-pack.pdf", comparison=comparison)
    except PdfError:
        return export_review_pack(source, out / "review-pack.html", comparison=comparison)


def _send_out(records, generated, period: str, ledger: Path, folder: Path) -> None:
    """The period's send-out drafts, as `pmo generate --mail-drafts` writes them."""
    from pmo_xl.generate.carry_forward import counted_before
    from pmo_xl.generate.sendout import first_send_outs, sendout_drafts
    from pmo_xl.mail import Attachment, write_drafts

    files = {item.project_id: Attachment.of(item.path) for item in generated}
    reported = {pid for pid, ids in counted_before(ledger, "project_status", period).items() if ids}
    drafts, _problems = sendout_drafts(records, files, period, PmoSettings(), first_send_outs(records, reported))
    write_drafts(drafts, folder)


def _period_day(period: str) -> dt.date:
    return first_day(period)


# Not ".pmo-...": that is the prefix of our temporary files, which collect clears from its output folder.
_DEMO_MARK = ".made-by-pmo-demo"


def _prepare_folder(out: Path) -> None:
    """Start clean, but never delete a folder the demo did not make."""
    if out.exists():
        if not out.is_dir():
            raise OutputError(f"{out} is a file; give a folder for the demo")
        if any(out.iterdir()) and not (out / _DEMO_MARK).exists():
            raise OutputError(f"{out} is not empty and was not made by `pmo demo`; give a new or empty folder")
        for child in out.iterdir():
            if child.name != _DEMO_MARK:
                shutil.rmtree(child) if child.is_dir() else child.unlink()
    out.mkdir(parents=True, exist_ok=True)
    (out / _DEMO_MARK).write_text("made by pmo demo; the demo may replace everything in this folder\n")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
