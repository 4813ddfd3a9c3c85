# SPDX-License-Identifier: Apache-2.0
"""Manila 23.0.1's in-tree Tegile driver, unmodified, against the array simulator.

``manila.share.drivers.tegile.tegile.TegileShareDriver`` talks to
``https://<tegile_nas_server>/zebi/api/openstack/<method>`` on port 443 with TLS verification
off, so the simulator runs on 127.0.0.2:443 for this module. The driver is built with Manila's
real ``Configuration``; shares, snapshots and access rules are dicts shaped like the ones
Manila's share manager passes (``_get_share_instance_dict`` / ``_get_snapshot_instance_dict`` /
access-mapping rows). After each driver call the array state is checked through the simulator's
own v2 API (plain ``requests`` with the simulator's CA, not the project's client).

Run: ``.venv-manila/bin/python -m pytest tests/manila/test_intree_driver.py``
"""

import datetime
import itertools
import sys
import uuid
import warnings

import pytest
import requests
from oslo_config import cfg

from manila import context as manila_context
from manila import exception
from manila.share import configuration
from manila.share import driver as share_driver
from manila.share.drivers.tegile import tegile

from tegile_intelliflash.simulator.harness import SimulatorProcess

CONF = cfg.CONF
GiB = 1024 ** 3
HOST = "127.0.0.2"
POOL = "pool-a"
BACKEND_HOST = "manila-host@tegile-intree#%s" % POOL
PROJECT = "openstack"
_groups = itertools.count(1)


@pytest.fixture(scope="module")
def array(tmp_path_factory):
    """The simulator on 127.0.0.2:443 (the in-tree driver cannot use another port)."""
    sim = SimulatorProcess(str(tmp_path_factory.mktemp("intree-sim")), host=HOST, port=443,
                           user="tegile-admin", password="s3cret-Pass", python=sys.executable)
    with sim:
        yield ArrayView(sim)


class ArrayView:
    """Reads the array through the simulator's own v2 API (verified HTTPS)."""

    def __init__(self, sim):
        self.sim = sim
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = sim.ca_path
        self.session.auth = (sim.user, sim.password)

    def call(self, method, *args):
        resp = self.session.post("%s/zebi/api/v2/%s" % (self.sim.url, method), json=list(args),
                                 timeout=30)
        body = resp.json() if resp.content else None
        return resp.status_code, body

    def ok(self, method, *args):
        status, body = self.call(method, *args)
        assert status == 200, (method, args, body)
        return body

    def error_code(self, method, *args):
        status, body = self.call(method, *args)
        assert status == 500, (method, args, body)
        return body["code"]

    def share(self, name):
        return self.ok("getShare", "%s/Local/%s/%s" % (POOL, PROJECT, name))

    def used(self, name):
        share = self.share(name)
        return share["totalSize"] - share["availableSize"]


@pytest.fixture
def driver(array):
    group = "tegile_intree_%d" % next(_groups)
    config = configuration.Configuration(share_driver.share_opts, config_group=group)
    config.append_config_values(tegile.tegile_opts)
    overrides = {
        "tegile_nas_server": HOST,
        "tegile_nas_login": array.sim.user,
        "tegile_nas_password": array.sim.password,
        "tegile_default_project": PROJECT,
        "driver_handles_share_servers": False,
        "share_backend_name": "tegile-intree",
    }
    for key, value in overrides.items():
        CONF.set_override(key, value, group=group)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        drv = tegile.TegileShareDriver(configuration=config)
    yield drv
    for key in overrides:
        CONF.clear_override(key, group=group)


def _now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def make_share(proto, size=1):
    """A share instance dict as ShareManager._get_share_instance_dict builds it."""
    instance_id = str(uuid.uuid4())
    return {
        "id": instance_id, "name": "share-%s" % instance_id, "share_id": str(uuid.uuid4()),
        "host": BACKEND_HOST, "status": "creating", "replica_state": None,
        "availability_zone_id": str(uuid.uuid4()), "share_network_id": None,
        "share_server_id": None, "deleted": "False", "terminated_at": None,
        "launched_at": None, "scheduled_at": _now(), "updated_at": None, "deleted_at": None,
        "created_at": _now(), "share_server": None, "access_rules_status": "active",
        "user_id": "demo", "project_id": str(uuid.uuid4()), "size": size,
        "display_name": "intree-%s" % proto.lower(), "display_description": None,
        "snapshot_id": None, "share_proto": proto, "share_type_id": str(uuid.uuid4()),
        "is_public": False, "share_group_id": None,
        "source_share_group_snapshot_member_id": None, "availability_zone": "nova",
        "mount_point_name": None, "qos_type_id": None, "metadata": {},
        "export_locations": [],
    }


def make_snapshot(share):
    """A snapshot instance dict as ShareManager._get_snapshot_instance_dict builds it."""
    instance_id = str(uuid.uuid4())
    return {
        "name": "share-snapshot-%s" % instance_id, "share_id": share["share_id"],
        "share_name": share["name"], "status": "creating", "id": instance_id,
        "deleted": False, "created_at": _now(), "share": share, "updated_at": None,
        "share_instance_id": share["id"], "snapshot_id": str(uuid.uuid4()),
        "progress": "0%", "deleted_at": None, "provider_location": None, "size": 1,
    }


def make_rule(access_type, access_to, level):
    return {"id": str(uuid.uuid4()), "access_type": access_type, "access_to": access_to,
            "access_level": level, "access_key": None, "state": "queued_to_apply",
            "created_at": _now(), "updated_at": None, "metadata": {}}


def nfs_acls(array, name):
    return sorted((a["host"], a["accessMode"]) for a in array.ok(
        "getNFSNetworkACLsOnShare", "%s/Local/%s/%s" % (POOL, PROJECT, name)))


def user_acls(array, name):
    return sorted((e["aclUser"], e["aclValDisplay"]) for e in array.share(name)["aclList"])


def test_stats(driver, array):
    stats = driver.get_share_stats(refresh=True)
    assert stats["vendor_name"] == "Tegile Systems Inc."
    assert stats["storage_protocol"] == "NFS_CIFS"
    pools = {p["pool_name"]: p for p in stats["pools"]}
    assert set(pools) == {"pool-a", "pool-b"}
    listed = {p["name"]: p for p in array.ok("listPools")}
    for name, pool in pools.items():
        assert pool["total_capacity_gb"] == listed[name]["totalSize"] / GiB
        assert abs(pool["free_capacity_gb"] - listed[name]["availableSize"] / GiB) < 0.01
        assert pool["qos"] is False
    assert array.sim.calls()["by_method"]["openstack.getArrayStats"] >= 1


def test_full_lifecycle(driver, array):
    ctx = manila_context.get_admin_context()
    floating_ip = array.ok("getFloatingIPList", POOL)[0]["ipAddress"]

    # create NFS and CIFS shares
    nfs = make_share("NFS")
    location = driver.create_share(ctx, nfs)
    assert location["path"] == "%s:/export/%s/%s" % (floating_ip, PROJECT, nfs["name"])
    model = array.share(nfs["name"])
    assert (model["sharenfs"], model["sharesmb"], model["quotaInByte"]) == ("on", "off", 0)
    cifs = make_share("CIFS")
    location = driver.create_share(ctx, cifs)
    assert location["path"] == "\\\\%s\\%s_%s" % (floating_ip, PROJECT, cifs["name"])
    model = array.share(cifs["name"])
    assert (model["sharenfs"], model["sharesmb"]) == ("off", "on")
    assert model["cifsDisplayName"] == "%s_%s" % (PROJECT, cifs["name"])

    # extend and shrink set the quota
    driver.extend_share(nfs, 5)
    assert array.share(nfs["name"])["quotaInByte"] == 5 * GiB
    array.sim.set_used("%s/Local/%s/%s" % (POOL, PROJECT, nfs["name"]), 2 * GiB)
    driver.shrink_share(nfs, 3)
    assert array.share(nfs["name"])["quotaInByte"] == 3 * GiB
    with pytest.raises(exception.TegileAPIException, match="INVALID_QUOTA_RESERVATION"):
        driver.shrink_share(nfs, 1)  # below the 2 GiB in use
    assert array.share(nfs["name"])["quotaInByte"] == 3 * GiB

    # snapshot, and a new share from it
    snapshot = make_snapshot(nfs)
    driver.create_snapshot(ctx, snapshot)
    nfs_path = "%s/Local/%s/%s" % (POOL, PROJECT, nfs["name"])
    assert array.ok("listSnapshots", nfs_path, "") == ["Manual-S-%s" % snapshot["name"]]
    assert array.ok("getShareSnapshotCreationStatus", nfs_path, snapshot["name"]) == \
        {"snapshotProgressStatus": 0}
    clone = make_share("NFS", size=3)
    location = driver.create_share_from_snapshot(ctx, clone, snapshot)
    assert location["path"] == "%s:/export/%s/%s" % (floating_ip, PROJECT, clone["name"])
    model = array.share(clone["name"])
    assert model["sharenfs"] == "on" and array.used(clone["name"]) == 2 * GiB
    # the snapshot has a dependent clone now
    with pytest.raises(exception.TegileAPIException, match="EZEBI_RESOURCE_INUSE"):
        driver.delete_snapshot(ctx, snapshot)
    assert array.ok("listSnapshots", nfs_path, "") == ["Manual-S-%s" % snapshot["name"]]

    # access rules: add lists
    ip_rw = make_rule("ip", "10.0.0.0/24", "rw")
    ip_ro = make_rule("ip", "10.0.1.7", "ro")
    user_rw = make_rule("user", "alice", "rw")
    driver.update_access(ctx, nfs, [ip_rw, ip_ro, user_rw], [ip_rw, ip_ro, user_rw], [], [])
    assert nfs_acls(array, nfs["name"]) == [("10.0.0.0/24", "rw"), ("10.0.1.7", "ro")]
    assert user_acls(array, nfs["name"]) == [("alice", "modify_set")]
    cifs_ro = make_rule("user", "bob", "ro")
    cifs_rw = make_rule("user", "carol", "rw")
    driver.update_access(ctx, cifs, [cifs_ro, cifs_rw], [cifs_ro, cifs_rw], [], [])
    assert user_acls(array, cifs["name"]) == [("bob", "read_set"), ("carol", "modify_set")]
    with pytest.raises(exception.InvalidShareAccess):
        driver.update_access(ctx, cifs, [], [make_rule("ip", "10.0.0.1", "rw")], [], [])

    # deny lists
    driver.update_access(ctx, nfs, [ip_rw], [], [ip_ro, user_rw], [])
    assert nfs_acls(array, nfs["name"]) == [("10.0.0.0/24", "rw")]
    assert user_acls(array, nfs["name"]) == []
    driver.update_access(ctx, cifs, [cifs_rw], [], [cifs_ro], [])
    assert user_acls(array, cifs["name"]) == [("carol", "modify_set")]

    # full resync (no add/delete lists): clearAccessRules, then one allow per rule
    resync = [make_rule("ip", "192.168.5.0/24", "ro"), make_rule("user", "dave", "rw")]
    array.sim.reset_calls()
    driver.update_access(ctx, nfs, resync, [], [], [])
    assert nfs_acls(array, nfs["name"]) == [("192.168.5.0/24", "ro")]
    assert user_acls(array, nfs["name"]) == [("dave", "modify_set")]
    calls = {k: v for k, v in array.sim.calls()["by_method"].items()
             if k.startswith("openstack.")}
    assert calls == {"openstack.clearAccessRules": 1, "openstack.shareAllowAccess": 2}
    driver.update_access(ctx, cifs, [make_rule("user", "erin", "ro")], [], [], [])
    assert user_acls(array, cifs["name"]) == [("erin", "read_set")]
    driver.update_access(ctx, cifs, [], [], [], [])
    assert user_acls(array, cifs["name"]) == []

    # ensure_share reports the same export locations
    assert driver.ensure_share(ctx, nfs)[0]["path"] == \
        "%s:/export/%s/%s" % (floating_ip, PROJECT, nfs["name"])
    assert driver.ensure_share(ctx, cifs)[0]["path"] == \
        "\\\\%s\\%s_%s" % (floating_ip, PROJECT, cifs["name"])
    assert driver.get_pool(nfs) == POOL

    # delete: the clone, then the snapshot, then the shares
    driver.delete_share(ctx, clone)
    assert array.error_code("getShare", "%s/Local/%s/%s" % (POOL, PROJECT, clone["name"])) == \
        "EZEBI_RESOURCE_NOT_FOUND"
    driver.delete_snapshot(ctx, snapshot)
    assert array.ok("listSnapshots", nfs_path, "") == []
    for share in (nfs, cifs):
        driver.delete_share(ctx, share)
        assert array.error_code("getShare", "%s/Local/%s/%s" % (POOL, PROJECT, share["name"])) \
            == "EZEBI_RESOURCE_NOT_FOUND"
    driver.delete_share(ctx, nfs)  # deleting a missing share is not an error (errorIfNotExist)


def test_delete_share_with_snapshots(driver, array):
    """Manila's delete_share sends recursive=true: the share's snapshots go with it."""
    ctx = manila_context.get_admin_context()
    share = make_share("NFS")
    driver.create_share(ctx, share)
    snapshot = make_snapshot(share)
    driver.create_snapshot(ctx, snapshot)
    driver.delete_share(ctx, share)
    assert array.error_code("getShare", "%s/Local/%s/%s" % (POOL, PROJECT, share["name"])) == \
        "EZEBI_RESOURCE_NOT_FOUND"


def test_array_errors_surface_as_tegile_api_exception(driver, array):
    ctx = manila_context.get_admin_context()
    share = make_share("NFS")
    share["host"] = "manila-host@tegile-intree#no-such-pool"
    with pytest.raises(exception.TegileAPIException, match="EZEBI_RESOURCE_NOT_FOUND"):
        driver.create_share(ctx, share)
