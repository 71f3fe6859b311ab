"""A fuzzed inbox of damaged copies of real submissions, through `pmo collect`: no crash, exactly one verdict per
file, no must-refuse file passes, inputs untouched, ledger whole. CI runs 1,000; `pytest -m fuzz --fuzz-n 10000`
the full size. The manifest (kind, seed, class) is written beside the inbox before collect runs."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import random
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from pmo_xl.collect.run import CollectRequest
from pmo_xl.demo.data import demo_projects, fill_demo_submission
from pmo_xl.excel.package import XlsxPackage
from pmo_xl.generate.generator import generate_for_records
from pmo_xl.monthly import run_collect
from pmo_xl.templates.catalog import PROJECT_STATUS
from pmo_xl.templates.metadata import META_KEYS, meta_name
from tests.fuzz.mutations import (
    DATE_CELLS,
    KINDS,
    MUST_REFUSE,
    PARTS_READ,
    PERCENT_CELLS,
    READ,
    TABLES,
    UNREAD,
)

PERIOD = "2026-11"
BASES = 20


def _targets(data: bytes) -> dict[str, list]:
    """What a mutation may touch in the status workbook: the sheet parts collect reads (a field's or table's sheet,
    and the metadata sheet) and those it never reads (damage matters only in the first: docs/collect-input-rules.md),
    the table parts it reads, every part it reads, and the cells of date and percent fields."""
    structure = XlsxPackage(data, "base").structure
    read_sheets = {structure.name(f.name).sheet for f in PROJECT_STATUS.fields if structure.name(f.name) is not None}
    read_sheets |= {structure.table(t.name).sheet for t in PROJECT_STATUS.tables if structure.table(t.name)}
    read_sheets |= {structure.name(meta_name(key)).sheet for key in META_KEYS if structure.name(meta_name(key))}
    read = [part for sheet, part in structure.sheet_parts.items() if sheet in read_sheets]
    tables = [structure.table(t.name).part for t in PROJECT_STATUS.tables if structure.table(t.name)]

    def cells(kind: str) -> list[tuple[str, str]]:
        spots = [structure.name(f.name) for f in PROJECT_STATUS.fields if f.type == kind and f.formula is None]
        return [(structure.sheet_parts[spot.sheet], spot.address) for spot in spots if spot is not None]

    return {
        READ: read,
        UNREAD: [part for part in structure.sheet_parts.values() if part not in read],
        TABLES: tables,
        PARTS_READ: [*read, *tables, "xl/sharedStrings.xml", "xl/styles.xml", "xl/workbook.xml"],
        DATE_CELLS: cells("date"),
        PERCENT_CELLS: cells("percent"),
    }


@pytest.mark.fuzz
def test_a_fuzzed_inbox_gets_one_verdict_per_file_and_refuses_every_damaged_one(tmp_path, fuzz_n):
    rng = random.Random(2026)
    generated = generate_for_records(
        PROJECT_STATUS, demo_projects(BASES, rng, PERIOD), tmp_path / "out", PERIOD, today=dt.date(2026, 11, 1)
    )
    bases = []
    for number, item in enumerate(generated):
        filled = tmp_path / "filled" / f"{number}.xlsx"
        filled.parent.mkdir(exist_ok=True)
        fill_demo_submission(item.path, filled, random.Random(number))
        bases.append(filled.read_bytes())
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    targets = _targets(bases[0])
    assert all(targets.values()), targets
    manifest = {}
    kinds = sorted(KINDS)
    for number in range(fuzz_n):
        kind = kinds[number % len(kinds)]
        mutate, expected, target = KINDS[kind]
        seed = rng.randrange(2**32)
        data = mutate(bases[number % BASES], random.Random(seed), targets.get(target, []))
        name = f"{number:05d} {kind} {seed}.xlsx"
        (inbox / name).write_bytes(data)
        manifest[name] = {"kind": kind, "seed": seed, "expected": expected}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    before = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in inbox.iterdir()}

    ledger = tmp_path / "ledger.db"
    result = run_collect(CollectRequest(inbox=inbox, ledger=ledger, today=dt.date(2026, 12, 3)))

    verdicts = Counter(Path(verdict.path).name for verdict in result.verdicts)
    assert set(verdicts) == set(manifest) and set(verdicts.values()) == {1}  # exactly one verdict per file
    passed = [
        (Path(verdict.path).name, verdict.status)
        for verdict in result.verdicts
        if manifest[Path(verdict.path).name]["expected"] == MUST_REFUSE
        and verdict.status in ("accepted", "duplicate", "superseded")
    ]
    assert passed == [], passed[:10]
    assert {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in inbox.iterdir()} == before
    with contextlib.closing(sqlite3.connect(ledger)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    statuses = Counter((manifest[Path(v.path).name]["kind"], v.status) for v in result.verdicts)
    assert statuses[("recompressed", "accepted")] + statuses[("recompressed", "duplicate")] > 0  # harmless ones pass
