# SPDX-License-Identifier: Apache-2.0
"""Replies cut short: the status line and headers arrived, the body did not (a proxy or an array
that closed the connection in the middle of the body, e.g. at its own timeout).

urllib3 1.26 (the OpenStack 2025.1 and 2025.2 upper constraints, so the Manila driver's hosts of
those releases) does not check a body against its Content-Length: it hands the client what
arrived. urllib3 2 raises. Both must mean the same to the client: a lost reply (a read is sent
again; a write's outcome is unknown), never an answer (an empty body read as "nothing", a cut
JSON text reported as the array's page).
"""

import socket
import socketserver
import threading

import pytest
import urllib3.response

from tegile_intelliflash.client.api import IntelliFlashClient
from tegile_intelliflash.client.errors import OutcomeUnknownError
from tegile_intelliflash.simulator import tls

from client_helpers import PASSWORD

FULL = b'[{"name":"pool-a","totalSizeInByte":1099511627776,"availableSizeInByte":1}]'


class _CutServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, context, cut):
        socketserver.TCPServer.__init__(self, ("127.0.0.1", 0), _CutHandler)
        self.context = context
        self.cut = list(cut)   # bytes of the body sent by each of the next replies
        self.requests = []     # the method of every request received
        self.lock = threading.Lock()


class _CutHandler(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            conn = self.server.context.wrap_socket(self.request, server_side=True)
        except (OSError, ValueError):
            return
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, body = data.split(b"\r\n\r\n", 1)
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _sep, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            while len(body) < length:
                body += conn.recv(65536)
            with self.server.lock:
                self.server.requests.append(head.split(b" ")[1].rsplit(b"/", 1)[-1].decode())
                cut = self.server.cut.pop(0) if self.server.cut else None
            sent = FULL if cut is None else FULL[:cut]
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(FULL), sent))
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@pytest.fixture(params=["urllib3-1.26", "urllib3-2"])
def lenient(request, monkeypatch):
    """Run each test as urllib3 1.26 does (no Content-Length check) and as urllib3 2 does."""
    if request.param == "urllib3-1.26":
        original = urllib3.response.HTTPResponse.__init__

        def init(self, *args, **kwargs):
            kwargs["enforce_content_length"] = False
            original(self, *args, **kwargs)

        monkeypatch.setattr(urllib3.response.HTTPResponse, "__init__", init)
    return request.param


@pytest.fixture
def server(tmp_path):
    state = tmp_path / "tls"
    state.mkdir()
    context = tls.server_ssl_context(str(state), "127.0.0.1")
    srv = _CutServer(context, [])
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    srv.ca_path = str(state / tls.CA_CERT)
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(5)


def _client(server, **options):
    settings = dict(port=server.server_address[1], ca_path=server.ca_path, retry_budget=5.0,
                    backoff=0.01, backoff_max=0.05, timeout=(5.0, 5.0))
    settings.update(options)
    return IntelliFlashClient("127.0.0.1", "admin", PASSWORD, **settings)


@pytest.mark.parametrize("cut", [0, 30])
def test_a_read_whose_reply_was_cut_short_is_sent_again(server, lenient, cut):
    server.cut = [cut]
    with _client(server) as client:
        pools = client.list_pools()
    assert [pool.name for pool in pools] == ["pool-a"]
    assert server.requests == ["listPools", "listPools"]


@pytest.mark.parametrize("cut", [0, 30])
def test_a_write_whose_reply_was_cut_short_is_not_sent_again(server, lenient, cut):
    server.cut = [cut]
    with _client(server) as client, pytest.raises(OutcomeUnknownError) as info:
        client.call("createProject", "pool-a", "p1", write=True)
    assert "unknown" in str(info.value) and "cut short" in str(info.value), str(info.value)
    assert server.requests == ["createProject"]
