"""The package works installed, not only from a checkout: the wheel is built and installed with `pip install
--no-deps` into a fresh venv, whose dependencies come from this test venv through a .pth file (CI does not
download the scientific stack again). From there `pmo demo` and `pmo workbook build` run, pmo_xl is the installed
copy, and the templates and VBA sources resolve through importlib.resources inside it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _run(command: list[str], cwd: Path) -> str:
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, f"{' '.join(command)}\n{completed.stdout[-2000:]}\n{completed.stderr[-3000:]}"
    return completed.stdout


def test_the_wheel_installs_and_runs_from_its_own_venv(tmp_path):
    # Built from a copy: an in-tree build would leave build/ and egg-info in the checkout.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    for package in ("pmo_xl", "udfs", "macros"):
        shutil.copytree(REPO / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "-w", str(wheels), "-q"],
         tmp_path)  # fmt: skip
    (wheel,) = wheels.glob("pmo_xl-*.whl")

    target = tmp_path / "installed"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / ("Scripts" if sys.platform == "win32" else "bin") / "python"
    purelib = Path(
        _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path).strip()
    )
    # The dependencies: this venv's site-packages, after the new venv's own (so the installed pmo_xl wins).
    (purelib / "test-venv-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)], tmp_path)

    probe = (
        "import json, pmo_xl\n"
        "from pmo_xl.generate.generator import TEMPLATES_DIR, template_path\n"
        "from pmo_xl.workbook.vba_sources import MACROS_DIR\n"
        "from pmo_xl.workbook.setup_excel import installed_from\n"
        "print(json.dumps({'package': pmo_xl.__file__, 'templates': str(TEMPLATES_DIR), "
        "'status': str(template_path('project_status')), 'macros': str(MACROS_DIR), "
        "'bas': sorted(p.name for p in MACROS_DIR.glob('*.bas')), 'from': installed_from()}))"
    )
    found = json.loads(_run([str(python), "-c", probe], tmp_path).strip().splitlines()[-1])
    assert Path(found["package"]).is_relative_to(purelib), found  # the installed copy, not the checkout
    assert Path(found["templates"]).is_relative_to(purelib) and Path(found["status"]).is_file(), found
    assert Path(found["status"]).parent == Path(found["templates"]), "the shipped template, not a cache build"
    assert Path(found["macros"]).is_relative_to(purelib) and found["bas"], found
    assert Path(found["from"]) == wheel, found  # what `pmo setup excel` installs into Excel's environment

    pmo = [str(python), "-c", "from pmo_xl.cli import main; main()"]
    _run([*pmo, "demo", str(tmp_path / "demo"), "--projects", "4", "--periods", "2"], tmp_path)
    assert (tmp_path / "demo" / "portfolio.xlsx").is_file() and (tmp_path / "demo" / "report.html").is_file()
    _run([*pmo, "workbook", "build", "--out", str(tmp_path / "pmo_workbook.xlsm")], tmp_path)
    assert (tmp_path / "pmo_workbook.xlsm").stat().st_size > 10_000
    assert not list(purelib.glob("pmo_xl/templates/shipped/*.tmp*")), "nothing written into the installed package"
    assert not (REPO / "build").exists(), "the checkout is left as it was"
