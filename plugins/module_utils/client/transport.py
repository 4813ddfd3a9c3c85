# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""HTTP transport of the IntelliFlash client: session, TLS, auth, retries and redaction.

One ``requests.Session`` per transport. Every call is ``POST <base_url>/<method>`` with a
positional JSON array body (C1) and pre-emptive HTTP Basic authentication (C4).

Retries (docs/client.md, "Retries"; the classification of a failed attempt is in
``delivery.py``): a read is sent again after any transient failure. A write is sent again only
when the array provably never received it (or said it did not execute it); a write whose
outcome is unknown is never in flight twice: the client polls reads for its effect and, when
the effect does not show within the retry budget, raises OutcomeUnknownError. An array error
(ErrorModel) is never retried, except EZEBI_RESOURCE_BUSY on reads.
"""

import base64
import json
import logging
import random
import re
import threading
import time
import traceback

try:
    import requests
    from requests.auth import AuthBase as _AuthBase
except ImportError:  # pragma: no cover - exercised by the import sanity test
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
    requests = None
    _AuthBase = object
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

from .delivery import (
    FINISHED, NOT_EXECUTED, NOT_SENT, UNKNOWN, Failure, TrackingAdapter, reset_stage,
)
from .errors import (
    ApiError, BusyError, ConnectionFailedError, ProtocolError, api_error,
    invalid_argument,
)

__version__ = "1.1.0"
LOGGER_NAME = "tegile_intelliflash.client"
API_PATH = "/zebi/api/v2"
DEFAULT_PORT = 443
# Connections a client keeps open for reuse (requests' own default): enough for one caller at a
# time (the modules); a caller running more calls at once (the Manila driver) sizes it to them.
DEFAULT_POOL_MAXSIZE = 10
# urllib3 fills a pool's queue to its size when it builds it: a size past this is refused rather
# than allocated (an array serves far fewer connections at once anyway).
MAX_POOL_MAXSIZE = 1024
REDACTED = "********"
MAX_ERROR_TEXT = 500
TRANSIENT_STATUSES = (408, 429, 502, 503, 504)
# The user information of a URL in a text (``scheme://user:password@``), up to its last ``@``:
# a proxy URL from HTTPS_PROXY carries the proxy's credentials, and urllib3 quotes the whole URL
# in some errors ("Failed to parse: http://user:password@proxy:99999").
_URL_USERINFO = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://)[^\s/'\"<>]*@")
# Log records of retries and waits carry this attribute (true), so that a caller can summarize
# them (the Ansible modules print one warning per task) without parsing their text.
TRANSIENT_ATTR = "intelliflash_transient"
TRANSIENT_EXTRA = {TRANSIENT_ATTR: True}
# Kept for compatibility: ``call(verify=RESEND)`` once re-sent an idempotent write after a
# lost reply. A write is never in flight twice now (C32): it is treated as "no verification".
RESEND = "resend"

logging.getLogger(LOGGER_NAME).addHandler(logging.NullHandler())


class Secret(object):
    """Holds a secret; its repr and str are ``'********'`` so dumps never reveal it."""

    __slots__ = ("_value",)

    def __init__(self, value):
        object.__setattr__(self, "_value", "" if value is None else str(value))

    def reveal(self):
        return self._value

    def __setattr__(self, name, value):
        raise AttributeError("Secret is immutable")

    def __repr__(self):
        return "'%s'" % REDACTED

    __str__ = __repr__

    def __bool__(self):
        return bool(self._value)

    def __eq__(self, other):
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self):
        return hash(("Secret", self._value))

    def __reduce__(self):
        raise TypeError("a Secret cannot be pickled")


class _BasicAuth(_AuthBase):
    """Pre-emptive HTTP Basic auth whose credentials never show in a repr or vars()."""

    def __init__(self, username, secret):
        self.username = username
        self._header = Secret("Basic " + base64.b64encode(
            ("%s:%s" % (username, secret.reveal())).encode("utf-8")).decode("ascii"))

    def __call__(self, request):
        request.headers["Authorization"] = self._header.reveal()
        return request

    def __repr__(self):
        return "_BasicAuth(username=%r, password=%s)" % (self.username, REDACTED)


def parse_host(host, port=None):
    """``(hostname, port)`` from ``host`` (name, IPv4, bare or bracketed IPv6, ``host:port``,
    optionally ``https://`` prefixed); ``port`` overrides a port given in ``host``."""
    if not isinstance(host, str) or not host.strip():
        raise invalid_argument("host", "must be a non-empty host name or address")
    if "@" in host:  # credentials: refused without quoting them (failures.py)
        from .failures import credentials_in_host
        raise credentials_in_host(host)
    text = host.strip()
    lowered = text.lower()
    if lowered.startswith("https://"):
        text = text[len("https://"):]
    elif "://" in text:
        raise invalid_argument("host", "%r: only https is supported" % host)
    text = text.rstrip("/")
    if any(ch.isspace() or ch in "/?#\\" or not ch.isprintable() for ch in text):  # '?', '#': not this host
        raise invalid_argument("host", "%r is not a host name or address" % host)
    given_port = None
    if text.startswith("["):
        match = re.match(r"^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$", text)
        if not match:
            raise invalid_argument("host", "%r is not a valid bracketed IPv6 address" % host)
        name, given_port = match.group(1), match.group(2)
    elif text.count(":") > 1:
        name = text  # bare IPv6
    elif ":" in text:
        name, given_port = text.split(":", 1)
        if not given_port.isdigit():
            raise invalid_argument("host", "%r has an invalid port" % host)
    else:
        name = text
    if not name:
        raise invalid_argument("host", "%r has no host name" % host)
    if ":" in name:
        import ipaddress
        try:
            name = str(ipaddress.IPv6Address(name))
        except ValueError:
            raise invalid_argument("host", "%r is not a valid IPv6 address" % host)
    if port is None or port == "":
        port = int(given_port) if given_port else DEFAULT_PORT
    try:
        port = int(port)
    except (TypeError, ValueError):
        raise invalid_argument("port", "must be an integer, got %r" % (port,))
    if isinstance(port, bool) or not 0 < port < 65536:
        raise invalid_argument("port", "must be between 1 and 65535, got %r" % (port,))
    return name, port


def format_netloc(hostname, port):
    if ":" in hostname:
        return "[%s]:%d" % (hostname, port)
    return "%s:%d" % (hostname, port)


def _parse_timeout(timeout):
    if isinstance(timeout, (tuple, list)):
        if len(timeout) != 2:
            raise invalid_argument("timeout", "must be a number or (connect, read), got %r"
                                   % (timeout,))
        values = tuple(timeout)
    else:
        values = (timeout, timeout)
    result = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
            raise invalid_argument("timeout", "must be positive seconds, got %r" % (timeout,))
        result.append(float(value))
    return tuple(result)


def _non_negative(value, field):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
        raise invalid_argument(field, "must be a non-negative number of seconds, got %r"
                               % (value,))
    return float(value)


class Transport(object):
    """Sends v2 calls; owns the requests.Session. Used by IntelliFlashClient."""

    def __init__(self, host, username, password, port=None, verify=True, ca_path=None,
                 timeout=(10.0, 60.0), retry_budget=60.0, backoff=0.5, backoff_max=8.0,
                 user_agent=None, logger=None, pool_maxsize=DEFAULT_POOL_MAXSIZE):
        if not HAS_REQUESTS:
            raise ImportError("the IntelliFlash client needs the Python library 'requests' "
                              "(pip install requests): %s"
                              % (REQUESTS_IMPORT_ERROR or "").strip().splitlines()[-1:])
        self.log = logger if logger is not None else logging.getLogger(LOGGER_NAME)
        self.hostname, self.port = parse_host(host, port)
        if not isinstance(username, str) or not username:
            raise invalid_argument("username", "must be a non-empty string")
        if ":" in username or any(ord(ch) < 32 for ch in username):
            raise invalid_argument("username", "must not contain ':' or control characters")
        if isinstance(password, Secret):
            secret = password
        else:
            if password is None or not isinstance(password, str):
                raise invalid_argument("password", "must be a string")
            secret = Secret(password)
        self.username = username
        self._password = secret
        self._auth = _BasicAuth(username, secret)
        if not isinstance(verify, bool):
            raise invalid_argument("verify", "must be true or false, got %r" % (verify,))
        self.insecure = not verify
        if ca_path is not None and ca_path != "":
            import os
            if not isinstance(ca_path, str) or not os.path.exists(ca_path):
                raise invalid_argument("ca_path", "CA bundle %r does not exist" % (ca_path,))
            if not (os.path.isfile(ca_path) or os.path.isdir(ca_path)):
                raise invalid_argument("ca_path", "%r is not a file" % (ca_path,))
            self.ca_path = ca_path
        else:
            self.ca_path = None
        self.timeout = _parse_timeout(timeout)
        self.retry_budget = _non_negative(retry_budget, "retry_budget")
        self.backoff = _non_negative(backoff, "backoff")
        self.backoff_max = _non_negative(backoff_max, "backoff_max")
        if self.backoff_max < self.backoff:
            self.backoff_max = self.backoff
        if isinstance(pool_maxsize, bool) or not isinstance(pool_maxsize, int) \
                or not 1 <= pool_maxsize <= MAX_POOL_MAXSIZE:
            raise invalid_argument("pool_maxsize", "must be a whole number of connections from 1 "
                                   "to %d, got %r" % (MAX_POOL_MAXSIZE, pool_maxsize))
        self.pool_maxsize = pool_maxsize
        self.base_url = "https://%s%s" % (format_netloc(self.hostname, self.port), API_PATH)
        self.user_agent = "tegile-intelliflash/%s" % __version__
        if user_agent:
            self.user_agent += " " + str(user_agent)
        # Hooks for tests (deterministic backoff); not part of the public API.
        self._clock = time.monotonic
        self._sleep = time.sleep
        self._rng = random.Random()
        self._local = threading.local()
        self._closed = False
        self.on_written = None   # ClientBase.on_written
        self.session = requests.Session()
        # Records how far each attempt got (connect, handshake, first byte sent): decides
        # whether a failed write may be sent again (delivery.py).
        # pool_maxsize: the connections kept for reuse. Calls beyond it at one time do not wait
        # (pool_block stays False: a wait for a free connection would have no timeout, outside
        # retry_budget); each opens a connection of its own, closed after its call ("Connection
        # pool is full, discarding connection"), a TLS handshake spent for one call.
        self.session.mount("https://", TrackingAdapter(quiet_insecure=self.insecure,
                                                       pool_maxsize=pool_maxsize))
        self.session.headers.update({
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": self.user_agent,
        })
        if self.insecure:
            self.log.warning(
                "TLS certificate verification is DISABLED for the IntelliFlash array %s: the "
                "connection is not protected against impersonation. Use ca_path instead.",
                format_netloc(self.hostname, self.port))
            if self.ca_path:
                self.log.warning("ca_path %s is ignored because verification is disabled",
                                 self.ca_path)

    # -- public helpers ------------------------------------------------------------------

    def __repr__(self):
        return "Transport(%s, user=%r, password=%s, insecure=%r)" % (
            self.base_url, self.username, REDACTED, self.insecure)

    def close(self):
        if not self._closed:
            self._closed = True
            self.session.close()

    def redact(self, text):
        """Remove the password, the Authorization token, the proxy's and any URL's credentials
        from a text (a value that is not a string, a decoded JSON object, string by string
        first: its ``str`` would escape a quote or a backslash of the password)."""
        if text is None:
            return text
        if isinstance(text, (list, tuple, dict)):
            text = self._scrub(text)
        text = str(text)
        secret = self._password.reveal()
        header = self._auth._header.reveal()
        token = header.split(" ", 1)[1] if " " in header else header
        from .failures import proxy_secrets  # the failure path only (failures.py)
        for value in (header, token, secret) + proxy_secrets(self.base_url):
            if value and len(value) >= 1 and value in text:
                text = text.replace(value, REDACTED)
        return _URL_USERINFO.sub(r"\1" + REDACTED + "@", text)

    @property
    def where(self):
        return format_netloc(self.hostname, self.port)

    @property
    def verify_setting(self):
        if self.insecure:
            return False
        return self.ca_path if self.ca_path else True

    # -- sending ---------------------------------------------------------------------------

    def request(self, method, args, write=False, verify=None, dataset=None):
        """Send one v2 call with retries; returns the decoded reply.

        A read is sent again after any transient failure. A write is sent again only when it
        provably did not reach the array, or the array said it did not execute it (delivery
        ``NOT_SENT``/``NOT_EXECUTED``). When its outcome is unknown (the request may still be
        executing) it is never sent again: ``verify``, a callable returning True once the
        write's effect is visible on the array, is polled within the retry budget; the call
        then returns None, or raises OutcomeUnknownError (also at once when ``verify`` is
        None or RESEND: nothing can tell that the write applied).
        """
        if self._closed:
            raise ConnectionFailedError("the client is closed", method=method, dataset=dataset)
        outer = getattr(self._local, "deadline", None)
        start = self._clock()
        deadline = start + self.retry_budget
        if outer is not None:
            deadline = min(deadline, outer)
        try:
            body = json.dumps(list(args), separators=(",", ":"), allow_nan=False)
            json.dumps(list(args), ensure_ascii=False).encode("utf-8")  # a lone surrogate: C1
        except (TypeError, ValueError) as exc:
            raise invalid_argument("args", "cannot be encoded as JSON: %s" % exc,
                                   method=method, dataset=dataset)
        attempt = 0
        while True:
            attempt += 1
            try:
                result = self._send_once(method, body, write, dataset, attempt)
            except Failure as exc:
                failure = exc
            else:
                if write and self.on_written is not None:
                    self.on_written(method, dataset)
                return result
            # Handled outside the except block: the raised error carries no chained context
            # (a requests exception would hold the prepared request and its headers).
            error = failure.error
            error.attempts = attempt
            if write and failure.delivery == UNKNOWN:
                from .failures import await_effect  # the failure path only (failures.py)
                return await_effect(self, method, dataset, verify, error, outer)
            resendable = failure.delivery in (NOT_SENT, NOT_EXECUTED)
            if not failure.retryable or (write and not resendable):
                raise error
            delay, asked = self._backoff_delay(attempt), getattr(failure, "retry_after", None)
            if asked is not None:  # at least that long, or an error now past the budget (C36)
                from .failures import retry_after_wait  # the failure path only (failures.py)
                delay = retry_after_wait(self, error, asked, delay, deadline, attempt)
            if self._clock() + delay > deadline:
                if self.retry_budget > 0 and attempt > 1:
                    error.message += " (gave up after %d attempts)" % attempt
                raise error
            self.log.warning("%s %s: %s; retrying in %.2f s (attempt %d)%s", method, dataset or "",
                             error.message, delay, attempt + 1, "" if asked is None else
                             ", as its Retry-After asked", extra=TRANSIENT_EXTRA)
            self._sleep(delay)

    def _backoff_delay(self, attempt):
        # The exponent is bounded: backoff * 2 ** 1024 no longer fits a float (OverflowError
        # after ~1,000 quick attempts with a small backoff), and 2 ** 64 steps pass any cap.
        cap = min(self.backoff_max, self.backoff * (2 ** min(attempt - 1, 64)))
        return self._rng.uniform(0, cap)

    def _post(self, url, body):
        kwargs = dict(data=body.encode("utf-8"), auth=self._auth, timeout=self.timeout,
                      verify=self.verify_setting, allow_redirects=False)
        # Verification off: this session's pool emits no InsecureRequestWarning (logged once
        # at construction instead; delivery.TrackingAdapter), without touching the
        # process-wide warning filters.
        return self.session.post(url, **kwargs)

    def _send_once(self, method, body, write, dataset, attempt):
        url = "%s/%s" % (self.base_url, method)
        self.log.debug("-> %s %s (attempt %d, %s)", method, dataset or "", attempt,
                       "write" if write else "read")
        started = self._clock()
        failure = None
        reset_stage()
        try:
            response = self._post(url, body)
        except Exception as exc:  # classify transport failures
            from .failures import classify  # the failure path only (failures.py)
            failure = classify(self, exc, method, dataset)
        if failure is not None:
            self.log.debug("<- %s %s failed: %s", method, dataset or "", failure.error.message)
            raise failure
        try:
            self.log.debug("<- %s %s HTTP %d in %.0f ms", method, dataset or "",
                           response.status_code, (self._clock() - started) * 1000.0)
            return self._decode(response, method, write, dataset)
        finally:
            response.close()

    def _decode(self, response, method, write, dataset):
        status = response.status_code
        try:
            # JSON is UTF-8 (RFC 8259): no charset guessing over the body.
            text = response.content.decode(response.encoding or "utf-8", "replace")
            if getattr(response.raw, "length_remaining", None):  # cut short (urllib3 1.26 keeps it)
                raise EOFError("the body ended before its Content-Length")
        except Exception as exc:  # broken, decoding or cut body
            from .failures import unreadable  # the failure path only (failures.py)
            raise unreadable(self, response, exc, method, dataset)
        if status == 200:
            if not text.strip():
                return None
            try:
                value = json.loads(text)
            except ValueError:
                # A write answered by a page (a proxy's or a portal's, a cut reply): whether
                # the array executed it is unknown (C32).
                raise Failure(ProtocolError(
                    "the array sent a reply that is not JSON: %s" % self._short(text),
                    method=method, dataset=dataset, http_status=status), False,
                    UNKNOWN if write else FINISHED)
            if write and isinstance(value, int) and not isinstance(value, bool) and value != 0:
                raise Failure(api_error(
                    "EZEBI_GENERAL", "the array answered command status %d (failure)" % value,
                    method=method, dataset=dataset, http_status=status), False, NOT_EXECUTED)
            return value
        model = self._error_model(text)
        if status in (401, 403):
            from .failures import refused_credentials  # the failure path only (failures.py)
            raise refused_credentials(self, model, method, dataset, status)
        if status in TRANSIENT_STATUSES:
            from .failures import transient_status  # the failure path only (failures.py)
            raise transient_status(self, response, model, text, method, dataset)
        if status == 404 and (model is None or
                              model.get("code") != "EZEBI_RESOURCE_NOT_FOUND"):
            detail = self.redact(model.get("message")) if model and model.get("message") \
                else self._short(text)
            raise Failure(ProtocolError(
                "the array does not know the API method %r (HTTP 404: %s); is its firmware too "
                "old for this call?" % (method, detail), method=method, dataset=dataset,
                http_status=status), False, NOT_EXECUTED)
        if model is not None:
            # The code too is the array's text: an echo of the request lands there as well.
            error = api_error(self.redact(model.get("code")),
                              self.redact(model.get("message") or ""),
                              method=method, dataset=dataset, http_status=status,
                              details=self.redact(model.get("details")) if model.get("details")
                              else None)
            retry = (not write) and isinstance(error, BusyError) and \
                error.code == "EZEBI_RESOURCE_BUSY"
            raise Failure(error, retry, NOT_EXECUTED)
        if 500 <= status < 600:
            # Not the array's own refusal (that is an ErrorModel): an application server's
            # or a proxy's error page, which does not say whether a write ran (C32).
            raise Failure(ApiError(
                "HTTP %d with a non-JSON error body: %s" % (status, self._short(text)),
                method=method, dataset=dataset, code="EZEBI_GENERAL", http_status=status),
                False, UNKNOWN if write else FINISHED)
        raise Failure(ProtocolError(
            "unexpected HTTP status %d from the array: %s" % (status, self._short(text)),
            method=method, dataset=dataset, http_status=status), False, FINISHED)

    def describe_reply(self, value):
        """``repr`` of a decoded reply value for an error text, redacted string by string (see
        :meth:`redact`) and shortened like any server text."""
        return self._short(repr(self._scrub(value)))

    def _scrub(self, value):
        """``value`` with every string in it redacted (JSON containers walked)."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, (list, tuple)):
            return [self._scrub(item) for item in value]
        if isinstance(value, dict):
            return dict((self._scrub(k), self._scrub(v)) for k, v in value.items())
        return value

    def _short(self, text):
        text = self.redact(text or "").strip()
        if len(text) > MAX_ERROR_TEXT:
            text = text[:MAX_ERROR_TEXT] + "... (truncated)"
        return text or "(empty body)"

    @staticmethod
    def _error_model(text):
        if not text or not text.strip():
            return None
        try:
            value = json.loads(text)
        except ValueError:
            return None
        if isinstance(value, dict) and ("code" in value or "message" in value):
            return value
        return None
