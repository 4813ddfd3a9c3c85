# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Dataset properties shared by the project, share and quota modules (private).

Maps the modules' snake_case options to the wire's Project_V2_1 / Share_V2_1 keys,
plans property changes against what the array reports, and turns wire dicts into the
stable snake_case dicts the modules return.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.tegile.intelliflash.plugins.module_utils.client.errors import invalid_argument
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.sizes import format_size, parse_size

COMPRESSION_CHOICES = ["off", "lz4", "gzip", "igzip"] + ["gzip-%d" % level for level in range(1, 10)]
RECORD_SIZE_CHOICES = ["4KB", "8KB", "16KB", "32KB", "64KB", "128KB"]

# The sharing protocols of the nfs/smb options (wire: sharenfs/sharesmb).
PROTOCOLS = ("nfs", "smb")

# Words that remove a quota or reservation (compared lower-cased).
NO_LIMIT_WORDS = ("none", "unlimited")


def _on_off(value):
    return "on" if value else "off"


def _is_on(value):
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    return str(value).strip().lower() not in ("off", "false", "0", "")


def _same(value):
    return value


# option name -> (wire key, option value -> wire value, wire value -> option value)
PROPERTIES = (
    ("compression", "compression", _same, _same),
    ("dedup", "dedup", _on_off, _is_on),
    ("readonly", "readonly", _on_off, _is_on),
    ("record_size", "recordSize", _same, _same),
)


def property_argument_spec():
    """Options for the inheritable dataset properties (project and share)."""
    return dict(
        compression=dict(type="str", choices=COMPRESSION_CHOICES),
        dedup=dict(type="bool"),
        readonly=dict(type="bool"),
        record_size=dict(type="str", choices=RECORD_SIZE_CHOICES),
    )


def plan_properties(current, params, tracker):
    """Wire keys to send (partial Project_V2_1/Share_V2_1) so ``current`` matches ``params``.

    ``current`` is the wire dict the array returned, or None for an object about to be
    created. Every option the user set and that differs is recorded in ``tracker``.
    """
    changes = {}
    for option, key, to_wire, from_wire in PROPERTIES:
        wanted = params.get(option)
        if wanted is None:
            continue
        have = from_wire(current.get(key)) if current else None
        if tracker.add(option, before=have, after=wanted):
            changes[key] = to_wire(wanted)
    return changes


def parse_limit(value, field):
    """A quota or reservation option: None (leave alone), 0 (remove) or exact bytes.

    Integers are bytes; strings may carry binary units (``10G``, ``10GiB``, ``512M``,
    ``1.5T``); ``none`` removes the limit. Zero, negative sizes, fractions of a byte and
    unknown units are refused with an error naming ``field``.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise invalid_argument(field, "expected a size such as 10G or a number of bytes, got %r" % (value,))
    if isinstance(value, float):
        value = int(value) if value.is_integer() else repr(value)
    if isinstance(value, str) and value.strip().lower() in NO_LIMIT_WORDS:
        return 0
    if isinstance(value, (int, str)) and str(value).strip() in ("0", "-1"):
        raise invalid_argument(field, "%s is not a valid size; use 'none' to remove the %s" % (value, field))
    return parse_size(value, field=field)


def describe_size(value):
    """``10 GiB (10737418240 bytes)``; ``none`` for 0/None."""
    if not value:
        return "none"
    return "%s (%d bytes)" % (format_size(value), value)


def size_fact(value):
    """Human size for results: ``10 GiB``; None when there is no limit."""
    return format_size(value) if value else None


def int_or_zero(value):
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def used_bytes(dataset):
    """Bytes used by a share (wire dict): ``totalSize`` - ``availableSize`` (rule C8)."""
    for key in ("usedSize", "usedInByte", "usedBytes"):
        if key in dataset:
            return int_or_zero(dataset[key])
    return max(0, int_or_zero(dataset.get("totalSize")) - int_or_zero(dataset.get("availableSize")))


def sharing_on(dataset, protocol):
    """Effective NFS/SMB sharing state of a wire dict (``sharenfs``/``sharesmb``), or None."""
    value = dataset.get("share" + protocol)
    return None if value is None else _is_on(value)


def property_facts(dataset):
    """The snake_case properties of a wire project/share dict."""
    facts = {}
    for option, key, _to_wire, from_wire in PROPERTIES:
        facts[option] = from_wire(dataset.get(key))
    facts["mount_point"] = dataset.get("mountPoint") or dataset.get("mountpoint")
    facts["quota_bytes"] = int_or_zero(dataset.get("quotaInByte"))
    facts["quota"] = size_fact(facts["quota_bytes"])
    return facts


def sharing_argument_spec():
    """NFS/SMB sharing on/off options (project and share)."""
    return dict(nfs=dict(type="bool"), smb=dict(type="bool"))


def plan_sharing(current, params, tracker):
    """{protocol: on} for the protocols whose sharing state must change.

    ``current`` maps ``nfs``/``smb`` to the effective state (bool).
    """
    changes = {}
    for protocol in PROTOCOLS:
        wanted = params.get(protocol)
        if wanted is not None and tracker.add(protocol, before=current.get(protocol), after=wanted):
            changes[protocol] = wanted
    return changes


def project_facts(project, pool=None):
    """Stable snake_case view of a Project_V2_1 wire dict."""
    name = project.get("projectName") or project.get("name")
    pool = project.get("poolName") or pool
    facts = dict(name=name, pool=pool, path=project.get("zfsDataSetName") or "%s/Local/%s" % (pool, name))
    facts.update(property_facts(project))
    facts["nfs"] = sharing_on(project, "nfs")
    facts["smb"] = sharing_on(project, "smb")
    return facts


def share_facts(share):
    """Stable snake_case view of a Share_V2_1 wire dict."""
    pool = share.get("poolName")
    project = share.get("projectName")
    name = share.get("name")
    facts = dict(name=name, project=project, pool=pool,
                 path=share.get("zfsDataSetName") or share.get("datasetPath")
                 or "%s/Local/%s/%s" % (pool, project, name))
    facts.update(property_facts(share))
    facts["reservation_bytes"] = int_or_zero(share.get("reservationInByte"))
    facts["reservation"] = size_fact(facts["reservation_bytes"])
    facts["used_bytes"] = used_bytes(share)
    facts["available_bytes"] = int_or_zero(share.get("availableSize"))
    facts["nfs"] = sharing_on(share, "nfs")
    facts["smb"] = sharing_on(share, "smb")
    facts["smb_name"] = share.get("cifsDisplayName") or None
    return facts


def planned_facts(facts, tracker, only_missing=False):
    """Overlay the tracker's after values on ``facts`` (check mode: the predicted state).

    With ``only_missing`` only facts the array did not report (None) are filled in. Tracker keys
    that are not facts (``state``, a clone's ``source``) stay out: the result keeps its documented keys.
    """
    for key, value in tracker.get_before_after()[1].items():
        if key not in facts or (only_missing and facts.get(key) is not None):
            continue
        facts[key] = value
    for key in ("quota", "reservation"):
        if key + "_bytes" in facts:
            facts[key] = size_fact(facts[key + "_bytes"])
    return facts
