# SPDX-License-Identifier: GPL-3.0-or-later
"""Several writers at once, as a play with forks and ``delegate_to: localhost`` produces them.

Four inventory hosts (forks=4) run each task at the same moment against one share of the
simulator: no writer may undo another's change (lost updates: 0), every task must succeed, and
creating the same project, share and snapshot from four processes at once converges.
"""

import os
import sys

import pytest

from playbook_helpers import PASSWORD, connection_vars, module_defaults, run_playbook
from tegile_intelliflash.client.api import IntelliFlashClient
from tegile_intelliflash.client.paths import dataset_ref, project_ref, share_ref

WRITERS = 4
ROUNDS = 3
POOL = "pool-a"


def client_of(sim):
    return IntelliFlashClient(sim.address, sim.user, PASSWORD, ca_path=sim.ca_path)


def inventory(tmp_path):
    """Four local hosts run at once (forks=4); each task runs on every one of them."""
    path = tmp_path / "inventory.ini"
    path.write_text("[writers]\n%s\n\n[writers:vars]\nansible_connection=local\nansible_python_interpreter=%s\n"
                    % ("\n".join("w%d" % n for n in range(1, WRITERS + 1)), sys.executable))
    return str(path)


def play(tasks):
    return [{"name": "Concurrent writers", "hosts": "writers", "gather_facts": False,
             "module_defaults": module_defaults(), "tasks": tasks}]


def run(env, tmp_path, sim, tasks):
    rc, out, _log = run_playbook(dict(env, ANSIBLE_FORKS=str(WRITERS)), tmp_path, play(tasks), connection_vars(sim),
                                 inventory=inventory(tmp_path))
    return rc, out


def writer_index():
    return "{{ inventory_hostname[1:] | int }}"


@pytest.fixture
def share(sim):
    project, name = "conc_%d" % os.getpid(), "data"
    with client_of(sim) as api:
        if api.find_project(project_ref(POOL, project)) is None:
            api.create_project(project_ref(POOL, project))
        api.create_share(share_ref(POOL, project, name))
        api.set_nfs_sharing(dataset_ref(POOL, project, name), True)
        api.set_network_acls("nfs", dataset_ref(POOL, project, name), [])
    yield project, name
    with client_of(sim) as api:
        api.delete_share(share_ref(POOL, project, name), recursive=True)


def test_share_access_merge_loses_no_rule(sim, ansible_env, tmp_path, share):
    project, name = share
    tasks = []
    for rnd in range(1, ROUNDS + 1):
        rules = [{"type": "ip", "to": "10.%s.%d.%d" % (writer_index(), rnd, n)} for n in range(1, 4)]
        rules.append({"type": "user", "to": "u%s_%d" % (writer_index(), rnd), "access_level": "ro"})
        tasks.append({"name": "Round %d" % rnd, "tegile.intelliflash.share_access": {
            "pool": POOL, "project": project, "share": name, "purge": False, "rules": rules}})
    rc, out = run(ansible_env, tmp_path, sim, tasks)
    assert rc == 0, out[-4000:]
    assert "changed=%d" % ROUNDS in out and out.count("changed=%d" % ROUNDS) == WRITERS, out[-2000:]
    with client_of(sim) as api:
        network = api.get_network_acls("nfs", dataset_ref(POOL, project, name))
        users = api.get_user_acls(share_ref(POOL, project, name))
    wanted_net = set("10.%d.%d.%d" % (w, r, n) for w in range(1, WRITERS + 1) for r in range(1, ROUNDS + 1)
                     for n in range(1, 4))
    wanted_users = set("u%d_%d" % (w, r) for w in range(1, WRITERS + 1) for r in range(1, ROUNDS + 1))
    lost_net = wanted_net - set(rule.host for rule in network)
    lost_users = wanted_users - set(rule.name for rule in users)
    assert (len(lost_net), len(lost_users)) == (0, 0), (sorted(lost_net), sorted(lost_users))
    assert len(network) == WRITERS * ROUNDS * 3 and len(users) == WRITERS * ROUNDS


def test_concurrent_creates_converge(sim, ansible_env, tmp_path):
    project = "conc_create_%d" % os.getpid()
    share = {"pool": POOL, "project": project, "name": "s1", "size": "2G", "nfs": True}
    tasks = [
        {"name": "Project", "tegile.intelliflash.project": {"pool": POOL, "name": project, "quota": "20G"}},
        {"name": "Share", "tegile.intelliflash.share": share},
        {"name": "Snapshot",
         "tegile.intelliflash.snapshot": {"pool": POOL, "project": project, "share": "s1", "name": "snap1"}},
        {"name": "Project snapshot",
         "tegile.intelliflash.snapshot": {"pool": POOL, "project": project, "name": "psnap1"}},
    ]
    try:
        rc, out = run(ansible_env, tmp_path, sim, tasks)
        assert rc == 0, out[-4000:]
        assert "failed=0" in out and out.count("failed=0") == WRITERS, out[-2000:]
        with client_of(sim) as api:
            assert [item.name for item in api.list_shares(project_ref(POOL, project))] == ["s1"]
            assert api.get_share(share_ref(POOL, project, "s1")).quota_bytes == 2 * 1024 ** 3
            assert sorted(snap.full_name for snap in api.list_snapshots(dataset_ref(POOL, project, "s1"))) == [
                "Manual-P-psnap1", "Manual-S-snap1"]
            assert [snap.full_name for snap in api.list_snapshots(project_ref(POOL, project))] == ["Manual-P-psnap1"]
    finally:
        with client_of(sim) as api:
            if api.find_project(project_ref(POOL, project)) is not None:
                for snap in api.list_snapshots(project_ref(POOL, project)):
                    api.delete_snapshot(project_ref(POOL, project), snap.full_name, recursive=True)
                api.delete_share(share_ref(POOL, project, "s1"), recursive=True)
                api.delete_project(project_ref(POOL, project))
