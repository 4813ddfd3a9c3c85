# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""What every group of calls shares: the transport, the generic ``call`` and argument checks.

IntelliFlashClient (``api.py``) combines the call groups (``system``, ``projects``, ``shares``,
``sharing``, ``access``, ``snapshots``); each is a mixin over ClientBase and writes every RPC
method name out in full, so a search for a name finds it here and in the simulator alike.
"""

import contextlib

from . import paths as paths_mod
from .errors import IntelliFlashError, NotAllowedError, NotFoundError, invalid_argument
from .transport import DEFAULT_POOL_MAXSIZE, REDACTED, Transport

PROTOCOLS = ("nfs", "smb")


def check_protocol(value):
    """``"nfs"`` or ``"smb"`` (case and surrounding blanks ignored); InvalidArgumentError."""
    if not isinstance(value, str) or value.strip().lower() not in PROTOCOLS:
        raise invalid_argument("protocol", "must be 'nfs' or 'smb', got %r" % (value,))
    return value.strip().lower()


def check_bool(value, field):
    if isinstance(value, bool):
        return value
    raise invalid_argument(field, "must be true or false, got %r" % (value,))


def by_level(share, project_method, share_method):
    """The RPC name for a project (``share`` None) or a share dataset."""
    return project_method if share is None else share_method


def _from_transport(name, doc=None):
    """A read-only client attribute that is the transport's ``name`` (one source of truth)."""
    return property(lambda self: getattr(self._transport, name),
                    doc=doc or "The transport's %s (read-only)." % name)


class ClientBase(object):
    """The connection of a client and the generic call (see docs/client.md)."""

    def __init__(self, host, username, password, port=None, verify=True, ca_path=None,
                 timeout=(10.0, 60.0), retry_budget=60.0, backoff=0.5, backoff_max=8.0,
                 user_agent=None, logger=None, pool_maxsize=DEFAULT_POOL_MAXSIZE):
        self._transport = Transport(
            host, username, password, port=port, verify=verify, ca_path=ca_path,
            timeout=timeout, retry_budget=retry_budget, backoff=backoff,
            backoff_max=backoff_max, user_agent=user_agent, logger=logger,
            pool_maxsize=pool_maxsize)
        self.log = self._transport.log

    # -- lifecycle -----------------------------------------------------------------------

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    def close(self):
        """Release the HTTP session (connections)."""
        self._transport.close()

    def on_written(self, callback):
        """``callback(method, dataset)`` after each write the array applied; None: no call."""
        self._transport.on_written = callback

    def __repr__(self):
        t = self._transport
        return "IntelliFlashClient(base_url=%r, username=%r, password=%s, insecure=%r)" % (
            t.base_url, t.username, REDACTED, t.insecure)

    base_url = _from_transport("base_url")
    insecure = _from_transport("insecure")
    host = _from_transport("hostname")
    port = _from_transport("port")
    username = _from_transport("username")
    ca_path = _from_transport("ca_path")
    session = _from_transport("session", "The requests.Session (one per client).")

    # -- generic call ----------------------------------------------------------------------

    def call(self, method, *args, **kwargs):
        """Send any v2 call: ``call(method, *args, write=False, verify=None, dataset=None)``.

        Reads are retried; a write is sent again only when it provably did not reach the
        array (or the array answered 503). After a lost reply a write is never re-sent:
        ``verify()`` (a callable re-reading the array, True once the write's effect shows) is
        polled within the retry budget and the call returns None; when the effect does not
        show, or without a callable ``verify``, it raises OutcomeUnknownError (C32).
        """
        write = kwargs.pop("write", False)
        verify = kwargs.pop("verify", None)
        dataset = kwargs.pop("dataset", None)
        if kwargs:
            raise TypeError("unexpected keyword arguments: %s" % ", ".join(sorted(kwargs)))
        if not isinstance(method, str) or not method or "/" in method:
            raise invalid_argument("method", "must be an API method name, got %r" % (method,))
        return self._transport.request(method, args, write=bool(write), verify=verify,
                                       dataset=dataset)

    @staticmethod
    def _or_none(read, *args):
        """``read(*args)``, or None when the array answers that the object does not exist."""
        try:
            return read(*args)
        except NotFoundError:
            return None

    @contextlib.contextmanager
    def _context(self, method, dataset=None):
        """Name the call and dataset in client-side validation errors."""
        try:
            yield
        except IntelliFlashError as exc:
            exc.with_context(method, dataset)
            raise

    @staticmethod
    def _ref(ref, share=None, write=False):
        """The DatasetRef of a DatasetRef or dataset path; ``share`` True requires a share,
        False a project (InvalidArgumentError naming ``dataset`` otherwise). Reads address
        the reference's container (Local or Replica); a write needs a Local dataset (C21: the
        array refuses writes to Replica datasets), so a Replica reference raises
        NotAllowedError naming ``container`` before any request."""
        ref = paths_mod.as_ref(ref, share=share)
        if write and ref.container != paths_mod.LOCAL:
            raise NotAllowedError("container: %s is a %s dataset (received by replication): "
                                  "it cannot be written, only a Local dataset can"
                                  % (ref.path, ref.container), dataset=ref.path,
                                  field="container")
        return ref

    @staticmethod
    def _unpack(ref, share=None):
        """(pool, project, share) of the Local dataset a write works on (see ``_ref``)."""
        ref = ClientBase._ref(ref, share=share, write=True)
        return ref.pool, ref.project, ref.share

    def _dataset(self, method, pool, project, share, container=paths_mod.LOCAL):
        """Validated dataset path (share or project) with context for errors."""
        shown = "%s/%s/%s" % (pool, container, project) + (
            "/%s" % share if share is not None else "")
        with self._context(method, shown):
            return paths_mod.dataset_path(pool, project, share, container)

    def _ref_path(self, method, ref):
        """Validated dataset path of a reference (its own container), for a read."""
        return self._dataset(method, ref.pool, ref.project, ref.share, ref.container)
