#!/usr/bin/env python
# SPDX-License-Identifier: Apache-2.0
"""``make bench``, Manila part: our driver and Manila's in-tree Tegile driver on the simulator.

Runs in ``.venv-manila`` (``scripts/bench.py`` starts it there, holding
``/tmp/tegile-manila.lock``: the in-tree driver's simulator binds 127.0.0.2:443). Both drivers
are built as ``tests/manila`` builds them (Manila's real ``Configuration``, share and snapshot
dicts shaped like the share manager's) and every figure is read from the simulator's own
counters (``/sim/v1/calls``), so the bench measures whatever the drivers do today.

    .venv-manila/bin/python scripts/bench_manila.py --out FILE [--shares 50 --clones 10
        --refreshes 20 --access 10,100,1000 --access-intree 10,100,1000 --stats 50,500,5000]

Writes one JSON document (``drivers.<ours|intree>.<figure>``); never asserts anything.

Each driver's set-up (``do_setup`` and ``check_for_setup_error``, what manila-share runs before
any other call) is measured as a phase of its own: ours lists each pool's projects and shares
there (the listing half of the allocated-capacity count), which the stats phase would pay
otherwise; the in-tree driver's set-up makes no call.
"""

# Set the process up as manila-share does before anything imports ssl (tests/manila/conftest.py).
import manila.cmd.share  # noqa: F401  pylint: disable=unused-import

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import warnings

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests", "manila")]

from manila.share import share_types  # noqa: E402

import tegile_driver_helpers as ours  # noqa: E402
import test_intree_driver as intree  # noqa: E402
from tegile_intelliflash.simulator.harness import SimulatorProcess  # noqa: E402

GiB = 1024 ** 3
POOL = "pool-a"
PHASES = ("setup", "create", "extend", "snapshot", "clone", "stats", "delete")


class Bench:
    """One driver on a fresh simulator: ``kind`` is ``ours`` or ``intree``. The driver is built,
    not set up: :meth:`setup` runs what manila-share runs first (measured or not)."""

    def __init__(self, kind, state):
        self.kind = kind
        if kind == "intree":
            self.sim = SimulatorProcess(state, host=intree.HOST, port=443, user="tegile-admin",
                                        password="bench-Pass-1", python=sys.executable)
        else:
            self.sim = SimulatorProcess(state, host="127.0.0.1", port=0,
                                        password="bench-Pass-1", python=sys.executable)
        self.driver = None
        self.project = None

    def __enter__(self):
        self.sim.start()
        if self.kind == "intree":
            self.driver, self._overrides = _intree_driver(self.sim)
            self.project = intree.PROJECT
        else:
            self.driver = ours.new_driver(self.sim, setup=False)
            self.project = self.driver.configuration.safe_get("tegile_default_project")
        self.sim.reset_calls()
        return self

    def __exit__(self, *exc):
        if self.kind == "ours" and self.driver is not None:
            self.driver._backend.close_client()  # pylint: disable=protected-access
        self.sim.stop()
        return False

    # -- what Manila passes ----------------------------------------------------------------
    def make_share(self, size=1):
        if self.kind == "intree":
            return intree.make_share("NFS", size)
        return ours.make_share(proto="NFS", size=size)

    def make_snapshot(self, share):
        if self.kind == "intree":
            return intree.make_snapshot(share)
        return ours.make_snapshot(share)

    def make_rule(self, address):
        if self.kind == "intree":
            return intree.make_rule("ip", address, "rw")
        return ours.make_rule("ip", address, "rw")

    def setup(self):
        """What manila-share runs before any other driver call."""
        self.driver.do_setup(None)
        self.driver.check_for_setup_error()

    def stats(self):
        return self.driver.get_share_stats(refresh=True)

    # -- measuring ---------------------------------------------------------------------------
    def measure(self, func, by_method=None):
        """(calls, seconds) of ``func()``, read from the simulator's counters; the calls per
        REST method go into ``by_method`` when given."""
        self.sim.reset_calls()
        start = time.perf_counter()
        func()
        seconds = time.perf_counter() - start
        counted = self.sim.calls()
        if by_method is not None:
            by_method.update(counted["by_method"])
        return counted["total"], seconds

    def seed_shares(self, count):
        """``count`` shares of 1 GiB in the driver's project, made through the v2 API (the
        setting of a stats refresh, not part of what is measured)."""
        session = requests.Session()

        def call(method, *args):
            resp = session.post("%s/zebi/api/v2/%s" % (self.sim.url, method),
                                data=json.dumps(list(args)),
                                auth=(self.sim.user, self.sim.password),
                                verify=self.sim.ca_path, timeout=60)
            return resp.status_code, resp.json() if resp.content else None

        # The in-tree driver's project appears with its first share: make it if missing.
        status, body = call("createProject", {"poolName": POOL, "projectName": self.project})
        if status != 200 and (body or {}).get("code") != "EZEBI_RESOURCE_EXIST":
            raise RuntimeError("createProject %s: %s" % (self.project, body))
        for index in range(count):
            status, body = call("createShare", POOL, self.project, "seed-%05d" % index,
                                {"quotaInByte": GiB})
            if status != 200:
                raise RuntimeError("createShare seed-%05d: %s" % (index, body))
        session.close()


def _intree_driver(sim):
    config_group = "tegile_bench_%d" % os.getpid()
    from manila.share import configuration
    from manila.share import driver as share_driver
    from manila.share.drivers.tegile import tegile
    config = configuration.Configuration(share_driver.share_opts, config_group=config_group)
    config.append_config_values(tegile.tegile_opts)
    overrides = {
        "tegile_nas_server": intree.HOST, "tegile_nas_login": sim.user,
        "tegile_nas_password": sim.password, "tegile_default_project": intree.PROJECT,
        "driver_handles_share_servers": False, "share_backend_name": "tegile-intree",
    }
    for key, value in overrides.items():
        intree.CONF.set_override(key, value, group=config_group)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tegile.TegileShareDriver(configuration=config), overrides


def driver_workload(bench, shares, clones, refreshes):
    """Set up; create, extend, snapshot every share; clone some snapshots; refresh stats;
    delete all."""
    drv = bench.driver
    made, snaps, cloned = [], [], []
    calls, seconds, methods = {}, {}, {}

    def create():
        for _index in range(shares):
            share = bench.make_share(1)
            share["export_locations"] = drv.create_share(None, share)
            made.append(share)

    def extend():
        for share in made:
            drv.extend_share(share, 2)
            share["size"] = 2

    def snapshot():
        for share in made:
            snap = bench.make_snapshot(share)
            drv.create_snapshot(None, snap)
            snaps.append(snap)

    def clone():
        for snap in snaps[:clones]:
            share = bench.make_share(2)
            share["export_locations"] = drv.create_share_from_snapshot(None, share, snap)
            cloned.append(share)

    def stats():
        for _round in range(refreshes):
            bench.stats()

    def delete():
        for share in cloned:
            drv.delete_share(None, share)
        for snap in snaps:
            drv.delete_snapshot(None, snap)
        for share in made:
            drv.delete_share(None, share)

    for name, func in zip(PHASES, (bench.setup, create, extend, snapshot, clone, stats,
                                   delete)):
        methods[name] = {}
        calls[name], seconds[name] = bench.measure(func, methods[name])
    return {
        "shares": shares, "clones": clones, "refreshes": refreshes,
        "calls": calls, "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "by_method": methods,
        "calls_total": sum(calls.values()), "seconds_total": round(sum(seconds.values()), 3),
        "calls_per_create": round(calls["create"] / max(shares, 1), 2),
        "calls_per_refresh": round(calls["stats"] / max(refreshes, 1), 2),
    }


def access_resync(bench, count):
    """``update_access`` with no changes listed (Manila's re-sync, after a restart or an
    error) of ``count`` IP rules on a new share."""
    bench.setup()
    share = bench.make_share(1)
    share["export_locations"] = bench.driver.create_share(None, share)
    rules = [bench.make_rule("10.%d.%d.%d" % (i // 62500, (i // 250) % 250, i % 250 + 1))
             for i in range(count)]
    calls, seconds = bench.measure(
        lambda: bench.driver.update_access(None, share, rules, [], [], []))
    return {"rules": count, "calls": calls, "seconds": round(seconds, 3)}


def stats_refresh(bench, count):
    """``count`` shares in the backend's project, made outside the driver (as after a
    restart, before ``ensure_shares`` reads them); then the driver's set-up and two stats
    refreshes: the first one, then the steady state."""
    bench.seed_shares(count)
    setup_calls, setup_seconds = bench.measure(bench.setup)
    first_calls, first_seconds = bench.measure(bench.stats)
    calls, seconds = bench.measure(bench.stats)
    return {"shares": count, "calls": calls, "seconds": round(seconds, 3),
            "setup_calls": setup_calls, "setup_seconds": round(setup_seconds, 3),
            "first_calls": first_calls, "first_seconds": round(first_seconds, 3),
            "pools": len(bench.driver.get_share_stats().get("pools") or [])}


def _numbers(text):
    return [int(value) for value in text.split(",") if value.strip()]


def run(opts):
    share_types.get_extra_specs_from_share = lambda share: {}  # no Manila database here
    # The in-tree driver never verifies the array's certificate; one warning per call.
    warnings.filterwarnings("ignore", message="Unverified HTTPS request")
    results = {}
    base = tempfile.mkdtemp(prefix="tegile-bench-manila-")
    try:
        for kind in opts.drivers.split(","):
            out = results[kind] = {}
            access_counts = _numbers(opts.access_intree if kind == "intree" else opts.access)

            def fresh(label, kind=kind):
                return Bench(kind, os.path.join(base, "%s-%s" % (kind, label)))

            with fresh("workload") as bench:
                out["workload"] = driver_workload(bench, opts.shares, opts.clones, opts.refreshes)
            out["access_resync"] = []
            for count in access_counts:
                with fresh("access-%d" % count) as bench:
                    out["access_resync"].append(access_resync(bench, count))
            out["stats_refresh"] = []
            for count in _numbers(opts.stats):
                with fresh("stats-%d" % count) as bench:
                    out["stats_refresh"].append(stats_refresh(bench, count))
            print("bench: %s driver done" % kind, file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="JSON file to write")
    parser.add_argument("--shares", type=int, default=50)
    parser.add_argument("--clones", type=int, default=10)
    parser.add_argument("--refreshes", type=int, default=20)
    parser.add_argument("--access", default="10,100,1000", help="rule counts, our driver")
    parser.add_argument("--access-intree", default="10,100,1000",
                        help="rule counts, in-tree driver (one call per rule)")
    parser.add_argument("--stats", default="50,500,5000", help="share counts")
    parser.add_argument("--drivers", default="ours,intree", choices=("ours,intree", "ours"),
                        help="'ours' alone needs neither port 443 nor the lock")
    opts = parser.parse_args(argv)
    results = run(opts)
    with open(opts.out, "w") as handle:
        json.dump(results, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
