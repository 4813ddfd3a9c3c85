# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Look-ups shared by the project, share and quota modules (private).

Each ``require_*`` reads one object and fails the module, naming the option, when it
does not exist, so that bad input is reported before anything is written.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.tegile.intelliflash.plugins.module_utils.common import NotFoundError
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.errors import AlreadyExistsError
from ansible_collections.tegile.intelliflash.plugins.module_utils._dataset import int_or_zero, sharing_on, used_bytes

PROTOCOLS = ("nfs", "smb")


def require_pool(m, pool, field="pool"):
    """The pool's wire dict; fails naming ``field`` when the array has no such pool."""
    with m.api_errors("listing pools"):
        pools = m.client.list_pools()
    for item in pools:
        if item.get("name") == pool:
            return item
    m.fail("%s: pool '%s' does not exist on the array (pools: %s)"
           % (field, pool, ", ".join(sorted(item.get("name", "?") for item in pools)) or "none"))


def create_or_adopt(m, action, dataset, create, find):
    """Run ``create()``; return None when it created the object, or the object another writer created first.

    Several tasks creating the same object at once (forks, several controllers) all read "missing";
    the array creates it for the first and answers EZEBI_RESOURCE_EXIST to the others. Those read
    the object with ``find()`` and carry on as for an existing one, so every task converges. When
    the object is still not there, the refusal meant something else and fails the task.
    """
    with m.api_errors(action, dataset):
        try:
            create()
            return None
        except AlreadyExistsError as exc:
            found = find()
            if found is None:
                raise exc
            return found


def find_project(m, pool, project):
    """The project's wire dict or None (also None when the pool does not exist)."""
    path = m.dataset_path(pool, project)
    with m.api_errors("reading project %s" % path, path):
        try:
            return m.client.find_project(pool, project)
        except NotFoundError:
            return None


def require_project(m, pool, project, field="project"):
    """The project's wire dict; fails naming ``field`` when it does not exist.

    On a miss the pool is looked up too, so that a missing pool is reported as such.
    """
    found = find_project(m, pool, project)
    if found is None:
        require_pool(m, pool)
        m.fail("%s: project '%s' does not exist in pool '%s'" % (field, project, pool),
               dataset=m.dataset_path(pool, project))
    return found


def find_share(m, pool, project, share):
    """The share's wire dict or None (also None when its project or pool does not exist)."""
    path = m.dataset_path(pool, project, share)
    with m.api_errors("reading share %s" % path, path):
        try:
            return m.client.find_share(pool, project, share)
        except NotFoundError:
            return None


def require_share(m, pool, project, share, field="share"):
    """The share's wire dict; fails naming ``field`` when it does not exist.

    On a miss the project (and then the pool) is looked up, so that the message names what
    is really missing.
    """
    found = find_share(m, pool, project, share)
    if found is None:
        require_project(m, pool, project)
        m.fail("%s: share '%s' does not exist in project '%s' of pool '%s'" % (field, share, project, pool),
               dataset=m.dataset_path(pool, project, share))
    return found


def project_used(m, pool, project):
    """What a project quota must not go below: its shares' Σ max(used, reservation) (C7).

    A reservation is guaranteed space, so it counts against the project quota like used bytes.
    ``listShares`` items carry no reservation: each share is read (only when a project quota
    changes).
    """
    path = m.dataset_path(pool, project)
    with m.api_errors("reading the shares of project %s" % path, path):
        total = 0
        for item in m.client.list_shares(pool, project):
            share = m.client.find_share(pool, project, item["name"]) or item
            total += max(used_bytes(share), int_or_zero(share.get("reservationInByte")))
        return total


def sharing_state(client, wanted, source, pool, project, share=None):
    """Effective NFS/SMB state, for the protocols ``wanted`` sets (dict with nfs/smb keys).

    ``source`` is the wire dict the state is read from (a share, or the project a new share
    will inherit from); None means a new project (sharing off). When the dict does not
    carry ``sharenfs``/``sharesmb`` the array is asked (isShare/ProjectExposedOver*).
    """
    state = {}
    for protocol in PROTOCOLS:
        if wanted.get(protocol) is None:
            continue
        if source is None:
            state[protocol] = False
            continue
        value = sharing_on(source, protocol)
        if value is None:
            value = client.is_exposed(protocol, pool, project, share)
        state[protocol] = value
    return state


def apply_sharing(client, changes, pool, project, share=None, display_name=None, guest=False):
    """Send the sharing changes planned by ``plan_sharing`` (NFS first, then SMB).

    ``changes`` maps ``nfs``/``smb`` to the wanted state. ``display_name``/``guest`` go with
    the SMB call (share level only).
    """
    if "nfs" in changes:
        client.set_nfs_sharing(pool, project, share, changes["nfs"])
    if "smb" in changes:
        if share is None:
            client.set_smb_sharing(pool, project, None, changes["smb"])
        else:
            client.set_smb_sharing(pool, project, share, changes["smb"], display_name=display_name, guest=guest)
