"""The coaching scorecard lists PMs in one order whatever the hash seed: names that differ only in case ("Ana Ruiz",
"ana ruiz") are two PMs, ordered by their folded name and then by the name itself, never by set-iteration order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAMES = ["ana ruiz", "Ana ruiz", "Ben Okafor", "ANA RUIZ", "Ana Ruiz"]
SCRIPT = f"""
import datetime as dt, json
from pmo_xl.reporting.calendar import TrackedProject
from pmo_xl.reporting.coaching import coaching_scorecard
from pmo_xl.settings import PmoSettings
names = {NAMES!r}
projects = [TrackedProject(f"PRJ-{{n:03d}}", project_manager=name) for n, name in enumerate(names)]
card = coaching_scorecard(projects, [], [], "2026-11", PmoSettings(), dt.date(2026, 12, 20))
print(json.dumps([list(card.managers["project_manager"]),
                  list(dict.fromkeys(card.manager_trends["project_manager"]))]))
"""


def test_pms_differing_only_in_case_come_in_the_same_order_under_any_hash_seed():
    runs = {}
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        runs[seed] = json.loads(done.stdout)
    expected = ["ANA RUIZ", "Ana Ruiz", "Ana ruiz", "ana ruiz", "Ben Okafor"]
    for seed, (managers, trends) in runs.items():
        assert managers == expected, seed
        assert trends == expected, seed  # the trends sheet lists them in the same order
