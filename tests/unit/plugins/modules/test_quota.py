# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tegile.intelliflash.quota over a mocked array: what it decides and which calls it makes.

The simulator-backed tests of the module are in tests/python/modules/test_quota.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tegile.intelliflash.plugins.modules import quota
from ansible_collections.tegile.intelliflash.tests.unit.framework import wire
from ansible_collections.tegile.intelliflash.tests.unit.framework.mock_array import run_module

SHARE = "pool-a/Local/p1/s1"
PROJECT = "pool-a/Local/p1"
GIB = wire.GIB


def run(**args):
    return run_module(quota.main, **dict(dict(pool="pool-a", project="p1"), **args))


def share_with(quota_gib=0, reservation_gib=0, used_gib=0):
    return ("getShare", wire.share(quotaInByte=quota_gib * GIB, reservationInByte=reservation_gib * GIB,
                                   used=used_gib * GIB), [SHARE])


def test_raises_the_quota_then_reserves(array):
    array.expect(
        share_with(10),
        ("listPools", wire.pools()),
        # the reservation grows: the project's quota bounds it too (C7); this one has none
        ("getProject", wire.project("p1"), ["pool-a", "p1", True]),
        ("modifyShareProperties", wire.SUCCESS, [SHARE, {"quotaInByte": 20 * GIB}]),
        ("modifyShareProperties", wire.SUCCESS, [SHARE, {"reservationInByte": 5 * GIB}]),
    )
    result = run(share="s1", quota="20G", reservation="5G", diff=True)
    assert result["changed"] is True
    assert result["diff"] == {"before": {"quota_bytes": 10 * GIB, "reservation_bytes": 0},
                              "after": {"quota_bytes": 20 * GIB, "reservation_bytes": 5 * GIB}}
    assert result["quota"] == "20 GiB" and result["reservation"] == "5 GiB"


def test_lowers_the_reservation_before_a_quota_it_would_exceed(array):
    array.expect(
        share_with(20, 10),
        ("listPools", wire.pools()),
        ("modifyShareProperties", wire.SUCCESS, [SHARE, {"reservationInByte": 2 * GIB}]),
        ("modifyShareProperties", wire.SUCCESS, [SHARE, {"quotaInByte": 8 * GIB}]),
    )
    result = run(share="s1", quota="8G", reservation="2G")
    assert result["changed"] is True and result["quota_bytes"] == 8 * GIB


def test_converged_limits_are_read_once_and_not_written(array):
    array.expect(share_with(20, 5, used_gib=1))
    result = run(share="s1", quota="20G", reservation="5G", diff=True)
    assert result["changed"] is False
    assert result["diff"] == {"before": {}, "after": {}}
    assert result["used_bytes"] == GIB


def test_check_mode_reports_the_planned_limits_and_writes_nothing(array):
    array.expect(share_with(10))
    result = run(share="s1", quota="none", check_mode=True)
    assert result["changed"] is True
    assert result["quota_bytes"] == 0 and result["quota"] is None


def test_project_quota_counts_what_its_shares_use_or_reserve(array):
    array.expect(
        ("getProject", wire.project(), ["pool-a", "p1", True]),
        ("listShares", [wire.share_item("s1"), wire.share_item("s2")]),
        ("getShare", wire.share("s1", used=3 * GIB), [SHARE]),
        ("getShare", wire.share("s2", reservationInByte=4 * GIB), ["pool-a/Local/p1/s2"]),
        ("modifyProjectProperties", wire.SUCCESS, [PROJECT, {"quotaInByte": 8 * GIB}]),
    )
    result = run(quota="8G")
    assert result["changed"] is True and result["used_bytes"] == 7 * GIB


def test_project_quota_below_its_shares_is_refused_before_any_write(array):
    array.expect(
        ("getProject", wire.project()),
        ("listShares", [wire.share_item("s1")]),
        ("getShare", wire.share("s1", reservationInByte=4 * GIB)),
    )
    result = run(quota="2G")
    assert result["failed"] is True and result["dataset"] == PROJECT
    assert result["msg"].startswith("quota: 2 GiB (2147483648 bytes) is below the 4 GiB (4294967296 bytes) "
                                    "already used or reserved by the shares of %s" % PROJECT)


def test_reservation_above_the_quota_names_the_reservation(array):
    array.expect(share_with(10))
    result = run(share="s1", reservation="20G")
    assert result["failed"] is True
    assert result["msg"].startswith("reservation: 20 GiB (21474836480 bytes) is above the quota of %s" % SHARE)


def test_reservation_the_pool_cannot_hold_is_refused(array):
    array.expect(share_with(), ("listPools", wire.pools(**{"pool-a": GIB})))
    result = run(share="s1", reservation="5G")
    assert result["failed"] is True
    assert result["msg"].startswith("reservation: reserving 5 GiB (5368709120 bytes) for %s needs" % SHARE)
    assert "which has only 1 GiB (1073741824 bytes) free" in result["msg"]


@pytest.mark.parametrize("args, words", [
    (dict(reservation="1G"), "reservation: projects have no reservation"),
    (dict(share="s1", quota="1.5X"), "quota: '1.5X' is not a size"),
    (dict(share="s1", reservation=True), "reservation: expected a size such as 10G"),
    (dict(share="s1"), "one of the following is required: quota, reservation"),
])
def test_bad_input_fails_naming_the_field_before_any_call(array, args, words):
    result = run(**args)
    assert result["failed"] is True and words in result["msg"]
    assert array.calls == []
