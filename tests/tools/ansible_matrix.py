#!/usr/bin/env python
# SPDX-License-Identifier: Apache-2.0
"""The ansible-core versions the collection supports, and which test stages prove each one.

The oldest entry is the collection's ``requires_ansible`` (meta/runtime.yml) and the role's
``min_ansible_version``; tests/python/packaging/test_ansible_matrix.py checks both, and the table
in README.md, against this list. Each version other than the main venv's runs from a cached venv
(tests/tools/venvs.py) built from requirements/ansible-core/<version>.txt and its constraints.

    tests/tools/ansible_matrix.py table          # the matrix as a Markdown table
    tests/tools/ansible_matrix.py venv 2.16      # build (if needed) and print that version's venv
"""
import collections
import glob
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import venvs  # noqa: E402  pylint: disable=wrong-import-position

Core = collections.namedtuple("Core", "version python stages skip")
Core.__new__.__defaults__ = ((),)
STAGES = ("sanity", "units", "integration")
# The oldest and the newest get every ansible-test stage, the others the integration targets.
# 2.19 is the main venv's (.venv, requirements/dev.txt); 2.20 and later need Python >= 3.12.
MATRIX = (
    Core("2.16", "3.10", STAGES),
    Core("2.17", "3.11", ("integration",)),
    Core("2.18", "3.12", ("integration",)),
    Core("2.19", "3.11", ("units", "integration")),
    Core("2.20", "3.12", ("integration",)),
    Core("2.21", "3.13", STAGES),
)
MAIN_VENV_CORE = "2.19"


def cores(stage, only=None):
    """The matrix entries that run ``stage`` (restricted to the versions in ``only``)."""
    return [core for core in MATRIX if stage in core.stages and (not only or core.version in only)]


def find_python(version):
    """An interpreter ``pythonX.Y`` that runs: under pyenv's versions directory, else on PATH
    (where pyenv's shims answer for versions that are not selected, and fail)."""
    candidates = []
    for root in (os.environ.get("PYENV_ROOT"), os.path.join(os.path.expanduser("~"), ".pyenv"), "/root/.pyenv"):
        if root:
            candidates += sorted(glob.glob(os.path.join(root, "versions", version + ".*", "bin", "python" + version)),
                                 reverse=True)
    candidates.append(shutil.which("python" + version))
    for candidate in candidates:
        if candidate and subprocess.run([candidate, "-c", ""], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, check=False).returncode == 0:
            return candidate
    raise venvs.VenvError("Python %s is needed for ansible-core on it: not under pyenv, not on PATH" % version)


def requirement_files(version):
    base = os.path.join(ROOT, "requirements", "ansible-core", version)
    return base + ".txt", base + "-constraints.txt"


def venv(core, log=sys.stderr):
    """The venv that runs ``core``: the checkout's .venv for the main one, else a cached venv."""
    if core.version == MAIN_VENV_CORE:
        return os.path.join(ROOT, ".venv")
    req, con = requirement_files(core.version)
    return venvs.ensure("ansible-core-" + core.version, find_python(core.python), [req], [con], log=log)


def table(cells=None):
    """A Markdown table core x Python x stage; ``cells[(version, stage)]`` fills in results."""
    lines = ["| ansible-core | Python | " + " | ".join(STAGES) + " |",
             "|---|---|" + "---|" * len(STAGES)]
    for core in MATRIX:
        row = []
        for stage in STAGES:
            if stage not in core.stages:
                row.append("-")
            elif cells is not None:
                row.append(cells.get((core.version, stage), "not run"))
            else:
                row.append("yes")
            if stage == "sanity" and core.skip and stage in core.stages:
                row[-1] += " (without %s)" % ", ".join(core.skip)
        lines.append("| %s | %s | %s |" % (core.version, core.python, " | ".join(row)))
    return "\n".join(lines)


def main(argv):
    if argv[:1] == ["table"]:
        print(table())
        return 0
    if len(argv) == 2 and argv[0] == "venv":
        matches = [core for core in MATRIX if core.version == argv[1]]
        if not matches:
            sys.stderr.write("no ansible-core %s in the matrix\n" % argv[1])
            return 2
        print(venv(matches[0]))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
