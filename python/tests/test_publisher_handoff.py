"""The hand-off between the training loop (``frame()``) and the publisher's I/O thread: newest frame
wins and every frame is sent, replaced (counted as dropped) or still pending, never lost uncounted.

No hub: the publisher points at a closed port and is closed at once; the test then plays the
I/O thread itself by calling ``_batches``, the step that takes what is pending.
"""
from __future__ import annotations

import sys
import threading
from typing import Any

import numpy as np

from gbstream._wire import decode_records
from gbstream.publisher import Publisher

SCREEN = np.zeros((144, 160), np.uint8)


def idle_publisher(envs: int = 1) -> Publisher:
    pub = Publisher("ws://127.0.0.1:9/ws", envs=envs, backoff=(60.0, 60.0))
    pub.close()  # the I/O thread is gone; this test takes its place
    for i in range(envs):
        pub._fps[i] = 10.0  # as if a viewer wanted every env
    return pub


def offer(pub: Publisher, i: int, step: int) -> bool:
    pub._next_frame[i] = 0.0  # due now, whatever the pacing
    return pub.frame(i, SCREEN, frame=step)


def sent_steps(batches: list[bytes]) -> list[int]:
    return [r["frame"] for b in batches for r in decode_records(b) if r["type"] == "pub_frame"]


def pending_steps(pub: Publisher) -> list[int]:
    return [f[3] for f in pub._frames if f is not None]


class ReadHook(list):  # type: ignore[type-arg]
    """A pending-frames list that runs ``hook`` (once) when the I/O thread reads an item."""

    def __init__(self, items: list[Any], hook: Any) -> None:
        super().__init__(items)
        self.hook = hook

    def __getitem__(self, key: Any) -> Any:
        value = super().__getitem__(key)
        hook, self.hook = self.hook, None
        if hook is not None:
            hook()
        return value


def test_a_frame_stored_while_the_io_thread_takes_the_pending_one_is_not_lost() -> None:
    pub = idle_publisher()
    assert offer(pub, 0, 1)
    trainer: list[threading.Thread] = []

    def training_loop_runs_now() -> None:
        # The training thread offers frame 2 right after the I/O thread read frame 1 (the old
        # code then cleared the slot, losing frame 2 without counting it).
        t = threading.Thread(target=offer, args=(pub, 0, 2))
        trainer.append(t)
        t.start()
        t.join(0.5)  # it may have to wait for the I/O thread: then it stores once that is done

    pub._frames = ReadHook(pub._frames, training_loop_runs_now)
    sent = sent_steps(pub._batches(1 << 20))
    trainer[0].join()
    pending = pending_steps(pub)
    stats = pub.stats()
    assert 2 in sent + pending, f"frame 2 was lost: sent {sent}, pending {pending}, stats {stats}"
    assert stats["frames"] == len(sent)
    assert stats["frames"] + stats["dropped"] + len(pending) == 2, stats


def test_counts_add_up_with_the_training_loop_and_the_io_thread_racing() -> None:
    pub = idle_publisher(envs=4)
    offers = 20_000
    offered = 0
    sent: list[int] = []
    done = threading.Event()

    def training_loop() -> None:
        nonlocal offered
        for step in range(offers):
            offered += offer(pub, step % 4, step)
        done.set()

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show up
    try:
        t = threading.Thread(target=training_loop)
        t.start()
        while not done.is_set():
            sent += sent_steps(pub._batches(1 << 20))
        t.join()
    finally:
        sys.setswitchinterval(old)
    sent += sent_steps(pub._batches(1 << 20))
    stats = pub.stats()
    assert offered == offers
    assert len(sent) == len(set(sent)) == stats["frames"], "a frame sent twice, or a miscount of sent frames"
    assert stats["frames"] + stats["dropped"] == offers, stats
    assert {offers - 4, offers - 3, offers - 2, offers - 1} <= set(sent), "the newest frame of some env was lost"
