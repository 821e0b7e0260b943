"""``unix://`` (``serve --socket PATH``, a blocking socket, no asyncio) and a VectorEnv spanning
servers, against real servers: the same envs and actions give the same run as over ``ws://`` on
one server; wrong token and a server killed mid-step give coded errors, not a hang."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest

from conftest import ROOT, TOKEN, Server, start_server, stop_server
from gbstream import ACTIONS, GbstreamError, VectorEnv


def moved(prev: dict[str, int], state: dict[str, int]) -> float:
    return float(state["x"] - prev.get("x", state["x"]) + state["y"] - prev.get("y", state["y"]))


def run(url: Any, plan: np.ndarray, envs: int = 2, **options: Any) -> list[tuple[np.ndarray, np.ndarray, list[dict[str, int]]]]:
    """Resets ``envs`` envs at ``url`` and steps them by ``plan``: every step's (obs, rewards, states)."""
    with VectorEnv(url, token=TOKEN, envs=envs, frames=4, reward_fn=moved, **options) as env:
        env.reset()
        trace = []
        for actions in plan:
            obs, rewards, _, _, infos = env.step(actions)
            trace.append((obs.copy(), rewards.copy(), [i["state"] for i in infos]))
    return trace


def assert_same(a: list[Any], b: list[Any]) -> None:
    assert len(a) == len(b)
    for (obs_a, rew_a, st_a), (obs_b, rew_b, st_b) in zip(a, b):
        assert np.array_equal(obs_a, obs_b)
        assert np.array_equal(rew_a, rew_b)
        assert st_a == st_b


@pytest.fixture(scope="module")
def socket_server() -> Iterator[tuple[Server, str]]:
    """`--envs 4 --socket PATH` with a control token: (the server, its unix:// URL)."""
    path = Path(tempfile.mkdtemp(prefix="gbs-py-")) / "s.sock"
    s = start_server("--envs", "4", "--control-token", TOKEN, "--socket", str(path))
    yield s, f"unix://{path}"
    stop_server(s)
    assert not path.exists()  # removed at exit


def test_the_socket_and_the_websocket_give_the_same_200_steps(socket_server: tuple[Server, str]) -> None:
    server, unix = socket_server
    plan = np.random.default_rng(24).integers(len(ACTIONS), size=(200, 2))
    over_socket = run(unix, plan)
    over_ws = run(server.url, plan)
    assert_same(over_socket, over_ws)
    assert any(r.any() for _, r, _ in over_socket)  # the game moved: rewards were not all 0
    # One reused obs array, the screens received straight into it: the same 200 steps.
    assert_same(run(unix, plan, copy=False), over_ws)


@pytest.mark.parametrize("copy", [True, False], ids=["fresh-arrays", "one-reused-array"])
def test_obs_is_received_in_place_and_fresh_or_reused_as_documented(socket_server: tuple[Server, str], copy: bool) -> None:
    server, unix = socket_server
    plan = np.random.default_rng(7).integers(len(ACTIONS), size=(40, 2))
    over_ws = run(server.url, plan)
    with VectorEnv(unix, token=TOKEN, envs=2, frames=4, reward_fn=moved, copy=copy) as env:
        env.reset()
        kept = [env.step(actions)[0] for actions in plan]  # no copies taken
        # Every answer's screens went from the socket into the obs array, no bytes in between.
        assert env._conn.screens_in_place == len(plan) + 1
    if copy:
        # Gymnasium's default: each step's array is its own, and later steps leave it alone.
        assert not any(np.shares_memory(a, b) for a, b in zip(kept, kept[1:]))
        for obs, (expected, _, _) in zip(kept, over_ws):
            assert np.array_equal(obs, expected)
    else:
        # copy=False: one array, overwritten by each step (valid until the next step).
        assert all(obs is kept[0] for obs in kept)
        assert np.array_equal(kept[-1], over_ws[-1][0])
        assert not np.array_equal(kept[0], over_ws[0][0])  # (the first step's screen is gone)


def test_infos_say_which_server_over_the_socket(socket_server: tuple[Server, str]) -> None:
    _, unix = socket_server
    with VectorEnv(unix, token=TOKEN, envs=[1, 3], frames=1, observe=None) as env:
        _, infos = env.reset()
    assert [(i["server"], i["env"]) for i in infos] == [(unix, 1), (unix, 3)]


def test_a_wrong_token_over_the_socket_is_a_coded_error(socket_server: tuple[Server, str]) -> None:
    _, unix = socket_server
    with pytest.raises(GbstreamError) as err:
        VectorEnv(unix, token="not-the-token-999", envs=1)
    assert err.value.code == "GBS_ERR_CONTROL_DENIED"


def test_a_missing_socket_is_a_coded_error() -> None:
    with pytest.raises(GbstreamError) as err:
        VectorEnv("unix:///nonexistent/gbstream.sock", envs=1)
    assert err.value.code == "GBS_ERR_CONNECTION_CLOSED"


def test_a_server_killed_mid_step_is_connection_closed_not_a_hang() -> None:
    path = Path(tempfile.mkdtemp(prefix="gbs-py-")) / "k.sock"
    s = start_server("--envs", "1", "--control-token", TOKEN, "--socket", str(path))
    try:
        env = VectorEnv(f"unix://{path}", token=TOKEN, envs=1, frames=600, observe="rgb", timeout=30)
        env.reset()
        env.step_async([0])
        s.process.send_signal(signal.SIGKILL)
        s.process.wait(10)
        with pytest.raises(GbstreamError) as err:
            for _ in range(3):  # the first answer may have come in before the kill
                env.step_wait()
                env.step_async([0])
        assert err.value.code == "GBS_ERR_CONNECTION_CLOSED"
        env.close()  # closing a dead connection is quiet
    finally:
        if s.process.poll() is None:
            stop_server(s)


def test_a_vector_env_over_two_servers_runs_as_one_server_does(socket_server: tuple[Server, str]) -> None:
    server, unix = socket_server
    other_path = Path(tempfile.mkdtemp(prefix="gbs-py-")) / "o.sock"
    other = start_server("--envs", "2", "--control-token", TOKEN, "--socket", str(other_path))
    try:
        plan = np.random.default_rng(5).integers(len(ACTIONS), size=(60, 4))
        one = run(unix, plan, envs=4)
        two = run([unix, other.url], plan, envs=4)
        assert_same(one, two)
        # Two sockets: each server's screens land in their slice of one obs array.
        assert_same(one, run([unix, f"unix://{other_path}"], plan, envs=4, copy=False))
        with VectorEnv([unix, other.url], token=TOKEN, envs=4, frames=1, observe=None) as env:
            _, infos = env.reset()
        assert [(i["server"], i["env"], i["index"]) for i in infos] == [(unix, 0, 0), (unix, 1, 1), (other.url, 0, 2), (other.url, 1, 3)]
        with pytest.raises(GbstreamError) as err:
            VectorEnv([unix, other.url], token=TOKEN, envs=8)  # the second server has 2 envs, not 4
        assert err.value.code == "GBS_ERR_NO_SUCH_ENV"
    finally:
        stop_server(other)


@pytest.mark.parametrize("batched", [False, True], ids=["step", "batches"])
def test_a_client_killed_mid_batch_over_the_socket_leaves_no_env_taken(socket_server: tuple[Server, str], batched: bool) -> None:
    from test_ownership import KILLED_BATCHED_CLIENT, KILLED_CLIENT

    _, unix = socket_server
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_BATCHED_CLIENT if batched else KILLED_CLIENT, unix, TOKEN],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "python")},
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "stepping"
        time.sleep(0.3)  # 4 x 200 frames take over a second: a step is in flight now
        child.send_signal(signal.SIGKILL)
        child.wait(5)
    finally:
        if child.poll() is None:
            child.kill()
    # The envs come free once their in-flight step is done; this reset queues behind it.
    with VectorEnv(unix, token=TOKEN, envs=[0, 1, 2, 3], frames=1, timeout=30) as env:
        _, infos = env.reset()
    assert [i["env"] for i in infos] == [0, 1, 2, 3]
