# SPDX-License-Identifier: Apache-2.0
"""tests/run_all.py's ansible-core matrix: one result per core, integration two cores at a time
(with twice the stage timeout), the cells of the summary table, the 2.16 skip passed on."""
import os
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import run_all  # noqa: E402  pylint: disable=wrong-import-position


def fake_runs(monkeypatch):
    calls, running, peak = [], [0], [0]
    lock = threading.Lock()

    def fake_stage(name, command, extra=(), env=None, echo=True, timeout=None):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
            calls.append((name, command, list(extra), env, echo, timeout))
        time.sleep(0.2)
        with lock:
            running[0] -= 1
        return run_all.Result(name, passed=3, failed=1 if name.endswith("2.18") else 0)

    monkeypatch.setattr(run_all, "ansible_test_stage", fake_stage)
    monkeypatch.setattr(run_all.ansible_matrix, "venv", lambda core, log=None: "/venvs/" + core.version)
    monkeypatch.setattr(run_all, "MATRIX_CELLS", {})
    return calls, peak


def test_integration_runs_every_core_two_at_a_time(monkeypatch):
    calls, peak = fake_runs(monkeypatch)
    results = run_all.matrix_stage("integration", ["--continue-on-error"], jobs=2)
    versions = [core.version for core in run_all.ansible_matrix.MATRIX]
    assert [r.name for r in results] == ["integration-" + v for v in versions]
    assert peak[0] == 2
    for name, command, extra, env, echo, timeout in calls:
        assert command == "integration" and extra == ["--continue-on-error"] and not echo
        assert timeout == 2 * run_all.STAGE_TIMEOUT
        assert env["ANSIBLE_TEST_VENV"] == "/venvs/" + name.split("-")[1]
    assert run_all.MATRIX_CELLS[("2.18", "integration")] == "3 passed, 1 failed"
    assert "| 2.18 | 3.12 | - | - | 3 passed, 1 failed |" in run_all.ansible_matrix.table(run_all.MATRIX_CELLS)


def test_sanity_runs_one_at_a_time_and_skips_nothing(monkeypatch):
    calls, peak = fake_runs(monkeypatch)
    results = run_all.matrix_stage("sanity")
    assert [r.name for r in results] == ["sanity-2.16", "sanity-2.21"]
    assert peak[0] == 1
    extras = {name: (extra, echo, timeout) for name, _c, extra, _e, echo, timeout in calls}
    # 2.16's empty-init holds too: the client's __init__.py is empty (imports name submodules).
    assert extras["sanity-2.16"] == ([], True, None)
    assert extras["sanity-2.21"] == ([], True, None)


def test_a_core_without_its_python_fails_alone(monkeypatch):
    calls, _peak = fake_runs(monkeypatch)

    def venv(core, log=None):
        if core.version == "2.21":
            raise run_all.ansible_matrix.venvs.VenvError("Python 3.13 is needed")
        return "/venvs/" + core.version
    monkeypatch.setattr(run_all.ansible_matrix, "venv", venv)
    results = {r.name: r for r in run_all.matrix_stage("units")}
    assert results["units-2.21"].failed == 1 and "3.13" in results["units-2.21"].note
    assert results["units-2.16"].passed == 3 and len(calls) == 2
