# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Typed exceptions of the IntelliFlash REST client.

Every exception carries the wire method (``method``), the dataset path or object the call was
about (``dataset``), the array's error code (``code``, e.g. ``EZEBI_RESOURCE_EXIST``) when there
is one, the human-readable ``message`` and the HTTP status (``http_status``) when a reply was
received. ``str(exc)`` reads ``createShare pool-a/Local/p/s: EZEBI_RESOURCE_EXIST: <message>``.

The texts never contain a password, an ``Authorization`` header or a token: the transport
redacts any server-provided text before it reaches an exception.
"""

# Python 3.8 compatible: no `X | Y` annotations, no match statements.

GENERAL = "EZEBI_GENERAL"
INVALID_ARGUMENT = "EZEBI_INVALID_ARGUMENT"


class IntelliFlashError(Exception):
    """Base class of every error raised by the client."""

    codes = ()

    def __init__(self, message, method=None, dataset=None, code=None, http_status=None,
                 details=None, field=None):
        self.message = str(message) if message is not None else ""
        self.method = method
        self.dataset = dataset
        if code is None and self.codes:
            code = self.codes[0]
        self.code = code
        self.http_status = http_status
        self.details = details
        self.field = field
        # Number of attempts the transport made before giving up (set by the transport).
        self.attempts = None
        super(IntelliFlashError, self).__init__(self.message)

    def with_context(self, method=None, dataset=None):
        """Fill in ``method``/``dataset`` when they are not known yet; returns self."""
        if self.method is None and method is not None:
            self.method = method
        if self.dataset is None and dataset is not None:
            self.dataset = dataset
        return self

    def __str__(self):
        prefix = " ".join(p for p in (self.method, self.dataset) if p)
        parts = []
        if prefix:
            parts.append(prefix)
        if self.code:
            parts.append(self.code)
        parts.append(self.message)
        return ": ".join(parts)

    def __repr__(self):
        return "%s(%r)" % (type(self).__name__, str(self))

    def __reduce__(self):
        state = dict(self.__dict__)
        return (_rebuild, (type(self), state))


def _rebuild(cls, state):
    exc = cls.__new__(cls)
    Exception.__init__(exc, state.get("message", ""))
    exc.__dict__.update(state)
    return exc


class ApiError(IntelliFlashError):
    """The array answered with an ErrorModel (``code`` from the spec's §5.1); ``codes`` lists
    the codes that raise each subclass, the first being its default."""

    codes = (GENERAL,)


class NotFoundError(ApiError):
    """The object named by the call does not exist."""

    codes = ("EZEBI_RESOURCE_NOT_FOUND",)


class AlreadyExistsError(ApiError):
    """A create found its object there already."""

    codes = ("EZEBI_RESOURCE_EXIST",)


class InvalidArgumentError(ApiError):
    """An argument was refused (any other EZEBI_INVALID_* code too); also raised by client-side
    validation before any call.

    ``field`` names the offending argument when the client detected the problem.
    """

    codes = (INVALID_ARGUMENT,)


class QuotaError(InvalidArgumentError):
    """A quota below the used space or a reservation above the quota."""

    codes = ("EZEBI_INVALID_QUOTA_RESERVATION_VALUE",)


class NoSpaceError(ApiError):
    """The pool (or the array's memory) has no room for the change."""

    codes = ("EZEBI_NOSPACE", "EZEBI_NOMEMORY")


class BusyError(ApiError):
    """The object or the array is busy for now (any EZEBI_REQUEST_* code too)."""

    codes = ("EZEBI_RESOURCE_BUSY", "EZEBI_RESOURCE_SUSPENDED")


class InUseError(BusyError):
    """The object has dependents (shares, snapshots, clones)."""

    codes = ("EZEBI_RESOURCE_INUSE",)


class NotAllowedError(ApiError):
    """The array does not allow this call here (a Replica dataset, missing rights)."""

    codes = ("EZEBI_OPERATION_NOT_ALLOWED", "EZEBI_PERMISSION_DENIED")


class AuthenticationError(IntelliFlashError):
    """HTTP 401/403: the array refused the credentials."""


class ConnectionFailedError(IntelliFlashError):
    """The array could not be reached (refused, DNS, reset, retries exhausted)."""


class TLSVerificationError(ConnectionFailedError):
    """The array's certificate is not trusted or does not match the host name."""


class ArrayTimeoutError(IntelliFlashError):
    """Connect or read timeout, after the retry budget was spent."""


class OutcomeUnknownError(IntelliFlashError):
    """A write whose reply never arrived (read timeout, reset after sending, HTTP 502/504) and
    whose effect did not show on the array within the retry budget.

    The request was sent once and never again (it may still be executing). ``cause`` is the
    transport error that lost the reply. The message names the call and says what to do: check
    the array; an idempotent caller (a module or driver run) converges when run again.
    """

    cause = None

    def __str__(self):
        # The message names the call already (modules show only the message).
        return self.message


class ProtocolError(IntelliFlashError):
    """The reply was not understood (bad JSON, unexpected HTTP status, unknown method)."""


# Each code's class, from the classes' own lists.
_EXACT = dict((code, cls) for cls in (NotFoundError, AlreadyExistsError, InvalidArgumentError,
                                      QuotaError, NoSpaceError, BusyError, InUseError,
                                      NotAllowedError)
              for code in cls.codes)


def error_class_for_code(code):
    """The exception class for an array error code (``ApiError`` for unknown codes)."""
    if not code:
        return ApiError
    code = str(code)
    cls = _EXACT.get(code)
    if cls is not None:
        return cls
    if code.startswith("EZEBI_INVALID_"):
        return InvalidArgumentError
    if code.startswith("EZEBI_REQUEST_"):
        return BusyError
    return ApiError


def api_error(code, message, method=None, dataset=None, http_status=None, details=None):
    """Build the typed exception for an ErrorModel."""
    cls = error_class_for_code(code)
    return cls(message, method=method, dataset=dataset, code=code or GENERAL,
               http_status=http_status, details=details)


def invalid_argument(field, message, method=None, dataset=None, code=INVALID_ARGUMENT):
    """A client-side validation error naming the field (no call was made)."""
    text = "%s: %s" % (field, message) if field else message
    cls = QuotaError if code in QuotaError.codes else InvalidArgumentError
    return cls(text, method=method, dataset=dataset, code=code, field=field)
