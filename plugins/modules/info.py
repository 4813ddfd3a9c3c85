#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: info
short_description: Gather information from a Tegile (DDN) IntelliFlash array
version_added: 1.0.0
description:
  - Reads the system properties, pools, projects, shares, snapshots, access rules and floating (data) IPs of an
    IntelliFlash array. Changes nothing.
  - Use it to check that an array is reachable and the credentials work (the module fails with a clear message and
    the array's error code otherwise), and that a pool or project exists (an unknown one gives an empty list).
  - Every returned key is snake_case and documented below; lists are sorted by path or name.
author:
  - tegile.intelliflash developers (!UNKNOWN)
extends_documentation_fragment:
  - tegile.intelliflash.connection
  - tegile.intelliflash.attributes.actiongroup
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying the array.
    support: full
    details:
      - This module only reads; it runs unchanged in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: N/A
    details:
      - This module never changes anything.
  idempotent:
    description: When run twice in a row with the same arguments, the second run reports no change.
    support: full
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: IntelliFlash
options:
  gather_subset:
    description:
      - What to gather. V(all) gathers everything; a name prefixed with V(!) is left out (V([all, "!access_rules"])).
      - V(projects), V(shares), V(snapshots) and V(access_rules) read every project (and share) within the filters,
        which takes one or more requests each; narrow them with O(pool), O(project) and O(share) on large arrays.
    type: list
    elements: str
    default: [system, pools]
  pool:
    description:
      - Only this pool (pools, projects, shares, snapshots, access rules, floating IPs serving it).
      - A pool the array does not have gives empty lists, not an error; a malformed pool name (with V(/), V(@),
        white space or an invisible character) fails before any call.
    type: str
  project:
    description:
      - Only this project (projects, shares, snapshots, access rules). An unknown project gives empty lists.
    type: str
  share:
    description:
      - Only this share (shares, snapshots, access rules). An unknown share gives empty lists.
    type: str
    aliases: [name]
seealso:
  - module: tegile.intelliflash.project
  - module: tegile.intelliflash.share
  - module: tegile.intelliflash.snapshot
    description: Create, delete and roll back the snapshots it lists.
  - module: tegile.intelliflash.share_access
    description: Change the access rules it lists.
  - module: tegile.intelliflash.quota
    description: Change the quotas and reservations it reports.
"""

EXAMPLES = r"""
# The connection options (host, username, password, ca_path) are set once for the play with
# module_defaults on group/tegile.intelliflash.intelliflash, or come from the INTELLIFLASH_*
# environment variables.
- name: Check that the array answers, the credentials work and pool-a has the project openstack
  tegile.intelliflash.info:
    gather_subset: [system, pools, projects]
    pool: pool-a
    project: openstack
  register: backend

- name: Fail unless both exist
  ansible.builtin.assert:
    that:
      - backend.pools | length == 1
      - backend.projects | length == 1
    fail_msg: pool-a or its project openstack is missing on {{ backend.system.fqdn }}

- name: Everything about the shares of one project
  tegile.intelliflash.info:
    gather_subset: [shares, snapshots, access_rules]
    pool: pool-a
    project: engineering
  register: engineering

- name: Free space per pool
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.available_bytes | human_readable }} free"
  loop: "{{ backend.pools }}"
  loop_control:
    label: "{{ item.name }}"
"""

RETURN = r"""
gathered_subsets:
  description: The subsets that were gathered.
  returned: always
  type: list
  elements: str
  sample: [pools, system]
system:
  description: System properties of the array.
  returned: when O(gather_subset) includes V(system)
  type: dict
  contains:
    model:
      description: Appliance model.
      type: str
      sample: IntelliFlash-SIM
    version:
      description: Software (GUI) version.
      type: str
      sample: 3.7.1.0
    appliance_version:
      description: Appliance version.
      type: str
    api_version:
      description: REST API major version.
      type: str
      sample: "2"
    api_minor_version:
      description: REST API minor version.
      type: str
      sample: "2"
    supported_api_versions:
      description: API versions the array supports.
      type: str
    guid:
      description: Array GUID.
      type: str
    fqdn:
      description: Array host name.
      type: str
pools:
  description: Pools, sorted by name.
  returned: when O(gather_subset) includes V(pools)
  type: list
  elements: dict
  contains:
    name:
      description: Pool name.
      type: str
      sample: pool-a
    total_bytes:
      description: Pool size.
      type: int
      sample: 10995116277760
    available_bytes:
      description: Free bytes.
      type: int
      sample: 10995116277760
    used_bytes:
      description: Bytes in use (total minus available).
      type: int
      sample: 0
projects:
  description: Projects, sorted by path.
  returned: when O(gather_subset) includes V(projects)
  type: list
  elements: dict
  contains:
    name:
      description: Project name.
      type: str
    pool:
      description: Pool of the project.
      type: str
    path:
      description: Dataset path.
      type: str
      sample: pool-a/Local/engineering
    mount_point:
      description: Mount point.
      type: str
    compression:
      description: Compression algorithm.
      type: str
    dedup:
      description: Whether deduplication is on.
      type: bool
    readonly:
      description: Whether the project is read-only.
      type: bool
    record_size:
      description: Default record size of its shares.
      type: str
    quota_bytes:
      description: Quota in bytes (V(0) when none).
      type: int
    quota:
      description: Quota in binary units (V(null) when none).
      type: str
    nfs:
      description: Whether NFS sharing is on.
      type: bool
    smb:
      description: Whether SMB sharing is on.
      type: bool
shares:
  description: Shares, sorted by path. The keys are those of the RV(tegile.intelliflash.share#module:share) result.
  returned: when O(gather_subset) includes V(shares)
  type: list
  elements: dict
  contains:
    name:
      description: Share name.
      type: str
    project:
      description: Project of the share.
      type: str
    pool:
      description: Pool of the share.
      type: str
    path:
      description: Dataset path.
      type: str
      sample: pool-a/Local/engineering/builds
    mount_point:
      description: Mount point.
      type: str
    quota_bytes:
      description: Quota in bytes (V(0) when none).
      type: int
    quota:
      description: Quota in binary units (V(null) when none).
      type: str
    reservation_bytes:
      description: Reservation in bytes (V(0) when none).
      type: int
    reservation:
      description: Reservation in binary units (V(null) when none).
      type: str
    used_bytes:
      description: Bytes used.
      type: int
    available_bytes:
      description: Bytes the share can still use.
      type: int
    compression:
      description: Compression algorithm.
      type: str
    dedup:
      description: Whether deduplication is on.
      type: bool
    readonly:
      description: Whether the share is read-only.
      type: bool
    record_size:
      description: Record size.
      type: str
    nfs:
      description: Whether the share is exported over NFS.
      type: bool
    smb:
      description: Whether the share is exported over SMB.
      type: bool
    smb_name:
      description: SMB share name.
      type: str
snapshots:
  description:
    - Snapshots of the projects and shares, sorted by pool, project and share (project snapshots first), then in
      the order the array lists them (creation order).
  returned: when O(gather_subset) includes V(snapshots)
  type: list
  elements: dict
  contains:
    name:
      description: Snapshot name without the C(Manual-S-)/C(Manual-P-) prefix the array adds.
      type: str
      sample: nightly
    full_name:
      description: Name on the array.
      type: str
      sample: Manual-S-nightly
    pool:
      description: Pool.
      type: str
    project:
      description: Project.
      type: str
    share:
      description: Share; V(null) for a project snapshot.
      type: str
    path:
      description: Snapshot path.
      type: str
      sample: pool-a/Local/engineering/builds@Manual-S-nightly
access_rules:
  description: Access rules of each share, sorted by path.
  returned: when O(gather_subset) includes V(access_rules)
  type: list
  elements: dict
  contains:
    pool:
      description: Pool.
      type: str
    project:
      description: Project.
      type: str
    share:
      description: Share.
      type: str
    path:
      description: Share path.
      type: str
    nfs:
      description:
        - NFS host rules in effect (own or inherited from the project), in the form of the O(tegile.intelliflash.share_access#module:rules)
          option of M(tegile.intelliflash.share_access), so they can be fed back to it.
      type: list
      elements: dict
      sample: [{type: ip, to: 10.0.0.0/24, access_level: rw, root_access: false}]
    smb:
      description: SMB host rules in effect, in the same form.
      type: list
      elements: dict
      sample: [{type: host, to: win1.example.com, access_level: ro, root_access: false}]
    users:
      description: User and group rules (the share's file ACL), in the same form; C(type) is V(user) or V(group).
      type: list
      elements: dict
      sample: [{type: user, to: alice, access_level: rw}]
floating_ips:
  description: Floating (data) IPs clients mount from, sorted by address.
  returned: when O(gather_subset) includes V(floating_ips)
  type: list
  elements: dict
  contains:
    ip_address:
      description: The address.
      type: str
      sample: 192.0.2.10
    netmask:
      description: Its netmask.
      type: str
    pools:
      description: Pools it serves.
      type: list
      elements: str
      sample: [pool-a]
    resource_group:
      description: Resource group.
      type: str
    description:
      description: Description.
      type: str
    failover_mode:
      description: Failover mode.
      type: str
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

from ansible_collections.tegile.intelliflash.plugins.module_utils.common import IntelliFlashModule
from ansible_collections.tegile.intelliflash.plugins.module_utils._dataset import PROTOCOLS, project_facts, share_facts
from ansible_collections.tegile.intelliflash.plugins.module_utils._info import (
    DEFAULT_SUBSETS,
    NEEDS_PROJECTS,
    NEEDS_SHARES,
    access_rule_facts,
    floating_ip_facts,
    pool_facts,
    select_subsets,
    serves_pool,
    snapshot_facts,
    system_facts,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils._array import (
    find_project,
    find_share,
    sharing_state,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.paths import dataset_ref, project_ref, share_ref, validate_pool


# Order of each list; snapshots keep the array's (creation) order within their dataset.
SORT_KEYS = dict(
    pools=lambda item: item["name"],
    floating_ips=lambda item: str(item["ip_address"]),
    snapshots=lambda item: (item["pool"], item["project"], item["share"] or ""),
)


class Gatherer:
    """Reads what the selected subsets need, once per object."""

    def __init__(self, module, subsets):
        self.module = module
        self.client = module.client
        self.subsets = subsets
        self.params = module.params
        self.result = dict((name, []) for name in subsets if name != "system")

    def wants(self, *names):
        return bool(self.subsets.intersection(names))

    def projects_of(self, pool):
        """Wire dicts of the projects of ``pool`` within the filter."""
        name = self.params["project"]
        if name is not None:
            found = find_project(self.module, pool, name)
            return [found] if found else []
        with self.module.api_errors("listing the projects of pool %s" % pool, pool):
            items = self.client.list_projects(pool)
        if not self.wants("projects"):
            # The other subsets need a project's name and path only, which the list items carry:
            # reading each project would cost a call per project for nothing asked.
            return items
        names = [item.name for item in items]
        with self.module.api_errors("reading the projects of pool %s" % pool, pool):
            return [project for project in (self.client.find_project(project_ref(pool, item)) for item in names) if project]

    def shares_of(self, pool, project):
        name = self.params["share"]
        if name is not None:
            found = find_share(self.module, pool, project, name)
            return [found] if found else []
        path = self.module.dataset_path(pool, project)
        with self.module.api_errors("reading the shares of project %s" % path, path):
            items = self.client.list_shares(project_ref(pool, project))
            if not self.wants("shares", "access_rules"):
                # Snapshots need a share's name and path only: no call per share (big arrays).
                return items
            names = [item.name for item in items]
            return [share for share in (self.client.find_share(share_ref(pool, project, item)) for item in names) if share]

    def add_project(self, pool, project):
        facts = project_facts(project, pool)
        if self.wants("projects"):
            facts.update(sharing_state(self.module, dict.fromkeys(PROTOCOLS, True), project, pool, facts["name"],
                                       facts["path"]))
            self.result["projects"].append(facts)
        if self.wants("snapshots") and self.params["share"] is None:
            self.add_snapshots(pool, facts["name"], None, facts["path"])
        if self.wants(*NEEDS_SHARES):
            for share in self.shares_of(pool, facts["name"]):
                self.add_share(pool, facts["name"], share)

    def add_share(self, pool, project, share):
        facts = share_facts(share)
        path = facts["path"]
        if self.wants("shares"):
            self.result["shares"].append(facts)
        if self.wants("snapshots"):
            self.add_snapshots(pool, project, facts["name"], path)
        if self.wants("access_rules"):
            with self.module.api_errors("reading the access rules of share %s" % path, path):
                rules = [self.client.get_network_acls(protocol, share.ref)
                         for protocol in PROTOCOLS]
            self.result["access_rules"].append(access_rule_facts(facts, share.user_acls, *rules))

    def add_snapshots(self, pool, project, share, path):
        with self.module.api_errors("listing the snapshots of %s" % path, path):
            snapshots = self.client.list_snapshots(dataset_ref(pool, project, share))
        self.result["snapshots"].extend(snapshot_facts(snapshot) for snapshot in snapshots)

    def gather(self):
        module, client, params = self.module, self.client, self.params
        facts = {}
        if "system" in self.subsets:
            with module.api_errors("reading the system properties"):
                facts["system"] = system_facts(client.get_system_properties())
        if self.wants("pools", *NEEDS_PROJECTS):
            with module.api_errors("listing pools"):
                pools = [pool for pool in client.list_pools() if params["pool"] in (None, pool.name)]
            if self.wants("pools"):
                self.result["pools"] = [pool_facts(pool) for pool in pools]
            if self.wants(*NEEDS_PROJECTS):
                for pool in sorted(pool.name for pool in pools):
                    for project in self.projects_of(pool):
                        self.add_project(pool, project)
        if self.wants("floating_ips"):
            with module.api_errors("listing floating IPs"):
                self.result["floating_ips"] = [floating_ip_facts(item) for item in client.list_floating_ips()
                                               if serves_pool(item, params["pool"])]
        for key, items in self.result.items():
            facts[key] = sorted(items, key=SORT_KEYS.get(key, lambda item: item["path"]))
        return facts


def main():
    module = IntelliFlashModule(
        argument_spec=dict(
            gather_subset=dict(type="list", elements="str", default=list(DEFAULT_SUBSETS)),
            pool=dict(type="str"),
            project=dict(type="str"),
            share=dict(type="str", aliases=["name"]),
        ),
        supports_check_mode=True,
    )
    with module.api_errors("checking gather_subset"):
        subsets = select_subsets(module.params["gather_subset"])
    module.validate_names(project=module.params["project"], share=module.params["share"])
    if module.params["pool"] is not None:  # an unknown pool gives empty lists; a malformed one is no pool
        with module.api_errors("checking pool"):
            validate_pool(module.params["pool"])
    facts = Gatherer(module, subsets).gather()
    module.exit(False, gathered_subsets=sorted(subsets), **facts)


if __name__ == "__main__":
    main()
