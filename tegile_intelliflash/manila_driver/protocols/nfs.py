# SPDX-License-Identifier: Apache-2.0
"""NFS shares: network ACLs by IP address or network. A new share is not
exported until its first 'ip' rule; an exported share without one is closed
by a no-access entry (an IntelliFlash NFS export with an empty ACL list is
open to every host)."""

import re

from manila.i18n import _

from tegile_intelliflash.client import acl as client_acl
from tegile_intelliflash.client import errors as client_errors
from tegile_intelliflash.client import paths as client_paths
from tegile_intelliflash.manila_driver.protocols import base

#: NFS network ACL entry that keeps an NFS export closed while a share has no
#: IP rule: 255.255.255.255 is the limited broadcast address, which can never
#: be the source address of an NFS client.
NO_ACCESS_HOST = '255.255.255.255'


def no_access_rule():
    return client_acl.NetworkRule('IP', NO_ACCESS_HOST, 'ro')


class _Nfs(base.Protocol):

    name = 'NFS'
    wire = 'nfs'
    exported_when_new = False

    def closed_network_list(self):
        return [no_access_rule()]

    def network_rule(self, access_to, level):
        try:
            host_type, host = client_acl.normalize_host(access_to,
                                                        'access_to')
        except client_errors.IntelliFlashError as err:
            raise base.BadRule(str(err))
        if host_type != 'IP':
            raise base.BadRule(_('%s is not an IP address or network') %
                               access_to)
        if host == NO_ACCESS_HOST:
            raise base.BadRule(_('%s is reserved') % access_to)
        return (host_type, host), client_acl.NetworkRule(host_type, host,
                                                         level)

    def sync_network(self, backend, ref, info, want):
        """Export the share if needed, then write the list of ``want``.

        A share without a rule whose NFS is off by its own setting (a new
        share) is closed already: nothing is written (turning NFS on only
        to write the closed list would export it to nobody). NFS is turned
        on as the share's own setting before the list is written (turning
        it on may clear the list); the list is then not known (cleared, the
        share's, or the project's one copied) and is written whole. When
        that write fails (or its outcome is unknown), NFS is turned off
        again: turned on here, the share may be exported with an empty list,
        to every host.
        """
        client = backend.client
        if not want and self.left_unexported(info):
            return []
        if info.sets_sharing('nfs', True):
            current = client.get_network_acls('nfs', ref)
        else:
            self.set_sharing(client, ref, True)
            current = None

        def write(rules):
            client.set_network_acls('nfs', ref, rules)

        try:
            return base.sync_list(ref, 'NFS access list', want, current,
                                  write,
                                  sort_key=lambda r: (r.host_type, r.host),
                                  closed=no_access_rule())
        except client_errors.IntelliFlashError:
            if current is None:
                self.unexport_quietly(client, ref)
            raise

    def is_open_to_all(self, client, ref):
        return not client.get_network_acls('nfs', ref)

    def export_path(self, server, info, ref):
        return client_paths.nfs_export(server, info.mount_point)

    def parse_export_path(self, path):
        match = re.match(r'^(\[[^\]]+\]|[^:/]+):(/.+)$', path)
        if not match:
            return None
        return match.group(2).rstrip('/') or '/'

    def not_an_export_path(self, path):
        return _('%s is not an NFS export path (address:/export/path)') % path

    def find_managed(self, read, project, items, wanted):
        # The mount point is in the listShares reply: one getShare only.
        for item in items:
            if self.exported_as(item, wanted):
                return item.name, read(item.name)
        return None

    def default_name(self, project, wanted):
        match = re.match(r'^/export/%s/([^/]+)$' % re.escape(project), wanted)
        return match.group(1) if match else None

    def exported_as(self, info, wanted):
        return info.mount_point.rstrip('/') == wanted

    def foreign_project(self, wanted, project):
        match = re.match(r'^/export/([^/]+)/([^/]+)$', wanted)
        if match and match.group(1) != project:
            return match.group(1)
        return None


NFS = _Nfs()
