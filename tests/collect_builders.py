"""Small, realistic submissions built in memory, for the collect, ledger and views tests."""

from __future__ import annotations

import datetime as dt
import hashlib

from pmo_xl.collect.run import Candidate
from pmo_xl.submissions import Finding, ParsedSubmission
from pmo_xl.templates.metadata import WorkbookMetadata


def status_submission(
    project_id: str = "PRJ-001",
    period: str = "2026-11",
    submitted_on: dt.date = dt.date(2026, 12, 3),
    file_name: str | None = None,
    token: str = "tok-1",
    fields: dict | None = None,
    tables: dict | None = None,
    salt: str = "",
) -> ParsedSubmission:
    values = {
        "project_id": project_id,
        "project_name": f"Project {project_id}",
        "project_manager": "Ana Ruiz",
        "sponsor": "Claire Dubois",
        "programme": "Digital",
        "reporting_period": period,
        "submitted_on": submitted_on,
        "rag_overall": "Green",
        "rag_schedule": "Green",
        "rag_cost": "Green",
        "percent_complete": 0.4,
        "currency": "EUR",
        "money_unit": "k",
        "budget_original": 800.0,
        "budget_current": 800.0,
        "actual_to_date": 300.0,
        "estimate_at_completion": 810.0,
        "start_date": dt.date(2026, 3, 1),
        "baseline_end_date": dt.date(2027, 6, 30),
        "forecast_end_date": dt.date(2027, 6, 30),
        "key_achievements": "Design signed off",
    }
    values.update(fields or {})
    rows = {
        "Milestones": [
            {
                "id": "M-001",
                "name": "Design signed off",
                "key": "Yes",
                "baseline_date": dt.date(2026, 10, 31),
                "forecast_date": dt.date(2026, 10, 31),
                "actual_date": dt.date(2026, 10, 28),
                "status": "Complete",
                "comment": None,
            },
            {
                "id": "M-002",
                "name": "Go live",
                "key": "Yes",
                "baseline_date": dt.date(2027, 6, 1),
                "forecast_date": dt.date(2027, 6, 1),
                "actual_date": None,
                "status": "On track",
                "comment": None,
            },
        ],
        "RAID": [
            {
                "id": "R-001",
                "type": "Risk",
                "description": "Vendor late",
                "owner": "Tom",
                "date_raised": dt.date(2026, 9, 1),
                "probability": 3,
                "impact": 4,
                "severity": None,
                "status": "Open",
            },
            {
                "id": "R-002",
                "type": "Issue",
                "description": "Test environment down",
                "owner": "Ana",
                "date_raised": dt.date(2026, 8, 1),
                "probability": 5,
                "impact": 2,
                "severity": None,
                "status": "Closed",
            },
        ],
        "Benefits": [
            {"id": "B-001", "benefit": "Fewer calls", "owner": "Ops", "type": "Cost saving", "forecast_value": 120.0}
        ],
        "ChangeRequests": [],
        "ResourceDemand": [
            {"role": "Developer", "person": None, **{f"{period[:4]}-{m:02d}": 1.0 for m in range(11, 13)}},
        ],
    }
    rows["ResourceDemand"][0].update({f"{int(period[:4]) + 1}-{m:02d}": 0.5 for m in range(1, 11)})
    rows.update(tables or {})
    name = file_name or f"{project_id} - Status {period}.xlsx"
    digest = hashlib.sha256(f"{project_id}{period}{submitted_on}{token}{salt}{values}".encode()).hexdigest()
    return ParsedSubmission(
        path=f"/inbox/{name}",
        file_name=name,
        sha256=digest,
        size=20_000,
        metadata=WorkbookMetadata("project_status", "1.0", project_id, period, token, "2026-11-01"),
        fields=values,
        tables=rows,
    )


def candidate(submission: ParsedSubmission, *findings: Finding) -> Candidate:
    return Candidate(submission.path, submission, findings)
