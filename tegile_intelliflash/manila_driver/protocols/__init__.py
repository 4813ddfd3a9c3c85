# SPDX-License-Identifier: Apache-2.0
"""What differs between NFS and CIFS shares, one helper per protocol.

The rest of the driver asks the share's helper (:func:`of_share`) instead of
testing the protocol: which sharing setting to turn on, what a closed share's
network list is, how rules, export paths and managed shares are read.
"""

from manila import exception
from manila.i18n import _

from tegile_intelliflash.manila_driver.protocols import cifs
from tegile_intelliflash.manila_driver.protocols import nfs

NFS = nfs.NFS
CIFS = cifs.CIFS
_BY_NAME = {helper.name: helper for helper in (NFS, CIFS)}


def of_share(share):
    """The helper of the share's protocol; InvalidShare for any other."""
    helper = _BY_NAME.get((share.get('share_proto') or '').upper())
    if helper is None:
        raise exception.InvalidShare(
            reason=_('share %(id)s: protocol %(proto)s is not supported '
                     '(NFS or CIFS)') % {
                'id': share.get('id'), 'proto': share.get('share_proto')})
    return helper


def other(helper):
    """The helper of the protocol a share of ``helper``'s keeps off."""
    return CIFS if helper is NFS else NFS
