# SPDX-License-Identifier: Apache-2.0
"""Every client call against the simulator over HTTPS (verification on)."""

import dataclasses

import pytest

from tegile_intelliflash.client import paths
from tegile_intelliflash.client.acl import NetworkRule, UserRule
from tegile_intelliflash.client.errors import (
    AlreadyExistsError, ApiError, InUseError, InvalidArgumentError, NoSpaceError, NotAllowedError,
    NotFoundError, QuotaError,
)
from tegile_intelliflash.client.sizes import GiB
from tegile_intelliflash.client.views import FloatingIP, SnapshotDeletion
from tegile_intelliflash.client.paths import dataset_ref, project_ref, share_ref

from client_helpers import unique

POOL = "pool-a"


# -- projects --------------------------------------------------------------------------------

def test_project_lifecycle(client):
    name = unique("p")
    assert client.find_project(project_ref(POOL, name)) is None
    client.create_project(project_ref(POOL, name), {"compression": "gzip", "dedup": "off"})
    project = client.get_project(project_ref(POOL, name))
    assert project.compression == "gzip"
    assert name in [p.name for p in client.list_projects(POOL)]
    client.modify_project(project_ref(POOL, name), {"compression": "lz4", "readonly": "on"})
    project = client.find_project(project_ref(POOL, name))
    assert (project.compression, project.readonly) == ("lz4", True)
    client.set_project_quota(project_ref(POOL, name), "20G")
    assert client.get_project(project_ref(POOL, name)).quota_bytes == 20 * GiB
    client.set_project_quota(project_ref(POOL, name), None)
    assert not client.get_project(project_ref(POOL, name)).quota_bytes
    assert client.delete_project(project_ref(POOL, name)) is True
    assert client.delete_project(project_ref(POOL, name)) is False
    with pytest.raises(NotFoundError) as info:
        client.delete_project(project_ref(POOL, name), missing_ok=False)
    assert str(info.value).startswith("deleteProject %s/Local/%s: EZEBI_RESOURCE_NOT_FOUND: "
                                      % (POOL, name))


def test_project_errors(client, project):
    with pytest.raises(AlreadyExistsError) as info:
        client.create_project(project_ref(POOL, project))
    assert info.value.method == "createProject"
    assert info.value.dataset == "%s/Local/%s" % (POOL, project)
    with pytest.raises(InvalidArgumentError) as info:
        client.modify_project(project_ref(POOL, project), {"compression": "zip"})
    assert info.value.code == "EZEBI_INVALID_COMPRESSION_ALGORITHM"
    client.create_share(share_ref(POOL, project, "s1"))
    with pytest.raises(InUseError):
        client.delete_project(project_ref(POOL, project))
    with pytest.raises(NotFoundError):
        client.get_project(project_ref("pool-zz", project))


def test_validation_happens_before_any_call(client, sim_clean):
    sim_clean.reset_calls()
    cases = [
        (lambda: client.create_project(project_ref(POOL, "bad/name")), "project"),
        (lambda: client.create_share(share_ref(POOL, "p", "a b")), "share"),
        (lambda: client.create_share(share_ref(POOL, "p", "s"), quota="ten gigs"), "quota"),
        (lambda: client.create_share(share_ref(POOL, "p", "s"), quota="1G", reservation="2G"),
         "reservation"),
        (lambda: client.create_share(share_ref(POOL, "p", "s"), block_size="3KB"), "block_size"),
        (lambda: client.create_share(share_ref(POOL, "p", "s"), mount_point="relative"), "mount_point"),
        (lambda: client.create_share(share_ref(POOL, "p", "s"), mount_point="/export/p/s\x00"),
         "mount_point"),
        (lambda: client.create_share(share_ref(POOL, "p", "s"), mount_point="/export/p/\u200bs"),
         "mount_point"),
        (lambda: client.set_share_quota(share_ref(POOL, "p", "s"), -5), "quota"),
        (lambda: client.add_network_acl("nfs", dataset_ref(POOL, "p", "s"), {"host": "10.0.0.1/8"}),
         "rule.host"),
        (lambda: client.add_network_acl("ftp", dataset_ref(POOL, "p", "s"), {"host": "10.0.0.1"}),
         "protocol"),
        (lambda: client.add_network_acl("smb", dataset_ref(POOL, "p", "s"),
                                        {"host": "10.0.0.1", "root": True}), "rule.root"),
        (lambda: client.set_network_acls("nfs", dataset_ref(POOL, "p", "s"),
                                         [{"host": "h1"}, {"host": "H1", "access": "ro"}]),
         "rules"),
        (lambda: client.set_user_acls(share_ref(POOL, "p", "s"), [{"kind": "robot", "name": "x"}]),
         "kind"),
        (lambda: client.create_snapshot(dataset_ref(POOL, "p", "s"), "snap@1"), "snapshot"),
        (lambda: client.clone_snapshot(dataset_ref(POOL, "p", "s"), "Manual-S-x", "bad clone"),
         "clone_name"),
        (lambda: client.set_nfs_sharing(dataset_ref(POOL, "p", "s"), "yes"), "on"),
        (lambda: client.set_smb_sharing(project_ref(POOL, "p"), True, display_name="x"),
         "display_name"),
        (lambda: client.list_projects("pool/a"), "pool"),
        # C5, C6, C15, C34 (issue 8): refused by the client before any call, like the array
        (lambda: client.create_share(share_ref(POOL, "p", "s\u202egpj.exe")), "share"),
        (lambda: client.create_project(project_ref(POOL, "\ufeffp")), "project"),
        (lambda: client.create_snapshot(dataset_ref(POOL, "p", "s"), "n\u200b"), "snapshot"),
        (lambda: client.create_share(share_ref(POOL, "p", "s"), quota="16E"), "quota"),
        (lambda: client.create_share(share_ref(POOL, "p", "s"), quota=1e30), "quota"),
        (lambda: client.set_share_quota(share_ref(POOL, "p", "s"), "9223372036854775808"), "quota"),
        (lambda: client.set_share_quota(share_ref(POOL, "p", "s"), "1e"), "quota"),
        (lambda: client.set_share_quota(share_ref(POOL, "p", "s"), "_5G"), "quota"),
        (lambda: client.set_share_quota(share_ref(POOL, "p", "s"), "5\tG"), "quota"),
        (lambda: client.add_network_acl("nfs", dataset_ref(POOL, "p", "s"), {"host": "0x0a.0.0.1"}),
         "rule.host"),
        (lambda: client.add_network_acl("nfs", dataset_ref(POOL, "p", "s"), {"host": "a_b.example.com"}),
         "rule.host"),
        (lambda: client.set_network_acls("nfs", dataset_ref(POOL, "p", "s"), [
            {"host": "10.0.%d.%d" % (i // 256, i % 256)} for i in range(1025)]), "rules"),
        (lambda: client.set_user_acls(share_ref(POOL, "p", "s"), [
            {"kind": "user", "name": "u%d" % i} for i in range(1025)]), "rules"),
        (lambda: client.set_smb_sharing(dataset_ref(POOL, "p", "s"), True, display_name="a[b]"),
         "display_name"),
        (lambda: client.set_smb_sharing(dataset_ref(POOL, "p", "s"), True, display_name="docs\u202e"),
         "display_name"),
    ]
    for func, field in cases:
        with pytest.raises(InvalidArgumentError) as info:
            func()
        assert info.value.field == field, (field, str(info.value))
        assert info.value.method, str(info.value)
    assert sim_clean.calls()["total"] == 0


# -- shares ----------------------------------------------------------------------------------

def test_share_lifecycle(client, project):
    client.create_share(share_ref(POOL, project, "s1"), quota="10G", reservation="1G", block_size="32k",
                        mount_point="/export/custom/s1")
    share = client.get_share(share_ref(POOL, project, "s1"))
    assert share.quota_bytes == 10 * GiB
    assert share.reservation_bytes == GiB
    assert share.record_size == "32KB"
    assert share.mount_point == "/export/custom/s1"
    assert [s.name for s in client.list_shares(project_ref(POOL, project))] == ["s1"]
    client.set_share_quota(share_ref(POOL, project, "s1"), "20G")
    client.set_share_reservation(share_ref(POOL, project, "s1"), 0)
    share = client.find_share(share_ref(POOL, project, "s1"))
    assert (share.quota_bytes, share.reservation_bytes) == (20 * GiB, 0)
    client.modify_share(share_ref(POOL, project, "s1"), {"dedup": "on", "atime": "off"})
    share = client.get_share(share_ref(POOL, project, "s1"))
    assert (share.dedup, share.owns("dedup")) == (True, True)
    assert client.call("getShare", share.path)["atime"] == "off"   # a key the views do not carry
    client.inherit_share_property(share_ref(POOL, project, "s1"), "Dedup")
    share = client.get_share(share_ref(POOL, project, "s1"))
    assert not share.owns("dedup")
    client.delete_share(share_ref(POOL, project, "s1"))
    assert client.find_share(share_ref(POOL, project, "s1")) is None
    client.delete_share(share_ref(POOL, project, "s1"))  # missing_ok
    with pytest.raises(NotFoundError):
        client.delete_share(share_ref(POOL, project, "s1"), missing_ok=False)
    with pytest.raises(NotFoundError) as info:
        client.get_share(share_ref(POOL, project, "s1"))
    assert str(info.value).startswith("getShare %s/Local/%s/s1: EZEBI_RESOURCE_NOT_FOUND: "
                                      % (POOL, project))


def test_share_error_codes(client, project, sim_clean):
    client.create_share(share_ref(POOL, project, "s1"))
    with pytest.raises(AlreadyExistsError) as info:
        client.create_share(share_ref(POOL, project, "s1"))
    assert str(info.value).startswith(
        "createShare %s/Local/%s/s1: EZEBI_RESOURCE_EXIST: " % (POOL, project))
    # Quota below used bytes.
    sim_clean.set_used("%s/Local/%s/s1" % (POOL, project), 5 * GiB)
    with pytest.raises(QuotaError) as info:
        client.set_share_quota(share_ref(POOL, project, "s1"), "1G")
    assert info.value.code == "EZEBI_INVALID_QUOTA_RESERVATION_VALUE"
    # Reservation beyond the pool's free space.
    with pytest.raises(NoSpaceError):
        client.set_share_reservation(share_ref(POOL, project, "s1"), "100T")
    with pytest.raises(InvalidArgumentError) as info:
        client.inherit_share_property(share_ref(POOL, project, "s1"), "Quota")
    assert info.value.code == "EZEBI_INVALID_INHERITABLE_PROPERTY_FROM_PROJECT"
    with pytest.raises(InvalidArgumentError) as info:
        client.modify_share(share_ref(POOL, project, "s1"), {"atime": "maybe"})
    assert info.value.code == "EZEBI_INVALID_TOGGLE_VALUE"
    # A share with snapshots is in use unless deleted recursively.
    client.create_snapshot(dataset_ref(POOL, project, "s1"), "keep")
    with pytest.raises(InUseError):
        client.delete_share(share_ref(POOL, project, "s1"))
    client.delete_share(share_ref(POOL, project, "s1"), recursive=True)
    assert client.find_share(share_ref(POOL, project, "s1")) is None


def test_not_allowed_and_dataset_type_errors(client, project):
    client.create_share(share_ref(POOL, project, "s1"))
    # aclInherit may change only while the share overrides it: EZEBI_OPERATION_NOT_ALLOWED.
    with pytest.raises(NotAllowedError) as info:
        client.modify_share(share_ref(POOL, project, "s1"), {"aclInherit": "off"})
    assert info.value.code == "EZEBI_OPERATION_NOT_ALLOWED"
    # A share path given to a project call: EZEBI_INVALID_DATASET_TYPE.
    with pytest.raises(InvalidArgumentError) as info:
        client.call("setNFSSharingOnProject", "%s/Local/%s/s1" % (POOL, project), True,
                    write=True)
    assert info.value.code == "EZEBI_INVALID_DATASET_TYPE"


# -- sharing ---------------------------------------------------------------------------------

def test_sharing_on_off_and_export_locations(client, project, sim_clean):
    client.create_share(share_ref(POOL, project, "s1"))
    assert client.export_locations(share_ref(POOL, project, "s1")) == {"nfs": [], "smb": []}
    assert client.is_exposed("NFS", dataset_ref(POOL, project, "s1")) is False
    client.set_nfs_sharing(dataset_ref(POOL, project, "s1"), True)
    assert client.is_exposed("nfs", dataset_ref(POOL, project, "s1")) is True
    client.set_smb_sharing(dataset_ref(POOL, project, "s1"), True, display_name="data1", guest=False)
    assert client.is_exposed("smb", dataset_ref(POOL, project, "s1")) is True
    ip = [i.address for i in client.list_floating_ips(POOL)][0]
    assert client.export_locations(share_ref(POOL, project, "s1")) == {
        "nfs": ["%s:/export/%s/s1" % (ip, project)], "smb": ["\\\\%s\\data1" % ip]}
    # With a share reply in hand there is no second getShare.
    current = client.get_share(share_ref(POOL, project, "s1"))
    sim_clean.reset_calls()
    assert client.export_locations(share_ref(POOL, project, "s1"), share_info=current)["smb"] == ["\\\\%s\\data1" % ip]
    assert "getShare" not in sim_clean.calls()["by_method"]
    client.set_smb_sharing(dataset_ref(POOL, project, "s1"), False)
    client.set_nfs_sharing(dataset_ref(POOL, project, "s1"), False)
    assert client.export_locations(share_ref(POOL, project, "s1")) == {"nfs": [], "smb": []}
    # Project level.
    client.set_nfs_sharing(project_ref(POOL, project), True)
    assert client.is_exposed("nfs", project_ref(POOL, project)) is True
    client.set_smb_sharing(project_ref(POOL, project), True)
    assert client.is_exposed("smb", project_ref(POOL, project)) is True
    client.set_smb_sharing(project_ref(POOL, project), False)
    client.set_nfs_sharing(project_ref(POOL, project), False)
    assert client.is_exposed("nfs", project_ref(POOL, project)) is False


def test_export_locations_of_a_protocol_whatever_its_state(client, project, sim_clean):
    """``protocols=`` asks for the locations of a protocol that is off (where the share will be
    reached once it is on); the state of the others is not read, nor reported."""
    ref = share_ref(POOL, project, "s1")
    client.create_share(ref)
    client.set_nfs_sharing(ref, False)
    client.set_smb_sharing(ref, False)
    ip = [i.address for i in client.list_floating_ips(POOL)][0]
    info = client.get_share(ref)
    assert client.export_locations(ref, share_info=info) == {"nfs": [], "smb": []}
    sim_clean.reset_calls()
    assert client.export_locations(ref, share_info=info, protocols=["nfs"]) == {
        "nfs": ["%s:/export/%s/s1" % (ip, project)], "smb": []}
    assert client.export_locations(ref, share_info=info, protocols="SMB") == {
        "nfs": [], "smb": ["\\\\%s\\%s_s1" % (ip, project)]}
    assert set(sim_clean.calls()["by_method"]) == {"getFloatingIPList"}
    assert not client.is_exposed("nfs", ref) and not client.is_exposed("smb", ref)
    with pytest.raises(InvalidArgumentError) as error:
        client.export_locations(ref, share_info=info, protocols=["nfs", "ftp"])
    assert error.value.field == "protocol"


def test_set_sharing_by_protocol_name(client, project, sim_clean):
    ref = dataset_ref(POOL, project, "s2")
    client.create_share(ref)
    sim_clean.reset_calls()
    client.set_sharing(" SMB ", ref, True)
    client.set_sharing("nfs", ref, True)
    assert client.is_exposed("smb", ref) and client.is_exposed("nfs", ref)
    client.set_sharing("smb", ref, False)
    assert client.is_exposed("smb", ref) is False
    by_method = sim_clean.calls()["by_method"]
    assert by_method["setSMBSharingOnShare"] == 2 and by_method["setNFSSharingOnShare"] == 1
    sim_clean.reset_calls()
    with pytest.raises(InvalidArgumentError) as info:
        client.set_sharing("iscsi", ref, True)
    assert info.value.field == "protocol" and "setSharing" in str(info.value)
    assert sim_clean.calls()["total"] == 0


def test_smb_config(client):
    config = client.get_smb_config()
    assert config.protocol_mode in ("CIFS", "SMB3")
    assert all(isinstance(value, bool) for value in (
        config.subshares, config.restrict_anonymous, config.restrict_guest))
    original = config.restrict_guest
    client.set_smb_config({"restrictGuest": not original})
    assert client.get_smb_config() == dataclasses.replace(config, restrict_guest=not original)
    client.set_smb_config({"restrictGuest": original})
    assert client.get_smb_config() == config


# -- network ACLs ----------------------------------------------------------------------------

@pytest.mark.parametrize("protocol", ["nfs", "smb"])
def test_network_acls_share(client, project, protocol):
    client.create_share(share_ref(POOL, project, "s1"))
    root = protocol == "nfs"
    r1 = NetworkRule("IP", "10.0.0.0/24", "rw", root=root)
    r2 = NetworkRule("FQDN", "db1.example.com", "ro")
    client.add_network_acl(protocol, dataset_ref(POOL, project, "s1"), r1)
    client.add_network_acl(protocol, dataset_ref(POOL, project, "s1"),
                           {"host": "DB1.example.com.", "access": "ro"})
    assert set(client.get_network_acls(protocol, dataset_ref(POOL, project, "s1"))) == {r1, r2}
    with pytest.raises(AlreadyExistsError):
        client.add_network_acl(protocol, dataset_ref(POOL, project, "s1"), r1)
    assert client.remove_network_acl(protocol, dataset_ref(POOL, project, "s1"), "IP", "10.0.0.0/24") is True
    assert client.remove_network_acl(protocol, dataset_ref(POOL, project, "s1"), None, "10.0.0.0/24") is False
    with pytest.raises(NotFoundError):
        client.remove_network_acl(protocol, dataset_ref(POOL, project, "s1"), "IP", "10.0.0.0/24",
                                  missing_ok=False)
    with pytest.raises(NotFoundError):  # missing dataset is never "ok"
        client.remove_network_acl(protocol, dataset_ref(POOL, project, "nope"), "IP", "10.0.0.9")
    wanted = [NetworkRule(None, "10.1.0.0/16", "ro"), NetworkRule(None, "fd00::/64", "rw")]
    client.set_network_acls(protocol, dataset_ref(POOL, project, "s1"), wanted)
    assert sorted(client.get_network_acls(protocol, dataset_ref(POOL, project, "s1"))) == sorted(wanted)
    client.remove_all_network_acls(protocol, dataset_ref(POOL, project, "s1"))
    assert client.get_network_acls(protocol, dataset_ref(POOL, project, "s1")) == []


def test_network_acls_project_and_inheritance(client, project):
    client.create_share(share_ref(POOL, project, "s1"))
    rule = NetworkRule("IP", "192.168.1.0/24", "rw")
    client.add_network_acl("nfs", project_ref(POOL, project), rule)
    assert client.get_network_acls("nfs", project_ref(POOL, project)) == [rule]
    # The share inherits the project's list until it gets its own.
    assert client.get_network_acls("nfs", dataset_ref(POOL, project, "s1")) == [rule]
    own = NetworkRule("IP", "10.9.9.9", "ro")
    client.set_network_acls("nfs", dataset_ref(POOL, project, "s1"), [own])
    assert client.get_share(share_ref(POOL, project, "s1")).nfs_own is True
    assert client.get_network_acls("nfs", dataset_ref(POOL, project, "s1")) == [own]
    client.inherit_network_acls(share_ref(POOL, project, "s1"))
    share = client.get_share(share_ref(POOL, project, "s1"))
    assert share.nfs_own is False and share.smb_own is False
    assert client.get_network_acls("nfs", dataset_ref(POOL, project, "s1")) == [rule]
    client.set_network_acls("smb", project_ref(POOL, project), [NetworkRule(None, "h1", "ro")])
    client.remove_network_acl("smb", project_ref(POOL, project), "FQDN", "h1")
    client.remove_all_network_acls("nfs", project_ref(POOL, project))
    assert client.get_network_acls("nfs", project_ref(POOL, project)) == []


def test_array_rejects_invalid_acl(client, project):
    client.create_share(share_ref(POOL, project, "s1"))
    with pytest.raises(InvalidArgumentError) as info:
        client.call("addNFSNetworkACLOnShare", "%s/Local/%s/s1" % (POOL, project), "MAC",
                    "x", "rw", False, write=True)
    assert info.value.code == "EZEBI_INVALID_ACL_API_PARAM_GENERAL"


# -- user (file) ACLs ------------------------------------------------------------------------

def test_user_acls(client, project):
    client.create_share(share_ref(POOL, project, "s1"))
    assert client.get_user_acls(share_ref(POOL, project, "s1")) == []
    rules = [UserRule("user", "alice", "rw"), UserRule("group", "Staff", "ro")]
    client.set_user_acls(share_ref(POOL, project, "s1"), rules)
    assert sorted(client.get_user_acls(share_ref(POOL, project, "s1"))) == sorted(rules)
    raw = client.call("getShare", share_ref(POOL, project, "s1").path)["aclList"]
    assert {(e["aclType"], e["aclValDisplay"], e["aclVal"]) for e in raw} == {
        ("user", "modify_set", 1245631), ("group", "read_set", 131241)}
    client.set_user_acls(share_ref(POOL, project, "s1"), [{"kind": "user", "name": "bob", "access": "ro"}])
    assert client.get_user_acls(share_ref(POOL, project, "s1")) == [UserRule("user", "bob", "ro")]
    client.set_user_acls(share_ref(POOL, project, "s1"), [])
    assert client.get_user_acls(share_ref(POOL, project, "s1")) == []


# -- snapshots and clones --------------------------------------------------------------------

def test_share_snapshots(client, project, sim_clean):
    client.create_share(share_ref(POOL, project, "s1"))
    full = client.create_snapshot(dataset_ref(POOL, project, "s1"), "a")
    assert full == "Manual-S-a"
    client.create_snapshot(dataset_ref(POOL, project, "s1"), "b", wait=False)
    assert client.get_snapshot_status(dataset_ref(POOL, project, "s1"), "b") == 0
    assert client.get_snapshot_status(dataset_ref(POOL, project, "s1"), "Manual-S-b") == 0
    snapshots = client.list_snapshots(dataset_ref(POOL, project, "s1"))
    assert [snap.full_name for snap in snapshots] == ["Manual-S-a", "Manual-S-b"]
    assert [(snap.name, snap.kind, snap.path) for snap in snapshots][0] == (
        "a", "share", "%s/Local/%s/s1@Manual-S-a" % (POOL, project))
    assert snapshots[0].ref == paths.DatasetRef(POOL, "Local", project, "s1", "Manual-S-a")
    assert [snap.full_name for snap in client.list_snapshots(dataset_ref(POOL, project, "s1"),
                                                             pattern="Manual-S-b")] == ["Manual-S-b"]
    with pytest.raises(AlreadyExistsError):
        client.create_snapshot(dataset_ref(POOL, project, "s1"), "a")
    with pytest.raises(InvalidArgumentError):
        client.list_snapshots(dataset_ref(POOL, project, "s1"), pattern="(")
    # Rollback to a with b newer: in use unless dependents are deleted; idempotent.
    path = "%s/Local/%s/s1" % (POOL, project)
    sim_clean.set_used(path, 3 * GiB)
    with pytest.raises(InUseError):
        client.rollback_snapshot(dataset_ref(POOL, project, "s1"), "Manual-S-a")
    client.rollback_snapshot(dataset_ref(POOL, project, "s1"), "Manual-S-a", delete_dependents=True)
    client.rollback_snapshot(dataset_ref(POOL, project, "s1"), "Manual-S-a", delete_dependents=True)
    assert [snap.full_name for snap in client.list_snapshots(dataset_ref(POOL, project, "s1"))] == [
        "Manual-S-a"]
    deletion = client.delete_snapshot(dataset_ref(POOL, project, "s1"), "Manual-S-a")
    assert deletion == SnapshotDeletion(deleted=("%s@Manual-S-a" % path,), failed=(), status=0)
    assert client.delete_snapshot(dataset_ref(POOL, project, "s1"), "Manual-S-a").deleted == ()
    with pytest.raises(NotFoundError):
        client.delete_snapshot(dataset_ref(POOL, project, "s1"), "Manual-S-a", missing_ok=False)


def test_find_snapshots_lists_only_the_names_given(client, project, sim_clean):
    """find_snapshots: the named snapshots in creation order, in one call whose reply holds
    nothing else; a name with a regular-expression character stands for itself."""
    ref = dataset_ref(POOL, project, "f1")
    client.create_share(share_ref(POOL, project, "f1"))
    for name in ("a", "b.c", "bxc", "d"):
        client.create_snapshot(ref, name)
    sim_clean.reset_calls()
    found = client.find_snapshots(ref, ["Manual-S-d", "Manual-S-b.c", "Manual-S-missing"])
    assert [snap.full_name for snap in found] == ["Manual-S-b.c", "Manual-S-d"]
    [entry] = sim_clean.call_log()["entries"]
    assert entry["reply_bytes"] == len('["Manual-S-b.c", "Manual-S-d"]')
    assert client.find_snapshots(ref, ["Manual-S-b"]) == []
    sim_clean.reset_calls()
    with pytest.raises(InvalidArgumentError):
        client.find_snapshots(ref, [])   # an empty pattern would list every snapshot
    with pytest.raises(InvalidArgumentError):
        client.find_snapshots(ref, [""])
    assert sim_clean.calls()["total"] == 0


def test_snapshot_wait_polls_until_done(client, project, sim_clean):
    client.create_share(share_ref(POOL, project, "s1"))
    sim_clean.set_delays(snapshot_ms=300)
    client.create_snapshot(dataset_ref(POOL, project, "s1"), "slow", poll_interval=0.05)
    assert client.get_snapshot_status(dataset_ref(POOL, project, "s1"), "slow") == 0
    assert sim_clean.calls()["by_method"]["getShareSnapshotCreationStatus"] >= 2


def test_project_snapshots(client, project):
    client.create_share(share_ref(POOL, project, "s1"))
    full = client.create_snapshot(project_ref(POOL, project), "n1")
    assert full == "Manual-P-n1"
    assert client.get_snapshot_status(project_ref(POOL, project), "n1") == 0
    [snap] = client.list_snapshots(project_ref(POOL, project))
    assert (snap.full_name, snap.name, snap.kind, snap.dataset) == (
        "Manual-P-n1", "n1", "project", project_ref(POOL, project))
    # On a share, its part of the project snapshot.
    [part] = client.list_snapshots(share_ref(POOL, project, "s1"))
    assert (part.full_name, part.kind, part.dataset.share) == ("Manual-P-n1", "project", "s1")
    client.rollback_snapshot(project_ref(POOL, project), full)
    deletion = client.delete_snapshot(project_ref(POOL, project), full)
    assert deletion.complete and "%s/Local/%s@Manual-P-n1" % (POOL, project) in deletion.deleted
    assert client.list_snapshots(project_ref(POOL, project)) == []


def test_project_clones(client, project, sim_clean):
    for name in ("a", "b"):
        client.create_share(share_ref(POOL, project, name), quota="2G")
    full = client.create_snapshot(project_ref(POOL, project), "g1")
    copy = unique("pc")
    client.clone_project_snapshot(project_ref(POOL, project), full, copy)
    status = client.get_clone_status(project_ref(POOL, project), full, copy)
    assert (status.state, status.total) == ("success", 2)
    assert sorted(s.name for s in client.list_shares(project_ref(POOL, copy))) == ["a", "b"]
    assert client.get_share(share_ref(POOL, copy, "a")).quota_bytes == 0
    with pytest.raises(AlreadyExistsError):
        client.clone_project_snapshot(project_ref(POOL, project), full, copy)
    with pytest.raises(InUseError):
        client.delete_snapshot(project_ref(POOL, project), full)
    with pytest.raises(InvalidArgumentError) as info:
        client.clone_project_snapshot(project_ref(POOL, project), full, "bad name")
    assert "clone_name" in str(info.value)
    sim_clean.set_delays(clone_ms=60000)
    slow = unique("pc")
    client.clone_project_snapshot(project_ref(POOL, project), full, slow, inherit=True)
    assert client.get_clone_status(project_ref(POOL, project), full, slow).state == "in_progress"
    sim_clean.set_delays(clone_ms=0)
    for target in (copy, slow):
        for name in ("a", "b"):
            client.delete_share(share_ref(POOL, target, name))
        client.delete_project(project_ref(POOL, target))
    client.delete_snapshot(project_ref(POOL, project), full)


def test_clones(client, project, sim_clean):
    client.create_share(share_ref(POOL, project, "src"), quota="5G")
    client.set_nfs_sharing(dataset_ref(POOL, project, "src"), True)
    full = client.create_snapshot(dataset_ref(POOL, project, "src"), "base")
    client.clone_snapshot(dataset_ref(POOL, project, "src"), full, "copy")
    status = client.get_clone_status(dataset_ref(POOL, project, "src"), full, "copy")
    assert status.state == "success"
    assert status.done
    clone = client.get_share(share_ref(POOL, project, "copy"))
    assert clone.quota_bytes == 0
    assert client.is_exposed("nfs", dataset_ref(POOL, project, "copy")) is True
    with pytest.raises(AlreadyExistsError):
        client.clone_snapshot(dataset_ref(POOL, project, "src"), full, "copy")
    with pytest.raises(InUseError):
        client.delete_snapshot(dataset_ref(POOL, project, "src"), full)
    # In-progress clone.
    sim_clean.set_delays(clone_ms=60000)
    client.clone_snapshot(dataset_ref(POOL, project, "src"), full, "slow", inherit=False)
    assert client.get_clone_status(dataset_ref(POOL, project, "src"), full, "slow").state == "in_progress"
    with pytest.raises(ApiError) as info:
        client.set_nfs_sharing(dataset_ref(POOL, project, "slow"), True)
    assert info.value.code == "EZEBI_RESOURCE_BUSY"
    sim_clean.set_delays(clone_ms=0)
    deletion = client.delete_snapshot(dataset_ref(POOL, project, "src"), full, recursive=True)
    assert deletion.complete and deletion.failed == ()
    assert client.find_share(share_ref(POOL, project, "copy")) is None


def test_export_locations_ipv6_and_missing_floating_ip(client, project, monkeypatch, caplog):
    client.create_share(share_ref(POOL, project, "s1"))
    client.set_nfs_sharing(dataset_ref(POOL, project, "s1"), True)
    client.set_smb_sharing(dataset_ref(POOL, project, "s1"), True)
    # The simulator's floating IPs are IPv4; the IPv6 form is checked with a stubbed list.
    monkeypatch.setattr(client, "list_floating_ips", lambda pool="All": [
        FloatingIP.from_wire({"ipAddress": "fd00::10", "poolName": "pool-b,%s" % POOL})])
    assert client.export_locations(share_ref(POOL, project, "s1")) == {
        "nfs": ["[fd00::10]:/export/%s/s1" % project],
        "smb": ["\\\\fd00--10.ipv6-literal.net\\%s_s1" % project]}
    monkeypatch.setattr(client, "list_floating_ips", lambda pool="All": [])
    assert client.export_locations(share_ref(POOL, project, "s1")) == {"nfs": [], "smb": []}
    assert "no floating IP serves pool" in caplog.text
