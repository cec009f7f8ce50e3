"""Crash tests: SIGKILL at random points of 修改证书密码 and of 激活, many times over.

The harness (``tests/helpers_crash.py``) runs in a process of its own: it imports
everything once, then forks a child per run and SIGKILLs it after a random delay, and checks
from the parent that every keystore opens with the old or the new password, that every
activation was completed or rolled back on the "next start", and that nothing else was
lost. A separate process keeps fork() away from this pytest process and its Qt threads.
``MOBILECA_CRASH_RUNS`` sets the number of runs of each (default 50 password changes and 20
activations, to keep the suite fast; ``docs/benchmarks.md`` records a run of 200 each).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork") or sys.platform == "darwin", reason="needs fork() (Linux)"
)


def _harness(what: str, folder: Path, default_runs: int, seed: int) -> dict:
    runs = int(os.environ.get("MOBILECA_CRASH_RUNS", default_runs))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(TESTS), str(TESTS.parent)]))
    result = subprocess.run(
        [sys.executable, str(TESTS / "helpers_crash.py"), what, str(folder), str(runs), str(seed)],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-4000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"\n{report}")
    assert report["runs"] == runs and sum(report["outcomes"].values()) == runs
    killed = sum(v for k, v in report["outcomes"].items() if k.startswith("killed"))
    assert killed >= runs // 5, report  # the kills did land inside the operation
    return report


def test_sigkill_during_password_change(tmp_path):
    report = _harness("password", tmp_path, 50, 20261124)
    assert "finished:old" not in report["outcomes"]


def test_sigkill_during_activation(tmp_path):
    report = _harness("activation", tmp_path, 20, 20261125)
    assert not any(":pending" in k for k in report["outcomes"])
