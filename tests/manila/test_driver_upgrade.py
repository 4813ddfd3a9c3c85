# SPDX-License-Identifier: Apache-2.0
"""TegileShareDriver after an upgrade from 1.1.0: what the 1.1.0 driver left (on the array and
in Manila's private data) is served by this one.

The state is built as 1.1.0 wrote it (``git show b69c8ac:tegile_intelliflash/manila_driver/``):
1.1.0 had no share group code of its own; Manila's generic implementation (ShareDriver's
create_share_group, create_share_group_snapshot, ...) served groups whose type does not ask for
consistent snapshots. Their members were ordinary shares of the back end's project
(``shares.create_share`` ignored ``share_group_id``: quota = size, the share's protocol on, the
other off, the closed list), a group snapshot one ``create_snapshot`` per member
(``provider_location`` the snapshot's full name), a group nothing on the array and no private
data."""

import uuid

from tegile_driver_helpers import GiB, POOL, make_rule, make_share, snapshot_names
from tegile_intelliflash.client.paths import dataset_ref, project_ref, share_ref
from tegile_intelliflash.manila_driver.driver import NO_ACCESS_HOST
from tegile_intelliflash.manila_driver.protocols import nfs


def _project(driver):
    return driver.configuration.safe_get("tegile_default_project")


def _member_as_1_1_0(driver, array, group_id, size=1):
    """A share group member created by the 1.1.0 driver: a share of the back end's project."""
    share = make_share(size=size, share_group_id=group_id)
    ref = share_ref(POOL, _project(driver), share["name"])
    array.create_share(ref, quota=size * GiB)
    array.set_sharing("smb", ref, False)
    array.set_sharing("nfs", ref, True)
    array.set_network_acls("nfs", ref, [nfs.no_access_rule()])
    share["status"] = "available"
    return share, ref


def _group_snapshot_as_1_1_0(array, group_id, members):
    """A share group snapshot taken by 1.1.0 (Manila's generic one: a snapshot per member)."""
    snap_id = str(uuid.uuid4())
    snap = {"id": snap_id, "share_group_id": group_id, "status": "available",
            "share_group_snapshot_members": []}
    for share, ref in members:
        name = "share-snapshot-%s" % uuid.uuid4()
        snap["share_group_snapshot_members"].append({
            "id": str(uuid.uuid4()), "share_group_snapshot_id": snap_id,
            "share_id": share["share_id"], "share": share, "share_name": share["name"],
            "name": name, "size": share["size"], "share_proto": "NFS",
            "provider_location": array.create_snapshot(ref, name)})
    return snap


def test_a_1_1_0_group_member_is_found_in_the_back_ends_project(simulator, driver, array):
    group_id = str(uuid.uuid4())
    share, ref = _member_as_1_1_0(driver, array, group_id)
    # A restart on the new driver: the share is there, exported as before.
    updates = driver.ensure_shares(None, [share])
    assert updates[share["id"]]["status"] == "available"
    assert not updates[share["id"]]["reapply_access_rules"]
    assert updates[share["id"]]["export_locations"]
    driver.extend_share(share, 2)
    share["size"] = 2
    assert array.get_share(ref).quota_bytes == 2 * GiB
    rule = make_rule("ip", "10.9.0.0/16")
    assert driver.update_access(None, share, [rule], [rule], [], []) in (None, {})
    hosts = [r.host for r in array.get_network_acls("nfs", ref)]
    assert "10.9.0.0/16" in hosts and NO_ACCESS_HOST not in hosts
    driver._update_share_stats()
    pool = [p for p in driver._stats["pools"] if p["pool_name"] == POOL][0]
    assert pool["allocated_capacity_gb"] == 2
    # A member added to the group after the upgrade joins the others.
    added = make_share(size=1, share_group_id=group_id)
    driver.create_share(None, added)
    assert array.find_share(share_ref(POOL, _project(driver), added["name"])) is not None
    group_project = "%s-sg-%s" % (_project(driver), group_id)
    assert array.find_project(project_ref(POOL, group_project)) is None
    driver.delete_share(None, added)
    driver.delete_share(None, share)
    assert array.find_share(ref) is None  # deleted, not left behind as "already gone"
    driver.delete_share_group(None, {"id": group_id, "host": share["host"], "shares": []})


def test_a_1_1_0_group_snapshot_and_a_new_one_of_that_group(simulator, driver, array):
    group_id = str(uuid.uuid4())
    members = [_member_as_1_1_0(driver, array, group_id, size=size) for size in (1, 2)]
    old = _group_snapshot_as_1_1_0(array, group_id, members)
    driver._update_share_stats()
    # A new group snapshot of the old group: one snapshot per member, as 1.1.0 took them.
    new = {"id": str(uuid.uuid4()), "share_group_id": group_id, "status": "creating",
           "share_group_snapshot_members": [
               {"id": str(uuid.uuid4()), "share_group_snapshot_id": "x",
                "share_id": share["share_id"], "share": share, "share_name": share["name"],
                "name": "share-snapshot-%s" % uuid.uuid4(), "size": share["size"],
                "share_proto": "NFS", "provider_location": None}
               for share, _ref in members]}
    _update, updates = driver.create_share_group_snapshot(None, new)
    by_id = dict((u["id"], u) for u in updates)
    for member, (_share, ref) in zip(new["share_group_snapshot_members"], members):
        member["provider_location"] = by_id[member["id"]]["provider_location"]
        assert member["provider_location"] in snapshot_names(array, ref)
    # A group from the 1.1.0 group snapshot: its shares are clones in the back end's project.
    group = {"id": str(uuid.uuid4()), "host": members[0][0]["host"], "status": "creating",
             "share_types": [], "source_share_group_snapshot_id": old["id"], "shares": []}
    for member in old["share_group_snapshot_members"]:
        group["shares"].append(make_share(
            size=member["size"], host=member["share"]["host"], share_group_id=group["id"],
            source_share_group_snapshot_member_id=member["id"],
            status="creating_from_snapshot"))
    _update, clones = driver.create_share_group_from_share_group_snapshot(None, group, old)
    status = dict((u["id"], u["status"]) for u in clones)
    for clone in group["shares"]:
        clone_ref = dataset_ref(POOL, _project(driver), clone["name"])
        assert array.find_share(clone_ref) is not None
        clone["status"] = status[clone["id"]]
        if clone["status"] == "creating_from_snapshot":
            assert driver.get_share_status(clone)["status"] == "available"
        driver.delete_share(None, clone)
        assert array.find_share(clone_ref) is None
    driver.delete_share_group(None, group)
    # Deleting both group snapshots removes every member's snapshot from the array.
    for snap in (old, new):
        assert driver.delete_share_group_snapshot(None, snap) == (None, None)
    for _share, ref in members:
        assert snapshot_names(array, ref) == []
        driver.delete_share(None, _share)


def test_a_group_whose_deletion_failed_in_one_pool_keeps_its_project_record(driver, array):
    """A group made by this driver records that it has a project of its own; the record goes
    once every pool's project is gone, not before: deleting again after a failure in the
    second pool must still delete that pool's project (not take the group for a 1.1.0 one)."""
    group = {"id": str(uuid.uuid4()), "host": "manila@tegile", "shares": []}
    driver.create_share_group(None, group)
    project = "%s-sg-%s" % (_project(driver), group["id"])
    stray = share_ref("pool-b", project, "stray")
    array.create_share(stray, quota=GiB)
    try:
        driver.delete_share_group(None, group)
    except Exception as err:  # the project of pool-b holds a share
        assert "stray" in str(err)
    else:
        raise AssertionError("deleting a group whose project holds a share succeeded")
    assert array.find_project(project_ref("pool-a", project)) is None
    array.delete_share(stray)
    driver.delete_share_group(None, group)
    assert array.find_project(project_ref("pool-b", project)) is None
    assert driver.private_storage.get(group["id"]) == {}


def test_a_missing_project_of_a_1_1_0_member_is_named_as_the_back_ends(driver):
    """A 1.1.0 group member lives in the back end's project: that project missing is not
    reported as its share group's."""
    from tegile_intelliflash.manila_driver import errors as errors_mod

    group_id = str(uuid.uuid4())
    share = make_share(share_group_id=group_id)
    ref = driver._backend.share_ref(share)
    assert ref.project == _project(driver)
    message = str(errors_mod.project_missing(share, ref)(None))
    assert "share group" not in message and _project(driver) in message
