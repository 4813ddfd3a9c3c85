# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""REST client of Tegile (DDN) IntelliFlash arrays (v2 API, NAS calls).

Importable as ``ansible_collections.tegile.intelliflash.plugins.module_utils.client`` and as
``tegile_intelliflash.client``. Needs Python >= 3.8 and ``requests``; when ``requests`` is
missing the package still imports (``HAS_REQUESTS`` is False, ``REQUESTS_IMPORT_ERROR`` holds
the traceback) and constructing a client raises ImportError. See docs/client.md.
"""

from . import acl, delivery, errors, paths, sizes, written
from .acl import NetworkRule, UserRule, diff_rules, normalize_host
from .api import BLOCK_SIZES, CLONE_STATES, SYSTEM_PROPERTIES, IntelliFlashClient
from .errors import (
    AlreadyExistsError, ApiError, ArrayTimeoutError, AuthenticationError, BusyError,
    ConnectionFailedError, InUseError, IntelliFlashError, InvalidArgumentError, NoSpaceError,
    NotAllowedError, NotFoundError, OutcomeUnknownError, ProtocolError, QuotaError,
    TLSVerificationError,
)
from .paths import (
    DatasetRef, parse_path, project_path, project_snapshot_name, share_path,
    share_snapshot_name, snapshot_path, validate_name,
)
from .sizes import GiB, format_size, parse_size, to_gib_ceil
from .transport import (
    HAS_REQUESTS, LOGGER_NAME, REQUESTS_IMPORT_ERROR, RESEND, Secret, __version__,
)

__all__ = [
    "HAS_REQUESTS", "REQUESTS_IMPORT_ERROR", "LOGGER_NAME", "RESEND", "Secret", "__version__",
    "IntelliFlashClient", "BLOCK_SIZES", "CLONE_STATES", "SYSTEM_PROPERTIES",
    "acl", "delivery", "errors", "paths", "sizes", "written",
    "NetworkRule", "UserRule", "diff_rules", "normalize_host",
    "IntelliFlashError", "ApiError", "NotFoundError", "AlreadyExistsError",
    "InvalidArgumentError", "QuotaError", "NoSpaceError", "BusyError", "InUseError",
    "NotAllowedError", "AuthenticationError", "ConnectionFailedError", "TLSVerificationError",
    "ArrayTimeoutError", "OutcomeUnknownError", "ProtocolError",
    "DatasetRef", "parse_path", "project_path", "share_path", "snapshot_path",
    "share_snapshot_name", "project_snapshot_name", "validate_name",
    "GiB", "parse_size", "format_size", "to_gib_ceil",
]
