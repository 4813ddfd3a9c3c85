#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: project
short_description: Manage projects on a Tegile (DDN) IntelliFlash array
version_added: 1.0.0
description:
  - Create, modify or delete a project (the container of NFS/SMB shares) in a pool of an IntelliFlash array.
  - Manages the properties new shares inherit (compression, deduplication, record size, read-only), the project's
    default NFS and SMB sharing state, and the project quota.
  - Options that are not given are left as they are on the array. New projects get the array defaults,
    that is compression V(lz4), deduplication and read-only off, record size V(64KB), NFS and SMB sharing off, no quota.
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
      - Name of the project (see the naming rules in the notes).
    type: str
    required: true
  pool:
    description:
      - Pool that holds the project. It must exist.
    type: str
    required: true
  state:
    description:
      - V(present) creates the project or makes it match the options.
      - V(absent) deletes it. A project that still holds shares is not deleted; the module fails with
        C(EZEBI_RESOURCE_INUSE) and names the shares, before anything is written (also in check mode).
        Delete its shares first (M(tegile.intelliflash.share) with O(state=absent)).
    type: str
    choices: [present, absent]
    default: present
  nfs:
    description:
      - Turn NFS sharing of the project on or off; shares that do not override it follow the project.
      - Changing the state removes the project's NFS network ACLs (array behaviour).
    type: bool
  smb:
    description:
      - Turn SMB sharing of the project on or off; shares that do not override it follow the project.
      - Changing the state removes the project's SMB network ACLs (array behaviour).
    type: bool
  quota:
    description:
      - Project quota (the sum of its shares cannot grow beyond it).
      - An integer number of bytes, or a size with a binary unit (1 K = 1024), for example V(512M), V(10G), V(10GiB), V(1.5T).
      - V(none) removes the quota. V(0), negative sizes, fractions of a byte and unknown units are refused.
      - A quota below the space the project's shares already use is refused before anything is written.
    type: raw
notes:
  - Projects have no reservation; reserve space on shares (M(tegile.intelliflash.quota)).
seealso:
  - module: tegile.intelliflash.share
  - module: tegile.intelliflash.quota
  - module: tegile.intelliflash.info
"""

EXAMPLES = r"""
# The connection options (host, username, password, ca_path) are set once for the play with
# module_defaults on group/tegile.intelliflash.intelliflash, or come from the INTELLIFLASH_*
# environment variables.
- name: Create a project for engineering with a 2 TiB quota and NFS sharing on
  tegile.intelliflash.project:
    name: engineering
    pool: pool-a
    compression: lz4
    dedup: false
    record_size: 128KB
    nfs: true
    quota: 2T

- name: Remove the quota of the project
  tegile.intelliflash.project:
    name: engineering
    pool: pool-a
    quota: none

- name: Delete the project (it must hold no shares)
  tegile.intelliflash.project:
    name: engineering
    pool: pool-a
    state: absent
"""

RETURN = r"""
project:
  description: The project as it is after the run (as it would be, in check mode). Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: Project name.
      type: str
      sample: engineering
    pool:
      description: Pool of the project.
      type: str
      sample: pool-a
    path:
      description: Dataset path of the project.
      type: str
      sample: pool-a/Local/engineering
    mount_point:
      description: Mount point of the project.
      type: str
      sample: /export/engineering
    compression:
      description: Compression algorithm.
      type: str
      sample: lz4
    dedup:
      description: Whether deduplication is on.
      type: bool
      sample: false
    readonly:
      description: Whether the project is read-only.
      type: bool
      sample: false
    record_size:
      description: Default record size of new shares.
      type: str
      sample: 128KB
    quota_bytes:
      description: Quota in bytes; V(0) when there is none.
      type: int
      sample: 2199023255552
    quota:
      description: Quota in binary units; V(null) when there is none.
      type: str
      sample: 2 TiB
    nfs:
      description:
        - Whether NFS sharing is on.
        - V(null) when O(nfs) is not given and the array's project record does not carry the sharing state
          (reading it takes an extra request; use M(tegile.intelliflash.info) to read it).
      type: bool
      sample: true
    smb:
      description:
        - Whether SMB sharing is on; V(null) when O(smb) is not given and the array's project record does not
          carry the sharing state.
      type: bool
      sample: false
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

from ansible_collections.tegile.intelliflash.plugins.module_utils.common import (
    DifferenceTracker,
    IntelliFlashModule,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils._argspec import dataset_spec
from ansible_collections.tegile.intelliflash.plugins.module_utils._dataset import (
    new_project_facts,
    parse_limit,
    planned_facts,
    plan_properties,
    plan_sharing,
    project_facts,
    property_argument_spec,
    sharing_argument_spec,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils._quota import needs_shares_usage
from ansible_collections.tegile.intelliflash.plugins.module_utils._array import (
    apply_limits,
    apply_sharing,
    checked_limits,
    create_or_adopt,
    find_project,
    project_used,
    require_pool,
    sharing_state,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.paths import project_ref
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.system import SystemCalls
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.projects import ProjectCalls
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.shares import ShareCalls
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.sharing import SharingCalls

# The client's call groups this module uses (common.client_class): a task imports no other.
CALLS = (SystemCalls, ProjectCalls, ShareCalls, SharingCalls)


def plan(module, current, quota, tracker):
    """Property, sharing and quota changes that make ``current`` (None = new) match the options.

    Also returns the sharing state read for the nfs/smb options (getProject does not carry it).
    """
    params = module.params
    pool, name = params["pool"], params["name"]
    path = module.dataset_path(pool, name)
    properties = plan_properties(current, params, tracker)
    state = sharing_state(module, params, current, pool, name, path)
    sharing = plan_sharing(state, params, tracker)
    used = 0
    if current is not None and needs_shares_usage(current.quota_bytes, quota):
        used = project_used(module, pool, name)
    return properties, sharing, state, checked_limits(module, pool, path, current, used, quota, None, tracker)


def main():
    spec = dataset_spec(project=False).update_argspec(
        name=dict(type="str", required=True),
        quota=dict(type="raw"),
        **property_argument_spec())
    spec.update_argspec(**sharing_argument_spec())
    spec.used_with(("present",), "quota", "nfs", "smb", *property_argument_spec())
    module = IntelliFlashModule.from_spec(spec, supports_check_mode=True, calls=CALLS)
    params = module.params
    pool, name = params["pool"], params["name"]
    module.validate_names(name=name)
    with module.api_errors("validating options"):
        quota = parse_limit(params["quota"], "quota")
    path = module.dataset_path(pool, name)
    client = module.client
    tracker = DifferenceTracker()

    current = find_project(module, pool, name)

    if params["state"] == "absent":
        if current is not None:
            tracker.add("state", before="present", after="absent")
            # The array refuses to delete a project that holds shares (C10): say so before any write,
            # also in check mode, instead of predicting a deletion that cannot happen.
            with module.api_errors("listing the shares of project %s" % path, path):
                shares = sorted(item.name or "?" for item in client.list_shares(project_ref(pool, name)))
            if shares:
                module.fail("Cannot delete project %s: it still holds %d share(s) (%s); delete them first"
                            % (path, len(shares), ", ".join(shares)), error_code="EZEBI_RESOURCE_INUSE", dataset=path)
            if not module.check_mode:
                with module.api_errors("deleting project %s" % path, path):
                    client.delete_project(project_ref(pool, name), missing_ok=True)
        module.exit(tracker.has_differences(), diff=tracker, project={})

    if current is None:
        require_pool(module, pool)
        tracker.add("state", before="absent", after="present")
    properties, sharing, sharing_before, limits = plan(module, current, quota, tracker)

    if tracker.has_differences() and not module.check_mode:
        created = current is None
        if created:
            current = create_or_adopt(module, "creating project %s" % path, path,
                                      lambda: client.create_project(project_ref(pool, name), properties),
                                      lambda: client.find_project(project_ref(pool, name)))
            if current is not None:  # another task created it first: plan against what it made
                created = False
                tracker = DifferenceTracker()
                properties, sharing, sharing_before, limits = plan(module, current, quota, tracker)
        with module.api_errors("writing project %s" % path, path):
            if not created and properties:
                client.modify_project(project_ref(pool, name), properties)
            apply_limits(client, limits, pool, name)
            apply_sharing(client, sharing, pool, name)
            current = client.get_project(project_ref(pool, name))

    facts = project_facts(current, pool)
    if current is None:
        # Check mode and a project to create: predict what the real run reads back (the array's
        # defaults, then the options), not nulls.
        facts.update(new_project_facts(name))
    facts.update(name=name, pool=pool, path=path)
    planned_facts(facts, tracker, only_missing=not module.check_mode)
    for protocol, on in sharing_before.items():
        if facts.get(protocol) is None:
            facts[protocol] = on
    module.exit(tracker.has_differences(), diff=tracker, project=facts)


if __name__ == "__main__":
    main()
