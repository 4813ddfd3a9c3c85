# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Quota and reservation planning shared by the share, project and quota modules (private).

A plan checks the array's rules (protocol choices C7) before anything is written: a quota
below the space already used, a reservation above the quota, a reservation growth the pool
cannot hold. It also orders the writes so that no intermediate state breaks those rules.
No calls to the array: ``_array.checked_limits`` reads what a plan needs, ``_array.apply_limits``
sends it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.tegile.intelliflash.plugins.module_utils.common import InputError
from ansible_collections.tegile.intelliflash.plugins.module_utils._dataset import (
    describe_size,
    int_or_zero,
)


class LimitError(InputError):
    """A wanted quota/reservation the array would refuse; ``field`` names the option."""

    def __init__(self, field, message):
        super(LimitError, self).__init__("%s: %s" % (field, message))
        self.field = field


class LimitPlan:
    """The outcome of ``plan_limits``: ordered writes and the resulting values."""

    def __init__(self, writes, quota, reservation):
        self.writes = writes              # [("quota"|"reservation", bytes)], 0 = remove
        self.quota = quota                # resulting quota bytes (0 = none)
        self.reservation = reservation    # resulting reservation bytes (0 = none)


def plan_limits(path, current_quota, current_reservation, used, want_quota=None,
                want_reservation=None, tracker=None, quota_field="quota",
                reservation_field="reservation"):
    """Plan quota/reservation writes for the dataset ``path``.

    ``current_*``/``used`` are bytes as read from the array (0 or None = no limit);
    ``want_*`` are None (leave alone), 0 (remove) or bytes. Raises LimitError, naming the
    option, for a quota below ``used`` or below the (resulting) reservation. Changes are
    recorded in ``tracker`` as ``quota_bytes``/``reservation_bytes``.
    """
    current_quota = int_or_zero(current_quota)
    current_reservation = int_or_zero(current_reservation)
    used = int_or_zero(used)
    quota = current_quota if want_quota is None else want_quota
    reservation = current_reservation if want_reservation is None else want_reservation
    quota_changes = quota != current_quota
    reservation_changes = reservation != current_reservation

    if quota_changes and quota and quota < used:
        # A project quota also covers its shares' reservations (C7).
        taken = ("used by %s" if path.count("/") >= 3 else "used or reserved by the shares of %s") % path
        raise LimitError(quota_field, "%s is below the %s already %s; "
                         "free space first or choose a quota of at least %d bytes"
                         % (describe_size(quota), describe_size(used), taken, used))
    if quota and reservation and reservation > quota:
        if reservation_changes:
            raise LimitError(reservation_field, "%s is above the quota of %s (%s)"
                             % (describe_size(reservation), path, describe_size(quota)))
        raise LimitError(quota_field, "%s is below the reservation of %s (%s); lower the "
                         "reservation too" % (describe_size(quota), path, describe_size(reservation)))

    writes = []
    if quota_changes:
        writes.append(("quota", quota))
    if reservation_changes:
        # The old reservation may not fit under the new quota: move the reservation first.
        if quota_changes and quota and current_reservation > quota:
            writes.insert(0, ("reservation", reservation))
        else:
            writes.append(("reservation", reservation))
    if tracker is not None:
        tracker.add("quota_bytes", before=current_quota, after=quota)
        tracker.add("reservation_bytes", before=current_reservation, after=reservation)
    return LimitPlan(writes, quota, reservation)


def reservation_demand(used, old_reservation, new_reservation):
    """Extra pool bytes a reservation change takes (rule C8: a share holds max(used, reservation))."""
    used = int_or_zero(used)
    return max(0, max(used, int_or_zero(new_reservation)) - max(used, int_or_zero(old_reservation)))


def check_pool_space(path, pool_available, used, old_reservation, new_reservation,
                     field="reservation"):
    """Raise LimitError when the pool cannot hold the reservation growth."""
    demand = reservation_demand(used, old_reservation, new_reservation)
    if demand and pool_available is not None and demand > int_or_zero(pool_available):
        raise LimitError(field, "reserving %s for %s needs %s more in its pool, which has only %s free"
                         % (describe_size(new_reservation), path, describe_size(demand),
                            describe_size(pool_available)))
