"""A connection over a Unix-domain stream socket (``gbstream serve --socket PATH``): no asyncio.

The server writes the same length-prefixed msgpack records as on ``/ws``, back to back with no
WebSocket framing, so a blocking socket in the calling thread is all a request needs: write the
records, then read until their answers are in. No loop, no keeper thread: the server answers its
own heartbeat for a stream peer (the kernel tells it when this process dies), so a caller busy
for minutes between steps is not cut off.

An answer's screens can go straight into the caller's array: ``submit(messages, into=[view])``
names, per message, a writable byte view of exactly the size of its answer's ``screen``. The
server writes ``screen`` as the record's last field, so once the bytes before it are in, the rest
of the record *is* the screens: they are received into the view (``recv_into``), with no bytes
object and no copy on the way, and the answer's ``screen`` is that view. An answer that does not
fit (another size, an older server) is decoded as usual.

``connect(url)`` picks this for ``unix:///path`` and the WebSocket ``Connection`` for ``ws://``.
"""
from __future__ import annotations

import socket
import struct
import time
from typing import Any, Iterable, Optional, Sequence

import msgpack

from ._wire import encode_record
from .errors import CONNECTION_CLOSED, TIMEOUT, GbstreamError

_LENGTH = struct.Struct(">I")
#: Largest record accepted from the server (as the WebSocket client's ``MAX_MESSAGE_BYTES``).
MAX_RECORD_BYTES = 1 << 24
#: Bytes read per ``recv``: 8 gray screens and their states fit in one.
READ_CHUNK = 1 << 18
_ANSWERS = ("obs", "obsBatch", "ack", "error", "pong", "machineState")
#: The key that, with its bin header, ends the bytes before an answer's screens (fixstr "screen").
_SCREEN_KEY = b"\xa6screen"


def bin_header(size: int) -> bytes:
    """The msgpack header of a ``bin`` of ``size`` bytes, as every msgpack encoder writes it."""
    if size < 1 << 8:
        return b"\xc4" + size.to_bytes(1, "big")
    if size < 1 << 16:
        return b"\xc5" + size.to_bytes(2, "big")
    return b"\xc6" + size.to_bytes(4, "big")


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
        self._into: dict[int, memoryview] = {}  # request id -> where its answer's screen goes
        self._tails: dict[int, bytes] = {}  # screen size -> the bytes just before such a screen
        #: Answers whose screens were received straight into the caller's view (for tests).
        self.screens_in_place = 0
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

    def submit(self, messages: Iterable[dict[str, Any]], into: Optional[Sequence[Optional[memoryview]]] = None) -> StreamSubmitted:
        """Writes the messages (one ``sendall``) and returns without their answers; ``wait`` gives them.

        ``into[k]``, when given, is a writable byte view that message k's answer's ``screen`` is
        received into (it must be exactly that size); the answer's ``screen`` is then that view.
        """
        if self._closed is not None:
            raise self._closed
        ids, records = [], []
        for k, message in enumerate(messages):
            request_id = self._next_id
            self._next_id = self._next_id + 1 if self._next_id < 2**32 else 1
            ids.append(request_id)
            records.append(encode_record({**message, "id": request_id}))
            view = into[k] if into is not None and k < len(into) else None
            if view is not None and len(view) > 0:
                self._into[request_id] = view
                if len(view) not in self._tails:
                    self._tails[len(view)] = _SCREEN_KEY + bin_header(len(view))
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
            for i in submitted.ids:
                self._into.pop(i, None)
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
                if self._into:
                    placed = self._screen_in_place(length, deadline)
                    if placed is not None:
                        return placed
                    available = self._end - self._start
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

    def _screen_in_place(self, length: int, deadline: Optional[float]) -> Optional[dict[str, Any]]:
        """Reads the record of ``length`` bytes whose start is buffered when it ends with a screen
        that a waiting request wants in its view: the bytes before the screen from the buffer,
        the screen into the view. None (nothing consumed) when it is not such a record."""
        for size in {len(v) for v in self._into.values()}:
            tail = self._tails[size]
            head = length - size  # the record's body up to its screen
            if head <= len(tail):
                continue
            self._make_room(_LENGTH.size + head)
            while self._end - self._start < _LENGTH.size + head:
                self._fill(deadline)
            begin = self._start + _LENGTH.size
            first = self._buffer[begin]
            if not 0x81 <= first <= 0x8F or self._view[begin + head - len(tail) : begin + head] != tail:
                continue
            # The map without its last entry (one fewer in the fixmap header): every field but the screen.
            try:
                record = msgpack.unpackb(bytes((first - 1,)) + self._view[begin + 1 : begin + head - len(tail)], raw=False)
            except Exception:
                continue
            view = self._into.get(record.get("id")) if isinstance(record, dict) else None
            if view is None or len(view) != size:
                continue
            start = begin + head
            have = min(self._end - start, size)
            view[:have] = self._view[start : start + have]
            if have < size:  # the buffer ends inside the screen: the rest goes straight into the view
                self._start = self._end = 0
                self._recv_exactly(view[have:], deadline)
            else:
                self._start = start + size
            record["screen"] = view
            self.screens_in_place += 1
            return record
        return None

    def _recv_exactly(self, view: memoryview, deadline: Optional[float]) -> None:
        got = 0
        while got < len(view):
            got += self._recv_into(view[got:], deadline)

    def _recv_into(self, view: memoryview, deadline: Optional[float]) -> int:
        """One `recv_into` before `deadline`: the bytes read (never 0: a closed peer raises)."""
        self._settimeout(deadline)
        try:
            count = self._sock.recv_into(view)
        except socket.timeout:
            raise GbstreamError(TIMEOUT, f"no answer from {self.url} within the timeout") from None
        except OSError as err:
            self._lost(f"connection lost ({err})")
        if count == 0:
            self._lost("the server closed the connection")
        return count

    def _settimeout(self, deadline: Optional[float]) -> None:
        if deadline is None:
            self._sock.settimeout(None)
            return
        left = deadline - time.monotonic()
        if left <= 0:
            raise GbstreamError(TIMEOUT, f"no answer from {self.url} within the timeout")
        self._sock.settimeout(left)

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
        self._end += self._recv_into(self._view[self._end :], deadline)

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
