"""What a template workbook records about itself: template id and version, project, period and generation token.

The values live twice, so that either survives what a PM's tools do to the file: as custom document properties
(LibreOffice and Excel keep them) and on a hidden, protected metadata sheet whose cells are defined names. Hiding
alone never protects metadata, so collect also cross-checks them against the identity fields.
"""

from __future__ import annotations

from dataclasses import dataclass

META_SHEET = "_pmo"
META_KEYS = ("template_id", "template_version", "project_id", "reporting_period", "generation_token", "generated_on")


def meta_name(key: str) -> str:
    """The defined name of a metadata cell, e.g. `pmo_meta_template_id`."""
    return f"pmo_meta_{key}"


def custom_property(key: str) -> str:
    """The custom document property that mirrors a metadata cell, e.g. `pmo.template_id`."""
    return f"pmo.{key}"


@dataclass(frozen=True, slots=True)
class WorkbookMetadata:
    template_id: str
    template_version: str
    project_id: str = ""
    reporting_period: str = ""
    generation_token: str = ""
    generated_on: str = ""

    def as_dict(self) -> dict[str, str]:
        return {key: getattr(self, key) for key in META_KEYS}
