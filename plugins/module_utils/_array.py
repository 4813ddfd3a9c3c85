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

from ansible_collections.tegile.intelliflash.plugins.module_utils.common import InputError, IntelliFlashError, NotFoundError
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.errors import AlreadyExistsError, OutcomeUnknownError
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.paths import dataset_ref, parse_path, project_ref, share_ref
from ansible_collections.tegile.intelliflash.plugins.module_utils._dataset import PROTOCOLS

# Each line of module_utils a task imports is compiled on every task (DEVELOPERS.md, "What a module
# run costs"): the planners of limits and rules, and the lock file, are imported by the functions
# that use them, so a task that needs none of them (a quota task takes no lock and has no rules; a
# snapshot or share_access task has no limits) does not compile them.

# Rule writes of one task when another writer keeps getting in its way (the array refusing an
# add: the rule exists).
MAX_RULE_WRITES = 3


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


def read_network_rules(module, pool, project, share=None):
    """The NFS network rules of a share (or, without ``share``, a project): one read.

    A missing project fails naming its option (``project`` or ``pool``); a missing share is
    the caller's to name (it has read the share before).
    """
    dataset = module.dataset_path(pool, project, share)
    with module.api_errors("reading the NFS network rules of %s" % dataset, dataset):
        try:
            return module.client.get_network_acls("nfs", dataset_ref(pool, project, share))
        except NotFoundError:
            if share is None:
                require_project(module, pool, project)  # or fails naming pool
            raise


def project_used(module, pool, project):
    """What a project quota must not go below: its shares' Σ max(used, reservation) (C7).

    A reservation is guaranteed space, so it counts against the project quota like used bytes.
    ``listShares`` items carry no reservation: each share is read (only when a project quota
    changes, or a share's reservation grows in a project that has a quota).
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


def inherited_sharing(module, pool, project):
    """(nfs, smb) a new share of the project inherits, as far as its protocol needs: whether the
    project is shared over SMB (one read), and over NFS only when it is (a second). NFS is None when
    not read: with SMB off the share is an NFS share either way (``_share_access.protocol_of``).
    Fails naming ``project`` (or ``pool``) when the project does not exist.
    """
    path = module.dataset_path(pool, project)
    ref = project_ref(pool, project)
    with module.api_errors("reading the sharing state of project %s" % path, path):
        try:
            smb = module.client.is_exposed("smb", ref)
        except NotFoundError:
            require_project(module, pool, project)  # fails naming what is missing
            raise  # the project exists again: another writer; report the refusal
        return (module.client.is_exposed("nfs", ref) if smb else None), smb


def checked_limits(module, pool, path, current, used, quota, reservation, tracker, quota_field="quota"):
    """``_quota.plan_limits`` for a dataset's view (None = new), plus the pool space check.

    The pool is read only when the reservation grows. Fails the module, naming the option,
    when the array would refuse the values.
    """
    from ansible_collections.tegile.intelliflash.plugins.module_utils.client import limits
    from ansible_collections.tegile.intelliflash.plugins.module_utils._quota import check_pool_space, check_project_space, plan_limits
    current_quota = current.quota_bytes if current is not None else 0
    current_reservation = getattr(current, "reservation_bytes", 0)   # projects have none
    with module.api_errors("planning the limits of %s" % path, path):
        plan = plan_limits(path, current_quota, current_reservation, used, want_quota=quota,
                           want_reservation=reservation, tracker=tracker, quota_field=quota_field)
    if reservation and reservation != current_reservation:
        available = require_pool(module, pool).available_bytes
        with module.api_errors("planning the reservation of %s" % path, path):
            check_pool_space(path, available, used, current_reservation, reservation)
            project = parse_path(path).project
        if limits.reservation_demand(used, current_reservation, reservation):
            # The project quota bounds its shares' Σ max(used, reservation) (C7): without this
            # check the array refuses the reservation after a quota planned with it was written.
            project_quota = require_project(module, pool, project).quota_bytes
            if project_quota:
                taken = project_used(module, pool, project)
                with module.api_errors("planning the reservation of %s" % path, path):
                    check_project_space(path, module.dataset_path(pool, project), project_quota, taken, used,
                                        current_reservation, reservation)
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
    from ansible_collections.tegile.intelliflash.plugins.module_utils.client import limits
    limits.apply_limits(client, plan, dataset_ref(pool, project, share))


def converge_rules(module, ref, current, wanted, tracker, diff_key="rules", purge=False, state="present",
                   replace_network=False, guard=contextlib.nullcontext, inherited_network=False):
    """Plan, write and verify the access rules of a share or project until they hold what the task wants.

    ``current`` and ``wanted`` are (network rules, user rules) pairs: the NFS network ACL (None
    when not managed) and the share's file ACL (None for a project, or not managed); a wanted
    list of None means "no opinion". ``replace_network``: the network list on the array is not the
    dataset's own (see ``_share_access.RulePlan``): it is written whole (so is a purge: ``inherited_network``). The changed rules go to
    ``tracker`` under ``diff_key`` (in check mode nothing is written). ``guard``: a context manager
    factory the writes run in (e.g. ``undo_creation`` of a share the task has just created).

    A list the array accepted is what was written: it is not read back (issue 12: a read-back only
    caught a whole-list write of another writer landing in the instant between this task's write
    and its read, never one landing later, and cost a read on every run; a write whose reply is
    lost is still checked by the client against what it wrote). When the array refuses an add
    because the rule is there already (another writer, on another machine or the Manila driver,
    added it meanwhile, perhaps with another level), the list is read and the task applies its
    change again, at most ``MAX_RULE_WRITES`` times, and fails naming what it could not keep.

    Returns (network plan, user plan, network written); the plans have no change left (their
    ``final`` is what the array holds), except in check mode.
    """
    from ansible_collections.tegile.intelliflash.plugins.module_utils._share_access import check_rule_count, describe_plans, plan_rules
    current_net, current_users = current
    wanted_net, wanted_users = wanted
    dataset = ref.path
    net_written = False
    for writes in range(MAX_RULE_WRITES + 1):
        net_plan = plan_rules(current_net, wanted_net, purge, state, replace=replace_network and not net_written)
        user_plan = plan_rules(current_users, wanted_users, purge, state)
        if not (net_plan.changed or user_plan.changed):
            break
        if writes == 0:
            # A merge (purge off) can take a list past the array's bound with rules that are each
            # fine: refuse it here, before the first add is written (C34).
            with module.api_errors("checking %s" % diff_key, dataset):
                check_rule_count(net_plan.final, diff_key, "network (ip and host)")
                check_rule_count(user_plan.final, diff_key, "user and group")
            before, after = net_plan.before_after()
            user_before, user_after = user_plan.before_after()
            tracker.add(diff_key, before=before + user_before, after=after + user_after)
            if module.check_mode:
                break
        elif writes == MAX_RULE_WRITES:
            module.fail("The access rules of %s were changed by another writer each time this task wrote them "
                        "(%d times); still to do: %s. Another controller or the Manila driver is changing the "
                        "same rules: run the task again once it is done"
                        % (dataset, MAX_RULE_WRITES, describe_plans(net_plan, user_plan)), dataset=dataset)
        else:
            module.warn("Another writer changed the access rules of %s while this task was writing them; "
                        "applying again: %s" % (dataset, describe_plans(net_plan, user_plan)))
        # The file ACL first: the array is the authority on user and group names (C31) and may
        # refuse one; the network rules were fully checked here, so a refusal leaves nothing changed.
        if user_plan.changed:
            current_users = _write_user_rules(module, ref, user_plan, guard)
        if net_plan.changed:
            current_net = _write_network_rules(module, ref, net_plan, purge, guard, inherited_network and not net_written)
            net_written = True
    return net_plan, user_plan, net_written


def _write_user_rules(module, ref, plan, guard):
    """Write the file ACL (one whole-list call, the only one the API has); return what it holds now."""
    with module.api_errors("writing the file ACL (user and group rules) of %s" % ref.path, ref.path):
        with guard():
            module.client.set_user_acls(ref, plan.final)
    return plan.final


def _write_network_rules(module, ref, plan, purge, guard, inherited=False):
    """Apply a network rule plan (calls per rule, or one for the whole list); return what the list holds now: the
    plan's, or the list read back when another writer got in the way or per-rule calls copied an ``inherited`` list."""
    with module.api_errors("changing the NFS network rules of %s" % ref.path, ref.path):
        with guard():
            actions = plan.network_actions(purge, inherited)
            conflict = inherited and actions[0][0] != "set"
            for verb, arg in actions:
                if verb == "add":
                    try:
                        module.client.add_network_acl("nfs", ref, arg)
                    except AlreadyExistsError:
                        # Another writer added the same host meanwhile; the read below compares its level.
                        conflict = True
                elif verb == "remove":
                    module.client.remove_network_acl("nfs", ref, arg.host_type, arg.host)
                else:
                    module.client.set_network_acls("nfs", ref, arg)
            if conflict:
                return module.client.get_network_acls("nfs", ref)
    return plan.final


@contextlib.contextmanager
def undo_creation(client, pool, project, name):
    """Delete the share this task has just created when a later step of the same task fails.

    Creation cannot carry every setting (properties, sharing, SMB name, access rules); when the
    array refuses one of the follow-up calls (e.g. an SMB name another share uses, C27), or the
    task refuses input it could only check against the share it created (access rules of a type
    the protocol the share inherited does not take), the task fails with that error and the array
    is left as it was instead of holding a half-configured share.
    """
    try:
        yield
    except (IntelliFlashError, InputError) as exc:
        ref = share_ref(pool, project, name)
        try:
            client.delete_share(ref, recursive=False, missing_ok=True)
            note = "; the share this task created was deleted again, so the array is as before"
            exc.array_as_before = True  # common.fail: nothing written to report
        except OutcomeUnknownError:
            # The deletion was sent and its reply lost: it may have happened or not.
            note = ("; whether the share this task created was deleted again is unknown (the reply to "
                    "its deletion was lost): check %s" % ref.path)
        except IntelliFlashError:
            note = "; the share this task created could not be deleted again and is left at %s" % ref.path
        exc.message = (getattr(exc, "message", None) or str(exc)) + note
        raise


@contextlib.contextmanager
def module_dataset_lock(module, dataset, timeout=None, wait=0):
    """``_locks.dataset_lock`` for ``module``, keyed by the array as its client reaches it.

    Host name or address and port: ``array1``, ``https://ARRAY1`` and ``array1:443`` are one array;
    a name and an address of the same array are not. Fails the task when the lock cannot be taken.
    The default wait is five times the module's ``timeout``, at least 5 min, plus ``wait`` (for a clone...).
    """
    if timeout is None:
        timeout = max(300.0, 5 * float(module.params.get("timeout") or 0)) + wait
    from ansible_collections.tegile.intelliflash.plugins.module_utils._locks import LockError, dataset_lock
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
