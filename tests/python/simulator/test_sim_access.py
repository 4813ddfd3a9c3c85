# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""NFS/SMB sharing, network ACLs with project inheritance, SMB config, file ACLs (C15-C18)."""

import pytest

NFS_RULE = {"hostType": "IP", "host": "10.1.2.0/24", "accessMode": "rw", "rootAccessForNFS": True}


def test_sharing_toggles_and_inheritance(api, project, share):
    project_path = "pool-a/Local/%s" % project
    assert api("isShareExposedOverNFS", share) is False
    api("setNFSSharingOnProject", project_path, True)
    assert api("isProjectExposedOverNFS", project_path) is True
    assert api("isShareExposedOverNFS", share) is True  # inherited
    model = api("getShare", share)
    assert model["sharenfs"] == "on" and model["overrideSharenfs"] is False
    api("setNFSSharingOnShare", share, False)
    model = api("getShare", share)
    assert model["sharenfs"] == "off" and model["overrideSharenfs"] is True
    assert api("isProjectExposedOverNFS", project_path) is True
    api("inheritPropertyFromProject", share, "Sharenfs")
    assert api("getShare", share)["overrideSharenfs"] is False
    assert api("isShareExposedOverNFS", share) is True
    # SMB: display name and guest mode
    api("setSMBSharingOnShare", share, True, "media", True)
    model = api("getShare", share)
    assert (model["sharesmb"], model["cifsDisplayName"], model["guestStatus"]) == \
        ("on", "media", True)
    assert api("isShareExposedOverSMB", share) is True
    api("setSMBSharingOnShare", share, True, "", False)  # empty name: back to the default
    model = api("getShare", share)
    assert (model["cifsDisplayName"], model["guestStatus"]) == ("%s_s1" % project, False)
    assert api.error("setSMBSharingOnShare", share, True, "bad/name", False) == \
        "EZEBI_INVALID_WINDOWS_DISPLAY_NAME"
    api("setSMBSharingOnProject", project_path, True)
    assert api("isProjectExposedOverSMB", project_path) is True
    # SMB share names are unique on the array
    api("createShare", "pool-a", project, "s2", {}, [])
    api("setSMBSharingOnShare", share, True, "media", False)
    assert api.error("setSMBSharingOnShare", project_path + "/s2", True, "MEDIA", False) == \
        "EZEBI_RESOURCE_EXIST"


def test_toggle_clears_acls_only_on_change(api, share):
    api("setNFSSharingOnShare", share, True)
    api("addNFSNetworkACLOnShare", share, "IP", "10.1.2.0/24", "rw", True)
    api("setNFSSharingOnShare", share, True)  # same state: no-op
    assert api("getNFSNetworkACLsOnShare", share) == [NFS_RULE]
    api("setNFSSharingOnShare", share, False)
    assert api("getNFSNetworkACLsOnShare", share) == []


def test_network_acl_calls(api, share):
    api("addNFSNetworkACLOnShare", share, "IP", "10.1.2.0/24", "rw", True)
    api("addNFSNetworkACLOnShare", share, "FQDN", "db1.example.com", "ro", "false")
    assert api("getNFSNetworkACLsOnShare", share) == [
        NFS_RULE,
        {"hostType": "FQDN", "host": "db1.example.com", "accessMode": "ro",
         "rootAccessForNFS": False}]
    assert api.error("addNFSNetworkACLOnShare", share, "IP", "10.1.2.0/24", "ro", False) == \
        "EZEBI_RESOURCE_EXIST"
    assert api.error("addNFSNetworkACLOnShare", share, "FQDN", "DB1.example.com", "ro",
                     False) == "EZEBI_RESOURCE_EXIST"
    api("removeNFSNetworkACLOnShare", share, "FQDN", "db1.example.com")
    assert api.error("removeNFSNetworkACLOnShare", share, "FQDN", "db1.example.com") == \
        "EZEBI_RESOURCE_NOT_FOUND"
    api("setNFSNetworkACLsOnShare", share, [
        {"hostType": "IP", "host": "192.168.0.7", "accessMode": "ro", "rootAccessForNFS": False},
        {"hostType": "IP", "host": "fd00::/64", "accessMode": "rw"}])
    assert [a["host"] for a in api("getNFSNetworkACLsOnShare", share)] == \
        ["192.168.0.7", "fd00::/64"]
    api("removeAllNFSNetworkACLsOnShare", share)
    assert api("getNFSNetworkACLsOnShare", share) == []
    # SMB: rootAccessForNFS is always false
    api("addSMBNetworkACLOnShare", share, "IP", "10.9.0.0/16", "rw")
    api("setSMBNetworkACLsOnShare", share, [
        {"hostType": "IP", "host": "10.9.0.0/16", "accessMode": "ro", "rootAccessForNFS": True}])
    assert api("getSMBNetworkACLsOnShare", share) == [
        {"hostType": "IP", "host": "10.9.0.0/16", "accessMode": "ro", "rootAccessForNFS": False}]
    api("removeSMBNetworkACLOnShare", share, "IP", "10.9.0.0/16")
    api("removeAllSMBNetworkACLsOnShare", share)
    assert api("getSMBNetworkACLsOnShare", share) == []


@pytest.mark.parametrize("args", [
    ("ip", "10.0.0.1", "rw", False),
    ("IP", "10.0.0.1/8", "rw", False),          # host bits set
    ("IP", "not-an-ip", "rw", False),
    ("IP", "10.0.0.1", "RW", False),
    ("FQDN", "bad_host!", "rw", False),
    ("FQDN", "-x.example.com", "ro", False),
])
def test_network_acl_validation(api, share, args):
    assert api.error("addNFSNetworkACLOnShare", share, *args) == \
        "EZEBI_INVALID_ACL_API_PARAM_GENERAL"
    assert api("getShare", share)["overrideSharenfs"] is False  # nothing applied


def test_set_rejects_duplicates_and_missing_args(api, share):
    rule = {"hostType": "IP", "host": "10.0.0.1", "accessMode": "rw"}
    assert api.error("setNFSNetworkACLsOnShare", share, [rule, dict(rule, host="10.0.0.1/32")]) \
        == "EZEBI_INVALID_ACL_API_PARAM_GENERAL"
    assert api.error("addNFSNetworkACLOnShare", share, "IP", "10.0.0.1", "rw") == \
        "EZEBI_INVALID_ARGUMENT"


def test_acl_inheritance_copy_on_write(api, project, share):
    project_path = "pool-a/Local/%s" % project
    api("setNFSSharingOnProject", project_path, True)
    api("addNFSNetworkACLOnProject", project_path, "IP", "10.1.2.0/24", "rw", True)
    api("addNFSNetworkACLOnProject", project_path, "IP", "10.3.0.0/16", "ro", False)
    assert api("getNFSNetworkACLsOnProject", project_path)[0] == NFS_RULE
    # effective list while inheriting
    assert len(api("getNFSNetworkACLsOnShare", share)) == 2
    assert api("getShare", share)["overrideSharenfs"] is False
    # a share-level removal copies the project's list first, then removes
    api("removeNFSNetworkACLOnShare", share, "IP", "10.3.0.0/16")
    assert api("getNFSNetworkACLsOnShare", share) == [NFS_RULE]
    model = api("getShare", share)
    assert model["overrideSharenfs"] is True and model["sharenfs"] == "on"
    assert len(api("getNFSNetworkACLsOnProject", project_path)) == 2  # project untouched
    # project changes no longer reach the share
    api("removeAllNFSNetworkACLsOnProject", project_path)
    assert api("getNFSNetworkACLsOnShare", share) == [NFS_RULE]
    # SMB stays inherited until touched
    api("setSMBNetworkACLsOnProject", project_path, [{"hostType": "FQDN", "host": "pc.lan",
                                                      "accessMode": "rw"}])
    assert api("getSMBNetworkACLsOnShare", share)[0]["host"] == "pc.lan"
    assert api("getShare", share)["overrideSharesmb"] is False
    api("inheritNetworkACLsettingsFromProject", share)
    model = api("getShare", share)
    assert (model["overrideSharenfs"], model["overrideSharesmb"]) == (False, False)
    assert api("getNFSNetworkACLsOnShare", share) == []  # the project's (now empty) list
    api("removeSMBNetworkACLOnProject", project_path, "FQDN", "pc.lan")
    assert api.error("removeSMBNetworkACLOnProject", project_path, "FQDN", "pc.lan") == \
        "EZEBI_RESOURCE_NOT_FOUND"
    assert api.error("inheritNetworkACLsettingsFromProject", project_path) == \
        "EZEBI_INVALID_DATASET_TYPE"


def test_new_share_inherits_project_sharing(api, project):
    project_path = "pool-a/Local/%s" % project
    api("setNFSSharingOnProject", project_path, True)
    api("addNFSNetworkACLOnProject", project_path, "IP", "10.1.2.0/24", "rw", True)
    api("createShare", "pool-a", project, "late", {}, [])
    path = project_path + "/late"
    assert api("isShareExposedOverNFS", path) is True
    assert api("getNFSNetworkACLsOnShare", path) == [NFS_RULE]


def test_smb_config(private_api):
    api = private_api
    api("createProject", {"poolName": "pool-b", "projectName": "p"})
    api("createShare", "pool-b", "p", "s", {}, [])
    share = "pool-b/Local/p/s"
    config = api("getSMBConfig")
    assert set(config) == {"pdc", "subsharesFeatureEnabled", "smbProtocolMode",
                           "restrictAnonymous", "restrictGuest"}
    assert config["smbProtocolMode"] == "CIFS"
    api("setSMBConfig", {"restrictGuest": "true", "pdc": "dc1.example.com"})
    config = api("getSMBConfig")
    assert (config["restrictGuest"], config["pdc"], config["smbProtocolMode"]) == \
        (True, "dc1.example.com", "CIFS")
    assert api.error("setSMBConfig", {"smbProtocolMode": "SMB2"}) == \
        "EZEBI_INVALID_SMB_API_PARAM_GENERAL"
    # NFS and SMB together are refused in SMB3 mode, both ways round
    api("setNFSSharingOnShare", share, True)
    api("setSMBSharingOnShare", share, True, "", False)
    assert api.error("setSMBConfig", {"smbProtocolMode": "SMB3"}) == \
        "EZEBI_INVALID_SMB_API_PARAM_GENERAL"
    api("setSMBSharingOnShare", share, False, "", False)
    api("setSMBConfig", {"smbProtocolMode": "SMB3"})
    assert api.error("setSMBSharingOnShare", share, True, "", False) == \
        "EZEBI_INVALID_SMB_API_PARAM_GENERAL"
    api("setNFSSharingOnShare", share, False)
    api("setSMBSharingOnShare", share, True, "", False)
    assert api.error("setNFSSharingOnShare", share, True) == "EZEBI_INVALID_SMB_API_PARAM_GENERAL"
    assert api("isShareExposedOverNFS", share) is False


def test_file_acls(api, share):
    acl = [{"aclType": "user", "aclUser": "alice", "aclGroup": "", "aclMode": "allow",
            "aclValDisplay": "modify_set", "aclVal": 1245631,
            "aclInheritanceFlag": "file_inherit,dir_inherit", "includeSubShares": False,
            "userId": -1, "groupId": -1},
           {"aclType": "group", "aclGroup": "staff", "aclValDisplay": "read_set"}]
    api("modifyShareProperties", share, {"aclList": acl})
    got = api("getShare", share)["aclList"]
    assert got[0] == acl[0]
    assert got[1]["aclVal"] == 131241 and got[1]["aclUser"] == "" and got[1]["userId"] == -1
    for bad in ([{"aclType": "other", "aclUser": "x", "aclValDisplay": "read_set"}],
                [{"aclType": "user", "aclUser": "", "aclValDisplay": "read_set"}],
                [{"aclType": "user", "aclUser": "bob", "aclValDisplay": "everything"}],
                [{"aclType": "user", "aclUser": "bob", "aclValDisplay": "read_set",
                  "aclVal": 1245631}],
                [acl[0], dict(acl[0], aclUser="ALICE")],
                "alice"):
        assert api.error("modifyShareProperties", share, {"aclList": bad}) == \
            "EZEBI_INVALID_ACL_API_PARAM_GENERAL"
    assert api("getShare", share)["aclList"] == got
    api("modifyShareProperties", share, {"aclList": []})
    assert api("getShare", share)["aclList"] == []


@pytest.mark.parametrize("name, accepted", [
    ("alice", True),
    ("alice@corp.example.com", True),   # directory principal, the array's form (C31)
    ("svc-backup.01", True),
    ("CORP\\alice", False),              # Windows form: refused
    ("alice smith", False),
    ("alice@", False),
    ("a:b", False),
    ("x" * 256, False),
    ("adm\u200bin", False),             # invisible characters (C31 takes C5's rule)
    ("alice\u202e@corp.example.com", False),
    ("\ufeffbob", False),
    ("alice\n", False),                 # a final newline is no part of a name
])
def test_file_acl_principal_names(api, share, name, accepted):
    acl = [{"aclType": "user", "aclUser": name, "aclValDisplay": "read_set"}]
    if accepted:
        api("modifyShareProperties", share, {"aclList": acl})
        assert api("getShare", share)["aclList"][0]["aclUser"] == name
    else:
        before = api("getShare", share)["aclList"]
        assert api.error("modifyShareProperties", share, {"aclList": acl}) == \
            "EZEBI_INVALID_ACL_API_PARAM_GENERAL"
        assert api("getShare", share)["aclList"] == before
