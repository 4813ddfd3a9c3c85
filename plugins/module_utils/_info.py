# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Subset selection and result shaping of the info module (private).

Every builder turns the client's views into the documented snake_case structure, so the
module's result stays stable whatever extra keys the array sends.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.tegile.intelliflash.plugins.module_utils.common import InputError
from ansible_collections.tegile.intelliflash.plugins.module_utils._share_access import rule_to_dict

SUBSETS = ("system", "pools", "projects", "shares", "snapshots", "access_rules", "floating_ips")
DEFAULT_SUBSETS = ["system", "pools"]

# Subsets that need the projects of each pool, and those that need each project's shares.
NEEDS_PROJECTS = ("projects", "shares", "snapshots", "access_rules")
NEEDS_SHARES = ("shares", "snapshots", "access_rules")

# Keys of the ``system`` result: the SystemInfo attributes of the same names.
SYSTEM_KEYS = ("model", "appliance_version", "version", "api_version", "api_minor_version",
               "supported_api_versions", "guid", "fqdn")


def select_subsets(requested):
    """The set of subsets to gather from ``gather_subset`` (``all`` and ``!name`` allowed).

    Raises InputError naming ``gather_subset`` for unknown names.
    """
    requested = list(requested or DEFAULT_SUBSETS)
    selected = set()
    excluded = set()
    for item in requested:
        name = str(item).strip()
        negate = name.startswith("!")
        if negate:
            name = name[1:]
        if name == "all":
            (excluded if negate else selected).update(SUBSETS)
        elif name in SUBSETS:
            (excluded if negate else selected).add(name)
        else:
            raise InputError("gather_subset: unknown subset '%s'; choose from all, %s (a leading ! excludes one)"
                             % (item, ", ".join(SUBSETS)))
    if not selected and excluded:
        selected = set(SUBSETS)
    return selected - excluded


def system_facts(system):
    """The ``system`` dict of a SystemInfo."""
    return dict((key, getattr(system, key)) for key in SYSTEM_KEYS)


def pool_facts(pool):
    """The facts of a PoolInfo."""
    return dict(name=pool.name, total_bytes=pool.total_bytes, available_bytes=pool.available_bytes,
                used_bytes=max(0, pool.total_bytes - pool.available_bytes))


def floating_ip_facts(item):
    """The facts of a FloatingIP."""
    return dict(ip_address=item.address, netmask=item.netmask, pools=list(item.pools),
                resource_group=item.resource_group, description=item.description,
                failover_mode=item.failover_mode)


def serves_pool(item, pool):
    return pool is None or item.serves(pool)


def snapshot_facts(snapshot):
    """One snapshot (SnapshotInfo) of a share or of a project (``share`` None)."""
    dataset = snapshot.dataset
    return dict(name=snapshot.name, full_name=snapshot.full_name, pool=dataset.pool, project=dataset.project,
                share=dataset.share, path=snapshot.path)


def access_rule_facts(share, user_rules, nfs_rules, smb_rules):
    """Access rules of one share (``share``: its facts; ``user_rules``: its file ACL, UserRule).

    Host rules per protocol (NetworkRule) and the file ACL's user/group rules, each in the form
    of the share_access module's ``rules`` option (``type``, ``to``, ``access_level``, and
    ``root_access`` for host rules), so that info output can be fed back to share_access.
    """
    return dict(pool=share["pool"], project=share["project"], share=share["name"], path=share["path"],
                nfs=[rule_to_dict(rule) for rule in nfs_rules],
                smb=[rule_to_dict(rule) for rule in smb_rules],
                users=[rule_to_dict(rule) for rule in user_rules or []])
