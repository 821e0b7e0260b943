"""Publish 16 envs of a (fake) trainer to a gbstream hub; watch them at http://127.0.0.1:8080/.

    node dist/cli/main.js hub --control-token my-secret-token      # in a checkout; installed: gbstream hub …
    python3 examples/python/publish.py ws://127.0.0.1:8080/ws my-secret-token [--seconds N]

Each env is a moving gradient with a made-up state; replace `screen` and `state` with your
emulator's (PyBoy: `pyboy.screen.ndarray`, `pyboy.memory[0xD35E]`), or wrap your env with
`gbstream.publish_wrapper.PublishWrapper`. Ctrl-C (or `--seconds N`) stops it. Uses the gbstream
package in this checkout's python/ (or an installed one), like agent.py.
"""
import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))  # run from a checkout as is

try:
    from gbstream.publisher import Publisher
except ImportError as err:  # websockets, msgpack or numpy missing: say how to get them, no traceback
    sys.exit(f"publish.py: {err}")

import numpy as np  # noqa: E402

parser = argparse.ArgumentParser(description="Publish 16 fake envs to a gbstream hub.")
parser.add_argument("url", nargs="?", default="ws://127.0.0.1:8080/ws")
parser.add_argument("token", nargs="?", default=os.environ.get("GBSTREAM_CONTROL_TOKEN"), help="the hub's --control-token (default: $GBSTREAM_CONTROL_TOKEN)")
parser.add_argument("--seconds", type=float, default=None, help="stop after this long (default: at Ctrl-C)")
args = parser.parse_args()
url, token = args.url, args.token
ENVS = 16
pub = Publisher(url, token=token, envs=ENVS, labels=[f"demo/{i}" for i in range(ENVS)])
print("announced:", pub.wait_ready(10), "env ids", pub.env_ids)
ramp = np.arange(160, dtype=np.uint8)[None, :].repeat(144, axis=0)
step = 0
end = None if args.seconds is None else time.monotonic() + args.seconds
try:
    while end is None or time.monotonic() < end:
        for i in range(ENVS):
            # A function, so the screen is only built when someone watches env i.
            pub.frame(i, lambda: (ramp + step + 16 * i).astype(np.uint8), state={"step": step, "score": (step * (i + 1)) % 1000})
        if step % 100 == 0:
            pub.progress({"step": step * ENVS})
            print(f"step {step}: watched {[i for i in range(ENVS) if pub.wants(i)]}, {pub.stats()}")
        step += 1
        time.sleep(1 / 60)
except KeyboardInterrupt:
    pass
pub.close()
