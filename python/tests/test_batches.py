"""Overlapping batches (``batch_size``, ``async_reset``/``recv``/``send``) and ``step_async``/``step_wait``,
against a real server: the same envs end in the same states as with ``step``, and misuse is refused."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import ENVS, TOKEN, Server, start_server, stop_server
from gbstream import ACTIONS, GbstreamError, InvalidAction, VectorEnv

RIGHT = ACTIONS.index(("right",))
DOWN = ACTIONS.index(("down",))


def plan(steps: int) -> np.ndarray:
    """(steps, ENVS) actions that move the demo's player differently in every env."""
    return np.random.default_rng(11).choice([RIGHT, DOWN, 0], size=(steps, ENVS))


def lockstep_states(server: Server, actions: np.ndarray) -> list[dict[str, int]]:
    with VectorEnv(server.url, token=TOKEN, envs=ENVS, frames=7, observe=None) as env:
        env.reset()
        for row in actions:
            _, _, _, _, infos = env.step(row)
    return [i["state"] for i in infos]


def test_recv_returns_the_batches_in_turn_and_send_steps_the_one_received(server: Server) -> None:
    actions = plan(6)
    with VectorEnv(server.url, token=TOKEN, envs=ENVS, frames=7, observe="gray", batch_size=2) as env:
        env.async_reset()
        order, states = [], [None] * ENVS
        for turn in range(2 * (len(actions) + 1)):
            obs, rewards, terminated, truncated, infos = env.recv()
            index = [i["index"] for i in infos]
            order.append(index)
            assert obs.shape == (2, 144, 160) and obs.dtype == np.uint8
            assert rewards.shape == terminated.shape == truncated.shape == (2,)
            assert [i["steps"] for i in infos] == [turn // 2] * 2
            for i in infos:
                states[i["index"]] = i["state"]
            if turn // 2 < len(actions):
                env.send(actions[turn // 2][index])
    assert order == [[0, 1], [2, 3]] * (len(actions) + 1)
    # Each env took its own actions, in order: the same states as lockstep steps of all envs.
    assert states == lockstep_states(server, actions)
    assert len({s["x"] for s in states}) > 1  # the envs did go different ways


def test_step_async_and_step_wait_are_step_split_in_two(server: Server) -> None:
    actions = plan(4)
    with VectorEnv(server.url, token=TOKEN, envs=ENVS, frames=7, observe=None) as env:
        env.reset()
        for row in actions:
            env.step_async(row)
            _, _, _, _, infos = env.step_wait()
    assert [i["state"] for i in infos] == lockstep_states(server, actions)


def test_max_steps_truncates_per_batch_and_autoresets_on_its_next_send(server: Server) -> None:
    with VectorEnv(server.url, token=TOKEN, envs=ENVS, frames=5, observe=None, max_steps=2, batch_size=2) as env:
        env.async_reset()
        starts = {}
        for _ in range(2):
            _, _, _, _, infos = env.recv()
            starts.update({i["index"]: i["frame"] for i in infos})
            env.send([0, 0])
        flags = []
        for _ in range(6):  # steps 1 and 2 of both batches, then their autoreset
            _, _, _, truncated, infos = env.recv()
            flags.append(list(truncated))
            env.send([0, 0])
        assert flags == [[False, False]] * 2 + [[True, True]] * 2 + [[False, False]] * 2
        assert [i["frame"] for i in infos] == [starts[2], starts[3]] and [i["steps"] for i in infos] == [0, 0]


def test_misuse_is_refused_before_anything_is_sent(server: Server) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        VectorEnv(server.url, token=TOKEN, envs=ENVS, batch_size=3)
    with VectorEnv(server.url, token=TOKEN, envs=ENVS, frames=3, observe=None, batch_size=2) as env:
        with pytest.raises(RuntimeError, match="nothing in flight"):
            env.recv()
        env.async_reset()
        with pytest.raises(RuntimeError, match="call recv"):
            env.send([0, 0])
        with pytest.raises(RuntimeError, match="in flight"):
            env.step([0] * ENVS)
        with pytest.raises(RuntimeError, match="in flight"):
            env.reset()
        _, _, _, _, infos = env.recv()
        with pytest.raises(InvalidAction, match="expected 2 actions"):
            env.send([0] * ENVS)  # one per env of the batch, not of all envs
        env.send([0, 0])  # the refused send sent nothing: this batch can still go
        _, _, _, _, other = env.recv()
        _, _, _, _, again = env.recv()
        assert [i["index"] for i in again] == [0, 1] and [i["steps"] for i in again] == [1, 1]
        assert [i["index"] for i in other] == [2, 3] and [i["steps"] for i in other] == [0, 0]


def test_a_server_that_dies_with_a_batch_in_flight_is_a_connection_closed_error() -> None:
    own = start_server("--control", "open", "--envs", "2")
    try:
        env = VectorEnv(own.url, envs=2, frames=600, observe=None, batch_size=1)
        env.async_reset()
        env.recv()
        env.send([0])  # 600 frames: still stepping when the server dies
        own.process.kill()
        with pytest.raises(GbstreamError) as gone:
            env.recv()  # the reset of env 1 may have come; this step's answer never does
            env.recv()
        assert gone.value.code == "GBS_ERR_CONNECTION_CLOSED"
        env.close()  # still fine to call
    finally:
        stop_server(own)
