# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Control API: call counters, every fault kind, used bytes, delays."""

import base64
import socket
import ssl
import sys
import time

import pytest
import requests

from conftest import Api, GiB
from tegile_intelliflash.simulator.harness import SimulatorError, SimulatorProcess


@pytest.fixture(scope="module")
def csim(tmp_path_factory):
    with SimulatorProcess(tmp_path_factory.mktemp("control"), python=sys.executable) as proc:
        yield proc


@pytest.fixture
def capi(csim):
    csim.clear_faults()
    client = Api(csim)
    yield client
    client.close()
    csim.clear_faults()


def test_call_counters(csim, capi):
    capi("createProject", {"poolName": "pool-a", "projectName": "count"})
    csim.reset_calls()
    assert csim.calls() == {"total": 0, "reads": 0, "writes": 0, "by_method": {}}
    capi("listPools")
    capi("getProject", "pool-a", "count", True)
    capi("createShare", "pool-a", "count", "s", {}, [])
    capi.error("createShare", "pool-a", "count", "s", {}, [])  # failed writes count as writes
    capi.raw("noSuchMethod", [])
    capi.os("getArrayStats")
    requests.get(csim.url + "/zebi/api/v2/listPools", verify=csim.ca_path)  # unauthenticated
    calls = csim.calls()
    assert calls["by_method"] == {"listPools": 1, "getProject": 1, "createShare": 2,
                                  "noSuchMethod": 1, "openstack.getArrayStats": 1}
    assert (calls["total"], calls["reads"], calls["writes"]) == (6, 4, 2)
    assert csim.reset_calls()["total"] == 0


def test_error_fault_does_not_apply(csim, capi):
    csim.set_faults(error_rate=1.0, status=502, methods=["createProject"], count=1)
    resp = capi.raw("createProject", [{"poolName": "pool-a", "projectName": "err"}])
    assert resp.status_code == 502
    assert not resp.headers["Content-Type"].startswith("application/json")
    assert capi.error("getProject", "pool-a", "err", True) == "EZEBI_RESOURCE_NOT_FOUND"
    assert csim.get_faults()["active"] is False and csim.get_faults()["fired"] == 1
    capi("createProject", {"poolName": "pool-a", "projectName": "err"})  # disarmed


@pytest.mark.parametrize("retry_after, sent", [(7, "7"), (0, "0"), ("soon", "soon"),
                                               ("-5", "-5"), ("", "")])
def test_error_fault_sends_retry_after(csim, capi, retry_after, sent):
    """C36: the error reply carries Retry-After as configured (a text as written, so that a
    client's handling of a malformed value can be tested); without the option, none."""
    csim.set_faults(error_rate=1, status=503, retry_after=retry_after, methods=["listPools"],
                    count=1)
    assert csim.get_faults()["retry_after"] == retry_after
    resp = capi.raw("listPools", [])
    assert (resp.status_code, resp.headers.get("Retry-After")) == (503, sent)
    csim.set_faults(error_rate=1, status=503, methods=["listPools"], count=1)
    resp = capi.raw("listPools", [])
    assert resp.status_code == 503 and "Retry-After" not in resp.headers


def test_error_fault_sends_retry_after_as_an_http_date(csim, capi):
    """``retry_after_date``: the HTTP-date N seconds after the reply (its Date, to the
    second), IMF-fixdate form."""
    import email.utils

    csim.set_faults(error_rate=1, status=429, retry_after=30, retry_after_date=True,
                    methods=["createProject"], count=1)
    resp = capi.raw("createProject", [{"poolName": "pool-a", "projectName": "ra-date"}])
    assert resp.status_code == 429
    text = resp.headers["Retry-After"]
    assert text.endswith(" GMT")
    asked = email.utils.parsedate_to_datetime(text)
    date = email.utils.parsedate_to_datetime(resp.headers["Date"])
    assert 29 <= (asked - date).total_seconds() <= 30
    assert capi.error("getProject", "pool-a", "ra-date", True) == "EZEBI_RESOURCE_NOT_FOUND"


def test_reset_fault_does_not_apply(csim, capi):
    csim.set_faults(reset_rate=1.0, methods=["createProject"], count=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        capi.raw("createProject", [{"poolName": "pool-a", "projectName": "rst"}])
    assert capi.error("getProject", "pool-a", "rst", True) == "EZEBI_RESOURCE_NOT_FOUND"


def _raw_tls_request(sim, request):
    """Send ``request`` over TLS (verified) on a raw socket; return what the raw socket saw.

    TLS runs over memory BIOs so that the TCP socket itself is read: a reset shows up as
    ConnectionResetError instead of being folded into an SSL EOF.
    """
    context = ssl.create_default_context(cafile=sim.ca_path)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="127.0.0.1")
    with socket.create_connection(("127.0.0.1", sim.port), timeout=30) as sock:
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                sock.sendall(outgoing.read())
                incoming.write(sock.recv(65536))
        sock.sendall(outgoing.read())
        tls.write(request)
        sock.sendall(outgoing.read())
        try:
            while sock.recv(65536):
                pass
        except ConnectionResetError:
            return "reset"
        return "eof"


def test_reset_and_drop_are_tcp_resets(csim, capi):
    token = base64.b64encode(("%s:%s" % (csim.user, csim.password)).encode())
    request = (b"GET /zebi/api/v2/listPools HTTP/1.1\r\nHost: x\r\n"
               b"Authorization: Basic " + token + b"\r\n\r\n")
    assert _raw_tls_request(csim, request) == "eof"  # a normal reply ends with FIN
    for kind in ("reset_rate", "drop_reply_rate"):
        csim.set_faults(**{kind: 1.0, "count": 1})
        assert _raw_tls_request(csim, request) == "reset"


def test_drop_reply_fault_applies_the_write(csim, capi):
    csim.set_faults(drop_reply_rate=1.0, methods=["createProject"], count=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        capi.raw("createProject", [{"poolName": "pool-a", "projectName": "drop"}])
    assert capi("getProject", "pool-a", "drop", True)["projectName"] == "drop"
    assert capi.error("createProject", {"poolName": "pool-a", "projectName": "drop"}) == \
        "EZEBI_RESOURCE_EXIST"


def test_fault_filters_count_and_latency(csim, capi):
    csim.set_faults(error_rate=1.0, methods=["openstack.getArrayStats"], count=2,
                    latency_ms=1)
    assert capi.raw("listPools", []).status_code == 200  # not in methods
    assert capi.raw("getArrayStats", http="GET", service="openstack").status_code == 503
    assert capi.raw("getArrayStats", http="GET", service="openstack").status_code == 503
    assert capi.raw("getArrayStats", http="GET", service="openstack").status_code == 200
    faults = csim.get_faults()
    assert (faults["fired"], faults["remaining"], faults["latency_ms"]) == (2, 0, 1)
    # latency alone delays but answers normally
    csim.set_faults(latency_ms=5, count=1)
    assert capi.raw("listPools", []).status_code == 200
    assert csim.get_faults()["fired"] == 1
    assert csim.clear_faults() == {"active": False}


def test_trickle_fault_sends_the_reply_slowly_and_applies_the_call(csim, capi):
    """C37: the reply (a head of about 150 bytes and the body) leaves 64 bytes at a time, 50 ms
    apart: at least three pauses; the write itself ran as usual."""
    csim.reset_calls()
    csim.set_faults(trickle_ms=50, trickle_bytes=64, methods=["createProject"], count=1)
    started = time.monotonic()
    reply = capi.raw("createProject", [{"poolName": "pool-a", "projectName": "trickled"}])
    assert time.monotonic() - started >= 0.15
    assert reply.status_code == 200 and reply.json() == 0
    assert capi("getProject", "pool-a", "trickled", True)["projectName"] == "trickled"
    entry = csim.call_log()["entries"][0]
    assert (entry["method"], entry["fault"], entry["outcome"]) == \
        ("createProject", "trickle", "applied")
    assert (csim.get_faults()["fired"], csim.get_faults()["trickle_bytes"]) == (1, 64)
    assert capi.raw("listPools", []).status_code == 200  # count=1: spent
    assert csim.call_log()["entries"][-1]["fault"] is None


def test_seed_makes_faults_reproducible(csim, capi):
    def run():
        csim.set_faults(error_rate=0.5, seed=1234, methods=["listPools"])
        return [capi.raw("listPools", []).status_code for _call in range(12)]
    first, second = run(), run()
    assert first == second
    assert set(first) == {200, 503}


@pytest.mark.parametrize("config", [
    {"error_rate": 1.5}, {"reset_rate": -1}, {"status": 200}, {"count": -1},
    {"methods": "createShare"}, {"bogus": 1}, {"latency_ms": "slow"},
    {"trickle_ms": -1}, {"trickle_ms": 3600001}, {"trickle_bytes": 0}, {"trickle_bytes": 16385},
])
def test_invalid_fault_configs(csim, config):
    with pytest.raises(SimulatorError, match="HTTP 400"):
        csim.set_faults(**config)


@pytest.mark.parametrize("config", [
    {"retry_after": -1}, {"retry_after": 2 ** 31 + 1}, {"retry_after": True},
    {"retry_after": 1.5}, {"retry_after": "5\r\nX-Injected: 1"}, {"retry_after": "x" * 257},
    {"retry_after": "caf\u00e9"}, {"retry_after_date": True}, {"retry_after_date": "yes"},
    {"retry_after": "5", "retry_after_date": True},
])
def test_invalid_retry_after_is_refused_naming_it(csim, config):
    """C36: a header text the reply could not carry as one line (CR LF would inject a header)
    or a value that is no wait is refused, naming the setting."""
    with pytest.raises(SimulatorError, match=r"HTTP 400.*retry_after(_date)? (must|needs)"):
        csim.set_faults(error_rate=1, **config)


@pytest.mark.parametrize("methods", [False, 0, "", {}])
def test_a_methods_filter_of_the_wrong_type_is_refused(csim, methods):
    # A falsy non-list once meant "every method": a typo widened the faults to all calls.
    csim.set_faults(error_rate=1, methods=["getShare"], count=3)
    before = csim.get_faults()
    resp = requests.post(csim.url + "/sim/v1/faults", json={"error_rate": 1, "methods": methods},
                         verify=csim.ca_path, auth=(csim.user, csim.password), timeout=30)
    assert resp.status_code == 400
    assert "methods" in resp.json()["error"]
    assert csim.get_faults() == before
    csim.clear_faults()


@pytest.mark.parametrize("path", ["/sim/v1/faults", "/sim/v1/delays", "/sim/v1/used",
                                  "/sim/v1/replica"])
def test_a_control_body_nested_too_deeply_is_a_400(csim, path):
    before = csim.get_faults(), csim.control("GET", "/sim/v1/delays")
    resp = requests.post(csim.url + path, data="[" * 100000, verify=csim.ca_path,
                         auth=(csim.user, csim.password), timeout=30)
    assert resp.status_code == 400
    assert "nested too deeply" in resp.json()["error"]
    assert (csim.get_faults(), csim.control("GET", "/sim/v1/delays")) == before


def test_used_and_delays_validation(csim, capi):
    capi("createProject", {"poolName": "pool-b", "projectName": "used"})
    capi("createShare", "pool-b", "used", "s", {"quota": 2 * GiB}, [])
    reply = csim.set_used("pool-b/Local/used/s", GiB)
    assert reply["used"] == GiB and reply["availableSize"] == GiB
    for dataset, nbytes in (("pool-b/Local/used/s", 3 * GiB), ("pool-b/Local/used/s", -1),
                            ("pool-b/Local/used/nope", 1), ("pool-b/Local/used", 1)):
        with pytest.raises(SimulatorError, match="HTTP 400"):
            csim.set_used(dataset, nbytes)
    assert csim.set_delays(snapshot_ms=5, clone_ms=7) == {"snapshot_ms": 5, "clone_ms": 7}
    assert csim.control("GET", "/sim/v1/delays") == {"snapshot_ms": 5, "clone_ms": 7}
    with pytest.raises(SimulatorError, match="HTTP 400"):
        csim.control("POST", "/sim/v1/delays", {"snapshot_ms": -1})
    csim.set_delays()
    resp = requests.post(csim.url + "/sim/v1/used", data="{", verify=csim.ca_path,
                         auth=(csim.user, csim.password))
    assert resp.status_code == 400


def test_call_log_tells_a_resent_write_from_a_new_one(csim, capi):
    """The log says which calls ran (and how they ended), with a digest of the arguments:
    the reliability harness counts a write that ran twice with one digest as replayed."""
    csim.reset_calls()
    project = {"poolName": "pool-a", "projectName": "logged"}
    csim.set_faults(drop_reply_rate=1.0, methods=["createProject"], count=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        capi.raw("createProject", [project])
    csim.set_faults(error_rate=1.0, methods=["createProject"], count=1)
    assert capi.raw("createProject", [project]).status_code == 503
    assert capi.error("createProject", project) == "EZEBI_RESOURCE_EXIST"
    capi("getProject", "pool-a", "logged", True)
    entries = csim.call_log()["entries"]
    assert [(e["method"], e["write"], e["fault"], e["outcome"]) for e in entries] == [
        ("createProject", True, "drop reply", "applied"),
        ("createProject", True, "http 503", "not executed"),
        ("createProject", True, None, "EZEBI_RESOURCE_EXIST"),
        ("getProject", False, None, "ok"),
    ]
    assert len({e["digest"] for e in entries[:3]}) == 1 and entries[3]["digest"] != entries[0]["digest"]
    assert [e["seq"] for e in entries] == [1, 2, 3, 4]
    # The size of what was answered: only the read got an answer of the array's.
    assert [e["reply_bytes"] for e in entries[:3]] == [None, None, None]
    assert entries[3]["reply_bytes"] == len(capi.raw("getProject", ["pool-a", "logged", True]).content)
    assert all(e["end"] >= e["start"] for e in entries)
    assert csim.call_log()["dropped"] == 0
    csim.reset_calls()
    assert csim.call_log() == {"entries": [], "dropped": 0}


def test_proxy_timeout_fault_answers_504_and_applies_later(csim, capi):
    """A proxy gives up (504) while the array still executes the call: it commits later."""
    import time

    csim.set_faults(latency_ms=900, proxy_timeout_ms=100, methods=["createProject"], count=1)
    started = time.monotonic()
    resp = capi.raw("createProject", [{"poolName": "pool-a", "projectName": "late504"}])
    assert resp.status_code == 504
    assert time.monotonic() - started < 0.8
    assert not resp.headers["Content-Type"].startswith("application/json")
    assert capi.error("getProject", "pool-a", "late504", True) == "EZEBI_RESOURCE_NOT_FOUND"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if capi.raw("getProject", ["pool-a", "late504", True]).status_code == 200:
            break
        time.sleep(0.1)
    assert capi("getProject", "pool-a", "late504", True)["projectName"] == "late504"
    late = [e for e in csim.call_log()["entries"] if e["method"] == "createProject"][-1]
    assert (late["fault"], late["outcome"]) == ("proxy 504", "applied")
    # Shorter latency than the proxy timeout: a normal (slow) reply.
    csim.set_faults(latency_ms=50, proxy_timeout_ms=500, methods=["listPools"], count=1)
    assert capi.raw("listPools", []).status_code == 200
    with pytest.raises(SimulatorError, match="HTTP 400"):
        csim.set_faults(proxy_timeout_ms=-1)


def test_a_call_answered_504_is_logged_as_running_until_it_ends(csim, capi):
    """The proxy's 504 is not the end of the call: until the array has run it, its log entry
    has no end and no outcome (a reader waiting for every call to end, or counting the writes
    the array ran, saw it ended and "not executed" while it was still to commit)."""
    import time

    csim.set_faults(latency_ms=3000, proxy_timeout_ms=100, methods=["createProject"], count=1)
    resp = capi.raw("createProject", [{"poolName": "pool-a", "projectName": "running504"}])
    assert resp.status_code == 504
    running = [e for e in csim.call_log()["entries"] if e["method"] == "createProject"][-1]
    assert capi.error("getProject", "pool-a", "running504", True) == "EZEBI_RESOURCE_NOT_FOUND"
    assert (running["fault"], running["end"], running["outcome"]) == ("proxy 504", None, None)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        ended = [e for e in csim.call_log()["entries"] if e["seq"] == running["seq"]][0]
        if ended["end"] is not None:
            break
        time.sleep(0.1)
    assert ended["outcome"] == "applied" and ended["end"] - ended["start"] >= 3.0
    assert capi("getProject", "pool-a", "running504", True)["projectName"] == "running504"
