# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The array-facing layer shared by the modules (_array), and the rule that only it and common call
the array (DEVELOPERS.md, "Modules")."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import os

import pytest

from ansible_collections.tegile.intelliflash.plugins.module_utils import _array
from ansible_collections.tegile.intelliflash.plugins.module_utils._array import module_dataset_lock
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.errors import ApiError, OutcomeUnknownError

MODULE_UTILS = os.path.dirname(os.path.abspath(_array.__file__))
# The array-facing layer, the AnsibleModule subclass every module is built on, and the resident
# worker that runs a module's main() for a task (docs/worker.md).
NOT_PLANNERS = ("_array.py", "_secrets.py", "_worker.py", "_worker_client.py", "_worker_server.py")
# What a planner may not touch: the module (fail, results, error handling) or its client.
FORBIDDEN_ATTRIBUTES = ("client", "fail", "fail_json", "exit_json", "api_errors", "fail_from_error")
FORBIDDEN_ARGUMENTS = ("client", "module", "m")


def planners():
    return sorted(name for name in os.listdir(MODULE_UTILS)
                  if name.startswith("_") and name.endswith(".py") and name not in NOT_PLANNERS
                  and name != "__init__.py")


def test_the_planners_are_found():
    assert {"_dataset.py", "_quota.py", "_share.py", "_snapshot.py", "_share_access.py"} <= set(planners())


@pytest.mark.parametrize("name", planners())
def test_private_module_utils_plan_and_never_call_the_array(name):
    """DEVELOPERS.md, "Modules": a private _<name>.py takes values and returns a plan or raises an
    InputError naming the field; only common.py and _array.py hold the module or its client."""
    with open(os.path.join(MODULE_UTILS, name)) as handle:
        tree = ast.parse(handle.read(), name)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            found.append("line %d: .%s" % (node.lineno, node.attr))
        elif isinstance(node, ast.arg) and node.arg in FORBIDDEN_ARGUMENTS:
            found.append("line %d: parameter %s" % (node.lineno, node.arg))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").endswith("._array"):
            found.append("line %d: imports %s" % (node.lineno, node.module))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").endswith(".common"):
            # the error class planners raise is the only thing they take from common
            found.extend("line %d: imports common.%s" % (node.lineno, alias.name)
                         for alias in node.names if alias.name != "InputError")
    assert found == []


class _Client:
    def __init__(self, host, port):
        self.host, self.port = host, port


class _Module:
    def __init__(self, host, port, timeout=60.0):
        self.client = _Client(host, port)
        self.params = dict(timeout=timeout)
        self.failed = None

    def fail(self, msg, **extra):
        self.failed = msg
        raise SystemExit(1)


def test_module_lock_is_keyed_by_the_array_as_the_client_reaches_it(tmp_path, monkeypatch):
    monkeypatch.setenv("INTELLIFLASH_LOCK_DIR", str(tmp_path / "locks"))
    with module_dataset_lock(_Module("Array1", 443), "pool-a/Local/p"):
        waiting = _Module("array1", 443)
        with pytest.raises(SystemExit):
            with module_dataset_lock(waiting, "pool-a/Local/p", timeout=0.2):
                pass
        assert "another task on this machine has been changing pool-a/Local/p" in waiting.failed
        with module_dataset_lock(_Module("array1", 8443), "pool-a/Local/p", timeout=0.2):
            pass


class DeletingClient:
    """A client whose delete_share ends as scripted (an unknown outcome cannot be had from the
    mocked array without waiting out the client's retry budget)."""

    def __init__(self, error=None):
        self.error = error
        self.deleted = []

    def delete_share(self, ref, recursive, missing_ok):
        self.deleted.append((ref.path, recursive, missing_ok))
        if self.error is not None:
            raise self.error


@pytest.mark.parametrize("error, words", [
    (None, "; the share this task created was deleted again, so the array is as before"),
    (OutcomeUnknownError("the outcome of deleteShare is unknown", method="deleteShare"),
     "; whether the share this task created was deleted again is unknown (the reply to its deletion"
     " was lost): check pool-a/Local/p1/s1"),
    (ApiError("busy", method="deleteShare", code="EZEBI_RESOURCE_BUSY"),
     "; the share this task created could not be deleted again and is left at pool-a/Local/p1/s1"),
])
def test_undoing_a_creation_says_what_became_of_the_share(error, words):
    client = DeletingClient(error)
    with pytest.raises(ApiError) as info:
        with _array.undo_creation(client, "pool-a", "p1", "s1"):
            raise ApiError("the SMB name is taken", method="setSMBSharingOnShare")
    assert client.deleted == [("pool-a/Local/p1/s1", False, True)]
    assert info.value.message == "the SMB name is taken" + words
