#!/usr/bin/env python3
"""vector-env/* — training throughput through the Python VectorEnv, beside the bare core, in one run.

    core/single-thread          the emulator core alone in one Node thread (no server, no client):
                                emulated frames/s, the yardstick
    vector-env/8x24-gray        VectorEnv, 8 envs, frames=24, observe="gray", against
                                `gbstream serve --envs 8`: env frames/s (steps x 8 x 24 / s),
                                one `step` of all 8 at a time
    vector-env/8x24-gray-b4     the same 8 envs with batch_size=4: two batches of 4 in flight,
                                `recv()` one and `send()` its actions while the other steps
    vector-env/1x1-none         VectorEnv, one env (`serve --envs 1`), frames=1, no observation:
                                steps/s, i.e. the round trip
    client/ping                 the same client's ping → pong: the round trip with no emulation
                                (transport, msgpack, server) per second
    …@unix                      the same case over the server's Unix socket (`serve --socket`,
                                ``unix://``: a blocking socket, no asyncio, no WebSocket framing)
    vector-env/8x24-gray-2srv@unix  8 envs on two servers (`--envs 4` each) in one VectorEnv
    vector-env/8x24-gray-rec@unix   8x24 while the server records every env's input log
                                    (`--record-mode inputs`); printed over the same case unrecorded

Every case runs over both transports in the same run, side by side; the ratios printed are
unix / ws and each to the bare core. The core and 8-env cases run ``--rounds`` times, in turn
(core, 8x24, 8x24-b4, …; core, …), so a ratio compares measurements taken seconds apart; the
table gives each round and the median ratio.
Beside each wall-clock rate it prints frames per CPU-second (the server process's user+system
time, all its threads), which says how much the server costs per frame whatever else runs on
the machine: on a shared machine the wall-clock ratio measures the neighbours as much as gbstream.
Then where that CPU goes, per thread (``/proc/<pid>/task``): the server's main thread, its env
threads (the busiest ones, one per core), its other threads (V8's GC and compiler helpers,
libuv), and the Python client (its process time), in µs per env frame (per step for one env).

    npm run build && python3 bench/vector-env.py [--seconds 10] [--rounds 3] [--core NAME] [--rom FILE] [--json FILE]

``--core`` is passed to `gbstream serve --core` and chooses the core measured alone; without it
both use the server's default (``auto`` once the server can choose cores).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import threading
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

try:
    import numpy as np  # noqa: E402

    from gbstream import VectorEnv  # noqa: E402
    from gbstream._stream import connect  # noqa: E402
except ImportError as missing:  # gbstream's MissingDependencyError is one; its message says what to install
    sys.exit(f"vector-env.py: {missing}")

TOKEN = "bench-token-123"
DEMO_ROM = ROOT / "src" / "demo" / "gbstream-demo.gbc"

# One Node thread steps the core for `seconds` after a warm-up. The core is chosen the way
# `serve --core` chooses it (default auto) when this build can choose cores, else it is serverboy.
BARE_CORE = """
import { readFileSync } from 'node:fs';
const [romPath, core, seconds] = process.argv.slice(1);
const rom = new Uint8Array(readFileSync(romPath));
let choice;
try {
  const { chooseCore } = await import('./dist/emulator/core-choice.js');
  choice = chooseCore(core || 'auto').choice;
} catch (err) {
  if (err.code !== 'ERR_MODULE_NOT_FOUND') throw err;
  if (core) throw new Error(`this build has one core (serverboy); --core ${core} needs one that can choose`);
}
const { createEmulator } = await import('./dist/emulator/create-emulator.js');
const emu = await createEmulator(rom, choice ? { core: choice } : {});
for (let i = 0; i < 120; i++) emu.step();
const c0 = process.cpuUsage(); const t0 = performance.now(); let n = 0;
while (performance.now() - t0 < Number(seconds) * 1000) { for (let i = 0; i < 24; i++) emu.step(); n += 24; }
const { user, system } = process.cpuUsage(c0);
console.log(JSON.stringify({ fps: n / ((performance.now() - t0) / 1000), cpuFps: n / ((user + system) / 1e6), core: emu.core ?? 'serverboy' }));
"""


def bare_core(rom: Path, core: str | None, seconds: float) -> dict:
    done = subprocess.run(
        ["node", "--input-type=module", "-e", BARE_CORE, str(rom), core or "", str(seconds)],
        cwd=ROOT, capture_output=True, text=True,
    )
    if done.returncode != 0:
        why = [line for line in done.stderr.splitlines() if "Error" in line]
        sys.exit(f"vector-env.py: the bare core did not run: {why[-1] if why else done.stderr.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])


class Server:
    def __init__(self, rom: Path, envs: int, core: str | None, record_inputs: bool = False) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="gbs-bench-"))
        self.socket = self.folder / "s.sock"
        args = ["node", "dist/cli/main.js", "serve", str(rom), "--port", "0", "--envs", str(envs), "--control-token", TOKEN, "--socket", str(self.socket)]
        if core:
            args += ["--core", core]
        if record_inputs:  # every emulated frame of every env kept as an input log (issue 23)
            args += ["--record", str(self.folder / "run.gbrec"), "--record-mode", "inputs"]
        self.process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        found = re.search(r"ws://\S+", line)
        if not found:
            self.process.kill()
            sys.exit(f"vector-env.py: the server did not start: {line!r}\n{self.process.stderr.read()}")
        self.urls = {"ws": found.group(0), "unix": f"unix://{self.socket}"}
        threading.Thread(target=self.process.stderr.read, daemon=True).start()

    def thread_seconds(self) -> dict[int, float]:
        """User + system CPU time of each of the server's threads so far, by thread id."""
        out: dict[int, float] = {}
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            try:
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # a thread that just ended
            out[int(task.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return out

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (every thread; Linux /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def split_threads(servers: list[Server], before: list[dict[int, float]], envs: int) -> dict[str, float]:
    """CPU seconds since ``before`` by kind of thread, over every server."""
    split = {"main": 0.0, "env threads": 0.0, "other threads": 0.0}
    for server, start in zip(servers, before):
        delta = {t: cpu - start.get(t, 0.0) for t, cpu in server.thread_seconds().items()}
        split["main"] += delta.pop(server.process.pid, 0.0)
        busiest = sorted(delta.values(), reverse=True)
        # One env runs on the main thread (no worker); more run on one thread per core at most.
        per_server = envs // len(servers)
        env_threads = 0 if per_server == 1 else min(per_server, os.cpu_count() or 1)
        split["env threads"] += sum(busiest[:env_threads])
        split["other threads"] += sum(busiest[env_threads:])
    return split


def drive(servers: list[Server], transport: str, envs: int, frames: int, observe: str | None, seconds: float, batch_size: int | None = None) -> tuple[int, float, float, dict[str, float]]:
    """Random actions for `seconds` after a short warm-up; returns (env steps, wall s, servers' CPU
    s, CPU s by thread kind and the client's).

    With ``batch_size`` the batches overlap (``recv``/``send``); without, ``step`` steps all envs.
    Several servers: one VectorEnv spanning them.
    """
    rng = np.random.default_rng(1)
    urls = [s.urls[transport] for s in servers]
    cpu_seconds = lambda: sum(s.cpu_seconds() for s in servers)  # noqa: E731
    with VectorEnv(urls[0] if len(urls) == 1 else urls, token=TOKEN, envs=envs, frames=frames, observe=observe, batch_size=batch_size) as env:
        if batch_size is None:
            env.reset()
            step = lambda: env.step(rng.integers(len(env.actions), size=envs))  # noqa: E731
        else:
            env.async_reset()

            def step() -> None:
                obs, *_ = env.recv()
                env.send(rng.integers(len(env.actions), size=batch_size))

        per_call = envs if batch_size is None else batch_size
        for _ in range(3 * envs // per_call):
            step()
        threads = [s.thread_seconds() for s in servers]
        steps, started, cpu, client = 0, time.perf_counter(), cpu_seconds(), time.process_time()
        while time.perf_counter() - started < seconds:
            step()
            steps += per_call
        elapsed, cpu, client = time.perf_counter() - started, cpu_seconds() - cpu, time.process_time() - client
        return steps, elapsed, cpu, {**split_threads(servers, threads, envs), "client": client}


#: Pings timed: well under an agent's rate-limit burst (50,000 records).
PINGS = 3000


def pings(server: Server, transport: str) -> tuple[int, float]:
    conn = connect(server.urls[transport])
    try:
        conn.request({"type": "auth", "token": TOKEN})  # an agent's rate limit, not a viewer's
        time.sleep(1)  # let the bucket refill after the stepping case
        started = time.perf_counter()
        for _ in range(PINGS):
            conn.request({"type": "ping"})
        return PINGS, time.perf_counter() - started
    finally:
        conn.close()


CASES = (("vector-env/8x24-gray", None), ("vector-env/8x24-gray-b4", 4))
KINDS = ("env threads", "main", "other threads", "client")


def per_unit(threads: dict[str, float], units: int, elapsed: float) -> dict[str, float]:
    """µs of CPU per unit (env frame or step) by thread kind, and the wall-clock µs of one."""
    return {**{k: 1e6 * v / units for k, v in threads.items()}, "wall": 1e6 * elapsed / units}
TRANSPORTS = ("ws", "unix")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="timed seconds per case")
    parser.add_argument("--rounds", type=int, default=3, help="times the core and the 8-env cases are measured, in turn")
    parser.add_argument("--rom", type=Path, default=DEMO_ROM, help="ROM to run (default: the demo)")
    parser.add_argument("--core", default=None, help="emulator core (serve --core); default: the server's")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()

    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    load = os.getloadavg()[0]
    rounds: list[dict[str, dict]] = []
    for _ in range(args.rounds):
        core = bare_core(args.rom, args.core, args.seconds)
        measured = {"core/single-thread": {"hz": core["fps"], "unit": "frames/s", "per_cpu_s": core["cpuFps"]}}
        with Server(args.rom, 8, args.core) as server:
            for name, batch in CASES:
                for transport in TRANSPORTS:
                    steps, elapsed, cpu, threads = drive([server], transport, 8, 24, "gray", args.seconds, batch)
                    measured[f"{name}@{transport}"] = {"hz": steps * 24 / elapsed, "unit": "env frames/s", "per_cpu_s": steps * 24 / cpu, "us": per_unit(threads, steps * 24, elapsed)}
        with Server(args.rom, 8, args.core, record_inputs=True) as server:
            steps, elapsed, cpu, threads = drive([server], "unix", 8, 24, "gray", args.seconds)
            measured["vector-env/8x24-gray-rec@unix"] = {"hz": steps * 24 / elapsed, "unit": "env frames/s", "per_cpu_s": steps * 24 / cpu, "us": per_unit(threads, steps * 24, elapsed)}
        with Server(args.rom, 4, args.core) as a, Server(args.rom, 4, args.core) as b:
            steps, elapsed, cpu, threads = drive([a, b], "unix", 8, 24, "gray", args.seconds)
            measured["vector-env/8x24-gray-2srv@unix"] = {"hz": steps * 24 / elapsed, "unit": "env frames/s", "per_cpu_s": steps * 24 / cpu, "us": per_unit(threads, steps * 24, elapsed)}
        rounds.append(measured)
    one: dict[str, dict] = {}
    ping: dict[str, float] = {}
    with Server(args.rom, 1, args.core) as server:
        for transport in TRANSPORTS:
            steps, elapsed, cpu, threads = drive([server], transport, 1, 1, None, args.seconds)
            one[transport] = {"hz": steps / elapsed, "unit": "steps/s", "per_cpu_s": steps / cpu, "round_trip_ms": 1000 * elapsed / steps, "us": per_unit(threads, steps, elapsed)}
            count, ping_elapsed = pings(server, transport)
            ping[transport] = 1000 * ping_elapsed / count

    def median(f) -> float:  # type: ignore[no-untyped-def]
        return statistics.median(f(r) for r in rounds)

    names = [n for n in rounds[0] if n != "core/single-thread"]
    ratios = {n: median(lambda r: r[n]["hz"] / r["core/single-thread"]["hz"]) for n in names}
    efficiency = {n: median(lambda r: r[n]["per_cpu_s"] / r["core/single-thread"]["per_cpu_s"]) for n in names}
    unix_over_ws = {name: median(lambda r: r[f"{name}@unix"]["hz"] / r[f"{name}@ws"]["hz"]) for name, _ in CASES}
    two_over_one = median(lambda r: r["vector-env/8x24-gray-2srv@unix"]["hz"] / r["vector-env/8x24-gray@unix"]["hz"])
    recorded_over_plain = median(lambda r: r["vector-env/8x24-gray-rec@unix"]["hz"] / r["vector-env/8x24-gray@unix"]["hz"])
    core_hz = median(lambda r: r["core/single-thread"]["hz"])
    core_cpu = median(lambda r: r["core/single-thread"]["per_cpu_s"])
    print(f"core {core['core']}, ROM {args.rom.name}, {os.cpu_count()} CPUs, {args.seconds:g} s per case, {args.rounds} round(s), "
          f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    print(f"{'round':<6} {'case':<32} {'rate':>10}  {'unit':<14} {'per CPU-second':>14} {'x core':>7}")
    for k, r in enumerate(rounds, 1):
        for name, m in r.items():
            times = m["hz"] / r["core/single-thread"]["hz"]
            print(f"{k:<6} {name:<32} {m['hz']:>10,.0f}  {m['unit']:<14} {m['per_cpu_s']:>14,.0f} {times:>6.2f}x")
    for transport, m in one.items():
        print(f"{'':<6} {'vector-env/1x1-none@' + transport:<32} {m['hz']:>10,.0f}  {m['unit']:<14} {m['per_cpu_s']:>14,.0f} {m['hz'] / core_hz:>6.2f}x")
    print(f"median of {args.rounds} round(s), each to the bare core of its round:")
    for n in names:
        print(f"  {n:<32} {ratios[n]:.2f}x wall clock, {efficiency[n]:.2f} per server CPU-second (1.0 = no cost beyond the core)")
    for name, ratio in unix_over_ws.items():
        print(f"  {name}: unix / ws = {ratio:.2f}x")
    print(f"  two servers (--envs 4 each) / one server (--envs 8), over unix: {two_over_one:.2f}x (target >= 0.9)")
    print(f"  recording inputs (--record-mode inputs) / not recording, over unix: {recorded_over_plain:.3f}x (target >= 0.97)")
    for transport in TRANSPORTS:
        overhead_ms = 1000 / one[transport]["per_cpu_s"] - 1000 / core_cpu
        print(f"one env, frames=1, {transport}: {one[transport]['round_trip_ms']:.3f} ms a step, {one[transport]['hz'] / core_hz:.2f}x the core's frames/s "
              f"(target >= 0.5); server CPU a step beyond its frame {overhead_ms:.3f} ms; ping {ping[transport]:.3f} ms")
    print(f"unix / ws: steps/s {one['unix']['hz'] / one['ws']['hz']:.2f}x, pings/s {ping['ws'] / ping['unix']:.2f}x")
    print(f"where the CPU goes, µs per env frame (one env: per step, emulated on the main thread), median over rounds; the bare core {1e6 / core_cpu:.1f} µs a frame:")
    print(f"  {'case':<34} " + " ".join(f"{k:>13}" for k in (*KINDS, "wall")))
    for n in names:
        print(f"  {n:<34} " + " ".join(f"{median(lambda r: r[n]['us'][k]):>13.1f}" for k in (*KINDS, "wall")))
    for transport, m in one.items():
        print(f"  {'vector-env/1x1-none@' + transport:<34} " + " ".join(f"{m['us'][k]:>13.1f}" for k in (*KINDS, "wall")))
    if args.json:
        machine = {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(), "load": load}
        summary = {**{f"{n}/core": v for n, v in ratios.items()}, **{f"{n}/core-per-cpu-s": v for n, v in efficiency.items()},
                   **{f"{n}/unix-over-ws": v for n, v in unix_over_ws.items()}, "2srv-over-1srv": two_over_one, "rec-inputs-over-plain": recorded_over_plain, "ping-ms": ping}
        args.json.write_text(json.dumps({"machine": machine, "core": core["core"], "rounds": rounds, "vector-env/1x1-none": one, "ratios": summary}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
