# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Request arguments: both body forms of spec §3 and the type leniency of protocol choice C1."""

import json
import re

from .errors import ApiError, INVALID_ARGUMENT, INVALID_NUMBER_VALUE

_ARG_KEY = re.compile(r"^arg(\d+)_")
_INT_RE = re.compile(r"^[+-]?\d+$")


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
        body = json.loads(text)
    except ValueError as exc:
        raise ApiError(INVALID_ARGUMENT, "request body is not valid JSON: %s" % exc) from None
    if isinstance(body, list):
        return body
    if isinstance(body, dict) and body and all(_ARG_KEY.match(str(k)) for k in body):
        slots = {}
        for key, value in body.items():
            slots[int(_ARG_KEY.match(key).group(1))] = value
        args = [_MISSING] * (max(slots) + 1)
        for index, value in slots.items():
            args[index] = value
        return args
    return [body]


class _Missing:
    def __repr__(self):
        return "<missing>"


_MISSING = _Missing()


def to_bool(value, field):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ApiError(INVALID_ARGUMENT, "%s must be a boolean, got %r" % (field, value))


def to_int(value, field, code=INVALID_NUMBER_VALUE):
    if isinstance(value, bool):
        raise ApiError(code, "%s must be an integer, got %r" % (field, value))
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT_RE.match(value.strip()):
        return int(value.strip())
    raise ApiError(code, "%s must be an integer, got %r" % (field, value))


def to_number(value, field, code=INVALID_NUMBER_VALUE):
    if isinstance(value, bool):
        raise ApiError(code, "%s must be a number, got %r" % (field, value))
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            pass
        else:
            return int(number) if number.is_integer() else number
    raise ApiError(code, "%s must be a number, got %r" % (field, value))


def to_str(value, field):
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ApiError(INVALID_ARGUMENT, "%s must be a string, got %r" % (field, value))


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
        value = self.raw(index, name, default)
        if value is default and default is not _MISSING:
            return value
        if not isinstance(value, dict):
            raise ApiError(INVALID_ARGUMENT, "%s must be a JSON object" % name)
        return value

    def list(self, index, name, default=_MISSING):
        value = self.raw(index, name, default)
        if value is default and default is not _MISSING:
            return value
        if not isinstance(value, list):
            raise ApiError(INVALID_ARGUMENT, "%s must be a JSON array" % name)
        return value
