# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Projects and shares: models, names, existence rules, properties, inheritance, quotas."""

import pytest

from conftest import GiB, pool_free

SHARE_KEYS = {
    "name", "guid", "containerName", "projectName", "poolName", "localDataset", "purpose",
    "compression", "compressedLog", "dedup", "copies", "primaryCache", "secondaryCache",
    "readonly", "logbias", "sync", "zfsDataSetName", "compressionClass",
    "overrideCompression", "overrideDedup", "overrideCopies", "overridePrimaryCache",
    "overrideSecondaryCache", "overrideReadonly", "overrideLogbias", "overrideSync",
    "overrideCompressedLog", "overrideProjectSnapshotSettings", "overrideMountPoint",
    "overrideAclInherit", "overrideRecordSize", "overrideSharenfs", "overrideSharesmb",
    "quotaInByte", "quota", "quotaMetric", "quotaEnabled", "reservationInByte", "reservation",
    "reservationMetric", "reservationEnabled", "mountPoint", "availableSize", "totalSize",
    "krbStatus", "cifsDisplayName", "guestStatus", "aclInherit", "recordSize", "atime",
    "nbmand", "aclList", "sharenfs", "sharesmb",
}
PROJECT_KEYS = {
    "projectName", "poolName", "localDataset", "purpose", "compression", "compressedLog",
    "dedup", "copies", "primaryCache", "secondaryCache", "readonly", "logbias", "sync",
    "zfsDataSetName", "compressionClass", "mountPoint", "intendedProtocolList", "quotaInByte",
    "quotaEnabled", "quota", "quotaMetric", "aclInherit", "aclMode", "krbStatus",
    "defaultVolumeSizeInByte", "defaultVolumeSize", "defaultVolumeSizeUnit",
    "defaultVolumeBlockSize", "defaultThinProvisioning", "recordSize",
}
BLOCK_SIZES = {"4KB", "8KB", "16KB", "32KB", "64KB", "128KB"}
CLASSES = {"OFF", "Optimal Performance", "High Compression"}


def test_project_lifecycle_and_model(api, project):
    model = api("getProject", "pool-a", project, True)
    assert set(model) == PROJECT_KEYS
    assert model["zfsDataSetName"] == "pool-a/Local/%s" % project
    assert model["mountPoint"] == "/export/%s" % project
    assert (model["compression"], model["dedup"], model["readonly"], model["recordSize"]) == \
        ("lz4", "off", "off", "64KB")
    assert model["compressionClass"] in CLASSES and model["defaultVolumeBlockSize"] in BLOCK_SIZES
    assert {"name": project, "poolName": "pool-a", "local": True} in \
        api("listProjects", "pool-a", True)
    assert all(p["name"] != project for p in api("listProjects", "pool-a", False))
    assert api.error("createProject", {"poolName": "pool-a", "projectName": project}) == \
        "EZEBI_RESOURCE_EXIST"
    assert api.error("getProject", "pool-a", project, False) == "EZEBI_RESOURCE_NOT_FOUND"
    assert api("deleteProject", "pool-a/Local/%s" % project) == 0
    assert api.error("getProject", "pool-a", project, True) == "EZEBI_RESOURCE_NOT_FOUND"
    assert api.error("deleteProject", "pool-a/Local/%s" % project) == "EZEBI_RESOURCE_NOT_FOUND"


def test_create_project_with_properties(api):
    api("createProject", {"poolName": "pool-b", "projectName": "props", "compression": "gzip-6",
                          "dedup": "on", "intendedProtocolList": ["NFS", "SMB"],
                          "recordSize": "128KB", "quotaInByte": 10 * GiB, "unknownKey": 1})
    model = api("getProject", "pool-b", "props", True)
    assert (model["compression"], model["dedup"], model["recordSize"]) == ("gzip-6", "on", "128KB")
    assert model["intendedProtocolList"] == ["NFS", "SMB"]
    assert (model["quotaInByte"], model["quota"], model["quotaMetric"], model["quotaEnabled"]) \
        == (10 * GiB, 10.0, "GB", True)
    api("deleteProject", "pool-b/Local/props")


@pytest.mark.parametrize("props,code", [
    ({"compression": "zstd"}, "EZEBI_INVALID_COMPRESSION_ALGORITHM"),
    ({"compressionClass": "Best"}, "EZEBI_INVALID_COMPRESSION_ALGORITHM"),
    ({"dedup": "yes"}, "EZEBI_INVALID_TOGGLE_VALUE"),
    ({"readonly": "ON"}, "EZEBI_INVALID_TOGGLE_VALUE"),
    ({"recordSize": "256KB"}, "EZEBI_INVALID_BLOCK_SIZE_VALUE_GENERAL"),
    ({"copies": 4}, "EZEBI_INVALID_COPY_VALUE"),
    ({"primaryCache": "some"}, "EZEBI_INVALID_CACHE_TYPE"),
    ({"logbias": "fast"}, "EZEBI_INVALID_LOG_BIAS_TYPE"),
    ({"sync": "never"}, "EZEBI_INVALID_SYNC_TYPE"),
    ({"intendedProtocolList": ["nfs"]}, "EZEBI_INVALID_PROJECT_PROTOCOL"),
    ({"mountPoint": "relative/path"}, "EZEBI_INVALID_MOUNT_POINT"),
    ({"defaultVolumeSizeInByte": 1024}, "EZEBI_INVALID_DEFAULT_VOLUME_SIZE"),
    ({"quota": 5, "quotaMetric": "XB"}, "EZEBI_INVALID_SPACE_METRIC_UNIT"),
    ({"quota": -5}, "EZEBI_INVALID_QUOTA_RESERVATION_VALUE"),
    ({"projectName": "other"}, "EZEBI_INVALID_NON_READONLY_PROPERTY_GENERAL"),
])
def test_modify_project_validation(api, project, props, code):
    before = api("getProject", "pool-a", project, True)
    assert api.error("modifyProjectProperties", "pool-a/Local/%s" % project, props) == code
    assert api("getProject", "pool-a", project, True) == before  # nothing applied


@pytest.mark.parametrize("name", ["", "a b", "a/b", "a@b", "x" * 256, "a:b", "tab\t", "a&b"])
def test_name_rules(api, project, name):
    assert api.error("createProject", {"poolName": "pool-a", "projectName": name}) == \
        "EZEBI_INVALID_ARGUMENT"
    assert api.error("createShare", "pool-a", project, name, {}, []) == "EZEBI_INVALID_ARGUMENT"


def test_share_lifecycle_and_model(api, project, share):
    model = api("getShare", share)
    assert set(model) == SHARE_KEYS
    assert model["zfsDataSetName"] == share and model["containerName"] == "Local"
    assert model["mountPoint"] == "/export/%s/s1" % project
    assert model["cifsDisplayName"] == "%s_s1" % project
    assert model["sharenfs"] == "off" and model["sharesmb"] == "off"
    assert not any(v for k, v in model.items() if k.startswith("override"))
    assert model["recordSize"] in BLOCK_SIZES and model["compressionClass"] in CLASSES
    assert model["aclList"] == []
    listed = api("listShares", "pool-a", project, True)
    assert listed == [{"name": "s1", "poolName": "pool-a", "projectName": project,
                       "datasetPath": share, "mountpoint": "/export/%s/s1" % project,
                       "availableSize": model["availableSize"],
                       "totalSize": model["totalSize"], "local": True}]
    assert api.error("createShare", "pool-a", project, "s1", {}, []) == "EZEBI_RESOURCE_EXIST"
    assert api.error("createShare", "pool-a", "nope", "s1", {}, []) == "EZEBI_RESOURCE_NOT_FOUND"
    assert api.error("createShare", "pool-z", project, "s1", {}, []) == \
        "EZEBI_RESOURCE_NOT_FOUND"
    assert api.error("deleteProject", "pool-a/Local/%s" % project) == "EZEBI_RESOURCE_INUSE"
    assert api("deleteShare", share, False, True) is None
    assert api.error("deleteShare", share, False, True) == "EZEBI_RESOURCE_NOT_FOUND"
    assert api("deleteShare", share, False, False) is None  # errorIfNotExist=false
    assert api("listShares", "pool-a", project, True) == []


def test_paths_and_dataset_types(api, project, share):
    project_path = "pool-a/Local/%s" % project
    assert api.error("getShare", project_path) == "EZEBI_INVALID_DATASET_TYPE"
    assert api.error("modifyProjectProperties", share, {"dedup": "on"}) == \
        "EZEBI_INVALID_DATASET_TYPE"
    assert api.error("deleteShare", project_path, False, True) == "EZEBI_INVALID_DATASET_TYPE"
    assert api.error("getShare", "pool-a/Remote/%s/s1" % project) == "EZEBI_INVALID_ARGUMENT"
    assert api.error("getShare", "pool-a/Local") == "EZEBI_INVALID_ARGUMENT"
    assert api.error("getShare", "pool-a/Replica/%s/s1" % project) == "EZEBI_RESOURCE_NOT_FOUND"
    assert api.error("setNFSSharingOnShare", "pool-a/Replica/x/y", True) in (
        "EZEBI_RESOURCE_NOT_FOUND", "EZEBI_OPERATION_NOT_ALLOWED")


def test_create_share_options(api, project):
    api("createShare", "pool-a", project, "opts",
        {"blockSize": "32KB", "mountPoint": "/data/opts", "quota": 4 * GiB,
         "reservation": GiB}, [{"sharePermissionEnum": 0, "sharePermissionMode": 0}])
    model = api("getShare", "pool-a/Local/%s/opts" % project)
    assert (model["recordSize"], model["overrideRecordSize"]) == ("32KB", True)
    assert (model["mountPoint"], model["overrideMountPoint"]) == ("/data/opts", True)
    assert (model["quotaInByte"], model["reservationInByte"]) == (4 * GiB, GiB)
    assert model["availableSize"] == 4 * GiB and model["totalSize"] == 4 * GiB
    assert api.error("createShare", "pool-a", project, "bad", {"blockSize": "3KB"}, []) == \
        "EZEBI_INVALID_BLOCK_SIZE_VALUE_GENERAL"
    assert api.error("createShare", "pool-a", project, "bad", {"quota": GiB,
                                                               "reservation": 2 * GiB}, []) \
        == "EZEBI_INVALID_QUOTA_RESERVATION_VALUE"
    assert api.error("createShare", "pool-a", project, "bad", {"reservation": -7}, []) == \
        "EZEBI_INVALID_QUOTA_RESERVATION_VALUE"
    assert api.error("createShare", "pool-a", project, "bad", {"mountPoint": "no"}, []) == \
        "EZEBI_INVALID_MOUNT_POINT"
    assert api.error("createShare", "pool-a", project, "bad", {}, "x") == \
        "EZEBI_INVALID_ARGUMENT"


def test_inheritance_and_overrides(api, project, share):
    project_path = "pool-a/Local/%s" % project
    api("modifyProjectProperties", project_path, {"compression": "gzip", "dedup": "on"})
    model = api("getShare", share)
    assert (model["compression"], model["dedup"]) == ("gzip", "on")
    assert not model["overrideCompression"]
    api("modifyShareProperties", share, {"compression": "off", "compressionClass": "OFF",
                                         "atime": "off"})
    model = api("getShare", share)
    assert (model["compression"], model["compressionClass"], model["overrideCompression"]) == \
        ("off", "OFF", True)
    assert model["atime"] == "off"
    api("modifyProjectProperties", project_path, {"compression": "igzip"})
    assert api("getShare", share)["compression"] == "off"  # overridden
    api("inheritPropertyFromProject", share, "Compression")
    model = api("getShare", share)
    assert (model["compression"], model["overrideCompression"]) == ("igzip", False)
    assert model["compressionClass"] == api("getProject", "pool-a", project, True)[
        "compressionClass"]
    # overrideX flags in modifyShareProperties
    api("modifyShareProperties", share, {"overrideDedup": True})
    api("modifyProjectProperties", project_path, {"dedup": "off"})
    assert api("getShare", share)["dedup"] == "on"
    api("modifyShareProperties", share, {"overrideDedup": False})
    assert api("getShare", share)["dedup"] == "off"
    # record size: settable; not revertible through inheritPropertyFromProject
    api("modifyShareProperties", share, {"recordSize": "8KB"})
    assert api("getShare", share)["overrideRecordSize"] is True
    assert api.error("inheritPropertyFromProject", share, "RecordSize") == \
        "EZEBI_INVALID_INHERITABLE_PROPERTY_FROM_PROJECT"
    assert api.error("inheritPropertyFromProject", share, "overrideDedup") == \
        "EZEBI_INVALID_INHERITABLE_PROPERTY_FROM_PROJECT"
    assert api.error("inheritPropertyFromProject", project_path, "Dedup") == \
        "EZEBI_INVALID_DATASET_TYPE"


def test_acl_inherit_needs_override(api, share):
    assert api.error("modifyShareProperties", share, {"aclInherit": "discard"}) == \
        "EZEBI_OPERATION_NOT_ALLOWED"
    api("modifyShareProperties", share, {"aclInherit": "discard", "overrideAclInherit": True})
    model = api("getShare", share)
    assert (model["aclInherit"], model["overrideAclInherit"]) == ("discard", True)
    api("modifyShareProperties", share, {"aclInherit": "restricted"})
    assert api("getShare", share)["aclInherit"] == "restricted"


def test_read_only_keys_round_trip(api, share):
    model = api("getShare", share)
    # sending the whole model back unchanged is accepted
    assert api("modifyShareProperties", share, model) == 0
    assert api.error("modifyShareProperties", share, {"name": "renamed"}) == \
        "EZEBI_INVALID_NON_READONLY_PROPERTY_GENERAL"
    assert api.error("modifyShareProperties", share, {"sharenfs": "on"}) == \
        "EZEBI_INVALID_NON_READONLY_PROPERTY_GENERAL"


def test_mount_point_changes_only_while_unshared(api, project, share):
    api("modifyShareProperties", share, {"mountPoint": "/export/custom"})
    assert api("getShare", share)["mountPoint"] == "/export/custom"
    api("setNFSSharingOnShare", share, True)
    assert api.error("modifyShareProperties", share, {"mountPoint": "/export/other"}) == \
        "EZEBI_INVALID_MOUNT_POINT"
    assert api.error("inheritPropertyFromProject", share, "MountPoint") == \
        "EZEBI_INVALID_MOUNT_POINT"
    api("setNFSSharingOnShare", share, False)
    api("inheritPropertyFromProject", share, "MountPoint")
    assert api("getShare", share)["mountPoint"] == "/export/%s/s1" % project


def test_quota_forms(api, share):
    api("modifyShareProperties", share, {"quota": 2, "quotaMetric": "tb"})
    assert api("getShare", share)["quotaInByte"] == 2 * 1024 ** 4
    api("modifyShareProperties", share, {"quota": 1.5, "quotaMetric": "GB"})
    assert api("getShare", share)["quotaInByte"] == int(1.5 * GiB)
    api("modifyShareProperties", share, {"quota": 5 * GiB})  # bare quota = bytes
    model = api("getShare", share)
    assert (model["quotaInByte"], model["quota"], model["quotaEnabled"]) == (5 * GiB, 5.0, True)
    api("modifyShareProperties", share, {"quotaEnabled": False})
    model = api("getShare", share)
    assert (model["quotaInByte"], model["quotaEnabled"], model["quota"]) == (0, False, 0)
    api("modifyShareProperties", share, {"quotaInByte": GiB, "reservationInByte": GiB // 2})
    api("modifyShareProperties", share, {"quotaInByte": 0, "reservation": -1})
    model = api("getShare", share)
    assert (model["quotaInByte"], model["reservationInByte"]) == (0, 0)


def test_quota_rules_and_capacity(sim, api, project, share):
    free_before = pool_free(api, "pool-a")
    sim.set_used(share, 3 * GiB)
    assert pool_free(api, "pool-a") == free_before - 3 * GiB
    model = api("getShare", share)
    assert model["availableSize"] == free_before - 3 * GiB
    assert model["totalSize"] == free_before
    # quota below used
    assert api.error("modifyShareProperties", share, {"quotaInByte": 2 * GiB}) == \
        "EZEBI_INVALID_QUOTA_RESERVATION_VALUE"
    api("modifyShareProperties", share, {"quotaInByte": 10 * GiB})
    model = api("getShare", share)
    assert (model["availableSize"], model["totalSize"]) == (7 * GiB, 10 * GiB)
    # reservation above quota
    assert api.error("modifyShareProperties", share, {"reservationInByte": 11 * GiB}) == \
        "EZEBI_INVALID_QUOTA_RESERVATION_VALUE"
    # a reservation counts against the pool: max(used, reservation)
    api("modifyShareProperties", share, {"reservationInByte": 8 * GiB})
    assert pool_free(api, "pool-a") == free_before - 8 * GiB
    # a reservation beyond the pool's free space
    api("modifyShareProperties", share, {"quotaInByte": 0})
    assert api.error("modifyShareProperties", share,
                     {"reservationInByte": 11 * 1024 ** 4}) == "EZEBI_NOSPACE"
    # project quota below what its shares use or reserve (C7: max(used, reservation))
    project_path = "pool-a/Local/%s" % project
    assert api.error("modifyProjectProperties", project_path, {"quotaInByte": 4 * GiB}) == \
        "EZEBI_INVALID_QUOTA_RESERVATION_VALUE"
    api("modifyShareProperties", share, {"reservationInByte": 0})
    assert api.error("modifyProjectProperties", project_path, {"quotaInByte": GiB}) == \
        "EZEBI_INVALID_QUOTA_RESERVATION_VALUE"
    api("modifyProjectProperties", project_path, {"quotaInByte": 4 * GiB})
    # a share quota above the project quota is accepted (C7)
    api("modifyShareProperties", share, {"quotaInByte": 100 * GiB})
    # used data is limited by the project quota and the share quota
    with pytest.raises(Exception, match="400"):
        sim.set_used(share, 5 * GiB)
    api("modifyShareProperties", share, {"quotaInByte": 3 * GiB})
    with pytest.raises(Exception, match="400"):
        sim.set_used(share, 3 * GiB + 1)
    sim.set_used(share, 0)
    api("deleteShare", share, True, True)
    assert pool_free(api, "pool-a") == free_before


def test_delete_dataset(api, project, share):
    assert api("deleteDataset", share, False, True) is None
    assert api.error("getShare", share) == "EZEBI_RESOURCE_NOT_FOUND"
    api("createShare", "pool-a", project, "again", {}, [])
    project_path = "pool-a/Local/%s" % project
    assert api.error("deleteDataset", project_path, False, True) == "EZEBI_RESOURCE_INUSE"
    assert api("deleteDataset", project_path, True, True) is None
    assert api.error("getProject", "pool-a", project, True) == "EZEBI_RESOURCE_NOT_FOUND"
    assert api("deleteDataset", project_path, True, False) is None


def test_get_project_property(api, project):
    path = "pool-a/Local/%s" % project
    api("modifyProjectProperties", path, {"quota": 3, "quotaMetric": "GB"})
    assert api("getProjectProperty", path, "quota") == {"propertyValue": 3.0}
    assert api("getProjectProperty", path, "quotaMetric") == {"propertyValue": "GB"}
    assert api("getProjectProperty", path, "recordSize") == {"propertyValue": "64KB"}
    assert api.error("getProjectProperty", path, "colour") == "EZEBI_INVALID_ARGUMENT"
    assert api.error("getProjectProperty", path + "/s", "quota") == "EZEBI_INVALID_DATASET_TYPE"
