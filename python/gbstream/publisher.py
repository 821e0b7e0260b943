"""Publish a trainer's envs to a gbstream hub: frames only while someone watches, state otherwise.

>>> from gbstream.publisher import Publisher
>>> pub = Publisher("ws://127.0.0.1:8080/ws", token="my-secret-token", envs=4,
...                 labels=[f"run-a/{i}" for i in range(4)])  # doctest: +SKIP
>>> pub.frame(0, screen, state={"badges": 2})  # screen: np.uint8 (144,160) / (144,160,3) / (144,160,4)  # doctest: +SKIP
>>> pub.wants(0)  # True while a viewer, a thumbnail grid or the recorder wants env 0  # doctest: +SKIP
>>> pub.progress({"step": 1200, "reward": 3.5})  # doctest: +SKIP
>>> pub.close()  # doctest: +SKIP

A background thread owns the socket (asyncio: Debian's websockets 10.4 has no sync client). The
training loop never waits on it: ``frame()`` only stores the newest frame of an env (a frame that
is replaced before it was sent counts in ``stats()["dropped"]``), and for an env nobody watches
it is a flag and clock check (see bench/publisher_frame_cost.py). The thread reconnects with
exponential backoff and full jitter, and announces the same labels again, so the hub gives the
envs their old ids back.
"""
from __future__ import annotations

import asyncio
import logging
import math
import os
import random
import socket
import threading
import time
from typing import Any, Callable, Mapping, Sequence, Union

import numpy as np
import websockets

from ._wire import decode_records, encode_record
from .errors import GbstreamError

SUBPROTOCOL = "gbstream.publish.v1"
"""The WebSocket subprotocol a publisher offers; the server gives such connections its publisher limits."""

_FORMATS = {1: "gray", 3: "rgb", 4: "rgba"}
# Refusals of auth or announce that a reconnect cannot fix: stop and raise instead of retrying
# forever. (GBS_ERR_UNKNOWN_TYPE: the server takes no publishers, e.g. `gbstream replay`;
# GBS_ERR_TOO_LARGE: the announce is over the hub's message limit, and would be again.)
_FATAL = {"GBS_ERR_CONTROL_DENIED", "GBS_ERR_AUTH_BLOCKED", "GBS_ERR_TOO_MANY_ENVS", "GBS_ERR_BAD_SIZE", "GBS_ERR_BAD_FIELD", "GBS_ERR_UNKNOWN_TYPE", "GBS_ERR_TOO_LARGE"}
_AUTH_ID = 0
_ANNOUNCE_ID = 1
# RFC 6455 "message too big": the hub (or its WebSocket layer, past its largest message) closed.
_CLOSE_TOO_BIG = 1009
# How often the I/O thread looks for pending frames: well under a frame interval at 60 fps.
_SEND_EVERY_S = 0.01

State = Mapping[str, Union[int, float]]
ScreenArg = Union[np.ndarray, Callable[[], np.ndarray]]
StateArg = Union[State, Callable[[], State], None]

log = logging.getLogger("gbstream.publisher")


class PublisherError(GbstreamError):
    """The hub refused this publisher for good (wrong token, too many envs, bad size); ``code`` says which."""


class Publisher:
    """Publishes ``envs`` envs to a gbstream hub (``gbstream hub``, or ``gbstream serve``).

    ``url`` is the hub's WebSocket URL (``ws://host:port/ws``); ``token`` its ``--control-token``
    (omit it for a hub started with ``--control open``). ``labels`` name the envs in the viewer
    (default: ``"<hostname>:<pid>/<i>"``, the same across reconnects, so the hub gives the envs their
    ids back). ``width``/``height``: the size of every
    screen (default 160×144, the Game Boy's).

    With ``gbstream hub --control-token my-secret-token`` running on port 8080:

    >>> import numpy as np
    >>> from gbstream.publisher import Publisher
    >>> pub = Publisher("ws://127.0.0.1:8080/ws", token="my-secret-token", envs=2, labels=["doc/0", "doc/1"])
    >>> pub.wait_ready()
    True
    >>> len(pub.env_ids)
    2
    >>> sent = pub.frame(0, np.zeros((144, 160, 3), np.uint8), state={"badges": 2})  # True only if wanted
    >>> pub.frame(1, np.zeros((144, 160), np.uint8), state={"badges": 0}) in (True, False)
    True
    >>> pub.close()
    """

    def __init__(
        self,
        url: str,
        token: str | None = None,
        envs: int = 1,
        labels: Sequence[str] | None = None,
        *,
        width: int = 160,
        height: int = 144,
        backoff: tuple[float, float] = (0.25, 30.0),
    ) -> None:
        if envs < 1:
            raise ValueError(f"envs must be at least 1, got {envs}")
        if labels is not None and len(labels) != envs:
            raise ValueError(f"{envs} envs but {len(labels)} labels")
        self._url = url
        self._token = token
        self._n = envs
        self._labels = list(labels) if labels is not None else [f"{socket.gethostname()[:40]}:{os.getpid()}/{i}" for i in range(envs)]  # labels: at most 64 characters
        self._width, self._height = width, height
        self._backoff = backoff
        # Written by the I/O thread, read by frame(): plain lists, one item store each (GIL-atomic).
        self._fps = [0.0] * envs
        self._next_frame = [math.inf] * envs
        self._next_state = [0.0] * envs
        self._state_interval = 0.5
        # Pending records, newest wins; the I/O thread takes them. _lock guards them and _stats
        # (both threads write both): held for a few item stores, or to swap the whole lists, so
        # a frame stored while the I/O thread takes the others is neither lost nor miscounted.
        self._lock = threading.Lock()
        self._frames: list[tuple[str, bytes, Any, Any] | None] = [None] * envs
        self._states: list[tuple[Any, Any] | None] = [None] * envs
        self._progress: dict[str, float] | None = None
        self._stats = {"frames": 0, "states": 0, "dropped": 0, "reconnects": 0, "errors": 0}
        self.env_ids: list[int] = []
        """Server env ids of this publisher's envs (after the hub answered the announce)."""
        self.last_error: PublisherError | None = None
        self._fatal: PublisherError | None = None
        self._ready = threading.Event()
        self._closing = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="gbstream-publisher", daemon=True)
        self._thread.start()

    # ---- training-loop side: never blocks -------------------------------------------------

    def wants(self, i: int) -> bool:
        """True while someone (a viewer, a thumbnail grid, the recorder) wants frames of env ``i``."""
        return self._fps[i] > 0

    def frame(self, i: int, screen: ScreenArg, state: StateArg = None, frame: int | None = None) -> bool:
        """Offers env ``i``'s screen (and state); returns True when the frame will be sent.

        ``screen`` is an ``np.uint8`` array of shape (H, W), (H, W, 3) or (H, W, 4) — or a
        function returning one, called only when the frame is wanted (so an unwatched env costs
        nothing more). ``state`` (numbers by name, or a function returning them) goes with the
        frame, or alone at the hub's state rate when nobody wants pixels. ``frame`` is your step
        or frame counter (default: the hub counts).

        Raises PublisherError once the hub refused this publisher for good (see ``wait_ready``).
        """
        if self._fatal is not None:
            raise self._fatal
        now = time.monotonic()
        if now < self._next_frame[i]:
            if state is not None and now >= self._next_state[i]:
                self.state(i, state, frame, now)
            return False
        interval = 1.0 / self._fps[i] if self._fps[i] > 0 else math.inf
        # Keep the cadence (so the average is the wanted fps at any step rate), but never two
        # frames closer than 0.9 interval: a viewer's fps cap drops frames that come sooner.
        self._next_frame[i] = max(self._next_frame[i] + interval, now + 0.9 * interval)
        self._next_state[i] = now + self._state_interval
        prepared = self._prepare(screen() if callable(screen) else screen, state() if callable(state) else state, frame)
        with self._lock:
            if self._frames[i] is not None:
                self._stats["dropped"] += 1  # the previous frame of env i was never sent
            self._frames[i] = prepared
        return True

    def state(self, i: int, state: StateArg, frame: int | None = None, now: float | None = None) -> None:
        """Offers env ``i``'s state alone (newest wins until the I/O thread sends it)."""
        if self._fatal is not None:
            raise self._fatal
        self._next_state[i] = (now if now is not None else time.monotonic()) + self._state_interval
        pending = (dict(state() if callable(state) else state or {}), frame)
        with self._lock:
            self._states[i] = pending

    def progress(self, values: Mapping[str, float]) -> None:
        """Training numbers for the viewer's Training panel (``step``, ``reward``, ``total``, …)."""
        if self._fatal is not None:
            raise self._fatal
        pending = {k: float(v) for k, v in values.items()}
        with self._lock:
            self._progress = pending

    def stats(self) -> dict[str, int]:
        """Records sent (``frames``, ``states``), frames ``dropped`` (replaced before sent, or not
        sendable), ``reconnects`` and server ``errors`` so far."""
        with self._lock:
            return dict(self._stats)

    @property
    def connected(self) -> bool:
        return self._ready.is_set()

    def wait_ready(self, timeout: float | None = 10.0) -> bool:
        """Waits until the hub accepted the announce; False after ``timeout`` (the hub is not there yet).

        Raises PublisherError when the hub refused this publisher for good: a wrong or missing
        token, more envs than it takes, a bad size or label, an announce over its message limit.
        The publisher does not reconnect after that, and ``frame``/``state``/``progress`` raise it too.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._ready.is_set():
            if self._fatal is not None:
                raise self._fatal
            if deadline is not None and time.monotonic() >= deadline:
                return False
            self._ready.wait(0.05)
        return True

    def close(self, timeout: float = 5.0) -> None:
        """Sends what is pending, closes the socket and stops the thread."""
        self._closing = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(wake.set)
            except RuntimeError:
                pass
        self._thread.join(timeout)

    def __enter__(self) -> "Publisher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _prepare(self, array: np.ndarray, state: Any, frame: int | None) -> tuple[str, bytes, Any, Any]:
        if not isinstance(array, np.ndarray) or array.dtype != np.uint8:
            raise TypeError(f"screen must be an np.uint8 array, got {getattr(array, 'dtype', type(array))}")
        channels = 1 if array.ndim == 2 else array.shape[2] if array.ndim == 3 else 0
        if array.shape[:2] != (self._height, self._width) or channels not in _FORMATS:
            raise ValueError(f"screen must have shape ({self._height}, {self._width}[, 3|4]), got {array.shape}")
        # tobytes() copies: emulators reuse their screen buffer for the next frame.
        return (_FORMATS[channels], array.tobytes(), dict(state) if state is not None else None, frame)

    # ---- I/O thread ----------------------------------------------------------------------

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception:  # never let the thread die silently
            log.exception("gbstream publisher thread failed")

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        low, high = self._backoff
        ceiling = low
        first = True
        while not self._closing and self._fatal is None:
            if not first:
                with self._lock:
                    self._stats["reconnects"] += 1
            first = False
            try:
                async with websockets.connect(self._url, subprotocols=[SUBPROTOCOL], max_size=2**20, open_timeout=10, close_timeout=2) as ws:  # type: ignore[list-item]
                    ceiling = low
                    await self._session(ws)
            except (OSError, asyncio.TimeoutError, websockets.exceptions.WebSocketException) as err:
                log.debug("gbstream publisher connection failed: %s", err)
            self._disconnected()
            if self._closing or self._fatal is not None:
                break
            # Full jitter: many trainers restarting together don't reconnect in lockstep.
            try:
                await asyncio.wait_for(self._wake.wait(), random.uniform(0, ceiling))
            except asyncio.TimeoutError:
                pass
            ceiling = min(high, ceiling * 2)

    def _disconnected(self) -> None:
        self._ready.clear()
        for i in range(self._n):
            self._fps[i] = 0.0
            self._next_frame[i] = math.inf
        with self._lock:
            self._stats["dropped"] += sum(f is not None for f in self._frames)
            self._frames = [None] * self._n

    async def _session(self, ws: Any) -> None:
        # auth alone first: before it, the hub takes only small messages, and an announce of
        # many envs is tens of KB. Both go out at once; the hub handles them in order.
        if self._token is not None:
            await ws.send(encode_record({"type": "auth", "id": _AUTH_ID, "token": self._token}))
        announce: dict[str, Any] = {"type": "announce", "id": _ANNOUNCE_ID, "envs": self._n, "labels": self._labels, "width": self._width, "height": self._height}
        await ws.send(encode_record(announce))
        max_bytes = 1 << 20
        receiver = asyncio.ensure_future(self._receive(ws))
        try:
            while not receiver.done():
                if self._ready.is_set():
                    for batch in self._batches(max_bytes):
                        await ws.send(batch)  # waits while the socket drains; newer frames replace pending ones meanwhile
                if self._closing or self._fatal is not None:
                    break
                await asyncio.sleep(_SEND_EVERY_S)
        finally:
            receiver.cancel()
            if receiver.done() and not receiver.cancelled() and receiver.exception() is not None:
                log.debug("gbstream publisher connection lost: %s", receiver.exception())
            if self._closing or self._fatal is not None:
                await ws.close()
        if ws.close_code == _CLOSE_TOO_BIG and not self._ready.is_set():
            # Closed as too big before the announce was accepted (past the WebSocket layer's limit
            # there is no error record): the same announce would be refused again.
            self._refused_for_good(PublisherError("GBS_ERR_TOO_LARGE", f"the hub closed the connection as too big (1009) before accepting the announce of {self._n} envs"))

    async def _receive(self, ws: Any) -> None:
        async for message in ws:
            if not isinstance(message, bytes):
                continue
            for record in decode_records(message):
                self._on_record(record)

    def _on_record(self, record: dict[str, Any]) -> None:
        kind = record.get("type")
        if kind == "announced":
            self.env_ids = list(record.get("envs", []))
            self._ready.set()
        elif kind == "demand":
            state_fps = float(record.get("stateFps") or 0)
            self._state_interval = 1.0 / state_fps if state_fps > 0 else math.inf
            now = time.monotonic()
            for i, fps in enumerate(record.get("fps", [])[: self._n]):
                was = self._fps[i]
                self._fps[i] = float(fps)
                if fps <= 0:
                    self._next_frame[i] = math.inf
                elif was <= 0:
                    self._next_frame[i] = now  # newly wanted: the next frame() sends
        elif kind == "error":
            err = PublisherError(str(record.get("code")), str(record.get("message")))
            with self._lock:
                self._stats["errors"] += 1
                errors = self._stats["errors"]
            self.last_error = err
            # Before the announce is accepted, a refusal of auth or announce (by id, or without
            # one: a message over the limit) is for good; later ones are about a single record.
            answers_hello = record.get("id") in (_AUTH_ID, _ANNOUNCE_ID) or (record.get("id") is None and not self._ready.is_set())
            if answers_hello and err.code in _FATAL:
                self._refused_for_good(err)
            elif errors <= 10 or errors % 1000 == 0:
                log.warning("gbstream hub: %s (%d errors so far)", err, errors)

    def _refused_for_good(self, err: PublisherError) -> None:
        if self._fatal is None:  # the first refusal says why; a close that follows adds nothing
            self._fatal = err
            log.error("gbstream hub refused this publisher: %s", err)

    def _batches(self, max_bytes: int) -> list[bytes]:
        with self._lock:  # take everything pending at once; frame() fills fresh lists meanwhile
            states, self._states = self._states, [None] * self._n
            frames, self._frames = self._frames, [None] * self._n
            progress, self._progress = self._progress, None
            self._stats["states"] += sum(s is not None for s in states)
            self._stats["frames"] += sum(f is not None for f in frames)
        records: list[bytes] = []
        for i in range(self._n):
            st = states[i]
            if st is not None:
                msg = {"type": "pub_state", "env": i, "state": st[0]}
                if st[1] is not None:
                    msg["frame"] = int(st[1])
                records.append(encode_record(msg))
            pending = frames[i]
            if pending is not None:
                fmt, data, state, frame = pending
                msg: dict[str, Any] = {"type": "pub_frame", "env": i, "format": fmt, "data": data}
                if state is not None:
                    msg["state"] = state
                if frame is not None:
                    msg["frame"] = int(frame)
                records.append(encode_record(msg))
        if progress is not None:
            records.append(encode_record({"type": "progress", "values": progress}))
        batches, current, size = [], [], 0
        for rec in records:
            if current and size + len(rec) > max_bytes:
                batches.append(b"".join(current))
                current, size = [], 0
            current.append(rec)
            size += len(rec)
        if current:
            batches.append(b"".join(current))
        return batches
