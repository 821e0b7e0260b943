"""Buttons and the default discrete action table."""
from __future__ import annotations

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
