"""Start-up: `pmo --help`, `pmo --version` and `import pmo_xl` import neither pandas nor numpy; each command loads
only its own module, and the command list `pmo --help` shows without loading them says what each command says."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import click
import pytest

HEAVY = ("pandas", "numpy", "scipy", "openpyxl", "xlsxwriter", "python_calamine", "lxml")


def _modules_after(code: str) -> dict:
    """The heavy modules loaded by `code`, run in a fresh interpreter (this one has long imported everything)."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps({{name: name in sys.modules for name in {HEAVY!r}}}))"
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "code",
    [
        "import pmo_xl",
        "from pmo_xl.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass",
        "from pmo_xl.cli import main\ntry:\n    main(['--version'])\nexcept SystemExit:\n    pass",
    ],
    ids=["import pmo_xl", "pmo --help", "pmo --version"],
)
def test_the_first_steps_load_nothing_heavy(code):
    loaded = _modules_after(code)
    assert not any(loaded.values()), {name for name, present in loaded.items() if present}


def test_a_command_loads_what_it_needs_when_it_runs():
    """The probe itself must be able to fail: running a command does load pandas."""
    loaded = _modules_after(
        "from pmo_xl.cli import main\ntry:\n    main(['collect', '--help'])\nexcept SystemExit:\n    pass"
    )
    assert loaded["pandas"]


def test_the_public_api_loads_on_first_use():
    loaded = _modules_after("import pmo_xl\nassert 'run_collect' in dir(pmo_xl) and 'run_collect' in pmo_xl.__all__")
    assert not loaded["pandas"]
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import pmo_xl, sys; f = pmo_xl.run_collect; print(f.__module__, 'pandas' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout.split() == ["pmo_xl.monthly", "True"]
    import pmo_xl

    with pytest.raises(AttributeError, match="no attribute 'no_such_thing'"):
        pmo_xl.no_such_thing  # noqa: B018
    for name in pmo_xl.__all__:
        assert getattr(pmo_xl, name) is not None, name


def test_the_light_command_list_says_what_each_command_says():
    """COMMANDS (what `pmo --help` shows without loading anything) against each command's own first line."""
    from pmo_xl.cli._group import COMMANDS, main

    context = click.Context(main)
    for name, (module, line) in COMMANDS.items():
        command = main.get_command(context, name)
        assert command is not None, f"{name}: not registered by {module}"
        assert command.callback is None or command.callback.__module__ == module or isinstance(command, click.Group)
        assert command.get_short_help_str(limit=1000) == line, name
    assert set(main.commands) == set(COMMANDS), "every command is listed in COMMANDS"


def test_the_light_help_is_the_help_of_the_loaded_commands():
    """`pmo --help` from COMMANDS, and after every command's module is loaded: the same text."""
    light = subprocess.run(
        [sys.executable, "-c", "from pmo_xl.cli import main\nmain(['--help'])"], capture_output=True, text=True
    )
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import importlib\nfrom pmo_xl.cli import main\nfrom pmo_xl.cli._group import COMMANDS\n"
            "for module, _line in COMMANDS.values():\n    importlib.import_module(module)\nmain(['--help'])",
        ],
        capture_output=True,
        text=True,
    )
    assert light.returncode == loaded.returncode == 0, light.stderr + loaded.stderr
    assert re.search(r"\n  collect +Merge the status workbooks", light.stdout)
    assert light.stdout == loaded.stdout
