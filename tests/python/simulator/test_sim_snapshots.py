# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Snapshots, clones, rollback and their dependencies (C10-C14)."""

import pytest

from conftest import ArrayError, GiB, pool_free


def _share_obj(project, name="s1", **extra):
    obj = {"poolName": "pool-a", "projectName": project, "name": name, "local": True}
    obj.update(extra)
    return obj


def snap(api, project, name, share="s1"):
    api("createShareSnapshot", _share_obj(project, share), name, False)
    return "pool-a/Local/%s/%s@Manual-S-%s" % (project, share, name)


def test_create_status_list_delete(api, project, share):
    # Manila's shape: datasetPath is the project path, local a string, sizes zero
    api("createShareSnapshot", _share_obj(project, datasetPath="pool-a/Local/%s" % project,
                                          mountpoint="s1", local="true", availableSize=0,
                                          totalSize=0), "first", False)
    second = snap(api, project, "second")
    assert api("listSnapshots", share, "") == ["Manual-S-first", "Manual-S-second"]
    assert api("listSnapshots", share, ".*sec.*") == ["Manual-S-second"]
    assert api("listSnapshots", share, "sec") == []  # full match
    assert api.error("listSnapshots", share, "(") == "EZEBI_INVALID_ARGUMENT"
    assert api("listSnapshots", "pool-a/Local/%s" % project, "") == []
    for name in ("first", "Manual-S-first"):
        assert api("getShareSnapshotCreationStatus", share, name) == \
            {"snapshotProgressStatus": 0}
    assert api.error("getShareSnapshotCreationStatus", share, "nope") == \
        "EZEBI_RESOURCE_NOT_FOUND"
    assert api.error("createShareSnapshot", _share_obj(project), "first", False) == \
        "EZEBI_RESOURCE_EXIST"
    assert api.error("createShareSnapshot", _share_obj(project), "bad name", False) == \
        "EZEBI_INVALID_ARGUMENT"
    assert api.error("createShareSnapshot", _share_obj(project, "nope"), "x", False) == \
        "EZEBI_RESOURCE_NOT_FOUND"
    reply = api("deleteShareSnapshot", second, "false")
    assert reply == {"deletedList": [second], "failedToDeleteList": [],
                     "snapshotDeletionStatus": 0}
    assert api.error("deleteShareSnapshot", second, False) == "EZEBI_RESOURCE_NOT_FOUND"
    assert api.error("deleteShareSnapshot", "pool-a/Local/%s@Manual-P-x" % project, False) == \
        "EZEBI_INVALID_DATASET_TYPE"
    # a share with snapshots is deleted only recursively
    assert api.error("deleteShare", share, False, True) == "EZEBI_RESOURCE_INUSE"
    api("deleteShare", share, True, True)
    assert api.error("getShare", share) == "EZEBI_RESOURCE_NOT_FOUND"


def test_clone_depends_on_snapshot(sim, api, project, share):
    sim.set_used(share, GiB)
    api("setNFSSharingOnShare", share, True)
    api("addNFSNetworkACLOnShare", share, "IP", "10.0.0.0/24", "rw", False)
    api("modifyShareProperties", share, {"dedup": "on", "aclList": [
        {"aclType": "user", "aclUser": "alice", "aclValDisplay": "read_set"}]})
    snapshot = snap(api, project, "base")
    free = pool_free(api, "pool-a")
    assert api("cloneShareSnapshot", snapshot, "c1", True) is None
    clone = "pool-a/Local/%s/c1" % project
    model = api("getShare", clone)
    assert model["dedup"] == "on" and model["overrideDedup"] is True
    assert model["sharenfs"] == "on" and model["aclList"][0]["aclUser"] == "alice"
    assert api("getNFSNetworkACLsOnShare", clone)[0]["host"] == "10.0.0.0/24"
    assert (model["quotaInByte"], model["reservationInByte"]) == (0, 0)
    assert model["mountPoint"] == "/export/%s/c1" % project
    assert pool_free(api, "pool-a") == free - GiB  # clone used = snapshot used
    api("cloneShareSnapshot", snapshot, "c2", "false")
    plain = api("getShare", "pool-a/Local/%s/c2" % project)
    assert plain["overrideDedup"] is False and plain["sharenfs"] == "off"
    assert plain["aclList"] == []
    status = api("getProjectCloneStatus", snapshot, "c1")
    assert status == {"totalSubProjects": 1, "failedSubProjects": 0, "projectCloneState": 1}
    assert api.error("getProjectCloneStatus", snapshot, "zz") == "EZEBI_RESOURCE_NOT_FOUND"
    assert api.error("cloneShareSnapshot", snapshot, "c1", True) == "EZEBI_RESOURCE_EXIST"
    assert api.error("cloneShareSnapshot", snapshot, "c 3", True) == "EZEBI_INVALID_ARGUMENT"
    # the snapshot has dependents
    assert api.error("deleteShareSnapshot", snapshot, False) == "EZEBI_RESOURCE_INUSE"
    # a clone's own snapshot is independent of the source
    clone_snap = snap(api, project, "cs", share="c1")
    reply = api("deleteShareSnapshot", snapshot, True)
    assert reply["deletedList"][0] == snapshot and clone_snap in reply["deletedList"]
    for gone in (clone, "pool-a/Local/%s/c2" % project):
        assert api.error("getShare", gone) == "EZEBI_RESOURCE_NOT_FOUND"
    assert pool_free(api, "pool-a") == free
    sim.set_used(share, 0)


def test_delete_share_recursive_removes_clones(api, project, share):
    snapshot = snap(api, project, "base")
    api("cloneShareSnapshot", snapshot, "c1", True)
    api("deleteShare", share, True, True)
    assert api.error("getShare", "pool-a/Local/%s/c1" % project) == "EZEBI_RESOURCE_NOT_FOUND"
    assert api("listShares", "pool-a", project, True) == []


def test_rollback(sim, api, project, share):
    sim.set_used(share, 2 * GiB)
    first = snap(api, project, "one")
    sim.set_used(share, 5 * GiB)
    second = snap(api, project, "two")
    sim.set_used(share, 7 * GiB)
    assert api("rollBackToShareSnapshot", second, False) == 0
    assert api("getShare", share)["totalSize"] - api("getShare", share)["availableSize"] == \
        5 * GiB
    # "two" is newer than "one": a dependent
    assert api.error("rollBackToShareSnapshot", first, False) == "EZEBI_RESOURCE_INUSE"
    api("cloneShareSnapshot", second, "c2", True)
    assert api.error("rollBackToShareSnapshot", first, True) == "EZEBI_RESOURCE_INUSE"
    api("deleteShare", "pool-a/Local/%s/c2" % project, False, True)
    assert api("rollBackToShareSnapshot", first, "true") == 0
    assert api("listSnapshots", share, "") == ["Manual-S-one"]
    model = api("getShare", share)
    assert model["totalSize"] - model["availableSize"] == 2 * GiB
    assert api("rollBackToShareSnapshot", first, False) == 0  # idempotent
    assert api.error("rollBackToShareSnapshot", second, False) == "EZEBI_RESOURCE_NOT_FOUND"
    sim.set_used(share, 0)


def _used(api, share):
    model = api("getShare", share)
    return model["totalSize"] - model["availableSize"]


def _refused_rollback(api, method, snapshot, *names):
    """A rollback refused for space (C7, C14): EZEBI_NOSPACE naming ``names``."""
    with pytest.raises(ArrayError) as info:
        api(method, snapshot, True)
    assert info.value.code == "EZEBI_NOSPACE", info.value.body
    for name in names:
        assert name in info.value.body["message"], info.value.body


def test_a_rollback_beyond_the_share_quota_is_refused(sim, api, project, share):
    """C7/C14: ZFS refuses a rollback beyond refquota (EDQUOT); nothing changes, not even the
    newer snapshots a deleteDependents rollback would destroy."""
    sim.set_used(share, 5 * GiB)
    big = snap(api, project, "big")
    sim.set_used(share, GiB)
    snap(api, project, "newer")
    api("modifyShareProperties", share, {"quotaInByte": 2 * GiB})
    _refused_rollback(api, "rollBackToShareSnapshot", big, share, str(2 * GiB))
    assert _used(api, share) == GiB
    assert api("getShare", share)["quotaInByte"] == 2 * GiB
    assert api("listSnapshots", share, "") == ["Manual-S-big", "Manual-S-newer"]
    # With room again, the same rollback goes through.
    api("modifyShareProperties", share, {"quotaInByte": 5 * GiB})
    api("rollBackToShareSnapshot", big, True)
    assert _used(api, share) == 5 * GiB
    assert api("listSnapshots", share, "") == ["Manual-S-big"]
    sim.set_used(share, 0)


def test_a_rollback_beyond_the_project_quota_is_refused(sim, api, project):
    """C7: the project quota limits Σ max(used, reservation); a project rollback sums the
    growth of its shares (one shrinking makes room for another)."""
    path = "pool-a/Local/" + project
    shares = [path + "/a", path + "/b"]
    for name in ("a", "b"):
        api("createShare", "pool-a", project, name, {}, [])
    sim.set_used(shares[0], 3 * GiB)
    sim.set_used(shares[1], GiB)
    api("createProjectSnapshot", {"poolName": "pool-a", "name": project, "local": True},
        "p", False)
    whole = path + "@Manual-P-p"
    one = snap(api, project, "one", share="a")
    sim.set_used(shares[0], GiB)
    api("modifyProjectProperties", path, {"quotaInByte": 3 * GiB})
    _refused_rollback(api, "rollBackToShareSnapshot", one, path, str(3 * GiB))
    _refused_rollback(api, "rollBackToProjectSnapshot", whole, path)
    assert [_used(api, s) for s in shares] == [GiB, GiB]
    assert api("listSnapshots", shares[0], "") == ["Manual-P-p", "Manual-S-one"]
    # "b" gave up 1 GiB since the project snapshot: rolling both back needs 4 GiB in all.
    sim.set_used(shares[1], 0)
    api("modifyProjectProperties", path, {"quotaInByte": 4 * GiB})
    api("rollBackToProjectSnapshot", whole, True)
    assert [_used(api, s) for s in shares] == [3 * GiB, GiB]
    for s in shares:
        sim.set_used(s, 0)


def test_a_project_rollback_beyond_one_share_quota_rolls_nothing_back(sim, api, project):
    path = "pool-a/Local/" + project
    for name in ("a", "b"):
        api("createShare", "pool-a", project, name, {}, [])
        sim.set_used("%s/%s" % (path, name), 2 * GiB)
    api("createProjectSnapshot", {"poolName": "pool-a", "name": project, "local": True},
        "p", False)
    for name in ("a", "b"):
        sim.set_used("%s/%s" % (path, name), GiB)
    api("modifyShareProperties", path + "/b", {"quotaInByte": GiB})
    _refused_rollback(api, "rollBackToProjectSnapshot", path + "@Manual-P-p", path + "/b")
    assert [_used(api, "%s/%s" % (path, n)) for n in ("a", "b")] == [GiB, GiB]
    for name in ("a", "b"):
        sim.set_used("%s/%s" % (path, name), 0)


def test_project_snapshots(sim, api, project, share):
    api("createShare", "pool-a", project, "s2", {}, [])
    project_path = "pool-a/Local/%s" % project
    sim.set_used(share, GiB)
    api("createProjectSnapshot", {"poolName": "pool-a", "name": project, "local": True},
        "nightly", False)
    full = project_path + "@Manual-P-nightly"
    assert api("listSnapshots", project_path, "") == ["Manual-P-nightly"]
    assert api("listSnapshots", share, ".*") == ["Manual-P-nightly"]
    assert api("getProjectSnapshotCreationStatus", project_path, "nightly") == \
        {"snapshotProgressStatus": 0}
    assert api("getProjectSnapshotCreationStatus", "pool-a", "Manual-P-nightly") == \
        {"snapshotProgressStatus": 0}
    assert api.error("createProjectSnapshot", {"poolName": "pool-a", "name": project},
                     "nightly", False) == "EZEBI_RESOURCE_EXIST"
    # rollback of the whole project
    sim.set_used(share, 3 * GiB)
    api("rollBackToProjectSnapshot", full, False)
    model = api("getShare", share)
    assert model["totalSize"] - model["availableSize"] == GiB
    # project clone: a new project holding a clone of every share
    api("cloneProjectSnapshot", full, project + "-clone", True)
    clone_project = "pool-a/Local/%s-clone" % project
    assert {s["name"] for s in api("listShares", "pool-a", project + "-clone", True)} == \
        {"s1", "s2"}
    status = api("getProjectCloneStatus", full, project + "-clone")
    assert status == {"totalSubProjects": 2, "failedSubProjects": 0, "projectCloneState": 1}
    assert api.error("deleteProjectSnapshot", full, False) == "EZEBI_RESOURCE_INUSE"
    assert api.error("deleteShareSnapshot", share + "@Manual-P-nightly", False) == \
        "EZEBI_RESOURCE_INUSE"
    reply = api("deleteProjectSnapshot", full, True)
    assert reply["deletedList"][0] == full and reply["snapshotDeletionStatus"] == 0
    assert share + "@Manual-P-nightly" in reply["deletedList"]
    assert api.error("getProject", "pool-a", project + "-clone", True) == \
        "EZEBI_RESOURCE_NOT_FOUND"
    assert api("listSnapshots", share, "") == []
    assert api.error("getShare", clone_project + "/s1") == "EZEBI_RESOURCE_NOT_FOUND"
    sim.set_used(share, 0)


@pytest.mark.usefixtures("clean_faults")
def test_snapshot_and_clone_delays(sim, api, project, share):
    sim.set_delays(snapshot_ms=600000, clone_ms=600000)
    snapshot = snap(api, project, "slow")
    assert api("getShareSnapshotCreationStatus", share, "slow") == {"snapshotProgressStatus": 1}
    assert api.error("cloneShareSnapshot", snapshot, "c", True) == "EZEBI_RESOURCE_BUSY"
    sim.set_delays(snapshot_ms=0, clone_ms=600000)
    fast = snap(api, project, "fast")
    assert api("getShareSnapshotCreationStatus", share, "fast") == {"snapshotProgressStatus": 0}
    api("cloneShareSnapshot", fast, "c", True)
    clone = "pool-a/Local/%s/c" % project
    assert api("getProjectCloneStatus", fast, "c")["projectCloneState"] == 0
    assert api("getShare", clone)["name"] == "c"  # exists while in progress
    for call in (("modifyShareProperties", clone, {"dedup": "on"}),
                 ("setNFSSharingOnShare", clone, True),
                 ("addNFSNetworkACLOnShare", clone, "IP", "10.0.0.1", "rw", False)):
        assert api.error(*call) == "EZEBI_RESOURCE_BUSY"
    sim.set_delays(snapshot_ms=0, clone_ms=0)
    # delays apply to new objects only: these stay in progress until their time passes
    assert api("getProjectCloneStatus", fast, "c")["projectCloneState"] == 0
    api("deleteShare", share, True, True)


@pytest.mark.usefixtures("clean_faults")
def test_project_snapshot_is_all_or_nothing_and_clones_without_inheriting(
        sim, api, project, share):
    """What share groups rely on (C25, C35)."""
    project_path = "pool-a/Local/%s" % project
    project_obj = {"poolName": "pool-a", "name": project, "local": True}
    api("modifyProjectProperties", project_path, {"compression": "gzip"})
    api("setNFSSharingOnShare", share, True)
    api("addNFSNetworkACLOnShare", share, "IP", "10.0.0.1", "rw", False)
    # A share still being cloned makes the whole project snapshot fail: nothing is recorded.
    base = snap(api, project, "base")
    sim.set_delays(clone_ms=600000)
    api("cloneShareSnapshot", base, "busy", False)
    assert api.error("createProjectSnapshot", project_obj, "g1", False) == "EZEBI_RESOURCE_BUSY"
    assert api("listSnapshots", project_path, "") == []
    assert api("listSnapshots", share, "") == ["Manual-S-base"]
    sim.set_delays(clone_ms=0)
    api("deleteShare", project_path + "/busy", True, True)
    # Without inheriting, the new project has the array's defaults and its clones are closed;
    # while in progress the new project refuses property writes.
    api("createProjectSnapshot", project_obj, "g2", False)
    full = project_path + "@Manual-P-g2"
    sim.set_delays(clone_ms=600000)
    api("cloneProjectSnapshot", full, project + "-copy", False)
    copy = "pool-a/Local/%s-copy" % project
    assert api("getProjectCloneStatus", full, project + "-copy")["projectCloneState"] == 0
    assert api.error("modifyProjectProperties", copy, {"compression": "gzip"}) == \
        "EZEBI_RESOURCE_BUSY"
    sim.set_delays(clone_ms=0)
    assert api("getProject", "pool-a", project + "-copy", True)["compression"] == "lz4"
    clone = api("getShare", copy + "/s1")
    assert clone["sharenfs"] == "off"
    assert api("getNFSNetworkACLsOnShare", copy + "/s1") == []
    api("deleteProjectSnapshot", full, True)
    api("deleteShareSnapshot", base, True)
