#!/usr/bin/env python
# SPDX-License-Identifier: GPL-3.0-or-later
"""``make bench``, per-task part: what one module run costs, against ``ping`` and ``uri``.

    .venv/bin/python scripts/bench_task_cost.py --out FILE [--items 30] [--rounds 3]

One ansible-playbook run (pipelining on, as the playbooks run) against a simulator holding one
project and one share with a quota and three NFS rules. Each round runs a loop of ``--items``
items of each kind: ``ansible.builtin.ping``, ``ansible.builtin.uri`` (one getShare) and our
``share``, ``quota`` and ``share_access`` modules, all converged (the same wanted state on every
item). A callback records each task's wall time; seconds per item is the median over the rounds
of a task's time divided by its items (the rounds interleave the kinds, so a load peak on the
shared machine does not land on one kind only).

Then each kind's AnsiballZ payload (the file ansible-playbook sends, kept with
``ANSIBLE_KEEP_REMOTE_FILES``) is run directly with ``python -X importtime``: its wall and CPU
time, and the import time of the collection's module_utils and of requests as the payload imports
them (module_utils from the zip, compiled from source on every run). Never asserts.

``loop_worker``: each round also runs the loops of ``share``, ``quota`` and ``share_access``
with the modules' opt-in resident worker (``INTELLIFLASH_WORKER=1`` in the task's
``environment``, ``scripts/bench_workers.py``), interleaved with the default-mode loops; a set-up
task starts the worker, so these loops measure tasks handed to a running worker, which is
stopped at the end. The payload profile is the default mode's only.
"""

import argparse
import glob
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import bench_workers  # noqa: E402
from bench_playbook import ANSIBLE_PLAYBOOK, POOL, ansible_env  # noqa: E402
from tegile_intelliflash.simulator.harness import SimulatorProcess  # noqa: E402

KINDS = ("ping", "uri", "share", "quota", "share_access")
WORKER_KINDS = ("share", "quota", "share_access")
# Longer than a round of the other loops: the worker must not leave between its loops (it is
# stopped at the end whatever this is).
WORKER_IDLE = 600
PROJECT = "taskcost"
SHARE = "share-0"
RULES = [{"type": "ip", "to": "10.1.%d.0/24" % k, "access_level": level}
         for k, level in enumerate(("rw", "ro", "rw"))]
COLLECTION = "ansible_collections.tegile.intelliflash."

# An aggregate callback: each task's start and end, by name, into $TASK_CLOCK_OUT.
CALLBACK = '''
import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_clock"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._current = None
        self._times = []

    def _close(self):
        if self._current is not None:
            name, start = self._current
            self._times.append([name, time.perf_counter() - start])
            self._current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._close()
        self._current = (task.get_name(), time.perf_counter())

    def v2_playbook_on_stats(self, stats):
        self._close()
        with open(os.environ["TASK_CLOCK_OUT"], "w") as handle:
            json.dump(self._times, handle)
'''


def measured_tasks(items, rounds, worker_env=None):
    """The measured tasks: ``rounds`` rounds of one loop of ``items`` items per kind, and with
    ``worker_env`` one more per module kind with the worker (tasks named "<kind> worker <n>")."""
    connection = "group/tegile.intelliflash.intelliflash"
    loop = {"loop": "{{ range(%d) | list }}" % items, "loop_control": {"label": "{{ item }}"}}
    kinds = {
        "ping": {"ansible.builtin.ping": {}},
        "uri": {"ansible.builtin.uri": {
            "url": "https://{{ intelliflash_host }}/zebi/api/v2/getShare", "method": "POST",
            "body_format": "json", "body": ["%s/Local/%s/%s" % (POOL, PROJECT, SHARE)],
            "url_username": "{{ intelliflash_username }}",
            "url_password": "{{ intelliflash_password }}", "force_basic_auth": True,
            "ca_path": "{{ intelliflash_ca_path }}"}},
        "share": {"tegile.intelliflash.share": {"pool": POOL, "project": PROJECT,
                                                "name": SHARE}},
        "quota": {"tegile.intelliflash.quota": {"pool": POOL, "project": PROJECT,
                                                "share": SHARE, "quota": "10G"}},
        "share_access": {"tegile.intelliflash.share_access": {
            "pool": POOL, "project": PROJECT, "share": SHARE, "purge": True, "rules": RULES}},
    }
    tasks = []
    for number in range(rounds):
        measured = [(kind, "%s %d" % (kind, number), None) for kind in KINDS]
        if worker_env:
            measured += [(kind, "%s worker %d" % (kind, number), worker_env)
                         for kind in WORKER_KINDS]
        for kind, name, environment in measured:
            task = dict(kinds[kind], name=name, **loop)
            if kind != "ping" and kind != "uri":
                # Converged: a change would mean the loop measures writes, not a module run.
                task["failed_when"] = "item_result is changed or item_result is failed"
                task["register"] = "item_result"
            if environment:
                task["environment"] = environment
            tasks.append(task)
    setup_worker = []
    if worker_env:
        # The first task with the worker runs in-process and starts it.
        setup_worker = [dict(kinds["share"], name="setup worker", environment=worker_env)]
    return [{
        "name": "Per-task cost", "hosts": "localhost", "gather_facts": False,
        "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
        "module_defaults": {connection: {
            "host": "{{ intelliflash_host }}", "username": "{{ intelliflash_username }}",
            "password": "{{ intelliflash_password }}", "ca_path": "{{ intelliflash_ca_path }}"}},
        "tasks": [
            {"name": "setup project", "tegile.intelliflash.project": {"pool": POOL,
                                                                      "name": PROJECT}},
            {"name": "setup share", "tegile.intelliflash.share": {"pool": POOL,
                                                                  "project": PROJECT,
                                                                  "name": SHARE}},
            {"name": "setup quota", "tegile.intelliflash.quota": {
                "pool": POOL, "project": PROJECT, "share": SHARE, "quota": "10G"}},
            {"name": "setup rules", "tegile.intelliflash.share_access": {
                "pool": POOL, "project": PROJECT, "share": SHARE, "purge": True,
                "rules": RULES}},
        ] + setup_worker + tasks,
    }]


def _playbook(work, env, sim, playbook, extra_env=None):
    values = {"intelliflash_host": sim.address, "intelliflash_username": sim.user,
              "intelliflash_password": sim.password, "intelliflash_ca_path": sim.ca_path}
    varfile = os.path.join(work, "vars.json")
    with open(varfile, "w") as handle:
        json.dump(values, handle)
    run_env = dict(env, **(extra_env or {}))
    proc = subprocess.run([ANSIBLE_PLAYBOOK, "-i", "localhost,", "-c", "local",
                           "-e", "@" + varfile, playbook], env=run_env, cwd=work,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError("%s failed:\n%s" % (playbook, proc.stdout[-4000:]))


def per_item(times, items, rounds, kinds=KINDS, infix=""):
    """Median seconds per item of each kind over the rounds (``times``: [name, seconds]);
    ``infix`` " worker" for the loops with the worker."""
    by_name = dict((name, seconds) for name, seconds in times)
    out = {}
    for kind in kinds:
        runs = [by_name["%s%s %d" % (kind, infix, number)] / items for number in range(rounds)]
        out[kind] = {"seconds_per_item": round(statistics.median(runs), 4),
                     "rounds": [round(value, 4) for value in runs]}
    return out


def _write_playbook(work, name, plays):
    path = os.path.join(work, name)
    with open(path, "w") as handle:
        json.dump(plays, handle, indent=1)  # JSON is YAML
    return path


def loop_times(work, env, sim, items, rounds, worker=False):
    """{"loop": per kind[, "loop_worker": per module kind, "loop_worker_workers": workers
    stopped at the end]}."""
    plugins = os.path.join(work, "callback_plugins")
    os.makedirs(plugins, exist_ok=True)
    with open(os.path.join(plugins, "task_clock.py"), "w") as handle:
        handle.write(CALLBACK)
    clock = os.path.join(work, "clock.json")
    directory = os.path.join(work, "workers")
    worker_env = bench_workers.worker_env(directory, WORKER_IDLE) if worker else None
    playbook = _write_playbook(work, "loops.yml", measured_tasks(items, rounds, worker_env))
    try:
        _playbook(work, env, sim, playbook, {
            "ANSIBLE_CALLBACK_PLUGINS": plugins, "ANSIBLE_CALLBACKS_ENABLED": "task_clock",
            "TASK_CLOCK_OUT": clock})
    finally:
        stopped = bench_workers.stop(directory) if worker else None
    with open(clock) as handle:
        times = json.load(handle)
    out = {"loop": per_item(times, items, rounds)}
    if worker:
        if stopped["left"]:
            raise RuntimeError("worker(s) %s still running after SIGKILL" % stopped["left"])
        out["loop_worker"] = per_item(times, items, rounds, WORKER_KINDS, " worker")
        out["loop_worker_workers"] = len(stopped["found"])
    return out


def payloads(work, env, sim):
    """Each kind's AnsiballZ payload, kept by a run without pipelining (one item per kind)."""
    remote = os.path.join(work, "remote-tmp")
    plays = measured_tasks(1, 1)
    playbook = _write_playbook(work, "payloads.yml", plays)
    _playbook(work, env, sim, playbook, {
        "ANSIBLE_PIPELINING": "0", "ANSIBLE_KEEP_REMOTE_FILES": "1",
        "ANSIBLE_REMOTE_TMP": remote})
    found = {}
    for kind in KINDS:
        name = "uri" if kind == "uri" else kind
        paths = sorted(glob.glob(os.path.join(remote, "*", "AnsiballZ_%s.py" % name)),
                       key=os.path.getmtime)
        if not paths:
            raise RuntimeError("no AnsiballZ payload of %s under %s" % (kind, remote))
        found[kind] = paths[-1]  # the measured task's, after the setup task's
    return found


_IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def import_profile(stderr):
    """(µs importing the collection's module_utils, µs importing requests, top modules)."""
    ours = requests = 0
    top = []
    for line in stderr.splitlines():
        match = _IMPORTTIME.match(line)
        if not match:
            continue
        own, cumulative, indent, name = int(match.group(1)), int(match.group(2)), \
            len(match.group(3)), match.group(4)
        if name.startswith(COLLECTION + "plugins.module_utils"):
            ours += own
        if name == "requests":
            requests = cumulative
        if indent <= 1:
            top.append((cumulative, name))
    return ours, requests, [name for _cumulative, name in sorted(top, reverse=True)[:8]]


def payload_runs(paths, repeat):
    """Wall and CPU time of a payload run (medians of ``repeat``; CPU time depends less on the
    machine's load) and its import profile."""
    out = {}
    # The default mode, whatever the caller's environment says.
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("INTELLIFLASH_")}
    for kind in KINDS:
        walls, cpus, ours, requests = [], [], [], []
        top = []
        for _number in range(repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-X", "importtime", paths[kind]],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                  universal_newlines=True, check=False)
            walls.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            result = json.loads(proc.stdout)
            if result.get("failed") or result.get("changed"):
                raise RuntimeError("payload of %s did not converge: %s" % (kind, proc.stdout))
            mine, req, top = import_profile(proc.stderr)
            ours.append(mine)
            requests.append(req)
        out[kind] = {"seconds": round(statistics.median(walls), 4),
                     "cpu_seconds": round(statistics.median(cpus), 4),
                     "module_utils_import_ms": round(statistics.median(ours) / 1000.0, 1),
                     "requests_import_ms": round(statistics.median(requests) / 1000.0, 1),
                     "top_imports": top}
    return out


def run(items, rounds, repeat, worker=True):
    work = tempfile.mkdtemp(prefix="tegile-bench-task-cost-")
    try:
        env = ansible_env(work)
        with SimulatorProcess(os.path.join(work, "sim"), password="bench-Pass-1") as sim:
            loops = loop_times(work, env, sim, items, rounds, worker)
            direct = payload_runs(payloads(work, env, sim), repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dict(loops, items=items, rounds=rounds, payload_repeat=repeat, payload=direct)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="JSON file to write (default: print)")
    parser.add_argument("--items", type=int, default=30, help="loop items per task")
    parser.add_argument("--rounds", type=int, default=3, help="loops per kind (median)")
    parser.add_argument("--repeat", type=int, default=5, help="direct runs of each payload")
    parser.add_argument("--no-worker", action="store_true",
                        help="skip the loops with INTELLIFLASH_WORKER=1")
    opts = parser.parse_args(argv)
    results = run(opts.items, opts.rounds, opts.repeat, worker=not opts.no_worker)
    text = json.dumps(results, indent=1)
    if opts.out:
        with open(opts.out, "w") as handle:
            handle.write(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
