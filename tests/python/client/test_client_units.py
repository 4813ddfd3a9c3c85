# SPDX-License-Identifier: Apache-2.0
"""Pure-logic tests of the client helpers: sizes, paths, ACL rules, errors, host parsing."""

import pickle

import pytest

from tegile_intelliflash.client import acl, errors, paths
from tegile_intelliflash.client.acl import NetworkRule, UserRule, diff_rules, normalize_host
from tegile_intelliflash.client.errors import (
    AlreadyExistsError, ApiError, BusyError, InUseError, InvalidArgumentError, NoSpaceError,
    NotAllowedError, NotFoundError, QuotaError,
)
from tegile_intelliflash.client.paths import (
    DatasetRef, parse_path, project_path, project_snapshot_name, share_path, share_snapshot_name,
    snapshot_path, validate_name,
)
from tegile_intelliflash.client.sizes import GiB, format_size, parse_size, to_gib_ceil
from tegile_intelliflash.client.transport import Secret, parse_host


# -- sizes -----------------------------------------------------------------------------------

@pytest.mark.parametrize("value,expected", [
    (1, 1), (4096, 4096), ("4096", 4096), ("512M", 512 * 1024 ** 2), ("10G", 10 * GiB),
    ("10GB", 10 * GiB), ("10GiB", 10 * GiB), ("10gib", 10 * GiB), ("1.5T", 1536 * GiB),
    ("100k", 102400), ("2P", 2 * 1024 ** 5), (" 7 g ", 7 * GiB), ("1b", 1), ("0.5K", 512),
    (2.0, 2), ("5 G", 5 * GiB), ("7E", 7 * 1024 ** 6), ("1EiB", 1024 ** 6),
    ("9223372036854775807", 2 ** 63 - 1), (2 ** 63 - 1, 2 ** 63 - 1), ("8191P", 8191 * 1024 ** 5),
])
def test_parse_size_accepts(value, expected):
    assert parse_size(value) == expected


@pytest.mark.parametrize("value,fragment", [
    (0, "greater than zero"), ("0G", "greater than zero"), (-1, "negative"),
    ("-5G", "negative"), ("1.3B", "whole number"), ("0.1K", "whole number"),
    ("10X", "not a size"), ("G", "not a size"), ("", "not a size"), (True, "must be a size"),
    (None, "must be a size"), ([1], "must be a size"), (float("nan"), "finite"),
    ("\uff11\uff10G", "not a size"), ("\u0661G", "not a size"),  # full-width / Arabic-Indic digits
    # C6: 2^63 bytes or more, typing accidents and exponent notation
    ("16E", "too large"), ("8E", "too large"), ("9223372036854775808", "too large"),
    (2 ** 63, "too large"), (1e30, "too large"), ("8192P", "too large"),
    ("1e", "reads as an exponent"), ("1e30", "exponent notation"), ("1.5E3", "exponent"),
    ("_5G", "not a size"), ("5_000G", "not a size"), ("5\tG", "not a size"),
    ("5  G", "not a size"), ("5\u00a0G", "not a size"), ("\t5G", "not a size"),
    ("9" * 5000, "not a size"),
    ("10G\n", "not a size"), ("5\n", "not a size"),  # "$" alone would match before a final newline
])
def test_parse_size_rejects_naming_the_field(value, fragment):
    with pytest.raises(InvalidArgumentError) as info:
        parse_size(value, field="quota")
    assert info.value.field == "quota"
    assert "quota" in str(info.value)
    assert fragment in str(info.value)
    assert info.value.code == "EZEBI_INVALID_ARGUMENT"


def test_parse_size_allow_zero():
    assert parse_size(0, allow_zero=True) == 0
    assert parse_size("0", allow_zero=True) == 0


@pytest.mark.parametrize("value,text", [
    (0, "0 B"), (512, "512 B"), (1024, "1 KiB"), (10 * GiB, "10 GiB"), (1536 * GiB, "1.50 TiB"),
    (GiB + 1, "1.00 GiB"), (3 * 1024 ** 5, "3 PiB"),
])
def test_format_size(value, text):
    assert format_size(value) == text


def test_to_gib_ceil():
    assert to_gib_ceil(0) == 0
    assert to_gib_ceil(1) == 1
    assert to_gib_ceil(GiB) == 1
    assert to_gib_ceil(GiB + 1) == 2
    with pytest.raises(InvalidArgumentError):
        to_gib_ceil("1G")


# -- paths -----------------------------------------------------------------------------------

def test_paths_build():
    assert project_path("pool-a", "p") == "pool-a/Local/p"
    assert share_path("pool-a", "p", "s") == "pool-a/Local/p/s"
    assert share_snapshot_name("x") == "Manual-S-x"
    assert project_snapshot_name("x") == "Manual-P-x"
    assert snapshot_path("pool-a/Local/p/s", "Manual-S-x") == "pool-a/Local/p/s@Manual-S-x"
    assert paths.dataset_path("pool-a", "p") == "pool-a/Local/p"
    assert paths.dataset_path("pool-a", "p", "s") == "pool-a/Local/p/s"
    assert paths.strip_snapshot_prefix("Manual-P-y") == "y"
    assert paths.strip_snapshot_prefix("hourly-1") == "hourly-1"


def test_parse_path_round_trip():
    assert parse_path("pool-a/Local/p/s@Manual-S-x") == DatasetRef(
        "pool-a", "Local", "p", "s", "Manual-S-x")
    assert parse_path("pool-a/Replica/p") == DatasetRef("pool-a", "Replica", "p", None, None)
    assert parse_path("pool-a") == DatasetRef("pool-a", None, None, None, None)
    assert parse_path("pool-a/Local/p@Manual-P-n") == DatasetRef(
        "pool-a", "Local", "p", None, "Manual-P-n")


@pytest.mark.parametrize("path", [
    "", "pool-a/Local", "pool-a/Other/p", "pool-a/Local/p/s/t", "pool-a//p",
    "pool-a/Local/p s", "pool-a@snap",
])
def test_parse_path_rejects(path):
    with pytest.raises(InvalidArgumentError):
        parse_path(path)


@pytest.mark.parametrize("name", [
    "", "a b", "a\tb", "a/b", "a@b", "a,b", "a:b", "a&b", "a\"b", "x" * 256, "a(b", "a;b", ".", "..",
])
def test_validate_name_rejects_and_names_field(name):
    with pytest.raises(InvalidArgumentError) as info:
        validate_name(name, "share")
    assert info.value.field == "share"
    assert str(info.value).startswith("EZEBI_INVALID_ARGUMENT: share")


@pytest.mark.parametrize("name,code_point", [
    ("a\u200bb", "U+200B"), ("share\u202egpj.exe", "U+202E"), ("\ufeffname", "U+FEFF"),
    ("na\u00adme", "U+00AD"), ("x\u2060y", "U+2060"), ("a\u0085b", "white space"),
    ("a\x00b", "U+0000"), ("a\x7fb", "U+007F"), ("a\u2066b", "U+2066"), ("a\ud800b", "U+D800"),
])
def test_validate_name_rejects_invisible_characters(name, code_point):
    """C5: control, format (zero-width, direction) and surrogate characters."""
    with pytest.raises(InvalidArgumentError) as info:
        validate_name(name, "share")
    assert info.value.field == "share"
    assert code_point in str(info.value)


@pytest.mark.parametrize("name", ["a", "share-1", "proj_1.x", "x" * 255, "share-6f1c",
                                  "caf\u00e9", "\u65e5\u672c"])
def test_validate_name_accepts(name):
    assert validate_name(name, "project") == name


def test_validate_name_rejects_non_string():
    with pytest.raises(InvalidArgumentError):
        validate_name(5, "project")


# -- ACL rules -------------------------------------------------------------------------------

@pytest.mark.parametrize("value,expected", [
    ("10.0.0.1", ("IP", "10.0.0.1")), ("10.0.0.1/32", ("IP", "10.0.0.1")),
    ("10.0.0.0/24", ("IP", "10.0.0.0/24")), ("FD00:0:0::5", ("IP", "fd00::5")),
    ("fd00::/64", ("IP", "fd00::/64")), ("fd00::5/128", ("IP", "fd00::5")),
    ("DB1.Example.COM", ("FQDN", "db1.example.com")), ("host.", ("FQDN", "host")),
    ("web", ("FQDN", "web")),
])
def test_normalize_host(value, expected):
    assert normalize_host(value) == expected


@pytest.mark.parametrize("value,fragment", [
    ("10.0.0.1/24", "host bits"), ("10.0.0.256", "not a valid IP"), ("10.0.0.0/33", "CIDR"),
    ("", "empty"), ("bad_host name", "white space"), ("-x.example.com", "not a valid"),
    ("fd00::zz", "not a valid IP"), (None, "must be"), ("fe80::1%eth0", "zone index"),
    ("fe80::1%2/128", "zone index"),
    # C15: RFC 1123 names only; IPv4 addresses in inet_aton notation are not names
    ("0x0a.0.0.1", "IPv4 address in another notation"), ("0x0a", "another notation"),
    ("a.b.0XFF", "another notation"), ("10.1", "not a valid IP"),
    ("a_b.example.com", "letters, digits and '-'"), ("\u212a.example.com", "not a valid"),
    ("caf\u00e9.example.com", "not a valid"), ("x" * 64 + ".example.com", "not a valid"),
    ("db1\n.example.com", "white space"),  # a label with a final newline is no label
    (" web ", "white space"), ("10.0.0.1\n", "white space"),  # C15: never stripped
    ("::ffff:10.0.0.1", "IPv4-mapped"), ("::ffff:10.0.0.0/120", "IPv4-mapped"),
])
def test_normalize_host_rejects(value, fragment):
    with pytest.raises(InvalidArgumentError) as info:
        normalize_host(value, field="clients[0]")
    assert info.value.field == "clients[0]"
    assert fragment in str(info.value)


def test_network_rule_value_object():
    a = NetworkRule("ip", "10.0.0.1/32", "RW")
    b = NetworkRule(None, "10.0.0.1", "rw", root=False)
    assert a == b and hash(a) == hash(b)
    assert a.key == ("IP", "10.0.0.1")
    assert a.to_wire() == {"hostType": "IP", "host": "10.0.0.1", "accessMode": "rw",
                           "rootAccessForNFS": False}
    assert NetworkRule.from_wire(a.to_wire()) == a
    assert a != a.replace(access="ro")
    with pytest.raises(AttributeError):
        a.access = "ro"
    assert len({a, b, a.replace(root=True)}) == 2


@pytest.mark.parametrize("kwargs,field", [
    (dict(host_type="FQDN", host="10.0.0.1", access="rw"), "host_type"),
    (dict(host_type="MAC", host="10.0.0.1", access="rw"), "host_type"),
    (dict(host_type="IP", host="10.0.0.1", access="full"), "access"),
    (dict(host_type="IP", host="10.0.0.1", access="rw", root="maybe"), "root"),
])
def test_network_rule_rejects(kwargs, field):
    with pytest.raises(InvalidArgumentError) as info:
        NetworkRule(**kwargs)
    assert info.value.field == field


def test_network_rule_coerce():
    assert NetworkRule.coerce({"host": "10.0.0.0/8"}) == NetworkRule("IP", "10.0.0.0/8", "rw")
    assert NetworkRule.coerce({"hostType": "FQDN", "host": "a.b", "accessMode": "ro"}) == \
        NetworkRule("FQDN", "a.b", "ro")
    with pytest.raises(InvalidArgumentError) as info:
        NetworkRule.coerce({"host": "10.0.0.1/8"}, field="rules[2]")
    assert info.value.field == "rules[2].host"


def test_user_rule_value_object_and_wire_form():
    alice = UserRule("user", "Alice", "rw")
    assert alice == UserRule("USER", "alice", "rw")
    assert alice.key == ("user", "alice")
    wire = alice.to_wire()
    assert wire == {
        "aclType": "user", "aclUser": "Alice", "aclGroup": "", "aclMode": "allow",
        "aclValDisplay": "modify_set", "aclVal": 1245631,
        "aclInheritanceFlag": "file_inherit,dir_inherit", "includeSubShares": False,
        "userId": -1, "groupId": -1,
    }
    ro = UserRule("group", "staff", "ro").to_wire()
    assert (ro["aclGroup"], ro["aclUser"], ro["aclValDisplay"], ro["aclVal"]) == \
        ("staff", "", "read_set", 131241)
    assert UserRule.from_wire(wire) == alice
    assert UserRule.from_wire(dict(ro, aclValDisplay="")) == UserRule("group", "staff", "ro")


@pytest.mark.parametrize("name, shown", [
    ("adm\u200bin", "U+200B"),          # zero-width space: passes for "admin"
    ("alice\u202e", "U+202E"),          # right-to-left override
    ("\ufeffbob", "U+FEFF"),            # byte order mark
    ("al\x85ice", "U+0085"),            # C1 control (next line)
])
def test_user_rule_refuses_invisible_characters(name, shown):
    # C31 takes C5's rule; the simulator refuses the same names (test_sim_access).
    with pytest.raises(InvalidArgumentError) as info:
        UserRule("user", name, "rw")
    assert info.value.field == "name"
    assert shown in str(info.value)


def test_user_rule_keeps_unknown_entries():
    raw = {"aclType": "user", "aclUser": "bob", "aclGroup": "", "aclMode": "deny",
           "aclValDisplay": "full_set", "aclVal": 7}
    rule = UserRule.from_wire(raw)
    assert rule.access == "deny:full_set"
    assert rule.to_wire() == raw


@pytest.mark.parametrize("kwargs,field", [
    (dict(kind="role", name="x", access="rw"), "kind"),
    (dict(kind="user", name="", access="rw"), "name"),
    (dict(kind="user", name=" alice", access="rw"), "name"),   # C31: never stripped
    (dict(kind="group", name="staff\n", access="rw"), "name"),
    (dict(kind="user", name="x", access="write"), "access"),
])
def test_user_rule_rejects(kwargs, field):
    with pytest.raises(InvalidArgumentError) as info:
        UserRule(**kwargs)
    assert info.value.field == field


def test_diff_rules_network():
    cur = [NetworkRule("IP", "10.0.0.1", "rw"), NetworkRule("IP", "10.0.0.2", "ro"),
           NetworkRule("FQDN", "a.example", "rw")]
    want = [NetworkRule("IP", "10.0.0.2", "rw"), NetworkRule("IP", "10.0.0.3", "ro"),
            NetworkRule("FQDN", "a.example", "rw")]
    add, remove, change = diff_rules(cur, want, purge=True)
    assert add == [NetworkRule("IP", "10.0.0.3", "ro")]
    assert remove == [NetworkRule("IP", "10.0.0.1", "rw")]
    assert change == [NetworkRule("IP", "10.0.0.2", "rw")]
    add, remove, change = diff_rules(cur, want, purge=False)
    assert remove == [] and len(add) == 1 and len(change) == 1
    assert diff_rules(want, want, purge=True) == ([], [], [])


def test_diff_rules_users_case_insensitive_and_duplicates():
    cur = [UserRule("user", "Alice", "rw")]
    assert diff_rules(cur, [UserRule("user", "alice", "rw")], True) == ([], [], [])
    with pytest.raises(InvalidArgumentError) as info:
        diff_rules(cur, [UserRule("user", "a", "rw"), UserRule("user", "A", "ro")], True)
    assert info.value.field == "rules"
    assert acl.same_rules([UserRule("group", "g", "ro"), UserRule("user", "u", "rw")],
                          [UserRule("user", "U", "rw"), UserRule("group", "G", "ro")])


# -- errors ----------------------------------------------------------------------------------

@pytest.mark.parametrize("code,cls", [
    ("EZEBI_RESOURCE_NOT_FOUND", NotFoundError), ("EZEBI_RESOURCE_EXIST", AlreadyExistsError),
    ("EZEBI_INVALID_ARGUMENT", InvalidArgumentError),
    ("EZEBI_INVALID_ACL_API_PARAM_GENERAL", InvalidArgumentError),
    ("EZEBI_INVALID_QUOTA_RESERVATION_VALUE", QuotaError), ("EZEBI_NOSPACE", NoSpaceError),
    ("EZEBI_NOMEMORY", NoSpaceError), ("EZEBI_RESOURCE_BUSY", BusyError),
    ("EZEBI_RESOURCE_SUSPENDED", BusyError), ("EZEBI_REQUEST_TIMEOUT", BusyError),
    ("EZEBI_RESOURCE_INUSE", InUseError), ("EZEBI_OPERATION_NOT_ALLOWED", NotAllowedError),
    ("EZEBI_PERMISSION_DENIED", NotAllowedError), ("EZEBI_GENERAL", ApiError),
    ("EZEBI_RESOURCE_CORRUPTED", ApiError), (None, ApiError),
])
def test_error_mapping(code, cls):
    exc = errors.api_error(code, "boom", method="getShare", dataset="pool-a/Local/p/s",
                           http_status=500)
    assert type(exc) is cls  # pylint: disable=unidiomatic-typecheck
    assert isinstance(exc, ApiError)
    assert exc.http_status == 500
    assert exc.code == (code or "EZEBI_GENERAL")
    assert str(exc) == "getShare pool-a/Local/p/s: %s: boom" % (code or "EZEBI_GENERAL")


def test_error_hierarchy():
    assert issubclass(QuotaError, InvalidArgumentError)
    assert issubclass(InUseError, BusyError)
    assert issubclass(errors.TLSVerificationError, errors.ConnectionFailedError)
    for cls in (errors.AuthenticationError, errors.ConnectionFailedError,
                errors.ArrayTimeoutError, errors.ProtocolError, ApiError):
        assert issubclass(cls, errors.IntelliFlashError)
        assert not issubclass(errors.AuthenticationError, ApiError)


def test_error_str_repr_and_pickle():
    exc = AlreadyExistsError("Share exists", method="createShare", dataset="pool-a/Local/p/s",
                             http_status=500)
    assert str(exc) == "createShare pool-a/Local/p/s: EZEBI_RESOURCE_EXIST: Share exists"
    assert repr(exc).startswith("AlreadyExistsError(")
    clone = pickle.loads(pickle.dumps(exc))
    assert type(clone) is AlreadyExistsError and str(clone) == str(exc)  # pylint: disable=unidiomatic-typecheck
    bare = errors.ConnectionFailedError("no route")
    assert str(bare) == "no route"


# -- host parsing and secrets ----------------------------------------------------------------

@pytest.mark.parametrize("host,port,expected", [
    ("array.example.com", None, ("array.example.com", 443)),
    ("10.0.0.5", None, ("10.0.0.5", 443)),
    ("fd00::5", None, ("fd00::5", 443)),
    ("[fd00::5]:8443", None, ("fd00::5", 8443)),
    ("host:8443", None, ("host", 8443)),
    ("host:8443", 9443, ("host", 9443)),
    ("https://host:8443/", None, ("host", 8443)),
    ("[FD00:0::5]", "444", ("fd00::5", 444)),
])
def test_parse_host(host, port, expected):
    assert parse_host(host, port) == expected


@pytest.mark.parametrize("host,port,field", [
    ("", None, "host"), ("http://x", None, "host"), ("host:abc", None, "host"),
    ("[fd00::5", None, "host"), ("a/b", None, "host"), ("h", 0, "port"), ("h", 70000, "port"),
    ("h", "x", "port"), ("user@h", None, "host"),
    # A query or a fragment would send the call (and its credentials) to another URL of the host
    # ("https://evil.example#array" is evil.example); an invisible character is no host name.
    ("https://host?x=1", None, "host"), ("array#frag", 8443, "host"), ("a\\b", None, "host"),
    ("host\x00x", None, "host"), ("arr\u200bay", None, "host"), ("h\u202eost", None, "host"),
])
def test_parse_host_rejects(host, port, field):
    with pytest.raises(InvalidArgumentError) as info:
        parse_host(host, port)
    assert info.value.field == field


@pytest.mark.parametrize("host", [
    "https://admin:0ther.Pw@array", "admin:0ther.Pw@array:8443", "0ther@array",
    "http://admin:0ther.Pw@array", "https://admin:0ther\n.Pw@array:99999",
    "https://admin:0ther%2EPw@array",
])
def test_parse_host_refuses_credentials_without_quoting_them(host):
    with pytest.raises(InvalidArgumentError) as info:
        parse_host(host)
    assert info.value.field == "host"
    assert "credentials do not belong in the host" in str(info.value)
    assert "0ther" not in str(info.value) and ".Pw" not in str(info.value)


@pytest.mark.parametrize("pool", ["pool\ud800", "pool\x00", "pool\u200b", "\u202epool"])
def test_pool_names_with_invisible_characters_are_refused(pool):
    with pytest.raises(InvalidArgumentError) as info:
        paths.validate_pool(pool)
    assert info.value.field == "pool" and "invisible character" in str(info.value)


def test_secret_never_shows():
    s = Secret("hunter2")
    assert "hunter2" not in repr(s) and "hunter2" not in str(s) and "hunter2" not in "%s" % s
    assert s.reveal() == "hunter2"
    with pytest.raises(TypeError):
        pickle.dumps(s)


def test_from_wire_is_lenient_but_coerce_is_strict():
    wild = {"hostType": "FQDN", "host": "*.Example.com", "accessMode": "rw",
            "rootAccessForNFS": False}
    rule = NetworkRule.from_wire(wild)
    assert rule.key == ("FQDN", "*.Example.com") and rule.to_wire() == wild
    with pytest.raises(InvalidArgumentError):
        NetworkRule.coerce(wild)
    owner = {"aclType": "owner@", "aclUser": "", "aclGroup": "", "aclMode": "allow",
             "aclValDisplay": "full_set", "aclVal": 2031103}
    entry = UserRule.from_wire(owner)
    assert entry.kind == "owner@" and entry.to_wire() == owner
    with pytest.raises(InvalidArgumentError):
        UserRule.coerce(owner)
    # Kept entries take part in diffs by identity.
    add, remove, change = diff_rules([entry, UserRule("user", "a", "rw")],
                                     [UserRule("user", "a", "rw")], purge=True)
    assert (add, remove, change) == ([], [entry], [])


def test_call_rejects_unencodable_arguments_before_sending():
    from tegile_intelliflash.client.api import IntelliFlashClient

    client = IntelliFlashClient("127.0.0.1", "admin", "pw", port=9, retry_budget=0)
    with client:
        with pytest.raises(InvalidArgumentError) as info:
            client.call("getShare", object())
        assert info.value.field == "args" and info.value.method == "getShare"
        with pytest.raises(InvalidArgumentError):
            client.call("getShare", float("nan"))
        # A lone surrogate is valid JSON ("\ud800") but no Unicode text (C1).
        with pytest.raises(InvalidArgumentError) as info:
            client.call("getFloatingIPList", "pool\ud800")
        assert info.value.field == "args"
        with pytest.raises(TypeError):
            client.call("getShare", "x", bogus=True)
    assert client.insecure is False and client.port == 9
    assert client.session.headers["User-Agent"].startswith("tegile-intelliflash/")
    t = IntelliFlashClient("h", "u", "p", timeout=5, user_agent="x/1")._transport
    assert t.timeout == (5.0, 5.0)
    assert t.session.headers["User-Agent"].endswith(" x/1")


@pytest.mark.parametrize("option, value", [
    ("timeout", float("nan")), ("timeout", float("inf")), ("timeout", (5, float("nan"))),
    ("timeout", (float("inf"), 5)), ("retry_budget", float("nan")), ("retry_budget", float("inf")),
    ("backoff", float("nan")), ("backoff_max", float("inf")),
])
def test_non_finite_seconds_are_refused_naming_the_option(option, value):
    """A NaN timeout failed every request with a socket error, an infinite one overflowed; a NaN
    retry budget never ran out."""
    from tegile_intelliflash.client.api import IntelliFlashClient

    with pytest.raises(InvalidArgumentError) as info:
        IntelliFlashClient("h", "u", "p", **{option: value})
    assert info.value.field == option


@pytest.mark.parametrize("address, nfs, smb", [
    ("192.0.2.10", "192.0.2.10:/export/p/s", "\\\\192.0.2.10\\data"),
    ("array.example.com", "array.example.com:/export/p/s", "\\\\array.example.com\\data"),
    ("fd00::10", "[fd00::10]:/export/p/s", "\\\\fd00--10.ipv6-literal.net\\data"),
    ("fe80::1%2", "[fe80::1%2]:/export/p/s", "\\\\fe80--1s2.ipv6-literal.net\\data"),
])
def test_export_location_forms(address, nfs, smb):
    assert paths.nfs_export(address, "/export/p/s") == nfs
    assert paths.smb_export(address, "data") == smb


def test_acl_lists_are_bounded():
    """C34: at most 1024 entries per ACL, refused before any call."""
    rules = [NetworkRule("IP", "10.0.%d.%d" % (i // 256, i % 256), "rw") for i in range(1025)]
    acl.check_size(rules[:1024])
    with pytest.raises(InvalidArgumentError) as info:
        acl.check_size(rules, "rules")
    assert info.value.field == "rules" and info.value.code == "EZEBI_INVALID_ACL_API_PARAM_GENERAL"
    assert "at most 1024" in str(info.value)
