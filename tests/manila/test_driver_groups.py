# SPDX-License-Identifier: Apache-2.0
"""TegileShareDriver: share groups (one array project each), consistent group snapshots (one
project snapshot), groups created from group snapshots (one project clone), and what the other
operations do with group members; failure paths included."""

import time
import uuid

import pytest

from manila import exception

from tegile_driver_helpers import (
    GiB, HOST, POOL, create, make_rule, make_share, make_snapshot, new_driver, snapshot_names,
)
from tegile_intelliflash.manila_driver import groups as groups_mod
from tegile_intelliflash.manila_driver.driver import NO_ACCESS_HOST
from tegile_intelliflash.client.paths import dataset_ref, project_ref, share_ref
from tegile_intelliflash.client.views import CloneStatus

CLONE_MS = 3000


def _project(driver, group_id):
    return "%s-sg-%s" % (driver.configuration.safe_get("tegile_default_project"), group_id)


def _group(driver, host="manila@tegile", group_id=None):
    group = {"id": group_id or str(uuid.uuid4()), "host": host, "status": "creating",
             "shares": [], "share_types": []}
    assert driver.create_share_group(None, group) is None
    return group


def _member(driver, group, size=1, proto="NFS"):
    share = create(driver, proto=proto, size=size, share_group_id=group["id"])
    group["shares"].append(share)
    return share


def _group_snapshot(driver, group, members):
    snap_id = str(uuid.uuid4())
    snap = {
        "id": snap_id, "share_group_id": group["id"], "status": "creating",
        "share_group_snapshot_members": [
            {"id": str(uuid.uuid4()), "share_group_snapshot_id": snap_id,
             "share_id": share["share_id"], "share": share, "share_name": share["name"],
             "name": "share-snapshot-%s" % uuid.uuid4(), "size": share["size"],
             "share_proto": share["share_proto"], "provider_location": None}
            for share in members],
    }
    return snap


def _take(driver, snap):
    _update, members = driver.create_share_group_snapshot(None, snap)
    by_id = dict((m["id"], m) for m in members)
    for member in snap["share_group_snapshot_members"]:
        member["provider_location"] = by_id[member["id"]]["provider_location"]
    return members


def _group_from(driver, snap, sizes=None):
    new = _new_group_from(snap, sizes)
    _update, updates = driver.create_share_group_from_share_group_snapshot(None, new, snap)
    return new, dict((u["id"], u) for u in updates)


def _new_group_from(snap, sizes=None):
    """The share group Manila makes from ``snap`` (not yet given to the driver)."""
    new = {"id": str(uuid.uuid4()), "host": "manila@tegile", "status": "creating",
           "share_types": [], "source_share_group_snapshot_id": snap["id"], "shares": []}
    for index, member in enumerate(snap["share_group_snapshot_members"]):
        size = (sizes or {}).get(index, member["size"])
        new["shares"].append(make_share(
            proto=member["share_proto"], size=size, host=member["share"]["host"],
            share_group_id=new["id"], source_share_group_snapshot_member_id=member["id"],
            status="creating_from_snapshot"))
    return new


def _delete_group(driver, group):
    for share in group["shares"]:
        driver.delete_share(None, share)
    driver.delete_share_group(None, group)


def test_stats_offer_consistent_group_snapshots_per_pool(driver):
    driver._update_share_stats()
    stats = driver._stats
    assert stats["share_group_stats"] == {"consistent_snapshot_support": "pool"}
    assert stats["pools"]
    for pool in stats["pools"]:
        assert pool["sg_consistent_snapshot_support"] == "pool"


def test_another_back_ends_project_named_like_a_group_project_is_not_counted(simulator):
    """Two back ends on one array, projects P and P-sg-east: P-sg-east starts like the projects
    of P's share groups, but it is no group's (a group's project ends with the group's id, a
    UUID). Back end P counted its shares as its own allocated capacity."""
    mine = "p%s" % uuid.uuid4().hex[:10]
    other = new_driver(simulator, tegile_default_project=mine + "-sg-east")
    share = create(other, size=3)
    driver = new_driver(simulator, tegile_default_project=mine)
    try:
        driver._update_share_stats()
        pool = [p for p in driver._stats["pools"] if p["pool_name"] == POOL][0]
        assert pool["allocated_capacity_gb"] == 0
        assert not groups_mod.is_group_project(driver._backend, mine + "-sg-east")
        assert groups_mod.is_group_project(driver._backend, _project(driver, uuid.uuid4()))
    finally:
        other.delete_share(None, share)
        other.client.close()
        driver.client.close()


def test_group_project_takes_the_backend_projects_settings(driver, array):
    backend_project = driver.configuration.safe_get("tegile_default_project")
    array.modify_project(project_ref(POOL, backend_project),
                         {"compression": "gzip", "dedup": "on", "recordSize": "32KB"})
    array.set_project_quota(project_ref(POOL, backend_project), 100 * GiB)
    # Manila's share manager passes the back end's host (no pool): every pool gets one.
    group = _group(driver)
    project = _project(driver, group["id"])
    for pool in ("pool-a", "pool-b"):
        assert array.find_project(project_ref(pool, project)) is not None
    info = array.get_project(project_ref(POOL, project))
    assert (info.compression, info.dedup, info.record_size) == ("gzip", True, "32KB")
    assert not info.quota_bytes
    # Creating it again (a retried request) is a success.
    assert driver.create_share_group(None, group) is None
    driver.delete_share_group(None, group)
    for pool in ("pool-a", "pool-b"):
        assert array.find_project(project_ref(pool, project)) is None
    driver.delete_share_group(None, group)  # already gone: success


def test_group_with_a_pool_in_its_host_uses_that_pool_only(driver, array):
    group = _group(driver, host=HOST)
    project = _project(driver, group["id"])
    assert array.find_project(project_ref(POOL, project)) is not None
    assert array.find_project(project_ref("pool-b", project)) is None
    driver.delete_share_group(None, group)
    assert array.find_project(project_ref(POOL, project)) is None


def test_members_live_in_the_group_project_and_everything_works(simulator, driver, array):
    group = _group(driver)
    project = _project(driver, group["id"])
    share = _member(driver, group, size=2)
    assert share["export_locations"][0]["path"].endswith(
        "/export/%s/%s" % (project, share["name"]))
    info = array.get_share(share_ref(POOL, project, share["name"]))
    assert info.quota_bytes == 2 * GiB
    # Access rules.
    rule = make_rule("ip", "10.9.0.0/16")
    driver.update_access(None, share, [rule], [rule], [], [])
    hosts = [r.host for r in array.get_network_acls("nfs", dataset_ref(POOL, project, share["name"]))]
    assert "10.9.0.0/16" in hosts and NO_ACCESS_HOST not in hosts
    # Extend and shrink.
    driver.extend_share(share, 3)
    assert array.get_share(share_ref(POOL, project, share["name"])).quota_bytes == 3 * GiB
    simulator.set_used("%s/Local/%s/%s" % (POOL, project, share["name"]), GiB + 1)
    with pytest.raises(exception.ShareShrinkingPossibleDataLoss):
        driver.shrink_share(share, 1)
    driver.shrink_share(share, 2)
    # Usage and capacity accounting count the group's shares.
    usage = driver.update_share_usage_size(None, [share])
    assert usage[0]["used_size"] == pytest.approx((GiB + 1) / GiB, abs=0.01)
    driver._update_share_stats()
    pool_stats = [p for p in driver._stats["pools"] if p["pool_name"] == POOL][0]
    assert pool_stats["allocated_capacity_gb"] == 2
    # A single-share snapshot and a revert to it.
    snapshot = make_snapshot(share)
    snapshot.update(driver.create_snapshot(None, snapshot))
    simulator.set_used("%s/Local/%s/%s" % (POOL, project, share["name"]), 5)
    driver.revert_to_snapshot(None, snapshot, [], [])
    assert array.get_share(share_ref(POOL, project, share["name"])).quota_bytes == 2 * GiB
    driver.delete_snapshot(None, snapshot)
    # ensure_shares after a restart finds it in its group's project.
    # Manila's private data outlives the process (its database).
    again = new_driver(simulator, private_storage=driver.private_storage,
                       tegile_default_project=_project(driver, "")[:-len("-sg-")])
    try:
        updates = again.ensure_shares(None, [share])
        assert updates[share["id"]]["status"] == "available"
        assert updates[share["id"]]["export_locations"] == share["export_locations"]
        # get_pool looks in the group's project when the host names no pool.
        assert again.get_pool(dict(share, host="manila@tegile")) == POOL
    finally:
        again.client.close()
    _delete_group(driver, group)
    assert array.find_project(project_ref(POOL, project)) is None


def test_group_snapshot_and_a_group_from_it(simulator, driver, array):
    group = _group(driver)
    project = _project(driver, group["id"])
    nfs = _member(driver, group, size=2)
    cifs = _member(driver, group, size=1, proto="CIFS")
    rule = make_rule("ip", "10.7.0.0/16")
    driver.update_access(None, nfs, [rule], [rule], [], [])
    for share, used in ((nfs, GiB + 11), (cifs, 22)):
        simulator.set_used("%s/Local/%s/%s" % (POOL, project, share["name"]), used)
    snap = _group_snapshot(driver, group, [nfs, cifs])
    members = _take(driver, snap)
    full = "Manual-P-share-group-snapshot-%s" % snap["id"]
    assert sorted(m["provider_location"] for m in members) == [full, full]
    assert full in snapshot_names(array, project_ref(POOL, project))
    for share in (nfs, cifs):
        assert full in snapshot_names(array, dataset_ref(POOL, project, share["name"]))
    # Data written after the snapshot does not reach the new group.
    simulator.set_used("%s/Local/%s/%s" % (POOL, project, nfs["name"]), 3)

    new, updates = _group_from(driver, snap)
    new_project = _project(driver, new["id"])
    for share, source, used in zip(new["shares"], (nfs, cifs), (GiB + 11, 22)):
        update = updates[share["id"]]
        assert update["status"] == "available"
        assert update["export_locations"]
        share["export_locations"] = update["export_locations"]
        share["status"] = "available"
        info = array.get_share(share_ref(POOL, new_project, source["name"]))
        assert info.quota_bytes == share["size"] * GiB
        assert info.used_bytes == used
    # The clone of the NFS member is closed (not exported): the source's rule does not reach it.
    clone_ref = dataset_ref(POOL, new_project, nfs["name"])
    assert not array.is_exposed("nfs", clone_ref) and not array.is_exposed("smb", clone_ref)
    info = array.get_share(share_ref(POOL, new_project, nfs["name"]))
    assert (info.nfs_own, info.smb_own) == (True, True)
    assert new["shares"][0]["export_locations"][0]["path"].endswith(
        "/export/%s/%s" % (new_project, nfs["name"]))
    # The new members work like any member (their array name is recorded).
    driver.extend_share(new["shares"][0], 4)
    assert array.get_share(share_ref(POOL, new_project, nfs["name"])).quota_bytes == 4 * GiB

    # The group snapshot cannot go while a group cloned from it exists.
    with pytest.raises(exception.ShareBackendException) as info:
        driver.delete_share_group_snapshot(None, snap)
    assert "delete them first" in str(info.value)
    _delete_group(driver, new)
    assert array.find_project(project_ref(POOL, new_project)) is None
    assert driver.delete_share_group_snapshot(None, snap) == (None, None)
    assert full not in snapshot_names(array, project_ref(POOL, project))
    assert full not in snapshot_names(array, dataset_ref(POOL, project, nfs["name"]))
    driver.delete_share_group_snapshot(None, snap)  # already gone: success
    _delete_group(driver, group)


def test_group_from_snapshot_honours_larger_sizes(simulator, driver, array, monkeypatch):
    group = _group(driver)
    share = _member(driver, group, size=1)
    snap = _group_snapshot(driver, group, [share])
    _take(driver, snap)
    written = []
    storage = driver.private_storage._storage
    real_update = storage.update
    monkeypatch.setattr(storage, "update", lambda entity, *a: (written.append(entity),
                                                               real_update(entity, *a)))
    new, updates = _group_from(driver, snap, sizes={0: 3})
    # Private data for the members (their array names) and for the group: it has a project of
    # its own (a group made by 1.1.0 has none, test_driver_upgrade.py).
    assert set(written) == {member["id"] for member in new["shares"]} | {new["id"]}
    info = array.get_share(share_ref(POOL, _project(driver, new["id"]), share["name"]))
    assert info.quota_bytes == 3 * GiB
    assert updates[new["shares"][0]["id"]]["status"] == "available"
    _delete_group(driver, new)
    driver.delete_share_group_snapshot(None, snap)
    _delete_group(driver, group)


def test_group_from_snapshot_waits_for_a_slow_clone(simulator, driver, array, monkeypatch):
    # Manila's share manager sets every share of the new group to available once
    # create_share_group_from_share_group_snapshot returns, whatever status the driver gave,
    # and its periodic get_share_status only visits shares in creating_from_snapshot: a member
    # answered "creating_from_snapshot" would stay without quota, type and closed access.
    monkeypatch.setattr(groups_mod, "GROUP_CLONE_POLL", 0.2, raising=False)
    backend_project = driver.configuration.safe_get("tegile_default_project")
    array.modify_project(project_ref(POOL, backend_project), {"compression": "gzip"})
    group = _group(driver)
    share = _member(driver, group, size=2)
    snap = _group_snapshot(driver, group, [share])
    _take(driver, snap)
    simulator.set_delays(clone_ms=CLONE_MS)
    try:
        new, updates = _group_from(driver, snap)
    finally:
        simulator.set_delays(clone_ms=0)
    member = new["shares"][0]
    update = updates[member["id"]]
    assert update["status"] == "available"
    assert update["export_locations"]
    project = _project(driver, new["id"])
    assert array.get_project(project_ref(POOL, project)).compression == "gzip"
    assert array.get_share(share_ref(POOL, project, share["name"])).quota_bytes == 2 * GiB
    clone_ref = dataset_ref(POOL, project, share["name"])
    assert not array.is_exposed("nfs", clone_ref) and not array.is_exposed("smb", clone_ref)
    assert driver.private_storage.get(new["id"]) == {"tegile_group_project": "true"}
    member["status"] = "available"
    _delete_group(driver, new)
    driver.delete_share_group_snapshot(None, snap)
    _delete_group(driver, group)


@pytest.mark.parametrize("ending, words", [
    ("slow", ["did not finish the clone into project", "within 1 seconds"]),
    # The simulator never fails a clone: the array's verdict is replaced.
    ("failed", ["the array failed to clone %(source)s@Manual-P-share-group-snapshot-%(snap)s "
                "into project", "(state failure)"]),
])
def test_group_from_snapshot_whose_clone_does_not_succeed_leaves_nothing(
        simulator, driver, array, monkeypatch, ending, words):
    monkeypatch.setattr(groups_mod, "GROUP_CLONE_TIMEOUT", 1, raising=False)
    monkeypatch.setattr(groups_mod, "GROUP_CLONE_POLL", 0.2, raising=False)
    group = _group(driver)
    share = _member(driver, group)
    snap = _group_snapshot(driver, group, [share])
    _take(driver, snap)
    if ending == "failed":
        monkeypatch.setattr(driver._backend.client, "get_clone_status",
                            lambda *args: CloneStatus(state="failure", total=1, failed=1))
    simulator.set_delays(clone_ms=60000 if ending == "slow" else 0)
    try:
        with pytest.raises(exception.ShareBackendException) as info:
            _group_from(driver, snap)
    finally:
        simulator.set_delays(clone_ms=0)
        monkeypatch.undo()
    source = _project(driver, group["id"])
    for word in words:
        assert word % {"source": source, "snap": snap["id"]} in str(info.value)
    projects = [p.name for p in array.list_projects(POOL)]
    assert [p for p in projects if p.startswith(_project(driver, ""))] == [source]
    # The snapshot has no clone left: it can go.
    driver.delete_share_group_snapshot(None, snap)
    _delete_group(driver, group)


def test_a_group_clone_whose_reply_is_lost_is_removed_with_the_group(
        simulator, driver, array, monkeypatch):
    """The reply of cloneProjectSnapshot lost behind a proxy, the clone made by the array only
    after the driver gave up: the creation fails (outcome unknown), and deleting the new group's
    shares, then the group, removes the clones and their project (their array names were
    recorded before the clone)."""
    group = _group(driver)
    share = _member(driver, group)
    snap = _group_snapshot(driver, group, [share])
    _take(driver, snap)
    new = _new_group_from(snap)
    new_project = project_ref(POOL, _project(driver, new["id"]))
    monkeypatch.setattr(driver.client._transport, "retry_budget", 0.5)
    simulator.set_faults(latency_ms=2000, proxy_timeout_ms=100,
                         methods=["cloneProjectSnapshot"], count=1)
    try:
        with pytest.raises(exception.ShareBackendException):
            driver.create_share_group_from_share_group_snapshot(None, new, snap)
        assert array.find_project(new_project) is None  # not yet
    finally:
        simulator.clear_faults()
        monkeypatch.undo()
    deadline = time.monotonic() + 10
    while array.find_project(new_project) is None and time.monotonic() < deadline:
        time.sleep(0.1)  # the array makes the clone late
    assert [s.name for s in array.list_shares(new_project)] == [share["name"]]
    _delete_group(driver, new)
    assert array.find_project(new_project) is None
    driver.delete_share_group_snapshot(None, snap)
    _delete_group(driver, group)


def test_a_group_snapshot_whose_reply_is_lost_says_so_and_goes_with_its_deletion(
        simulator, driver, array, monkeypatch, caplog):
    """createProjectSnapshot's reply lost behind a proxy, the snapshot taken by the array only
    after the driver gave up: the creation fails (outcome unknown), the log says the array may
    still take it and how it goes, and deleting the group snapshot in Manila removes it."""
    group = _group(driver)
    share = _member(driver, group)
    snap = _group_snapshot(driver, group, [share])
    ref = project_ref(POOL, _project(driver, group["id"]))
    name = "Manual-P-share-group-snapshot-%s" % snap["id"]
    monkeypatch.setattr(driver.client._transport, "retry_budget", 0.5)
    simulator.set_faults(latency_ms=2000, proxy_timeout_ms=100,
                         methods=["createProjectSnapshot"], count=1)
    try:
        with pytest.raises(exception.ShareBackendException):
            driver.create_share_group_snapshot(None, snap)
    finally:
        simulator.clear_faults()
        monkeypatch.undo()
    assert "may still take %s@%s" % (ref.path, name) in caplog.text
    assert "deleting the group snapshot in Manila removes it" in caplog.text
    deadline = time.monotonic() + 10
    while name not in snapshot_names(array, ref) and time.monotonic() < deadline:
        time.sleep(0.1)  # the array takes it late
    assert name in snapshot_names(array, ref)
    driver.delete_share_group_snapshot(None, snap)  # as Manila does for one in error
    assert name not in snapshot_names(array, ref)
    _delete_group(driver, group)


def test_a_member_that_cannot_be_snapshotted_leaves_no_group_snapshot(
        simulator, driver, array):
    group = _group(driver)
    project = _project(driver, group["id"])
    first = _member(driver, group)
    # A member still being cloned cannot be snapshotted: the array refuses the whole project
    # snapshot.
    single = make_snapshot(first)
    single.update(driver.create_snapshot(None, single))
    simulator.set_delays(clone_ms=60000)
    try:
        busy = make_share(share_group_id=group["id"])
        update = driver.create_share_from_snapshot(None, busy, single)
        assert update["status"] == "creating_from_snapshot"
        group["shares"].append(busy)
        snap = _group_snapshot(driver, group, [first, busy])
        with pytest.raises(exception.ShareBackendException):
            driver.create_share_group_snapshot(None, snap)
    finally:
        simulator.set_delays(clone_ms=0)
    name = "Manual-P-share-group-snapshot-%s" % snap["id"]
    assert name not in snapshot_names(array, project_ref(POOL, project))
    for share in (first, busy):
        assert name not in snapshot_names(array, dataset_ref(POOL, project, share["name"]))
    driver.delete_share(None, busy)
    driver.delete_snapshot(None, single)
    _delete_group(driver, group)


def test_a_failure_after_the_snapshot_was_taken_removes_it(simulator, driver, array):
    group = _group(driver)
    project = _project(driver, group["id"])
    share = _member(driver, group)
    snap = _group_snapshot(driver, group, [share])
    simulator.set_faults(error_rate=1.0, status=503,
                         methods=["getProjectSnapshotCreationStatus"])
    try:
        with pytest.raises(exception.ShareBackendException):
            driver.create_share_group_snapshot(None, snap)
    finally:
        simulator.clear_faults()
    assert [n for n in snapshot_names(array, project_ref(POOL, project)) if n.startswith("Manual-P-")] == []
    assert [n for n in snapshot_names(array, dataset_ref(POOL, project, share["name"]))
            if n.startswith("Manual-P-")] == []
    _delete_group(driver, group)


def test_a_group_whose_project_vanished_says_so(driver, array):
    group = _group(driver, host=HOST)
    project = _project(driver, group["id"])
    share = _member(driver, group)
    array.delete_share(share_ref(POOL, project, share["name"]))
    array.delete_project(project_ref(POOL, project))
    with pytest.raises(exception.ShareBackendException) as info:
        driver.create_share(None, make_share(share_group_id=group["id"]))
    assert "share group %s" % group["id"] in str(info.value)
    assert "not on the array" in str(info.value)
    snap = _group_snapshot(driver, group, [share])
    with pytest.raises(exception.ShareBackendException) as info:
        driver.create_share_group_snapshot(None, snap)
    assert "share group %s: its project %s/%s is not on the array" % (
        group["id"], POOL, project) in str(info.value)
    # Its members are gone with it; deleting them and the group succeeds.
    _delete_group(driver, group)


def test_deleting_a_group_whose_project_holds_other_shares_names_them(driver, array):
    group = _group(driver, host=HOST)
    project = _project(driver, group["id"])
    array.create_share(share_ref(POOL, project, "intruder"))
    with pytest.raises(exception.ShareBackendException) as info:
        driver.delete_share_group(None, group)
    assert "intruder" in str(info.value)
    array.delete_share(share_ref(POOL, project, "intruder"))
    driver.delete_share_group(None, group)


def test_members_are_neither_unmanaged_nor_managed(driver, array):
    group = _group(driver)
    share = _member(driver, group)
    with pytest.raises(exception.InvalidShare) as info:
        driver.unmanage(share)
    assert "share group %s" % group["id"] in str(info.value)
    managed = make_share(export_locations=share["export_locations"])
    with pytest.raises(exception.ManageInvalidShare) as info:
        driver.manage_existing(managed, {})
    assert "share group" in str(info.value)
    _delete_group(driver, group)


def test_a_group_snapshots_part_is_not_managed_as_a_share_snapshot(driver, array):
    # Manila already owns it (as a member of its group snapshot): managed again as a share
    # snapshot, its deletion would take that member out of the group snapshot.
    group = _group(driver)
    project = _project(driver, group["id"])
    share = _member(driver, group)
    snap = _group_snapshot(driver, group, [share])
    _take(driver, snap)
    full = "Manual-P-share-group-snapshot-%s" % snap["id"]
    for location in (full, "%s/Local/%s/%s@%s" % (POOL, project, share["name"], full)):
        with pytest.raises(exception.ManageInvalidShareSnapshot) as info:
            driver.manage_existing_snapshot(make_snapshot(share, provider_location=location), {})
        assert "project snapshot" in str(info.value)
    assert full in snapshot_names(array, dataset_ref(POOL, project, share["name"]))
    driver.delete_share_group_snapshot(None, snap)
    _delete_group(driver, group)


def test_a_revert_stopped_by_a_group_snapshot_says_to_delete_it_in_manila(driver, array):
    """A member's revert stopped by a later share group snapshot (Manila's own) points to that
    group snapshot in Manila; a snapshot made on the array stays "remove it on the array"."""
    group = _group(driver)
    project = _project(driver, group["id"])
    share = _member(driver, group)
    snapshot = make_snapshot(share)
    snapshot.update(driver.create_snapshot(None, snapshot))
    snap = _group_snapshot(driver, group, [share])
    _take(driver, snap)
    array.create_snapshot(dataset_ref(POOL, project, share["name"]), "scheduled-1")
    with pytest.raises(exception.ShareBackendException) as info:
        driver.revert_to_snapshot(None, snapshot, [], [])
    text = str(info.value)
    assert "share group snapshots %s were taken since; delete them in Manila" % snap["id"] \
        in text
    assert "(Manual-S-scheduled-1); remove them on the array" in text
    assert "Manual-P-share-group-snapshot" not in text
    array.delete_snapshot(dataset_ref(POOL, project, share["name"]), "Manual-S-scheduled-1")
    with pytest.raises(exception.ShareBackendException) as info:
        driver.revert_to_snapshot(None, snapshot, [], [])
    assert "on the array" not in str(info.value)
    driver.delete_share_group_snapshot(None, snap)
    driver.delete_snapshot(None, snapshot)
    _delete_group(driver, group)


def test_empty_group_snapshot_and_a_group_from_it(driver, array):
    group = _group(driver, host=HOST)
    snap = _group_snapshot(driver, group, [])
    assert driver.create_share_group_snapshot(None, snap) == (None, None)
    new = {"id": str(uuid.uuid4()), "host": HOST, "shares": [], "share_types": []}
    assert driver.create_share_group_from_share_group_snapshot(None, new, snap) == (None, None)
    assert array.find_project(project_ref(POOL, _project(driver, new["id"]))) is not None
    assert driver.delete_share_group_snapshot(None, snap) == (None, None)
    driver.delete_share_group(None, new)
    driver.delete_share_group(None, group)


def test_a_group_from_snapshot_that_cannot_be_set_up_leaves_nothing(
        simulator, driver, array, share_type_specs):
    share_type_specs["thick"] = {"thin_provisioning": "False"}
    group = _group(driver)
    share = _member(driver, group)
    snap = _group_snapshot(driver, group, [share])
    _take(driver, snap)
    new = {"id": str(uuid.uuid4()), "host": "manila@tegile", "share_types": [], "shares": []}
    # Larger than the pool: its reservation cannot be made.
    new["shares"].append(make_share(
        size=64 * 1024, share_type_id="thick", share_group_id=new["id"],
        source_share_group_snapshot_member_id=snap["share_group_snapshot_members"][0]["id"],
        status="creating_from_snapshot"))
    with pytest.raises(exception.ShareBackendException) as info:
        driver.create_share_group_from_share_group_snapshot(None, new, snap)
    assert "not enough free space" in str(info.value)
    assert array.find_project(project_ref(POOL, _project(driver, new["id"]))) is None
    assert driver.private_storage.get(new["shares"][0]["id"]) == {}
    assert driver.private_storage.get(new["id"]) == {}
    # The snapshot has no clone left: it can go.
    driver.delete_share_group_snapshot(None, snap)
    _delete_group(driver, group)


def test_groups_from_snapshots_keep_the_allocated_capacity_share_by_share(
        simulator, driver, share_type_specs):
    """A group from a group snapshot records each new member's size (the pool is not counted
    again); one that fails has each of its members read again, alone, at the next refresh."""
    def allocated(methods):
        simulator.reset_calls()
        driver._update_share_stats()
        assert simulator.calls()["by_method"] == methods
        return [p for p in driver._stats["pools"] if p["pool_name"] == POOL][0][
            "allocated_capacity_gb"]

    group = _group(driver)
    share = _member(driver, group, size=1)
    snap = _group_snapshot(driver, group, [share])
    _take(driver, snap)
    driver._update_share_stats()  # the first count
    new, _updates = _group_from(driver, snap, sizes={0: 3})
    assert allocated({"listPools": 1}) == 1 + 3

    share_type_specs["thick"] = {"thin_provisioning": "False"}
    failed = {"id": str(uuid.uuid4()), "host": "manila@tegile", "share_types": [], "shares": []}
    failed["shares"].append(make_share(  # its reservation cannot be made
        size=64 * 1024, share_type_id="thick", share_group_id=failed["id"],
        source_share_group_snapshot_member_id=snap["share_group_snapshot_members"][0]["id"],
        status="creating_from_snapshot"))
    with pytest.raises(exception.ShareBackendException):
        driver.create_share_group_from_share_group_snapshot(None, failed, snap)
    assert allocated({"listPools": 1, "getShare": 1}) == 1 + 3  # the clone is gone
    assert allocated({"listPools": 1}) == 1 + 3
    _delete_group(driver, new)
    assert allocated({"listPools": 1}) == 1
    driver.delete_share_group_snapshot(None, snap)
    _delete_group(driver, group)
