# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Quota/reservation planning: rules checked before writing, write order."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tegile.intelliflash.plugins.module_utils.common import DifferenceTracker
from ansible_collections.tegile.intelliflash.plugins.module_utils.common import InputError
from ansible_collections.tegile.intelliflash.plugins.module_utils._quota import (
    LimitError,
    check_pool_space,
    needs_shares_usage,
    plan_limits,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.limits import reservation_demand

GIB = 1024 ** 3
PATH = "pool-a/Local/p1/s1"


def test_converged_plan_writes_nothing():
    tracker = DifferenceTracker()
    plan = plan_limits(PATH, 10 * GIB, GIB, 0, want_quota=10 * GIB, want_reservation=GIB, tracker=tracker)
    assert plan.writes == ()
    assert (plan.quota, plan.reservation) == (10 * GIB, GIB)
    assert not tracker.has_differences()


def test_options_not_given_keep_current_values():
    plan = plan_limits(PATH, 10 * GIB, GIB, 0, want_quota=None, want_reservation=None)
    assert plan.writes == () and plan.quota == 10 * GIB and plan.reservation == GIB


def test_small_changes_are_not_skipped():
    plan = plan_limits(PATH, 10 * GIB, 0, 0, want_quota=10 * GIB + 1)
    assert plan.writes == (("quota", 10 * GIB + 1),)


def test_growth_writes_quota_first():
    tracker = DifferenceTracker()
    plan = plan_limits(PATH, 10 * GIB, GIB, 0, want_quota=20 * GIB, want_reservation=15 * GIB, tracker=tracker)
    assert plan.writes == (("quota", 20 * GIB), ("reservation", 15 * GIB))
    assert tracker.get_before_after() == ({"quota_bytes": 10 * GIB, "reservation_bytes": GIB},
                                          {"quota_bytes": 20 * GIB, "reservation_bytes": 15 * GIB})


def test_shrink_below_old_reservation_writes_reservation_first():
    plan = plan_limits(PATH, 20 * GIB, 15 * GIB, 0, want_quota=10 * GIB, want_reservation=5 * GIB)
    assert plan.writes == (("reservation", 5 * GIB), ("quota", 10 * GIB))


def test_removals():
    plan = plan_limits(PATH, 20 * GIB, 15 * GIB, 0, want_quota=0, want_reservation=0)
    assert plan.writes == (("quota", 0), ("reservation", 0))
    assert (plan.quota, plan.reservation) == (0, 0)


def test_quota_below_used_names_the_used_amount():
    with pytest.raises(LimitError) as info:
        plan_limits(PATH, 0, 0, 3 * GIB, want_quota=2 * GIB, quota_field="size")
    message = str(info.value)
    assert isinstance(info.value, InputError)   # the client's rule, failed by common.api_errors
    assert info.value.field == "size"
    assert message.startswith("size: 2 GiB (2147483648 bytes) is below the 3 GiB (3221225472 bytes) already used")
    assert PATH in message


def test_unchanged_quota_below_used_is_not_an_error():
    # The array may report more used than quota (e.g. after a rollback); leaving it alone is fine.
    plan = plan_limits(PATH, GIB, 0, 2 * GIB, want_quota=GIB)
    assert plan.writes == ()


def test_reservation_above_quota():
    with pytest.raises(LimitError) as info:
        plan_limits(PATH, 10 * GIB, 0, 0, want_reservation=11 * GIB)
    assert info.value.field == "reservation"
    assert "above the quota" in str(info.value)


def test_quota_below_existing_reservation_names_quota():
    with pytest.raises(LimitError) as info:
        plan_limits(PATH, 10 * GIB, 8 * GIB, 0, want_quota=5 * GIB)
    assert info.value.field == "quota"
    assert "below the reservation" in str(info.value)


def test_reservation_without_quota_is_allowed():
    plan = plan_limits(PATH, 0, 0, 0, want_reservation=5 * GIB)
    assert plan.writes == (("reservation", 5 * GIB),)


def test_reservation_demand_counts_used_space():
    assert reservation_demand(0, 0, 5 * GIB) == 5 * GIB
    assert reservation_demand(3 * GIB, 0, 5 * GIB) == 2 * GIB
    assert reservation_demand(6 * GIB, 0, 5 * GIB) == 0
    assert reservation_demand(0, 5 * GIB, 2 * GIB) == 0


def test_check_pool_space():
    check_pool_space(PATH, 5 * GIB, 0, 0, 5 * GIB)
    with pytest.raises(LimitError) as info:
        check_pool_space(PATH, 4 * GIB, 0, GIB, 6 * GIB)
    assert info.value.field == "reservation"
    assert "needs 5 GiB (5368709120 bytes) more" in str(info.value)


@pytest.mark.parametrize("current, wanted, expected", [
    (0, 10, True),       # a first quota: the shares may already take more
    (20, 10, True),      # lowered
    (10, 20, False),     # raised: the shares fit under the old quota the array enforced
    (10, 10, False),     # unchanged
    (10, 0, False),      # removed
    (10, None, False),   # not asked
])
def test_a_project_quota_reads_its_shares_only_when_set_or_lowered(current, wanted, expected):
    assert needs_shares_usage(current, wanted) is expected
