"""Saved machine states: save_state, reset from one state or one per env, determinism from there."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import TOKEN, Server
from gbstream import ACTIONS, GbstreamError, VectorEnv

RIGHT = ACTIONS.index(("right",))


def test_every_env_resumes_exactly_where_the_state_was_saved(server: Server, tmp_path: Path) -> None:
    with VectorEnv(server.url, token=TOKEN, envs=[0], frames=30, observe="gray") as env:
        env.reset()
        env.step([RIGHT])
        saved_obs, *_, saved_infos = env.step([RIGHT])
        state = env.save_state(0)
    assert isinstance(state, bytes) and len(state) > 4096  # far past a viewer's 4 KiB message limit
    (tmp_path / "start.state").write_bytes(state)

    plan = np.random.default_rng(3).integers(len(ACTIONS), size=(5, 3))
    runs = []
    for start in (state, tmp_path / "start.state"):  # bytes, or a file holding them
        with VectorEnv(server.url, token=TOKEN, envs=[1, 2, 3], frames=10, observe="gray") as env:
            obs, infos = env.reset(options={"state": start})
            assert [i["frame"] for i in infos] == [saved_infos[0]["frame"]] * 3
            assert all(i["state"] == saved_infos[0]["state"] for i in infos)
            runs.append([env.step(actions) for actions in plan])
    for (obs_a, *_, infos_a), (obs_b, *_, infos_b) in zip(*runs):
        assert [i["state"] for i in infos_a] == [i["state"] for i in infos_b]
        assert np.array_equal(obs_a, obs_b)


def test_the_first_observation_from_a_saved_state_is_its_picture(server: Server) -> None:
    with VectorEnv(server.url, token=TOKEN, envs=[0, 1], frames=50, observe="gray") as env:
        core = env.hello.get("core", "serverboy")
        if core != "serverboy":
            pytest.skip(f"{core}: its save state does not carry the picture (only serverboy's adapter restores it)")
        env.reset()
        saved_obs, *_ = env.step([RIGHT, RIGHT])
        state = env.save_state(0)
        env.step([0, 0])  # the picture moves on
        obs, _ = env.reset(options={"state": state})
        assert np.array_equal(obs[0], saved_obs[0]) and np.array_equal(obs[1], saved_obs[0])


def test_one_state_per_env_with_none_for_power_on(server: Server) -> None:
    with VectorEnv(server.url, token=TOKEN, envs=[3], frames=45) as env:
        env.reset()
        env.step([0])
        state, frame = env.save_state(0), 45
    with VectorEnv(server.url, token=TOKEN, envs=[0, 1], frames=5, observe=None, max_steps=2) as env:
        _, infos = env.reset(options={"state": [None, state]})
        assert [i["frame"] for i in infos] == [0, frame]
        for _ in range(3):  # two steps, then the autoreset step
            _, _, _, _, infos = env.step([0, 0])
        assert [i["frame"] for i in infos] == [0, frame]  # truncated episodes restart from the same states
        with pytest.raises(ValueError, match="expected 2 states"):
            env.reset(options={"state": [state]})


def test_a_state_the_core_cannot_load_is_a_bad_field_and_the_env_stays_usable(server: Server) -> None:
    with VectorEnv(server.url, token=TOKEN, envs=[2], frames=1) as env:
        with pytest.raises(GbstreamError) as refused:
            env.reset(options={"state": b"not a machine state"})
        assert refused.value.code == "GBS_ERR_BAD_FIELD" and "can't load that state" in refused.value.message
        _, infos = env.reset(options={"state": None})
        assert infos[0]["frame"] == 0


def test_save_state_of_an_env_another_agent_drives_is_env_busy(server: Server) -> None:
    with VectorEnv(server.url, token=TOKEN, envs=[1], frames=1) as driver:
        driver.reset()
        with VectorEnv(server.url, token=TOKEN, envs=[1], frames=1) as other:
            with pytest.raises(GbstreamError) as refused:
                other.save_state(0)
            assert refused.value.code == "GBS_ERR_ENV_BUSY"
        assert len(driver.save_state(0)) > 0
