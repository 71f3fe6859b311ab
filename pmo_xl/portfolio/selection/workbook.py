"""The selection workbook: Summary, Selection, Constraints, and the Frontier (table and chart) and Scenarios sheets
when they were asked for."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pmo_xl.portfolio.selection.solve import SelectionResult


def summary_rows(result: SelectionResult) -> list[tuple[str, object]]:
    selected = result.decisions[result.decisions["selected"]]
    cost = result.cost
    settings = result.settings
    rows: list[tuple[str, object]] = [
        ("Result", result.status),
        ("Proven gap", result.proven_gap if result.proven_gap is not None else "no bound"),
        (f"Total {settings.value_measure}", result.value),
        ("Upper bound on the optimum", result.bound if result.bound is not None else "none"),
        ("Requests selected", len(selected)),
        ("Requests not selected", int(len(result.decisions) - len(selected))),
        ("Total cost of the selection", cost),
        (f"{settings.value_measure} per unit of cost", result.value / cost if cost else "n/a"),
        (
            "Binding constraints",
            ", ".join(result.binding) or "none",
        ),
        ("Solve time (s)", round(result.solve_seconds, 3)),
        ("Value measure", settings.value_measure),
        ("Budgets", ", ".join(f"{k}={v:,.0f}" for k, v in sorted(settings.budgets.items())) or "none"),
        ("Total budget", settings.total_budget if settings.total_budget is not None else "none"),
        ("Max deferral (months)", settings.max_deferral_months),
        ("Time limit (s)", settings.time_limit_seconds),
        ("Gap tolerance", settings.gap_tolerance),
    ]
    rows.extend(("Warning", warning) for warning in result.warnings)
    return rows


def write_selection_workbook(
    result: SelectionResult, path: Path, frontier: pd.DataFrame | None = None, comparison: pd.DataFrame | None = None
) -> Path:
    """Summary, Selection, Constraints, and optionally Frontier (table and chart) and Scenarios sheets."""
    from pmo_xl.portfolio.scoring import write_frame, write_workbook_atomically

    def build(workbook) -> None:
        bold = workbook.add_format({"bold": True})
        money = workbook.add_format({"num_format": "#,##0"})
        # value per cost is score points per unit of money, not a share: three places, no percent sign
        ratio = workbook.add_format({"num_format": "0.000"})
        percent = workbook.add_format({"num_format": "0.0%"})
        shown_as = {
            "Proven gap": percent,
            "Gap tolerance": percent,
            f"{result.settings.value_measure} per unit of cost": ratio,
            "Total cost of the selection": money,
        }
        summary = workbook.add_worksheet("Summary")
        summary.set_column(0, 0, 30)
        summary.set_column(1, 1, 70)
        summary.write_string(0, 0, "Portfolio selection", workbook.add_format({"bold": True, "font_size": 14}))
        for row, (label, value) in enumerate(summary_rows(result), start=2):
            summary.write_string(row, 0, label, bold)
            if isinstance(value, int | float) and not isinstance(value, bool):
                summary.write_number(row, 1, float(value), shown_as.get(label))
            else:
                summary.write_string(row, 1, str(value))
        decisions = result.decisions.sort_values(["selected", "value_per_cost"], ascending=[False, False])
        write_frame(
            workbook,
            "Selection",
            decisions,
            {"cost": money, "value_per_cost": ratio},
            note=f"{result.status}. value_per_cost sits beside the value: maximising raw score favours many "
            "small projects.",
        )
        write_frame(
            workbook,
            "Constraints",
            result.constraints,
            {"limit": money, "used": money, "slack": money, "utilisation": percent},
        )
        if frontier is not None and len(frontier):
            sheet = write_frame(
                workbook,
                "Frontier",
                frontier,
                {"budget": money, "cost": money, "value_per_cost": ratio, "proven_gap": percent},
            )
            chart = workbook.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
            budget_col = list(frontier.columns).index("budget")
            value_col = list(frontier.columns).index("value")
            chart.add_series(
                {
                    "name": "Best value",
                    "categories": ["Frontier", 1, budget_col, len(frontier), budget_col],
                    "values": ["Frontier", 1, value_col, len(frontier), value_col],
                }
            )
            chart.set_title({"name": "Efficient frontier"})
            chart.set_x_axis({"name": "Budget", "num_format": "#,##0"})
            chart.set_y_axis({"name": f"Total {result.settings.value_measure}"})
            chart.set_legend({"none": True})
            sheet.insert_chart(1, len(frontier.columns) + 1, chart, {"x_scale": 1.5, "y_scale": 1.5})
        if comparison is not None and len(comparison):
            write_frame(workbook, "Scenarios", comparison)

    return write_workbook_atomically(Path(path), build)
