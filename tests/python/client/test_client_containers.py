# SPDX-License-Identifier: Apache-2.0
"""A dataset reference's container (Local or Replica) against the simulator over HTTPS.

Reads address the container the reference names; writes need a Local dataset (C21: the array
refuses writes to Replica datasets), so the client refuses a Replica reference for a write
before any request, naming ``container``. The simulator holds no Replica datasets, so every read
of a Replica reference here finds nothing even though the Local dataset of the same names exists:
a client that sent the Local path would find it.
"""

import pytest

from tegile_intelliflash.client.acl import NetworkRule, UserRule
from tegile_intelliflash.client.errors import InvalidArgumentError, NotAllowedError, NotFoundError
from tegile_intelliflash.client.paths import REPLICA, DatasetRef, project_ref, share_ref

POOL = "pool-a"


@pytest.fixture
def local_share(client, project):
    client.create_share(share_ref(POOL, project, "s1"))
    client.create_snapshot(share_ref(POOL, project, "s1"), "a")
    return share_ref(POOL, project, "s1")


def replica(ref):
    return ref._replace(container=REPLICA)


def test_reads_address_the_replica_container(client, local_share, sim_clean):
    share, project = replica(local_share), replica(local_share.project_ref)
    sim_clean.reset_calls()
    assert client.find_share(local_share) is not None
    assert client.find_share(share) is None
    assert client.find_project(local_share.project_ref) is not None
    assert client.find_project(project) is None
    reads = [
        lambda: client.get_share(share),
        lambda: client.get_project(project),
        lambda: client.list_shares(project),
        lambda: client.list_snapshots(share),
        lambda: client.get_snapshot_status(share, "a"),
        lambda: client.get_network_acls("nfs", share),
        lambda: client.get_user_acls(share),
        lambda: client.is_exposed("nfs", share),
        lambda: client.export_locations(share),
    ]
    for read in reads:
        with pytest.raises(NotFoundError) as err:
            read()
        assert "/Replica/" in err.value.dataset, err.value
    assert sim_clean.calls()["writes"] == 0


def test_list_shares_refuses_a_local_flag_against_the_reference(client, project, sim_clean):
    sim_clean.reset_calls()
    with pytest.raises(InvalidArgumentError) as err:
        client.list_shares(project_ref(POOL, project), local=False)
    assert err.value.field == "local"
    assert client.list_shares(project_ref(POOL, project), local=True) == []
    assert sim_clean.calls()["total"] == 1


def _writes(client, share, project):
    rule = NetworkRule("IP", "10.0.0.1", "rw")
    return [
        ("createProject", lambda: client.create_project(project)),
        ("modifyProjectProperties", lambda: client.modify_project(project, {"dedup": "on"})),
        ("modifyProjectProperties", lambda: client.set_project_quota(project, "1G")),
        ("deleteProject", lambda: client.delete_project(project)),
        ("createShare", lambda: client.create_share(share)),
        ("modifyShareProperties", lambda: client.modify_share(share, {"dedup": "on"})),
        ("modifyShareProperties", lambda: client.set_share_quota(share, "1G")),
        ("modifyShareProperties", lambda: client.set_share_reservation(share, "1G")),
        ("inheritPropertyFromProject", lambda: client.inherit_share_property(share, "Dedup")),
        ("deleteShare", lambda: client.delete_share(share)),
        ("setNFSSharingOnShare", lambda: client.set_nfs_sharing(share, True)),
        ("setSMBSharingOnProject", lambda: client.set_smb_sharing(project, True)),
        ("addNFSNetworkACLOnShare", lambda: client.add_network_acl("nfs", share, rule)),
        ("removeNFSNetworkACLOnShare",
         lambda: client.remove_network_acl("nfs", share, "IP", "10.0.0.1")),
        ("setSMBNetworkACLsOnProject", lambda: client.set_network_acls("smb", project, [])),
        ("removeAllNFSNetworkACLsOnShare", lambda: client.remove_all_network_acls("nfs", share)),
        ("inheritNetworkACLsettingsFromProject", lambda: client.inherit_network_acls(share)),
        ("modifyShareProperties",
         lambda: client.set_user_acls(share, [UserRule("user", "alice", "ro")])),
        ("createShareSnapshot", lambda: client.create_snapshot(share, "b")),
        ("deleteShareSnapshot", lambda: client.delete_snapshot(share, "Manual-S-a")),
        ("cloneShareSnapshot", lambda: client.clone_snapshot(share, "Manual-S-a", "c1")),
        ("cloneProjectSnapshot",
         lambda: client.clone_project_snapshot(project, "Manual-P-a", "c2")),
        ("rollBackToShareSnapshot", lambda: client.rollback_snapshot(share, "Manual-S-a")),
    ]


def test_writes_refuse_a_replica_reference_before_any_request(client, local_share, sim_clean):
    share, project = replica(local_share), replica(local_share.project_ref)
    sim_clean.reset_calls()
    for method, write in _writes(client, share, project):
        with pytest.raises(NotAllowedError) as err:
            write()
        assert err.value.field == "container", method
        assert err.value.code == "EZEBI_OPERATION_NOT_ALLOWED"
        assert "container: pool-a/Replica/%s" % local_share.project in str(err.value), method
        assert "is a Replica dataset" in str(err.value), method
    assert sim_clean.calls()["total"] == 0
    # The Local share of the same names is untouched and still writable.
    assert client.get_share(local_share).dedup is not True
    client.modify_share(local_share, {"dedup": "on"})
    assert client.get_share(local_share).dedup is True


def test_a_path_string_and_an_unknown_container(client, local_share, sim_clean):
    sim_clean.reset_calls()
    with pytest.raises(NotAllowedError):
        client.set_nfs_sharing(replica(local_share).path, True)
    with pytest.raises(InvalidArgumentError) as err:
        client.get_share(DatasetRef(POOL, "Remote", local_share.project, "s1"))
    assert err.value.field == "container"
    assert sim_clean.calls()["total"] == 0
