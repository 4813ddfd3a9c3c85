# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What one module run loads (issue 12, goal 3: the cost of a task).

Under Ansible a module's module_utils come from the AnsiballZ zip and are compiled from source on
every task (twice: zipimport compiles a module for ``get_filename`` and again for ``get_code``);
compiling is more than half of what a converged task costs (DEVELOPERS.md, "What a module run
costs"). So the code only a failure needs stays out of a successful run, and the lines of
module_utils a run compiles must not creep up unnoticed.

Each module runs here as Ansible runs it: a process of its own, against the simulator. The
process reports the collection files it imported. Counts lines, never time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

from module_runner import PASSWORD, simulator_fixture
from tegile_intelliflash.simulator import tls
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.paths import project_ref, share_ref

POOL, PROJECT, SHARE = "pool-a", "task_cost", "s1"
PREFIX = "ansible_collections.tegile.intelliflash."
RULES = [{"type": "ip", "to": "10.9.0.0/24", "access_level": "rw"}]
# A converged run of each module: (module, its options).
CONVERGED = [
    ("project", dict(pool=POOL, name=PROJECT)),
    ("share", dict(pool=POOL, project=PROJECT, name=SHARE)),
    ("quota", dict(pool=POOL, project=PROJECT, share=SHARE, quota="10G")),
    ("share_access", dict(pool=POOL, project=PROJECT, share=SHARE, purge=True, rules=RULES)),
    ("snapshot", dict(pool=POOL, project=PROJECT, share=SHARE, name="kept")),
    ("info", dict(gather_subset=["system", "pools", "projects", "shares"], pool=POOL, project=PROJECT)),
]
# Lines of the collection's Python files (module and module_utils) a converged run imports, with
# some headroom (4,865 for project, quota and share_access, 4,917 for share when they were set):
# each line is compiled twice on every task. Raise a budget when a module really
# needs more code on its successful path (and say why in the commit); never for code that only a
# failure or an option the run does not use needs: import that where it is used.
# share 5250 -> 5265: every run checks the host option for credentials (module and client), each
# call's arguments for lone surrogates, pool names and mount points for invisible characters
# (the refusals' texts and the host password parsing are in failures.py).
# All +15 (share 5265 -> 5280, the others 5200 -> 5215): the record of the writes the array
# applied (client.on_written), which a task that fails later reports (changed, and what it
# wrote), runs on the successful path; the report itself is in _written.py.
# All +10 (share 5280 -> 5290, the others 5215 -> 5225): the lock file is opened without O_CREAT
# when it exists (fs.protected_regular), which every locked write needs.
# All +5 (share 5290 -> 5295, the others 5225 -> 5230): every access rule's host is checked for
# an IPv4-mapped address and white space, and a user name for white space around it (C15, C31).
# Lowered (issue 12, the converged run): the lock file, the rule and limit planners and the write
# verification (client/written.py) are imported where they are used, and project and snapshot
# build a client of only the call groups they call (common.client_class). Measured: project 3825,
# quota 4718, share 5224, share_access 4916, snapshot 3818, info 4897 (before: project, quota and
# share_access 5230, share 5293, snapshot 5330, info 5325).
# All +45 (measured +44): every reply is read through the clock that ends it at the read timeout
# (delivery._ReplyClock, C37: a reply that trickles in no longer outlasts every budget); what a
# reply cut that way means is in failures.py.
# quota 4765 -> 3725, share_access 4965 -> 4500: their clients too are of the groups they call
# (measured 3723 and 4499; the module tests patch the call groups, not client.api).
# All +30 (measured +27): every task reads INTELLIFLASH_WORKER before its other imports (_worker.py,
# the opt-in resident worker); the worker's client and server are imported only when it is set.
LINE_BUDGETS = {"project": 3905, "share": 5300, "quota": 3755, "share_access": 4530, "snapshot": 3895,
                "info": 4975}
# Defined only by the code of the failure path (client/failures.py), imported when a call fails.
FAILURE_ONLY = ("def classify(", "def await_effect(", "def tls_error(")
# module_utils a converged run of each module does not need, imported where they are used: the
# verification of a write whose reply was lost (every module); the lock file (only the modules that
# write rules lock); the rule and limit planners; the call groups a module's client leaves out.
CHANGE_ONLY = ("client.written", "_written")
# What only a task handed to the resident worker needs (INTELLIFLASH_WORKER, unset here).
WORKER_ONLY = ("_worker_client", "_worker_server")
NOT_USED = {
    "project": ("_locks", "_share_access", "client.api", "client.access", "client.acl", "client.snapshots"),
    "quota": ("_locks", "_share_access", "client.api", "client.access", "client.acl", "client.sharing",
              "client.snapshots"),
    "share": (),
    "share_access": ("_quota", "client.limits", "client.api", "client.sharing", "client.snapshots"),
    "snapshot": ("_locks", "_share_access", "_quota", "client.limits", "client.api", "client.access",
                 "client.acl", "client.sharing"),
    "info": ("_locks", "_quota", "client.limits"),
}

RUNNER = r"""
import atexit, json, runpy, sys
from ansible.module_utils.testing import patch_module_args

module, args, report = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]

def loaded():
    files = dict((name, getattr(mod, "__file__", None)) for name, mod in list(sys.modules.items())
                 if name.startswith("ansible_collections.tegile.intelliflash."))
    with open(report, "w") as handle:
        json.dump(files, handle)

atexit.register(loaded)
with patch_module_args(args):
    runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


def prepare(api, proc):
    api.create_project(project_ref(POOL, PROJECT))
    api.create_share(share_ref(POOL, PROJECT, SHARE))


sim = simulator_fixture(prepare)


def run_alone(name, args, tmp_path):
    """Run module ``name`` in a process of its own; returns (result, {module: file} it imported)."""
    report = tmp_path / ("%s-imports.json" % name)
    env = dict((key, value) for key, value in os.environ.items() if not key.startswith("INTELLIFLASH_"))
    env["PYTHONPATH"] = os.pathsep.join(path for path in sys.path if path)
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, PREFIX + "plugins.modules." + name, json.dumps(args), str(report)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, env=env, timeout=120, check=False)
    assert proc.stdout, proc.stderr
    with open(str(report)) as handle:
        return json.loads(proc.stdout), json.load(handle)


def connection(sim):
    return dict(host=sim.address, username="admin", password=PASSWORD, ca_path=sim.ca_path)


def sources(files):
    """{file: its text} of the imported collection modules that are files (not namespaces)."""
    out = {}
    for path in files.values():
        if path and path.endswith(".py"):
            with open(path) as handle:
                out[path] = handle.read()
    return out


@pytest.fixture(scope="module")
def converged(sim, tmp_path_factory):
    """Each module's converged run: (result, imported files); the first run converges the array."""
    tmp_path = tmp_path_factory.mktemp("task-cost")
    runs = {}
    for name, args in CONVERGED:
        args = dict(connection(sim), **args)
        first, _files = run_alone(name, args, tmp_path)
        assert not first.get("failed"), first
        runs[name] = run_alone(name, args, tmp_path)
    return runs


@pytest.mark.parametrize("name", [name for name, _args in CONVERGED])
def test_a_converged_run_loads_no_failure_path_code(converged, name):
    result, files = converged[name]
    assert not result.get("failed") and result["changed"] is False, result
    assert PREFIX + "plugins.module_utils.client.failures" not in files
    for path, text in sources(files).items():
        assert not [word for word in FAILURE_ONLY if word in text], path


@pytest.mark.parametrize("name", [name for name, _args in CONVERGED])
def test_a_converged_run_loads_only_what_reading_and_comparing_need(converged, name):
    """A module-level import of what only a change (or another module) needs fails here."""
    _result, files = converged[name]
    loaded = [unit for unit in CHANGE_ONLY + WORKER_ONLY + NOT_USED[name] if PREFIX + "plugins.module_utils." + unit in files]
    assert loaded == [], "a converged %s run imports %s" % (name, ", ".join(loaded))


@pytest.mark.parametrize("name", [name for name, _args in CONVERGED])
def test_a_converged_run_compiles_no_more_lines_than_its_budget(converged, name):
    _result, files = converged[name]
    lines = sum(text.count("\n") for text in sources(files).values())
    assert lines <= LINE_BUDGETS[name], (
        "a converged %s run imports %d lines of the collection (budget %d): %s"
        % (name, lines, LINE_BUDGETS[name], sorted(files)))


def test_a_failed_call_loads_the_failure_path_and_reports_it(sim, tmp_path):
    """The failure path is imported where it is needed, also in a module's own process: a CA that
    did not sign the array's certificate fails the first call, with the fix in the message."""
    args = dict(connection(sim), pool=POOL, project=PROJECT, share=SHARE, quota="10G")
    args["ca_path"] = _other_ca(tmp_path)
    result, files = run_alone("quota", args, tmp_path)
    assert result.get("failed") is True, result
    assert "TLS verification failed" in result["msg"] and "not trusted" in result["msg"]
    assert PREFIX + "plugins.module_utils.client.failures" in files


def _other_ca(tmp_path):
    """A CA certificate (PEM file) that did not sign the simulator's certificate: a second
    simulator CA, made in a state directory of its own."""
    state = tmp_path / "other-ca"
    state.mkdir()
    tls.ensure_ca(str(state))
    return str(state / tls.CA_CERT)
