"""One collect run: inbox -> read -> validate -> one verdict per file -> ledger -> views -> portfolio.xlsx.

Every file gets exactly one verdict: accepted, rejected (every reason), duplicate (same bytes or same content as
something already in the ledger or earlier in this run), superseded (a newer submission for the same project and
period exists: newer by the in-file submitted-on date, then by collected-at; never by file mtime), or skipped
(lock files, hidden files). One bad file never stops the run; input files are only ever read.

An accepted submission that changed a PMO-owned figure (a locked budget or baseline date) without an approved
change request gets a `pmo_field_changed` warning naming the cell and both values; the views use the PMO's figure
(`pmo_xl.reporting.views.pmo_baseline`), and the run's summary lists every such change.
"""

from __future__ import annotations

import array
import collections
import contextlib
import csv
import datetime as dt
import functools
import hashlib
import io
import itertools
import os
import pickle
import re
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pmo_xl.corrections import Choice, Evidence, choose_submission, preference_choices, slot_rows
from pmo_xl.errors import OutputError, OutputFault, PmoError
from pmo_xl.excel.files import cannot_write_in, remove_stale_temporaries, safe_file_name
from pmo_xl.ledger import (
    Ledger,
    Rejection,
    content_fingerprint,
    is_server_url,
    lock_path_for,
    now_stamp,
    open_ledger,
)
from pmo_xl.periods import check_period
from pmo_xl.register import ProjectRecord
from pmo_xl.settings import PmoSettings
from pmo_xl.submissions import Finding, ParsedSubmission, Verdict

if TYPE_CHECKING:  # a type only: collect never builds views (pmo_xl.monthly does, after recording)
    from pmo_xl.reporting.views import PortfolioViews

Progress = Callable[[int, int, str], None]
PMO_FIELD_CHANGED = "pmo_field_changed"


@dataclass(frozen=True)
class Candidate:
    """A file after reading and validation: its (normalised) submission, or None when it could not be read."""

    path: str
    submission: ParsedSubmission | None
    findings: tuple[Finding, ...] = ()
    # The ledger header of a stored submission with exactly these bytes: the file was hashed, not parsed again.
    stored: dict | None = None

    @property
    def rejected(self) -> bool:
        if self.stored is not None:
            return False
        return self.submission is None or any(finding.severity == "error" for finding in self.findings)


@dataclass(frozen=True, slots=True)
class Identity:
    """Which report a file is, named as WorkbookMetadata names it: all a verdict needs of the metadata."""

    template_id: str
    project_id: str
    reporting_period: str


@dataclass(frozen=True, slots=True)
class Intake:
    """What the run keeps of a file once it is judged: its verdict's makings, never its contents. A file that may
    be stored waits in the run's spill (`Spill`), so memory follows the largest file, not the inbox."""

    path: str
    findings: tuple[Finding, ...]
    stored: dict | None
    rejected: bool
    metadata: Identity | None
    sha256: str = ""
    fingerprint: str = ""  # of the content, for a file that may be stored
    saved_at: str = ""  # the evidence that tells a correction from the file it corrects (pmo_xl.corrections)
    submitted_day: str = ""
    file_time: str = ""
    spilled: int | None = None  # its key in the spill

    @property
    def evidence(self) -> Evidence:
        """Built when the judgement needs it: kept, it would hold the file's name a second time."""
        return Evidence(self.file_name, self.saved_at, self.submitted_day, self.file_time)

    @property
    def file_name(self) -> str:
        return os.path.basename(self.path)


class Spill:
    """The parsed submissions that may be stored, on disk until the run decides: pickled into one anonymous
    temporary file (removed by the system even if the run is killed). pickle, not the ledger: the judgement needs
    the whole run before anything is stored, and the ledger must see one all-or-nothing transaction. A temporary
    folder that refuses the write keeps the submission in memory instead: slower memory, never a lost file."""

    def __init__(self) -> None:
        self._file = None
        self._offsets = array.array("q")  # 16 bytes a file, not a tuple of two ints
        self._lengths = array.array("q")
        self._kept: dict[int, ParsedSubmission] = {}

    def put(self, submission: ParsedSubmission) -> int:
        key = len(self._offsets)
        try:
            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix="pmo-collect-")  # noqa: SIM115 (kept open for the run; closed by close())
            data = pickle.dumps(submission, protocol=pickle.HIGHEST_PROTOCOL)
            self._file.seek(0, io.SEEK_END)
            offset = self._file.tell()
            self._file.write(data)
            self._offsets.append(offset)
            self._lengths.append(len(data))
        except OSError:
            self._offsets.append(-1)
            self._lengths.append(0)
            self._kept[key] = submission
        return key

    def get(self, key: int) -> ParsedSubmission:
        if key in self._kept:
            return self._kept[key]
        self._file.seek(self._offsets[key])
        return pickle.loads(self._file.read(self._lengths[key]))

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._kept.clear()

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class StoredFiles(Mapping):
    """The ledger's stored files by sha256, as the header fields a duplicate's verdict names: held as tuples (a
    36-period ledger of 2,000 projects has 72,000 of them) and made into a header only for a file found again."""

    def __init__(self, known: dict[str, tuple[int, str, str, str]]):
        self._known = known

    def __getitem__(self, sha256: str) -> dict:
        submission_id, project_id, reporting_period, template_id = self._known[sha256]
        return {"sha256": sha256, "submission_id": submission_id, "project_id": project_id,
                "reporting_period": reporting_period, "template_id": template_id}  # fmt: skip

    def __iter__(self):
        return iter(self._known)

    def __len__(self) -> int:
        return len(self._known)


def take_in(candidate: Candidate, spill: Spill) -> Intake:
    """A candidate as the run keeps it: the submission itself goes to the spill if it may be stored."""
    submission = candidate.submission
    if candidate.stored is not None or submission is None:
        return Intake(candidate.path, candidate.findings, candidate.stored, candidate.rejected, None)
    # Interned: a project's id and period recur in every month's file; the run keeps one copy of each.
    metadata = Identity(
        sys.intern(submission.metadata.template_id),
        sys.intern(submission.metadata.project_id),
        sys.intern(submission.metadata.reporting_period),
    )
    if candidate.rejected:
        return Intake(candidate.path, candidate.findings, None, True, metadata, submission.sha256)
    return Intake(
        candidate.path,
        candidate.findings,
        None,
        False,
        metadata,
        submission.sha256,
        content_fingerprint(submission),
        submission.saved_at,
        _day(submission.fields.get("submitted_on")) or "",
        submission.file_time,
        spill.put(submission),
    )


@dataclass(frozen=True)
class CollectResult:
    verdicts: tuple[Verdict, ...]
    added: tuple[int, ...]
    views: PortfolioViews | None = None
    output: Path | None = None
    output_error: str = ""
    output_fault: bool = False  # the output's folder or disk refused it (not a file locked by Excel)
    archived: tuple[Path, ...] = ()
    chaser_drafts: tuple[Path, ...] = ()
    warnings: tuple[str, ...] = ()
    feedback_drafts: tuple[Path, ...] = ()
    coaching: Path | None = None  # pmo-coaching.xlsx, when written

    def count(self, status: str) -> int:
        return sum(1 for verdict in self.verdicts if verdict.status == status)

    def summary(self) -> str:
        """The counts of verdicts, then every PMO-owned figure a PM changed without an approved change request."""
        parts = [f"{self.count(status)} {status}" for status in ("accepted", "rejected", "duplicate", "superseded")]
        skipped = self.count("skipped")
        if skipped:
            parts.append(f"{skipped} skipped")
        counts = f"{len(self.verdicts)} file(s): " + ", ".join(parts)
        changed = [
            (verdict, finding)
            for verdict in self.verdicts
            for finding in verdict.findings
            if finding.code == PMO_FIELD_CHANGED
        ]
        ties = list(dict.fromkeys(f.message for v in self.verdicts for f in v.findings if f.code == "tie"))
        lines = [counts]
        if changed:
            lines.append(
                f"warning: {len(changed)} PMO-owned figure(s) changed without an approved change request; "
                "the PMO's figures are used:"
            )
            lines += [
                f"    {verdict.project_id} {verdict.reporting_period} ({Path(verdict.path).name}): {finding.describe()}"
                for verdict, finding in changed
            ]
        if ties:
            lines.append(f"choose: {len(ties)} tie(s) between reports for one period that nothing tells apart:")
            lines += [f"    {message}" for message in ties]
        return "\n".join(lines)


# -- the PMO's overrides ----------------------------------------------------------------------------------------


def read_overrides(path: Path) -> tuple[str, ...]:
    """The files the PMO prefers, from a CSV with a `file` (name or path) or `sha256` column."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            rows = list(csv.DictReader(stream))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise PmoError(f"{path}: cannot read the overrides CSV ({error})") from None
    chosen = []
    for number, row in enumerate(rows, start=2):
        normalised = {str(key).strip().lower(): (value or "").strip() for key, value in row.items() if key}
        value = normalised.get("file") or normalised.get("file_name") or normalised.get("sha256")
        if not value:
            raise PmoError(f"{path}, row {number}: give the preferred file in a 'file' or 'sha256' column")
        chosen.append(value)
    return tuple(chosen)


def _is_preferred(candidate_path: str, sha256: str, prefer: Sequence[str]) -> bool:
    if not prefer:
        return False
    name = os.path.basename(candidate_path).casefold()
    for choice in prefer:
        choice = choice.strip()
        if not choice:
            continue
        if choice.casefold() in (name, candidate_path.casefold()) or Path(choice).name.casefold() == name:
            return True
        if len(choice) >= 8 and sha256.startswith(choice.lower()):
            return True
    return False


# -- judging ------------------------------------------------------------------------------------------------------


def _verdict(intake: Intake, status: str, *extra: Finding, submission_id: int | None = None) -> Verdict:
    metadata = intake.metadata
    return Verdict(
        path=intake.path,
        status=status,  # type: ignore[arg-type]
        findings=(*intake.findings, *extra),
        project_id=metadata.project_id if metadata else "",
        reporting_period=metadata.reporting_period if metadata else "",
        template_id=metadata.template_id if metadata else "",
        sha256=intake.sha256,
        submission_id=submission_id,
    )


def _info(code: str, message: str, severity: str = "info") -> Finding:
    return Finding(severity, code, message)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Judgement:
    """What a run decided: one verdict per candidate, what to store, and the PMO's choices to record."""

    verdicts: list[Verdict]
    # (intake index, collected_at, content fingerprint)
    to_store: list[tuple[int, str, str]]
    # (candidate index, submission id already in the ledger or None for one being stored, holds_until)
    choices: list[tuple[int, int | None, str]]


def judge(candidates: Sequence[Intake], ledger: Ledger, prefer: Sequence[str] = ()) -> Judgement:
    """Give each file its verdict against the ledger and the rest of the run. Reads the ledger only."""
    verdicts: list[Verdict | None] = [None] * len(candidates)
    seen_sha: dict[str, str] = {}
    seen_content: dict[str, str] = {}
    # the files that may be stored, by project and period: (index, collected_at, fingerprint)
    slots: dict[tuple[str, str], list[tuple[int, str, str]]] = {}
    stored_choices: list[tuple[int, int]] = []
    collected_at = now_stamp()  # the run's: one string for all its files
    for index, candidate in enumerate(candidates):
        if candidate.stored is not None:
            stored_header = candidate.stored
            reason = f"the same file is already in the ledger (submission {stored_header['submission_id']})"
            verdicts[index] = Verdict(
                path=candidate.path,
                status="duplicate",
                findings=(*candidate.findings, _info("duplicate", reason)),
                project_id=stored_header["project_id"],
                reporting_period=stored_header["reporting_period"],
                template_id=stored_header["template_id"],
                sha256=stored_header["sha256"],
                submission_id=stored_header["submission_id"],
            )
            if _is_preferred(candidate.path, stored_header["sha256"], prefer):
                stored_choices.append((index, stored_header["submission_id"]))
            seen_sha.setdefault(stored_header["sha256"], candidate.path)
            continue
        if candidate.rejected:
            verdicts[index] = _verdict(candidate, "rejected")
            continue
        metadata = candidate.metadata
        assert metadata is not None
        slot = (metadata.project_id, metadata.reporting_period)
        fingerprint = candidate.fingerprint
        stored = ledger.submission_with_sha256(candidate.sha256)
        reason = None
        if stored is not None:
            reason = f"the same file is already in the ledger (submission {stored})"
        elif candidate.sha256 in seen_sha:
            reason = f"the same file as {seen_sha[candidate.sha256]}, collected in this run"
        else:
            stored = ledger.submission_with_content(fingerprint)
            if stored is not None:
                reason = f"the same content is already in the ledger (submission {stored}), saved as another file"
            elif fingerprint in seen_content:
                reason = f"the same content as {seen_content[fingerprint]}, collected in this run"
        if reason is not None:
            verdicts[index] = _verdict(candidate, "duplicate", _info("duplicate", reason), submission_id=stored)
            if stored is not None and _is_preferred(candidate.path, candidate.sha256, prefer):
                stored_choices.append((index, stored))
            continue
        seen_sha[candidate.sha256] = candidate.path
        seen_content[fingerprint] = candidate.path
        slots.setdefault(slot, []).append((index, collected_at, fingerprint))

    # Only the periods this run's files report on: the slots they join, never the whole history.
    run_periods = {slot[1] for slot in slots} | {verdicts[index].reporting_period for index, _id in stored_choices}
    headers = ledger.submissions(periods=run_periods)
    ledger_slots = slot_rows(headers)
    paths = dict(zip(headers["submission_id"], headers["source_path"], strict=True))

    def latest_known(slot: tuple[str, str]) -> str:
        """The latest submitted-on date the PMO could see for a slot: in the ledger, and in this run's files."""
        days = [row[1].submitted_on for row in ledger_slots.get(slot, [])]
        days += [candidates[index].submitted_day for index, _at, _print in slots.get(slot, [])]
        return max(days, default="")

    preferences = preference_choices(ledger.preferences())
    choices: list[tuple[int, int | None, str]] = []
    for index, stored_id in stored_choices:
        slot = (verdicts[index].project_id, verdicts[index].reporting_period)
        preferences[slot] = (stored_id, latest_known(slot))
        choices.append((index, stored_id, latest_known(slot)))
    to_store: list[tuple[int, str, str]] = []
    for slot, members in slots.items():
        rows = list(ledger_slots.get(slot, []))
        choice = preferences.get(slot)
        for order, (index, _collected_at, _fingerprint) in enumerate(members, start=1):
            rows.append((-order, candidates[index].evidence))
            paths[-order] = candidates[index].path
            if _is_preferred(candidates[index].path, candidates[index].sha256, prefer):
                choice = (-order, latest_known(slot))
                choices.append((index, None, latest_known(slot)))
        decided = choose_submission(rows, choice)
        winner = decided.winner
        for order, (index, collected_at, fingerprint) in enumerate(members, start=1):
            candidate = candidates[index]
            tie = _tie_finding(slot, decided, paths) if -order in decided.tie else None
            if winner == -order:
                to_store.append((index, collected_at, fingerprint))
                if tie is not None:
                    verdicts[index] = _verdict(candidate, "accepted", tie)
            else:
                finding = _superseded_finding(candidate, winner, decided, paths[winner])
                verdicts[index] = _verdict(candidate, "superseded", finding, *((tie,) if tie else ()))
    for index, candidate in enumerate(candidates):
        if verdicts[index] is None:
            verdicts[index] = _verdict(candidate, "accepted")
    verdicts = _note_conflict_copies(candidates, verdicts)
    return Judgement([v for v in verdicts if v is not None], to_store, choices)


# OneDrive names the losing side of a sync conflict "<name>-<COMPUTER>.xlsx" (or "-<COMPUTER>-2.xlsx").
_CONFLICT_SUFFIXES = (
    re.compile(r"^(?P<original>.+?)-[A-Za-z0-9][A-Za-z0-9_]*(-\d+)?$"),
    re.compile(r"^(?P<original>.+)-[A-Za-z0-9][A-Za-z0-9_]*(-\d+)?$"),
)


def _note_conflict_copies(candidates: Sequence[Intake], verdicts: list[Verdict | None]) -> list[Verdict | None]:
    """Name OneDrive conflict copies, so the PMO knows why one project sent two files."""
    # os.path, not Path: this runs over every file of the run, and a Path interns its name for good.
    stems = {_stem(c.path).casefold(): c.path for c in candidates}
    noted = list(verdicts)
    for index, candidate in enumerate(candidates):
        matches = [pattern.match(_stem(candidate.path)) for pattern in _CONFLICT_SUFFIXES]
        originals = [stems.get(match.group("original").casefold()) for match in matches if match]
        original = next((name for name in originals if name), None)
        if original and original != candidate.path and noted[index] is not None:
            finding = _info("conflict_copy", f"looks like a OneDrive conflict copy of {Path(original).name}")
            noted[index] = replace(noted[index], findings=(*noted[index].findings, finding))
    return noted


def _stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def _day(value: object) -> str | None:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return value.isoformat() if isinstance(value, dt.date) else None


def _superseded_finding(candidate: Intake, winner_id: int, decided: Choice, winner_path: str) -> Finding:
    metadata = candidate.metadata
    where = "in this run" if winner_id < 0 else f"in the ledger (submission {winner_id})"
    if decided.tie:
        message = (
            f"{Path(winner_path).name} ({where}) is kept for {metadata.project_id} {metadata.reporting_period}: "
            "nothing tells the two files apart (same saved time, submitted-on date and file time, no correction "
            f'marker in the name). To keep this file instead: pmo collect --prefer "{Path(candidate.path).name}"'
        )
        return _info("superseded", message, "warning")
    message = (
        f"{Path(winner_path).name} ({where}) is kept for {metadata.project_id} {metadata.reporting_period} as the "
        f"correction of this file, by {decided.evidence}. To keep this file instead: pmo collect --prefer "
        f'"{Path(candidate.path).name}"'
    )
    return _info("superseded", message)


def _tie_finding(slot: tuple[str, str], decided: Choice, paths: dict[int, str]) -> Finding:
    names = ", ".join(Path(paths[key]).name for key in decided.tie)
    return _info(
        "tie",
        f"{slot[0]} {slot[1]}: {names} cannot be told apart; {Path(paths[decided.winner]).name} is used until the "
        "PMO chooses with pmo collect --prefer NAME",
        "warning",
    )


# -- the run ----------------------------------------------------------------------------------------------------


def inbox_paths(inbox: Path, exclude: Sequence[Path] = ()) -> tuple[list[str], list[Verdict]]:
    """The files under the inbox to read, as plain strings (what a run keeps of each), and the verdicts of those
    skipped (lock files, hidden files); the run's own outputs (`exclude`) are never read as input."""
    from pmo_xl.collect.inbox import walk_inbox

    paths, skipped = walk_inbox(inbox)
    # Resolved once: resolving each excluded path again for every file cost more than reading the small files.
    excluded = [os.path.realpath(other) for other in exclude]
    paths = [path for path in paths if not _within_any(path, excluded)]
    return paths, [v for v in skipped if not _within_any(v.path, excluded)]


def iter_candidates(
    paths: Sequence[Path | str],
    today: dt.date,
    register_ids: set[str] | None,
    stored_by_sha256: Mapping[str, dict] | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> Iterator[Candidate]:
    """Read and validate each file, yielding its Candidate in the inbox's order; one unreadable file never stops
    the others.

    A few files are read at once on threads: calamine, zlib and hashlib let go of the GIL while they work, so a
    second core reads one file's sheets while Python checks and validates another's (1.7x on two cores, see
    benchmarks/bench_collect_read.py). At most `2 x workers` files are in flight, so memory stays that of a few
    files however large the inbox. A file whose bytes hash to a submission already stored (`stored_by_sha256`) is
    not parsed again: that is what makes a re-run on a full inbox cheap.
    """
    stored = stored_by_sha256 or {}
    workers = workers or min(4, os.cpu_count() or 1)
    read = functools.partial(_read_candidate, today=today, register_ids=register_ids, stored=stored)
    if workers == 1 or len(paths) < 2:
        for number, path in enumerate(paths, start=1):
            yield read(path)
            if progress:
                progress(number, len(paths), str(path))
        return
    _share_malloc_arenas()
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pmo-read")
    # A thread back from calamine waits for the GIL until the Python thread lets go: every 5 ms by default, which
    # left the second core idle half the time. 0.5 ms while reading; restored after.
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(min(switch_interval, 0.0005))
    try:
        pending: collections.deque = collections.deque()
        queued = iter(paths)
        for path in itertools.islice(queued, 2 * workers):
            pending.append(executor.submit(read, path))
        number = 0
        while pending:
            candidate = pending.popleft().result()
            for path in itertools.islice(queued, 1):
                pending.append(executor.submit(read, path))
            number += 1
            yield candidate
            if progress:
                progress(number, len(paths), candidate.path)
    finally:
        # Ctrl+C or an early stop: files not yet started are never started; those running end within milliseconds.
        executor.shutdown(wait=True, cancel_futures=True)
        sys.setswitchinterval(switch_interval)


def _share_malloc_arenas() -> None:
    """On Linux (glibc), let the reader threads share one malloc arena: each thread's own arena keeps the memory
    calamine and lxml freed, which made a 10,000-file run's peak grow by 5 MB (benchmarks/bench_collect_memory.py).
    The same as MALLOC_ARENA_MAX=2, set once; elsewhere, nothing to do. ctypes, because the standard library has
    no mallopt."""
    global _ARENAS_SHARED
    if _ARENAS_SHARED or not sys.platform.startswith("linux"):
        return
    _ARENAS_SHARED = True
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        if hasattr(libc, "mallopt"):  # glibc; musl has none
            libc.mallopt(-8, 2)  # M_ARENA_MAX
    except OSError:
        pass


_ARENAS_SHARED = False


def read_candidates(
    inbox: Path,
    today: dt.date,
    register_ids: set[str] | None,
    progress: Progress | None = None,
    exclude: Sequence[Path] = (),
    stored_by_sha256: Mapping[str, dict] | None = None,
) -> tuple[list[Candidate], list[Verdict]]:
    """Every file under the inbox read and validated, as a list: for a caller that wants them all at once (a run
    streams them with `iter_candidates` instead)."""
    paths, skipped = inbox_paths(inbox, exclude)
    return list(iter_candidates(paths, today, register_ids, stored_by_sha256, progress)), skipped


def _read_candidate(
    path: Path | str, *, today: dt.date, register_ids: set[str] | None, stored: Mapping[str, dict]
) -> Candidate:
    from pmo_xl.collect.migration import to_current_version
    from pmo_xl.collect.reader import READER_PANIC, is_reader_panic, read_submission, read_submission_bytes
    from pmo_xl.collect.validation import validate
    from pmo_xl.templates.catalog import SCHEMAS
    from pmo_xl.templates.versions import schema_at

    text = path = os.fspath(path)  # the one string kept for the file, shared by its verdict
    try:
        try:
            data = read_file_bytes(path)
        except OSError:
            parsed, findings = read_submission(Path(path))  # says why, in the reader's words
            return Candidate(text, parsed, tuple(findings))
        sha256 = hashlib.sha256(data).hexdigest()
        known = stored.get(sha256)
        if known is not None:
            return Candidate(text, None, (), stored=known)
        # The bytes hashed are the bytes parsed: AutoSave may change the file after this read.
        parsed, found = read_submission_bytes(data, text, sha256)
        if parsed is not None:
            parsed = replace(parsed, file_time=_file_time(path))
        findings = tuple(found)
        if parsed is not None:
            schema = SCHEMAS.get(parsed.metadata.template_id)
            if schema is None:
                findings += (
                    Finding("error", "unknown-template", f"template '{parsed.metadata.template_id}' is unknown"),
                )
            else:
                # judged by the rules of the file's own version, then moved to the current one
                schema = schema_at(parsed.metadata.template_id, parsed.metadata.template_version)
                parsed, more = validate(parsed, schema, today, register_ids)
                findings += tuple(more)
                if not any(finding.severity == "error" for finding in findings):
                    parsed, more = to_current_version(parsed)
                    findings += tuple(more)
    except PmoError as error:
        parsed, findings = None, (Finding("error", "unreadable", str(error)),)
    except Exception as error:  # one bad file never stops the run; say what it was
        parsed, findings = None, (Finding("error", "damaged_workbook", f"could not read the file: {error!r}"),)
    except BaseException as error:  # a native panic, never KeyboardInterrupt or SystemExit
        if not is_reader_panic(error):
            raise
        parsed, findings = None, (Finding("error", "damaged_workbook", READER_PANIC),)
    return Candidate(text, parsed, findings)


def rejections(verdicts: Sequence[Verdict], intakes: Sequence[Intake], at: str) -> list[Rejection]:
    """The rejected files that say which project and period they are for: returned to their PMs for correction."""
    by_path = {intake.path: intake for intake in intakes}
    returned = []
    for verdict in verdicts:
        intake = by_path.get(verdict.path)
        if verdict.status != "rejected" or not verdict.project_id or intake is None or intake.metadata is None:
            continue
        returned.append(
            Rejection(
                file_name=intake.file_name,
                source_path=verdict.path,
                sha256=verdict.sha256,
                project_id=verdict.project_id,
                reporting_period=verdict.reporting_period,
                template_id=verdict.template_id,
                rejected_at=at,
                findings=verdict.findings,
            )
        )
    return returned


def _file_time(path: Path | str) -> str:
    try:
        return dt.datetime.fromtimestamp(os.stat(path).st_mtime, dt.UTC).isoformat(timespec="seconds")
    except (OSError, OverflowError, ValueError):
        return ""


def _within_any(path: Path | str, resolved_targets: Sequence[str]) -> bool:
    """True if `path` is one of the (resolved) targets or lies under one: the run's own archive and outputs are
    never read as input. Plain strings (os.path), not Paths: this runs for every file of the inbox."""
    if not resolved_targets:
        return False
    try:
        resolved = os.path.realpath(path)
    except (OSError, RuntimeError, ValueError):  # a link loop: it is no output of ours, and gets its own verdict
        return False
    return any(resolved == target or resolved.startswith(target.rstrip(os.sep) + os.sep) for target in resolved_targets)


def read_file_bytes(path: Path | str) -> bytes:
    """The one read of a submission's file; everything collect knows about the file comes from these bytes."""
    with open(path, "rb") as stream:
        return stream.read()


def archive_accepted(
    accepted: Sequence[ParsedSubmission | Intake], archive: Path
) -> tuple[list[Path], dict[str, Finding]]:
    """Copy accepted files to ARCHIVE/<period>/, only if the file still holds exactly the bytes that were read."""
    written: list[Path] = []
    problems: dict[str, Finding] = {}
    for submission in accepted:
        folder = Path(archive) / submission.metadata.reporting_period
        folder.mkdir(parents=True, exist_ok=True)
        source = Path(submission.path)
        try:
            data = source.read_bytes()
        except OSError as error:
            problems[submission.path] = _info(
                "not-archived", f"not archived: cannot read it again ({error})", "warning"
            )
            continue
        if hashlib.sha256(data).hexdigest() != submission.sha256:
            problems[submission.path] = _info(
                "not-archived",
                "not archived: the file changed after it was read (AutoSave or sync?); the ledger holds what was "
                "read, and the next run will collect the new version",
                "warning",
            )
            continue
        target = _archive_target(folder, submission.file_name, submission.sha256)
        if target is None:
            continue
        from pmo_xl.excel.files import write_bytes_atomic

        written.append(write_bytes_atomic(target, data))
    return written, problems


def _archive_target(folder: Path, file_name: str, sha256: str) -> Path | None:
    stem, suffix = Path(safe_file_name(file_name)).stem, Path(file_name).suffix
    for counter in range(1, 1000):
        target = folder / (f"{stem}{suffix}" if counter == 1 else f"{stem} ({counter}){suffix}")
        if not target.exists():
            return target
        if hashlib.sha256(target.read_bytes()).hexdigest() == sha256:
            return None
    raise OutputError(f"{folder}: too many archived files named {file_name}")


@dataclass(frozen=True)
class Recorded:
    """A run's files judged and recorded: their verdicts, the ids added, and what the run keeps of each file."""

    verdicts: list[Verdict]
    added: list[int]
    intakes: list[Intake]


def record_candidates(
    candidates: Iterable[Candidate], ledger: Ledger, spill: Spill, prefer: Sequence[str] = ()
) -> Recorded:
    """Take each candidate in as it comes (its contents to the spill), judge them all, and store the winners in one
    transaction, loaded from the spill one at a time."""
    intakes = [take_in(candidate, spill) for candidate in candidates]
    judgement = judge(intakes, ledger, prefer)
    to_store = judgement.to_store
    ids = ledger.add_submissions(
        (spill.get(intakes[index].spilled), collected_at, content) for index, collected_at, content in to_store
    )
    stored_ids = {index: submission_id for (index, *_rest), submission_id in zip(to_store, ids, strict=True)}
    verdicts = [
        replace(verdict, submission_id=stored_ids[index]) if index in stored_ids else verdict
        for index, verdict in enumerate(judgement.verdicts)
    ]
    if ledger.stored_concurrently:  # the team ledger: another analyst's run stored the same report meanwhile
        verdicts = [_stored_concurrently(v) if v.submission_id in ledger.stored_concurrently and index in stored_ids
                    else v for index, v in enumerate(verdicts)]  # fmt: skip
        ids = [submission_id for submission_id in ids if submission_id not in ledger.stored_concurrently]
    for index, stored_id, holds_until in judgement.choices:
        submission_id = stored_id if stored_id is not None else stored_ids.get(index)
        if submission_id is None:
            continue
        verdict = verdicts[index]
        ledger.add_preference(
            verdict.project_id, verdict.reporting_period, submission_id, holds_until, f"--prefer {verdict.path}"
        )
    return Recorded(verdicts, ids, intakes)


def _stored_concurrently(verdict: Verdict) -> Verdict:
    """A file judged new that another run stored while this one was judging: a duplicate, said as such (and not
    archived by this run: the run that stored it archives its copy)."""
    finding = _info(
        "duplicate", f"already stored by a concurrent run (submission {verdict.submission_id}): the same content"
    )
    return replace(verdict, status="duplicate", findings=(*verdict.findings, finding))


def collect_candidates(
    candidates: Iterable[Candidate],
    ledger: Ledger,
    prefer: Sequence[str] = (),
) -> tuple[list[Verdict], list[int]]:
    """Judge and store: the verdicts (with submission ids) and the ids added to the ledger."""
    with Spill() as spill:
        recorded = record_candidates(candidates, ledger, spill, prefer)
    return recorded.verdicts, recorded.added


@dataclass(frozen=True)
class CollectRequest:
    inbox: Path
    ledger: Path | str  # a SQLite file, or a PostgreSQL URL (the team ledger)
    out: Path | None = None
    period: str | None = None
    register: Sequence[ProjectRecord] | None = None
    archive: Path | None = None
    prefer: tuple[str, ...] = ()
    settings: PmoSettings = field(default_factory=PmoSettings)
    chasers: Path | None = None  # the folder of the e-mail drafts: reminders and feedback
    today: dt.date | None = None
    # Feedback drafts: 'errors' (each report returned for correction), 'warnings' (also "accepted, but please
    # check"), 'none'.
    feedback: str = "errors"
    # pmo-coaching.xlsx, the PMO's data-quality scorecard per PM (settings.coaching_scorecard); None: not written.
    coaching: Path | None = None
    # Where the register came from and its bytes' SHA-256: the ledger records the register each run read.
    register_source: tuple[str, str] | None = None


def _refuse_outputs_in(inbox: Path, outputs: dict[str, Path | None]) -> None:
    """An output inside the inbox would overwrite a PM's workbook, or be collected as one: refuse it first."""
    root = inbox.resolve()
    for option, path in outputs.items():
        if path is None:
            continue
        target = Path(path).resolve()
        if target == root or root in target.parents:
            raise PmoError(
                f"{option} {path} is inside the inbox {inbox}: outputs never go where the PMs' files are (one could "
                "be overwritten, or collected as a report). Choose a folder outside the inbox; nothing was read or "
                "written"
            )


def _check_output_folders(request: CollectRequest) -> None:
    """The folders of --out and the e-mail drafts, made and tried before anything is read. A return is answered by a
    feedback draft only in the run that records it, so a run that could not write its drafts would lose them."""
    for option, folder in (
        ("--out", Path(request.out).parent if request.out else None),
        ("--chasers", request.chasers),
    ):
        problem = cannot_write_in(folder) if folder is not None else ""
        if problem:
            raise OutputFault(
                f"{option} {problem.replace('; nothing was changed there', '')}; nothing was read or recorded"
            )


@dataclass(frozen=True)
class Collected:
    """A run's inbox recorded in the ledger: what reporting needs next (pmo_xl.monthly.run_collect)."""

    verdicts: tuple[Verdict, ...]  # the skipped files', then one a file read, in the inbox's order
    added: tuple[int, ...]
    archived: tuple[Path, ...]
    warnings: tuple[str, ...]
    period: str | None
    today: dt.date
    # A file's parsed submission back from the run's spill, for the few a report names cells of; only while the
    # `collecting` block is open.
    submission_of: Callable[[str], ParsedSubmission | None]
    # The sha256 of each file this run rejected for the first time: each is answered by one feedback draft.
    new_rejections: frozenset[str] = frozenset()


@contextlib.contextmanager
def collecting(request: CollectRequest, progress: Progress | None = None) -> Iterator[tuple[Ledger, Collected]]:
    """Record the inbox into the ledger: one verdict a file. Yields the open ledger and what was collected; the
    caller builds its views inside the block (the spill still holds the parsed files). Raises PmoError only when
    the run itself cannot go on (no inbox, ledger locked...)."""
    inbox = Path(request.inbox)
    if not inbox.is_dir():
        raise PmoError(f"{inbox}: the inbox folder does not exist")
    try:
        period = check_period(request.period) if request.period else None
    except ValueError as error:
        raise PmoError(f"--period: {error}") from None
    _refuse_outputs_in(
        inbox,
        {
            "--out": request.out,
            "--archive": request.archive,
            "--chasers": request.chasers,
            "--coaching": request.coaching,
        },
    )
    _check_output_folders(request)
    today = request.today or dt.date.today()
    register_ids = {record.project_id for record in request.register} if request.register is not None else None
    with open_ledger(request.ledger, write=True) as ledger:
        # Holding the ledger's lock, no other collect writes our outputs: any temporary there is a killed run's.
        ledger_file = None if is_server_url(request.ledger) else Path(request.ledger)  # else a PostgreSQL URL
        # With a team ledger no lock file says this run is alone: another analyst's run may be writing in the same
        # folder, so only temporaries old enough to be a killed run's go (remove_stale_temporaries' default age).
        alone = 0 if ledger_file is not None else None
        for folder in {Path(p).parent for p in (request.out, ledger_file) if p is not None}:
            remove_stale_temporaries(folder, older_than=alone)
        ledger_files = (ledger_file, lock_path_for(ledger_file), Path(f"{ledger_file}-journal")) if ledger_file else ()
        own_files = [
            p for p in (request.archive, request.out, request.chasers, request.coaching, *ledger_files) if p is not None
        ]
        stored_by_sha256 = StoredFiles(ledger.stored_files())
        paths, skipped = inbox_paths(inbox, own_files)
        candidates = iter_candidates(paths, today, register_ids, stored_by_sha256, progress)
        with Spill() as spill:
            recorded = record_candidates(candidates, ledger, spill, request.prefer)
            verdicts = recorded.verdicts
            if request.register is not None and request.register_source is not None:
                ledger.add_register(request.register, *request.register_source)
            # Returned on the run's today (--today re-runs a past cycle as it was), at the clock's time of day.
            stamp = now_stamp()
            returned_at = stamp if request.today is None else f"{today.isoformat()}{stamp[10:]}"
            new_rejections = ledger.add_rejections(rejections(verdicts, recorded.intakes, returned_at))
            archived: list[Path] = []
            if request.archive is not None:
                accepted = [recorded.intakes[i] for i, v in enumerate(verdicts) if v.status == "accepted"]
                archived, problems = archive_accepted(accepted, request.archive)
                verdicts = [
                    replace(v, findings=(*v.findings, problems[v.path])) if v.path in problems else v for v in verdicts
                ]
            spilled = {i.path: i.spilled for i in recorded.intakes if i.spilled is not None}
            yield (
                ledger,
                Collected(
                    verdicts=(*skipped, *verdicts),
                    added=tuple(recorded.added),
                    archived=tuple(archived),
                    warnings=tuple(ledger.warnings),
                    period=period,
                    today=today,
                    submission_of=lambda path: spill.get(spilled[path]) if path in spilled else None,
                    new_rejections=frozenset(new_rejections),
                ),
            )
