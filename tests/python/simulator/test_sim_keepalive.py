# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""HTTP/1.1 persistent connections, as an array's web server keeps them.

Raw TLS sockets, so that what is on the wire (headers, framing, who closes) is what is checked.
"""

import base64
import json
import os
import socket
import ssl
import sys
import time

import pytest

from tegile_intelliflash.simulator.harness import SimulatorProcess


def _connect(sim):
    context = ssl.create_default_context(cafile=sim.ca_path)
    raw = socket.create_connection((sim.host, sim.port), timeout=10)
    return context.wrap_socket(raw, server_hostname=sim.host)


def _request(sim, method="listPools", body=b"[]", version="HTTP/1.1", headers=(),
             path=None):
    token = base64.b64encode(("%s:%s" % (sim.user, sim.password)).encode()).decode()
    lines = ["POST %s %s" % (path or "/zebi/api/v2/" + method, version),
             "Host: %s" % sim.address, "Authorization: Basic " + token,
             "Content-Type: application/json", "Content-Length: %d" % len(body)]
    lines.extend(headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Reader:
    """Reads replies framed by Content-Length from one connection."""

    def __init__(self, conn):
        self.conn = conn
        self.buffer = b""

    def _fill(self):
        data = self.conn.recv(65536)
        if not data:
            raise EOFError("connection closed by the server")
        self.buffer += data

    def reply(self):
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, _sep, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines[1:])}
        assert "transfer-encoding" not in headers, headers
        length = int(headers["content-length"])
        while len(self.buffer) < length:
            self._fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return lines[0], headers, body

    def closed_by_server(self, timeout=5.0):
        """True when the server closes the connection (EOF) within ``timeout``."""
        self.conn.settimeout(timeout)
        try:
            return self.conn.recv(1) == b""
        except (ConnectionResetError, ssl.SSLError):
            return True
        except socket.timeout:
            return False


def test_replies_keep_the_connection_open_with_their_length(sim):
    opened = sim.stats()["connections"]["opened"]
    with _connect(sim) as conn:
        reader = Reader(conn)
        for method, body in (("listPools", b"[]"), ("getFloatingIPList", b'["All"]'),
                             ("listPools", b"[]")):
            conn.sendall(_request(sim, method, body))
            status, headers, body = reader.reply()
            assert status.startswith("HTTP/1.1 200"), status
            assert "connection" not in headers, headers
            assert int(headers["content-length"]) == len(body)
            json.loads(body)
        # An array error and an unknown method keep it open too.
        conn.sendall(_request(sim, "getShare", b'["pool-a/Local/nope/nope"]'))
        status, headers, _body = reader.reply()
        assert status.startswith("HTTP/1.1 500") and "connection" not in headers
        conn.sendall(_request(sim, "noSuchMethod"))
        status, headers, _body = reader.reply()
        assert status.startswith("HTTP/1.1 404") and "connection" not in headers
        # Two requests in one send (pipelined): both answered, in order.
        conn.sendall(_request(sim, "listPools") + _request(sim, "getFloatingIPList", b'["All"]'))
        first, second = reader.reply(), reader.reply()
        assert "availableSize" in first[2].decode() and second[0].startswith("HTTP/1.1 200")
    # ours, and the connection of this control call (urllib closes each one)
    assert sim.stats()["connections"]["opened"] == opened + 2


def test_an_unread_body_is_skipped(sim):
    """A reply sent without reading the request's body (authentication refused, a control
    call that takes none) leaves the connection at the next request."""
    with _connect(sim) as conn:
        reader = Reader(conn)
        bad = _request(sim, "listPools", body=b'["' + b"x" * 5000 + b'"]')
        bad = bad.replace(b"Authorization: Basic ", b"Authorization: Basic AAAA")
        conn.sendall(bad + _request(sim, "listPools"))
        assert reader.reply()[0].startswith("HTTP/1.1 401")
        assert reader.reply()[0].startswith("HTTP/1.1 200")


def test_client_connection_close_is_honoured(sim):
    with _connect(sim) as conn:
        reader = Reader(conn)
        conn.sendall(_request(sim, headers=("Connection: close",)))
        status, headers, _body = reader.reply()
        assert status.startswith("HTTP/1.1 200") and headers["connection"] == "close"
        assert reader.closed_by_server()


def test_http_1_0_closes_unless_keep_alive_is_asked(sim):
    with _connect(sim) as conn:
        reader = Reader(conn)
        conn.sendall(_request(sim, version="HTTP/1.0"))
        _status, headers, _body = reader.reply()
        assert headers["connection"] == "close" and reader.closed_by_server()
    with _connect(sim) as conn:
        reader = Reader(conn)
        for _round in range(2):
            conn.sendall(_request(sim, version="HTTP/1.0", headers=("Connection: keep-alive",)))
            _status, headers, _body = reader.reply()
            assert headers["connection"] == "keep-alive"


@pytest.mark.parametrize("version, interim", [("HTTP/1.1", 1), ("HTTP/1.0", 0)])
def test_expect_100_continue_gets_one_interim_reply_from_http_1_1_only(sim, version, interim):
    # Before: http.server sent one 100 Continue and the handler another, to HTTP/1.0 clients
    # too (which know no interim replies, RFC 9110 section 15.2).
    with _connect(sim) as conn:
        reader = Reader(conn)
        asked = ("Expect: 100-continue", "Connection: keep-alive")
        conn.sendall(_request(sim, version=version, headers=asked))
        continues = 0
        while True:
            while b"\r\n\r\n" not in reader.buffer:
                reader._fill()  # pylint: disable=protected-access
            if not reader.buffer.startswith(b"HTTP/1.1 100 "):
                break
            reader.buffer = reader.buffer.partition(b"\r\n\r\n")[2]
            continues += 1
        status, _headers, body = reader.reply()
        assert continues == interim and status.split()[1] == "200" and json.loads(body)


@pytest.fixture
def short_idle_sim(tmp_path):
    with SimulatorProcess(tmp_path / "state", python=sys.executable,
                          extra_args=("--idle-timeout", "0.5")) as proc:
        yield proc


def test_an_idle_connection_is_closed_after_the_idle_timeout(short_idle_sim):
    sim = short_idle_sim
    with _connect(sim) as conn:
        reader = Reader(conn)
        conn.sendall(_request(sim))
        reader.reply()
        time.sleep(0.2)  # well within the timeout: still open
        conn.sendall(_request(sim))
        reader.reply()
        started = time.monotonic()
        assert reader.closed_by_server(timeout=10)
        assert time.monotonic() - started < 5
    stats = sim.stats()
    assert stats["connections"]["open"] <= 1  # the control call's own


def test_idle_timeout_must_be_positive(tmp_path):
    with pytest.raises(Exception) as info:
        SimulatorProcess(tmp_path / "state", python=sys.executable,
                         extra_args=("--idle-timeout", "0")).start()
    assert "--idle-timeout" in str(info.value)


def test_a_reset_fault_cuts_only_its_connection(private_sim):
    sim = private_sim
    sim.set_faults(reset_rate=1, count=1, methods=["getFloatingIPList"])
    with _connect(sim) as conn:
        reader = Reader(conn)
        conn.sendall(_request(sim))
        assert reader.reply()[0].startswith("HTTP/1.1 200")
        conn.sendall(_request(sim, "getFloatingIPList", b'["All"]'))
        with pytest.raises((EOFError, ConnectionResetError, ssl.SSLError)):
            reader.reply()
    with _connect(sim) as conn:
        conn.sendall(_request(sim, "getFloatingIPList", b'["All"]'))
        assert Reader(conn).reply()[0].startswith("HTTP/1.1 200")


# -- one event loop: what one connection does holds no other (server.py) -----------------------

def _timed_reply(sim, method="listPools", body=b"[]"):
    started = time.monotonic()
    with _connect(sim) as conn:
        conn.sendall(_request(sim, method, body))
        status = Reader(conn).reply()[0]
    return status, time.monotonic() - started


def test_a_half_sent_request_holds_only_its_own_connection(sim):
    with _connect(sim) as slow:
        head = _request(sim)
        slow.sendall(head[:len(head) // 2])  # the rest never comes (for now)
        status, seconds = _timed_reply(sim)
        assert status.startswith("HTTP/1.1 200") and seconds < 3
        slow.sendall(head[len(head) // 2:])
        assert Reader(slow).reply()[0].startswith("HTTP/1.1 200")


def test_a_silent_tls_handshake_holds_only_its_own_connection(sim):
    with socket.create_connection((sim.host, sim.port), timeout=10):
        status, seconds = _timed_reply(sim)
    assert status.startswith("HTTP/1.1 200") and seconds < 3


def _cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_injected_latency_holds_only_its_own_call(private_sim):
    sim = private_sim
    sim.set_faults(latency_ms=4000, methods=["listPools"])
    with _connect(sim) as held:
        # The second request waits behind the first, in order; meanwhile the server does not
        # spin on the connection it cannot serve yet.
        held.sendall(_request(sim))
        time.sleep(0.2)
        cpu = _cpu_seconds(sim.process.pid)
        held.sendall(_request(sim, "getFloatingIPList", b'["All"]'))
        status, seconds = _timed_reply(sim, "getFloatingIPList", b'["All"]')
        assert status.startswith("HTTP/1.1 200") and seconds < 3.5
        reader = Reader(held)
        assert reader.reply()[0].startswith("HTTP/1.1 200")
        assert "ipAddress" in reader.reply()[2].decode()
        assert _cpu_seconds(sim.process.pid) - cpu < 1.5
    sim.clear_faults()


def test_a_chunked_request_body_keeps_the_connection(sim):
    with _connect(sim) as conn:
        reader = Reader(conn)
        chunked = _request(sim, "getFloatingIPList", b"").replace(
            b"Content-Length: 0", b"Transfer-Encoding: chunked")
        conn.sendall(chunked + b"3\r\n[\"A\r\n4;x=y\r\nll\"]\r\n0\r\n\r\n" + _request(sim))
        status, headers, body = reader.reply()
        assert status.startswith("HTTP/1.1 200") and "connection" not in headers
        assert isinstance(json.loads(body), list)
        assert reader.reply()[0].startswith("HTTP/1.1 200")


@pytest.mark.parametrize("chunks", [b"zz\r\n[]\r\n0\r\n\r\n", b"1\r\n[]\r\n0\r\n\r\n"])
def test_a_malformed_chunked_body_is_refused_and_closes(sim, chunks):
    with _connect(sim) as conn:
        reader = Reader(conn)
        chunked = _request(sim, "listPools", b"").replace(
            b"Content-Length: 0", b"Transfer-Encoding: chunked")
        conn.sendall(chunked + chunks)
        status, headers, body = reader.reply()
        assert status.startswith("HTTP/1.1 400") and headers["connection"] == "close"
        assert json.loads(body)["code"] == "EZEBI_GENERAL"
        assert reader.closed_by_server()


def test_a_request_body_past_the_limit_is_refused_and_closes(sim):
    with _connect(sim) as conn:
        reader = Reader(conn)
        conn.sendall(_request(sim, body=b"").replace(b"Content-Length: 0",
                                                     b"Content-Length: 99999999999"))
        status, headers, body = reader.reply()
        assert status.startswith("HTTP/1.1 413") and headers["connection"] == "close"
        assert reader.closed_by_server()
