"""The Resources sheet of portfolio.xlsx as a resource plan: one row per project, role and person, one column per
month (FTE), the way a PMO reads a resource plan and the way the status template's ResourceDemand table asks for it.

The views hold resources long (one row per role-month: what capacity planning and the dashboard compute with);
printed long, 200 projects' role-months were 201 pages of six narrow columns. Wide, the same figures are one row
per role (about 600 rows, a dozen pages). `pmo capacity --portfolio` reads either shape back: a portfolio.xlsx
written before the plan shape, or any long table a PMO keeps, still reads.
"""

from __future__ import annotations

import pandas as pd

from pmo_xl.periods import is_month

PLAN_KEYS = ("project_id", "period", "role", "person")


def resource_plan(resources: pd.DataFrame) -> pd.DataFrame:
    """Long resources (project_id, period, role, person, month, fte) as the plan: PLAN_KEYS then one column per
    month, oldest first, in the rows' first-seen order; a month a row does not need is empty, never 0."""
    months = sorted({str(month) for month in resources["month"]}) if len(resources) else []
    if not months:
        return pd.DataFrame(columns=[*PLAN_KEYS])
    keys = resources[list(PLAN_KEYS)].astype(object).where(resources[list(PLAN_KEYS)].notna(), "")
    frame = pd.concat([keys, resources[["month", "fte"]].astype({"month": str})], axis=1)
    plan = frame.pivot_table(index=list(PLAN_KEYS), columns="month", values="fte", aggfunc="sum", sort=False)
    plan = plan.reindex(columns=months).reset_index()
    plan.columns.name = None
    return plan


def resources_from_plan(frame: pd.DataFrame) -> pd.DataFrame:
    """A Resources table in either shape as long rows (PLAN_KEYS present, month, fte): the plan's month columns
    unpivoted, its empty months left out; a long table (it has a `month` column) as it is."""
    if "month" in frame.columns:
        return frame
    months = [column for column in frame.columns if is_month(str(column))]
    if not months:
        return frame  # neither shape: the caller's column check names what is missing
    keys = [column for column in frame.columns if column not in months]
    long = frame.melt(id_vars=keys, value_vars=months, var_name="month", value_name="fte", ignore_index=False)
    long = long[long["fte"].notna() & (long["fte"].astype(str).str.strip() != "")]
    # Row by row, each row's months in order: the long table the plan was made from.
    return long.rename_axis("_row").sort_values(["_row", "month"], kind="stable").reset_index(drop=True)
