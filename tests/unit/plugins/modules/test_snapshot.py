# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tegile.intelliflash.snapshot over a mocked array: what it decides and which calls it makes.

The simulator-backed tests of the module are in tests/python/modules/test_snapshot.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tegile.intelliflash.plugins.modules import snapshot
from ansible_collections.tegile.intelliflash.tests.unit.framework import wire
from ansible_collections.tegile.intelliflash.tests.unit.framework.mock_array import run_module

SHARE = "pool-a/Local/p1/s1"
SNAP = SHARE + "@Manual-S-nightly"
PROJECT = "pool-a/Local/p1"
BASE = dict(pool="pool-a", project="p1", share="s1", name="nightly")
DELETED = {"deletedList": [SNAP], "failedToDeleteList": [], "snapshotDeletionStatus": 0}


def run(**args):
    return run_module(snapshot.main, **dict(BASE, **args))


def listed(*names):
    """listSnapshots of the share (any pattern) answering ``names``."""
    return ("listSnapshots", list(names), lambda args: args[0] == SHARE)


def test_create_waits_for_the_snapshot(array):
    array.expect(
        listed(),
        ("createShareSnapshot", wire.SUCCESS,
         [{"poolName": "pool-a", "projectName": "p1", "name": "s1", "datasetPath": SHARE, "local": True},
          "nightly", False]),
        ("getShareSnapshotCreationStatus", 0, [SHARE, "nightly"]),
    )
    result = run(diff=True)
    assert result["changed"] is True
    assert result["diff"] == {"before": {SNAP: "absent"}, "after": {SNAP: "present"}}
    assert result["snapshot"]["path"] == SNAP and result["snapshot"]["full_name"] == "Manual-S-nightly"


@pytest.mark.parametrize("check_mode", [True, False])
def test_existing_snapshot_is_read_once_and_not_written(array, check_mode):
    array.expect(listed("Manual-S-nightly"))
    result = run(check_mode=check_mode)
    assert result["changed"] is False


def test_check_mode_predicts_the_creation_and_writes_nothing(array):
    array.expect(listed())
    result = run(check_mode=True, diff=True)
    assert result["changed"] is True and result["diff"]["after"] == {SNAP: "present"}


def test_absent_deletes_and_reports_what_went(array):
    array.expect(listed("Manual-S-nightly"), ("deleteShareSnapshot", DELETED, [SNAP, False]))
    result = run(state="absent")
    assert result["changed"] is True and result["deleted"] == [SNAP]


def test_snapshot_with_clones_says_how_to_delete_it(array):
    array.expect(listed("Manual-S-nightly"),
                 ("deleteShareSnapshot", wire.error("EZEBI_RESOURCE_INUSE", "snapshot has dependent clones")))
    result = run(state="absent")
    assert result["failed"] is True and result["error_code"] == "EZEBI_RESOURCE_INUSE"
    assert result["msg"].startswith("Cannot delete snapshot %s: it has clones" % SNAP)
    assert "set recursive=true" in result["msg"]


def test_rollback_with_newer_snapshots_is_refused_before_any_write(array):
    array.expect(("listSnapshots", ["Manual-S-a", "Manual-S-nightly", "Manual-S-b"], [SHARE, ""]))
    result = run(state="rolled_back")
    assert result["failed"] is True
    assert result["newer_snapshots"] == [SHARE + "@Manual-S-b"]
    assert "1 newer snapshot(s) would be destroyed: %s@Manual-S-b" % SHARE in result["msg"]


def test_rollback_destroying_newer_snapshots(array):
    array.expect(
        ("listSnapshots", ["Manual-S-nightly", "Manual-S-b"], [SHARE, ""]),
        ("rollBackToShareSnapshot", wire.SUCCESS, [SNAP, True]),
    )
    result = run(state="rolled_back", destroy_newer=True, diff=True)
    assert result["changed"] is True and result["destroyed_snapshots"] == [SHARE + "@Manual-S-b"]
    assert result["diff"]["after"] == {SHARE: "data of Manual-S-nightly", SHARE + "@Manual-S-b": "absent"}


def test_project_rollback_counts_the_newer_snapshots_of_its_shares(array):
    array.expect(
        ("listSnapshots", ["Manual-P-nightly"], [PROJECT, ""]),
        ("listShares", [wire.share_item("s1"), wire.share_item("s2")], ["pool-a", "p1", True]),
        ("listSnapshots", ["Manual-P-nightly", "Manual-S-later"], [SHARE, ""]),
        ("listSnapshots", ["Manual-S-older"], ["pool-a/Local/p1/s2", ""]),
    )
    result = run(share=None, state="rolled_back", check_mode=True)
    assert result["failed"] is True
    assert result["newer_snapshots"] == [SHARE + "@Manual-S-later"]


def test_missing_share_is_named(array):
    array.expect(
        ("listSnapshots", wire.not_found("Share %s" % SHARE)),
        ("getShare", wire.not_found("Share %s" % SHARE), [SHARE]),
        ("getProject", wire.project()),
    )
    result = run()
    assert result["failed"] is True
    assert result["msg"] == "share: share 's1' does not exist in project 'p1' of pool 'pool-a'"


@pytest.mark.parametrize("args, words", [
    (dict(name="Manual-P-x"), "name: 'Manual-P-x' is a project snapshot (prefix Manual-P-)"),
    (dict(share=None, name="Manual-S-x"), "name: 'Manual-S-x' is a share snapshot (prefix Manual-S-)"),
    (dict(wait_timeout=0), "wait_timeout: must be a positive number of seconds, got 0"),
    (dict(name="a b"), "name: 'a b' must not contain white space"),
])
def test_bad_input_fails_naming_the_field_before_any_call(array, args, words):
    result = run(**args)
    assert result["failed"] is True and words in result["msg"]
    assert array.calls == []
