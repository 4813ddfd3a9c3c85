# SPDX-License-Identifier: Apache-2.0
"""TegileShareDriver: snapshots, shares from snapshots (sync and in progress), revert,
snapshot manage/unmanage."""

import time

import pytest

from manila import exception

from tegile_driver_helpers import (
    GiB, POOL, create, make_rule, make_share, make_snapshot, snapshot_names, where,
)
from tegile_intelliflash.manila_driver import protocols
from tegile_intelliflash.manila_driver import snapshots as snapshots_mod
from tegile_intelliflash.client.paths import dataset_ref, project_ref, share_ref

# How long the simulator keeps a new clone in progress (its delay control).
CLONE_MS = 3000


def _snap(driver, share):
    snapshot = make_snapshot(share)
    update = driver.create_snapshot(None, snapshot)
    snapshot.update(update or {})
    snapshot["status"] = "available"
    return snapshot


def _grown_since_snapshot(simulator, driver):
    """A 2 GiB share with 0.5 GiB used, its snapshot, then extended to 4 GiB with 3 GiB used:
    (share, snapshot, (pool, project, name))."""
    share = create(driver, size=2)
    where_ = where(driver, share)
    dataset = "%s/Local/%s/%s" % where_
    simulator.set_used(dataset, GiB // 2)
    snapshot = _snap(driver, share)
    driver.extend_share(share, 4)
    simulator.set_used(dataset, 3 * GiB)
    return share, snapshot, where_


def test_create_and_delete_snapshot(driver, array):
    share = create(driver)
    pool, project, name = where(driver, share)
    snapshot = _snap(driver, share)
    full = "Manual-S-%s" % snapshot["name"]
    assert snapshot["provider_location"] == full
    assert full in snapshot_names(array, dataset_ref(pool, project, name))
    driver.delete_snapshot(None, snapshot)
    assert full not in snapshot_names(array, dataset_ref(pool, project, name))
    driver.delete_snapshot(None, snapshot)  # already gone: success
    # Without provider_location the name is derived from Manila's snapshot name.
    snapshot["provider_location"] = None
    driver.delete_snapshot(None, snapshot)


def test_delete_snapshot_of_a_deleted_share_succeeds(driver):
    share = create(driver)
    snapshot = _snap(driver, share)
    driver.delete_snapshot(None, snapshot)
    driver.delete_share(None, share)
    driver.delete_snapshot(None, snapshot)


def test_create_snapshot_of_a_missing_share(driver):
    with pytest.raises(exception.ShareResourceNotFound):
        driver.create_snapshot(None, make_snapshot(make_share()))


def test_share_from_snapshot_is_available_with_its_own_quota(simulator, driver, array):
    source = create(driver, size=2)
    spool, sproject, sname = where(driver, source)
    simulator.set_used("%s/Local/%s/%s" % (spool, sproject, sname), GiB)
    # Access on the source share must not leak to the clone.
    driver.update_access(None, source, [make_rule("ip", "10.1.0.0/16")], [], [], [])
    snapshot = _snap(driver, source)
    clone = make_share("NFS", size=5)
    result = driver.create_share_from_snapshot(None, clone, snapshot, parent_share=source)
    assert result["status"] == "available"
    pool, project, name = where(driver, clone)
    assert result["export_locations"][0]["path"].endswith(":/export/%s/%s" % (project, name))
    info = array.get_share(share_ref(pool, project, name))
    assert info.quota_bytes == 5 * GiB
    # Closed as a new share is: exported over neither protocol, by settings of its own.
    assert array.is_exposed("nfs", dataset_ref(pool, project, name)) is False
    assert array.is_exposed("smb", dataset_ref(pool, project, name)) is False
    assert (info.nfs_own, info.smb_own) == (True, True)
    assert array.get_user_acls(share_ref(pool, project, name)) == []
    # Its first rule exports it to that rule alone.
    rule = make_rule("ip", "10.2.0.1")
    assert driver.update_access(None, clone, [rule], [rule], [], []) == {}
    assert array.is_exposed("nfs", dataset_ref(pool, project, name)) is True
    assert [r.host for r in array.get_network_acls("nfs", dataset_ref(pool, project, name))] == \
        ["10.2.0.1"]
    # A snapshot with a clone is busy.
    with pytest.raises(exception.ShareSnapshotIsBusy):
        driver.delete_snapshot(None, snapshot)


def test_thick_share_from_snapshot_reserves_its_size(driver, array, share_type_specs):
    share_type_specs["thick"] = {"thin_provisioning": "<is> False", "dedupe": "<is> True"}
    source = create(driver, size=1)
    snapshot = _snap(driver, source)
    clone = make_share("NFS", size=2, share_type_id="thick")
    assert driver.create_share_from_snapshot(None, clone, snapshot)["status"] == "available"
    info = array.get_share(share_ref(*where(driver, clone)))
    assert (info.quota_bytes, info.reservation_bytes, info.dedup) == \
        (2 * GiB, 2 * GiB, True)


def test_share_from_snapshot_cifs_without_parent_share(driver, array):
    source = create(driver, "CIFS", size=1)
    snapshot = _snap(driver, source)
    clone = make_share("CIFS", size=1)
    result = driver.create_share_from_snapshot(None, clone, snapshot)
    assert result["status"] == "available"
    assert result["export_locations"][0]["path"].startswith("\\\\")
    pool, project, name = where(driver, clone)
    assert array.is_exposed("smb", dataset_ref(pool, project, name)) is True


def test_share_from_snapshot_smaller_than_its_data_is_cleaned_up(simulator, driver, array):
    source = create(driver, size=4)
    spool, sproject, sname = where(driver, source)
    simulator.set_used("%s/Local/%s/%s" % (spool, sproject, sname), 3 * GiB)
    snapshot = _snap(driver, source)
    clone = make_share("NFS", size=1)
    with pytest.raises(exception.ShareBackendException) as err:
        driver.create_share_from_snapshot(None, clone, snapshot, parent_share=source)
    assert clone["id"] in str(err.value)
    assert array.find_share(share_ref(*where(driver, clone))) is None  # no orphan clone


def test_share_from_snapshot_cleans_up_when_a_later_step_fails(simulator, driver, array):
    source = create(driver)
    snapshot = _snap(driver, source)
    clone = make_share("NFS", size=1)
    simulator.set_faults(error_rate=1, status=500, methods=["setNFSSharingOnShare"], count=1)
    try:
        with pytest.raises(exception.ShareBackendException):
            driver.create_share_from_snapshot(None, clone, snapshot, parent_share=source)
    finally:
        simulator.clear_faults()
    assert array.find_share(share_ref(*where(driver, clone))) is None
    driver.delete_snapshot(None, snapshot)  # not busy: the clone is gone


def test_finish_clone_needs_no_abandon(simulator, driver, array):
    """A share group's members are removed by the group's creation when one fails: without an
    ``abandon`` the failure is translated as usual and the share is left to the caller."""
    share = create(driver, size=4)
    pool, project, name = where(driver, share)
    simulator.set_used("%s/Local/%s/%s" % (pool, project, name), 3 * GiB)
    small = dict(share, size=1)
    with pytest.raises(exception.ShareBackendException) as err:
        snapshots_mod.finish_clone(driver._backend, small, share_ref(pool, project, name),
                                   protocols.of_share(small), GiB, {})
    assert "the snapshot holds more data than the requested 1 GiB" in str(err.value)
    assert array.find_share(share_ref(pool, project, name)) is not None
    driver.delete_share(None, share)


def test_share_from_snapshot_in_progress_is_finished_by_get_share_status(simulator, driver,
                                                                         array):
    source = create(driver, size=1)
    snapshot = _snap(driver, source)
    clone = make_share("NFS", size=3)
    pool, project, name = where(driver, clone)

    def array_state():
        return array.get_clone_status(dataset_ref(POOL, project, source["name"]),
                                      snapshot["provider_location"], name).state

    simulator.set_delays(clone_ms=CLONE_MS)
    try:
        result = driver.create_share_from_snapshot(None, clone, snapshot,
                                                   parent_share=source)
    finally:
        simulator.set_delays(clone_ms=0)
    assert result == {"status": "creating_from_snapshot"}
    clone["status"] = "creating_from_snapshot"
    assert array.find_share(share_ref(pool, project, name)) is not None
    if array_state() == "in_progress":
        assert driver.get_share_status(clone) == {"status": "creating_from_snapshot"}
    # Wait for the array (not the driver) to finish the clone.
    for _attempt in range(1200):
        if array_state() != "in_progress":
            break
        time.sleep(0.1)
    else:
        pytest.fail("the simulator never finished the clone")
    status = driver.get_share_status(clone)
    assert status["status"] == "available"
    assert status["export_locations"][0]["path"].endswith(name)
    assert status["export_locations"][0]["path"] == "%s:/export/%s/%s" % (
        array.list_floating_ips(pool)[0].address, project, name)
    info = array.get_share(share_ref(pool, project, name))
    assert info.quota_bytes == 3 * GiB
    assert (info.nfs, info.nfs_own, info.smb, info.smb_own) == (False, True, False, True)


def test_get_share_status_without_a_clone_record_is_an_error(driver):
    share = make_share(status="creating_from_snapshot")
    with pytest.raises(exception.ShareBackendException):
        driver.get_share_status(share)


def test_revert_to_snapshot_restores_data_and_size(simulator, driver, array):
    share, snapshot, (pool, project, name) = _grown_since_snapshot(simulator, driver)
    rules = [make_rule("ip", "10.0.0.7")]
    driver.update_access(None, share, rules, rules, [], [])
    driver.revert_to_snapshot(None, snapshot, rules, [])
    info = array.get_share(share_ref(pool, project, name))
    assert info.quota_bytes == 2 * GiB  # the snapshot's size
    assert driver.update_share_usage_size(None, [share])[0]["used_size"] == 0.5
    assert [r.host for r in array.get_network_acls("nfs", dataset_ref(pool, project, name))] == \
        ["10.0.0.7"]
    assert snapshot["provider_location"] in snapshot_names(array, dataset_ref(pool, project, name))


def _allocated(driver):
    driver._update_share_stats()
    return [p for p in driver._stats["pools"] if p["pool_name"] == POOL][0][
        "allocated_capacity_gb"]


@pytest.mark.parametrize("thin", [True, False])
def test_revert_of_a_share_shrunk_since_its_snapshot_grows_it_first(
        simulator, driver, array, share_type_specs, thin):
    """Manila reverts a share shrunk since its snapshot, growing it back to the snapshot's size:
    the snapshot's data does not fit under the quota of now, and the array refuses such a
    rollback (C7/C14, ZFS refquota). The share gets the snapshot's size first."""
    share_type_specs["t"] = {"thin_provisioning": thin}
    share = create(driver, size=4, share_type_id="t")
    pool, project, name = where(driver, share)
    dataset = "%s/Local/%s/%s" % (pool, project, name)
    simulator.set_used(dataset, 3 * GiB)
    snapshot = _snap(driver, share)
    simulator.set_used(dataset, GiB)  # data deleted, then the share shrunk
    driver.shrink_share(share, 2)
    share["size"] = 2
    assert _allocated(driver) == 2
    driver.revert_to_snapshot(None, snapshot, [], [])
    info = array.get_share(share_ref(pool, project, name))
    assert (info.quota_bytes, info.used_bytes) == (4 * GiB, 3 * GiB)
    assert info.reservation_bytes == (0 if thin else 4 * GiB)
    simulator.reset_calls()
    assert _allocated(driver) == 4
    assert simulator.calls()["by_method"] == {"listPools": 1}


@pytest.mark.parametrize("thin", [True, False])
def test_a_revert_that_fails_after_growing_the_share_puts_its_size_back(
        simulator, driver, array, share_type_specs, thin):
    share_type_specs["t"] = {"thin_provisioning": thin}
    share = create(driver, size=4, share_type_id="t")
    pool, project, name = where(driver, share)
    snapshot = _snap(driver, share)
    driver.shrink_share(share, 2)
    share["size"] = 2
    array.create_snapshot(dataset_ref(pool, project, name), "scheduled-1")  # stops the revert
    assert _allocated(driver) == 2
    with pytest.raises(exception.ShareBackendException):
        driver.revert_to_snapshot(None, snapshot, [], [])
    info = array.get_share(share_ref(pool, project, name))
    assert info.quota_bytes == 2 * GiB
    assert info.reservation_bytes == (0 if thin else 2 * GiB)
    assert _allocated(driver) == 2


def test_a_revert_whose_outcome_is_unknown_leaves_the_grown_limits_whole(
        simulator, driver, array, share_type_specs):
    """The rollback's reply is lost after the array ran it: the snapshot's data is back, so
    the quota cannot be put back below it. A thick share keeps quota and reservation equal
    (the reservation is not lowered alone), and the share is read again at the next refresh."""
    share_type_specs["t"] = {"thin_provisioning": False}
    share = create(driver, size=4, share_type_id="t")
    pool, project, name = where(driver, share)
    dataset = "%s/Local/%s/%s" % (pool, project, name)
    simulator.set_used(dataset, 3 * GiB)
    snapshot = _snap(driver, share)
    simulator.set_used(dataset, GiB)
    driver.shrink_share(share, 2)
    share["size"] = 2
    assert _allocated(driver) == 2
    simulator.set_faults(drop_reply_rate=1.0, methods=["rollBackToShareSnapshot"], count=1)
    try:
        with pytest.raises(exception.ShareBackendException):
            driver.revert_to_snapshot(None, snapshot, [], [])
    finally:
        simulator.clear_faults()
    info = array.get_share(share_ref(pool, project, name))
    assert (info.used_bytes, info.quota_bytes, info.reservation_bytes) == (
        3 * GiB, 4 * GiB, 4 * GiB)
    assert _allocated(driver) == 4


def test_revert_of_a_share_gone_from_the_array_says_so(driver, array):
    """The share is read before the rollback (to grow it first when needed): a share removed
    from the array is reported missing, not as a quota that could not be set."""
    share = create(driver)
    snapshot = _snap(driver, share)
    array.delete_share(share_ref(*where(driver, share)), recursive=True)
    with pytest.raises(exception.ShareResourceNotFound):
        driver.revert_to_snapshot(None, snapshot, [], [])


def test_revert_never_destroys_newer_array_snapshots(driver, array):
    share = create(driver)
    pool, project, name = where(driver, share)
    snapshot = _snap(driver, share)
    array.create_snapshot(dataset_ref(pool, project, name), "scheduled-1")
    with pytest.raises(exception.ShareBackendException) as err:
        driver.revert_to_snapshot(None, snapshot, [], [])
    assert "Manual-S-scheduled-1" in str(err.value)
    assert "Manual-S-scheduled-1" in snapshot_names(array, dataset_ref(pool, project, name))


def test_manage_and_unmanage_snapshot(driver, array):
    share = create(driver, size=2)
    pool, project, name = where(driver, share)
    array.create_snapshot(dataset_ref(pool, project, name), "legacy-snap")
    for location in ("Manual-S-legacy-snap", "legacy-snap",
                     "%s/Local/%s/%s@Manual-S-legacy-snap" % (pool, project, name)):
        snapshot = make_snapshot(share, provider_location=location)
        result = driver.manage_existing_snapshot(snapshot, {})
        assert result == {"size": 2, "provider_location": "Manual-S-legacy-snap"}
    snapshot["provider_location"] = result["provider_location"]
    driver.unmanage_snapshot(snapshot)
    assert "Manual-S-legacy-snap" in snapshot_names(array, dataset_ref(pool, project, name))
    # Managed, it can then be deleted by Manila like any other.
    driver.delete_snapshot(None, snapshot)
    assert "Manual-S-legacy-snap" not in snapshot_names(array, dataset_ref(pool, project, name))


def test_manage_snapshot_refuses_unknown_or_foreign_snapshots(driver):
    share = create(driver)
    with pytest.raises(exception.ManageInvalidShareSnapshot):
        driver.manage_existing_snapshot(make_snapshot(share, provider_location="nope"), {})
    with pytest.raises(exception.ManageInvalidShareSnapshot):
        driver.manage_existing_snapshot(make_snapshot(
            share, provider_location="pool-a/Local/other/x@Manual-S-y"), {})
    with pytest.raises(exception.ManageInvalidShareSnapshot):
        driver.manage_existing_snapshot(make_snapshot(share, provider_location=""), {})
    pool, project, name = where(driver, share)
    with pytest.raises(exception.ManageInvalidShareSnapshot):  # no name after the "@"
        driver.manage_existing_snapshot(make_snapshot(
            share, provider_location="%s/Local/%s/%s@" % (pool, project, name)), {})


def test_works_with_manilas_own_fake_models(driver, array):
    """The share manager passes model objects, not dicts: use Manila's test fakes."""
    import uuid

    from manila.tests import fake_share

    share_id = str(uuid.uuid4())
    share = fake_share.fake_share(id=share_id, name="share-%s" % share_id, size=1,
                                  share_proto="NFS", host="manila@tegile#%s" % POOL,
                                  share_type_id=None, export_locations=[])
    locations = driver.create_share(None, share)
    assert locations[0]["path"].endswith("/share-%s" % share_id)
    snap_id = str(uuid.uuid4())
    snapshot = fake_share.fake_snapshot_instance(
        id=snap_id, name="share-snapshot-%s" % snap_id, share=share,
        share_instance_id=share_id, share_name=share["name"], provider_location=None,
        size=1)
    update = driver.create_snapshot(None, snapshot)
    snapshot.values["provider_location"] = update["provider_location"]
    clone_id = str(uuid.uuid4())
    clone = fake_share.fake_share(id=clone_id, name="share-%s" % clone_id, size=2,
                                  share_proto="NFS", host="manila@tegile#%s" % POOL,
                                  share_type_id=None, status="creating_from_snapshot")
    result = driver.create_share_from_snapshot(None, clone, snapshot, parent_share=share)
    assert result["status"] == "available"
    rule = fake_share.fake_access(id=str(uuid.uuid4()), access_id=str(uuid.uuid4()),
                                  access_type="ip", access_to="10.3.0.0/24",
                                  access_level="ro")
    assert driver.update_access(None, clone, [rule], [rule], [], []) == {}
    driver.delete_share(None, clone)
    driver.delete_snapshot(None, snapshot)
    driver.delete_share(None, share)
    project = driver.configuration.safe_get("tegile_default_project")
    assert array.list_shares(project_ref(POOL, project)) == []


def test_a_revert_whose_size_cannot_be_set_says_the_data_is_reverted(simulator, driver, array):
    """The share grew since its snapshot: the rollback comes first, then the quota goes down to
    the snapshot's size. When that write fails, the revert fails saying that the share's data
    is the snapshot's already (only its size is left), not as if nothing had happened."""
    dummy, snapshot, (pool, project, name) = _grown_since_snapshot(simulator, driver)
    simulator.set_faults(error_rate=1, status=400, methods=["modifyShareProperties"], count=1)
    try:
        with pytest.raises(exception.ShareBackendException) as err:
            driver.revert_to_snapshot(None, snapshot, [], [])
    finally:
        simulator.clear_faults()
    assert "reverted to snapshot %s" % snapshot["id"] in str(err.value)
    info = array.get_share(share_ref(pool, project, name))
    assert (info.used_bytes, info.quota_bytes) == (GiB // 2, 4 * GiB)


def test_a_share_from_a_snapshot_of_another_project_is_refused_before_any_call(
        simulator, driver, array):
    """The array clones a snapshot into its share's project: a share outside a share group from
    a member's snapshot (or a member from another share's snapshot) would be made in the group's
    project (or the back end's), where the driver never looks for it; it stayed there, and the
    group's deletion was refused for it."""
    import uuid

    group = {"id": str(uuid.uuid4()), "host": "manila@tegile", "shares": []}
    driver.create_share_group(None, group)
    group_project = "%s-sg-%s" % (driver._backend.project, group["id"])
    member = create(driver, share_group_id=group["id"])
    plain = create(driver)
    for source, new in ((member, make_share()),
                        (plain, make_share(share_group_id=group["id"]))):
        snap = make_snapshot(source)
        snap.update(driver.create_snapshot(None, snap))
        simulator.reset_calls()
        with pytest.raises(exception.InvalidShare, match="project of its source"):
            driver.create_share_from_snapshot(None, new, snap)
        assert simulator.calls()["writes"] == 0
        for project in (driver._backend.project, group_project):
            assert array.find_share(share_ref(POOL, project, new["name"])) is None
        driver.delete_snapshot(None, snap)
    for share in (member, plain):
        driver.delete_share(None, share)
    driver.delete_share_group(None, group)
