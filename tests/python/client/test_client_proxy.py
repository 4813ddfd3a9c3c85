# SPDX-License-Identifier: Apache-2.0
"""The client behind an HTTP forward proxy (CONNECT tunnel), as in many production networks.

requests takes the proxy from ``HTTPS_PROXY``/``NO_PROXY``; every test sets or clears those
variables itself (monkeypatch), so the environment running the suite does not matter. The proxy
is ``proxy_helpers.ConnectProxy`` (127.0.0.1, stopped by each test), the array the simulator,
over real HTTPS verified with the simulator's CA through the tunnel.
"""

import contextlib
import logging
import os
import time

import pytest

from tegile_intelliflash.client.errors import (
    ConnectionFailedError, OutcomeUnknownError, TLSVerificationError,
)
from tegile_intelliflash.client.paths import project_ref

from client_helpers import PASSWORD, make_client, unique
from proxy_helpers import ConnectProxy, refused_url

POOL = "pool-a"
# Distinctive proxy credentials, so that scanning texts for them is meaningful.
PROXY_CREDENTIALS = ("proxy-user", "Px-7c1e-Pr0xyPw")
PROXY_VARIABLES = ("https_proxy", "http_proxy", "all_proxy", "no_proxy")


@pytest.fixture
def proxy_env(monkeypatch):
    """Clears every proxy variable; returns ``use(url, no_proxy=None)`` to set them."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)

    def use(url, no_proxy=None):
        monkeypatch.setenv("HTTPS_PROXY", url)
        if no_proxy is not None:
            monkeypatch.setenv("NO_PROXY", no_proxy)

    return use


@pytest.fixture
def proxy():
    with ConnectProxy(credentials=PROXY_CREDENTIALS) as server:
        yield server


@contextlib.contextmanager
def _direct():
    """The simulator's control API is read with urllib, which honours the proxy variables too:
    it goes direct, so it neither uses the proxy nor consumes its injected failures."""
    saved = dict((k, os.environ.pop(k)) for k in list(os.environ)
                 if k.lower() in PROXY_VARIABLES)
    try:
        yield
    finally:
        os.environ.update(saved)


def _count(sim, method):
    with _direct():
        return sim.calls()["by_method"].get(method, 0)


def _settled_count(sim, method, wanted):
    """The call count once it reached ``wanted`` (or after 10 s): after a cut tunnel the array
    may still be executing the call the client already gave up on."""
    end = time.monotonic() + 10
    count = _count(sim, method)
    while count < wanted and time.monotonic() < end:
        time.sleep(0.05)
        count = _count(sim, method)
    return count


def _exists(sim, name):
    with _direct(), make_client(sim) as direct:
        return direct.find_project(project_ref(POOL, name)) is not None


def _delete(sim, name):
    with _direct(), make_client(sim) as direct:
        direct.delete_project(project_ref(POOL, name))


def _texts(exc):
    texts = [str(exc), repr(exc), exc.message]
    cause = getattr(exc, "cause", None)
    if cause is not None:
        texts += [str(cause), repr(cause)]
    return texts


def _assert_no_secret(texts):
    for text in texts:
        for secret in (PROXY_CREDENTIALS[1], PASSWORD):
            assert secret not in text, (secret, text)


# -- calls through the proxy ---------------------------------------------------------------

def test_calls_go_through_the_proxy_with_tls_verified(sim_clean, proxy, proxy_env):
    proxy_env(proxy.url)
    name = unique("p")
    with make_client(sim_clean) as c:
        c.create_project(project_ref(POOL, name))
        assert c.get_project(project_ref(POOL, name)).name == name
    try:
        # One tunnel to the array, reused by both calls, authenticated with the URL's
        # credentials (requests sends them pre-emptively on the CONNECT).
        assert proxy.connects == [sim_clean.address]
        assert proxy.auth_seen[0] and proxy.auth_seen[0].startswith("Basic ")
        assert _count(sim_clean, "createProject") == 1
    finally:
        _delete(sim_clean, name)


def test_the_array_certificate_is_verified_through_the_tunnel(sim_clean, proxy, proxy_env,
                                                              tmp_path):
    """The proxy only relays bytes: the client's TLS session is with the array, so a CA that
    did not issue the array's certificate fails, even though the proxy is reachable."""
    from tegile_intelliflash.simulator.harness import SimulatorProcess

    other = tmp_path / "other"
    other.mkdir()
    # A second simulator only to get a CA that did not sign the first one's certificate.
    with SimulatorProcess(str(other), host="127.0.0.1", port=0, user="admin",
                          password="unused-password") as second:
        wrong_ca = second.ca_path
        proxy_env(proxy.url)
        with make_client(sim_clean, ca_path=wrong_ca) as c, \
                pytest.raises(TLSVerificationError) as info:
            c.list_pools()
    assert "not trusted" in info.value.message
    assert proxy.tunnels == 1          # not retried: a certificate does not fix itself
    assert _count(sim_clean, "listPools") == 0


def test_no_proxy_bypasses_the_proxy(sim_clean, proxy, proxy_env):
    proxy_env(proxy.url, no_proxy="127.0.0.1")
    with make_client(sim_clean) as c:
        assert c.list_pools()
    assert proxy.connects == []


# -- reads are retried ---------------------------------------------------------------------

def test_a_read_is_retried_after_the_proxy_cut_the_tunnel(sim_clean, proxy, proxy_env):
    proxy_env(proxy.url)
    proxy.fail("cut")
    with make_client(sim_clean) as c:
        assert c.list_pools()
    assert proxy.cut == 1
    assert len(proxy.connects) == 2
    assert _settled_count(sim_clean, "listPools", 2) == 2   # the first ran; its reply was lost


@pytest.mark.parametrize("mode", ["502", "503", "504", "upstream-refused"])
def test_a_read_is_retried_when_the_proxy_cannot_tunnel(sim_clean, proxy, proxy_env, mode):
    proxy_env(proxy.url)
    proxy.fail(mode, 2)
    with make_client(sim_clean) as c:
        assert c.list_pools()
    assert len(proxy.connects) == 3
    assert _count(sim_clean, "listPools") == 1


def test_a_proxy_slow_to_tunnel_is_named_in_the_timeout(sim_clean, proxy, proxy_env):
    """A CONNECT the proxy answers after the read timeout: the call was never sent, and the
    error names the proxy (without its credentials), not only the TLS handshake."""
    from tegile_intelliflash.client.errors import ArrayTimeoutError

    proxy_env(proxy.url)
    proxy.fail("slow", 1)
    with make_client(sim_clean, timeout=(0.5, 5), retry_budget=0) as c:
        with pytest.raises(ArrayTimeoutError) as info:
            c.list_pools()
    text = str(info.value)
    assert "through the proxy 127.0.0.1:%d" % proxy.port in text, text
    assert "its CONNECT or the TLS handshake" in text, text
    assert PROXY_CREDENTIALS[1] not in text and PROXY_CREDENTIALS[0] not in text
    assert _count(sim_clean, "listPools") == 0


# -- writes: never in flight twice (C32) ---------------------------------------------------

def test_a_write_whose_reply_the_proxy_cut_is_not_sent_again(sim_clean, proxy, proxy_env):
    """The proxy forwarded the request and lost the reply: the write ran once; the client does
    not re-send it, it reads the array and finds the project there."""
    proxy_env(proxy.url)
    proxy.fail("cut")
    name = unique("p")
    with make_client(sim_clean) as c:
        c.create_project(project_ref(POOL, name))
    try:
        assert proxy.cut == 1
        assert _count(sim_clean, "createProject") == 1
        assert _exists(sim_clean, name)
    finally:
        _delete(sim_clean, name)


def test_a_raw_write_whose_reply_the_proxy_cut_is_outcome_unknown(sim_clean, proxy, proxy_env):
    proxy_env(proxy.url)
    proxy.fail("cut")
    name = unique("p")
    with make_client(sim_clean) as c, pytest.raises(OutcomeUnknownError) as info:
        c.call("createProject", {"poolName": POOL, "projectName": name}, write=True)
    try:
        assert "after the request was sent" in info.value.message or \
            "lost before a reply" in info.value.message
        assert len(proxy.connects) == 1
        assert _settled_count(sim_clean, "createProject", 1) == 1
    finally:
        if _exists(sim_clean, name):
            _delete(sim_clean, name)


@pytest.mark.parametrize("mode", ["502", "503", "upstream-refused"])
def test_a_write_is_sent_again_when_the_proxy_did_not_tunnel(sim_clean, proxy, proxy_env,
                                                             caplog, mode):
    """Until the proxy answers the CONNECT with 200 no byte of the request has left the
    client: the write provably never reached the array (C32), so it is sent again, not
    reported (after a whole budget of reads) as an outcome unknown."""
    proxy_env(proxy.url)
    proxy.fail(mode)
    name = unique("p")
    with make_client(sim_clean) as c:
        c.create_project(project_ref(POOL, name))
    try:
        assert len(proxy.connects) == 2
        assert _count(sim_clean, "createProject") == 1
        assert not [r for r in caplog.records if "may still be executing" in r.getMessage()]
    finally:
        _delete(sim_clean, name)


def test_a_write_through_a_proxy_that_refuses_connections_was_not_sent(sim_clean, proxy_env):
    proxy_env(refused_url())
    name = unique("p")
    with make_client(sim_clean, retry_budget=0.3) as c, \
            pytest.raises(ConnectionFailedError) as info:
        c.call("createProject", {"poolName": POOL, "projectName": name}, write=True)
    assert not isinstance(info.value, OutcomeUnknownError)
    assert info.value.attempts > 1     # sent again within the budget, like a direct refusal
    assert "proxy" in info.value.message
    assert _count(sim_clean, "createProject") == 0


@pytest.mark.parametrize("write", [False, True])
def test_a_proxy_refusing_the_credentials_is_not_retried(sim_clean, proxy, proxy_env, write):
    """407 means the proxy URL has no or wrong credentials: no retry helps, so the client says
    so at once instead of retrying for the whole budget as if the array were unreachable."""
    proxy_env("http://127.0.0.1:%d" % proxy.port)
    with make_client(sim_clean, retry_budget=3.0) as c, \
            pytest.raises(ConnectionFailedError) as info:
        if write:
            c.call("createProject", {"poolName": POOL, "projectName": unique("p")}, write=True)
        else:
            c.list_pools()
    assert not isinstance(info.value, OutcomeUnknownError)
    assert len(proxy.connects) == 1
    assert info.value.attempts == 1
    assert "407" in info.value.message and "credentials" in info.value.message
    assert _count(sim_clean, "createProject") == 0


# -- secrets -------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["refused", "wrong-credentials", "502", "cut"])
def test_no_secret_in_errors_or_logs_for_proxy_failures(sim_clean, proxy, proxy_env, caplog,
                                                        mode):
    """Neither the proxy's password (from its URL) nor the array's shows in an exception or a
    DEBUG line (the client's and urllib3's), whatever the proxy did."""
    caplog.set_level(logging.DEBUG)
    if mode == "refused":
        proxy_env(refused_url(PROXY_CREDENTIALS))
    elif mode == "wrong-credentials":
        proxy_env("http://%s:%s-wrong@127.0.0.1:%d" % (PROXY_CREDENTIALS + (proxy.port,)))
    else:
        proxy_env(proxy.url)
        proxy.fail(mode, 100)
    with make_client(sim_clean, retry_budget=0.5) as c, \
            pytest.raises(ConnectionFailedError) as info:
        c.list_pools()
    _assert_no_secret(_texts(info.value) + [r.getMessage() for r in caplog.records] +
                      [caplog.text])


@pytest.mark.parametrize("url", [
    # A port out of range (a typo): urllib3 quotes the whole proxy URL in its error.
    "http://%s:%s@127.0.0.1:99999" % PROXY_CREDENTIALS,
    # The same with a percent-encoded password and an '@' left unencoded in it.
    "http://%s:%s%%40x@127.0.0.1:99999" % PROXY_CREDENTIALS,
    "http://%s:%s@x@127.0.0.1:99999" % PROXY_CREDENTIALS,
])
def test_no_proxy_password_in_errors_or_logs_for_a_bad_proxy_url(
        sim_clean, proxy_env, caplog, url):
    caplog.set_level(logging.DEBUG)
    proxy_env(url)
    with make_client(sim_clean, retry_budget=0.5) as c, \
            pytest.raises(ConnectionFailedError) as info:
        c.list_pools()
    assert "proxy" in str(info.value).lower() or "Failed to parse" in str(info.value)
    _assert_no_secret(_texts(info.value) + [r.getMessage() for r in caplog.records] +
                      [caplog.text])


@pytest.mark.parametrize("password", ["Pw'quoted", 'Pw"quoted', "Pw quoted", "Pw<quoted>",
                                      "Pw\\quoted", "quoted/Pw", "quoted?Pw", "quoted#Pw"])
def test_no_proxy_password_with_a_quote_or_space_in_errors_or_logs(
        sim_clean, proxy_env, caplog, password):
    """The URL pattern of redact stops at a quote, a space or '<': a proxy password holding one
    showed whole in urllib3's "Failed to parse: http://user:Pw'quoted@host:99999"."""
    caplog.set_level(logging.DEBUG)
    proxy_env("http://%s:%s@127.0.0.1:99999" % (PROXY_CREDENTIALS[0], password))
    with make_client(sim_clean, retry_budget=0.5) as c, \
            pytest.raises(ConnectionFailedError) as info:
        c.list_pools()
    assert "Failed to parse" in str(info.value)
    for text in _texts(info.value) + [r.getMessage() for r in caplog.records] + [caplog.text]:
        assert "quoted" not in text and "Pw" not in text, text
