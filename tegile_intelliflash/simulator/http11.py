# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""HTTP/1.1 messages for the simulator's server (server.py): request heads and chunked bodies
parsed from bytes, the WSGI environ, one request run through the application, reply bytes.

Nothing here touches a socket, so what arrives in pieces is parsed again when more has come
(``None`` means "incomplete"), and a malformed request raises ``HttpError``.
"""

import email.utils
import io
import json
import logging
import re
import sys
import time
import traceback
import urllib.parse

LOG = logging.getLogger("tegile_intelliflash.simulator.http")
# Set in the environ by an application that wants the connection cut (reset and drop-reply
# faults) rather than its reply sent.
ABORT_KEY = "tegile_intelliflash.simulator.abort"
# (piece bytes, seconds between pieces): the reply leaves in pieces (the trickle fault, C37).
TRICKLE_KEY = "tegile_intelliflash.simulator.trickle"
# http.server's limits: a request line or header line, and the number of header lines.
MAX_LINE = 65536
MAX_HEADERS = 100
# A whole request head (http.server bounds only its lines and their number).
MAX_HEAD = 1024 * 1024
# A body declared larger than this is not buffered: the request runs without it (the
# application refuses it, 413) and the connection closes after the reply.
MAX_BODY = 16 * 1024 * 1024 + 65536
SERVER_VERSION = "IntelliFlash-Simulator Python/%d.%d" % sys.version_info[:2]
HEAD_END = re.compile(rb"\r?\n\r?\n")
_NO_BODY_STATUS = (204, 304)
_REASONS = {400: "Bad Request", 413: "Payload Too Large", 414: "Request-URI Too Long",
            431: "Request Header Fields Too Large", 505: "HTTP Version Not Supported"}


class HttpError(Exception):
    """A request the HTTP layer refuses (the connection closes after the reply)."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class Request:
    """One parsed request head: what the connection and the WSGI environ need."""

    __slots__ = ("method", "target", "version", "headers", "length", "chunked", "keep_alive",
                 "expect_continue")

    def __init__(self, method, target, version, headers):
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        fields = {}
        for name, value in headers:
            key = name.lower()
            fields[key] = fields[key] + "," + value if key in fields else value
        tokens = {t.strip().lower() for t in fields.get("connection", "").split(",")}
        if version == "HTTP/1.0":
            self.keep_alive = "keep-alive" in tokens
        else:
            self.keep_alive = "close" not in tokens
        coding = fields.get("transfer-encoding")
        self.chunked = coding is not None
        if coding is not None and coding.strip().lower() != "chunked":
            # RFC 9112 section 6.1: a body whose length cannot be told is refused.
            raise HttpError(400, "Unsupported Transfer-Encoding: %r" % coding[:40])
        if self.chunked and "content-length" in fields:
            # Chunked wins, and the connection closes after the reply (RFC 9112 section 6.1):
            # a proxy in front may have framed the request by its length.
            self.keep_alive = False
        self.length = 0
        if not self.chunked and "content-length" in fields:
            text = fields["content-length"].strip()
            if not re.fullmatch(r"[0-9]{1,19}", text):
                raise HttpError(400, "Bad Content-Length: %r" % text[:40])
            self.length = int(text)
        self.expect_continue = (version == "HTTP/1.1" and
                                fields.get("expect", "").strip().lower() == "100-continue")


def parse_request_line(line):
    """(method, target, version) of a request line (``HttpError`` when malformed)."""
    words = line.split()
    if len(words) != 3:
        if len(words) == 2 and words[0] == "GET":
            raise HttpError(400, "Bad HTTP/0.9 request type (%r)" % words[0][:40])
        raise HttpError(400, "Bad request syntax (%r)" % line[:80])
    method, target, version = words
    match = re.fullmatch(r"HTTP/(\d)\.(\d)", version)
    if not match:
        raise HttpError(400, "Bad request version (%r)" % version[:40])
    if int(match.group(1)) >= 2:
        raise HttpError(505, "Invalid HTTP version (%s)" % version)
    return method, target, version


def parse_head(head):
    """A ``Request`` from the bytes before the blank line (``HttpError`` when malformed)."""
    if len(head) > MAX_HEAD:  # as when the head arrives in pieces (server.py)
        raise HttpError(431, "Request header fields too large")
    lines = re.split(r"\r?\n", head.decode("latin-1"))
    method, target, version = parse_request_line(lines[0])
    if len(lines) - 1 > MAX_HEADERS:
        raise HttpError(431, "Too many headers")
    headers = []
    for line in lines[1:]:
        if len(line) > MAX_LINE:
            raise HttpError(431, "Line too long")
        if line[:1] in (" ", "\t") and headers:  # obsolete line folding
            name, value = headers[-1]
            headers[-1] = (name, value + " " + line.strip())
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise HttpError(400, "Bad header line (%r)" % line[:80])
        headers.append((name, value.strip()))
    return Request(method, target, version, headers)


_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")


class ChunkedBody:
    """A chunked request body decoded as it arrives: ``feed`` goes on from where the last call
    stopped, so a body that trickles in is not decoded again from its start."""

    def __init__(self, start):
        self.pos = start          # offset in the connection's buffer of what is not decoded yet
        self.body = bytearray()

    def feed(self, data):
        """(body, end offset) once the whole body is in ``data``; None while incomplete
        (``HttpError`` when malformed or larger than MAX_BODY)."""
        while True:
            eol = data.find(b"\r\n", self.pos, self.pos + MAX_LINE + 2)
            if eol < 0:
                if len(data) - self.pos > MAX_LINE:
                    raise HttpError(400, "Bad chunk size line")
                return None
            size_text = bytes(data[self.pos:eol]).split(b";", 1)[0].strip()
            if not _CHUNK_SIZE.fullmatch(size_text):
                raise HttpError(400, "Bad chunk size %r" % size_text[:20])
            size = int(size_text, 16)
            if size == 0:
                return self._trailer(data, eol)
            if len(self.body) + size > MAX_BODY:
                raise HttpError(413, "Request body too large")
            if len(data) < eol + 2 + size + 2:
                return None
            if data[eol + 2 + size:eol + 4 + size] != b"\r\n":
                raise HttpError(400, "Bad chunk: no CRLF after its %d bytes" % size)
            self.body += data[eol + 2:eol + 2 + size]
            self.pos = eol + 2 + size + 2

    def _trailer(self, data, eol):
        """After the last chunk: trailer fields (ignored), up to a blank line."""
        if data[eol:eol + 4] == b"\r\n\r\n":
            return bytes(self.body), eol + 4
        end = data.find(b"\r\n\r\n", eol)
        if end < 0:
            if len(data) - eol > MAX_LINE:
                raise HttpError(431, "Trailer fields too large")
            return None
        if end - eol > MAX_LINE:
            raise HttpError(431, "Trailer fields too large")
        return bytes(self.body), end + 4


def wsgi_environ(request, body, declared, peer, server):
    """The WSGI environ of ``request`` (as werkzeug's development server builds it)."""
    raw_path, _sep, query = request.target.partition("?")
    try:
        split = urllib.parse.urlsplit(raw_path)
    except ValueError as exc:
        raise HttpError(400, "Bad request target: %s" % exc) from None
    path = split.path
    if not split.scheme and split.netloc:  # "//x/y": a path, not an authority
        path = "//%s%s" % (split.netloc, split.path)
    environ = {
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https" if server.ssl_context is not None else "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "SERVER_SOFTWARE": SERVER_VERSION,
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        # WSGI: the bytes of the decoded path, as latin-1 text.
        "PATH_INFO": urllib.parse.unquote_to_bytes(path.encode("latin-1")).decode("latin-1"),
        "QUERY_STRING": query,
        "REQUEST_URI": request.target,
        "RAW_URI": request.target,
        "REMOTE_ADDR": peer[0],
        "REMOTE_PORT": peer[1],
        "SERVER_NAME": server.host,
        "SERVER_PORT": str(server.port),
        "SERVER_PROTOCOL": request.version,
    }
    for name, value in request.headers:
        if "_" in name:  # would be taken for a "-" header (werkzeug drops these too)
            continue
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):
            continue
        if key != "CONTENT_TYPE":
            key = "HTTP_" + key
            if key in environ:
                value = environ[key] + "," + value
        environ[key] = value
    if body is not None:
        environ["CONTENT_LENGTH"] = str(len(body))
        environ["wsgi.input_terminated"] = True
    if declared is not None:
        # Not buffered (too large): the application sees the declared length and no body.
        environ["CONTENT_LENGTH"] = str(declared)
        environ["wsgi.input"] = io.BytesIO(b"")
    return environ


class DateHeader:
    """The ``Date`` header, formatted once a second."""

    def __init__(self):
        self._cached = (None, "")

    def now(self):
        # Request threads call this too: the second and its text are one tuple, replaced
        # whole, so no caller sees a new second with the previous (or no) text.
        second = int(time.time())
        cached = self._cached
        if cached[0] != second:
            cached = (second, email.utils.formatdate(second, usegmt=True))
            self._cached = cached
        return cached[1]


def reply_bytes(status, headers, body, request, close, date):
    code = int(status.split(" ", 1)[0])
    lines = ["HTTP/1.1 " + status, "Server: " + SERVER_VERSION, "Date: " + date]
    has_length = False
    for name, value in headers:
        if name.lower() == "content-length":
            has_length = True
        lines.append("%s: %s" % (name, value))
    if not has_length and code not in _NO_BODY_STATUS and not 100 <= code < 200 \
            and request.method != "HEAD":
        lines.append("Content-Length: %d" % len(body))
    if close:
        lines.append("Connection: close")
    elif request.version == "HTTP/1.0":
        lines.append("Connection: keep-alive")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if request.method == "HEAD" else head + body


def _error_body(status, message):
    text = "%d %s" % (status, message)
    return json.dumps({"code": "EZEBI_GENERAL", "message": text}).encode("utf-8")


def error_reply(err, date):
    """The reply to a request the HTTP layer refuses (``HttpError``): a JSON ErrorModel, and
    the connection closes."""
    body = _error_body(err.status, err.message)
    head = ("HTTP/1.1 %d %s\r\nServer: %s\r\nDate: %s\r\nConnection: close\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
            % (err.status, _REASONS.get(err.status, "Error"), SERVER_VERSION, date, len(body)))
    return head.encode("latin-1") + body


def _internal_error(environ, start_response):
    body = json.dumps({"code": "EZEBI_GENERAL", "message": "internal error"}).encode("utf-8")
    start_response("500 Internal Server Error", [("Content-Type", "application/json"),
                                                 ("Content-Length", str(len(body)))])
    return [body]


class Outcome:
    """What running one request gave: the reply's bytes, or a connection to cut; ``partial``:
    a piece of a reply whose next piece is still to come (the request is not over)."""

    __slots__ = ("data", "close", "abort", "served", "partial")

    def __init__(self, data=b"", close=False, abort=False, served=False, partial=False):
        self.data = data
        self.close = close
        self.abort = abort
        self.served = served
        self.partial = partial


def run_request(app, environ, request, close, date):
    """Run ``request`` through the WSGI ``app``: an ``Outcome`` (never raises)."""
    try:
        return _run(app, environ, request, close, date)
    except ConnectionError:
        if not environ.get(ABORT_KEY):
            LOG.error("error on request:\n%s", traceback.format_exc())
        return Outcome(abort=True)
    except Exception:  # pylint: disable=broad-except
        # Flask answers its own errors; this is a failure of the server itself (or a reply it
        # cannot send, such as a header that is not latin-1).
        LOG.error("error on request:\n%s", traceback.format_exc())
        return _run(_internal_error, environ, request, True, date)


def _run(app, environ, request, close, date):
    reply = {}
    chunks = []

    def start_response(status, headers, exc_info=None):
        # Nothing is sent before the application returns: a late error replaces the reply.
        reply["status"] = status
        reply["headers"] = headers
        return chunks.append

    result = app(environ, start_response)
    try:
        chunks.extend(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    if "status" not in reply:
        raise RuntimeError("the application returned without calling start_response")
    body = b"".join(chunks)
    if LOG.isEnabledFor(logging.DEBUG):
        LOG.debug('%s "%s %s %s" %s %d', environ.get("REMOTE_ADDR"), request.method,
                  request.target[:200], request.version, reply["status"].split(" ", 1)[0],
                  len(body))
    data = reply_bytes(reply["status"], reply["headers"], body, request, close, date)
    return Outcome(data, close=close, served=True)
