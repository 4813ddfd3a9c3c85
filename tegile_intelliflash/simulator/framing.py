# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""One connection of the simulator's server (server.py) and the framing of its requests: the
requests in the bytes read so far, taken off its buffer one at a time (``take_request``).

No socket here: the event loop reads and writes, this reads and changes nothing but a
``Connection`` (the property tests drive it with bytes alone). The heads and bodies themselves
are parsed by http11.py.
"""

import time

from . import http11
from .http11 import HttpError


class Connection:
    """One client connection: its buffers and where it stands."""

    busy = False            # a request runs in a thread
    closing = False         # close once ``out`` is sent
    closed = False
    lingering = None        # deadline while reading what the client still sends
    eof = False             # the client closed its side: answer what came, then close
    continue_sent = False   # "100 Continue" sent for the request being received
    chunked = None          # the chunked body being received (http11.ChunkedBody)
    head_scanned = 0        # how far the head being received was searched for its end
    events = 0              # what the selector watches
    tls_wants = 0           # the direction TLS asked for on the other operation

    def __init__(self, sock, peer, tls):
        self.sock, self.peer = sock, peer
        self.handshaking = tls
        self.inbuf, self.out = bytearray(), bytearray()
        self.last = time.monotonic()


def take_request(conn):
    """The next complete request of ``inbuf`` as (request, body, declared length when not
    buffered), taking it off the buffer; None while incomplete. It reads and changes
    nothing but ``conn``: the property tests drive it without a socket."""
    buf = conn.inbuf
    # RFC 9112 section 2.2: ignore empty lines before a request line.
    start = 0
    while buf[start:start + 2] == b"\r\n" or buf[start:start + 1] == b"\n":
        start += 2 if buf[start:start + 1] == b"\r" else 1
    if start:
        del buf[:start]
    if not buf or buf == b"\r":  # nothing yet, or the rest of an empty line to come
        return None
    if not buf[:1].isalpha():
        # Not a method name (a TLS hello on a plain port): refused without waiting.
        raise HttpError(400, "Bad request syntax (%r)" % bytes(buf[:16]))
    line_end = buf.find(b"\n", 0, http11.MAX_LINE + 2)
    if line_end < 0:
        if len(buf) > http11.MAX_LINE:
            raise HttpError(414, "Request-URI Too Long")
        return None
    # The head's end is looked for where the last look stopped: a head that trickles in
    # is not scanned again from its start.
    match = http11.HEAD_END.search(buf, max(line_end - 1, conn.head_scanned, 0))
    if match is None:
        # Refuse what is not HTTP (a TLS hello on a plain port) without waiting for more.
        http11.parse_request_line(bytes(buf[:line_end]).decode("latin-1"))
        last_line = len(buf) - (buf.rfind(b"\n") + 1)
        if last_line > http11.MAX_LINE:
            raise HttpError(431, "Line too long")
        # The head is at least what came before the last 3 bytes (which may begin its
        # blank line): refused as parse_head refuses it whole, no sooner.
        if len(buf) - 3 > http11.MAX_HEAD:
            raise HttpError(431, "Request header fields too large")
        conn.head_scanned = len(buf) - 3
        return None
    conn.head_scanned = 0
    request = http11.parse_head(bytes(buf[:match.start()]))
    body_start = match.end()
    if request.expect_continue and not conn.continue_sent \
            and request.length <= http11.MAX_BODY:
        conn.continue_sent = True
        conn.out += b"HTTP/1.1 100 Continue\r\n\r\n"
    if request.chunked:
        if conn.chunked is None:
            conn.chunked = http11.ChunkedBody(body_start)
        found = conn.chunked.feed(buf)
        if found is None:
            if len(buf) - body_start > http11.MAX_BODY + http11.MAX_LINE:
                raise HttpError(413, "Request body too large")
            return None
        body, end = found
        del buf[:end]
        conn.chunked = None
        conn.continue_sent = False
        return request, body, None
    if request.length > http11.MAX_BODY:
        # Not taken: the application refuses it; what arrives of it is dropped.
        del buf[:]
        conn.continue_sent = False
        return request, None, request.length
    end = body_start + request.length
    if len(buf) < end:
        return None
    body = bytes(buf[body_start:end])
    del buf[:end]
    conn.continue_sent = False
    return request, body, None
