"""The one zip layer: a zip's central directory read with bounds, its members inflated never past the size their
headers declare, and members written back with their compressed bytes untouched.

Every Office Open XML zip pmo_xl opens goes through here: collect's reader (a PM's file may be cut off, lie about
its sizes or hide a zip bomb), the template package the generator patches (`package.XlsxPackage`) and the table
reader's error cells (`tables`). It is hand-written for three reasons the standard library's zipfile cannot meet:
its per-entry objects cost ten times the struct read below when collect opens a thousand files; it trusts a
member's declared size while inflating; and it cannot copy a member without inflating and deflating it again.
What the struct read does not take (zip64, an archive comment, spanned archives) still goes through zipfile.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from typing import NamedTuple

LOCAL_HEADER_SIGNATURE = b"PK\x03\x04"
END_RECORD_SIGNATURE = b"PK\x05\x06"

_CENTRAL_RECORD = struct.Struct("<4s4xHHHHIIIHHHHHII")
_END_RECORD = struct.Struct("<4sHHHHIIH")
_ZIP64_MARK = 0xFFFFFFFF
_UTF8_NAME = 0x800


class DamagedPart(ValueError):
    """A part of the workbook says something Excel would not open cleanly (a table off the grid, its columns
    miscounted, two parts of one name): the file is refused, not read."""


class InflatesPastDeclaredSize(Exception):
    """A member inflates past the size its headers declare: a zip bomb hiding from a declared-size check."""


class ZipMember(NamedTuple):
    """One entry of the zip's central directory: what it takes to judge, inflate or copy the member.

    A named tuple, not a frozen dataclass: collect makes one for each of some 30 members of every file it reads,
    and a tuple is built four times faster."""

    filename: str
    compress_type: int
    flag_bits: int
    crc: int
    compress_size: int
    file_size: int
    header_offset: int
    dos_time: int = 0
    dos_date: int = 0
    external_attr: int = 0


def read_directory(data: bytes) -> dict[str, ZipMember]:
    """The zip's members by name. Raises zipfile.BadZipFile for an archive that is cut off or malformed, and
    DamagedPart for one that stores two members of one name (which of them a program reads is anyone's guess).

    The central directory of a plain zip (what Excel, LibreOffice and our generator write) is read with struct;
    anything else goes through zipfile.
    """
    plain = _plain_directory(data)
    if plain is not None:
        return plain
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
    names = [info.filename for info in infos]
    if len(names) != len(set(names)):
        _two_parts_named(next(name for name in names if names.count(name) > 1))
    return {info.filename: _member_of(info) for info in infos}


def _two_parts_named(name: str) -> None:
    raise DamagedPart(f"the zip stores two parts named {name}, and which one a program reads is anyone's guess")


def _member_of(info: zipfile.ZipInfo) -> ZipMember:
    year, month, day, hour, minute, second = info.date_time
    return ZipMember(
        info.filename,
        info.compress_type,
        info.flag_bits,
        info.CRC,
        info.compress_size,
        info.file_size,
        info.header_offset,
        (hour << 11) | (minute << 5) | (second // 2),
        ((year - 1980) << 9) | (month << 5) | day,
        info.external_attr,
    )


def _plain_directory(data: bytes) -> dict[str, ZipMember] | None:
    if len(data) < _END_RECORD.size:
        return None
    signature, disk, directory_disk, _on_disk, count, directory_size, directory_start, comment_length = (
        _END_RECORD.unpack_from(data, len(data) - _END_RECORD.size)
    )
    if signature != END_RECORD_SIGNATURE or disk or directory_disk or comment_length or count == 0xFFFF:
        return None
    if directory_start + directory_size != len(data) - _END_RECORD.size:
        return None
    members: dict[str, ZipMember] = {}
    offset = directory_start
    for _ in range(count):
        if offset + _CENTRAL_RECORD.size > directory_start + directory_size:
            return None
        (
            record_signature,
            flag_bits,
            compress_type,
            dos_time,
            dos_date,
            crc,
            compress_size,
            file_size,
            name_length,
            extra_length,
            comment,
            _disk,
            _internal,
            external_attr,
            header_offset,
        ) = _CENTRAL_RECORD.unpack_from(data, offset)
        if record_signature != b"PK\x01\x02" or _ZIP64_MARK in (compress_size, file_size, header_offset):
            return None
        start = offset + _CENTRAL_RECORD.size
        raw_name = data[start : start + name_length]
        name = raw_name.decode("utf-8" if flag_bits & _UTF8_NAME else "cp437")
        if name in members:
            _two_parts_named(name)
        members[name] = ZipMember(
            name,
            compress_type,
            flag_bits,
            crc,
            compress_size,
            file_size,
            header_offset,
            dos_time,
            dos_date,
            external_attr,
        )
        offset = start + name_length + extra_length + comment
    return members if offset == directory_start + directory_size else None


def _data_start(data: bytes, member: ZipMember) -> int:
    """Where the member's compressed bytes start: after its local header, whose name and extra field may differ
    in length from the central directory's."""
    name_length, extra_length = struct.unpack_from("<HH", data, member.header_offset + 26)
    return member.header_offset + 30 + name_length + extra_length


def stored_bytes(data: bytes, member: ZipMember) -> bytes:
    """The member's compressed bytes as the zip stores them, without inflating them."""
    start = _data_start(data, member)
    return data[start : start + member.compress_size]


def inflate(data: bytes, member: ZipMember) -> bytes:
    """A member's content, never more than its declared size, checked against its CRC as zipfile would."""
    if member.flag_bits & 0x1:
        raise RuntimeError(f"the part {member.filename} is encrypted")
    start = _data_start(data, member)
    if data[member.header_offset : member.header_offset + 4] != LOCAL_HEADER_SIGNATURE:
        raise zipfile.BadZipFile(f"bad local header for file {member.filename!r}")
    stored = data[start : start + member.compress_size]
    if member.compress_type == zipfile.ZIP_STORED:
        content = stored
    elif member.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
        content = inflater.decompress(stored, member.file_size + 1)
        if len(content) > member.file_size or (inflater.unconsumed_tail and not inflater.eof):
            raise InflatesPastDeclaredSize(f"the part {member.filename}")
    else:
        raise NotImplementedError(f"the part {member.filename} uses an unsupported compression method")
    if len(content) != member.file_size or zlib.crc32(content) != member.crc:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {member.filename!r}")
    return content


class LazyMembers(Mapping[str, bytes]):
    """The zip's members, inflated on first access: a workbook's structure needs a few small parts, never the
    sheets.

    It records every name looked up (present or not) in `probed`, so what was parsed from one file can be reused
    for the next file whose looked-up members hold the same stored bytes (`stored`).
    """

    def __init__(self, directory: dict[str, ZipMember], data: bytes):
        self._data = data
        self._infos = directory
        self._cache: dict[str, bytes] = {}
        self.probed: set[str] = set()

    def __getitem__(self, name: str) -> bytes:
        self.probed.add(name)
        if name not in self._infos:
            raise KeyError(name)
        if name not in self._cache:
            self._cache[name] = inflate(self._data, self._infos[name])
        return self._cache[name]

    def __contains__(self, name: object) -> bool:
        self.probed.add(name)  # type: ignore[arg-type]
        return name in self._infos

    def stored(self, name: str) -> tuple[int, bytes] | None:
        """A member's compression method and compressed bytes, without inflating it; None if absent."""
        info = self._infos.get(name)
        if info is None:
            return None
        return info.compress_type, stored_bytes(self._data, info)

    def __iter__(self) -> Iterator[str]:
        return iter(self._infos)

    def __len__(self) -> int:
        return len(self._infos)


# -- writing: members copied as stored, or deflated anew ---------------------------------------------------------


def member_records(member: ZipMember, compressed: bytes, crc: int, method: int, size: int) -> tuple[bytes, bytes]:
    """The local header and the central-directory record (without its offset and name) of `member`, holding
    `compressed`: its own stored bytes, or a new content's (with that content's crc, method and size)."""
    encoded = member.filename.encode("utf-8")
    flags = _UTF8_NAME if not member.filename.isascii() else 0
    # The fields both records hold, in the order both hold them (APPNOTE 4.3.7 and 4.3.12).
    shared = (flags, method, member.dos_time, member.dos_date, crc, len(compressed), size, len(encoded), 0)
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, *shared) + encoded
    central = struct.pack("<IHHHHHHIIIHHHHHI", 0x02014B50, 20, 20, *shared, 0, 0, 0, member.external_attr)
    return local, central


def end_record(count: int, directory_size: int, directory_start: int) -> bytes:
    """The end of central directory record of a one-disk zip without a comment."""
    return _END_RECORD.pack(END_RECORD_SIGNATURE, 0, 0, count, count, directory_size, directory_start, 0)
