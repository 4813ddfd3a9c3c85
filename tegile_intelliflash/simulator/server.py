# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""The simulator's HTTP/1.1 server: persistent connections, as an array's web server keeps them.

Werkzeug's development server answers every request with ``Connection: close``, so each call
would pay a new TCP connection and TLS handshake and a client's connection reuse would never be
exercised. ``SimRequestHandler`` serves the WSGI application itself instead:

- a connection stays open for the next request (HTTP/1.1; HTTP/1.0 with ``Connection:
  keep-alive``) until the client sends ``Connection: close``, an error of the HTTP layer, a
  request body it cannot skip, or ``idle_timeout`` seconds without a request;
- every reply carries its ``Content-Length`` (or is chunked when the application gives none),
  and its headers and body leave in one write;
- a request body is read exactly to its ``Content-Length``; what the application left unread is
  skipped, so the next request line is found where it is;
- a ``ConnectionCut`` raised by the application (reset and drop-reply faults) resets the
  connection (SO_LINGER 0: RST rather than FIN);
- ``ConnectionStats`` counts the connections accepted (``/sim/v1/stats``).
"""

import io
import json
import logging
import selectors
import socket
import struct
import sys
import threading

from werkzeug.serving import WSGIRequestHandler, make_server

LOG = logging.getLogger("tegile_intelliflash.simulator.http")
ABORT_KEY = "tegile_intelliflash.simulator.abort"
# Apache's KeepAliveTimeout default, the web server in front of many arrays' REST services.
DEFAULT_IDLE_TIMEOUT = 5.0
# An unread request body up to this size is skipped to keep the connection; a larger one (a
# refused oversized upload) closes it after the reply.
SKIP_LIMIT = 1024 * 1024


class ConnectionStats:
    """Connections accepted and requests served since start (thread-safe)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.opened = 0
        self.open = 0
        self.requests = 0

    def connection_opened(self):
        with self._lock:
            self.opened += 1
            self.open += 1

    def connection_closed(self):
        with self._lock:
            self.open -= 1

    def request_served(self):
        with self._lock:
            self.requests += 1

    def snapshot(self):
        with self._lock:
            return {"connections": {"opened": self.opened, "open": self.open},
                    "requests": self.requests}


class _Body(io.RawIOBase):
    """The request body: at most ``length`` bytes of the connection's stream."""

    def __init__(self, rfile, length):
        super().__init__()
        self._rfile = rfile
        self.remaining = length

    def readable(self):
        return True

    def readinto(self, buf):
        if self.remaining <= 0:
            return 0
        data = self._rfile.read(min(len(buf), self.remaining))
        if not data:
            raise ConnectionError("client closed the connection within the request body")
        buf[:len(data)] = data
        self.remaining -= len(data)
        return len(data)

    def skip(self):
        while self.remaining > 0:
            if not self._rfile.read(min(65536, self.remaining)):
                raise ConnectionError("client closed the connection within the request body")
            self.remaining -= min(65536, self.remaining)


class SimRequestHandler(WSGIRequestHandler):
    """One connection: requests served in turn until it closes (see the module docstring)."""

    protocol_version = "HTTP/1.1"

    def setup(self):
        # The idle timeout is the socket's timeout: http.server's request-line read times out,
        # logs it and closes the connection. It also bounds a silent TLS handshake.
        self.timeout = getattr(self.server, "idle_timeout", DEFAULT_IDLE_TIMEOUT)
        super().setup()
        # Headers and body leave in one send, but a chunked reply or a 100 Continue takes more:
        # with Nagle's algorithm on, a second send waits for the client's delayed ACK (40 ms).
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        stats = getattr(self.server, "connection_stats", None)
        if stats is not None:
            stats.connection_opened()

    def finish(self):
        try:
            super().finish()
        finally:
            stats = getattr(self.server, "connection_stats", None)
            if stats is not None:
                stats.connection_closed()

    def connection_dropped(self, error, environ=None):
        self.close_connection = True
        if environ is not None and environ.get(ABORT_KEY):
            try:
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
            except OSError:
                pass
            # The request's file objects hold references to the socket; close them first so
            # that close() really closes the descriptor now (RST), before the server's own
            # shutdown(SHUT_WR) could send a FIN.
            try:
                self.rfile.close()
            except OSError:
                pass
            try:
                self.connection.close()
            except OSError:
                pass

    def send_error(self, code, message=None, explain=None):
        """Errors of the HTTP layer itself (431 headers too large, 414 request line too long,
        400 malformed request ...) as JSON ErrorModels like every other error (C34), instead
        of http.server's HTML page. The connection closes: where the next request starts is
        unknown."""
        short, _long_text = self.responses.get(code, ("Error", ""))
        message = message or short
        self.log_error("code %d, message %s", code, message)
        self.send_response(code, message)
        self.send_header("Connection", "close")
        body = b""
        if code >= 200 and code not in (204, 205, 304):
            text = "%s: %s" % (message, explain) if explain else message
            body = json.dumps({"code": "EZEBI_GENERAL", "message": text}).encode("utf-8")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)
        self.close_connection = True

    def log_request(self, code="-", size="-"):
        # One line per request, at DEBUG (--log-level DEBUG): /sim/v1/calls/log records every
        # array call already, and a console line per request cost a fifth of a simple call.
        # Method names are in the path; headers (Authorization) are never logged.
        if LOG.isEnabledFor(logging.DEBUG):
            LOG.debug('%s "%s" %s %s', self.address_string(), self.requestline, code, size)

    def log_error(self, format, *args):  # pylint: disable=redefined-builtin
        if format.startswith("Request timed out"):  # http.server's idle timeout: normal
            LOG.debug("%s: idle connection closed after %s s", self.address_string(),
                      self.timeout)
            return
        super().log_error(format, *args)

    # -- one request -------------------------------------------------------------------------
    def run_wsgi(self):
        """Serve one request through the WSGI application (called by http.server's
        ``handle_one_request`` through ``do_<METHOD>``)."""
        # http.server sends the interim reply itself to an HTTP/1.1 request (handle_expect_100);
        # an HTTP/1.0 client does not know interim replies (RFC 9110 section 15.2).
        environ = self.make_environ()
        body = None
        if "wsgi.input_terminated" in environ:
            # Chunked: the end of the body is only known once read to its end; close after it.
            self.close_connection = True
        else:
            try:
                length = max(0, int(self.headers.get("Content-Length") or 0))
            except ValueError:
                length = 0
                self.close_connection = True
            body = _Body(self.rfile, length)
            environ["wsgi.input"] = body
            environ["wsgi.input_terminated"] = True
        reply = _Reply(self, environ)
        try:
            reply.execute(self.server.app)
        except (ConnectionError, socket.timeout) as exc:
            self.connection_dropped(exc, environ)
            return
        except Exception:  # pylint: disable=broad-except
            # Flask answers its own errors; this is a failure of the server itself.
            self.close_connection = True
            self.log_error("error on request:\n%s", _traceback())
            if not reply.sent:
                try:
                    reply.execute(_internal_error)
                except Exception:  # pylint: disable=broad-except
                    pass
            return
        stats = getattr(self.server, "connection_stats", None)
        if stats is not None:
            stats.request_served()
        if self.close_connection:
            if body is not None and body.remaining:
                _discard_pending(self.connection, self.rfile)
            return
        if body is not None and body.remaining:
            try:
                body.skip()
            except (ConnectionError, socket.timeout):
                self.close_connection = True


class _Reply:
    """The reply to one request: status, headers and body in as few writes as possible."""

    def __init__(self, handler, environ):
        self.handler = handler
        self.environ = environ
        self.status = None
        self.headers = None
        self.sent = False
        self.chunked = False

    def start_response(self, status, headers, exc_info=None):
        if exc_info and self.sent:
            raise exc_info[1].with_traceback(exc_info[2])
        self.status = status
        self.headers = headers
        return self.write

    def _head(self, body):
        handler = self.handler
        code_text, _sep, reason = self.status.partition(" ")
        code = int(code_text)
        names = {name.lower() for name, _value in self.headers}
        lines = ["%s %d %s" % (handler.protocol_version, code, reason),
                 "Server: %s" % handler.version_string(),
                 "Date: %s" % handler.date_time_string()]
        lines.extend("%s: %s" % (name, value) for name, value in self.headers)
        if "content-length" not in names and handler.command != "HEAD" \
                and not 100 <= code < 200 and code not in (204, 304):
            self.chunked = True
            lines.append("Transfer-Encoding: chunked")
        body_left = self.environ["wsgi.input"]
        if isinstance(body_left, _Body) and body_left.remaining > SKIP_LIMIT:
            handler.close_connection = True
        if handler.close_connection:
            lines.append("Connection: close")
        elif handler.request_version == "HTTP/1.0":
            lines.append("Connection: keep-alive")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        handler.log_request(code, len(body) if body else "-")
        return head

    def write(self, data):
        out = b""
        if not self.sent:
            out = self._head(data)
            self.sent = True
        if data:
            out += b"%x\r\n%s\r\n" % (len(data), data) if self.chunked else data
        if out:
            self.handler.wfile.write(out)

    def execute(self, app):
        result = app(self.environ, self.start_response)
        try:
            for data in result:
                self.write(data)
            if not self.sent:
                self.write(b"")
            if self.chunked:
                self.handler.wfile.write(b"0\r\n\r\n")
        finally:
            if hasattr(result, "close"):
                result.close()


def _internal_error(environ, start_response):
    body = json.dumps({"code": "EZEBI_GENERAL", "message": "internal error"}).encode("utf-8")
    start_response("500 Internal Server Error", [("Content-Type", "application/json"),
                                                 ("Content-Length", str(len(body)))])
    return [body]


def _discard_pending(connection, rfile):
    """Before closing on an unread body (a refused oversized upload), read what the client is
    still sending for a moment: closing with unread data would send RST, and the client could
    lose the reply that explains the refusal."""
    selector = selectors.DefaultSelector()
    try:
        selector.register(connection, selectors.EVENT_READ)
        total = 0
        while total < 64 * SKIP_LIMIT and selector.select(timeout=0.01):
            data = rfile.read1(65536)
            if not data:
                break
            total += len(data)
    except (OSError, ValueError):
        pass
    finally:
        selector.close()


def _traceback():
    import traceback
    return "".join(traceback.format_exception(*sys.exc_info()))


def build_server(host, port, app, ssl_context=None, idle_timeout=DEFAULT_IDLE_TIMEOUT,
                 stats=None):
    """A threaded server (one thread per connection) for ``app``, TLS when ``ssl_context``."""
    server = make_server(host, port, app, threaded=True, request_handler=SimRequestHandler)
    if ssl_context is not None:
        # Wrap here rather than through make_server: with do_handshake_on_connect=False the TLS
        # handshake runs in the connection's thread, so a silent client cannot stall the
        # accept loop.
        server.socket = ssl_context.wrap_socket(
            server.socket, server_side=True, do_handshake_on_connect=False
        )
        server.ssl_context = ssl_context
    server.daemon_threads = True
    server.idle_timeout = idle_timeout
    server.connection_stats = stats if stats is not None else ConnectionStats()
    return server
