# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Access rules: network (host) ACLs (C15) and file/user ACLs (C18), normalised and diffed."""

import ipaddress
import re

from .errors import InvalidArgumentError, invalid_argument
from .paths import invisible_problem

IP = "IP"
FQDN = "FQDN"
HOST_TYPES = (IP, FQDN)
ACCESS_MODES = ("rw", "ro")
USER = "user"
GROUP = "group"
USER_KINDS = (USER, GROUP)

# C18: the wire form of a user/group file-ACL entry.
ACL_VAL_RO = 0x000200A9       # read_set
ACL_VAL_RW = 0x001301BF       # modify_set
ACL_DISPLAY = {"ro": "read_set", "rw": "modify_set"}
ACL_DISPLAY_TO_ACCESS = {"read_set": "ro", "modify_set": "rw"}
ACL_VAL_TO_ACCESS = {ACL_VAL_RO: "ro", ACL_VAL_RW: "rw"}
ACL_VALUES = {"ro": ACL_VAL_RO, "rw": ACL_VAL_RW}
ACL_INHERITANCE = "file_inherit,dir_inherit"

# C15: RFC 1123 host name labels (letters, digits, "-"; no "_"), checked after lower-casing
# an ASCII-only name (str.lower() maps some non-ASCII letters to ASCII: KELVIN SIGN -> "k").
_LABEL_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_LOOKS_NUMERIC_RE = re.compile(r"^[0-9.]+$")
# A last label of digits or 0x-hex makes the name an IPv4 address in inet_aton notation
# (0x0a.0.0.1, 10.1, 0x0a): refused, the address belongs in an IP entry.
_NUMERIC_LABEL_RE = re.compile(r"^(?:[0-9]+|0x[0-9a-f]*)$")


def normalize_host(value, field="host"):
    """``(host_type, host)`` for an address, a CIDR network or a host name.

    ``10.0.0.1/32`` -> ``("IP", "10.0.0.1")``; ``10.0.0.0/24`` -> ``("IP", "10.0.0.0/24")``;
    IPv6 compressed; names lower-cased (``("FQDN", "db1.example.com")``). A network with host
    bits set or an invalid address/name raises InvalidArgumentError naming ``field``.
    """
    if not isinstance(value, str):
        raise invalid_argument(field, "must be an IP address, a CIDR network or a host name, "
                                      "got %r" % (value,))
    text = value  # C15: taken as written, as the array takes it (never stripped)
    if not text or any(ch.isspace() for ch in text):
        raise invalid_argument(field, "%r: white space is not part of a host" % value if text
                               else "must not be empty")
    if "%" in text:
        # ipaddress accepts scoped IPv6 (fe80::1%eth0); a zone is local to one host and means
        # nothing in an export rule.
        raise invalid_argument(field, "%r: an IPv6 zone index (%%...) has no meaning in an access "
                                      "rule" % value)
    try:  # C15: ::ffff:10.0.0.1 is the IPv4 host 10.0.0.1 in another notation
        if ipaddress.ip_interface(text).ip.ipv4_mapped is not None:
            raise invalid_argument(field, "%r is IPv4-mapped: write the IPv4 address" % value)
    except (ValueError, AttributeError):  # not an IPv6 address or network: checked below
        pass
    if "/" in text:
        try:
            net = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise invalid_argument(field, "%r is not a valid CIDR network" % value)
        try:
            ipaddress.ip_network(text, strict=True)
        except ValueError:
            raise invalid_argument(field, "%r has host bits set; did you mean %s?"
                                   % (value, net.with_prefixlen))
        if net.prefixlen == net.max_prefixlen:
            return IP, str(net.network_address)
        return IP, net.with_prefixlen
    try:
        return IP, str(ipaddress.ip_address(text))
    except ValueError:
        pass
    if ":" in text or _LOOKS_NUMERIC_RE.fullmatch(text):
        raise invalid_argument(field, "%r is not a valid IP address" % value)
    name = text.lower() if all(ord(ch) < 128 for ch in text) else text
    if name.endswith("."):
        name = name[:-1]
    labels = name.split(".")
    if len(name) > 253 or not all(_LABEL_RE.fullmatch(label) for label in labels):
        raise invalid_argument(field, "%r is not a valid IP address, CIDR network or host name "
                                      "(host names: letters, digits and '-')" % value)
    if _NUMERIC_LABEL_RE.fullmatch(labels[-1]):
        raise invalid_argument(field, "%r looks like an IPv4 address in another notation; write "
                                      "the address in dotted-decimal form" % value)
    return FQDN, name


def _normalize_access(value, field):
    if not isinstance(value, str) or value.strip().lower() not in ACCESS_MODES:
        raise invalid_argument(field, "must be 'rw' or 'ro', got %r" % (value,))
    return value.strip().lower()


def _normalize_bool(value, field):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise invalid_argument(field, "must be a boolean, got %r" % (value,))


class _Rule(object):
    """Rules are values: equal, hashed and ordered by ``_tuple()`` (what the array compares),
    and a rule of one kind never equals a rule of the other."""

    def _tuple(self):
        raise NotImplementedError()

    def __eq__(self, other):
        return type(other) is type(self) and self._tuple() == other._tuple()

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((type(self).__name__,) + self._tuple())

    def __lt__(self, other):
        return self._tuple() < other._tuple()


class NetworkRule(_Rule):
    """A host-based (network) ACL entry: identity (host_type, host); value access and root.

    ``host_type`` may be None to detect it from ``host``. Hosts are normalised (normalize_host).
    """

    __slots__ = ("host_type", "host", "access", "root")

    def __init__(self, host_type, host, access, root=False):
        detected_type, norm_host = normalize_host(host, "host")
        if host_type is None or host_type == "":
            host_type = detected_type
        elif not isinstance(host_type, str) or host_type.strip().upper() not in HOST_TYPES:
            raise invalid_argument("host_type", "must be 'IP' or 'FQDN', got %r" % (host_type,))
        else:
            host_type = host_type.strip().upper()
            if host_type != detected_type:
                raise invalid_argument("host_type", "%r is a %s, not a %s"
                                       % (host, detected_type, host_type))
        object.__setattr__(self, "host_type", host_type)
        object.__setattr__(self, "host", norm_host)
        object.__setattr__(self, "access", _normalize_access(access, "access"))
        object.__setattr__(self, "root", _normalize_bool(root, "root"))

    def __setattr__(self, name, value):
        raise AttributeError("NetworkRule is immutable")

    @property
    def key(self):
        """Identity of the entry: (host_type, host)."""
        return (self.host_type, self.host)

    def _tuple(self):
        return (self.host_type, self.host, self.access, self.root)

    def __repr__(self):
        return "NetworkRule(%r, %r, %r, root=%r)" % self._tuple()

    def replace(self, **changes):
        values = {"host_type": self.host_type, "host": self.host, "access": self.access,
                  "root": self.root}
        values.update(changes)
        return NetworkRule(**values)

    def to_wire(self):
        """NetworkACL_V2_1 (C15)."""
        return {"hostType": self.host_type, "host": self.host, "accessMode": self.access,
                "rootAccessForNFS": self.root}

    def to_dict(self):
        """Plain snake_case dict (for module results)."""
        return {"host_type": self.host_type, "host": self.host, "access": self.access,
                "root": self.root}

    @classmethod
    def from_wire(cls, data, strict=False):
        """From a NetworkACL_V2_1 dict as the array returns it.

        Not ``strict``: an entry the array holds but this client would not accept (e.g. a
        wildcard host name set through the GUI) is kept as it is, so that reading never fails
        and writing the list back preserves it.
        """
        if isinstance(data, NetworkRule):
            return data
        if not isinstance(data, dict):
            raise invalid_argument("rule", "must be a dict, got %r" % (data,))
        root = data.get("rootAccessForNFS", False) or False
        try:
            return cls(data.get("hostType"), data.get("host"), data.get("accessMode"), root)
        except InvalidArgumentError:
            if strict:
                raise
        rule = object.__new__(cls)
        for name, value in (("host_type", str(data.get("hostType") or "")),
                            ("host", str(data.get("host") or "").strip()),
                            ("access", str(data.get("accessMode") or "")),
                            ("root", root is True or str(root).lower() == "true")):
            object.__setattr__(rule, name, value)
        return rule

    @classmethod
    def coerce(cls, value, field="rule"):
        """A NetworkRule from a NetworkRule, a wire dict (camelCase) or a snake_case dict
        with ``host`` (required), ``access`` (default ``rw``), ``host_type``, ``root``."""
        if isinstance(value, NetworkRule):
            return value
        if not isinstance(value, dict):
            raise invalid_argument(field, "must be a dict with host/access, got %r" % (value,))
        try:
            if "hostType" in value or "accessMode" in value:
                return cls.from_wire(value, strict=True)
            return cls(value.get("host_type"), value.get("host"), value.get("access", "rw"),
                       value.get("root", False))
        except Exception as exc:  # re-label the field
            if getattr(exc, "field", None):
                exc.message = "%s.%s" % (field, exc.message)
                exc.field = "%s.%s" % (field, exc.field)
            raise


class UserRule(_Rule):
    """A user/group file-ACL entry (C18): identity (kind, lower-cased name); value access.

    Entries read from the array that are not a plain allow ``read_set``/``modify_set`` keep
    their wire form in ``raw`` and get ``access`` = the raw ``aclValDisplay``; they are
    written back unchanged.
    """

    __slots__ = ("kind", "name", "access", "raw")

    def __init__(self, kind, name, access, raw=None):
        if not isinstance(kind, str) or kind.strip().lower() not in USER_KINDS:
            raise invalid_argument("kind", "must be 'user' or 'group', got %r" % (kind,))
        if not isinstance(name, str) or not name.strip():
            raise invalid_argument("name", "must be a non-empty user or group name, got %r"
                                   % (name,))
        if name != name.strip():  # C31: taken as written, as the array takes it
            raise invalid_argument("name", "%r: white space around the name" % (name,))
        invisible = invisible_problem(name)
        if invisible:
            # C31 takes C5's rule: an invisible character makes a principal impossible to type
            # and lets one pass for another (U+200B in "admin" is not "admin").
            raise invalid_argument("name", "%r is not a valid user or group name: it contains %s"
                                   % (name, invisible))
        if raw is None:
            access = _normalize_access(access, "access")
        object.__setattr__(self, "kind", kind.strip().lower())
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "access", access)
        object.__setattr__(self, "raw", dict(raw) if raw is not None else None)

    def __setattr__(self, name, value):
        raise AttributeError("UserRule is immutable")

    @property
    def key(self):
        """Identity of the entry: (kind, lower-cased name)."""
        return (self.kind, self.name.lower())

    def _tuple(self):
        return (self.kind, self.name.lower(), self.access)

    def __repr__(self):
        return "UserRule(%r, %r, %r)" % (self.kind, self.name, self.access)

    def to_wire(self):
        """UserACL_V2_1 entry (C18)."""
        if self.raw is not None and self.access not in ACCESS_MODES:
            return dict(self.raw)
        return {
            "aclType": self.kind,
            "aclUser": self.name if self.kind == USER else "",
            "aclGroup": self.name if self.kind == GROUP else "",
            "aclMode": "allow",
            "aclValDisplay": ACL_DISPLAY[self.access],
            "aclVal": ACL_VALUES[self.access],
            "aclInheritanceFlag": ACL_INHERITANCE,
            "includeSubShares": False,
            "userId": -1,
            "groupId": -1,
        }

    def to_dict(self):
        return {"kind": self.kind, "name": self.name, "access": self.access}

    @classmethod
    def from_wire(cls, data, strict=False):
        """From a UserACL_V2_1 dict as the array returns it.

        Entries that are not a plain allow ``read_set``/``modify_set`` for a named user or
        group (e.g. ``owner@``/``everyone@`` entries, deny entries, other permission sets) keep
        their wire form in ``raw`` unless ``strict`` (then they raise InvalidArgumentError).
        """
        if isinstance(data, UserRule):
            return data
        if not isinstance(data, dict):
            raise invalid_argument("rule", "must be a dict, got %r" % (data,))
        kind = str(data.get("aclType") or "").strip().lower()
        name = data.get("aclGroup") if kind == GROUP else data.get("aclUser")
        display = str(data.get("aclValDisplay") or "").strip().lower()
        access = ACL_DISPLAY_TO_ACCESS.get(display)
        if access is None:
            access = ACL_VAL_TO_ACCESS.get(data.get("aclVal"))
        mode = str(data.get("aclMode") or "allow").strip().lower()
        plain = access is not None and mode == "allow"
        try:
            if plain:
                return cls(kind, name, access)
            if strict:
                raise invalid_argument("rule", "only allow entries with read_set or "
                                               "modify_set are supported, got %r" % (data,))
            return cls(kind, name, (mode + ":" + display) if display else mode, raw=data)
        except InvalidArgumentError:
            if strict:
                raise
        rule = object.__new__(cls)
        for attr, value in (("kind", kind), ("name", str(name or "")),
                            ("access", (mode + ":" + display) if display else mode),
                            ("raw", dict(data))):
            object.__setattr__(rule, attr, value)
        return rule

    @classmethod
    def coerce(cls, value, field="rule"):
        """A UserRule from a UserRule, a wire dict or ``{"kind", "name", "access"}``."""
        if isinstance(value, UserRule):
            return value
        if not isinstance(value, dict):
            raise invalid_argument(field, "must be a dict with kind/name/access, got %r"
                                   % (value,))
        if "aclType" in value:
            return cls.from_wire(value, strict=True)
        return cls(value.get("kind", USER), value.get("name"), value.get("access", "rw"))


def _index(rules, field):
    index = {}
    for rule in rules:
        if rule.key in index:
            raise invalid_argument(field, "duplicate entry for %s %s" % rule.key)
        index[rule.key] = rule
    return index


# C34: an ACL (a network ACL list per dataset and protocol, a share's file ACL) holds at most
# this many entries on the array; a longer list is refused before any call.
MAX_ACL_ENTRIES = 1024


def check_size(rules, field="rules"):
    """Refuse (InvalidArgumentError naming ``field``) a list longer than MAX_ACL_ENTRIES."""
    if len(rules) > MAX_ACL_ENTRIES:
        raise invalid_argument(field, "%d entries: an ACL holds at most %d"
                               % (len(rules), MAX_ACL_ENTRIES),
                               code="EZEBI_INVALID_ACL_API_PARAM_GENERAL")


def find_duplicates(rules):
    """Identities that occur more than once in ``rules``."""
    seen, dups = set(), []
    for rule in rules:
        if rule.key in seen and rule.key not in dups:
            dups.append(rule.key)
        seen.add(rule.key)
    return dups


def diff_rules(current, wanted, purge):
    """``(to_add, to_remove, to_change)`` turning ``current`` into ``wanted``.

    Works on NetworkRule or UserRule lists; identity is the rule's ``key``. ``to_change`` holds
    the *wanted* version of rules whose identity exists with another value. Rules of
    ``current`` missing from ``wanted`` are in ``to_remove`` only when ``purge``. Duplicate
    identities in ``wanted`` raise InvalidArgumentError (field ``rules``).
    """
    current = list(current)
    wanted = list(wanted)
    want = _index(wanted, "rules")
    have = {}
    for rule in current:
        have.setdefault(rule.key, rule)
    to_add = [r for r in wanted if r.key not in have]
    to_change = [r for r in wanted if r.key in have and have[r.key] != r]
    to_remove = []
    if purge:
        seen = set()
        for rule in current:
            if rule.key not in want and rule.key not in seen:
                to_remove.append(rule)
                seen.add(rule.key)
    return to_add, to_remove, to_change


def same_rules(first, second):
    """True when two rule lists hold the same rules (order ignored)."""
    return sorted(first, key=lambda r: r._tuple()) == sorted(second, key=lambda r: r._tuple())
