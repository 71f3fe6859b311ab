"""docs/install.md names each message a corporate PC shows, and its fix, in the words the user will see."""

from __future__ import annotations

from pathlib import Path

import pytest

INSTALL = (Path(__file__).resolve().parents[1] / "docs" / "install.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("message", "fix"),
    [
        ("Microsoft has blocked macros from running because the source of this file is untrusted", "Unblock"),
        ("Disable all macros except digitally signed macros", "code-signing certificate"),
        ("Block all Office applications from creating child processes", "EXCEL.EXE` -> `cmd.exe` -> `pythonw.exe"),
        ("ProxyError", "--no-index --find-links"),
    ],
)
def test_install_guide_names_the_message_and_its_fix(message, fix):
    assert message in INSTALL and fix in INSTALL


def test_the_process_chains_for_it_cover_buttons_functions_and_check_setup():
    chains = INSTALL[INSTALL.index("## Process chains for IT") :]
    chains = chains[: chains.index("\n## ", 5)]
    assert chains.count("`EXCEL.EXE` -> `cmd.exe` -> `pythonw.exe`") == 2  # RunPython buttons and the UDF server
    assert "`EXCEL.EXE` -> `cmd.exe` -> `python.exe`" in chains  # Check setup
    assert "xlwings.serve(" in chains and "cmd.exe /K" in chains and "cmd.exe /C" in chains


def test_the_install_guide_never_sends_users_to_a_package_that_is_not_published():
    """pmo-xl is not on PyPI: every pip install names a wheel, a clone or a wheelhouse, and the guide says how to
    build the wheel."""
    import re

    installs = re.findall(r"pip install[^`|]*", INSTALL)
    assert installs
    for command in installs:
        named = command.split("install", 1)[1]
        assert "pmo-xl" not in named.split() or "--no-index" in named, command
    assert "-m build --wheel" in INSTALL and "pip wheel . --no-deps" in INSTALL
    assert "not published on PyPI" in INSTALL
