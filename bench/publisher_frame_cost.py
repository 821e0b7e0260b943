"""What Publisher.frame() costs the training loop for an env nobody watches (µs per call).

Run: /usr/bin/python3 bench/publisher_frame_cost.py [--json]
No hub is needed: with none reachable every env is unwatched, which is the case measured. Also
measures the wrapper's per-step overhead around a no-op env, and (for comparison) what a
watched frame's copy of a PyBoy-sized RGBA screen costs.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
try:
    import numpy as np  # noqa: E402

    from gbstream.publish_wrapper import PublishWrapper  # noqa: E402
    from gbstream.publisher import Publisher  # noqa: E402
except ImportError as missing:  # gbstream's MissingDependencyError is one; its message says what to install
    sys.exit(f"publisher_frame_cost.py: {missing}")

N = 1_000_000


def per_call_us(fn, n: int = N) -> float:
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t0) / n * 1e6)
    return best


class NoopEnv:
    def reset(self, seed=None):  # noqa: ANN001
        return None, {}

    def step(self, action):  # noqa: ANN001
        return None, 0.0, False, False, {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the numbers as one JSON object")
    args = parser.parse_args()
    pub = Publisher("ws://127.0.0.1:9/ws", envs=288, backoff=(60.0, 60.0))
    screen = np.zeros((144, 160, 4), np.uint8)
    state = {"map_id": 1, "x": 2, "y": 3}
    empty = per_call_us(lambda: None)
    rows = {
        "frame(i, screen) unwatched": per_call_us(lambda: pub.frame(7, screen)) - empty,
        "frame(i, screen, state=dict) unwatched": per_call_us(lambda: pub.frame(7, screen, state=state)) - empty,
        "frame(i, lambda: screen, state=callable) unwatched": per_call_us(lambda: pub.frame(7, lambda: screen, state=lambda: state)) - empty,
    }
    env = PublishWrapper(NoopEnv(), pub, index=3, screen=lambda e: screen, state=lambda e: state)
    bare = NoopEnv()
    rows["PublishWrapper.step overhead, unwatched"] = per_call_us(lambda: env.step(0), 200_000) - per_call_us(lambda: bare.step(0), 200_000)
    rows["copy of a 144x160x4 screen (a watched frame)"] = per_call_us(lambda: screen.tobytes(), 20_000) - empty
    pub.close()
    if args.json:
        print(json.dumps({k: round(v, 3) for k, v in rows.items()}))
        return
    print(f"{'what':<55} {'µs/call':>8}")
    for k, v in rows.items():
        print(f"{k:<55} {v:>8.3f}")


if __name__ == "__main__":
    main()
