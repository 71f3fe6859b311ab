"""A submission of an older template version moved to the current one, after it was read and judged in its own.

The reader reads an old workbook in its own version's shape (`versions.schema_at`) and validation judges it by its
own version's rules, so every finding names the file's cells as they are. Only then are its values moved through
the declared migrations (`versions.migrate`): the ledger stores them in the current version's shape, with the
version the file was in beside it (`source_version`), so the views read one shape.
"""

from __future__ import annotations

from dataclasses import replace

from pmo_xl.submissions import Finding, ParsedSubmission
from pmo_xl.templates.versions import known_versions, migrate, migration_map


def to_current_version(parsed: ParsedSubmission) -> tuple[ParsedSubmission, list[Finding]]:
    """`parsed` with its values in the current version of its template, and an info finding saying so (plus one
    for each value that could not move as it was). A submission already current is returned as it is."""
    metadata = parsed.metadata
    if metadata.template_version == known_versions(metadata.template_id)[-1]:
        return parsed, []
    latest = migration_map(metadata.template_id, metadata.template_version)
    fields, tables, notes = migrate(metadata.template_id, metadata.template_version, parsed.fields, parsed.tables)
    field_cells = {
        latest.fields[name]: cell for name, cell in parsed.field_cells.items() if latest.fields.get(name) is not None
    }
    column_cells: dict[str, dict[str, str]] = {}
    for table, cells in parsed.column_cells.items():
        for key, cell in cells.items():
            for new_key in latest.columns.get((table, key), ()):
                column_cells.setdefault(table, {})[new_key] = cell
    moved = replace(
        parsed,
        metadata=replace(metadata, template_version=latest.to_version),
        fields=fields,
        tables=tables,
        field_cells=field_cells,
        column_cells=column_cells,
        source_version=metadata.template_version,
    )
    findings = [
        Finding(
            "info",
            "older_template_version",
            f"the workbook is {metadata.template_id} version {metadata.template_version}: read and checked as that "
            f"version, its values moved to version {latest.to_version} (`pmo templates changelog` says what changed)",
            sheet="_pmo",
            where="pmo_meta_template_version",
        )
    ]
    findings += [Finding("info", "value_migrated", note) for note in notes]
    return moved, findings
