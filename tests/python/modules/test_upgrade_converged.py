# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A playbook converged with release 1.1.0's modules stays converged with these: run first with
the 1.1.0 modules (``git archive`` of its release commit), then with the working tree's, every
task reports no change, and no result key 1.1.0 returned is missing or different."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import json
import os
import subprocess
import sys
import tarfile

import pytest

from module_runner import connection, simulator

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
RELEASE_1_1_0 = "b69c8ac"
# The working tree, importable under the collection's name (conftest.py links it).
ROOT_COLLECTION = next(path for path in sys.path
                       if os.path.islink(os.path.join(path, "ansible_collections", "tegile", "intelliflash")))

TASKS = [
    ("project", dict(name="eng", pool="pool-a", nfs=True, quota="2T", compression="lz4", record_size="128KB")),
    ("project", dict(name="fin", pool="pool-a", smb=True)),
    ("share", dict(name="builds", project="eng", pool="pool-a", size="100G", reservation="10G", nfs=True,
                   record_size="64KB")),
    ("share", dict(name="plain", project="eng", pool="pool-a", size="5G")),
    ("share", dict(name="docs", project="fin", pool="pool-a", size="10G", smb=True, nfs=False, smb_name="findocs")),
    ("share_access", dict(pool="pool-a", project="eng", share="builds", rules=[
        {"type": "ip", "to": "10.20.0.0/24"},
        {"type": "host", "to": "backup1.example.com", "access_level": "ro", "root_access": True},
        {"type": "user", "to": "auditor", "access_level": "ro"}])),
    ("share_access", dict(pool="pool-a", project="eng", share="plain", purge=True,
                          rules=[{"type": "ip", "to": "10.21.0.5"}])),
    ("share_access", dict(pool="pool-a", project="eng", rules=[{"type": "ip", "to": "10.22.0.0/16"}])),
    ("share_access", dict(pool="pool-a", project="fin", share="docs", protocol="smb",
                          rules=[{"type": "user", "to": "alice"}, {"type": "group", "to": "finance"}])),
    ("quota", dict(pool="pool-a", project="eng", share="plain", quota="5G", reservation="1G")),
    ("quota", dict(pool="pool-a", project="fin", quota="1T")),
    ("snapshot", dict(pool="pool-a", project="eng", share="builds", name="before-upgrade")),
    ("snapshot", dict(pool="pool-a", project="eng", name="month-end")),
    ("share", dict(name="clone", project="eng", pool="pool-a", source_share="builds",
                   source_snapshot="before-upgrade", size="100G")),
    ("info", dict(pool="pool-a", project="eng")),
]


@pytest.fixture(scope="module")
def release_1_1_0(tmp_path_factory):
    """The 1.1.0 collection, importable as ansible_collections.tegile.intelliflash."""
    archive = subprocess.run(["git", "-C", ROOT, "archive", RELEASE_1_1_0, "plugins"],
                             capture_output=True, check=False)
    if archive.returncode:
        pytest.skip("release 1.1.0 (%s) is not in this checkout's history" % RELEASE_1_1_0)
    base = tmp_path_factory.mktemp("release-1.1.0")
    target = base / "ansible_collections" / "tegile" / "intelliflash"
    target.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        # Tracked files of the project's own history; the "data" filter where Python has it.
        tar.extractall(str(target), **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    return str(base)


def _run(collection, module, args, sim, tmp_path):
    """One module run in a process of its own, as Ansible runs it; its result."""
    params = connection(sim)
    params.update(args)
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": params}))
    path = os.path.join(collection, "ansible_collections", "tegile", "intelliflash", "plugins", "modules",
                        module + ".py")
    env = dict((key, value) for key, value in os.environ.items() if not key.startswith("INTELLIFLASH_"))
    env["PYTHONPATH"] = collection
    done = subprocess.run([sys.executable, path, str(args_file)], capture_output=True, text=True, env=env,
                          cwd=str(tmp_path), check=False)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _missing_or_changed(old, new, path=""):
    """Result keys of ``old`` missing from ``new``, or with another value."""
    if isinstance(old, dict):
        found = []
        for key, value in old.items():
            if key == "invocation":
                continue
            if not isinstance(new, dict) or key not in new:
                found.append(path + key)
            else:
                found += _missing_or_changed(value, new[key], path + key + ".")
        return found
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [item for pair in zip(old, new) for item in _missing_or_changed(pair[0], pair[1], path + "[].")]
    return [] if old == new else [path.rstrip(".")]


def test_a_playbook_converged_with_1_1_0_stays_converged(release_1_1_0, tmp_path):
    with simulator(tmp_path / "sim") as sim:
        for module, args in TASKS:
            result = _run(release_1_1_0, module, args, sim, tmp_path)
            assert not result.get("failed"), (module, args, result.get("msg"))
        for module, args in TASKS:
            old = _run(release_1_1_0, module, args, sim, tmp_path)
            new = _run(ROOT_COLLECTION, module, args, sim, tmp_path)
            assert old.get("changed") is False, (module, args)
            assert new.get("changed") is False and not new.get("failed"), (module, args, new.get("msg"))
            assert _missing_or_changed(old, new) == [], (module, args)
