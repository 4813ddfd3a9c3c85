# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Decision logic of access rules (private): ``tegile.intelliflash.share_access`` and the
``access_rules`` option of ``tegile.intelliflash.share``.

Nothing here talks to the array: the module reads the current rules, hands them
to ``plan_rules`` together with the wanted ones, and ``_array.converge_rules`` applies
the plan (the same reads, writes and verification for both modules).  Host
normalisation, the rule value objects and the diff itself come from the REST
client package (``client.acl``); this file only adds what the module's options
mean (rule types, purge, state) and which calls apply a plan with the fewest
writes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.tegile.intelliflash.plugins.module_utils.common import InputError
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.acl import (
    MAX_ACL_ENTRIES,
    NetworkRule,
    UserRule,
    diff_rules,
    normalize_host,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.errors import (
    InvalidArgumentError,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.paths import invisible_problem

NETWORK_TYPES = ("ip", "host")
USER_TYPES = ("user", "group")
RULE_TYPES = NETWORK_TYPES + USER_TYPES
# The rule ``type`` of a wire host type (NetworkACL_V2_1.hostType).
_RULE_TYPE = {"IP": "ip", "FQDN": "host"}


class RuleError(InputError):
    """A wanted rule (or combination of options) the module refuses; the text names the field."""


def rule_spec():
    """Argument spec of one entry of the ``rules`` option."""
    return dict(
        type=dict(type="str", required=True, choices=list(RULE_TYPES), aliases=["access_type"]),
        to=dict(type="str", required=True, aliases=["access_to"]),
        access_level=dict(type="str", default="rw", choices=["rw", "ro"]),
        root_access=dict(type="bool", default=False),
    )


def identity(rule):
    """What makes two rules "the same rule" (the access level is not part of it).

    The client's own identity (``rule.key``): (host type, host) for network rules,
    (kind, lower-cased name) for user and group rules.
    """
    return rule.key


def describe(rule):
    """Short human text of a rule for messages: ``ip 10.0.0.0/24`` or ``group staff``."""
    if isinstance(rule, NetworkRule):
        return "%s %s" % (_RULE_TYPE.get(rule.host_type, rule.host_type), rule.host)
    return "%s %s" % (rule.kind, rule.name)


def rule_to_dict(rule):
    """A rule as the module returns it (the same keys as the ``rules`` option)."""
    if isinstance(rule, NetworkRule):
        return dict(type=_RULE_TYPE.get(rule.host_type, rule.host_type.lower()), to=rule.host,
                    access_level=rule.access, root_access=bool(rule.root))
    return dict(type=rule.kind, to=rule.name, access_level=rule.access)


def _parse_rule(index, entry, protocol, share_level, option):
    field = "%s[%d]" % (option, index)
    kind = entry.get("type")
    value = entry.get("to")
    access = entry.get("access_level") or "rw"
    root = bool(entry.get("root_access"))
    if kind not in RULE_TYPES:
        raise RuleError("%s.type: %r is not one of %s" % (field, kind, ", ".join(RULE_TYPES)))
    if value is None or not str(value).strip():
        raise RuleError("%s.to: a %s rule needs a non-empty value" % (field, kind))
    value = str(value)  # taken as written (C15, C31), as the array takes it: never stripped
    if kind in NETWORK_TYPES:
        if protocol == "smb":
            raise RuleError(
                "%s: %s rules are not allowed on an SMB share: IP and host access rules are NFS-only "
                "(as in Manila); control SMB access with user and group rules (%s.type=user or group)"
                % (field, kind, field))
        try:
            host_type, host = normalize_host(value, "%s.to" % field)
        except InvalidArgumentError as exc:
            raise RuleError(getattr(exc, "message", None) or str(exc))
        if kind == "ip" and host_type != "IP":
            raise RuleError("%s.to: %r is not an IP address or CIDR network; use type=host for a host "
                            "name" % (field, value))
        return NetworkRule(host_type, host, access, root)
    if not share_level:
        raise RuleError(
            "%s: %s rules are share-only: they are the share's file ACL, and projects have none; "
            "set share to manage them, or use ip and host rules for a project" % (field, kind))
    if root:
        raise RuleError("%s.root_access: root access applies to ip and host rules only, not to %s "
                        "rules" % (field, kind))
    if value != value.strip():
        raise RuleError("%s.to: %r: white space around a %s name" % (field, value, kind))
    if any(ord(ch) < 32 for ch in value):
        raise RuleError("%s.to: %r is not a valid %s name (control characters)" % (field, value, kind))
    invisible = invisible_problem(value)
    if invisible:
        # C31 (C5's rule): the client refuses it too, but naming its own field ("name"), not the option.
        raise RuleError("%s.to: %r is not a valid %s name: it contains %s" % (field, value, kind, invisible))
    if "\\" in value:
        # The array's file ACLs name directory principals name@domain and refuse DOMAIN\\name (C31):
        # refuse it here, before any write, instead of after the network rules were applied.
        name = value.rpartition("\\")[2] or "name"
        raise RuleError("%s.to: %r: the array refuses DOMAIN\\name; write directory %ss as name@domain "
                        "(%s@<AD or LDAP domain>)" % (field, value, kind, name))
    return UserRule(kind, value, access)


def parse_rules(entries, protocol, share_level, option="rules"):
    """Validate a list of rules (the option ``option``); return the wanted rules as client value objects.

    ``protocol`` is ``nfs`` or ``smb`` (the share's), ``share_level`` false for a project.
    Raises ``RuleError`` naming the offending entry (``rules[N]...``), before any write.
    """
    wanted = []
    seen = {}
    for index, entry in enumerate(entries or []):
        rule = _parse_rule(index, entry or {}, protocol, share_level, option)
        key = identity(rule)
        if key in seen:
            raise RuleError("%s[%d]: duplicates %s[%d] (%s); each host, user or group may appear "
                            "once" % (option, index, option, seen[key], describe(rule)))
        seen[key] = index
        wanted.append(rule)
    for kind, rules in zip(("network (ip and host)", "user and group"), split_rules(wanted)):
        check_rule_count(rules, option, kind)
    return wanted


def check_rule_count(rules, option, kind):
    """Refuse (``RuleError`` naming ``option``) a list the array would refuse as too long (C34):
    one ACL, the network rules of a share or the file ACL, holds at most ``MAX_ACL_ENTRIES``."""
    if len(rules) > MAX_ACL_ENTRIES:
        raise RuleError("%s: %d %s rules; an ACL on the array holds at most %d"
                        % (option, len(rules), kind, MAX_ACL_ENTRIES))


def split_rules(rules):
    """(network rules, user rules) of a list of rules, order kept."""
    network = [rule for rule in rules if isinstance(rule, NetworkRule)]
    users = [rule for rule in rules if not isinstance(rule, NetworkRule)]
    return network, users


class RulePlan:
    """What to change in one rule list (the NFS network ACL, or the share's file ACL).

    ``add``: new rules; ``remove``: current rules to drop; ``change``: (current, wanted)
    pairs of the same identity with a different access level or root flag;
    ``final``: the list after the change (current order kept, additions last).
    ``replace``: the list on the array is not known to be the dataset's own (a share created by
    the task inherits its project's list; turning NFS sharing on or off clears it, C17): the plan
    is then one write of the whole list, even when ``final`` is empty.
    """

    def __init__(self, current, add, remove, change, replace=False):
        self.replace = replace
        self.current = list(current)
        self.add = list(add)
        self.remove = list(remove)
        self.change = list(change)
        removed = set(identity(rule) for rule in self.remove)
        replaced = dict((identity(old), new) for old, new in self.change)
        final = []
        for rule in self.current:
            key = identity(rule)
            if key in removed:
                continue
            final.append(replaced.get(key, rule))
        final.extend(self.add)
        self.final = final

    @property
    def changed(self):
        return bool(self.replace or self.add or self.remove or self.change)

    @property
    def count(self):
        """How many rules differ."""
        return len(self.add) + len(self.remove) + len(self.change)

    def before_after(self):
        """(before, after) lists of exactly the rules that change, as dicts, for --diff."""
        before = [rule_to_dict(rule) for rule in self.remove]
        before.extend(rule_to_dict(old) for old, _new in self.change)
        after = [rule_to_dict(new) for _old, new in self.change]
        after.extend(rule_to_dict(rule) for rule in self.add)
        return before, after

    def network_actions(self, purge=False, inherited=False):
        """The calls that apply a network ACL plan, in order.

        A list of ``("add", rule)`` and ``("remove", rule)``, one per rule added or removed: these
        calls change one entry and keep whatever another writer did to the others, so concurrent
        tasks that each add rules all keep theirs. Adds come first, so the list is never empty in
        between (an NFS share with no rule is open to every host). A changed access level or root
        flag, and a purge of more than one rule, is ``[("set", final_list)]``: one call that
        replaces the whole list (remove-then-add would leave the host without access in between).
        ``inherited``: the share follows its project's list, copied by a per-rule call (C16): a purge is one set.
        ``[]`` when nothing changes.
        """
        if not self.changed:
            return []
        if self.replace or self.change or (purge and (self.count > 1 or inherited)):
            return [("set", self.final)]
        return [("add", rule) for rule in self.add] + [("remove", rule) for rule in self.remove]


def _pairs(current, changed):
    """Pair each wanted rule of diff_rules' ``to_change`` with the current rule it replaces."""
    by_key = dict((identity(rule), rule) for rule in current)
    return [(by_key[identity(new)], new) for new in changed]


def plan_rules(current, wanted, purge=False, state="present", replace=False):
    """Plan one rule list.

    ``state=present``: add what is missing and change the level of rules that differ;
    with ``purge`` also remove current rules not wanted (the list becomes exactly
    ``wanted``).  ``state=absent``: remove the current rules whose identity is
    wanted (their level does not matter).  ``wanted=None`` means "no opinion": no change.
    ``replace``: ``current`` is unknown (see ``RulePlan``): the list is written whole, as ``wanted``.
    """
    current = list(current or [])
    if wanted is None:
        return RulePlan(current, [], [], [])
    if replace:
        return RulePlan([], list(wanted), [], [], replace=True)
    if state == "absent":
        unwanted = set(identity(rule) for rule in wanted)
        return RulePlan(current, [], [rule for rule in current if identity(rule) in unwanted], [])
    to_add, to_remove, to_change = diff_rules(current, list(wanted), purge)
    return RulePlan(current, to_add, to_remove, _pairs(current, to_change))


def current_user_rules(share):
    """The file ACL of a share (a ShareInfo) as UserRule objects.

    Read from the share already fetched, so the module needs one getShare (the client's
    ``get_user_acls`` would read the share again).
    """
    return share.user_acls


def share_protocol(share, requested=None):
    """The protocol whose rules the module manages on a share (a ShareInfo).

    The ``protocol`` option wins; otherwise see ``protocol_of``.
    """
    if requested:
        return requested
    return protocol_of(bool(share.nfs), bool(share.smb))


def protocol_of(nfs, smb):
    """``smb`` for a share exported over SMB and not over NFS; ``nfs`` for every other share (NFS
    on, both on, or not exported yet). None when that cannot be told: a sharing state of None is
    not known yet (the share's project decides it when the share is created)."""
    if nfs or smb is False:
        return "nfs"
    if nfs is False and smb:
        return "smb"
    return None


def sharing_after(wanted, current):
    """(nfs, smb) of a share as a task leaves it: ``wanted`` the options (None: left as it is),
    ``current`` the (nfs, smb) the share has (or, for a share about to be created, inherits from
    its project)."""
    return tuple(bool(have) if want is None else want for want, have in zip(wanted, current))


def rules_result(*plans):
    """The rules the plans leave, as the modules return them (network rules first)."""
    return [rule_to_dict(rule) for plan in plans for rule in plan.final or []]


def describe_plans(*plans):
    """What the plans still have to do, for messages: ``add or change ip 10.0.0.1; remove none``."""
    before, after = [], []
    for plan in plans:
        old, new = plan.before_after()
        before.extend(old)
        after.extend(new)

    def text(rules):
        return ", ".join("%s %s" % (rule["type"], rule["to"]) for rule in rules) or "none"

    return "add or change %s; remove %s" % (text(after), text(before))


def nfs_warning(dataset, share_level, nfs_on, rules):
    """The warning owed after the NFS network rules of ``dataset`` were changed, or None.

    What the array does with them that an admin may not expect (C16, C17): no rule left opens an
    NFS export to every host; the rules of a share not exported over NFS are cleared when NFS is
    turned on. ``rules`` is the list as the change leaves it.
    """
    if not share_level:  # project level: its shares that inherit the list now have none
        if not rules:
            return ("%s has no NFS network rule left: its NFS-shared shares that inherit the project's rules "
                    "are exported to every host, read-write" % dataset)
        return None
    if not nfs_on:
        return ("%s is not exported over NFS: its NFS network rules are stored, but turning NFS sharing on "
                "later clears them (array behaviour); apply the rules after turning NFS on" % dataset)
    if not rules:
        return "%s has no NFS network rule left: the array exports it to every host, read-write" % dataset
    return None
