# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Decision logic of ``tegile.intelliflash.snapshot`` (private to that module).

No calls to the array here: naming (the array's ``Manual-S-``/``Manual-P-``
prefixes, protocol choice C11), what a rollback would destroy (C14) and the
shape of the module's result.  Paths and name rules come from the client
package (``client.paths``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.tegile.intelliflash.plugins.module_utils.common import InputError
from ansible_collections.tegile.intelliflash.plugins.module_utils.client import paths
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.errors import (
    InvalidArgumentError,
)


class SnapshotError(InputError):
    """Input (or array state) the module refuses before writing; the text names the field."""


def snapshot_names(name, share):
    """(name without prefix, full on-array name) of the snapshot the user means.

    ``nightly`` on a share is ``Manual-S-nightly``, on a project ``Manual-P-nightly``.
    A name that already carries the right prefix is accepted as the full name (what
    ``listSnapshots`` shows).  The other kind's prefix is an error: a share snapshot
    cannot be managed through its project, nor the reverse.
    """
    own, other = paths.SHARE_SNAPSHOT_PREFIX, paths.PROJECT_SNAPSHOT_PREFIX
    if share is None:
        own, other = other, own
    if name is None or not str(name).strip():
        raise SnapshotError("name: a snapshot name is required")
    short = str(name)
    if short.startswith(own):
        short = short[len(own):]
    elif short.startswith(other):
        if share is not None:
            raise SnapshotError(
                "name: %r is a project snapshot (prefix %s); omit share to manage project snapshots"
                % (name, other))
        raise SnapshotError(
            "name: %r is a share snapshot (prefix %s); set share to manage share snapshots"
            % (name, other))
    try:
        return short, paths.snapshot_name(short, share, "name")  # C5, C11: 246 + prefix
    except InvalidArgumentError as exc:
        raise SnapshotError(getattr(exc, "message", None) or str(exc))


def newer_snapshots(names, full):
    """The snapshots taken after ``full`` (names in creation order, C11): a rollback's dependents."""
    names = list(names or [])
    if full not in names:
        return []
    return names[names.index(full) + 1:]


def rollback_dependents(dataset, names, full, shares=None):
    """Paths of the snapshots a rollback to ``full`` destroys (C14), in creation order.

    ``names``: the snapshots of ``dataset`` (the share, or the project). For a project
    rollback, ``shares`` lists ``(share path, its snapshot names)``: the array rolls back
    every share holding the project snapshot, so the share snapshots taken after it are
    dependents too (shares without it are not touched).
    """
    paths_ = ["%s@%s" % (dataset, name) for name in newer_snapshots(names, full)]
    for share_dataset, share_names in shares or []:
        paths_.extend("%s@%s" % (share_dataset, name) for name in newer_snapshots(share_names, full))
    return paths_


def rollback_blockers_message(dataset, full, newer):
    """The error for a rollback blocked by newer snapshots (C14)."""
    return ("Cannot roll %s back to %s: %d newer snapshot(s) would be destroyed: %s. "
            "Set destroy_newer=true to destroy them with the rollback (a newer snapshot that has "
            "clones still blocks it)." % (dataset, full, len(newer), ", ".join(newer)))


def snapshot_info(pool, project, share, short, full):
    """The ``snapshot`` return value."""
    dataset = paths.dataset_path(pool, project, share)
    return dict(
        name=short,
        full_name=full,
        path=paths.snapshot_path(dataset, full),
        dataset=dataset,
        type="project" if share is None else "share",
        pool=pool,
        project=project,
        share=share,
    )
