# SPDX-License-Identifier: Apache-2.0
"""A dataset reference's container (Local or Replica) against the simulator over HTTPS.

Reads address the container the reference names; writes need a Local dataset (C21: the array
refuses writes to Replica datasets), so the client refuses a Replica reference for a write
before any request, naming ``container``. On the shared simulator there is no Replica dataset,
so every read of a Replica reference finds nothing even though the Local dataset of the same
names exists (a client that sent the Local path would find it); on a simulator of its own, a
Replica copy received through the control API (``/sim/v1/replica``) is read back as a replica.
"""

import pytest
import requests

from client_helpers import PASSWORD, make_client
from tegile_intelliflash.simulator.harness import SimulatorError, SimulatorProcess

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


@pytest.fixture
def replicated(tmp_path):
    """A simulator of its own (a replica cannot be deleted through the API) holding a Local
    project with a 2 GiB share, its file ACL and 1 GiB used, and the Replica copy of both."""
    with SimulatorProcess(str(tmp_path / "sim"), host="127.0.0.1", port=0, user="admin",
                          password=PASSWORD) as proc:
        with make_client(proc) as client:
            local = share_ref(POOL, "src", "s1")
            client.create_project(local.project_ref)
            client.create_share(local, quota="2G")
            client.set_nfs_sharing(local, True)
            client.add_network_acl("nfs", local, NetworkRule("IP", "10.0.0.1", "rw"))
            client.set_user_acls(local, [UserRule("user", "alice", "ro")])
            proc.set_used(local.path, 1024 ** 3)
            seeded = proc.receive_replica(local.project_ref.path)
            yield proc, client, local, seeded


def test_a_replica_is_read_from_the_replica_container(replicated):
    proc, client, local, seeded = replicated
    share, project = replica(local), replica(local.project_ref)
    assert seeded == {"project": project.path, "shares": [share.path]}
    proc.reset_calls()
    info = client.get_share(share)
    assert (info.ref, info.container, info.path) == (share, REPLICA, "pool-a/Replica/src/s1")
    assert info.quota_bytes == 2 * 1024 ** 3 and info.used_bytes == 1024 ** 3
    assert [(rule.kind, rule.name) for rule in info.user_acls] == [("user", "alice")]
    # Not shared until promoted or cloned: no protocol on, no network rule, no export location.
    assert (info.nfs, info.smb) == (False, False)
    assert client.get_network_acls("nfs", share) == []
    assert client.export_locations(share, share_info=info) == {"nfs": [], "smb": []}
    assert info.mount_point != client.get_share(local).mount_point  # C33: its own mount point
    assert client.get_project(project).ref == project
    assert [item.ref for item in client.list_shares(project)] == [share]
    assert [item.name for item in client.list_projects(POOL, local=False)] == ["src"]
    assert client.find_share(share) is not None and client.find_project(project) is not None
    assert proc.calls()["writes"] == 0
    # The Local share is the source, unchanged and still shared.
    assert client.get_share(local).nfs is True


def test_the_simulator_refuses_writes_to_a_replica(replicated):
    proc, _client, local, _seeded = replicated
    share = replica(local)
    for method, args in (("modifyShareProperties", [share.path, {"dedup": "on"}]),
                         ("setNFSSharingOnShare", [share.path, True]),
                         ("deleteShare", [share.path, False, True])):
        # Straight to the array: the client would refuse these before sending them.
        reply = requests.post("%s/zebi/api/v2/%s" % (proc.url, method), json=args,
                              auth=(proc.user, proc.password), verify=proc.ca_path, timeout=10)
        assert reply.json()["code"] == "EZEBI_OPERATION_NOT_ALLOWED", (method, reply.text)


def test_the_replica_control_refuses_what_replication_could_not_do(replicated):
    proc, _client, local, seeded = replicated
    for method, body, words in (
            ("POST", {"project": local.project_ref.path}, "already exists"),
            ("POST", {"project": seeded["project"]}, "not allowed on Replica"),
            ("POST", {"project": "pool-a/Local/missing"}, "does not exist"),
            ("POST", {"dataset": "x"}, 'expected {\\"project\\": \\"pool/Local/project\\"}'),
            ("DELETE", {"project": local.project_ref.path}, "is not a Replica project"),
            ("DELETE", {"project": "pool-a/Replica/missing"}, "does not exist"),
            ("DELETE", {}, 'expected {\\"project\\": \\"pool/Replica/project\\"}')):
        with pytest.raises(SimulatorError) as err:
            proc.control(method, "/sim/v1/replica", body)
        assert "HTTP 400" in str(err.value) and words in str(err.value), (method, body)


def test_a_dropped_replica_is_gone_and_can_be_received_again(replicated):
    proc, client, local, seeded = replicated
    assert proc.drop_replica(seeded["project"]) == seeded
    assert client.find_share(replica(local)) is None
    assert client.find_project(replica(local.project_ref)) is None
    assert client.list_projects(POOL, local=False) == []
    assert client.get_share(local).nfs is True  # the source is not touched
    assert proc.receive_replica(local.project_ref.path) == seeded
