"""VectorEnv against a real server: shapes, dtypes, lockstep, determinism, rewards, truncation."""
from __future__ import annotations

import json
import urllib.request

import numpy as np
import pytest

from conftest import ENVS, TOKEN, Server
from gbstream import ACTIONS, VectorEnv

RIGHT = ACTIONS.index(("right",))
DOWN = ACTIONS.index(("down",))


def test_gray_observations_are_uint8_n_144_160_and_steps_run_exactly_frames(server: Server) -> None:
    with VectorEnv(server.url, token=TOKEN, envs=ENVS, frames=6, observe="gray") as env:
        obs, infos = env.reset()
        assert obs.shape == (ENVS, 144, 160) and obs.dtype == np.uint8
        assert [i["env"] for i in infos] == list(range(ENVS))
        assert set(infos[0]) == {"env", "server", "index", "frame", "state", "steps"}
        assert set(infos[0]["state"]) == set(env.fields) and env.fields
        start = [i["frame"] for i in infos]
        obs, rewards, terminated, truncated, infos = env.step([0] * ENVS)
        assert obs.shape == (ENVS, 144, 160) and obs.dtype == np.uint8 and obs.flags.writeable
        assert rewards.shape == (ENVS,) and rewards.dtype == np.float32
        assert terminated.dtype == bool and truncated.dtype == bool and terminated.shape == truncated.shape == (ENVS,)
        assert [i["frame"] for i in infos] == [f + 6 for f in start]
        assert [i["steps"] for i in infos] == [1] * ENVS


def test_rgb_observations_have_three_channels_and_none_gives_no_screen(server: Server) -> None:
    with VectorEnv(server.url, token=TOKEN, envs=[1, 3], frames=30, observe="rgb") as env:
        obs, _ = env.reset()
        assert obs.shape == (2, 144, 160, 3) and obs.dtype == np.uint8
        obs, *_ = env.step([["a"], "b"])  # actions may be button lists or one button name
        assert obs.shape == (2, 144, 160, 3) and obs.flags.c_contiguous
        assert obs.max() > obs.min()  # a picture, not a blank buffer
    with VectorEnv(server.url, token=TOKEN, envs=2, frames=1, observe=None) as env:
        obs, infos = env.reset()
        assert obs is None and infos[1]["env"] == 1
        obs, rewards, *_ = env.step([0, 0])
        assert obs is None and rewards.shape == (2,)


def test_gray_and_rgb_show_the_same_picture(server: Server) -> None:
    frames = {}
    for observe in ("gray", "rgb"):
        with VectorEnv(server.url, token=TOKEN, envs=[0], frames=40, observe=observe) as env:
            env.reset()
            frames[observe], *_ = env.step([RIGHT])
    gray, rgb = frames["gray"][0].astype(int), frames["rgb"][0].astype(int)
    # Same positions are dark in both (luma of the RGB picture tracks the gray one).
    luma = (rgb * [299, 587, 114]).sum(axis=2) // 1000
    assert np.abs(luma - gray).max() <= 2


def test_same_start_and_same_actions_give_the_same_states_and_screens(server: Server) -> None:
    rng = np.random.default_rng(7)
    plan = rng.integers(len(ACTIONS), size=(8, 2))
    runs = []
    for _ in range(2):
        with VectorEnv(server.url, token=TOKEN, envs=[0, 2], frames=8) as env:
            env.reset()
            trace = []
            for actions in plan:
                obs, _, _, _, infos = env.step(actions)
                trace.append(([i["state"] for i in infos], obs.copy()))
            runs.append(trace)
    for (states_a, obs_a), (states_b, obs_b) in zip(*runs):
        assert states_a == states_b
        assert np.array_equal(obs_a, obs_b)
    assert runs[0][-1][0][0] != runs[0][0][0][0]  # and the game did move


def test_each_env_gets_its_own_action(server: Server) -> None:
    with VectorEnv(server.url, token=TOKEN, envs=[0, 1], frames=10, observe=None) as env:
        env.reset()
        _, _, _, _, infos = env.step([0, 0])  # let the demo boot
        start = [i["state"] for i in infos]
        for _ in range(2):
            _, _, _, _, infos = env.step([RIGHT, DOWN])
    walked_right, walked_down = infos[0]["state"], infos[1]["state"]
    assert walked_right["x"] > start[0]["x"] and walked_right["y"] == start[0]["y"]
    assert walked_down["y"] > start[1]["y"] and walked_down["x"] == start[1]["x"]


def test_reward_fn_sees_the_previous_and_the_new_state(server: Server) -> None:
    seen = []

    def moved_right(prev: dict[str, int], state: dict[str, int]) -> float:
        seen.append((prev.get("x"), state["x"]))
        return float(state["x"] - prev.get("x", state["x"]))

    with VectorEnv(server.url, token=TOKEN, envs=[3], frames=20, observe=None, reward_fn=moved_right) as env:
        env.reset()
        env.step([0])
        _, rewards, _, _, infos = env.step([RIGHT])
    assert rewards[0] > 0
    assert seen[-1] == (seen[-2][1], infos[0]["state"]["x"])


def test_max_steps_truncates_and_the_next_step_resets_that_env(server: Server) -> None:
    with VectorEnv(server.url, token=TOKEN, envs=[0, 1], frames=5, observe="gray", max_steps=3) as env:
        _, infos = env.reset()
        start = infos[0]["frame"]
        for step in range(1, 4):
            obs, _, terminated, truncated, infos = env.step([0, 0])
            assert list(truncated) == [step == 3] * 2 and not terminated.any()
        assert infos[0]["frame"] == start + 15
        obs, rewards, _, truncated, infos = env.step([0, 0])  # the autoreset step: actions ignored
        assert [i["frame"] for i in infos] == [start, start] and [i["steps"] for i in infos] == [0, 0]
        assert obs.shape == (2, 144, 160) and not truncated.any() and not rewards.any()
        _, _, _, _, infos = env.step([0, 0])
        assert infos[0]["frame"] == start + 5


def test_publish_progress_reaches_the_viewers_training_panel(server: Server) -> None:
    with VectorEnv(server.url, token=TOKEN, envs=[0], frames=1) as env:
        env.publish_progress({"step": 1200, "reward": 3.5})
    with urllib.request.urlopen(server.http + "api/progress", timeout=5) as response:
        progress = json.load(response)
    assert progress["values"] == {"step": 1200, "reward": 3.5}


def test_gymnasium_spaces_when_gymnasium_is_installed(server: Server) -> None:
    gymnasium = pytest.importorskip("gymnasium", reason="Gymnasium is not installed (optional)")
    with VectorEnv(server.url, token=TOKEN, envs=2, frames=1) as env:
        assert isinstance(env.single_observation_space, gymnasium.spaces.Box)
        assert env.observation_space.shape == (2, 144, 160)
        assert env.action_space.nvec.tolist() == [len(ACTIONS)] * 2
        obs, _ = env.reset()
        assert env.observation_space.contains(obs)
