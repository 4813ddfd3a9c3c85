# SPDX-License-Identifier: Apache-2.0
"""Concurrent writers: several ansible-playbook processes on one share at once.

Each process runs the same play: create the share (all processes race on one name), then
``rounds`` share_access tasks with ``purge: false``, each adding three network rules and one
user rule of its own. Every rule any task reported as applied must be on the share at the end;
a rule missing is a lost update.
"""

import concurrent.futures
import json
import os
import re

from . import common
from tegile_intelliflash.client.paths import dataset_ref, project_ref, share_ref

POOL, PROJECT, SHARE = "pool-a", "conc", "shared"


def _rules(process, round_no):
    prefix = "10.%d.%d" % (process + 1, round_no + 1)
    return ([{"type": "ip", "to": "%s.%d" % (prefix, n), "access_level": "rw"} for n in (1, 2, 3)]
            + [{"type": "user", "to": "u%dr%d" % (process + 1, round_no + 1),
                "access_level": "ro"}])


def _playbook(sim, process, rounds):
    tasks = [{"name": "create the share every process creates",
              "tegile.intelliflash.share": {"pool": POOL, "project": PROJECT, "name": SHARE,
                                            "size": "10G", "nfs": True}}]
    for round_no in range(rounds):
        tasks.append({"name": "round %d" % (round_no + 1),
                      "tegile.intelliflash.share_access": {
                          "pool": POOL, "project": PROJECT, "share": SHARE, "purge": False,
                          "rules": _rules(process, round_no)}})
    return [{
        "name": "writer %d" % process, "hosts": "localhost", "gather_facts": False,
        "vars": {"ansible_python_interpreter": os.path.join(common.VENV_BIN, "python")},
        "module_defaults": {"group/tegile.intelliflash.intelliflash": {
            "host": sim.address, "username": sim.user, "password": sim.password,
            "ca_path": sim.ca_path}},
        "tasks": tasks,
    }]


def _reported_rounds(output):
    """The rounds a run reported as done (ok or changed)."""
    parts = re.split(r"^TASK \[round (\d+)\]", output, flags=re.M)
    return {int(parts[i]) - 1 for i in range(1, len(parts) - 1, 2)
            if re.search(r"^(ok|changed): \[localhost\]", parts[i + 1], re.M)}


def run_round(workdir, processes, rounds, name):
    with common.simulator(workdir, name) as sim:
        with common.client_for(sim) as client:
            client.create_project(project_ref(POOL, PROJECT))
        books = []
        for process in range(processes):
            path = os.path.join(workdir.path, "%s-writer-%d.yml" % (name, process))
            with open(path, "w") as handle:
                json.dump(_playbook(sim, process, rounds), handle)
            books.append(path)
        with concurrent.futures.ThreadPoolExecutor(max_workers=processes) as pool:
            runs = list(pool.map(lambda path: common.run_playbook(workdir, path, {}), books))
        common.wait_quiet(sim)
        with common.client_for(sim, retry_budget=10) as client:
            shares = [s.name for s in client.list_shares(project_ref(POOL, PROJECT))]
            net = {r.host for r in client.get_network_acls("nfs", dataset_ref(POOL, PROJECT, SHARE))}
            users = {r.name for r in client.get_user_acls(share_ref(POOL, PROJECT, SHARE))}
    failed = [rc for rc, _out in runs if rc != 0]
    # Rules of the rounds each run reported as done: each must be on the share.
    reported = [(p, n) for p, (_rc, out) in enumerate(runs) for n in _reported_rounds(out)]
    want_net = {r["to"] for p, n in reported for r in _rules(p, n) if r["type"] == "ip"}
    want_users = {r["to"] for p, n in reported for r in _rules(p, n) if r["type"] == "user"}
    lost = len(want_net - net) + len(want_users - users)
    return {
        "case": name, "processes": processes, "rounds": rounds,
        "runs_failed": len(failed),
        "rounds_reported": len(reported),
        "failure_text": ["\n".join(out.strip().splitlines()[-8:]) for rc, out in runs if rc][:2],
        "network_rules": "%d of %d" % (len(want_net & net), len(want_net)),
        "user_rules": "%d of %d" % (len(want_users & users), len(want_users)),
        "lost_updates": lost,
        # Runs that reported every round done although one of their rules is gone.
        "silent_losses": sum(
            1 for p, (rc, out) in enumerate(runs) if rc == 0 and any(
                (r["to"] not in (net if r["type"] == "ip" else users))
                for n in _reported_rounds(out) for r in _rules(p, n))),
        "shares": len(shares),
    }


def run(workdir, profile, log=print):
    plan = [(4, 3, "writers-4x3")] if profile == "quick" else [
        (4, 3, "writers-4x3-a"), (4, 3, "writers-4x3-b"), (4, 8, "writers-4x8"),
        (6, 4, "writers-6x4")]
    cases = []
    for processes, rounds, name in plan:
        case = run_round(workdir, processes, rounds, name)
        cases.append(case)
        log("concurrency %-14s runs failed=%d rounds done=%d network=%s users=%s lost=%d "
            "silent=%d shares=%d" % (
                name, case["runs_failed"], case["rounds_reported"], case["network_rules"],
                case["user_rules"], case["lost_updates"], case["silent_losses"], case["shares"]))
    return {
        "cases": cases,
        "figures": {
            "cases": len(cases),
            "writer_runs": sum(c["processes"] for c in cases),
            "writer_runs_failed": sum(c["runs_failed"] for c in cases),
            "lost_updates": sum(c["lost_updates"] for c in cases),
            "silent_losses": sum(c["silent_losses"] for c in cases),
            "duplicate_or_missing_shares": sum(abs(c["shares"] - 1) for c in cases),
        },
    }
