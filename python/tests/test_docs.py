"""The examples in the docstrings run as written (against the test server instead of port 8080)."""
from __future__ import annotations

import doctest

import gbstream
from conftest import TOKEN, Server
from gbstream import errors


def run_examples(obj: object, name: str, server: Server | None = None) -> doctest.TestResults:
    text = obj.__doc__ or ""
    if server is not None:
        text = text.replace("ws://127.0.0.1:8080/ws", server.url).replace("my-secret-token", TOKEN)
    test = doctest.DocTestParser().get_doctest(text, {}, name, None, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    return runner.summarize(verbose=False)


def test_the_vector_env_example_runs_against_a_real_server(server: Server) -> None:
    results = run_examples(gbstream.VectorEnv, "VectorEnv", server)
    assert results.attempted == 3 and results.failed == 0


def test_the_error_example_runs() -> None:
    results = run_examples(errors.GbstreamError, "GbstreamError")
    assert results.attempted == 2 and results.failed == 0
