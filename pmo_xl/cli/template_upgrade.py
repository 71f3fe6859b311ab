"""The shell of `pmo templates upgrade`: which files, where each goes, its backup, the lines and the summary.

The work on each workbook is `pmo_xl.collect.upgrade.upgrade_workbook` (bytes in, bytes out); this module reads
the files, writes what it returns, and never overwrites anything: --out refuses a target that exists, --in-place
first writes a backup under a name no file holds.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import click

from pmo_xl.cli._group import progress_echo
from pmo_xl.collect.inbox import skip_reason, walk_inbox
from pmo_xl.collect.upgrade import Upgrade, upgrade_workbook
from pmo_xl.excel.files import write_bytes_atomic
from pmo_xl.generate.generator import TemplateSource, template_path
from pmo_xl.templates.versions import history

BACKUP_FOLDER = ".pmo-backup"  # hidden from pmo collect and from upgrade's own folder walk


def run_upgrade(
    workbooks: tuple[Path, ...], out_dir: Path | None, in_place: bool, backup: bool, dry_run: bool,
    templates_dir: Path | None,
) -> dict:  # fmt: skip
    _check_options(workbooks, out_dir, in_place, backup, dry_run)
    files, skipped = _files(workbooks)
    sources: dict[str, TemplateSource] = {}

    def template_for(template_id: str) -> TemplateSource:
        if template_id not in sources:
            sources[template_id] = TemplateSource(
                history(template_id).current, template_path(template_id, templates_dir)
            )
        return sources[template_id]

    entries = []
    targets_taken: set[str] = set()
    for index, (path, relative) in enumerate(files, start=1):
        progress_echo(f"[{index}/{len(files)}] {relative}")
        original = path.read_bytes()
        result = upgrade_workbook(original, str(relative), template_for)
        target = backup_path = None
        if result.verdict == "upgraded" and not dry_run:
            target = path if in_place else out_dir / relative  # type: ignore[operator]
            refusal = _target_refusal(target, in_place, targets_taken)
            if refusal:
                result = Upgrade(str(relative), "refused", reason=refusal, **_identity(result))
                target = None
            else:
                if in_place and backup:
                    backup_path = free_backup_path(path)
                    write_bytes_atomic(backup_path, original)
                write_bytes_atomic(target, result.data)  # type: ignore[arg-type]
                targets_taken.add(os.path.normcase(str(target.resolve())))
        click.echo(result.describe())
        if dry_run and result.verdict == "upgraded":
            for line in result.changes:
                click.echo(f"    {line}")
        for note in result.notes:
            click.echo(f"    note: {note}")
        if backup_path is not None:
            click.echo(f"    the workbook as it was is kept in {backup_path}")
        entries.append(_entry(path, result, target, backup_path))
    counts = Counter(entry["verdict"] for entry in entries)
    summary_counts = {verdict: counts.get(verdict, 0) for verdict in ("upgraded", "current", "refused")}
    summary_counts["skipped"] = len(skipped)
    written = "nothing written (--dry-run)" if dry_run else ("in place" if in_place else f"into {out_dir}")
    click.echo(
        f"{len(entries)} workbook(s): {summary_counts['upgraded']} upgraded, {summary_counts['current']} already "
        f"current, {summary_counts['refused']} refused; {written}"
        + (f"; {len(skipped)} other file(s) skipped" if skipped else "")
    )
    return {
        "files": len(entries),
        "counts": summary_counts,
        "workbooks": entries,
        "skipped": [{"path": path, "reason": reason} for path, reason in skipped],
        "dry_run": dry_run,
        "outputs": {"folder": out_dir if not in_place and not dry_run else None, "in_place": in_place and not dry_run},
        "warnings": [],
        "exit": 1 if summary_counts["refused"] else 0,
    }


def _check_options(workbooks, out_dir, in_place, backup, dry_run) -> None:
    if dry_run and (in_place or backup):
        raise click.UsageError("--dry-run writes nothing: leave out --in-place and --backup (--out is allowed)")
    if not dry_run and in_place == (out_dir is not None):
        raise click.UsageError("give --out DIR, or --in-place --backup to replace each workbook, or --dry-run")
    if in_place and not backup:
        raise click.UsageError("--in-place replaces the workbooks PMs hold: add --backup to keep a copy of each")
    if backup and not in_place:
        raise click.UsageError(
            "--backup goes with --in-place; with --out the workbooks themselves are left as they are"
        )
    if out_dir is not None:
        out = out_dir.resolve()
        for given in workbooks:
            given = given.resolve()
            if given.is_dir() and (out == given or given in out.parents):
                raise click.UsageError(f"--out {out_dir} is inside {given}, a folder being upgraded: choose a folder "
                                       "outside it")  # fmt: skip
            if given.is_file() and out == given.parent:
                raise click.UsageError(f"--out {out_dir} is the folder of {given.name}: the upgraded workbook would "
                                       "replace it; choose another folder, or --in-place --backup")  # fmt: skip


def _files(workbooks: tuple[Path, ...]) -> tuple[list[tuple[Path, Path]], list[tuple[str, str]]]:
    """(path, path relative to what was given) of each workbook to upgrade, and (path, reason) of each file left."""
    files: list[tuple[Path, Path]] = []
    skipped: list[tuple[str, str]] = []
    seen: set[str] = set()
    for given in workbooks:
        for path, relative in _walk(given, skipped):
            key = os.path.normcase(str(path.resolve()))
            if key not in seen:
                seen.add(key)
                files.append((path, relative))
    return files, skipped


def _walk(given: Path, skipped: list[tuple[str, str]]) -> Iterator[tuple[Path, Path]]:
    if given.is_dir():
        paths, verdicts = walk_inbox(given)
        skipped += [(verdict.path, verdict.findings[0].message) for verdict in verdicts]
        for path in paths:
            yield Path(path), Path(path).relative_to(given)
        return
    reason = skip_reason(given)
    if reason is not None:
        skipped.append((str(given), reason.message))
        return
    yield given, Path(given.name)


def _target_refusal(target: Path, in_place: bool, taken: set[str]) -> str:
    if in_place:
        return ""
    key = os.path.normcase(str(target.resolve()))
    if key in taken:
        return f"{target} was just written for another workbook of the same name; upgrade them into separate folders"
    if target.exists():
        return f"{target} exists and is never overwritten; choose an empty --out folder, or remove that file"
    return ""


def free_backup_path(workbook: Path) -> Path:
    """Where the backup of `workbook` goes: .pmo-backup/NAME beside it, or NAME (2), (3)... if taken."""
    folder = workbook.parent / BACKUP_FOLDER
    candidate = folder / workbook.name
    number = 2
    while candidate.exists():
        candidate = folder / f"{workbook.stem} ({number}){workbook.suffix}"
        number += 1
    return candidate


def _identity(result: Upgrade) -> dict:
    return {
        "template_id": result.template_id,
        "from_version": result.from_version,
        "to_version": result.to_version,
        "project_id": result.project_id,
        "reporting_period": result.reporting_period,
        "generation_token": result.generation_token,
    }


def _entry(path: Path, result: Upgrade, target: Path | None, backup: Path | None) -> dict:
    return {
        "path": path,
        "verdict": result.verdict,
        **_identity(result),
        "out": target,
        "backup": backup,
        "copied": result.copied,
        "changes": list(result.changes),
        "notes": list(result.notes),
        "reason": result.reason,
    }
