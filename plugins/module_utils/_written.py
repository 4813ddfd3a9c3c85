# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a failed task wrote before it failed (imported by ``common.fail`` only when a task fails
after a write, or on an error of an array call).

A task does not roll back: the writes the array applied before the failure stay, so the task is
``changed`` and its message names them, each (method, dataset) once, in order. (A task whose
``_array.undo_creation`` deleted the share it made left the array as it was: ``common`` forgets
its writes.) A quota or reservation write whose outcome is unknown is named by its limit, also
when it is the task's first write.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import sys


def written_note(msg, written, extra):
    """The message of a failure after ``written``, the (method, dataset) of each write the array
    applied during the task (none: the message only names a limit whose change is unknown);
    sets ``extra["changed"]`` when there is one."""
    msg = _limits_named(msg, sys.exc_info()[1])
    done = []
    for call in written:
        if call not in done:
            done.append(call)
    if not done:
        return msg
    extra["changed"] = True
    names = ", ".join(" ".join(part for part in call if part) for call in done)
    return "%s. Written before the failure: %s" % (msg.rstrip(". "), names)


def _limits_named(msg, exc):
    """``msg`` naming the limit whose change is unknown and the limits written before it (kept)
    when the failure ``exc`` is a write of ``client.limits.apply_limits`` whose outcome is
    unknown, as the Manila driver says it of a resize: ``quota set to 4 GiB (4294967296 bytes)
    and kept; reservation change outcome unknown: ...`` (``quota change outcome unknown: ...``
    when it is the first write of the plan). Both limits (and a project's
    properties) are written by the same call of the same dataset, which the list of the task's
    writes does not tell apart (``client.failures.limits_left``).
    """
    from ansible_collections.tegile.intelliflash.plugins.module_utils.client.failures import limits_left
    left = limits_left(exc)
    if left is None or not exc.message or exc.message not in msg:
        return msg
    return msg.replace(exc.message, "%s: %s" % (left, exc.message), 1)
