# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""NFS and SMB sharing of shares and projects, and export locations."""

from . import paths as paths_mod
from .base import by_level, check_bool, check_protocol
from .errors import invalid_argument

# (protocol, project method, share method)
EXPOSED_METHODS = {
    "nfs": ("isProjectExposedOverNFS", "isShareExposedOverNFS"),
    "smb": ("isProjectExposedOverSMB", "isShareExposedOverSMB"),
}


class SharingCalls(object):
    """setNFSSharingOn*, setSMBSharingOn*, is*ExposedOver*, and export locations."""

    def set_nfs_sharing(self, ref, on):
        """setNFSSharingOnShare (share given) or setNFSSharingOnProject (share None)."""
        pool, project, share = self._unpack(ref, share=None)
        method = by_level(share, "setNFSSharingOnProject", "setNFSSharingOnShare")
        path = self._dataset(method, pool, project, share)
        with self._context(method, path):
            check_bool(on, "on")
        if share is None:
            def verify():
                return self.is_exposed("nfs", paths_mod.project_ref(pool, project)) == on
        else:
            def verify():  # the share's own setting, not one inherited from the project
                from . import written  # write verification: after a lost reply only
                return written.sharing_written(self._read_share(pool, project, share), "nfs",
                                               on)
        self.call(method, path, on, write=True, dataset=path, verify=verify)

    def set_smb_sharing(self, ref, on, display_name=None, guest=False):
        """setSMBSharingOnShare (with display name and guest mode) or ...OnProject."""
        pool, project, share = self._unpack(ref, share=None)
        method = by_level(share, "setSMBSharingOnProject", "setSMBSharingOnShare")
        path = self._dataset(method, pool, project, share)
        with self._context(method, path):
            check_bool(on, "on")
            check_bool(guest, "guest")
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
                return self.is_exposed("smb", paths_mod.project_ref(pool, project)) == on
        else:
            args = (path, on, display_name or "", guest)

            def verify():  # the share's own setting, not one inherited from the project
                from . import written  # write verification: after a lost reply only
                current = self._read_share(pool, project, share)
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

    def set_sharing(self, protocol, ref, on):
        """``set_nfs_sharing`` or ``set_smb_sharing`` (its defaults) by protocol name."""
        with self._context("setSharing"):
            proto = check_protocol(protocol)
        if proto == "nfs":
            self.set_nfs_sharing(ref, on)
        else:
            self.set_smb_sharing(ref, on)

    def is_exposed(self, protocol, ref):
        """isShare/ProjectExposedOverNFS/SMB -> bool (effective state)."""
        ref = self._ref(ref, share=None)
        with self._context("isExposed"):
            proto = check_protocol(protocol)
        method = by_level(ref.share, *EXPOSED_METHODS[proto])
        path = self._ref_path(method, ref)
        value = self.call(method, path, dataset=path)
        return value is True or (isinstance(value, str) and value.lower() == "true")

    def export_locations(self, ref, share_info=None, floating_ips=None, protocols=None):
        """``{"nfs": ["ip:/export/p/s"], "smb": ["\\\\ip\\name"]}`` for the protocols that are
        on, using the first floating IP serving the pool (C19). Empty lists when no floating
        IP serves the pool (a warning is logged).

        ``share_info`` is the share's ShareInfo when the caller already holds a current one
        (saves a read); without it the share is read. ``floating_ips``: the FloatingIP list
        (getFloatingIPList of every pool) when the caller keeps one; without it they are read.
        ``protocols``: the protocols (``"nfs"``, ``"smb"``) whose locations are wanted whatever
        their on/off state (where a share will be reached once the protocol is on, e.g. a share
        kept unexported until its first access rule); the others get empty lists and their
        state is not read. Default (None): every protocol that is on."""
        ref = self._ref(ref, share=True)
        pool = ref.pool
        wanted = None
        if protocols is not None:
            if isinstance(protocols, str):
                protocols = [protocols]
            with self._context("exportLocations"):
                wanted = set(check_protocol(proto) for proto in protocols)
        current = share_info if share_info is not None else self.get_share(ref)
        result = {"nfs": [], "smb": []}
        if wanted is None:
            report_nfs = self._sharing_on(current, "nfs", ref)
            report_smb = self._sharing_on(current, "smb", ref)
        else:
            report_nfs, report_smb = "nfs" in wanted, "smb" in wanted
        if not (report_nfs or report_smb):
            return result
        address = None
        if floating_ips is None:
            floating_ips = self.list_floating_ips(pool)
        for item in floating_ips:
            if item.serves(pool) and item.address:
                address = item.address
                break
        if address is None:
            self.log.warning("no floating IP serves pool %s: no export locations for %s",
                             pool, ref.path)
            return result
        if report_nfs:
            result["nfs"].append(paths_mod.nfs_export(address, current.mount_point))
        if report_smb:
            result["smb"].append(paths_mod.smb_export(address, current.effective_smb_name))
        return result

    def _sharing_on(self, info, protocol, ref):
        value = info.sharing(protocol)
        if value is None:
            return self.is_exposed(protocol, ref)
        return value
