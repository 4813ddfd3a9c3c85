# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""A connection remembers the Authorization header it last verified.

The simulator runs in this process (its server and application as ``cli.main`` builds them),
so that the full credential check can be counted with a monkeypatch; calls go over real HTTPS
on kept-alive ``http.client`` connections.
"""

import base64
import http.client
import ssl
import threading

import pytest

from tegile_intelliflash.simulator import app as sim_app
from tegile_intelliflash.simulator import seed, tls
from tegile_intelliflash.simulator.server import build_server
from tegile_intelliflash.simulator.store import Store

HOST = "127.0.0.1"
USER = "admin"
PASSWORD = "cache-s3cret"


@pytest.fixture
def served(tmp_path, monkeypatch):
    """(port, ca_path, checks): a running in-process simulator and the list of full checks."""
    store = Store(str(tmp_path))
    with store.transaction(write=True) as txn:
        seed.ensure_seed(txn, [])
    sim = sim_app.Simulator(store, USER, PASSWORD)
    checks = []
    full_check = sim.check_credentials

    def counted(auth):
        result = full_check(auth)
        checks.append(result)
        return result

    monkeypatch.setattr(sim, "check_credentials", counted)
    server = build_server(HOST, 0, sim_app.create_app(sim), tls.server_ssl_context(
        str(tmp_path), HOST), stats=sim.connections)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield server.port, str(tmp_path / "ca.pem"), checks
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        store.close()


def _auth(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


class Conn:
    """One kept-alive connection; fails the test if the server opens a new one under it."""

    def __init__(self, port, ca_path):
        context = ssl.create_default_context(cafile=ca_path)
        self.http = http.client.HTTPSConnection(HOST, port, timeout=10, context=context)
        self.sock = None

    def call(self, authorization, method="listPools"):
        headers = {"Content-Type": "application/json"}
        if authorization is not None:
            headers["Authorization"] = authorization
        self.http.request("POST", "/zebi/api/v2/" + method, body=b"[]", headers=headers)
        resp = self.http.getresponse()
        resp.read()
        if self.sock is None:
            self.sock = self.http.sock
        assert self.http.sock is self.sock, "the connection was not kept alive"
        return resp.status

    def close(self):
        self.http.close()


def test_same_header_on_a_connection_is_checked_once(served):
    port, ca_path, checks = served
    conn = Conn(port, ca_path)
    try:
        good = _auth(USER, PASSWORD)
        assert [conn.call(good) for _call in range(3)] == [200, 200, 200]
        assert checks == [True]
    finally:
        conn.close()


def test_each_connection_checks_for_itself(served):
    port, ca_path, checks = served
    good = _auth(USER, PASSWORD)
    for _conn in range(2):
        conn = Conn(port, ca_path)
        try:
            assert conn.call(good) == 200
        finally:
            conn.close()
    assert checks == [True, True]


def test_a_wrong_password_after_a_good_one_is_refused(served):
    port, ca_path, checks = served
    conn = Conn(port, ca_path)
    try:
        assert conn.call(_auth(USER, PASSWORD)) == 200
        assert conn.call(_auth(USER, "Wr0ng-s3cret")) == 401
        assert conn.call(_auth("someone", PASSWORD)) == 401
        assert conn.call(None) == 401
        # A header that only differs in case or padding is checked in full too.
        assert conn.call(_auth(USER, PASSWORD).replace("Basic", "basic")) == 200
        assert conn.call(_auth(USER, PASSWORD)) == 200
        assert checks == [True, False, False, False, True, True]
    finally:
        conn.close()


def test_a_refused_header_is_checked_again_every_time(served):
    port, ca_path, checks = served
    conn = Conn(port, ca_path)
    try:
        bad = _auth(USER, "Wr0ng-s3cret")
        assert [conn.call(bad) for _call in range(2)] == [401, 401]
        assert checks == [False, False]
    finally:
        conn.close()
