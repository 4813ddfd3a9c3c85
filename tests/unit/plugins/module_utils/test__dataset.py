# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Dataset properties: option parsing, change planning, result shaping."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tegile.intelliflash.plugins.module_utils.client.errors import InvalidArgumentError
from ansible_collections.tegile.intelliflash.plugins.module_utils.common import DifferenceTracker
from ansible_collections.tegile.intelliflash.plugins.module_utils._dataset import (
    parse_limit,
    plan_properties,
    plan_sharing,
    planned_facts,
    project_facts,
    share_facts,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.views import ProjectInfo, ShareInfo

GIB = 1024 ** 3


@pytest.mark.parametrize("value, expected", [
    (None, None),
    (10737418240, 10 * GIB),
    ("10G", 10 * GIB),
    ("10GiB", 10 * GIB),
    ("10gb", 10 * GIB),
    ("512M", 512 * 1024 ** 2),
    ("1.5T", 1536 * GIB),
    ("1", 1),
    (2048.0, 2048),
    ("none", 0),
    ("None", 0),
    ("unlimited", 0),
])
def test_parse_limit(value, expected):
    assert parse_limit(value, "quota") == expected


@pytest.mark.parametrize("value, words", [
    (0, "use 'none' to remove the quota"),
    ("0", "use 'none' to remove the quota"),
    (-1, "use 'none' to remove the quota"),
    ("-5G", "negative"),
    ("10X", "is not a size"),
    ("0.5", "whole number of bytes"),
    (1.5, "whole number of bytes"),
    (True, "expected a size"),
    ("", "is not a size"),
])
def test_parse_limit_refuses(value, words):
    with pytest.raises(InvalidArgumentError) as info:
        parse_limit(value, "quota")
    assert str(info.value.message).startswith("quota:")
    assert words in info.value.message
    assert info.value.field == "quota"
    assert info.value.method is None


def test_plan_properties_changes_only_what_differs():
    current = ShareInfo.from_wire({"compression": "lz4", "dedup": "off", "readonly": "off", "recordSize": "64KB"})
    tracker = DifferenceTracker()
    params = dict(compression="gzip-9", dedup=False, readonly=True, record_size=None)
    assert plan_properties(current, params, tracker) == {"compression": "gzip-9", "readonly": "on"}
    assert tracker.get_before_after() == ({"compression": "lz4", "readonly": False},
                                          {"compression": "gzip-9", "readonly": True})


def test_plan_properties_converged():
    current = ProjectInfo.from_wire({"compression": "off", "dedup": "on", "readonly": "off", "recordSize": "128KB"})
    tracker = DifferenceTracker()
    params = dict(compression="off", dedup=True, readonly=False, record_size="128KB")
    assert plan_properties(current, params, tracker) == {}
    assert not tracker.has_differences()


def test_plan_properties_for_a_new_dataset_sends_every_given_option():
    tracker = DifferenceTracker()
    params = dict(compression=None, dedup=False, readonly=None, record_size="8KB")
    assert plan_properties(None, params, tracker) == {"dedup": "off", "recordSize": "8KB"}
    assert tracker.get_before_after() == ({"dedup": None, "record_size": None},
                                          {"dedup": False, "record_size": "8KB"})


def test_plan_sharing():
    tracker = DifferenceTracker()
    assert plan_sharing({"nfs": False, "smb": True}, dict(nfs=True, smb=True), tracker) == {"nfs": True}
    assert tracker.changed_keys() == ["nfs"]
    tracker = DifferenceTracker()
    assert plan_sharing({}, dict(nfs=False, smb=None), tracker) == {"nfs": False}


SHARE = {
    "name": "s1", "projectName": "p1", "poolName": "pool-a", "zfsDataSetName": "pool-a/Local/p1/s1",
    "mountPoint": "/export/p1/s1", "compression": "lz4", "dedup": "off", "readonly": "on",
    "recordSize": "32KB", "quotaInByte": 10 * GIB, "reservationInByte": GIB,
    "availableSize": 9 * GIB, "totalSize": 10 * GIB, "sharenfs": "on", "sharesmb": "off",
    "cifsDisplayName": "p1_s1",
}


def test_share_facts():
    assert share_facts(ShareInfo.from_wire(SHARE)) == {
        "name": "s1", "project": "p1", "pool": "pool-a", "path": "pool-a/Local/p1/s1",
        "mount_point": "/export/p1/s1", "compression": "lz4", "dedup": False, "readonly": True,
        "record_size": "32KB", "quota_bytes": 10 * GIB, "quota": "10 GiB",
        "reservation_bytes": GIB, "reservation": "1 GiB", "used_bytes": GIB,
        "available_bytes": 9 * GIB, "nfs": True, "smb": False, "smb_name": "p1_s1",
    }


def test_project_facts_without_sharing_keys():
    facts = project_facts(ProjectInfo.from_wire({"projectName": "p1", "poolName": "pool-a", "compression": "lz4",
                                                 "dedup": "off", "readonly": "off", "recordSize": "64KB",
                                                 "quotaInByte": 0, "mountPoint": "/export/p1"}))
    assert facts["path"] == "pool-a/Local/p1"
    assert facts["quota"] is None and facts["quota_bytes"] == 0
    assert facts["nfs"] is None and facts["smb"] is None


def test_planned_facts_overlays_after_values():
    tracker = DifferenceTracker()
    tracker.add("state", before="absent", after="present")
    tracker.add("quota_bytes", before=0, after=2 * GIB)
    tracker.add("smb", before=None, after=True)
    facts = planned_facts({"quota_bytes": 0, "quota": None, "smb": False}, tracker)
    assert facts == {"quota_bytes": 2 * GIB, "quota": "2 GiB", "smb": True}
    facts = planned_facts({"quota_bytes": 0, "quota": None, "smb": False, "nfs": None}, tracker,
                          only_missing=True)
    assert facts["smb"] is False and facts["quota_bytes"] == 0


def test_planned_facts_keeps_only_fact_keys():
    # A check-mode clone records its source in the diff; the share result keeps its documented keys.
    tracker = DifferenceTracker()
    tracker.add("source", before=None, after="base@Manual-S-snap1")
    tracker.add("state", before="absent", after="present")
    tracker.add("quota_bytes", before=0, after=GIB)
    facts = planned_facts(share_facts(None), tracker)
    assert sorted(facts) == sorted(share_facts(None))
    assert facts["quota_bytes"] == GIB and facts["quota"] == "1 GiB"
