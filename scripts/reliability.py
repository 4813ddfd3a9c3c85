#!/usr/bin/env python
# SPDX-License-Identifier: Apache-2.0
"""Reliability figures of the collection and the Manila driver, measured against the simulator.

    .venv/bin/python scripts/reliability.py                  # quick profile (make reliability)
    .venv/bin/python scripts/reliability.py --profile soak --doc docs/reliability.md  (make soak)

Sections (docs/reliability.md says what each figure means):

* ``playbook``: fault kinds x operations for playbooks/provision.yml;
* ``driver``: fault kinds x operations for the Manila driver's share life cycle (.venv-manila);
* ``malformed``: malformed input for every module (tracebacks, secret leaks, writes);
* ``concurrency``: several ansible-playbook processes writing one share at once;
* ``failfast``: a port that speaks plain HTTP, a reset after a write was sent;
* ``durability``: kill -9 of the simulator under writes.

Every simulator listens on 127.0.0.1 (free port) and is stopped before the command ends.
Results go to JSON (``--json``); ``--check`` exits 1 when a goal is not met.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from reliability_checks import common  # noqa: E402
from reliability_checks import concurrency, durability, failfast, malformed  # noqa: E402
from reliability_checks import playbook_faults  # noqa: E402
from reliability_checks import report  # noqa: E402

SECTIONS = ("playbook", "driver", "malformed", "concurrency", "failfast", "durability")


def run_driver(profile, jobs, keep, log, kinds=None):
    """The driver section runs in .venv-manila (Manila's code), as a child process."""
    if not os.path.exists(common.MANILA_PYTHON):
        raise SystemExit("%s is missing: run make venv-manila" % common.MANILA_PYTHON)
    cmd = [common.MANILA_PYTHON, "-m", "reliability_checks.driver_sequence",
           "--profile", profile, "--jobs", str(jobs)] + (["--keep"] if keep else []) + (
               ["--kinds"] + list(kinds) if kinds and profile == "soak" else [])
    proc = subprocess.run(cmd, cwd=os.path.join(common.ROOT, "scripts"),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError("driver sequence failed (exit %d):\n%s"
                           % (proc.returncode, proc.stderr[-4000:]))
    result = json.loads(proc.stdout)
    result["kinds"] = sorted(kinds) if kinds and profile == "soak" else sorted(
        common.fault_kinds(0))
    for case in result["cases"]:
        log("driver %-58s fired=%d failed=%d mismatches=%d orphans=%d replayed=%d early=%d %s"
            % (case["case"], case["fired"], len(case["failed_ops"]), case["mismatches"],
               case["orphans"], len(case["replayed"]), len(case["early_resends"]),
               "; ".join(case["details"][:2] + case["failed_ops"][:1])))
    return result


def git_commit():
    try:
        return subprocess.run(["git", "-C", common.ROOT, "describe", "--always", "--dirty"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              universal_newlines=True, check=False).stdout.strip()
    except OSError:
        return "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n", 2)[2])
    parser.add_argument("--profile", choices=("quick", "soak"), default="quick")
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--jobs", type=int, default=2, help="cases run at once (default 2)")
    parser.add_argument("--kinds", nargs="+", choices=sorted(common.fault_kinds(0)),
                        help="soak: only these fault kinds in the playbook and driver matrices "
                        "(a shorter soak; the mixed cases of every kind run only without this "
                        "option)")
    parser.add_argument("--json", help="write the results here (default "
                        "tests/output/reliability/<profile>.json)")
    parser.add_argument("--doc", help="rewrite this profile's figures in this Markdown file")
    parser.add_argument("--before", help="JSON results of an earlier run, shown beside "
                        "these in --doc (the figures before a fix)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is not met")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--combine", nargs="+", metavar="JSON",
                        help="run nothing: take the sections of these result files (later "
                        "files win), then write --json/--doc and check the goals")
    args = parser.parse_args()
    if args.combine:
        return finish(args, combine(args.combine), time.time())

    def log(text):
        print(text, flush=True)

    started = time.time()
    workdir = common.Workdir(keep=args.keep)
    sections = {}
    commit = git_commit()
    try:
        for name in args.sections:
            section_start = time.time()
            log("=== %s (%s)" % (name, args.profile))
            if name == "driver":
                sections[name] = run_driver(args.profile, args.jobs, args.keep, log,
                                            kinds=args.kinds)
            elif name == "playbook":
                sections[name] = playbook_faults.run(workdir, args.profile, args.jobs, log,
                                                     kinds=args.kinds)
            elif name == "malformed":
                sections[name] = malformed.run(workdir, args.profile, args.jobs, log)
            else:
                module = {"concurrency": concurrency, "failfast": failfast,
                          "durability": durability}[name]
                sections[name] = module.run(workdir, args.profile, log)
            sections[name].update(seconds=round(time.time() - section_start, 1), commit=commit,
                                  profile=args.profile)
    finally:
        workdir.close()
    return finish(args, sections, started)


def combine(paths):
    sections = {}
    for path in paths:
        with open(path) as handle:
            data = json.load(handle)
        for name, section in data["sections"].items():
            section.setdefault("commit", data["commit"])
            section.setdefault("profile", data["profile"])
            sections[name] = section
    return sections


def finish(args, sections, started):
    """Write the results (JSON, --doc), print the table; the exit status for --check."""
    commits = sorted({s["commit"] for s in sections.values()})
    results = {
        "profile": args.profile,
        "commit": ", ".join(commits),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": round(sum(s.get("seconds", 0) for s in sections.values())
                         if args.combine else time.time() - started, 1),
        "sections": sections,
        "goals": report.goals(sections),
    }
    path = args.json or os.path.join(common.ROOT, "tests", "output", "reliability",
                                     args.profile + ".json")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as handle:
        json.dump(results, handle, indent=1, sort_keys=True)
    print("\n" + report.table(results))
    print("results: %s (%.0f s)" % (path, results["seconds"]))
    if args.doc:
        before = None
        if args.before:
            with open(args.before) as handle:
                before = json.load(handle)
        report.update_doc(args.doc, results, before)
        print("figures written to %s" % args.doc)
    missed = [g for g in results["goals"] if not g["met"]]
    if missed:
        print("goals not met: %s" % ", ".join(
            "%s %s=%s" % (g["section"], g["figure"], g["value"]) for g in missed))
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
