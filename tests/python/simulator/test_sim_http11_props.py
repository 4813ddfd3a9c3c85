# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Properties of the request parser (``framing.take_request`` over http11.py): a
stream of pipelined requests gives the same requests however it arrives in pieces, and any
bytes give requests or an ``HttpError``, never another exception and never a parse that takes
nothing off the buffer (which would loop for ever)."""

import string

from hypothesis import given, settings, strategies as st

from tegile_intelliflash.simulator import framing, http11

# Small examples: the limits (64 kB lines, 1 MiB heads) are tested on their own.
_SETTINGS = settings(max_examples=150, deadline=None)
_PEER = ("127.0.0.1", 5)
_SERVER = type("S", (), {"ssl_context": None, "host": "h", "port": 1})
# Fields the framing or the parser reads: set by the strategy itself, never at random.
_FRAMING = {"content-length", "transfer-encoding", "connection", "expect"}
_NAME = st.text(string.ascii_letters + string.digits + "-", min_size=1, max_size=8).filter(
    lambda name: name.lower() not in _FRAMING)
# The parser strips a value (RFC 9112 section 5), so the expected value is stripped too.
_VALUE = st.text(string.ascii_letters + string.digits + " \t;,=/\"'()", max_size=12).map(
    str.strip)


def _chunked(draw, body):
    """``body`` in chunks of drawn sizes, spellings and extensions, then trailer fields."""
    wire = b""
    pos = 0
    while pos < len(body):
        size = draw(st.integers(1, len(body) - pos))
        spelling = draw(st.sampled_from(["%x", "%X", "%04x"]))
        extension = draw(st.sampled_from([b"", b";x=y", b" ;n"]))
        wire += (spelling % size).encode() + extension + b"\r\n" + body[pos:pos + size] + b"\r\n"
        pos += size
    return wire + b"0\r\n" + draw(st.sampled_from([b"", b"X-T: 1\r\n"])) + b"\r\n"


@st.composite
def _request(draw):
    """(its bytes, what the parser must give: method, target, version, fields, body)."""
    method = draw(st.sampled_from(["GET", "POST", "PUT", "HEAD", "DELETE"]))
    target = "/" + draw(st.text(string.ascii_letters + string.digits + "/%-._~?=&", max_size=12))
    version = draw(st.sampled_from(["HTTP/1.1", "HTTP/1.0"]))
    eol = draw(st.sampled_from(["\r\n", "\n"]))  # a bare LF ends a head line too
    fields = draw(st.lists(st.tuples(_NAME, _VALUE), max_size=4))
    body = draw(st.binary(max_size=40))
    framing = draw(st.sampled_from(["length", "chunked"] + ([] if body else ["none"])))
    if draw(st.booleans()):
        fields.append(("Expect", "100-continue"))
    if draw(st.booleans()):
        fields.append(("Connection", draw(st.sampled_from(["close", "keep-alive"]))))
    if framing == "length":
        fields.append(("Content-Length", str(len(body))))
    elif framing == "chunked":
        fields.append(("Transfer-Encoding", "chunked"))
    lines = [" ".join((method, target, version))] + ["%s: %s" % field for field in fields]
    wire = (eol.join(lines) + eol + eol).encode("latin-1")
    wire += _chunked(draw, body) if framing == "chunked" else body
    # RFC 9112 section 2.2: empty lines before a request line are ignored.
    wire = draw(st.sampled_from([b"", b"\r\n", b"\n"])) + wire
    return wire, (method, target, version, fields, body)


def _pieces(data, stream):
    """``stream`` cut at drawn offsets (one byte at a time now and then)."""
    if data.draw(st.booleans()):
        cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=12)))
    else:
        cuts = list(range(1, len(stream)))
    bounds = [0] + cuts + [len(stream)]
    return [stream[start:end] for start, end in zip(bounds, bounds[1:])]


def _parse(pieces):
    """What the parser takes from ``pieces`` fed in turn, as the loop feeds what it reads:
    (requests, the HttpError's status or None, bytes left, bytes queued to send)."""
    conn = framing.Connection(None, _PEER, False)
    taken = []
    try:
        for piece in pieces:
            conn.inbuf += piece
            while conn.inbuf:
                before = len(conn.inbuf)
                parsed = framing.take_request(conn)
                if parsed is None:
                    break
                # Each request takes bytes off the buffer: the loop cannot spin on one.
                assert len(conn.inbuf) < before
                request, body, declared = parsed
                assert declared is None  # bodies here are small
                http11.wsgi_environ(request, body, declared, _PEER, _SERVER)
                taken.append((request.method, request.target, request.version,
                              request.headers, body))
    except http11.HttpError as err:
        assert err.status in (400, 413, 414, 431, 505), err.status
        return taken, err.status, None, bytes(conn.out)
    return taken, None, bytes(conn.inbuf), bytes(conn.out)


@_SETTINGS
@given(st.lists(_request(), min_size=1, max_size=4), st.data())
def test_pipelined_requests_parse_the_same_however_they_arrive(requests, data):
    stream = b"".join(wire for wire, _expected in requests)
    whole = _parse([stream])
    assert _parse(_pieces(data, stream)) == whole
    taken, error, rest, out = whole
    assert error is None and rest == b""
    assert taken == [expected for _wire, expected in requests]
    # One interim reply per HTTP/1.1 request that asks for it (RFC 9110 section 10.1.1).
    asked = sum(1 for _wire, (_m, _t, version, fields, _b) in requests
                if version == "HTTP/1.1" and ("Expect", "100-continue") in fields)
    assert out == b"HTTP/1.1 100 Continue\r\n\r\n" * asked


# Pieces of requests and framing, and bytes at random: most streams get some way into the
# parser before anything goes wrong.
_FRAGMENTS = st.sampled_from([
    b"GET ", b"POST ", b"/", b"/a?b", b"//[x", b" HTTP/1.1", b" HTTP/1.0", b" HTTP/2.0",
    b"\r\n", b"\n", b"\r", b"\r\n\r\n", b"Content-Length: ", b"Transfer-Encoding: chunked",
    b"Expect: 100-continue", b"Connection: close", b"X: y", b": ", b" ", b"\t", b"0", b"5",
    b"ff", b";", b"-1", b"\x00", b"\xff"])
_STREAM = st.lists(st.one_of(_FRAGMENTS, st.binary(max_size=6)), max_size=30).map(b"".join)


@_SETTINGS
@given(_STREAM, st.data())
def test_any_bytes_give_requests_or_an_http_error(stream, data):
    whole = _parse([stream])
    split = _parse(_pieces(data, stream))
    # The same requests and the same refusal, however the bytes arrive; what is left
    # unparsed may differ only after a refusal (the connection closes then).
    assert split[:2] == whole[:2]
    if whole[1] is None:
        assert split[2:] == whole[2:]


@_SETTINGS
@given(_STREAM, st.data())
def test_any_chunked_body_decodes_the_same_however_it_arrives(stream, data):
    def decode(pieces):
        chunked = http11.ChunkedBody(0)
        buf = bytearray()
        try:
            for piece in pieces:
                buf += piece
                found = chunked.feed(buf)
                if found is not None:
                    return found
        except http11.HttpError as err:
            return err.status
        return None
    assert decode(_pieces(data, stream)) == decode([stream])
