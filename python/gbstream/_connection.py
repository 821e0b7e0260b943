"""A WebSocket to a gbstream server for plain, synchronous code.

Debian's websockets 10.4 has no synchronous client, so a daemon thread runs an asyncio loop that
owns the socket: it reads every record as it arrives (answering the server's heartbeat pings even
while the caller is busy, say, training a network for minutes) and hands answers to the calling
thread by request id.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any, Coroutine, Iterable, TypeVar

import websockets

from ._wire import decode_records, encode_record
from .errors import CONNECTION_CLOSED, TIMEOUT, GbstreamError

T = TypeVar("T")

#: Largest message accepted from the server: 64 rgba screens are 5.9 MB; the server's own cap is 16 MiB.
MAX_MESSAGE_BYTES = 1 << 24


class Connection:
    """One connection; every method may be called from any one thread at a time.

    >>> conn = Connection("ws://127.0.0.1:8080/ws")   # doctest: +SKIP
    >>> conn.hello["envs"]                              # doctest: +SKIP
    8
    >>> conn.request({"type": "ping"})["type"]          # doctest: +SKIP
    'pong'
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float | None = 60.0,
        connect_timeout: float = 10.0,
        greeting: Iterable[dict[str, Any]] = (),
    ) -> None:
        """Connects and waits for the server's hello.

        ``greeting`` messages are sent right after the handshake, before anything else and
        unanswered (no id): a ``subscribe`` here leaves no moment in which the server counts this
        connection as a viewer wanting every frame.
        """
        self.url = url
        self.timeout = timeout
        self._loop = asyncio.new_event_loop()
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._next_id = 1
        self._ws: Any = None
        self._hello: asyncio.Future[dict[str, Any]] | None = None
        self._closed: GbstreamError | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="gbstream-connection", daemon=True)
        self._thread.start()
        try:
            self.hello: dict[str, Any] = self._call(self._open(connect_timeout, list(greeting)), connect_timeout + 1)
        except BaseException:
            self._stop_loop()
            raise

    # -- synchronous API -------------------------------------------------------------------

    def request(self, message: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        """Sends one message and returns the server's answer to it (raises its ``error``)."""
        return self._call(self._request(message), timeout if timeout is not None else self.timeout)

    def requests(self, messages: Iterable[dict[str, Any]], timeout: float | None = None) -> list[dict[str, Any]]:
        """Sends messages back to back and returns their answers in order.

        The server works on them at once (different envs step in parallel). When one is refused,
        the first error is raised once every answer is in, so no request is left running.
        """
        return self.wait(self.submit(messages), timeout)

    def submit(self, messages: Iterable[dict[str, Any]]) -> "concurrent.futures.Future[list[dict[str, Any]]]":
        """Sends messages back to back without waiting; ``wait`` on the result gives their answers.

        Several submissions may be in flight at once (on different envs they step in parallel):
        this is how a VectorEnv keeps the server's envs busy while the caller works.
        """
        return self._submit(self._gather(list(messages)))

    def wait(self, future: "concurrent.futures.Future[T]", timeout: float | None = None) -> T:
        """The result of ``submit``: the answers in order, or the first error (``GBS_ERR_TIMEOUT`` after ``timeout``)."""
        timeout = timeout if timeout is not None else self.timeout
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise GbstreamError(TIMEOUT, f"no answer from {self.url} within {timeout} s") from None

    @property
    def closed(self) -> bool:
        """True once the socket is gone (closed by either side) or close() was called."""
        return self._closed is not None or self._loop.is_closed()

    def close(self) -> None:
        """Closes the socket (the server gives back every env this connection drove)."""
        if self._loop.is_closed():
            return
        if self._ws is not None and self._closed is None:
            try:
                self._call(self._ws.close(), 5)
            except GbstreamError:
                pass
        self._stop_loop()

    # -- inside the loop's thread ----------------------------------------------------------

    async def _open(self, connect_timeout: float, greeting: list[dict[str, Any]]) -> dict[str, Any]:
        try:
            # compression off: screens are incompressible noise to deflate, and it costs CPU.
            self._ws = await websockets.connect(self.url, max_size=MAX_MESSAGE_BYTES, compression=None, open_timeout=connect_timeout)
        except (OSError, asyncio.TimeoutError, websockets.WebSocketException) as err:
            raise GbstreamError(CONNECTION_CLOSED, f"cannot connect to {self.url}: {err}") from None
        self._hello = self._loop.create_future()
        asyncio.ensure_future(self._read())
        for message in greeting:
            await self._ws.send(encode_record(message))
        return await self._hello

    async def _read(self) -> None:
        reason = "the server closed the connection"
        try:
            async for data in self._ws:
                if isinstance(data, bytes):
                    for record in decode_records(data):
                        self._dispatch(record)
        except websockets.ConnectionClosed as err:
            reason = f"connection closed ({err})"
        except Exception as err:  # a broken record: nothing sensible can follow on this socket
            reason = f"unreadable message from the server: {err}"
            await self._ws.close()
        self._closed = GbstreamError(CONNECTION_CLOSED, f"{reason}; url {self.url}")
        for future in [*self._pending.values(), self._hello]:
            if future is not None and not future.done():
                future.set_exception(self._closed)
        self._pending.clear()

    def _dispatch(self, record: dict[str, Any]) -> None:
        kind = record.get("type")
        if kind == "hello" and self._hello is not None and not self._hello.done():
            self._hello.set_result(record)
            return
        if kind == "error" and record.get("id") is None and record.get("code") == "GBS_ERR_RATE_LIMITED":
            # The server drops messages past the rate limit without saying which: none will be answered.
            error = GbstreamError(str(record["code"]), str(record.get("message")))
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(error)
            self._pending.clear()
            return
        future = self._pending.pop(record.get("id"), None) if kind in ("obs", "obsBatch", "ack", "error", "pong", "machineState") else None
        if future is None or future.done():
            return  # frames, stats, progress and events are for viewers
        if kind == "error":
            future.set_exception(GbstreamError(str(record.get("code")), str(record.get("message"))))
        else:
            future.set_result(record)

    async def _request(self, message: dict[str, Any]) -> dict[str, Any]:
        if self._closed is not None:
            raise self._closed
        request_id = self._next_id
        self._next_id = self._next_id + 1 if self._next_id < 2**32 else 1
        future: asyncio.Future[dict[str, Any]] = self._loop.create_future()
        self._pending[request_id] = future
        try:
            await self._ws.send(encode_record({**message, "id": request_id}))
            return await future
        except websockets.ConnectionClosed:
            raise self._closed or GbstreamError(CONNECTION_CLOSED, f"connection closed; url {self.url}") from None
        finally:
            self._pending.pop(request_id, None)

    async def _gather(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        answers = await asyncio.gather(*(self._request(m) for m in messages), return_exceptions=True)
        for answer in answers:
            if isinstance(answer, BaseException):
                raise answer
        return answers  # type: ignore[return-value]

    # -- plumbing --------------------------------------------------------------------------

    def _submit(self, coroutine: Coroutine[Any, Any, T]) -> "concurrent.futures.Future[T]":
        if self._loop.is_closed():
            coroutine.close()
            raise GbstreamError(CONNECTION_CLOSED, f"connection to {self.url} is closed")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    def _call(self, coroutine: Coroutine[Any, Any, T], timeout: float | None) -> T:
        return self.wait(self._submit(coroutine), timeout)

    def _stop_loop(self) -> None:
        async def cancel_the_rest() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        try:
            asyncio.run_coroutine_threadsafe(cancel_the_rest(), self._loop).result(5)
        except (concurrent.futures.TimeoutError, RuntimeError):
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        if not self._thread.is_alive():
            self._loop.close()
