# SPDX-License-Identifier: Apache-2.0
"""How far a failed attempt got (issue 8, items 1 and 5): a failure during the TLS handshake is
"not sent" (a write may be sent again), a failure after the first byte was sent is "outcome
unknown" (reported as such, never as a handshake failure), and a port that does not speak TLS
fails at once."""

import socket
import sys
import threading
import time

import pytest
import requests

from tegile_intelliflash.client import delivery
from tegile_intelliflash.client.api import IntelliFlashClient
from tegile_intelliflash.client.errors import ConnectionFailedError, OutcomeUnknownError
from tegile_intelliflash.client.paths import share_ref
from tegile_intelliflash.simulator.harness import SimulatorProcess

from client_helpers import PASSWORD, make_client

POOL = "pool-a"


def _fail_first(client, monkeypatch, stage, exc):
    """The first post fails with ``exc`` after reaching ``stage``; later ones go through."""
    real_post = client.session.post
    sent = []

    def post(*args, **kwargs):
        sent.append(args[0])
        if len(sent) == 1:
            delivery._progress.stage = stage
            raise exc
        return real_post(*args, **kwargs)

    monkeypatch.setattr(client.session, "post", post)
    return sent


def test_tls_failure_during_handshake_resends_a_write(sim_clean, project, monkeypatch):
    c = make_client(sim_clean)
    sent = _fail_first(c, monkeypatch, delivery.CONNECTING, requests.exceptions.SSLError(
        "EOF occurred in violation of protocol (_ssl.c:992)"))
    with c:
        c.create_share(share_ref(POOL, project, "hs"))
        assert [url.rsplit("/", 1)[1] for url in sent] == ["createShare", "createShare"]
        assert c.find_share(share_ref(POOL, project, "hs")) is not None
    assert sim_clean.calls()["by_method"]["createShare"] == 1


def test_tls_eof_after_the_request_was_sent_is_not_a_handshake_failure(
        sim_clean, project, monkeypatch):
    """OpenSSL reports a reset while the request is on the wire as an SSL error; the client
    says what happened and treats the write's outcome as unknown."""
    c = make_client(sim_clean, retry_budget=0.2)
    sent = _fail_first(c, monkeypatch, delivery.SENDING, requests.exceptions.SSLError(
        "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol"))
    with c, pytest.raises(OutcomeUnknownError) as info:
        c.create_share(share_ref(POOL, project, "eof"))
    text = str(info.value)
    assert "reset or closed after the request was sent" in text
    assert "handshake" not in text
    assert len(sent) == 1 + sim_clean.calls()["by_method"].get("getShare", 0)


def test_reset_after_send_on_a_read_is_named_and_retried(sim_clean, client):
    sim_clean.set_faults(drop_reply_rate=1, methods=["listPools"], count=1)
    with make_client(sim_clean, retry_budget=0) as c, \
            pytest.raises(ConnectionFailedError) as info:
        c.list_pools()
    assert "reset or closed after the request was sent" in str(info.value)
    assert "TLS handshake" not in str(info.value)
    sim_clean.set_faults(drop_reply_rate=1, methods=["listPools"], count=1)
    assert client.list_pools()  # a read is sent again


def test_https_to_a_plain_http_port_fails_at_once(tmp_path):
    with SimulatorProcess(str(tmp_path / "plain"), host="127.0.0.1", port=0,
                          password=PASSWORD, python=sys.executable,
                          extra_args=("--plain-http",)) as sim:
        c = IntelliFlashClient("127.0.0.1", "admin", PASSWORD, port=sim.port,
                               retry_budget=30, backoff=0.01, backoff_max=0.05)
        started = time.monotonic()
        with c, pytest.raises(ConnectionFailedError) as info:
            c.list_pools()
        assert time.monotonic() - started < 5
    assert info.value.attempts == 1
    assert "127.0.0.1:%d speaks plain HTTP, not HTTPS" % sim.port in str(info.value)


def test_https_to_a_port_that_is_not_tls_nor_http_fails_at_once():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    port = server.getsockname()[1]
    stop = threading.Event()

    def serve():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _addr = server.accept()
            except OSError:
                continue
            try:
                conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n" + b"x" * 64)
                time.sleep(0.2)
            finally:
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        c = IntelliFlashClient("127.0.0.1", "admin", PASSWORD, port=port, retry_budget=30,
                               backoff=0.01, backoff_max=0.05)
        with c, pytest.raises(ConnectionFailedError) as info:
            c.list_pools()
    finally:
        stop.set()
        thread.join(5)
        server.close()
    assert info.value.attempts == 1
    assert "does not speak TLS" in str(info.value)
