"""Runs killed at random moments, for the tests that a killed collect leaves the ledger whole (test_kill on SQLite,
test_team_ledger on PostgreSQL)."""

from __future__ import annotations

import random
import signal
import subprocess
import time
from collections.abc import Callable


def kill_at_random_moments(start: Callable[[], subprocess.Popen], duration: float, count: int,
                           after_each: Callable[[], None]) -> int:  # fmt: skip
    """Start a run `count` times and SIGKILL it at a moment drawn (seeded) between 5% and 110% of `duration`, the
    time a whole run takes; `after_each` checks what the killed (or finished) run left. How many were killed."""
    rng = random.Random(7)
    killed = 0
    for moment in sorted(rng.uniform(0.05, 1.1) * duration for _ in range(count)):
        run = start()
        time.sleep(moment)
        if run.poll() is None:
            run.send_signal(signal.SIGKILL)
            killed += 1
        run.communicate(timeout=600)
        after_each()
    return killed
