# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The array-facing layer the modules share (private): reads and writes through the client.

With ``common.py`` this is the only part of module_utils that calls the array; every other
private ``_<name>.py`` plans (see DEVELOPERS.md, "Modules"). Each function takes the
``IntelliFlashModule`` as ``module`` (or, for a write the caller wraps in its own
``module.api_errors``, the client) and runs its reads inside ``module.api_errors``, so that a
client error becomes a failed result naming the action and the dataset.

Each ``require_*`` reads one object and fails the module, naming the option, when it does not
exist, so that bad input is reported before anything is written.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import time

from ansible_collections.tegile.intelliflash.plugins.module_utils.common import IntelliFlashError, NotFoundError
from ansible_collections.tegile.intelliflash.plugins.module_utils.client import limits
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.errors import AlreadyExistsError
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.paths import dataset_ref, project_ref, share_ref
from ansible_collections.tegile.intelliflash.plugins.module_utils._locks import LockError, dataset_lock
from ansible_collections.tegile.intelliflash.plugins.module_utils._dataset import PROTOCOLS
from ansible_collections.tegile.intelliflash.plugins.module_utils._quota import check_pool_space, plan_limits

CLONE_POLL_INTERVAL = 1.0


# -- look-ups ---------------------------------------------------------------------------------
def require_pool(module, pool, field="pool"):
    """The pool's PoolInfo; fails naming ``field`` when the array has no such pool."""
    with module.api_errors("listing pools"):
        pools = module.client.list_pools()
    for item in pools:
        if item.name == pool:
            return item
    module.fail("%s: pool '%s' does not exist on the array (pools: %s)"
                % (field, pool, ", ".join(sorted(item.name or "?" for item in pools)) or "none"))


def find_project(module, pool, project):
    """The project's ProjectInfo or None (also None when the pool does not exist)."""
    path = module.dataset_path(pool, project)
    with module.api_errors("reading project %s" % path, path):
        try:
            return module.client.find_project(project_ref(pool, project))
        except NotFoundError:
            return None


def require_project(module, pool, project, field="project"):
    """The project's ProjectInfo; fails naming ``field`` when it does not exist.

    On a miss the pool is looked up too, so that a missing pool is reported as such.
    """
    found = find_project(module, pool, project)
    if found is None:
        require_pool(module, pool)
        module.fail("%s: project '%s' does not exist in pool '%s'" % (field, project, pool),
                    dataset=module.dataset_path(pool, project))
    return found


def find_share(module, pool, project, share):
    """The share's ShareInfo or None (also None when its project or pool does not exist)."""
    path = module.dataset_path(pool, project, share)
    with module.api_errors("reading share %s" % path, path):
        try:
            return module.client.find_share(share_ref(pool, project, share))
        except NotFoundError:
            return None


def require_share(module, pool, project, share, field="share"):
    """The share's ShareInfo; fails naming ``field`` when it does not exist.

    On a miss the project (and then the pool) is looked up, so that the message names what
    is really missing.
    """
    found = find_share(module, pool, project, share)
    if found is None:
        require_project(module, pool, project)
        module.fail("%s: share '%s' does not exist in project '%s' of pool '%s'" % (field, share, project, pool),
                    dataset=module.dataset_path(pool, project, share))
    return found


def project_used(module, pool, project):
    """What a project quota must not go below: its shares' Σ max(used, reservation) (C7).

    A reservation is guaranteed space, so it counts against the project quota like used bytes.
    ``listShares`` items carry no reservation: each share is read (only when a project quota
    changes).
    """
    path = module.dataset_path(pool, project)
    with module.api_errors("reading the shares of project %s" % path, path):
        total = 0
        for item in module.client.list_shares(project_ref(pool, project)):
            share = module.client.find_share(item.ref) or item
            total += max(share.used_bytes, share.reservation_bytes)
        return total


def sharing_state(module, wanted, source, pool, project, path):
    """Effective NFS/SMB state of a project, for the protocols ``wanted`` sets (dict with nfs/smb keys).

    ``source`` is the project's ProjectInfo; None means a new project (sharing off). When the
    array did not report the state in it, the array is asked (isProjectExposedOver*).
    ``path`` is the project's path, for the error message.
    """
    state = {}
    with module.api_errors("reading the sharing state of project %s" % path, path):
        for protocol in PROTOCOLS:
            if wanted.get(protocol) is None:
                continue
            if source is None:
                state[protocol] = False
                continue
            value = source.sharing(protocol)
            if value is None:
                value = module.client.is_exposed(protocol, project_ref(pool, project))
            state[protocol] = value
    return state


def checked_limits(module, pool, path, current, used, quota, reservation, tracker, quota_field="quota"):
    """``_quota.plan_limits`` for a dataset's view (None = new), plus the pool space check.

    The pool is read only when the reservation grows. Fails the module, naming the option,
    when the array would refuse the values.
    """
    current_quota = current.quota_bytes if current is not None else 0
    current_reservation = getattr(current, "reservation_bytes", 0)   # projects have none
    with module.api_errors("planning the limits of %s" % path, path):
        plan = plan_limits(path, current_quota, current_reservation, used, want_quota=quota,
                           want_reservation=reservation, tracker=tracker, quota_field=quota_field)
    if reservation and reservation != current_reservation:
        available = require_pool(module, pool).available_bytes
        with module.api_errors("planning the reservation of %s" % path, path):
            check_pool_space(path, available, used, current_reservation, reservation)
    return plan


# -- writes (the caller wraps them in module.api_errors) ----------------------------------------
def create_or_adopt(module, action, dataset, create, find):
    """Run ``create()``; return None when it created the object, or the object another writer created first.

    Several tasks creating the same object at once (forks, several controllers) all read "missing";
    the array creates it for the first and answers EZEBI_RESOURCE_EXIST to the others. Those read
    the object with ``find()`` and carry on as for an existing one, so every task converges. When
    the object is still not there, the refusal meant something else and fails the task.
    """
    with module.api_errors(action, dataset):
        try:
            create()
            return None
        except AlreadyExistsError as exc:
            found = find()
            if found is None:
                raise exc
            return found


def apply_sharing(client, changes, pool, project, share=None, display_name=None, guest=False):
    """Send the sharing changes planned by ``_dataset.plan_sharing`` (NFS first, then SMB).

    ``changes`` maps ``nfs``/``smb`` to the wanted state. ``display_name``/``guest`` go with
    the SMB call (share level only).
    """
    ref = dataset_ref(pool, project, share)
    if "nfs" in changes:
        client.set_nfs_sharing(ref, changes["nfs"])
    if "smb" in changes:
        if share is None:
            client.set_smb_sharing(ref, changes["smb"])
        else:
            client.set_smb_sharing(ref, changes["smb"], display_name=display_name, guest=guest)


def apply_limits(client, plan, pool, project, share=None):
    """Send the writes of a ``client.limits.LimitPlan``, in order (share or project)."""
    limits.apply_limits(client, plan, dataset_ref(pool, project, share))


def wait_for_clone(client, pool, project, source_share, snapshot, clone, timeout,
                   interval=CLONE_POLL_INTERVAL, clock=time.monotonic, sleep=time.sleep):
    """Poll the clone until it completes; returns the final CloneStatus.

    Raises RuntimeError naming the state when the clone fails or does not finish within
    ``timeout`` seconds.
    """
    deadline = clock() + timeout
    while True:
        status = client.get_clone_status(share_ref(pool, project, source_share), snapshot, clone)
        state = status.state
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
        ref = share_ref(pool, project, name)
        try:
            client.delete_share(ref, recursive=False, missing_ok=True)
            note = "; the share this task created was deleted again, so the array is as before"
        except IntelliFlashError:
            note = "; the share this task created could not be deleted again and is left at %s" % ref.path
        exc.message = (getattr(exc, "message", None) or str(exc)) + note
        raise


@contextlib.contextmanager
def module_dataset_lock(module, dataset, timeout=None):
    """``_locks.dataset_lock`` for ``module``, keyed by the array as its client reaches it.

    Host name or address and port: ``array1``, ``https://ARRAY1`` and ``array1:443`` are one array;
    a name and an address of the same array are not. Fails the task when the lock cannot be taken.
    The default wait is five times the module's ``timeout``, at least 5 min.
    """
    if timeout is None:
        timeout = max(300.0, 5 * float(module.params.get("timeout") or 0))
    array = "%s:%s" % (module.client.host.lower(), module.client.port)
    lock = dataset_lock(array, dataset, timeout)
    try:
        lock.__enter__()
    except LockError as exc:
        module.fail("Cannot serialize the writes to %s: %s" % (dataset, exc), dataset=dataset)
    try:
        yield
    finally:
        lock.__exit__(None, None, None)
