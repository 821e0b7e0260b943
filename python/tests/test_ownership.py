"""Who drives which env: ownership, release, coded errors, and a client killed mid-step."""
from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import weakref

import numpy as np
import pytest

from conftest import ENVS, ROOT, TOKEN, Server, start_server, stop_server
from gbstream import GbstreamError, InvalidAction, VectorEnv
from gbstream._connection import Connection


def test_an_env_driven_by_one_client_is_refused_to_another_until_released(server: Server) -> None:
    first = VectorEnv(server.url, token=TOKEN, envs=[0, 1], frames=1)
    first.reset()
    with VectorEnv(server.url, token=TOKEN, envs=[1, 2], frames=1) as second:
        with pytest.raises(GbstreamError) as refused:
            second.reset()
        assert refused.value.code == "GBS_ERR_ENV_BUSY"
        with pytest.raises(RuntimeError, match="call reset"):
            second.step([0, 0])  # a refused reset is no reset: stepping would take the envs unreset
        # The refused batch took nothing: env 2 is still free for a third client.
        with VectorEnv(server.url, token=TOKEN, envs=[2], frames=1) as third:
            third.reset()
        first.close()
        obs, infos = second.reset()
        assert [i["env"] for i in infos] == [1, 2]


def test_a_disconnect_gives_the_envs_back(server: Server) -> None:
    first = VectorEnv(server.url, token=TOKEN, envs=[0, 3], frames=1)
    first.reset()
    first._conn.close()  # no release messages: just the socket going away
    with VectorEnv(server.url, token=TOKEN, envs=[0, 3], frames=1) as second:
        second.reset()


def test_an_abandoned_vector_env_is_collected_and_gives_its_envs_back(server: Server) -> None:
    keepers = {t for t in threading.enumerate() if t.name == "gbstream-connection"}
    env = VectorEnv(server.url, token=TOKEN, envs=[1, 2], frames=1)
    env.reset()
    conn = weakref.ref(env._conn)
    del env  # no close(), no release: the user just drops it
    gc.collect()
    assert conn() is None, f"the Connection is still referenced by {gc.get_referrers(conn())}"
    assert {t for t in threading.enumerate() if t.name == "gbstream-connection"} <= keepers  # its keeper is gone
    with VectorEnv(server.url, token=TOKEN, envs=[1, 2], frames=1, timeout=10) as second:
        obs, infos = second.reset()  # GBS_ERR_ENV_BUSY while the socket stayed open
        assert [i["env"] for i in infos] == [1, 2]


def test_wrong_or_missing_token_is_control_denied(server: Server) -> None:
    with pytest.raises(GbstreamError) as wrong:
        VectorEnv(server.url, token="not-the-token", envs=1)
    assert wrong.value.code == "GBS_ERR_CONTROL_DENIED"
    with VectorEnv(server.url, envs=1) as anonymous:
        with pytest.raises(GbstreamError) as denied:
            anonymous.reset()
    assert denied.value.code == "GBS_ERR_CONTROL_DENIED"


def test_unknown_env_is_no_such_env(server: Server) -> None:
    with pytest.raises(GbstreamError) as unknown:
        VectorEnv(server.url, token=TOKEN, envs=[0, ENVS])
    assert unknown.value.code == "GBS_ERR_NO_SUCH_ENV"


def test_bad_actions_are_refused_with_a_code_before_anything_is_sent(server: Server) -> None:
    with VectorEnv(server.url, token=TOKEN, envs=2, frames=1) as env:
        with pytest.raises(RuntimeError, match="reset"):
            env.step([0, 0])
        env.reset()
        for actions in ([0, 99], [0, ["jump"]], [0], [0, 1.5], np.array([0, 9]), np.array([-1, 0]), np.array([[0], [1]])):
            with pytest.raises(InvalidAction) as bad:
                env.step(actions)
            assert bad.value.code == "GBS_ERR_BAD_FIELD" and isinstance(bad.value, ValueError)
        env.step([0, ["a", "b"]])  # still usable


def test_the_server_refuses_malformed_batches_with_codes(server: Server) -> None:
    conn = Connection(server.url)
    try:
        conn.request({"type": "auth", "token": TOKEN})
        cases = [
            ({"type": "step", "envs": [0, 1], "actions": [["a"]]}, "GBS_ERR_BAD_FIELD", "one action per env"),
            ({"type": "step", "envs": [0], "actions": [["jump"]]}, "GBS_ERR_BAD_FIELD", "actions"),
            ({"type": "step", "envs": [1, 1], "actions": [[], []]}, "GBS_ERR_BAD_FIELD", "only once"),
            ({"type": "reset", "envs": [0, 99]}, "GBS_ERR_NO_SUCH_ENV", "no env 99"),
        ]
        for message, code, words in cases:
            with pytest.raises(GbstreamError) as refused:
                conn.request(message)
            assert refused.value.code == code and words in refused.value.message
    finally:
        conn.close()


KILLED_CLIENT = textwrap.dedent(
    """
    import sys
    from gbstream import VectorEnv
    env = VectorEnv(sys.argv[1], token=sys.argv[2], envs=[0, 1, 2, 3], frames=200, observe="gray")
    env.reset()
    print("stepping", flush=True)
    while True:
        env.step([0, 0, 0, 0])
    """
)

# The same with two overlapping batches in flight when it dies.
KILLED_BATCHED_CLIENT = textwrap.dedent(
    """
    import sys
    from gbstream import VectorEnv
    env = VectorEnv(sys.argv[1], token=sys.argv[2], envs=[0, 1, 2, 3], frames=200, observe="gray", batch_size=2)
    env.async_reset()
    print("stepping", flush=True)
    while True:
        env.recv()
        env.send([0, 0])
    """
)


@pytest.mark.parametrize("script", [KILLED_CLIENT, KILLED_BATCHED_CLIENT], ids=["step", "batches"])
def test_a_client_killed_mid_step_leaves_no_env_taken(server: Server, script: str) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", script, server.url, TOKEN],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "python")},
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "stepping"
        time.sleep(0.3)  # 4 x 200 frames take over a second: the step is in flight now
        child.send_signal(signal.SIGKILL)
        child.wait(5)
    finally:
        if child.poll() is None:
            child.kill()
    # The envs come free once their in-flight step is done; this reset queues behind it.
    with VectorEnv(server.url, token=TOKEN, envs=[0, 1, 2, 3], frames=1, timeout=30) as env:
        obs, infos = env.reset()
        assert [i["env"] for i in infos] == [0, 1, 2, 3]


def test_a_server_that_goes_away_is_a_connection_closed_error() -> None:
    own = start_server("--control", "open")
    try:
        env = VectorEnv(own.url, envs=1, frames=1)
        env.reset()
    finally:
        stop_server(own)
    with pytest.raises(GbstreamError) as gone:
        env.step([0])
    assert gone.value.code == "GBS_ERR_CONNECTION_CLOSED"
    env.close()  # still fine to call
    with pytest.raises(GbstreamError) as refused:
        VectorEnv(own.url, envs=1)
    assert refused.value.code == "GBS_ERR_CONNECTION_CLOSED" and "cannot connect" in refused.value.message


def test_requests_dropped_by_the_rate_limit_fail_with_its_code(server: Server) -> None:
    conn = Connection(server.url)  # no auth: a viewer's limit (50 records/s, burst 100)
    try:
        with pytest.raises(GbstreamError) as limited:
            conn.requests([{"type": "ping"}] * 150, timeout=10)
        assert limited.value.code == "GBS_ERR_RATE_LIMITED"
        # Refused again, past the first notice: each request still ends with the code, none waits
        # for the timeout (the server used to answer only the 1st and every 50th refusal).
        for _ in range(3):
            submitted = conn.submit([{"type": "ping"}] * 20)
            with pytest.raises(GbstreamError) as again:
                conn.wait(submitted, timeout=5)
            assert again.value.code == "GBS_ERR_RATE_LIMITED"
            assert all(future.done() for _, future in submitted.pending)
    finally:
        conn.close()
