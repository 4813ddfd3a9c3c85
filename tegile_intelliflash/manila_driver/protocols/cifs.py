# SPDX-License-Identifier: Apache-2.0
"""CIFS (SMB) shares: user access only, through the share's file ACL; the SMB
network list stays empty."""

import re

from manila.i18n import _

from tegile_intelliflash.client import paths as client_paths
from tegile_intelliflash.manila_driver.protocols import base


class _Cifs(base.Protocol):

    name = 'CIFS'
    wire = 'smb'

    def closed_network_list(self):
        return []

    def network_rule(self, access_to, level):
        raise base.BadRule(_('only user access is supported for CIFS'))

    def export_path(self, server, info, ref):
        return client_paths.smb_export(server, info.effective_smb_name)

    def parse_export_path(self, path):
        match = re.match(r'^\\\\([^\\]+)\\([^\\]+)\\?$', path)
        return match.group(2) if match else None

    def not_an_export_path(self, path):
        return (_('%s is not a CIFS export path (\\\\address\\name)')
                % path)

    def find_managed(self, read, project, items, wanted):
        # The SMB name is only in getShare replies.
        for item in items:
            info = read(item.name)
            if self.exported_as(info, wanted):
                return item.name, info
        return None

    def default_name(self, project, wanted):
        # <project>_<share> (C17); SMB names compare case-insensitively.
        prefix = project + '_'
        if wanted.lower().startswith(prefix.lower()) and \
                len(wanted) > len(prefix):
            return wanted[len(prefix):]
        return None

    def exported_as(self, info, wanted):
        return info.effective_smb_name.lower() == wanted.lower()


CIFS = _Cifs()
