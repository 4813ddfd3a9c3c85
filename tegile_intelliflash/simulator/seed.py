# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Seed data of a new state directory: pools, floating IPs, system properties, SMB config."""

import fractions
import re
import uuid

from .store import Txn

TiB = 1024 ** 4
DEFAULT_POOLS = (("pool-a", 10 * TiB), ("pool-b", 4 * TiB))

_UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4,
          "P": 1024 ** 5}
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGTP]?)(?:I?B)?\s*$", re.IGNORECASE)
MAX_SIZE = 2 ** 63
_POOL_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


def parse_size(text):
    """``10T``, ``512G``, ``1.5TiB``, ``1073741824`` -> bytes (binary units)."""
    match = _SIZE_RE.fullmatch(text)
    if not match:
        raise ValueError("invalid size %r (examples: 10T, 512G, 1073741824)" % text)
    number, unit = match.groups()
    # Exact arithmetic: a float loses bytes above 2^53 (9007199254740993 became ...992).
    value = fractions.Fraction(number) * _UNITS[unit.upper()]
    if value < 1 or value.denominator != 1:
        raise ValueError("invalid size %r: must be a positive whole number of bytes" % text)
    # Sizes are 64-bit on the array (C1) and in SQLite: a larger one was a traceback at start.
    if value >= MAX_SIZE:
        raise ValueError("invalid size %r: must be below 2^63 bytes (8 EiB)" % text)
    return int(value)


def parse_pool_option(text):
    """``NAME=SIZE`` -> (name, bytes)."""
    name, sep, size = text.partition("=")
    if not sep or not _POOL_NAME_RE.fullmatch(name):
        raise ValueError("invalid --pool %r: expected NAME=SIZE, e.g. pool-a=10T" % text)
    return name, parse_size(size)


def system_properties(state_guid):
    return {
        "ZEBI_APPLIANCE_MODEL": "IntelliFlash-SIM",
        "ZEBI_APPLIANCE_VERSION": "3.7.1.0",
        "ZEBI_GUI_VERSION": "3.7.1.0",
        "ZEBI_SUPPORTED_TDPS_API_VERSIONS": "1.0,1.1,1.2,2.0,2.1,2.2",
        "ZEBI_API_MINOR_VERSION": "2",
        "ZEBI_API_VERSION": "2",
        "INTELLIFLASH_ARRAY_GUID": state_guid,
        "INTELLIFLASH_ARRAY_FQDN": "intelliflash-sim.localdomain",
    }


DEFAULT_SMB_CONFIG = {
    "pdc": "",
    "subsharesFeatureEnabled": False,
    "smbProtocolMode": "CIFS",
    "restrictAnonymous": False,
    "restrictGuest": False,
}


def _floating_ip(index, pool):
    return {
        "resourceGroupName": "rg-%s" % pool,
        "description": "Data IP of %s (simulated, never contacted)" % pool,
        "failoverMode": "AUTO",
        "ipAddress": "192.0.2.%d" % (10 + index),
        "netmask": "255.255.255.0",
        "poolName": pool,
    }


def ensure_seed(txn: Txn, pools=None):
    """Seed a new state; on later starts add pools given on the command line (sizes updated)."""
    first = txn.setting("array_guid") is None
    if first:
        txn.put_setting("array_guid", str(uuid.uuid4()))
        txn.put_setting("smb_config", dict(DEFAULT_SMB_CONFIG))
    wanted = list(pools) if pools else (list(DEFAULT_POOLS) if first else [])
    known = {p["name"] for p in txn.pools()}
    used_ips = {ip["ipAddress"] for ip in txn.floating_ips()}
    for name, total in wanted:
        txn.put_pool(name, total)
        if name not in known:
            index = 0
            while "192.0.2.%d" % (10 + index) in used_ips:
                index += 1
            ip = _floating_ip(index, name)
            used_ips.add(ip["ipAddress"])
            txn.put_floating_ip(ip)
