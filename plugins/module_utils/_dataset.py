# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Dataset properties shared by the project, share and quota modules (private).

Maps the modules' snake_case options to the wire's Project_V2_1 / Share_V2_1 keys (what a
write sends), plans property changes against what the array reports (the client's views:
ProjectInfo, ShareInfo) and turns those views into the stable snake_case dicts the modules
return.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.tegile.intelliflash.plugins.module_utils.client.errors import invalid_argument
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.shares import BLOCK_SIZES
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.sizes import format_size, parse_size

COMPRESSION_CHOICES = ["off", "lz4", "gzip", "igzip"] + ["gzip-%d" % level for level in range(1, 10)]
RECORD_SIZE_CHOICES = list(BLOCK_SIZES)

# The sharing protocols of the nfs/smb options (wire: sharenfs/sharesmb).
PROTOCOLS = ("nfs", "smb")

# Words that remove a quota or reservation (compared lower-cased).
NO_LIMIT_WORDS = ("none", "unlimited")


def _on_off(value):
    return "on" if value else "off"


def _same(value):
    return value


# option name (also the view's attribute) -> (wire key of a write, option value -> wire value)
PROPERTIES = (
    ("compression", "compression", _same),
    ("dedup", "dedup", _on_off),
    ("readonly", "readonly", _on_off),
    ("record_size", "recordSize", _same),
)


def _attr(view, name, default=None):
    """``view.name``, or ``default`` for an object about to be created (None)."""
    return default if view is None else getattr(view, name)


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

    ``current`` is the view the client returned (ProjectInfo, ShareInfo), or None for an object
    about to be created. Every option the user set and that differs is recorded in ``tracker``.
    """
    changes = {}
    for option, key, to_wire in PROPERTIES:
        wanted = params.get(option)
        if wanted is None:
            continue
        have = _attr(current, option)
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


def size_fact(value):
    """Human size for results: ``10 GiB``; None when there is no limit."""
    return format_size(value) if value else None


def property_facts(dataset):
    """The snake_case properties of a project/share view (None: an object about to be created)."""
    facts = dict((option, _attr(dataset, option)) for option, _key, _to_wire in PROPERTIES)
    facts["mount_point"] = _attr(dataset, "mount_point")
    facts["quota_bytes"] = _attr(dataset, "quota_bytes", 0)
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


# What the array gives a new project (C9; the project module's documentation says the same):
# check mode predicts a creation's result from it.
NEW_PROJECT_DEFAULTS = dict(compression="lz4", dedup=False, readonly=False, record_size="64KB")


def new_project_facts(name):
    """The facts of a project the array would create now, before the task's options apply."""
    facts = dict(NEW_PROJECT_DEFAULTS)
    facts["mount_point"] = "/export/%s" % name
    return facts


def project_facts(project, pool=None):
    """Stable snake_case view of a ProjectInfo (None: a project about to be created in ``pool``)."""
    facts = dict(name=_attr(project, "name"), pool=_attr(project, "pool") or pool,
                 path=_attr(project, "path") or "%s/Local/%s" % (pool, None))
    facts.update(property_facts(project))
    facts["nfs"] = _attr(project, "nfs")
    facts["smb"] = _attr(project, "smb")
    return facts


def share_facts(share):
    """Stable snake_case view of a ShareInfo (None: a share about to be created)."""
    facts = dict(name=_attr(share, "name"), project=_attr(share, "project"), pool=_attr(share, "pool"),
                 path=_attr(share, "path", "None/Local/None/None"))
    facts.update(property_facts(share))
    facts["reservation_bytes"] = _attr(share, "reservation_bytes", 0)
    facts["reservation"] = size_fact(facts["reservation_bytes"])
    facts["used_bytes"] = _attr(share, "used_bytes", 0)
    facts["available_bytes"] = _attr(share, "available_bytes", 0)
    facts["nfs"] = _attr(share, "nfs")
    facts["smb"] = _attr(share, "smb")
    facts["smb_name"] = _attr(share, "smb_name")
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
