"""Which of two reports for the same project and period counts: the correction wins, by the best evidence there is.

A PM who fixes a report sends `X (2).xlsx` the same day, or saves over `X.xlsx` and mails it again, or an inbox
rule saves both attachments with one file time. Alphabetical order once decided, and the original won. Evidence,
strongest first:

1. the workbook's own saved time (`dcterms:modified` in docProps/core.xml; Excel sets it on every save);
2. the submitted-on date the PM typed;
3. a correction marker in the file name: `(2)`, `- Copy`, `_v2`, `corrected`, `final`;
4. the file's modification time.

A criterion decides only when every contender has it and one value is the latest. Where nothing tells two files
apart, it is a true tie: the PMO chooses (`pmo collect --prefer`), and until then the run summary says which file
is used and how to choose the other. Pure logic: no file access.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath

import pandas as pd

_MARKERS = (
    re.compile(r"\((\d+)\)$"),  # 'X (2)', as Windows and browsers name a second download
    re.compile(r"[ _-]v(\d+)$", re.IGNORECASE),  # 'X_v2', 'X v3'
    re.compile(r"(?:^|[ _-])copy(?: \((\d+)\))?$", re.IGNORECASE),  # 'X - Copy', 'X - Copy (2)'
    re.compile(r"(?:^|[ _-])(?:corrected|correction|final|fixed|updated|revised)$", re.IGNORECASE),
)


@dataclass(frozen=True, slots=True)
class Evidence:
    """What tells one report from another for the same project and period; '' where the file does not say."""

    file_name: str
    saved_at: str = ""  # ISO UTC time from docProps/core.xml
    submitted_on: str = ""  # ISO date typed by the PM
    file_time: str = ""  # ISO time of the file on disk when collected


def correction_marker(file_name: str) -> tuple[int, int]:
    """(1, number) for a name that says it is a correction ('X (2)' gives (1, 2), 'X corrected' (1, 1)), else (0, 0).

    Several markers stack ('X (2) - corrected'), read from the end of the name.
    """
    stem = PurePath(file_name).stem.strip()
    found, number = 0, 0
    while stem:
        for pattern in _MARKERS:
            match = pattern.search(stem)
            if match:
                found = 1
                digits = next((group for group in match.groups() if group), None)
                number = max(number, int(digits) if digits else 1)
                stem = stem[: match.start()].rstrip(" _-")
                break
        else:
            break
    return found, number


CRITERIA = (
    ("saved_at", "the time the workbook was last saved"),
    ("submitted_on", "the submitted-on date"),
    ("marker", "a correction marker in the file name"),
    ("file_time", "the file's modification time"),
)


def _value(evidence: Evidence, criterion: str) -> object:
    if criterion == "marker":
        return correction_marker(evidence.file_name)  # every name has one: (0, 0) says "no marker"
    return getattr(evidence, criterion) or None


@dataclass(frozen=True)
class Choice:
    """The report that counts among one slot's contenders, and why."""

    winner: int  # the key of the winning contender
    evidence: str  # which evidence decided ('' for a single contender or a tie)
    tie: tuple[int, ...] = ()  # the contenders nothing tells apart (with the winner), for the PMO to choose among


def pick(contenders: Sequence[tuple[int, Evidence]], preferred: int | None = None) -> Choice:
    """The newest of `contenders` ((key, evidence) pairs) by the evidence above; `preferred` (the PMO's choice)
    wins outright. A true tie keeps the first contender (the one already in the ledger, or the first collected)
    and lists the tie."""
    if not contenders:
        raise ValueError("no contenders")
    if preferred is not None and any(key == preferred for key, _ in contenders):
        return Choice(preferred, "the PMO's choice")
    remaining = list(contenders)
    for criterion, words in CRITERIA:
        if len(remaining) == 1:
            break
        values = [_value(evidence, criterion) for _key, evidence in remaining]
        if any(value is None for value in values):
            continue  # decides only when every contender has it
        latest = max(values)  # type: ignore[type-var]
        if all(value == latest for value in values):
            continue
        remaining = [pair for pair, value in zip(remaining, values, strict=True) if value == latest]
        if len(remaining) == 1:
            return Choice(remaining[0][0], words)
    if len(remaining) == 1:
        return Choice(remaining[0][0], "")
    return Choice(remaining[0][0], "", tuple(key for key, _ in remaining))


# -- which submission counts for a project and period (moved from reporting.views: collect, generate and the
# views all ask it, and it belongs below them) ---------------------------------------------------------------

# A slot's contender: (submission id, or a negative order for one being collected, and its evidence).
Contender = tuple[int, Evidence]


def choose_submission(rows: Sequence[Contender], choice: tuple[int, str] | None = None) -> Choice:
    """Which of one slot's contenders counts, and why (pmo_xl.corrections: saved time, submitted-on date,
    correction marker, file time; a true tie is listed for the PMO).

    `choice` is the PMO's (submission_id, holds_until). A PMO choice holds against every submission dated
    (in-file submitted-on) up to the latest date the PMO could see when choosing; only a report the PM re-dates
    and sends afterwards competes with it again, so re-running collect never undoes the choice.
    """
    if choice is not None and any(key == choice[0] for key, _evidence in rows):
        preferred, holds_until = choice
        later = [(key, evidence) for key, evidence in rows if evidence.submitted_on > str(holds_until or "")]
        if not later:
            return pick(rows, preferred)
        return pick([(key, evidence) for key, evidence in rows if key == preferred] + later)
    return pick(rows)


def current_submission(rows: Sequence[Contender], choice: tuple[int, str] | None = None) -> int:
    return choose_submission(rows, choice).winner


def preference_choices(preferences: pd.DataFrame) -> dict[tuple[str, str], tuple[int, str]]:
    return {
        (project_id, period): (submission_id, holds_until)
        for project_id, period, submission_id, holds_until in zip(
            preferences["project_id"],
            preferences["reporting_period"],
            preferences["submission_id"],
            preferences["holds_until"],
            strict=True,
        )
    }


def slot_rows(headers: pd.DataFrame) -> dict[tuple[str, str], list[Contender]]:
    """(project_id, reporting_period) -> its stored submissions, each with the evidence of which is newest."""
    slots: dict[tuple[str, str], list[Contender]] = {}
    for row in headers.to_dict("records"):
        evidence = Evidence(
            file_name=str(row["file_name"]),
            saved_at=str(row.get("saved_at") or ""),
            submitted_on=row["submitted_on"] if isinstance(row["submitted_on"], str) else "",
            file_time=str(row.get("file_time") or ""),
        )
        slots.setdefault((row["project_id"], row["reporting_period"]), []).append((row["submission_id"], evidence))
    return slots


def mark_current(headers: pd.DataFrame, preferences: pd.DataFrame) -> pd.DataFrame:
    """`headers` with a boolean `current`: the one submission that counts for each project and period."""
    frame = headers.copy()
    choices = preference_choices(preferences)
    winners = {current_submission(rows, choices.get(slot)) for slot, rows in slot_rows(frame).items()}
    frame["current"] = frame["submission_id"].isin(winners)
    return frame


# -- change requests ---------------------------------------------------------------------------------------------


def _approved_ids(change_requests: Iterable[dict]) -> set[str]:
    return {str(row.get("id")) for row in change_requests if row.get("status") == "Approved"}


def newly_approved(current: Sequence[dict], before_previous: Sequence[dict]) -> list[dict]:
    """Approved change requests of a submission not yet approved two submissions back.

    Two back, because the PMO applies a change request approved in period N to the baseline it sends for N+1:
    that N+1 submission still lists the request (carried forward) and it covers the change it caused.
    """
    already = _approved_ids(before_previous)
    return [row for row in current if row.get("status") == "Approved" and str(row.get("id")) not in already]
