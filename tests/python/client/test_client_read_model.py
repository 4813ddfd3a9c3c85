# SPDX-License-Identifier: Apache-2.0
"""The client's read model (typed views), its quota/reservation planning and the literal RPC
names of its call modules (no simulator)."""

import ast
import dataclasses
import glob
import os
import re

import pytest

from tegile_intelliflash.client import api as api_module
from tegile_intelliflash.client import limits, paths, views
from tegile_intelliflash.client.api import IntelliFlashClient
from tegile_intelliflash.client.errors import (
    ApiError, InvalidArgumentError, NoSpaceError, QuotaError,
)
from tegile_intelliflash.client.paths import share_ref
from tegile_intelliflash.simulator import routes

GiB = 1024 ** 3
CLIENT_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "..", "plugins", "module_utils",
                          "client")

SHARE_WIRE = {
    "name": "s1", "poolName": "pool-a", "projectName": "p1", "containerName": "Local",
    "zfsDataSetName": "pool-a/Local/p1/s1", "quotaInByte": 10 * GiB, "reservationInByte": -1,
    "totalSize": 8 * GiB, "availableSize": 6 * GiB, "compression": "lz4", "dedup": "off",
    "readonly": "on", "recordSize": "64KB", "mountPoint": "/export/p1/s1",
    "sharenfs": "on", "sharesmb": "off", "overrideSharenfs": True, "overrideSharesmb": False,
    "overrideDedup": True, "overrideCompression": False, "cifsDisplayName": "",
    "guestStatus": False,
    "aclList": [{"aclType": "user", "aclUser": "alice", "aclGroup": "", "aclMode": "allow",
                 "aclValDisplay": "read_set"}],
}


def test_share_view_has_bytes_booleans_and_own_vs_inherited_settings():
    info = views.ShareInfo.from_wire(SHARE_WIRE)
    assert (info.pool, info.project, info.name, info.path) == (
        "pool-a", "p1", "s1", "pool-a/Local/p1/s1")
    assert (info.quota_bytes, info.reservation_bytes) == (10 * GiB, 0)   # -1 = none (C7)
    assert (info.used_bytes, info.available_bytes, info.total_bytes) == (2 * GiB, 6 * GiB,
                                                                         8 * GiB)
    assert (info.dedup, info.readonly, info.compression) == (False, True, "lz4")
    assert (info.nfs, info.smb) == (True, False)
    # NFS is the share's own setting, SMB "off" follows the project.
    assert info.sets_sharing("nfs", True) and not info.sets_sharing("smb", False)
    assert info.owns("dedup") and not info.owns("compression")
    assert info.effective_smb_name == "p1_s1" and info.smb_name is None   # default, C9
    assert not info.thick
    assert [(r.kind, r.name, r.access) for r in info.user_acls] == [("user", "alice", "ro")]


def test_views_are_immutable():
    info = views.ShareInfo.from_wire(SHARE_WIRE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.quota_bytes = 0
    pool = views.PoolInfo.from_wire({"name": "pool-a", "availableSize": 5, "totalSize": 9})
    with pytest.raises(dataclasses.FrozenInstanceError):
        pool.name = "other"


@pytest.mark.parametrize("key", views.USED_KEYS)
def test_used_bytes_prefers_a_reported_used_size(key):
    # C8: totalSize = used + availableSize, unless the reply reports the used bytes itself.
    wire = dict(SHARE_WIRE, **{key: 3 * GiB})
    assert views.ShareInfo.from_wire(wire).used_bytes == 3 * GiB


def test_list_item_view_uses_the_list_vocabulary():
    # listShares items (Share_V1_0) spell the mount point "mountpoint".
    item = views.ShareInfo.from_wire({"name": "s2", "mountpoint": "/export/x/y",
                                      "availableSize": 1, "totalSize": 1},
                                     pool="pool-a", project="p1")
    assert (item.path, item.mount_point, item.used_bytes) == (
        "pool-a/Local/p1/s2", "/export/x/y", 0)


def test_floating_ip_serves_each_pool_of_its_list():
    ip = views.FloatingIP.from_wire({"ipAddress": " 10.0.0.5 ", "poolName": "pool-a, pool-b"})
    assert ip.address == "10.0.0.5" and ip.serves("pool-b") and not ip.serves("pool-c")


def test_project_view():
    project = views.ProjectInfo.from_wire({"projectName": "p1", "poolName": "pool-a",
                                           "quotaInByte": 0, "sharenfs": "off"})
    assert (project.name, project.path, project.quota_bytes, project.nfs, project.smb) == (
        "p1", "pool-a/Local/p1", 0, False, None)
    assert project.ref == paths.project_ref("pool-a", "p1")


def test_views_keep_the_container_they_were_read_from():
    replica = paths.DatasetRef("pool-a", "Replica", "p1")
    assert views.ProjectInfo.from_wire({"projectName": "p1", "poolName": "pool-a",
                                        "localDataset": False}).ref == replica
    assert views.ProjectInfo.from_wire({"name": "p1", "local": False}, pool="pool-a").ref == \
        replica
    # Without a flag in the reply, the container that was read.
    project = views.ProjectInfo.from_wire({"name": "p1"}, pool="pool-a", container="Replica")
    assert (project.ref, project.path) == (replica, "pool-a/Replica/p1")
    share = views.ShareInfo.from_wire({"name": "s1", "containerName": "Replica"}, pool="pool-a",
                                      project="p1")
    assert (share.ref, share.path) == (replica._replace(share="s1"), "pool-a/Replica/p1/s1")
    listed = views.ShareInfo.from_wire({"name": "s1", "local": True}, pool="pool-a",
                                       project="p1", container="Replica")
    assert listed.ref == share_ref("pool-a", "p1", "s1")


# -- limits ----------------------------------------------------------------------------------

@pytest.mark.parametrize("current, want, writes", [
    # grow a thick share: quota first, then the reservation
    ((4, 4), (8, 8), (("quota", 8), ("reservation", 8))),
    # shrink a thick share: the reservation first, so it never exceeds the quota
    ((8, 8), (4, 4), (("reservation", 4), ("quota", 4))),
    # nothing changes: nothing is written
    ((4, 4), (4, 4), ()),
    # thin share: the quota only
    ((4, 0), (6, None), (("quota", 6),)),
])
def test_plan_orders_the_writes(current, want, writes):
    plan = limits.plan_limits("pool-a/Local/p/s", current[0] * GiB, current[1] * GiB, 0,
                              want_quota=want[0] * GiB,
                              want_reservation=None if want[1] is None else want[1] * GiB)
    assert plan.writes == tuple((kind, value * GiB) for kind, value in writes)


def test_plan_refuses_a_quota_below_used_naming_the_option():
    with pytest.raises(limits.LimitError) as err:
        limits.plan_limits("pool-a/Local/p/s", 0, 0, 5 * GiB, want_quota=4 * GiB)
    assert err.value.field == "quota" and "5 GiB" in str(err.value)


def test_plan_size_keeps_a_thick_share_thick():
    thick = views.ShareInfo.from_wire(dict(SHARE_WIRE, reservationInByte=10 * GiB))
    assert limits.plan_size(thick, 4 * GiB).writes == (
        ("reservation", 4 * GiB), ("quota", 4 * GiB))
    thin = views.ShareInfo.from_wire(SHARE_WIRE)
    assert limits.plan_size(thin, 12 * GiB).writes == (("quota", 12 * GiB),)


class _Recorder(object):
    """Records the size writes; the reservation write fails with NoSpaceError."""

    def __init__(self):
        self.writes = []
        self.log = None

    def set_share_quota(self, ref, value):
        self.writes.append(("quota", value))

    def set_share_reservation(self, ref, value):
        self.writes.append(("reservation", value))
        raise NoSpaceError("no space")


def test_apply_puts_the_quota_back_when_the_reservation_does_not_fit():
    plan = limits.plan_limits("pool-a/Local/p/s", 4 * GiB, 4 * GiB, 0, want_quota=8 * GiB,
                              want_reservation=8 * GiB)
    recorder = _Recorder()
    with pytest.raises(NoSpaceError):
        limits.apply_limits(recorder, plan, share_ref("pool-a", "p", "s"),
                            undo_on=(NoSpaceError,))
    assert recorder.writes == [("quota", 8 * GiB), ("reservation", 8 * GiB),
                               ("quota", 4 * GiB)]
    recorder = _Recorder()
    with pytest.raises(NoSpaceError):
        limits.apply_limits(recorder, plan, share_ref("pool-a", "p", "s"))
    assert recorder.writes == [("quota", 8 * GiB), ("reservation", 8 * GiB)]


def test_apply_puts_back_every_write_done_before_an_undo_error():
    """A shrink lowers the reservation first; a quota the array refuses (below the space in
    use) puts the reservation back, and the error is raised again."""
    plan = limits.plan_limits("pool-a/Local/p/s", 8 * GiB, 8 * GiB, 0, want_quota=4 * GiB,
                              want_reservation=4 * GiB)

    class QuotaRefused(_Recorder):
        def set_share_quota(self, ref, value):
            self.writes.append(("quota", value))
            raise QuotaError("below the space in use")

        def set_share_reservation(self, ref, value):
            self.writes.append(("reservation", value))

    recorder = QuotaRefused()
    with pytest.raises(QuotaError):
        limits.apply_limits(recorder, plan, share_ref("pool-a", "p", "s"),
                            undo_on=(QuotaError, NoSpaceError))
    assert recorder.writes == [("reservation", 4 * GiB), ("quota", 4 * GiB),
                               ("reservation", 8 * GiB)]


# -- snapshots, system properties, SMB configuration ------------------------------------------

def test_snapshot_view_from_a_listed_name():
    share = share_ref("pool-a", "p1", "s1")
    snap = views.SnapshotInfo.from_wire("Manual-S-nightly", share)
    assert (snap.name, snap.full_name, snap.kind) == ("nightly", "Manual-S-nightly", "share")
    assert snap.path == "pool-a/Local/p1/s1@Manual-S-nightly"
    assert snap.ref == paths.parse_path(snap.path)
    part = views.SnapshotInfo.from_wire("Manual-P-weekly", share)   # a project snapshot's part
    assert (part.name, part.kind) == ("weekly", "project")
    scheduled = views.SnapshotInfo.from_wire("hourly-2026-01-01", share)
    assert (scheduled.name, scheduled.kind) == ("hourly-2026-01-01", None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.full_name = "x"


def test_deletion_view():
    deletion = views.SnapshotDeletion.from_wire(
        {"deletedList": ["pool-a/Local/p/s@Manual-S-a"], "failedToDeleteList": [],
         "snapshotDeletionStatus": 0})
    assert deletion.deleted == ("pool-a/Local/p/s@Manual-S-a",) and deletion.complete
    partial = views.SnapshotDeletion.from_wire(
        {"deletedList": [], "failedToDeleteList": ["x@Manual-S-b"], "snapshotDeletionStatus": 1})
    assert (partial.failed, partial.status, partial.complete) == (("x@Manual-S-b",), 1, False)


def test_a_partial_deletion_raises_with_the_deletion_view(monkeypatch):
    # A password of its own: the carried view is redacted, and a one-letter one masks every "p".
    client = IntelliFlashClient("array.invalid", "u", "pw-Secret-1", retry_budget=0)
    reply = {"deletedList": [], "failedToDeleteList": ["pool-a/Local/p/s@Manual-S-a"],
             "snapshotDeletionStatus": 2}
    monkeypatch.setattr(client, "call", lambda method, *args, **kwargs: reply)
    with pytest.raises(ApiError) as err:
        client.delete_snapshot(share_ref("pool-a", "p", "s"), "Manual-S-a")
    assert err.value.reply == views.SnapshotDeletion(failed=("pool-a/Local/p/s@Manual-S-a",),
                                                     status=2)
    assert "could not delete pool-a/Local/p/s@Manual-S-a (status 2)" in str(err.value)


def test_system_view_names_every_property_and_ignores_unknown_ones():
    names = [name for name, _field in views.SYSTEM_PROPERTY_FIELDS] + ["ZEBI_SOMETHING_NEW"]
    info = views.SystemInfo.from_wire(names, ["v%d" % i for i in range(len(names))])
    assert (info.model, info.version, info.fqdn) == ("v0", "v2", "v7")
    assert sorted(name for name, _field in views.SYSTEM_PROPERTY_FIELDS) == \
        sorted(api_module.SYSTEM_PROPERTIES)
    assert views.SystemInfo.from_wire(["ZEBI_API_VERSION"], ["2"]) == views.SystemInfo(
        api_version="2")


def test_smb_config_view_has_booleans():
    config = views.SmbConfig.from_wire({"smbProtocolMode": "SMB3", "pdc": "",
                                        "subsharesFeatureEnabled": False,
                                        "restrictAnonymous": "true", "restrictGuest": True})
    assert config == views.SmbConfig(protocol_mode="SMB3", pdc="", subshares=False,
                                     restrict_anonymous=True, restrict_guest=True)
    assert views.SmbConfig.from_wire({}).restrict_guest is None


# -- literal RPC names ----------------------------------------------------------------------

def _client_literals():
    found = set()
    for path in glob.glob(os.path.join(CLIENT_DIR, "*.py")):
        with open(path, encoding="utf-8") as handle:
            for node in ast.walk(ast.parse(handle.read())):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    found.add(node.value)
    return found


def test_every_rpc_name_the_client_sends_is_written_out():
    """``grep setNFSNetworkACLsOnShare`` finds the call in the client as in the simulator."""
    literals = _client_literals()
    unused = {"getProjectProperty", "deleteDataset"}
    missing = [name for name in routes.V2.methods if name not in literals and name not in unused]
    assert not missing
    built = [text for text in literals if re.search(r"%s(On|Snapshot|Exposed|Network)", text)]
    assert not built


# -- dataset references ----------------------------------------------------------------------

def test_dataset_paths_in_either_container():
    assert paths.dataset_path("pool-a", "p1", "s1", "Replica") == "pool-a/Replica/p1/s1"
    assert paths.dataset_path("pool-a", "p1", None, "Replica") == "pool-a/Replica/p1"
    assert paths.dataset_path("pool-a", "p1") == "pool-a/Local/p1"
    with pytest.raises(InvalidArgumentError) as err:
        paths.dataset_path("pool-a", "p1", None, "Remote")
    assert err.value.field == "container"
    assert paths.as_ref(paths.DatasetRef("pool-a", None, "p1")) == paths.project_ref("pool-a", "p1")


def test_dataset_references():
    share = share_ref("pool-a", "p1", "s1")
    assert (share.path, share.name, share.is_share) == ("pool-a/Local/p1/s1", "s1", True)
    assert share.project_ref.path == "pool-a/Local/p1" and not share.project_ref.is_share
    assert share.project_ref.child("s2") == share_ref("pool-a", "p1", "s2")
    assert paths.dataset_ref("pool-a", "p1") == paths.project_ref("pool-a", "p1")
    assert paths.as_ref("pool-a/Local/p1/s1") == share


def test_a_call_refuses_the_wrong_kind_of_reference_before_any_request():
    client = IntelliFlashClient("array.invalid", "u", "p", retry_budget=0)
    with pytest.raises(InvalidArgumentError) as err:
        client.get_share(paths.project_ref("pool-a", "p1"))
    assert err.value.field == "dataset" and "needs a share" in str(err.value)
    with pytest.raises(InvalidArgumentError) as err:
        client.get_project(share_ref("pool-a", "p1", "s1"))
    assert err.value.field == "dataset"
    with pytest.raises(InvalidArgumentError):
        client.get_share(42)
