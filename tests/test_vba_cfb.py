"""The compound-file writer: olefile reads what it writes, and the directory is a sorted red-black tree."""

from __future__ import annotations

import io

import olefile
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmo_xl.vba.cfb import MINI_STREAM_CUTOFF, CompoundFileError, directory_order_key, write_compound_file

RED, BLACK = 0, 1


def open_strictly(data: bytes) -> olefile.OleFileIO:
    # DEFECT_INCORRECT: olefile raises on any structure the spec forbids instead of tolerating it.
    return olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)


def sibling_tree_names(ole: olefile.OleFileIO, entry) -> list[str]:
    """In-order names of `entry`'s children, checking the red-black invariants on the way."""
    names: list[str] = []

    def walk(sid: int, parent_colour: int) -> int:
        if sid == olefile.NOSTREAM:
            return 1
        node = ole.direntries[sid]
        assert node.color in (RED, BLACK)
        assert not (node.color == RED and parent_colour == RED), f"two reds in a row at {node.name}"
        left = walk(node.sid_left, node.color)
        names.append(node.name)
        right = walk(node.sid_right, node.color)
        assert left == right, f"unequal black height under {node.name}"
        return left + (node.color == BLACK)

    if entry.sid_child != olefile.NOSTREAM:
        assert ole.direntries[entry.sid_child].color == BLACK, "the root of a sibling tree must be black"
        walk(entry.sid_child, BLACK)
    return names


def assert_every_storage_is_a_sorted_red_black_tree(ole: olefile.OleFileIO) -> None:
    for entry in ole.direntries:
        if entry is None or entry.entry_type not in (olefile.STGTY_ROOT, olefile.STGTY_STORAGE):
            continue
        names = sibling_tree_names(ole, entry)
        assert names == sorted(names, key=directory_order_key)
        assert len(names) == len(set(names))


def test_olefile_reads_back_every_stream_from_mini_and_regular_sectors():
    streams = {
        "VBA/_VBA_PROJECT": b"\xcc\x61\xff\xff\x00\x00\x00",
        "VBA/dir": b"d" * 700,
        "VBA/Module1": bytes(range(256)) * 40,  # 10240 bytes: regular sectors
        "VBA/Edge": b"e" * (MINI_STREAM_CUTOFF - 1),  # the largest mini stream
        "VBA/Cutoff": b"c" * MINI_STREAM_CUTOFF,  # the smallest regular stream
        "PROJECT": b'ID="{...}"\r\n',
        "PROJECTwm": b"",
    }
    ole = open_strictly(write_compound_file(streams))
    assert sorted("/".join(path) for path in ole.listdir()) == sorted(streams)
    for path, data in streams.items():
        assert ole.openstream(path).read() == data
        assert ole.get_size(path) == len(data)
    assert ole.get_type("VBA") == olefile.STGTY_STORAGE
    assert ole._find("VBA/Edge") is not None
    assert ole.direntries[ole._find("VBA/Edge")].size < ole.minisectorcutoff
    assert_every_storage_is_a_sorted_red_black_tree(ole)


def test_directory_order_is_length_first_then_upper_case():
    names = ["dir", "PROJECT", "_VBA_PROJECT", "ThisWorkbook", "Sheet1", "a", "B", "xlwings", "Dictionary"]
    assert sorted(names, key=directory_order_key) == [
        "a",
        "B",
        "dir",
        "Sheet1",
        "PROJECT",
        "xlwings",
        "Dictionary",
        "ThisWorkbook",
        "_VBA_PROJECT",
    ]


def test_same_streams_give_the_same_bytes_whatever_their_order():
    streams = {"VBA/dir": b"x" * 10, "VBA/Module1": b"y" * 5000, "PROJECT": b"z"}
    reordered = dict(reversed(streams.items()))
    assert write_compound_file(streams) == write_compound_file(reordered)


def test_bad_names_are_refused_with_the_name():
    with pytest.raises(CompoundFileError, match=r"A{32}"):
        write_compound_file({"VBA/" + "A" * 32: b""})
    with pytest.raises(CompoundFileError, match="'Module1'"):
        write_compound_file({"VBA/Module1": b"", "VBA/MODULE1": b""})
    with pytest.raises(CompoundFileError, match="both a stream and a storage"):
        write_compound_file({"VBA": b"", "VBA/dir": b""})


sibling_names = st.sets(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", min_size=1, max_size=31),
    min_size=1,
    max_size=70,
).filter(lambda names: len({name.upper() for name in names}) == len(names))


@settings(max_examples=60, deadline=None)
@given(sibling_names, st.integers(min_value=0, max_value=6000))
def test_any_set_of_siblings_forms_a_valid_tree(names, size):
    streams = {f"VBA/{name}": name.encode() * (size // len(name) + 1) for name in names}
    streams["PROJECT"] = b"p"
    ole = open_strictly(write_compound_file(streams))
    assert_every_storage_is_a_sorted_red_black_tree(ole)
    for path, data in streams.items():
        assert ole.openstream(path).read() == data
