"""The PMO ribbon, declared once: each button is one `Button(...)` line in `BUTTONS`.

From that one line follow the ribbon XML (`custom_ui_xml`), the VBA callback Sub (`ribbon_module_source`) and,
for Python actions, the entry point `macros.ribbon.<action>` (a "not available in this build yet" stub until a
core function is plugged in there).
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

CUSTOM_UI_NAMESPACE = "http://schemas.microsoft.com/office/2009/07/customui"
RIBBON_MODULE = "PmoRibbon"
CALLBACK_PREFIX = "PmoRibbon_"


@dataclass(frozen=True)
class Button:
    """One ribbon button. `action` names the Python entry point in `macros.ribbon`, or, when `vba_macro` is set,
    the button runs that VBA Sub instead (for actions that must work when Python does not)."""

    group: str
    label: str
    action: str
    image_mso: str
    screentip: str
    supertip: str
    vba_macro: str = ""

    @property
    def callback(self) -> str:
        return CALLBACK_PREFIX + "".join(part.capitalize() for part in self.action.split("_"))

    @property
    def on_action(self) -> str:
        return f"{RIBBON_MODULE}.{self.callback}"

    @property
    def control_id(self) -> str:
        return "pmo" + self.callback.removeprefix(CALLBACK_PREFIX)

    @property
    def runs_python(self) -> bool:
        return not self.vba_macro


GROUPS = ("Projects", "Portfolio", "Reports", "Help")

BUTTONS: tuple[Button, ...] = (
    Button("Projects", "New project workbooks", "new_project_workbooks", "FileNew", "Make project workbooks", "Creates one status workbook per project in the Portfolio sheet, from the PMO template, in the output folder set on the Settings sheet."),
    Button("Projects", "Collect status", "collect_status", "Consolidate", "Collect status reports", "Reads the project workbooks in the inbox folder, checks them and adds their status to the ledger; the Log sheet lists any rejected file and why."),
    Button("Projects", "Record decisions", "record_decisions", "ReviewAcceptChange", "Record the committee's decisions", "Records each row of the Decisions sheet in the ledger, as pmo decide --from does: a row answers a PM's decision-needed item; a row already recorded is not added again, and one refused row records none."),
    Button("Portfolio", "Score requests", "score_requests", "SortDialog", "Score and rank requests", "Scores every request on the Requests sheet with the model on the ScoringModel sheet and writes the score and rank next to each request."),
    Button("Portfolio", "Optimise", "optimise", "WhatIfAnalysisMenu", "Choose the portfolio", "Selects the set of requests with the most value that fits the budget and capacity on the Settings and Capacity sheets. Large problems run as a separate pmo process."),
    Button("Portfolio", "Save scenario", "save_scenario", "FileSaveAs", "Save the selection as a scenario", "Runs Optimise as it stands and keeps the run, with its budgets, capacity and scoring model, under the scenario_name on the Settings sheet, in the scenario_file (as pmo scenario save)."),
    Button("Portfolio", "Compare scenarios", "compare_scenarios", "WindowSideBySide", "Compare saved scenarios", "Sets the scenarios named in scenarios_to_compare (blank = every saved one) side by side in scenario_comparison.xlsx in the reports folder: in or out, value, cost by year, capacity use (as pmo scenario compare)."),
    Button("Portfolio", "Commit scenario", "commit_scenario", "ReviewAcceptOrRejectChanges", "Commit the approved scenario", "Records the scenario_name scenario as approved in the ledger, and writes a new register (the Portfolio sheet's projects plus the approved requests) to the reports folder; the Portfolio sheet is not changed (as pmo scenario commit)."),
    Button("Portfolio", "Capacity", "capacity", "ChartInsert", "Demand against capacity", "Compares the demand of projects and selected requests with the capacity on the Capacity sheet, by role and month."),
    Button("Reports", "Refresh dashboard", "refresh_dashboard", "RefreshAll", "Refresh the dashboard", "Rebuilds the Dashboard sheet from the ledger: RAG status, stages and trends of the portfolio."),
    Button("Reports", "Export report", "export_report", "FileSaveAsPdfOrXps", "Export the portfolio report", "Writes the portfolio report for the current reporting period to the output folder set on the Settings sheet."),
    Button("Help", "Guide", "guide", "Help", "What each button does", "Opens the Home sheet, which explains each button and shows the last check-setup result.", vba_macro="PmoShowGuide"),
    Button("Help", "Check setup", "check_setup", "MacroSecurity", "Check the Python setup", "Checks, without needing Python to work, that the interpreter is found, xlwings matches, pmo_xl imports, and shows Office bitness and macro status on the Home sheet.", vba_macro="PmoCheckSetup"),
    Button("Help", "Restart Python", "restart_python", "Refresh", "Restart Python", "Stops the Python process behind the PMO functions and buttons; the next use starts a fresh one. Use it after updating pmo-xl or when a function is stuck.", vba_macro="PmoRestartPython"),
)  # fmt: skip


def python_buttons() -> tuple[Button, ...]:
    return tuple(button for button in BUTTONS if button.runs_python)


def custom_ui_xml(buttons: tuple[Button, ...] = BUTTONS) -> str:
    """The customUI14 part: one PMO tab after Home, one group per `GROUPS` entry, buttons in declaration order."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        f'<customUI xmlns="{CUSTOM_UI_NAMESPACE}">',
        "  <ribbon>",
        "    <tabs>",
        '      <tab id="pmoTab" label="PMO" insertAfterMso="TabHome">',
    ]
    for group in GROUPS:
        members = [button for button in buttons if button.group == group]
        if not members:
            continue
        lines.append(f"        <group id={quoteattr('pmoGroup' + group)} label={quoteattr(group)}>")
        for button in members:
            lines.append(
                f"          <button id={quoteattr(button.control_id)} label={quoteattr(button.label)}"
                f' size="large" imageMso={quoteattr(button.image_mso)}'
                f" screentip={quoteattr(button.screentip)} supertip={quoteattr(button.supertip)}"
                f" onAction={quoteattr(button.on_action)}/>"
            )
        lines.append("        </group>")
    lines += ["      </tab>", "    </tabs>", "  </ribbon>", "</customUI>", ""]
    return "\n".join(lines)


def ribbon_module_source(buttons: tuple[Button, ...] = BUTTONS) -> str:
    """The VBA module holding one callback per button, CRLF line ends, ASCII only.

    Callbacks take `control As Object` rather than `IRibbonControl`, so the project needs no Office reference.
    """
    lines = [
        f'Attribute VB_Name = "{RIBBON_MODULE}"',
        "' Generated by `pmo workbook build` from pmo_xl/workbook/ribbon.py: edit the declarations there, not this.",
        "Option Explicit",
        "",
    ]
    for button in buttons:
        lines.append(f"Public Sub {button.callback}(control As Object)")
        if button.runs_python:
            lines.append(f'    RunPython "import macros.ribbon; macros.ribbon.{button.action}()"')
        else:
            lines.append(f"    {button.vba_macro}")
        lines += ["End Sub", ""]
    return "\r\n".join(lines)
