"""HTML printed to PDF through headless Chromium: the review pack's printer.

Chromium is a program on the machine, not a Python package: `find_chromium` looks for it (PMO_CHROMIUM first, then
`chromium`, `chromium-browser`, `google-chrome` on the PATH) and says in one line what to install or set when it is
missing. Chromium prints CSS `@page` margin boxes (page numbers) and, with `--generate-pdf-document-outline`, turns
the document's headings into the PDF's bookmarks. It writes into a private temporary folder; the PDF is then moved
into place by the one atomic writer, so a failed or timed-out print never leaves half a file at OUT.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from pmo_xl.errors import PmoError
from pmo_xl.excel.files import write_bytes_atomic

CHROMIUM_ENV = "PMO_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
PRINT_TIMEOUT_SECONDS = 180


class PdfError(PmoError):
    """Chromium is missing, failed or took too long: the PDF could not be printed."""


def find_chromium(environ: dict[str, str] | None = None) -> Path:
    """The Chromium to print with: PMO_CHROMIUM when set (it must exist), else the first of CHROMIUM_NAMES on PATH."""
    environ = os.environ if environ is None else environ
    chosen = environ.get(CHROMIUM_ENV, "").strip()
    if chosen:
        path = Path(chosen)
        if path.is_file() and os.access(path, os.X_OK):
            return path
        found = shutil.which(chosen)
        if found:
            return Path(found)
        raise PdfError(
            f"{CHROMIUM_ENV}={chosen}: no Chromium there; point {CHROMIUM_ENV} at the chromium or chrome program, "
            "or unset it to look on the PATH (or write OUT.html instead of a PDF)"
        )
    for name in CHROMIUM_NAMES:
        found = shutil.which(name, path=environ.get("PATH"))
        if found:
            return Path(found)
    raise PdfError(
        f"no Chromium found to print the PDF (looked for {', '.join(CHROMIUM_NAMES)} on the PATH): install Chromium "
        f"or Google Chrome, or set {CHROMIUM_ENV} to its program (or write OUT.html instead of a PDF)"
    )


def print_pdf(document: str, out: Path | str, timeout: float = PRINT_TIMEOUT_SECONDS) -> Path:
    """Print the HTML `document` to the PDF `out` (written atomically) with headless Chromium; returns its path."""
    chromium = find_chromium()
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="pmo-pdf-") as folder:
        source, printed = Path(folder) / "pack.html", Path(folder) / "pack.pdf"
        source.write_text(document, encoding="utf-8")
        command = [
            str(chromium), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
            f"--user-data-dir={Path(folder) / 'profile'}", f"--print-to-pdf={printed}", "--no-pdf-header-footer",
            "--generate-pdf-document-outline", source.as_uri(),
        ]  # fmt: skip
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise PdfError(f"{chromium}: printing {out.name} took over {timeout:.0f} s and was stopped") from None
        except OSError as error:
            raise PdfError(f"{chromium}: could not start it to print {out.name} ({error.strerror})") from None
        if result.returncode != 0 or not printed.is_file() or printed.stat().st_size == 0:
            said = (result.stderr or result.stdout or "").strip().splitlines()
            last = said[-1] if said else f"exit status {result.returncode}"
            raise PdfError(f"{chromium}: printing {out.name} failed: {last}")
        return write_bytes_atomic(out, printed.read_bytes())
