# SPDX-License-Identifier: Apache-2.0
""".ci/run: the last line of its output is always the summed "N passed, N failed" line, and its
exit status is non-zero on any failure (CI reads both)."""
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


@pytest.mark.parametrize("recipe, last, failed", [
    ('@echo "stage output"; echo "on stderr" >&2; echo "7 passed, 0 failed"', "7 passed, 0 failed", False),
    # make adds "make: *** ... Error 1" after the summary: the summary is repeated last.
    ('@echo "5 passed, 2 failed"; exit 1', "5 passed, 2 failed", True),
    # make fails before the suite counts anything (e.g. the virtualenv bootstrap).
    ('@echo "pip: no route to host" >&2; exit 2', "0 passed, 1 failed", True),
])
def test_ci_run_ends_with_the_summary(tmp_path, recipe, last, failed):
    os.makedirs(str(tmp_path / ".ci"))
    shutil.copy(os.path.join(ROOT, ".ci", "run"), str(tmp_path / ".ci" / "run"))
    (tmp_path / "Makefile").write_text("test:\n\t%s\n" % recipe)
    # CI runs .ci/run at the top level; under `make test` this test runs inside make, whose
    # variables would make the inner make print "Entering/Leaving directory" lines.
    env = dict((k, v) for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS"))
    proc = subprocess.run(["bash", str(tmp_path / ".ci" / "run")], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False,
                          stdin=subprocess.DEVNULL, env=env)
    assert proc.stdout.rstrip("\n").splitlines()[-1] == last, proc.stdout
    assert (proc.returncode != 0) is failed
