# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""share module planning: SMB share name, clone source."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tegile.intelliflash.plugins.module_utils.common import DifferenceTracker
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.views import ShareInfo
from ansible_collections.tegile.intelliflash.plugins.module_utils._share import (
    find_snapshot,
    plan_smb_name,
    smb_name_problem,
)


@pytest.mark.parametrize("value, problem", [
    ("Docs", None),
    ("engineering_builds-2", None),
    ("", "must not be empty"),
    ("x" * 81, "must be at most 80 characters long, got 81"),
    ("a/b", "must not contain '/'"),
    ("a;b,c", "must not contain ',' ';'"),
    (" docs", "must not start or end with white space"),
    ("a[b]", "must not contain '[' ']'"),
    ("docs\u202etxt", "must not contain invisible format character(s) U+202E"),
    ("a\x7fb", "must not contain control character(s) U+007F"),
])
def test_smb_name_problem(value, problem):
    assert smb_name_problem(value) == problem


def test_plan_smb_name():
    shared = ShareInfo.from_wire({"sharesmb": "on", "cifsDisplayName": "p_s"})
    tracker = DifferenceTracker()
    assert plan_smb_name(shared, True, "p_s", tracker) is False
    assert plan_smb_name(shared, True, "Docs", tracker) is True
    assert tracker.get("smb_name") == ("p_s", "Docs")
    # SMB off: the current name is not in use, so the wanted one is a change.
    tracker = DifferenceTracker()
    assert plan_smb_name(ShareInfo.from_wire({"sharesmb": "off", "cifsDisplayName": "Docs"}), True, "Docs", tracker) is True
    assert plan_smb_name(None, True, "Docs", DifferenceTracker()) is True
    assert plan_smb_name(shared, True, None, DifferenceTracker()) is False
    assert plan_smb_name(shared, False, "Docs", DifferenceTracker()) is False


def test_find_snapshot_accepts_both_spellings():
    names = ["Manual-P-weekly", "Manual-S-daily"]
    assert find_snapshot(names, "daily") == "Manual-S-daily"
    assert find_snapshot(names, "Manual-S-daily") == "Manual-S-daily"
    assert find_snapshot(names, "Manual-P-weekly") == "Manual-P-weekly"
    assert find_snapshot(names, "weekly") is None
    assert find_snapshot([], "daily") is None
