"""A WebSocket to a gbstream server for plain, synchronous code.

Debian's websockets 10.4 has no synchronous client, so an asyncio loop owns the socket, and the
thread that calls runs it: a request sends, then runs the loop until its answer is in, with no
hand-off to another thread and back (two thread wake-ups a step, which on a busy 2-core VM cost
more than the step's own work on this side). Between calls a keeper thread runs the loop for a
moment every ``KEEP_ALIVE_S`` the caller leaves it idle, so the server's heartbeat pings are
answered even while the caller is busy, say, training a network for minutes.

The keeper thread and the reader task hold no strong reference to the Connection: one that
nobody uses any more (``del env`` of a VectorEnv) is garbage-collected, and its finaliser has
the keeper close the socket, so the server gives its envs back.
"""
from __future__ import annotations

import asyncio
import threading
import time
import weakref
from typing import Any, Coroutine, Iterable, TypeVar

import websockets

from ._wire import decode_records, encode_record
from .errors import CONNECTION_CLOSED, TIMEOUT, GbstreamError

T = TypeVar("T")

#: Largest message accepted from the server: 64 rgba screens are 5.9 MB; the server's own cap is 16 MiB.
MAX_MESSAGE_BYTES = 1 << 24

#: Seconds the loop may go unrun before the keeper thread runs it (the server's heartbeat allows 30).
KEEP_ALIVE_S = 0.5


class Submitted:
    """Requests sent by ``Connection.submit``, whose answers ``Connection.wait`` collects."""

    def __init__(self, pending: list[tuple[int, "asyncio.Future[dict[str, Any]]"]]) -> None:
        self.pending = pending


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
        self._driver = _Driver(url)
        self._loop = self._driver.loop
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._next_id = 1
        self._ws: Any = None
        self._hello: asyncio.Future[dict[str, Any]] | None = None
        self._closed: GbstreamError | None = None
        try:
            self.hello: dict[str, Any] = self._run(self._open(connect_timeout, list(greeting)), connect_timeout + 1)
        except BaseException:
            self._driver.shutdown()
            raise
        self._keeper = threading.Thread(target=self._driver.keep_alive, name="gbstream-connection", daemon=True)
        self._keeper.start()
        # Not closed by its owner: when it is collected, the keeper closes the socket.
        self._finalizer = weakref.finalize(self, self._driver.abandon, self._keeper)

    # -- synchronous API -------------------------------------------------------------------

    def request(self, message: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        """Sends one message and returns the server's answer to it (raises its ``error``)."""
        return self.requests([message], timeout)[0]

    def requests(self, messages: Iterable[dict[str, Any]], timeout: float | None = None) -> list[dict[str, Any]]:
        """Sends messages back to back and returns their answers in order.

        The server works on them at once (different envs step in parallel). When one is refused,
        the first error is raised once every answer is in, so no request is left running.
        """
        return self.wait(self.submit(messages), timeout)

    def submit(self, messages: Iterable[dict[str, Any]], into: Any = None) -> Submitted:
        """Sends messages back to back and returns once they are written, without their answers.

        ``wait`` on the result gives them. Several submissions may be in flight at once (on
        different envs they step in parallel): this is how a VectorEnv keeps the server's envs
        busy while the caller works. ``into`` is ignored: a WebSocket message is decoded whole
        (``StreamConnection`` receives screens in place).
        """
        return Submitted(self._run(self._send(list(messages)), self.timeout))

    def wait(self, submitted: Submitted, timeout: float | None = None) -> list[dict[str, Any]]:
        """The answers to ``submit``'s messages in order, or the first error (``GBS_ERR_TIMEOUT`` after ``timeout``)."""
        return self._run(self._answers(submitted.pending), timeout if timeout is not None else self.timeout)

    @property
    def closed(self) -> bool:
        """True once the socket is gone (closed by either side) or close() was called."""
        return self._closed is not None or self._loop.is_closed()

    def close(self) -> None:
        """Closes the socket (the server gives back every env this connection drove)."""
        self._finalizer.detach()
        self._driver.close(self._closed is None)

    # -- run by the loop (in whichever thread holds the lock) -------------------------------

    async def _open(self, connect_timeout: float, greeting: list[dict[str, Any]]) -> dict[str, Any]:
        try:
            # compression off: screens are incompressible noise to deflate, and it costs CPU.
            self._ws = await websockets.connect(self.url, max_size=MAX_MESSAGE_BYTES, compression=None, open_timeout=connect_timeout)
        except (OSError, asyncio.TimeoutError, websockets.WebSocketException) as err:
            raise GbstreamError(CONNECTION_CLOSED, f"cannot connect to {self.url}: {err}") from None
        self._driver.ws = self._ws
        self._hello = self._loop.create_future()
        asyncio.ensure_future(_read(weakref.ref(self), self._ws))
        for message in greeting:
            await self._ws.send(encode_record(message))
        return await self._hello

    def _lost(self, reason: str) -> None:
        """The socket is gone: every waiter ends with GBS_ERR_CONNECTION_CLOSED."""
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
        # The server answers every request it refuses by its id, GBS_ERR_RATE_LIMITED included; an
        # error without an id is about a record that had none, so no waiter ends with it (one
        # that did could fail a request the server accepted and is still working on).
        future = self._pending.pop(record.get("id"), None) if kind in ("obs", "obsBatch", "ack", "error", "pong", "machineState") else None
        if future is None or future.done():
            return  # frames, stats, progress and events are for viewers
        if kind == "error":
            future.set_exception(GbstreamError(str(record.get("code")), str(record.get("message"))))
        else:
            future.set_result(record)

    async def _send(self, messages: list[dict[str, Any]]) -> list[tuple[int, asyncio.Future[dict[str, Any]]]]:
        if self._closed is not None:
            raise self._closed
        sent: list[tuple[int, asyncio.Future[dict[str, Any]]]] = []
        try:
            for message in messages:
                request_id = self._next_id
                self._next_id = self._next_id + 1 if self._next_id < 2**32 else 1
                future: asyncio.Future[dict[str, Any]] = self._loop.create_future()
                self._pending[request_id] = future
                sent.append((request_id, future))
                await self._ws.send(encode_record({**message, "id": request_id}))
        except BaseException as err:
            for request_id, _ in sent:
                self._pending.pop(request_id, None)
            if isinstance(err, websockets.ConnectionClosed):
                raise self._closed or GbstreamError(CONNECTION_CLOSED, f"connection closed; url {self.url}") from None
            raise
        return sent

    async def _answers(self, pending: list[tuple[int, asyncio.Future[dict[str, Any]]]]) -> list[dict[str, Any]]:
        try:
            answers = await asyncio.gather(*(future for _, future in pending), return_exceptions=True)
        finally:  # answered, or given up on (a timeout): either way no longer pending
            for request_id, _ in pending:
                self._pending.pop(request_id, None)
        for answer in answers:
            if isinstance(answer, BaseException):
                raise answer
        return answers  # type: ignore[return-value]

    # -- plumbing --------------------------------------------------------------------------

    def _run(self, coroutine: Coroutine[Any, Any, T], timeout: float | None) -> T:
        return self._driver.run(coroutine, timeout)


async def _read(ref: "weakref.ref[Connection]", ws: Any) -> None:
    """Reads the socket and hands records to the Connection, if it is still there (a weak reference:
    this task must not keep an abandoned Connection alive)."""
    reason = "the server closed the connection"
    try:
        async for data in ws:
            if isinstance(data, bytes):
                records = list(decode_records(data))
                conn = ref()
                if conn is None:
                    return
                for record in records:
                    conn._dispatch(record)
                del conn
    except websockets.ConnectionClosed as err:
        reason = f"connection closed ({err})"
    except Exception as err:  # a broken record: nothing sensible can follow on this socket
        reason = f"unreadable message from the server: {err}"
        await ws.close()
    conn = ref()
    if conn is not None:
        conn._lost(reason)


class _Driver:
    """The loop, the lock that says who runs it, and the socket: what the keeper thread needs and a
    finaliser may touch, with no reference back to the Connection."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.loop = asyncio.new_event_loop()
        self.lock = threading.Lock()  # whoever holds it runs the loop
        self.last_run = time.monotonic()
        self.stopping = threading.Event()
        self.ws: Any = None

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float | None) -> T:
        """Runs the loop in this thread until ``coroutine`` is done (``GBS_ERR_TIMEOUT`` after ``timeout``)."""
        with self.lock:
            if self.loop.is_closed():
                coroutine.close()
                raise GbstreamError(CONNECTION_CLOSED, f"connection to {self.url} is closed")
            try:
                return self.loop.run_until_complete(asyncio.wait_for(coroutine, timeout))
            except asyncio.TimeoutError:
                raise GbstreamError(TIMEOUT, f"no answer from {self.url} within {timeout} s") from None
            finally:
                self.last_run = time.monotonic()

    def keep_alive(self) -> None:
        """The keeper thread: runs the loop for a moment whenever the caller has left it idle for
        ``KEEP_ALIVE_S``; once stopping, closes the socket unless ``close`` did (an abandoned Connection)."""
        while not self.stopping.wait(KEEP_ALIVE_S / 2):
            if time.monotonic() - self.last_run < KEEP_ALIVE_S or not self.lock.acquire(blocking=False):
                continue
            try:
                if self.loop.is_closed():
                    return
                self.loop.run_until_complete(asyncio.sleep(0.005))  # pings answered, records read
            finally:
                self.last_run = time.monotonic()
                self.lock.release()
        self.close(True)

    def abandon(self, keeper: threading.Thread) -> None:
        """The Connection was collected without ``close()``: the keeper closes the socket (so the
        server gives its envs back) and is waited for, unless this runs on the keeper itself."""
        self.stopping.set()
        if threading.current_thread() is not keeper:
            keeper.join(10)

    def close(self, handshake: bool) -> None:
        """Closes the socket (with the close handshake when ``handshake``) and the loop; idempotent."""
        if self.loop.is_closed():
            return
        self.stopping.set()
        if handshake and self.ws is not None:
            try:
                self.run(self.ws.close(), 5)
            except GbstreamError:
                pass
        self.shutdown()

    def shutdown(self) -> None:
        async def cancel_the_rest() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        self.stopping.set()
        with self.lock:
            if self.loop.is_closed():
                return
            try:
                self.loop.run_until_complete(cancel_the_rest())
            except RuntimeError:
                pass
            self.loop.close()
