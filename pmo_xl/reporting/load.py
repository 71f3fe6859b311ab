"""The one reporting shell: everything a dashboard or report needs, read from the ledger (and a Capacity table).

pmo_xl.reporting.dashboard is pure (frames in, frames out); what opens the ledger or a file lives here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from pmo_xl.derived import current_tables
from pmo_xl.ledger import ledger_location, open_ledger
from pmo_xl.register import ProjectRecord
from pmo_xl.reporting.audience import Audience
from pmo_xl.reporting.dashboard import (
    ITEM_TABLES,
    Dashboard,
    DashboardError,
    ItemHistory,
    build_dashboard,
    item_columns,
    plan_portfolio_capacity,
)
from pmo_xl.reporting.views import STATUS_TEMPLATE, PortfolioViews, load_views
from pmo_xl.settings import PmoSettings, load_settings


def read_item_history(ledger_path: Path | str, views: PortfolioViews) -> ItemHistory:
    """The item tables of each project's latest counted report and the one before it (what "since last period"
    compares), read from the ledger by submission: the only I/O here, and never the whole history."""
    counted = pd.concat([views.status, views.previous], ignore_index=True)[["project_id", "period", "submission_id"]]
    counted = counted.dropna(subset=["submission_id"])
    by_submission = {int(row.submission_id): (row.project_id, row.period) for row in counted.itertuples()}
    frames = {}
    grouped = views.item_rows  # read with the views already: each row is decoded once
    if grouped is None:
        with open_ledger(ledger_path) as ledger:
            grouped = current_tables(ledger, STATUS_TEMPLATE, ITEM_TABLES.values(), by_submission)
    for attribute, table_name in ITEM_TABLES.items():
        rows = [
            {"project_id": by_submission[sid][0], "period": by_submission[sid][1], "submission_id": sid, **row}
            for sid, table_rows in grouped.get(table_name, {}).items()
            if sid in by_submission
            for row in table_rows
        ]
        frames[attribute] = pd.DataFrame(rows, columns=item_columns(rows))
    return ItemHistory(**frames)


@dataclass(frozen=True)
class DashboardInputs:
    views: PortfolioViews
    items: ItemHistory
    capacity_plan: object | None  # pmo_xl.portfolio.capacity.CapacityPlan when a Capacity table was given


def load_dashboard(
    ledger_path: Path | str,
    register: Path | str | Sequence[ProjectRecord] | None = None,
    period: str | None = None,
    settings_path: Path | str | None = None,
    capacity: Path | str | pd.DataFrame | None = None,
    requests: Path | str | None = None,
    csv_locale: str | None = None,
    today: dt.date | None = None,
    settings: PmoSettings | None = None,
    programme: str | None = None,
    business_unit: str | None = None,
    audience: Audience | None = None,
) -> tuple[DashboardInputs, Dashboard]:
    """Everything a dashboard or report needs, read from the ledger (and a Capacity table for the hot spots), and
    the dashboard built from it, narrowed to a programme or business unit: what `pmo dashboard`, `pmo report` and
    the ribbon's Refresh dashboard all start from.

    The register may be a file or records already read, the Capacity table a file or a frame already in memory, and
    the settings an object (`settings`) instead of a file: the ribbon passes its workbook's own tables directly."""
    ledger_path = ledger_location(ledger_path)
    if isinstance(ledger_path, Path) and not ledger_path.exists():
        raise DashboardError(f"{ledger_path}: no ledger here; run `pmo collect` first (or `pmo demo` to try it)")
    settings = settings or load_settings(settings_path)
    views = load_views(ledger_path, register, period, settings, today=today, csv_locale=csv_locale)
    if views.status.empty:
        raise DashboardError(f"{ledger_path}: the ledger holds no accepted status report yet; run `pmo collect`")
    plan = None
    if capacity is not None:
        from pmo_xl.collect.requests import read_request_pipeline
        from pmo_xl.portfolio.capacity import read_capacity

        pipeline, estimates = None, None
        if requests is not None:  # a pipeline workbook, a CSV of requests or a folder of request forms
            read = read_request_pipeline(requests, today)
            pipeline, estimates = read.requests, read.resources
        table = capacity if isinstance(capacity, pd.DataFrame) else read_capacity(capacity)
        plan = plan_portfolio_capacity(table, views, pipeline, estimates)
    items = read_item_history(ledger_path, views)
    views = replace(views, item_rows=None)  # in the items now: not held through the writing of the outputs
    inputs = DashboardInputs(views, items, plan)
    audience = audience or Audience.of(programme, business_unit)
    dashboard = build_dashboard(inputs.views, inputs.items, inputs.capacity_plan, audience=audience)
    return inputs, dashboard


@dataclass(frozen=True)
class ReportSource:
    """What a dashboard or report is built from, as `pmo dashboard`, `pmo report` and the ribbon give it: the ledger,
    the register, period and audience, and the Capacity and Requests tables for the hot spots. The register may be
    a file or records already read, the Capacity table a file or a frame, the settings a file or an object."""

    ledger: Path | str
    register: Path | str | Sequence[ProjectRecord] | None = None
    period: str | None = None
    programme: str | None = None
    business_unit: str | None = None
    capacity: Path | str | pd.DataFrame | None = None
    requests: Path | str | None = None
    settings_path: Path | str | None = None
    csv_locale: str | None = None
    today: dt.date | None = None
    settings: PmoSettings | None = None

    @property
    def audience(self) -> Audience:
        """Who reads what is built from this source: management, narrowed to `programme` and `business_unit`
        (`--programme`, `--business-unit`, or the workbook's dashboard_programme and dashboard_business_unit)."""
        return Audience.of(self.programme, self.business_unit)

    def load(self) -> tuple[DashboardInputs, Dashboard]:
        """The inputs and the dashboard built from them, narrowed to the audience (`load_dashboard`)."""
        return load_dashboard(
            self.ledger, self.register, self.period, self.settings_path, self.capacity, self.requests,
            self.csv_locale, self.today, self.settings, audience=self.audience,
        )  # fmt: skip
