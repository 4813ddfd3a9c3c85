#!/usr/bin/env python
# SPDX-License-Identifier: Apache-2.0
"""``make bench``: timed loops of the REST client against a fresh simulator (HTTPS, verified).

Prints a table; never asserts on time. Options: ``--quick`` (fewer iterations),
``--iterations N`` (getShare calls), ``--shares N`` (create/delete loop size).
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tegile_intelliflash.client.acl import NetworkRule  # noqa: E402
from tegile_intelliflash.client.api import IntelliFlashClient  # noqa: E402
from tegile_intelliflash.client.paths import dataset_ref, project_ref, share_ref  # noqa: E402
from tegile_intelliflash.simulator.harness import SimulatorProcess  # noqa: E402

POOL = "pool-a"
PROJECT = "bench"


def _ms(values):
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    return "%.1f" % (statistics.median(values) * 1000), "%.1f" % (p95 * 1000), \
        "%.1f" % (values[-1] * 1000)


def bench_get_share(client, n):
    client.create_share(share_ref(POOL, PROJECT, "lat"))
    client.get_share(share_ref(POOL, PROJECT, "lat"))  # warm the connection
    times = []
    for _iteration in range(n):
        start = time.perf_counter()
        client.get_share(share_ref(POOL, PROJECT, "lat"))
        times.append(time.perf_counter() - start)
    client.delete_share(share_ref(POOL, PROJECT, "lat"))
    median, p95, worst = _ms(times)
    return ("getShare latency", n, median, p95, worst, "%.0f calls/s" % (n / sum(times)))


def bench_create_delete(client, n):
    names = ["tp-%04d" % i for i in range(n)]
    start = time.perf_counter()
    for name in names:
        client.create_share(share_ref(POOL, PROJECT, name), quota="1G")
    created = time.perf_counter() - start
    start = time.perf_counter()
    for name in names:
        client.delete_share(share_ref(POOL, PROJECT, name))
    deleted = time.perf_counter() - start
    return [
        ("createShare (quota 1G)", n, "%.1f" % (created / n * 1000), "", "",
         "%.1f shares/s" % (n / created)),
        ("deleteShare", n, "%.1f" % (deleted / n * 1000), "", "",
         "%.1f shares/s" % (n / deleted)),
    ]


def bench_acl_set(client, rounds):
    client.create_share(share_ref(POOL, PROJECT, "acl"))
    rules = [NetworkRule("IP", "10.%d.%d.0/24" % (i // 250, i % 250), "rw" if i % 2 else "ro")
             for i in range(100)]
    set_times, get_times = [], []
    for r in range(rounds):
        wanted = rules if r % 2 == 0 else list(reversed(rules))
        start = time.perf_counter()
        client.set_network_acls("nfs", dataset_ref(POOL, PROJECT, "acl"), wanted)
        set_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        current = client.get_network_acls("nfs", dataset_ref(POOL, PROJECT, "acl"))
        get_times.append(time.perf_counter() - start)
        if len(current) != 100:
            print("warning: expected 100 rules, the array holds %d" % len(current),
                  file=sys.stderr)
    client.delete_share(share_ref(POOL, PROJECT, "acl"))
    return [("setNFSNetworkACLsOnShare (100 rules)", rounds) + _ms(set_times) + ("",),
            ("getNFSNetworkACLsOnShare (100 rules)", rounds) + _ms(get_times) + ("",)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    parser.add_argument("--iterations", type=int, default=None, help="getShare calls")
    parser.add_argument("--shares", type=int, default=None, help="shares to create/delete")
    opts = parser.parse_args(argv)
    n_get = opts.iterations or (50 if opts.quick else 300)
    n_shares = opts.shares or (10 if opts.quick else 50)
    rounds = 4 if opts.quick else 10

    state = tempfile.mkdtemp(prefix="tegile-bench-")
    rows = []
    try:
        with SimulatorProcess(state, host="127.0.0.1", port=0, user="admin",
                              password="bench-password") as sim:
            with IntelliFlashClient(sim.address, sim.user, sim.password, ca_path=sim.ca_path,
                                    retry_budget=10) as client:
                client.create_project(project_ref(POOL, PROJECT))
                rows.append(bench_get_share(client, n_get))
                rows.extend(bench_create_delete(client, n_shares))
                rows.extend(bench_acl_set(client, rounds))
                client.delete_project(project_ref(POOL, PROJECT))
            calls = sim.calls()
    finally:
        shutil.rmtree(state, ignore_errors=True)

    header = ("benchmark", "n", "median ms", "p95 ms", "max ms", "throughput")
    table = [header] + [tuple(str(c) for c in row) for row in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    print("IntelliFlash client vs simulator (HTTPS, certificate verified, one session)")
    for i, row in enumerate(table):
        print("  ".join(cell.ljust(widths[j]) if j == 0 else cell.rjust(widths[j])
                        for j, cell in enumerate(row)))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print("array calls: %d (%d reads, %d writes)" % (calls["total"], calls["reads"],
                                                     calls["writes"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
