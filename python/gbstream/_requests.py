"""The batched ``reset``/``step`` requests a VectorEnv sends, and one answer from several.

Pure functions over positions (an env's index in ``VectorEnv.env_ids``): no sockets, no state.
"""
from __future__ import annotations

import os
from typing import Any, Optional, Sequence, Union

import numpy as np

#: A saved machine state: bytes from ``save_state`` or the path of a file holding them.
SavedState = Union[bytes, bytearray, memoryview, str, "os.PathLike[str]"]

#: Bytes of saved states sent in one request; the server takes up to 4 MiB from an agent.
MAX_STATE_BYTES_PER_REQUEST = 3 * 1024 * 1024

#: ``observe`` as VectorEnv takes it → as the wire says it.
WIRE_OBSERVE = {"gray": "gray", "rgb": "rgba", None: "none"}


def state_bytes(value: Optional[SavedState]) -> Optional[bytes]:
    """The bytes of one saved state (read from the file when given a path); None stays None."""
    if value is None:
        return None
    if isinstance(value, (str, os.PathLike)):
        with open(value, "rb") as file:
            return file.read()
    return bytes(value)


def reset_groups(start_states: Sequence[Optional[bytes]], which: np.ndarray) -> list[np.ndarray]:
    """Splits positions into reset requests whose saved states stay under the server's size limit."""
    if not len(which):
        return []
    first = start_states[which[0]]
    if all(start_states[i] is first for i in which):
        return [which]  # one state (or none) for all: sent once
    groups, current, size = [], [], 0
    for i in which:
        state = start_states[i]
        if current and size + len(state or b"") > MAX_STATE_BYTES_PER_REQUEST:
            groups.append(np.array(current))
            current, size = [], 0
        current.append(i)
        size += len(state or b"")
    groups.append(np.array(current))
    return groups


def reset_request(env_ids: Sequence[int], start_states: Sequence[Optional[bytes]], group: np.ndarray, observe: str) -> dict[str, Any]:
    """A batched ``reset`` of the envs at positions ``group``, each from its start state."""
    message: dict[str, Any] = {"type": "reset", "envs": [env_ids[i] for i in group], "observe": observe}
    states = [start_states[i] for i in group]
    if all(s is states[0] for s in states):
        if states[0] is not None:
            message["state"] = states[0]
    else:
        message["states"] = states
    return message


def step_request(env_ids: Sequence[int], group: np.ndarray, buttons: Sequence[list[str]], frames: int, observe: str) -> dict[str, Any]:
    """A batched ``step``: env at position ``group[k]`` holds ``buttons[k]`` for ``frames`` frames."""
    return {"type": "step", "envs": [env_ids[i] for i in group], "actions": list(buttons), "frames": frames, "observe": observe}


def merge(answers: list[dict[str, Any]], groups: list[np.ndarray], positions: np.ndarray) -> dict[str, Any]:
    """One answer, in the order of ``positions``, from answers where ``answers[k]`` answered ``groups[k]``."""
    if len(answers) == 1 and (groups[0] is positions or np.array_equal(groups[0], positions)):
        return answers[0]
    order = {int(p): k for k, p in enumerate(positions)}
    count = len(positions)
    frames: list[int] = [0] * count
    states: list[dict[str, int]] = [{}] * count
    screens: list[bytes] = [b""] * count
    for answer, group in zip(answers, groups):
        screen = answer.get("screen")
        size = len(screen) // len(group) if screen else 0
        for k, p in enumerate(group):
            i = order[int(p)]
            frames[i] = answer["frames"][k]
            states[i] = answer["states"][k]
            if screen:
                screens[i] = screen[k * size : (k + 1) * size]
    return {"envs": list(range(count)), "frames": frames, "states": states, "screen": b"".join(screens)}
