# SPDX-License-Identifier: Apache-2.0
"""End to end: share groups through a real Manila (python-manilaclient).

A share group type asking for consistent snapshots, a group, an NFS and a CIFS share in it
with data markers written through the simulator (``/sim/v1/used``), a group snapshot, a new
group created from it: every member is checked in Manila's view and on the array (one project
per group, one project snapshot, one project clone). Everything is deleted through Manila in
dependency order at the end, whatever happened, and the array is checked empty again.
"""

import time

import pytest
from manilaclient import exceptions as manila_exc

# The shared helpers and fixtures of the end-to-end stage.
from test_manila_e2e import (  # noqa: F401  pylint: disable=unused-import
    GiB, MiB, export_paths, floating_ips, pool_of, share_type, used_bytes, wait_gone,
    wait_status,
)

GROUP_TYPE = "tegile-e2e-group"


def group_project(e2e, group_id):
    return "%s-sg-%s" % (e2e.project, group_id)


def group_shares(manila, group_id):
    return manila.shares.list(search_opts={"share_group_id": group_id})


class Cleanup:
    """Deletes what a test made, newest first, each through Manila with its own call."""

    def __init__(self):
        self.steps = []

    def add(self, what, delete, gone):
        self.steps.append((what, delete, gone))

    def run(self):
        problems = []
        for what, delete, gone in reversed(self.steps):
            try:
                delete()
                gone()
            except manila_exc.NotFound:
                pass
            except (Exception, pytest.fail.Exception) as exc:  # the waits fail with pytest.fail
                problems.append("%s: %s" % (what, exc))
        assert not problems, "could not delete: %s" % "; ".join(problems)


@pytest.fixture
def cleanup():
    steps = Cleanup()
    yield steps
    steps.run()


def _group(manila, cleanup, name, **kwargs):
    group = manila.share_groups.create(name=name, **kwargs)
    cleanup.add("share group " + name, lambda: manila.share_groups.delete(group.id),
                lambda: wait_gone(manila.share_groups, group.id, "share group " + name))
    return wait_status(manila.share_groups, group.id, "available", "share group " + name)


def _member(manila, cleanup, share_type_id, group, role, proto, size):
    share = manila.shares.create(proto, size, name="e2e-group-" + role, share_type=share_type_id,
                                 share_group_id=group.id)
    cleanup.add("share " + role,
                lambda: manila.shares.delete(share.id, share_group_id=group.id),
                lambda: wait_gone(manila.shares, share.id, "share " + role))
    return wait_status(manila.shares, share.id, "available", "share " + role)


def test_share_group_snapshot_and_group_from_it(manila, e2e, share_type, cleanup):
    group_type = manila.share_group_types.create(
        GROUP_TYPE, [share_type], group_specs={"consistent_snapshot_support": "pool"})
    cleanup.add("share group type", lambda: manila.share_group_types.delete(group_type.id),
                lambda: None)
    group = _group(manila, cleanup, "e2e-app", share_group_type=group_type.id,
                   share_types=[share_type])
    assert group.consistent_snapshot_support == "pool"
    project = group_project(e2e, group.id)
    # The group's project exists on the array (in every pool: Manila does not tell the driver
    # the group's pool), with no share yet.
    for pool in e2e.pools:
        assert e2e.array.call("getProject", pool, project, True)["projectName"] == project

    nfs = _member(manila, cleanup, share_type, group, "nfs", "NFS", 2)
    cifs = _member(manila, cleanup, share_type, group, "cifs", "CIFS", 1)
    pool = pool_of(nfs)
    assert pool_of(cifs) == pool
    names = sorted(e2e.array.shares(pool, project))
    by_instance = {}
    for share in (nfs, cifs):
        [instance] = manila.shares.list_instances(share)
        [by_instance[share.id]] = [name for name in names if instance.id in name]
    assert sorted(e2e.array.shares(pool, project)) == sorted(by_instance.values())
    nfs_path = "%s/Local/%s/%s" % (pool, project, by_instance[nfs.id])
    cifs_path = "%s/Local/%s/%s" % (pool, project, by_instance[cifs.id])
    [nfs_export] = export_paths(manila, nfs)
    assert nfs_export.split(":", 1)[0] in floating_ips(e2e, pool)
    assert nfs_export.endswith("/export/%s/%s" % (project, by_instance[nfs.id]))
    assert e2e.array.share(nfs_path)["quotaInByte"] == 2 * GiB
    assert e2e.array.share(cifs_path)["quotaInByte"] == 1 * GiB

    # Data markers, then one group snapshot of both.
    markers = {nfs.id: 700 * MiB, cifs.id: 123 * MiB}
    e2e.sim.set_used(nfs_path, markers[nfs.id])
    e2e.sim.set_used(cifs_path, markers[cifs.id])
    snap = manila.share_group_snapshots.create(group.id, name="e2e-app-snap")
    cleanup.add("share group snapshot",
                lambda: manila.share_group_snapshots.delete(snap.id),
                lambda: wait_gone(manila.share_group_snapshots, snap.id, "group snapshot"))
    snap = wait_status(manila.share_group_snapshots, snap.id, "available", "group snapshot")
    full = "Manual-P-share-group-snapshot-%s" % snap.id
    members = snap.members
    assert sorted(m["share_id"] for m in members) == sorted([nfs.id, cifs.id])
    assert sorted(m["size"] for m in members) == [1, 2]
    assert full in e2e.array.call("listSnapshots", "%s/Local/%s" % (pool, project), "")
    for path in (nfs_path, cifs_path):
        assert full in e2e.array.snapshots(path)
    # Written after the snapshot: must not reach the new group.
    e2e.sim.set_used(nfs_path, 900 * MiB)
    e2e.sim.set_used(cifs_path, 5 * MiB)

    copy = _group(manila, cleanup, "e2e-app-copy", source_share_group_snapshot=snap.id,
                  share_group_type=group_type.id)
    new_shares = group_shares(manila, copy.id)
    for share in new_shares:
        cleanup.add("share %s of the copy" % share.id,
                    lambda share=share: manila.shares.delete(share.id, share_group_id=copy.id),
                    lambda share=share: wait_gone(manila.shares, share.id, "copied share"))
    assert len(new_shares) == 2
    copy_project = group_project(e2e, copy.id)
    sources = {nfs.id: (nfs, nfs_path), cifs.id: (cifs, cifs_path)}
    seen = set()
    for share in new_shares:
        share = wait_status(manila.shares, share.id, "available", "copied share")
        [instance] = manila.shares.list_instances(share)
        member = [m for m in members if m["id"] == share.source_share_group_snapshot_member_id]
        assert len(member) == 1, (share.source_share_group_snapshot_member_id, members)
        source, source_path = sources[member[0]["share_id"]]
        seen.add(source.id)
        assert share.size == source.size and share.share_proto == source.share_proto
        assert pool_of(share) == pool
        # On the array: the clone of its member in the copy's project, under the member's name,
        # with the member's data at snapshot time, its own quota and closed access.
        path = "%s/Local/%s/%s" % (pool, copy_project, source_path.rsplit("/", 1)[1])
        info = e2e.array.share(path)
        assert used_bytes(info) == markers[source.id], (path, info)
        assert info["quotaInByte"] == share.size * GiB
        [location] = export_paths(manila, share)
        if share.share_proto == "NFS":
            assert location.endswith("/export/%s/%s" % (copy_project, info["name"]))
            assert info["sharenfs"] == "off" and info["sharesmb"] == "off"  # not exported
        else:
            assert location.rsplit("\\", 1)[1] == info["cifsDisplayName"]
            assert info["sharenfs"] == "off"
        assert instance.status == "available"
    assert seen == {nfs.id, cifs.id}
    assert sorted(e2e.array.shares(pool, copy_project)) == sorted(
        p.rsplit("/", 1)[1] for p in (nfs_path, cifs_path))
    # The source group is untouched by the copy.
    assert used_bytes(e2e.array.share(nfs_path)) == 900 * MiB

    # Everything goes (the cleanup deletes newest first: the copy's shares, the copy, the
    # snapshot, the members, the group, the group type); then the array holds none of it.
    cleanup.run()
    cleanup.steps = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(
            e2e.array.shares(p, name) or _project_exists(e2e, p, name)
            for p in e2e.pools for name in (project, copy_project)):
        time.sleep(0.5)
    for p in e2e.pools:
        for name in (project, copy_project):
            assert not _project_exists(e2e, p, name), (p, name)


def test_share_group_type_without_consistent_snapshots(manila, e2e, share_type, cleanup):
    group_type = manila.share_group_types.create(GROUP_TYPE + "-plain", [share_type])
    cleanup.add("share group type", lambda: manila.share_group_types.delete(group_type.id),
                lambda: None)
    group = _group(manila, cleanup, "e2e-plain", share_group_type=group_type.id,
                   share_types=[share_type])
    share = _member(manila, cleanup, share_type, group, "plain", "NFS", 1)
    project = group_project(e2e, group.id)
    assert len(e2e.array.shares(pool_of(share), project)) == 1


def _project_exists(e2e, pool, name):
    return any(item["name"] == name for item in e2e.array.call("listProjects", pool, True))
