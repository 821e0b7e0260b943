"""Exceptions raised by the gbstream client."""
from __future__ import annotations


class GbstreamError(Exception):
    """A request the server refused, or a connection that failed.

    ``code`` is the server's machine-readable code (``GBS_ERR_ENV_BUSY``, ``GBS_ERR_NO_SUCH_ENV``,
    ``GBS_ERR_BAD_FIELD``, …, listed in the server's ``src/protocol/constants.ts``), or one of the
    client's own: ``GBS_ERR_CONNECTION_CLOSED`` and ``GBS_ERR_TIMEOUT``.

    >>> from gbstream import GbstreamError
    >>> try:
    ...     raise GbstreamError("GBS_ERR_ENV_BUSY", "env 0 is driven by another agent")
    ... except GbstreamError as err:
    ...     err.code
    'GBS_ERR_ENV_BUSY'
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


CONNECTION_CLOSED = "GBS_ERR_CONNECTION_CLOSED"
TIMEOUT = "GBS_ERR_TIMEOUT"
