"""The wire format of protocol v1: a record is a uint32 big-endian length and one msgpack map.

Pure functions, no sockets: the same bytes the server's ``encodeRecord``/``decodeRecords`` use.
"""
from __future__ import annotations

import struct
from typing import Any, Iterator

import msgpack
import numpy as np

_LENGTH = struct.Struct(">I")


def _plain(value: Any) -> Any:
    """numpy scalars (``np.uint8(3)`` in a state map, ``np.int64`` actions) become Python numbers."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot send {type(value).__name__}; use numbers, strings, bytes, lists or dicts")


def encode_record(message: dict[str, Any]) -> bytes:
    """Encodes one message as a record (length prefix + msgpack map)."""
    body = msgpack.packb(message, use_bin_type=True, default=_plain)
    return _LENGTH.pack(len(body)) + body


def decode_records(data: bytes) -> Iterator[dict[str, Any]]:
    """Yields the maps of every record in one WebSocket message.

    Raises ValueError on a truncated record: the server only sends whole records, so a short
    message means the connection is broken, not that more bytes will follow.
    """
    view = memoryview(data)
    offset = 0
    while offset < len(view):
        if offset + _LENGTH.size > len(view):
            raise ValueError(f"truncated record header at byte {offset} of {len(view)}")
        (length,) = _LENGTH.unpack_from(view, offset)
        offset += _LENGTH.size
        if offset + length > len(view):
            raise ValueError(f"record of {length} bytes at byte {offset} runs past the message end ({len(view)})")
        record = msgpack.unpackb(view[offset : offset + length], raw=False)
        offset += length
        if isinstance(record, dict):
            yield record
