# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""IntelliFlashClient: the NAS calls of the IntelliFlash v2 REST API (see docs/client.md)."""

import contextlib
import time

from . import acl as acl_mod
from . import paths as paths_mod
from . import sizes as sizes_mod
from . import written
from .acl import NetworkRule, UserRule
from .errors import (
    ApiError, ArrayTimeoutError, IntelliFlashError, NotFoundError, invalid_argument,
)
from .transport import REDACTED, Transport

SYSTEM_PROPERTIES = (
    "ZEBI_APPLIANCE_MODEL", "ZEBI_APPLIANCE_VERSION", "ZEBI_GUI_VERSION",
    "ZEBI_SUPPORTED_TDPS_API_VERSIONS", "ZEBI_API_MINOR_VERSION", "ZEBI_API_VERSION",
    "INTELLIFLASH_ARRAY_GUID", "INTELLIFLASH_ARRAY_FQDN",
)
BLOCK_SIZES = ("4KB", "8KB", "16KB", "32KB", "64KB", "128KB")
PROTOCOLS = ("nfs", "smb")
CLONE_STATES = {0: "in_progress", 1: "success", 2: "partial", 3: "failure"}
SNAPSHOT_STATUS_SUCCESS = 0
SNAPSHOT_STATUS_IN_PROGRESS = 1
SNAPSHOT_STATUS_ERROR = 2
DEFAULT_SHARE_PERMISSIONS = [{"sharePermissionEnum": 0, "sharePermissionMode": 0}]


def _protocol(value):
    if not isinstance(value, str) or value.strip().lower() not in PROTOCOLS:
        raise invalid_argument("protocol", "must be 'nfs' or 'smb', got %r" % (value,))
    return value.strip().lower()


def _wire_protocol(protocol):
    return "NFS" if protocol == "nfs" else "SMB"


def _bool(value, field):
    if isinstance(value, bool):
        return value
    raise invalid_argument(field, "must be true or false, got %r" % (value,))


class IntelliFlashClient(object):
    """Client of one IntelliFlash array (see docs/client.md for the full contract)."""

    paths = paths_mod
    sizes = sizes_mod
    acl = acl_mod

    def __init__(self, host, username, password, port=None, verify=True, ca_path=None,
                 timeout=(10.0, 60.0), retry_budget=60.0, backoff=0.5, backoff_max=8.0,
                 user_agent=None, logger=None):
        self._transport = Transport(
            host, username, password, port=port, verify=verify, ca_path=ca_path,
            timeout=timeout, retry_budget=retry_budget, backoff=backoff,
            backoff_max=backoff_max, user_agent=user_agent, logger=logger)
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

    def __repr__(self):
        t = self._transport
        return "IntelliFlashClient(base_url=%r, username=%r, password=%s, insecure=%r)" % (
            t.base_url, t.username, REDACTED, t.insecure)

    @property
    def base_url(self):
        return self._transport.base_url

    @property
    def insecure(self):
        return self._transport.insecure

    @property
    def host(self):
        return self._transport.hostname

    @property
    def port(self):
        return self._transport.port

    @property
    def username(self):
        return self._transport.username

    @property
    def ca_path(self):
        return self._transport.ca_path

    @property
    def session(self):
        """The requests.Session (one per client)."""
        return self._transport.session

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

    @contextlib.contextmanager
    def _context(self, method, dataset=None):
        """Name the call and dataset in client-side validation errors."""
        try:
            yield
        except IntelliFlashError as exc:
            exc.with_context(method, dataset)
            raise

    # -- system, pools, network ------------------------------------------------------------

    def get_system_properties(self, names=None):
        """``{name: value}`` of ZEBI system properties (default: all known ones)."""
        with self._context("listSystemProperties"):
            if names is None:
                names = list(SYSTEM_PROPERTIES)
            elif isinstance(names, str):
                names = [names]
            names = list(names)
            if not names or not all(isinstance(n, str) and n for n in names):
                raise invalid_argument("names", "must be a non-empty list of property names")
        values = self.call("listSystemProperties", names)
        if not isinstance(values, list) or len(values) != len(names):
            from .errors import ProtocolError
            raise ProtocolError("expected %d values, got %r" % (len(names), values),
                                method="listSystemProperties")
        return dict(zip(names, values))

    def check_connection(self):
        """Check reachability and credentials; ``{"model", "version", "api_version",
        "api_minor_version"}``."""
        props = self.get_system_properties(["ZEBI_APPLIANCE_MODEL", "ZEBI_GUI_VERSION",
                                            "ZEBI_API_VERSION", "ZEBI_API_MINOR_VERSION"])
        return {"model": props["ZEBI_APPLIANCE_MODEL"], "version": props["ZEBI_GUI_VERSION"],
                "api_version": props["ZEBI_API_VERSION"],
                "api_minor_version": props["ZEBI_API_MINOR_VERSION"]}

    def list_pools(self):
        return self.call("listPools") or []

    def get_pool(self, pool):
        with self._context("listPools", pool):
            paths_mod.validate_pool(pool)
        for item in self.list_pools():
            if item.get("name") == pool:
                return item
        raise NotFoundError("pool %r does not exist" % pool, method="listPools", dataset=pool)

    def list_floating_ips(self, pool="All"):
        with self._context("getFloatingIPList", pool):
            paths_mod.validate_pool(pool)
        return self.call("getFloatingIPList", pool, dataset=pool) or []

    # -- projects --------------------------------------------------------------------------

    def list_projects(self, pool, local=True):
        with self._context("listProjects", pool):
            paths_mod.validate_pool(pool)
            _bool(local, "local")
        return self.call("listProjects", pool, local, dataset=pool) or []

    def get_project(self, pool, project):
        with self._context("getProject", "%s/Local/%s" % (pool, project)):
            path = paths_mod.project_path(pool, project)
        return self.call("getProject", pool, project, True, dataset=path)

    def find_project(self, pool, project):
        """The project dict, or None when it does not exist."""
        try:
            return self.get_project(pool, project)
        except NotFoundError:
            return None

    def create_project(self, pool, project, properties=None):
        """createProject with optional Project_V2_1 keys (e.g. ``{"compression": "lz4"}``)."""
        with self._context("createProject", "%s/Local/%s" % (pool, project)):
            path = paths_mod.project_path(pool, project)
            if properties is not None and not isinstance(properties, dict):
                raise invalid_argument("properties", "must be a dict of Project_V2_1 keys")
        body = dict(properties or {})
        body.update({"poolName": pool, "projectName": project})

        def verify():
            current = self.find_project(pool, project)
            return current is not None and written.properties_written(
                current, dict(properties or {}), share_level=False)

        self.call("createProject", body, write=True, dataset=path, verify=verify)

    def modify_project(self, pool, project, properties):
        """modifyProjectProperties with a partial Project_V2_1 dict."""
        with self._context("modifyProjectProperties", "%s/Local/%s" % (pool, project)):
            path = paths_mod.project_path(pool, project)
            if not isinstance(properties, dict) or not properties:
                raise invalid_argument("properties", "must be a non-empty dict")
        props = dict(properties)

        def verify():
            return written.properties_written(self.get_project(pool, project), props,
                                              share_level=False)

        self.call("modifyProjectProperties", path, props, write=True, dataset=path,
                  verify=verify)

    def delete_project(self, pool, project, missing_ok=True):
        """deleteProject; True when deleted, False when it was already gone (missing_ok)."""
        with self._context("deleteProject", "%s/Local/%s" % (pool, project)):
            path = paths_mod.project_path(pool, project)
        try:
            self.call("deleteProject", path, write=True, dataset=path,
                      verify=lambda: self.find_project(pool, project) is None)
        except NotFoundError:
            if not missing_ok:
                raise
            return False
        return True

    def set_project_quota(self, pool, project, quota_bytes):
        """Set (or with 0/None clear) the project quota via ``quotaInByte``."""
        with self._context("modifyProjectProperties", "%s/Local/%s" % (pool, project)):
            path = paths_mod.project_path(pool, project)
            wanted = sizes_mod.parse_optional_size(quota_bytes, "quota")

        def verify():
            return int(self.get_project(pool, project).get("quotaInByte") or 0) == wanted

        self.call("modifyProjectProperties", path, {"quotaInByte": wanted}, write=True,
                  dataset=path, verify=verify)

    # -- shares ----------------------------------------------------------------------------

    def list_shares(self, pool, project, local=True):
        with self._context("listShares", "%s/Local/%s" % (pool, project)):
            path = paths_mod.project_path(pool, project)
            _bool(local, "local")
        return self.call("listShares", pool, project, local, dataset=path) or []

    def get_share(self, pool, project, share):
        with self._context("getShare", "%s/Local/%s/%s" % (pool, project, share)):
            path = paths_mod.share_path(pool, project, share)
        return self.call("getShare", path, dataset=path)

    def find_share(self, pool, project, share):
        """The share dict, or None when it (or its project) does not exist."""
        try:
            return self.get_share(pool, project, share)
        except NotFoundError:
            return None

    def create_share(self, pool, project, share, quota=None, reservation=None,
                     block_size=None, mount_point=None):
        """createShare; sizes as bytes or human strings (``"10G"``); None = no quota."""
        with self._context("createShare", "%s/Local/%s/%s" % (pool, project, share)):
            path = paths_mod.share_path(pool, project, share)
            quota_b = sizes_mod.parse_optional_size(quota, "quota")
            reservation_b = sizes_mod.parse_optional_size(reservation, "reservation")
            if quota_b and reservation_b and reservation_b > quota_b:
                raise invalid_argument("reservation", "%s is larger than the quota %s"
                                       % (sizes_mod.format_size(reservation_b),
                                          sizes_mod.format_size(quota_b)),
                                       code="EZEBI_INVALID_QUOTA_RESERVATION_VALUE")
            options = {"quota": quota_b or -1, "reservation": reservation_b or -1}
            if block_size is not None and block_size != "":
                bs = str(block_size).strip().upper()
                if bs.endswith("K"):
                    bs += "B"
                if bs not in BLOCK_SIZES:
                    raise invalid_argument("block_size", "must be one of %s, got %r"
                                           % (", ".join(BLOCK_SIZES), block_size))
                options["blockSize"] = bs
            if mount_point is not None and mount_point != "":
                if not isinstance(mount_point, str) or not mount_point.startswith("/") or \
                        any(ch.isspace() for ch in mount_point) or "//" in mount_point:
                    raise invalid_argument("mount_point", "must be an absolute path without "
                                                          "white space, got %r" % (mount_point,))
                options["mountPoint"] = mount_point

        def verify():
            current = self.find_share(pool, project, share)
            return current is not None and written.share_created(
                current, quota_b, reservation_b, options.get("blockSize"),
                options.get("mountPoint"))

        self.call("createShare", pool, project, share, options,
                  list(DEFAULT_SHARE_PERMISSIONS), write=True, dataset=path, verify=verify)

    def modify_share(self, pool, project, share, properties):
        """modifyShareProperties with a partial Share_V2_1 dict."""
        with self._context("modifyShareProperties", "%s/Local/%s/%s" % (pool, project, share)):
            path = paths_mod.share_path(pool, project, share)
            if not isinstance(properties, dict) or not properties:
                raise invalid_argument("properties", "must be a non-empty dict")
        props = dict(properties)

        def verify():
            return written.properties_written(self.get_share(pool, project, share), props,
                                              share_level=True)

        self.call("modifyShareProperties", path, props, write=True, dataset=path,
                  verify=verify)

    def _set_share_size(self, pool, project, share, key, field, value):
        with self._context("modifyShareProperties", "%s/Local/%s/%s" % (pool, project, share)):
            path = paths_mod.share_path(pool, project, share)
            wanted = sizes_mod.parse_optional_size(value, field)

        def verify():
            return int(self.get_share(pool, project, share).get(key) or 0) == wanted

        self.call("modifyShareProperties", path, {key: wanted}, write=True, dataset=path,
                  verify=verify)

    def set_share_quota(self, pool, project, share, quota_bytes):
        """Set (or with 0/None clear) the share quota via ``quotaInByte``."""
        self._set_share_size(pool, project, share, "quotaInByte", "quota", quota_bytes)

    def set_share_reservation(self, pool, project, share, reservation_bytes):
        """Set (or with 0/None clear) the share reservation via ``reservationInByte``."""
        self._set_share_size(pool, project, share, "reservationInByte", "reservation",
                             reservation_bytes)

    def inherit_share_property(self, pool, project, share, prop):
        """inheritPropertyFromProject (``prop`` in the SDK >= v23 vocabulary, e.g. Dedup)."""
        with self._context("inheritPropertyFromProject",
                           "%s/Local/%s/%s" % (pool, project, share)):
            path = paths_mod.share_path(pool, project, share)
            if not isinstance(prop, str) or not prop or not prop.isalnum():
                raise invalid_argument("prop", "must be a property name such as 'Dedup', "
                                               "got %r" % (prop,))
        flag = "override" + prop

        def verify():
            current = self.get_share(pool, project, share)
            if flag in current:
                return current[flag] is False
            return False

        self.call("inheritPropertyFromProject", path, prop, write=True, dataset=path,
                  verify=verify)

    def delete_share(self, pool, project, share, recursive=False, missing_ok=True):
        """deleteShare (errorIfNotExist = not missing_ok); recursive deletes snapshots and
        their clones."""
        with self._context("deleteShare", "%s/Local/%s/%s" % (pool, project, share)):
            path = paths_mod.share_path(pool, project, share)
            _bool(recursive, "recursive")
        try:
            self.call("deleteShare", path, recursive, not missing_ok, write=True, dataset=path,
                      verify=lambda: self.find_share(pool, project, share) is None)
        except NotFoundError:
            if not missing_ok:
                raise

    # -- sharing ---------------------------------------------------------------------------

    def _dataset(self, method, pool, project, share):
        """Validated dataset path (share or project) with context for errors."""
        shown = "%s/Local/%s" % (pool, project) + ("/%s" % share if share is not None else "")
        with self._context(method, shown):
            return paths_mod.dataset_path(pool, project, share)

    def set_nfs_sharing(self, pool, project, share, on):
        """setNFSSharingOnShare (share given) or setNFSSharingOnProject (share None)."""
        method = "setNFSSharingOn" + ("Project" if share is None else "Share")
        path = self._dataset(method, pool, project, share)
        with self._context(method, path):
            _bool(on, "on")
        if share is None:
            def verify():
                return self.is_exposed("nfs", pool, project, None) == on
        else:
            def verify():  # the share's own setting, not one inherited from the project
                return written.sharing_written(self.get_share(pool, project, share), "nfs", on)
        self.call(method, path, on, write=True, dataset=path, verify=verify)

    def set_smb_sharing(self, pool, project, share, on, display_name=None, guest=False):
        """setSMBSharingOnShare (with display name and guest mode) or ...OnProject."""
        method = "setSMBSharingOn" + ("Project" if share is None else "Share")
        path = self._dataset(method, pool, project, share)
        with self._context(method, path):
            _bool(on, "on")
            _bool(guest, "guest")
            if display_name is not None and not isinstance(display_name, str):
                raise invalid_argument("display_name", "must be a string")
            problem = paths_mod.smb_name_problem(display_name) if display_name else None
            if problem:
                raise invalid_argument("display_name", "%r is not a valid SMB share name: %s"
                                       % (display_name, problem),
                                       code="EZEBI_INVALID_WINDOWS_DISPLAY_NAME")
            if share is None and (display_name or guest):
                raise invalid_argument("display_name", "display name and guest mode apply to "
                                                       "shares only, not projects")
        if share is None:
            args = (path, on)

            def verify():
                return self.is_exposed("smb", pool, project, None) == on
        else:
            args = (path, on, display_name or "", guest)

            def verify():  # the share's own setting, not one inherited from the project
                current = self.get_share(pool, project, share)
                if not written.sharing_written(current, "smb", on):
                    return False
                if not on:
                    return True
                if display_name and "cifsDisplayName" in current and \
                        current["cifsDisplayName"] != display_name:
                    return False
                if "guestStatus" in current and bool(current["guestStatus"]) != guest:
                    return False
                return True
        self.call(method, *args, write=True, dataset=path, verify=verify)

    def is_exposed(self, protocol, pool, project, share=None):
        """isShare/ProjectExposedOverNFS/SMB -> bool (effective state)."""
        with self._context("isExposed"):
            proto = _protocol(protocol)
        method = "is%sExposedOver%s" % ("Project" if share is None else "Share",
                                        _wire_protocol(proto))
        path = self._dataset(method, pool, project, share)
        value = self.call(method, path, dataset=path)
        return value is True or (isinstance(value, str) and value.lower() == "true")

    def get_smb_config(self):
        return self.call("getSMBConfig")

    def set_smb_config(self, partial):
        """setSMBConfig with a partial SMBConfig_V2_2 dict."""
        with self._context("setSMBConfig"):
            if not isinstance(partial, dict) or not partial:
                raise invalid_argument("partial", "must be a non-empty dict of SMBConfig keys")
        props = dict(partial)

        def verify():
            current = self.get_smb_config() or {}
            return written.properties_written(current, props, share_level=False)

        self.call("setSMBConfig", props, write=True, verify=verify)

    # -- snapshots -------------------------------------------------------------------------

    def list_snapshots(self, pool, project, share=None, pattern=""):
        """Full snapshot names (``Manual-S-x``) of the share (or project) only."""
        path = self._dataset("listSnapshots", pool, project, share)
        with self._context("listSnapshots", path):
            if not isinstance(pattern, str):
                raise invalid_argument("pattern", "must be a string (a regular expression)")
        return self.call("listSnapshots", path, pattern, dataset=path) or []

    def _snapshot_exists(self, pool, project, share, full_name):
        try:
            return full_name in self.list_snapshots(pool, project, share)
        except NotFoundError:
            return False

    def create_snapshot(self, pool, project, share, name, quiesce=False, wait=True,
                        poll_interval=1.0, wait_timeout=300):
        """Create a share snapshot (share given) or a project snapshot; returns the full name
        (``Manual-S-<name>`` / ``Manual-P-<name>``). With ``wait`` polls the creation status
        until it succeeds (error: ApiError; not done in ``wait_timeout``: ArrayTimeoutError).
        """
        method = "create%sSnapshot" % ("Project" if share is None else "Share")
        path = self._dataset(method, pool, project, share)
        with self._context(method, path):
            full = paths_mod.snapshot_name(name, share)
            _bool(quiesce, "quiesce")
            _bool(wait, "wait")
            for field, value in (("poll_interval", poll_interval),
                                 ("wait_timeout", wait_timeout)):
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                    raise invalid_argument(field, "must be a non-negative number of seconds")
        if share is None:
            target = {"poolName": pool, "name": project, "local": True}
        else:
            target = {"poolName": pool, "projectName": project, "name": share,
                      "datasetPath": path, "local": True}
        self.call(method, target, name, quiesce, write=True,
                  dataset=paths_mod.snapshot_path(path, full),
                  verify=lambda: self._snapshot_exists(pool, project, share, full))
        if wait:
            self.wait_for_snapshot(pool, project, share, name, poll_interval, wait_timeout)
        return full

    def wait_for_snapshot(self, pool, project, share, name, poll_interval=1.0,
                          wait_timeout=300):
        """Poll the creation status until success (0); error (2) raises ApiError."""
        deadline = time.monotonic() + wait_timeout
        while True:
            status = self.get_snapshot_status(pool, project, share, name)
            if status == SNAPSHOT_STATUS_SUCCESS:
                return
            method = "get%sSnapshotCreationStatus" % ("Project" if share is None else "Share")
            path = paths_mod.snapshot_path(paths_mod.dataset_path(pool, project, share),
                                           paths_mod.snapshot_name(
                                               paths_mod.strip_snapshot_prefix(name), share))
            if status == SNAPSHOT_STATUS_ERROR:
                raise ApiError("the array reports that creating the snapshot failed",
                               method=method, dataset=path)
            if time.monotonic() + poll_interval > deadline:
                raise ArrayTimeoutError("snapshot creation still in progress after %s s"
                                        % wait_timeout, method=method, dataset=path)
            time.sleep(poll_interval)

    def get_snapshot_status(self, pool, project, share, name):
        """0 success, 1 in progress, 2 error (name with or without its prefix)."""
        method = "get%sSnapshotCreationStatus" % ("Project" if share is None else "Share")
        path = self._dataset(method, pool, project, share)
        with self._context(method, path):
            short = paths_mod.strip_snapshot_prefix(paths_mod.validate_name(name, "name"))
            full = paths_mod.snapshot_name(short, share)
        reply = self.call(method, path, short, dataset=paths_mod.snapshot_path(path, full))
        if isinstance(reply, dict):
            reply = reply.get("snapshotProgressStatus")
        try:
            return int(reply)
        except (TypeError, ValueError):
            from .errors import ProtocolError
            raise ProtocolError("unexpected snapshot status %r" % (reply,), method=method,
                                dataset=path)

    def delete_snapshot(self, pool, project, share, full_name, recursive=False,
                        missing_ok=True):
        """deleteShare/ProjectSnapshot; returns the SnapShotDeletionStatus reply.

        A status other than 0 (partial/failure) raises ApiError carrying ``reply``.
        A missing snapshot with ``missing_ok`` returns an empty deletion reply.
        """
        method = "delete%sSnapshot" % ("Project" if share is None else "Share")
        path = self._dataset(method, pool, project, share)
        with self._context(method, path):
            snap = paths_mod.snapshot_path(path, full_name)
            _bool(recursive, "recursive")
        try:
            reply = self.call(method, snap, recursive, write=True, dataset=snap,
                              verify=lambda: not self._snapshot_exists(pool, project, share,
                                                                       full_name))
        except NotFoundError:
            if not missing_ok:
                raise
            return {"deletedList": [], "failedToDeleteList": [], "snapshotDeletionStatus": 0}
        if reply is None:  # reply lost, re-read shows it is gone
            return {"deletedList": [snap], "failedToDeleteList": [], "snapshotDeletionStatus": 0}
        if isinstance(reply, dict) and reply.get("snapshotDeletionStatus", 0) not in (0, None):
            err = ApiError("the array could not delete %s (status %s)"
                           % (", ".join(reply.get("failedToDeleteList") or [snap]),
                              reply.get("snapshotDeletionStatus")),
                           method=method, dataset=snap)
            err.reply = reply
            raise err
        return reply

    def clone_snapshot(self, pool, project, share, full_name, clone_name, inherit=True):
        """cloneShareSnapshot: a new share ``clone_name`` in the same pool and project."""
        path = self._dataset("cloneShareSnapshot", pool, project, share)
        with self._context("cloneShareSnapshot", path):
            if share is None:
                raise invalid_argument("share", "cloning needs a share snapshot")
            snap = paths_mod.snapshot_path(path, full_name)
            paths_mod.validate_name(clone_name, "clone_name")
            _bool(inherit, "inherit")
        self.call("cloneShareSnapshot", snap, clone_name, inherit, write=True, dataset=snap,
                  verify=lambda: self.find_share(pool, project, clone_name) is not None)

    def clone_project_snapshot(self, pool, project, full_name, clone_name, inherit=False):
        """cloneProjectSnapshot: a new project ``clone_name`` in the same pool holding a clone
        of every share that has the snapshot, under the same share names (C25); progress
        with ``get_clone_status(pool, project, None, full_name, clone_name)``."""
        path = self._dataset("cloneProjectSnapshot", pool, project, None)
        with self._context("cloneProjectSnapshot", path):
            snap = paths_mod.snapshot_path(path, full_name)
            paths_mod.validate_name(clone_name, "clone_name")
            _bool(inherit, "inherit")
        self.call("cloneProjectSnapshot", snap, clone_name, inherit, write=True, dataset=snap,
                  verify=lambda: self.find_project(pool, clone_name) is not None)

    def get_clone_status(self, pool, project, share, full_name, clone_name):
        """getProjectCloneStatus -> raw reply plus ``state`` (in_progress, success, partial,
        failure)."""
        path = self._dataset("getProjectCloneStatus", pool, project, share)
        with self._context("getProjectCloneStatus", path):
            snap = paths_mod.snapshot_path(path, full_name)
            paths_mod.validate_name(clone_name, "clone_name")
        reply = self.call("getProjectCloneStatus", snap, clone_name, dataset=snap) or {}
        result = dict(reply) if isinstance(reply, dict) else {"raw": reply}
        state = result.get("projectCloneState")
        try:
            result["state"] = CLONE_STATES[int(state)]
        except (TypeError, ValueError, KeyError):
            from .errors import ProtocolError
            raise ProtocolError("unexpected clone state %r" % (state,),
                                method="getProjectCloneStatus", dataset=snap)
        return result

    def rollback_snapshot(self, pool, project, share, full_name, delete_dependents=False):
        """rollBackToShare/ProjectSnapshot. No read shows that a rollback ran, so a lost reply
        raises OutcomeUnknownError (never re-sent: a late copy would undo later writes)."""
        method = "rollBackTo%sSnapshot" % ("Project" if share is None else "Share")
        path = self._dataset(method, pool, project, share)
        with self._context(method, path):
            snap = paths_mod.snapshot_path(path, full_name)
            _bool(delete_dependents, "delete_dependents")
        self.call(method, snap, delete_dependents, write=True, dataset=snap)

    # -- network ACLs ----------------------------------------------------------------------

    def _acl_method(self, verb, protocol, share, plural):
        proto = _wire_protocol(protocol)
        noun = "NetworkACLs" if plural else "NetworkACL"
        return "%s%s%sOn%s" % (verb, proto, noun, "Project" if share is None else "Share")

    def get_network_acls(self, protocol, pool, project, share=None):
        """The effective network ACL list as NetworkRule objects."""
        with self._context("getNetworkACLs"):
            proto = _protocol(protocol)
        method = self._acl_method("get", proto, share, True)
        path = self._dataset(method, pool, project, share)
        reply = self.call(method, path, dataset=path) or []
        return [NetworkRule.from_wire(item) for item in reply]

    def _coerce_rule(self, proto, rule, field):
        rule = NetworkRule.coerce(rule, field)
        if proto == "smb" and rule.root:
            raise invalid_argument("%s.root" % field, "root access applies to NFS only")
        return rule

    def add_network_acl(self, protocol, pool, project, share, rule):
        """add{NFS,SMB}NetworkACLOn{Share,Project} (rule: NetworkRule or dict)."""
        with self._context("addNetworkACL"):
            proto = _protocol(protocol)
        method = self._acl_method("add", proto, share, False)
        path = self._dataset(method, pool, project, share)
        with self._context(method, path):
            rule = self._coerce_rule(proto, rule, "rule")
        args = [path, rule.host_type, rule.host, rule.access]
        if proto == "nfs":
            args.append(rule.root)
        self.call(method, *args, write=True, dataset=path,
                  verify=lambda: self._acls_written(
                      proto, pool, project, share, lambda rules: rule in rules))

    def remove_network_acl(self, protocol, pool, project, share, host_type, host,
                           missing_ok=True):
        """remove{NFS,SMB}NetworkACLOn{Share,Project}; True when removed, False when the rule
        was not there (missing_ok). A missing share/project still raises NotFoundError."""
        with self._context("removeNetworkACL"):
            proto = _protocol(protocol)
        method = self._acl_method("remove", proto, share, False)
        path = self._dataset(method, pool, project, share)
        with self._context(method, path):
            detected, norm = acl_mod.normalize_host(host, "host")
            if host_type:
                if not isinstance(host_type, str) or host_type.upper() != detected:
                    raise invalid_argument("host_type", "%r is a %s, not %r"
                                           % (host, detected, host_type))
            key = (detected, norm)

        def absent():
            return self._acls_written(proto, pool, project, share,
                                      lambda rules: all(r.key != key for r in rules))

        try:
            self.call(method, path, detected, norm, write=True, dataset=path, verify=absent)
        except NotFoundError:
            if not missing_ok:
                raise
            # Distinguish "no such rule" from "no such dataset".
            if share is None:
                self.get_project(pool, project)
            else:
                self.get_share(pool, project, share)
            return False
        return True

    def set_network_acls(self, protocol, pool, project, share, rules):
        """set{NFS,SMB}NetworkACLsOn{Share,Project}: replace the whole list."""
        with self._context("setNetworkACLs"):
            proto = _protocol(protocol)
        method = self._acl_method("set", proto, share, True)
        path = self._dataset(method, pool, project, share)
        with self._context(method, path):
            if isinstance(rules, (str, dict)) or rules is None:
                raise invalid_argument("rules", "must be a list of rules")
            wanted = [self._coerce_rule(proto, r, "rules[%d]" % i) for i, r in enumerate(rules)]
            acl_mod.check_size(wanted, "rules")
            dups = acl_mod.find_duplicates(wanted)
            if dups:
                raise invalid_argument("rules", "duplicate entries for %s"
                                       % ", ".join("%s %s" % d for d in dups),
                                       code="EZEBI_INVALID_ACL_API_PARAM_GENERAL")
        self.call(method, path, [r.to_wire() for r in wanted], write=True, dataset=path,
                  verify=lambda: self._acls_written(
                      proto, pool, project, share,
                      lambda rules: acl_mod.same_rules(rules, wanted)))

    def remove_all_network_acls(self, protocol, pool, project, share=None):
        """removeAll{NFS,SMB}NetworkACLsOn{Share,Project}."""
        with self._context("removeAllNetworkACLs"):
            proto = _protocol(protocol)
        method = self._acl_method("removeAll", proto, share, True)
        path = self._dataset(method, pool, project, share)
        self.call(method, path, write=True, dataset=path,
                  verify=lambda: self._acls_written(proto, pool, project, share,
                                                    lambda rules: not rules))

    def _acls_written(self, proto, pool, project, share, check):
        """Verification of a network ACL write: ``check(rules)`` holds for the list read back
        and, on a share, the list is the share's own (C16: every share-level ACL write sets
        the override flag; an equal list inherited from the project is not what was
        written)."""
        if not check(self.get_network_acls(proto, pool, project, share)):
            return False
        return share is None or written.acls_owned(self.get_share(pool, project, share), proto)

    def inherit_network_acls(self, pool, project, share):
        """inheritNetworkACLsettingsFromProject: the share follows the project again (NFS and
        SMB)."""
        path = self._dataset("inheritNetworkACLsettingsFromProject", pool, project, share)

        def verify():
            current = self.get_share(pool, project, share)
            return not current.get("overrideSharenfs") and not current.get("overrideSharesmb")

        self.call("inheritNetworkACLsettingsFromProject", path, write=True, dataset=path,
                  verify=verify)

    # -- user (file) ACLs ------------------------------------------------------------------

    def get_user_acls(self, pool, project, share):
        """The share's file ACL (C18) as UserRule objects."""
        current = self.get_share(pool, project, share)
        return [UserRule.from_wire(item) for item in (current.get("aclList") or [])]

    def set_user_acls(self, pool, project, share, rules):
        """Replace the share's file ACL (``modifyShareProperties`` ``aclList``)."""
        path = self._dataset("modifyShareProperties", pool, project, share)
        with self._context("modifyShareProperties", path):
            if isinstance(rules, (str, dict)) or rules is None:
                raise invalid_argument("rules", "must be a list of rules")
            wanted = []
            for i, rule in enumerate(rules):
                wanted.append(UserRule.coerce(rule, "rules[%d]" % i))
            acl_mod.check_size(wanted, "rules")
            dups = acl_mod.find_duplicates(wanted)
            if dups:
                raise invalid_argument("rules", "duplicate entries for %s"
                                       % ", ".join("%s %s" % d for d in dups),
                                       code="EZEBI_INVALID_ACL_API_PARAM_GENERAL")
        self.call("modifyShareProperties", path, {"aclList": [r.to_wire() for r in wanted]},
                  write=True, dataset=path,
                  verify=lambda: acl_mod.same_rules(self.get_user_acls(pool, project, share),
                                                    wanted))

    # -- export locations ------------------------------------------------------------------

    def export_locations(self, pool, project, share, share_info=None):
        """``{"nfs": ["ip:/export/p/s"], "smb": ["\\\\ip\\name"]}`` for the protocols that are
        on, using the first floating IP serving the pool (C19). Empty lists when no floating
        IP serves the pool (a warning is logged).

        ``share_info`` is the share's ``getShare`` reply when the caller already holds a
        current one (saves a read); without it the share is read."""
        current = share_info if share_info is not None else self.get_share(pool, project, share)
        result = {"nfs": [], "smb": []}
        nfs_on = self._sharing_on(current, "sharenfs", "nfs", pool, project, share)
        smb_on = self._sharing_on(current, "sharesmb", "smb", pool, project, share)
        if not (nfs_on or smb_on):
            return result
        address = None
        for item in self.list_floating_ips(pool):
            pools = [p.strip() for p in str(item.get("poolName") or "").split(",")]
            if pool in pools and item.get("ipAddress"):
                address = str(item["ipAddress"]).strip()
                break
        if address is None:
            self.log.warning("no floating IP serves pool %s: no export locations for %s",
                             pool, paths_mod.share_path(pool, project, share))
            return result
        if nfs_on:
            result["nfs"].append(paths_mod.nfs_export(address, paths_mod.mount_point(current, project, share)))
        if smb_on:
            result["smb"].append(paths_mod.smb_export(address, paths_mod.smb_name(current, project, share)))
        return result

    def _sharing_on(self, share_dict, key, protocol, pool, project, share):
        value = share_dict.get(key)
        if value is None:
            return self.is_exposed(protocol, pool, project, share)
        return str(value).lower() not in ("off", "false", "")
