# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Quota and reservation planning and write ordering (rules C7, C8), for modules and driver.

A plan checks the array's rules before anything is written (a quota below the space already
used, a reservation above the quota, a reservation growth the pool cannot hold) and orders the
writes so that no intermediate state breaks them: the reservation never exceeds the quota in
between (shrinking: the reservation first; growing: the quota first).

Moved here from the collection's GPL glue (``plugins/module_utils/_quota.py``) so that the
Manila driver uses the same rules; the project owns that code and licenses it Apache-2.0 here.
"""

import dataclasses
from typing import Tuple

from .errors import IntelliFlashError
from .sizes import format_size

QUOTA = "quota"
RESERVATION = "reservation"


class LimitError(ValueError):
    """A wanted quota/reservation the array would refuse; ``field`` names the option."""

    def __init__(self, field, message):
        super(LimitError, self).__init__("%s: %s" % (field, message))
        self.field = field


def describe_size(value):
    """``10 GiB (10737418240 bytes)``; ``none`` for 0/None."""
    if not value:
        return "none"
    return "%s (%d bytes)" % (format_size(value), value)


def _bytes(value):
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


@dataclasses.dataclass(frozen=True)
class LimitPlan:
    """The outcome of ``plan_limits``: ordered writes and the values before and after."""

    writes: Tuple[Tuple[str, int], ...]   # ((QUOTA|RESERVATION, bytes), ...), 0 = remove
    quota: int                            # resulting quota bytes (0 = none)
    reservation: int                      # resulting reservation bytes (0 = none)
    before_quota: int = 0
    before_reservation: int = 0


def plan_limits(path, current_quota, current_reservation, used, want_quota=None,
                want_reservation=None, quota_field=QUOTA, reservation_field=RESERVATION):
    """Plan quota/reservation writes for the dataset ``path``.

    ``current_*``/``used`` are bytes as read from the array (0 or None = no limit);
    ``want_*`` are None (leave alone), 0 (remove) or bytes. Raises LimitError, naming the
    option, for a quota below ``used`` or below the (resulting) reservation. Values that do
    not change are not written.
    """
    current_quota = _bytes(current_quota)
    current_reservation = _bytes(current_reservation)
    used = _bytes(used)
    quota = current_quota if want_quota is None else want_quota
    reservation = current_reservation if want_reservation is None else want_reservation
    quota_changes = quota != current_quota
    reservation_changes = reservation != current_reservation

    if quota_changes and quota and quota < used:
        # A project quota also covers its shares' reservations (C7).
        taken = ("used by %s" if path.count("/") >= 3
                 else "used or reserved by the shares of %s") % path
        raise LimitError(quota_field, "%s is below the %s already %s; "
                         "free space first or choose a quota of at least %d bytes"
                         % (describe_size(quota), describe_size(used), taken, used))
    if quota and reservation and reservation > quota:
        if reservation_changes:
            raise LimitError(reservation_field, "%s is above the quota of %s (%s)"
                             % (describe_size(reservation), path, describe_size(quota)))
        raise LimitError(quota_field, "%s is below the reservation of %s (%s); lower the "
                         "reservation too"
                         % (describe_size(quota), path, describe_size(reservation)))

    writes = []
    if quota_changes:
        writes.append((QUOTA, quota))
    if reservation_changes:
        # The old reservation may not fit under the new quota: move the reservation first.
        if quota_changes and quota and current_reservation > quota:
            writes.insert(0, (RESERVATION, reservation))
        else:
            writes.append((RESERVATION, reservation))
    return LimitPlan(tuple(writes), quota, reservation, current_quota, current_reservation)


def plan_size(share, size):
    """The plan that gives ``share`` (a ShareInfo) a quota of ``size`` bytes; a thick share
    (one with a reservation) keeps its reservation equal to its quota. The array checks the
    space in use (C7)."""
    return plan_limits(share.path, share.quota_bytes, share.reservation_bytes, 0,
                       want_quota=size, want_reservation=size if share.thick else None)


def reservation_demand(used, old_reservation, new_reservation):
    """Extra pool bytes a reservation change takes (C8: a share holds max(used, reservation))."""
    used = _bytes(used)
    return max(0, max(used, _bytes(new_reservation)) - max(used, _bytes(old_reservation)))


def check_pool_space(path, pool_available, used, old_reservation, new_reservation,
                     field=RESERVATION):
    """Raise LimitError when the pool cannot hold the reservation growth."""
    demand = reservation_demand(used, old_reservation, new_reservation)
    if demand and pool_available is not None and demand > _bytes(pool_available):
        raise LimitError(field, "reserving %s for %s needs %s more in its pool, which has "
                         "only %s free" % (describe_size(new_reservation), path,
                                           describe_size(demand), describe_size(pool_available)))


def check_project_space(path, project_path, project_quota, project_taken, used, old_reservation,
                        new_reservation, field=RESERVATION):
    """Raise LimitError when the reservation growth takes the project beyond its quota.

    ``project_taken`` is the project's Σ max(used, reservation) over its shares as they are
    (this share included, with its old reservation); a project quota bounds that sum (C7), and
    the array refuses the reservation write with EZEBI_NOSPACE. Checked before any write, so
    that a quota planned with the reservation is not written alone.
    """
    demand = reservation_demand(used, old_reservation, new_reservation)
    project_quota = _bytes(project_quota)
    taken = _bytes(project_taken)
    if demand and project_quota and taken + demand > project_quota:
        room = max(0, project_quota - taken + max(_bytes(used), _bytes(old_reservation)))
        raise LimitError(field, "reserving %s for %s would take project %s to %s, beyond its "
                                "quota of %s; raise the project quota first or reserve at most %s"
                         % (describe_size(new_reservation), path, project_path,
                            describe_size(taken + demand), describe_size(project_quota),
                            describe_size(room)))


def apply_limits(client, plan, ref, undo_on=(), log=None):
    """Send the plan's writes in order to the share or project ``ref`` (a DatasetRef). The error of a failed write
    carries ``limits_written``, (plan, writes done); when it is one of ``undo_on`` (error classes), the writes done are
    put back to the plan's values before, last first: ``(NoSpaceError,)`` puts the old quota back when the pool cannot
    hold the new reservation. The error is raised again."""
    done = []
    try:
        for kind, value in plan.writes:
            _write(client, ref, kind, value)
            done.append(kind)
    except IntelliFlashError as err:
        err.limits_written = (plan, len(done))  # what a module's failure report names (_written.py)
        if not isinstance(err, tuple(undo_on)):
            raise
        before = {QUOTA: plan.before_quota, RESERVATION: plan.before_reservation}
        for kind in reversed(done):
            try:
                _write(client, ref, kind, before[kind])
            except IntelliFlashError as undo_err:
                (log or client.log).error("Could not put the %s of %s back to %s bytes: %s",
                                          kind, ref.path, before[kind], undo_err)
        raise


def _write(client, ref, kind, value):
    if not ref.is_share:
        client.set_project_quota(ref, value or None)
    elif kind == QUOTA:
        client.set_share_quota(ref, value or None)
    else:
        client.set_share_reservation(ref, value or None)
