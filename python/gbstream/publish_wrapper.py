"""Publish any Gymnasium-style env to a gbstream hub while it trains: one line around your env.

PyBoy is the common case: the screen is ``pyboy.screen.ndarray`` (144×160×4 RGBA, reused between
frames) and memory is ``pyboy.memory[address]`` (``pyboy.memory[bank, address]`` for a banked
WRAM read). Point the wrapper at them and name the fields you want to see::

    from gbstream.publisher import Publisher
    from gbstream.publish_wrapper import PublishWrapper

    pub = Publisher("ws://127.0.0.1:8080/ws", token="...", envs=16, labels=[f"ppo/{i}" for i in range(16)])
    env = PublishWrapper(make_env(), pub, index=i,
                         screen=lambda e: e.unwrapped.pyboy.screen.ndarray,
                         memory=lambda e: e.unwrapped.pyboy.memory,
                         fields={"map_id": 0xD35E, "x": 0xD362, "y": 0xD361, "badges": {"address": 0xD356, "type": "bitcount"}})

``fields`` takes a gbstream memory map too (``fields=load_fields("roms.example/pokemon-red-blue.json")``).
Without ``screen``, the wrapper uses ``env.unwrapped.pyboy.screen.ndarray`` when the env has a
``pyboy`` attribute, else ``env.render()``. Screens and memory are read only when the hub wants
them (a viewer, a thumbnail, the recorder), so an unwatched env costs the publisher's flag check
plus a small state read at the hub's state rate.

Gymnasium is optional: the wrapper is a plain class that forwards every other attribute to the
wrapped env, so ``reset()``/``step()`` and everything else behave as before.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Mapping, Union

from .publisher import Publisher

FieldSpec = Union[int, Mapping[str, Any]]

_TYPES = {"u8", "i8", "u16le", "u16be", "u24be", "bcd", "bitcount"}


def load_fields(path: str) -> dict[str, dict[str, Any]]:
    """The ``fields`` of a gbstream memory map JSON file (``roms.example/*.json``)."""
    with open(path, encoding="utf-8") as f:
        fields = json.load(f)["fields"]
    return {name: {**spec, "address": int(str(spec["address"]), 0)} for name, spec in fields.items()}


def read_field(memory: Any, spec: FieldSpec) -> int:
    """Reads one field through ``memory[address]`` (or ``memory[bank, address]`` with a ``bank``),
    with the memory map's types: u8, i8, u16le, u16be, u24be, bcd (``length`` bytes), bitcount."""
    if isinstance(spec, int):
        return int(memory[spec])
    address, kind, bank = int(spec["address"]), spec.get("type", "u8"), spec.get("bank")
    if kind not in _TYPES:
        raise ValueError(f"unknown field type {kind!r}; expected one of {sorted(_TYPES)}")

    def b(i: int) -> int:
        a = (address + i) & 0xFFFF
        return int(memory[bank, a] if bank is not None else memory[a])

    if kind == "u8":
        return b(0)
    if kind == "i8":
        v = b(0)
        return v - 256 if v >= 128 else v
    if kind == "u16le":
        return b(0) | (b(1) << 8)
    if kind == "u16be":
        return (b(0) << 8) | b(1)
    if kind == "u24be":
        return (b(0) << 16) | (b(1) << 8) | b(2)
    length = int(spec.get("length", 1))
    if kind == "bcd":
        value = 0
        for i in range(length):
            v = b(i)
            value = value * 100 + (v >> 4) * 10 + (v & 0x0F)
        return value
    return sum(bin(b(i)).count("1") for i in range(length))  # bitcount


class PublishWrapper:
    """Wraps an env with ``reset()``/``step()`` and publishes its screen and state after each.

    ``index`` is this env's index in the publisher. ``screen(env)`` returns the screen array;
    ``memory(env)`` returns something indexable by address (PyBoy's ``pyboy.memory``) for
    ``fields``; or ``state(env)`` returns the state map directly. ``every`` publishes every Nth step.
    """

    def __init__(
        self,
        env: Any,
        publisher: Publisher,
        index: int,
        *,
        screen: Callable[[Any], Any] | None = None,
        memory: Callable[[Any], Any] | None = None,
        fields: Mapping[str, FieldSpec] | None = None,
        state: Callable[[Any], Mapping[str, float]] | None = None,
        every: int = 1,
    ) -> None:
        if fields is not None and memory is None:
            raise ValueError("fields need memory=lambda env: ... (e.g. env.unwrapped.pyboy.memory)")
        self.env = env
        self.publisher = publisher
        self.index = index
        self._screen = screen or _default_screen
        self._memory = memory
        self._fields = dict(fields or {})
        self._state = state
        self._every = max(1, every)
        self._steps = 0

    def reset(self, *args: Any, **kwargs: Any) -> Any:
        out = self.env.reset(*args, **kwargs)
        self._publish()
        return out

    def step(self, action: Any) -> Any:
        out = self.env.step(action)
        self._steps += 1
        if self._steps % self._every == 0:
            self._publish()
        return out

    def read_state(self) -> dict[str, float]:
        """The state map published with each frame."""
        if self._state is not None:
            return dict(self._state(self.env))
        if not self._fields:
            return {}
        memory = self._memory(self.env)  # type: ignore[misc]
        return {name: read_field(memory, spec) for name, spec in self._fields.items()}

    def _publish(self) -> None:
        env = self.env
        # Callables: the publisher calls them only when it will send (watched, or state due).
        self.publisher.frame(self.index, lambda: self._screen(env), state=self.read_state, frame=self._steps)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.env, name)


def _default_screen(env: Any) -> Any:
    inner = getattr(env, "unwrapped", env)
    pyboy = getattr(inner, "pyboy", None)
    if pyboy is not None:
        return pyboy.screen.ndarray
    return env.render()
