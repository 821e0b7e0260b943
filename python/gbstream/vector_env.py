"""``VectorEnv``: many gbstream envs stepped in lockstep from Python, one round trip per step.

Or several round trips at once: with ``batch_size`` the envs step in batches that overlap, so the
server's envs keep running while the caller works on the batch it received (``send``/``recv``).
"""
from __future__ import annotations

import collections
import os
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Sequence

import numpy as np

from ._fleet import Fleet
from ._stream import connect
from ._requests import WIRE_OBSERVE, SavedState, merge, reset_groups, reset_request, state_bytes, step_request
from .actions import ACTIONS, Action, InvalidAction, buttons_of, check_buttons
from .errors import GbstreamError

State = dict[str, int]
RewardFn = Callable[[State, State], float]
StepResult = tuple[Optional[np.ndarray], np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]


@dataclass
class _InFlight:
    """Requests sent for the envs at ``positions``, not yet answered."""

    positions: np.ndarray
    groups: list[np.ndarray]  # groups[k]: the positions requests[k] is for
    stepping: np.ndarray  # bool per position: stepped (False: restarted by autoreset or reset)
    submitted: Any  # the connection's submission
    obs: Optional[np.ndarray]  # the array this batch's screens go into (None: no screens)
    flat: Optional[np.ndarray]  # obs as flat bytes, when the answer may be received straight into it


class VectorEnv:
    """Game Boy envs on a gbstream server, stepped together like a Gymnasium vector env.

    Each ``step`` is one request for every env: the server steps them at once on its worker
    threads and answers with all their screens packed in one message. The envs stay visible in the
    gbstream viewer while you train, sampled at the server's ``--fps``.

    Start a server (the demo ROM here; give a ROM path for a real game), then::

        gbstream serve --envs 4 --control-token my-secret-token

    >>> import numpy as np
    >>> from gbstream import VectorEnv
    >>> with VectorEnv("ws://127.0.0.1:8080/ws", token="my-secret-token", envs=4, frames=24) as env:
    ...     obs, infos = env.reset()
    ...     for _ in range(10):
    ...         actions = np.random.randint(len(env.actions), size=env.num_envs)
    ...         obs, rewards, terminated, truncated, infos = env.step(actions)
    ...     print(obs.shape, obs.dtype, sorted(infos[0]))
    (4, 144, 160) uint8 ['env', 'frame', 'index', 'server', 'state', 'steps']

    **On this machine, faster**: start the server with ``--socket /tmp/gbstream.sock`` and pass
    ``"unix:///tmp/gbstream.sock"``: the same records on a Unix socket, read by a blocking socket in
    the calling thread (no asyncio, no WebSocket framing). **Across servers**: a list of URLs puts
    ``envs`` (a count) on them in turn, split evenly; every step goes to all of them at once and
    ``infos[i]["server"]`` says where env i runs (``infos[i]["env"]`` is its id there)::

        VectorEnv(["unix:///tmp/a.sock", "ws://gpu-box-2:8080/ws"], token=..., envs=16)

    **Overlapping batches** (EnvPool and PufferLib call this async): with ``batch_size`` the envs
    form ``num_envs // batch_size`` batches of consecutive envs, each in flight on its own.
    ``recv()`` returns the oldest batch sent, and ``send(actions)`` steps the batch just received,
    so while your policy works on one batch the server steps the others::

        env = VectorEnv(url, token=..., envs=8, batch_size=4)
        env.async_reset()
        while training:
            obs, rewards, terminated, truncated, infos = env.recv()   # 4 envs: infos[k]["index"]
            env.send(policy(obs))

    ``step_async(actions)`` / ``step_wait()`` are Gymnasium's split ``step`` for all envs at once.

    Args:
        url: the server's WebSocket URL (``ws://host:port/ws``), its Unix socket
            (``unix:///path``, from ``serve --socket PATH``), or a list of such URLs.
        token: the server's ``--control-token``; None when it runs with ``--control open``.
        envs: how many envs (ids 0..n-1) or a list of env ids to drive.
        frames: emulated frames each step holds its buttons (24 is common for Pokémon RL).
        observe: ``"gray"`` for (n, 144, 160) uint8 screens, ``"rgb"`` for (n, 144, 160, 3), or
            None for no screens (``obs`` is None; the game state is in ``infos``).
        reward_fn: ``reward_fn(prev_state, state) -> float`` per env and step, on the memory-map
            fields of the server's map; rewards are 0 without it.
        max_steps: steps after which an episode is truncated; the env is reset on its next
            ``step`` (Gymnasium's next-step autoreset), with that action ignored.
        actions: the discrete action table (default ``gbstream.ACTIONS``): an action is an index
            into it, or directly a list of button names.
        timeout: seconds to wait for any answer before raising ``GBS_ERR_TIMEOUT``.
        batch_size: envs per batch for ``send``/``recv`` (it must divide the number of envs);
            default all of them.
        copy: as Gymnasium's vector envs: True (default) gives every ``step``/``recv`` a new
            ``obs`` array that later steps never touch; False reuses one array per batch, which
            the batch's next answer overwrites (hold on to ``obs`` only until you ``step`` or
            ``send`` that batch again, or copy it). Over ``unix://`` the screens are received
            straight into that array either way: no bytes object, no copy.

    Raises:
        GbstreamError: with the server's ``code``, e.g. ``GBS_ERR_CONTROL_DENIED`` (wrong token),
            ``GBS_ERR_NO_SUCH_ENV``, ``GBS_ERR_ENV_BUSY`` (another agent drives an env), or
            ``GBS_ERR_CONNECTION_CLOSED``.
    """

    def __init__(
        self,
        url: str | Sequence[str],
        token: str | None = None,
        envs: int | Sequence[int] = 8,
        frames: int = 24,
        observe: str | None = "gray",
        reward_fn: RewardFn | None = None,
        max_steps: int | None = None,
        actions: Sequence[Sequence[str]] = ACTIONS,
        timeout: float | None = 60.0,
        batch_size: int | None = None,
        copy: bool = True,
    ) -> None:
        if observe not in WIRE_OBSERVE:
            raise ValueError(f"observe must be 'gray', 'rgb' or None, got {observe!r}")
        if not isinstance(frames, int) or not 1 <= frames <= 600:
            raise ValueError(f"frames must be an integer 1–600, got {frames!r}")
        if max_steps is not None and (not isinstance(max_steps, int) or max_steps < 1):
            raise ValueError(f"max_steps must be a positive integer or None, got {max_steps!r}")
        fleet = not isinstance(url, str)
        if fleet and (not isinstance(envs, int) or not url or envs < len(url)):
            raise ValueError(f"with several servers, envs must be a count of at least one env per server, got {envs!r} for {len(url)} servers")
        self.env_ids: list[int] = list(range(envs)) if isinstance(envs, int) else [int(e) for e in envs]
        if not self.env_ids or len(set(self.env_ids)) != len(self.env_ids):
            raise ValueError(f"envs must be a positive count or a list of distinct env ids, got {envs!r}")
        self.actions: list[tuple[str, ...]] = [tuple(a) for a in actions]
        self._action_buttons = [check_buttons(a) for a in self.actions]  # what the wire carries, per index
        self.num_envs = len(self.env_ids)
        self.batch_size = self.num_envs if batch_size is None else batch_size
        if not isinstance(self.batch_size, int) or self.batch_size < 1 or self.num_envs % self.batch_size:
            raise ValueError(f"batch_size must be a positive integer that divides the {self.num_envs} envs, got {batch_size!r}")
        self.frames = frames
        self.observe = observe
        self.reward_fn = reward_fn
        self.max_steps = max_steps
        self.copy = bool(copy)

        # This client steps the envs and needs no frames (viewers still get them). Subscribed to
        # none before anything else: until then the server counts it as a viewer of every env,
        # and on a `serve` with publishers that would make each of them send every frame.
        greeting = [{"type": "subscribe", "envs": [], "broadcasts": False}]
        if fleet:
            counts = [len(range(j, self.num_envs, len(url))) for j in range(len(url))]
            self._conn: Any = Fleet(list(url), counts, timeout=timeout, greeting=greeting)
        else:
            self._conn = connect(url, timeout=timeout, greeting=greeting)
        self._where = self._conn.where if fleet else (lambda e: (url, e))
        try:
            self.hello: dict[str, Any] = self._conn.hello
            self.fields: list[str] = list(self.hello.get("fields", []))
            self.screen_shape: tuple[int, ...] = (int(self.hello["height"]), int(self.hello["width"]))
            missing = [e for e in self.env_ids if not 0 <= e < int(self.hello["envs"])]
            if missing:
                raise GbstreamError("GBS_ERR_NO_SUCH_ENV", f"no env {missing[0]}; the server at {url} runs envs 0–{int(self.hello['envs']) - 1}")
            if token is not None:
                self._conn.request({"type": "auth", "token": token})
        except BaseException:
            self._conn.close()
            raise
        if observe == "rgb":
            self.screen_shape += (3,)
        self._states: list[State] = [{} for _ in self.env_ids]
        self._steps = np.zeros(self.num_envs, dtype=np.int64)
        self._needs_reset = np.ones(self.num_envs, dtype=bool)
        self._reset_done = False
        self._start_states: list[bytes | None] = [None] * self.num_envs
        self._all = np.arange(self.num_envs)
        self._batches = [self._all[k : k + self.batch_size] for k in range(0, self.num_envs, self.batch_size)]
        self._in_flight: collections.deque[_InFlight] = collections.deque()
        self._received: np.ndarray | None = None  # the batch recv() returned; send() answers it
        self._obs_buffers: dict[tuple[int, int], np.ndarray] = {}  # copy=False: one obs array per batch
        self._define_spaces()

    # -- the Gymnasium-shaped API ---------------------------------------------------------

    def reset(self, seed: int | None = None, options: Mapping[str, Any] | None = None) -> tuple[np.ndarray | None, list[dict[str, Any]]]:
        """Takes every env for this client (lockstep) and restarts it.

        Real runs start past the intro: ``options={"state": s}`` starts every env from the saved
        state ``s`` (bytes from ``save_state``, or a file path), ``options={"state": [s0, s1, …]}``
        env i from ``s_i`` (None: power-on). Without it, envs start from power-on. Episodes that
        ``max_steps`` truncates restart from the same states.

        ``seed`` is accepted for Gymnasium compatibility: the emulator is deterministic, so the
        same start and the same actions give the same states whatever the seed.

        Returns ``(obs, infos)``; ``infos[i]`` has ``env``, ``index``, ``frame``, ``state`` and ``steps``.
        """
        self._check_idle("reset")
        self._take_reset_options(options)
        obs, _, _, _, infos = self._finish(self._send(self._all, None))
        self._reset_done = True
        return obs, infos

    def save_state(self, i: int) -> bytes:
        """The whole machine state of env ``i`` (its position in ``env_ids``) as bytes.

        Pass them to ``reset(options={"state": ...})`` (or save them to a file first) to start
        episodes there. A state loads on the same core running the same ROM.
        """
        if not 0 <= i < self.num_envs:
            raise IndexError(f"env index {i} is out of range for {self.num_envs} envs")
        return bytes(self._conn.request({"type": "snapshot", "env": self.env_ids[i]})["data"])

    def step(self, actions: Sequence[Action] | np.ndarray) -> StepResult:
        """Holds each env's action for ``frames`` frames, all envs at once.

        ``actions[i]`` is an index into ``self.actions`` or a list of button names for env i.

        Returns ``(obs, rewards, terminated, truncated, infos)``: rewards float32 (n,), the flags
        bool (n,). ``terminated`` is always False (the server knows no game over); episodes end
        by ``max_steps``.
        """
        self.step_async(actions)
        return self.step_wait()

    def step_async(self, actions: Sequence[Action] | np.ndarray) -> None:
        """Sends ``step(actions)`` for all envs and returns at once; ``step_wait()`` gives the result."""
        self._check_idle("step_async")
        self._in_flight.append(self._send(self._all, buttons_of(self._action_buttons, actions, self.num_envs)))

    def step_wait(self) -> StepResult:
        """The result of ``step_async`` (or of the oldest batch in flight, as ``recv``)."""
        return self.recv()

    # -- overlapping batches (``batch_size``) ----------------------------------------------

    def async_reset(self, seed: int | None = None, options: Mapping[str, Any] | None = None) -> None:
        """Sends ``reset`` (same ``options`` as ``reset``) for every batch; ``recv()`` returns them one by one.

        The first ``recv()`` after it returns the first batch's start: rewards 0, no flags set.
        """
        self._check_idle("async_reset")
        self._take_reset_options(options)
        for batch in self._batches:
            self._in_flight.append(self._send(batch, None))
        self._reset_done = True  # a step sent now runs after these resets (each env's requests keep their order)

    def recv(self) -> StepResult:
        """Waits for the oldest batch in flight and returns ``(obs, rewards, terminated, truncated, infos)``.

        Arrays hold that batch's envs (``batch_size`` of them) in order; ``infos[k]["index"]`` is
        env k's position in ``env_ids``. ``send(actions)`` then steps this batch.
        """
        if not self._in_flight:
            raise RuntimeError("nothing in flight: call async_reset() or send() (or step_async()) first")
        request = self._in_flight.popleft()
        self._received = None
        result = self._finish(request)
        self._received = request.positions
        return result

    def send(self, actions: Sequence[Action] | np.ndarray) -> None:
        """Steps the batch ``recv()`` returned last, ``actions[k]`` for its env k; returns at once."""
        positions = self._received
        if positions is None:
            raise RuntimeError("send() steps the batch recv() returned: call recv() first")
        buttons = buttons_of(self._action_buttons, actions, len(positions))
        self._received = None
        self._in_flight.append(self._send(positions, buttons))

    def mark_episode(self, i: int, score: float | None = None) -> None:
        """Marks the end of env ``i``'s episode, with its score, in the server's input log.

        With ``serve --record-mode inputs`` (or ``both``), an episode is an env's frames between
        two resets; the mark scores the one that just ended, so ``gbstream inspect --verify`` lists
        it and ``gbstream export --episode best`` finds it. Call it before ``reset`` and while no
        step of env ``i`` is in flight. Without an input log the server acknowledges and ignores it.

        >>> env.mark_episode(0, score=12.5)  # doctest: +SKIP
        """
        if not 0 <= i < self.num_envs:
            raise IndexError(f"env index {i} is out of range for {self.num_envs} envs")
        args: dict[str, Any] = {} if score is None else {"score": float(score)}
        self._conn.request({"type": "command", "env": self.env_ids[i], "name": "episode", "args": args})

    def publish_progress(self, values: Mapping[str, float]) -> None:
        """Shows training numbers in the viewer's Training panel, e.g. ``{"step": 1200, "reward": 3.5}``.

        With ``step`` and ``total`` the viewer also shows steps/s and an ETA.
        """
        self._conn.request({"type": "progress", "values": {str(k): float(v) for k, v in values.items()}})

    def close(self) -> None:
        """Gives the envs back to free running and closes the connection. Safe to call twice.

        Batches still in flight finish on the server first (each env's requests run in order).
        A VectorEnv dropped without ``close()`` closes its connection when it is garbage-collected,
        which gives its envs back too.
        """
        if self._reset_done and not self._conn.closed:
            try:
                self._conn.requests([{"type": "release", "env": e} for e in self.env_ids], timeout=10)
            except GbstreamError:
                pass  # disconnecting releases them too
        self._in_flight.clear()
        self._conn.close()

    def __enter__(self) -> "VectorEnv":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        batches = f", batch_size={self.batch_size}" if self.batch_size != self.num_envs else ""
        return f"VectorEnv({self._conn.url!r}, envs={self.env_ids!r}, frames={self.frames}, observe={self.observe!r}{batches})"

    # -- helpers --------------------------------------------------------------------------

    def _check_idle(self, what: str) -> None:
        if self._in_flight:
            raise RuntimeError(f"{what}() needs every env answered: {len(self._in_flight)} request(s) still in flight, recv() them first")

    def _take_reset_options(self, options: Mapping[str, Any] | None) -> None:
        options = dict(options or {})
        if "state" in options:
            self._start_states = self._saved_states(options.pop("state"))
        if options:
            raise ValueError(f"unknown reset options {sorted(options)!r}; reset takes 'state'")

    def _send(self, positions: np.ndarray, buttons: list[list[str]] | None) -> _InFlight:
        """Sends the requests for the envs at ``positions``: a reset of all (``buttons`` None), or
        a step of each by ``buttons[k]``, where envs that ``max_steps`` truncated restart instead."""
        if buttons is not None and not self._reset_done:
            raise RuntimeError("call reset() (or async_reset()) before step()")
        observe = WIRE_OBSERVE[self.observe]
        stepping = ~self._needs_reset[positions] if buttons is not None else np.zeros(len(positions), dtype=bool)
        requests, groups = [], []
        everyone = buttons is not None and bool(stepping.all())  # the usual step: no autoreset due
        if everyone:
            requests.append(step_request(self.env_ids, positions, buttons, self.frames, observe))  # type: ignore[arg-type]
            groups.append(positions)  # the same array: merge() sees the answer needs no reordering
        elif stepping.any():
            moving = positions[stepping]
            requests.append(step_request(self.env_ids, moving, [buttons[k] for k in np.flatnonzero(stepping)], self.frames, observe))  # type: ignore[index]
            groups.append(moving)
        for group in [] if everyone else reset_groups(self._start_states, positions[~stepping]):
            requests.append(reset_request(self.env_ids, self._start_states, group, observe))
            groups.append(group)
        obs = self._obs_array(positions)
        # One request for the batch in its order (a step, or a reset of all): its screens can be
        # received straight into obs. Gray only: the wire's RGBA needs its alpha dropped.
        whole = len(groups) == 1 and (groups[0] is positions or np.array_equal(groups[0], positions))
        flat = obs.reshape(-1) if obs is not None and self.observe == "gray" and whole else None
        into = [memoryview(flat)] if flat is not None else None
        return _InFlight(positions, groups, stepping, self._conn.submit(requests, into=into), obs, flat)

    def _obs_array(self, positions: np.ndarray) -> np.ndarray | None:
        """Where the screens of the batch at ``positions`` go: a new array, or (copy=False) the batch's own."""
        if self.observe is None:
            return None
        shape = (len(positions), *self.screen_shape)
        if self.copy:
            return np.empty(shape, dtype=np.uint8)
        key = (int(positions[0]), len(positions))
        buffer = self._obs_buffers.get(key)
        if buffer is None:
            buffer = self._obs_buffers[key] = np.empty(shape, dtype=np.uint8)
        return buffer

    def _finish(self, request: _InFlight) -> StepResult:
        """Waits for ``request``'s answers and turns them into what ``step`` returns, for its envs."""
        answer = merge(self._conn.wait(request.submitted), request.groups, request.positions)
        positions, stepping = request.positions, request.stepping
        index = positions.tolist()  # plain ints: cheaper to index lists with than numpy scalars
        states = answer["states"]
        rewards = np.zeros(len(index), dtype=np.float32)
        if self.reward_fn is not None:
            for k in np.flatnonzero(stepping).tolist():
                rewards[k] = self.reward_fn(self._states[index[k]], states[k])
        for k, i in enumerate(index):
            self._states[i] = states[k]
        if stepping.all():
            self._steps[positions] += 1
        else:
            self._steps[positions[stepping]] += 1
            self._steps[positions[~stepping]] = 0
        if self.max_steps is not None and stepping.any():
            truncated = stepping & (self._steps[positions] >= self.max_steps)
        else:
            truncated = np.zeros(len(index), dtype=bool)
        self._needs_reset[positions] = truncated
        terminated = np.zeros(len(index), dtype=bool)
        return self._screens(answer, request), rewards, terminated, truncated, self._infos(index, answer["frames"])

    def _saved_states(self, value: SavedState | Sequence[SavedState | None] | None) -> list[bytes | None]:
        if value is None or isinstance(value, (bytes, bytearray, memoryview, str, os.PathLike)):
            one = state_bytes(value)
            return [one] * self.num_envs
        states = [state_bytes(v) for v in value]
        if len(states) != self.num_envs:
            raise ValueError(f"expected {self.num_envs} states (one per env, None for power-on), got {len(states)}")
        return states

    def _screens(self, answer: dict[str, Any], request: _InFlight) -> np.ndarray | None:
        obs = request.obs
        if obs is None:
            return None
        screen = answer["screen"]
        if isinstance(screen, memoryview) and request.flat is not None and screen.obj is request.flat and screen.nbytes == obs.nbytes:
            return obs  # received in place
        pixels = np.frombuffer(screen, dtype=np.uint8)
        if self.observe == "gray":
            obs.reshape(-1)[:] = pixels
        else:  # the wire carries RGBA: dropping alpha while copying into obs
            obs[...] = pixels.reshape(len(obs), *self.screen_shape[:2], 4)[..., :3]
        return obs

    def _infos(self, index: list[int], frames: Sequence[int]) -> list[dict[str, Any]]:
        steps = self._steps[index].tolist()
        places = [self._where(self.env_ids[i]) for i in index]
        return [
            {"env": env, "server": server, "index": i, "frame": frame, "state": self._states[i], "steps": n}
            for i, frame, n, (server, env) in zip(index, frames, steps, places)
        ]

    def _define_spaces(self) -> None:
        """Gymnasium spaces when Gymnasium is installed; None otherwise (the API is the same)."""
        self.single_observation_space: Any = None
        self.observation_space: Any = None
        self.single_action_space: Any = None
        self.action_space: Any = None
        try:
            from gymnasium import spaces
        except ImportError:
            return
        self.single_action_space = spaces.Discrete(len(self.actions))
        self.action_space = spaces.MultiDiscrete([len(self.actions)] * self.num_envs)
        if self.observe is not None:
            self.single_observation_space = spaces.Box(0, 255, self.screen_shape, np.uint8)
            self.observation_space = spaces.Box(0, 255, (self.num_envs, *self.screen_shape), np.uint8)
