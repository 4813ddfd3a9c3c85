# SPDX-License-Identifier: Apache-2.0
"""A small HTTP forward proxy (CONNECT tunnels only) for the client tests, standard library only.

The client is used behind such proxies in production networks (``HTTPS_PROXY``); this one
listens on 127.0.0.1, tunnels to the simulator, and can fail on purpose, one connection at a
time (``proxy.fail(mode, count)``):

* ``"407"``: answers the CONNECT with 407 Proxy Authentication Required (also done whenever
  ``credentials`` are set and the CONNECT does not carry them);
* ``"502"``/``"503"``/``"504"``: answers the CONNECT with that status, nothing is forwarded;
* ``"upstream-refused"``: the proxy's own connection to the target is refused (a port nothing
  listens on), so it answers 502 like squid does;
* ``"slow"``: waits ``slow_seconds`` (2 s) before answering the CONNECT, then tunnels;
* ``"cut"``: tunnels, forwards the request to the target, then closes the client's side as soon
  as the target sends anything back; the target still executes the call, its reply is dropped.

``refused_url()`` is the URL of a proxy that is not running (connection refused).
"""

import base64
import socket
import struct
import threading
import time

# A TLS record header: content type, version, length. Type 23 is application data; with TLS 1.3
# the client's encrypted Finished (53 bytes) is one as well, the HTTP request is longer.
_APPLICATION_DATA = 23
_REQUEST_RECORD = 100


def free_port():
    """A port nothing listens on (bound once, then closed)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def refused_url(credentials=None):
    auth = "%s:%s@" % credentials if credentials else ""
    return "http://%s127.0.0.1:%d" % (auth, free_port())


class ConnectProxy(object):
    """A threaded CONNECT proxy; use as a context manager (stopped and joined on exit)."""

    def __init__(self, credentials=None):
        self.credentials = credentials
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._faults = []
        self._threads = []
        self._sockets = []
        self._stopped = False
        self.connects = []      # "host:port" of every CONNECT received
        self.tunnels = 0        # tunnels established (200 sent)
        self.cut = 0            # replies dropped by the "cut" mode
        self.auth_seen = []     # the Proxy-Authorization header of each CONNECT (None if absent)
        self.slow_seconds = 2.0

    @property
    def url(self):
        if self.credentials:
            return "http://%s:%s@127.0.0.1:%d" % (self.credentials + (self.port,))
        return "http://127.0.0.1:%d" % self.port

    def fail(self, mode, count=1):
        """The next ``count`` CONNECTs fail with ``mode`` (see the module docstring)."""
        with self._lock:
            self._faults.extend([mode] * count)

    def __enter__(self):
        thread = threading.Thread(target=self._accept, name="test-proxy", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self._stopped = True
        try:
            # Wakes accept() up: connect once, then close the listener.
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            pass
        self._listener.close()
        with self._lock:
            sockets = list(self._sockets)
        # Shut down first (wakes every thread blocked on one), closed once they are done.
        for sock in sockets:
            _shutdown(sock)
        for thread in list(self._threads):
            thread.join(10)
        for sock in sockets:
            _close(sock)

    # -- serving ---------------------------------------------------------------------------

    def _accept(self):
        while not self._stopped:
            try:
                conn, dummy = self._listener.accept()
            except OSError:
                return
            if self._stopped:
                conn.close()
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            with self._lock:
                self._sockets.append(conn)
                self._threads.append(thread)
            thread.start()

    def _next_fault(self):
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    def _serve(self, conn):
        try:
            conn.settimeout(30)
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
            lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
            verb, target = lines[0].split(" ")[:2]
            headers = dict((k.strip().lower(), v.strip()) for k, v in
                           (line.split(":", 1) for line in lines[1:] if ":" in line))
            if verb != "CONNECT":
                return self._answer(conn, 405, "Method Not Allowed")
            with self._lock:
                self.connects.append(target)
                self.auth_seen.append(headers.get("proxy-authorization"))
            if self.credentials:
                wanted = "Basic " + base64.b64encode(
                    ("%s:%s" % self.credentials).encode()).decode()
                if headers.get("proxy-authorization") != wanted:
                    return self._answer(conn, 407, "Proxy Authentication Required",
                                        b"Proxy-Authenticate: Basic realm=\"test\"\r\n")
            fault = self._next_fault()
            if fault in ("407", "502", "503", "504"):
                reason = {"407": "Proxy Authentication Required", "502": "Bad Gateway",
                          "503": "Service Unavailable", "504": "Gateway Timeout"}[fault]
                return self._answer(conn, int(fault), reason)
            if fault == "slow":
                time.sleep(self.slow_seconds)
            host, port = target.rsplit(":", 1)
            if fault == "upstream-refused":
                port = free_port()
            try:
                upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
            except OSError:
                return self._answer(conn, 502, "Bad Gateway")
            with self._lock:
                self._sockets.append(upstream)
                self.tunnels += 1
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self._pump(conn, upstream, cut=(fault == "cut"))
        except OSError:
            pass
        finally:
            _close(conn)

    @staticmethod
    def _answer(conn, status, reason, extra=b""):
        body = ("%d %s from the test proxy\n" % (status, reason)).encode()
        conn.sendall(b"HTTP/1.1 %d %s\r\n%sContent-Length: %d\r\nConnection: close\r\n\r\n%s"
                     % (status, reason.encode(), extra, len(body), body))

    def _pump(self, conn, upstream, cut):
        seen = threading.Event()        # the client's request is being forwarded
        forwarded = threading.Event()   # ... and was handed to the target in full

        def client_to_upstream():
            records = _RecordWatch()
            try:
                while True:
                    data = conn.recv(65536)
                    if not data:
                        break
                    request = records.feed(data)
                    if request:
                        seen.set()
                    upstream.sendall(data)
                    if request:
                        forwarded.set()
            except OSError:
                pass
            finally:
                # Half-close: the target still reads what it got and answers it.
                _shutdown(upstream, socket.SHUT_WR)

        thread = threading.Thread(target=client_to_upstream, daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()
        dropping = False
        try:
            while True:
                data = upstream.recv(65536)
                if not data:
                    break
                if cut and not dropping and seen.is_set():
                    # The first bytes from the target once the request went out (its reply,
                    # or a TLS 1.3 session ticket sent meanwhile): the request is complete on
                    # the target's side, so the client loses the tunnel now. The target is left
                    # to execute and answer; its bytes are read and dropped.
                    forwarded.wait(10)
                    with self._lock:
                        self.cut += 1
                    dropping = True
                    # Shut down, not closed: the other thread may be about to recv() on it,
                    # and a closed descriptor number can be reused by a new socket meanwhile.
                    _shutdown(conn)
                if not dropping:
                    conn.sendall(data)
        except OSError:
            pass
        finally:
            _close(upstream)
            _shutdown(conn)
            thread.join(10)


class _RecordWatch(object):
    """Follows TLS record headers of one direction; true once an application-data record long
    enough to be an HTTP request has passed."""

    def __init__(self):
        self._buffer = b""
        self._skip = 0

    def feed(self, data):
        seen = False
        data = self._buffer + data
        self._buffer = b""
        while data:
            if self._skip:
                step = min(self._skip, len(data))
                self._skip -= step
                data = data[step:]
                continue
            if len(data) < 5:
                self._buffer = data
                break
            kind, dummy, length = struct.unpack("!BHH", data[:5])
            if kind == _APPLICATION_DATA and length > _REQUEST_RECORD:
                seen = True
            self._skip = length
            data = data[5:]
        return seen


def _shutdown(sock, how=socket.SHUT_RDWR):
    try:
        sock.shutdown(how)
    except OSError:
        pass


def _close(sock):
    _shutdown(sock)
    try:
        sock.close()
    except OSError:
        pass
