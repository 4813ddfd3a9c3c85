# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Request arguments: both body forms of spec §3 and the type leniency of protocol choice C1."""

import json
import math
import re

from .convert import to_bool, to_str
from .errors import ApiError, INVALID_ARGUMENT

_ARG_KEY = re.compile(r"^arg(\d+)_")
# No method takes more than a handful of arguments; an ``argN_`` key beyond this is refused
# rather than turned into a list of N missing slots (``arg9999999999_x`` must not exhaust memory).
MAX_ARGS = 64


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number %s is out of range" % text)
    return value


def _no_constant(name):
    raise ValueError("%s is not valid JSON" % name)


def parse_body(raw):
    """Return the positional argument list of a request body (bytes).

    - empty body: no arguments;
    - JSON array: positional;
    - JSON object whose keys all look like ``argN_Name``: ordered by N (gaps are missing args);
    - any other JSON value or object: a single argument (lenient: some clients post a bare model).
    """
    try:
        text = raw.decode("utf-8").strip() if raw else ""
    except UnicodeDecodeError:
        raise ApiError(INVALID_ARGUMENT, "request body is not UTF-8 JSON") from None
    if not text:
        return []
    try:
        # Strict JSON: NaN, Infinity and numbers beyond a double are not JSON numbers.
        body = json.loads(text, parse_float=_finite_float, parse_constant=_no_constant)
    except ValueError as exc:
        raise ApiError(INVALID_ARGUMENT, "request body is not valid JSON: %s" % exc) from None
    except RecursionError:
        raise ApiError(INVALID_ARGUMENT, "request body is nested too deeply") from None
    if isinstance(body, list):
        return body
    if isinstance(body, dict) and body and all(_ARG_KEY.match(str(k)) for k in body):
        slots = {}
        for key, value in body.items():
            index = int(_ARG_KEY.match(key).group(1))
            if index >= MAX_ARGS:
                raise ApiError(INVALID_ARGUMENT, "argument key %r: no method takes %d arguments"
                               % (key[:40], index + 1))
            slots[index] = value
        args = [_MISSING] * (max(slots) + 1)
        for index, value in slots.items():
            args[index] = value
        return args
    return [body]


class _Missing:
    def __repr__(self):
        return "<missing>"


_MISSING = _Missing()


class Args:
    """Positional arguments of one call, with typed, named accessors."""

    def __init__(self, method, values):
        self.method = method
        self.values = list(values)

    def __len__(self):
        return len(self.values)

    def has(self, index):
        return index < len(self.values) and self.values[index] is not _MISSING and \
            self.values[index] is not None

    def raw(self, index, name, default=_MISSING):
        if not self.has(index):
            if default is not _MISSING:
                return default
            raise ApiError(
                INVALID_ARGUMENT,
                "%s: missing required argument %d (%s)" % (self.method, index, name),
            )
        return self.values[index]

    def str(self, index, name, default=_MISSING):
        value = self.raw(index, name, default)
        return value if value is default and default is not _MISSING else to_str(value, name)

    def bool(self, index, name, default=_MISSING):
        value = self.raw(index, name, default)
        return value if value is default and default is not _MISSING else to_bool(value, name)

    def obj(self, index, name, default=_MISSING):
        return self._json(index, name, default, dict, "a JSON object")

    def list(self, index, name, default=_MISSING):
        return self._json(index, name, default, list, "a JSON array")

    def _json(self, index, name, default, kind, what):
        value = self.raw(index, name, default)
        if value is default and default is not _MISSING:
            return value
        if not isinstance(value, kind):
            raise ApiError(INVALID_ARGUMENT, "%s must be %s" % (name, what))
        return value
