"""Writing a Project Online import into its folder: `pmo import project-online` and `pmo demo` both do it.

The import itself is worked out by pmo_xl.imports.online_import (pure); this writes its files, each atomically, and
its mapping report with the reporting layer's table writer, which is why it sits above both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pmo_xl.imports.online_import import REGISTER_FILE, REPORT_FILE, OnlineImport


@dataclass(frozen=True)
class Written:
    """What writing an import into DIR did: whether every file was already there as it is, the files that differed
    (not written without force), and the register's problems (what to fill in before pmo generate)."""

    unchanged: bool
    differing: tuple[str, ...]
    register_problems: tuple[str, ...]


def write_import(
    result: OnlineImport, out: Path, *, force: bool = False, created: dt.datetime | None = None
) -> Written:
    """Write the import's files into `out` (each atomically; the mapping report last, with `created` as its date so
    the same export gives the same bytes). ExportError, and nothing written, when files in `out` differ from this
    import's and `force` is not given."""
    from pmo_xl.errors import ExportError, RegisterError
    from pmo_xl.excel.files import write_bytes_atomic
    from pmo_xl.register import RegisterRows, register_from_rows
    from pmo_xl.reporting.portfolio_workbook import write_frames
    from pmo_xl.templates.catalog import PROJECT_STATUS

    held = {name: (out / name).read_bytes() if (out / name).is_file() else None for name in result.files}
    differing = tuple(name for name, data in result.files.items() if held[name] is not None and held[name] != data)
    if differing and not force:
        raise ExportError(
            f"{out}: {', '.join(differing[:3])}{' and more' if differing[3:] else ''} exist and differ from this "
            "import's; give another --out, or --force to replace them"
        )
    register = result.register
    rows = tuple((number, dict(row)) for number, row in enumerate(register.rows, start=2))
    problems: tuple[str, ...] = ()
    try:
        register_from_rows(RegisterRows(1, register.columns, rows, None), str(out / REGISTER_FILE), PROJECT_STATUS)
    except RegisterError as error:
        problems = tuple(f"{REGISTER_FILE}: {problem}" for problem in error.problems)
    unchanged = all(held[name] == data for name, data in result.files.items())
    for name, data in result.files.items():
        if held[name] != data:  # a file already as this import makes it is left as it is
            write_bytes_atomic(out / name, data)
    write_frames(dict(result.report), out / REPORT_FILE, created=created)
    return Written(unchanged, differing, problems)
