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
# ASCII only: \d would also match other scripts' digits (int() accepts them, the array does not).
_SIZE_RE = re.compile(r"^([+-]?)(\d+(?:\.\d*)?|\.\d+)\s*([kmgtpe]?)(i?b)?$", re.IGNORECASE | re.ASCII)


def parse_size(value, field="size", allow_zero=False):
    """Bytes (int) from an int, a digit string or a human string such as ``10G``, ``10GiB``,
    ``1.5T``, ``512M``, ``100k`` (case-insensitive, ``B``/``iB`` optional, binary units).

    Raises InvalidArgumentError naming ``field`` for zero (unless ``allow_zero``), negative
    values, fractions of a byte and unknown units.
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
        text = value.strip().replace("_", "")
        match = _SIZE_RE.match(text)
        if not match:
            raise invalid_argument(
                field, "%r is not a size: use a number of bytes or a number with a binary "
                       "unit K, M, G, T, P or E (e.g. 512M, 10G, 10GiB, 1.5T)" % (value,))
        sign, number, unit, _suffix = match.groups()
        amount = Fraction(number) * _UNITS[unit.lower()]
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
