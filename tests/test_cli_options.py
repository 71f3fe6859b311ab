"""One meaning per option name: `--requests`, `--capacity`, `--register` and `--ledger` (and REQUESTS of pmo score
and pmo optimize) are the same option in every command that has them, take every form their help promises, and
refuse any other form with one line, `pmo: ...`, never a usage screen or a traceback.

The walk starts from pmo_xl.cli._group.COMMANDS, so a new command with one of these options fails here until its
invocation is added to INVOCATIONS."""

from __future__ import annotations

import shutil
from pathlib import Path

import click
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.cli._group import COMMANDS
from pmo_xl.cli._options import CAPACITY_HELP, LEDGER_HELP, REGISTER_HELP, REQUESTS_HELP, InputPath
from pmo_xl.generate.generator import TemplateSource, template_path
from pmo_xl.templates.catalog import PROJECT_REQUEST
from tests.test_request_pipeline import write_form

SHARED_HELP = {"--requests": REQUESTS_HELP, "--capacity": CAPACITY_HELP, "--register": REGISTER_HELP,
               "--ledger": LEDGER_HELP}  # fmt: skip

# Each command that has one of the shared options, run with every other input a good one; {X} is the form tried.
INVOCATIONS = {
    ("generate", "--register"): ["generate", "--out", "{tmp}/outbox", "--period", "2026-12", "--register", "{X}"],
    ("generate", "--ledger"): ["generate", "--out", "{tmp}/outbox", "--period", "2026-12",
                               "--register", "{demo}/register.csv", "--ledger", "{X}"],
    ("collect", "--ledger"): ["collect", "{demo}/inbox", "--out", "{tmp}/p.xlsx", "--ledger", "{X}"],
    ("collect", "--register"): ["collect", "{demo}/inbox", "--out", "{tmp}/p.xlsx", "--ledger", "{tmp}/new.db",
                                "--register", "{X}"],
    **{
        (command, option): [command, f"{{tmp}}/out.{suffix}", "--ledger", "{ledger}", "--register",
                            "{demo}/register.csv", "--capacity", "{demo}/capacity.xlsx",
                            "--requests", "{demo}/requests.xlsx", option, "{X}"]
        for command, suffix in (("dashboard", "xlsx"), ("report", "html"), ("review-pack", "html"))
        for option in ("--ledger", "--register", "--capacity", "--requests")
    },
    **{
        ("capacity", option): ["capacity", "--ledger", "{ledger}", "--capacity", "{demo}/capacity.xlsx",
                               "--requests", "{demo}/requests.xlsx", "-o", "{tmp}/c.xlsx", "--force", option, "{X}"]
        for option in ("--ledger", "--capacity", "--requests")
    },
    ("score", "REQUESTS"): ["score", "{X}", "-o", "{tmp}/s.xlsx"],
    ("optimize", "REQUESTS"): ["optimize", "{X}", "--total-budget", "1500", "-o", "{tmp}/o.xlsx"],
    ("optimize", "--capacity"): ["optimize", "{demo}/requests.xlsx", "--total-budget", "1500", "-o", "{tmp}/o.xlsx",
                                 "--capacity", "{X}"],
    ("coaching", "--ledger"): ["coaching", "{tmp}/c.xlsx", "--ledger", "{X}", "--register", "{demo}/register.csv"],
    ("coaching", "--register"): ["coaching", "{tmp}/c.xlsx", "--ledger", "{ledger}", "--register", "{X}"],
    ("ledger rebuild", "--ledger"): ["ledger", "rebuild", "--ledger", "{X}"],
    ("ledger check", "--ledger"): ["ledger", "check", "--ledger", "{X}"],
    ("export history", "--ledger"): ["export", "history", "{tmp}/h.xlsx", "--ledger", "{X}"],
    ("scenario save", "--requests"): ["scenario", "save", "S", "--requests", "{X}", "--total-budget", "1500", "--out",
                                      "{tmp}/s.json"],
    ("scenario save", "--capacity"): ["scenario", "save", "S", "--requests", "{demo}/requests.xlsx", "--total-budget",
                                      "1500", "--capacity", "{X}", "--out", "{tmp}/s.json"],
    **{
        ("scenario commit", option): ["scenario", "commit", "None", "--file", "{demo}/../scenarios.json",
                                      "--register", "{demo}/register.csv", "--ledger", "{ledger}",
                                      "--out", "{tmp}/new.csv", option, "{X}"]
        for option in ("--register", "--ledger", "--requests")
    },
    ("import project-online", "--ledger"): ["import", "project-online", "{demo}/project-online-export", "--out",
                                            "{tmp}/imported", "--ledger", "{X}"],
    ("decide", "--ledger"): ["decide", "--ledger", "{X}", "--from", "{demo}/../decisions.csv"],  # no row: none to record
}  # fmt: skip

# The forms of each option: (name, accepted). REQUESTS is the same pipeline as --requests.
FORMS = {
    "--requests": [("pipeline workbook", True), ("requests csv", True), ("folder of request forms", True),
                   ("pmo score output", False), ("pmo optimize output", False), ("empty folder", False),
                   ("missing", False)],
    "--capacity": [("capacity workbook", True), ("capacity csv", True), ("capacity plan csv", True),
                   ("pmo capacity output", False), ("folder", False), ("missing", False)],
    "--register": [("register csv", True), ("register workbook", True), ("folder", False), ("missing", False),
                   ("ledger file", False)],
    "--ledger": [("ledger", True), ("folder", False), ("missing", False), ("workbook", False)],
}  # fmt: skip
FORMS["REQUESTS"] = FORMS["--requests"]


def _shared_parameters():
    """(command path, option name, parameter) for every shared option of every command, groups walked."""
    context = click.Context(main)
    found = []

    def walk(path: str, command: click.Command) -> None:
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(f"{path} {name}", sub)
            return
        for parameter in command.params:
            if isinstance(parameter, click.Argument) and parameter.name == "requests":
                found.append((path, "REQUESTS", parameter))
            for name in parameter.opts:
                if name in SHARED_HELP:
                    found.append((path, name, parameter))

    for name in COMMANDS:
        walk(name, main.get_command(context, name))
    return found


def test_every_shared_option_is_the_one_declaration_with_the_one_help():
    found = _shared_parameters()
    assert {(path, name) for path, name, _parameter in found} == set(INVOCATIONS)
    for path, name, parameter in found:
        assert isinstance(parameter.type, InputPath), (path, name)
        if name in SHARED_HELP:
            assert parameter.help.startswith(SHARED_HELP[name]), (path, name)
    # --requests and REQUESTS take a folder of forms; the others take a file only.
    for path, name, parameter in found:
        assert parameter.type.folder == (name in ("--requests", "REQUESTS")), (path, name)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A small demo's folder, and the other forms built from it."""
    root = tmp_path_factory.mktemp("forms")
    demo = root / "demo"
    result = CliRunner().invoke(main, ["demo", str(demo), "--projects", "4", "--periods", "2"])
    assert result.exit_code == 0, result.output
    forms = root / "forms"
    forms.mkdir()
    source = TemplateSource(PROJECT_REQUEST, template_path("project_request"))
    write_form(source, forms, "REQ-101", "Invoicing portal", 4, 100)
    write_form(source, forms, "REQ-102", "Data catalogue", 3, 60)
    (root / "empty").mkdir()
    pd.read_excel(demo / "requests.xlsx", sheet_name="Requests", engine="openpyxl").to_csv(
        root / "requests.csv", index=False
    )
    capacity = pd.read_excel(demo / "capacity.xlsx", sheet_name="Capacity", engine="openpyxl")
    capacity.to_csv(root / "capacity.csv", index=False)
    months = [f"2027-{month:02d}" for month in range(1, 13)]
    plan = [{"role": role, "month": month, "capacity_fte": 3.0} for role in capacity["role"] for month in months]
    pd.DataFrame(plan).to_csv(root / "capacity_plan.csv", index=False)
    frame = pd.read_csv(demo / "register.csv", dtype=str, keep_default_na=False)
    sheet = openpyxl.Workbook()
    sheet.active.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.active.append(list(row))
    sheet.save(root / "register.xlsx")
    # a scenario that approves nothing (no budget), so that committing it needs no PM for a request
    saved = CliRunner().invoke(main, ["scenario", "save", "None", "--requests", str(demo / "requests.xlsx"),
                                      "--total-budget", "0", "--out", str(root / "scenarios.json")])  # fmt: skip
    assert saved.exit_code == 0, saved.output
    (root / "decisions.csv").write_text("project_id,answers,kind,owner,date,due,note\n", encoding="utf-8")
    return {
        "root": root,
        "demo": demo,
        "pipeline workbook": demo / "requests.xlsx",
        "requests csv": root / "requests.csv",
        "folder of request forms": forms,
        "pmo score output": demo / "request_scores.xlsx",
        "pmo optimize output": demo / "request_selection.xlsx",
        "empty folder": root / "empty",
        "capacity workbook": demo / "capacity.xlsx",
        "capacity csv": root / "capacity.csv",
        "capacity plan csv": root / "capacity_plan.csv",
        "pmo capacity output": demo / "capacity_plan.xlsx",
        "register csv": demo / "register.csv",
        "register workbook": root / "register.xlsx",
        "ledger file": demo / "pmo_ledger.db",
        "workbook": demo / "portfolio.xlsx",
        "folder": root / "empty",
    }


CASES = [(command, option, form, accepted) for (command, option) in INVOCATIONS for form, accepted in FORMS[option]]


@pytest.mark.parametrize(("command", "option", "form", "accepted"), CASES, ids=[f"{c[0]} {c[1]} {c[2]}" for c in CASES])
def test_each_form_is_taken_or_refused_in_one_line(files, tmp_path, command, option, form, accepted):
    ledger = tmp_path / "pmo_ledger.db"  # a copy: generate and collect write to the ledger they are given
    shutil.copy2(files["demo"] / "pmo_ledger.db", ledger)
    value = ledger if form == "ledger" else files.get(form)
    if form == "missing":  # its own: collect makes a new ledger where none is
        value = tmp_path / "missing" / "no-such-file.xlsx"
    if value.is_file():  # a copy, so that no command can change the module's files
        (tmp_path / "given").mkdir(exist_ok=True)
        value = Path(shutil.copy2(value, tmp_path / "given" / value.name))
    if command in ("collect", "import project-online") and option == "--ledger" and form == "missing":
        accepted = True  # collect starts a new ledger where none is, and so does an import before the first collect
    arguments = [
        part.format(tmp=tmp_path, demo=files["demo"], ledger=ledger, X=value) for part in INVOCATIONS[command, option]
    ]
    result = CliRunner().invoke(main, arguments)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    if accepted:
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("pmo") or line.startswith(" ")]
    assert len(errors) == 1 and errors[0].startswith("pmo: "), result.stderr  # one line, whatever progress before
    assert Path(value).name in errors[0], errors[0]
    assert "Usage:" not in result.output and "Traceback" not in result.output


def test_every_command_says_which_kinds_of_file_it_reads_and_writes():
    context = click.Context(main)

    def leaves(path: str, command: click.Command):
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                yield from leaves(f"{path} {name}", sub)
        else:
            yield path, command

    for name in COMMANDS:
        for path, command in leaves(name, main.get_command(context, name)):
            assert "\n    Reads:  " in command.help and "\n    Writes: " in command.help, path


def test_pmo_help_lists_the_commands_in_the_order_of_a_month():
    result = CliRunner().invoke(main, ["--help"])
    listed = [line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line.strip()]
    assert listed == list(COMMANDS)
    month = ["demo", "generate", "collect", "dashboard", "report", "capacity", "score", "optimize"]
    assert [name for name in listed if name in month] == month


def test_a_refused_ledger_names_pmo_ledger_when_it_came_from_the_environment(tmp_path):
    """The fix is in the variable, not on the command line: the refusal says which of the two held the value."""
    url = "postgresql://kim:secret@db.example.org/pmo"
    decide = ["decide", "--kind", "approve", "--project", "A1", "--answers", "D-001", "--owner", "SC",
              "--date", "2026-12-05"]  # fmt: skip
    for arguments, env, said in (
        (decide, {"PMO_LEDGER": url}, "pmo: PMO_LEDGER: the URL holds a password; never put one there."),
        ([*decide, "--ledger", url], {"PMO_LEDGER": ""}, "pmo: --ledger: the URL holds a password; never put one"),
        (["ledger", "check"], {"PMO_LEDGER": url + "?sslmode=require"}, "pmo: PMO_LEDGER: the URL holds a password"),
        (decide, {"PMO_LEDGER": str(tmp_path / "none.db")}, f"pmo: PMO_LEDGER {tmp_path / 'none.db'}: no such file"),
    ):
        result = CliRunner().invoke(main, arguments, env=env)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(said) and result.stderr.count("\n") == 1, result.stderr
        assert "secret" not in result.output and "Traceback" not in result.output
