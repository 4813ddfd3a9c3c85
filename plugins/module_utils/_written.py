# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a failed task wrote before it failed (imported by ``common.fail`` only when a task fails).

A task does not roll back: the writes the array applied before the failure stay, so the task is
``changed`` and its message names them, each (method, dataset) once, in order. (A task whose
``_array.undo_creation`` deleted the share it made left the array as it was: ``common`` forgets
its writes.)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def written_note(msg, written):
    """(message, changed) for a failure after ``written``, the (method, dataset) of each write
    the array applied during the task."""
    done = []
    for call in written:
        if call not in done:
            done.append(call)
    if not done:
        return msg, False
    names = ", ".join(" ".join(part for part in call if part) for call in done)
    return "%s. Written before the failure: %s" % (msg.rstrip(". "), names), True
