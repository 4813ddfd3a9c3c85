#!/usr/bin/env python
# SPDX-License-Identifier: Apache-2.0
"""The Manila release matrix (requirements/manila/matrix.json): which Manila release is tested
with which Python, in which stages, and the cached virtualenv of each.

    tests/tools/manila_matrix.py ensure 2025.1 [2026.2 ...]   # build/refresh those venvs
    tests/tools/manila_matrix.py ensure --all
    tests/tools/manila_matrix.py table                         # the support table (Markdown)

`MANILA_RELEASES=2025.1,2026.2` limits what tests/run_all.py runs to those releases.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MATRIX = os.path.join(ROOT, "requirements", "manila", "matrix.json")
#: Stages whose columns the support table shows, in this order.
TABLE_STAGES = ("manila", "manila-e2e", "molecule", "demo")

sys.path.insert(0, HERE)
import venvs  # noqa: E402  pylint: disable=wrong-import-position


def releases(matrix=MATRIX):
    with open(matrix) as handle:
        return json.load(handle)["releases"]


def for_stage(stage, only=None):
    """The releases that run `stage`, limited to `only` (names; None = MANILA_RELEASES or all)."""
    if only is None:
        env = os.environ.get("MANILA_RELEASES", "").strip()
        only = [r.strip() for r in env.split(",") if r.strip()] or None
    chosen = [r for r in releases() if stage in r["stages"]]
    if only:
        unknown = set(only) - set(r["release"] for r in releases())
        if unknown:
            raise ValueError("unknown Manila release(s) %s in MANILA_RELEASES" % ", ".join(sorted(unknown)))
        chosen = [r for r in chosen if r["release"] in only]
    return chosen


def _real_executable(candidate):
    """The interpreter's own path, or None when it does not run (a pyenv shim of a version
    that is not selected exits 127)."""
    try:
        proc = subprocess.run([candidate, "-c", "import sys; print(sys.executable)"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              universal_newlines=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (proc.stdout.strip() or None) if proc.returncode == 0 else None


def find_python(version):
    """An interpreter of `version` (such as 3.10): ~/.pyenv/versions/<version>.*, then
    python<version> on PATH."""
    pattern = os.path.expanduser("~/.pyenv/versions/%s.*/bin/python%s" % (version, version))
    candidates = sorted(glob.glob(pattern), reverse=True) + [shutil.which("python" + version)]
    for candidate in candidates:
        found = candidate and _real_executable(candidate)
        if found:
            return found
    raise venvs.VenvError("no working Python %s on this machine (looked under ~/.pyenv/versions "
                          "and for python%s on PATH)" % (version, version))


def ensure_base(release, log=None):
    """The cached venv manila-<release> (released packages only, shared by checkouts)."""
    return venvs.ensure("manila-" + release["release"], find_python(release["python"]),
                        requirements=[os.path.join(ROOT, release["requirements"])],
                        constraints=[os.path.join(ROOT, release["constraints"])], log=log or sys.stderr)


def ensure(release, log=None):
    """Python of the release's per-checkout venv: an overlay (this checkout editable) on the
    cached venv manila-<release>. Raises venvs.VenvError."""
    base = ensure_base(release, log)
    dest = venvs.overlay(os.path.join(ROOT, release["venv"]), base, project=ROOT, log=log or sys.stderr)
    return os.path.join(dest, "bin", "python")


def support_table(outcomes=None):
    """Markdown table release x manila x Python x stages. With `outcomes` ({(release, stage):
    'passed'|'failed'}) the cells say what this run found, else which stages run."""
    head = "| Manila release | manila | Python | " + " | ".join(TABLE_STAGES) + " |"
    rows = [head, "|" + "---|" * (3 + len(TABLE_STAGES))]
    for rel in releases():
        cells = []
        for stage in TABLE_STAGES:
            if stage not in rel["stages"]:
                cells.append("–")
            elif outcomes is None:
                cells.append("✓")
            else:
                cells.append(outcomes.get((rel["release"], stage), "not run"))
        rows.append("| %s | %s | %s | %s |" % (rel["release"], rel["manila"], rel["python"], " | ".join(cells)))
    return "\n".join(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    ens = sub.add_parser("ensure")
    ens.add_argument("releases", nargs="*")
    ens.add_argument("--all", action="store_true")
    sub.add_parser("table")
    args = parser.parse_args(argv)
    if args.command == "table":
        print(support_table())
        return 0
    known = {r["release"]: r for r in releases()}
    names = list(known) if args.all else args.releases
    if not names:
        parser.error("name releases or give --all")
    for name in names:
        if name not in known:
            parser.error("unknown release %s (have: %s)" % (name, ", ".join(known)))
        try:
            vpy = ensure(known[name])
        except (venvs.VenvError, subprocess.CalledProcessError) as err:
            print("manila %s: %s" % (name, err), file=sys.stderr)
            return 1
        print("manila %s: %s" % (name, vpy), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
