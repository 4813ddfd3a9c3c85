# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Size parsing and formatting. Units are binary: 1 K = 1024 bytes, 1 G = 1024**3 bytes."""

import math
import re
from fractions import Fraction

from .errors import invalid_argument

KiB = 1024
MiB = 1024 ** 2
GiB = 1024 ** 3
TiB = 1024 ** 4
PiB = 1024 ** 5
EiB = 1024 ** 6

_UNITS = {"": 1, "k": KiB, "m": MiB, "g": GiB, "t": TiB, "p": PiB, "e": EiB}
_FORMAT_UNITS = (("EiB", EiB), ("PiB", PiB), ("TiB", TiB), ("GiB", GiB), ("MiB", MiB),
                 ("KiB", KiB))
# The array's integers are signed 64-bit (spec §9): a size of 2**63 bytes or more is refused
# here, before any call (C6).
MAX_SIZE = 2 ** 63 - 1
# C6: a decimal number, optionally one space, a unit with an optional B/iB. ASCII only: \d
# would also match other scripts' digits (int() accepts them, the array does not). No "_" and
# no tab: "5_000G" and "5<TAB>G" are typing accidents, not sizes.
_SIZE_RE = re.compile(r"^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?: ?([kmgtpe])(i?b)?| ?(b))?$",
                      re.IGNORECASE | re.ASCII)
_EXPONENT_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)e[+-]?\d+$", re.IGNORECASE | re.ASCII)


def parse_size(value, field="size", allow_zero=False):
    """Bytes (int) from an int, a digit string or a human string such as ``10G``, ``10GiB``,
    ``1.5T``, ``512M``, ``100k`` (case-insensitive, ``B``/``iB`` optional, binary units).

    Raises InvalidArgumentError naming ``field`` for zero (unless ``allow_zero``), negative
    values, fractions of a byte, 2**63 bytes or more and anything outside the grammar of C6
    (unknown units, ``_``, tabs, a lower-case ``e`` unit that reads as an exponent).
    """
    if isinstance(value, bool) or value is None:
        raise invalid_argument(field, "must be a size such as 10G or a number of bytes, got %r"
                               % (value,))
    if isinstance(value, int):
        amount = Fraction(value)
    elif isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise invalid_argument(field, "must be a finite size, got %r" % (value,))
        amount = Fraction(value)
    elif isinstance(value, str):
        text = value.strip(" ")
        # Longer than any size below 2**63 can be written (and int() refuses > 4300 digits).
        match = _SIZE_RE.fullmatch(text) if len(text) <= 64 else None
        if match is None and _EXPONENT_RE.fullmatch(text):
            raise invalid_argument(field, "%r is not a size: exponent notation is not accepted; "
                                          "write bytes or a binary unit (e.g. 1T)" % (value,))
        if not match:
            raise invalid_argument(
                field, "%.80r is not a size: use a number of bytes or a number with a binary "
                       "unit K, M, G, T, P or E (e.g. 512M, 10G, 10GiB, 1.5T)" % (value,))
        sign, number, unit, _suffix, _bytes = match.groups()
        if unit == "e":
            # "1e" and "1e30" read as exponent notation: the exbi unit must be written E.
            raise invalid_argument(
                field, "%r is not a size: a lower-case 'e' reads as an exponent; write the "
                       "exbi unit as E (1E, 1EiB) or give the size in bytes" % (value,))
        amount = Fraction(number) * _UNITS[(unit or "").lower()]
        if sign == "-":
            amount = -amount
    else:
        raise invalid_argument(field, "must be a size such as 10G or a number of bytes, got %s"
                               % type(value).__name__)
    if amount.denominator != 1:
        raise invalid_argument(field, "%r is not a whole number of bytes" % (value,))
    result = int(amount)
    if result < 0:
        raise invalid_argument(field, "must not be negative, got %r" % (value,))
    if result == 0 and not allow_zero:
        raise invalid_argument(field, "must be greater than zero, got %r" % (value,))
    if result > MAX_SIZE:
        raise invalid_argument(field, "%r is too large: the array holds sizes below 2^63 bytes "
                                      "(8 EiB)" % (value,))
    return result


def parse_optional_size(value, field="size"):
    """Like parse_size with zero allowed, but None (or "") means 0 ("not set")."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return 0
    return parse_size(value, field=field, allow_zero=True)


def format_size(nbytes):
    """``10737418240`` -> ``"10 GiB"``; exact when possible, else two decimals (``"1.50 GiB"``)."""
    if isinstance(nbytes, bool) or not isinstance(nbytes, int):
        raise invalid_argument("size", "must be an integer number of bytes, got %r" % (nbytes,))
    sign = "-" if nbytes < 0 else ""
    n = abs(nbytes)
    for name, unit in _FORMAT_UNITS:
        if n >= unit:
            if n % unit == 0:
                return "%s%d %s" % (sign, n // unit, name)
            return "%s%.2f %s" % (sign, n / float(unit), name)
    return "%s%d B" % (sign, n)


def to_gib_ceil(nbytes):
    """Whole GiB, rounded up (``1`` byte -> ``1``; ``0`` -> ``0``)."""
    if isinstance(nbytes, bool) or not isinstance(nbytes, int):
        raise invalid_argument("size", "must be an integer number of bytes, got %r" % (nbytes,))
    return -(-nbytes // GiB)
