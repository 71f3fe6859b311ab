"""The README as a newcomer follows it: every fenced command, pasted in order into one shell, in a fresh copy of the
repository, works, and leaves `git status` clean.

The copy is the tracked files of this checkout (what a clone gets once they are committed) in a new git repository.
Its `.venv` takes this venv's packages through a .pth file, as tests/test_installed_wheel.py does, and pip runs
with no index, so nothing is downloaded: the README's set-up command itself runs as written (it creates the venv,
installs the copy with `pip install -e .`, and runs `pmo demo demo-output`).

Skipped, and why:
- `bash .ci/run`: it runs the whole test suite, this test too (it would recurse), and installs system packages.

Set PMO_README_TRANSCRIPT to a file name to keep the transcript (each command after `$ `, then what it printed).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SKIPPED = {"bash .ci/run": "runs the whole suite, this test included, and installs system packages"}


def readme_commands(text: str) -> list[str]:
    """Every command of every ```bash block, in order; a line ending in a backslash continues on the next."""
    commands = []
    for block in re.findall(r"^```bash\n(.*?)^```", text, flags=re.S | re.M):
        for command in re.sub(r"\\\n\s*", "", block).splitlines():
            if command.strip():
                commands.append(command.strip())
    return commands


def _fresh_copy(target: Path) -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, tracked):
        source = REPO / name
        if source.is_file():  # a file deleted in the checkout but not yet in git is not part of it
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    for command in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"]):
        subprocess.run(["git", *command], cwd=target, check=True, capture_output=True)


def _venv_with_these_packages(clone: Path) -> None:
    """The clone's .venv made by the same `python3` the README uses, with this venv's packages reachable."""
    subprocess.run(["python3", "-m", "venv", ".venv"], cwd=clone, check=True)
    python = clone / ".venv" / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The setuptools ensurepip bundles is older than pyproject.toml's build-system asks; without it, pip (and the
    # README's `python3 -m venv .venv`, which runs ensurepip again) finds this venv's through the .pth file.
    for bundled in Path(purelib).glob("setuptools*"):
        shutil.rmtree(bundled)
    Path(purelib, "test-venv-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")


def test_every_command_of_the_readme_works_in_a_fresh_clone(tmp_path):
    # The README's commands are for a POSIX shell, with python3 and git: a machine without them fails here, loudly.
    assert sys.platform != "win32", "the README's commands are written for a POSIX shell: run this test on Linux"
    assert shutil.which("python3") and shutil.which("git"), "the README test needs python3 and git on PATH"
    clone = tmp_path / "pmo-xl"
    clone.mkdir()
    _fresh_copy(clone)
    _venv_with_these_packages(clone)
    commands = readme_commands((clone / "README.md").read_text(encoding="utf-8"))
    assert commands[0].startswith("python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/pmo demo")
    assert "bash .ci/run" in commands and "source .venv/bin/activate" in commands

    script = []
    for command in commands:
        if command in SKIPPED:
            script.append(f"echo {_quoted('$ ' + command + '   (skipped: ' + SKIPPED[command] + ')')}")
            continue
        # `set -e` does not stop at a failing command inside `a && b`: each command's status is checked.
        script += [f"echo {_quoted('$ ' + command)}", f"{{ {command}\n}} || exit $?"]
    script.append('echo "pmo is $(command -v pmo)"')
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("VIRTUAL_ENV", "PYTHON", "PIP_"))
    }
    environment["PATH"] = os.pathsep.join(
        part for part in environment.get("PATH", "").split(os.pathsep) if not part.startswith(sys.prefix)
    )
    # pip installs the copy from this venv's setuptools, with no index: nothing is downloaded.
    environment.update(PIP_NO_INDEX="1", PIP_NO_BUILD_ISOLATION="0", PIP_DISABLE_PIP_VERSION_CHECK="1")
    completed = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=clone,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=900,
    )
    transcript = completed.stdout
    if os.environ.get("PMO_README_TRANSCRIPT"):
        Path(os.environ["PMO_README_TRANSCRIPT"]).write_text(transcript, encoding="utf-8")
    assert completed.returncode == 0, transcript[-6000:]
    assert f"pmo is {clone / '.venv' / 'bin' / 'pmo'}" in transcript

    # The demo said how its numbers add up and where to look, and nothing landed outside demo-output/.
    assert "projects in the register" in transcript and "Where to look, in demo-output:" in transcript
    status = subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=clone, capture_output=True, text=True)
    ignored = {line[3:].rstrip("/") for line in status.stdout.splitlines() if line.startswith("!! ")}
    untracked = [line for line in status.stdout.splitlines() if not line.startswith("!! ")]
    assert untracked == [], untracked
    assert {"demo-output", ".venv"} <= ignored
    assert not (clone / "portfolio.xlsx").exists() and not (clone / "outbox").exists()


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def test_ci_runs_the_readme_test_command():
    """`.ci/run` is what the README's test command runs, and it runs every test (pytest with no file named)."""
    commands = readme_commands((REPO / "README.md").read_text(encoding="utf-8"))
    assert "bash .ci/run" in commands
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert '.venv/bin/python -m pytest -q -p no:cacheprovider "$@"' in ci


def test_the_readme_uses_only_commands_pmo_has():
    """Every `pmo X` the README runs names a command `pmo --help` lists."""
    from pmo_xl.cli._group import COMMANDS

    for command in readme_commands((REPO / "README.md").read_text(encoding="utf-8")):
        for name in re.findall(r"(?:^|&& |/)pmo (\w[\w-]*)", command):
            assert name in COMMANDS, command
