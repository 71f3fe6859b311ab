"""MS-OVBA 2.4.1 compression: the spec's worked examples, round trips, and the copy-token length limit."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oletools.olevba import decompress_stream

from pmo_xl.vba.compression import CHUNK_SIZE, CompressionError, compress, copy_token_layout, decompress

# MS-OVBA 3.2.1 and 3.2.2: the input strings and the compressed bytes the spec prints for them.
NO_COMPRESSION_TEXT = b"abcdefghijklmnopqrstuv."
NO_COMPRESSION_CONTAINER = bytes.fromhex(
    "01 19 B0 00 61 62 63 64 65 66 67 68 00 69 6A 6B 6C 6D 6E 6F 70 00 71 72 73 74 75 76 2E"
)
NORMAL_TEXT = b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa"
NORMAL_CONTAINER = bytes.fromhex(
    "01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C 00 20 6D 6E 6F 70 06 71 02"
    " 70 04 00 72 73 74 75 76 10 77 78 79 7A 00 2C"
)


def test_spec_examples_decompress_to_the_documented_text():
    assert decompress(NO_COMPRESSION_CONTAINER) == NO_COMPRESSION_TEXT
    assert decompress(NORMAL_CONTAINER) == NORMAL_TEXT


def test_spec_examples_compress_to_the_documented_bytes():
    assert compress(NO_COMPRESSION_TEXT) == NO_COMPRESSION_CONTAINER
    assert compress(NORMAL_TEXT) == NORMAL_CONTAINER


def test_copy_token_length_limit_follows_the_bit_count():
    # (0xFFFF >> bit_count) + 3: 4098 early in a chunk, 18 at its end.
    assert copy_token_layout(1) == (4, 4098)
    assert copy_token_layout(16) == (4, 4098)
    assert copy_token_layout(17) == (5, 2050)
    assert copy_token_layout(2048) == (11, 34)
    assert copy_token_layout(2049) == (12, 18)
    assert copy_token_layout(4095) == (12, 18)


@pytest.mark.parametrize("length", [1, 3, 4095, 4096, 4097, 8191, 8192, 8193, 40_000])
def test_long_repeats_round_trip_across_chunk_boundaries(length):
    for data in (b"a" * length, (b"Dim x As Long\r\n" * length)[:length], bytes(length)):
        container = compress(data)
        assert decompress(container) == data
        assert bytes(decompress_stream(bytearray(container))) == data  # an independent decoder agrees


def copy_token_lengths(container: bytes) -> list[tuple[int, int]]:
    """(position in the chunk, length) of every copy token in a one-chunk container."""
    body = container[3:]
    found = []
    position = index = 0
    while index < len(body):
        flags = body[index]
        index += 1
        for bit in range(8):
            if index >= len(body):
                break
            if flags & (1 << bit):
                token = int.from_bytes(body[index : index + 2], "little")
                bit_count, _ = copy_token_layout(position)
                length = (token & (0xFFFF >> bit_count)) + 3
                found.append((position, length))
                position += length
                index += 2
            else:
                position += 1
                index += 1
    return found


def test_a_long_repeat_uses_each_copy_token_up_to_its_limit():
    # 4096 'a's: a literal, then copy tokens as long as each position allows. A compressor that overstates the
    # limit (as ms-ovba-compression 1.0.1 does) writes lengths that wrap into the offset bits.
    tokens = copy_token_lengths(compress(b"a" * CHUNK_SIZE))
    assert tokens[0] == (1, 4095)  # limit 4098 at position 1, but only 4095 bytes remain
    tokens = copy_token_lengths(compress(b"a" + b"bcdefghijklmnopqrstuvwxyz0123456789" + b"a" * 4000))
    limits = [(position, min(copy_token_layout(position)[1], 4036 - position)) for position, _ in tokens]
    assert tokens == limits
    assert len(tokens) > 1


def test_an_incompressible_full_chunk_is_stored_raw_and_round_trips():
    noise = random.Random(7).randbytes(CHUNK_SIZE * 2 + 100)
    noise = noise[: CHUNK_SIZE * 2] + b"x" * 100
    container = compress(noise)
    header = int.from_bytes(container[1:3], "little")
    assert header & 0x8000 == 0  # the raw-chunk flag
    assert decompress(container) == noise
    assert bytes(decompress_stream(bytearray(container))) == noise


def test_an_incompressible_short_final_chunk_is_refused_rather_than_padded():
    noise = random.Random(3).randbytes(4000)
    with pytest.raises(CompressionError, match="final block of 4000 bytes"):
        compress(noise)


def test_malformed_containers_get_clear_errors():
    with pytest.raises(CompressionError, match="first byte must be 0x01"):
        decompress(b"\x02\x00")
    with pytest.raises(CompressionError, match="bad chunk signature"):
        decompress(b"\x01\x00\x00")
    with pytest.raises(CompressionError, match="reaches before the chunk"):
        decompress(b"\x01\x02\xb0\x01\x00\x10")


vba_like_text = st.text(alphabet="aAbB xyz_=().,'\"\r\n0123456789", max_size=12_000).map(str.encode)


@settings(max_examples=60, deadline=None)
@given(vba_like_text)
def test_text_round_trips(data):
    container = compress(data)
    assert decompress(container) == data
    assert bytes(decompress_stream(bytearray(container))) == data


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.binary(min_size=1, max_size=40), st.integers(min_value=1, max_value=600)),
        min_size=1,
        max_size=12,
    )
)
def test_long_repeats_of_any_bytes_round_trip(pieces):
    data = b"".join(piece * times for piece, times in pieces)
    container = compress(data)
    assert decompress(container) == data
    assert bytes(decompress_stream(bytearray(container))) == data


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=600))
def test_short_binary_round_trips(data):
    assert decompress(compress(data)) == data
