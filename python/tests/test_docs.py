"""The examples in the docstrings run as written (against the test server instead of port 8080)."""
from __future__ import annotations

import doctest
import re

import gbstream
from conftest import ROOT, TOKEN, Server
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


def test_the_docs_vector_env_example_runs_against_a_real_server(server: Server) -> None:
    # test/docs.test.ts runs every block of docs/ too; this one also checks what the block made.
    page = (ROOT / "docs" / "python.md").read_text(encoding="utf-8")
    section = page[page.index("## `VectorEnv`") :]
    code = re.search(r"```python\n(.*?)\n```", section, re.S)
    assert code, "no ```python block in docs/python.md's VectorEnv section"
    source = code.group(1).replace("ws://127.0.0.1:8080/ws", server.url).replace("my-secret-token", TOKEN)
    namespace: dict[str, object] = {}
    exec(compile(source, "docs/python.md (VectorEnv)", "exec"), namespace)
    assert namespace["obs"].shape == (4, 144, 160)  # type: ignore[attr-defined]
    assert isinstance(namespace["start"], bytes)
