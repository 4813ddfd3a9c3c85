# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""IntelliFlashClient: the NAS calls of the IntelliFlash v2 REST API (see docs/client.md).

One facade over the call groups, each in its own module: ``system`` (properties, pools,
floating IPs, SMB service), ``projects``, ``shares``, ``sharing`` (NFS/SMB on and off, export
locations), ``access`` (network and file ACLs) and ``snapshots``. Reads return the typed views
of ``views``; quota and reservation planning is in ``limits``.
"""

from . import acl as acl_mod
from . import paths as paths_mod
from . import sizes as sizes_mod
from .access import AccessCalls
from .base import ClientBase
from .projects import ProjectCalls
from .shares import BLOCK_SIZES, ShareCalls
from .sharing import SharingCalls
from .snapshots import CLONE_STATES, SnapshotCalls
from .system import SYSTEM_PROPERTIES, SystemCalls

__all__ = ["IntelliFlashClient", "BLOCK_SIZES", "CLONE_STATES", "SYSTEM_PROPERTIES"]


class IntelliFlashClient(SystemCalls, ProjectCalls, ShareCalls, SharingCalls, AccessCalls,
                         SnapshotCalls, ClientBase):
    """Client of one IntelliFlash array (see docs/client.md for the full contract)."""

    paths = paths_mod
    sizes = sizes_mod
    acl = acl_mod
