"""`pmo setup excel`: the plan is pure, so Windows and macOS setups are checked here with injected paths."""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest
from click.testing import CliRunner

from pmo_xl.workbook.setup_excel import SetupError, apply_setup, merged_config, plan_setup

WINDOWS_HOME = PureWindowsPath(r"C:\Users\ana")
LOCAL_APP_DATA = PureWindowsPath(r"C:\Users\ana\AppData\Local")
PYTHON_ORG = PureWindowsPath(r"C:\Users\ana\AppData\Local\Programs\Python\Python312\python.exe")


def test_windows_gets_a_venv_in_local_app_data_and_interpreter_win_pointing_at_pythonw():
    plan = plan_setup("windows", WINDOWS_HOME, PYTHON_ORG, local_app_data=LOCAL_APP_DATA)
    assert str(plan.venv_dir) == r"C:\Users\ana\AppData\Local\pmo-xl\venv"
    assert str(plan.interpreter) == r"C:\Users\ana\AppData\Local\pmo-xl\venv\Scripts\pythonw.exe"
    assert [str(path) for path in plan.config_files] == [r"C:\Users\ana\.xlwings\xlwings.conf"]
    assert (
        plan.config_text == '"INTERPRETER_WIN","C:\\Users\\ana\\AppData\\Local\\pmo-xl\\venv\\Scripts\\pythonw.exe"\n'
    )
    assert plan.commands[0] == (str(PYTHON_ORG), "-m", "venv", str(plan.venv_dir))
    assert plan.commands[1][-1] == "pmo-xl" and plan.commands[1][0].endswith(r"Scripts\python.exe")
    assert str(plan.workbook_folder) == r"C:\Users\ana\AppData\Local\pmo-xl\workbook"
    assert plan.trusted_location_key.endswith(r"Excel\Security\Trusted Locations\pmo-xl")


def test_store_app_python_is_refused_with_the_fix():
    store = PureWindowsPath(r"C:\Users\ana\AppData\Local\Microsoft\WindowsApps\python.exe")
    with pytest.raises(SetupError, match=r"Microsoft Store Python.*python\.org"):
        plan_setup("windows", WINDOWS_HOME, store, local_app_data=LOCAL_APP_DATA)


def test_the_users_own_config_lines_are_kept_and_the_old_interpreter_replaced():
    existing = '"INTERPRETER_WIN","C:\\old\\pythonw.exe"\n"SHOW CONSOLE","False"\n"CONDA PATH",""\n'
    plan = plan_setup("windows", WINDOWS_HOME, PYTHON_ORG, existing_config=existing, local_app_data=LOCAL_APP_DATA)
    lines = plan.config_text.splitlines()
    assert lines[:2] == ['"SHOW CONSOLE","False"', '"CONDA PATH",""']
    assert lines[2].startswith('"INTERPRETER_WIN","C:\\Users\\ana\\AppData\\Local\\pmo-xl')
    assert "old" not in plan.config_text


def test_behind_a_proxy_pip_installs_only_from_the_wheelhouse():
    plan = plan_setup("windows", WINDOWS_HOME, PYTHON_ORG, local_app_data=LOCAL_APP_DATA,
                      wheelhouse=PureWindowsPath(r"D:\pmo-wheels"))  # fmt: skip
    assert plan.commands[1][-4:] == ("--no-index", "--find-links", r"D:\pmo-wheels", "pmo-xl")


def test_macos_gets_interpreter_mac_in_both_configs_and_runpython_install():
    home = PurePosixPath("/Users/ana")
    plan = plan_setup("macos", home, PurePosixPath("/usr/local/bin/python3"))
    assert str(plan.interpreter) == "/Users/ana/Library/Application Support/pmo-xl/venv/bin/python"
    assert plan.config_text.startswith(
        '"INTERPRETER_MAC","/Users/ana/Library/Application Support/pmo-xl/venv/bin/python"'
    )
    assert [str(path) for path in plan.config_files] == [
        "/Users/ana/.xlwings/xlwings.conf",
        "/Users/ana/Library/Containers/com.microsoft.Excel/Data/xlwings.conf",
    ]
    assert plan.commands[-1] == (
        "/Users/ana/Library/Application Support/pmo-xl/venv/bin/xlwings",
        "runpython",
        "install",
    )
    assert plan.trusted_location_key == ""


def test_applying_a_plan_runs_its_commands_writes_the_configs_and_copies_the_workbook(tmp_path):
    workbook = tmp_path / "downloads" / "pmo_workbook.xlsm"
    workbook.parent.mkdir()
    workbook.write_bytes(b"the workbook")
    existing = '"SHOW CONSOLE","False"\n'
    plan = plan_setup("macos", PurePosixPath(tmp_path / "home"), PurePosixPath("/usr/bin/python3"), existing)
    commands = []
    placed = apply_setup(plan, workbook, run=commands.append, progress=lambda message: None)
    assert commands == list(plan.commands)
    for config in plan.config_files:
        assert Path(config).read_text() == plan.config_text
    assert placed == tmp_path / "home" / "Documents" / "PMO" / "pmo_workbook.xlsm"
    assert placed.read_bytes() == b"the workbook" and workbook.exists()


def test_merged_config_quotes_values_with_commas():
    assert merged_config("", {"INTERPRETER_WIN": r"C:\a,b\pythonw.exe"}) == '"INTERPRETER_WIN","C:\\a,b\\pythonw.exe"\n'


def test_the_command_refuses_linux_with_a_clear_message():
    from pmo_xl.cli import main

    result = CliRunner().invoke(main, ["setup", "excel", "--dry-run"])
    assert result.exit_code == 2
    assert "Excel for Windows or macOS" in result.output and "Traceback" not in result.output


def test_setup_help_shows_an_example():
    from pmo_xl.cli import main

    result = CliRunner().invoke(main, ["setup", "excel", "--help"])
    assert "pmo setup excel --workbook pmo_workbook.xlsm" in result.output


def _windows_plan(tmp_path):
    """A Windows plan whose folders are real folders here (pure Windows paths cannot be created on Linux)."""
    from dataclasses import replace

    plan = plan_setup("windows", WINDOWS_HOME, PYTHON_ORG, local_app_data=LOCAL_APP_DATA)
    return replace(plan, venv_dir=tmp_path / "venv", config_files=(tmp_path / "home" / ".xlwings" / "xlwings.conf",),
                   workbook_folder=tmp_path / "pmo-xl" / "workbook")  # fmt: skip


def test_applying_a_windows_plan_registers_the_workbook_folder_as_a_trusted_location(tmp_path):
    workbook = tmp_path / "pmo_workbook.xlsm"
    workbook.write_bytes(b"the workbook")
    plan = _windows_plan(tmp_path)
    trusted = []
    placed = apply_setup(plan, workbook, run=lambda command: None, progress=lambda message: None,
                         trust_folder=trusted.append)  # fmt: skip
    assert trusted == [plan] and trusted[0].workbook_folder == placed.parent == tmp_path / "pmo-xl" / "workbook"
    assert plan.trusted_location_key.endswith(r"Trusted Locations\pmo-xl")


def test_a_refused_registry_write_is_reported_and_the_setup_goes_on(tmp_path):
    workbook = tmp_path / "pmo_workbook.xlsm"
    workbook.write_bytes(b"the workbook")
    messages = []

    def refused(plan):
        raise PermissionError("policy forbids it")

    placed = apply_setup(_windows_plan(tmp_path), workbook, run=lambda command: None, progress=messages.append,
                         trust_folder=refused)  # fmt: skip
    assert placed.read_bytes() == b"the workbook"
    assert any("Could not register" in message and "policy forbids it" in message for message in messages)


def test_an_existing_venv_is_reused_not_created_again(tmp_path):
    plan = _windows_plan(tmp_path)
    commands = []
    apply_setup(plan, None, run=commands.append, progress=lambda message: None)
    assert commands == list(plan.commands)  # first run: created, then packages installed
    Path(plan.venv_dir).mkdir()
    commands.clear()
    apply_setup(plan, None, run=commands.append, progress=lambda message: None)
    assert plan.commands[0][1:3] == ("-m", "venv")
    assert commands == list(plan.commands[1:])  # the venv is kept; only the package install runs again


def test_excel_s_environment_installs_pmo_xl_from_where_this_one_came_from():
    """pmo-xl is not on PyPI: the default for --package is this clone (or the wheel pip installed from)."""
    from pmo_xl.workbook.setup_excel import installed_from

    assert Path(installed_from()) == Path(__file__).resolve().parents[1]
