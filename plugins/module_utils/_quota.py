# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Quota and reservation planning for the share, project and quota modules (private).

The rules (protocol choices C7, C8) and the write ordering live once, in the client
(``client/limits.py``, shared with the Manila driver); this layer records a plan's changes in the
module's difference tracker. No calls to the array: ``_array.checked_limits`` reads what a plan
needs, ``_array.apply_limits`` sends it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.tegile.intelliflash.plugins.module_utils.client import limits
from ansible_collections.tegile.intelliflash.plugins.module_utils.common import InputError


class LimitError(InputError):
    """A wanted quota/reservation the array would refuse (the client's ``limits.LimitError``, as
    the modules' input error); ``field`` names the option."""

    def __init__(self, error):
        super(LimitError, self).__init__(str(error))
        self.field = error.field


def needs_shares_usage(current_quota, quota):
    """Whether a new project quota is checked against its shares (C7: reads each one): when set or
    lowered, not when raised (the shares fit under the quota the array enforced, so under this)."""
    return bool(quota) and quota != current_quota and not (current_quota and quota > current_quota)


def plan_limits(path, current_quota, current_reservation, used, want_quota=None,
                want_reservation=None, tracker=None, quota_field="quota",
                reservation_field="reservation"):
    """``client.limits.plan_limits``; the changes are recorded in ``tracker`` as
    ``quota_bytes``/``reservation_bytes``. Raises LimitError naming the option."""
    try:
        plan = limits.plan_limits(path, current_quota, current_reservation, used, want_quota=want_quota,
                                  want_reservation=want_reservation, quota_field=quota_field,
                                  reservation_field=reservation_field)
    except limits.LimitError as exc:
        raise LimitError(exc)
    if tracker is not None:
        tracker.add("quota_bytes", before=plan.before_quota, after=plan.quota)
        tracker.add("reservation_bytes", before=plan.before_reservation, after=plan.reservation)
    return plan


def check_pool_space(path, pool_available, used, old_reservation, new_reservation, field="reservation"):
    """``client.limits.check_pool_space``: LimitError when the pool cannot hold the reservation growth."""
    try:
        limits.check_pool_space(path, pool_available, used, old_reservation, new_reservation, field=field)
    except limits.LimitError as exc:
        raise LimitError(exc)


def check_project_space(path, project_path, project_quota, project_taken, used, old_reservation,
                        new_reservation, field="reservation"):
    """``client.limits.check_project_space``: LimitError when the reservation growth takes the
    project beyond its quota."""
    try:
        limits.check_project_space(path, project_path, project_quota, project_taken, used,
                                   old_reservation, new_reservation, field=field)
    except limits.LimitError as exc:
        raise LimitError(exc)
