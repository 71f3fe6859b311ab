"""`pmo templates build`: every declared schema laid out as its template workbook."""

from __future__ import annotations

from pathlib import Path

from pmo_xl.templates.builder import build_template
from pmo_xl.templates.catalog import SCHEMAS


def build_all_templates(out_dir: Path) -> list[Path]:
    return [build_template(schema, Path(out_dir) / f"{template_id}.xlsx") for template_id, schema in SCHEMAS.items()]
