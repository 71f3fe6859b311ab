"""Seeded mutations of real submissions, each with the verdict class it must get.

Our own seeded generator rather than hypothesis: every mutant must carry its expected class in a manifest written
before collect runs, the same seed must give the same inbox on every machine (CI runs 1,000, a full run 10,000), and
there is nothing to shrink: a failing mutant is a file on disk with its kind and seed in its name.

Classes: MUST_REFUSE (collect may never accept it, nor count it as duplicate or superseded), MAY_ACCEPT (harmless:
recompression, damage to parts collect never reads).
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from collections.abc import Callable

MUST_REFUSE, MAY_ACCEPT = "must refuse", "may accept"


def _members(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info, archive.read(info)) for info in archive.infolist()]


def _zip(
    members: list[tuple[zipfile.ZipInfo | str, bytes]], compression: int = zipfile.ZIP_DEFLATED, level=None
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression, compresslevel=level) as archive:
        for info, data in members:
            name = info.filename if isinstance(info, zipfile.ZipInfo) else info
            archive.writestr(name, data)
    return buffer.getvalue()


def _sheets(members, parts: list[str]) -> list[int]:
    """The members among `parts` (the sheet parts a mutation may touch)."""
    return [index for index, (info, _data) in enumerate(members) if info.filename in parts]


def truncate_file(data: bytes, rng: random.Random, parts: list[str]) -> bytes:
    return data[: rng.randrange(1, len(data) - 30)]


def delete_sheet(data: bytes, rng: random.Random, parts: list[str]) -> bytes:
    members = _members(data)
    index = rng.choice(_sheets(members, parts))
    return _zip([member for number, member in enumerate(members) if number != index])


def duplicate_member(data: bytes, rng: random.Random, parts: list[str]) -> bytes:
    members = _members(data)
    info, content = members[rng.choice(_sheets(members, parts))]
    changed = content.replace(b"<v>", b"<v>9", 1) if b"<v>" in content else content + b" "
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns of the duplicate name: that is the point
        return _zip([*members, (info.filename, changed)])


def cut_sheet_part(data: bytes, rng: random.Random, parts: list[str]) -> bytes:
    members = _members(data)
    index = rng.choice(_sheets(members, parts))
    info, content = members[index]
    members[index] = (info, content[: rng.randrange(len(content) // 4, len(content) - 20)])
    return _zip(members)


def control_character_in_sheet(data: bytes, rng: random.Random, parts: list[str]) -> bytes:
    members = _members(data)
    candidates = [i for i in _sheets(members, parts) if b"<t" in members[i][1] or b"<v>" in members[i][1]]
    index = rng.choice(candidates)
    info, content = members[index]
    marker = b"<v>" if b"<v>" in content else b">"
    position = content.index(marker, rng.randrange(0, max(1, content.rindex(marker)))) + len(marker)
    members[index] = (info, content[:position] + bytes([rng.choice([1, 2, 7, 8, 11, 12, 27])]) + content[position:])
    return _zip(members)


def junk_after_sheet(data: bytes, rng: random.Random, parts: list[str]) -> bytes:
    members = _members(data)
    index = rng.choice(_sheets(members, parts))
    info, content = members[index]
    members[index] = (info, content + bytes(rng.randrange(33, 127) for _ in range(rng.randrange(1, 40))))
    return _zip(members)


def weird_number_in_a_value_cell(data: bytes, rng: random.Random, parts: list[str]) -> bytes:
    """A typed number cell of a sheet collect reads (not a formula's result) holding nan, infinity or 1e309."""
    members = _members(data)
    choices = []
    for index in _sheets(members, parts):
        content = members[index][1]
        for match in re.finditer(rb'<c r="[A-Z]+[0-9]+"(?: s="[0-9]+")?><v>[0-9.E+-]+</v></c>', content):
            choices.append((index, match))
    index, match = rng.choice(choices)
    info, content = members[index]
    weird = rng.choice([b"nan", b"NaN", b"inf", b"-inf", b"1e309", b"-1e309"])
    cell = re.sub(rb"<v>[^<]*</v>", b"<v>" + weird + b"</v>", match.group(0))
    members[index] = (info, content[: match.start()] + cell + content[match.end() :])
    return _zip(members)


def recompress(data: bytes, rng: random.Random, parts: list[str]) -> bytes:
    members = _members(data)
    if rng.random() < 0.5:
        return _zip(members, zipfile.ZIP_STORED)
    return _zip(members, zipfile.ZIP_DEFLATED, rng.choice([1, 6, 9]))


def damage_unread_part(data: bytes, rng: random.Random, parts: list[str]) -> bytes:
    members = _members(data)
    kept = [(info, content) for info, content in members if info.filename != "docProps/app.xml"]
    if rng.random() < 0.5:
        kept.append(("docProps/app.xml", b"<Properties><garbage"))
    return _zip(kept)


READ, UNREAD = "sheets collect reads", "sheets collect never reads"
# kind -> (mutation, expected class, which sheet parts it may touch)
KINDS: dict[str, tuple[Callable[[bytes, random.Random, list[str]], bytes], str, str | None]] = {
    "truncated file": (truncate_file, MUST_REFUSE, None),
    "sheet part deleted": (delete_sheet, MUST_REFUSE, READ),
    "two members under one name": (duplicate_member, MUST_REFUSE, READ),
    "sheet part cut off": (cut_sheet_part, MUST_REFUSE, READ),
    "control character in a sheet part": (control_character_in_sheet, MUST_REFUSE, READ),
    "junk after a sheet part's end": (junk_after_sheet, MUST_REFUSE, READ),
    "a weird number in a value cell": (weird_number_in_a_value_cell, MUST_REFUSE, READ),
    "recompressed": (recompress, MAY_ACCEPT, None),
    "an unread part damaged or deleted": (damage_unread_part, MAY_ACCEPT, None),
    "an unread sheet cut off": (cut_sheet_part, MAY_ACCEPT, UNREAD),
    "control character in an unread sheet": (control_character_in_sheet, MAY_ACCEPT, UNREAD),
}
