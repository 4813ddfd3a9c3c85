#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: snapshot
short_description: Create, delete and roll back snapshots of IntelliFlash shares and projects
version_added: 1.0.0
description:
  - Creates and deletes manual snapshots of a share, or of a project (all its shares at once), on a Tegile (DDN)
    IntelliFlash array, and rolls a share or project back to one of them.
  - The array prefixes the names of manual snapshots; give the name without the prefix. O(name=nightly) is the share
    snapshot C(Manual-S-nightly), or, without O(share), the project snapshot C(Manual-P-nightly). The module returns the
    full name and the snapshot's path.
  - To B(clone) a snapshot into a new share use M(tegile.intelliflash.share) with its O(tegile.intelliflash.share#module:source_snapshot)
    option; a clone is a share and is managed (and deleted) like any other share.
author:
  - tegile.intelliflash developers (!UNKNOWN)
options:
  pool:
    description: Pool that holds the project.
    type: str
    required: true
  project:
    description: Project that holds the share, or whose project snapshot is managed.
    type: str
    required: true
  share:
    description:
      - Share whose snapshot is managed.
      - Omit it to manage a project snapshot, which the array takes of the project and each of its shares at once.
    type: str
  name:
    description:
      - Snapshot name without the array's prefix (V(nightly), not V(Manual-S-nightly)).
      - A name that already carries the prefix of its kind (C(Manual-S-) with O(share), C(Manual-P-) without) is
        accepted as the full name.
      - 'At most 255 characters: no white space, no parentheses, no single quote and none of
        C(, / \ ! ? @ < > # $ % ^ * ~ + = } | : { [ ] ; " &).'
    type: str
    required: true
  state:
    description:
      - V(present) creates the snapshot if it does not exist. An existing snapshot is left as it is.
      - V(absent) deletes the snapshot if it exists.
      - V(rolled_back) reverts the share (or the project and its shares) to the snapshot, which must exist. Every write
        made since the snapshot is lost.
      - A rollback always runs and always reports C(changed=true), also in check mode (where nothing is sent). The
        array cannot tell whether the data changed since the snapshot, and skipping a requested rollback would
        leave data in place that the caller asked to discard. Guard the task with a condition or run it
        as a handler if it must not repeat.
    type: str
    choices: [present, absent, rolled_back]
    default: present
  quiesce:
    description:
      - Quiesce the share (flush and pause application I/O through the array's integration) while the snapshot
        is taken. Only used when a snapshot is created.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait for the array to finish a new snapshot (the module polls its creation status).
      - The task fails if the snapshot is still in progress after this time.
    type: int
    default: 300
  destroy_newer:
    description:
      - With O(state=rolled_back), also destroy the snapshots taken after the target snapshot.
      - The array refuses to roll back past newer snapshots; without this option the task fails and names them,
        before anything is changed.
      - A project rollback also rolls back every share that holds the project snapshot, so the snapshots those
        shares took after it count as newer too (the module reads the snapshot list of each share of the project
        to name them).
      - A newer snapshot that has clones still blocks the rollback; delete (or keep) those clones first.
    type: bool
    default: false
  recursive:
    description:
      - With O(state=absent), also delete the clones of the snapshot. B(Clones are shares:) their data is deleted.
      - Without it, deleting a snapshot that has clones fails with a message saying so, and nothing is deleted.
    type: bool
    default: false
extends_documentation_fragment:
  - tegile.intelliflash.connection
  - tegile.intelliflash.attributes
  - tegile.intelliflash.attributes.actiongroup
attributes:
  diff_mode:
    details:
      - The diff shows the snapshot path going from V(absent) to V(present) or back, and for a rollback the dataset
        and every newer snapshot it destroys.
  idempotent:
    support: partial
    details:
      - O(state=present) and O(state=absent) are idempotent; a converged run sends no write call.
      - O(state=rolled_back) is an action, not a state; it rolls back and reports a change on every run (see O(state)).
notes:
  - Deleting a share snapshot deletes nothing else unless O(recursive=true). Deleting a project snapshot deletes
    that snapshot of every share of the project.
  - The array may create snapshots asynchronously; the module waits up to O(wait_timeout) seconds for it to finish.
    A snapshot the array is still creating counts as present (a later run does not create it again).
seealso:
  - module: tegile.intelliflash.share
    description: Create a share as a clone of a snapshot (O(tegile.intelliflash.share#module:source_snapshot)).
  - module: tegile.intelliflash.info
    description: List the snapshots of shares and projects.
  - module: tegile.intelliflash.project
    description: Project snapshots cover the project and every share in it.
"""

EXAMPLES = r"""
# The connection options (host, username, password, ca_path) are set once for the play with
# module_defaults on group/tegile.intelliflash.intelliflash, or come from the INTELLIFLASH_*
# environment variables.
- name: Take a snapshot of a share (on the array Manual-S-before-upgrade)
  tegile.intelliflash.snapshot:
    pool: pool-a
    project: finance
    share: ledger
    name: before-upgrade
  register: snap

- name: Show where it is
  ansible.builtin.debug:
    msg: "{{ snap.snapshot.path }}"

- name: Take a project snapshot (the project and every share in it), quiesced
  tegile.intelliflash.snapshot:
    pool: pool-a
    project: finance
    name: month-end
    quiesce: true

- name: Roll the share back to its snapshot, destroying newer snapshots
  tegile.intelliflash.snapshot:
    pool: pool-a
    project: finance
    share: ledger
    name: before-upgrade
    state: rolled_back
    destroy_newer: true
  when: upgrade_failed | default(false) | bool

- name: Clone the snapshot into a new share (clones are made with the share module)
  tegile.intelliflash.share:
    pool: pool-a
    project: finance
    name: ledger-test
    source_share: ledger
    source_snapshot: before-upgrade

- name: Delete the project snapshot
  tegile.intelliflash.snapshot:
    pool: pool-a
    project: finance
    name: month-end
    state: absent

- name: Delete the share snapshot and the clone made from it (the clone's data is lost)
  tegile.intelliflash.snapshot:
    pool: pool-a
    project: finance
    share: ledger
    name: before-upgrade
    state: absent
    recursive: true
"""

RETURN = r"""
snapshot:
  description: The snapshot the task was about (also when it is absent).
  returned: always
  type: dict
  contains:
    name:
      description: Name without the array's prefix.
      type: str
      sample: before-upgrade
    full_name:
      description: Name on the array, with its prefix.
      type: str
      sample: Manual-S-before-upgrade
    path:
      description: Full snapshot path, as the array's snapshot calls take it.
      type: str
      sample: pool-a/Local/finance/ledger@Manual-S-before-upgrade
    dataset:
      description: Path of the share or project the snapshot belongs to.
      type: str
      sample: pool-a/Local/finance/ledger
    type:
      description: V(share) or V(project).
      type: str
      sample: share
    pool:
      description: Pool.
      type: str
      sample: pool-a
    project:
      description: Project.
      type: str
      sample: finance
    share:
      description: Share, or V(null) for a project snapshot.
      type: str
      sample: ledger
deleted:
  description: Snapshot paths the array reported deleted.
  returned: when O(state=absent) deleted a snapshot (not in check mode)
  type: list
  elements: str
  sample: [pool-a/Local/finance/ledger@Manual-S-before-upgrade]
destroyed_snapshots:
  description:
    - Paths of the newer snapshots the rollback destroyed (or would destroy, in check mode).
    - For a project rollback, also the newer snapshots of the project's shares.
  returned: when O(state=rolled_back)
  type: list
  elements: str
  sample: [pool-a/Local/finance/ledger@Manual-S-hourly-1300]
array_retries:
  description:
    - The retries and waits of the task for the array (connection errors, timeouts, lost replies, HTTP 408/429/502/503/504,
      an error page answering a write), one message each, in order.
    - Only at verbosity 1 or more (C(-v)); at any verbosity one warning counts them and quotes the first and the last.
  returned: when the task retried or waited for the array and runs with C(-v)
  type: list
  elements: str
  version_added: 1.1.0
  sample:
    - "listSystemProperties : HTTP 503 from the array: <html>...</html>; retrying in 0.39 s (attempt 2)"
"""

from ansible_collections.tegile.intelliflash.plugins.module_utils._worker import hand_over

hand_over(globals())  # with INTELLIFLASH_WORKER set, a resident worker runs this task (docs/worker.md)

import re

from ansible_collections.tegile.intelliflash.plugins.module_utils.common import (
    DifferenceTracker,
    IntelliFlashModule,
    NotFoundError,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils._array import (
    create_or_adopt,
    require_project,
    require_share,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.errors import InUseError
from ansible_collections.tegile.intelliflash.plugins.module_utils._argspec import ArgumentSpec, dataset_spec, wait_timeout_spec
from ansible_collections.tegile.intelliflash.plugins.module_utils._snapshot import (
    rollback_blockers_message,
    rollback_dependents,
    snapshot_info,
    snapshot_names,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.paths import dataset_ref, project_ref
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.system import SystemCalls
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.projects import ProjectCalls
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.shares import ShareCalls
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.snapshots import SnapshotCalls

# The client's call groups this module uses (common.client_class): a task imports no other.
CALLS = (SystemCalls, ProjectCalls, ShareCalls, SnapshotCalls)


def argument_spec():
    spec = ArgumentSpec(dict(
        name=dict(type="str", required=True),
        quiesce=dict(type="bool", default=False),
        destroy_newer=dict(type="bool", default=False),
        recursive=dict(type="bool", default=False),
    ))
    spec.merge(dataset_spec(share=True, states=("present", "absent", "rolled_back"))).merge(wait_timeout_spec())
    # wait_timeout is left out: a time budget that module_defaults often sets for every task.
    return spec.used_with(("present",), "quiesce").used_with(("rolled_back",), "destroy_newer") \
        .used_with(("absent",), "recursive")


def main():
    module = IntelliFlashModule.from_spec(argument_spec(), supports_check_mode=True, calls=CALLS)
    params = module.params
    with module.api_errors("checking name"):
        short, full = snapshot_names(params["name"], params["share"])
    with module.api_errors("checking pool, project and share"):  # client-side name checks, no call
        info = snapshot_info(params["pool"], params["project"], params["share"], short, full)
    # One read; a rollback needs every snapshot (their order tells the newer ones).
    names = list_snapshots(module, info, "" if params["state"] == "rolled_back" else re.escape(full))
    tracker = DifferenceTracker()
    result = dict(snapshot=info)
    if params["state"] == "present":
        ensure_present(module, info, full in names, tracker)
    elif params["state"] == "absent":
        ensure_absent(module, info, full in names, tracker, result)
    else:
        roll_back(module, info, names, tracker, result)
    module.exit(tracker.has_differences(), diff=tracker, **result)


def list_snapshots(module, info, pattern):
    """Snapshot names of the share or project; a missing pool, project or share fails naming it."""
    pool, project, share = info["pool"], info["project"], info["share"]
    with module.api_errors("listing the snapshots of %s" % info["dataset"], info["dataset"]):
        try:
            return [snap.full_name for snap in module.client.list_snapshots(dataset_ref(pool, project, share), pattern=pattern)]
        except NotFoundError:
            # each fails naming its option (share, project or pool) when that object is missing
            if share is not None:
                require_share(module, pool, project, share)
            else:
                require_project(module, pool, project)
            raise


def ensure_present(module, info, exists, tracker):
    if exists:
        return
    tracker.add(info["path"], before="absent", after="present")
    if not module.check_mode:
        params = module.params
        pool, project, share, name, full = info["pool"], info["project"], info["share"], info["name"], info["full_name"]

        def create():
            module.client.create_snapshot(dataset_ref(pool, project, share), name, quiesce=params["quiesce"], wait=True,
                                          wait_timeout=params["wait_timeout"])

        def find():
            found = module.client.list_snapshots(dataset_ref(pool, project, share), pattern=re.escape(full))
            return full if any(snap.full_name == full for snap in found) else None

        adopted = create_or_adopt(module, "creating snapshot %s" % info["path"], info["dataset"], create, find)
        if adopted is not None:
            # Another task created it first: this one changed nothing, and waits for it like its creator.
            tracker.add(info["path"], before="absent", after="absent")
            with module.api_errors("waiting for snapshot %s" % info["path"], info["dataset"]):
                module.client.wait_for_snapshot(dataset_ref(pool, project, share), name, wait_timeout=params["wait_timeout"])


def ensure_absent(module, info, exists, tracker, result):
    """Delete the snapshot; one that has clones fails with a clear message unless recursive."""
    if not exists:
        return
    tracker.add(info["path"], before="present", after="absent")
    if module.check_mode:
        return
    has_clones = ("Cannot delete snapshot %s: it has clones (shares created from it). Delete the clones first, or "
                  "set recursive=true to delete them, and their data, with the snapshot." % info["path"])
    with module.api_errors("deleting snapshot %s" % info["path"], info["dataset"], explain={InUseError: has_clones}):
        deletion = module.client.delete_snapshot(dataset_ref(info["pool"], info["project"], info["share"]),
                                                 info["full_name"], recursive=module.params["recursive"], missing_ok=True)
    result["deleted"] = list(deletion.deleted or [info["path"]])


def roll_back(module, info, names, tracker, result):
    """Roll back (always a change); newer snapshots block it unless destroy_newer (C14)."""
    dataset, full = info["dataset"], info["full_name"]
    if full not in names:
        module.fail("Cannot roll %s back to %s: the snapshot does not exist" % (dataset, full), dataset=dataset)
    shares = share_snapshots(module, info) if info["share"] is None else None
    newer = rollback_dependents(dataset, names, full, shares)
    if newer and not module.params["destroy_newer"]:
        module.fail(rollback_blockers_message(dataset, full, newer), dataset=dataset, newer_snapshots=newer)
    tracker.add(dataset, before="current data", after="data of %s" % full)
    for path in newer:
        tracker.add(path, before="present", after="absent")
    result["destroyed_snapshots"] = newer
    if module.check_mode:
        return
    action = "rolling %s back to %s" % (dataset, full)
    in_the_way = ("Error %s: a newer snapshot is in the way, or one of the newer snapshots has clones (delete those "
                  "clones first; destroy_newer=true destroys newer snapshots only when none has clones)." % action)
    with module.api_errors(action, dataset, explain={InUseError: in_the_way}):
        module.client.rollback_snapshot(dataset_ref(info["pool"], info["project"], info["share"]), full,
                                        delete_dependents=module.params["destroy_newer"])


def share_snapshots(module, info):
    """(share path, snapshot names) of each share of the project: a project rollback reaches them."""
    pool, project = info["pool"], info["project"]
    with module.api_errors("listing the shares of %s and their snapshots" % info["dataset"], info["dataset"]):
        return [("%s/%s" % (info["dataset"], share.name), [snap.full_name for snap in module.client.list_snapshots(share.ref)])
                for share in module.client.list_shares(project_ref(pool, project))]


if __name__ == "__main__":
    main()
