#!/usr/bin/env python3
"""A training-shaped random agent: a random policy over a gbstream VectorEnv.

It drives several envs in lockstep, one batched request per step, rewards exploration (every
map/x/y position not seen before in this run scores 1) and prints env steps per second. Swap the
random actions for your policy and this is the loop of an RL trainer; the envs stay visible in
the gbstream viewer meanwhile.

    npm start -- --envs 8 --control-token my-secret-token
    python3 examples/python/agent.py --token my-secret-token --envs 8 --steps 200
    python3 examples/python/agent.py --token my-secret-token --envs 8 --batch-size 4   # overlapping batches

With ``--batch-size`` the envs step in batches that overlap (``recv``/``send``): while the policy
works on one batch, the server steps the others.

Uses the gbstream package in this checkout's python/ (or an installed one: `pip install ./python`),
which needs websockets, msgpack and numpy (Debian: python3-websockets python3-msgpack python3-numpy).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))  # run from a checkout as is

try:
    from gbstream import GbstreamError, VectorEnv  # noqa: E402
except ImportError as err:  # websockets, msgpack or numpy missing: say how to get them, no traceback
    sys.exit(f"agent.py: {err}")

import numpy as np  # noqa: E402

# Position fields in the bundled memory maps: Pokémon (map_id or map_group/map_number, player_x/y)
# and the demo ROM (room, x, y).
MAP_FIELDS = (("map_id",), ("map_group", "map_number"), ("room",))
XY_FIELDS = (("player_x", "player_y"), ("x", "y"))


class ExplorationReward:
    """reward_fn: 1 for each map/x/y position that no env has stood on before in this run."""

    def __init__(self, fields: list[str]) -> None:
        map_part = next((m for m in MAP_FIELDS if all(f in fields for f in m)), ())
        xy = next((p for p in XY_FIELDS if all(f in fields for f in p)), None)
        self.names = (*map_part, *xy) if xy else None
        self.seen: set[tuple[int, ...]] = set()

    def position(self, state: dict[str, int]) -> tuple[int, ...] | None:
        return tuple(state[name] for name in self.names) if self.names else None

    def __call__(self, prev_state: dict[str, int], state: dict[str, int]) -> float:
        position = self.position(state)
        if position is None or position in self.seen:
            return 0.0
        self.seen.add(position)
        return 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description="Random policy over a gbstream VectorEnv with an exploration reward.")
    parser.add_argument("--url", default="ws://127.0.0.1:8080/ws", help="gbstream WebSocket URL")
    parser.add_argument("--token", default=os.environ.get("GBSTREAM_CONTROL_TOKEN"), help="the server's --control-token (default: $GBSTREAM_CONTROL_TOKEN)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--envs", type=int, default=1, help="drive envs 0..N-1")
    which.add_argument("--env", type=int, action="append", help="drive this env id (repeatable)")
    parser.add_argument("--steps", type=int, default=200, help="steps to take (each steps every env)")
    parser.add_argument("--frames", type=int, default=24, help="frames each step holds its buttons")
    parser.add_argument("--observe", choices=["gray", "rgb", "none"], default="gray", help="screens in each observation")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the policy")
    parser.add_argument("--batch-size", type=int, default=None, help="envs per overlapping batch (recv/send); default: step all at once")
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    observe = None if args.observe == "none" else args.observe
    try:
        env = VectorEnv(args.url, token=args.token, envs=args.env or args.envs, frames=args.frames, observe=observe, batch_size=args.batch_size)
    except ValueError as err:  # e.g. a batch size that does not divide the envs
        print(f"agent.py: {err}", file=sys.stderr)
        return 2
    except GbstreamError as err:  # err.code is the server's, e.g. GBS_ERR_CONTROL_DENIED
        print(f"agent.py: {err}", file=sys.stderr)
        return 1 if err.code == "GBS_ERR_CONNECTION_CLOSED" else 2

    with env:
        hello = env.hello
        print(f"connected to {hello['server']}: {hello['rom']['title']}, driving envs {env.env_ids} (server runs {hello['envs']})")
        if args.token:
            print("control granted")
        explore = env.reward_fn = ExplorationReward(env.fields)
        if explore.names is None:
            print(f"no position fields in this memory map ({', '.join(env.fields) or 'none'}); exploration reward is 0")
        batches = env.num_envs // env.batch_size
        if batches > 1:
            env.async_reset()  # every batch's reset in flight; recv() returns them in turn
            start_frames: dict[int, int] = {}
        else:
            obs, infos = env.reset()
            start_frames = {i["index"]: i["frame"] for i in infos}
        total_reward = 0.0
        report_every = max(1, args.steps // 10)
        started = time.perf_counter()
        for step in range(1, args.steps + 1):
            if batches > 1:
                for _ in range(batches):  # each env steps once per loop, a batch at a time
                    obs, rewards, terminated, truncated, infos = env.recv()
                    for info in infos:
                        start_frames.setdefault(info["index"], info["frame"])
                    env.send(rng.integers(len(env.actions), size=env.batch_size))  # the policy: swap in yours
                    total_reward += float(rewards.sum())
            else:
                actions = rng.integers(len(env.actions), size=env.num_envs)  # the policy: swap in yours
                obs, rewards, terminated, truncated, infos = env.step(actions)
                total_reward += float(rewards.sum())
            if step % report_every == 0 or step == args.steps:
                elapsed = time.perf_counter() - started
                rate = step * env.num_envs / elapsed
                last = infos[0]
                where = f" at {'/'.join(explore.names)} {explore.position(last['state'])}" if explore.names else ""
                print(f"step {step}/{args.steps}: {rate:.0f} env steps/s, {rate * args.frames:.0f} frames/s; "
                      f"{len(explore.seen)} distinct positions; env {last['env']} frame={last['frame']}{where}")
                env.publish_progress({"step": step * env.num_envs, "total": args.steps * env.num_envs, "reward": total_reward, "positions": len(explore.seen)})
        elapsed = time.perf_counter() - started
        frames = infos[0]["frame"] - start_frames[infos[0]["index"]]
        print(f"done: {args.steps} steps, {frames} frames per env, {env.num_envs} env(s) in {elapsed:.1f} s "
              f"({args.steps * env.num_envs / elapsed:.0f} env steps/s); {len(explore.seen)} distinct positions; envs released")
    return 0


if __name__ == "__main__":
    sys.exit(main())
