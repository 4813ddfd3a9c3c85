#!/usr/bin/env python
# SPDX-License-Identifier: Apache-2.0
"""Run every test stage of the project and sum the results.

``make test`` calls this. Each stage runs in its own process; its output streams to the console
and to ``tests/output/run_all/logs/<stage>.log``. Results are counted from JUnit XML where the tool
writes it, otherwise from the tool's own summary lines; a stage that crashes without a summary
counts as one failure. The last line is ``N passed, N failed`` over all stages, and the exit
status is non-zero when anything failed.

    tests/run_all.py                      # every stage
    tests/run_all.py python sanity        # only these stages
    tests/run_all.py integration --core 2.16   # a stage of the ansible-core matrix on one version
    tests/run_all.py --list

sanity, units and integration run on each ansible-core of tests/tools/ansible_matrix.py that lists
them (cached venvs, tests/tools/venvs.py); the summary shows the matrix as a table.
"""
import argparse
import concurrent.futures
import glob
import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_PY = os.path.join(ROOT, ".venv", "bin", "python")
OUT = os.path.join(ROOT, "tests", "output", "run_all")
STAGE_TIMEOUT = int(os.environ.get("STAGE_TIMEOUT", "1200"))
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))
import ansible_matrix  # noqa: E402  pylint: disable=wrong-import-position

MATRIX_CELLS = {}  # (ansible-core version, stage) -> "N passed, N failed"
CORES = []  # --core: restrict the matrix stages to these versions
# Integration runs of the matrix in parallel (each has its own simulator; the fleet target's
# fixed addresses take a lock).
MATRIX_JOBS = int(os.environ.get("MATRIX_JOBS", "2"))

import manila_matrix  # noqa: E402  pylint: disable=wrong-import-position

#: (Manila release, stage) -> "passed" / "failed", for the support table printed at the end.
MATRIX_OUTCOMES = {}


class Result(object):
    def __init__(self, name, passed=0, failed=0, skipped=0, seconds=0.0, note=""):
        self.name, self.passed, self.failed, self.skipped = name, passed, failed, skipped
        self.seconds, self.note = seconds, note


def run(name, cmd, env=None, cwd=ROOT, echo=True, timeout=None):
    """Run a command, streaming output to the console (unless not ``echo``: runs in parallel
    would mix their lines) and a log file. Returns (rc, text)."""
    os.makedirs(os.path.join(OUT, "logs"), exist_ok=True)
    log_path = os.path.join(OUT, "logs", name + ".log")
    full_env = dict(os.environ)
    full_env.update(env or {})
    print("\n=== stage %s: %s%s" % (name, " ".join(cmd), "" if echo else "  (output: %s)" % log_path),
          flush=True)
    chunks = []
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=cwd, env=full_env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        timeout = timeout or STAGE_TIMEOUT
        deadline = time.time() + timeout
        try:
            for raw in iter(proc.stdout.readline, b""):
                line = raw.decode("utf-8", "replace")
                chunks.append(line)
                log.write(line)
                log.flush()  # the log is how a parallel run is followed
                if echo:
                    sys.stdout.write(line)
                    sys.stdout.flush()
                if time.time() > deadline:
                    raise subprocess.TimeoutExpired(cmd, timeout)
            rc = proc.wait()
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
            chunks.append("\nstage %s killed after %d s\n" % (name, timeout))
            rc = 124
    if not echo:
        tail = "".join(chunks[-80:]) if rc else ""
        print("=== stage %s finished, exit status %d%s" % (name, rc, "; last lines:\n" + tail if tail else ""),
              flush=True)
    return rc, "".join(chunks)


def junit_counts(paths):
    passed = failed = skipped = 0
    for path in paths:
        try:
            root = ET.parse(path).getroot()
        except (ET.ParseError, OSError):
            failed += 1
            continue
        for case in root.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
            elif case.find("skipped") is not None:
                skipped += 1
            else:
                passed += 1
    return passed, failed, skipped


def finish(name, rc, start, counts, note=""):
    passed, failed, skipped = counts
    if rc != 0 and failed == 0:
        failed = 1  # the tool failed without reporting a failed test: count the stage
        note = note or "exit status %d" % rc
    return Result(name, passed, failed, skipped, time.time() - start, note)


def pytest_stage(name, python, paths, extra=()):
    start = time.time()
    if not os.path.exists(python):
        return Result(name, failed=1, note="%s missing (run make venv / venv-manila)" % python)
    junit = os.path.join(OUT, name + ".xml")
    if os.path.exists(junit):
        os.remove(junit)
    existing = [p for p in paths if os.path.exists(os.path.join(ROOT, p))]
    if not existing:
        return Result(name, failed=1, note="no tests found in %s" % ", ".join(paths))
    cmd = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml", junit] + list(extra) + existing
    rc = run(name, cmd)[0]
    if rc == 5:  # pytest: no tests collected
        return Result(name, failed=1, note="pytest collected no tests")
    counts = junit_counts([junit]) if os.path.exists(junit) else (0, 0, 0)
    return finish(name, rc, start, counts)


def matrix_stage(stage, extra=(), jobs=1):
    """``stage`` on every ansible-core of the matrix that runs it: one result per version, ``jobs``
    versions at a time (a run of the integration targets keeps about one core busy)."""
    cores = ansible_matrix.cores(stage, CORES)
    venvs = {}
    for core in cores:  # built one after the other, before any run starts
        try:
            venvs[core.version] = ansible_matrix.venv(core, log=sys.stdout)
        except ansible_matrix.venvs.VenvError as exc:
            venvs[core.version] = exc
    jobs = max(1, min(jobs, len(cores)))
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(lambda core: matrix_run(stage, core, venvs[core.version], extra, jobs == 1),
                                cores))
    for core, result in zip(cores, results):
        MATRIX_CELLS[(core.version, stage)] = "%d passed, %d failed" % (result.passed, result.failed)
    return results


def matrix_run(stage, core, venv, extra, echo):
    """One ansible-test command on one core of the matrix (``venv`` is its venv, or why it failed)."""
    name = "%s-%s" % (stage, core.version)
    if isinstance(venv, Exception):
        return Result(name, failed=1, note=str(venv))
    more = list(extra)
    if stage == "sanity":
        for test in core.skip:
            more += ["--skip-test", test]
    if stage == "units" and core.version == ansible_matrix.MAIN_VENV_CORE:
        more.append("--requirements")  # the checkout's own venv; cached ones stay as built
    # Two integration runs share the machine: each gets twice the time of a stage.
    timeout = 2 * STAGE_TIMEOUT if stage == "integration" and not echo else None
    return ansible_test_stage(name, stage, more, echo=echo, timeout=timeout,
                              env={"ANSIBLE_TEST_VENV": venv, "ANSIBLE_TEST_PYTHON": core.python})


def ansible_test_stage(name, command, extra=(), env=None, echo=True, timeout=None):
    start = time.time()
    results = os.path.join(OUT, name + "-output")
    shutil.rmtree(results, ignore_errors=True)
    cmd = [os.path.join(ROOT, "tests", "ansible-test.sh"), command] + list(extra)
    rc, text = run(name, cmd, env=dict(env or {}, ANSIBLE_TEST_RESULTS=results), echo=echo, timeout=timeout)
    if command == "sanity":
        ran = set(re.findall(r"^Running sanity test [\"']([^\"']+)[\"']", text, re.M))
        m = re.search(r"The (\d+) sanity test\(s\) listed below \(out of (\d+)\) failed", text)
        failed = int(m.group(1)) if m else 0
        return finish(name, rc, start, (max(len(ran) - failed, 0), failed, 0))
    if command == "units":
        return finish(name, rc, start, junit_counts(glob.glob(os.path.join(results, "junit", "*.xml"))))
    # integration: one result per target
    ran = set(re.findall(r"^Running (\S+) integration test (?:role|script)", text, re.M))
    m = re.search(r"The (\d+) integration test\(s\) listed below \(out of (\d+)\) failed", text)
    failed = int(m.group(1)) if m else 0
    return finish(name, rc, start, (max(len(ran) - failed, 0), failed, 0))


def release_stage(name):
    """tests/release (tarball, install, docs, changelog, execution environment) in the cached
    release-tools venv."""
    start = time.time()
    req = os.path.join(ROOT, "requirements", "release-tools.txt")
    con = os.path.join(ROOT, "requirements", "release-tools-constraints.txt")
    try:
        venv = ansible_matrix.venvs.ensure("release-tools", ansible_matrix.find_python("3.11"), [req], [con],
                                           log=sys.stdout)
    except ansible_matrix.venvs.VenvError as exc:
        return Result(name, failed=1, seconds=time.time() - start, note=str(exc))
    result = pytest_stage(name, os.path.join(venv, "bin", "python"), ["tests/release"])
    result.seconds = time.time() - start
    return result


def command_stage(name, cmd, env=None):
    """A stage that is one check: passes when the command exits 0."""
    start = time.time()
    rc = run(name, cmd, env=env)[0]
    return finish(name, rc, start, (1 if rc == 0 else 0, 1 if rc != 0 else 0, 0))


def _quietly(func, *args, **kwargs):
    """func(...), or None when it raises (the caller calls it again to report the error)."""
    try:
        return func(*args, **kwargs)
    except Exception:  # pylint: disable=broad-except
        return None


def manila_matrix_stage(name, paths):
    """Run `paths` with pytest once per Manila release of the matrix that lists this stage, each
    in its own venv (tests/tools/venvs.py: built when its inputs changed; the build's output goes
    to logs/venv-manila-<release>.log)."""
    start = time.time()
    try:
        chosen = manila_matrix.for_stage(name)
    except ValueError as err:
        return Result(name, failed=1, note=str(err))
    if not chosen:
        return Result(name, failed=1, note="no Manila release selected for this stage")
    total = Result(name)
    notes = []
    os.makedirs(os.path.join(OUT, "logs"), exist_ok=True)

    def ensure(rel, base=False):
        with open(os.path.join(OUT, "logs", "venv-manila-%s.log" % rel["release"]), "a") as log:
            return (manila_matrix.ensure_base if base else manila_matrix.ensure)(rel, log=log)

    # Missing cached venvs are built two at a time first (much of a pip build waits on I/O); the
    # per-checkout overlays (one editable install each) one after the other below, where a
    # failure is reported for its release.
    vstart = time.time()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda rel: _quietly(ensure, rel, base=True), chosen))
    print("\n=== %s: venvs of %s ready in %.0f s" % (name, ", ".join(r["release"] for r in chosen),
                                                     time.time() - vstart), flush=True)
    for rel in chosen:
        release = rel["release"]
        try:
            vpy = ensure(rel)
        except (manila_matrix.venvs.VenvError, subprocess.CalledProcessError, OSError) as err:
            print("\n=== %s %s: %s" % (name, release, err), flush=True)
            total.failed += 1
            notes.append("%s: no venv" % release)
            MATRIX_OUTCOMES[(release, name)] = "failed"
            continue
        print("\n=== %s %s: manila %s, Python %s, venv %s"
              % (name, release, rel["manila"], rel["python"], rel["venv"]), flush=True)
        sub = pytest_stage("%s-%s" % (name, release), vpy, paths)
        total.passed += sub.passed
        total.failed += sub.failed
        total.skipped += sub.skipped
        if sub.note:
            notes.append("%s: %s" % (release, sub.note))
        MATRIX_OUTCOMES[(release, name)] = "failed" if sub.failed else "passed"
    total.seconds = time.time() - start
    total.note = "; ".join(notes)
    return total


def molecule_stage(name):
    start = time.time()
    scenarios = sorted(os.path.basename(os.path.dirname(p)) for p in
                       glob.glob(os.path.join(ROOT, "extensions", "molecule", "*", "molecule.yml")))
    if not scenarios:
        return Result(name, failed=1, note="no molecule scenario found")
    passed = failed = 0
    for scenario in scenarios:
        rc = run("%s-%s" % (name, scenario),
                 [os.path.join(ROOT, "tests", "molecule.sh"), scenario])[0]
        passed, failed = passed + (rc == 0), failed + (rc != 0)
    return Result(name, passed, failed, 0, time.time() - start)


STAGES = [
    ("python", lambda: pytest_stage("python", VENV_PY, ["tests/python"])),
    ("sanity", lambda: matrix_stage("sanity")),
    ("units", lambda: matrix_stage("units")),
    ("integration", lambda: matrix_stage("integration", ["--continue-on-error"], jobs=MATRIX_JOBS)),
    ("release", lambda: release_stage("release")),
    ("lint", lambda: command_stage("lint", [os.path.join(ROOT, "tests", "lint.sh")])),
    ("molecule", lambda: molecule_stage("molecule")),
    ("deployers", lambda: pytest_stage("deployers", VENV_PY, ["tests/deployers"])),
    ("manila", lambda: manila_matrix_stage("manila", ["tests/manila"])),
    ("manila-e2e", lambda: manila_matrix_stage("manila-e2e", ["tests/manila_e2e"])),
    ("demo", lambda: command_stage("demo", [VENV_PY, os.path.join(ROOT, "scripts", "demo.py")])),
    # scripts/reliability.py's quick profile (docs/reliability.md): one test per goal.
    ("reliability", lambda: pytest_stage("reliability", VENV_PY, ["tests/reliability"])),
    # `make bench` with tiny sizes (scripts/bench.py --smoke): every part runs, no timing asserted.
    ("bench", lambda: pytest_stage("bench", VENV_PY, ["tests/bench"])),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stages", nargs="*", help="stages to run (default: all)")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--core", action="append", default=[], metavar="VERSION",
                        help="run the matrix stages on this ansible-core only (repeatable)")
    args = parser.parse_args()
    CORES.extend(args.core)
    names = [stage[0] for stage in STAGES]
    if args.list:
        print("\n".join(names))
        return 0
    unknown = [s for s in args.stages if s not in names]
    if unknown:
        parser.error("unknown stage(s): %s (have: %s)" % (", ".join(unknown), ", ".join(names)))
    os.makedirs(OUT, exist_ok=True)
    results = []
    for _name, stage in [(n, fn) for n, fn in STAGES if not args.stages or n in args.stages]:
        outcome = stage()
        results.extend(outcome if isinstance(outcome, list) else [outcome])

    print("\n=== summary")
    for r in results:
        extra = (", %d skipped" % r.skipped if r.skipped else "") + (" (%s)" % r.note if r.note else "")
        print("%-18s %4d passed, %3d failed  %6.1fs%s" % (r.name, r.passed, r.failed, r.seconds, extra))
    if MATRIX_CELLS:
        print("\nansible-core matrix (core x Python x stage):")
        print(ansible_matrix.table(MATRIX_CELLS))
    ran = set(r.name for r in results)
    if ran & set(manila_matrix.TABLE_STAGES):
        for rel in manila_matrix.releases():
            for r in results:
                if r.name in rel["stages"] and (rel["release"], r.name) not in MATRIX_OUTCOMES:
                    if r.name in ("manila", "manila-e2e"):
                        continue  # not selected (MANILA_RELEASES)
                    MATRIX_OUTCOMES[(rel["release"], r.name)] = "failed" if r.failed else "passed"
        print("\n=== Manila support (this run)")
        print(manila_matrix.support_table(MATRIX_OUTCOMES))
    passed = sum(r.passed for r in results)
    failed = sum(r.failed for r in results)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
