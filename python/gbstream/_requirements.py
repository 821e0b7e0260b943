"""The third-party modules gbstream needs, checked once at import with an error that says how to
get them: a bare ``ModuleNotFoundError: No module named 'websockets'`` from deep inside the
package does not say that another Python on PATH (pyenv, conda, a venv) is the usual cause.
"""
from __future__ import annotations

import importlib
import sys

#: Module name → Debian package that provides it for /usr/bin/python3.
REQUIRED = {"websockets": "python3-websockets", "msgpack": "python3-msgpack", "numpy": "python3-numpy"}


class MissingDependencyError(ImportError):
    """gbstream's dependencies are not importable in this Python; the message says how to fix it."""


def missing_message(missing: list[str], executable: str) -> str:
    """What to tell a user whose Python lacks ``missing``."""
    return (
        f"gbstream needs {', '.join(REQUIRED)}; this Python ({executable}) lacks {', '.join(missing)}. "
        f"Either run Debian's /usr/bin/python3 with `sudo apt install {' '.join(REQUIRED.values())}`, "
        "or install them into this Python with `pip install ./python` (from a gbstream checkout)."
    )


def require_dependencies() -> None:
    """Raises MissingDependencyError naming every missing module and both ways to get them."""
    missing = []
    for name in REQUIRED:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise MissingDependencyError(missing_message(missing, sys.executable or "python3")) from None
