# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Replies of the IntelliFlash v2 API as the array sends them, for the mocked array.

Each builder returns the JSON value one call answers (../shared/spec/intelliflash-rest-api.md
sections 4, 5, 7 and 9), with the keys an array fills in; keyword arguments override or add wire
keys. ``error(...)`` builds an ErrorModel reply. Only what the modules read is modelled: these are
replies, not an array (the simulator is one, in the functional layer).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

GIB = 1024 ** 3
TIB = 1024 ** 4

SUCCESS = 0  # COMMAND_STATUS of a write that succeeded
NOTHING = None  # a void call (empty body)


class ErrorReply:
    """An ErrorModel body with its HTTP status (the array sends 500 for every EZEBI_* code)."""

    def __init__(self, code, message, status=500):
        self.code, self.message, self.status = code, message, status

    def body(self):
        return {"code": self.code, "message": self.message}

    def __repr__(self):
        return "ErrorReply(%s, %r)" % (self.code, self.message)


def error(code, message, status=500):
    return ErrorReply(code, message, status)


def not_found(what):
    """EZEBI_RESOURCE_NOT_FOUND for ``what`` (e.g. ``"Share pool-a/Local/p1/s1"``)."""
    return ErrorReply("EZEBI_RESOURCE_NOT_FOUND", "%s does not exist" % what)


def pools(**available):
    """listPools: ``pools(**{"pool-a": bytes_free})``; default pool-a (10 TiB) and pool-b (4 TiB)."""
    available = available or {"pool-a": 10 * TIB, "pool-b": 4 * TIB}
    return [{"name": name, "availableSize": free, "totalSize": max(free, 10 * TIB)}
            for name, free in sorted(available.items())]


def system_properties(names):
    """listSystemProperties: one string per requested name, in the order asked."""
    values = {"ZEBI_APPLIANCE_MODEL": "IntelliFlash-T4700", "ZEBI_APPLIANCE_VERSION": "3.11.0.0",
              "ZEBI_GUI_VERSION": "3.11.0.0", "ZEBI_SUPPORTED_TDPS_API_VERSIONS": "2.0,2.1,2.2",
              "ZEBI_API_MINOR_VERSION": "2", "ZEBI_API_VERSION": "2",
              "INTELLIFLASH_ARRAY_GUID": "3a1e6c52-0000-4000-8000-00000000a001",
              "INTELLIFLASH_ARRAY_FQDN": "array1.example.com"}
    return [values[name] for name in names]


def project(name="p1", pool="pool-a", **keys):
    """getProject (Project_V2_1). It carries no sharenfs/sharesmb: ask is*ExposedOver*."""
    reply = {
        "projectName": name, "poolName": pool, "localDataset": True,
        "zfsDataSetName": "%s/Local/%s" % (pool, name), "compression": "lz4", "dedup": "off",
        "readonly": "off", "recordSize": "64KB", "mountPoint": "/export/%s" % name,
        "intendedProtocolList": [], "quotaInByte": 0, "quota": 0.0, "quotaMetric": "GB",
        "quotaEnabled": False,
    }
    reply.update(keys)
    return reply


def project_item(name="p1", pool="pool-a"):
    """listProjects item (Project_V1_0)."""
    return {"name": name, "poolName": pool, "local": True}


def share(name="s1", project="p1", pool="pool-a", used=0, **keys):
    """getShare (Share_V2_1): NFS and SMB off, no quota or reservation, ``used`` bytes used."""
    quota = keys.get("quotaInByte", 0)
    available = (quota - used) if quota else 10 * TIB - used
    reply = {
        "name": name, "projectName": project, "poolName": pool, "localDataset": True,
        "zfsDataSetName": "%s/Local/%s/%s" % (pool, project, name), "compression": "lz4",
        "dedup": "off", "readonly": "off", "recordSize": "64KB",
        "mountPoint": "/export/%s/%s" % (project, name), "overrideMountPoint": False,
        "overrideSharenfs": False, "overrideSharesmb": False,
        "quotaInByte": 0, "reservationInByte": 0, "availableSize": available,
        "totalSize": available + used, "cifsDisplayName": "%s_%s" % (project, name),
        "guestStatus": False, "aclList": [], "sharenfs": "off", "sharesmb": "off",
    }
    reply.update(keys)
    return reply


def share_item(name="s1", project="p1", pool="pool-a", used=0):
    """listShares item (Share_V1_0: lower-case ``mountpoint``, no reservation)."""
    return {"name": name, "poolName": pool, "projectName": project,
            "datasetPath": "%s/Local/%s/%s" % (pool, project, name),
            "mountpoint": "/export/%s/%s" % (project, name), "availableSize": 10 * TIB - used,
            "totalSize": 10 * TIB, "local": True}


def network_rule(host, access="rw", root=False, host_type="IP"):
    """A NetworkACL_V2_1 entry (get*NetworkACLsOn* item)."""
    return {"hostType": host_type, "host": host, "accessMode": access, "rootAccessForNFS": root}


def user_rule(name, access="rw", kind="user"):
    """A UserACL_V2_1 entry (Share_V2_1 ``aclList`` item): allow read_set (ro) or modify_set (rw)."""
    return {"aclType": kind, "aclUser": name if kind == "user" else "",
            "aclGroup": name if kind == "group" else "", "aclMode": "allow",
            "aclValDisplay": {"ro": "read_set", "rw": "modify_set"}[access],
            "aclVal": {"ro": 0x000200A9, "rw": 0x001301BF}[access],
            "aclInheritanceFlag": "file_inherit,dir_inherit", "includeSubShares": False,
            "userId": -1, "groupId": -1}


def floating_ip(address="192.0.2.10", pool="pool-a"):
    """getFloatingIPList item (FloatingIP_V2_2)."""
    return {"ipAddress": address, "netmask": "255.255.255.0", "poolName": pool,
            "resourceGroupName": "rg-%s" % pool, "description": "data IP", "failoverMode": "AUTO"}
