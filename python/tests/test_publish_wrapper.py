"""The publish wrapper without a hub: field reads, and that screens and memory are read only when wanted."""
from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from gbstream.publish_wrapper import PublishWrapper, load_fields, read_field  # noqa: E402
from gbstream.publisher import Publisher  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


class FakeMemory:
    """PyBoy's memory shape: memory[address] and memory[bank, address]."""

    def __init__(self) -> None:
        self.bytes = bytearray(0x10000)
        self.banks = {2: bytearray(0x10000)}
        self.reads = 0

    def __getitem__(self, key):  # noqa: ANN001
        self.reads += 1
        if isinstance(key, tuple):
            return self.banks[key[0]][key[1]]
        return self.bytes[key]


class FakeEnv:
    def __init__(self) -> None:
        self.memory = FakeMemory()
        self.screen_reads = 0
        self.steps = 0

    def reset(self, seed=None):  # noqa: ANN001
        return np.zeros(1), {}

    def step(self, action):  # noqa: ANN001
        self.steps += 1
        self.memory.bytes[0xD362] = self.steps & 0xFF
        return np.zeros(1), 0.0, False, False, {}

    def render(self):
        self.screen_reads += 1
        return np.zeros((144, 160, 3), np.uint8)

    def extra(self) -> str:
        return "forwarded"


def test_read_field_types() -> None:
    m = FakeMemory()
    m.bytes[0xC000:0xC003] = bytes([0x34, 0x12, 0xFF])
    m.banks[2][0xD000] = 7
    assert read_field(m, 0xC000) == 0x34
    assert read_field(m, {"address": 0xC000, "type": "u16le"}) == 0x1234
    assert read_field(m, {"address": 0xC000, "type": "u16be"}) == 0x3412
    assert read_field(m, {"address": 0xC002, "type": "i8"}) == -1
    assert read_field(m, {"address": 0xC000, "type": "bcd", "length": 2}) == 3412
    assert read_field(m, {"address": 0xC002, "type": "bitcount"}) == 8
    assert read_field(m, {"address": 0xD000, "type": "u8", "bank": 2}) == 7
    with pytest.raises(ValueError, match="unknown field type"):
        read_field(m, {"address": 0, "type": "f32"})


def test_load_fields_reads_the_bundled_memory_maps() -> None:
    fields = load_fields(os.path.join(ROOT, "roms.example", "pokemon-red-blue.json"))
    assert fields["map_id"]["address"] == 0xD35E
    assert fields["player_x"]["type"] == "u8"


def test_unwatched_env_reads_no_screen_and_state_only_at_the_state_rate() -> None:
    # A hub that is not there: nothing is wanted, so the wrapper must not touch the screen.
    pub = Publisher("ws://127.0.0.1:9/ws", envs=1, backoff=(5.0, 5.0))
    try:
        env = PublishWrapper(FakeEnv(), pub, index=0, memory=lambda e: e.memory, fields={"x": 0xD362})
        env.reset()
        for _ in range(200):
            env.step(0)
        assert env.env.screen_reads == 0
        assert env.env.memory.reads <= 2  # the state is read once per state interval (0.5 s), not per step
        assert env.extra() == "forwarded"
        assert pub.wants(0) is False
    finally:
        pub.close()


def test_publisher_checks_arguments() -> None:
    with pytest.raises(ValueError):
        Publisher("ws://127.0.0.1:9/ws", envs=0)
    with pytest.raises(ValueError):
        Publisher("ws://127.0.0.1:9/ws", envs=2, labels=["only-one"])
