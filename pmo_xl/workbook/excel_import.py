"""`pmo workbook build --via-excel`: the Windows fallback that imports the same VBA sources through Excel's COM.

Use it only if a workbook from our own VBA writer misbehaves in some Excel build. It needs Excel for Windows and
"Trust access to the VBA project object model" (File > Options > Trust Center > Macro Settings). Excel stamps
its own ids and times into the file, so this build is not deterministic and must not be committed.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from pmo_xl.errors import PmoError
from pmo_xl.workbook.build import _sheet_bytes, add_custom_ui, default_content, write_atomically
from pmo_xl.workbook.ribbon import custom_ui_xml
from pmo_xl.workbook.vba_sources import all_modules

XL_OPEN_XML_WORKBOOK_MACRO_ENABLED = 52


class ExcelImportError(PmoError):
    """The COM fallback cannot run here (not Windows, no Excel, VBA project access not trusted)."""


def build_via_excel(out: Path) -> Path:
    if sys.platform != "win32":
        raise ExcelImportError(
            "--via-excel drives Excel for Windows through COM and runs only there. "
            "On this machine use `pmo workbook build` (the default, deterministic build)."
        )
    import xlwings as xw  # pragma: no cover - needs Excel

    out = Path(out).resolve()
    modules = all_modules()
    # XlsxWriter sets the code names only alongside a VBA project, so start from a project holding the document
    # modules alone and let Excel add the rest from the source files.
    from pmo_xl.workbook.build import vba_project_bytes

    skeleton = _sheet_bytes(default_content(), vba_project_bytes([m for m in modules if m.kind == "document"]))
    with tempfile.TemporaryDirectory(prefix="pmo-via-excel-") as folder:
        start = Path(folder) / "skeleton.xlsm"
        start.write_bytes(skeleton)
        saved = Path(folder) / "built.xlsm"
        app = xw.App(visible=False, add_book=False)
        try:
            book = app.books.open(str(start))
            try:
                components = book.api.VBProject.VBComponents
            except Exception as error:
                raise ExcelImportError(
                    "Excel refused access to the VBA project: tick File > Options > Trust Center > Trust Center "
                    f"Settings > Macro Settings > 'Trust access to the VBA project object model' ({error})"
                ) from None
            for module in modules:
                if module.kind == "document":
                    continue
                source_file = Path(folder) / f"{module.name}.{'bas' if module.kind == 'standard' else 'cls'}"
                source_file.write_bytes(module.source.encode("ascii"))
                components.Import(str(source_file))
            book.api.SaveAs(str(saved), FileFormat=XL_OPEN_XML_WORKBOOK_MACRO_ENABLED)
            book.close()
        finally:
            app.quit()
        return write_atomically(out, add_custom_ui(saved.read_bytes(), custom_ui_xml()))
