#!/usr/bin/env python
# SPDX-License-Identifier: Apache-2.0
"""``make bench``, report: docs/benchmarks.md and its two plots from bench/results.json.

    <bench venv>/bin/python scripts/bench_report.py --results bench/results.json \
        --doc docs/benchmarks.md --img docs/img

Runs in the cached ``bench`` venv (matplotlib, requirements/bench.txt). Every number in the
page comes from the results file.
"""

import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  pylint: disable=wrong-import-position

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_goals import goals_section  # noqa: E402  pylint: disable=wrong-import-position

DRIVERS = (("ours", "tegile_intelliflash driver"), ("intree", "Manila in-tree Tegile driver"))
PLOTS = (
    ("access_resync", "rules", "bench-access-resync.png",
     "Access re-sync (update_access with no changes listed)", "access rules on the share"),
    ("stats_refresh", "shares", "bench-stats-refresh.png",
     "Stats refresh (steady state)", "shares on the backend"),
)


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows)
    return "\n".join(lines)


def _ratio(numerator, denominator):
    return "%.2f×" % (numerator / denominator) if denominator else "-"


def plot(results, key, count_key, filename, title, xlabel, img_dir):
    fig, axes = plt.subplots(figsize=(6, 4), dpi=100)
    for kind, label in DRIVERS:
        rows = results[key][kind]
        axes.plot([row[count_key] for row in rows], [row["calls"] for row in rows],
                  marker="o", label=label)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel(xlabel)
    axes.set_ylabel("REST calls")
    axes.set_title(title)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(img_dir, filename), metadata={"Software": None})
    plt.close(fig)
    return filename


def workload_section(results):
    ours, intree = results["driver_workload"]["ours"], results["driver_workload"]["intree"]
    rows = [(phase, ours["calls"][phase], intree["calls"][phase],
             "%.2f" % ours["seconds"][phase], "%.2f" % intree["seconds"][phase])
            for phase in ours["calls"]]
    rows.append(("**total**", "**%d**" % ours["calls_total"], "**%d**" % intree["calls_total"],
                 "**%.2f**" % ours["seconds_total"], "**%.2f**" % intree["seconds_total"]))
    setup = ""
    if "setup" in ours["calls"]:
        setup = (" Set-up is `do_setup` and `check_for_setup_error`, what manila-share runs "
                 "before any other call: ours checks the connection, lists the pools, and per "
                 "pool lists the projects (making the back end's where it is missing) and the "
                 "shares of the back end's and its share groups' projects: the listing half of "
                 "the allocated-capacity count, paid there once (%d calls, bounded by the "
                 "projects, not the shares) so that the stats phase is `listPools` per refresh "
                 "from the first one; the in-tree driver's set-up makes %d calls. Both are in "
                 "the totals." % (ours["calls"]["setup"], intree["calls"].get("setup", 0)))
    return "\n".join([
        "## Driver workload",
        "",
        "%d shares of 1 GiB: %screate, extend each to 2 GiB, snapshot each, %d clones, %d "
        "stats refreshes, delete all (clones, snapshots, shares). One fresh simulator per "
        "driver.%s" % (ours["shares"], "set up, " if setup else "", ours["clones"],
                       ours["refreshes"], setup),
        "",
        _table(("phase", "calls, ours", "calls, in-tree", "seconds, ours", "seconds, in-tree"),
               rows),
        "",
        "Calls per create: ours %s, in-tree %s. Calls per stats refresh: ours %s, in-tree %s. "
        "Wall time in-tree / ours: %s."
        % (ours["calls_per_create"], intree["calls_per_create"], ours["calls_per_refresh"],
           intree["calls_per_refresh"], _ratio(intree["seconds_total"], ours["seconds_total"])),
    ])


def series_section(results, key, count_key, filename, title, xlabel, extra=""):
    ours = {row[count_key]: row for row in results[key]["ours"]}
    intree = {row[count_key]: row for row in results[key]["intree"]}
    rows = []
    for count in sorted(set(ours) | set(intree)):
        cells = [count]
        for side in (ours, intree):
            row = side.get(count)
            cells.extend(("%d" % row["calls"], "%.3f" % row["seconds"]) if row else ("-", "-"))
        rows.append(cells)
    return "\n".join([
        "## %s" % title,
        "",
        extra,
        "",
        _table((xlabel, "calls, ours", "seconds, ours", "calls, in-tree", "seconds, in-tree"),
               rows),
        "",
        "![%s: REST calls against %s, both drivers, log scale](img/%s)" % (title, xlabel,
                                                                           filename),
    ])


PLAYBOOK_VARIANTS = (
    ("modules", "tegile.intelliflash modules (playbooks/provision.yml)"),
    ("modules_worker", "the same, `INTELLIFLASH_WORKER=1`"),
    ("uri", "ansible.builtin.uri"))


def playbook_section(results):
    book = results["provisioning_playbook"]
    rows = []
    for variant, label in PLAYBOOK_VARIANTS:
        if variant not in book:
            continue
        for run in ("first", "converged"):
            row = book[variant][run]
            rows.append((label, run, row["calls"], row["writes"], "%.1f" % row["seconds"]))
    ratios = []
    for run in ("first", "converged"):
        uri = book["uri"][run]["seconds"]
        text = "%s run uri / modules: %s" % (run, _ratio(uri, book["modules"][run]["seconds"]))
        if "modules_worker" in book:
            text += " (with the worker %s)" % _ratio(uri, book["modules_worker"][run]["seconds"])
        ratios.append(text)
    worker = ""
    if "modules_worker" in book:
        found = [book["modules_worker"][run].get("workers", 0) for run in ("first", "converged")]
        worker = (" The modules run a second time, on a fresh simulator too, with their opt-in "
                  "resident worker (`INTELLIFLASH_WORKER=1`, idle time %s s, sockets in a "
                  "directory of the bench's own): one worker per module, started by the "
                  "module's first task (which runs in its own process), the others handed to "
                  "it. The workers are stopped after each run, so each run pays for starting "
                  "them (still running at the end and stopped: %d after the first run, %d after "
                  "the converged run; a worker without a task for the idle time has left by "
                  "itself)."
                  % (book.get("worker_env", {}).get("INTELLIFLASH_WORKER_IDLE", "-"),
                     found[0], found[1]))
    return "\n".join([
        "## Provisioning playbook against ansible.builtin.uri",
        "",
        "%d shares in one project, each with a 10 GiB quota and three NFS rules (purged to "
        "exactly those), first run on an empty array then the converged run. The uri playbook "
        "does the same work idempotently (read each object, write what differs).%s"
        % (book["shares"], worker),
        "",
        _table(("playbook", "run", "calls", "writes", "seconds"), rows),
        "",
        "Wall time, %s." % ", ".join(ratios),
    ])


TASK_KINDS = (("ping", "ansible.builtin.ping"), ("uri", "ansible.builtin.uri (one getShare)"),
              ("share", "tegile.intelliflash.share"), ("quota", "tegile.intelliflash.quota"),
              ("share_access", "tegile.intelliflash.share_access"))


def task_cost_section(results):
    cost = results.get("task_cost")
    if not cost:
        return "## Per-task cost\n\nNot measured in this run."
    rows = []
    for kind, label in TASK_KINDS:
        loop, payload = cost["loop"][kind], cost["payload"][kind]
        rows.append((label, "%.3f" % loop["seconds_per_item"], "%.3f" % payload["seconds"],
                     "%.3f" % payload["cpu_seconds"], "%.0f" % payload["module_utils_import_ms"],
                     "%.0f" % payload["requests_import_ms"]))
    worker = cost.get("loop_worker") or {}
    for kind, label in TASK_KINDS:
        if kind in worker:
            rows.append((label + ", `INTELLIFLASH_WORKER=1`",
                         "%.3f" % worker[kind]["seconds_per_item"], "-", "-", "-", "-"))
    return "\n".join([
        "## Per-task cost",
        "",
        "`scripts/bench_task_cost.py`: one playbook (pipelining on), %d rounds of a loop of %d "
        "items per kind, all converged against one share; seconds per item is the median over "
        "the rounds. Then each kind's AnsiballZ payload run alone %d time(s) with "
        "`python -X importtime` (medians): wall and CPU seconds, and the milliseconds spent "
        "importing the collection's module_utils (compiled from the zip on every run) and "
        "requests. DEVELOPERS.md, \"What a module run costs\", explains the figures.%s"
        % (cost["rounds"], cost["items"], cost["payload_repeat"],
           " The rows with `INTELLIFLASH_WORKER=1` are the modules' loops handed to their "
           "opt-in resident worker (started by a set-up task, %d worker process(es) stopped "
           "at the end), interleaved with the other loops in each round; their payload is not "
           "profiled." % cost.get("loop_worker_workers", 0) if worker else ""),
        "",
        _table(("task", "s per loop item", "payload s", "payload CPU s",
                "module_utils import ms", "requests import ms"), rows),
    ])


def load_section(results):
    baseline = results.get("simulator_load_baseline") or {}
    runs = [("this one", results["simulator_load"])]
    if baseline.get("phases"):
        runs.append(("issue 12's (%s)" % baseline["commit"][:7], baseline["phases"]))
    rows = [(simulator, phase, "%.0f" % row["requests_per_s"], row["calls"],
             "-" if row["connections"] is None else row["connections"],
             "%.3f" % row["server_cpu_ms_per_call"])
            for simulator, phases in runs for phase, row in phases.items()]
    return "\n".join([
        "## The simulator itself",
        "",
        "`scripts/bench_load.py`: %d client threads (kept-alive `http.client` connections, light "
        "enough not to bound the server on two cores) for %s s per phase; fresh-connection reads "
        "open a connection (TLS handshake) per call, as a short-lived task does. The same load "
        "is run on the simulator as it was when issue 12 was filed (commit %s, before "
        "persistent connections; it counts no connections)%s. The two take turns for %d "
        "round(s) (ours, theirs, theirs, ours, ...): the CPU time a call costs on this shared "
        "machine drifts within minutes, so rates are medians over the rounds and calls and "
        "connections their sums."
        % (results["parameters"]["load_threads"], results["parameters"]["load_seconds"],
           baseline.get("commit", "-")[:7],
           "" if baseline.get("phases") else ": not measured (%s)"
           % baseline.get("missing", "no baseline"),
           results["parameters"].get("load_rounds", 1)),
        "",
        _table(("simulator", "phase", "requests/s", "calls", "connections opened",
                "server CPU ms/call"), rows),
    ])


def render(results, img_dir):
    params = results["parameters"]
    parts = [
        "# Benchmarks",
        "",
        "<!-- Generated by scripts/bench_report.py from bench/results.json (`make bench`); "
        "do not edit. -->",
        "",
        "REST calls and wall time on the simulator (`docs/simulator.md`), every figure read from "
        "its call counters during the run. Calls are the point: they are what a real array "
        "pays for. Times are from one machine (%d CPUs, load average %s at the start, Python %s) "
        "shared with other work, so only ratios within one run mean anything."
        % (results["machine"]["cpus"],
           " ".join(str(v) for v in results["machine"]["load_average"]),
           results["machine"]["python"]),
        "",
        "Run: `make bench` (15-20 minutes on two cores, most of it the playbooks; it takes "
        "`/tmp/tegile-manila.lock` while the in-tree driver's simulator holds 127.0.0.2:443). It writes `bench/results.json` "
        "(fixed keys: `driver_workload`, `access_resync`, `stats_refresh`, "
        "`provisioning_playbook`, `task_cost`, `simulator_load`, `simulator_load_baseline`, each per "
        "driver or variant) and this page, whose first section judges issue 12's goals from them. "
        "`scripts/bench.py --smoke --out-dir DIR` is the same run with tiny sizes (the `bench` "
        "test stage); the parts run alone too: `scripts/bench_manila.py` (in .venv-manila), "
        "`scripts/bench_playbook.py`, `scripts/bench_task_cost.py`, `scripts/bench_load.py`.",
        "",
        "Generated %s by `%s`; sizes: %s." % (results["generated"], results["command"],
                                              json.dumps(params, sort_keys=True)),
        "",
        goals_section(results),
        "",
        workload_section(results),
        "",
    ]
    for key, count_key, filename, title, xlabel in PLOTS:
        plot(results, key, count_key, filename, title, xlabel, img_dir)
        extra = ("A new share with N IP rules, then `update_access(share, all_rules, [], [], [])`"
                 ", what Manila sends after a restart or an error."
                 if key == "access_resync" else
                 "N shares of 1 GiB in the backend's project, made outside the driver, then "
                 "the driver's set-up and two refreshes (`get_share_stats(refresh=True)`); the "
                 "table and the plot show the second (steady state); ours, %s."
                 % _first_refreshes(results["stats_refresh"]["ours"]))
        parts.extend([series_section(results, key, count_key, filename, title, xlabel, extra),
                      ""])
    parts.extend([playbook_section(results), "", task_cost_section(results), "",
                  load_section(results), ""])
    return "\n".join(parts)


def _first_refreshes(rows):
    """What ours paid before its steady state, per share count: set-up's listing and the
    first refresh's reads."""
    return ", ".join(
        "%d shares: set-up %d calls, first refresh %d" % (row["shares"], row["setup_calls"],
                                                          row["first_calls"])
        for row in rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", required=True)
    parser.add_argument("--doc", required=True)
    parser.add_argument("--img", required=True)
    opts = parser.parse_args(argv)
    with open(opts.results) as handle:
        results = json.load(handle)
    os.makedirs(opts.img, exist_ok=True)
    text = render(results, opts.img)
    with open(opts.doc, "w") as handle:
        handle.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
