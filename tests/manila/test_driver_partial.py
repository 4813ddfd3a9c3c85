# SPDX-License-Identifier: Apache-2.0
"""TegileShareDriver: operations of several writes that fail part-way. What was written before
the failure is removed again when the operation is all or nothing (a share group's projects),
or named in the error when it cannot be undone safely (a resize whose second write's outcome is
unknown)."""

import logging
import time
import uuid

import pytest

from manila import exception

from tegile_driver_helpers import (GiB, create, fault_after_first_call, lose_reply_after_first_call,
                                   make_share, make_snapshot, where)

from tegile_intelliflash.client.paths import project_ref, share_ref
from tegile_intelliflash.manila_driver.backend import PD_ARRAY_NAME

POOLS = ("pool-a", "pool-b")


def _group_project(driver, group_id):
    return "%s-sg-%s" % (driver.configuration.safe_get("tegile_default_project"), group_id)


def _group(group_id=None):
    # Manila's share manager passes the back end's host, without a pool: every pool gets one.
    return {"id": group_id or str(uuid.uuid4()), "host": "manila@tegile", "status": "creating",
            "shares": [], "share_types": []}


def _projects(array):
    return dict((pool, sorted(p.name for p in array.list_projects(pool))) for pool in POOLS)


def test_a_group_whose_second_project_fails_leaves_the_array_as_it_was(
        simulator, driver, array, monkeypatch):
    """The group's project is made in pool-a, then the array refuses the one in pool-b: the
    pool-a project goes again, and the error is the refusal's."""
    group = _group()
    before = _projects(array)
    fault_after_first_call(monkeypatch, simulator, driver.client, "create_project",
                           "createProject")
    try:
        with pytest.raises(exception.ShareBackendException) as err:
            driver.create_share_group(None, group)
    finally:
        simulator.clear_faults()
    assert "create project pool-b/%s" % _group_project(driver, group["id"]) in str(err.value)
    assert _projects(array) == before


def test_a_failed_group_never_removes_a_project_that_was_there(
        simulator, driver, array):
    """A retried creation finds the pool-a project (empty) made by the first attempt: it is
    the group's, taken as it is, and kept when pool-b fails (only what this call made goes)."""
    group = _group()
    there = project_ref("pool-a", _group_project(driver, group["id"]))
    array.create_project(there)
    before = _projects(array)
    simulator.set_faults(error_rate=1, status=400, methods=["createProject"], count=1)
    try:
        with pytest.raises(exception.ShareBackendException):
            driver.create_share_group(None, group)
    finally:
        simulator.clear_faults()
    assert _projects(array) == before
    assert array.find_project(there) is not None
    driver.delete_share_group(None, group)


def test_a_project_that_cannot_be_removed_is_named_and_the_first_error_raised(
        simulator, driver, array, monkeypatch, caplog):
    """pool-b refuses the group's project, and the array refuses the deletion of the pool-a one
    too: the log names the project left, and the error raised is pool-b's."""
    group = _group()
    name = _group_project(driver, group["id"])
    client = driver.client
    create = client.create_project

    def create_then_fault(*args, **kwargs):
        create(*args, **kwargs)
        simulator.set_faults(error_rate=1, status=400,
                             methods=["createProject", "deleteProject"], count=2)

    monkeypatch.setattr(client, "create_project", create_then_fault)
    caplog.set_level(logging.ERROR)
    try:
        with pytest.raises(exception.ShareBackendException) as err:
            driver.create_share_group(None, group)
    finally:
        simulator.clear_faults()
        monkeypatch.undo()
    assert "create project pool-b/%s" % name in str(err.value)
    assert "Could not remove project pool-a/%s after the failed creation of share group %s" % (
        name, group["id"]) in caplog.text
    assert simulator.password not in caplog.text
    assert array.find_project(project_ref("pool-a", name)) is not None
    driver.delete_share_group(None, group)
    assert array.find_project(project_ref("pool-a", name)) is None


def _limits(array, ref):
    info = array.get_share(ref)
    return info.quota_bytes, info.reservation_bytes


@pytest.mark.parametrize("managed", [False, True], ids=["own", "managed"])
@pytest.mark.parametrize("shrink", [False, True], ids=["extend", "shrink"])
def test_a_resize_whose_second_write_is_lost_names_the_first(
        simulator, driver, array, share_type_specs, monkeypatch, caplog, shrink, managed):
    """A thick share's resize writes the quota and the reservation (growing: the quota first;
    shrinking: the reservation first). The reply of the second write is lost behind a proxy and
    the array applies it only after the driver gave up (outcome unknown). The error and the log
    name the first write, which is kept (not undone blind while the second may still land), and
    the second write lands: the share ends up resized."""
    share_type_specs["thick"] = {"thin_provisioning": False}
    old, new = (4, 2) if shrink else (2, 4)
    first, second = ("reservation", "quota") if shrink else ("quota", "reservation")
    share = create(driver, size=old, share_type_id="thick")
    ref = share_ref(*where(driver, share))
    if managed:
        driver.private_storage.update(share["id"], {PD_ARRAY_NAME: ref.name})
    lose_reply_after_first_call(monkeypatch, simulator, driver.client, "set_share_" + first,
                                "modifyShareProperties")
    caplog.set_level(logging.ERROR)
    err = _resize_error(driver, simulator, monkeypatch, share, new, shrink)
    said = "%s set to %d GiB (%d bytes) and kept; %s change outcome unknown: " % (
        first, new, new * GiB, second)
    assert said in str(err)
    assert said in caplog.text
    kept = (new * GiB, old * GiB) if first == "quota" else (old * GiB, new * GiB)
    assert _limits(array, ref) == kept  # the second write has not landed yet
    _lands(array, ref, kept, (new * GiB, new * GiB))


@pytest.mark.parametrize("shrink", [False, True], ids=["extend", "shrink"])
def test_a_resize_whose_only_write_is_lost_names_its_limit(
        simulator, driver, array, monkeypatch, caplog, shrink):
    """A thin share's resize writes its quota only. The reply is lost behind a proxy and the
    array applies it only after the driver gave up (outcome unknown): the error and the log say
    that it is the quota whose change is unknown; the write lands."""
    old, new = (4, 2) if shrink else (2, 4)
    share = create(driver, size=old)
    ref = share_ref(*where(driver, share))
    simulator.set_faults(latency_ms=1500, proxy_timeout_ms=100, methods=["modifyShareProperties"],
                         count=1)
    caplog.set_level(logging.ERROR)
    err = _resize_error(driver, simulator, monkeypatch, share, new, shrink)
    said = "could not resize share %s (%s) to %d GiB: quota change outcome unknown: the outcome " \
        "of modifyShareProperties %s is unknown" % (share["id"], ref.path, new, ref.path)
    assert said in str(err)
    assert said in caplog.text
    _lands(array, ref, (old * GiB, 0), (new * GiB, 0))


def _resize_error(driver, simulator, monkeypatch, share, new, shrink):
    """The ShareBackendException of resizing ``share`` to ``new`` GiB under the faults the
    caller set; the faults and patches are gone after."""
    try:
        with pytest.raises(exception.ShareBackendException) as err:
            (driver.shrink_share if shrink else driver.extend_share)(share, new)
    finally:
        simulator.clear_faults()
        monkeypatch.undo()
    return err.value


def _lands(array, ref, kept, final):
    """The second write, whose outcome was unknown, lands: the limits go from ``kept`` to
    ``final``."""
    deadline = time.monotonic() + 10
    while _limits(array, ref) == kept and time.monotonic() < deadline:
        time.sleep(0.1)  # the array applies it late
    assert _limits(array, ref) == final


def test_ensure_giving_a_share_its_size_names_the_quota_set(
        simulator, driver, array, monkeypatch, caplog):
    """A share of the in-tree driver without quota but with a reservation (thick) gets its size
    as quota, then as reservation. The reply of the reservation write is lost (outcome unknown):
    the share keeps its status (empty entry) and the log names the quota set and kept."""
    share = make_share("NFS", size=3)
    ref = share_ref(*where(driver, share))
    array.create_share(ref)
    array.set_share_reservation(ref, GiB)
    lose_reply_after_first_call(monkeypatch, simulator, driver.client, "set_share_quota",
                                "modifyShareProperties")
    caplog.set_level(logging.ERROR)
    try:
        updates = driver.ensure_shares(None, [share])
    finally:
        simulator.clear_faults()
        monkeypatch.undo()
    assert updates == {share["id"]: {}}
    said = ("could not give share %s a quota of its size, 3 GiB: quota set to 3 GiB (3221225472 "
            "bytes) and kept; reservation change outcome unknown: " % share["id"])
    assert "Could not ensure share %s: Share backend error: %s" % (share["id"], said) in caplog.text
    assert _limits(array, ref) == (3 * GiB, GiB)
    _lands(array, ref, (3 * GiB, GiB), (3 * GiB, 3 * GiB))


def test_ensure_giving_a_thin_share_its_size_names_the_quota(simulator, driver, array, caplog):
    """A thin share of the in-tree driver without quota gets its size as quota, its only write.
    The reply is lost (outcome unknown): the share keeps its status (empty entry) and the log
    says that it is the quota whose change is unknown."""
    share = make_share("NFS", size=3)
    ref = share_ref(*where(driver, share))
    array.create_share(ref)
    simulator.set_faults(latency_ms=1500, proxy_timeout_ms=100, methods=["modifyShareProperties"],
                         count=1)
    caplog.set_level(logging.ERROR)
    try:
        updates = driver.ensure_shares(None, [share])
    finally:
        simulator.clear_faults()
    assert updates == {share["id"]: {}}
    said = ("could not give share %s a quota of its size, 3 GiB: quota change outcome unknown: "
            % share["id"])
    assert "Could not ensure share %s: Share backend error: %s" % (share["id"], said) in caplog.text
    _lands(array, ref, (0, 0), (3 * GiB, 0))


@pytest.mark.parametrize("grow", [True, False], ids=["grown-first", "sized-after"])
def test_a_revert_whose_second_limits_write_is_lost_names_the_first(
        simulator, driver, array, share_type_specs, monkeypatch, grow):
    """A thick share is sized for a revert: grown to the snapshot's size before the rollback
    (quota first) or brought down to it after (reservation first). The reply of the second
    limits write is lost: the error names the first, kept."""
    share_type_specs["thick"] = {"thin_provisioning": False}
    share = create(driver, size=2 if grow else 4, share_type_id="thick")
    ref = share_ref(*where(driver, share))
    snapshot = make_snapshot(share)
    snapshot.update(driver.create_snapshot(None, snapshot) or {})
    (driver.shrink_share if grow else driver.extend_share)(share, 1 if grow else 5)
    share["size"] = 1 if grow else 5
    first, second = ("quota", "reservation") if grow else ("reservation", "quota")
    lose_reply_after_first_call(monkeypatch, simulator, driver.client, "set_share_" + first,
                                "modifyShareProperties")
    try:
        with pytest.raises(exception.ShareBackendException) as err:
            driver.revert_to_snapshot(None, snapshot, [], [])
    finally:
        simulator.clear_faults()
        monkeypatch.undo()
    size = snapshot["size"]
    step = "for its revert" if grow else "after it was reverted to snapshot %s" % snapshot["id"]
    assert ("%s GiB %s" % (size, step)) in str(err.value)
    assert ("%s set to %d GiB (%d bytes) and kept; %s change outcome unknown: " % (
        first, size, size * GiB, second)) in str(err.value)
    kept = (size * GiB, GiB) if grow else (5 * GiB, size * GiB)
    assert _limits(array, ref) == kept
    _lands(array, ref, kept, (size * GiB, size * GiB))
