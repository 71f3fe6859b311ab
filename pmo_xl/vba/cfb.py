"""A minimal MS-CFB (compound file, "OLE2") writer, version 3 with 512-byte sectors.

Hand-written because olefile only reads compound files (its write support is limited to overwriting streams of
the same size), and nothing else maintained in Python creates them. It writes exactly what a VBA project needs:
nested storages holding streams, with zero CLSIDs and zero timestamps so the same input gives the same bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field

from pmo_xl.errors import PmoError

SECTOR_SIZE = 512
MINI_SECTOR_SIZE = 64
MINI_STREAM_CUTOFF = 4096
MAX_NAME_LENGTH = 31
_ENTRY_SIZE = 128
_ENTRIES_PER_SECTOR = SECTOR_SIZE // _ENTRY_SIZE
_LINKS_PER_SECTOR = SECTOR_SIZE // 4
_FREESECT = 0xFFFFFFFF
_ENDOFCHAIN = 0xFFFFFFFE
_FATSECT = 0xFFFFFFFD
_NOSTREAM = 0xFFFFFFFF
_HEADER_FAT_SLOTS = 109
_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_RED, _BLACK = 0, 1
_STORAGE, _STREAM, _ROOT = 1, 2, 5


class CompoundFileError(PmoError):
    """A compound file cannot be written as asked (bad name, too large)."""


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    size: int = 0
    children: list[_Entry] = field(default_factory=list)
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM
    colour: int = _BLACK
    start: int = _ENDOFCHAIN
    index: int = 0


def directory_order_key(name: str) -> tuple[int, str]:
    """How MS-CFB 2.6.4 orders siblings: shorter names first, then by upper-cased name."""
    return len(name), name.upper()


def write_compound_file(streams: Mapping[str, bytes]) -> bytes:
    """A compound file holding `streams`, keyed by '/'-separated paths ('VBA/dir'); storages are implied."""
    root = _Entry("Root Entry", _ROOT)
    for path, data in streams.items():
        _place(root, path.split("/"), data)
    entries = _number_entries(root)
    for entry in entries:
        if entry.children:
            entry.child = _link_red_black_tree(entry.children)

    regular: list[bytes] = []
    regular_chains: list[tuple[_Entry, int]] = []  # (stream, its sector count), in file order
    mini = bytearray()
    mini_fat: list[int] = []
    for entry in entries:
        if entry.kind != _STREAM or not entry.data:
            continue
        if len(entry.data) < MINI_STREAM_CUTOFF:
            entry.start = _append_chain(mini_fat, -(-len(entry.data) // MINI_SECTOR_SIZE))
            mini += _padded(entry.data, MINI_SECTOR_SIZE)
        else:
            sectors = _sectors(entry.data)
            regular_chains.append((entry, len(sectors)))
            regular += sectors
    root.size = len(mini)

    directory_sector_count = -(-len(entries) // _ENTRIES_PER_SECTOR)
    mini_fat_sectors = _sectors(b"".join(struct.pack("<I", link) for link in mini_fat), fill=b"\xff")
    mini_stream_sectors = _sectors(bytes(mini))
    body_count = directory_sector_count + len(mini_fat_sectors) + len(mini_stream_sectors) + len(regular)
    fat_count = 1
    while fat_count * _LINKS_PER_SECTOR < fat_count + body_count:
        fat_count += 1
    if fat_count > _HEADER_FAT_SLOTS:
        raise CompoundFileError(f"a VBA project of {body_count} sectors needs a DIFAT, which this writer omits")

    fat: list[int] = [_FATSECT] * fat_count
    directory_start = _append_chain(fat, directory_sector_count)
    mini_fat_start = _append_chain(fat, len(mini_fat_sectors))
    root.start = _append_chain(fat, len(mini_stream_sectors))
    for entry, count in regular_chains:
        entry.start = _append_chain(fat, count)
    fat += [_FREESECT] * (fat_count * _LINKS_PER_SECTOR - len(fat))

    directory = b"".join(_encode_entry(entry) for entry in entries)
    directory += _UNUSED_ENTRY * (directory_sector_count * _ENTRIES_PER_SECTOR - len(entries))
    header = _encode_header(
        fat_count=fat_count,
        directory_start=directory_start,
        mini_fat_start=mini_fat_start,
        mini_fat_count=len(mini_fat_sectors),
    )
    fat_bytes = b"".join(struct.pack("<I", link) for link in fat)
    return b"".join([header, fat_bytes, directory, *mini_fat_sectors, *mini_stream_sectors, *regular])


def _place(storage: _Entry, parts: list[str], data: bytes) -> None:
    name = parts[0]
    if not name or len(name) > MAX_NAME_LENGTH or any(ch in name for ch in "/\\:!"):
        raise CompoundFileError(f"compound-file name {name!r} must be 1 to {MAX_NAME_LENGTH} characters, no / \\ : !")
    existing = next((child for child in storage.children if child.name.upper() == name.upper()), None)
    if len(parts) == 1:
        if existing is not None:
            raise CompoundFileError(
                f"two entries named {existing.name!r} and {name!r}: compound-file names compare case-insensitively"
            )
        storage.children.append(_Entry(name, _STREAM, data=data, size=len(data)))
        return
    if existing is None:
        existing = _Entry(name, _STORAGE)
        storage.children.append(existing)
    elif existing.kind != _STORAGE:
        raise CompoundFileError(f"{name!r} is both a stream and a storage")
    _place(existing, parts[1:], data)


def _number_entries(root: _Entry) -> list[_Entry]:
    """Entries in directory order: the root, then each storage's children (sorted) depth first."""
    ordered: list[_Entry] = []

    def visit(entry: _Entry) -> None:
        entry.index = len(ordered)
        ordered.append(entry)
        entry.children.sort(key=lambda child: directory_order_key(child.name))
        for child in entry.children:
            visit(child)

    visit(root)
    return ordered


def _link_red_black_tree(siblings: list[_Entry]) -> int:
    """Link sorted `siblings` as a balanced tree and return the root's index.

    Splitting at the median fills every level but the deepest, so colouring the deepest level red (when it is not
    full) and everything else black gives a valid red-black tree: black root, no red child of a red node, and the
    same number of black nodes on every path.
    """
    depth_of: dict[int, int] = {}

    def build(low: int, high: int, depth: int) -> int:
        if low > high:
            return _NOSTREAM
        middle = (low + high) // 2
        node = siblings[middle]
        depth_of[middle] = depth
        node.left = build(low, middle - 1, depth + 1)
        node.right = build(middle + 1, high, depth + 1)
        return node.index

    root_index = build(0, len(siblings) - 1, 0)
    deepest = max(depth_of.values())
    deepest_is_full = sum(1 for depth in depth_of.values() if depth == deepest) == 2**deepest
    for position, node in enumerate(siblings):
        node.colour = _RED if depth_of[position] == deepest and not deepest_is_full else _BLACK
    return root_index


def _encode_entry(entry: _Entry) -> bytes:
    encoded_name = (entry.name + "\0").encode("utf-16-le")
    # Storages have no data; an empty stream or an empty mini stream points nowhere.
    start = 0 if entry.kind == _STORAGE else entry.start
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        encoded_name,
        len(encoded_name),
        entry.kind,
        entry.colour,
        entry.left,
        entry.right,
        entry.child,
        bytes(16),  # CLSID: none, for determinism
        0,  # state bits
        0,  # creation time: zero, for determinism
        0,  # modified time
        start,
        entry.size,
    )


_UNUSED_ENTRY = struct.pack(
    "<64sHBBIII16sIQQIQ", b"", 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM, bytes(16), 0, 0, 0, 0, 0
)


def _padded(data: bytes, unit: int, fill: bytes = b"\0") -> bytes:
    return data + fill * (-len(data) % unit)


def _sectors(data: bytes, fill: bytes = b"\0") -> list[bytes]:
    padded = _padded(data, SECTOR_SIZE, fill)
    return [padded[offset : offset + SECTOR_SIZE] for offset in range(0, len(padded), SECTOR_SIZE)]


def _append_chain(table: list[int], count: int) -> int:
    """Append a chain of `count` consecutive sectors to a FAT or mini FAT; return its first sector."""
    if count == 0:
        return _ENDOFCHAIN
    start = len(table)
    table += [*range(start + 1, start + count), _ENDOFCHAIN]
    return start


def _encode_header(*, fat_count: int, directory_start: int, mini_fat_start: int, mini_fat_count: int) -> bytes:
    fat_slots = list(range(fat_count)) + [_FREESECT] * (_HEADER_FAT_SLOTS - fat_count)
    return struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        _SIGNATURE,
        bytes(16),
        0x003E,  # minor version
        0x0003,  # major version 3: 512-byte sectors
        0xFFFE,  # little-endian byte order mark
        9,  # sector shift: 2**9 = 512
        6,  # mini sector shift: 2**6 = 64
        bytes(6),
        0,  # directory sector count: must be 0 in version 3
        fat_count,
        directory_start,
        0,  # transaction signature
        MINI_STREAM_CUTOFF,
        mini_fat_start,
        mini_fat_count,
        _ENDOFCHAIN,  # first DIFAT sector: none
        0,  # DIFAT sector count
    ) + struct.pack(f"<{_HEADER_FAT_SLOTS}I", *fat_slots)
