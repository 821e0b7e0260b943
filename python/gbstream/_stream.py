"""A connection over a Unix-domain stream socket (``gbstream serve --socket PATH``): no asyncio.

The server writes the same length-prefixed msgpack records as on ``/ws``, back to back with no
WebSocket framing, so a blocking socket in the calling thread is all a request needs: write the
records, then read until their answers are in. No loop, no keeper thread: the server answers its
own heartbeat for a stream peer (the kernel tells it when this process dies), so a caller busy
for minutes between steps is not cut off.

``connect(url)`` picks this for ``unix:///path`` and the WebSocket ``Connection`` for ``ws://``.
"""
from __future__ import annotations

import socket
import struct
import time
from typing import Any, Iterable

import msgpack

from ._wire import encode_record
from .errors import CONNECTION_CLOSED, TIMEOUT, GbstreamError

_LENGTH = struct.Struct(">I")
#: Largest record accepted from the server (as the WebSocket client's ``MAX_MESSAGE_BYTES``).
MAX_RECORD_BYTES = 1 << 24
#: Bytes read per ``recv``: 8 gray screens and their states fit in one.
READ_CHUNK = 1 << 18
_ANSWERS = ("obs", "obsBatch", "ack", "error", "pong", "machineState")


class StreamSubmitted:
    """Request ids sent by ``StreamConnection.submit``; ``wait`` collects their answers."""

    def __init__(self, ids: list[int]) -> None:
        self.ids = ids


class StreamConnection:
    """One Unix-socket connection with ``Connection``'s API; one thread at a time.

    >>> conn = StreamConnection("unix:///tmp/gbstream.sock")   # doctest: +SKIP
    >>> conn.request({"type": "ping"})["type"]                 # doctest: +SKIP
    'pong'
    """

    def __init__(self, url: str, *, timeout: float | None = 60.0, connect_timeout: float = 10.0, greeting: Iterable[dict[str, Any]] = ()) -> None:
        self.url = url
        self.timeout = timeout
        path = url[len("unix://") :]
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._buffer = bytearray(READ_CHUNK)
        self._view = memoryview(self._buffer)
        self._start = 0  # unread bytes are self._buffer[self._start:self._end]
        self._end = 0
        self._answers: dict[int, dict[str, Any]] = {}
        self._waiting: set[int] = set()
        self._next_id = 1
        self._closed: GbstreamError | None = None
        try:
            self._sock.settimeout(connect_timeout)
            self._sock.connect(path)
        except OSError as err:
            self._sock.close()
            raise GbstreamError(CONNECTION_CLOSED, f"cannot connect to {url}: {err}") from None
        greeting = list(greeting)
        if greeting:
            self._write(b"".join(encode_record(m) for m in greeting))
        deadline = time.monotonic() + connect_timeout
        while True:
            record = self._read_record(deadline)
            if record.get("type") == "hello":
                self.hello: dict[str, Any] = record
                break

    def request(self, message: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        """Sends one message and returns the server's answer to it (raises its ``error``)."""
        return self.requests([message], timeout)[0]

    def requests(self, messages: Iterable[dict[str, Any]], timeout: float | None = None) -> list[dict[str, Any]]:
        """Sends messages in one write and returns their answers in order (the first error raised
        once every answer is in, so no request is left running)."""
        return self.wait(self.submit(messages), timeout)

    def submit(self, messages: Iterable[dict[str, Any]]) -> StreamSubmitted:
        """Writes the messages (one ``sendall``) and returns without their answers; ``wait`` gives them."""
        if self._closed is not None:
            raise self._closed
        ids, records = [], []
        for message in messages:
            request_id = self._next_id
            self._next_id = self._next_id + 1 if self._next_id < 2**32 else 1
            ids.append(request_id)
            records.append(encode_record({**message, "id": request_id}))
        self._waiting.update(ids)
        self._write(b"".join(records))
        return StreamSubmitted(ids)

    def wait(self, submitted: StreamSubmitted, timeout: float | None = None) -> list[dict[str, Any]]:
        """The answers to ``submit``'s messages in order, or the first error (``GBS_ERR_TIMEOUT`` after ``timeout``)."""
        limit = timeout if timeout is not None else self.timeout
        deadline = None if limit is None else time.monotonic() + limit
        try:
            while not all(i in self._answers for i in submitted.ids):
                record = self._read_record(deadline)
                request_id = record.get("id")
                if record.get("type") in _ANSWERS and request_id in self._waiting:
                    self._answers[request_id] = record
        finally:
            self._waiting.difference_update(submitted.ids)
        answers = [self._answers.pop(i) for i in submitted.ids]
        for answer in answers:
            if answer.get("type") == "error":
                raise GbstreamError(str(answer.get("code")), str(answer.get("message")))
        return answers

    @property
    def closed(self) -> bool:
        """True once the socket is gone (closed by either side) or close() was called."""
        return self._closed is not None

    def close(self) -> None:
        """Closes the socket (the server gives back every env this connection drove). Idempotent."""
        if self._closed is None:
            self._closed = GbstreamError(CONNECTION_CLOSED, f"connection to {self.url} is closed")
        self._sock.close()

    # -- bytes ----------------------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        try:
            self._sock.settimeout(self.timeout)
            self._sock.sendall(data)
        except OSError as err:
            self._lost(f"cannot send ({err})")

    def _read_record(self, deadline: float | None) -> dict[str, Any]:
        """The next record from the socket, reading as needed until ``deadline``."""
        while True:
            available = self._end - self._start
            if available >= _LENGTH.size:
                (length,) = _LENGTH.unpack_from(self._buffer, self._start)
                if length > MAX_RECORD_BYTES:
                    self._lost(f"unreadable stream from the server: a record of {length} bytes")
                if available >= _LENGTH.size + length:
                    begin = self._start + _LENGTH.size
                    self._start = begin + length
                    try:
                        record = msgpack.unpackb(self._view[begin : self._start], raw=False)
                    except Exception as err:  # a broken record: nothing sensible can follow
                        self._lost(f"unreadable record from the server: {err}")
                    if isinstance(record, dict):
                        return record
                    continue
                self._make_room(_LENGTH.size + length)
            self._fill(deadline)

    def _make_room(self, need: int) -> None:
        """Moves the unread bytes to the front, growing the buffer when one record needs more."""
        if self._start + need <= len(self._buffer):
            return
        unread = self._end - self._start
        if need > len(self._buffer):
            grown = bytearray(max(need, 2 * len(self._buffer)))
            grown[:unread] = self._view[self._start : self._end]
            self._buffer, self._view = grown, memoryview(grown)
        else:
            self._buffer[:unread] = self._view[self._start : self._end]
        self._start, self._end = 0, unread

    def _fill(self, deadline: float | None) -> None:
        if self._closed is not None:
            raise self._closed
        if self._end == len(self._buffer):
            self._make_room(self._end - self._start + READ_CHUNK)
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise GbstreamError(TIMEOUT, f"no answer from {self.url} within the timeout")
            self._sock.settimeout(left)
        else:
            self._sock.settimeout(None)
        try:
            count = self._sock.recv_into(self._view[self._end :])
        except socket.timeout:
            raise GbstreamError(TIMEOUT, f"no answer from {self.url} within the timeout") from None
        except OSError as err:
            self._lost(f"connection lost ({err})")
        if count == 0:
            self._lost("the server closed the connection")
        self._end += count

    def _lost(self, reason: str) -> None:
        self._closed = GbstreamError(CONNECTION_CLOSED, f"{reason}; url {self.url}")
        self._sock.close()
        raise self._closed


def connect(url: str, **options: Any) -> Any:
    """A ``StreamConnection`` for ``unix:///path``, the WebSocket ``Connection`` for ``ws://``/``wss://``."""
    if url.startswith("unix://"):
        return StreamConnection(url, **options)
    if url.startswith(("ws://", "wss://")):
        from ._connection import Connection

        return Connection(url, **options)
    raise ValueError(f"url must be ws://host:port/ws or unix:///path/to.sock, got {url!r}")
