"""The files around `pmo scenario`: the scenario file, the pipeline, the register and the ledger, read and written
around the pure core (pmo_xl.portfolio.selection.saved)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pmo_xl.errors import RegisterError
from pmo_xl.excel.files import write_bytes_atomic
from pmo_xl.ledger import ScenarioCommit, open_ledger
from pmo_xl.portfolio.selection import OptimizeRequest, SelectionError, SelectionSettings, parse_budget, parse_forces
from pmo_xl.portfolio.selection.saved import (
    SavedScenario,
    approved_projects,
    new_register_csv,
    pick_scenarios,
    read_saved_scenarios,
    run_and_keep,
    saved_scenarios_bytes,
    with_scenario,
)


def read_scenario_file(path: Path) -> list[SavedScenario]:
    try:
        return read_saved_scenarios(path.read_bytes(), str(path))
    except FileNotFoundError:
        raise SelectionError(f"{path}: no such scenario file; save one with pmo scenario save") from None
    except OSError as error:
        raise SelectionError(f"{path}: cannot be read ({error.strerror})") from None


@dataclass(frozen=True)
class ScenarioInputs:
    """What `pmo scenario save` runs on, as `pmo optimize` takes it: the files, the budgets and the forces."""

    requests: Path
    capacity: Path | None = None
    resources: Path | None = None
    costs: Path | None = None
    model: Path | None = None
    score_set: str | None = None
    budgets: Sequence[str] = ()
    total_budget: float | None = None
    value_measure: str = "score"
    max_deferral: int = 0
    fiscal_year_start: int = 1
    force_in: Sequence[str] = ()
    force_out: Sequence[str] = ()


def save_scenario_run(
    name: str, inputs: ScenarioInputs, scenario_file: Path, progress: Callable[[str], None], now: str
) -> SavedScenario:
    """Run the selection as `pmo optimize` does and keep it under `name` in `scenario_file` (others kept), with
    the files it read, so the scenario can be run again on the same inputs."""
    from pmo_xl.cli.scoring import RESOURCE_TABLES, _capacity_table, _model, _pipeline, _score_set
    from pmo_xl.excel.tables import read_table

    existing = read_scenario_file(scenario_file) if scenario_file.exists() else []
    table, form_resources, from_forms, _rejected = _pipeline(inputs.requests)
    settings = SelectionSettings(inputs.value_measure, dict(parse_budget(text) for text in inputs.budgets),
                                 inputs.total_budget, inputs.max_deferral,
                                 fiscal_year_start_month=inputs.fiscal_year_start)  # fmt: skip
    request = OptimizeRequest(
        settings,
        resources=read_table(inputs.resources, RESOURCE_TABLES, first_sheet=True)
        if inputs.resources
        else form_resources,
        capacity=_capacity_table(inputs.capacity) if inputs.capacity else None,
        costs=read_table(inputs.costs, "Costs", first_sheet=True) if inputs.costs else None,
        scoring_model=_model(inputs.model, None)[0],
        score_set=_score_set(inputs.score_set, from_forms),
        forces={**parse_forces(inputs.force_in, "in"), **parse_forces(inputs.force_out, "out")},
        scenario_name=name,
    )
    files = {"resources": inputs.resources, "costs": inputs.costs, "capacity": inputs.capacity, "model": inputs.model}
    saved = run_and_keep(table, request, saved_at=now, requests_file=str(inputs.requests),
                         input_files={role: str(path) for role, path in files.items() if path}, progress=progress)  # fmt: skip
    write_bytes_atomic(scenario_file, saved_scenarios_bytes(with_scenario(existing, saved)))
    return saved


def commit_scenario(
    name: str, scenario_file: Path, register: Path, ledger: Path, requests: Path | None, output: Path,
    committed_by: str, committed_at: str, project_managers: Sequence[str], settings_path: Path | None = None,
) -> ScenarioCommit:  # fmt: skip
    """Record `name` as approved in the ledger and write `output`: the register and the approved requests as new
    projects. The register is read, never written; nothing is recorded when the new register is refused."""
    from pmo_xl.cli.scoring import _pipeline
    from pmo_xl.register import read_register, read_rows
    from pmo_xl.settings import load_settings
    from pmo_xl.templates.catalog import schema_for

    if output.suffix.lower() != ".csv":
        raise SelectionError(f"--out {output}: the new register is written as .csv; give a .csv name")
    if output.resolve() == register.resolve():
        raise SelectionError(f"--out {output} is the PMO's register; give a new file name (the register is never "
                             "edited)")  # fmt: skip
    if output.exists():
        raise SelectionError(f"--out {output} already exists; give a new file name (a commit writes a new register "
                             "and never replaces a file)")  # fmt: skip
    saved = pick_scenarios(read_scenario_file(scenario_file), [name], str(scenario_file))[0]
    run = saved.run
    assert run is not None  # pick_scenarios refuses a scenario without one
    settings = load_settings(settings_path)
    schema = schema_for("project_status")
    records = read_register(register, schema, settings.csv_locale, settings)
    rows = read_rows(register, settings.csv_locale)
    table = _pipeline(requests or Path(run.requests_file))[0]
    pms = dict(parse_forces(project_managers, "pm"))
    projects, problems = approved_projects(run, table, [record.project_id for record in records],
                                           {request_id: pm for request_id, (_kind, pm) in pms.items()})  # fmt: skip
    if problems:
        listing = "\n".join(f"  - {problem}" for problem in problems)
        raise SelectionError(f"scenario {name!r} cannot be committed; nothing was recorded:\n{listing}")
    separator = rows.locale.separator if rows.locale else ","
    decimal_mark = (rows.locale.decimal_mark or ".") if rows.locale else "."
    content = new_register_csv(rows.headers, [values for _number, values in rows.rows], projects, separator,
                               decimal_mark)  # fmt: skip
    source = register.read_bytes()
    committed = saved_scenarios_bytes([saved]).decode("utf-8")
    with open_ledger(ledger, write=True) as book:
        _refuse_committed_again(name, committed, book.scenario_commits())
        write_bytes_atomic(output, content)
        try:
            read_register(output, schema, settings.csv_locale, settings)
        except RegisterError as error:
            output.unlink(missing_ok=True)
            first_new = len(rows.rows) + 2  # the header is row 1
            added = ", ".join(f"row {first_new + index} {project.project_id}" for index, project in enumerate(projects))
            raise SelectionError(f"the new register would be refused, so it was not written and nothing was "
                                 f"recorded (the approved requests' rows: {added}): {error}") from None  # fmt: skip
        decision = ScenarioCommit(name, committed, run.selected,
                                  tuple(project.project_id for project in projects), str(register),
                                  hashlib.sha256(source).hexdigest(), str(output), committed_by,
                                  committed_at)  # fmt: skip
        book.add_scenario_commit(decision)
    return decision


def _refuse_committed_again(name: str, committed: str, commits: Sequence[ScenarioCommit]) -> None:
    """The same saved run committed twice would record one decision as two; a changed run is saved again first."""
    earlier = next((commit for commit in commits if commit.scenario == committed), None)
    if earlier is not None:
        raise SelectionError(
            f"scenario {name!r} was already committed, as saved, by {earlier.committed_by} at {earlier.committed_at} "
            f"(new register {earlier.new_register}); nothing was recorded. To commit a changed run, save it again"
        )
