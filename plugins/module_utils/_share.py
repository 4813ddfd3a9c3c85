# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Decision logic of the share module (private): SMB name, clone source, clone progress."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import time

from ansible_collections.tegile.intelliflash.plugins.module_utils.common import IntelliFlashError, client_paths

CLONE_POLL_INTERVAL = 1.0


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
    wire dict or None for a new share.
    """
    if not wanted_smb or wanted_name is None:
        return False
    have = None
    if current is not None and str(current.get("sharesmb", "off")).lower() != "off":
        have = current.get("cifsDisplayName") or None
    return tracker.add("smb_name", before=have, after=wanted_name)


def find_snapshot(names, name):
    """The full snapshot name in ``names`` matching ``name`` (given with or without prefix), or None."""
    full = client_paths.share_snapshot_name(name)
    for candidate in names:
        if candidate in (name, full):
            return candidate
    return None


def wait_for_clone(client, pool, project, source_share, snapshot, clone, timeout,
                   interval=CLONE_POLL_INTERVAL, clock=time.monotonic, sleep=time.sleep):
    """Poll the clone until it completes; returns the final status dict.

    Raises RuntimeError naming the state when the clone fails or does not finish within
    ``timeout`` seconds.
    """
    deadline = clock() + timeout
    while True:
        status = client.get_clone_status(pool, project, source_share, snapshot, clone)
        state = status.get("state")
        if state == "success":
            return status
        if state != "in_progress":
            raise RuntimeError("the array reports clone state '%s'" % state)
        if clock() >= deadline:
            raise RuntimeError("the clone was still in progress after %s seconds" % timeout)
        sleep(interval)


@contextlib.contextmanager
def undo_creation(client, pool, project, name):
    """Delete the share this task has just created when a later step of the same task fails.

    Creation cannot carry every setting (properties, sharing, SMB name); when the array refuses
    one of the follow-up calls (e.g. an SMB name another share uses, C27), the task fails with
    the array's error and the array is left as it was instead of holding a half-configured share.
    """
    try:
        yield
    except IntelliFlashError as exc:
        path = client_paths.share_path(pool, project, name)
        try:
            client.delete_share(pool, project, name, recursive=False, missing_ok=True)
            note = "; the share this task created was deleted again, so the array is as before"
        except IntelliFlashError:
            note = "; the share this task created could not be deleted again and is left at %s" % path
        exc.message = (getattr(exc, "message", None) or str(exc)) + note
        raise
