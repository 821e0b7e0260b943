"""Buttons, the default discrete action table, and turning actions into the buttons the wire carries."""
from __future__ import annotations

from typing import Sequence, Union

import numpy as np

from .errors import GbstreamError

#: An action: an index into the action table, one button name, or a list of button names.
Action = Union[int, np.integer, str, Sequence[str]]

#: Game Boy buttons as the server names them.
BUTTONS: tuple[str, ...] = ("right", "left", "up", "down", "a", "b", "select", "start")

#: The default action table of ``VectorEnv``: action ``k`` holds the buttons ``ACTIONS[k]``.
#: Index 0 presses nothing; the rest press one button each (the usual Pokémon RL set plus select).
ACTIONS: tuple[tuple[str, ...], ...] = (
    (),
    ("a",),
    ("b",),
    ("up",),
    ("down",),
    ("left",),
    ("right",),
    ("start",),
    ("select",),
)


class InvalidAction(GbstreamError, ValueError):
    """An action that is neither an index into ``env.actions`` nor a list of button names."""

    def __init__(self, message: str) -> None:
        super().__init__("GBS_ERR_BAD_FIELD", message)


def check_buttons(buttons: Sequence[str]) -> list[str]:
    """``buttons`` as a list, or ``InvalidAction`` naming the first that is not a button."""
    try:
        names = list(buttons)
    except TypeError:
        raise InvalidAction(f"an action is an index into env.actions or a list of buttons, got {buttons!r}") from None
    bad = [b for b in names if b not in BUTTONS]
    if bad:
        raise InvalidAction(f"unknown button {bad[0]!r}; buttons are {', '.join(BUTTONS)}")
    return names


def buttons_of(table: Sequence[list[str]], actions: Sequence[Action] | np.ndarray, count: int) -> list[list[str]]:
    """The buttons of ``count`` actions, each an index into ``table`` or buttons; all checked first."""
    if len(actions) != count:
        raise InvalidAction(f"expected {count} actions (one per env), got {len(actions)}")
    if isinstance(actions, np.ndarray) and actions.dtype.kind in "iu" and actions.ndim == 1:
        # The common case (a policy's sampled indices): checked at once, buttons from the table.
        if count and not 0 <= actions.min() <= actions.max() < len(table):
            bad = actions[(actions < 0) | (actions >= len(table))][0]
            raise InvalidAction(f"action {bad} is not an index into env.actions (0–{len(table) - 1})")
        return [table[i] for i in actions.tolist()]
    return [_buttons(table, a) for a in actions]


def _buttons(table: Sequence[list[str]], action: Action) -> list[str]:
    if isinstance(action, (int, np.integer)) and not isinstance(action, bool):
        if not 0 <= action < len(table):
            raise InvalidAction(f"action {action} is not an index into env.actions (0–{len(table) - 1})")
        return table[int(action)]
    if isinstance(action, str):
        action = (action,)
    return check_buttons(action)
