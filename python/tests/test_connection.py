"""Connection runs its asyncio loop in the calling thread; between calls a keeper thread runs it, so
the server's heartbeat pings are answered while the caller is busy elsewhere for seconds.

The server here is a small websockets server in this process that pings like gbstream's heartbeat
(only shorter), so the test takes seconds rather than the real 30 s interval.
"""
from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import websockets

from gbstream._connection import KEEP_ALIVE_S, Connection
from gbstream._wire import decode_records, encode_record

PING_EVERY_S = 0.2
#: The keeper runs the loop at most about 1.5 x KEEP_ALIVE_S after the last run; gbstream allows 30 s.
PONG_WITHIN_S = 2.0
assert PONG_WITHIN_S > 2 * KEEP_ALIVE_S


class PingingServer:
    """Says hello, answers `ping` records with `pong`, and pings the client: a late pong is a failure."""

    def __init__(self) -> None:
        self.late_pongs = 0
        self.pongs = 0
        #: Sent before every pong when set: a record without an id, as a rate-limit notice is.
        self.notice: dict[str, Any] | None = None
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Future[None] | None = None
        self._thread = threading.Thread(target=self._loop.run_until_complete, args=(self._serve(),), daemon=True)
        self._thread.start()
        assert self._ready.wait(5)

    async def _serve(self) -> None:
        self._stop = self._loop.create_future()
        async with websockets.serve(self._client, "127.0.0.1", 0, compression=None, ping_interval=None) as server:
            self.url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/ws"
            self._ready.set()
            await self._stop

    async def _client(self, ws: Any, *_: Any) -> None:
        await ws.send(encode_record({"type": "hello", "envs": 1, "width": 160, "height": 144}))
        pinger = asyncio.ensure_future(self._ping(ws))
        try:
            async for data in ws:
                for record in decode_records(data):
                    if record.get("type") == "ping":
                        if self.notice is not None:
                            await ws.send(encode_record(self.notice))
                        await ws.send(encode_record({"type": "pong", "id": record.get("id")}))
        except websockets.ConnectionClosed:
            pass
        finally:
            pinger.cancel()

    async def _ping(self, ws: Any) -> None:
        while True:
            await asyncio.sleep(PING_EVERY_S)
            pong = await ws.ping()
            try:
                await asyncio.wait_for(pong, PONG_WITHIN_S)
                self.pongs += 1
            except asyncio.TimeoutError:
                self.late_pongs += 1

    def close(self) -> None:
        self._loop.call_soon_threadsafe(lambda: self._stop is not None and self._stop.set_result(None))
        self._thread.join(5)


def test_an_idle_connection_answers_the_servers_pings_and_stays_usable() -> None:
    server = PingingServer()
    conn = Connection(server.url)
    try:
        assert conn.request({"type": "ping"})["type"] == "pong"
        time.sleep(3)  # the caller is busy: no call runs the loop, the keeper thread does
        assert server.pongs >= 2 and server.late_pongs == 0  # every ping answered, in time
        assert not conn.closed
        assert conn.request({"type": "ping"})["type"] == "pong"
    finally:
        conn.close()
        server.close()
    assert conn.closed


def test_an_error_without_an_id_ends_no_waiter() -> None:
    # The server answers each refused request by its id; a notice without one is about a record
    # that had none, and must not fail a request the server accepted.
    server = PingingServer()
    server.notice = {"type": "error", "code": "GBS_ERR_RATE_LIMITED", "message": "more than 50 records/s; records are being ignored"}
    conn = Connection(server.url)
    try:
        assert [a["type"] for a in conn.requests([{"type": "ping"}] * 3, timeout=5)] == ["pong"] * 3
    finally:
        conn.close()
        server.close()
