"""LibreOffice headless, our second real spreadsheet application, driven from tests.

Each call gets its own user profile, so tests (and engineers) can run conversions at the same time.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def require_soffice() -> str:
    if SOFFICE is None:
        raise RuntimeError("LibreOffice is not installed: run `bash .ci/run`, which installs libreoffice-calc-nogui")
    return SOFFICE


def convert(source: Path, to: str, out_dir: Path, timeout: float = 180) -> Path:
    """Open `source` in LibreOffice (which recalculates on load) and save it as `to` (xlsx, pdf, csv, ...).

    `to` may carry a filter, e.g. 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1'.
    Returns the path of the converted file.
    """
    soffice = require_soffice()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        completed = subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                to,
                "--outdir",
                str(out_dir),
                str(source),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    extension = to.split(":", 1)[0]
    converted = out_dir / f"{source.stem}.{extension}"
    if completed.returncode != 0 or not converted.exists():
        raise RuntimeError(
            f"LibreOffice could not convert {source} to {to}: exit {completed.returncode}\n"
            f"{completed.stdout}\n{completed.stderr}"
        )
    return converted


def recalculated_copy(source: Path, out_dir: Path) -> Path:
    """A copy of `source` as LibreOffice saves it after loading (formulas recalculated, values cached)."""
    return convert(source, "xlsx", out_dir)
