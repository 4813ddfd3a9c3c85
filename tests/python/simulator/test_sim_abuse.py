# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""The simulator stays an array under abuse (C11, C33, C34): costly snapshot patterns, duplicate
mount points, oversized headers, ACL lists and delays get a clear error at a bounded cost."""

import json
import socket
import ssl
import threading
import time

import pytest
import requests

from conftest import Api, ArrayError

A_NAME = "a" * 200


def _share_obj(project, name="s1"):
    return {"poolName": "pool-a", "projectName": project, "name": name, "local": True}


# -- listSnapshots patterns (C11) -------------------------------------------------------------

def test_backtracking_pattern_does_not_freeze_the_simulator(private_sim, private_api):
    """``(a+)+b`` against 200 ``a`` takes Python's re about 2^200 steps, holding the GIL; the
    simulator must answer it in bounded time while its control API keeps answering."""
    api = private_api
    api("createProject", {"poolName": "pool-a", "projectName": "bt"})
    api("createShare", "pool-a", "bt", "s1", {}, [])
    api("createShareSnapshot", _share_obj("bt"), A_NAME, False)
    path = "pool-a/Local/bt/s1"
    outcome = {}

    def slow_call():
        started = time.monotonic()
        try:
            outcome["names"] = Api(private_sim)("listSnapshots", path, "Manual-S-(a+)+b")
        except (ArrayError, requests.RequestException) as exc:
            outcome["error"] = exc
        outcome["seconds"] = time.monotonic() - started

    worker = threading.Thread(target=slow_call, daemon=True)
    worker.start()
    control_latencies = []
    while worker.is_alive() and len(control_latencies) < 20:
        started = time.monotonic()
        private_sim.control("GET", "/sim/v1/calls", timeout=5)
        control_latencies.append(time.monotonic() - started)
    worker.join(30)
    assert not worker.is_alive(), "listSnapshots with a backtracking pattern did not return"
    assert outcome.get("names") == [], outcome
    assert outcome["seconds"] < 10
    assert control_latencies and max(control_latencies) < 5
    # The same pattern that matches is found at once, and the process is still healthy.
    assert api("listSnapshots", path, "Manual-S-(a+)+") == ["Manual-S-" + A_NAME]
    assert private_sim.running


def test_control_api_answers_while_a_costly_pattern_runs(private_sim, private_api):
    """A pattern whose every state stays alive costs the whole budget (about a second):
    refused, and the control API answered meanwhile."""
    api = private_api
    api("createProject", {"poolName": "pool-a", "projectName": "cost"})
    api("createShare", "pool-a", "cost", "s1", {}, [])
    for index in range(6):
        api("createShareSnapshot", _share_obj("cost"), "%s%d" % (A_NAME, index), False)
    outcome = {}

    def costly():
        try:
            Api(private_sim)("listSnapshots", "pool-a/Local/cost/s1", "(.*){1000}x")
        except ArrayError as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=costly, daemon=True)
    started = time.monotonic()
    worker.start()
    answered = 0
    while worker.is_alive():
        private_sim.control("GET", "/sim/v1/calls", timeout=5)
        answered += 1
    worker.join()
    assert time.monotonic() - started < 15
    assert outcome["error"].code == "EZEBI_INVALID_ARGUMENT"
    message = outcome["error"].body["message"]
    assert "snapshotPattern" in message and "too costly" in message
    assert answered >= 1


@pytest.mark.parametrize("pattern,fragment", [
    ("(", "unterminated"), ("a)", "unbalanced"), ("*", "nothing to repeat"),
    ("(?=x)y", "not supported"), ("(a)\\1", "not supported"), ("a*+", "possessive"),
    ("a{1001}", "1000"), ("(a{1000}){1000}", "too complex"), ("x" * 1025, "longer than"),
    ("[z-a]", "bad character range"),
])
def test_patterns_outside_the_language_are_refused(api, share, pattern, fragment):
    with pytest.raises(ArrayError) as info:
        api("listSnapshots", share, pattern)
    assert info.value.code == "EZEBI_INVALID_ARGUMENT"
    assert "snapshotPattern" in info.value.body["message"]
    assert fragment in info.value.body["message"]


def test_pattern_language_full_match(api, project, share):
    for name in ("daily-1", "daily-22", "weekly-1"):
        api("createShareSnapshot", _share_obj(project), name, False)
    full = ["Manual-S-daily-1", "Manual-S-daily-22", "Manual-S-weekly-1"]
    assert api("listSnapshots", share, "") == full
    assert api("listSnapshots", share, ".*") == full
    assert api("listSnapshots", share, "Manual-S-daily-\\d+") == full[:2]
    assert api("listSnapshots", share, "Manual-S-daily-\\d") == full[:1]
    assert api("listSnapshots", share, "(?:.*-)?(daily|weekly)-1") == [full[0], full[2]]
    assert api("listSnapshots", share, "daily") == []  # full match, not search
    assert api("listSnapshots", share, "^Manual-S-[^d].*$") == full[2:]


# -- mount points (C33) -------------------------------------------------------------------------

def test_duplicate_mount_points_are_refused(api, project, share):
    taken = api("getShare", share)["mountPoint"]
    assert api.error("createShare", "pool-a", project, "s2", {"mountPoint": taken}, []) == \
        "EZEBI_INVALID_MOUNT_POINT"
    assert api.error("getShare", "pool-a/Local/%s/s2" % project) == "EZEBI_RESOURCE_NOT_FOUND"
    api("createShare", "pool-a", project, "s2", {"mountPoint": "/export/own/s2"}, [])
    s2 = "pool-a/Local/%s/s2" % project
    assert api.error("modifyShareProperties", s2, {"mountPoint": taken}) == \
        "EZEBI_INVALID_MOUNT_POINT"
    assert api("getShare", s2)["mountPoint"] == "/export/own/s2"
    # s3 takes the default mount point s2 would get back if it followed its project.
    api("createShare", "pool-a", project, "s3", {"mountPoint": "/export/%s/s2" % project}, [])
    assert api.error("inheritPropertyFromProject", s2, "MountPoint") == \
        "EZEBI_INVALID_MOUNT_POINT"
    assert api.error("modifyShareProperties", s2, {"overrideMountPoint": False}) == \
        "EZEBI_INVALID_MOUNT_POINT"
    assert api("getShare", s2)["mountPoint"] == "/export/own/s2"
    # A project whose new mount point would move its s1 onto s5's own mount point.
    api("createShare", "pool-a", project, "s5", {"mountPoint": "/export/elsewhere/s1"}, [])
    assert api.error("modifyProjectProperties", "pool-a/Local/%s" % project,
                     {"mountPoint": "/export/elsewhere"}) == "EZEBI_INVALID_MOUNT_POINT"
    assert api("getProject", "pool-a", project, True)["mountPoint"] == "/export/%s" % project
    # A clone lands at <project mount point>/<clone name>: s4 holds that path already.
    api("createShare", "pool-a", project, "s4", {"mountPoint": "/export/%s/c1" % project}, [])
    api("createShareSnapshot", _share_obj(project), "snap", False)
    assert api.error("cloneShareSnapshot", share + "@Manual-S-snap", "c1", False) == \
        "EZEBI_INVALID_MOUNT_POINT"
    assert api.error("getShare", "pool-a/Local/%s/c1" % project) == "EZEBI_RESOURCE_NOT_FOUND"


def test_own_mount_points_are_compared_exactly(api, project):
    """Two own mount points (found through the store's candidate query, JSON-escaped)."""
    mount = "/export/caf\u00e9/\"q\"/x"
    api("createShare", "pool-a", project, "o1", {"mountPoint": mount}, [])
    assert api.error("createShare", "pool-a", project, "o2", {"mountPoint": mount}, []) == \
        "EZEBI_INVALID_MOUNT_POINT"
    api("createShare", "pool-a", project, "o2", {"mountPoint": mount + "y"}, [])
    assert api("getShare", "pool-a/Local/%s/o2" % project)["mountPoint"] == mount + "y"


def test_mount_points_with_dot_components_are_refused(api, project, share):
    """``/export/p/./s1`` and ``/export/p/s1/.`` name the directory of s1: two shares would be
    mounted at one directory under two spellings."""
    taken = api("getShare", share)["mountPoint"]
    head, tail = taken.rsplit("/", 1)
    for mount in ("%s/./%s" % (head, tail), taken + "/.", "/."):
        assert api.error("createShare", "pool-a", project, "s2", {"mountPoint": mount}, []) == \
            "EZEBI_INVALID_MOUNT_POINT"
    assert [s["name"] for s in api("listShares", "pool-a", project, True)] == ["s1"]


def test_mount_points_with_invisible_characters_are_refused(api, project, share):
    """A mount point is a path of names: a NUL, a newline or a zero-width space in it (C5) is
    refused like white space, at creation and in a change (C33)."""
    for mount in ("/export/p/s\x00", "/export/p\n/s", "/export/p/\u200bs", "/export/\u202eps"):
        assert api.error("createShare", "pool-a", project, "s2", {"mountPoint": mount}, []) == \
            "EZEBI_INVALID_MOUNT_POINT"
        assert api.error("modifyProjectProperties", "pool-a/Local/%s" % project,
                         {"mountPoint": mount}) == "EZEBI_INVALID_MOUNT_POINT"
    assert [s["name"] for s in api("listShares", "pool-a", project, True)] == ["s1"]


def test_same_default_mount_point_in_two_pools_is_refused(api, project):
    api("createShare", "pool-a", project, "twin", {}, [])
    api("createProject", {"poolName": "pool-b", "projectName": project})
    try:
        assert api.error("createShare", "pool-b", project, "twin", {}, []) == \
            "EZEBI_INVALID_MOUNT_POINT"
        assert api.os("createShare", "pool-b", project, "other", "NFS").endswith(
            "/export/%s/other" % project)
    finally:
        api("deleteShare", "pool-b/Local/%s/other" % project, True, False)
        api("deleteProject", "pool-b/Local/%s" % project)


# -- HTTP-level errors (C34) --------------------------------------------------------------------

def _raw_exchange(sim, request_bytes):
    context = ssl.create_default_context(cafile=sim.ca_path)
    with socket.create_connection((sim.host, sim.port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=sim.host) as conn:
            conn.sendall(request_bytes)
            chunks = []
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                chunks.append(data)
    head, _sep, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


@pytest.mark.parametrize("kind,status", [("header", 431), ("request line", 414),
                                         ("garbage", 400), ("target", 400)])
def test_http_layer_errors_are_json(sim, kind, status):
    if kind == "header":
        request = (b"POST /zebi/api/v2/listPools HTTP/1.1\r\nHost: x\r\nX-Big: " +
                   b"a" * 70000 + b"\r\n\r\n")
    elif kind == "request line":
        request = b"GET /zebi/api/v2/" + b"a" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    elif kind == "target":
        # A well-formed head whose target urlsplit refuses (an unclosed IPv6 authority).
        request = b"GET //[x/zebi/api/v2/listPools HTTP/1.1\r\nHost: x\r\n\r\n"
    else:
        request = b"GET / two-words HTTP/1.1\r\n\r\n"
    code, headers, body = _raw_exchange(sim, request)
    assert code == status
    assert headers["Content-Type"] == "application/json"
    model = json.loads(body)
    assert model["code"] == "EZEBI_GENERAL" and model["message"]


@pytest.mark.parametrize("credentials", [b"Basic \xff\xfe", b"Basic \xc3\xa9", b"Basic !!", b"Basic",
                                         b"Bearer x"])
def test_unreadable_credentials_are_a_401(sim, credentials):
    """A Basic token that is not ASCII made werkzeug raise, and the simulator answered 500 with a
    traceback on stderr; unreadable credentials are no credentials (C4)."""
    request = (b"POST /zebi/api/v2/listPools HTTP/1.1\r\nHost: x\r\nAuthorization: " +
               credentials + b"\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]")
    code, headers, body = _raw_exchange(sim, request)
    assert code == 401
    assert headers["WWW-Authenticate"].startswith("Basic ")
    assert json.loads(body)["code"] == "EZEBI_PERMISSION_DENIED"
    assert "Traceback" not in sim.stderr_text


@pytest.mark.parametrize("method, args", [
    ("getFloatingIPList", ["pool-a\ud800"]),
    ("listProjects", ["\udfff", False]),
    ("getProjectSnapshotCreationStatus", ["\ud800", " "]),
])
def test_lone_surrogates_are_refused_not_a_500(sim, api, method, args):
    """``"\\ud800"`` is valid JSON but no Unicode text: a lookup that reached the store with it
    answered 500 with a traceback (UnicodeEncodeError in sqlite)."""
    assert api.error(method, *args) == "EZEBI_INVALID_ARGUMENT"
    assert "Traceback" not in sim.stderr_text


# -- bounded lists and controls (C34) ----------------------------------------------------------

def _entries(count):
    return [{"hostType": "IP", "host": "10.%d.%d.0/24" % (i // 256, i % 256),
             "accessMode": "rw", "rootAccessForNFS": False} for i in range(count)]


def test_network_acl_lists_are_bounded(api, share):
    with pytest.raises(ArrayError) as info:
        api("setNFSNetworkACLsOnShare", share, _entries(1025))
    assert info.value.code == "EZEBI_INVALID_ACL_API_PARAM_GENERAL"
    assert "at most 1024" in info.value.body["message"]
    assert api("getNFSNetworkACLsOnShare", share) == []
    api("setNFSNetworkACLsOnShare", share, _entries(1024))
    assert len(api("getNFSNetworkACLsOnShare", share)) == 1024
    assert api.error("addNFSNetworkACLOnShare", share, "IP", "192.0.2.1", "rw", False) == \
        "EZEBI_INVALID_ACL_API_PARAM_GENERAL"
    assert api.error("shareAllowAccess", share, "NFS", "ip", "192.0.2.1", "rw",
                     service="openstack") == "EZEBI_INVALID_ACL_API_PARAM_GENERAL"
    assert len(api("getNFSNetworkACLsOnShare", share)) == 1024


def test_file_acl_is_bounded(api, share):
    entries = [{"aclType": "user", "aclUser": "u%d" % i, "aclGroup": "", "aclMode": "allow",
                "aclValDisplay": "read_set"} for i in range(1025)]
    assert api.error("modifyShareProperties", share, {"aclList": entries}) == \
        "EZEBI_INVALID_ACL_API_PARAM_GENERAL"
    assert api("getShare", share)["aclList"] == []
    api("modifyShareProperties", share, {"aclList": entries[:1024]})
    assert api.error("shareAllowAccess", share, "CIFS", "user", "one-more", "rw",
                     service="openstack") == "EZEBI_INVALID_ACL_API_PARAM_GENERAL"
    assert len(api("getShare", share)["aclList"]) == 1024


@pytest.mark.parametrize("path,body", [
    ("/sim/v1/delays", {"snapshot_ms": 10 ** 30}), ("/sim/v1/delays", {"clone_ms": 3600001}),
    ("/sim/v1/faults", {"latency_ms": 10 ** 12}),
])
def test_controls_are_bounded(sim, clean_faults, path, body):
    key = next(iter(body))
    resp = requests.post(sim.url + path, json=body, auth=(sim.user, sim.password),
                         verify=sim.ca_path, timeout=10)
    assert resp.status_code == 400
    assert key in resp.json()["error"] and "at most 3600000" in resp.json()["error"]
    assert sim.control("GET", "/sim/v1/delays") == {"snapshot_ms": 0, "clone_ms": 0}
    assert sim.get_faults() == {"active": False}
