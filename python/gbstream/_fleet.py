"""One connection's API over several servers: the envs of a VectorEnv that spans machines.

The VectorEnv numbers its envs 0..n-1 ("global" ids) and sends its usual batched requests; a
``Fleet`` splits each by server (server j runs global ids ``first[j]``.. as its envs 0..), writes
every server's part before waiting for any (so all servers step at once), and joins the answers
back in the request's order. Requests about one env go to its server; the rest (``auth``,
``progress``) go to every server.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional, Sequence

from ._stream import connect
from .errors import GbstreamError

#: Per-env lists of a batched request, split with its ``envs``.
_PER_ENV = ("actions", "states")


class FleetSubmitted:
    def __init__(self, plans: list[list[tuple[int, list[int], int]]], handles: list[Any], into: list[Optional[memoryview]]) -> None:
        self.plans = plans  # per message: (server, positions in the message's envs, index in that server's submission)
        self.handles = handles  # per server: its connection's submission (None: nothing sent)
        self.into = into  # per message: the view its screens go to (None: joined from the parts)


class Fleet:
    """Connections to ``urls``, server j driving ``counts[j]`` envs (its ids 0..counts[j]-1)."""

    def __init__(self, urls: Sequence[str], counts: Sequence[int], *, timeout: float | None, greeting: Iterable[dict[str, Any]] = ()) -> None:
        self.url = list(urls)
        self.timeout = timeout
        self.conns: list[Any] = []
        greeting = list(greeting)
        try:
            for url in urls:
                self.conns.append(connect(url, timeout=timeout, greeting=greeting))
        except BaseException:
            self.close()
            raise
        self.server_of: list[int] = []
        self.local_of: list[int] = []
        first = self.conns[0].hello
        for j, (conn, count) in enumerate(zip(self.conns, counts)):
            if int(conn.hello["envs"]) < count:
                self.close()
                raise GbstreamError("GBS_ERR_NO_SUCH_ENV", f"{urls[j]} runs {conn.hello['envs']} envs; this VectorEnv puts {count} there")
            if (conn.hello["width"], conn.hello["height"]) != (first["width"], first["height"]):
                self.close()
                raise GbstreamError("GBS_ERR_BAD_FIELD", f"{urls[j]} has {conn.hello['width']}×{conn.hello['height']} screens, {urls[0]} {first['width']}×{first['height']}")
            self.server_of += [j] * count
            self.local_of += list(range(count))
        self.hello: dict[str, Any] = {**first, "envs": len(self.server_of)}

    def where(self, env: int) -> tuple[str, int]:
        """The server URL and its env id of global env ``env``."""
        return self.url[self.server_of[env]], self.local_of[env]

    def request(self, message: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        return self.requests([message], timeout)[0]

    def requests(self, messages: Iterable[dict[str, Any]], timeout: float | None = None) -> list[dict[str, Any]]:
        return self.wait(self.submit(messages), timeout)

    def submit(self, messages: Iterable[dict[str, Any]], into: Optional[Sequence[Optional[memoryview]]] = None) -> FleetSubmitted:
        """Splits and writes the messages; ``into[k]`` (as ``StreamConnection.submit``) is cut into
        each server's part of message k's screens, which go there in place when their envs are
        consecutive (a VectorEnv's usual step: server j runs a contiguous block)."""
        parts: list[list[dict[str, Any]]] = [[] for _ in self.conns]
        part_into: list[list[Optional[memoryview]]] = [[] for _ in self.conns]
        plans: list[list[tuple[int, list[int], int]]] = []
        messages = list(messages)
        views: list[Optional[memoryview]] = [into[k] if into is not None and k < len(into) else None for k in range(len(messages))]
        for message, view in zip(messages, views):
            plan: list[tuple[int, list[int], int]] = []
            if "envs" in message:
                envs = [int(e) for e in message["envs"]]
                by_server: dict[int, list[int]] = {}
                for k, e in enumerate(envs):
                    by_server.setdefault(self.server_of[e], []).append(k)
                for j, ks in by_server.items():
                    part = {**message, "envs": [self.local_of[envs[k]] for k in ks]}
                    for key in _PER_ENV:
                        if key in message:
                            part[key] = [message[key][k] for k in ks]
                    plan.append((j, ks, len(parts[j])))
                    parts[j].append(part)
                    size = len(view) // len(envs) if view is not None else 0
                    contiguous = ks == list(range(ks[0], ks[0] + len(ks)))
                    part_into[j].append(view[ks[0] * size : (ks[-1] + 1) * size] if view is not None and contiguous else None)
            elif "env" in message:
                j = self.server_of[int(message["env"])]
                plan.append((j, [0], len(parts[j])))
                parts[j].append({**message, "env": self.local_of[int(message["env"])]})
                part_into[j].append(view)
            else:
                for j in range(len(self.conns)):
                    plan.append((j, [], len(parts[j])))
                    parts[j].append(message)
                    part_into[j].append(None)
            plans.append(plan)
        handles = [conn.submit(part, into=views_j) if part else None for conn, part, views_j in zip(self.conns, parts, part_into)]
        return FleetSubmitted(plans, handles, views)

    def wait(self, submitted: FleetSubmitted, timeout: float | None = None) -> list[dict[str, Any]]:
        """Every server's answers (each waited for, so none is left running), joined; the first error raised."""
        answers: list[list[dict[str, Any]] | None] = []
        error: GbstreamError | None = None
        for conn, handle in zip(self.conns, submitted.handles):
            try:
                answers.append(conn.wait(handle, timeout) if handle is not None else [])
            except GbstreamError as err:
                answers.append(None)
                error = error or err
        if error is not None:
            raise error
        return [self._join(plan, answers, view) for plan, view in zip(submitted.plans, submitted.into)]  # type: ignore[arg-type]

    def _join(self, plan: list[tuple[int, list[int], int]], answers: list[list[dict[str, Any]]], view: Optional[memoryview]) -> dict[str, Any]:
        if len(plan) == 1 or not plan[0][1]:
            j, _, at = plan[0]
            return answers[j][at]
        count = sum(len(ks) for _, ks, _ in plan)
        frames: list[int] = [0] * count
        states: list[dict[str, int]] = [{}] * count
        screens: list[bytes] = [b""] * count
        joined: dict[str, Any] = {}
        for j, ks, at in plan:
            answer = answers[j][at]
            joined = {**answer, **joined}
            screen = answer.get("screen")
            size = len(screen) // len(ks) if screen else 0
            for n, k in enumerate(ks):
                frames[k] = answer["frames"][n]
                states[k] = answer["states"][n]
                if screen:
                    screens[k] = screen[n * size : (n + 1) * size]
        # Every server's part already in its slice of the caller's view: that view is the screen.
        in_place = view is not None and all(isinstance(answers[j][at].get("screen"), memoryview) for j, _, at in plan)
        return {**joined, "envs": list(range(count)), "frames": frames, "states": states, "screen": view if in_place else b"".join(screens)}

    @property
    def closed(self) -> bool:
        return any(conn.closed for conn in self.conns)

    def close(self) -> None:
        for conn in self.conns:
            conn.close()
