# SPDX-License-Identifier: Apache-2.0
"""Fault kinds x operations for the Manila driver (runs in .venv-manila; prints JSON).

    .venv-manila/bin/python -m reliability_checks.driver_sequence --profile quick  (cwd scripts/)

The sequence is what Manila asks of a backend over a share's life: create an NFS and a CIFS
share, extend, snapshot, create a share from the snapshot, grant, grant, deny, then delete
everything. A reference run without faults records each operation's write calls and the state
at two checkpoints (after the deny; after the deletes). Each case runs the sequence on a fresh
simulator with one fault kind armed on one operation's writes. An operation that raises is
recovered as Manila would (a failed create: delete, then create again; anything else: the same
call again, as Manila's next access or periodic pass does), then the sequence goes on.
"""

import argparse
import concurrent.futures
import json
import os
import sys
import threading
import uuid

from oslo_config import cfg

from manila.share import share_types

from . import common

# The Manila tests' helpers build a driver the way Manila does (its Configuration, private data).
sys.path.insert(0, os.path.join(common.ROOT, "tests", "manila"))
import tegile_driver_helpers  # noqa: E402  pylint: disable=wrong-import-position
from tegile_intelliflash.client.paths import dataset_ref  # noqa: E402

CONF = cfg.CONF
_SETUP_LOCK = threading.Lock()
TIMEOUT = 1                # tegile_nas_timeout during the runs (seconds; the option's minimum)
LATENCY_MS = 2500          # above the timeout: the reply comes too late
RETRY_BUDGET = 6           # tegile_nas_retry_budget: enough to see a late write's effect
KINDS = common.fault_kinds(LATENCY_MS)
# No share type extra specs (Manila would read them from its database).
share_types.get_extra_specs_from_share = lambda share: {}


def new_driver(sim):
    with _SETUP_LOCK:  # oslo.config registers each driver's option group
        return tegile_driver_helpers.new_driver(
            sim, tegile_default_project="manila", tegile_nas_timeout=TIMEOUT,
            tegile_nas_retry_budget=RETRY_BUDGET)


def _id(name):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "tegile-reliability/" + name))


def _share(name, proto, size=1):
    sid = _id(name)
    return {"id": sid, "share_id": _id(name + "/share"), "name": "share-" + sid, "size": size,
            "share_proto": proto, "host": "manila@tegile#pool-a", "share_type_id": None,
            "status": "creating", "export_locations": [], "share_server": None}


def _rule(name, to, level="rw"):
    return {"id": _id(name), "access_id": _id(name + "/access"), "access_type": "ip",
            "access_to": to, "access_level": level, "access_key": None, "state": "applying"}


class Sequence(object):
    """The operations, in order; each is (name, call, recover)."""

    def __init__(self, drv):
        self.drv = drv
        self.nfs = _share("nfs", "NFS")
        self.cifs = _share("cifs", "CIFS")
        self.clone = _share("clone", "NFS", size=2)
        self.snap = {"id": _id("snap"), "snapshot_id": _id("snap/s"),
                     "name": "share-snapshot-" + _id("snap"), "share_id": self.nfs["id"],
                     "share_instance_id": self.nfs["id"], "share_name": self.nfs["name"],
                     "share": self.nfs, "size": 2, "share_size": 2, "provider_location": None,
                     "status": "creating"}
        self.r1 = _rule("r1", "10.1.0.0/24")
        self.r2 = _rule("r2", "10.2.0.5", "ro")

    def operations(self):
        d = self.drv

        def create(share):
            return (lambda: d.create_share(None, share),
                    lambda: (d.delete_share(None, share), d.create_share(None, share)))

        def again(call):
            return call, call

        def access(rules, add, delete):
            return again(lambda: d.update_access(None, self.nfs, rules, add, delete, []))

        self.nfs["size"] = 1
        return [
            ("create-nfs",) + create(self.nfs),
            ("create-cifs",) + create(self.cifs),
            ("extend",) + again(lambda: (d.extend_share(self.nfs, 2),
                                         self.nfs.__setitem__("size", 2))),
            ("snapshot",) + again(lambda: d.create_snapshot(None, self.snap)),
            ("clone", lambda: d.create_share_from_snapshot(None, self.clone, self.snap),
             lambda: (d.delete_share(None, self.clone),
                      d.create_share_from_snapshot(None, self.clone, self.snap))),
            ("grant",) + access([self.r1], [self.r1], []),
            ("grant-2",) + access([self.r1, self.r2], [self.r2], []),
            ("deny",) + access([self.r2], [], [self.r1]),
            ("checkpoint", None, None),
            ("delete-clone",) + again(lambda: d.delete_share(None, self.clone)),
            ("delete-snapshot",) + again(lambda: d.delete_snapshot(None, self.snap)),
            ("delete-shares",) + again(lambda: (d.delete_share(None, self.nfs),
                                                d.delete_share(None, self.cifs))),
        ]


def run_sequence(workdir, name, fault_op=None, faults=None):
    """Run the sequence on a fresh simulator; faults armed during ``fault_op`` only."""
    out = {"case": name, "faults": faults, "fired": 0, "failed_ops": [], "recover_failed": [],
           "writes_by_op": {}, "states": [], "replayed": [], "early_resends": []}
    boundaries = []  # call-log positions where an operation (or a recovery) began
    with common.simulator(workdir, "driver-" + name.replace("/", "-")) as sim:
        drv = new_driver(sim)
        try:
            for op, call, recover in Sequence(drv).operations():
                if call is None:
                    common.wait_quiet(sim)
                    out["states"].append(common.array_state(sim))
                    continue
                if fault_op is None:
                    sim.reset_calls()
                else:
                    boundaries.append(common.last_seq(sim))
                if op == fault_op:
                    sim.set_faults(**faults)
                error = None
                try:
                    call()
                except Exception as exc:  # pylint: disable=broad-except
                    error = exc
                if op == fault_op:
                    out["fired"] += common.faults_fired(sim)
                    sim.clear_faults()
                if error is not None:
                    out["failed_ops"].append("%s: %s" % (op, str(error)[:300]))
                    common.wait_quiet(sim)
                    boundaries.append(common.last_seq(sim))
                    try:
                        recover()
                    except Exception as exc:  # pylint: disable=broad-except
                        out["recover_failed"].append("%s: %s" % (op, str(exc)[:300]))
                if fault_op is None:
                    log = sim.call_log()
                    out["writes_by_op"][op] = sorted(
                        {e["method"] for e in common.executed_writes(log)})
                    out["replayed"].extend(common.replayed_writes(log))
        finally:
            drv.client.close()
        common.wait_quiet(sim)
        out["states"].append(common.array_state(sim))
        if fault_op is not None:
            log = sim.call_log()
            out["replayed"] = common.replayed_writes(log, boundaries)
            out["early_resends"] = common.early_resends(log, faults, boundaries)
    return out


def compare(ref, case):
    mismatches = orphans = 0
    details = []
    for expected, actual in zip(ref["states"], case.pop("states")):
        bad, extra, text = common.compare_states(expected, actual)
        mismatches, orphans = mismatches + len(bad), orphans + len(extra)
        details.extend(text)
    case.update(mismatches=mismatches, orphans=orphans, details=details[:10])
    return case


# The quick profile's cases (operation, write, fault kind): the lost or late replies that
# matter most (issue 8 items 1 and 4), a trickled reply, a Retry-After within and one beyond
# the budget; the soak runs every kind on every write.
QUICK = {
    ("create-cifs", "setNFSSharingOnShare", "http-503"),
    ("create-cifs", "setNFSSharingOnShare", "reset"),
    ("create-cifs", "setNFSSharingOnShare", "drop-reply"),
    ("extend", "modifyShareProperties", "latency"),
    ("extend", "modifyShareProperties", "drop-reply"),
    ("grant-2", "addNFSNetworkACLOnShare", "latency"),
    ("grant-2", "addNFSNetworkACLOnShare", "drop-reply"),
    ("deny", "removeNFSNetworkACLOnShare", "latency"),
    ("deny", "removeNFSNetworkACLOnShare", "reset"),
    ("extend", "modifyShareProperties", "trickle"),
    ("grant-2", "addNFSNetworkACLOnShare", "retry-after"),
    ("deny", "removeNFSNetworkACLOnShare", "retry-after/beyond-budget"),
}


def cases(profile, ref, kinds=None):
    """(name, operation, faults): each kind on each write method of each operation, and a
    Retry-After beyond the retry budget (``kinds``: only those kinds, in the soak)."""
    out, chosen = [], set()
    every = sorted(KINDS.items()) + [
        ("retry-after/beyond-budget", common.retry_after_beyond(RETRY_BUDGET))]
    for op, methods in ref["writes_by_op"].items():
        for method in methods:
            for kind, settings in every:
                if method == "createProject" or (
                        profile == "quick" and (op, method, kind) not in QUICK) or (
                        profile == "soak" and kinds and common.kind_of(kind) not in kinds):
                    continue
                out.append(("%s/%s/%s" % (kind, op, method), op,
                            dict(settings, methods=[method], count=1)))
                chosen.add((op, method, kind))
    if profile == "quick":
        # A write the driver no longer sends would drop its cases silently.
        stale = sorted(QUICK - chosen)
        if stale:
            raise RuntimeError("quick cases of writes the reference run did not send: %s"
                               % stale)
    return out


def run_concurrent_access(workdir, rounds):
    """Two threads call update_access on one share at once, as two passes of Manila's share
    manager can: each passes every rule Manila holds (the other's new rule included) and adds
    its own. Every rule must end on the share, and none may be reported in error."""
    out = {"rounds": rounds, "errors": [], "lost": 0}
    with common.simulator(workdir, "driver-concurrent-access") as sim:
        drv = new_driver(sim)
        try:
            share = _share("concurrent", "NFS")
            drv.create_share(None, share)
            rules = []
            for n in range(rounds):
                new = [_rule("c%d-%d" % (n, t), "10.9.%d.%d" % (n, t + 1)) for t in (0, 1)]
                rules.extend(new)
                barrier = threading.Barrier(2)

                def call(rule, every=tuple(rules), start=barrier):
                    start.wait()
                    try:
                        return drv.update_access(None, share, list(every), [rule], [], []) or {}
                    except Exception as exc:  # pylint: disable=broad-except
                        return {rule["id"]: {"state": "error", "exception": str(exc)[:300]}}

                with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
                    for updates in pool.map(call, new):
                        out["errors"].extend("round %d: %s" % (n + 1, v) for v in updates.values()
                                             if v.get("state") == "error")
        finally:
            drv.client.close()
        common.wait_quiet(sim)
        with common.client_for(sim, retry_budget=10) as client:
            present = {r.host for r in client.get_network_acls("nfs", dataset_ref("pool-a", "manila", share["name"]))}
        out["lost"] = len({r["access_to"] for r in rules} - present)
    return out


def run(profile, jobs, keep=False, kinds=None):
    workdir = common.Workdir(keep=keep)
    try:
        ref = run_sequence(workdir, "reference")
        if ref["failed_ops"]:
            raise RuntimeError("the fault-free driver sequence failed: %s" % ref["failed_ops"])
        selected = cases(profile, ref, kinds)
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(
                lambda c: compare(ref, run_sequence(workdir, c[0], c[1], c[2])), selected))
        concurrent_access = run_concurrent_access(workdir, 3 if profile == "quick" else 10)
    finally:
        workdir.close()
    return {
        "operations": dict(ref["writes_by_op"]),
        "cases": results,
        "concurrent_access": concurrent_access,
        "figures": {
            "cases": len(results),
            "faults_fired": sum(c["fired"] for c in results),
            "operations_failed": sum(len(c["failed_ops"]) for c in results),
            "recoveries_failed": sum(len(c["recover_failed"]) for c in results),
            "reference_replayed": len(ref["replayed"]),
            "end_state_mismatches": sum(c["mismatches"] for c in results),
            "orphans": sum(c["orphans"] for c in results),
            "replayed_writes": sum(len(c["replayed"]) for c in results) + len(ref["replayed"]),
            "early_resends": sum(len(c["early_resends"]) for c in results),
            "concurrent_access_rules": 2 * concurrent_access["rounds"],
            "concurrent_access_lost": concurrent_access["lost"],
            "concurrent_access_errors": len(concurrent_access["errors"]),
        },
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--profile", choices=("quick", "soak"), default="quick")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--kinds", nargs="+", choices=sorted(KINDS))
    args = parser.parse_args()
    CONF([], project="manila", default_config_files=[])
    json.dump(run(args.profile, args.jobs, args.keep, args.kinds), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
