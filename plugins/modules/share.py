#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: share
short_description: Manage NFS and SMB shares on a Tegile (DDN) IntelliFlash array
version_added: 1.0.0
description:
  - Create, modify or delete a share (a file system exported over NFS and/or SMB) in a project of an IntelliFlash array.
  - Manages the size (the share's quota) and reservation, record size, compression, deduplication, read-only,
    NFS and SMB sharing and the SMB share name.
  - Can create the share as a clone of a snapshot of another share of the same project (O(source_snapshot)).
  - Returns the export locations clients mount.
  - Options that are not given are left as they are. A new share inherits the properties and the sharing state of
    its project (a clone those of its source share); options given at creation are set on the share itself.
  - Can set the share's access rules to exactly a list (O(access_rules)), so that one task provisions a share with its
    size and its rules; M(tegile.intelliflash.share_access) adds or revokes single rules and manages a project's rules.
author:
  - tegile.intelliflash developers (!UNKNOWN)
extends_documentation_fragment:
  - tegile.intelliflash.connection
  - tegile.intelliflash.dataset
  - tegile.intelliflash.attributes
  - tegile.intelliflash.attributes.actiongroup
options:
  name:
    description:
      - Name of the share (see the naming rules in the notes).
    type: str
    required: true
  project:
    description:
      - Project that holds the share. It must exist (M(tegile.intelliflash.project)).
    type: str
    required: true
  pool:
    description:
      - Pool of the project.
    type: str
    required: true
  state:
    description:
      - V(present) creates the share or makes it match the options; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  size:
    description:
      - Size of the share, that is its quota.
      - An integer number of bytes, or a size with a binary unit (1 K = 1024), for example V(512M), V(10G), V(10GiB), V(1.5T).
        The exact number of bytes is set; nothing is rounded.
      - V(none) removes the quota. V(0), negative sizes, fractions of a byte and unknown units are refused.
      - A size below the space the share already uses, or below its reservation, is refused before anything is written.
    type: raw
  reservation:
    description:
      - Space reserved for the share in its pool, in the same format as O(size). V(none) removes the reservation.
      - Must not be above the size. A reservation the pool cannot hold is refused before anything is written.
    type: raw
  nfs:
    description:
      - Export the share over NFS (V(true)) or not (V(false)).
      - Changing the state removes the share's NFS host rules (array behaviour); manage rules after this module.
      - NFS on without any host rule exports the share to every host, read-write.
    type: bool
  smb:
    description:
      - Export the share over SMB (V(true)) or not (V(false)).
      - Changing the state removes the share's SMB host rules (array behaviour).
    type: bool
  smb_name:
    description:
      - SMB share name clients connect to, as in C(\\IP\smb_name). Requires O(smb=true).
      - When not given, a new SMB share is named C(<project>_<share>) and an existing name is kept (also when SMB is
        turned off and on again).
      - >-
        At most 80 characters, with no backslash and none of C(/ [ ] : | < > + = ; , * ? ").
    type: str
  source_share:
    description:
      - Share (of the same project) whose snapshot O(source_snapshot) the new share is cloned from.
    type: str
  source_snapshot:
    description:
      - Create the share as a clone of this snapshot of O(source_share), with or without the C(Manual-S-) prefix
        the array adds (the name given to M(tegile.intelliflash.snapshot) works).
      - The clone takes the properties, sharing state and access rules of the source share; the other options
        given here are applied after. It starts without quota and reservation.
      - Only used when the share is created; an existing share is never re-cloned.
      - The array refuses to delete the snapshot while the clone exists.
    type: str
  wait_timeout:
    description:
      - Seconds to wait for a clone to complete before failing (the clone is kept).
      - Run again to wait more; a run that finds the clone there and has something to change on it waits for the
        clone to complete before writing (the array refuses writes to a clone in progress).
    type: int
    default: 300
  access_rules:
    description:
      - The share's access rules become exactly this list, as with M(tegile.intelliflash.share_access) and
        O(tegile.intelliflash.share_access#module:purge=true), with the same rule types, checks, comparison and
        writes. Omit the option to leave the rules as they are.
      - On an NFS share these are every IP, host, user and group rule; on an SMB share (exported over SMB and not over
        NFS, as the share is after the task) every user and group rule, and IP and host rules are refused. V([]) removes
        them all. B(An NFS share with no network rule is exported to every host, read-write); the module warns when it
        leaves one so.
      - A share this task creates (or clones) gets the list as its own in one write, whatever it inherited from its
        project or source share; so does a share whose NFS sharing this task turns on or off (that clears its NFS
        rules on the array). IP and host rules for a new share whose O(nfs) and O(smb) leave its protocol to its
        project make the task read the project's sharing first; when the share would be an SMB share the task fails
        before creating it. A clone's rules that the protocol it inherits from its source share does not take fail the
        task, and the clone is deleted again.
      - Ignored with O(state=absent).
    type: list
    elements: dict
    version_added: 1.1.0
    suboptions:
      type:
        description: >-
          V(ip) an address or CIDR network, V(host) a host or domain name (both NFS only), V(user) or V(group) a user or
          group name (V(name@domain) for directory users and groups), as in
          O(tegile.intelliflash.share_access#module:rules[].type).
        choices: [ip, host, user, group]
        aliases: [access_type]
        required: true
        type: str
      to:
        description: The address, network (no host bits set), host name, user or group; each may appear once.
        aliases: [access_to]
        required: true
        type: str
      access_level:
        description: V(rw) read-write, V(ro) read-only.
        choices: [rw, ro]
        default: rw
        type: str
      root_access:
        description: The NFS client's root user acts as root on the share (no root squash); V(ip) and V(host) only.
        default: false
        type: bool
  recursive:
    description:
      - With O(state=absent), also delete the share's snapshots and their clones.
      - Without it, deleting a share that has snapshots fails with C(EZEBI_RESOURCE_INUSE) and names them, before
        anything is written (also in check mode).
      - With it, the diff lists the snapshots deleted with the share (the shares cloned from them are not listed).
    type: bool
    default: false
notes:
  - Tasks on one machine that write the same share take turns, with each other and with
    M(tegile.intelliflash.share_access), through the same lock file per array and share (see that module's notes), so
    a task that deletes the share it created again (a later step failed) never deletes one another task took up. Check
    mode takes no lock.
  - A converged run with O(size) and O(access_rules) reads the share once and its NFS rules once, and writes nothing
    (the floating IPs are read too when the share is exported, for RV(export_locations)).
seealso:
  - module: tegile.intelliflash.project
  - module: tegile.intelliflash.share_access
  - module: tegile.intelliflash.snapshot
  - module: tegile.intelliflash.quota
"""

EXAMPLES = r"""
# The connection options (host, username, password, ca_path) are set once for the play with
# module_defaults on group/tegile.intelliflash.intelliflash, or come from the INTELLIFLASH_*
# environment variables.
- name: Create a 100 GiB NFS share with 10 GiB reserved
  tegile.intelliflash.share:
    name: builds
    project: engineering
    pool: pool-a
    size: 100G
    reservation: 10G
    record_size: 128KB
    nfs: true
  register: builds

- name: Show where to mount it
  ansible.builtin.debug:
    msg: "mount {{ builds.export_locations.nfs[0] }} /mnt/builds"

- name: A 10 GiB NFS share with exactly these access rules (others are removed), in one task
  tegile.intelliflash.share:
    name: ledger
    project: engineering
    pool: pool-a
    size: 10G
    access_rules:
      - {type: ip, to: 10.30.0.0/24}
      - {type: ip, to: 10.31.0.5, access_level: ro}
      - {type: host, to: backup1.example.com, root_access: true}

- name: Create an SMB share with its own share name
  tegile.intelliflash.share:
    name: docs
    project: engineering
    pool: pool-a
    size: 20G
    smb: true
    smb_name: EngineeringDocs
    access_rules:
      - type: group
        to: engineering
      - type: user
        to: auditor
        access_level: ro

- name: Clone the builds share from its snapshot "nightly"
  tegile.intelliflash.share:
    name: builds-test
    project: engineering
    pool: pool-a
    source_share: builds
    source_snapshot: nightly
    size: 100G

- name: Delete a share and its snapshots
  tegile.intelliflash.share:
    name: builds-test
    project: engineering
    pool: pool-a
    state: absent
    recursive: true
"""

RETURN = r"""
share:
  description: The share as it is after the run (as it would be, in check mode). Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: Share name.
      type: str
      sample: builds
    project:
      description: Project of the share.
      type: str
      sample: engineering
    pool:
      description: Pool of the share.
      type: str
      sample: pool-a
    path:
      description: Dataset path of the share.
      type: str
      sample: pool-a/Local/engineering/builds
    mount_point:
      description: Mount point (NFS export path) of the share.
      type: str
      sample: /export/engineering/builds
    quota_bytes:
      description: Size (quota) in bytes; V(0) when there is none.
      type: int
      sample: 107374182400
    quota:
      description: Size (quota) in binary units; V(null) when there is none.
      type: str
      sample: 100 GiB
    reservation_bytes:
      description: Reservation in bytes; V(0) when there is none.
      type: int
      sample: 10737418240
    reservation:
      description: Reservation in binary units; V(null) when there is none.
      type: str
      sample: 10 GiB
    used_bytes:
      description: Space used by the share's data.
      type: int
      sample: 0
    available_bytes:
      description: Space the share can still use.
      type: int
      sample: 107374182400
    compression:
      description: Compression algorithm (effective; inherited or own).
      type: str
      sample: lz4
    dedup:
      description: Whether deduplication is on.
      type: bool
      sample: false
    readonly:
      description: Whether the share is read-only.
      type: bool
      sample: false
    record_size:
      description: Record size.
      type: str
      sample: 128KB
    nfs:
      description: Whether the share is exported over NFS.
      type: bool
      sample: true
    smb:
      description: Whether the share is exported over SMB.
      type: bool
      sample: false
    smb_name:
      description: SMB share name.
      type: str
      sample: engineering_builds
access_rules:
  description:
    - The share's rules after the task (in check mode, the rules it would have), as
      M(tegile.intelliflash.share_access) returns them in RV(tegile.intelliflash.share_access#module:rules).
    - Network rules first (in the array's order), then user and group rules. On an SMB share, only user and group rules.
    - Each rule has the keys of O(access_rules), addresses normalised (O(access_rules[].root_access) only in
      V(ip) and V(host) rules).
  returned: when O(access_rules) is given and O(state=present)
  type: list
  elements: dict
  version_added: 1.1.0
  sample:
    - {type: ip, to: 10.20.0.0/24, access_level: rw, root_access: false}
    - {type: group, to: engineering, access_level: rw}
export_locations:
  description:
    - Where clients mount the share, per protocol that is on; C(IP:/mount/point) for NFS and C(\\IP\name) for SMB.
    - Empty after O(state=absent) and for a share that check mode would create.
  returned: always
  type: dict
  contains:
    nfs:
      description: NFS export locations.
      type: list
      elements: str
      sample: ["192.0.2.10:/export/engineering/builds"]
    smb:
      description: SMB export locations.
      type: list
      elements: str
      sample: ["\\\\192.0.2.10\\EngineeringDocs"]
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

import contextlib
import functools

from ansible_collections.tegile.intelliflash.plugins.module_utils.common import (
    DifferenceTracker,
    IntelliFlashModule,
    NotFoundError,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils._argspec import ArgumentSpec, dataset_spec, wait_timeout_spec
from ansible_collections.tegile.intelliflash.plugins.module_utils._dataset import (
    parse_limit,
    plan_properties,
    plan_sharing,
    planned_facts,
    property_argument_spec,
    share_facts,
    sharing_argument_spec,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils._array import (
    apply_limits,
    apply_sharing,
    checked_limits,
    converge_rules,
    create_or_adopt,
    find_share,
    inherited_sharing,
    module_dataset_lock,
    read_network_rules,
    require_project,
    require_share,
    sharing_state,
    undo_creation,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils._share import (
    find_snapshot,
    plan_smb_name,
    planned_share,
    smb_name_problem,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils._share_access import (
    NETWORK_TYPES,
    current_user_rules,
    nfs_warning,
    parse_rules,
    plan_rules,
    protocol_of,
    rule_spec,
    rules_result,
    sharing_after,
    split_rules,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.errors import ApiError, ArrayTimeoutError
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.paths import dataset_ref, share_ref, share_snapshot_name
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.views import CloneStatus


def resolve_source(module):
    """(full name of the snapshot to clone from, the source share's ShareInfo); fails naming the
    option when either does not exist."""
    params = module.params
    pool, project, source = params["pool"], params["project"], params["source_share"]
    source_share = require_share(module, pool, project, source, field="source_share")
    path = module.dataset_path(pool, project, source)
    with module.api_errors("listing the snapshots of share %s" % path, path):
        full = source_snapshot(module)
    if full is None:
        with module.api_errors("listing the snapshots of share %s" % path, path):  # to name them
            names = [snap.full_name for snap in module.client.list_snapshots(dataset_ref(pool, project, source))]
        module.fail("source_snapshot: share '%s' has no snapshot '%s' (snapshots: %s)"
                    % (source, params["source_snapshot"], ", ".join(names) or "none"), dataset=path)
    return full, source_share


def source_snapshot(module):
    """The full name of ``source_snapshot`` (with or without its prefix) on ``source_share``, or None;
    lists those names only, not every snapshot of the share (thousands on a scheduling array)."""
    params = module.params
    wanted = params["source_snapshot"]
    found = module.client.find_snapshots(dataset_ref(params["pool"], params["project"], params["source_share"]),
                                         [wanted, share_snapshot_name(wanted)])
    return find_snapshot([snap.full_name for snap in found], wanted)


def smb_display_name(current, wanted):
    """The SMB name to send with an SMB sharing call: ``smb_name``, else the share's current one.

    setSMBSharingOnShare always sets the name, and without one the share gets the default
    ``<project>_<share>`` (C17): turning SMB off and on again must not drop a name set before.
    """
    if wanted is not None or current is None:
        return wanted
    return current.smb_name


def plan_delete(module, path, tracker):
    """Check a share deletion before it is sent (also in check mode), naming the snapshots it takes.

    Without ``recursive`` a share that has snapshots is refused by the array (C10): fail the same
    way before any write, so that check mode does not predict a deletion that cannot happen.
    With it, the snapshots deleted with the share are part of the diff.
    """
    params = module.params
    with module.api_errors("listing the snapshots of share %s" % path, path):
        names = [snap.full_name for snap in module.client.list_snapshots(dataset_ref(params["pool"], params["project"], params["name"]))]
    if names and not params["recursive"]:
        module.fail("Cannot delete share %s: it has %d snapshot(s) (%s); delete them first, or set recursive=true to "
                    "delete them, and the shares cloned from them, with the share"
                    % (path, len(names), ", ".join(names)), error_code="EZEBI_RESOURCE_INUSE", dataset=path)
    for name in names:
        tracker.add("%s@%s" % (path, name), before="present", after="absent")


def configure(module, current, properties, sharing):
    """Properties and sharing of an existing or just created share (``current`` None)."""
    params = module.params
    pool, project, name = params["pool"], params["project"], params["name"]
    if properties:
        module.client.modify_share(share_ref(pool, project, name), properties)
    guest = bool(current.guest) if current is not None else False
    apply_sharing(module.client, sharing, pool, project, name, display_name=smb_display_name(current, params["smb_name"]),
                  guest=guest)


def create(module, quota, reservation, properties, limits, source):
    """Create (or clone) the share, then apply what creation itself does not set.

    Returns None, or the share another task created first (then nothing was done: see create_or_adopt).
    """
    params = module.params
    client = module.client
    pool, project, name = params["pool"], params["project"], params["name"]
    path = module.dataset_path(pool, project, name)
    if source is None:
        record_size = properties.get("recordSize")

        def create_call():
            try:
                client.create_share(share_ref(pool, project, name), quota=quota or None,
                                    reservation=reservation or None, block_size=record_size)
            except NotFoundError:
                # The project is read only now, to say what is missing (the pool or the project);
                # the refused creation wrote nothing.
                require_project(module, pool, project)
                raise
    else:
        def create_call():
            client.clone_snapshot(dataset_ref(pool, project, params["source_share"]), source, name, inherit=True)
    adopted = create_or_adopt(module, "creating share %s" % path, path, create_call,
                              lambda: client.find_share(share_ref(pool, project, name)))
    if adopted is not None:
        return adopted
    if source is None:
        properties.pop("recordSize", None)  # set by creation
        return None
    wait_for_clone(module, source, path)
    with undo_creation(client, pool, project, name):
        apply_limits(client, limits, pool, project, name)
    return None


def wait_for_clone(module, source, path, status_errors=()):
    """Wait (up to ``wait_timeout``) for the clone of ``source_share@source`` into the share;
    fails naming it when the array reports the clone failed or still in progress.

    ``status_errors``: errors of the status call itself that mean there is nothing to wait for
    (raised otherwise)."""
    params = module.params
    try:
        module.client.wait_for_clone(share_ref(params["pool"], params["project"], params["source_share"]),
                                     source, params["name"], wait_timeout=params["wait_timeout"])
    except (ApiError, ArrayTimeoutError) as exc:
        if not isinstance(getattr(exc, "reply", None), CloneStatus):
            if isinstance(exc, status_errors):
                return
            raise  # the status call failed, not the clone
        module.fail("Error cloning %s@%s to %s: %s" % (params["source_share"], source, params["name"],
                                                       exc.message), dataset=path)


def wait_for_earlier_clone(module, path):
    """Before writing to an existing share the task clones: a clone an earlier run left in
    progress (it timed out) refuses every write (EZEBI_RESOURCE_BUSY), so this run waits for it
    first, as long as ``wait_timeout`` allows. Its source snapshot or the clone's progress no
    longer on record: nothing to wait for."""
    params = module.params
    pool, project, source_share = params["pool"], params["project"], params["source_share"]
    with module.api_errors("listing the snapshots of share %s" % module.dataset_path(pool, project, source_share),
                           path):
        try:
            source = source_snapshot(module)
        except NotFoundError:
            return
        if source is not None:
            wait_for_clone(module, source, path, status_errors=(NotFoundError,))


def plan(module, current, quota, reservation, tracker):
    """(properties, limits, sharing) that make ``current`` (None = new) match the options."""
    params = module.params
    pool = params["pool"]
    path = module.dataset_path(pool, params["project"], params["name"])
    properties = plan_properties(current, params, tracker)
    used = current.used_bytes if current is not None else 0
    limits = checked_limits(module, pool, path, current, used, quota, reservation, tracker, quota_field="size")
    sharing = plan_sharing(share_facts(current) if current else {}, params, tracker)
    rename = plan_smb_name(current, params["smb"], params["smb_name"], tracker)
    if rename:
        sharing["smb"] = True
    return properties, limits, sharing


class AccessRules:
    """The ``access_rules`` option of a run: the share's rules become exactly that list.

    Read, plan, write and verify are ``tegile.intelliflash.share_access``'s with ``purge=true``
    (``_array.converge_rules``); what this adds is when the lists are known. An existing share's
    file ACL comes with its getShare and its NFS list is read once (not when the task turns NFS
    on or off: that clears the list, C17, and it is written whole after). A share the task creates
    inherits its project's NFS list (C16): the list is written whole, without a read, and the file
    ACL is taken from the read that follows the creation. The protocol is the share's as the task
    leaves it.
    """

    def __init__(self, module):
        self.module = module
        self.given = module.params["access_rules"] is not None
        self.current = (None, None)
        self.wanted = (None, None)
        self.replace = self.inherited = False
        self.nfs_on = None
        self.outcome = None

    def check(self):
        """Validate the rules before any call, with the protocol the options alone tell (NFS takes
        every rule type, so an unknown protocol only defers the check of ip and host rules)."""
        params = self.module.params
        if self.given:
            self._want(protocol_of(params["nfs"], params["smb"]) or "nfs")

    def hangs_on_inherited_protocol(self):
        """Whether the rules are allowed only if the protocol a new share inherits from its project
        is NFS: IP or host rules, and ``nfs``/``smb`` that do not settle the protocol."""
        params = self.module.params
        if not self.given or protocol_of(params["nfs"], params["smb"]) is not None:
            return False
        return any((rule or {}).get("type") in NETWORK_TYPES for rule in params["access_rules"])

    def _want(self, protocol, guard=contextlib.nullcontext):
        params = self.module.params
        path = self.module.dataset_path(params["pool"], params["project"], params["name"])
        with self.module.api_errors("checking access_rules", path):
            with guard():
                network, users = split_rules(parse_rules(params["access_rules"], protocol, True,
                                                         option="access_rules"))
        # An SMB share's network rules are not managed (share_access: its rules are user and group rules).
        self.wanted = (network if protocol == "nfs" else None, users)

    def _protocol_after(self, sharing_before, guard=contextlib.nullcontext):
        """The share's protocol once the task's ``nfs``/``smb`` apply over ``sharing_before``
        ((nfs, smb)); the wanted rules checked against it."""
        params = self.module.params
        self.nfs_on, smb_on = sharing_after((params["nfs"], params["smb"]), sharing_before)
        protocol = protocol_of(self.nfs_on, smb_on)
        self._want(protocol, guard)
        return protocol

    def existing(self, share, sharing):
        """Before any write, for a share that exists (``sharing``: the sharing changes planned)."""
        if not self.given:
            return
        params = self.module.params
        protocol = self._protocol_after((share.nfs, share.smb))
        self.replace = protocol == "nfs" and "nfs" in sharing
        self.inherited = not share.owns_sharing("nfs")  # the project's list: purged by one write
        network = None
        if protocol == "nfs" and not self.replace:
            network = read_network_rules(self.module, params["pool"], params["project"], params["name"])
        self.current = (network, current_user_rules(share))

    def created(self, share, inherited=None, guard=contextlib.nullcontext, users=None):
        """For a share the task creates: ``share`` its view after the creation, or (check mode)
        None, the (nfs, smb) it inherits from its project (a clone: from its source share) and
        ``users``, the file ACL it starts with (a clone's: its source share's; a new share has
        none). Rules the protocol the share inherited does not take are refused inside ``guard``
        (the undo of the creation)."""
        if not self.given:
            return
        protocol = self._protocol_after((share.nfs, share.smb) if share is not None else inherited, guard)
        self.replace = protocol == "nfs"
        self.current = (None, current_user_rules(share) if share is not None else list(users or []))

    def will_write(self):
        """Whether :meth:`converge` has rules to write (known before it writes any)."""
        if not self.given:
            return False
        return plan_rules(self.current[0], self.wanted[0], purge=True, replace=self.replace).changed \
            or plan_rules(self.current[1], self.wanted[1], purge=True).changed

    def converge(self, tracker, guard=contextlib.nullcontext):
        if not self.given:
            return
        params = self.module.params
        self.outcome = converge_rules(self.module, share_ref(params["pool"], params["project"], params["name"]),
                                      self.current, self.wanted, tracker, diff_key="access_rules", purge=True,
                                      replace_network=self.replace, guard=guard, inherited_network=self.inherited)

    def result(self, path):
        """The result keys (warning about what the array does with the NFS list when it changed)."""
        if self.outcome is None:
            return {}
        net_plan, user_plan, net_written = self.outcome
        if net_written or (self.module.check_mode and net_plan.changed):
            warning = nfs_warning(path, True, self.nfs_on, net_plan.final)
            if warning:
                self.module.warn(warning)
        return dict(access_rules=rules_result(net_plan, user_plan))


def argument_spec():
    spec = ArgumentSpec(
        dict(
            name=dict(type="str", required=True),
            size=dict(type="raw"),
            reservation=dict(type="raw"),
            smb_name=dict(type="str"),
            source_share=dict(type="str"),
            source_snapshot=dict(type="str"),
            recursive=dict(type="bool", default=False),
            access_rules=dict(type="list", elements="dict", options=rule_spec()),
        ),
        required_together=[("source_share", "source_snapshot")],
        required_by={"smb_name": "smb"},
    )
    spec.merge(dataset_spec()).merge(wait_timeout_spec())
    spec.update_argspec(**property_argument_spec())
    spec.update_argspec(**sharing_argument_spec())
    # wait_timeout is left out: a time budget that module_defaults often sets for every task.
    spec.used_with(("present",), "size", "reservation", "smb_name", "source_share", "source_snapshot",
                   "access_rules", "nfs", "smb", *property_argument_spec())
    spec.used_with(("absent",), "recursive")
    return spec


def main():
    module = IntelliFlashModule.from_spec(argument_spec(), supports_check_mode=True)
    params = module.params
    pool, project, name = params["pool"], params["project"], params["name"]
    module.validate_names(name=name, project=project, source_share=params["source_share"],
                          source_snapshot=params["source_snapshot"])
    if params["smb_name"] is not None:
        problem = smb_name_problem(params["smb_name"]) or (None if params["smb"] else "requires smb=true")
        if problem:
            module.fail("smb_name: %s" % problem)
    with module.api_errors("validating options"):
        quota = parse_limit(params["size"], "size")
        reservation = parse_limit(params["reservation"], "reservation")
    path = module.dataset_path(pool, project, name)
    if params["state"] == "absent":
        remove(module, path)
        return
    access = AccessRules(module)
    access.check()
    if module.check_mode:
        present(module, path, quota, reservation, access)
    else:
        # No other task on this machine writes the share meanwhile (its rules; one it takes up that
        # this task deletes again when a later step fails). The wait allows for one waiting for a clone.
        with module_dataset_lock(module, path, wait=params["wait_timeout"]):
            present(module, path, quota, reservation, access)


def remove(module, path):
    params = module.params
    tracker = DifferenceTracker()
    if find_share(module, params["pool"], params["project"], params["name"]) is not None:
        tracker.add("state", before="present", after="absent")
        plan_delete(module, path, tracker)
        if not module.check_mode:
            with module.api_errors("deleting share %s" % path, path):
                module.client.delete_share(share_ref(params["pool"], params["project"], params["name"]),
                                           recursive=params["recursive"], missing_ok=True)
    module.exit(tracker.has_differences(), diff=tracker, share={}, export_locations={})


def present(module, path, quota, reservation, access):
    params = module.params
    pool, project, name = params["pool"], params["project"], params["name"]
    client = module.client
    tracker = DifferenceTracker()
    current = find_share(module, pool, project, name)
    source = None
    if current is None:
        source_share = None
        if params["source_snapshot"] is not None:
            source, source_share = resolve_source(module)
        if module.check_mode and source_share is not None:
            # A clone takes its source share's sharing state and file ACL (C13), not its
            # project's: predict the rules against what the clone will hold.
            if access.given:
                access.created(None, inherited=(source_share.nfs, source_share.smb),
                               users=current_user_rules(source_share))
        elif module.check_mode:
            # Check mode predicts the failure of a share whose project is missing; a real run
            # learns it from createShare's refusal (create), and reads the project only then.
            project_view = require_project(module, pool, project)
            if access.given:
                inherited = sharing_state(module, dict(nfs=True, smb=True), project_view, pool, project,
                                          module.dataset_path(pool, project))
                access.created(None, inherited=(inherited["nfs"], inherited["smb"]))
        elif source_share is None and access.hangs_on_inherited_protocol():
            # Whether the rules are allowed depends on the protocol the share will inherit: asked
            # before creating, so that rules it refuses leave nothing created (and deleted again).
            access.created(None, inherited=inherited_sharing(module, pool, project))
        if source_share is not None:
            tracker.add("source", before=None, after="%s@%s" % (params["source_share"], source))
        tracker.add("state", before="absent", after="present")
    properties, limits, sharing = plan(module, current, quota, reservation, tracker)
    if current is not None:
        access.existing(current, sharing)
    share_changed = tracker.has_differences()
    created = waited = False

    if share_changed and not module.check_mode:
        with module.api_errors("writing share %s" % path, path):
            if current is None:
                current = create(module, quota, reservation, properties, limits, source)
                if current is not None:  # another task created it first: plan against what it made
                    tracker = DifferenceTracker()
                    properties, limits, sharing = plan(module, current, quota, reservation, tracker)
                    access.existing(current, sharing)
            if current is None:
                created = True
                with undo_creation(client, pool, project, name):
                    configure(module, None, properties, sharing)
            elif tracker.has_differences():
                if params["source_snapshot"] is not None:
                    wait_for_earlier_clone(module, path)
                    waited = True
                apply_limits(client, limits, pool, project, name)
                configure(module, current, properties, sharing)
            # Read once after the writes: not to check them (the client checks a write whose reply
            # is lost against what it wrote; one the array answered holds it), but for the facts
            # only the array knows: a new share's mount point, SMB name and inherited properties,
            # the space left under a changed quota, the sharing state the export locations need.
            current = client.get_share(share_ref(pool, project, name))
    if created:
        # Rules the share's inherited protocol refuses, or the array refusing a user name, delete
        # the share again (undo_creation): the array is left as it was.
        undo = functools.partial(undo_creation, client, pool, project, name)
        access.created(current, guard=undo)
        access.converge(tracker, guard=undo)
    else:
        if params["source_snapshot"] is not None and not (module.check_mode or waited) and access.will_write():
            # Rules alone to change: their writes are refused by a clone still in progress too.
            wait_for_earlier_clone(module, path)
        access.converge(tracker)

    facts = share_facts(current)
    facts.update(name=name, project=project, pool=pool, path=path)
    if module.check_mode:
        planned_facts(facts, tracker)
    locations = {}
    if current is not None:
        if module.check_mode:  # where a real run, which reads the share after its writes, exports it
            current = planned_share(current, tracker)
        with module.api_errors("reading the export locations of share %s" % path, path):
            locations = client.export_locations(share_ref(pool, project, name), share_info=current)
    module.exit(tracker.has_differences(), diff=tracker, share=facts, export_locations=locations,
                **access.result(path))


if __name__ == "__main__":
    main()
