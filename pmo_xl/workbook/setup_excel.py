"""`pmo setup excel`: a per-user Python for Excel that survives corporate PCs.

`plan_setup` is pure: every path it needs (home, local app data, the base Python, the old config text) comes in as
an argument, so the whole decision is tested on Linux. `apply_setup` then runs the plan's commands and writes its
files; it is the only part that touches the machine.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from typing import Literal

from pmo_xl.errors import PmoError
from pmo_xl.excel.files import write_bytes_atomic

Platform = Literal["windows", "macos"]
PACKAGE_SPEC = "pmo-xl"


def installed_from() -> str:
    """What pip can install this pmo-xl from again, for Excel's own environment: the clone it runs from (a
    pyproject.toml beside the package), else the wheel or folder pip installed it from (PEP 610's direct_url.json),
    else the name (pmo-xl is not on PyPI, so that needs --wheelhouse)."""
    import json
    from importlib import metadata
    from urllib.parse import unquote, urlparse

    clone = Path(__file__).resolve().parents[2]
    if (clone / "pyproject.toml").is_file() and (clone / "pmo_xl").is_dir():
        return str(clone)
    try:
        direct = metadata.distribution("pmo-xl").read_text("direct_url.json")
        url = json.loads(direct)["url"] if direct else ""
    except (metadata.PackageNotFoundError, ValueError, KeyError, TypeError):
        url = ""
    if url.startswith("file://"):
        return unquote(urlparse(url).path)
    return PACKAGE_SPEC


WORKBOOK_NAME = "pmo_workbook.xlsm"
TRUSTED_LOCATION_KEY = r"Software\Microsoft\Office\16.0\Excel\Security\Trusted Locations\pmo-xl"


class SetupError(PmoError):
    """The machine cannot be set up as asked (Store-app Python, no Python, unsupported platform...)."""


@dataclass(frozen=True)
class SetupPlan:
    platform: Platform
    venv_dir: PurePath
    interpreter: PurePath  # what Excel starts: pythonw.exe on Windows (no console window), bin/python on macOS
    config_files: tuple[PurePath, ...]
    config_text: str
    commands: tuple[tuple[str, ...], ...]
    workbook_folder: PurePath  # a trusted location (Windows) that the workbook is copied into
    trusted_location_key: str  # HKCU registry key that trusts `workbook_folder`; "" on macOS


def current_platform() -> Platform:
    if sys.platform == "win32":
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    raise SetupError("`pmo setup excel` sets up Excel for Windows or macOS; this machine is neither.")


def reject_store_python(base_python: PurePath) -> None:
    """Store-app Python lives under WindowsApps, behind an app-execution alias that Excel's process cannot start."""
    if "windowsapps" in (part.lower() for part in base_python.parts):
        raise SetupError(
            f"{base_python} is the Microsoft Store Python, which Excel cannot start (it is an app-execution alias "
            "under WindowsApps). Install Python from python.org (per user, no admin rights needed), then run "
            "`pmo setup excel --python C:\\path\\to\\python.exe`."
        )


def merged_config(existing: str, values: dict[str, str]) -> str:
    """xlwings.conf with `values` set and every other line of the user's own config kept as it was."""
    kept = []
    for row in csv.reader(io.StringIO(existing)):
        if row and row[0].strip().upper() not in {key.upper() for key in values}:
            kept.append(row)
    output = io.StringIO()
    writer = csv.writer(output, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for row in kept:
        writer.writerow(row)
    for key, value in values.items():
        writer.writerow([key, value])
    return output.getvalue()


def plan_setup(
    platform: Platform,
    home: PurePath,
    base_python: PurePath,
    existing_config: str = "",
    local_app_data: PurePath | None = None,
    package_spec: str = PACKAGE_SPEC,
    wheelhouse: PurePath | None = None,
) -> SetupPlan:
    """Decide everything: where the venv goes, what Excel will start, which config lines change, what to run."""
    if platform == "windows":
        reject_store_python(PureWindowsPath(base_python))
        app_data = PureWindowsPath(local_app_data or PureWindowsPath(home, "AppData", "Local"))
        venv_dir = app_data / "pmo-xl" / "venv"
        interpreter = venv_dir / "Scripts" / "pythonw.exe"
        venv_python = venv_dir / "Scripts" / "python.exe"
        config_files: tuple[PurePath, ...] = (PureWindowsPath(home, ".xlwings", "xlwings.conf"),)
        key = "INTERPRETER_WIN"
        workbook_folder: PurePath = app_data / "pmo-xl" / "workbook"
        trusted_key = TRUSTED_LOCATION_KEY
    else:
        home = PurePosixPath(home)
        venv_dir = home / "Library" / "Application Support" / "pmo-xl" / "venv"
        interpreter = venv_python = venv_dir / "bin" / "python"
        # RunPython on macOS reads the copy inside Excel's sandbox container; the Python side reads ~/.xlwings.
        config_files = (home / ".xlwings" / "xlwings.conf",
                        home / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / "xlwings.conf")  # fmt: skip
        key = "INTERPRETER_MAC"
        workbook_folder = home / "Documents" / "PMO"
        trusted_key = ""
    install = [str(venv_python), "-m", "pip", "install", "--upgrade"]
    if wheelhouse is not None:  # behind a proxy or offline: install only from the wheels IT provided
        install += ["--no-index", "--find-links", str(wheelhouse)]
    commands = [(str(base_python), "-m", "venv", str(venv_dir)), (*install, package_spec)]
    if platform == "macos":
        commands.append((str(venv_dir / "bin" / "xlwings"), "runpython", "install"))
    return SetupPlan(
        platform=platform,
        venv_dir=venv_dir,
        interpreter=interpreter,
        config_files=config_files,
        config_text=merged_config(existing_config, {key: str(interpreter)}),
        commands=tuple(commands),
        workbook_folder=workbook_folder,
        trusted_location_key=trusted_key,
    )


def _trust_folder(plan: SetupPlan) -> None:
    """Register the workbook folder as an Excel trusted location for this user (HKCU, no admin rights)."""
    import winreg  # Windows only, like the registry

    with winreg.CreateKey(winreg.HKEY_CURRENT_USER, plan.trusted_location_key) as key:
        winreg.SetValueEx(key, "Path", 0, winreg.REG_SZ, str(plan.workbook_folder) + "\\")
        winreg.SetValueEx(key, "AllowSubfolders", 0, winreg.REG_DWORD, 1)
        winreg.SetValueEx(key, "Description", 0, winreg.REG_SZ, "pmo-xl workbook")


def apply_setup(
    plan: SetupPlan,
    workbook: Path | None,
    run: Callable[[Sequence[str]], object] = lambda command: subprocess.run(command, check=True),
    progress: Callable[[str], None] = print,
    trust_folder: Callable[[SetupPlan], None] | None = None,
) -> Path | None:
    """Carry out `plan`: venv and packages, config files, workbook copy into the trusted folder.

    `run` and `trust_folder` (the registry write, Windows only) are the only parts that reach outside the files,
    so a test can pass its own.
    """
    trust_folder = trust_folder or _trust_folder
    if not Path(plan.venv_dir).exists():
        progress(f"Creating the Python environment in {plan.venv_dir}")
        run(plan.commands[0])
    for command in plan.commands[1:]:
        progress("Running " + " ".join(command))
        run(command)
    for config_file in plan.config_files:
        path = write_bytes_atomic(Path(config_file), plan.config_text.encode("utf-8"))
        progress(f"Wrote {path}")
    if workbook is None:
        return None
    folder = Path(plan.workbook_folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / workbook.name
    # A byte copy leaves the Mark of the Web (the Zone.Identifier stream) behind, so Excel does not block the macros.
    shutil.copyfile(workbook, target)
    if plan.trusted_location_key:
        try:
            trust_folder(plan)
        except OSError as error:
            progress(f"Could not register {folder} as a trusted location ({error}); ask IT, see docs/install.md")
    progress(f"Open {target}")
    return target
