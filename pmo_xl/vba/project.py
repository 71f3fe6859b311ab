"""Assemble ``xl/vbaProject.bin`` from VBA source text (MS-OVBA 2.3), and read the sources back.

Hand-written because no maintained Python library writes MS-OVBA projects (olefile and oletools only read them).
The project carries no compiled code: ``_VBA_PROJECT`` is the 7-byte form with no performance cache and every
module's source starts at offset 0, so Excel compiles from source on open (MS-OVBA 2.3.4.1). Every id, seed and
timestamp is fixed, so the same modules give the same bytes. ``docs/vba.md`` explains each choice.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pmo_xl.errors import PmoError
from pmo_xl.vba.cfb import write_compound_file
from pmo_xl.vba.compression import compress, decompress

CODEPAGE = 1252
LCID_ENGLISH_US = 0x0409
# Win32, the value every reader knows; with no compiled cache it binds nothing, and both 32- and 64-bit Office
# compile the source on open.
SYSKIND_WIN32 = 1
# A fixed project id: Excel needs one, and a random one would make every build differ.
PROJECT_ID = "{7D2B4E1C-5A3F-4C8E-9B61-2F0A8D4C6E13}"
# The obfuscation seed of CMG/DPB/GC (MS-OVBA 2.4.3), fixed for the same reason. Seed & 6 == 0 means no random
# "ignored" bytes are needed at all.
ENCRYPTION_SEED = 0x09

WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"
CLASS_BASE = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"

_STDOLE_LIBID = r"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\Windows\System32\stdole2.tlb#OLE Automation"
_VBE_HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,30}")
_HEADER_ATTRIBUTE = re.compile(r"Attribute\s+(VB_\w+)\s*=\s*(.*)", re.IGNORECASE)
_VERSION_LINE = re.compile(r"VERSION\s+\d+\.\d+\s+CLASS", re.IGNORECASE)

# Excel's own attribute set for each module kind, in the order it stores them (VB_Name first).
_CLASS_ATTRIBUTES = {
    "VB_GlobalNameSpace": "False",
    "VB_Creatable": "False",
    "VB_PredeclaredId": "False",
    "VB_Exposed": "False",
    "VB_TemplateDerived": "False",
    "VB_Customizable": "False",
}
_DOCUMENT_ATTRIBUTES = {
    "VB_GlobalNameSpace": "False",
    "VB_Creatable": "False",
    "VB_PredeclaredId": "True",
    "VB_Exposed": "True",
    "VB_TemplateDerived": "False",
    "VB_Customizable": "True",
}


class VbaProjectError(PmoError):
    """VBA sources cannot become a project: bad module name, non-ASCII text, conflicting attributes."""


@dataclass(frozen=True)
class VbaModule:
    name: str  # module name, e.g. "PmoRibbon", "ThisWorkbook", "Sheet1", "Dictionary"
    kind: Literal["standard", "class", "document"]
    source: str  # VBA source text, ASCII, as in a .bas/.cls file (attribute lines included)


def write_vba_project(modules: Sequence[VbaModule], project_name: str = "VBAProject") -> bytes:
    """The bytes of xl/vbaProject.bin. Deterministic: the same modules give the same bytes."""
    _check_names(modules, project_name)
    streams: dict[str, bytes] = {
        # reserved1 0x61CC, version 0xFFFF (no compiled code: Excel compiles from source), reserved2 0x00, and
        # reserved3, "undefined, ignored", 0x0001 as in the spec's example (3.1.1) and in the projects xlwings ships.
        "VBA/_VBA_PROJECT": struct.pack("<HHBH", 0x61CC, 0xFFFF, 0x00, 0x0001),
        "VBA/dir": compress(_dir_stream(modules, project_name)),
    }
    for module in modules:
        streams[f"VBA/{module.name}"] = compress(stored_source(module).encode("ascii"))
    streams["PROJECT"] = _project_stream(modules, project_name)
    streams["PROJECTwm"] = _project_name_map(modules)
    return write_compound_file(streams)


def stored_source(module: VbaModule) -> str:
    """The source as the project stores it: CRLF line ends, no VERSION/BEGIN/END block, full header attributes.

    Class and document modules get the VB_Base and the other attributes Excel writes when it imports a .cls file;
    attributes the source already has are kept.
    """
    lines = _ascii_lines(module)
    while lines and not lines[0].strip():
        lines = lines[1:]
    if lines and _VERSION_LINE.fullmatch(lines[0].strip()):
        if module.kind == "standard":
            raise VbaProjectError(
                f"module {module.name}: its source is a class export (it starts with VERSION ... CLASS) but the "
                "module is declared standard; declare it as a class or document module"
            )
        lines = _without_class_header(module, lines)
    attributes: dict[str, tuple[str, str]] = {}  # lower-cased name -> (name as written, value)
    while lines and (match := _HEADER_ATTRIBUTE.fullmatch(lines[0].strip())):
        attributes[match.group(1).lower()] = (match.group(1), match.group(2).strip())
        lines = lines[1:]
    written_name = attributes.pop("vb_name", (None, None))[1]
    if written_name is not None and written_name.strip('"') != module.name:
        raise VbaProjectError(
            f"module {module.name}: its source says Attribute VB_Name = {written_name}; "
            "rename the module or fix the attribute so they agree"
        )
    header = [f'Attribute VB_Name = "{module.name}"']
    if module.kind != "standard":
        defaults = {"VB_Base": f'"{_default_base(module)}"'}
        defaults |= _DOCUMENT_ATTRIBUTES if module.kind == "document" else _CLASS_ATTRIBUTES
        for name, value in defaults.items():
            written = attributes.pop(name.lower(), None)
            header.append(f"Attribute {name} = {written[1] if written else value}")
    header += [f"Attribute {name} = {value}" for name, value in attributes.values()]
    body = lines[:-1] if lines and lines[-1] == "" else lines
    return "\r\n".join([*header, *body]) + "\r\n"


def read_vba_sources(vba_project_bin: bytes) -> dict[str, str]:
    """Module name -> source text, read back from the bytes of a vbaProject.bin (ours or Excel's)."""
    import olefile  # a reader is all that is needed here, and olefile is a reliable one

    with olefile.OleFileIO(io.BytesIO(vba_project_bin)) as container:
        records = _dir_records(decompress(container.openstream("VBA/dir").read()))
        codepage = CODEPAGE
        sources: dict[str, str] = {}
        name = stream_name = None
        offset = 0
        for record_id, payload in records:
            if record_id == 0x0003:
                codepage = struct.unpack("<H", payload)[0]
            elif record_id == 0x0019:
                name = payload.decode(f"cp{codepage}")
            elif record_id == 0x001A:
                stream_name = payload.decode(f"cp{codepage}")
            elif record_id == 0x0031:
                offset = struct.unpack("<I", payload)[0]
            elif record_id == 0x002B and name is not None:
                stream = container.openstream(f"VBA/{stream_name or name}").read()
                sources[name] = decompress(stream[offset:]).decode(f"cp{codepage}")
                name = stream_name = None
                offset = 0
    return sources


def encrypt_project_data(data: bytes, project_id: str = PROJECT_ID, seed: int = ENCRYPTION_SEED) -> str:
    """MS-OVBA 2.4.3.2 data encryption (an obfuscation of CMG, DPB and GC), as upper-case hex."""
    version = 2
    project_key = sum(project_id.encode("ascii")) & 0xFF
    version_encrypted = seed ^ version
    project_key_encrypted = seed ^ project_key
    out = bytearray([seed, version_encrypted, project_key_encrypted])
    unencrypted_1, encrypted_1, encrypted_2 = project_key, project_key_encrypted, version_encrypted
    ignored = bytes([seed]) * ((seed & 6) // 2)  # arbitrary by the spec; fixed here for determinism
    for byte in ignored + struct.pack("<I", len(data)) + data:
        encrypted = byte ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        out.append(encrypted)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, encrypted, byte
    return out.hex().upper()


def decrypt_project_data(text: str) -> bytes:
    """The data hidden by encrypt_project_data (MS-OVBA 2.4.3.3)."""
    encrypted_bytes = bytes.fromhex(text)
    seed, version_encrypted, project_key_encrypted = encrypted_bytes[:3]
    unencrypted_1, encrypted_1, encrypted_2 = seed ^ project_key_encrypted, project_key_encrypted, version_encrypted
    plain = bytearray()
    for encrypted in encrypted_bytes[3:]:
        byte = encrypted ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        plain.append(byte)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, encrypted, byte
    ignored_length = (seed & 6) // 2
    length = struct.unpack("<I", plain[ignored_length : ignored_length + 4])[0]
    return bytes(plain[ignored_length + 4 : ignored_length + 4 + length])


def _check_names(modules: Sequence[VbaModule], project_name: str) -> None:
    if not _IDENTIFIER.fullmatch(project_name):
        raise VbaProjectError(
            f"VBA project name {project_name!r} must start with a letter and hold at most 31 letters, digits or _"
        )
    seen: dict[str, str] = {}
    for module in modules:
        if not _IDENTIFIER.fullmatch(module.name):
            raise VbaProjectError(
                f"VBA module name {module.name!r} must start with a letter and hold at most 31 letters, digits or _"
            )
        if module.name.lower() == "dir":
            raise VbaProjectError("a VBA module cannot be named 'dir': that name is the project's directory stream")
        if module.kind not in ("standard", "class", "document"):
            raise VbaProjectError(f"module {module.name}: kind {module.kind!r} is not standard, class or document")
        if module.name.lower() in seen:
            raise VbaProjectError(f"two VBA modules are named {seen[module.name.lower()]!r} and {module.name!r}")
        seen[module.name.lower()] = module.name


def _ascii_lines(module: VbaModule) -> list[str]:
    lines = module.source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(lines, start=1):
        for character in line:
            if not character.isascii():
                raise VbaProjectError(
                    f"module {module.name}, line {number}: non-ASCII character {character!r} "
                    f"(U+{ord(character):04X}); keep VBA ASCII-only and put user-facing text in the ribbon XML "
                    "or in Python, because VBA stores text in the PC's code page"
                )
    return lines


def _without_class_header(module: VbaModule, lines: list[str]) -> list[str]:
    """Drop the VERSION/BEGIN/END block of an exported .cls file: the project stores attributes only."""
    for index, line in enumerate(lines[1:], start=1):
        if line.strip().upper() == "END":
            return lines[index + 1 :]
    raise VbaProjectError(f"module {module.name}: its VERSION ... CLASS header has no END line")


def _default_base(module: VbaModule) -> str:
    if module.kind == "class":
        return CLASS_BASE
    return WORKBOOK_BASE if module.name == "ThisWorkbook" else WORKSHEET_BASE


def _record(record_id: int, payload: bytes) -> bytes:
    return struct.pack("<HI", record_id, len(payload)) + payload


def _text_record(record_id: int, unicode_id: int, text: str) -> bytes:
    """A record holding `text` twice: in the code page, then as UTF-16 under its own 'reserved' id."""
    return _record(record_id, text.encode(f"cp{CODEPAGE}")) + _record(unicode_id, text.encode("utf-16-le"))


COMPAT_VERSION = 5


def _project_version(modules: Sequence[VbaModule]) -> int:
    return zlib.crc32("\n".join(f"{module.name}\n{module.source}" for module in modules).encode("utf-8")) or 1


def _dir_stream(modules: Sequence[VbaModule], project_name: str) -> bytes:
    """The decompressed dir stream (MS-OVBA 2.3.4.2): project information, references, modules."""
    information = b"".join(
        [
            _record(0x0001, struct.pack("<I", SYSKIND_WIN32)),
            # PROJECTCOMPATVERSION, as Excel writes it after SYSKIND (xlwings' Excel-saved quickstart.xlsm: 5).
            _record(0x004A, struct.pack("<I", COMPAT_VERSION)),
            _record(0x0002, struct.pack("<I", LCID_ENGLISH_US)),
            _record(0x0014, struct.pack("<I", LCID_ENGLISH_US)),
            _record(0x0003, struct.pack("<H", CODEPAGE)),
            _record(0x0004, project_name.encode(f"cp{CODEPAGE}")),
            _text_record(0x0005, 0x0040, ""),  # doc string
            _record(0x0006, b"") + _record(0x003D, b""),  # help file paths
            _record(0x0007, struct.pack("<I", 0)),  # help context
            _record(0x0008, struct.pack("<I", 0)),  # library flags
            # PROJECTVERSION: its 'size' field is a reserved 4 followed by six bytes of version. Excel writes a 32-bit
            # major that changes with the project's content and a small minor (xlwings' Excel-saved projects carry
            # 0x6901E03F.2, 0x68FBFAC5.4, 0x6B4FEF4C.8); ours is the CRC-32 of the sources, so a build stays
            # deterministic, and minor 2.
            struct.pack("<HIIH", 0x0009, 4, _project_version(modules), 2),
            _text_record(0x000C, 0x003C, ""),  # conditional compilation constants
        ]
    )
    # stdole is on every Windows PC; an Office reference would name a version-specific MSO.DLL path, and the
    # ribbon callbacks take `control As Object`, so no Office library is needed.
    references = _text_record(0x0016, 0x003E, "stdole") + _record(
        0x000D, struct.pack("<I", len(_STDOLE_LIBID)) + _STDOLE_LIBID.encode("ascii") + struct.pack("<IH", 0, 0)
    )
    module_records = [
        _record(0x000F, struct.pack("<H", len(modules))),
        _record(0x0013, struct.pack("<H", 0xFFFF)),  # project cookie
    ]
    for module in modules:
        module_records += [
            _record(0x0019, module.name.encode(f"cp{CODEPAGE}")),
            _record(0x0047, module.name.encode("utf-16-le")),
            _text_record(0x001A, 0x0032, module.name),  # stream name
            _text_record(0x001C, 0x0048, ""),  # doc string
            _record(0x0031, struct.pack("<I", 0)),  # source offset: no performance cache before it
            _record(0x001E, struct.pack("<I", 0)),  # help context
            _record(0x002C, struct.pack("<H", 0xFFFF)),  # module cookie
            # MODULETYPE: 0x21 procedural, 0x22 document, class or designer; the record has no size, only a
            # reserved zero, which _record(id, b"") writes.
            _record(0x0021 if module.kind == "standard" else 0x0022, b""),
            _record(0x002B, b""),  # module terminator
        ]
    return information + references + b"".join(module_records) + _record(0x0010, b"")


def _dir_records(stream: bytes) -> list[tuple[int, bytes]]:
    records = []
    position = 0
    while position + 6 <= len(stream):
        record_id, size = struct.unpack("<HI", stream[position : position + 6])
        if record_id == 0x0009:  # PROJECTVERSION: 'size' is a reserved 4; the payload is 6 bytes
            size = 6
        records.append((record_id, stream[position + 6 : position + 6 + size]))
        position += 6 + size
    return records


def _project_stream(modules: Sequence[VbaModule], project_name: str) -> bytes:
    """The PROJECT stream (MS-OVBA 2.3.1): the text that lists modules and the project's protection state."""
    lines = [f'ID="{PROJECT_ID}"']
    for module in modules:
        if module.kind == "document":
            lines.append(f"Document={module.name}/&H00000000")
        elif module.kind == "class":
            lines.append(f"Class={module.name}")
        else:
            lines.append(f"Module={module.name}")
    lines += [
        f'Name="{project_name}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        f'CMG="{encrypt_project_data(bytes(4))}"',  # protection state: none
        f'DPB="{encrypt_project_data(bytes(1))}"',  # password: none
        f'GC="{encrypt_project_data(bytes([0xFF]))}"',  # visibility: visible
        "",
        "[Host Extender Info]",
        _VBE_HOST_EXTENDER,
        "",
        "[Workspace]",
        *(f"{module.name}=0, 0, 0, 0, C" for module in modules),
    ]
    return ("\r\n".join(lines) + "\r\n").encode(f"cp{CODEPAGE}")


def _project_name_map(modules: Sequence[VbaModule]) -> bytes:
    """PROJECTwm (MS-OVBA 2.3.3): each module name in the code page and in UTF-16, both null-terminated."""
    pairs = b"".join(
        module.name.encode(f"cp{CODEPAGE}") + b"\0" + module.name.encode("utf-16-le") + b"\0\0" for module in modules
    )
    return pairs + b"\0\0"
