"""``StreamConnection`` receiving an answer's screens straight into the caller's array, against a
scripted peer on a real Unix socket: the layouts it takes in place, the ones it decodes as usual,
and records cut anywhere by the stream."""
from __future__ import annotations

import socket
import tempfile
import threading
from pathlib import Path
from typing import Callable, Iterator

import msgpack
import numpy as np
import pytest

from gbstream._stream import StreamConnection, bin_header
from gbstream._wire import encode_record

HELLO = {"type": "hello", "envs": 2, "width": 160, "height": 144}


def answer(request_id: int, screen: bytes, screen_last: bool = True) -> bytes:
    """An obsBatch record as the server writes it (screen last) or as older servers did."""
    fields = {"envs": [0, 1], "frames": [5, 6], "states": [{"x": 1}, {"x": 2}]}
    tail = {"screenFormat": "gray", "width": 160, "height": 144}
    if screen_last:
        return encode_record({"type": "obsBatch", "id": request_id, **fields, **tail, "screen": screen})
    return encode_record({"type": "obsBatch", "id": request_id, **fields, "screen": screen, **tail})


@pytest.fixture()
def peer() -> Iterator[Callable[[Callable[[int], list[bytes]]], StreamConnection]]:
    """Starts a peer that answers each request id with the chunks ``script(id)`` gives, written one by one."""
    path = Path(tempfile.mkdtemp(prefix="gbs-inplace-")) / "p.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(1)
    conns: list[StreamConnection] = []

    def start(script: Callable[[int], list[bytes]]) -> StreamConnection:
        def serve() -> None:
            sock, _ = listener.accept()
            with sock:
                sock.sendall(encode_record(HELLO))
                unpacker = msgpack.Unpacker(raw=False)
                buffer = b""
                while True:
                    data = sock.recv(65536)
                    if not data:
                        return
                    buffer += data
                    while len(buffer) >= 4 and len(buffer) >= 4 + int.from_bytes(buffer[:4], "big"):
                        length = int.from_bytes(buffer[:4], "big")
                        unpacker.feed(buffer[4 : 4 + length])
                        buffer = buffer[4 + length :]
                        request = next(unpacker)
                        for chunk in script(request["id"]):
                            sock.sendall(chunk)

        threading.Thread(target=serve, daemon=True).start()
        conn = StreamConnection(f"unix://{path}", timeout=10)
        conns.append(conn)
        return conn

    yield start
    for conn in conns:
        conn.close()
    listener.close()


SCREENS = np.arange(2 * 144 * 160, dtype=np.uint32).astype(np.uint8).tobytes()


def test_a_screen_written_last_is_received_into_the_view_even_cut_into_small_pieces(peer) -> None:  # type: ignore[no-untyped-def]
    def script(request_id: int) -> list[bytes]:
        record = answer(request_id, SCREENS) + encode_record({"type": "pong", "id": 999})
        cuts = [1, 2, 3, 5, 40, 41, 300, 5000, len(record) - 7]  # inside the prefix, the head, the screen
        return [record[a:b] for a, b in zip([0, *cuts], [*cuts, len(record)])]

    conn = peer(script)
    obs = np.zeros((2, 144, 160), dtype=np.uint8)
    first = conn.wait(conn.submit([{"type": "step"}], into=[memoryview(obs.reshape(-1))]))[0]
    assert conn.screens_in_place == 1
    assert isinstance(first["screen"], memoryview) and bytes(obs.reshape(-1)) == SCREENS
    assert first["states"] == [{"x": 1}, {"x": 2}] and first["frames"] == [5, 6] and first["width"] == 160
    # The record after it in the stream is read as usual; a second answer lands in place again.
    obs[...] = 0
    conn.wait(conn.submit([{"type": "step"}], into=[memoryview(obs.reshape(-1))]))
    assert conn.screens_in_place == 2 and bytes(obs.reshape(-1)) == SCREENS


@pytest.mark.parametrize("case", ["screen-not-last", "another-size"])
def test_an_answer_that_does_not_fit_is_decoded_as_usual(peer, case: str) -> None:  # type: ignore[no-untyped-def]
    conn = peer(lambda request_id: [answer(request_id, SCREENS, screen_last=case != "screen-not-last")])
    size = len(SCREENS) if case == "screen-not-last" else len(SCREENS) // 2
    view = memoryview(bytearray(size))
    got = conn.wait(conn.submit([{"type": "step"}], into=[view]))[0]
    assert conn.screens_in_place == 0
    assert bytes(got["screen"]) == SCREENS and not any(view)


def test_bin_header_is_the_shortest_form() -> None:
    for size in (0, 255, 256, 65535, 65536, 184320):
        assert bin_header(size) == msgpack.packb(bytes(size), use_bin_type=True)[: len(bin_header(size))]


def test_a_vector_env_asks_for_no_frames_and_no_broadcasts_before_anything_else() -> None:
    """So a trainer that reads nothing between steps is sent nothing that could fill its socket."""
    from gbstream import VectorEnv

    path = Path(tempfile.mkdtemp(prefix="gbs-greet-")) / "g.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(1)
    first: list[dict] = []

    def serve() -> None:
        sock, _ = listener.accept()
        with sock:
            sock.sendall(encode_record({**HELLO, "fields": []}))
            data = sock.recv(65536)
            first.append(msgpack.unpackb(data[4 : 4 + int.from_bytes(data[:4], "big")], raw=False))
            sock.recv(65536)  # until the client closes

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        VectorEnv(f"unix://{path}", envs=2).close()
        thread.join(5)
    finally:
        listener.close()
    assert first == [{"type": "subscribe", "envs": [], "broadcasts": False}]
