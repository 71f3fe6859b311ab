"""MS-OVBA 2.4.1 compression: the LZ77 variant that stores VBA source text and the ``dir`` stream.

Hand-written: the only PyPI implementation (ms-ovba-compression 1.0.1) gets the maximum copy-token length wrong
and corrupts long repeats. The compressor follows the spec's own procedure (longest match, nearest on ties) so its
output matches the spec's worked examples byte for byte; a hash of 3-byte prefixes only narrows the candidates the
spec would scan anyway, which keeps a 60 KB module to well under a second.
"""

from __future__ import annotations

from pmo_xl.errors import PmoError

CHUNK_SIZE = 4096
_SIGNATURE = 0x01
_CHUNK_SIGNATURE = 0b011 << 12
_COMPRESSED_FLAG = 0x8000
_MIN_MATCH = 3


class CompressionError(PmoError):
    """A compressed container is malformed, or data cannot be represented in one."""


def copy_token_layout(difference: int) -> tuple[int, int]:
    """(bit_count, maximum_length) of a copy token at `difference` bytes into a chunk (MS-OVBA 2.4.1.3.19.1)."""
    bit_count = max((difference - 1).bit_length(), 4)
    return bit_count, (0xFFFF >> bit_count) + 3


def compress(data: bytes) -> bytes:
    """A CompressedContainer holding `data`."""
    out = bytearray([_SIGNATURE])
    for start in range(0, len(data), CHUNK_SIZE):
        out += _compress_chunk(data[start : start + CHUNK_SIZE])
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    body = bytearray()
    prefix_positions: dict[bytes, list[int]] = {}
    position = 0
    end = len(chunk)
    while position < end:
        flag_index = len(body)
        body.append(0)
        flags = 0
        for bit in range(8):
            if position >= end:
                break
            offset, length = _longest_match(chunk, position, prefix_positions)
            if length >= _MIN_MATCH:
                bit_count, _ = copy_token_layout(position)
                token = ((offset - 1) << (16 - bit_count)) | (length - _MIN_MATCH)
                body += token.to_bytes(2, "little")
                flags |= 1 << bit
            else:
                length = 1
                body.append(chunk[position])
            for covered in range(position, position + length):
                if covered + _MIN_MATCH <= end:
                    prefix_positions.setdefault(chunk[covered : covered + _MIN_MATCH], []).append(covered)
            position += length
        body[flag_index] = flags
    if len(body) > CHUNK_SIZE:
        # The spec's fallback is a raw chunk, which always decompresses to exactly 4096 bytes: a short final
        # chunk would gain trailing zeros, so such data has no faithful encoding.
        if len(chunk) < CHUNK_SIZE:
            raise CompressionError(
                f"a final block of {len(chunk)} bytes has too few repeats to compress and is shorter than "
                f"{CHUNK_SIZE} bytes, so MS-OVBA cannot store it; VBA source text never looks like this"
            )
        header = _CHUNK_SIGNATURE | (CHUNK_SIZE - 1)
        return header.to_bytes(2, "little") + chunk
    header = _COMPRESSED_FLAG | _CHUNK_SIGNATURE | (len(body) + 2 - 3)
    return header.to_bytes(2, "little") + bytes(body)


def _longest_match(chunk: bytes, position: int, prefix_positions: dict[bytes, list[int]]) -> tuple[int, int]:
    """(offset, length) of the longest earlier match, nearest first on ties, as MS-OVBA 2.4.1.3.19.4 scans."""
    if position + _MIN_MATCH > len(chunk):
        return 0, 0
    candidates = prefix_positions.get(chunk[position : position + _MIN_MATCH])
    if not candidates:
        return 0, 0
    _, maximum_length = copy_token_layout(position)
    limit = min(maximum_length, len(chunk) - position)
    best_length = 0
    best_candidate = 0
    for candidate in reversed(candidates):
        length = _MIN_MATCH
        while length < limit and chunk[candidate + length] == chunk[position + length]:
            length += 1
        if length > best_length:
            best_length, best_candidate = length, candidate
            if length == limit:
                break
    return position - best_candidate, best_length


def decompress(container: bytes) -> bytes:
    """The bytes held by a CompressedContainer (MS-OVBA 2.4.1.3.1)."""
    if not container or container[0] != _SIGNATURE:
        raise CompressionError("not an MS-OVBA compressed container: the first byte must be 0x01")
    out = bytearray()
    position = 1
    while position < len(container):
        if position + 2 > len(container):
            raise CompressionError(f"compressed container cut off in a chunk header at byte {position}")
        header = int.from_bytes(container[position : position + 2], "little")
        if header & 0x7000 != _CHUNK_SIGNATURE:
            raise CompressionError(f"bad chunk signature at byte {position}")
        chunk_end = min(position + (header & 0x0FFF) + 3, len(container))
        body = container[position + 2 : chunk_end]
        if header & _COMPRESSED_FLAG:
            out += _decompress_chunk(body, position)
        else:
            out += body
        position = chunk_end
    return bytes(out)


def _decompress_chunk(body: bytes, chunk_position: int) -> bytes:
    out = bytearray()
    index = 0
    while index < len(body):
        flags = body[index]
        index += 1
        for bit in range(8):
            if index >= len(body):
                break
            if not flags & (1 << bit):
                out.append(body[index])
                index += 1
                continue
            if index + 2 > len(body):
                raise CompressionError(f"copy token cut off in the chunk at byte {chunk_position}")
            token = int.from_bytes(body[index : index + 2], "little")
            index += 2
            bit_count, _ = copy_token_layout(len(out))
            offset = (token >> (16 - bit_count)) + 1
            length = (token & (0xFFFF >> bit_count)) + _MIN_MATCH
            if offset > len(out):
                raise CompressionError(f"copy token reaches before the chunk at byte {chunk_position}")
            source = len(out) - offset
            for step in range(length):
                out.append(out[source + step])
    return bytes(out)
