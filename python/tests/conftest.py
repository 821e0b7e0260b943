"""A real gbstream server for the tests: `node dist/cli/main.js serve` on a free port.

Build first (`npm run build`; `npm test` does). GBSTREAM_NODE picks the node binary;
GBSTREAM_CORE runs the suite on another emulator core (`serve --core NAME`).
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))

TOKEN = "pytest-token-123"
ENVS = 4


class Server:
    """A running `gbstream serve` process and where to reach it."""

    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process = process
        self.url = url
        self.http = url.replace("ws://", "http://", 1).removesuffix("ws")
        self.log: list[str] = []


def start_server(*args: str, command: str = "serve") -> Server:
    """``gbstream serve`` (or ``command``: ``hub``) on a free port, with ``args``."""
    node = os.environ.get("GBSTREAM_NODE") or shutil.which("node")
    main = ROOT / "dist" / "cli" / "main.js"
    if not node or not main.exists():
        raise RuntimeError(f"need node and a built gbstream ({main}): run `npm run build`")
    core = os.environ.get("GBSTREAM_CORE")
    process = subprocess.Popen(
        [node, str(main), command, "--port", "0", *(["--core", core] if core and command == "serve" else []), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # "gbstream: streaming … — WebSocket ws://127.0.0.1:PORT/ws"
    found = re.search(r"ws://\S+", line)
    if not found:
        process.kill()
        raise RuntimeError(f"server did not start: {line!r} {process.stderr.read() if process.stderr else ''}")
    server = Server(process, found.group(0))
    # Drain stderr (JSON logs) so a chatty server never blocks on a full pipe.
    threading.Thread(target=lambda: server.log.extend(process.stderr), daemon=True).start()  # type: ignore[arg-type]
    return server


def stop_server(server: Server) -> None:
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    """`--envs 4` (one worker thread each) with a control token."""
    s = start_server("--envs", str(ENVS), "--control-token", TOKEN)
    yield s
    stop_server(s)
