"""The request pipeline from collected request forms: one row per request, in the columns scoring and selection use.

Each form in a folder is read and validated exactly like a status report (`pmo_xl.collect.reader`,
`pmo_xl.collect.validation`); a bad form gets a rejected verdict and stays out of the pipeline, it never stops the run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pmo_xl.collect.inbox import list_inbox
from pmo_xl.collect.migration import to_current_version
from pmo_xl.collect.reader import read_submission
from pmo_xl.collect.validation import validate
from pmo_xl.errors import InputTableError
from pmo_xl.excel.tables import read_table
from pmo_xl.portfolio.financials import appraise
from pmo_xl.submissions import ParsedSubmission, Verdict
from pmo_xl.templates.catalog import PROJECT_REQUEST
from pmo_xl.templates.versions import schema_at
from pmo_xl.values import as_float

MANDATORY_CATEGORY = "Mandatory / regulatory"
RESOURCE_COLUMNS = ("request_id", "role", "person", "month", "fte")
# Discount rate for the NPV of a request's yearly cash flows, first flow at period 0 (see docs/scoring.md).
DEFAULT_DISCOUNT_RATE = 0.08


# The tables of the files pmo score and pmo optimize write: ranked or chosen requests, never the pipeline itself.
PIPELINE_OUTPUTS = {"ScoresTable": "pmo score", "SelectionTable": "pmo optimize"}
REQUEST_TABLES = ("Requests",)
ESTIMATE_TABLES = ("RequestResources", "ResourceEstimates")  # the demo and pmo capacity's name; earlier pipelines'


@dataclass(frozen=True)
class RequestPipeline:
    requests: pd.DataFrame
    resources: pd.DataFrame
    verdicts: tuple[Verdict, ...]
    from_forms: bool = True  # False for a table file, whose requests carry the PMO's scores


def request_row(submission: ParsedSubmission, discount_rate: float = DEFAULT_DISCOUNT_RATE) -> dict[str, object]:
    """One validated request form as a row of the pipeline table."""
    fields = submission.fields
    row: dict[str, object] = {
        "request_id": fields.get("project_id"),
        "title": fields.get("project_name"),
        "stage": "pending",
        "department": fields.get("department"),
        "sponsor": fields.get("sponsor"),
        "requester": fields.get("requester"),
        "mandatory": fields.get("category") == MANDATORY_CATEGORY,
        "hard_deadline": fields.get("hard_deadline"),
        "start_month": _month(fields.get("desired_start")),
        "duration_months": fields.get("duration_months"),
        "confidence": fields.get("estimate_confidence"),
        "currency": fields.get("currency"),
        "money_unit": fields.get("money_unit"),
        "submitted_on": fields.get("submitted_on"),
        "source_file": submission.file_name,
    }
    for score in submission.tables.get("RequesterScores", []):
        if score.get("criterion_id"):
            row[f"requester_{score['criterion_id']}"] = score.get("score")
    costs, benefits = [], []
    for year in submission.tables.get("Financials", []):
        cost = as_float(year.get("capex"), 0.0) + as_float(year.get("opex"), 0.0)
        costs.append(cost)
        benefits.append(as_float(year.get("benefit"), 0.0))
        if year.get("fiscal_year") and (cost or year.get("capex") is not None or year.get("opex") is not None):
            row[f"cost_{year['fiscal_year']}"] = cost
    row["benefit"] = sum(benefits)
    confidence = fields.get("estimate_confidence")
    if costs or benefits:
        appraisal = appraise(costs, benefits, discount_rate, "year", confidence if confidence is not None else 1.0)
        row["npv"] = round(appraisal.npv, 6)
    return row


def _month(value: object) -> str | None:
    return f"{value.year:04d}-{value.month:02d}" if isinstance(value, dt.date) else None


def resource_rows(submission: ParsedSubmission) -> list[dict[str, object]]:
    rows = []
    request_id = submission.fields.get("project_id")
    for estimate in submission.tables.get("ResourceEstimate", []):
        for key, fte in estimate.items():
            if len(key) == 7 and key[4] == "-" and isinstance(fte, int | float) and fte:
                rows.append(
                    {
                        "request_id": request_id,
                        "role": estimate.get("role"),
                        "person": estimate.get("person") or "",
                        "month": key,
                        "fte": float(fte),
                    }
                )
    return rows


def read_request_forms(folder: Path, today: dt.date | None = None) -> RequestPipeline:
    """Every request form under `folder`, validated; rejected forms are listed with their reasons."""
    today = today or dt.date.today()
    paths, verdicts = list_inbox(Path(folder))
    verdicts = list(verdicts)
    accepted: list[ParsedSubmission] = []
    for path in paths:
        parsed, findings = read_submission(path)
        if parsed is not None and parsed.metadata.template_id != PROJECT_REQUEST.template_id:
            verdicts.append(Verdict(str(path), "skipped", (), template_id=parsed.metadata.template_id))
            continue
        if parsed is not None:  # judged by its own version's rules, then moved to the current one, as collect does
            own = schema_at(PROJECT_REQUEST.template_id, parsed.metadata.template_version)
            parsed, more = validate(parsed, own, today)
            findings = [*findings, *more]
        if parsed is None or any(finding.severity == "error" for finding in findings):
            verdicts.append(Verdict(str(path), "rejected", tuple(findings)))
            continue
        parsed, more = to_current_version(parsed)
        findings = [*findings, *more]
        project_id = str(parsed.fields.get("project_id") or "")
        verdicts.append(
            Verdict(
                str(path),
                "accepted",
                tuple(findings),
                project_id=project_id,
                template_id=PROJECT_REQUEST.template_id,
                sha256=parsed.sha256,
            )
        )
        accepted.append(parsed)
    accepted = _latest_per_request(accepted)
    requests = pd.DataFrame([request_row(submission) for submission in accepted])
    known = set(requests["request_id"]) if len(requests) else set()
    if len(requests):
        requests["depends_on"] = [_dependencies(submission, known) for submission in accepted]
    resources = pd.DataFrame(
        [row for submission in accepted for row in resource_rows(submission)], columns=list(RESOURCE_COLUMNS)
    )
    return RequestPipeline(requests, resources, tuple(verdicts))


def read_request_pipeline(source: Path | str, today: dt.date | None = None) -> RequestPipeline:
    """The request pipeline in any of the forms `--requests` (and REQUESTS of pmo score and pmo optimize) take:

    - a folder of request forms (project_request workbooks), each validated, a bad one rejected with its reasons;
    - a workbook with a `Requests` table or sheet (else its first sheet) and, when it has one, a `RequestResources`
      (or `ResourceEstimates`) table of resource estimates: pmo_workbook.xlsm, the demo's requests.xlsx;
    - a CSV of requests (no resource estimates: it adds no demand to a capacity plan).

    The files pmo score and pmo optimize write are refused by name: they rank or choose requests and hold neither
    the stages, months and costs of the requests nor their estimates."""
    path = Path(source)
    if path.is_dir():
        pipeline = read_request_forms(path, today)
        if pipeline.requests.empty:
            raise InputTableError(
                f"{path}: no valid request forms (project_request workbooks) in this folder", file=path.name
            )
        return pipeline
    no_estimates = pd.DataFrame(columns=list(RESOURCE_COLUMNS))
    if path.suffix.lower() == ".csv":
        return RequestPipeline(read_table(path), no_estimates, (), from_forms=False)
    try:
        requests = read_table(path, REQUEST_TABLES)
    except InputTableError as error:
        if not error.not_found:
            raise
        _refuse_pipeline_output(path, error.tables)
        requests = read_table(path, REQUEST_TABLES, first_sheet=True)
    try:
        resources = read_table(path, ESTIMATE_TABLES)
    except InputTableError as error:
        if not error.not_found:
            raise
        resources = no_estimates
    return RequestPipeline(requests, resources, (), from_forms=False)


def _refuse_pipeline_output(path: Path, tables: tuple[str, ...]) -> None:
    for table, command in PIPELINE_OUTPUTS.items():
        if table in tables:
            raise InputTableError(
                f"{path.name} is what `{command}` writes (it ranks or chooses requests, and holds neither their "
                "stages, months and costs nor their resource estimates); give the pipeline it read: a workbook "
                "with a Requests table (requests.xlsx, pmo_workbook.xlsm), a CSV of requests, or a folder of "
                "request forms",
                file=path.name,
            )


def _latest_per_request(submissions: list[ParsedSubmission]) -> list[ParsedSubmission]:
    """A resent form replaces the earlier one: the later in-file submitted-on date wins, never the file time."""
    latest: dict[str, ParsedSubmission] = {}
    for submission in submissions:
        request_id = str(submission.fields.get("project_id"))
        current = latest.get(request_id)
        if current is None or (_submitted(submission), submission.file_name) > (_submitted(current), current.file_name):
            latest[request_id] = submission
    return sorted(latest.values(), key=lambda submission: str(submission.fields.get("project_id")))


def _submitted(submission: ParsedSubmission) -> dt.date:
    value = submission.fields.get("submitted_on")
    return value if isinstance(value, dt.date) else dt.date.min


def _dependencies(submission: ParsedSubmission, known: set[object]) -> str:
    """The dependencies that name another request in the pipeline (others are free text for the reviewer)."""
    named = [str(row.get("depends_on") or "").strip() for row in submission.tables.get("Dependencies", [])]
    return ";".join(name for name in named if name in known and name != submission.fields.get("project_id"))
