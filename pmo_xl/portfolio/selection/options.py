"""Budgets and forces written as text, as `pmo optimize` and the Settings sheet take them: 'FY2027=1.2m',
'REQ-7=Board decision'."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pmo_xl.portfolio.selection.inputs import SelectionError
from pmo_xl.values import read_number


def parse_budget(text: str) -> tuple[str, float]:
    """'FY2027=1.2m' -> ('FY2027', 1200000.0); k and m suffixes and thousands separators are accepted."""
    label, separator, amount = str(text).partition("=")
    label = label.strip().upper()
    if not separator or not re.fullmatch(r"FY\d{4}", label):
        raise SelectionError(f"budget {text!r}: write it as FY2027=1500000 (or 1.5m, 800k)")
    cleaned = amount.strip().lower().replace("_", "")
    multiplier = 1.0
    if cleaned.endswith(("k", "m")):
        multiplier = 1e3 if cleaned.endswith("k") else 1e6
        cleaned = cleaned[:-1]
    reading = read_number(cleaned, "amount", text_is_normal=True)
    if reading.value is None:
        why = reading.message.partition(": ")[2] or "it is not an amount"
        raise SelectionError(f"budget {text!r}: {amount!r} is not an amount ({why})")
    value = float(reading.value) * multiplier  # type: ignore[arg-type]
    if value < 0:
        raise SelectionError(f"budget {text!r}: must be >= 0")
    return label, value


def parse_forces(texts: Sequence[str], force: str) -> dict[str, tuple[str, str]]:
    """'REQ-7=Board decision' -> {'REQ-7': (force, 'Board decision')}; a force always carries its reason."""
    forces = {}
    for text in texts:
        request_id, separator, reason = str(text).partition("=")
        if not separator or not request_id.strip() or not reason.strip():
            raise SelectionError(f"force {force} {text!r}: write it as REQ-7=the reason (who decided, and why)")
        forces[request_id.strip()] = (force, reason.strip())
    return forces
