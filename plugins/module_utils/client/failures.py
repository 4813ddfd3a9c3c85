# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""What a failed attempt means (see docs/client.md, "Retries", and docs/protocol-choices.md C32).

``classify`` turns the exception of one ``session.post`` into a ``delivery.Failure``: the typed
error (a TLS failure explains the certificate problem and its fix), whether another attempt may
help and how far the request got. ``await_effect`` polls for the effect of a write whose outcome
is unknown instead of sending it again.

The transport imports this module only after an attempt failed: a successful call (every call
of a module run, as a rule) never loads it. Under Ansible the module_utils are compiled from
source on every task, so code that only the failure path needs stays out of that cost.
"""

import re
import socket
import time

try:
    import requests.exceptions as _rexc
    import urllib3.exceptions as _u3exc
except ImportError:  # pragma: no cover - the transport reports the missing library
    _rexc = _u3exc = None

from .delivery import (
    CONNECTED, CONNECTING, NOT_EXECUTED, NOT_SENT, SENDING, UNKNOWN, Failure, current_stage,
    _progress,
)
from .errors import (
    ArrayTimeoutError, AuthenticationError, ConnectionFailedError, IntelliFlashError,
    OutcomeUnknownError, TLSVerificationError,
)

# http.client's text when a proxy answers the CONNECT with 407 (all supported Pythons).
_PROXY_AUTH = re.compile(r"Tunnel connection failed: 407\b")
# OpenSSL's words when the peer answered the ClientHello with something that is not TLS.
_NOT_TLS_MARKERS = ("wrong version number", "wrong_version_number", "record layer failure",
                    "packet length too long", "unknown protocol", "http request")


# User information in a host option (``https://user:password@array``), up to the last ``@``.
_HOST_USERINFO = re.compile(r"^(\s*[A-Za-z][A-Za-z0-9+.-]*://)?.*@", re.DOTALL)


def credentials_in_host(host):
    """The error for a host option that holds credentials; it quotes ``host`` without them (a
    password may be there, as written or URL-encoded)."""
    from .errors import invalid_argument
    from .transport import REDACTED
    shown = _HOST_USERINFO.sub(lambda match: (match.group(1) or "") + REDACTED + "@", host)
    return invalid_argument("host", "%r: credentials do not belong in the host; give them as "
                                    "the user name and password" % shown)


def passwords_in_hosts(hosts):
    """The passwords of the host options written ``[scheme://]user:password@array`` among
    ``hosts``, as written and URL-decoded: what a caller must mask in its output."""
    from urllib.parse import unquote
    found = [match.group(1) for match in (
        re.match(r"\s*(?:[A-Za-z][A-Za-z0-9+.-]*://)?[^:@]*:(.*)@", host, re.DOTALL)
        for host in hosts if isinstance(host, str)) if match]
    return set(found + [unquote(text) for text in found]) - {""}


def proxy_address(url):
    """``host:port`` of the proxy requests takes for ``url`` (no credentials), or None."""
    from urllib.parse import urlsplit
    try:
        from requests.utils import get_environ_proxies, select_proxy
        parts = urlsplit(select_proxy(url, get_environ_proxies(url)) or "")
        return "%s:%s" % (parts.hostname, parts.port or 80) if parts.hostname else None
    except Exception:  # a proxy URL requests cannot read: not named
        return None


def proxy_secrets(url):
    """The credentials of the proxy requests takes for ``url`` (HTTPS_PROXY, ALL_PROXY; NO_PROXY
    applies): the user information and its password, as written and URL-decoded, longest first.
    ``redact``'s URL pattern stops at a quote, a space or '<' in a password, and urllib3 quotes
    a proxy URL it cannot parse ("Failed to parse: http://user:pa'ss@proxy:99999"). A '/', '?',
    '#' or '\\' in a password ends the URL's authority there: urllib3 then quotes ``user:pa`` as a
    host and port, which is removed too."""
    from urllib.parse import unquote
    try:
        from requests.utils import get_environ_proxies
        proxies = get_environ_proxies(url)
    except Exception:  # no proxy is no secret
        return ()
    found = set()
    for proxy in proxies.values():
        match = re.match(r"\s*[A-Za-z][A-Za-z0-9+.-]*://(.*)@", proxy or "", re.DOTALL)
        for part in ([match.group(1)] + match.group(1).split(":", 1)[1:]) if match else ():
            found.update((part, unquote(part)))
        cut = re.match(r"\s*[A-Za-z][A-Za-z0-9+.-]*://([^/?#\\@]*:[^/?#\\@]*)[/?#\\][^@]*@", proxy or "")
        found.update((cut.group(1),) if cut else ())
    return tuple(sorted((text for text in found if text), key=len, reverse=True))


def describe(exc):
    """The innermost reason of a requests exception, as text (not yet redacted)."""
    reason = exc
    for dummy in range(6):
        inner = getattr(reason, "reason", None)
        if not isinstance(inner, BaseException):
            inner = None
        if inner is None and getattr(reason, "args", None) and \
                isinstance(reason.args[0], BaseException):
            inner = reason.args[0]
        if inner is None:
            break
        reason = inner
    verify_message = getattr(reason, "verify_message", None)
    if verify_message:
        text = "certificate verify failed: %s" % verify_message
    else:
        text = str(reason)
    # Drop urllib3's object reprs ("<urllib3.connection.HTTPSConnection object at 0x..>: ").
    text = re.sub(r"<[\w.]+ object at 0x[0-9a-f]+>:?\s*", "", text)
    return text


def ca_description(transport):
    """Which CA bundle verification uses (for error messages)."""
    if transport.ca_path:
        return "CA bundle %s (ca_path)" % transport.ca_path
    import os
    env = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if env:
        return "CA bundle %s (from REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE)" % env
    try:
        from requests.utils import DEFAULT_CA_BUNDLE_PATH
    except ImportError:  # pragma: no cover
        DEFAULT_CA_BUNDLE_PATH = "the default bundle"
    return "the default CA bundle %s (no ca_path given)" % DEFAULT_CA_BUNDLE_PATH


def tls_error(transport, exc, method, dataset):
    """TLSVerificationError (what is wrong with the certificate, and the fix) or, for another
    handshake failure, ConnectionFailedError."""
    where = transport.where
    detail = transport.redact(describe(exc))
    lowered = detail.lower()
    ca = ca_description(transport)
    untrusted = False
    if "hostname" in lowered or "doesn't match" in lowered or "ip address mismatch" in lowered:
        problem = ("the certificate of %s does not match the host name %r"
                   % (where, transport.hostname))
        fix = ("connect with a host name or address listed in the certificate's subject "
               "alternative names, or give the array a certificate for %r" % transport.hostname)
    elif "certificate" in lowered or "verify failed" in lowered:
        untrusted = True
        problem = "the certificate of %s is not trusted by %s" % (where, ca)
        fix = ("set ca_path to the PEM file of the CA (or the self-signed certificate) "
               "that issued the array's certificate")
    else:
        return ConnectionFailedError(
            "TLS handshake with %s failed (%s) using %s" % (where, detail, ca),
            method=method, dataset=dataset)
    message = ("TLS verification failed: %s (%s). Fix: %s; or, only on a trusted network, "
               "turn verification off (validate_certs: false / verify=False)."
               % (problem, detail, fix))
    error = TLSVerificationError(message, method=method, dataset=dataset)
    # The message's fix names the client's arguments; these parts let a caller whose settings
    # have other names (the Manila driver) word its own. (Set here, on the failure path, so
    # that errors.py, which every run imports, stays as small as it is.)
    error.problem, error.reason, error.untrusted = problem, detail, untrusted
    return error


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


def proxy_reason(exc):
    """What went wrong with the proxy: urllib3's ProxyError (1.26 and 2) keeps it in
    ``original_error`` ("Tunnel connection failed: 502 Bad Gateway", a refused connection)."""
    if _u3exc is not None:
        wrapper = _root_reason(exc, (_u3exc.ProxyError,))
        original = getattr(wrapper, "original_error", None)
        if isinstance(original, BaseException):
            return describe(original)
    return describe(exc)


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


def unreadable(transport, response, exc, method, dataset):
    """The ``Failure`` of a reply whose body could not be read, or was cut short (urllib3 1.26
    hands over a body that ended before its Content-Length, urllib3 2 raises): a lost reply,
    never an answer (a read is sent again, a write's outcome is unknown)."""
    remaining = getattr(response.raw, "length_remaining", None)
    if isinstance(exc, EOFError) and remaining:
        message = "the reply from %s was cut short (HTTP %d: %d bytes of its body missing)" % (
            transport.where, response.status_code, remaining)
    else:
        message = "reply body could not be read: %s" % transport.redact(exc)
    return Failure(ConnectionFailedError(message, method=method, dataset=dataset,
                                         http_status=response.status_code), True, UNKNOWN)


def refused_credentials(transport, model, method, dataset, status):
    """The ``Failure`` of an HTTP 401/403: the array refused the credentials."""
    msg = "the array refused the credentials of user %r (HTTP %d)" % (transport.username, status)
    if model and model.get("message"):
        msg += ": %s" % transport.redact(model.get("message"))
    return Failure(AuthenticationError(msg, method=method, dataset=dataset,
                                       code=transport.redact(model.get("code")) if model else None,
                                       http_status=status), False, NOT_EXECUTED)


# RFC 9111 §1.2.2: a delta-seconds beyond what can be represented counts as 2^31.
_RETRY_AFTER_MAX = 2 ** 31


def transient_status(transport, response, model, text, method, dataset):
    """The ``Failure`` of an HTTP 408/429/502/503/504 (the transport retries it), with the
    wait a 503/429 asked for in ``retry_after`` (seconds, or None)."""
    status = response.status_code
    msg = "HTTP %d from the array" % status
    if model and model.get("message"):
        msg += ": %s" % transport.redact(model.get("message"))
    elif text.strip():
        msg += ": %s" % transport._short(text)
    # 503, 429, 408: the server (or a proxy that did not forward the call) says it did not
    # handle the request; 502/504: a proxy forwarded it and lost the answer (C32).
    failure = Failure(ConnectionFailedError(msg, method=method, dataset=dataset,
                                            http_status=status),
                      True, UNKNOWN if status in (502, 504) else NOT_EXECUTED)
    failure.retry_after = retry_after(transport, response.headers) \
        if status in (503, 429) else None
    return failure


def retry_after(transport, headers):
    """The seconds a 503/429 reply's ``Retry-After`` asks to wait (C36): delta-seconds or an
    HTTP-date (counted from the reply's ``Date``, else the client's clock; a past date is 0).
    None when the header is missing or malformed (logged at DEBUG): the backoff applies."""
    value = headers.get("Retry-After")
    if value is None:
        return None
    text = value.strip()
    if text.isdigit() and text.isascii():  # 1*DIGIT; no sign, no fraction
        digits = text.lstrip("0") or "0"
        return min(int(digits), _RETRY_AFTER_MAX) if len(digits) <= 10 else _RETRY_AFTER_MAX
    when = _http_date(text)
    if when is not None:
        now = _http_date((headers.get("Date") or "").strip())
        return max(0.0, when - (now if now is not None else time.time()))
    transport.log.debug("ignoring the malformed Retry-After header %s of a reply from %s",
                        transport.redact(repr(value[:100])), transport.where)
    return None


def _http_date(text):
    """Seconds since the epoch of an HTTP-date (IMF-fixdate, RFC 850, asctime), else None."""
    import calendar
    from email.utils import parsedate_tz
    if not text or text.isdigit():
        return None
    try:
        parts = parsedate_tz(text)
        if parts is None:
            return None
        return float(calendar.timegm(parts[:6]) - (parts[9] or 0))
    except (TypeError, ValueError, OverflowError):
        return None


def retry_after_wait(transport, error, asked, delay, deadline, attempts):
    """The wait before the next attempt when the reply asked for ``asked`` seconds: never less
    (C36). When it would end after ``deadline``, raises ``error`` at once, saying so."""
    left = max(0.0, deadline - transport._clock())
    if asked <= left:
        return max(delay, asked)
    import math
    budget = ("%.1f" % transport.retry_budget).rstrip("0").rstrip(".")
    error.message += " (the array or a proxy asked to retry after %d s, beyond the retry budget " \
                     "of %s s: %.1f s left%s)" % (
                         math.ceil(asked), budget, left,
                         "; gave up after %d attempts" % attempts if attempts > 1 else "")
    raise error


def classify(transport, exc, method, dataset):
    """The ``Failure`` for an exception raised by one ``session.post``."""
    where = transport.where
    text = transport.redact(describe(exc))
    stage = current_stage()
    # A tracked attempt that failed before its first byte was sent never reached the array.
    before_send = stage in (CONNECTING, CONNECTED)

    def failure(cls, message, retryable, delivery):
        return Failure(cls(message, method=method, dataset=dataset), retryable, delivery)

    overdue = getattr(_progress, "overdue", None) or 0.0  # the read timeout a reply overran (C37)
    if overdue and not before_send:
        # C37: the reply began but was not whole within the read timeout (urllib3 raises a read
        # timeout in the headers, requests a ConnectionError in the body): a read timeout.
        return failure(ArrayTimeoutError, "reply from %s still incomplete after %g s: it kept "
                       "arriving too slowly" % (where, overdue), True, UNKNOWN)
    if _rexc is not None and isinstance(exc, _rexc.SSLError) and stage != SENDING:
        error = tls_error(transport, exc, method, dataset)
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
            proxy = proxy_address(transport.base_url)
            step = ("connecting to %s through the proxy %s (its CONNECT or the TLS handshake)"
                    % (where, proxy)) if proxy else "during the TLS handshake with %s" % where
            return failure(ArrayTimeoutError, "timed out " + step, True, NOT_SENT)
        return failure(ArrayTimeoutError, "no reply from %s within %.0f s"
                       % (where, transport.timeout[1]), True, UNKNOWN)
    if _rexc is not None and isinstance(exc, _rexc.ProxyError) and before_send:
        # The proxy failed before its tunnel to the array was up (refused, CONNECT answered
        # with an error): the request was never sent (C32).
        reason = transport.redact(proxy_reason(exc))
        if _PROXY_AUTH.search(reason):
            # Missing or wrong proxy credentials: retrying cannot help.
            return failure(ConnectionFailedError, "the proxy refused the credentials of its URL "
                           "(HTTP 407) for %s: %s; give them in the proxy URL "
                           "(HTTPS_PROXY=http://user:password@proxy:port)" % (where, reason),
                           False, NOT_SENT)
        return failure(ConnectionFailedError, "cannot reach %s through the proxy: %s"
                       % (where, reason), True, NOT_SENT)
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
    if _rexc is not None and isinstance(exc, _rexc.ChunkedEncodingError):
        # The status and headers arrived, the body did not (urllib3 2's IncompleteRead).
        return failure(ConnectionFailedError, "the reply from %s was cut short: %s"
                       % (where, text), True, UNKNOWN)
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
            if transport.on_written is not None:
                transport.on_written(method, dataset)
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


def limits_left(err):
    """What a limits write of unknown outcome leaves on the array (``limits.apply_limits`` puts
    its plan and how many of its writes were done on the error, ``limits_written``): ``quota set
    to 4 GiB (4294967296 bytes) and kept; reservation change outcome unknown``, or ``quota change
    outcome unknown`` when it was the plan's first write; None for any other error. The modules'
    failure report and the Manila driver both say it, followed by the error; neither undoes the
    kept writes (the unknown one may still run on the array, and a blind undo could cross it).
    """
    written = getattr(err, "limits_written", None)
    if written is None or not isinstance(err, OutcomeUnknownError):
        return None
    from .limits import describe_size
    plan, done = written
    kept = "; ".join("%s set to %s" % (kind, describe_size(value)) for kind, value in plan.writes[:done])
    return "%s%s change outcome unknown" % (kept + " and kept; " if kept else "", plan.writes[done][0])
