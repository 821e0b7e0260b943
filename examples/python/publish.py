"""Publish 16 envs of a (fake) trainer to a gbstream hub; watch them at http://127.0.0.1:8080/.

    node dist/cli/main.js hub --control-token my-secret-token      # in a checkout (or: gbstream hub …)
    PYTHONPATH=python /usr/bin/python3 examples/python/publish.py ws://127.0.0.1:8080/ws my-secret-token

Each env is a moving gradient with a made-up state; replace `screen` and `state` with your
emulator's (PyBoy: `pyboy.screen.ndarray`, `pyboy.memory[0xD35E]`), or wrap your env with
`gbstream.publish_wrapper.PublishWrapper`. Ctrl-C stops it.
"""
import sys
import time

import numpy as np

from gbstream.publisher import Publisher

url = sys.argv[1] if len(sys.argv) > 1 else "ws://127.0.0.1:8080/ws"
token = sys.argv[2] if len(sys.argv) > 2 else None
ENVS = 16
pub = Publisher(url, token=token, envs=ENVS, labels=[f"demo/{i}" for i in range(ENVS)])
print("announced:", pub.wait_ready(10), "env ids", pub.env_ids)
ramp = np.arange(160, dtype=np.uint8)[None, :].repeat(144, axis=0)
step = 0
try:
    while True:
        for i in range(ENVS):
            # A function, so the screen is only built when someone watches env i.
            pub.frame(i, lambda: (ramp + step + 16 * i).astype(np.uint8), state={"step": step, "score": (step * (i + 1)) % 1000})
        if step % 100 == 0:
            pub.progress({"step": step * ENVS})
            print(f"step {step}: watched {[i for i in range(ENVS) if pub.wants(i)]}, {pub.stats()}")
        step += 1
        time.sleep(1 / 60)
except KeyboardInterrupt:
    pub.close()
