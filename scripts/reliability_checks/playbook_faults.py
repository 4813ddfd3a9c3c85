# SPDX-License-Identifier: Apache-2.0
"""Fault kinds x operations for the modules' provisioning playbook (playbooks/provision.yml).

For each case a fresh simulator runs the playbook with one fault kind armed on one write
method (the operation) or, in the mixed cases, on every write method at a rate. The end state
is compared with a fault-free run's: a run that failed is run once more without faults (the
next idempotent run must converge), a run that succeeded must already hold the right state.
"""

import concurrent.futures
import os
import re

from . import common

PLAYBOOK = os.path.join(common.ROOT, "playbooks", "provision.yml")
TIMEOUT = 2.0            # the modules' read timeout during the runs (seconds)
LATENCY_MS = 3500        # the latency fault: above the read timeout, so the reply comes too late
RETRY_BUDGET = 60        # the modules' retry budget (their default)

KINDS = common.fault_kinds(LATENCY_MS)

# A smaller version of playbooks/vars/provision.yml (same shape): one project per pool kind of
# use, NFS and SMB shares, quotas, access rules of both kinds, snapshots and a clone.
SMALL_VARS = {
    "provision_pools": ["pool-a"],
    "provision_projects": [{"name": "rel", "pool": "pool-a", "compression": "lz4",
                            "quota": "500G"}],
    "provision_shares": [
        {"name": "nfs1", "project": "rel", "pool": "pool-a", "size": "100G",
         "reservation": "10G", "nfs": True},
        {"name": "smb1", "project": "rel", "pool": "pool-a", "size": "50G", "smb": True,
         "smb_name": "relhome"},
    ],
    "provision_quotas": [{"pool": "pool-a", "project": "rel", "share": "nfs1",
                          "reservation": "20G"}],
    "provision_access": [
        {"pool": "pool-a", "project": "rel", "share": "nfs1", "purge": True, "rules": [
            {"type": "ip", "to": "10.20.0.0/24", "access_level": "rw"},
            {"type": "host", "to": "backup.example.com", "access_level": "ro"},
            {"type": "user", "to": "alice", "access_level": "rw"}]},
        {"pool": "pool-a", "project": "rel", "share": "smb1", "protocol": "smb", "purge": True,
         "rules": [{"type": "group", "to": "finance", "access_level": "rw"}]},
    ],
    "provision_snapshots": [{"pool": "pool-a", "project": "rel", "share": "nfs1",
                             "name": "before"}],
    "provision_clones": [{"name": "nfs1-clone", "project": "rel", "pool": "pool-a",
                          "source_share": "nfs1", "source_snapshot": "before"}],
}


def _run(workdir, sim, variables):
    extra = common.connection_vars(sim, intelliflash_timeout=TIMEOUT)
    extra.update(variables)
    return common.run_playbook(workdir, PLAYBOOK, extra)


def _tail(output, lines=12):
    return "\n".join(output.strip().splitlines()[-lines:])


def _most_warnings_in_a_task(output):
    """The most ``[WARNING]`` messages one task printed (each item of a loop prints its own)."""
    return max([len(re.findall(r"^\[WARNING\]", part, re.M))
                for part in re.split(r"^TASK \[", output, flags=re.M)] or [0])


def reference(workdir, variables):
    """The fault-free run: end state, the write methods it used, and its own replays."""
    with common.simulator(workdir, "playbook-reference") as sim:
        rc, output = _run(workdir, sim, variables)
        if rc != 0:
            raise RuntimeError("the fault-free provisioning run failed:\n" + _tail(output, 40))
        log = sim.call_log()
        methods = sorted({e["method"] for e in common.executed_writes(log)})
        return {"state": common.array_state(sim), "write_methods": methods,
                "replayed": common.replayed_writes(log), "calls": len(log["entries"])}


def run_case(workdir, ref, variables, name, faults):
    """One faulted run; returns the case's figures."""
    case = {"case": name, "faults": faults}
    with common.simulator(workdir, "playbook-" + name) as sim:
        sim.set_faults(**faults)
        rc, output = _run(workdir, sim, variables)
        case["fired"] = common.faults_fired(sim)
        sim.clear_faults()
        common.wait_quiet(sim)
        case["run_failed"] = rc != 0
        case["most_warnings_in_a_task"] = _most_warnings_in_a_task(output)
        rerun_from = common.last_seq(sim)
        if rc != 0:
            case["failure"] = _tail(output)
            # The next run, without faults, must converge on the same state.
            rc2, output2 = _run(workdir, sim, variables)
            common.wait_quiet(sim)
            case["rerun_failed"] = rc2 != 0
            if rc2 != 0:
                case["rerun_failure"] = _tail(output2)
        # The rerun is a new run: it may repeat a write of the failed one (no replay).
        log = sim.call_log()
        case["replayed"] = common.replayed_writes(log, [rerun_from])
        case["early_resends"] = common.early_resends(log, faults, [rerun_from])
        mismatches, orphans, details = common.compare_states(ref["state"], common.array_state(sim))
        case.update(mismatches=len(mismatches), orphans=len(orphans), details=details[:10])
    return case


def cases(profile, ref, kinds=None):
    """(name, faults) of the profile's cases; ``kinds`` keeps only those fault kinds."""
    out = []
    methods = ref["write_methods"]
    if profile == "soak":
        # Every kind on every write method the playbook uses, once each.
        for kind, settings in sorted(KINDS.items()):
            for method in methods:
                out.append(("%s/%s" % (kind, method), dict(settings, methods=[method], count=1)))
        # A Retry-After beyond the budget: the run fails at once, the rerun converges.
        for method in methods:
            out.append(("retry-after/beyond-budget/%s" % method,
                        dict(common.retry_after_beyond(RETRY_BUDGET), methods=[method], count=1)))
        seeds = (1, 2, 3)
        for seed in seeds:
            for kind, settings in sorted(KINDS.items()):
                faults = {k: (0.3 if k.endswith("_rate") else v) for k, v in settings.items()}
                out.append(("%s/mixed-seed-%d" % (kind, seed),
                            dict(faults, methods=methods, count=3, seed=seed)))
        # Every kind but latency at once, on all write methods, reproducible.
        for seed in seeds:
            out.append(("all-kinds/mixed-seed-%d" % seed, {
                "error_rate": 0.15, "status": 503, "reset_rate": 0.15, "drop_reply_rate": 0.15,
                "methods": methods, "count": 4, "seed": seed}))
        if kinds:
            out = [case for case in out if common.kind_of(case[0]) in kinds]
    else:
        # Late replies, and proxy errors with lost replies. (A reset after the request was sent
        # leaves the outcome unknown: the module waits for the effect for its whole retry
        # budget, 60 s, before it fails; too long for the suite, the soak covers it.)
        out.append(("latency/mixed-seed-1",
                    dict(KINDS["latency"], methods=methods, count=3, seed=1)))
        out.append(("http-503+drop-reply/mixed-seed-1", {
            "error_rate": 0.2, "status": 503, "drop_reply_rate": 0.2, "methods": methods,
            "count": 4, "seed": 1}))
        # Replies that trickle in past the read timeout: the writes ran, confirmed by reads.
        # (Not with error_rate: a trickled 429 is an unknown outcome too, and a write that
        # did not run is waited for during the whole 60 s budget; the driver's quick cases
        # have the Retry-After ones.)
        out.append(("trickle/mixed-seed-1", dict(KINDS["trickle"], methods=methods, count=3,
                                                 seed=1)))
    return out


def run(workdir, profile, jobs=2, log=print, kinds=None):
    variables = {} if profile == "soak" else SMALL_VARS
    ref = reference(workdir, variables)
    log("playbook: reference run made %d objects with %d calls; write methods: %s"
        % (len(ref["state"]), ref["calls"], ", ".join(ref["write_methods"])))

    def one(item):
        name, faults = item
        case = run_case(workdir, ref, variables, name, faults)
        log("playbook %-40s fired=%d failed=%s mismatches=%d orphans=%d replayed=%d early=%d %s"
            % (name, case["fired"], case["run_failed"], case["mismatches"], case["orphans"],
               len(case["replayed"]), len(case["early_resends"]),
               "; ".join(case["details"][:2])))
        return case

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(one, cases(profile, ref, kinds)))
    return {
        "reference_replayed": ref["replayed"],
        "operations": ref["write_methods"],
        "kinds": sorted(kinds) if kinds and profile == "soak" else sorted(KINDS),
        "cases": results,
        "figures": {
            "cases": len(results),
            "faults_fired": sum(c["fired"] for c in results),
            "runs_failed": sum(c["run_failed"] for c in results),
            "reruns_failed": sum(c.get("rerun_failed", False) for c in results),
            "end_state_mismatches": sum(c["mismatches"] for c in results),
            "orphans": sum(c["orphans"] for c in results),
            "replayed_writes": sum(len(c["replayed"]) for c in results)
            + len(ref["replayed"]),
            "early_resends": sum(len(c["early_resends"]) for c in results),
            "most_warnings_in_a_task": max([c["most_warnings_in_a_task"] for c in results] or [0]),
        },
    }
