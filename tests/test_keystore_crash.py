"""Crash tests: SIGKILL at random points of 修改证书密码 and of 激活, many times over.

The harness (``tests/helpers_crash.py``) runs in a process of its own: it imports
everything once, then forks a child per run (two at once for the password changes, each
SIGKILLed at its own point) and SIGKILLs it after a random delay, and checks from the parent
that every keystore opens with exactly one of the known passwords, that every
activation was completed or rolled back on the "next start", and that nothing else was
lost. A separate process keeps fork() away from this pytest process and its Qt threads.
``MOBILECA_CRASH_RUNS`` sets the number of runs of each (default 50 runs of two concurrent
password changes and 20 activations, to keep the suite fast; ``docs/benchmarks.md`` records
larger runs).
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
    killed = sum(v * k.split(":")[0].count("killed") for k, v in report["outcomes"].items())
    assert killed >= runs // 5, report  # the kills did land inside the operation
    return report


def test_sigkill_during_two_concurrent_password_changes(tmp_path):
    # Two processes change the password at once, each killed at its own point: 100 kill
    # points by default. The harness checks each run; the report says it held.
    report = _harness("password", tmp_path, 50, 20261124)
    assert report["unopenable"] == 0 and report["kill_points"] == 2 * report["runs"]
    for key in report["outcomes"]:
        kinds, result = key.split(":")
        assert kinds.split("+").count("finished") <= 1, key  # never two changes "done"
        if kinds.startswith("finished"):
            assert result == "new1", key
        if kinds.endswith("+finished"):
            assert result == "new2", key


def test_sigkill_during_activation(tmp_path):
    report = _harness("activation", tmp_path, 20, 20261125)
    assert not any(":pending" in k for k in report["outcomes"])


def test_sigkill_between_the_key_file_and_the_keyring_entry(tmp_path):
    # A key file write names the new file in the keyring entry (staged), replaces the file,
    # then commits the entry. A child is killed in each window, in a password change and in
    # the recovery of a locked certificate: the next start opens the keystore, settles the
    # entry and refuses the copy of the file from before (once the new one is in effect).
    report = _harness("steps", tmp_path, 8, 20261205)
    assert report["unopenable"] == 0
    cases = {key.rsplit(":", 1)[0] for key in report["outcomes"]}
    assert len(cases) == min(4, report["runs"]), report
    for key in report["outcomes"]:
        expected = "old-file-kept" if key.startswith("killed:password:staged") else "refused"
        assert key.endswith(expected), key
