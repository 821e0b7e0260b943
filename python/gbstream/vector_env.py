"""``VectorEnv``: many gbstream envs stepped in lockstep from Python, one round trip per step."""
from __future__ import annotations

import os
from typing import Any, Callable, Mapping, Sequence, Union

import numpy as np

from ._connection import Connection
from .actions import ACTIONS, BUTTONS
from .errors import GbstreamError

State = dict[str, int]
RewardFn = Callable[[State, State], float]
Action = Union[int, np.integer, str, Sequence[str]]
#: A saved machine state: bytes from ``save_state`` or the path of a file holding them.
SavedState = Union[bytes, bytearray, memoryview, str, "os.PathLike[str]"]

#: Bytes of saved states sent in one request; the server takes up to 4 MiB from an agent.
MAX_STATE_BYTES_PER_REQUEST = 3 * 1024 * 1024

_WIRE_OBSERVE = {"gray": "gray", "rgb": "rgba", None: "none"}


class InvalidAction(GbstreamError, ValueError):
    """An action that is neither an index into ``env.actions`` nor a list of button names."""

    def __init__(self, message: str) -> None:
        super().__init__("GBS_ERR_BAD_FIELD", message)


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
    (4, 144, 160) uint8 ['env', 'frame', 'state', 'steps']

    Args:
        url: the server's WebSocket URL (``ws://host:port/ws``).
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

    Raises:
        GbstreamError: with the server's ``code``, e.g. ``GBS_ERR_CONTROL_DENIED`` (wrong token),
            ``GBS_ERR_NO_SUCH_ENV``, ``GBS_ERR_ENV_BUSY`` (another agent drives an env), or
            ``GBS_ERR_CONNECTION_CLOSED``.
    """

    def __init__(
        self,
        url: str,
        token: str | None = None,
        envs: int | Sequence[int] = 8,
        frames: int = 24,
        observe: str | None = "gray",
        reward_fn: RewardFn | None = None,
        max_steps: int | None = None,
        actions: Sequence[Sequence[str]] = ACTIONS,
        timeout: float | None = 60.0,
    ) -> None:
        if observe not in _WIRE_OBSERVE:
            raise ValueError(f"observe must be 'gray', 'rgb' or None, got {observe!r}")
        if not isinstance(frames, int) or not 1 <= frames <= 600:
            raise ValueError(f"frames must be an integer 1–600, got {frames!r}")
        if max_steps is not None and (not isinstance(max_steps, int) or max_steps < 1):
            raise ValueError(f"max_steps must be a positive integer or None, got {max_steps!r}")
        self.env_ids: list[int] = list(range(envs)) if isinstance(envs, int) else [int(e) for e in envs]
        if not self.env_ids or len(set(self.env_ids)) != len(self.env_ids):
            raise ValueError(f"envs must be a positive count or a list of distinct env ids, got {envs!r}")
        self.actions: list[tuple[str, ...]] = [tuple(a) for a in actions]
        for action in self.actions:
            _check_buttons(action)
        self.num_envs = len(self.env_ids)
        self.frames = frames
        self.observe = observe
        self.reward_fn = reward_fn
        self.max_steps = max_steps

        # This client steps the envs and needs no frames (viewers still get them). Subscribed to
        # none before anything else: until then the server counts it as a viewer of every env,
        # and on a `serve` with publishers that would make each of them send every frame.
        self._conn = Connection(url, timeout=timeout, greeting=[{"type": "subscribe", "envs": []}])
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

        Returns ``(obs, infos)``; ``infos[i]`` has ``env``, ``frame``, ``state`` and ``steps``.
        """
        options = dict(options or {})
        if "state" in options:
            self._start_states = self._saved_states(options.pop("state"))
        if options:
            raise ValueError(f"unknown reset options {sorted(options)!r}; reset takes 'state'")
        answer = self._restart(np.arange(self.num_envs))
        self._steps[:] = 0
        self._needs_reset[:] = False
        self._reset_done = True
        self._states = list(answer["states"])
        return self._screens(answer), self._infos(answer["frames"])

    def save_state(self, i: int) -> bytes:
        """The whole machine state of env ``i`` (its position in ``env_ids``) as bytes.

        Pass them to ``reset(options={"state": ...})`` (or save them to a file first) to start
        episodes there. A state loads on the same core running the same ROM.
        """
        if not 0 <= i < self.num_envs:
            raise IndexError(f"env index {i} is out of range for {self.num_envs} envs")
        return bytes(self._conn.request({"type": "snapshot", "env": self.env_ids[i]})["data"])

    def step(self, actions: Sequence[Action] | np.ndarray) -> tuple[np.ndarray | None, np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        """Holds each env's action for ``frames`` frames, all envs at once.

        ``actions[i]`` is an index into ``self.actions`` or a list of button names for env i.

        Returns ``(obs, rewards, terminated, truncated, infos)``: rewards float32 (n,), the flags
        bool (n,). ``terminated`` is always False (the server knows no game over); episodes end
        by ``max_steps``.
        """
        if not self._reset_done:
            raise RuntimeError("call reset() before step()")
        if len(actions) != self.num_envs:
            raise InvalidAction(f"expected {self.num_envs} actions (one per env), got {len(actions)}")
        buttons = [self._buttons(a) for a in actions]
        restarting = np.flatnonzero(self._needs_reset)
        stepping = np.flatnonzero(~self._needs_reset)
        observe = _WIRE_OBSERVE[self.observe]
        requests, groups = [], []
        if len(stepping):
            requests.append({"type": "step", "envs": [self.env_ids[i] for i in stepping], "actions": [buttons[i] for i in stepping], "frames": self.frames, "observe": observe})
            groups.append(stepping)
        for group in self._reset_groups(restarting):
            requests.append(self._reset_request(group))
            groups.append(group)
        answers = self._conn.requests(requests)
        answer = answers[0] if len(answers) == 1 and not len(restarting) else _merge(answers, groups, self.num_envs)

        rewards = np.zeros(self.num_envs, dtype=np.float32)
        states = answer["states"]
        for i in stepping:
            if self.reward_fn is not None:
                rewards[i] = self.reward_fn(self._states[i], states[i])
        self._states = list(states)
        self._steps[stepping] += 1
        self._steps[restarting] = 0
        self._needs_reset[restarting] = False
        truncated = self._steps >= self.max_steps if self.max_steps is not None else np.zeros(self.num_envs, dtype=bool)
        self._needs_reset |= truncated
        terminated = np.zeros(self.num_envs, dtype=bool)
        return self._screens(answer), rewards, terminated, truncated, self._infos(answer["frames"])

    def publish_progress(self, values: Mapping[str, float]) -> None:
        """Shows training numbers in the viewer's Training panel, e.g. ``{"step": 1200, "reward": 3.5}``.

        With ``step`` and ``total`` the viewer also shows steps/s and an ETA.
        """
        self._conn.request({"type": "progress", "values": {str(k): float(v) for k, v in values.items()}})

    def close(self) -> None:
        """Gives the envs back to free running and closes the connection. Safe to call twice."""
        if self._reset_done and not self._conn.closed:
            try:
                self._conn.requests([{"type": "release", "env": e} for e in self.env_ids], timeout=10)
            except GbstreamError:
                pass  # disconnecting releases them too
        self._conn.close()

    def __enter__(self) -> "VectorEnv":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"VectorEnv({self._conn.url!r}, envs={self.env_ids!r}, frames={self.frames}, observe={self.observe!r})"

    # -- helpers --------------------------------------------------------------------------

    def _restart(self, which: np.ndarray) -> dict[str, Any]:
        """Resets the envs at positions ``which`` from their start states; one answer in that order."""
        groups = self._reset_groups(which)
        answers = self._conn.requests([self._reset_request(g) for g in groups])
        return answers[0] if len(answers) == 1 else _merge(answers, groups, len(which), positions=which)

    def _reset_groups(self, which: np.ndarray) -> list[np.ndarray]:
        """Splits positions into requests whose saved states stay under the server's size limit."""
        if not len(which):
            return []
        first = self._start_states[which[0]]
        if all(self._start_states[i] is first for i in which):
            return [which]  # one state (or none) for all: sent once
        groups, current, size = [], [], 0
        for i in which:
            state = self._start_states[i]
            if current and size + len(state or b"") > MAX_STATE_BYTES_PER_REQUEST:
                groups.append(np.array(current))
                current, size = [], 0
            current.append(i)
            size += len(state or b"")
        groups.append(np.array(current))
        return groups

    def _reset_request(self, group: np.ndarray) -> dict[str, Any]:
        message: dict[str, Any] = {"type": "reset", "envs": [self.env_ids[i] for i in group], "observe": _WIRE_OBSERVE[self.observe]}
        states = [self._start_states[i] for i in group]
        if all(s is states[0] for s in states):
            if states[0] is not None:
                message["state"] = states[0]
        else:
            message["states"] = states
        return message

    def _saved_states(self, value: SavedState | Sequence[SavedState | None] | None) -> list[bytes | None]:
        if value is None or isinstance(value, (bytes, bytearray, memoryview, str, os.PathLike)):
            one = _state_bytes(value)
            return [one] * self.num_envs
        states = [_state_bytes(v) for v in value]
        if len(states) != self.num_envs:
            raise ValueError(f"expected {self.num_envs} states (one per env, None for power-on), got {len(states)}")
        return states

    def _buttons(self, action: Action) -> list[str]:
        if isinstance(action, (int, np.integer)) and not isinstance(action, bool):
            if not 0 <= action < len(self.actions):
                raise InvalidAction(f"action {action} is not an index into env.actions (0–{len(self.actions) - 1})")
            return list(self.actions[int(action)])
        if isinstance(action, str):
            action = (action,)
        return _check_buttons(action)

    def _screens(self, answer: dict[str, Any]) -> np.ndarray | None:
        if self.observe is None:
            return None
        count = len(answer["envs"])
        pixels = np.frombuffer(answer["screen"], dtype=np.uint8)
        if self.observe == "gray":
            return pixels.reshape(count, *self.screen_shape).copy()
        # The wire carries RGBA; dropping alpha here copies once into a contiguous array.
        return np.ascontiguousarray(pixels.reshape(count, *self.screen_shape[:2], 4)[..., :3])

    def _infos(self, frames: Sequence[int]) -> list[dict[str, Any]]:
        return [
            {"env": env, "frame": frame, "state": state, "steps": int(steps)}
            for env, frame, state, steps in zip(self.env_ids, frames, self._states, self._steps)
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


def _check_buttons(buttons: Sequence[str]) -> list[str]:
    try:
        names = list(buttons)
    except TypeError:
        raise InvalidAction(f"an action is an index into env.actions or a list of buttons, got {buttons!r}") from None
    bad = [b for b in names if b not in BUTTONS]
    if bad:
        raise InvalidAction(f"unknown button {bad[0]!r}; buttons are {', '.join(BUTTONS)}")
    return names


def _state_bytes(value: SavedState | None) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, (str, os.PathLike)):
        with open(value, "rb") as file:
            return file.read()
    return bytes(value)


def _merge(answers: list[dict[str, Any]], groups: list[np.ndarray], count: int, positions: np.ndarray | None = None) -> dict[str, Any]:
    """One answer from several (a step and autoresets, or resets split by size).

    ``groups[k]`` holds the positions answered by ``answers[k]``; the result is in position
    order, or in the order of ``positions`` when given.
    """
    order = {int(p): k for k, p in enumerate(positions)} if positions is not None else None
    frames: list[int] = [0] * count
    states: list[State] = [{}] * count
    screens: list[bytes] = [b""] * count
    for answer, where in zip(answers, groups):
        where = [order[int(i)] for i in where] if order is not None else where
        screen = answer.get("screen")
        size = len(screen) // len(where) if screen else 0
        for k, i in enumerate(where):
            frames[i] = answer["frames"][k]
            states[i] = answer["states"][k]
            if screen:
                screens[i] = screen[k * size : (k + 1) * size]
    return {"envs": list(range(count)), "frames": frames, "states": states, "screen": b"".join(screens)}
