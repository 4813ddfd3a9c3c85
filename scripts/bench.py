#!/usr/bin/env python
# SPDX-License-Identifier: Apache-2.0
"""``make bench``: REST calls and wall time of our driver, Manila's in-tree driver and the
modules, measured on the simulator; writes bench/results.json and docs/benchmarks.md.

    .venv/bin/python scripts/bench.py            # the full run (15-20 min on 2 cores)
    .venv/bin/python scripts/bench.py --smoke --out-dir DIR   # tiny sizes (the test stage)

Parts, each in the interpreter it needs:
- ``scripts/bench_load.py`` (.venv): requests per second the simulator serves;
- ``scripts/bench_manila.py`` (.venv-manila, holding /tmp/tegile-manila.lock because the
  in-tree driver's simulator binds 127.0.0.2:443): the driver workload, access re-sync of N
  rules, stats refresh at N shares, for both drivers;
- ``scripts/bench_playbook.py`` (.venv): the modules' provisioning playbook against the same
  work written with ansible.builtin.uri, first and converged run, the modules by default and
  with their opt-in resident worker (``INTELLIFLASH_WORKER=1``);
- ``scripts/bench_task_cost.py`` (.venv): seconds per loop item of ping, uri and the modules
  (by default and with the worker), and the import profile of their AnsiballZ payloads;
- ``scripts/bench_report.py`` (the cached ``bench`` venv: matplotlib,
  requirements/bench.txt): the table and the two plots.

Every figure is read from the simulator's counters during the run: nothing is hard-coded, and
nothing here asserts on a figure (the smoke test checks only that every figure is there).
"""

import argparse
import datetime
import fcntl
import json
import os
import platform
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))
import ansible_matrix  # noqa: E402  pylint: disable=wrong-import-position
import venvs  # noqa: E402  pylint: disable=wrong-import-position

MANILA_LOCK = "/tmp/tegile-manila.lock"
SCHEMA = 1
# The simulator as it was when issue 12 was filed (the parent of 6b00fea, "HTTP/1.1 persistent
# connections"): goal 4 compares today's requests per second with its own, measured in this run.
BASELINE_SIMULATOR = "baaeaefc28d9ad41e397be034692fb1f0b30aed2"

FULL = {
    "load_seconds": 5, "load_threads": 4, "load_rounds": 3,
    "shares": 50, "clones": 10, "refreshes": 20,
    "access": [10, 100, 1000], "access_intree": [10, 100, 1000],
    "stats": [50, 500, 5000], "playbook_shares": 100,
    "task_items": 20, "task_rounds": 3, "task_repeat": 5,
}
SMOKE = {
    "load_seconds": 0.5, "load_threads": 2, "load_rounds": 1,
    "shares": 2, "clones": 1, "refreshes": 2,
    "access": [1, 3], "access_intree": [1, 3],
    "stats": [2, 4], "playbook_shares": 2,
    "task_items": 2, "task_rounds": 1, "task_repeat": 1,
}


def _run(cmd, what):
    print("bench: %s" % what, flush=True)
    proc = subprocess.run(cmd, cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise SystemExit("bench: %s failed (exit %d): %s" % (what, proc.returncode,
                                                             " ".join(cmd)))


def _read(path):
    with open(path) as handle:
        return json.load(handle)


def manila_python():
    python = os.path.join(ROOT, ".venv-manila", "bin", "python")
    if not os.path.exists(python):
        _run([sys.executable, os.path.join(ROOT, "tests", "tools", "manila_matrix.py"),
              "ensure", "2026.2"], "building .venv-manila")
    return python


def bench_python():
    requirements = os.path.join(ROOT, "requirements", "bench.txt")
    constraints = os.path.join(ROOT, "requirements", "bench-constraints.txt")
    venv = venvs.ensure("bench", ansible_matrix.find_python("3.11"), [requirements],
                        [constraints], log=sys.stdout)
    return os.path.join(venv, "bin", "python")


def _csv(values):
    return ",".join(str(v) for v in values)


def _has_commit(commit):
    return subprocess.run(["git", "-C", ROOT, "cat-file", "-e", commit + "^{commit}"],
                          stderr=subprocess.DEVNULL, check=False).returncode == 0


def run_load(params, out, compare=None):
    """{"ours": phases[, "baseline": phases]}: with ``compare`` the two simulators take turns
    (scripts/bench_load.py --compare)."""
    cmd = [sys.executable, os.path.join(ROOT, "scripts", "bench_load.py"), "--json",
           "--seconds", str(params["load_seconds"]), "--threads", str(params["load_threads"]),
           "--rounds", str(params["load_rounds"])]
    if compare:
        cmd.extend(["--compare", compare])
    with open(out, "w") as handle:
        subprocess.run(cmd, cwd=ROOT, stdout=handle, check=True)
    result = _read(out)
    return result if compare else {"ours": result}


def run_parts(params, work):
    """Every part into ``work``; returns the assembled results (fixed keys)."""
    def script(name):
        return os.path.join(ROOT, "scripts", name)

    print("bench: simulator load (this one and issue 12's, in turns)", flush=True)
    baseline = {"commit": BASELINE_SIMULATOR, "phases": None}
    if _has_commit(BASELINE_SIMULATOR):
        loads = run_load(params, os.path.join(work, "load.json"), BASELINE_SIMULATOR)
        baseline["phases"] = loads["baseline"]
    else:  # a shallow clone: the page says it was not measured
        loads = run_load(params, os.path.join(work, "load.json"))
        baseline["missing"] = "commit not in this clone"
    load = loads["ours"]
    manila_out = os.path.join(work, "manila.json")
    manila_cmd = [manila_python(), script("bench_manila.py"), "--out", manila_out,
                  "--shares", str(params["shares"]), "--clones", str(params["clones"]),
                  "--refreshes", str(params["refreshes"]), "--access", _csv(params["access"]),
                  "--access-intree", _csv(params["access_intree"]),
                  "--stats", _csv(params["stats"])]
    with open(MANILA_LOCK, "a") as lock:
        print("bench: waiting for %s (127.0.0.2:443)" % MANILA_LOCK, flush=True)
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            _run(manila_cmd, "drivers (ours and in-tree)")
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
    playbook_out = os.path.join(work, "playbook.json")
    _run([sys.executable, script("bench_playbook.py"), "--out", playbook_out,
          "--shares", str(params["playbook_shares"])], "provisioning playbook vs uri")
    task_out = os.path.join(work, "task_cost.json")
    _run([sys.executable, script("bench_task_cost.py"), "--out", task_out,
          "--items", str(params["task_items"]), "--rounds", str(params["task_rounds"]),
          "--repeat", str(params["task_repeat"])], "per-task cost: ping, uri and the modules")

    manila = _read(manila_out)
    return {
        "schema": SCHEMA,
        "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average": [round(v, 2) for v in os.getloadavg()]},
        "parameters": params,
        "simulator_load": load,
        "simulator_load_baseline": baseline,
        "driver_workload": {kind: manila[kind]["workload"] for kind in ("ours", "intree")},
        "access_resync": {kind: manila[kind]["access_resync"] for kind in ("ours", "intree")},
        "stats_refresh": {kind: manila[kind]["stats_refresh"] for kind in ("ours", "intree")},
        "provisioning_playbook": _read(playbook_out),
        "task_cost": _read(task_out),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (the test stage)")
    parser.add_argument("--out-dir", default=ROOT,
                        help="where bench/results.json, docs/benchmarks.md and docs/img/ go "
                             "(default: this checkout)")
    opts = parser.parse_args(argv)
    params = dict(SMOKE if opts.smoke else FULL)
    results_path = os.path.join(opts.out_dir, "bench", "results.json")
    doc_path = os.path.join(opts.out_dir, "docs", "benchmarks.md")
    img_dir = os.path.join(opts.out_dir, "docs", "img")
    for path in (os.path.dirname(results_path), img_dir):
        os.makedirs(path, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tegile-bench-") as work:
        results = run_parts(params, work)
    results["command"] = "make bench" if not opts.smoke else "scripts/bench.py --smoke"
    with open(results_path, "w") as handle:
        json.dump(results, handle, indent=1)
        handle.write("\n")
    _run([bench_python(), os.path.join(ROOT, "scripts", "bench_report.py"), "--results",
          results_path, "--doc", doc_path, "--img", img_dir], "report and plots")
    print("bench: wrote %s, %s and the plots in %s" % (results_path, doc_path, img_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
