"""The record codec: the same bytes as the server's encodeRecord/decodeRecords."""
import struct

import msgpack
import pytest

from gbstream._wire import decode_records, encode_record


def test_a_record_is_a_big_endian_length_and_a_msgpack_map() -> None:
    data = encode_record({"type": "ping", "id": 3})
    body = msgpack.packb({"type": "ping", "id": 3}, use_bin_type=True)
    assert data == struct.pack(">I", len(body)) + body


def test_several_records_in_one_message_round_trip_with_binary_fields() -> None:
    messages = [{"type": "obs", "id": 1, "screen": bytes(range(256))}, {"type": "ack", "id": 2, "of": "release"}]
    assert list(decode_records(b"".join(encode_record(m) for m in messages))) == messages


@pytest.mark.parametrize("cut", [2, 7])
def test_a_truncated_record_is_an_error_not_a_short_read(cut: int) -> None:
    data = encode_record({"type": "ping", "id": 3})
    with pytest.raises(ValueError, match="truncated|runs past"):
        list(decode_records(data[:cut]))
