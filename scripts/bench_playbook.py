#!/usr/bin/env python
# SPDX-License-Identifier: GPL-3.0-or-later
"""``make bench``, playbook part: the modules' provisioning playbook against the same work
written with ``ansible.builtin.uri``, first run and converged run.

    .venv/bin/python scripts/bench_playbook.py --out FILE [--shares 100]

The modules run ``playbooks/provision.yml`` as users run it, its variables replaced (``-e``) by
one project and N shares, each with a quota and three NFS rules (purged to exactly those): each
share entry carries them, ``size: 10G`` (the share's quota) and ``access_rules`` (its rules
become exactly that list), so one ``share`` task, one module run, does each share's work
(``provision_quotas`` and ``provision_access`` are empty). The ``uri`` playbook does the same
work idempotently, as one would write it by hand: read each object, write only what differs.
Each variant runs twice on a fresh simulator; calls are the simulator's counters
(``/sim/v1/calls``), time is ansible-playbook's wall time. Never asserts.

The modules run twice over: as they run by default (a fresh Python per task), and with their
opt-in resident worker (``INTELLIFLASH_WORKER=1``, ``scripts/bench_workers.py``), its sockets in
a directory of this run's own. The workers are stopped after each run, so that each run, first
and converged, pays for starting its worker (its first task runs in-process and starts it), as a
playbook run on a cold host does; ``workers`` counts the worker processes found and stopped
after the run (none: the worker mode did not take effect).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tegile_intelliflash.simulator.harness import SimulatorProcess  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import bench_workers  # noqa: E402  pylint: disable=wrong-import-position

POOL = "pool-a"
PROJECT = "bench"
QUOTA = 10 * 1024 ** 3
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")


def _rules(index):
    return [{"type": "ip", "to": "10.%d.%d.0/24" % (index // 200, index % 200 + k),
             "access_level": level} for k, level in enumerate(("rw", "ro", "rw"))]


def provision_vars(shares):
    names = ["share-%03d" % i for i in range(shares)]
    return {
        "provision_pools": [POOL],
        "provision_projects": [{"name": PROJECT, "pool": POOL}],
        "provision_shares": [{"name": n, "project": PROJECT, "pool": POOL, "size": "10G",
                              "access_rules": _rules(i)} for i, n in enumerate(names)],
        "provision_quotas": [],
        "provision_access": [],
        "provision_snapshots": [],
        "provision_clones": [],
    }


def _acl(rule):
    return {"hostType": "IP", "host": rule["to"], "accessMode": rule["access_level"],
            "rootAccessForNFS": False}


def uri_playbook(shares):
    """The same work with ansible.builtin.uri: read, then write what differs."""
    items = [{"name": "share-%03d" % i, "path": "%s/Local/%s/share-%03d" % (POOL, PROJECT, i),
              "acls": [_acl(rule) for rule in _rules(i)]} for i in range(shares)]
    call = {"url": "{{ api }}/{{ method }}", "method": "POST", "body_format": "json",
            "url_username": "{{ intelliflash_username }}",
            "url_password": "{{ intelliflash_password }}", "force_basic_auth": True,
            "ca_path": "{{ intelliflash_ca_path }}", "status_code": [200, 500]}

    def task(name, method, body, loop=None, when=None, register=None, label=None):
        out = {"name": name, "ansible.builtin.uri": dict(call, body=body),
               "vars": {"method": method}}
        if loop is not None:
            out["loop"] = loop
            out["loop_control"] = {"label": label or "{{ item.name | default(item.item.name) }}"}
        if when:
            out["when"] = when
        if register:
            out["register"] = register
        out["changed_when"] = method.startswith(("create", "modify", "set"))
        return out

    wanted_quota = QUOTA
    return [{
        "name": "Provision with ansible.builtin.uri", "hosts": "localhost",
        "gather_facts": False,
        "vars": {"api": "https://{{ intelliflash_host }}/zebi/api/v2", "shares": items},
        "tasks": [
            task("Read the project", "getProject", [POOL, PROJECT, True], register="project"),
            task("Create the project", "createProject", {"poolName": POOL,
                                                         "projectName": PROJECT},
                 when="project.status != 200"),
            task("Read the shares", "getShare", ["{{ item.path }}"], loop="{{ shares }}",
                 register="found"),
            task("Create the shares", "createShare",
                 [POOL, PROJECT, "{{ item.item.name }}", {}], loop="{{ found.results }}",
                 when="item.status != 200"),
            task("Set the quotas", "modifyShareProperties",
                 ["{{ item.item.path }}", {"quotaInByte": wanted_quota}],
                 loop="{{ found.results }}",
                 when="item.status != 200 or item.json.quotaInByte != %d" % wanted_quota),
            task("Read the NFS rules", "getNFSNetworkACLsOnShare", ["{{ item.path }}"],
                 loop="{{ shares }}", register="acls"),
            task("Set the NFS rules", "setNFSNetworkACLsOnShare",
                 ["{{ item.item.path }}", "{{ item.item.acls }}"], loop="{{ acls.results }}",
                 when="item.status != 200 or (item.json | map(attribute='host') | list) != "
                      "(item.item.acls | map(attribute='host') | list) or "
                      "(item.json | map(attribute='accessMode') | list) != "
                      "(item.item.acls | map(attribute='accessMode') | list)"),
        ],
    }]


def ansible_env(work):
    """ansible-playbook with this checkout's collection (a link named like its FQCN)."""
    base = os.path.join(work, "collections", "ansible_collections", "tegile")
    os.makedirs(base)
    os.symlink(ROOT, os.path.join(base, "intelliflash"))
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("ANSIBLE_", "INTELLIFLASH_"))}
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": os.path.join(work, "collections"),
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_PIPELINING": "1", "ANSIBLE_LOCAL_TEMP": os.path.join(work, "tmp"),
        "ANSIBLE_HOME": os.path.join(work, "home"),
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
    })
    return env


def run_twice(work, env, playbook, extra_vars, label, workers=None):
    """First run and converged run of ``playbook`` on a fresh simulator; with ``workers`` (a
    directory) the modules' resident worker is on, and stopped after each run."""
    out = {}
    if workers:
        env = dict(env, **bench_workers.worker_env(workers))
    with SimulatorProcess(os.path.join(work, "sim-" + label), password="bench-Pass-1") as sim:
        values = dict(extra_vars, intelliflash_host=sim.address,
                      intelliflash_username=sim.user, intelliflash_password=sim.password,
                      intelliflash_ca_path=sim.ca_path)
        varfile = os.path.join(work, label + "-vars.json")
        with open(varfile, "w") as handle:
            json.dump(values, handle)
        for run in ("first", "converged"):
            sim.reset_calls()
            start = time.perf_counter()
            try:
                proc = subprocess.run(
                    [ANSIBLE_PLAYBOOK, "-i", "localhost,", "-c", "local", "-e", "@" + varfile,
                     playbook], env=env, cwd=work, stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT, universal_newlines=True, check=False)
                seconds = time.perf_counter() - start
            finally:
                stopped = bench_workers.stop(workers) if workers else None
            if proc.returncode != 0:
                raise RuntimeError("%s (%s run) failed:\n%s" % (label, run, proc.stdout[-4000:]))
            calls = sim.calls()
            out[run] = {"calls": calls["total"], "writes": calls["writes"],
                        "reads": calls["reads"], "by_method": calls["by_method"],
                        "seconds": round(seconds, 3)}
            if stopped is not None:
                out[run]["workers"] = len(stopped["found"])
                if stopped["left"]:
                    raise RuntimeError("%s: worker(s) %s still running after SIGKILL"
                                       % (label, stopped["left"]))
    return out


def run(shares, worker=True):
    work = tempfile.mkdtemp(prefix="tegile-bench-playbook-")
    try:
        env = ansible_env(work)
        uri = os.path.join(work, "uri.yml")
        with open(uri, "w") as handle:
            json.dump(uri_playbook(shares), handle, indent=1)  # JSON is YAML
        provision = os.path.join(ROOT, "playbooks", "provision.yml")
        modules = run_twice(work, env, provision, provision_vars(shares), "modules")
        with_worker = None
        if worker:
            with_worker = run_twice(work, env, provision, provision_vars(shares),
                                    "modules_worker", workers=os.path.join(work, "workers"))
        baseline = run_twice(work, env, uri, {}, "uri")
    finally:
        if worker:
            bench_workers.stop(os.path.join(work, "workers"))
        shutil.rmtree(work, ignore_errors=True)
    wanted = provision_vars(shares)
    results = {"shares": shares, "modules": modules, "uri": baseline,
               # The playbook's tasks that address each share (share; quota and share_access
               # when their lists are not empty): each is a module run of its own, which reads
               # the share.
               "tasks_per_share": sum(len(wanted[key]) for key in (
                   "provision_shares", "provision_quotas", "provision_access")) / max(shares, 1)}
    if with_worker is not None:
        results["modules_worker"] = with_worker
        results["worker_env"] = {"INTELLIFLASH_WORKER": "1",
                                 "INTELLIFLASH_WORKER_IDLE": str(bench_workers.IDLE_SECONDS)}
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="JSON file to write")
    parser.add_argument("--shares", type=int, default=100)
    parser.add_argument("--no-worker", action="store_true",
                        help="skip the modules' run with INTELLIFLASH_WORKER=1")
    opts = parser.parse_args(argv)
    results = run(opts.shares, worker=not opts.no_worker)
    with open(opts.out, "w") as handle:
        json.dump(results, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
