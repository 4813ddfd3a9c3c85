# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""The /zebi/api/openstack service (spec §12, C22), called the way Manila's driver calls it."""

import json

import pytest

from conftest import ArrayError, GiB


def os_post(api, method, params):
    """Exactly like the in-tree driver: json.dumps(tuple) as the body, no Content-Type."""
    resp = api.raw(method, json.dumps(params), service="openstack")
    assert "Content-Type" not in resp.request.headers
    return resp


def test_create_nfs_and_cifs_shares(api):
    resp = os_post(api, "createShare", ("pool-b", "openstack", "share-nfs", "NFS"))
    assert resp.status_code == 200
    ip, name = resp.json().split()
    assert ip == api("getFloatingIPList", "pool-b")[0]["ipAddress"]
    assert name == "/export/openstack/share-nfs"
    path = "pool-b/Local/openstack/share-nfs"
    model = api("getShare", path)
    assert (model["sharenfs"], model["overrideSharenfs"], model["quotaInByte"]) == ("on", True, 0)
    ip, name = api.os("createShare", "pool-b", "openstack", "share-cifs", "CIFS").split()
    assert name == "openstack_share-cifs"
    assert api("getShare", "pool-b/Local/openstack/share-cifs")["sharesmb"] == "on"
    assert api.os("getShareIPAndMountPoint", path).split() == [ip, "/export/openstack/share-nfs"]
    assert api.os("getShareIPAndMountPoint", "pool-b/Local/openstack/share-cifs").split()[1] == \
        "openstack_share-cifs"
    assert api.error("createShare", "pool-b", "openstack", "share-nfs", "NFS",
                     service="openstack") == "EZEBI_RESOURCE_EXIST"
    assert api.error("createShare", "pool-b", "openstack", "x", "HDFS", service="openstack") == \
        "EZEBI_INVALID_ARGUMENT"
    for share in ("share-nfs", "share-cifs"):
        assert os_post(api, "deleteShare",
                       ("pool-b/Local/openstack/%s" % share, True, False)).status_code == 200
    assert os_post(api, "deleteShare", (path, True, False)).status_code == 200  # missing: ok


def test_resize_snapshot_clone(sim, api):
    api.os("createShare", "pool-b", "os2", "share-a", "NFS")
    path = "pool-b/Local/os2/share-a"
    api.os("resizeShare", path, "5", "GB")
    assert api("getShare", path)["quotaInByte"] == 5 * GiB
    sim.set_used(path, 3 * GiB)
    assert api.error("resizeShare", path, "2", "GB", service="openstack") == \
        "EZEBI_INVALID_QUOTA_RESERVATION_VALUE"
    assert api.error("resizeShare", path, "2", "GiB", service="openstack") == \
        "EZEBI_INVALID_SPACE_METRIC_UNIT"
    api.os("resizeShare", path, "4", "GB")
    assert api("getShare", path)["quotaInByte"] == 4 * GiB
    share_obj = {"poolName": "pool-b", "projectName": "os2", "name": "share-a",
                 "availableSize": 0, "totalSize": 0, "datasetPath": "pool-b/Local/os2",
                 "mountpoint": "share-a", "local": "true"}
    api.os("createShareSnapshot", share_obj, "share-snapshot-1", False)
    snap = path + "@Manual-S-share-snapshot-1"
    assert api("listSnapshots", path, "") == ["Manual-S-share-snapshot-1"]
    ip, name = api.os("cloneShareSnapshot", snap, "share-b", True).split()
    assert name == "/export/os2/share-b"
    clone = api("getShare", "pool-b/Local/os2/share-b")
    assert clone["totalSize"] - clone["availableSize"] == 3 * GiB and clone["sharenfs"] == "on"
    assert api.error("deleteShareSnapshot", snap, False, service="openstack") == \
        "EZEBI_RESOURCE_INUSE"
    api.os("deleteShare", "pool-b/Local/os2/share-b", True, False)
    api.os("deleteShareSnapshot", snap, False)
    assert api("listSnapshots", path, "") == []
    api.os("deleteShare", path, True, False)


def test_access_rules(api):
    api.os("createShare", "pool-b", "os3", "nfs1", "NFS")
    api.os("createShare", "pool-b", "os3", "cifs1", "CIFS")
    nfs, cifs = "pool-b/Local/os3/nfs1", "pool-b/Local/os3/cifs1"
    api.os("shareAllowAccess", nfs, "NFS", "ip", "10.0.0.0/24", "rw")
    api.os("shareAllowAccess", nfs, "NFS", "ip", "10.0.1.5", "ro")
    api.os("shareAllowAccess", nfs, "NFS", "ip", "10.0.0.0/24", "ro")  # replaces the level
    assert api("getNFSNetworkACLsOnShare", nfs) == [
        {"hostType": "IP", "host": "10.0.0.0/24", "accessMode": "ro", "rootAccessForNFS": False},
        {"hostType": "IP", "host": "10.0.1.5", "accessMode": "ro", "rootAccessForNFS": False}]
    api.os("shareAllowAccess", nfs, "NFS", "user", "alice", "rw")
    api.os("shareAllowAccess", cifs, "CIFS", "user", "bob", "ro")
    acl = api("getShare", nfs)["aclList"]
    assert [(e["aclUser"], e["aclValDisplay"]) for e in acl] == [("alice", "modify_set")]
    assert api("getShare", cifs)["aclList"][0]["aclValDisplay"] == "read_set"
    for bad in ((cifs, "CIFS", "ip", "10.0.0.1", "rw"), (nfs, "NFS", "cert", "x", "rw"),
                (nfs, "NFS", "ip", "10.0.0.1", "rwx"), (nfs, "NFS", "ip", "nope", "rw")):
        assert api.error("shareAllowAccess", *bad, service="openstack") == \
            "EZEBI_INVALID_ACL_API_PARAM_GENERAL"
    api.os("shareDenyAccess", nfs, "NFS", "ip", "10.0.1.5", "ro")
    api.os("shareDenyAccess", nfs, "NFS", "ip", "10.9.9.9", "ro")  # missing: success
    api.os("shareDenyAccess", nfs, "NFS", "user", "ALICE", "rw")
    assert [a["host"] for a in api("getNFSNetworkACLsOnShare", nfs)] == ["10.0.0.0/24"]
    assert api("getShare", nfs)["aclList"] == []
    api.os("shareAllowAccess", nfs, "NFS", "user", "carol", "ro")
    api.os("clearAccessRules", nfs, "NFS")
    assert api("getNFSNetworkACLsOnShare", nfs) == [] and api("getShare", nfs)["aclList"] == []
    api.os("clearAccessRules", cifs, "CIFS")
    assert api("getShare", cifs)["aclList"] == []


def test_array_stats(sim, api):
    resp = api.raw("getArrayStats", http="GET", service="openstack")
    stats = resp.json()
    pools = {p["pool_name"]: p for p in stats["pools"]}
    assert pools["pool-a"]["total_capacity_gb"] == 10240 and pools["pool-b"][
        "total_capacity_gb"] == 4096
    for pool in stats["pools"]:
        assert set(pool) >= {"total_capacity_gb", "free_capacity_gb", "allocated_capacity_gb",
                             "QoS_support", "reserved_percentage"}
        assert all(isinstance(pool[k], (int, float)) for k in
                   ("total_capacity_gb", "free_capacity_gb", "allocated_capacity_gb"))
    assert stats["total_capacity_gb"] == 14336
    assert abs(stats["free_capacity_gb"] - sum(p["free_capacity_gb"] for p in stats["pools"])) \
        < 0.05
    api.os("createShare", "pool-b", "os4", "stats", "NFS")
    api.os("resizeShare", "pool-b/Local/os4/stats", "7", "GB")
    sim.set_used("pool-b/Local/os4/stats", 2 * GiB)
    after = {p["pool_name"]: p for p in api.os("getArrayStats")["pools"]}["pool-b"]
    assert after["allocated_capacity_gb"] - pools["pool-b"]["allocated_capacity_gb"] == 7
    assert round(pools["pool-b"]["free_capacity_gb"] - after["free_capacity_gb"], 2) == 2
    sim.set_used("pool-b/Local/os4/stats", 0)
    api.os("deleteShare", "pool-b/Local/os4/stats", True, False)


def test_cifs_create_refuses_an_smb_name_another_share_has(api, project):
    # C27: createShare over CIFS turns SMB on under the default name <project>_<share>; a share
    # that chose that name before must keep it to itself (two SMB shares of one name).
    first = "pool-a/Local/%s/s1" % project
    api("createShare", "pool-a", project, "s1", {}, [])
    api("setSMBSharingOnShare", first, True, "%s_s2" % project, False)
    assert api.error("createShare", "pool-a", project, "s2", "CIFS", service="openstack") == \
        "EZEBI_RESOURCE_EXIST"
    assert [s["name"] for s in api("listShares", "pool-a", project, True)] == ["s1"]
    api.os("createShare", "pool-a", project, "s2", "NFS")  # NFS needs no SMB name


@pytest.mark.parametrize("size", ["0", "-1", "5.5", "", " ", "1e3", 0, -1, 2.5, True])
def test_resize_size_is_a_whole_number_of_gib_from_one(api, size):
    """C22: the size is a string of the integer size (spec §12), at least 1; a refused resize
    names ``size`` and leaves the quota as it was (it never clears it)."""
    api.os("createShare", "pool-b", "os-resize", "bad-size", "NFS")
    path = "pool-b/Local/os-resize/bad-size"
    try:
        api.os("resizeShare", path, "3", "GB")
        with pytest.raises(ArrayError) as info:
            api.os("resizeShare", path, size, "GB")
        assert info.value.body["code"] == "EZEBI_INVALID_QUOTA_RESERVATION_VALUE"
        assert "size" in info.value.body["message"]
        assert api("getShare", path)["quotaInByte"] == 3 * GiB
    finally:
        api.os("deleteShare", path, True, False)


@pytest.mark.parametrize("size, gib", [("1", 1), (" 7 ", 7), (2, 2), (4.0, 4)])
def test_resize_accepts_whole_sizes(api, size, gib):
    api.os("createShare", "pool-b", "os-resize", "good-size", "NFS")
    path = "pool-b/Local/os-resize/good-size"
    try:
        api.os("resizeShare", path, size, "GB")
        assert api("getShare", path)["quotaInByte"] == gib * GiB
    finally:
        api.os("deleteShare", path, True, False)
