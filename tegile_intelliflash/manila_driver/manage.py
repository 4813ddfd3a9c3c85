# SPDX-License-Identifier: Apache-2.0
"""Manage and unmanage: taking over shares and snapshots that exist on the
array, and letting them go (they stay on the array untouched).

A managed share keeps its array name, recorded in Manila's private data
(``PD_ARRAY_NAME``); its size is its quota, rounded up to whole GiB (a
share without quota: the larger of its used space and its reservation).
"""

from oslo_log import log

from manila import exception
from manila.i18n import _

from tegile_intelliflash.client import errors as client_errors
from tegile_intelliflash.client import paths as client_paths
from tegile_intelliflash.client import sizes as client_sizes
from tegile_intelliflash.manila_driver import backend as backend_mod
from tegile_intelliflash.manila_driver import errors
from tegile_intelliflash.manila_driver import groups
from tegile_intelliflash.manila_driver import protocols
from tegile_intelliflash.manila_driver import snapshots

LOG = log.getLogger(__name__)


def _export_path(share, protocol):
    """What the share's (first) export location names on the array."""
    locations = share.get('export_locations') or []
    path = None
    if locations:
        first = locations[0]
        path = first.get('path') if hasattr(first, 'get') else first
    path = path or share.get('export_location')
    if not path:
        raise exception.ManageInvalidShare(
            reason=_('share %s: no export path given') % share['id'])
    path = path.strip()
    wanted = protocol.parse_export_path(path)
    if wanted is None:
        raise exception.ManageInvalidShare(
            reason=protocol.not_an_export_path(path))
    return wanted


def _valid_name(name):
    try:
        client_paths.validate_name(name, 'share')
    except client_errors.InvalidArgumentError:
        return False    # no such share: the listing says what is there
    return True


def _find_managed(backend, protocol, pool, wanted):
    """(name, ShareInfo) of the share exported as ``wanted``: the share
    whose default export it is, when it is (one getShare, whatever the
    number of shares in the project), else the one the project's shares
    show (a listing; for CIFS a getShare per share, the SMB name being only
    in getShare replies)."""
    project = backend.project
    name = protocol.default_name(project, wanted)
    if name is not None and _valid_name(name):
        info = None
        with errors.translate('read share %s' % name,
                              (client_errors.NotFoundError, errors.IGNORE)):
            info = backend.client.get_share(
                client_paths.share_ref(pool, project, name))
        if info is not None and protocol.exported_as(info, wanted):
            return name, info
    with errors.translate('list the shares of %s/%s' % (pool, project)):
        items = backend.client.list_shares(
            client_paths.project_ref(pool, project))

    def read(name):
        with errors.translate('read share %s' % name):
            return backend.client.get_share(
                client_paths.share_ref(pool, project, name))

    found = protocol.find_managed(read, project, items, wanted)
    if found:
        return found
    other = protocol.foreign_project(wanted, project)
    if groups.is_group_project(backend, other):
        raise exception.ManageInvalidShare(
            reason=_('%(path)s is a member of a share group (project '
                     '%(other)s); shares of share groups cannot be managed') %
            {'path': wanted, 'other': other})
    if other:
        raise exception.ManageInvalidShare(
            reason=_('%(path)s belongs to project %(other)s; this back end '
                     'manages only project %(project)s') % {
                'path': wanted, 'other': other, 'project': project})
    raise exception.ManageInvalidShare(
        reason=_('no share of project %(project)s in pool %(pool)s is '
                 'exported as %(path)s') % {
            'project': project, 'pool': pool, 'path': wanted})


def _actual_text(info, prop):
    if prop == 'dedup':
        return 'on' if info.dedup else 'off'
    return (info.compression or 'off').lower()


def _check_type_matches(share, info, name):
    """Refuse to manage a share whose dedupe, compression or thin
    provisioning contradicts what its share type asks for (nothing is
    changed on the array to make it fit)."""
    props = backend_mod.type_properties(share)
    problems = []
    actual_on = {'dedup': bool(info.dedup),
                 'compression': (info.compression or 'off').lower() != 'off'}
    for prop, spec in (('dedup', 'dedupe'), ('compression', 'compression')):
        wanted = props.get(prop)
        if wanted is None:
            continue
        if (wanted == 'off') == actual_on[prop]:
            problems.append(_('%(spec)s is %(actual)s on the array but the '
                              'share type asks for %(wanted)s') % {
                'spec': spec,
                'actual': _actual_text(info, prop),
                'wanted': 'off' if wanted == 'off' else 'on'})
    if props.get(backend_mod.THICK) and not info.thick:
        problems.append(_('the share type asks for thin_provisioning False '
                          'but the share has no reservation'))
    if problems:
        raise exception.ManageExistingShareTypeMismatch(
            reason=_('%(name)s: %(problems)s') % {
                'name': name, 'problems': '; '.join(problems)})


def _pin_sharing(client, ref, protocol, info, share_id):
    """Give a managed share sharing settings of its own, as the driver's own
    shares have: its protocol on with the access it has now (turning on a
    protocol it inherits copies the project's list, C16), the other one off.
    From then on a change to the project does not change who reaches the
    share, and ensure_shares has nothing to take back from it later (it
    would close a share whose protocol is not its own and ask Manila for
    rules a managed share does not have yet). A share closed by both
    protocols off as its own settings stays so (see manage_existing).
    """
    other = protocols.other(protocol)
    if not protocol.left_unexported(info) and \
            not info.sets_sharing(protocol.wire, True):
        protocol.set_sharing(client, ref, True)
    if not info.sets_sharing(other.wire, False):
        if info.sharing(other.wire):
            LOG.warning('Share %(id)s (%(path)s) was exported over %(other)s '
                        'too; Manila manages it over %(proto)s only, so '
                        '%(other)s is turned off.',
                        {'id': share_id, 'path': ref.path,
                         'other': other.name, 'proto': protocol.name})
        other.set_sharing(client, ref, False)


def _quota_back(backend, ref, info):
    """Put back the quota of a share whose manage failed after its quota
    was written; never raises (the failure is the manage's)."""
    try:
        backend.client.set_share_quota(ref, info.quota_bytes or None)
    except client_errors.IntelliFlashError as err:
        LOG.error('Could not put the quota of %(path)s back to %(quota)s '
                  'bytes after a failed manage: %(err)s',
                  {'path': ref.path, 'quota': info.quota_bytes or 0,
                   'err': err})


def manage_existing(backend, share):
    """Take over a share of the project; its size is its quota."""
    protocol = protocols.of_share(share)
    pool = backend_mod.pool_of(share)
    if not pool:
        raise exception.ManageInvalidShare(
            reason=_('share %s: the host must name a pool '
                     '(host@backend#pool)') % share['id'])
    wanted = _export_path(share, protocol)
    name, info = _find_managed(backend, protocol, pool, wanted)
    if info.project not in (None, backend.project):
        raise exception.ManageInvalidShare(
            reason=_('%(name)s belongs to project %(other)s') % {
                'name': name, 'other': info.project})
    if info.container != client_paths.LOCAL:
        raise exception.ManageInvalidShare(
            reason=_('%s is a replica and cannot be managed') % name)
    # Both protocols off as settings of its own: closed, as the driver
    # leaves a new NFS share until its first rule (one it made, then
    # unmanaged, comes back so); managed closed, the first rule exports it.
    closed = protocol.left_unexported(info) and \
        info.sets_sharing(protocols.other(protocol).wire, False)
    if info.sharing(protocol.wire) is False and not closed:
        raise exception.ManageInvalidShare(
            reason=_('%(name)s is not exported over %(proto)s') % {
                'name': name, 'proto': protocol.name})
    _check_type_matches(share, info, name)
    ref = client_paths.share_ref(pool, backend.project, name)
    # Without a quota, its size holds what it uses and what it reserves: a
    # quota below the reservation is refused by the array.
    size = max(1, client_sizes.to_gib_ceil(
        info.quota_bytes or max(info.used_bytes or 0,
                                info.reservation_bytes or 0)))
    # The quota first: the array refuses it when data was written since the
    # share was read (C7), and nothing else is changed then. Its sharing
    # settings after, the quota put back when they fail.
    quota_written = info.quota_bytes != size * client_sizes.GiB
    if quota_written:
        with errors.translate('set the quota of %s to %s GiB' % (ref.path,
                                                                 size)), \
                backend.allocated.writing(ref):
            backend.client.set_share_quota(ref, size * client_sizes.GiB)
    with errors.undo_on_failure(
            'make the sharing settings of %s its own' % ref.path,
            (lambda: _quota_back(backend, ref, info)) if quota_written
            else None), backend.allocated.writing(ref):
        _pin_sharing(backend.client, ref, protocol, info, share['id'])
    # Its quota now (a count may have read the one before).
    backend.allocated.set(ref, size * client_sizes.GiB)
    backend.private_storage.update(share['id'],
                                   {backend_mod.PD_ARRAY_NAME: name})
    with errors.translate('export share %s' % ref.path):
        locations = protocol.export_locations(backend, ref, info)
    LOG.info('Managing %(path)s as share %(id)s (%(size)s GiB).',
             {'path': ref.path, 'id': share['id'], 'size': size})
    return {'size': size, 'export_locations': locations}


def unmanage(backend, share):
    """Forget the share; it stays on the array untouched."""
    backend.private_storage.delete(share['id'])
    LOG.info('Share %s is no longer managed by Manila.', share['id'])


def manage_existing_snapshot(backend, snapshot):
    """Take over a snapshot named by its provider_location."""
    share = snapshots.snapshot_share(snapshot)
    ref = backend.share_ref(share)
    location = (snapshot.get('provider_location') or '').strip()
    if not location:
        raise exception.ManageInvalidShareSnapshot(
            reason=_('give the snapshot name on the array as '
                     'provider_location'))
    if '@' in location:
        dataset, name = location.rsplit('@', 1)
        if dataset and dataset != ref.path:
            raise exception.ManageInvalidShareSnapshot(
                reason=_('%(loc)s is not a snapshot of %(path)s') % {
                    'loc': location, 'path': ref.path})
    else:
        name = location
    if name.startswith(client_paths.PROJECT_SNAPSHOT_PREFIX):
        # A share's part of a project snapshot (a share group snapshot's
        # member, or an administrator's snapshot of the project): deleting
        # or reverting it alone would break the project snapshot.
        raise exception.ManageInvalidShareSnapshot(
            reason=_('%(name)s is the part on %(path)s of a project '
                     'snapshot, not a snapshot of the share') % {
                'name': name, 'path': ref.path})
    # The name as given, else with its prefix: a listing of those two only,
    # not of every snapshot of the share (thousands of scheduled ones).
    prefixed = client_paths.SHARE_SNAPSHOT_PREFIX + name
    names = []
    if name:
        with errors.translate('list snapshots of %s' % ref.path):
            names = [snap.full_name for snap in
                     backend.client.find_snapshots(ref, [name, prefixed])]
    if name not in names:
        if prefixed not in names:
            raise exception.ManageInvalidShareSnapshot(
                reason=_('share %(path)s has no snapshot %(name)s') % {
                    'path': ref.path, 'name': name})
        name = prefixed
    size = share.get('size') or 1
    LOG.info('Managing snapshot %(path)s@%(name)s as %(id)s.',
             {'path': ref.path, 'name': name, 'id': snapshot['id']})
    return {'size': int(size), 'provider_location': name}


def unmanage_snapshot(snapshot):
    LOG.info('Snapshot %s is no longer managed by Manila.', snapshot['id'])
