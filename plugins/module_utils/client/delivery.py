# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Did a request reach the array? Classification of failed attempts (see docs/client.md,
"Retries", and docs/protocol-choices.md C32).

A failed attempt is one of:

* ``NOT_SENT``: provably no byte of the request reached the array (DNS failure, connection
  refused, connect timeout, TCP reset or TLS failure during the handshake). Any call may be sent
  again.
* ``NOT_EXECUTED``: the array (or a proxy in front of it) answered that it did not execute the
  call (an ErrorModel, HTTP 503). Reads may be sent again; writes are re-sent only after a 503.
* ``FINISHED``: the array answered something the client cannot read as success or as an
  ErrorModel (a non-JSON body, an unexpected status): the call is over, not in flight; it is
  reported as an error and never sent again.
* ``UNKNOWN``: the request may have reached the array and may still be executing there (read
  timeout, reset or close after the request was sent, HTTP 502/504, an unreadable reply). A read
  is sent again; a write never is: the transport polls for its effect instead.

Which stage an attempt reached is recorded by the connection class of the session's HTTPS pool
(``TrackingAdapter``): ``connect()`` (TCP and TLS handshake) and the first ``send()`` of request
bytes. Without that record (a proxy, a mocked session) a failure that is not a connect-phase
error by its type counts as ``UNKNOWN``.
"""

import socket
import threading

try:
    import requests.exceptions as _rexc
    from requests.adapters import HTTPAdapter as _HTTPAdapter
    import urllib3.exceptions as _u3exc
    from urllib3.connection import HTTPSConnection as _HTTPSConnection
    from urllib3.connectionpool import HTTPSConnectionPool as _HTTPSConnectionPool
except ImportError:  # pragma: no cover - the transport reports the missing library
    _rexc = _u3exc = None
    _HTTPAdapter = _HTTPSConnection = _HTTPSConnectionPool = object

NOT_SENT = "not sent"
NOT_EXECUTED = "not executed"
FINISHED = "finished"
UNKNOWN = "outcome unknown"

# Stages of one attempt, recorded per thread by the tracking connection.
CONNECTING = "connecting"
CONNECTED = "connected"
SENDING = "sending"

_progress = threading.local()

# OpenSSL's words when the peer answered the ClientHello with something that is not TLS.
_NOT_TLS_MARKERS = ("wrong version number", "wrong_version_number", "record layer failure",
                    "packet length too long", "unknown protocol", "http request")


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


def current_stage():
    return getattr(_progress, "stage", None)


class _TrackedHTTPSConnection(_HTTPSConnection):
    """Records in a thread-local whether the attempt is connecting or sending bytes."""

    def connect(self):
        _progress.stage = CONNECTING
        super(_TrackedHTTPSConnection, self).connect()
        _progress.stage = CONNECTED

    def send(self, data):
        if self.sock is None:  # http.client would connect here: do it first, tracked
            self.connect()
        _progress.stage = SENDING
        return super(_TrackedHTTPSConnection, self).send(data)


class _TrackedHTTPSConnectionPool(_HTTPSConnectionPool):
    ConnectionCls = _TrackedHTTPSConnection


class TrackingAdapter(_HTTPAdapter):
    """requests adapter whose direct HTTPS connections record how far an attempt got."""

    def init_poolmanager(self, *args, **kwargs):
        super(TrackingAdapter, self).init_poolmanager(*args, **kwargs)
        classes = dict(self.poolmanager.pool_classes_by_scheme)
        classes["https"] = _TrackedHTTPSConnectionPool
        self.poolmanager.pool_classes_by_scheme = classes


def _root_reason(exc, kinds):
    """The first exception of ``kinds`` in the chain behind a requests exception."""
    seen = set()
    current = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, kinds):
            return current
        nxt = getattr(current, "reason", None)
        if nxt is None and getattr(current, "args", None) and \
                isinstance(current.args[0], BaseException):
            nxt = current.args[0]
        current = nxt
    return None


def _name_not_resolved(exc):
    """True when urllib3 could not resolve the host name. urllib3 2 raises NameResolutionError;
    urllib3 1.26 (OpenStack 2025.1 and 2025.2 upper constraints, so Manila hosts of those
    releases) raises a NewConnectionError while handling socket.gaierror."""
    name_error = getattr(_u3exc, "NameResolutionError", None)
    if name_error is not None:
        return _root_reason(exc, (name_error,)) is not None
    reason = _root_reason(exc, (_u3exc.NewConnectionError,))
    return reason is not None and isinstance(reason.__context__, socket.gaierror)


def is_not_tls(text):
    lowered = text.lower()
    return any(marker in lowered for marker in _NOT_TLS_MARKERS)


def probe_plain_http(hostname, port, timeout):
    """Whether ``hostname:port`` answers a plain-text HTTP request (no credentials sent)."""
    try:
        sock = socket.create_connection((hostname, port), timeout=timeout)
    except (OSError, ValueError):
        return False
    try:
        sock.settimeout(timeout)
        sock.sendall(b"HEAD / HTTP/1.0\r\n\r\n")
        return sock.recv(5) == b"HTTP/"
    except OSError:
        return False
    finally:
        sock.close()


def classify(transport, exc, method, dataset):
    """The ``Failure`` for an exception raised by one ``session.post``."""
    from .errors import ArrayTimeoutError, ConnectionFailedError, TLSVerificationError

    where = transport.where
    text = transport.redact(transport.describe(exc))
    stage = current_stage()
    # A tracked attempt that failed before its first byte was sent never reached the array.
    before_send = stage in (CONNECTING, CONNECTED)

    def failure(cls, message, retryable, delivery):
        return Failure(cls(message, method=method, dataset=dataset), retryable, delivery)

    if _rexc is not None and isinstance(exc, _rexc.SSLError) and stage != SENDING:
        error = transport.tls_error(exc, method, dataset)
        if isinstance(error, TLSVerificationError):
            return Failure(error, False, NOT_SENT)
        if is_not_tls(text):
            if probe_plain_http(transport.hostname, transport.port, transport.timeout[0]):
                problem = "speaks plain HTTP, not HTTPS"
            else:
                problem = "does not speak TLS"
            return failure(ConnectionFailedError,
                           "%s %s (%s); the array's API is HTTPS: check the host and port"
                           % (where, problem, text), False, NOT_SENT)
        if before_send:
            return Failure(error, True, NOT_SENT)
        return Failure(error, True, UNKNOWN)
    if _rexc is not None and isinstance(exc, _rexc.ConnectTimeout):
        return failure(ArrayTimeoutError, "timed out connecting to %s after %.0f s"
                       % (where, transport.timeout[0]), True, NOT_SENT)
    if _rexc is not None and isinstance(exc, _rexc.ReadTimeout):
        if before_send:
            return failure(ArrayTimeoutError, "timed out during the TLS handshake with %s"
                           % where, True, NOT_SENT)
        return failure(ArrayTimeoutError, "no reply from %s within %.0f s"
                       % (where, transport.timeout[1]), True, UNKNOWN)
    if _rexc is not None and isinstance(exc, _rexc.ConnectionError):
        if _u3exc is not None:
            if _name_not_resolved(exc):
                return failure(ConnectionFailedError, "cannot resolve the array host name %r: %s"
                               % (transport.hostname, text), True, NOT_SENT)
            # NewConnectionError is a ConnectTimeoutError in urllib3 2: test it first.
            if _root_reason(exc, (_u3exc.NewConnectionError,)) is not None:
                return failure(ConnectionFailedError, "cannot connect to %s: %s" % (where, text),
                               True, NOT_SENT)
            if _root_reason(exc, (_u3exc.ConnectTimeoutError,)) is not None:
                return failure(ArrayTimeoutError, "timed out connecting to %s" % where,
                               True, NOT_SENT)
        if before_send:
            return failure(ConnectionFailedError, "connection to %s lost during the TLS "
                           "handshake, before the request was sent: %s" % (where, text),
                           True, NOT_SENT)
        if stage == SENDING:
            lost = "connection to %s reset or closed after the request was sent, before a " \
                   "reply: %s" % (where, text)
        else:
            lost = "connection to %s lost before a reply: %s" % (where, text)
        return failure(ConnectionFailedError, lost, True, UNKNOWN)
    if _rexc is not None and isinstance(exc, (_rexc.InvalidURL, _rexc.InvalidSchema,
                                              _rexc.MissingSchema, _rexc.InvalidHeader,
                                              _rexc.InvalidJSONError)):
        return failure(ConnectionFailedError, "invalid request to %s: %s" % (where, text),
                       False, NOT_SENT)
    if _rexc is not None and isinstance(exc, _rexc.RequestException):
        return failure(ConnectionFailedError, "request to %s failed: %s" % (where, text),
                       True, NOT_SENT if before_send else UNKNOWN)
    return failure(ConnectionFailedError, "request to %s failed: %s: %s"
                   % (where, type(exc).__name__, text), False,
                   NOT_SENT if before_send else UNKNOWN)


def await_effect(transport, method, dataset, verify, error, outer_deadline):
    """A write's outcome is unknown: poll ``verify()`` (reads) for its effect, never re-send.

    Polls for up to ``retry_budget`` seconds from now (the request may be executing for as long
    as it already waited for the reply, so the window starts here), within an enclosing
    deadline. Returns None once the effect shows; raises OutcomeUnknownError naming the call
    when it does not, or at once when nothing can check (``verify`` not callable).
    """
    from .errors import IntelliFlashError, OutcomeUnknownError

    what = " ".join(part for part in (method, dataset) if part)

    def unknown(detail):
        exc = OutcomeUnknownError(
            "the outcome of %s is unknown: %s; %s. It was not sent again because it may still "
            "be executing on the array. Check the array before repeating it (a new run of an "
            "idempotent task converges)." % (what, error.message, detail),
            method=method, dataset=dataset, http_status=error.http_status)
        exc.attempts = error.attempts
        exc.cause = error
        return exc

    if not callable(verify):
        raise unknown("no read can tell whether it applied")
    clock = transport._clock
    deadline = clock() + transport.retry_budget
    if outer_deadline is not None:
        deadline = min(deadline, outer_deadline)
    transport.log.warning("%s: %s; the request may still be executing on the array, so it is "
                          "not sent again: waiting up to %.1f s for its effect", what,
                          error.message, max(0.0, deadline - clock()),
                          extra={"intelliflash_transient": True})
    polls = 0
    problem = None
    while True:
        polls += 1
        previous = getattr(transport._local, "deadline", None)
        transport._local.deadline = deadline if previous is None else min(previous, deadline)
        try:
            applied, problem = bool(verify()), None
        except IntelliFlashError as exc:
            applied, problem = False, exc
        finally:
            transport._local.deadline = previous
        if applied:
            transport.log.info("%s: the reply was lost but the array shows the change applied "
                               "(read %d time(s))", what, polls)
            return None
        delay = max(transport._backoff_delay(polls), min(transport.backoff, 0.05))
        if clock() + delay > deadline:
            if problem is not None:
                raise unknown("reading the array to look for its effect failed (%s)"
                              % transport.redact(problem))
            raise unknown("its effect did not show on the array within %.0f s (%d read(s))"
                          % (transport.retry_budget, polls))
        transport.log.debug("%s: effect not visible yet; reading again in %.2f s", what, delay)
        transport._sleep(delay)
