"""A Publisher against a real ``gbstream hub`` with a token: big publishers join; refusals for good raise."""
from __future__ import annotations

import time
from typing import Iterator

import numpy as np
import pytest

from conftest import TOKEN, Server, start_server, stop_server
from gbstream.publisher import Publisher, PublisherError

SCREEN = np.zeros((144, 160, 3), np.uint8)


@pytest.fixture(scope="module")
def hub() -> Iterator[Server]:
    s = start_server("--control-token", TOKEN, "--max-envs", "2048", command="hub")
    yield s
    stop_server(s)


def labels(prefix: str, envs: int) -> list[str]:
    """64-character labels, the longest the hub takes."""
    return [f"{prefix}/{i}/".ljust(64, "x") for i in range(envs)]


def refusal(pub: Publisher, timeout: float = 10.0) -> PublisherError:
    """The PublisherError ``wait_ready`` raises (a False from it fails the test: the publisher would retry forever)."""
    try:
        with pytest.raises(PublisherError) as refused:
            assert pub.wait_ready(timeout) is not False, f"wait_ready gave up silently; last error {pub.last_error}, stats {pub.stats()}"
        return refused.value
    finally:
        pub.close()


def test_a_1024_env_publisher_with_64_character_labels_joins_a_hub_with_a_token(hub: Server) -> None:
    pub = Publisher(hub.url, token=TOKEN, envs=1024, labels=labels("big", 1024))
    try:
        assert pub.wait_ready(20), f"not ready: last error {pub.last_error}, stats {pub.stats()}"
        assert len(pub.env_ids) == 1024 and len(set(pub.env_ids)) == 1024
        assert pub.stats()["reconnects"] == 0
    finally:
        pub.close()


def test_a_wrong_token_raises_control_denied(hub: Server) -> None:
    err = refusal(Publisher(hub.url, token="not-the-token", envs=2))
    assert err.code == "GBS_ERR_CONTROL_DENIED"


def test_more_envs_than_a_publisher_may_announce_raises_too_many_envs(hub: Server) -> None:
    err = refusal(Publisher(hub.url, token=TOKEN, envs=1025, labels=labels("many", 1025)))
    assert err.code == "GBS_ERR_TOO_MANY_ENVS"


def test_an_announce_over_the_hubs_message_limit_raises_too_large_and_frame_raises_it_too(hub: Server) -> None:
    # 20,000 labels of 64 characters: a 1.3 MB announce, over the hub's 1 MiB per message; the hub
    # answers with an id-less GBS_ERR_TOO_LARGE and closes with 1009.
    pub = Publisher(hub.url, token=TOKEN, envs=20_000, labels=labels("huge", 20_000))
    err = refusal(pub)
    assert err.code == "GBS_ERR_TOO_LARGE"
    with pytest.raises(PublisherError) as again:
        pub.frame(0, SCREEN)
    assert again.value is err
    assert pub.stats()["reconnects"] == 0


def test_an_announce_past_the_websocket_limit_raises_too_large(hub: Server) -> None:
    # 40,000 labels: 2.6 MB, past the hub's WebSocket limit: a bare 1009 close, no error record.
    started = time.monotonic()
    err = refusal(Publisher(hub.url, token=TOKEN, envs=40_000, labels=labels("giant", 40_000)))
    assert err.code == "GBS_ERR_TOO_LARGE"
    assert time.monotonic() - started < 10
