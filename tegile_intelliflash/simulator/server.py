# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""The simulator's HTTP/1.1 server: persistent connections, as an array's web server keeps them,
served by one event loop.

Why a loop rather than a thread per connection: threads that serve requests at the same time
hand the interpreter lock to each other at every socket and SQLite call. With four client
connections a thread-per-connection server spent 0.79 ms of CPU per getShare, against 0.47 ms
with one. Here one thread (``serve_forever``) accepts connections, completes their TLS
handshakes, reads and parses requests and writes replies, all without blocking, so a slow or
silent client holds nothing but its own connection:

- a request runs once its whole body has arrived. When ``inline(environ)`` says it cannot
  block (an array call without injected latency), it runs in the loop's thread; any other
  (control API, costly patterns, injected latency and proxy timeouts) runs in a thread of its
  own, which hands its reply back to the loop;
- a connection stays open for the next request (HTTP/1.1; HTTP/1.0 with ``Connection:
  keep-alive``) until the client sends ``Connection: close``, an error of the HTTP layer, a
  request body too large to take, or ``idle_timeout`` seconds without a request (which also
  bounds a silent TLS handshake);
- pipelined requests are answered in order; every reply carries its ``Content-Length``, and its
  headers and body leave in one write;
- errors of the HTTP layer (414, 431, 400, 505) are JSON ErrorModels like every other error;
- a ``ConnectionError`` raised by the application with ``environ[ABORT_KEY]`` set (reset and
  drop-reply faults) resets the connection (SO_LINGER 0: RST rather than FIN);
- a reply whose request set ``environ[TRICKLE_KEY]`` (the trickle fault) leaves in pieces, handed
  to the loop one at a time by the request's thread;
- ``ConnectionStats`` counts the connections accepted (``/sim/v1/stats``).

A connection's state and the framing of its requests (which bytes read so far make a request)
are in framing.py; the messages themselves are parsed and built by http11.py.
"""

import collections
import logging
import selectors
import socket
import ssl
import struct
import threading
import time
import traceback

from . import http11
from .framing import Connection, take_request
from .http11 import ABORT_KEY, TRICKLE_KEY, HttpError

__all__ = ["ABORT_KEY", "TRICKLE_KEY", "ConnectionStats", "DEFAULT_IDLE_TIMEOUT", "SimServer", "build_server"]

LOG = logging.getLogger("tegile_intelliflash.simulator.http")
# Apache's KeepAliveTimeout default, the web server in front of many arrays' REST services.
DEFAULT_IDLE_TIMEOUT = 5.0
# After a reply that closes the connection, what the client still sends is read (and dropped)
# for up to this long: closing with unread data would send RST, and the client could lose the
# reply that explains why.
LINGER_SECONDS = 1.0
# Replies waiting to be sent on one connection beyond which its requests are not read.
OUT_LIMIT = 4 * 1024 * 1024
# The most given to one send over TLS (four records of 16 kB).
TLS_SEND = 65536


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


class SimServer:
    """The event loop (see the module docstring); ``serve_forever`` runs it."""

    def __init__(self, host, port, app, ssl_context=None, idle_timeout=DEFAULT_IDLE_TIMEOUT,
                 stats=None, inline=None):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.create_server((host, port), family=family, backlog=128)
        self.socket.setblocking(False)
        self.host = host
        self.port = self.socket.getsockname()[1]
        self.app = app
        self.ssl_context = ssl_context
        self.idle_timeout = idle_timeout
        self.connection_stats = stats if stats is not None else ConnectionStats()
        self.inline = inline or (lambda environ: False)
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._done = collections.deque()  # (connection, outcome) from request threads
        self._connections = set()
        self._date = http11.DateHeader()
        # As socketserver: a shutdown asked before serve_forever runs ends it at once.
        self._stop = False
        self._stopped = threading.Event()
        self._closed = False

    # -- the loop -----------------------------------------------------------------------------
    def serve_forever(self, poll_interval=0.5):
        self._stopped.clear()
        try:
            self._serve(poll_interval)
        finally:
            self._stop = False
            self._stopped.set()

    def _serve(self, poll_interval):
        selector = self._selector
        selector.register(self.socket, selectors.EVENT_READ, "accept")
        selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        next_sweep = time.monotonic() + poll_interval
        try:
            while not self._stop:
                for key, mask in selector.select(poll_interval):
                    if key.data == "accept":
                        self._accept()
                    elif key.data == "wake":
                        self._drain_wake()
                    else:
                        self._on_event(key.data, mask)
                if self._done:
                    self._finish_threaded()
                now = time.monotonic()
                if now >= next_sweep:
                    self._sweep(now)
                    next_sweep = now + min(poll_interval, 0.25)
        finally:
            selector.unregister(self.socket)
            selector.unregister(self._wake_r)

    def shutdown(self):
        """Stop ``serve_forever`` and wait until it has returned (from another thread)."""
        self._stop = True
        self._wake()
        self._stopped.wait()

    def server_close(self):
        if self._closed:
            return
        self._closed = True
        for conn in list(self._connections):
            self._close(conn)
        for sock in (self.socket, self._wake_r, self._wake_w):
            try:
                sock.close()
            except OSError:
                pass
        self._selector.close()

    def _wake(self):
        try:
            self._wake_w.send(b"x")
        except OSError:  # full (already woken) or closed
            pass

    def _drain_wake(self):
        try:
            while self._wake_r.recv(4096):
                pass
        except OSError:
            pass

    def _accept(self):
        for _attempt in range(64):
            try:
                raw, peer = self.socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                # Out of descriptors: the listening socket stays readable, so pause a moment
                # rather than spin; the client's connection waits in the backlog.
                LOG.warning("accept failed: %s", exc)
                time.sleep(0.05)
                return
            try:
                raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
            sock = raw
            if self.ssl_context is not None:
                try:
                    sock = self.ssl_context.wrap_socket(raw, server_side=True,
                                                        do_handshake_on_connect=False)
                except (OSError, ValueError) as exc:
                    LOG.debug("%s: TLS setup failed: %s", peer[0], exc)
                    raw.close()
                    continue
            sock.setblocking(False)
            conn = Connection(sock, peer, self.ssl_context is not None)
            self._connections.add(conn)
            self.connection_stats.connection_opened()
            self._set_events(conn, selectors.EVENT_READ)

    def _sweep(self, now):
        """Close connections idle for ``idle_timeout`` (a request not started or half sent
        counts as idle; one that runs in a thread does not) and ends lingering."""
        for conn in list(self._connections):
            if conn.lingering is not None:
                if now >= conn.lingering:
                    self._close(conn)
            elif not conn.busy and now - conn.last >= self.idle_timeout:
                LOG.debug("%s: idle connection closed after %s s", conn.peer[0],
                          self.idle_timeout)
                self._close(conn)

    # -- one connection -----------------------------------------------------------------------
    def _on_event(self, conn, mask):
        try:
            if conn.handshaking:
                if not self._handshake(conn):
                    return
                mask |= selectors.EVENT_READ  # data may have come with the handshake
            if conn.tls_wants:  # a read waited for a write, or the other way round
                mask |= selectors.EVENT_READ
                conn.tls_wants = 0
            if not self._flush(conn):
                return
            if mask & selectors.EVENT_READ and self._reading(conn):
                if not self._receive(conn):
                    return
            if conn.lingering is None and not self._serve_and_send(conn):
                return
            self._update(conn)
        except Exception:  # pylint: disable=broad-except
            LOG.error("connection %s failed:\n%s", conn.peer[0], traceback.format_exc())
            self._close(conn)

    @staticmethod
    def _reading(conn):
        """Whether to read from the connection now: not while its request runs in a thread,
        after the client closed its side, or while too much waits to be sent; after a closing
        reply only to drop what still comes."""
        if conn.busy or conn.eof:
            return False
        if conn.lingering is not None:
            return True
        return not conn.closing and len(conn.out) < OUT_LIMIT

    def _handshake(self, conn):
        try:
            conn.sock.do_handshake()
        except ssl.SSLWantReadError:
            self._set_events(conn, selectors.EVENT_READ)
            return False
        except ssl.SSLWantWriteError:
            self._set_events(conn, selectors.EVENT_WRITE)
            return False
        except (OSError, ValueError) as exc:  # refused certificate, plain HTTP, reset ...
            LOG.debug("%s: TLS handshake failed: %s", conn.peer[0], exc)
            self._close(conn)
            return False
        conn.handshaking = False
        conn.last = time.monotonic()
        return True

    def _receive(self, conn):
        """Read what has arrived; False when the connection is gone."""
        while True:
            try:
                data = conn.sock.recv(262144)
            except (ssl.SSLWantReadError, BlockingIOError, InterruptedError):
                break
            except ssl.SSLWantWriteError:
                conn.tls_wants = selectors.EVENT_WRITE
                break
            except (OSError, ValueError):
                self._close(conn)
                return False
            if not data:
                if conn.lingering is not None or not (conn.inbuf or conn.out):
                    self._close(conn)
                    return False
                # The last requests came with the client's FIN, or a reply is still leaving
                # (a half close: the client reads on): they are answered, then it closes.
                conn.eof = True
                break
            conn.last = time.monotonic()
            if conn.lingering is not None:
                continue  # after a closing reply: read and drop
            conn.inbuf += data
            if len(conn.inbuf) > http11.MAX_BODY + 2 * http11.MAX_LINE:
                break  # served first; the rest waits in the kernel
        return True

    def _serve_and_send(self, conn):
        """Serve what was read, or what waited while replies could not leave, and send the
        replies; again while sending made room for more (no event would come for requests
        already read). False when the connection is gone."""
        while True:
            waiting = len(conn.inbuf)
            self._serve_buffered(conn)
            if not self._flush(conn):
                return False
            if len(conn.inbuf) in (0, waiting) or conn.busy or conn.closing \
                    or len(conn.out) >= OUT_LIMIT:
                return True

    def _serve_buffered(self, conn):
        """Run the complete requests in ``inbuf``, in order, until one runs in a thread or
        the connection is to close."""
        incomplete = False
        while conn.inbuf and not (conn.busy or conn.closing or conn.closed) \
                and len(conn.out) < OUT_LIMIT:
            try:
                parsed = take_request(conn)
                if parsed is None:
                    incomplete = True
                    break
                request, body, declared = parsed
                # A target urlsplit refuses ("//[x") is an HttpError too: answered, not a
                # connection failure that closes without a reply.
                environ = http11.wsgi_environ(request, body, declared, conn.peer, self)
            except HttpError as err:
                self._refuse(conn, err)
                return
            close = not request.keep_alive or declared is not None
            if self.inline(environ):
                outcome = http11.run_request(self.app, environ, request, close, self._date.now())
                self._deliver(conn, outcome)
            else:
                conn.busy = True
                threading.Thread(target=self._run_threaded,
                                 args=(conn, environ, request, close),
                                 name="request", daemon=True).start()
        # After the client's FIN: close once every complete request is answered (those left
        # in inbuf wait for room to send, OUT_LIMIT); an incomplete one will not be finished.
        if conn.eof and not (conn.busy or conn.closed) and (incomplete or not conn.inbuf):
            conn.inbuf.clear()
            conn.closing = True

    def _refuse(self, conn, err):
        LOG.info("%s: HTTP %d: %s", conn.peer[0], err.status, err.message)
        conn.inbuf.clear()
        conn.chunked = None
        conn.head_scanned = 0
        conn.out += http11.error_reply(err, self._date.now())
        conn.closing = True

    def _run_threaded(self, conn, environ, request, close):
        outcome = http11.Outcome(abort=True)
        try:
            outcome = http11.run_request(self.app, environ, request, close, self._date.now())
            if environ.get(TRICKLE_KEY) and not outcome.abort:
                self._trickle(conn, outcome, *environ[TRICKLE_KEY])
        finally:  # the connection waits for this outcome, whatever happened
            self._done.append((conn, outcome))
            self._wake()

    def _trickle(self, conn, outcome, size, pause):
        """Hand the reply to the loop ``size`` bytes at a time, ``pause`` seconds apart (the
        connection stays busy until its last piece, left in ``outcome``); stops early when the
        client has gone."""
        while not conn.closed:
            time.sleep(pause)
            if len(outcome.data) <= size:
                return
            self._done.append((conn, http11.Outcome(outcome.data[:size], partial=True)))
            self._wake()
            outcome.data = outcome.data[size:]

    def _finish_threaded(self):
        while self._done:
            conn, outcome = self._done.popleft()
            if conn.closed:
                continue
            conn.busy = outcome.partial  # more of a trickled reply is to come
            try:
                self._deliver(conn, outcome)
                if self._serve_and_send(conn):
                    self._update(conn)
            except Exception:  # pylint: disable=broad-except
                LOG.error("connection %s failed:\n%s", conn.peer[0], traceback.format_exc())
                self._close(conn)

    def _deliver(self, conn, outcome):
        if conn.closed:
            return
        if outcome.abort:
            # At once, as a real reset: replies to earlier pipelined requests that have not
            # left yet are lost with it (the client's kernel drops even those it holds unread).
            self._reset(conn)
            return
        if outcome.served:
            self.connection_stats.request_served()
        conn.out += outcome.data
        conn.last = time.monotonic()
        if outcome.close:
            conn.closing = True
        # Sent by the caller's flush, with the replies to other pipelined requests.

    def _flush(self, conn):
        """Send what ``out`` holds as far as the socket takes it, then close a closing
        connection; False when the connection is gone."""
        if conn.closed:
            return False
        tls = isinstance(conn.sock, ssl.SSLSocket)
        while conn.out:
            try:
                # Over TLS a send reports nothing until all it was given has gone (Python sets
                # no SSL_MODE_ENABLE_PARTIAL_WRITE): in pieces, so that a reply read slowly
                # shows progress (``last``, the idle sweep) and frees room (OUT_LIMIT) as it
                # goes. A retry after SSLWantWriteError gives the same bytes again, as OpenSSL
                # requires (``out`` only grows at its end until a send succeeds).
                sent = conn.sock.send(conn.out[:TLS_SEND] if tls else conn.out)
            except (ssl.SSLWantWriteError, BlockingIOError, InterruptedError):
                return True
            except ssl.SSLWantReadError:
                conn.tls_wants = selectors.EVENT_READ
                return True
            except (OSError, ValueError):
                self._close(conn)
                return False
            del conn.out[:sent]
            conn.last = time.monotonic()
        if conn.closing and conn.lingering is None:
            if conn.eof:  # nothing more will come: no need to read on
                self._close(conn)
                return False
            self._start_lingering(conn)
        return not conn.closed

    def _start_lingering(self, conn):
        # socketserver's way: no more data from us (FIN), then read until the client closes.
        try:
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self._close(conn)
            return
        conn.lingering = time.monotonic() + LINGER_SECONDS
        conn.inbuf.clear()

    def _update(self, conn):
        if conn.closed:
            return
        # A client that sends requests but reads no replies gets no more served until it
        # reads: what waits to be sent stays bounded (_reading).
        events = conn.tls_wants
        if self._reading(conn):
            events |= selectors.EVENT_READ
        if conn.out:
            events |= selectors.EVENT_WRITE
        self._set_events(conn, events)

    def _set_events(self, conn, events):
        """Watch ``events`` of the connection (none while its request runs in a thread and
        nothing is to be sent: what the client sends meanwhile waits in the kernel)."""
        if events == conn.events:
            return
        if not events:
            self._selector.unregister(conn.sock)
        elif not conn.events:
            self._selector.register(conn.sock, events, conn)
        else:
            self._selector.modify(conn.sock, events, conn)
        conn.events = events

    def _reset(self, conn):
        try:
            conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self._close(conn)

    def _close(self, conn):
        if conn.closed:
            return
        conn.closed = True
        self._connections.discard(conn)
        if conn.events:
            try:
                self._selector.unregister(conn.sock)
            except (KeyError, ValueError):
                pass
        try:
            conn.sock.close()
        except OSError:
            pass
        self.connection_stats.connection_closed()


def build_server(host, port, app, ssl_context=None, idle_timeout=DEFAULT_IDLE_TIMEOUT,
                 stats=None, inline=None):
    """The server for ``app`` (TLS when ``ssl_context``); ``inline(environ)`` tells which
    requests may run in the loop's thread (default: none)."""
    return SimServer(host, port, app, ssl_context, idle_timeout, stats, inline)
