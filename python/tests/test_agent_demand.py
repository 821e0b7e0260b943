"""An agent is not a viewer: a VectorEnv's connection asks for no frames, so on a `serve` with
publishers it never turns a publisher's demand on (a plain connection, by contrast, does)."""
from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, Iterator

import pytest
import websockets

from conftest import TOKEN, start_server, stop_server
from gbstream import VectorEnv
from gbstream._connection import Connection
from gbstream._wire import decode_records, encode_record
from gbstream.publisher import Publisher

HELLO = {"type": "hello", "protocol": 1, "envs": 1, "width": 160, "height": 144, "fields": [], "control": False}


class RecordingServer:
    """A tiny WebSocket server that says hello, acks every request and keeps what it was sent, in order."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self._loop = asyncio.new_event_loop()
        started = threading.Event()
        threading.Thread(target=self._run, args=(started,), daemon=True).start()
        started.wait(5)

    def _run(self, started: threading.Event) -> None:
        async def handler(ws: Any, _path: str = "") -> None:
            await ws.send(encode_record(HELLO))
            async for data in ws:
                for record in decode_records(data):
                    self.received.append(record)
                    if "id" in record:
                        await ws.send(encode_record({"type": "ack", "id": record["id"], "of": record["type"]}))

        async def main() -> None:
            server = await websockets.serve(handler, "127.0.0.1", 0)
            self.url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/ws"
            started.set()
            await asyncio.Future()

        self._loop.run_until_complete(main())


def test_a_vector_env_asks_for_no_frames_before_anything_else() -> None:
    server = RecordingServer()
    env = VectorEnv(server.url, token="t", envs=1)
    env._conn.close()  # no release handshake with this fake
    # Subscribed before auth: until `subscribe` arrives the server counts a connection as a viewer.
    assert server.received[0]["type"] == "subscribe" and server.received[0]["envs"] == []
    assert [r["type"] for r in server.received] == ["subscribe", "auth"]


@pytest.fixture()
def served_publisher() -> Iterator[tuple[Any, Publisher, list[float]]]:
    """A one-env `serve` with one publisher; the fps of every `demand` record the publisher gets."""
    s = start_server("--envs", "1", "--control-token", TOKEN)
    pub = Publisher(s.url, token=TOKEN, envs=1, labels=["trainer/0"])
    demands: list[float] = []
    receive = pub._on_record

    def spy(record: dict[str, Any]) -> None:
        if record.get("type") == "demand":
            demands.extend(float(f) for f in record.get("fps", []))
        receive(record)

    pub._on_record = spy  # type: ignore[method-assign]
    try:
        assert pub.wait_ready(10)
        yield s, pub, demands
    finally:
        pub.close()
        stop_server(s)


def test_a_vector_env_does_not_turn_on_a_publishers_demand(served_publisher: tuple[Any, Publisher, list[float]]) -> None:
    server, pub, demands = served_publisher
    assert not pub.wants(0)
    deadline = time.monotonic() + 1.0  # five of the hub's demand ticks (every 200 ms)
    with VectorEnv(server.url, token=TOKEN, envs=[0], frames=1, observe=None) as env:
        env.reset()
        while time.monotonic() < deadline:
            env.step([0])
            assert not pub.wants(0)
    assert [fps for fps in demands if fps > 0] == []
    # The test can see demand: a plain connection (a viewer) turns it on.
    viewer = Connection(server.url)
    try:
        until = time.monotonic() + 5
        while not pub.wants(0) and time.monotonic() < until:
            time.sleep(0.05)
        assert pub.wants(0)
    finally:
        viewer.close()
