# SPDX-License-Identifier: Apache-2.0
"""Transport behaviour against the simulator over HTTPS: TLS, auth, retries, faults, logging.

Mocks are used only where the simulator cannot produce the fault (DNS failure, connect
timeout, a non-JSON 200 reply).
"""

import dataclasses
import datetime
import ipaddress
import logging
import random
import socket
import ssl
import threading
import warnings
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests
import urllib3
import urllib3.exceptions as u3

from tegile_intelliflash.client.api import IntelliFlashClient
from tegile_intelliflash.client.errors import (
    ApiError, ArrayTimeoutError, AuthenticationError, ConnectionFailedError, InvalidArgumentError,
    ProtocolError, TLSVerificationError,
)
from tegile_intelliflash.client.paths import project_ref, share_ref
from tegile_intelliflash.client.views import SystemInfo
from tegile_intelliflash.simulator import tls

from client_helpers import PASSWORD, fake_response, make_client


def _free_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


# -- basics ----------------------------------------------------------------------------------

def test_check_connection_and_reads(client, sim_clean):
    info = client.check_connection()
    assert info.model and info.version and info.api_version == "2"
    assert info.guid is None    # not asked for: check_connection reads four properties
    pools = {p.name: p for p in client.list_pools()}
    assert pools["pool-a"].total_bytes == 10 * 1024 ** 4
    assert pools["pool-b"].total_bytes == 4 * 1024 ** 4
    assert client.get_pool("pool-b").name == "pool-b"
    ips = client.list_floating_ips()
    assert {pool for ip in ips for pool in ip.pools} >= {"pool-a", "pool-b"}
    assert all(ipaddress.ip_address(ip.address) in ipaddress.ip_network("192.0.2.0/24")
               for ip in ips)
    assert [ip.pools for ip in client.list_floating_ips("pool-a")] == [("pool-a",)]
    props = client.get_system_properties()
    assert all(isinstance(getattr(props, field.name), str) and getattr(props, field.name)
               for field in dataclasses.fields(props))
    assert (props.model, props.version) == (info.model, info.version)
    assert client.get_system_properties("INTELLIFLASH_ARRAY_FQDN") == SystemInfo(fqdn=props.fqdn)
    assert client.base_url == "https://%s/zebi/api/v2" % sim_clean.address
    assert client.insecure is False


def _connections_opened(sim):
    """Connections the simulator accepted so far, this control call's own excluded (the
    harness's control calls open one each)."""
    return sim.stats()["connections"]["opened"] - 1


def test_one_connection_serves_a_hundred_calls(client, sim_clean, project):
    """The client keeps its connection (the simulator keeps it open, like an array's web
    server): a hundred calls, reads and writes, array errors included, open one."""
    client.list_pools()
    before = _connections_opened(sim_clean) + 1
    for index in range(25):
        client.create_share(share_ref("pool-a", project, "ka%d" % index))
        client.get_share(share_ref("pool-a", project, "ka%d" % index))
        with pytest.raises(ApiError):
            client.get_share(share_ref("pool-a", project, "missing%d" % index))
        client.delete_share(share_ref("pool-a", project, "ka%d" % index))
    assert _connections_opened(sim_clean) - before == 0
    assert sim_clean.calls()["total"] >= 101


def test_a_reset_connection_is_replaced_once(client, sim_clean):
    client.list_pools()
    sim_clean.set_faults(reset_rate=1, methods=["listPools"], count=1)
    before = _connections_opened(sim_clean) + 1
    for _round in range(20):
        client.list_pools()
    assert _connections_opened(sim_clean) - before == 1


@pytest.mark.parametrize("pool_maxsize, throwaway", [(None, True), (16, False)])
def test_calls_at_once_up_to_pool_maxsize_keep_their_connections(sim_clean, pool_maxsize, throwaway):
    """Sixteen calls at once (each held 400 ms by the simulator): a client keeping requests'
    default of ten connections opens one for each call beyond them, round after round, and
    closes it after; one keeping sixteen opens none after the first round."""
    options = {} if pool_maxsize is None else dict(pool_maxsize=pool_maxsize)
    sim_clean.set_faults(latency_ms=400, methods=["listPools"])
    with make_client(sim_clean, **options) as c:
        for round_ in range(3):
            if round_ == 1:
                before = _connections_opened(sim_clean) + 1
            barrier = threading.Barrier(16)
            workers = [threading.Thread(target=lambda: (barrier.wait(), c.list_pools()))
                       for _worker in range(16)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
        opened = _connections_opened(sim_clean) - before
    assert sim_clean.calls()["by_method"]["listPools"] == 48
    assert (opened > 0) is throwaway


def test_get_pool_missing(client):
    with pytest.raises(ApiError) as info:
        client.get_pool("pool-zz")
    assert info.value.code == "EZEBI_RESOURCE_NOT_FOUND"
    assert str(info.value).startswith("listPools pool-zz: EZEBI_RESOURCE_NOT_FOUND")


def test_array_error_is_typed_and_not_retried(client, sim_clean):
    with pytest.raises(InvalidArgumentError) as info:
        client.get_system_properties(["NO_SUCH_PROPERTY"])
    assert info.value.code == "EZEBI_INVALID_ARGUMENT"
    assert info.value.http_status == 500
    assert info.value.method == "listSystemProperties"
    assert sim_clean.calls()["by_method"]["listSystemProperties"] == 1


def test_unknown_method_is_protocol_error(client):
    with pytest.raises(ProtocolError) as info:
        client.call("noSuchMethod", "x")
    assert info.value.http_status == 404
    assert "noSuchMethod" in str(info.value)


def test_context_manager_closes(sim_clean):
    with make_client(sim_clean) as c:
        c.list_pools()
    with pytest.raises(ConnectionFailedError):
        c.list_pools()


def test_construction_validation(sim_clean, tmp_path):
    with pytest.raises(InvalidArgumentError) as info:
        IntelliFlashClient(sim_clean.address, "admin", PASSWORD, ca_path=str(tmp_path / "no.pem"))
    assert info.value.field == "ca_path"
    for kwargs, field in ((dict(timeout=0), "timeout"), (dict(timeout=(1, 2, 3)), "timeout"),
                          (dict(retry_budget=-1), "retry_budget"), (dict(verify="no"), "verify"),
                          (dict(backoff="x"), "backoff"), (dict(pool_maxsize=0), "pool_maxsize"),
                          (dict(pool_maxsize=True), "pool_maxsize"),
                          (dict(pool_maxsize=2.5), "pool_maxsize"),
                          # urllib3 would fill a queue of that many entries up front
                          (dict(pool_maxsize=10 ** 9), "pool_maxsize")):
        with pytest.raises(InvalidArgumentError) as info:
            IntelliFlashClient(sim_clean.address, "admin", PASSWORD, **kwargs)
        assert info.value.field == field
    with pytest.raises(InvalidArgumentError) as info:
        IntelliFlashClient(sim_clean.address, "", PASSWORD)
    assert info.value.field == "username"


# -- authentication and TLS ------------------------------------------------------------------

def test_wrong_password_is_authentication_error(sim_clean):
    wrong = "Wrong-" + PASSWORD
    with make_client(sim_clean) as c:
        c._transport._password  # noqa: B018 - attribute exists
    c = IntelliFlashClient(sim_clean.address, "admin", wrong, ca_path=sim_clean.ca_path,
                           retry_budget=5, backoff=0.01)
    with c, pytest.raises(AuthenticationError) as info:
        c.list_pools()
    assert info.value.http_status == 401
    assert "admin" in str(info.value)
    assert wrong not in str(info.value) and wrong not in repr(info.value)
    assert sim_clean.calls()["total"] == 0  # refused before dispatch: not an array call


def _make_ca(tmp_path, name="other-ca"):
    """A self-signed CA that did not sign the simulator's certificate (a second simulator CA,
    in a state directory of its own): (certificate, key, PEM path)."""
    state = tmp_path / name
    state.mkdir()
    cert, key = tls.ensure_ca(str(state))
    return cert, key, str(state / tls.CA_CERT)


def test_wrong_ca_fails_clearly(sim_clean, tmp_path):
    _cert, _key, other_ca = _make_ca(tmp_path)
    c = IntelliFlashClient(sim_clean.address, "admin", PASSWORD, ca_path=other_ca,
                           retry_budget=5, backoff=0.01)
    with c, pytest.raises(TLSVerificationError) as info:
        c.list_pools()
    text = str(info.value)
    assert other_ca in text
    assert "not trusted" in text and "ca_path" in text and "verify" in text
    assert info.value.attempts == 1  # a TLS failure is not retried
    assert PASSWORD not in text


def test_default_ca_bundle_does_not_trust_the_simulator(sim_clean, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    c = IntelliFlashClient(sim_clean.address, "admin", PASSWORD, retry_budget=0)
    with c, pytest.raises(TLSVerificationError) as info:
        c.list_pools()
    assert "default CA bundle" in str(info.value)


class _Hello(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"[]")

    def log_message(self, *args):
        pass


def test_host_name_mismatch_fails_clearly(tmp_path):
    """A real TLS server whose certificate names another host (the simulator's certificate
    always covers 127.0.0.1, so it cannot produce this)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    ca_cert, ca_key, ca_path = _make_ca(tmp_path, "test-ca")
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "other.example")]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("other.example")]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    cert_file = tmp_path / "server.pem"
    key_file = tmp_path / "server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    server = HTTPServer(("127.0.0.1", 0), _Hello)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert_file), str(key_file))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        c = IntelliFlashClient("127.0.0.1", "admin", PASSWORD, port=server.server_port,
                               ca_path=ca_path, retry_budget=0)
        with c, pytest.raises(TLSVerificationError) as info:
            c.list_pools()
        assert "does not match the host name '127.0.0.1'" in str(info.value), str(info.value)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_insecure_warns_once_in_log_and_silences_urllib3(sim_clean, caplog):
    caplog.set_level(logging.WARNING, logger="tegile_intelliflash.client")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        c = IntelliFlashClient(sim_clean.address, "admin", PASSWORD, verify=False)
        with c:
            assert c.insecure is True
            assert c.list_pools()
            assert c.list_pools()
    assert not [w for w in caught if issubclass(w.category, u3.InsecureRequestWarning)]
    warnings_logged = [r for r in caplog.records if "verification is DISABLED" in r.getMessage()]
    assert len(warnings_logged) == 1
    # Other sessions still get urllib3's warning: the suppression is per client.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        requests.post(sim_clean.url + "/zebi/api/v2/listPools", json=[],
                      auth=("admin", PASSWORD), verify=False, timeout=10).close()
    assert [w for w in caught if issubclass(w.category, u3.InsecureRequestWarning)]


def test_insecure_clients_in_threads_leave_the_warning_filters_alone(sim_clean):
    """The Manila driver calls from several threads. Two overlapping insecure requests (the
    first ends before the second) once left an "ignore InsecureRequestWarning" filter behind
    for the whole process: warnings.catch_warnings saves and restores process-wide state."""
    sim_clean.set_faults(latency_ms=800, methods=["listPools"])
    errors = []

    def list_pools():
        try:
            with IntelliFlashClient(sim_clean.address, "admin", PASSWORD, verify=False) as c:
                c.list_pools()
        except Exception as exc:  # reported below
            errors.append(exc)

    def insecure(caught):
        return [w for w in caught if issubclass(w.category, u3.InsecureRequestWarning)]

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        filters = list(warnings.filters)
        first = threading.Thread(target=list_pools)
        second = threading.Thread(target=list_pools)
        first.start()
        # The second request starts while the first waits for its slow reply, and ends last.
        threading.Event().wait(0.3)
        second.start()
        first.join(30)
        second.join(30)
        assert errors == []
        assert warnings.filters == filters
        assert insecure(caught) == []  # the insecure clients themselves stay quiet
        requests.post(sim_clean.url + "/zebi/api/v2/listSystemProperties", json=[[]],
                      auth=("admin", PASSWORD), verify=False, timeout=10).close()
        assert len(insecure(caught)) == 1  # another session still gets urllib3's warning


# -- connection failures ---------------------------------------------------------------------

def test_connection_refused(tmp_path):
    port = _free_port()
    c = IntelliFlashClient("127.0.0.1", "admin", PASSWORD, port=port, retry_budget=0)
    with c, pytest.raises(ConnectionFailedError) as info:
        c.list_pools()
    assert not isinstance(info.value, TLSVerificationError)
    assert "cannot connect to 127.0.0.1:%d" % port in str(info.value)
    assert info.value.attempts == 1


def test_connection_refused_is_retried_within_budget():
    port = _free_port()
    c = IntelliFlashClient("127.0.0.1", "admin", PASSWORD, port=port, retry_budget=0.2,
                           backoff=0.01, backoff_max=0.02)
    with c, pytest.raises(ConnectionFailedError) as info:
        c.create_project(project_ref("pool-a", "never"))  # a write that never reached the array
    assert info.value.attempts > 1
    assert "gave up after %d attempts" % info.value.attempts in str(info.value)


def _raise_on_post(exc):
    def post(*args, **kwargs):
        raise exc
    return post


def test_dns_failure_is_connection_failed(monkeypatch):
    """The host name does not resolve (getaddrinfo fails): the installed urllib3 raises it its
    own way (2: NameResolutionError; 1.26, Manila 2025.1 and 2025.2: NewConnectionError while
    handling socket.gaierror), and either is a failure to resolve, not to connect."""
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host == "array.invalid":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    c = IntelliFlashClient("array.invalid", "admin", PASSWORD, retry_budget=0)
    with c, pytest.raises(ConnectionFailedError) as info:
        c.list_pools()
    assert "cannot resolve the array host name 'array.invalid'" in str(info.value)


def _new_connection_error_during_gaierror():
    """The reason urllib3 1.26 gives for a host name that does not resolve."""
    try:
        try:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        except socket.gaierror:
            raise u3.NewConnectionError(None, "Failed to establish a new connection")
    except u3.NewConnectionError as err:
        return err


@pytest.mark.parametrize("major", [1, 2])
def test_dns_failure_of_each_urllib3_major_is_connection_failed(sim_clean, monkeypatch, major):
    """The error of each urllib3 major, whichever is installed: 2 raises NameResolutionError;
    1.26 (the upper constraints of OpenStack 2025.1 and 2025.2) has none and raises
    NewConnectionError while handling socket.gaierror."""
    import types

    from tegile_intelliflash.client import failures

    if major == 2:
        if not hasattr(u3, "NameResolutionError"):
            pytest.skip("urllib3 %s has no NameResolutionError" % urllib3.__version__)
        reason = u3.NameResolutionError("array.invalid", None,
                                        socket.gaierror(socket.EAI_NONAME, "Name or service not known"))
    else:
        old_u3 = types.SimpleNamespace(NewConnectionError=u3.NewConnectionError,
                                       ConnectTimeoutError=u3.ConnectTimeoutError)
        monkeypatch.setattr(failures, "_u3exc", old_u3)
        reason = _new_connection_error_during_gaierror()
    exc = requests.exceptions.ConnectionError(u3.MaxRetryError(None, "/zebi", reason=reason))
    c = make_client(sim_clean, retry_budget=0)
    monkeypatch.setattr(c.session, "post", _raise_on_post(exc))
    with c, pytest.raises(ConnectionFailedError) as info:
        c.list_pools()
    assert "cannot resolve the array host name" in str(info.value)


def test_write_not_sent_is_resent(sim_clean, monkeypatch):
    """A connect timeout proves the write never reached the array: it is simply re-sent."""
    c = make_client(sim_clean)
    real_post = c.session.post
    state = {"n": 0}

    def flaky(*args, **kwargs):
        state["n"] += 1
        if state["n"] == 1:
            raise requests.exceptions.ConnectTimeout(
                u3.MaxRetryError(None, "/", reason=u3.ConnectTimeoutError(None, "timed out")))
        return real_post(*args, **kwargs)

    monkeypatch.setattr(c.session, "post", flaky)
    name = "p-nsent-%d" % random.randrange(10 ** 9)
    with c:
        c.create_project(project_ref("pool-a", name))
        calls = sim_clean.calls()["by_method"]
        assert calls["createProject"] == 1
        assert "getProject" not in calls  # no verification needed
        c.delete_project(project_ref("pool-a", name))


def test_lost_write_without_verification_is_not_resent(sim_clean):
    """A raw write with no verify callable is never re-sent after a lost reply: its outcome is
    unknown at once (nothing can check it), and the error names the call."""
    from tegile_intelliflash.client.errors import OutcomeUnknownError

    sim_clean.set_faults(drop_reply_rate=1, methods=["createProject"], count=1)
    name = "p-raw-%d" % random.randrange(10 ** 9)
    with make_client(sim_clean) as c:
        with pytest.raises(OutcomeUnknownError) as info:
            c.call("createProject", {"poolName": "pool-a", "projectName": name}, write=True)
        assert "the outcome of createProject is unknown" in str(info.value)
        assert "not sent again" in str(info.value)
        assert sim_clean.calls()["by_method"]["createProject"] == 1
        assert c.find_project(project_ref("pool-a", name)) is not None  # it was applied
        c.delete_project(project_ref("pool-a", name))


def test_non_json_success_reply_is_protocol_error(sim_clean, monkeypatch):
    c = make_client(sim_clean)

    monkeypatch.setattr(c.session, "post",
                        lambda *a, **k: fake_response(200, "<html>login page</html>"))
    with c, pytest.raises(ProtocolError) as info:
        c.list_pools()
    assert "not JSON" in str(info.value)


# -- injected faults -------------------------------------------------------------------------

def test_503_on_reads_is_retried(client, sim_clean):
    sim_clean.set_faults(error_rate=1, status=503, methods=["listPools"], count=2)
    assert client.list_pools()
    assert sim_clean.calls()["by_method"]["listPools"] == 3


def test_reset_on_read_is_retried(client, sim_clean):
    sim_clean.set_faults(reset_rate=1, methods=["listPools"], count=1)
    assert client.list_pools()
    assert sim_clean.calls()["by_method"]["listPools"] == 2


def test_no_retry_with_zero_budget(sim_clean):
    sim_clean.set_faults(error_rate=1, status=503, methods=["listPools"])
    with make_client(sim_clean, retry_budget=0) as c, \
            pytest.raises(ConnectionFailedError) as info:
        c.list_pools()
    assert info.value.http_status == 503
    assert info.value.attempts == 1
    assert sim_clean.calls()["by_method"]["listPools"] == 1


def test_retry_budget_bounds_attempts(sim_clean):
    """Deterministic clock: backoff 0.5 s each (jitter at its maximum), budget 1.2 s ->
    attempts at t=0, 0.5, 1.0; the next would start at 1.5 > 1.2, so 3 attempts."""
    sim_clean.set_faults(error_rate=1, status=504, methods=["listPools"])
    c = make_client(sim_clean, retry_budget=1.2, backoff=0.5, backoff_max=0.5)
    now = [0.0]
    t = c._transport
    t._clock = lambda: now[0]
    t._sleep = lambda seconds: now.__setitem__(0, now[0] + seconds)

    class MaxJitter(random.Random):
        def uniform(self, a, b):
            return b

    t._rng = MaxJitter()
    with c, pytest.raises(ConnectionFailedError) as info:
        c.list_pools()
    assert info.value.attempts == 3
    assert sim_clean.calls()["by_method"]["listPools"] == 3
    assert "gave up after 3 attempts" in str(info.value)


def test_many_quick_attempts_end_with_a_typed_error():
    """A small backoff and a long budget allow more than 1,024 attempts (a refused connection
    fails in well under a millisecond): the backoff step once overflowed a float there, and
    the call ended in OverflowError instead of ConnectionFailedError. A clock that advances
    one millisecond per reading makes the count independent of the machine's speed."""
    c = IntelliFlashClient("127.0.0.1", "admin", PASSWORD, port=_free_port(), retry_budget=5.0,
                           backoff=0.001, backoff_max=0.001)
    ticks = [0]

    def clock():
        ticks[0] += 1
        return ticks[0] / 1000.0

    c._transport._clock = clock
    c._transport._sleep = lambda seconds: None
    with c, pytest.raises(ConnectionFailedError) as info:
        c.list_pools()
    assert info.value.attempts > 1025
    assert "gave up after %d attempts" % info.value.attempts in str(info.value)


def test_retry_budget_real_clock_counts_match(sim_clean):
    sim_clean.set_faults(error_rate=1, status=503, methods=["listPools"])
    with make_client(sim_clean, retry_budget=0.3, backoff=0.02, backoff_max=0.05) as c, \
            pytest.raises(ConnectionFailedError) as info:
        c.list_pools()
    assert info.value.attempts >= 2
    assert sim_clean.calls()["by_method"]["listPools"] == info.value.attempts


def test_non_json_500_is_generic_api_error(client, sim_clean):
    sim_clean.set_faults(error_rate=1, status=500, methods=["listPools"], count=1)
    with pytest.raises(ApiError) as info:
        client.list_pools()
    assert info.value.code == "EZEBI_GENERAL"
    assert info.value.http_status == 500
    assert "non-JSON" in str(info.value)
    assert sim_clean.calls()["by_method"]["listPools"] == 1


def test_non_json_500_answering_a_write_leaves_its_outcome_unknown(sim_clean):
    """An error page (not the array's ErrorModel) does not say whether a write ran: the client
    does not send it again, looks for its effect, and says the outcome is unknown (C32). The
    simulator's injected 500 never executes the call, so no effect shows."""
    from tegile_intelliflash.client.errors import OutcomeUnknownError

    sim_clean.set_faults(error_rate=1, status=500, methods=["createProject"], count=1)
    name = "p-500-%d" % random.randrange(10 ** 9)
    with make_client(sim_clean, retry_budget=0.3, backoff=0.02, backoff_max=0.05) as c:
        with pytest.raises(OutcomeUnknownError) as info:
            c.create_project(project_ref("pool-a", name))
        assert "the outcome of createProject" in str(info.value)
        assert "HTTP 500 with a non-JSON error body" in str(info.value)
        calls = sim_clean.calls()["by_method"]
        assert calls["createProject"] == 1
        assert calls.get("getProject", 0) >= 1  # it looked for the effect
        assert c.find_project(project_ref("pool-a", name)) is None


@pytest.mark.parametrize("status, page", [(500, "<html>Internal Server Error</html>"),
                                          (200, "<html>session expired</html>")])
def test_write_executed_then_answered_by_a_page_is_found_applied(sim_clean, monkeypatch, status,
                                                                 page):
    """The array ran the write, and a page came back instead of its reply (an application
    server's 500 after the commit, a proxy's page): the client finds the effect and returns as
    if the reply had arrived, without sending the write again."""
    c = make_client(sim_clean)
    real_post = c.session.post

    def answered_by_page(url, **kwargs):
        response = real_post(url, **kwargs)
        if url.endswith("/createProject"):
            response.close()
            return fake_response(status, page)
        return response

    monkeypatch.setattr(c.session, "post", answered_by_page)
    name = "p-page-%d" % random.randrange(10 ** 9)
    with c:
        c.create_project(project_ref("pool-a", name))
        assert sim_clean.calls()["by_method"]["createProject"] == 1
        assert c.find_project(project_ref("pool-a", name)) is not None
        c.delete_project(project_ref("pool-a", name))


def test_non_json_reply_to_a_read_is_not_polled(client, sim_clean, monkeypatch):
    """A read answered by a page stays an error at once: nothing to look for."""
    monkeypatch.setattr(client.session, "post",
                        lambda *a, **k: fake_response(500, "<html>oops</html>"))
    with pytest.raises(ApiError) as info:
        client.get_project(project_ref("pool-a", "anything"))
    assert info.value.code == "EZEBI_GENERAL"


def test_read_timeout_is_retried_then_times_out(sim_clean):
    sim_clean.set_faults(latency_ms=1500, methods=["listPools"])
    with make_client(sim_clean, timeout=(5.0, 0.3), retry_budget=0) as c, \
            pytest.raises(ArrayTimeoutError) as info:
        c.list_pools()
    assert "no reply" in str(info.value)
