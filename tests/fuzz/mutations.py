"""Seeded mutations of real submissions, each with the verdict class it must get.

Our own seeded generator rather than hypothesis: every mutant must carry its expected class in a manifest written
before collect runs, the same seed must give the same inbox on every machine (CI runs 1,000, a full run 10,000), and
there is nothing to shrink: a failing mutant is a file on disk with its kind and seed in its name.

Classes: MUST_REFUSE (collect may never accept it, nor count it as duplicate or superseded), MAY_ACCEPT (harmless:
recompression, damage to parts collect never reads, a change that leaves a valid workbook saying something else).

Each mutation takes the base file's bytes, its own seeded Random, and the targets it may touch (see TARGETS): the
sheet parts collect reads or never reads, the table parts it reads, the cells of date and percent fields.
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


def _rewrite(data: bytes, rng: random.Random, parts: list[str], change: Callable[[bytes, random.Random], bytes]):
    """One of `parts`, chosen by rng, rewritten by `change`; the zip written again."""
    members = _members(data)
    index = rng.choice(_sheets(members, parts))
    info, content = members[index]
    members[index] = (info, change(content, rng))
    return _zip(members)


def _one_of(pattern: bytes, content: bytes, rng: random.Random) -> re.Match:
    return rng.choice(list(re.finditer(pattern, content, re.S)))


_CELL_ELEMENT = rb'<c r="[A-Z]+[0-9]+"[^>]*?(?:/>|>.*?</c>)'
_ROW_ELEMENT = rb'<row r="[0-9]+"[^>]*?(?:/>|>.*?</row>)'


def delete_cell(data: bytes, rng: random.Random, parts: list[str]) -> bytes:
    """A cell element removed: a valid sheet without that value (the workbook says something else, nothing more)."""
    return _rewrite(data, rng, parts, lambda xml, r: _cut(xml, _one_of(_CELL_ELEMENT, xml, r)))


def _cut(xml: bytes, match: re.Match, insert: bytes = b"") -> bytes:
    return xml[: match.start()] + insert + xml[match.end() :]


def duplicate_row(data: bytes, rng: random.Random, parts: list[str]) -> bytes:
    """A row element written twice, as a broken writer does: Excel repairs the sheet."""

    def change(xml: bytes, r: random.Random) -> bytes:
        row = _one_of(_ROW_ELEMENT, xml, r)
        return _cut(xml, row, row.group(0) * 2)

    return _rewrite(data, rng, parts, change)


def delete_table_column(data: bytes, rng: random.Random, parts: list[str]) -> bytes:
    """A tableColumn removed, or written twice: the table's columns and its range disagree."""

    def change(xml: bytes, r: random.Random) -> bytes:
        column = _one_of(rb"<tableColumn\b[^>]*?(?:/>|>.*?</tableColumn>)", xml, r)
        return _cut(xml, column, column.group(0) * 2 if r.random() < 0.5 else b"")

    return _rewrite(data, rng, parts, change)


def invalid_table_range(data: bytes, rng: random.Random, parts: list[str]) -> bytes:
    """The table's ref off the grid, reversed, or wider or narrower than its columns."""

    def change(xml: bytes, r: random.Random) -> bytes:
        ref = re.search(rb'\bref="([A-Z]+)([0-9]+):([A-Z]+)([0-9]+)"', xml)
        first, top, last, bottom = ref.groups()
        wrong = r.choice(
            [
                first + top + b":XFE" + bottom,
                first + top + b":" + last + b"1048577",
                first + b"0:" + last + bottom,
                last + bottom + b":" + first + top,
                first + top + b":" + last + last[-1:] + bottom,  # a column letter more: far wider
                first + top + b":" + first + bottom,  # one column where there are several
            ]
        )
        return xml[: ref.start()] + b'ref="' + wrong + b'"' + xml[ref.end() :]

    return _rewrite(data, rng, parts, change)


def shrink_table_range(data: bytes, rng: random.Random, parts: list[str]) -> bytes:
    """The table's last row moved up: Excel opens it; the rows left below are read with a warning or refused
    (docs/collect-input-rules.md, section 9)."""

    def change(xml: bytes, r: random.Random) -> bytes:
        ref = re.search(rb'\bref="([A-Z]+)([0-9]+):([A-Z]+)([0-9]+)"', xml)
        first, top, last, bottom = ref.groups()
        new_bottom = str(r.randrange(int(top) + 1, int(bottom) + 1)).encode()
        shrunk = b'ref="' + first + top + b":" + last + new_bottom + b'"'
        return re.sub(rb'\bref="[^"]*"', shrunk, xml)  # the table's and its autoFilter's, as Excel writes them

    return _rewrite(data, rng, parts, change)


def invalid_cell_address(data: bytes, rng: random.Random, parts: list[str]) -> bytes:
    def change(xml: bytes, r: random.Random) -> bytes:
        cell = _one_of(rb'<c r="([A-Z]+[0-9]+)"', xml, r)
        wrong = r.choice([b"A0", b"XFE1", b"A1048577", b"B0", b"ZZZZ5", b"5", b"", b"XFD1048576"])
        return _cut(xml, cell, b'<c r="' + wrong + b'"')

    return _rewrite(data, rng, parts, change)


def junk_in_an_attribute(data: bytes, rng: random.Random, parts: list[str]) -> bytes:
    """Junk or a control character in a cell's address or type."""

    def change(xml: bytes, r: random.Random) -> bytes:
        cell = _one_of(rb'<c r="[A-Z]+[0-9]+"', xml, r)
        junk = r.choice([b"x", b"!", b"\x01", b"\x1b", b" 7", b"&amp;"])
        if r.random() < 0.5:
            return xml[: cell.end() - 1] + junk + xml[cell.end() - 1 :]
        return xml[: cell.end()] + b' t="' + junk + b'"' + xml[cell.end() :] if b" t=" not in cell.group(0) else xml

    return _rewrite(data, rng, parts, change)


def unknown_cell_type(data: bytes, rng: random.Random, parts: list[str]) -> bytes:
    def change(xml: bytes, r: random.Random) -> bytes:
        cell = _one_of(rb'<c r="[A-Z]+[0-9]+"(?: s="[0-9]+")?(?: t="[a-zA-Z]+")?', xml, r)
        plain = re.sub(rb' t="[^"]*"', b"", cell.group(0))
        return _cut(xml, cell, plain + b' t="' + r.choice([b"zz", b"date", b"x", b"S", b"number"]) + b'"')

    return _rewrite(data, rng, parts, change)


def ill_formed_part(data: bytes, rng: random.Random, parts: list[str]) -> bytes:
    """An unclosed or mismatched tag, a lone '<', a bad entity, a stray end tag, a duplicate attribute."""

    def change(xml: bytes, r: random.Random) -> bytes:
        end = xml.rfind(b"sheetData>")
        if end < 0:
            end = len(xml) - 20
        at = r.randrange(xml.index(b">", xml.index(b"<", 60)) + 1, end - 12)
        at = xml.index(b"<", at)  # at a tag's start: the damage lands between elements or opens one
        damage = r.choice([b"<zz", b"<", b"&bogus;", b"</row>", b"</x>", b"<c r", b"<row>", b"<v>1"])
        if damage == b"<c r":
            cell = re.compile(rb'<c r="[A-Z]+[0-9]+"').search(xml, at)
            if cell is not None:
                return xml[: cell.end()] + b' r="A1"' + xml[cell.end() :]  # a duplicate attribute
            damage = b"<zz"
        return xml[:at] + damage + xml[at:]

    return _rewrite(data, rng, parts, change)


def flip_bytes_in_a_read_member(data: bytes, rng: random.Random, parts: list[str]) -> bytes:
    """Bytes flipped inside the compressed data of a part collect reads: the zip's CRC or inflate says so."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(rng.choice(parts))
    header = info.header_offset
    start = header + 30 + int.from_bytes(data[header + 26 : header + 28], "little")
    start += int.from_bytes(data[header + 28 : header + 30], "little")
    changed = bytearray(data)
    for _ in range(rng.randrange(1, 4)):
        position = rng.randrange(start, start + info.compress_size)
        changed[position] ^= rng.randrange(1, 256)
    return bytes(changed)


def _weird_in(cells_of: str, weird_values: list[bytes]):
    """A weird number in one of the cells named by the targets' `cells_of` (part, address) list."""

    def mutate(data: bytes, rng: random.Random, cells: list[tuple[str, str]]) -> bytes:
        members = _members(data)
        by_name = {info.filename: index for index, (info, _data) in enumerate(members)}
        part, address = rng.choice(cells)
        index = by_name[part]
        info, content = members[index]
        cell = re.search(rb'<c r="' + address.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', content, re.S)
        style = re.search(rb' s="[0-9]+"', cell.group(0))
        value = rng.choice(weird_values)
        new = b'<c r="' + address.encode() + b'"' + (style.group(0) if style else b"") + b"><v>" + value + b"</v></c>"
        members[index] = (info, content[: cell.start()] + new + content[cell.end() :])
        return _zip(members)

    mutate.__name__ = f"weird_number_in_{cells_of.replace(' ', '_')}"
    return mutate


_WEIRD = [b"nan", b"NaN", b"inf", b"-inf", b"1e309", b"-1e309", b"1e20", b"-99999999999999999999", b"1e308"]


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
TABLES, PARTS_READ = "table parts collect reads", "every part collect reads"
DATE_CELLS, PERCENT_CELLS = "date cells", "percent cells"
TARGETS = (READ, UNREAD, TABLES, PARTS_READ, DATE_CELLS, PERCENT_CELLS)
# kind -> (mutation, expected class, which targets it may touch)
KINDS: dict[str, tuple[Callable[[bytes, random.Random, list], bytes], str, str | None]] = {
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
    "a cell element deleted": (delete_cell, MAY_ACCEPT, READ),
    "a row element duplicated": (duplicate_row, MUST_REFUSE, READ),
    "a table column deleted or duplicated": (delete_table_column, MUST_REFUSE, TABLES),
    "an invalid table range": (invalid_table_range, MUST_REFUSE, TABLES),
    "a table range shrunk": (shrink_table_range, MAY_ACCEPT, TABLES),
    "an invalid cell address": (invalid_cell_address, MUST_REFUSE, READ),
    "junk in a cell's attribute": (junk_in_an_attribute, MUST_REFUSE, READ),
    "an unknown cell type": (unknown_cell_type, MUST_REFUSE, READ),
    "an ill-formed sheet part": (ill_formed_part, MUST_REFUSE, READ),
    "bytes flipped in a part collect reads": (flip_bytes_in_a_read_member, MUST_REFUSE, PARTS_READ),
    "a weird number in a date cell": (_weird_in(DATE_CELLS, _WEIRD), MUST_REFUSE, DATE_CELLS),
    "a weird number in a percent cell": (_weird_in(PERCENT_CELLS, _WEIRD), MUST_REFUSE, PERCENT_CELLS),
    "minus zero in a percent cell": (_weird_in(PERCENT_CELLS, [b"-0", b"-0.0", b"-0e0"]), MAY_ACCEPT, PERCENT_CELLS),
}
