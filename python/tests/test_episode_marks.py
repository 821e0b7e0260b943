"""Input-log recordings driven by VectorEnv: lockstep steps, resets from a state, episode marks.

The server records with ``--record-mode inputs``; ``gbstream inspect --verify`` then re-runs every
env from the log, lists the episodes with the scores ``mark_episode`` gave, and finds no desync.
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, TOKEN, start_server, stop_server
from gbstream import ACTIONS, VectorEnv

DEMO = ROOT / "src" / "demo" / "gbstream-demo.gbc"


def test_marked_episodes_are_listed_with_their_scores_and_replay_without_desync(tmp_path: Path) -> None:
    recording = tmp_path / "run.gbrec"
    server = start_server("--envs", "2", "--control-token", TOKEN, "--record", str(recording), "--record-mode", "inputs", "--checkpoint-s", "1")
    try:
        with VectorEnv(server.url, token=TOKEN, envs=[0, 1], frames=24) as env:
            env.reset()
            for step in range(5):
                env.step([step % len(ACTIONS), (step * 3) % len(ACTIONS)])
            state = env.save_state(0)
            env.mark_episode(0, 3.5)
            env.mark_episode(1, 7)
            env.reset(options={"state": state})
            for step in range(5):
                env.step([(step * 5) % len(ACTIONS), step % len(ACTIONS)])
            env.mark_episode(1, -2.25)
            with pytest.raises(IndexError):
                env.mark_episode(2, 1)
    finally:
        stop_server(server)
    node = os.environ.get("GBSTREAM_NODE", "node")
    out = subprocess.run([node, str(ROOT / "dist" / "cli" / "main.js"), "inspect", str(recording), "--verify", "--rom", str(DEMO), "--json"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert not report["desynced"]
    by_env = {e["env"]: e for e in report["envs"]}
    # Each env: the power-on reset of VectorEnv.reset(), then the reset from the saved state.
    scores = {env: [(ep["reason"], ep.get("score")) for ep in by_env[env]["episodes"] if ep["reason"] != "start"] for env in (0, 1)}
    assert scores == {0: [("reset", 3.5), ("load", None)], 1: [("reset", 7), ("load", -2.25)]}
    assert by_env[1]["episodes"][-1]["frames"] >= 5 * 24  # and more: released envs run free until the server stops
    assert all(e["verified"] == e["checkpoints"] for e in report["envs"])
