# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""The event loop and the HTTP/1.1 message layer on their own (server.py, http11.py), with a
WSGI application of the test's own over plain HTTP."""

import contextlib
import socket
import ssl
import threading
import time

import pytest

from tegile_intelliflash.simulator import framing, http11, server, tls


def _big_reply_app(environ, start_response):
    body = b"x" * 65536
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


@contextlib.contextmanager
def _serving(app, inline, idle_timeout=server.DEFAULT_IDLE_TIMEOUT, ssl_context=None):
    """The loop serving ``app`` in a thread of this process, stopped on the way out."""
    srv = server.build_server("127.0.0.1", 0, app, inline=lambda environ: inline,
                              idle_timeout=idle_timeout, ssl_context=ssl_context)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)


@pytest.fixture
def loop():
    with _serving(_big_reply_app, inline=True) as srv:
        yield srv


def test_a_client_that_reads_no_replies_gets_no_more_served(loop):
    with socket.create_connection(("127.0.0.1", loop.port), timeout=10) as conn:
        # 600 requests (18 kB, taken at once) asking for 39 MB of replies, none read yet.
        conn.sendall(b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n" * 600)
        time.sleep(0.5)
        waiting = max(len(c.out) for c in loop._connections)  # pylint: disable=protected-access
        assert waiting < server.OUT_LIMIT + 65536 * 2
        assert loop.connection_stats.snapshot()["requests"] < 600
        # Once the client reads, every request is answered.
        while loop.connection_stats.snapshot()["requests"] < 600:
            assert conn.recv(1 << 20)


@pytest.mark.parametrize("head, status", [
    (b"GET / HTTP/2.0", 505),
    (b"GET / HTTP/1.1\r\nNo colon here", 400),
    (b"GET / HTTP/1.1\r\n" + b"X-A: b\r\n" * 101, 431),
    (b"GET / HTTP/1.1\r\nContent-Length: -1", 400),
    (b"GET /", 400),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked", 400),
    (b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6", 400),
])
def test_malformed_heads_are_refused(head, status):
    with pytest.raises(http11.HttpError) as info:
        http11.parse_head(head)
    assert info.value.status == status


def test_a_head_with_folded_and_repeated_fields():
    request = http11.parse_head(b"POST /a?b=c HTTP/1.0\r\nConnection: keep-alive\r\n"
                                b"X-Long: one\r\n two\r\nContent-Length: 3")
    assert request.keep_alive and request.length == 3 and not request.chunked
    assert ("X-Long", "one two") in request.headers
    environ = http11.wsgi_environ(request, b"abc", None, ("127.0.0.1", 5), _SERVER)
    assert environ["PATH_INFO"] == "/a" and environ["QUERY_STRING"] == "b=c"
    assert environ["HTTP_X_LONG"] == "one two" and environ["CONTENT_LENGTH"] == "3"


def test_chunked_bodies_come_whole_or_not_at_all():
    data = bytearray(b"HEAD3\r\nabc\r\n2;ext\r\nde\r\n0\r\n\r\nNEXT")
    chunked = http11.ChunkedBody(4)
    assert chunked.feed(data[:12]) is None    # within the first chunk
    assert chunked.feed(data[:-8]) is None    # before the last blank line
    body, end = chunked.feed(data)            # goes on from where it stopped
    assert body == b"abcde" and data[end:] == b"NEXT"


@pytest.mark.parametrize("chunks, status", [
    (b"-6\r\n", 400),                      # would step back to where it started, for ever
    (b"+5\r\nhello\r\n0\r\n\r\n", 400),
    (b"0x5\r\nhello\r\n0\r\n\r\n", 400),
    (b"0\r\nX-T: " + b"t" * 70000, 431),    # trailer fields without end
])
def test_malformed_chunked_bodies_are_refused(chunks, status):
    with pytest.raises(http11.HttpError) as info:
        http11.ChunkedBody(0).feed(bytearray(chunks))
    assert info.value.status == status


def test_lengths_and_targets_that_do_not_parse_are_refused():
    for head in (b"POST / HTTP/1.1\r\nContent-Length: \xb2",    # a digit to isdigit()
                 b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999"):
        with pytest.raises(http11.HttpError) as info:
            http11.parse_head(head)
        assert info.value.status == 400
    request = http11.parse_head(b"GET //[x HTTP/1.1")
    with pytest.raises(http11.HttpError):
        http11.wsgi_environ(request, b"", None, ("127.0.0.1", 5), _SERVER)


def test_length_and_chunked_together_close_after_the_reply():
    request = http11.parse_head(b"POST / HTTP/1.1\r\nContent-Length: 3\r\n"
                                b"Transfer-Encoding: chunked")
    assert request.chunked and not request.keep_alive


def test_raw_non_ascii_paths_are_the_bytes_sent():
    request = http11.parse_head("GET /caf\u00e9%C3%A9 HTTP/1.1".encode("latin-1"))
    environ = http11.wsgi_environ(request, b"", None, ("127.0.0.1", 5), _SERVER)
    assert environ["PATH_INFO"] == b"/caf\xe9\xc3\xa9".decode("latin-1")


_SERVER = type("S", (), {"ssl_context": None, "host": "h", "port": 1})


def _replies(conn, count):
    data = b""
    while data.count(b"HTTP/1.1 ") < count or not data.endswith(b"x" * 100):
        chunk = conn.recv(1 << 20)
        assert chunk, data[-200:]
        data += chunk
    return data


def test_an_empty_line_between_requests_may_arrive_in_pieces(loop):
    request = b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n"
    with socket.create_connection(("127.0.0.1", loop.port), timeout=10) as conn:
        conn.sendall(request + b"\r")
        time.sleep(0.1)
        conn.sendall(b"\n" + request)
        assert _replies(conn, 2).count(b"HTTP/1.1 200 OK") == 2


def test_a_body_too_large_gets_no_100_continue(loop):
    with socket.create_connection(("127.0.0.1", loop.port), timeout=10) as conn:
        conn.sendall(b"POST /x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                     b"Content-Length: %d\r\n\r\n" % (http11.MAX_BODY + 1))
        data = _replies(conn, 1)
        assert b"100 Continue" not in data and b"Connection: close" in data


def _app(environ, start_response):
    """/x: 64 kB; /mib: 1 MiB; /bad: a header that is not latin-1; /raise: the application
    fails."""
    path = environ["PATH_INFO"]
    if path == "/raise":
        raise RuntimeError("boom")
    body = b"x" * (1 << 20 if path == "/mib" else 65536)
    headers = [("Content-Length", str(len(body)))]
    if path == "/bad":
        headers.append(("X-Name", "\u2603"))
    start_response("200 OK", headers)
    return [body]


@pytest.fixture(params=[True, False], ids=["inline", "threaded"])
def app_loop(request):
    with _serving(_app, inline=request.param) as srv:
        yield srv


def _read_all(conn):
    data = b""
    while True:
        try:
            chunk = conn.recv(1 << 20)
        except ConnectionResetError:
            return data, True
        if not chunk:
            return data, False
        data += chunk


def test_requests_sent_with_the_clients_fin_are_answered(app_loop):
    with socket.create_connection(("127.0.0.1", app_loop.port), timeout=10) as conn:
        conn.sendall(b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n" * 2)
        conn.shutdown(socket.SHUT_WR)
        data, _reset = _read_all(conn)
    assert data.count(b"HTTP/1.1 200 OK") == 2


@pytest.mark.parametrize("path", ["/bad", "/raise"])
def test_a_reply_that_cannot_be_sent_is_a_500(app_loop, path):
    with socket.create_connection(("127.0.0.1", app_loop.port), timeout=10) as conn:
        conn.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
        data, _reset = _read_all(conn)
    assert data.startswith(b"HTTP/1.1 500 ") and b"Connection: close" in data


def test_a_trailing_empty_line_gets_no_reply_of_its_own(loop):
    with socket.create_connection(("127.0.0.1", loop.port), timeout=10) as conn:
        conn.sendall(b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n\r\n")
        time.sleep(0.2)
        conn.sendall(b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _replies(conn, 2).count(b"HTTP/1.1 200 OK") == 2


def test_a_shutdown_asked_before_the_loop_runs_ends_it():
    srv = server.build_server("127.0.0.1", 0, _app)
    stopper = threading.Thread(target=srv.shutdown, daemon=True)
    stopper.start()
    time.sleep(0.1)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    thread.join(5)
    stopper.join(5)
    srv.server_close()
    assert not thread.is_alive() and not stopper.is_alive()


def test_a_head_that_trickles_in_is_served_and_bounded(loop):
    with socket.create_connection(("127.0.0.1", loop.port), timeout=10) as conn:
        head = b"GET /x HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 3000 + b"\r\n\r\n"
        for start in range(0, len(head), 7):
            conn.sendall(head[start:start + 7])
        assert _replies(conn, 1).startswith(b"HTTP/1.1 200 OK")
    with socket.create_connection(("127.0.0.1", loop.port), timeout=10) as conn:
        conn.sendall(b"GET /x HTTP/1.1\r\n" + b"X-A: b\r\n" * 150000)
        data, _reset = _read_all(conn)
    assert data.startswith(b"HTTP/1.1 431 ")


def _wait_for(predicate, seconds=10):
    """What ``predicate`` returns once it is true (polled; the test fails after ``seconds``)."""
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not met within %s s" % seconds
        time.sleep(0.01)


def test_a_reply_still_leaving_when_the_client_half_closes_is_sent_whole(app_loop):
    loop_ = app_loop
    with socket.socket() as conn:
        # Small buffers on both sides keep most of the 1 MiB reply in the connection's ``out``
        # (below OUT_LIMIT, so the loop reads the socket and sees the FIN) until the client
        # reads: the FIN comes with nothing left to read but a reply half sent.
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        conn.settimeout(10)
        conn.connect(("127.0.0.1", loop_.port))
        accepted = _wait_for(lambda: list(loop_._connections))  # pylint: disable=protected-access
        accepted[0].sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16384)
        conn.sendall(b"GET /mib HTTP/1.1\r\nHost: x\r\n\r\n")
        _wait_for(lambda: loop_.connection_stats.snapshot()["requests"] == 1 and accepted[0].out)
        conn.shutdown(socket.SHUT_WR)
        data, _reset = _read_all(conn)
    _head, _sep, body = data.partition(b"\r\n\r\n")
    assert len(body) == 1 << 20


def test_requests_waiting_for_room_to_send_are_answered_after_the_fin(loop):
    # 200 replies of 64 kB are more than OUT_LIMIT holds at once: the requests that wait for
    # room are still the client's, FIN or not.
    with socket.create_connection(("127.0.0.1", loop.port), timeout=10) as conn:
        conn.sendall(b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n" * 200)
        conn.shutdown(socket.SHUT_WR)
        data, _reset = _read_all(conn)
    assert data.count(b"HTTP/1.1 200 OK") == 200


def test_an_incomplete_request_sent_with_the_fin_closes_at_once():
    # Nothing can complete it: the connection closes after the replies to the complete
    # requests, not when the idle timeout (60 s here) runs out.
    with _serving(_app, inline=True, idle_timeout=60) as srv:
        for rest in (b"GET /x HTTP/1.1\r\nHo", b"POST /x HTTP/1.1\r\nContent-Length: 9\r\n\r\nab"):
            with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as conn:
                conn.sendall(b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n" + rest)
                conn.shutdown(socket.SHUT_WR)
                data, _reset = _read_all(conn)  # times out (10 s) while the server holds it
            assert data.count(b"HTTP/1.1 200 OK") == 1


def test_a_head_past_max_head_is_refused_however_it_arrives():
    # 20 fields of 60 kB: each line and their number within bounds, the head past MAX_HEAD.
    head = b"GET /x HTTP/1.1" + (b"\r\nX-A: " + b"a" * 60000) * 20
    assert len(head) > http11.MAX_HEAD
    with pytest.raises(http11.HttpError) as info:
        http11.parse_head(head)  # the head in one piece (as the loop reads 256 kB at once)
    assert info.value.status == 431
    conn = framing.Connection(None, ("127.0.0.1", 5), False)
    with pytest.raises(http11.HttpError) as info:
        for start in range(0, len(head) + 4, 65536):
            conn.inbuf += (head + b"\r\n\r\n")[start:start + 65536]
            assert framing.take_request(conn) is None
    assert info.value.status == 431
    # A head of MAX_HEAD bytes exactly is taken either way, even when its blank line is
    # still to come but for its last byte.
    head = head[:http11.MAX_HEAD]
    assert http11.parse_head(head).headers[-1][0] == "X-A"
    conn = framing.Connection(None, ("127.0.0.1", 5), False)
    conn.inbuf += head + b"\r\n\r"
    assert framing.take_request(conn) is None
    conn.inbuf += b"\n"
    assert framing.take_request(conn)[0].headers[-1][0] == "X-A"


def test_a_tls_reply_read_slowly_is_not_taken_for_an_idle_connection(tmp_path):
    # OpenSSL (without partial writes, as Python sets it up) reports a send only once all of
    # it has gone: a 1 MiB reply read over 1.3 s must still count as activity, not idleness.
    context = tls.server_ssl_context(str(tmp_path), "127.0.0.1")
    client = ssl.create_default_context(cafile=str(tmp_path / tls.CA_CERT))
    with _serving(_app, inline=True, idle_timeout=0.3, ssl_context=context) as srv:
        with socket.socket() as raw:
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
            raw.settimeout(10)
            raw.connect(("127.0.0.1", srv.port))
            with client.wrap_socket(raw, server_hostname="127.0.0.1") as conn:
                accepted = _wait_for(lambda: list(srv._connections))  # pylint: disable=protected-access
                accepted[0].sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16384)
                conn.sendall(b"GET /mib HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                data = b""
                while True:  # to the server's close, after the reply or in its middle
                    chunk = conn.recv(16384)
                    if not chunk:
                        break
                    data += chunk
                    time.sleep(0.02)  # about 0.8 MB/s
    assert data.partition(b"\r\n\r\n")[2] == b"x" * (1 << 20)


def test_the_date_header_is_never_empty_or_stale_for_a_second_caller(monkeypatch):
    """Request threads and the loop ask for the Date header at once: a caller that comes in
    while another is formatting a new second gets a whole date (formatting re-enters here the
    way a second thread would interleave)."""
    date = http11.DateHeader()
    real = http11.email.utils.formatdate
    seen = []
    calls = []

    def formatdate(second, usegmt):
        calls.append(second)
        if len(calls) == 1:
            seen.append(date.now())  # the other caller, in the middle of this one
        return real(second, usegmt=usegmt)

    monkeypatch.setattr(http11.email.utils, "formatdate", formatdate)
    first = date.now()
    assert seen and seen[0] and first.endswith(" GMT") and seen[0].endswith(" GMT")


def test_a_latency_configured_as_an_inline_call_starts_does_not_hold_the_loop(tmp_path):
    """The server runs an array call in its loop thread when no latency is configured. A latency
    configured between that choice and the call's fault decision made the loop thread sleep it,
    holding every other connection (control calls included) meanwhile; the call now runs as one
    that came before the configuration."""
    import requests

    from tegile_intelliflash.simulator.app import Simulator, create_app
    from tegile_intelliflash.simulator.store import Store

    store = Store(str(tmp_path))
    sim = Simulator(store, "admin", "pw")
    configured = threading.Event()

    def inline_then_configured(environ):
        inline = sim.runs_inline(environ)
        if inline and environ["PATH_INFO"].endswith("/listPools") and not configured.is_set():
            sim.faults.configure({"latency_ms": 3000, "methods": ["listPools"]})
            configured.set()
        return inline

    srv = server.build_server("127.0.0.1", 0, create_app(sim), inline=inline_then_configured)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    url = "http://127.0.0.1:%d" % srv.port
    try:
        replies = {}
        call = threading.Thread(target=lambda: replies.update(
            pools=requests.post(url + "/zebi/api/v2/listPools", data="[]", auth=("admin", "pw"), timeout=30)))
        call.start()
        assert configured.wait(10)
        started = time.monotonic()
        faults = requests.get(url + "/sim/v1/faults", auth=("admin", "pw"), timeout=30)
        waited = time.monotonic() - started
        call.join(30)
        assert faults.status_code == 200 and replies["pools"].status_code == 200
        assert waited < 1.5, "the control call waited %.1f s for the loop thread" % waited
        # The configuration applies from the next call on (which runs in a thread of its own).
        assert sim.faults.describe()["fired"] == 0
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)
        store.close()
