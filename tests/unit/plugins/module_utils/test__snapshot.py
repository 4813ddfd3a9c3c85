# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Decision logic of tegile.intelliflash.snapshot: names, rollback dependents, result."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tegile.intelliflash.plugins.module_utils._snapshot import (
    SnapshotError,
    newer_snapshots,
    rollback_blockers_message,
    rollback_dependents,
    snapshot_info,
    snapshot_names,
)


@pytest.mark.parametrize("name, share, expected", [
    ("nightly", "s1", ("nightly", "Manual-S-nightly")),
    ("nightly", None, ("nightly", "Manual-P-nightly")),
    ("Manual-S-nightly", "s1", ("nightly", "Manual-S-nightly")),
    ("Manual-P-nightly", None, ("nightly", "Manual-P-nightly")),
    ("2024-01-01_03.00", "s1", ("2024-01-01_03.00", "Manual-S-2024-01-01_03.00")),
])
def test_names(name, share, expected):
    assert snapshot_names(name, share) == expected


@pytest.mark.parametrize("name, share, words", [
    ("Manual-P-nightly", "s1", "omit share"),
    ("Manual-S-nightly", None, "set share"),
    ("night ly", "s1", "white space"),
    ("a@b", "s1", "forbidden"),
    ("a/b", None, "forbidden"),
    ("", "s1", "required"),
    ("x" * 256, "s1", "at most 255"),
    ("x" * 247, "s1", "at most 246"),  # C11: at most 255 with the Manual-S- prefix
    ("Manual-P-" + "x" * 247, None, "at most 246"),
    ("Manual-S-", "s1", "empty"),
])
def test_bad_names_name_the_field(name, share, words):
    with pytest.raises(SnapshotError) as err:
        snapshot_names(name, share)
    assert str(err.value).startswith("name: ")
    assert words in str(err.value)


def test_newer_snapshots_follow_creation_order():
    names = ["Manual-S-a", "Manual-P-b", "Manual-S-c", "Manual-S-d"]
    assert newer_snapshots(names, "Manual-S-a") == ["Manual-P-b", "Manual-S-c", "Manual-S-d"]
    assert newer_snapshots(names, "Manual-S-d") == []
    assert newer_snapshots(names, "Manual-S-zz") == []


def test_share_rollback_dependents_are_paths():
    assert rollback_dependents("pool-a/Local/p/s", ["Manual-S-a", "Manual-S-b"], "Manual-S-a") == [
        "pool-a/Local/p/s@Manual-S-b"]


def test_project_rollback_reaches_the_shares_holding_the_snapshot():
    shares = [
        ("pool-a/Local/p/s1", ["Manual-S-x", "Manual-P-a", "Manual-S-y", "Manual-P-b"]),
        ("pool-a/Local/p/s2", ["Manual-P-a"]),
        ("pool-a/Local/p/new", ["Manual-P-b", "Manual-S-z"]),  # created after Manual-P-a: not rolled back
    ]
    assert rollback_dependents("pool-a/Local/p", ["Manual-P-a", "Manual-P-b"], "Manual-P-a", shares) == [
        "pool-a/Local/p@Manual-P-b", "pool-a/Local/p/s1@Manual-S-y", "pool-a/Local/p/s1@Manual-P-b"]


def test_blocker_message_names_the_snapshots_and_the_option():
    text = rollback_blockers_message("pool-a/Local/p/s", "Manual-S-a", ["Manual-S-c", "Manual-S-d"])
    assert "Manual-S-c, Manual-S-d" in text
    assert "destroy_newer=true" in text
    assert "pool-a/Local/p/s" in text


def test_info_of_a_share_snapshot():
    assert snapshot_info("pool-a", "p", "s", "n", "Manual-S-n") == dict(
        name="n", full_name="Manual-S-n", path="pool-a/Local/p/s@Manual-S-n", dataset="pool-a/Local/p/s",
        type="share", pool="pool-a", project="p", share="s")


def test_info_of_a_project_snapshot():
    info = snapshot_info("pool-a", "p", None, "n", "Manual-P-n")
    assert info["path"] == "pool-a/Local/p@Manual-P-n"
    assert info["type"] == "project" and info["share"] is None
