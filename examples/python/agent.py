#!/usr/bin/env python3
"""A random agent for gbstream's remote agent protocol.

It connects to a gbstream server, claims control with the token, takes one env in lockstep
(`reset`), then sends `step` messages (buttons held for K frames) and prints each observation.
The env only advances when the agent steps; viewers keep watching it live meanwhile.

    python3 examples/python/agent.py --url ws://127.0.0.1:8080/ws --token T --env 0 --steps 50

Needs `websockets` and `msgpack` (Debian: python3-websockets python3-msgpack).
Wire format: every message is a record, a uint32 big-endian length followed by one msgpack map.
"""
import argparse
import asyncio
import random
import struct
import sys

try:
    import msgpack
    import websockets
except ImportError as err:  # pragma: no cover - a clear line instead of a traceback
    sys.exit(f"agent.py: missing Python package ({err.name}); install python3-websockets and python3-msgpack")

BUTTONS = ["right", "left", "up", "down", "a", "b"]


def encode_record(message: dict) -> bytes:
    body = msgpack.packb(message, use_bin_type=True)
    return struct.pack(">I", len(body)) + body


def decode_records(data: bytes):
    offset = 0
    while offset < len(data):
        (length,) = struct.unpack_from(">I", data, offset)
        offset += 4
        yield msgpack.unpackb(data[offset : offset + length], raw=False)
        offset += length


class Agent:
    def __init__(self, ws):
        self.ws = ws
        self.next_id = 1

    async def request(self, message: dict) -> dict:
        """Sends a message and returns the answer with the same id (frames in between are skipped)."""
        message["id"] = self.next_id
        self.next_id += 1
        await self.ws.send(encode_record(message))
        while True:
            data = await self.ws.recv()
            if isinstance(data, str):
                continue
            for record in decode_records(data):
                if record.get("id") == message["id"] and record.get("type") in ("obs", "ack", "error"):
                    if record["type"] == "error":
                        raise RuntimeError(f"{record.get('code')}: {record.get('message')}")
                    return record

    async def hello(self) -> dict:
        while True:
            data = await self.ws.recv()
            for record in decode_records(data):
                if record.get("type") == "hello":
                    return record


def describe(obs: dict) -> str:
    state = ", ".join(f"{k}={v}" for k, v in obs.get("state", {}).items())
    screen = f" screen={obs['screenFormat']} {len(obs['screen'])} bytes" if obs.get("screen") else ""
    return f"frame={obs['frame']} {state}{screen}"


async def run(args) -> int:
    rng = random.Random(args.seed)
    async with websockets.connect(args.url, max_size=2**24, compression=None, open_timeout=10) as ws:
        agent = Agent(ws)
        hello = await agent.hello()
        print(f"connected to {hello['server']}: {hello['rom']['title']} ({hello['envs']} env(s)), fields {hello['fields']}")
        if args.token:
            await agent.request({"type": "auth", "token": args.token})
            print("control granted")
        obs = await agent.request({"type": "reset", "env": args.env})
        print(f"reset env {args.env}: {describe(obs)}")
        start_frame = obs["frame"]
        for i in range(args.steps):
            buttons = [rng.choice(BUTTONS)]
            obs = await agent.request(
                {"type": "step", "env": args.env, "buttons": buttons, "frames": args.frames, "observe": args.observe}
            )
            print(f"step {i + 1}/{args.steps}: {'+'.join(buttons):>5} x{args.frames} -> {describe(obs)}")
        await agent.request({"type": "release", "env": args.env})
        print(f"done: {args.steps} steps, {obs['frame'] - start_frame} frames; env {args.env} released")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description="Random agent for gbstream's lockstep agent protocol.")
    parser.add_argument("--url", default="ws://127.0.0.1:8080/ws", help="gbstream WebSocket URL")
    parser.add_argument("--token", default=None, help="control token the server was started with (--control-token)")
    parser.add_argument("--env", type=int, default=0, help="which env to drive")
    parser.add_argument("--steps", type=int, default=50, help="how many steps to take")
    parser.add_argument("--frames", type=int, default=4, help="frames each step holds its buttons")
    parser.add_argument("--observe", choices=["none", "gray", "rgba"], default="none", help="raw screen in each observation")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    args = parser.parse_args()
    try:
        return asyncio.run(run(args))
    except (OSError, asyncio.TimeoutError) as err:
        print(f"agent.py: cannot connect to {args.url}: {err}", file=sys.stderr)
        return 1
    except RuntimeError as err:
        print(f"agent.py: server refused: {err}", file=sys.stderr)
        return 2
    except websockets.ConnectionClosed as err:
        print(f"agent.py: connection closed: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
