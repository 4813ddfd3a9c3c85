# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Snapshots of shares and projects: create (and wait), status, list, delete, clone, roll back."""

import math
import re
import time

from . import paths as paths_mod
from .base import by_level, check_bool
from .errors import ApiError, ArrayTimeoutError, NotFoundError, ProtocolError, invalid_argument
from .views import CloneStatus, SnapshotDeletion, SnapshotInfo

CLONE_STATES = {0: "in_progress", 1: "success", 2: "partial", 3: "failure"}
SNAPSHOT_STATUS_SUCCESS = 0
SNAPSHOT_STATUS_IN_PROGRESS = 1
SNAPSHOT_STATUS_ERROR = 2

CREATE = ("createProjectSnapshot", "createShareSnapshot")
STATUS = ("getProjectSnapshotCreationStatus", "getShareSnapshotCreationStatus")
DELETE = ("deleteProjectSnapshot", "deleteShareSnapshot")
ROLLBACK = ("rollBackToProjectSnapshot", "rollBackToShareSnapshot")


class SnapshotCalls(object):
    """The snapshot calls of IntelliFlashClient (``share`` None: a project snapshot)."""

    def _snapshot_target(self, ref, methods, write=True):
        """(pool, project, share, method, dataset path) of a call on ``ref``'s snapshots:
        ``methods`` is the (project call, share call) pair; ``share`` None for a project.
        A write needs a Local dataset (``ClientBase._ref``)."""
        ref = self._ref(ref, share=None, write=write)
        method = by_level(ref.share, *methods)
        return ref.pool, ref.project, ref.share, method, self._ref_path(method, ref)

    def list_snapshots(self, ref, pattern=""):
        """The snapshots (SnapshotInfo, in creation order) of the share (or project) only;
        ``pattern`` is the array's regular expression over full names (C11)."""
        dataset = self._ref(ref, share=None)
        path = self._ref_path("listSnapshots", dataset)
        with self._context("listSnapshots", path):
            if not isinstance(pattern, str):
                raise invalid_argument("pattern", "must be a string (a regular expression)")
        return [SnapshotInfo.from_wire(name, dataset)
                for name in self.call("listSnapshots", path, pattern, dataset=path) or []]

    def find_snapshots(self, ref, names):
        """The snapshots (SnapshotInfo, creation order) named one of ``names`` (full names): the
        pattern lists only them, whatever else the dataset holds; names compared here too (§8.2)."""
        names = list(names)
        ref = self._ref(ref, share=None)
        with self._context("listSnapshots", self._ref_path("listSnapshots", ref)):
            if not names or not all(isinstance(name, str) and name for name in names):
                raise invalid_argument("names", "one or more non-empty snapshot names are needed")
        pattern = "|".join(re.escape(name) for name in names)
        return [snap for snap in self.list_snapshots(ref, pattern=pattern) if snap.full_name in names]

    def _snapshot_exists(self, pool, project, share, full_name):
        try:
            found = self.find_snapshots(paths_mod.dataset_ref(pool, project, share), [full_name])
        except NotFoundError:
            return False
        return bool(found)

    def create_snapshot(self, ref, name, quiesce=False, wait=True,
                        poll_interval=1.0, wait_timeout=300):
        """Create a share snapshot (share given) or a project snapshot; returns the full name
        (``Manual-S-<name>`` / ``Manual-P-<name>``). With ``wait`` polls the creation status
        until it succeeds (error: ApiError; not done in ``wait_timeout``: ArrayTimeoutError).
        """
        pool, project, share, method, path = self._snapshot_target(ref, CREATE)
        with self._context(method, path):
            full = paths_mod.snapshot_name(name, share)
            check_bool(quiesce, "quiesce")
            check_bool(wait, "wait")
            _check_wait(poll_interval, wait_timeout)
        if share is None:
            target = {"poolName": pool, "name": project, "local": True}
        else:
            target = {"poolName": pool, "projectName": project, "name": share,
                      "datasetPath": path, "local": True}
        self.call(method, target, name, quiesce, write=True,
                  dataset=paths_mod.snapshot_path(path, full),
                  verify=lambda: self._snapshot_exists(pool, project, share, full))
        if wait:
            self.wait_for_snapshot(ref, name, poll_interval, wait_timeout)
        return full

    def wait_for_snapshot(self, ref, name, poll_interval=1.0,
                          wait_timeout=300):
        """Poll the creation status until success (0); error (2) raises ApiError, still in
        progress at the last poll, ``wait_timeout`` s after the first, ArrayTimeoutError."""
        ref = self._ref(ref, share=None)
        method = by_level(ref.share, *STATUS)
        with self._context(method, self._ref_path(method, ref)):
            _check_wait(poll_interval, wait_timeout)

        def snapshot():
            return paths_mod.snapshot_path(self._ref_path(method, ref),
                                           paths_mod.snapshot_name(
                                               paths_mod.strip_snapshot_prefix(name),
                                               ref.share))

        def done(status):
            if status == SNAPSHOT_STATUS_ERROR:
                raise ApiError("the array reports that creating the snapshot failed",
                               method=method, dataset=snapshot())
            return status == SNAPSHOT_STATUS_SUCCESS

        _poll(lambda: self.get_snapshot_status(ref, name), done,
              lambda _status: ArrayTimeoutError("snapshot creation still in progress after %s s"
                                                % wait_timeout, method=method,
                                                dataset=snapshot()),
              poll_interval, wait_timeout)

    def get_snapshot_status(self, ref, name):
        """0 success, 1 in progress, 2 error (name with or without its prefix)."""
        _pool, _project, share, method, path = self._snapshot_target(ref, STATUS, write=False)
        with self._context(method, path):
            short = paths_mod.strip_snapshot_prefix(paths_mod.validate_name(name, "name"))
            full = paths_mod.snapshot_name(short, share)
        reply = self.call(method, path, short, dataset=paths_mod.snapshot_path(path, full))
        if isinstance(reply, dict):
            reply = reply.get("snapshotProgressStatus")
        try:
            return int(reply)
        except (TypeError, ValueError):
            raise ProtocolError("unexpected snapshot status %s"
                                % self._transport.describe_reply(reply), method=method,
                                dataset=path)

    def delete_snapshot(self, ref, full_name, recursive=False,
                        missing_ok=True):
        """deleteShare/ProjectSnapshot; returns a SnapshotDeletion (what the array deleted).

        A status other than 0 (partial/failure) raises ApiError carrying ``reply`` (the
        SnapshotDeletion). A missing snapshot with ``missing_ok`` returns one with nothing
        deleted.
        """
        pool, project, share, method, path = self._snapshot_target(ref, DELETE)
        with self._context(method, path):
            snap = paths_mod.snapshot_path(path, full_name)
            check_bool(recursive, "recursive")
        try:
            reply = self.call(method, snap, recursive, write=True, dataset=snap,
                              verify=lambda: not self._snapshot_exists(pool, project, share,
                                                                       full_name))
        except NotFoundError:
            if not missing_ok:
                raise
            return SnapshotDeletion()
        if reply is None:  # reply lost, re-read shows it is gone
            return SnapshotDeletion(deleted=(snap,))
        deletion = SnapshotDeletion.from_wire(reply)
        if not deletion.complete:
            # The lists are the array's text, and not always strings: redacted like any reply.
            clean = SnapshotDeletion(deleted=self._redacted_items(deletion.deleted),
                                     failed=self._redacted_items(deletion.failed),
                                     status=deletion.status)
            err = ApiError("the array could not delete %s (status %s)"
                           % (", ".join(clean.failed) or snap, deletion.status),
                           method=method, dataset=snap)
            err.reply = clean
            raise err
        return deletion

    def _redacted_items(self, items):
        transport = self._transport
        return tuple(transport.redact(item) if isinstance(item, str)
                     else transport.describe_reply(item) for item in items)

    def clone_snapshot(self, ref, full_name, clone_name, inherit=True):
        """cloneShareSnapshot: a new share ``clone_name`` in the same pool and project."""
        pool, project, share = self._unpack(ref, share=None)
        path = self._dataset("cloneShareSnapshot", pool, project, share)
        with self._context("cloneShareSnapshot", path):
            if share is None:
                raise invalid_argument("share", "cloning needs a share snapshot")
            snap = paths_mod.snapshot_path(path, full_name)
            paths_mod.validate_name(clone_name, "clone_name")
            check_bool(inherit, "inherit")
        self.call("cloneShareSnapshot", snap, clone_name, inherit, write=True, dataset=snap,
                  verify=lambda: self._find_share_wire(pool, project, clone_name) is not None)

    def clone_project_snapshot(self, ref, full_name, clone_name, inherit=False):
        """cloneProjectSnapshot: a new project ``clone_name`` in the same pool holding a clone
        of every share that has the snapshot, under the same share names (C25); progress
        with ``get_clone_status(project_ref, full_name, clone_name)``."""
        pool, project = self._unpack(ref, share=False)[:2]
        path = self._dataset("cloneProjectSnapshot", pool, project, None)
        with self._context("cloneProjectSnapshot", path):
            snap = paths_mod.snapshot_path(path, full_name)
            paths_mod.validate_name(clone_name, "clone_name")
            check_bool(inherit, "inherit")
        self.call("cloneProjectSnapshot", snap, clone_name, inherit, write=True, dataset=snap,
                  verify=lambda: self._project_exists(pool, clone_name))

    def get_clone_status(self, ref, full_name, clone_name):
        """getProjectCloneStatus -> CloneStatus (``state``: in_progress, success, partial,
        failure)."""
        path = self._ref_path("getProjectCloneStatus", self._ref(ref, share=None))
        with self._context("getProjectCloneStatus", path):
            snap = paths_mod.snapshot_path(path, full_name)
            paths_mod.validate_name(clone_name, "clone_name")
        reply = self.call("getProjectCloneStatus", snap, clone_name, dataset=snap) or {}
        result = dict(reply) if isinstance(reply, dict) else {"raw": reply}
        state = result.get("projectCloneState")
        try:
            state = CLONE_STATES[int(state)]
        except (TypeError, ValueError, KeyError):
            raise ProtocolError("unexpected clone state %s"
                                % self._transport.describe_reply(state),
                                method="getProjectCloneStatus", dataset=snap)
        return CloneStatus.from_wire(result, state)

    def wait_for_clone(self, ref, full_name, clone_name, poll_interval=1.0,
                       wait_timeout=300):
        """Poll ``get_clone_status`` until the clone of ``ref``'s snapshot ``full_name`` into
        ``clone_name`` (a share, or a project for a project snapshot) succeeds; returns its
        CloneStatus.

        The array reporting the clone partial or failed raises ApiError; a clone still in
        progress at the last poll, ``wait_timeout`` seconds after the first, raises
        ArrayTimeoutError (it may still finish or fail on the array). Either carries the last
        CloneStatus as ``reply``, which tells them from an error of the status call itself.
        """
        path = self._ref_path("getProjectCloneStatus", self._ref(ref, share=None))
        with self._context("getProjectCloneStatus", path):
            snap = paths_mod.snapshot_path(path, full_name)
            _check_wait(poll_interval, wait_timeout)

        def verdict(error, status):
            error.reply = status
            return error

        def done(status):
            if status.state not in ("in_progress", "success"):
                raise verdict(ApiError("the array reports clone state '%s'" % status.state,
                                       method="getProjectCloneStatus", dataset=snap), status)
            return status.state == "success"

        return _poll(lambda: self.get_clone_status(ref, full_name, clone_name), done,
                     lambda status: verdict(ArrayTimeoutError(
                         "the clone was still in progress after %s seconds" % wait_timeout,
                         method="getProjectCloneStatus", dataset=snap), status),
                     poll_interval, wait_timeout)

    def rollback_snapshot(self, ref, full_name, delete_dependents=False):
        """rollBackToShare/ProjectSnapshot. No read shows that a rollback ran, so a lost reply
        raises OutcomeUnknownError (never re-sent: a late copy would undo later writes)."""
        method, path = self._snapshot_target(ref, ROLLBACK)[3:]
        with self._context(method, path):
            snap = paths_mod.snapshot_path(path, full_name)
            check_bool(delete_dependents, "delete_dependents")
        self.call(method, snap, delete_dependents, write=True, dataset=snap)


def _check_wait(poll_interval, wait_timeout):
    # A zero poll interval would poll the array in a tight loop for the whole wait; a zero wait
    # is a single look.
    for field, value, least in (("poll_interval", poll_interval, "a positive"),
                                ("wait_timeout", wait_timeout, "a non-negative")):
        # NaN passes "< 0" and every comparison with the clock: the wait would never end.
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 \
                or math.isnan(value) or (value == 0 and field == "poll_interval"):
            raise invalid_argument(field, "must be %s number of seconds" % least)


def _poll(read, done, still_running, poll_interval, wait_timeout):
    """``read()`` until ``done(result)`` (which raises for a failure); returns the last result.

    Polls every ``poll_interval`` seconds and a last time at ``wait_timeout`` (the sleep before
    it is cut short: the wait never sleeps past its timeout, and a task that finishes within
    the timeout is seen finished); a result still not done then raises ``still_running(result)``.
    """
    deadline = time.monotonic() + wait_timeout
    while True:
        result = read()
        if done(result):
            return result
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise still_running(result)
        time.sleep(min(poll_interval, remaining))
