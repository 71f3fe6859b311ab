"""The VBA project: olevba extracts exactly our sources, and the PROJECT, dir and _VBA_PROJECT streams say what
Excel needs (module list, fixed ids, no compiled cache)."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import olefile
import pytest
import xlsxwriter
import xlwings
from oletools.olevba import VBA_Parser

from pmo_xl.vba.compression import decompress
from pmo_xl.vba.project import (
    CLASS_BASE,
    WORKBOOK_BASE,
    WORKSHEET_BASE,
    VbaModule,
    VbaProjectError,
    decrypt_project_data,
    encrypt_project_data,
    read_vba_sources,
    stored_source,
    write_vba_project,
)

XLWINGS_DIR = Path(xlwings.__file__).parent

RIBBON_SOURCE = """Attribute VB_Name = "PmoRibbon"
Option Explicit

Public Sub PmoScoreRequests(control As Object)
    RunPython "import macros.ribbon as r; r.score_requests()"
End Sub
"""
WORKBOOK_EXPORT = """VERSION 1.0 CLASS
BEGIN
  MultiUse = -1  'True
END
Attribute VB_Name = "ThisWorkbook"
Attribute VB_GlobalNameSpace = False
Attribute VB_Creatable = False
Attribute VB_PredeclaredId = True
Attribute VB_Exposed = True
Option Explicit
"""


def product_modules() -> list[VbaModule]:
    """The kind of project the workbook ships: documents, xlwings' standalone module and class, a ribbon module."""
    return [
        VbaModule("ThisWorkbook", "document", WORKBOOK_EXPORT),
        VbaModule("Sheet1", "document", ""),
        VbaModule("xlwings", "standard", (XLWINGS_DIR / "xlwings.bas").read_text(encoding="ascii")),
        VbaModule("Dictionary", "class", (XLWINGS_DIR / "addin" / "Dictionary.cls").read_text(encoding="ascii")),
        VbaModule("PmoRibbon", "standard", RIBBON_SOURCE),
    ]


def build_xlsm(path: Path, vba_project: bytes, sheet_code_names: tuple[str, ...] = ("Sheet1",)) -> Path:
    """A minimal macro workbook holding `vba_project`, with code names that match the document modules."""
    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_vba_name("ThisWorkbook")
    for code_name in sheet_code_names:
        worksheet = workbook.add_worksheet()
        worksheet.set_vba_name(code_name)
        worksheet.write_string(0, 0, "before")
    workbook.add_vba_project(io.BytesIO(vba_project), is_stream=True)
    workbook.close()
    return path


def olevba_sources(filename: str, data: bytes) -> dict[str, str]:
    parser = VBA_Parser(filename, data=data)
    try:
        return {vba_filename.rsplit(".", 1)[0]: code for _, _, vba_filename, code in parser.extract_macros()}
    finally:
        parser.close()


def test_olevba_extracts_exactly_our_sources_from_the_bin():
    modules = product_modules()
    extracted = olevba_sources("vbaProject.bin", write_vba_project(modules))
    assert extracted == {module.name: stored_source(module) for module in modules}


def test_olevba_extracts_exactly_our_sources_from_an_xlsm(tmp_path):
    modules = product_modules()
    workbook = build_xlsm(tmp_path / "book.xlsm", write_vba_project(modules))
    extracted = olevba_sources(str(workbook), workbook.read_bytes())
    assert extracted == {module.name: stored_source(module) for module in modules}
    with zipfile.ZipFile(workbook) as archive:
        assert "xl/vbaProject.bin" in archive.namelist()


def test_read_vba_sources_reads_back_what_was_written():
    modules = product_modules()
    assert read_vba_sources(write_vba_project(modules)) == {module.name: stored_source(module) for module in modules}


def test_the_code_body_is_kept_line_for_line():
    for module in product_modules():
        original_lines = module.source.replace("\r\n", "\n").splitlines()
        code_lines = [line for line in original_lines if not line.startswith(("Attribute VB_", "VERSION ", "  Multi"))]
        code_lines = [line for line in code_lines if line not in ("BEGIN", "END")]
        stored_lines = stored_source(module).split("\r\n")
        stored_code = [line for line in stored_lines if not line.startswith("Attribute VB_")]
        assert stored_code[: len(code_lines)] == code_lines
        assert stored_code[len(code_lines) :] == [""]  # only the final CRLF follows


def test_the_same_modules_give_the_same_bytes():
    assert write_vba_project(product_modules()) == write_vba_project(product_modules())
    assert write_vba_project(product_modules()) != write_vba_project(product_modules()[:-1])


def test_the_bytes_do_not_depend_on_the_process():
    # Hash randomisation differs per process; a set or dict order leaking into the output would show here.
    script = (
        "import sys, hashlib; sys.path.insert(0, sys.argv[1]);"
        "from tests.test_vba_project import product_modules;"
        "from pmo_xl.vba.project import write_vba_project;"
        "print(hashlib.sha256(write_vba_project(product_modules())).hexdigest())"
    )
    repo = str(Path(__file__).resolve().parent.parent)
    digests = {
        subprocess.run(
            [sys.executable, "-c", script, repo],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert digests == {hashlib.sha256(write_vba_project(product_modules())).hexdigest() + "\n"}


def test_leading_blank_lines_before_the_attributes_are_dropped():
    source = '\r\n\r\nAttribute VB_Name = "Ribbon"\r\nSub A()\r\nEnd Sub'
    assert (
        stored_source(VbaModule("Ribbon", "standard", source))
        == 'Attribute VB_Name = "Ribbon"\r\nSub A()\r\nEnd Sub\r\n'
    )


def test_stored_sources_have_crlf_no_class_header_and_base_guids():
    stored = {module.name: stored_source(module) for module in product_modules()}
    for text in stored.values():
        assert "\n" not in text.replace("\r\n", "")
        assert text.endswith("\r\n")
        assert not text.startswith("VERSION")
        assert "BEGIN\r\n" not in text
    assert stored["ThisWorkbook"].startswith(
        f'Attribute VB_Name = "ThisWorkbook"\r\nAttribute VB_Base = "{WORKBOOK_BASE}"\r\n'
    )
    assert f'Attribute VB_Base = "{WORKSHEET_BASE}"' in stored["Sheet1"]
    # xlwings' Dictionary.cls carries no VB_Base: the one every VBA class has is added, and its own
    # attributes (VB_Exposed = True, the description) are kept.
    assert f'Attribute VB_Base = "{CLASS_BASE}"' in stored["Dictionary"]
    assert "Attribute VB_Exposed = True\r\n" in stored["Dictionary"]
    assert 'Attribute VB_Description = "Drop-in replacement' in stored["Dictionary"]
    assert "(c) Tim Hall" in stored["Dictionary"]  # the licence header stays
    assert "Attribute VB_Base" not in stored["PmoRibbon"]
    assert stored["PmoRibbon"].count("Attribute VB_Name") == 1


def test_an_explicit_vb_base_is_kept():
    source = 'Attribute VB_Name = "Summary"\nAttribute VB_Base = "0{00020820-0000-0000-C000-000000000046}"\n'
    stored = stored_source(VbaModule("Summary", "document", source))
    assert stored.count("Attribute VB_Base") == 1


def test_non_ascii_source_is_refused_naming_module_and_line():
    source = 'Option Explicit\r\nSub Hello()\r\n    MsgBox "Привет"\r\nEnd Sub\r\n'
    with pytest.raises(VbaProjectError, match=r"module Greeting, line 3: non-ASCII character 'П'"):
        write_vba_project([VbaModule("Greeting", "standard", source)])


@pytest.mark.parametrize(
    ("modules", "message"),
    [
        ([VbaModule("1Module", "standard", "")], "must start with a letter"),
        ([VbaModule("M" * 32, "standard", "")], "at most 31"),
        ([VbaModule("Ribbon", "standard", ""), VbaModule("RIBBON", "class", "")], "two VBA modules"),
        ([VbaModule("dir", "standard", "")], "directory stream"),
        ([VbaModule("Ribbon", "standard", 'Attribute VB_Name = "Other"\n')], "rename the module or fix"),
        ([VbaModule("Ribbon", "form", "")], "not standard, class or document"),  # type: ignore[arg-type]
        ([VbaModule("Counter", "standard", "VERSION 1.0 CLASS\nBEGIN\nEND\n")], "declared standard"),
    ],
)
def test_bad_modules_get_clear_errors(modules, message):
    with pytest.raises(VbaProjectError, match=message):
        write_vba_project(modules)


def project_streams(vba_project: bytes) -> dict[str, bytes]:
    with olefile.OleFileIO(io.BytesIO(vba_project), raise_defects=olefile.DEFECT_INCORRECT) as container:
        return {"/".join(path): container.openstream(path).read() for path in container.listdir()}


def test_the_container_holds_the_expected_streams():
    streams = project_streams(write_vba_project(product_modules()))
    assert set(streams) == {
        "PROJECT",
        "PROJECTwm",
        "VBA/_VBA_PROJECT",
        "VBA/dir",
        "VBA/ThisWorkbook",
        "VBA/Sheet1",
        "VBA/xlwings",
        "VBA/Dictionary",
        "VBA/PmoRibbon",
    }
    # The 7-byte form of MS-OVBA 3.1.1: reserved 0x61CC, version 0xFFFF (no compiled code), reserved 0x00, 0x0001.
    assert streams["VBA/_VBA_PROJECT"] == bytes.fromhex("CC61FFFF000100")
    assert streams["PROJECTwm"].startswith(b"ThisWorkbook\0T\0h\0i\0s\0")
    assert streams["PROJECTwm"].endswith(b"P\0m\0o\0R\0i\0b\0b\0o\0n\0\0\0\0\0")


def test_the_project_stream_lists_modules_and_fixed_protection_state():
    text = project_streams(write_vba_project(product_modules(), project_name="PmoWorkbench"))["PROJECT"].decode(
        "cp1252"
    )
    lines = text.split("\r\n")
    assert lines[0].startswith('ID="{') and lines[0].endswith('}"')
    assert lines[1:6] == [
        "Document=ThisWorkbook/&H00000000",
        "Document=Sheet1/&H00000000",
        "Module=xlwings",
        "Class=Dictionary",
        "Module=PmoRibbon",
    ]
    fields = dict(line.split("=", 1) for line in lines if line.startswith(("Name=", "CMG=", "DPB=", "GC=")))
    assert fields["Name"] == '"PmoWorkbench"'
    assert decrypt_project_data(fields["CMG"].strip('"')) == bytes(4)  # not protected
    assert decrypt_project_data(fields["DPB"].strip('"')) == b"\0"  # no password
    assert decrypt_project_data(fields["GC"].strip('"')) == b"\xff"  # visible
    assert "[Host Extender Info]" in lines
    assert "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000" in lines
    assert "[Workspace]" in lines


def test_project_data_encryption_matches_what_excel_writes():
    # An ID and CMG pair from a workbook Excel saved: an unprotected project (four zero bytes) under seed 0x17.
    excel_id, excel_cmg = "{9E76F5A0-DAC8-4521-BCEF-644697F88708}", "1715EF1A11262C2A2C2A2C2A2C2A"
    assert decrypt_project_data(excel_cmg) == bytes(4)
    assert encrypt_project_data(bytes(4), excel_id, seed=0x17) == excel_cmg
    # MS-OVBA 3.1.6's example project: unprotected, no password, visible.
    spec_id = "{917DED54-440B-4FD1-A5C1-74ACF261E600}"
    assert decrypt_project_data("0705D8E3D8EDDBF1DBF1DBF1DBF1") == bytes(4)
    assert decrypt_project_data("0E0CD1ECDFF4E7F5E7F5E7") == b"\0"
    assert decrypt_project_data("1517CAF1D6F9D7F9D706") == b"\xff"
    assert encrypt_project_data(bytes(4), spec_id, seed=0x07) == "0705D8E3D8EDDBF1DBF1DBF1DBF1"


def dir_records(vba_project: bytes) -> list[tuple[int, bytes]]:
    stream = decompress(project_streams(vba_project)["VBA/dir"])
    records, position = [], 0
    while position < len(stream):
        record_id, size = struct.unpack("<HI", stream[position : position + 6])
        size = 6 if record_id == 0x0009 else size
        records.append((record_id, stream[position + 6 : position + 6 + size]))
        position += 6 + size
    return records


def test_the_dir_stream_declares_win32_english_cp1252_stdole_and_source_only_modules():
    records = dir_records(write_vba_project(product_modules()))
    first = {record_id: payload for record_id, payload in reversed(records)}
    assert struct.unpack("<I", first[0x0001])[0] == 1  # SYSKIND Win32
    assert struct.unpack("<I", first[0x0002])[0] == 0x409
    assert struct.unpack("<H", first[0x0003])[0] == 1252
    assert first[0x0004] == b"VBAProject"
    assert first[0x0016] == b"stdole"
    assert b"{00020430-0000-0000-C000-000000000046}#2.0" in first[0x000D]
    assert struct.unpack("<H", first[0x000F])[0] == 5
    names = [payload.decode() for record_id, payload in records if record_id == 0x0019]
    offsets = [struct.unpack("<I", payload)[0] for record_id, payload in records if record_id == 0x0031]
    types = [record_id for record_id, _ in records if record_id in (0x0021, 0x0022)]
    assert names == ["ThisWorkbook", "Sheet1", "xlwings", "Dictionary", "PmoRibbon"]
    assert offsets == [0, 0, 0, 0, 0]
    assert types == [0x22, 0x22, 0x21, 0x22, 0x21]
    assert records[-1] == (0x0010, b"")


def header_attributes(source: str) -> list[str]:
    lines = source.split("\r\n")
    return lines[: next(index for index, line in enumerate(lines) if not line.startswith("Attribute VB_"))]


def test_module_headers_match_those_excel_stored_in_the_xlwings_quickstart():
    # quickstart_standalone.xlsm, shipped inside the xlwings package, was saved by Excel: its document and class
    # modules show the attribute set and order Excel itself stores.
    with zipfile.ZipFile(XLWINGS_DIR / "quickstart_standalone.xlsm") as archive:
        excel_sources = read_vba_sources(archive.read("xl/vbaProject.bin"))
    ours = {module.name: stored_source(module) for module in product_modules()}
    for name in ("ThisWorkbook", "Sheet1", "Dictionary"):
        excel_header = header_attributes(excel_sources[name])
        our_header = header_attributes(ours[name])
        if name == "Dictionary":  # the description names the class's version, which differs between the two
            excel_header, our_header = excel_header[:-1], our_header[:-1]
        assert our_header == excel_header


def _project_information(vba_project_bin: bytes) -> list[tuple[int, bytes]]:
    """The dir stream's PROJECTINFORMATION records (up to the first reference), as (id, payload)."""
    stream = decompress(olefile.OleFileIO(io.BytesIO(vba_project_bin)).openstream("VBA/dir").read())
    records, position = [], 0
    while position + 6 <= len(stream):
        record_id, size = struct.unpack_from("<HI", stream, position)
        if record_id in (0x0016, 0x000D, 0x000F):
            break
        size = 6 if record_id == 0x0009 else size  # PROJECTVERSION's size field is a reserved 4
        records.append((record_id, stream[position + 6 : position + 6 + size]))
        position += 6 + size
    return records


def test_the_dir_stream_carries_the_project_values_excel_writes():
    """PROJECTCOMPATVERSION right after SYSKIND, and a PROJECTVERSION of Excel's shape, as in the Excel-saved
    quickstart.xlsm inside the installed xlwings package."""
    excel_saved = zipfile.ZipFile(Path(xlwings.__file__).parent / "quickstart.xlsm").read("xl/vbaProject.bin")
    theirs = _project_information(excel_saved)
    ours = _project_information(write_vba_project(product_modules()))
    assert [record_id for record_id, _ in ours][:2] == [record_id for record_id, _ in theirs][:2] == [0x0001, 0x004A]
    assert dict(ours)[0x004A] == dict(theirs)[0x004A] == struct.pack("<I", 5)
    major, minor = struct.unpack("<IH", dict(ours)[0x0009])
    their_major, their_minor = struct.unpack("<IH", dict(theirs)[0x0009])
    assert major > 0xFFFF and their_major > 0xFFFF and 0 < minor < 100 and 0 < their_minor < 100
    assert {record_id for record_id, _ in ours} == {record_id for record_id, _ in theirs}
