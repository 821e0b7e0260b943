"""Python client for gbstream: drive Game Boy envs on a gbstream server from RL code.

>>> from gbstream import VectorEnv
>>> env = VectorEnv("ws://127.0.0.1:8080/ws", token="my-secret-token", envs=8)  # doctest: +SKIP

Or watch a trainer's own emulators: ``Publisher`` sends their frames and state to a hub.

Needs only ``websockets`` (10.4 or later), ``msgpack`` and ``numpy`` (Debian:
python3-websockets, python3-msgpack, python3-numpy). Gymnasium is optional.
"""
from ._requirements import require_dependencies

require_dependencies()

from .actions import ACTIONS, BUTTONS, InvalidAction
from .errors import GbstreamError
from .publish_wrapper import PublishWrapper, load_fields, read_field
from .publisher import Publisher, PublisherError
from .vector_env import VectorEnv

__all__ = [
    "ACTIONS",
    "BUTTONS",
    "GbstreamError",
    "InvalidAction",
    "Publisher",
    "PublisherError",
    "PublishWrapper",
    "VectorEnv",
    "load_fields",
    "read_field",
]
__version__ = "0.1.0"
