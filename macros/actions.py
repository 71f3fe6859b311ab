"""How every ribbon action runs: calculation manual and screen updating off (restored in `finally`), progress in
the status bar, one Log row per run, and every failure a message box instead of a traceback.

Long jobs run as a separate `pmo` process (`run_pmo_process`), capped by the Settings' ribbon time limit, so Excel
keeps repainting and a runaway job can be stopped; `run_pmo_json` reads such a job's result as the JSON summary
`--json` prints (docs/json-output.md), never by reading its messages.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import pmo_xl
from macros.adapter import Book, LogEntry, XlwingsBook
from pmo_xl.errors import PmoError
from pmo_xl.values import read_number

Action = Callable[[Book], str]
DEFAULT_TIME_LIMIT_SECONDS = 60.0


class ActionUnavailable(PmoError):
    """The button's core function is not in this build of pmo-xl yet."""


def not_available_yet(label: str, core: str) -> Action:
    def action(book: Book) -> str:
        raise ActionUnavailable(
            f"{label} is not available in this build yet (it needs {core}). Update pmo-xl, then click Restart Python."
        )

    return action


def run_action(label: str, action: Action, book: Book | None = None) -> str:
    """Run `action` on the calling workbook; returns the outcome written to the Log ('OK', 'Failed', ...)."""
    book = book or XlwingsBook.caller()
    outcome, message = "OK", ""
    # Warnings go to the Log row, not stderr: on macOS anything on stderr pops up as an error after RunPython.
    with book.busy(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            book.show_status(f"PMO: {label}...")
            message = action(book)
        except ActionUnavailable as error:
            outcome, message = "Not available", str(error)
        except PmoError as error:
            outcome, message = "Failed", str(error)
        except Exception as error:  # a bug must still reach the user as a message, not a traceback in a console
            outcome, message = (
                "Failed",
                f"Unexpected {type(error).__name__}: {error}. Please report this with the Log row.",
            )
        finally:
            if caught:
                message += f" ({len(caught)} warning(s): {'; '.join(sorted({str(w.message) for w in caught}))})"
            try:
                book.append_log(LogEntry(dt.datetime.now(), label, outcome, message))
            except Exception as error:
                message += f" (The Log row could not be written: {error})"
            book.show_status(None)
    if outcome != "OK":
        book.show_message(message, f"PMO - {label}")
    try:
        book.commit()
    except Exception as error:
        outcome = "Failed"
        book.show_message(f"{label}: the workbook could not be saved ({error}). Close it elsewhere and retry.",
                          f"PMO - {label}")  # fmt: skip
    return outcome


PMO_PROGRAM = (sys.executable, "-c", "import sys; from pmo_xl.cli import main; sys.exit(main())")
# The shape of `pmo ... --json` this code reads (docs/json-output.md). The child imports this same pmo_xl, so the two
# agree; a mismatch means a half-updated install.
JSON_SCHEMA = 1


def run_pmo_process(
    arguments: Sequence[str],
    book: Book,
    label: str,
    time_limit: float | None = None,
    program: Sequence[str] | None = None,
) -> str:
    """Run `pmo ARGUMENTS...` as its own process, showing elapsed time; stop it past the time limit.

    Returns its stdout; its result files are for the caller to load. A separate process keeps Excel responsive
    and lets a runaway solve be killed without killing Excel's Python.
    """
    returncode, stdout, stderr = _run_child(arguments, book, label, time_limit, program)
    if returncode != 0:
        raise PmoError(_failure(label, stderr))
    return stdout


def run_pmo_json(
    arguments: Sequence[str],
    book: Book,
    label: str,
    time_limit: float | None = None,
    program: Sequence[str] | None = None,
) -> dict:
    """Run `pmo ARGUMENTS... --json` as its own process (as `run_pmo_process`) and return the summary it prints.

    The ribbon reads this documented object, never the lines written for people, so rewording a message cannot
    break a button. A run that failed raises PmoError with the command's own message. A summary with a non-zero
    "exit" is returned (collect's portfolio locked by Excel, with the ledger updated): the caller says what it means.
    """
    returncode, stdout, stderr = _run_child(arguments, book, label, time_limit, program, as_json=True)
    try:
        summary = json.loads(stdout)
    except json.JSONDecodeError:
        summary = None
    if not isinstance(summary, dict):
        raise PmoError(_failure(label, stderr) if returncode != 0 else f"{label}: pmo printed no summary to read.")
    if "error" in summary:
        raise PmoError(f"{label} failed: {summary['error']}")
    if summary.get("schema") != JSON_SCHEMA:
        raise PmoError(
            f"{label}: pmo answered in JSON schema {summary.get('schema')!r} and this ribbon reads schema {JSON_SCHEMA}: "
            "part of pmo-xl is out of date. Reinstall it (pmo setup excel), then click Restart Python."
        )
    return summary


def _failure(label: str, stderr: str) -> str:
    return f"{label} failed: {stderr.strip().splitlines()[-1] if stderr.strip() else 'no details'}"


def _run_child(
    arguments: Sequence[str],
    book: Book,
    label: str,
    time_limit: float | None,
    program: Sequence[str] | None,
    as_json: bool = False,
) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of `pmo ARGUMENTS...` (with --json if asked) run as its own process, capped by
    the time limit. Past the limit, the message names the command without --json: it is for a person to run."""
    if time_limit is None:
        configured = book.read_settings().get("ribbon_time_limit_seconds")
        seconds = read_number(configured, "ribbon_time_limit_seconds", minimum=1, text_is_normal=True)
        time_limit = DEFAULT_TIME_LIMIT_SECONDS if seconds.value is None else float(seconds.value)  # type: ignore[arg-type]
    # PMO_PROGRAM is looked up at each run, not bound as a default: a test can stand another program in for it.
    command = [*(program or PMO_PROGRAM), *arguments, *(["--json"] if as_json else [])]
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)
    # Output goes to files, not pipes: a chatty job must not block on a full pipe while we only poll.
    with tempfile.TemporaryFile("w+") as stdout_file, tempfile.TemporaryFile("w+") as stderr_file:
        # The child imports the same pmo_xl as this process, wherever that is installed.
        package_root = str(Path(pmo_xl.__file__).resolve().parents[1])
        environment = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
        }
        process = subprocess.Popen(
            command, stdout=stdout_file, stderr=stderr_file, text=True, creationflags=flags, env=environment
        )
        started = time.monotonic()
        while process.poll() is None:
            elapsed = time.monotonic() - started
            if elapsed > time_limit:
                process.kill()
                process.wait()
                raise PmoError(
                    f"{label} took longer than {time_limit:g} s and was stopped. Run `pmo {' '.join(arguments)}` in "
                    "a terminal, or raise ribbon_time_limit_seconds on the Settings sheet."
                )
            book.show_status(f"PMO: {label} running ({elapsed:.0f} s of at most {time_limit:g} s)...")
            time.sleep(0.25)
        stdout_file.seek(0)
        stderr_file.seek(0)
        return process.returncode, stdout_file.read(), stderr_file.read()
