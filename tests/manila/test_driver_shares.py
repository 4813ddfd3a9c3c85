# SPDX-License-Identifier: Apache-2.0
"""TegileShareDriver: shares (create, delete, resize, ensure, usage, manage)."""

import re
from unittest import mock

import pytest

from manila import exception
from manila.share import manager as share_manager

from tegile_driver_helpers import (GiB, POOL, create, fault_after_first_call, make_rule,
                                   make_share, pass_floating_ip_ttl, where)
from tegile_intelliflash.client import errors as client_errors
from tegile_intelliflash.client.acl import NetworkRule
from tegile_intelliflash.client.views import FloatingIP
from tegile_intelliflash.client.paths import dataset_ref, project_ref, share_ref
from tegile_intelliflash.manila_driver.backend import PD_ARRAY_NAME

NFS_LOCATION = re.compile(r"^192\.0\.2\.\d+:/export/[^/]+/share-[0-9a-f-]+$")


def test_create_nfs_share_sets_quota_and_leaves_it_unexported(driver, array):
    share = make_share("NFS", size=2)
    locations = driver.create_share(None, share)
    pool, project, name = where(driver, share)
    info = array.get_share(share_ref(pool, project, name))
    assert info.quota_bytes == 2 * GiB
    # Closed until the first IP rule: exported over neither protocol, both off by settings of
    # the share's own (the project's changes do not reach it).
    assert array.is_exposed("nfs", dataset_ref(pool, project, name)) is False
    assert array.is_exposed("smb", dataset_ref(pool, project, name)) is False
    assert (info.nfs, info.nfs_own, info.smb, info.smb_own) == (False, True, False, True)
    assert array.get_user_acls(share_ref(pool, project, name)) == []
    assert len(locations) == 1
    assert locations[0]["path"] == "%s:/export/%s/%s" % (
        array.list_floating_ips(pool)[0].address, project, name)
    assert NFS_LOCATION.match(locations[0]["path"])
    assert locations[0]["is_admin_only"] is False
    assert locations[0]["metadata"] == {"preferred": True}


def test_create_cifs_share(driver, array):
    share = make_share("CIFS", size=1)
    locations = driver.create_share(None, share)
    pool, project, name = where(driver, share)
    assert array.is_exposed("smb", dataset_ref(pool, project, name)) is True
    assert array.is_exposed("nfs", dataset_ref(pool, project, name)) is False
    assert array.get_share(share_ref(pool, project, name)).quota_bytes == GiB
    ip = array.list_floating_ips(pool)[0].address
    display = array.get_share(share_ref(pool, project, name)).smb_name or \
        "%s_%s" % (project, name)
    assert [loc["path"] for loc in locations] == ["\\\\%s\\%s" % (ip, display)]


def test_new_share_ignores_the_projects_sharing_and_acls(driver, array):
    # An administrator exported the whole project to a network: new shares stay closed.
    project = driver.configuration.safe_get("tegile_default_project")
    array.set_nfs_sharing(project_ref(POOL, project), True)
    array.set_network_acls("nfs", project_ref(POOL, project),
                           [{"host": "10.9.0.0/16", "access": "rw"}])
    share = create(driver, "CIFS")
    pool, project, name = where(driver, share)
    assert array.is_exposed("nfs", dataset_ref(pool, project, name)) is False
    share = create(driver, "NFS")
    pool, project, name = where(driver, share)
    assert array.is_exposed("nfs", dataset_ref(pool, project, name)) is False
    assert array.get_share(share_ref(pool, project, name)).nfs_own is True


@pytest.mark.parametrize("field,value,text", [
    ("share_proto", "CEPHFS", "protocol CEPHFS"),
    ("size", 0, "size"),
    ("size", 1.5, "whole number"),
    ("name", "bad name", "white space"),
])
def test_create_refuses_bad_input_before_writing(simulator, driver, field, value, text):
    share = make_share()
    share[field] = value
    simulator.reset_calls()
    with pytest.raises(exception.InvalidShare) as err:
        driver.create_share(None, share)
    assert text in str(err.value)
    assert simulator.calls()["writes"] == 0


def test_create_applies_dedupe_and_compression_from_the_share_type(driver, array,
                                                                   share_type_specs):
    share_type_specs["thin-dedup"] = {"dedupe": "<is> True", "compression": "<is> False"}
    share_type_specs["plain"] = {"dedupe": "<is> False"}
    share = create(driver, share_type_id="thin-dedup")
    info = array.get_share(share_ref(*where(driver, share)))
    assert (info.dedup, info.compression) == (True, "off")
    share = create(driver, share_type_id="plain")
    info = array.get_share(share_ref(*where(driver, share)))
    assert info.dedup is False
    assert info.compression == "lz4"  # the project's default, untouched


def test_share_type_properties_are_pinned_on_the_share(driver, array, share_type_specs):
    # dedup "on" is pinned even though it matches nothing the project says later.
    share_type_specs["dedup"] = {"dedupe": "<is> True", "compression": "<is> True"}
    share = create(driver, share_type_id="dedup")
    pool, project, name = where(driver, share)
    array.modify_project(project_ref(pool, project), {"dedup": "off", "compression": "gzip"})
    info = array.get_share(share_ref(pool, project, name))
    assert (info.dedup, info.compression) == (True, "lz4")


def test_thick_share_reserves_its_size_and_keeps_it_on_resize(
        driver, array, share_type_specs):
    share_type_specs["thick"] = {"thin_provisioning": "<is> False"}
    share = create(driver, size=2, share_type_id="thick")
    pool, project, name = where(driver, share)
    info = array.get_share(share_ref(pool, project, name))
    assert (info.quota_bytes, info.reservation_bytes) == (2 * GiB, 2 * GiB)
    driver.extend_share(share, 3)
    share["size"] = 3  # as Manila records it
    info = array.get_share(share_ref(pool, project, name))
    assert (info.quota_bytes, info.reservation_bytes) == (3 * GiB, 3 * GiB)
    driver.shrink_share(share, 1)
    share["size"] = 1
    info = array.get_share(share_ref(pool, project, name))
    assert (info.quota_bytes, info.reservation_bytes) == (GiB, GiB)
    # A reservation the pool cannot hold: refused, the old size stays.
    too_big = array.get_pool(pool).total_bytes // GiB + 1
    with pytest.raises(exception.ShareBackendException) as err:
        driver.extend_share(share, too_big)
    assert "not enough free space" in str(err.value) and share["id"] in str(err.value)
    info = array.get_share(share_ref(pool, project, name))
    assert (info.quota_bytes, info.reservation_bytes) == (GiB, GiB)
    # Thin shares get no reservation.
    thin = create(driver, size=2)
    assert not array.get_share(share_ref(*where(driver, thin))).reservation_bytes


def test_create_refuses_a_bad_extra_spec_before_writing(simulator, driver, share_type_specs):
    share_type_specs["bad"] = {"compression": "<is> maybe"}
    simulator.reset_calls()
    with pytest.raises(exception.InvalidShare) as err:
        driver.create_share(None, make_share(share_type_id="bad"))
    assert "compression" in str(err.value)
    assert simulator.calls()["writes"] == 0


def test_create_removes_the_share_when_a_later_step_fails(simulator, driver, array):
    share = make_share("NFS")
    simulator.set_faults(error_rate=1, status=500, methods=["setNFSSharingOnShare"], count=1)
    try:
        with pytest.raises(exception.ShareBackendException) as err:
            driver.create_share(None, share)
    finally:
        simulator.clear_faults()
    assert share["id"] in str(err.value)
    assert array.find_share(share_ref(*where(driver, share))) is None


def test_create_of_an_existing_share_is_refused(driver, array):
    share = create(driver)
    with pytest.raises(exception.ShareBackendException) as err:
        driver.create_share(None, dict(share))
    assert "already exists" in str(err.value)
    assert array.find_share(share_ref(*where(driver, share))) is not None


def test_delete_share_and_delete_again(driver, array):
    share = create(driver)
    driver.delete_share(None, share)
    assert array.find_share(share_ref(*where(driver, share))) is None
    driver.delete_share(None, share)  # already gone: success


def test_delete_share_removes_snapshots_unknown_to_manila(driver, array):
    share = create(driver)
    pool, project, name = where(driver, share)
    array.create_snapshot(dataset_ref(pool, project, name), "hourly-1")
    driver.delete_share(None, share)
    assert array.find_share(share_ref(pool, project, name)) is None


def test_extend_and_shrink_set_the_quota(driver, array):
    share = create(driver, size=2)
    driver.extend_share(share, 5)
    assert array.get_share(share_ref(*where(driver, share))).quota_bytes == 5 * GiB
    driver.shrink_share(share, 3)
    assert array.get_share(share_ref(*where(driver, share))).quota_bytes == 3 * GiB


def test_shrink_below_used_space_is_refused_and_changes_nothing(simulator, driver, array):
    share = create(driver, size=4)
    pool, project, name = where(driver, share)
    simulator.set_used("%s/Local/%s/%s" % (pool, project, name), 3 * GiB + 1)
    simulator.reset_calls()
    with pytest.raises(exception.ShareShrinkingPossibleDataLoss) as err:
        driver.shrink_share(share, 3)
    assert share["id"] in str(err.value)
    # The array refuses the quota (C7); the driver reads the used space only then, to say why.
    assert [e["outcome"] for e in simulator.call_log()["entries"]
            if e["write"]] == ["EZEBI_INVALID_QUOTA_RESERVATION_VALUE"]
    assert array.get_share(share_ref(pool, project, name)).quota_bytes == 4 * GiB
    driver.shrink_share(share, 4)  # same size: fine
    simulator.set_used("%s/Local/%s/%s" % (pool, project, name), 3 * GiB)
    driver.shrink_share(share, 3)
    assert array.get_share(share_ref(pool, project, name)).quota_bytes == 3 * GiB


def test_resize_of_a_missing_share_is_share_resource_not_found(driver):
    share = make_share()
    with pytest.raises(exception.ShareResourceNotFound):
        driver.extend_share(share, 2)


def test_array_errors_become_backend_errors_naming_the_share(simulator, driver):
    share = create(driver)
    simulator.set_faults(error_rate=1, status=503, methods=["modifyShareProperties"],
                         count=1)
    try:
        with pytest.raises(exception.ShareBackendException) as err:
            driver.extend_share(share, 2)
    finally:
        simulator.clear_faults()
    assert share["id"] in str(err.value)
    assert simulator.password not in str(err.value)


def test_get_pool(driver):
    share = create(driver)
    assert driver.get_pool(share) == POOL
    share_without_pool = dict(share, host="manila@tegile")
    assert driver.get_pool(share_without_pool) == POOL


def test_ensure_shares_reports_locations_missing_shares_and_reexports(driver, array):
    nfs = create(driver, "NFS")
    cifs = create(driver, "CIFS")
    gone = make_share("NFS")
    pool, project, name = where(driver, cifs)
    array.set_smb_sharing(dataset_ref(pool, project, name), False)  # someone unexported it
    updates = driver.ensure_shares(None, [nfs, cifs, gone])
    assert updates[gone["id"]]["status"] == "error"
    assert updates[nfs["id"]]["export_locations"] == nfs["export_locations"]
    assert updates[cifs["id"]]["export_locations"] == cifs["export_locations"]
    assert updates[cifs["id"]]["reapply_access_rules"] is True
    assert array.is_exposed("smb", dataset_ref(pool, project, name)) is True
    assert array.get_network_acls("smb", dataset_ref(pool, project, name)) == []


def test_ensure_of_an_unexported_share_writes_nothing_and_asks_for_the_rules(
        simulator, driver, array):
    """An NFS share off by its own settings (a new share; one someone unexported) is closed,
    not broken: nothing is written nor its list read; Manila applies its rules again, and the
    first IP rule exports it."""
    fresh = create(driver, "NFS")
    used = create(driver, "NFS")
    rule = make_rule("ip", "10.0.0.9")
    driver.update_access(None, used, [rule], [rule], [], [])
    upool, uproject, uname = where(driver, used)
    array.set_nfs_sharing(dataset_ref(upool, uproject, uname), False)  # someone unexported it
    simulator.reset_calls()
    updates = driver.ensure_shares(None, [fresh, used])
    by_method = simulator.calls()["by_method"]
    assert set(by_method) <= {"getShare", "getFloatingIPList"}, by_method
    assert by_method["getShare"] == 2, by_method
    for share in (fresh, used):
        assert updates[share["id"]]["reapply_access_rules"] is True
        assert updates[share["id"]]["status"] == "available"
        assert updates[share["id"]]["export_locations"] == share["export_locations"]
        pool, project, name = where(driver, share)
        assert array.is_exposed("nfs", dataset_ref(pool, project, name)) is False
    # Manila re-applies its rules (all of them, as additions).
    assert driver.update_access(None, used, [rule], [rule], [], []) == {}
    assert array.is_exposed("nfs", dataset_ref(upool, uproject, uname)) is True
    assert [r.host for r in array.get_network_acls("nfs", dataset_ref(upool, uproject, uname))] \
        == ["10.0.0.9"]


def test_ensure_shares_repairs_shares_of_the_in_tree_driver(simulator, driver, array):
    # What the in-tree driver left: no quota, NFS on with an empty list (every host).
    share = make_share("NFS", size=3)
    pool, project, name = where(driver, share)
    array.create_share(share_ref(pool, project, name))
    array.set_nfs_sharing(dataset_ref(pool, project, name), True)
    full = make_share("NFS", size=1)
    fpool, fproject, fname = where(driver, full)
    array.create_share(share_ref(fpool, fproject, fname))
    array.set_nfs_sharing(dataset_ref(fpool, fproject, fname), True)
    array.set_network_acls("nfs", dataset_ref(fpool, fproject, fname), [{"host": "10.0.0.1"}])
    simulator.set_used("%s/Local/%s/%s" % (fpool, fproject, fname), 2 * GiB)
    updates = driver.ensure_shares(None, [share, full])
    assert updates[share["id"]]["reapply_access_rules"] is True
    assert updates[share["id"]]["status"] == "available"
    assert array.get_share(share_ref(pool, project, name)).quota_bytes == 3 * GiB
    # Holding more than its size: left without quota, still ensured.
    assert updates[full["id"]]["reapply_access_rules"] is False
    assert not array.get_share(share_ref(fpool, fproject, fname)).quota_bytes
    # Manila then re-applies its rules: the export is closed to everyone else.
    rule = make_rule("ip", "10.0.0.9")
    assert driver.update_access(None, share, [rule], [], [], []) == {}
    assert [r.host for r in array.get_network_acls("nfs", dataset_ref(pool, project, name))] == \
        ["10.0.0.9"]


def _manila_ensure(driver, shares):
    """Run Manila 23's own ShareManager.ensure_driver_resources over ``shares`` (database
    mocked) and return the last status Manila wrote for each share."""
    statuses = {}
    shares = [dict(share, access_rules_status="active") for share in shares]
    db = mock.MagicMock()
    db.backend_info_get.return_value = None
    db.share_instance_get_all_by_host.return_value = shares
    db.share_get.return_value = mock.MagicMock(is_busy=False)
    db.share_instance_get.side_effect = lambda ctxt, sid, **kw: next(
        s for s in shares if s["id"] == sid)
    db.service_get_by_args.return_value = {"id": 1}
    db.share_snapshot_instance_get_all_with_filters.return_value = []
    db.share_instance_update.side_effect = lambda ctxt, sid, values: statuses.update(
        {sid: values.get("status", statuses.get(sid))})
    manager = mock.MagicMock(db=db, driver=driver, host="manila@tegile")
    manager._get_share_instance_dict.side_effect = lambda ctxt, si: dict(si)
    manager._get_share_server.return_value = None
    share_manager.ShareManager.ensure_driver_resources(manager, None)
    return statuses


def test_ensure_shares_leaves_no_share_in_ensuring_when_one_fails(simulator, driver):
    # Manila sets every share to 'ensuring' first and back to 'available' only for the shares
    # the driver answers for: a share left out would stay 'ensuring' (unusable).
    first, broken, last = create(driver), create(driver), create(driver)
    name = where(driver, broken)[2]
    real_get = driver.client.get_share

    def failing(ref):
        if ref.name == name:
            raise client_errors.IntelliFlashError("unexpected reply", method="getShare")
        return real_get(ref)

    with mock.patch.object(driver.client, "get_share", side_effect=failing):
        statuses = _manila_ensure(driver, [first, broken, last])
    assert statuses == {first["id"]: "available", broken["id"]: "available",
                        last["id"]: "available"}


def test_ensure_shares_on_an_unreachable_array_keeps_the_shares_usable(simulator, driver):
    shares = [create(driver), create(driver)]
    simulator.reset_calls()
    driver.client.close()
    updates = driver.ensure_shares(None, shares)
    # Nothing known: no status, no export location change, the second share not tried.
    assert updates == {shares[0]["id"]: {}, shares[1]["id"]: {}}
    assert simulator.calls()["total"] == 0
    assert set(_manila_ensure(driver, shares).values()) == {"available"}


def test_update_share_usage_size(simulator, driver):
    share = create(driver, size=10)
    pool, project, name = where(driver, share)
    simulator.set_used("%s/Local/%s/%s" % (pool, project, name), int(2.5 * GiB))
    gone = make_share()
    result = driver.update_share_usage_size(None, [share, gone])
    assert [r["id"] for r in result] == [share["id"]]
    assert result[0]["used_size"] == 2.5
    assert result[0]["gathered_at"] is not None


def test_update_share_usage_size_stops_at_an_unreachable_array(simulator, driver, caplog):
    # Every getShare answered 503 (after the retry budget): the first share's failure says the
    # array is unusable, the others are not read (each would wait out its own budget and log
    # its own warning: hours of a periodic task and a log flood during an outage).
    shares = [create(driver) for dummy in range(3)]
    simulator.reset_calls()
    simulator.set_faults(error_rate=1, status=503, methods=["getShare"], count=1000)
    try:
        result = driver.update_share_usage_size(None, shares)
    finally:
        simulator.clear_faults()
    assert result == []
    assert simulator.calls()["by_method"].get("getShare") == 1
    warned = [r for r in caplog.records if r.levelname == "WARNING"
              and "usage" in r.getMessage()]
    assert len(warned) == 1
    assert "2" in warned[0].getMessage()
    assert simulator.password not in caplog.text


# -- manage / unmanage ------------------------------------------------------------------------

def _foreign_share(array, project, name, quota=None, nfs=True, smb=False):
    array.create_share(share_ref(POOL, project, name), quota=quota)
    array.set_nfs_sharing(dataset_ref(POOL, project, name), nfs)
    array.set_smb_sharing(dataset_ref(POOL, project, name), smb)


def _allocated_gib(driver):
    driver._update_share_stats()
    return [p for p in driver._stats["pools"] if p["pool_name"] == POOL][0][
        "allocated_capacity_gb"]


@pytest.mark.parametrize("operation", ["manage", "ensure"])
def test_a_count_during_manage_or_ensure_is_not_kept(driver, array, monkeypatch, operation):
    """Manage gives a share without quota its size as quota (ensure may give quotas back): a
    stats refresh that counted the pool while the operation ran, before that write, must not
    be kept for the recount interval."""
    from tegile_intelliflash.manila_driver import manage as manage_mod
    from tegile_intelliflash.manila_driver import shares as shares_mod

    project = driver.configuration.safe_get("tegile_default_project")
    _foreign_share(array, project, "legacy-count")  # no quota, nothing used: counts 0
    ip = array.list_floating_ips(POOL)[0].address
    share = make_share("NFS", size=None, export_locations=[
        {"path": "%s:/export/%s/legacy-count" % (ip, project)}])
    module, name = (manage_mod, "manage_existing") if operation == "manage" else \
        (shares_mod, "ensure_shares")
    real = getattr(module, name)

    def counted_first(*args, **kwargs):
        assert _allocated_gib(driver) == 0  # a refresh counts the pool meanwhile
        return real(*args, **kwargs)

    if operation == "ensure":
        driver.manage_existing(share, {})  # a 1 GiB quota now
        array.set_share_quota(share_ref(POOL, project, "legacy-count"), 0)  # changed by hand
        share["size"] = 1
        driver._backend.allocated.forget()  # as after a restart: the refresh counts
    monkeypatch.setattr(module, name, counted_first)
    if operation == "manage":
        assert driver.manage_existing(share, {})["size"] == 1
        assert array.get_share(share_ref(POOL, project, "legacy-count")).quota_bytes == GiB
    else:
        driver.ensure_shares(None, [share])
    assert _allocated_gib(driver) == 1


def test_manage_nfs_share_with_quota(driver, array):
    project = driver.configuration.safe_get("tegile_default_project")
    _foreign_share(array, project, "legacy1", quota=3 * GiB)
    ip = array.list_floating_ips(POOL)[0].address
    share = make_share("NFS", size=None,
                       export_locations=[{"path": "%s:/export/%s/legacy1" % (ip, project)}])
    result = driver.manage_existing(share, {})
    assert result["size"] == 3
    assert result["export_locations"][0]["path"] == "%s:/export/%s/legacy1" % (ip, project)
    # The driver now finds the share under its array name.
    share["size"] = 3
    driver.extend_share(share, 4)
    assert array.get_share(share_ref(POOL, project, "legacy1")).quota_bytes == 4 * GiB
    driver.unmanage(share)
    assert array.find_share(share_ref(POOL, project, "legacy1")) is not None


def test_managed_thick_shrink_refused_in_a_race_puts_the_reservation_back(
        simulator, driver, array, monkeypatch):
    """A managed share's limits are read before a shrink; when data written meanwhile makes the
    array refuse the new quota (C7), the reservation lowered just before goes back up: the
    share stays as thick as it was."""
    project = driver.configuration.safe_get("tegile_default_project")
    _foreign_share(array, project, "thick-race", quota=4 * GiB)
    ref = share_ref(POOL, project, "thick-race")
    array.set_share_reservation(ref, 4 * GiB)
    ip = array.list_floating_ips(POOL)[0].address
    share = make_share("NFS", size=None,
                       export_locations=[{"path": "%s:/export/%s/thick-race" % (ip, project)}])
    assert driver.manage_existing(share, {})["size"] == 4
    share["size"] = 4
    client = driver.client
    read = client.get_share

    def read_then_data_grows(*args, **kwargs):
        info = read(*args, **kwargs)
        simulator.set_used("%s/Local/%s/thick-race" % (POOL, project), 3 * GiB + 1)
        return info

    monkeypatch.setattr(client, "get_share", read_then_data_grows)
    with pytest.raises(exception.ShareShrinkingPossibleDataLoss):
        driver.shrink_share(share, 3)
    info = array.get_share(ref)
    assert (info.quota_bytes, info.reservation_bytes) == (4 * GiB, 4 * GiB)


def test_manage_of_a_thick_share_without_quota_sizes_it_to_its_reservation(driver, array):
    """A share with a reservation and no quota: a quota of its used space alone would be
    below the reservation, which the array refuses; its size holds the reservation."""
    project = driver.configuration.safe_get("tegile_default_project")
    _foreign_share(array, project, "thick-noquota")
    ref = share_ref(POOL, project, "thick-noquota")
    array.set_share_reservation(ref, 2 * GiB + 1)
    ip = array.list_floating_ips(POOL)[0].address
    share = make_share("NFS", size=None, export_locations=[
        {"path": "%s:/export/%s/thick-noquota" % (ip, project)}])
    assert driver.manage_existing(share, {})["size"] == 3
    info = array.get_share(ref)
    assert (info.quota_bytes, info.reservation_bytes) == (3 * GiB, 2 * GiB + 1)


def test_manage_makes_the_sharing_the_shares_own_with_the_access_it_had(driver, array):
    # The share follows its project (NFS and SMB on there, one NFS rule). Managed, it keeps its
    # NFS access as its own and stops following the project; SMB, which Manila does not manage
    # for it, is turned off.
    project = driver.configuration.safe_get("tegile_default_project")
    backend_project = project_ref(POOL, project)
    rule = NetworkRule("IP", "10.20.0.0/16", "rw")
    array.create_share(share_ref(POOL, project, "inherits"), quota=GiB)
    array.set_nfs_sharing(backend_project, True)
    array.set_smb_sharing(backend_project, True)
    array.set_network_acls("nfs", backend_project, [rule])
    try:
        ref = share_ref(POOL, project, "inherits")
        before = array.get_share(ref)
        assert (before.nfs, before.smb, before.nfs_own, before.smb_own) == (True, True, False, False)
        ip = array.list_floating_ips(POOL)[0].address
        share = make_share("NFS", size=None,
                           export_locations=[{"path": "%s:/export/%s/inherits" % (ip, project)}])
        driver.manage_existing(share, {})
        after = array.get_share(ref)
        assert (after.nfs, after.smb, after.nfs_own, after.smb_own) == (True, False, True, True)
        assert array.get_network_acls("nfs", ref) == [rule]
        # The project changes; the managed share does not.
        array.set_network_acls("nfs", backend_project, [NetworkRule("IP", "0.0.0.0/0", "rw")])
        array.set_smb_sharing(backend_project, True)
        assert array.get_network_acls("nfs", ref) == [rule]
        assert array.get_share(ref).smb is False
        driver.unmanage(share)
    finally:
        array.set_network_acls("nfs", backend_project, [])
        array.set_smb_sharing(backend_project, False)
        array.set_nfs_sharing(backend_project, False)


def _manage_nfs_and_smb(array, project, name):
    """A share without quota exported over NFS and SMB by settings of its own, 1.2 GiB used,
    and the Manila share that manages it over NFS."""
    _foreign_share(array, project, name, nfs=True, smb=True)
    ip = array.list_floating_ips(POOL)[0].address
    return make_share("NFS", size=None,
                      export_locations=[{"path": "%s:/export/%s/%s" % (ip, project, name)}])


def test_manage_whose_quota_is_refused_in_a_race_changes_nothing(
        simulator, driver, array, monkeypatch):
    """Data written between the read and the quota write makes the array refuse the quota
    (C7): the manage fails having changed nothing, SMB (which a managed NFS share loses)
    included."""
    project = driver.configuration.safe_get("tegile_default_project")
    share = _manage_nfs_and_smb(array, project, "race-manage")
    dataset = "%s/Local/%s/race-manage" % (POOL, project)
    simulator.set_used(dataset, int(1.2 * GiB))
    client = driver.client
    read = client.get_share

    def read_then_data_grows(*args, **kwargs):
        info = read(*args, **kwargs)
        simulator.set_used(dataset, 2 * GiB + 1)
        return info

    monkeypatch.setattr(client, "get_share", read_then_data_grows)
    with pytest.raises(exception.ShareBackendException):
        driver.manage_existing(share, {})
    info = array.get_share(share_ref(POOL, project, "race-manage"))
    assert (info.quota_bytes, info.nfs, info.smb) == (0, True, True)


def test_manage_whose_sharing_write_fails_puts_the_quota_back(simulator, driver, array):
    """The quota is written first; when the sharing settings then cannot be written, the
    quota goes back to what it was (none) and the manage fails."""
    project = driver.configuration.safe_get("tegile_default_project")
    share = _manage_nfs_and_smb(array, project, "pin-fails")
    simulator.set_used("%s/Local/%s/pin-fails" % (POOL, project), int(1.2 * GiB))
    simulator.set_faults(error_rate=1, status=503, methods=["setSMBSharingOnShare"],
                         count=1000)
    try:
        with pytest.raises(exception.ShareBackendException) as err:
            driver.manage_existing(share, {})
    finally:
        simulator.clear_faults()
    assert "sharing settings" in str(err.value)
    info = array.get_share(share_ref(POOL, project, "pin-fails"))
    assert (info.quota_bytes, info.nfs, info.smb) == (0, True, True)
    # Without the fault it is managed.
    assert driver.manage_existing(share, {})["size"] == 2


def test_manage_share_without_quota_uses_used_space(simulator, driver, array):
    project = driver.configuration.safe_get("tegile_default_project")
    _foreign_share(array, project, "legacy2", nfs=False, smb=True)
    simulator.set_used("%s/Local/%s/legacy2" % (POOL, project), int(1.2 * GiB))
    display = array.get_share(share_ref(POOL, project, "legacy2")).smb_name or \
        "%s_legacy2" % project
    share = make_share("CIFS", size=None,
                       export_locations=[{"path": "\\\\192.0.2.1\\%s" % display}])
    result = driver.manage_existing(share, {})
    assert result["size"] == 2
    assert array.get_share(share_ref(POOL, project, "legacy2")).quota_bytes == 2 * GiB


def test_manage_refuses_a_share_of_another_project(driver, array):
    array.create_project(project_ref(POOL, "elsewhere-%s" % driver.configuration.safe_get(
        "tegile_default_project")))
    other = "elsewhere-%s" % driver.configuration.safe_get("tegile_default_project")
    _foreign_share(array, other, "x1", quota=GiB)
    share = make_share("NFS", export_locations=[
        {"path": "192.0.2.1:/export/%s/x1" % other}])
    with pytest.raises(exception.ManageInvalidShare) as err:
        driver.manage_existing(share, {})
    assert other in str(err.value)


def test_manage_refuses_a_share_without_the_protocol(driver, array):
    project = driver.configuration.safe_get("tegile_default_project")
    _foreign_share(array, project, "smbonly", quota=GiB, nfs=False, smb=True)
    share = make_share("NFS", export_locations=[
        {"path": "192.0.2.1:/export/%s/smbonly" % project}])
    with pytest.raises(exception.ManageInvalidShare) as err:
        driver.manage_existing(share, {})
    assert "not exported over NFS" in str(err.value)


def test_an_unexported_share_unmanaged_is_managed_again_closed(simulator, driver, array):
    """A share the driver made and never gave a rule (not exported) comes back as it left:
    managed, still off over both protocols, exported by its first rule."""
    share = create(driver, "NFS", size=2)
    pool, project, name = where(driver, share)
    ref = dataset_ref(pool, project, name)
    driver.unmanage(share)
    again = make_share("NFS", size=None, export_locations=share["export_locations"])
    simulator.reset_calls()
    result = driver.manage_existing(again, {})
    assert "setNFSSharingOnShare" not in simulator.calls()["by_method"]
    assert result["size"] == 2
    assert result["export_locations"] == share["export_locations"]
    assert not array.is_exposed("nfs", ref) and not array.is_exposed("smb", ref)
    rule = make_rule("ip", "10.0.0.5")
    assert driver.update_access(None, again, [rule], [rule], [], []) == {}
    assert array.is_exposed("nfs", ref) is True
    assert [r.host for r in array.get_network_acls("nfs", ref)] == ["10.0.0.5"]


def test_manage_refuses_a_share_that_contradicts_its_share_type(driver, array, share_type_specs):
    project = driver.configuration.safe_get("tegile_default_project")
    _foreign_share(array, project, "typed1", quota=GiB)
    array.modify_share(share_ref(POOL, project, "typed1"), {"dedup": "off", "compression": "lz4"})
    path = "192.0.2.1:/export/%s/typed1" % project
    share_type_specs["dedup-thick"] = {"dedupe": "<is> True", "thin_provisioning": "<is> False"}
    share = make_share("NFS", share_type_id="dedup-thick", export_locations=[{"path": path}])
    before = array.get_share(share_ref(POOL, project, "typed1"))
    with pytest.raises(exception.ManageExistingShareTypeMismatch) as err:
        driver.manage_existing(share, {})
    assert "typed1" in str(err.value)
    assert "dedupe is off" in str(err.value) and "no reservation" in str(err.value)
    assert array.get_share(share_ref(POOL, project, "typed1")) == before
    # A type that matches (compression on, dedupe off) is managed.
    share_type_specs["lz4"] = {"compression": "<is> True", "dedupe": "<is> False"}
    share = make_share("NFS", share_type_id="lz4", export_locations=[{"path": path}])
    assert driver.manage_existing(share, {})["size"] == 1


def test_manage_refuses_an_unknown_or_malformed_path(driver):
    project = driver.configuration.safe_get("tegile_default_project")
    with pytest.raises(exception.ManageInvalidShare):
        driver.manage_existing(make_share("NFS", export_locations=[
            {"path": "192.0.2.1:/export/%s/nothing" % project}]), {})
    with pytest.raises(exception.ManageInvalidShare):
        driver.manage_existing(make_share("NFS", export_locations=[
            {"path": "not-a-path"}]), {})


def test_resize_refuses_a_bad_size_before_writing(simulator, driver):
    share = create(driver, size=2)
    simulator.reset_calls()
    with pytest.raises(exception.InvalidShare) as err:
        driver.extend_share(share, -3)
    assert "-3" in str(err.value) and share["id"] in str(err.value)
    assert simulator.calls()["total"] == 0


def test_export_location_without_floating_ip_uses_the_management_address(driver, array):
    # The simulator gives every pool a floating IP; a pool without one is injected.
    from unittest import mock

    with mock.patch.object(driver.client, "list_floating_ips", return_value=[]):
        # The floating IPs are kept until their TTL has passed.
        pass_floating_ip_ttl(driver)
        driver._update_share_stats()
        nfs = create(driver, "NFS")
        cifs = create(driver, "CIFS")
    _ignored, project, name = where(driver, nfs)
    assert [loc["path"] for loc in nfs["export_locations"]] == [
        "127.0.0.1:/export/%s/%s" % (project, name)]
    assert cifs["export_locations"][0]["path"].startswith("\\\\127.0.0.1\\")


def test_ipv6_export_locations(driver):
    # NFS brackets the address; CIFS uses Windows' UNC form for IPv6 literals.
    from unittest import mock

    ips = [FloatingIP.from_wire({"ipAddress": "2001:db8::10", "poolName": POOL})]
    with mock.patch.object(driver.client, "list_floating_ips", return_value=ips):
        pass_floating_ip_ttl(driver)
        driver._update_share_stats()
        nfs = create(driver, "NFS")
        cifs = create(driver, "CIFS")
    _ignored, project, name = where(driver, nfs)
    assert [loc["path"] for loc in nfs["export_locations"]] == [
        "[2001:db8::10]:/export/%s/%s" % (project, name)]
    assert cifs["export_locations"][0]["path"].startswith(
        "\\\\2001-db8--10.ipv6-literal.net\\")


def test_ip_versions_follow_the_floating_ips(driver):
    from unittest import mock

    ips = [FloatingIP.from_wire({"ipAddress": "192.0.2.10", "poolName": POOL}),
           FloatingIP.from_wire({"ipAddress": "2001:db8::10", "poolName": POOL})]
    with mock.patch.object(driver.client, "list_floating_ips", return_value=ips):
        pass_floating_ip_ttl(driver)
        stats = driver.get_share_stats(refresh=True)
    assert (stats["ipv4_support"], stats["ipv6_support"]) == (True, True)
    pass_floating_ip_ttl(driver)
    stats = driver.get_share_stats(refresh=True)
    assert (stats["ipv4_support"], stats["ipv6_support"]) == (True, False)


@pytest.mark.parametrize("managed", [False, True], ids=["own", "managed"])
def test_thick_extend_whose_reservation_write_fails_puts_the_quota_back(
        simulator, driver, array, share_type_specs, monkeypatch, managed):
    """Growing a thick share raises its quota, then its reservation. When the array answers the
    reservation write with an error (here a proxy's 400: the call did not run), the quota goes
    back to what it was: the share is left as it was, not bigger and thinner. Both ways the
    driver resizes: from the limits it knows, and from the share read (a managed share)."""
    share_type_specs["thick"] = {"thin_provisioning": False}
    share = create(driver, size=2, share_type_id="thick")
    ref = share_ref(*where(driver, share))
    if managed:
        driver.private_storage.update(share["id"], {PD_ARRAY_NAME: ref.name})
    fault_after_first_call(monkeypatch, simulator, driver.client, "set_share_quota",
                           "modifyShareProperties")
    try:
        with pytest.raises(exception.ShareBackendException):
            driver.extend_share(share, 4)
    finally:
        simulator.clear_faults()
    info = array.get_share(ref)
    assert (info.quota_bytes, info.reservation_bytes) == (2 * GiB, 2 * GiB)
