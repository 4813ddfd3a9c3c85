# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Did a request reach the array? Classification of failed attempts (see docs/client.md,
"Retries", and docs/protocol-choices.md C32).

A failed attempt is one of:

* ``NOT_SENT``: provably no byte of the request reached the array (DNS failure, connection
  refused, connect timeout, TCP reset or TLS failure during the handshake). Any call may be sent
  again.
* ``NOT_EXECUTED``: the array (or a proxy in front of it) answered that it did not execute the
  call (an ErrorModel, HTTP 503, 429, 408). Reads may be sent again; writes are re-sent only after
  one of those statuses.
* ``FINISHED``: the array answered something the client cannot read as success or as an
  ErrorModel (a non-JSON body to a read, an unexpected status): the call is over, not in
  flight; it is reported as an error and never sent again.
* ``UNKNOWN``: the request may have reached the array and may still be executing there (read
  timeout, reset or close after the request was sent, HTTP 502/504, an unreadable reply; for a
  write also a page, a non-JSON 200 or 5xx body, which says nothing of the call). A read is
  sent again; a write never is: the transport polls for its effect instead.

Which stage an attempt reached is recorded by the connection class of the session's HTTPS pool
(``TrackingAdapter``): ``connect()`` (TCP and TLS handshake; behind an HTTP(S) proxy also the
connection to the proxy and its CONNECT tunnel) and the first ``send()`` of request bytes.
Without that record (a SOCKS proxy, a mocked session) a failure that is not a connect-phase
error by its type counts as ``UNKNOWN``.
The same connection bounds the whole reply by the read timeout (C37, ``_ReplyClock``).

This module holds what every attempt needs (the record and ``Failure``); ``failures.py`` decides
what a failed attempt means (``classify``) and waits for a write's effect (``await_effect``), and
is imported only when an attempt fails.
"""

import http.client
import io
import socket
import threading
import time

try:
    from requests.adapters import HTTPAdapter as _HTTPAdapter
    from urllib3.connection import HTTPSConnection as _HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool as _HTTPConnectionPool
    from urllib3.connectionpool import HTTPSConnectionPool as _HTTPSConnectionPool
except ImportError:  # pragma: no cover - the transport reports the missing library
    _HTTPAdapter = _HTTPSConnection = _HTTPConnectionPool = _HTTPSConnectionPool = object

NOT_SENT = "not sent"
NOT_EXECUTED = "not executed"
FINISHED = "finished"
UNKNOWN = "outcome unknown"

# Stages of one attempt, recorded per thread by the tracking connection.
CONNECTING = "connecting"
CONNECTED = "connected"
SENDING = "sending"

_progress = threading.local()


class Failure(Exception):
    """One failed attempt: the typed error, whether another attempt may help (for a read), and
    how far the request got (``NOT_SENT``, ``NOT_EXECUTED`` or ``UNKNOWN``)."""

    def __init__(self, error, retryable, delivery):
        super(Failure, self).__init__(str(error))
        self.error = error
        self.retryable = retryable
        self.delivery = delivery


def reset_stage():
    _progress.stage = None
    _progress.overdue = None


def current_stage():
    return getattr(_progress, "stage", None)


class _ReplyClock(io.RawIOBase):
    """Reads one reply, each socket read ending by the reply's deadline: the socket's timeout
    (urllib3 sets the read timeout once the request is sent) from now (C37). Between reads the
    socket keeps that timeout (a kept-alive connection sends its next request with it)."""

    def __init__(self, sock):
        io.RawIOBase.__init__(self)
        self.sock, self.timeout, self.received, self.raw = sock, sock.gettimeout(), 0, None
        self.deadline = time.monotonic() + (self.timeout or 0)

    def makefile(self, mode):  # http.client.HTTPResponse reads the file this returns
        self.raw = self.sock.makefile(mode, buffering=0)  # counted by the socket, as usual
        return io.BufferedReader(self)

    def readable(self):
        return True

    def close(self):
        if self.raw is not None:
            self.raw.close()
        io.RawIOBase.close(self)

    def readinto(self, buffer):
        if self.timeout is None:
            return self.raw.readinto(buffer)
        try:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("timed out")
            self.sock.settimeout(left)
            count = self.raw.readinto(buffer)
        except socket.timeout:
            _progress.overdue = self.timeout if self.received else None  # failures.classify
            raise
        finally:
            self.sock.settimeout(self.timeout)
        self.received += count or 0
        return count


class _TrackedHTTPSConnection(_HTTPSConnection):
    """Records in a thread-local whether the attempt is connecting or sending bytes; reads the
    reply within the read timeout (C37)."""

    _connecting = False
    response_class = staticmethod(lambda sock, *args, **kwargs: http.client.HTTPResponse(
        _ReplyClock(sock), *args, **kwargs))

    def connect(self):
        _progress.stage = CONNECTING
        self._connecting = True
        try:
            super(_TrackedHTTPSConnection, self).connect()
        finally:
            self._connecting = False
        _progress.stage = CONNECTED

    def send(self, data):
        if self._connecting:
            # The CONNECT request to a proxy (http.client's _tunnel sends it with send()):
            # still part of connecting, nothing is on its way to the array yet.
            return super(_TrackedHTTPSConnection, self).send(data)
        if self.sock is None:  # http.client would connect here: do it first, tracked
            self.connect()
        _progress.stage = SENDING
        return super(_TrackedHTTPSConnection, self).send(data)


class _TrackedHTTPSConnectionPool(_HTTPSConnectionPool):
    ConnectionCls = _TrackedHTTPSConnection


class _QuietTrackedHTTPSConnectionPool(_TrackedHTTPSConnectionPool):
    """The pool of a client built with verification off: no InsecureRequestWarning.

    The client logs once, at construction, that verification is off. Silencing urllib3's
    warning with ``warnings.catch_warnings`` around each request is not thread-safe: the
    filters are process-wide, so two overlapping requests from two threads leave the
    "ignore" filter installed for the whole process (other sessions lose the warning). This
    pool does what ``HTTPSConnectionPool._validate_conn`` does (connect early, here tracked)
    without the warning, for this client's connections only."""

    def _validate_conn(self, conn):
        _HTTPConnectionPool._validate_conn(self, conn)
        # urllib3 2 tests ``conn.is_closed``, 1.26 ``conn.sock``: both mean no socket yet.
        if getattr(conn, "sock", None) is None:
            conn.connect()


class TrackingAdapter(_HTTPAdapter):
    """requests adapter whose direct HTTPS connections record how far an attempt got.

    ``quiet_insecure``: the client sends every request with verification off (and said so in
    its log): its connections do not emit urllib3's InsecureRequestWarning."""

    __attrs__ = list(getattr(_HTTPAdapter, "__attrs__", [])) + ["quiet_insecure"]

    def __init__(self, *args, **kwargs):
        # Set before the base class builds the pool manager (init_poolmanager reads it).
        self.quiet_insecure = bool(kwargs.pop("quiet_insecure", False))
        super(TrackingAdapter, self).__init__(*args, **kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super(TrackingAdapter, self).init_poolmanager(*args, **kwargs)
        self._track(self.poolmanager)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        # Behind an HTTP(S) proxy (HTTPS_PROXY) requests uses one ProxyManager per proxy URL,
        # built with urllib3's own pool classes. Without tracking there, a proxy that refused
        # the connection or answered the CONNECT with 502/503 (nothing sent to the array) and
        # a tunnel cut after the request went through (outcome unknown) look alike: urllib3 1.26
        # and 2 raise ProxyError for both. The tunnel is set up in connect(), so the tracked
        # connection tells them apart.
        manager = super(TrackingAdapter, self).proxy_manager_for(proxy, **proxy_kwargs)
        self._track(manager)
        return manager

    def _track(self, manager):
        classes = dict(manager.pool_classes_by_scheme)
        # Only urllib3's plain HTTPS pool is replaced: a SOCKS proxy manager has its own pool
        # (and connection) classes, which stay untracked.
        if classes.get("https") not in (_HTTPSConnectionPool, _TrackedHTTPSConnectionPool,
                                        _QuietTrackedHTTPSConnectionPool):
            return
        classes["https"] = _QuietTrackedHTTPSConnectionPool if self.quiet_insecure \
            else _TrackedHTTPSConnectionPool
        manager.pool_classes_by_scheme = classes
