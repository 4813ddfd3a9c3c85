#!/usr/bin/env python
# SPDX-License-Identifier: Apache-2.0
"""Requests per second the simulator serves: a fixed mix of calls from a few client threads.

    .venv/bin/python scripts/bench_load.py [--seconds 5] [--threads 4] [--json]

Each thread owns one kept-alive ``http.client.HTTPSConnection`` (reopened when the simulator
closes it, as the issue-12 simulator does after every reply) and loops over three phases in
turn: reads (``getShare``), writes (``modifyShareProperties`` flipping a property back and
forth) and fresh connections (a new connection, hence a TLS handshake, per call, as a
short-lived Ansible task does). Prints requests/s per phase and the connections the simulator
accepted (``/sim/v1/stats`` when it has it). Never asserts on time.

Why http.client rather than requests: client and simulator share the machine's two cores, and
a requests call costs about as much CPU as the simulator spends serving it, so a requests-based
load measured the load generator as much as the server. The callers here are as light as
Python allows (one SSL context built once with the simulator's CA, verification on; the
Authorization header encoded once), and the same callers run against the baseline, so the two
rates stay comparable. ``server CPU ms/call`` (the simulator process's own CPU time per call)
is the figure other load disturbs least.

``--baseline COMMIT`` measures the simulator of an older commit instead (its package taken
with ``git archive``, started from its own directory so that ``python -m`` imports it);
``--compare COMMIT`` measures both, alternating rounds in the order ours, theirs, theirs, ours,
... (``--rounds``): on a shared virtual machine the CPU time one call costs drifts by nearly 2x
within minutes, so two runs one after the other compare the moments as much as the simulators.
Each phase reports the median rate and CPU time over the rounds, and the calls and connections
of all rounds together.
"""

import argparse
import base64
import contextlib
import http.client
import json
import os
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tegile_intelliflash.simulator.harness import SimulatorError, SimulatorProcess  # noqa: E402

POOL = "pool-a"
PROJECT = "load"


class Caller:
    """One thread's caller: POSTs positional JSON bodies on one kept-alive HTTPS connection
    (a new one per call when ``fresh``), certificate and host name verified."""

    def __init__(self, sim, fresh=False):
        self.fresh = fresh
        parsed = urllib.parse.urlsplit(sim.url)
        self.host, self.port = parsed.hostname, parsed.port
        self.context = ssl.create_default_context(cafile=sim.ca_path)
        token = base64.b64encode(("%s:%s" % (sim.user, sim.password)).encode()).decode()
        self.headers = {"Content-Type": "application/json", "Authorization": "Basic " + token}
        self.conn = None

    def _connection(self):
        if self.conn is None:
            self.conn = http.client.HTTPSConnection(self.host, self.port, timeout=30,
                                                    context=self.context)
        return self.conn

    def _post(self, method, body):
        conn = self._connection()
        conn.request("POST", "/zebi/api/v2/" + method, body=body, headers=self.headers)
        resp = conn.getresponse()
        data = resp.read()
        if self.fresh or resp.will_close:
            self.close()
        return resp.status, data

    def __call__(self, method, *args):
        body = json.dumps(list(args)).encode()
        reused = self.conn is not None and self.conn.sock is not None
        try:
            status, data = self._post(method, body)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed a kept-alive connection between two calls (its idle timeout):
            # the request never reached it, so send it once more on a new connection.
            self.close()
            if not reused:
                raise
            status, data = self._post(method, body)
        if status != 200:
            raise RuntimeError("%s: HTTP %d %s" % (method, status, data[:200]))
        return json.loads(data) if data else None

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _share(index):
    return "%s/Local/%s/s%d" % (POOL, PROJECT, index)


PHASES = {
    "read": lambda call, index, i: call("getShare", _share(index)),
    "write": lambda call, index, i: call("modifyShareProperties", _share(index),
                                         {"readOnly": bool(i % 2)}),
    "fresh-connection read": lambda call, index, i: call("getShare", _share(index)),
}


def run_phase(sim, phase, threads, seconds):
    """Every thread calls as fast as it can for ``seconds``; returns calls per second."""
    counts = [0] * threads
    errors = []
    stop = threading.Event()

    def worker(index):
        call = Caller(sim, fresh=phase.startswith("fresh"))
        try:
            i = 0
            while not stop.is_set():
                PHASES[phase](call, index, i)
                i += 1
            counts[index] = i
        except Exception as exc:  # pylint: disable=broad-except
            errors.append(exc)
        finally:
            call.close()

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    start = time.perf_counter()
    for thread in workers:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError("phase %s: %s" % (phase, errors[0]))
    return sum(counts) / elapsed


def cpu_seconds(sim):
    """CPU time (user + system) the simulator process has used: a figure that other load on
    the machine disturbs less than requests/s."""
    with open("/proc/%d/stat" % sim.process.pid) as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def connections(sim):
    """Connections the simulator has accepted, or None when it does not count them."""
    try:
        return sim.control("GET", "/sim/v1/stats")["connections"]["opened"]
    except (SimulatorError, KeyError, TypeError):
        return None


@contextlib.contextmanager
def simulator_of(commit):
    """The working directory the simulator of ``commit`` starts from (None: this checkout).
    ``python -m`` puts the working directory first on sys.path, ahead of the editable install."""
    if commit is None:
        yield None
        return
    tree = tempfile.mkdtemp(prefix="tegile-load-baseline-")
    try:
        archive = subprocess.run(["git", "-C", ROOT, "archive", commit, "tegile_intelliflash"],
                                 stdout=subprocess.PIPE, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tree], input=archive, check=True)
        yield tree
    finally:
        shutil.rmtree(tree, ignore_errors=True)


def measure_once(seconds=5.0, threads=4, extra_args=(), cwd=None):
    state = tempfile.mkdtemp(prefix="tegile-load-")
    here = os.getcwd()
    try:
        sim = SimulatorProcess(state, password="load-password", extra_args=extra_args)
        os.chdir(cwd or here)
        try:
            sim.start()
        finally:
            os.chdir(here)
        with sim:
            setup = Caller(sim)
            setup("createProject", {"poolName": POOL, "projectName": PROJECT})
            for index in range(threads):
                setup("createShare", POOL, PROJECT, "s%d" % index)
            setup.close()
            results = {}
            for phase in PHASES:
                before = connections(sim)
                cpu_before = cpu_seconds(sim)
                rate = run_phase(sim, phase, threads, seconds)
                cpu = cpu_seconds(sim) - cpu_before
                after = connections(sim)
                calls = sim.calls()["total"]
                sim.reset_calls()
                results[phase] = {
                    "requests_per_s": round(rate, 1),
                    "calls": calls,
                    "server_cpu_ms_per_call": round(cpu * 1000 / max(calls, 1), 3),
                    "connections": None if before is None else after - before,
                }
            return results
    finally:
        os.chdir(here)
        shutil.rmtree(state, ignore_errors=True)


def combine(rounds):
    """One row per phase from several rounds' rows: median rate and CPU time, summed counts."""
    out = {}
    for phase in rounds[0]:
        rows = [one[phase] for one in rounds]
        opened = [row["connections"] for row in rows]
        out[phase] = {
            "requests_per_s": round(statistics.median(row["requests_per_s"] for row in rows), 1),
            "calls": sum(row["calls"] for row in rows),
            "server_cpu_ms_per_call": round(
                statistics.median(row["server_cpu_ms_per_call"] for row in rows), 3),
            "connections": None if None in opened else sum(opened),
            "rounds": [row["requests_per_s"] for row in rows],
        }
    return out


def measure(seconds=5.0, threads=4, rounds=1, compare=None, ours=True):
    """{"ours": phases, "baseline": phases}, each key when measured: this checkout's simulator
    (unless ``ours`` is False) and ``compare``'s (a commit). Two simulators take turns, ours
    first, then theirs twice and ours twice, and so on (so a drift of the machine's speed within
    the run weighs on both alike)."""
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    kinds = (["ours"] if ours else []) + (["baseline"] if compare else [])
    if not kinds:
        raise ValueError("nothing to measure")
    results = dict((kind, []) for kind in kinds)
    with simulator_of(compare) as tree:
        cwd = {"ours": None, "baseline": tree}
        for number in range(rounds):
            for kind in (kinds if number % 2 == 0 else kinds[::-1]):
                results[kind].append(measure_once(seconds, threads, cwd=cwd[kind]))
    return dict((kind, combine(rows)) for kind, rows in results.items())


def _print_table(title, results):
    print(title)
    print("%-24s %12s %8s %12s %18s"
          % ("phase", "requests/s", "calls", "connections", "server CPU ms/call"))
    for phase, row in results.items():
        print("%-24s %12.1f %8d %12s %18.3f" % (
            phase, row["requests_per_s"], row["calls"],
            "-" if row["connections"] is None else row["connections"],
            row["server_cpu_ms_per_call"]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each phase")
    parser.add_argument("--threads", type=int, default=4, help="client threads")
    parser.add_argument("--rounds", type=int, default=1,
                        help="rounds of all phases per simulator (medians)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--baseline", metavar="COMMIT",
                       help="measure this commit's simulator only")
    which.add_argument("--compare", metavar="COMMIT",
                       help="measure this checkout's and this commit's simulators, in turns "
                            "(JSON: {\"ours\": ..., \"baseline\": ...})")
    opts = parser.parse_args(argv)
    commit = opts.baseline or opts.compare
    results = measure(opts.seconds, opts.threads, opts.rounds, commit, ours=not opts.baseline)
    if opts.json:
        # --compare: both simulators by kind; otherwise the one measured, as its phases.
        print(json.dumps(results if opts.compare else next(iter(results.values())), indent=2))
        return 0
    titles = {"ours": "this simulator", "baseline": "the simulator of %s" % (commit or "")[:7]}
    for kind, rows in results.items():
        _print_table(titles[kind], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
