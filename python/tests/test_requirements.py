"""A Python without websockets, msgpack or numpy gets one message saying how to get them (issue 27).

The missing modules are hidden with ``sys.modules[name] = None``, which makes importing them fail
exactly as an absent package does, in a fresh interpreter so this one keeps its modules.
"""
from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

HOW = "`sudo apt install python3-websockets python3-msgpack python3-numpy`"


def run_without(modules: list[str], code: str) -> subprocess.CompletedProcess[str]:
    hide = "".join(f"sys.modules[{m!r}] = None; " for m in modules)
    prelude = f"import sys; sys.path.insert(0, {str(ROOT / 'python')!r}); {hide}"
    return subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True, timeout=60, cwd=ROOT)


def test_importing_gbstream_without_its_dependencies_names_them_and_both_ways_to_get_them() -> None:
    result = run_without(["websockets", "msgpack"], "import gbstream")
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("gbstream._requirements.MissingDependencyError: gbstream needs websockets, msgpack, numpy; ")
    assert f"this Python ({sys.executable}) lacks websockets, msgpack." in last
    assert HOW in last and "`pip install ./python`" in last


def test_the_error_is_an_import_error_and_names_only_what_is_missing() -> None:
    code = "\ntry:\n    import gbstream\nexcept ImportError as err:\n    print(type(err).__mro__[1].__name__, err)\n"
    result = run_without(["numpy"], code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ImportError gbstream needs websockets, msgpack, numpy; ")
    assert "lacks numpy." in result.stdout


def test_the_examples_print_one_line_and_exit_1_instead_of_a_traceback() -> None:
    for example in ("agent.py", "publish.py"):
        path = ROOT / "examples" / "python" / example
        code = f"sys.argv = [{str(path)!r}, '--help']; import runpy; runpy.run_path({str(path)!r}, run_name='__main__')"
        result = run_without(["websockets"], code)
        assert result.returncode == 1, (example, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"{example}: gbstream needs websockets, msgpack, numpy; ")
        assert HOW in lines[0]
