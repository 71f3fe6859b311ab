"""Scenarios: named what-ifs (settings plus force-in and force-out decisions), run and compared side by side, and
kept in a JSON file beside the pipeline (`pmo optimize --save-scenario`, `--compare`)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from pmo_xl.excel.files import write_bytes_atomic
from pmo_xl.portfolio.selection.inputs import SelectionError, SelectionSettings
from pmo_xl.portfolio.selection.solve import SelectionResult, select_portfolio


@dataclass(frozen=True)
class Scenario:
    """A named what-if: settings plus extra force-in/force-out decisions (request_id -> ('in'|'out', reason))."""

    name: str
    settings: SelectionSettings
    forces: Mapping[str, tuple[str, str]] = field(default_factory=dict)


def apply_scenario(requests: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    frame = requests.copy()
    for column in ("force", "force_reason"):
        if column not in frame.columns:
            frame[column] = None
    frame["force"] = frame["force"].astype(object)
    frame["force_reason"] = frame["force_reason"].astype(object)
    ids = frame["request_id"].astype(str).str.strip()
    for request_id, (force, reason) in scenario.forces.items():
        if not (ids == request_id).any():
            raise SelectionError(f"scenario {scenario.name}: unknown request {request_id}")
        frame.loc[ids == request_id, "force"] = force
        frame.loc[ids == request_id, "force_reason"] = f"{reason} (scenario {scenario.name})"
    return frame


def save_scenarios(path: Path, scenarios: Sequence[Scenario]) -> Path:
    """Scenarios as JSON beside the pipeline; saving a name again replaces it. The file's other scenarios are kept
    as they are, with any run `pmo scenario save` kept with them (pmo_xl.portfolio.selection.saved)."""
    path = Path(path)
    entries = []
    if path.exists():
        load_scenarios(path)  # refuses a file that is not a scenario file, as before
        entries = json.loads(path.read_text(encoding="utf-8"))
    new = {entry["name"]: entry for entry in json.loads(scenarios_bytes(scenarios))}
    kept = [new.pop(entry["name"]) if entry["name"] in new else entry for entry in entries]
    return write_bytes_atomic(path, json.dumps([*kept, *new.values()], indent=2).encode("utf-8"))


def scenarios_bytes(scenarios: Sequence[Scenario]) -> bytes:
    """The scenario file's content for exactly these scenarios (`load_scenarios` reads it back)."""
    payload = [
        {
            "name": s.name,
            "settings": {**asdict(s.settings), "budgets": dict(s.settings.budgets)},
            "forces": {k: list(v) for k, v in s.forces.items()},
        }
        for s in scenarios
    ]
    return json.dumps(payload, indent=2).encode("utf-8")


def load_scenarios(path: Path) -> list[Scenario]:
    path = Path(path)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        return [
            Scenario(
                item["name"],
                SelectionSettings(**item["settings"]),
                {k: (v[0], v[1]) for k, v in item.get("forces", {}).items()},
            )
            for item in payload
        ]
    except FileNotFoundError:
        raise SelectionError(f"{path}: no such scenario file") from None
    except (ValueError, KeyError, TypeError) as error:
        raise SelectionError(f"{path}: not a scenario file saved by pmo optimize ({error})") from None


def run_scenarios(
    requests: pd.DataFrame,
    scenarios: Sequence[Scenario],
    resources: pd.DataFrame | None = None,
    capacity: pd.DataFrame | None = None,
    costs: pd.DataFrame | None = None,
) -> dict[str, SelectionResult]:
    return {
        scenario.name: select_portfolio(
            apply_scenario(requests, scenario), scenario.settings, resources, capacity, costs
        )
        for scenario in scenarios
    }


def compare_scenarios(results: Mapping[str, SelectionResult]) -> pd.DataFrame:
    """Side by side: one row per request (in, with its start month, or out), then totals per scenario."""
    names = list(results)
    if not names:
        raise SelectionError("no scenarios to compare")
    first = results[names[0]].decisions
    table = first[["request_id", "title"]].copy()
    for name in names:
        decisions = results[name].decisions.set_index("request_id")
        table[name] = [
            (f"in ({decisions.at[rid, 'start_month']})" if decisions.at[rid, "start_month"] else "in")
            if decisions.at[rid, "selected"]
            else "out"
            for rid in table["request_id"]
        ]
    summary = []
    for label, pick in (
        ("TOTAL value", lambda r: f"{r.value:,.2f}"),
        ("TOTAL cost", lambda r: f"{r.cost:,.2f}"),
        ("requests selected", lambda r: str(int(r.decisions["selected"].sum()))),
        ("status", lambda r: r.status),
    ):
        summary.append({"request_id": label, "title": "", **{name: pick(results[name]) for name in names}})
    return pd.concat([table, pd.DataFrame(summary)], ignore_index=True)
