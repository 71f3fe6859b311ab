"""Printed outputs as a reader gets them: xlsx files converted to PDF by LibreOffice (one soffice run for all),
and each sheet's page count read from the PDF's bookmarks (Calc writes one per sheet).

Run by hand to look at the pages as pictures:
    .venv/bin/python -m tests.print_pages OUT_DIR [--projects 50]
runs the demo into OUT_DIR/demo, writes OUT_DIR/pdf/*.pdf and OUT_DIR/png/<file>-<page>.png, and prints the
pages of each sheet.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import tempfile
from pathlib import Path

from pypdf import PdfReader

from tests.libreoffice import require_soffice

DEMO_DAY = dt.date(2026, 11, 20)
PRINTED_OUTPUTS = ("portfolio.xlsx", "request_selection.xlsx", "request_scores.xlsx", "capacity_plan.xlsx")


def render_pdfs(sources: list[Path], out_dir: Path, timeout: float = 300) -> dict[str, Path]:
    """Each source as LibreOffice prints it, converted in one soffice run: {source name: pdf path}."""
    soffice = require_soffice()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        completed = subprocess.run(
            [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
             "--convert-to", "pdf", "--outdir", str(out_dir), *map(str, sources)],
            capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
    pdfs = {source.name: out_dir / f"{source.stem}.pdf" for source in sources}
    missing = [name for name, pdf in pdfs.items() if not pdf.exists()]
    if completed.returncode != 0 or missing:
        raise RuntimeError(f"LibreOffice did not print {missing}: {completed.stdout}\n{completed.stderr}")
    return pdfs


def sheet_pages(pdf: Path) -> dict[str, int]:
    """{sheet name: pages it prints on}, from the bookmark Calc writes at each sheet's first page."""
    reader = PdfReader(pdf)
    starts = [(item.title, reader.get_destination_page_number(item)) for item in reader.outline
              if not isinstance(item, list)]  # fmt: skip
    ends = [start for _title, start in starts[1:]] + [len(reader.pages)]
    return {title: end - start for (title, start), end in zip(starts, ends, strict=True)}


def run_printed_demo(out: Path, projects: int = 50) -> dict[str, Path]:
    """The demo on `projects` projects into out/demo, its xlsx outputs printed to out/pdf."""
    from pmo_xl.demo.run import run_demo

    result = run_demo(out / "demo", projects=projects, today=DEMO_DAY)
    return render_pdfs([result.out / name for name in PRINTED_OUTPUTS], out / "pdf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--projects", type=int, default=50)
    arguments = parser.parse_args()
    pdfs = run_printed_demo(arguments.out, arguments.projects)
    (arguments.out / "png").mkdir(exist_ok=True)
    for name, pdf in pdfs.items():
        print(name, sheet_pages(pdf))
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(arguments.out / "png" / pdf.stem)], check=True)


if __name__ == "__main__":
    main()
