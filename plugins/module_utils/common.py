# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Glue shared by every tegile.intelliflash module.

``IntelliFlashModule`` adds the connection options (documented by the
``tegile.intelliflash.connection`` doc fragment) to a module's argument spec,
builds the ``AnsibleModule`` and, lazily, the REST client.  ``api_errors``
turns client exceptions into ``fail_json`` results that carry the array's
error code and the dataset path, and never the password.
``DifferenceTracker`` collects before/after values for ``--diff``.

The REST client lives in ``module_utils/client`` (shared with the Manila
driver); this file only adapts it to Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import logging
import os

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.tegile.intelliflash.plugins.module_utils._argspec import positive_seconds
from ansible_collections.tegile.intelliflash.plugins.module_utils._secrets import SecretSafeModule

# The client imports without requests (it is only needed to connect): HAS_REQUESTS says whether
# it is there, and IntelliFlashModule fails with missing_required_lib before anything else when not.
from ansible_collections.tegile.intelliflash.plugins.module_utils.client import paths as client_paths
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.base import ClientBase
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.errors import (
    IntelliFlashError,
    InvalidArgumentError,
    NotFoundError,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.transport import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
)


__all__ = [
    "DifferenceTracker",
    "IntelliFlashError",
    "IntelliFlashModule",
    "InputError",
    "InvalidArgumentError",
    "NotFoundError",
    "client_paths",
    "connection_argument_spec",
]

DEFAULT_TIMEOUT = 60.0
CONNECT_TIMEOUT_CAP = 10.0
LOGGER_NAME = "tegile_intelliflash.ansible"


def connection_argument_spec():
    """The connection options every module accepts (see doc_fragments/connection.py)."""
    return dict(
        host=dict(type="str", required=True, fallback=(env_fallback, ["INTELLIFLASH_HOST"])),
        username=dict(type="str", required=True,
                      fallback=(env_fallback, ["INTELLIFLASH_USERNAME"])),
        password=dict(type="str", required=True, no_log=True,
                      fallback=(env_fallback, ["INTELLIFLASH_PASSWORD"])),
        validate_certs=dict(type="bool", default=True,
                            fallback=(env_fallback, ["INTELLIFLASH_VALIDATE_CERTS"])),
        ca_path=dict(type="path", fallback=(env_fallback, ["INTELLIFLASH_CA_PATH"])),
        timeout=dict(type="float", default=DEFAULT_TIMEOUT),
    )


def client_class(calls=None):
    """The client class of the call groups ``calls`` (mixins of ``client/<group>.py``), or, with
    None, ``client.api.IntelliFlashClient`` of every group.

    A task compiles every module_utils line it imports (DEVELOPERS.md, "What a module run costs"):
    a module that names the groups it calls does not compile the others.
    """
    if calls is None:
        from ansible_collections.tegile.intelliflash.plugins.module_utils.client.api import IntelliFlashClient
        return IntelliFlashClient
    return type("IntelliFlashClient", tuple(calls) + (ClientBase,), {})


def host_passwords(raw):
    """The password of a host option (or INTELLIFLASH_HOST) written ``https://user:password@array``."""
    hosts = [host for host in ((raw or {}).get("host"), os.environ.get("INTELLIFLASH_HOST")) if "@" in str(host or "")]
    if hosts:  # the client refuses such a host: the failure path (failures.py)
        from ansible_collections.tegile.intelliflash.plugins.module_utils.client.failures import passwords_in_hosts
        return passwords_in_hosts(hosts)
    return ()


class InputError(ValueError):
    """A value a module refuses before writing (raised by the planners); the text names the option.

    ``IntelliFlashModule.api_errors`` turns it into a failed result with that text.
    """

    def __init__(self, message, dataset=None):
        super(InputError, self).__init__(message)
        self.message = message
        self.dataset = dataset


def client_timeout(timeout):
    """(connect, read) timeouts for the client from the single ``timeout`` option."""
    timeout = float(timeout)
    return (min(CONNECT_TIMEOUT_CAP, timeout), timeout)


def error_text(exc):
    """The human part of a client exception (falls back to ``str(exc)``)."""
    message = getattr(exc, "message", None)
    return message if message else str(exc)


class _WarningForwarder(logging.Handler):
    """Hands the client's warnings to ``AnsibleModule.warn``.

    Nothing may reach stdout from a module, and stderr is not shown to users,
    so log records of WARNING and above become Ansible warnings instead.
    The client guarantees that no log line carries the password.

    Retries and waits for a lost reply (records marked ``intelliflash_transient``
    by the client) are not shown one by one: a faulty network can cause dozens in
    one task. ``flush`` adds one warning per task that counts them and quotes the
    first and the last; with ``-v`` each one is in the result as ``array_retries``.
    Other warnings are shown once each.
    """

    TRANSIENT = "intelliflash_transient"

    def __init__(self, module):
        super(_WarningForwarder, self).__init__(level=logging.WARNING)
        self._module = module
        self._shown = set()
        self.transient = []

    def emit(self, record):
        try:
            text = record.getMessage()
            if getattr(record, self.TRANSIENT, False):
                self.transient.append(text)
            elif text not in self._shown:
                self._shown.add(text)
                self._module.warn(text)
        except Exception:  # a warning must never break the module
            pass

    def flush(self):
        """Add the summary warning; returns the result keys to add (``array_retries`` at -v)."""
        held, self.transient = self.transient, []
        if not held:
            return {}
        try:
            summary = "%d retr%s or wait%s for the array during this task (connection errors, " \
                "timeouts, lost replies, HTTP 408/429/502/503/504, error pages); the first: %s" % (
                    len(held), "y" if len(held) == 1 else "ies", "" if len(held) == 1 else "s",
                    held[0])
            if len(held) > 1:
                summary += "; the last: %s" % held[-1]
            verbose = getattr(self._module, "_verbosity", 0) >= 1
            where = "result key array_retries" if verbose else "run with -v"
            summary += " (each one: %s)" % where
            self._module.warn(summary)
        except Exception:  # a warning must never break the module
            pass
        return {"array_retries": held} if getattr(self._module, "_verbosity", 0) >= 1 else {}


class DifferenceTracker:
    """Before/after values of what a module changes (or would change).

    ``add(name, before=..., after=...)`` records the key only when the two
    values differ and returns whether they did, so callers can write
    ``if tracker.add(...): <plan the write>``.  Adding a recorded key again keeps
    its first before value (and drops the key when the new after value equals it).
    Insertion order is kept.
    """

    def __init__(self):
        self._changes = []

    def add(self, name, before=None, after=None):
        for index, (key, first_before, _new) in enumerate(self._changes):
            if key == name:
                # Recorded before: keep the first before value; a return to it is no change.
                if first_before == after:
                    del self._changes[index]
                    return False
                self._changes[index] = (name, first_before, after)
                return True
        if before == after:
            return False
        self._changes.append((name, before, after))
        return True

    def has_differences(self):
        return bool(self._changes)

    def changed_keys(self):
        return [key for key, _before, _after in self._changes]

    def get_before_after(self):
        before = dict((key, old) for key, old, _new in self._changes)
        after = dict((key, new) for key, _old, new in self._changes)
        return before, after

    def get(self, name):
        """(before, after) of one recorded key, or None."""
        for key, old, new in self._changes:
            if key == name:
                return old, new
        return None

    def __len__(self):
        return len(self._changes)

    def __repr__(self):
        return "DifferenceTracker(%r)" % (self.changed_keys(),)


class IntelliFlashModule:
    """An ``AnsibleModule`` with the connection options and a lazy REST client.

    ``checks`` are callables ``params -> error text naming the option, or None`` (see
    ``_argspec``); they run right after Ansible's validation, before anything else. ``calls``:
    the client's call groups (see ``client_class``; None: all).
    """

    def __init__(self, argument_spec=None, checks=None, ignored=None, calls=None, **kwargs):
        spec = connection_argument_spec()
        for name in (argument_spec or {}):
            if name in spec:
                raise ValueError("option %s clashes with a connection option" % name)
        spec.update(argument_spec or {})
        # The password is masked from the first output on, even when validation fails (_secrets).
        self.module = SecretSafeModule(argument_spec=spec, extra_secrets=host_passwords, **kwargs)  # and host's
        # What the modules read of the AnsibleModule; fixed once it has validated the arguments.
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self.diff_mode = self.module._diff
        self._client = None
        self._calls = calls
        self._forwarder = None
        self._written = []   # (method, dataset) of each write the array applied, for fail
        if not HAS_REQUESTS:
            # Fail before any option is interpreted: the client cannot connect without requests.
            self.fail(missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        for check in [positive_seconds("timeout")] + list(checks or []):
            problem = check(self.module.params)
            if problem:
                self.fail(problem)
        unused = ignored(self.module.params) if ignored is not None else []
        if unused:
            self.warn("%s: not used with state=%s, ignored" % (", ".join(unused), self.module.params["state"]))

    @classmethod
    def from_spec(cls, spec, **kwargs):
        """The module of an ``_argspec.ArgumentSpec``: its options, their relations and its checks."""
        kwargs.update(spec.module_kwargs())
        return cls(checks=spec.checks, ignored=spec.ignored, **kwargs)

    def warn(self, msg):
        self.module.warn(msg)

    # -- client ----------------------------------------------------------------------------
    @property
    def client(self):
        if self._client is None:
            self._client = self._build_client()
        return self._client

    def _build_client(self):
        params = self.module.params
        verify = params["validate_certs"]
        ca_path = params.get("ca_path") if verify else None
        logger = logging.getLogger(LOGGER_NAME)
        logger.propagate = False
        logger.setLevel(logging.WARNING)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.addHandler(logging.NullHandler())
        try:
            client = client_class(self._calls)(
                params["host"], params["username"], params["password"],
                verify=verify, ca_path=ca_path, timeout=client_timeout(params["timeout"]),
                user_agent="ansible-collection-tegile.intelliflash", logger=logger)
        except IntelliFlashError as exc:
            self.fail_from_error(exc, "connecting to %s" % params["host"])
        except ValueError as exc:
            self.fail("Invalid connection options: %s" % self._scrub(str(exc)))
        client.on_written(lambda method, dataset: self._written.append((method, dataset)))
        # Warnings the client logs from now on (e.g. retries) become Ansible warnings.
        self._forwarder = _WarningForwarder(self.module)
        logger.addHandler(self._forwarder)
        if not verify:
            self.warn("validate_certs is false: the TLS certificate of %s is not verified; "
                      "anyone on the network path can read the credentials. Use ca_path instead."
                      % params["host"])
        return client

    # -- input ----------------------------------------------------------------------------
    def validate_names(self, **fields):
        """Check project/share/snapshot names (rule C5) before any call; fails naming the field."""
        with self.api_errors("validating names"):
            for field in sorted(fields):
                if fields[field] is not None:
                    client_paths.validate_name(fields[field], field)

    def dataset_path(self, pool, project, share=None):
        """``pool/Local/project`` or ``pool/Local/project/share``.

        Fails naming the option when a name is not valid (e.g. a pool name with ``/``), before any call.
        """
        with self.api_errors("checking pool, project and share"):
            if share is None:
                return client_paths.project_path(pool, project)
            return client_paths.share_path(pool, project, share)

    # -- errors ----------------------------------------------------------------------------
    def _scrub(self, text):
        password = self.module.params.get("password")
        if text and password:
            text = text.replace(password, "********")
        return text

    def fail(self, msg, **extra):
        if self._written or "api_method" in extra:  # a task does not roll back: say what it wrote (_written.py)
            from ansible_collections.tegile.intelliflash.plugins.module_utils._written import written_note
            msg = written_note(msg, self._written, extra)
        if self._forwarder is not None:
            extra.update(self._forwarder.flush())
        self.module.fail_json(msg=self._scrub(msg), **extra)

    def fail_from_error(self, exc, action, dataset=None, explain=None):
        """fail_json for a client exception (or an ``InputError``) raised while doing ``action``.

        ``explain`` maps client error classes to what the error means for this action; the
        array's own text follows it (``<explanation> Array: <text>``).
        """
        if getattr(exc, "array_as_before", False):  # _array.undo_creation removed what the task made
            del self._written[:]
        code = getattr(exc, "code", None)
        dataset = getattr(exc, "dataset", None) or dataset
        text = error_text(exc)
        explanation = next((words for kind, words in (explain or {}).items() if isinstance(exc, kind)), None)
        if isinstance(exc, InputError):
            # Refused by a plan, before any write: the text names the option.
            self.fail(text, **({} if dataset is None else dict(dataset=dataset)))
            return
        if isinstance(exc, InvalidArgumentError) and not getattr(exc, "method", None):
            # Raised by the client's own validation, before any call: the text names the field.
            msg = text
        elif explanation:
            msg = "%s Array: %s" % (explanation, text)
        else:
            msg = "Error %s: %s" % (action, text)
            if code and code not in msg:
                msg = "%s (%s)" % (msg, code)
        extra = dict(error_code=code, dataset=dataset)
        method = getattr(exc, "method", None)
        if method:
            extra["api_method"] = method
        self.fail(msg, **extra)

    @contextlib.contextmanager
    def api_errors(self, action, dataset=None, explain=None):
        """Turn client exceptions and ``InputError`` raised in the block into a failed result.

        The one place errors become results: the action, the array's error code and method, the
        dataset, never the password (see ``fail_from_error`` for ``explain``).
        """
        try:
            yield
        except (IntelliFlashError, InputError) as exc:
            self.fail_from_error(exc, action, dataset, explain)

    # -- result ----------------------------------------------------------------------------
    def exit(self, changed, diff=None, **result):
        """exit_json; adds ``diff`` (before/after of ``diff``, a DifferenceTracker) in diff mode."""
        if diff is not None and self.diff_mode:
            if isinstance(diff, DifferenceTracker):
                before, after = diff.get_before_after()
            else:
                before, after = diff
            result["diff"] = dict(before=before, after=after)
        if self._forwarder is not None:
            result.update(self._forwarder.flush())
        self.module.exit_json(changed=bool(changed), **result)
