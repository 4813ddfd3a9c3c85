# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Decision logic of the share module (private): the SMB name and the clone source.

No calls to the array: the module reads, these functions decide (clone progress and the undo of a
half-configured share are in ``_array``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import dataclasses

from ansible_collections.tegile.intelliflash.plugins.module_utils.client import paths as client_paths


def smb_name_problem(value):
    """Why ``value`` cannot be an SMB share name (the client's rule C17, plus: not empty, no
    white space around it), or None."""
    if not value or not value.strip():
        return "must not be empty"
    problem = client_paths.smb_name_problem(value)
    if problem:
        return problem
    if value != value.strip():
        return "must not start or end with white space"
    return None


def plan_smb_name(current, wanted_smb, wanted_name, tracker):
    """Whether the SMB display name must be (re)sent; records ``smb_name`` in ``tracker``.

    The name only matters while SMB sharing is (or becomes) on. ``current`` is the share's
    ShareInfo or None for a new share.
    """
    if not wanted_smb or wanted_name is None:
        return False
    have = None
    if current is not None and current.smb:
        have = current.smb_name
    return tracker.add("smb_name", before=have, after=wanted_name)


def planned_share(share, tracker):
    """``share`` (a ShareInfo read before any write) as the read after a run's writes would show
    it, as far as its export locations go: the sharing state and SMB name recorded in ``tracker``.
    Check mode writes nothing, so it predicts the locations from this."""
    after = tracker.get_before_after()[1]
    changes = dict((key, after[key]) for key in ("nfs", "smb", "smb_name") if key in after)
    return dataclasses.replace(share, **changes) if changes else share


def find_snapshot(names, name):
    """The full snapshot name in ``names`` matching ``name`` (given with or without prefix), or None."""
    full = client_paths.share_snapshot_name(name)
    for candidate in names:
        if candidate in (name, full):
            return candidate
    return None
