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
    """Open `source` in LibreOffice and save it as `to` (xlsx, pdf, csv, ...).

    LibreOffice calculates formula cells that carry no cached result; it trusts a cached result even when the file
    asks for full calculation on load. Our templates and generated files carry none, so they are calculated.

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
    """A copy of `source` as LibreOffice saves it after loading (uncached formulas calculated, results cached)."""
    return convert(source, "xlsx", out_dir)


SYSTEM_PYTHON = "/usr/bin/python3"

# Runs under Debian's /usr/bin/python3 (python3-uno): starts its own soffice, loads a document, runs the edit
# (Python source with `doc` in scope), saves as xlsx and stops soffice.
_UNO_EDIT_DRIVER = r"""
import os, subprocess, sys, time
import uno
from com.sun.star.beans import PropertyValue

def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p

soffice, source, target, profile, edit = sys.argv[1:6]
pipe = "pmo_edit_%d" % os.getpid()
office = subprocess.Popen([soffice, "-env:UserInstallation=file://" + profile, "--headless", "--invisible",
                           "--norestore", "--nologo", "--accept=pipe,name=%s;urp;" % pipe])
try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(240):
        try:
            context = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
            break
        except Exception:
            time.sleep(0.5)
    desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(source), "_blank", 0, (prop("Hidden", True),))
    exec(edit, {"doc": doc, "uno": uno})
    doc.storeToURL(uno.systemPathToFileUrl(target), (prop("FilterName", "Calc MS Excel 2007 XML"),))
    doc.close(True)
    try:
        desktop.terminate()
    except Exception:
        pass
    office.wait(timeout=60)
finally:
    if office.poll() is None:
        office.kill()
"""


def edit_with_libreoffice(source: Path, target: Path, edit: str, timeout: float = 240) -> Path:
    """Open `source` in LibreOffice, run `edit` (UNO Python with `doc` in scope) and save the result as `target`."""
    soffice = require_soffice()
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        completed = subprocess.run(
            [SYSTEM_PYTHON, "-c", _UNO_EDIT_DRIVER, soffice, str(source), str(target), profile, edit],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    if completed.returncode != 0 or not target.exists():
        raise RuntimeError(f"LibreOffice could not edit {source}: {completed.stdout}\n{completed.stderr}")
    return target
