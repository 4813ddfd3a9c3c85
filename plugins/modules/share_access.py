#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: share_access
short_description: Manage the access rules of IntelliFlash shares and projects
version_added: 1.0.0
description:
  - Manages who may access a share on a Tegile (DDN) IntelliFlash array, or, without O(share), the network access
    rules of a project (which its shares inherit until they get rules of their own).
  - B(NFS shares) take V(ip) rules (an address or a CIDR network), V(host) rules (a host or domain name) and
    V(user) and V(group) rules. IP and host rules are the share's NFS network ACL; user and group rules are the
    share's file ACL.
  - B(SMB shares) take V(user) and V(group) rules only (the share's file ACL). IP and host rules on an SMB share are
    refused, as in OpenStack Manila, where IP-based access is NFS-only.
  - B(Projects) take V(ip) and V(host) rules only (the project's NFS network ACL); user and group rules are
    share-only because projects have no file ACL.
  - Rules are compared without regard to order, with addresses normalised (V(10.0.0.1/32) is V(10.0.0.1), IPv6 is
    compared in its compressed form, host names case-insensitively) and user and group names compared
    case-insensitively.
author:
  - tegile.intelliflash developers (!UNKNOWN)
options:
  pool:
    description: Pool that holds the project.
    type: str
    required: true
  project:
    description: Project that holds the share, or whose network rules are managed.
    type: str
    required: true
  share:
    description:
      - Share whose rules are managed.
      - Omit it to manage the project's NFS network rules.
    type: str
  protocol:
    description:
      - Whether the share is managed as an NFS or an SMB share (which rule types it takes, and which rules
        O(purge) may remove).
      - By default a share exported over SMB and not over NFS is an SMB share; every other share is an NFS share.
      - Projects are always managed through their NFS network rules; V(smb) is refused for a project.
    type: str
    choices: [nfs, smb]
  rules:
    description:
      - The access rules to grant (O(state=present)) or to revoke (O(state=absent)).
      - Omitting the option changes nothing (the module then only reports the current rules).
      - Each host, user or group may appear only once.
      - An ACL on the array holds at most 1024 entries (the network rules, and the share's user and group rules,
        each count apart). A task whose result would hold more, the rules already there included, fails before
        writing anything.
    type: list
    elements: dict
    suboptions:
      type:
        description:
          - V(ip) an IPv4 or IPv6 address or CIDR network (NFS only); V(host) a host or domain name (NFS only);
            V(user) or V(group) a user or group name (shares only). Directory (AD, LDAP) users and groups are
            written V(name@domain), the form the array's file ACLs use; the array refuses V(DOMAIN\\name).
          - A V(host) rule whose value is an IP address is treated as an V(ip) rule.
        type: str
        required: true
        choices: [ip, host, user, group]
        aliases: [access_type]
      to:
        description:
          - The address, network, host name, user or group the rule is for.
          - A network must have no host bits set (V(10.0.0.0/24), not V(10.0.0.1/24)).
        type: str
        required: true
        aliases: [access_to]
      access_level:
        description:
          - V(rw) read-write, V(ro) read-only.
          - Ignored with O(state=absent), which revokes a rule whatever its level.
        type: str
        choices: [rw, ro]
        default: rw
      root_access:
        description:
          - Let the NFS client's root user act as root on the share (no root squash).
          - Only for V(ip) and V(host) rules.
        type: bool
        default: false
  purge:
    description:
      - With V(false), rules missing from the share are added and existing rules whose access level or root
        access differs are changed; other rules stay.
      - With V(true), the share's rules become exactly O(rules). On an NFS share that is every IP, host, user and
        group rule; on an SMB share every user and group rule (its network rules, which this module does not
        manage, are left alone); on a project every network rule. O(rules=[]) removes them all.
      - Only with O(state=present), and only with O(rules).
    type: bool
    default: false
  state:
    description:
      - V(present) grants O(rules); V(absent) revokes them (rules that do not exist are ignored).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - tegile.intelliflash.connection
  - tegile.intelliflash.attributes
  - tegile.intelliflash.attributes.actiongroup
notes:
  - B(An NFS share with no network rule is exported to every host, read-write.) Removing the last IP or host rule of a
    share that is exported over NFS therefore opens it; the module warns when it does that.
  - A share inherits its project's network rules until its own rules are changed; the first change here copies the
    project's rules into the share, which from then on has its own list.
  - Network rules are added and removed one call per rule, so that tasks adding rules to the same share at the same
    time all keep theirs. A changed access level or root access, O(purge=true) removing rules, and any O(purge=true)
    change of a share that still follows its project's rules, replace the share's (or project's) whole list in one
    call. User and group rules are always written as the whole file
    ACL in one call (the API has no other); file ACL entries are rewritten in the array's standard form (allow, read
    or modify set, inherited by files and directories). The file ACL is written before the network rules, because the array decides which
    user and group names it accepts, and when it refuses one nothing has been changed. User and group names written
    C(DOMAIN\\name) are refused before any call.
  - B(Several writers.) Tasks on one machine that change the rules of the same share or project (forks, with
    C(delegate_to) set to C(localhost)) take turns, through a lock file per array and dataset in C(/tmp/tegile-intelliflash-locks)
    (or the directory in the E(INTELLIFLASH_LOCK_DIR) environment variable). The rules are not read again after a
    write the array accepted (a write whose reply is lost is checked against what it wrote); when the array answers
    that a rule being added is already there (another writer added it meanwhile), the module reads the rules and
    applies its change again (at most 3 writes, with a warning; then the task fails). Writers on other machines, and
    the Manila driver, do not take that lock; a whole-list write of theirs that lands after this task's read undoes
    this task's change.
  - Turning NFS or SMB sharing on or off (with M(tegile.intelliflash.share)) clears that protocol's network rules on
    the array; manage the rules after the sharing state. The module warns when it changes the NFS rules of a share
    that is not exported over NFS.
seealso:
  - module: tegile.intelliflash.share
    description: Create shares and turn NFS and SMB sharing on.
  - module: tegile.intelliflash.project
    description: Project-level rules are inherited by the shares without rules of their own.
  - module: tegile.intelliflash.info
    description: Read the access rules of every share of a project.
"""

EXAMPLES = r"""
# The connection options (host, username, password, ca_path) are set once for the play with
# module_defaults on group/tegile.intelliflash.intelliflash, or come from the INTELLIFLASH_*
# environment variables.
- name: Give the app servers read-write NFS access and the backup host root access
  tegile.intelliflash.share_access:
    pool: pool-a
    project: finance
    share: ledger
    rules:
      - type: ip
        to: 10.20.0.0/24
      - type: host
        to: backup1.example.com
        access_level: ro
        root_access: true

- name: Make the rules of the share exactly this list (others are removed)
  tegile.intelliflash.share_access:
    pool: pool-a
    project: finance
    share: ledger
    purge: true
    rules:
      - type: ip
        to: 10.20.0.0/24
      - type: user
        to: auditor
        access_level: ro

- name: Revoke a rule (whatever its access level)
  tegile.intelliflash.share_access:
    pool: pool-a
    project: finance
    share: ledger
    state: absent
    rules:
      - type: user
        to: auditor

- name: SMB share - users and groups
  tegile.intelliflash.share_access:
    pool: pool-a
    project: finance
    share: reports
    protocol: smb
    rules:
      - type: group
        to: finance-staff
      - type: user
        to: auditor
        access_level: ro

- name: Network rules of a project (inherited by its shares without rules of their own)
  tegile.intelliflash.share_access:
    pool: pool-a
    project: finance
    rules:
      - type: ip
        to: 10.20.0.0/16
        access_level: ro

- name: Read the current rules
  tegile.intelliflash.share_access:
    pool: pool-a
    project: finance
    share: ledger
  register: ledger_access
"""

RETURN = r"""
rules:
  description:
    - The rules of the share or project after the task (in check mode, the rules it would have).
    - Network rules first (in the array's order), then user and group rules. On an SMB share, only user and group
      rules.
  returned: success
  type: list
  elements: dict
  contains:
    type:
      description: V(ip), V(host), V(user) or V(group).
      type: str
      sample: ip
    to:
      description: Address or network (normalised), host name, user or group.
      type: str
      sample: 10.20.0.0/24
    access_level:
      description: V(rw) or V(ro).
      type: str
      sample: rw
    root_access:
      description: Root access for NFS clients (V(ip) and V(host) rules only).
      type: bool
      returned: for ip and host rules
      sample: false
  sample:
    - {type: ip, to: 10.20.0.0/24, access_level: rw, root_access: false}
    - {type: user, to: auditor, access_level: ro}
protocol:
  description: V(nfs) or V(smb), as the share was managed (always V(nfs) for a project).
  returned: success
  type: str
  sample: nfs
dataset:
  description: Path of the share or project.
  returned: success
  type: str
  sample: pool-a/Local/finance/ledger
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

from ansible_collections.tegile.intelliflash.plugins.module_utils.common import DifferenceTracker, IntelliFlashModule
from ansible_collections.tegile.intelliflash.plugins.module_utils._array import (
    converge_rules,
    module_dataset_lock,
    read_network_rules,
    require_share,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils._argspec import ArgumentSpec, dataset_spec
from ansible_collections.tegile.intelliflash.plugins.module_utils._share_access import (
    current_user_rules,
    nfs_warning,
    parse_rules,
    rule_spec,
    rules_result,
    share_protocol,
    split_rules,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.paths import dataset_ref
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.system import SystemCalls
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.projects import ProjectCalls
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.shares import ShareCalls
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.access import AccessCalls

# The client's call groups this module uses (common.client_class): a task imports no other.
CALLS = (SystemCalls, ProjectCalls, ShareCalls, AccessCalls)


def argument_spec():
    spec = ArgumentSpec(
        dict(
            protocol=dict(type="str", choices=["nfs", "smb"]),
            rules=dict(type="list", elements="dict", options=rule_spec()),
            purge=dict(type="bool", default=False),
        ),
        required_if=[("state", "absent", ("rules",))],
    )
    return spec.merge(dataset_spec(share=True)).used_with(("present",), "purge")


def wanted_rules(module, protocol, share_level):
    """The ``rules`` option as client rule objects split by list, or (None, None) when omitted."""
    if module.params["rules"] is None:
        return None, None
    with module.api_errors("checking rules"):
        return split_rules(parse_rules(module.params["rules"], protocol, share_level))


def main():
    module = IntelliFlashModule.from_spec(argument_spec(), supports_check_mode=True, calls=CALLS)
    params = module.params
    pool, project, share = params["pool"], params["project"], params["share"]
    share_level = share is not None
    if params["purge"] and params["state"] == "absent":
        module.fail("purge: only with state=present (state=absent revokes the listed rules)")
    if params["purge"] and params["rules"] is None:
        module.fail("purge: needs rules (rules: [] removes every rule)")
    if not share_level and params["protocol"] == "smb":
        module.fail("protocol: a project's rules are its NFS network rules; protocol=smb needs a share")
    with module.api_errors("checking pool, project and share"):  # client-side name checks, no call
        dataset = module.dataset_path(pool, project, share)
    # Validate everything that does not depend on the share's protocol before any call.
    wanted_rules(module, params["protocol"] or "nfs", share_level)

    if module.check_mode or params["rules"] is None:
        outcome = converge(module, share_level)
    else:
        # From the read to the verification, no other task on this machine writes these lists.
        with module_dataset_lock(module, dataset):
            outcome = converge(module, share_level)
    share_obj, protocol, net_plan, user_plan, tracker, net_written = outcome
    if net_written or (module.check_mode and net_plan.changed):
        warning = nfs_warning(dataset, share_level, bool(share_obj and share_obj.nfs), net_plan.final)
        if warning:
            module.warn(warning)
    module.exit(tracker.has_differences(), diff=tracker, rules=rules_result(net_plan, user_plan),
                protocol=protocol, dataset=dataset)


def converge(module, share_level):
    """Read, then plan, write and verify (``_array.converge_rules``) until the lists hold what the task wants.

    Returns (share view or None, protocol, network plan, user plan, tracker, network written).
    """
    params = module.params
    pool, project, share = params["pool"], params["project"], params["share"]
    share_obj, protocol, current_users, current_net = None, "nfs", None, None
    if share_level:
        # One getShare (sharing state and file ACL); fails naming its option (share, project or
        # pool) for the missing object.
        share_obj = require_share(module, pool, project, share)
        protocol = share_protocol(share_obj, params["protocol"])
        current_users = current_user_rules(share_obj)
    if protocol == "nfs":  # one read of the NFS network rules unless the share is managed as SMB
        current_net = read_network_rules(module, pool, project, share)
    tracker = DifferenceTracker()
    net_plan, user_plan, net_written = converge_rules(
        module, dataset_ref(pool, project, share), (current_net, current_users),
        wanted_rules(module, protocol, share_level), tracker, purge=params["purge"], state=params["state"],
        inherited_network=share_level and not share_obj.owns_sharing("nfs"))
    return share_obj, protocol, net_plan, user_plan, tracker, net_written


if __name__ == "__main__":
    main()
