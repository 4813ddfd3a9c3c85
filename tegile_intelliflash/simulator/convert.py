# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Value converters of protocol choice C1, shared by the request parser and the domain model.

They live apart from ``args`` so that the model (and the operations over it) can check values
nested in request objects without depending on how a request body is parsed.
"""

import math
import re

from .errors import ApiError, INVALID_ARGUMENT, INVALID_NUMBER_VALUE

# C1: numeric strings are plain ASCII decimal, spaces around allowed (no exponent, no "_", no
# tab, no other script's digits, which int() and float() would all accept). Matched with
# fullmatch: "$" would also match before a final newline, and int("12\n") is 12.
_INT_RE = re.compile(r"[+-]?[0-9]+")
_DECIMAL_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
# Integers are 64-bit on the array (spec §9): values outside are not numbers it can hold.
INT64_MIN = -(2 ** 63)
INT64_MAX = 2 ** 63 - 1


def to_bool(value, field):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ApiError(INVALID_ARGUMENT, "%s must be a boolean, got %r" % (field, value))


def _int64(number, value, field, code):
    if not INT64_MIN <= number <= INT64_MAX:
        raise ApiError(code, "%s must be a 64-bit integer, got %.40s" % (field, value))
    return number


def to_int(value, field, code=INVALID_NUMBER_VALUE):
    if isinstance(value, bool):
        raise ApiError(code, "%s must be an integer, got %r" % (field, value))
    if isinstance(value, int):
        return _int64(value, value, field, code)
    if isinstance(value, float) and value.is_integer():
        return _int64(int(value), value, field, code)
    if isinstance(value, str) and _INT_RE.fullmatch(value.strip(" ")) and len(value) <= 64:
        return _int64(int(value.strip(" ")), value, field, code)
    raise ApiError(code, "%s must be an integer, got %.60r" % (field, value))


def to_number(value, field, code=INVALID_NUMBER_VALUE):
    """A finite number within the 64-bit range (ints stay ints)."""
    if isinstance(value, bool):
        raise ApiError(code, "%s must be a number, got %r" % (field, value))
    number = None
    if isinstance(value, (int, float)):
        number = value
    elif isinstance(value, str) and _DECIMAL_RE.fullmatch(value.strip(" ")) and len(value) <= 64:
        text = value.strip(" ")
        number = int(text) if _INT_RE.fullmatch(text) else float(text)
    if number is None or not math.isfinite(number):
        raise ApiError(code, "%s must be a number, got %.60r" % (field, value))
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    _int64(number, value, field, code)
    return number


def to_str(value, field):
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ApiError(INVALID_ARGUMENT, "%s must be a string, got %r" % (field, value))
