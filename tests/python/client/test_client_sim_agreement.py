# SPDX-License-Identifier: Apache-2.0
"""Property tests: the client's validators and the simulator, two independent implementations
of docs/protocol-choices.md, accept and refuse the same names (C5, case-sensitive), SMB names
(C17), byte sizes (C1, C6) and hosts (C15). The simulator is driven over HTTPS with raw requests (the client would refuse
before sending); the client's validators run side by side on the same input."""

import json

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from client_helpers import make_client, unique
from tegile_intelliflash.client import paths
from tegile_intelliflash.client.acl import UserRule, normalize_host
from tegile_intelliflash.client.errors import InvalidArgumentError
from tegile_intelliflash.client.paths import project_ref, share_ref, validate_name
from tegile_intelliflash.client.sizes import parse_optional_size

# Deterministic (CI runs the same examples every time) and no example database in the tree.
AGREEMENT = settings(max_examples=100, deadline=None, derandomize=True, database=None,
                     suppress_health_check=[HealthCheck.too_slow])

# Characters each rule cares about, mixed with ordinary ones.
_NAME_CHARS = (list("abcXYZ019-_.") + list(",/\\!?@<>#$'%^*()~+=}|:{[];\"&") +
               [" ", "\t", "\n", "\x00", "\x1f", "\x7f", "\x85", "\x9f", "\xa0", "\u00ad",
                "\u200b", "\u200d", "\u202e", "\u2066", "\ufeff", "\u00e9", "\u65e5",
                "\ud800", "\u2028", "\u3000", "\U0001f600", "\U000e0001"])
NAMES = st.one_of(
    st.text(alphabet=st.sampled_from(_NAME_CHARS), max_size=8),
    st.text(max_size=6),
    st.sampled_from(["x" * 255, "x" * 256, ".", "..", "...", "a.b", "\u00e9" * 255]),
)
SIZES = st.one_of(
    st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
    st.sampled_from([0, 1, 2 ** 63 - 1, 2 ** 63, 2 ** 64, -2, 2 ** 63 - 1024]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.from_regex(r"\A ?[+-]?[0-9]{1,22} ?\Z"),
).filter(lambda value: not _is_minus_one(value))
_HOST_CHARS = list("abcxyzAF019.-_:/% ") + ["\u212a", "\u00e9", "\t", "\u0661"]
HOSTS = st.one_of(
    st.text(alphabet=st.sampled_from(_HOST_CHARS), min_size=1, max_size=16),
    st.ip_addresses().map(str),
    st.tuples(st.ip_addresses(v=4), st.integers(0, 32)).map(lambda t: "%s/%d" % t),
    st.tuples(st.ip_addresses(v=6), st.integers(0, 128)).map(lambda t: "%s/%d" % t),
    st.lists(st.sampled_from(["0x0a", "10", "1", "a", "db-1", "0xg", "x1", "a_b", "-a", ""]),
             min_size=1, max_size=4).map(".".join),
    st.sampled_from(["a" * 63 + ".com", "a" * 64 + ".com", ".".join(["a" * 63] * 4),
                     ".".join(["a" * 61] * 4) + ".", "fe80::1%eth0", "localhost.",
                     "::ffff:10.0.0.1", " 10.0.0.1", "db1.example.com\n"]),
)


def _is_minus_one(value):
    """-1 is the wire's "no limit" (C7); the client spells it 0 or none, not -1."""
    if isinstance(value, str):
        return value.strip(" ").lstrip("+-").lstrip("0") == "1" and "-" in value
    return value == -1


class Raw:
    """Calls the simulator's v2 service directly; returns (ok, error code)."""

    def __init__(self, sim):
        self.sim = sim
        self.session = requests.Session()

    def __call__(self, method, *args):
        resp = self.session.post("%s/zebi/api/v2/%s" % (self.sim.url, method),
                                 data=json.dumps(list(args)),
                                 auth=(self.sim.user, self.sim.password),
                                 verify=self.sim.ca_path, timeout=30)
        if resp.status_code == 200:
            return True, None
        assert resp.status_code == 500, resp.text
        return False, resp.json()["code"]


@pytest.fixture(scope="module")
def raw(sim):
    caller = Raw(sim)
    yield caller
    caller.session.close()


@pytest.fixture(scope="module")
def place(raw):
    """A project and a share of its own: (project, share path)."""
    project = unique("agree")
    assert raw("createProject", {"poolName": "pool-a", "projectName": project})[0]
    assert raw("createShare", "pool-a", project, "s1", {}, [])[0]
    yield project, "pool-a/Local/%s/s1" % project
    raw("deleteShare", "pool-a/Local/%s/s1" % project, True, False)
    for _ignored in range(2):  # shares a failing example may have left
        raw("deleteProject", "pool-a/Local/%s" % project)


def _client_accepts(func, *args):
    try:
        return True, func(*args)
    except InvalidArgumentError:
        return False, None


@AGREEMENT
@given(name=NAMES)
def test_names_agree(raw, place, name):
    project, _share = place
    client_ok, _value = _client_accepts(validate_name, name, "share")
    sim_ok, code = raw("createShare", "pool-a", project, name, {}, [])
    if sim_ok:
        raw("deleteShare", "pool-a/Local/%s/%s" % (project, name), True, False)
    else:
        assert code == "EZEBI_INVALID_ARGUMENT", (name, code)
    assert client_ok == sim_ok, (name, code)


@AGREEMENT
@given(size=SIZES)
def test_byte_sizes_agree(raw, sim, place, size):
    _project, share = place
    client_ok, nbytes = _client_accepts(parse_optional_size, size, "quota")
    sim_ok, code = raw("modifyShareProperties", share, {"quotaInByte": size})
    assert client_ok == sim_ok, (size, nbytes, code)
    if sim_ok:
        reply = requests.post(sim.url + "/zebi/api/v2/getShare", data=json.dumps([share]),
                              auth=(sim.user, sim.password), verify=sim.ca_path, timeout=30)
        assert reply.json()["quotaInByte"] == nbytes
    else:
        assert code == "EZEBI_INVALID_QUOTA_RESERVATION_VALUE", (size, code)


@AGREEMENT
@given(host=HOSTS)
def test_hosts_agree(raw, place, host):
    _project, share = place
    client_ok, detected = _client_accepts(normalize_host, host)
    if client_ok:
        host_type, wire_host = detected
        # The host as given, not the client's normal form: the client may not accept more.
        sim_ok, code = raw("addNFSNetworkACLOnShare", share, host_type, host, "rw", False)
        assert sim_ok, (host, detected, code)
        assert raw("removeNFSNetworkACLOnShare", share, host_type, wire_host)[0]
        return
    for host_type in ("IP", "FQDN"):
        sim_ok, code = raw("addNFSNetworkACLOnShare", share, host_type, host, "rw", False)
        if sim_ok:
            raw("removeAllNFSNetworkACLsOnShare", share)
        assert not sim_ok, (host, host_type)
        assert code == "EZEBI_INVALID_ACL_API_PARAM_GENERAL", (host, code)


@AGREEMENT
@given(name=NAMES.filter(bool))
def test_smb_names_agree(raw, place, name):
    _project, share = place
    client_ok = paths.smb_name_problem(name) is None
    sim_ok, code = raw("setSMBSharingOnShare", share, True, name, False)
    if not sim_ok and code == "EZEBI_RESOURCE_EXIST":  # valid, but another share's name (C27)
        sim_ok = True
    assert client_ok == sim_ok, (name, code)
    if not sim_ok:
        assert code == "EZEBI_INVALID_WINDOWS_DISPLAY_NAME", (name, code)


# C15 edge cases, each refused by both sides naming the field, or accepted by both.
HOST_EDGES = [
    (" 10.0.0.1", False), ("10.0.0.1\n", False), ("\tdb1.example.com", False),
    ("db1.example.com ", False), ("10.0.0.0/24 ", False),
    ("::ffff:10.0.0.1", False), ("::FFFF:0A00:1", False), ("::ffff:10.0.0.0/120", False),
    ("::ffff:0:0/96", False), ("::ffff:0.0.0.0/104", False),
    ("::/0", True), ("::10.0.0.1", True), ("::fffe:a00:1", True), ("10.0.0.1", True),
    ("2001:db8::/32", True), ("db1.example.com", True),
]


@pytest.mark.parametrize("host, accepted", HOST_EDGES)
def test_host_edges_agree(raw, place, host, accepted):
    _project, share = place
    try:
        host_type = normalize_host(host)[0]
    except InvalidArgumentError as exc:
        assert not accepted, (host, str(exc))
        assert exc.field == "host", exc.field
        host_type = "IP" if ":" in host or host.strip()[:1].isdigit() else "FQDN"
    else:
        assert accepted, host
    sim_ok, code = raw("addNFSNetworkACLOnShare", share, host_type, host, "rw", False)
    raw("removeAllNFSNetworkACLsOnShare", share)
    assert sim_ok == accepted, (host, code)
    if not accepted:
        assert code == "EZEBI_INVALID_ACL_API_PARAM_GENERAL", (host, code)


def test_names_differing_in_case_are_two_datasets(sim):
    """C5: names are case-sensitive on both sides, as ZFS dataset names are."""
    project = unique("Case")
    with make_client(sim) as client:
        client.create_project(project_ref("pool-a", project))
        client.create_project(project_ref("pool-a", project.lower()))
        try:
            for name in ("Data", "data"):
                client.create_share(share_ref("pool-a", project, name), quota="1G")
            upper, lower = (client.get_share(share_ref("pool-a", project, name))
                            for name in ("Data", "data"))
            assert (upper.name, lower.name) == ("Data", "data")
            assert upper.mount_point != lower.mount_point
            assert sorted(s.name for s in client.list_shares(project_ref("pool-a", project))) \
                == ["Data", "data"]
            client.create_snapshot(share_ref("pool-a", project, "Data"), "Nightly")
            client.create_snapshot(share_ref("pool-a", project, "Data"), "nightly")
            found = client.find_snapshots(share_ref("pool-a", project, "Data"),
                                          ["Manual-S-nightly"])
            assert [snap.full_name for snap in found] == ["Manual-S-nightly"]
            client.delete_share(share_ref("pool-a", project, "data"), recursive=True)
            assert client.find_share(share_ref("pool-a", project, "data")) is None
            assert client.get_share(share_ref("pool-a", project, "Data")).name == "Data"
        finally:
            client.delete_share(share_ref("pool-a", project, "Data"), recursive=True)
            for name in (project, project.lower()):
                client.delete_project(project_ref("pool-a", name))


@pytest.mark.parametrize("name", [" alice", "alice ", "alice\n", "\tstaff", "adm\u200bin", ""])
def test_user_names_the_client_refuses_the_array_refuses(raw, place, name):
    """C31: what the client refuses (naming ``name``) the simulator refuses too."""
    _project, share = place
    with pytest.raises(InvalidArgumentError) as info:
        UserRule("user", name, "rw")
    assert info.value.field == "name"
    entry = dict(UserRule("user", "alice", "rw").to_wire(), aclUser=name)
    assert raw("modifyShareProperties", share, {"aclList": [entry]}) == \
        (False, "EZEBI_INVALID_ACL_API_PARAM_GENERAL")


@pytest.mark.parametrize("length, accepted", [(1, True), (246, True), (247, False), (255, False)])
@pytest.mark.parametrize("project_level", [False, True])
def test_snapshot_name_lengths_agree(sim, raw, place, length, accepted, project_level):
    """C11: the prefixed name (Manual-S-/Manual-P-, 9 characters) is at most 255 characters on
    both sides; the client refuses before any call naming ``snapshot``, nothing is created."""
    project, share = place
    name = "n" * length
    ref = paths.dataset_ref("pool-a", project, None if project_level else "s1")
    sim.reset_calls()
    with make_client(sim) as client:
        try:
            full = client.create_snapshot(ref, name)
        except InvalidArgumentError as exc:
            assert not accepted and exc.field == "snapshot", exc
            assert "at most 246 characters" in str(exc)
            assert sim.calls()["total"] == 0
        else:
            assert accepted
            client.delete_snapshot(ref, full)
    if project_level:
        target = {"poolName": "pool-a", "name": project, "local": True}
        method = "createProjectSnapshot"
    else:
        target = {"poolName": "pool-a", "projectName": project, "name": "s1", "local": True}
        method = "createShareSnapshot"
    sim_ok, code = raw(method, target, name, False)
    if sim_ok:
        raw("deleteShareSnapshot" if not project_level else "deleteProjectSnapshot",
            "%s@Manual-%s-%s" % ("pool-a/Local/" + project if project_level else share,
                                 "P" if project_level else "S", name), True)
    assert (sim_ok, code) == ((True, None) if accepted else (False, "EZEBI_INVALID_ARGUMENT"))


@pytest.mark.parametrize("block_size, wire", [
    ("4KB", "4KB"), ("128KB", "128KB"), ("64k", "64KB"), (" 8kb ", "8KB"),
    ("3KB", None), ("256KB", None), ("1M", None), ("4 KB", None), ("KB", None),
])
def test_block_sizes_agree(sim, raw, place, block_size, wire):
    """C20: the client sends the enum value of what it accepts; what it refuses (before any
    call, naming block_size) the simulator refuses with the same code, naming blockSize."""
    project, _share = place
    ref = share_ref("pool-a", project, "bs")
    sim.reset_calls()
    with make_client(sim) as client:
        try:
            client.create_share(ref, block_size=block_size)
        except InvalidArgumentError as exc:
            assert wire is None and exc.field == "block_size", exc
            assert exc.code == "EZEBI_INVALID_BLOCK_SIZE_VALUE_GENERAL"
            assert sim.calls()["total"] == 0
        else:
            assert client.get_share(ref).record_size == wire
            client.delete_share(ref)
    sent = wire or block_size
    resp = requests.post(sim.url + "/zebi/api/v2/createShare",
                         data=json.dumps(["pool-a", project, "bs", {"blockSize": sent}, []]),
                         auth=(sim.user, sim.password), verify=sim.ca_path, timeout=30)
    if wire:
        assert resp.status_code == 200, resp.text
        raw("deleteShare", "pool-a/Local/%s/bs" % project, True, False)
    else:
        assert resp.json()["code"] == "EZEBI_INVALID_BLOCK_SIZE_VALUE_GENERAL"
        assert resp.json()["message"].startswith("blockSize:"), resp.text
