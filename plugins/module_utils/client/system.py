# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""System properties, pools, floating IPs and the SMB service configuration."""

from . import paths as paths_mod
from .errors import NotFoundError, ProtocolError, invalid_argument
from .views import FloatingIP, PoolInfo, SmbConfig, SystemInfo

SYSTEM_PROPERTIES = (
    "ZEBI_APPLIANCE_MODEL", "ZEBI_APPLIANCE_VERSION", "ZEBI_GUI_VERSION",
    "ZEBI_SUPPORTED_TDPS_API_VERSIONS", "ZEBI_API_MINOR_VERSION", "ZEBI_API_VERSION",
    "INTELLIFLASH_ARRAY_GUID", "INTELLIFLASH_ARRAY_FQDN",
)
# What check_connection asks for: the properties that name the array and its API.
CONNECTION_PROPERTIES = ("ZEBI_APPLIANCE_MODEL", "ZEBI_GUI_VERSION", "ZEBI_API_VERSION",
                         "ZEBI_API_MINOR_VERSION")


class SystemCalls(object):
    """listSystemProperties, listPools, getFloatingIPList, getSMBConfig, setSMBConfig."""

    def get_system_properties(self, names=None):
        """SystemInfo of the ZEBI system properties ``names`` (default: all of
        SYSTEM_PROPERTIES); the attributes of the others are None."""
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
            raise ProtocolError("expected %d values, got %s"
                                % (len(names), self._transport.describe_reply(values)),
                                method="listSystemProperties")
        return SystemInfo.from_wire(names, values)

    def check_connection(self):
        """Check reachability and credentials: SystemInfo with ``model``, ``version``,
        ``api_version`` and ``api_minor_version``."""
        return self.get_system_properties(CONNECTION_PROPERTIES)

    def list_pools(self):
        """Every pool as PoolInfo."""
        return [PoolInfo.from_wire(item) for item in self.call("listPools") or []]

    def get_pool(self, pool):
        """PoolInfo of ``pool``; NotFoundError when there is no such pool."""
        with self._context("listPools", pool):
            paths_mod.validate_pool(pool)
        for item in self.list_pools():
            if item.name == pool:
                return item
        raise NotFoundError("pool %r does not exist" % pool, method="listPools", dataset=pool)

    def list_floating_ips(self, pool="All"):
        """The data IPs (FloatingIP) serving ``pool`` (``"All"``: every one)."""
        with self._context("getFloatingIPList", pool):
            paths_mod.validate_pool(pool)
        reply = self.call("getFloatingIPList", pool, dataset=pool) or []
        return [FloatingIP.from_wire(item) for item in reply]

    def get_smb_config(self):
        """The SMB service configuration (SmbConfig)."""
        return SmbConfig.from_wire(self._read_smb_config())

    def _read_smb_config(self):
        """The getSMBConfig reply (wire dict), for the check of a write."""
        return self.call("getSMBConfig") or {}

    def set_smb_config(self, partial):
        """setSMBConfig with a partial SMBConfig_V2_2 dict."""
        with self._context("setSMBConfig"):
            if not isinstance(partial, dict) or not partial:
                raise invalid_argument("partial", "must be a non-empty dict of SMBConfig keys")
        props = dict(partial)

        def verify():
            from . import written  # write verification: after a lost reply only
            return written.properties_written(self._read_smb_config(), props,
                                              share_level=False)

        self.call("setSMBConfig", props, write=True, verify=verify)
