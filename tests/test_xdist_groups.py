"""`make test` runs pytest with `-n 2 --dist loadgroup`: tests marked with one `xdist_group` must share one
worker, so that a module fixture (test_a11y's walk over every page, ~7 minutes) is built once, not once per
worker. On pytest 9.2 with pytest-xdist 3.8 the grouping silently stopped (pytest-xdist issue #1386); this test
runs a tiny suite the same way and fails if it stops again."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

GROUPED = '''
import os
import pytest

pytestmark = pytest.mark.xdist_group("walk")


@pytest.fixture(scope="module")
def walk(tmp_path_factory):
    (tmp_path_factory.getbasetemp().parent / f"setup-{os.getpid()}").touch()
    return os.getpid()


@pytest.mark.parametrize("i", range(6))
def test_grouped(walk, i):
    assert walk == os.getpid()
'''

LOOSE = '''
import pytest


@pytest.mark.parametrize("i", range(12))
def test_loose(i):
    pass
'''


def test_a_group_runs_on_one_worker_and_builds_its_module_fixture_once(tmp_path: Path) -> None:
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_grouped.py").write_text(textwrap.dedent(GROUPED))
    (suite / "test_loose.py").write_text(textwrap.dedent(LOOSE))
    (suite / "pytest.ini").write_text("[pytest]\n")
    base = tmp_path / "base"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v", "-p", "no:cacheprovider",
         "--basetemp", str(base), str(suite)],
        cwd=suite, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    workers = {m.group(1) for m in re.finditer(r"\[(gw\d+)\] \[\s*\d+%\] PASSED \S*test_grouped", run.stdout)}
    assert len(workers) == 1, f"the group ran on {sorted(workers)}:\n{run.stdout[-2000:]}"
    setups = list(base.glob("setup-*"))
    assert len(setups) == 1, f"the module fixture was built {len(setups)} times"
