"""The PMO workbook (`pmo_workbook.xlsm`): built from text sources, deterministic, upgradable.

Public surface: `build_workbook`, `upgrade_workbook`, `build_via_excel` (the Windows COM fallback).
"""

from pmo_xl.workbook.build import build_workbook
from pmo_xl.workbook.excel_import import build_via_excel
from pmo_xl.workbook.upgrade import upgrade_workbook

__all__ = ["build_via_excel", "build_workbook", "upgrade_workbook"]
