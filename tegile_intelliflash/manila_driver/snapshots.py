# SPDX-License-Identifier: Apache-2.0
"""Snapshots, shares cloned from them, and reverts.

Clones are made with ``inherit=False`` so that no host that can reach the
source share reaches the clone before its access is reset. A clone the array
has not finished is recorded in Manila's private data and finished by
get_share_status.
"""

from oslo_log import log

from manila.common import constants
from manila import exception
from manila.i18n import _

from tegile_intelliflash.client import errors as client_errors
from tegile_intelliflash.client import limits as client_limits
from tegile_intelliflash.client import paths as client_paths
from tegile_intelliflash.client import sizes as client_sizes
from tegile_intelliflash.manila_driver import backend as backend_mod
from tegile_intelliflash.manila_driver import errors
from tegile_intelliflash.manila_driver import protocols
from tegile_intelliflash.manila_driver import shares

LOG = log.getLogger(__name__)


def snapshot_share(snapshot):
    share = snapshot.get('share') or snapshot.get('share_instance')
    if share is None or not share.get('host'):
        raise exception.InvalidShareSnapshot(
            reason=_('snapshot %s carries no share') % snapshot['id'])
    return share


def _full_name(snapshot):
    location = snapshot.get('provider_location')
    if location:
        return location.split('@')[-1]
    return client_paths.share_snapshot_name(snapshot['name'])


def _snapshot_missing(share, ref, full, action):
    return lambda err: exception.ShareBackendException(
        msg=_('cannot %(action)s share %(id)s: snapshot %(path)s@%(snap)s'
              ' is not on the array') % {
            'action': action, 'id': share['id'], 'path': ref.path,
            'snap': full})


def create_snapshot(backend, snapshot):
    share = snapshot_share(snapshot)
    ref = backend.share_ref(share)
    with errors.translate(
            'create snapshot %s of share %s (%s)' % (snapshot['id'],
                                                     share['id'], ref.path),
            (client_errors.NotFoundError, errors.share_missing(share)),
            (client_errors.InvalidArgumentError,
             lambda err: exception.InvalidShareSnapshot(
                 reason=_('snapshot %(id)s: %(err)s') % {
                     'id': snapshot['id'], 'err': err}))):
        client_paths.validate_name(snapshot['name'], 'snapshot name')
        full = backend.client.create_snapshot(ref, snapshot['name'])
    LOG.info('Created snapshot %(snap)s of share %(id)s as '
             '%(path)s@%(full)s.', {'snap': snapshot['id'],
                                    'id': share['id'], 'path': ref.path,
                                    'full': full})
    return {'provider_location': full}


def delete_snapshot(backend, snapshot):
    share = snapshot_share(snapshot)
    full = _full_name(snapshot)
    try:
        ref = backend.share_ref(share)
    except exception.ShareResourceNotFound:
        return
    with errors.translate(
            'delete snapshot %s (%s@%s)' % (snapshot['id'], ref.path, full),
            (client_errors.NotFoundError, errors.IGNORE),
            (client_errors.InUseError,
             lambda err: exception.ShareSnapshotIsBusy(snapshot_name=full))):
        backend.client.delete_snapshot(ref, full,
                                       recursive=False, missing_ok=True)
    LOG.info('Deleted snapshot %(snap)s (%(path)s@%(full)s).',
             {'snap': snapshot['id'], 'path': ref.path, 'full': full})


def create_share_from_snapshot(backend, share, snapshot, parent_share=None):
    """Clone a snapshot; the clone's quota is the requested size."""
    protocol = protocols.of_share(share)
    size = backend_mod.size_bytes(share)
    props = backend_mod.type_properties(share)
    source_share = parent_share or snapshot_share(snapshot)
    source_ref = backend.share_ref(source_share)
    ref = backend.share_ref(share)
    backend_mod.validate_name(share, ref.name)
    if ref.pool != source_ref.pool:
        raise exception.InvalidShare(
            reason=_('share %(id)s: a share created from a snapshot lives '
                     'in the pool of its source (%(src)s), not in '
                     '%(pool)s') % {'id': share['id'],
                                    'src': source_ref.pool,
                                    'pool': ref.pool})
    if ref.project != source_ref.project:
        # The array clones a snapshot into its share's project: a share
        # outside a share group from a member's snapshot, or the reverse,
        # would be made where the driver never looks for it.
        raise exception.InvalidShare(
            reason=_('share %(id)s: a share created from a snapshot lives '
                     'in the project of its source (%(src)s), not in '
                     '%(project)s (share groups have projects of their '
                     'own)') % {'id': share['id'],
                                'src': source_ref.project,
                                'project': ref.project})
    full = _full_name(snapshot)
    with errors.translate(
            'clone %s@%s into share %s' % (source_ref.path, full,
                                           share['id']),
            (client_errors.NotFoundError,
             _snapshot_missing(share, source_ref, full, 'create')),
            (client_errors.AlreadyExistsError,
             lambda err: exception.ShareBackendException(
                 msg=_('cannot create share %(id)s: %(path)s already exists '
                       'on the array') % {'id': share['id'],
                                          'path': ref.path}))):
        backend.client.clone_snapshot(source_ref, full, ref.name,
                                      inherit=False)
    LOG.info('Cloned %(src)s@%(snap)s into %(path)s for share %(id)s.',
             {'src': source_ref.path, 'snap': full, 'path': ref.path,
              'id': share['id']})
    backend.private_storage.update(share['id'], {
        backend_mod.PD_CLONE_SOURCE: source_ref.name,
        backend_mod.PD_CLONE_SNAPSHOT: full,
    })
    return _clone_progress(backend, share, ref, protocol, size, props,
                           source_ref.name, full)


def _clone_progress(backend, share, ref, protocol, size, props, source, full,
                    first=True):
    """Finish a clone when the array says it is done.

    ``first``: called from create_share_from_snapshot (a failure to read the
    progress removes the clone); later calls (get_share_status) leave it,
    since Manila then puts the share in error and deletes it.
    """
    def abandon():
        backend.private_storage.delete(share['id'])
        backend.delete_quietly(ref, share['id'])

    try:
        with errors.translate('read the progress of clone %s' % ref.path):
            status = backend.client.get_clone_status(ref.child(source), full,
                                                     ref.name)
    except exception.ShareBackendException:
        if first:
            abandon()
        raise
    state = status.state
    if state == 'in_progress':
        LOG.info('Clone %(path)s of share %(id)s is in progress.',
                 {'path': ref.path, 'id': share['id']})
        return {'status': constants.STATUS_CREATING_FROM_SNAPSHOT}
    if state != 'success':
        abandon()
        raise exception.ShareBackendException(
            msg=_('the array failed to clone %(src)s@%(snap)s into share '
                  '%(id)s (state %(state)s)') % {
                'src': source, 'snap': full, 'id': share['id'],
                'state': state})
    locations = finish_clone(backend, share, ref, protocol, size, props,
                             abandon)
    backend.private_storage.delete(share['id'])
    return {'status': constants.STATUS_AVAILABLE,
            'export_locations': locations}


def finish_clone(backend, share, ref, protocol, size, props, abandon=None):
    """Give a finished clone its size (quota, and reservation when thick),
    the type's properties and closed access; its export locations. A
    failure calls ``abandon()`` first, when given (a share group's clones
    are removed by the group's creation instead)."""
    with errors.undo_on_failure(
            'set up clone %s for share %s' % (ref.path, share['id']),
            abandon,
            (client_errors.NoSpaceError,
             lambda err: exception.ShareBackendException(
                 msg=_('share %(id)s: pool %(pool)s has not enough free '
                       'space to reserve %(size)s GiB (%(err)s)') % {
                     'id': share['id'], 'pool': ref.pool,
                     'size': share['size'], 'err': err})),
            (client_errors.QuotaError,
             lambda err: exception.ShareBackendException(
                 msg=_('share %(id)s: the snapshot holds more data than the '
                       'requested %(size)s GiB (%(err)s)') % {
                     'id': share['id'], 'size': share['size'],
                     'err': err}))):
        backend.client.set_share_quota(ref, size)
        if props.get(backend_mod.THICK):
            backend.client.set_share_reservation(ref, size)
        locations = shares.finish_new_share(backend, ref, protocol, props)
    backend.allocated.set(ref, size)
    return locations


def get_share_status(backend, share):
    """Progress of a share created asynchronously from a snapshot."""
    if share.get('status') == constants.STATUS_CREATING_FROM_SNAPSHOT:
        source = backend.private_storage.get(share['id'],
                                             backend_mod.PD_CLONE_SOURCE)
        full = backend.private_storage.get(share['id'],
                                           backend_mod.PD_CLONE_SNAPSHOT)
        if not (source and full):
            raise exception.ShareBackendException(
                msg=_('share %s: no record of the clone in progress')
                % share['id'])
        ref = backend.share_ref(share)
        return _clone_progress(
            backend, share, ref, protocols.of_share(share),
            backend_mod.size_bytes(share), backend_mod.type_properties(share),
            source, full, first=False)
    # Reverts are synchronous: nothing is pending.
    ref = backend.share_ref(share)
    with errors.translate('read share %s' % share['id'],
                          (client_errors.NotFoundError,
                           errors.share_missing(share))):
        locations = protocols.of_share(share).export_locations(backend, ref)
    return {'status': constants.STATUS_AVAILABLE,
            'export_locations': locations}


def revert_to_snapshot(backend, snapshot):
    """Roll the share back; snapshots newer than the target stop it.

    Manila only reverts to a share's latest Manila snapshot, so a newer
    snapshot on the array was made outside Manila (an array schedule or an
    administrator). It is never destroyed: the revert fails and names it.

    Manila sets the share's size to the snapshot's, larger than the share
    when it was shrunk since: its data may then not fit under the quota of
    now, and the array refuses such a rollback (as ZFS refuses one beyond
    ``refquota``, docs/protocol-choices.md C14), so the share grows first
    (its limits are put back when the rollback fails); a smaller size is
    set after the rollback, once the data is the snapshot's.
    """
    share = snapshot_share(snapshot)
    ref = backend.share_ref(share)
    full = _full_name(snapshot)
    snap_size = snapshot.get('size') or share.get('size')
    size = int(snap_size) * client_sizes.GiB if snap_size else None
    what = ('set the quota of share %s to %s GiB for its revert' %
            (share['id'], snap_size))
    info = None
    if size:
        with errors.translate('read share %s for its revert' % share['id'],
                              (client_errors.NotFoundError,
                               errors.share_missing(share))):
            info = backend.client.get_share(ref)
    grow = bool(info and info.quota_bytes and size > info.quota_bytes)
    if grow:
        with errors.translate(what, shares.partly_resized(what)):
            backend.set_size(ref, size, info)
    try:
        _rollback(backend, share, snapshot, ref, full)
    except Exception:
        if grow:
            _limits_back(backend, ref, size, info)
        raise
    if size:
        if not grow:
            # The data is the snapshot's now: a failure here leaves the
            # size to set, and says that the rollback is done.
            what = ('set the quota of share %s to %s GiB after it was '
                    'reverted to snapshot %s (its data is the snapshot\'s)'
                    % (share['id'], snap_size, snapshot['id']))
            with errors.translate(what, shares.partly_resized(what)):
                backend.set_size(ref, size, info)
        backend.allocated.set(ref, size)
    LOG.info('Reverted share %(id)s to snapshot %(snap)s.',
             {'id': share['id'], 'snap': snapshot['id']})


def _rollback(backend, share, snapshot, ref, full):
    def newer_exist(err):
        newer = _newer_snapshots(backend, ref, full)
        # A share group snapshot taken since is Manila's own: the admin
        # deletes it in Manila, not on the array.
        group_ids = [backend_mod.group_snapshot_id(name) for name in newer]
        others = [name for name, group_id in zip(newer, group_ids)
                  if not group_id]
        reasons = []
        if any(group_ids):
            reasons.append(
                _('share group snapshots %s were taken since; delete them '
                  'in Manila first') %
                ', '.join(group_id for group_id in group_ids if group_id))
        if others or not newer:
            reasons.append(
                _('the array holds newer snapshots that a revert would '
                  'destroy (%s); remove them on the array first') %
                (', '.join(others) or _('unknown')))
        return exception.ShareBackendException(
            msg=_('cannot revert share %(id)s to snapshot %(snap)s: '
                  '%(why)s') % {'id': share['id'], 'snap': snapshot['id'],
                                'why': '; '.join(reasons)})

    with errors.translate(
            'revert share %s to %s@%s' % (share['id'], ref.path, full),
            (client_errors.InUseError, newer_exist),
            (client_errors.NotFoundError,
             _snapshot_missing(share, ref, full, 'revert'))):
        backend.client.rollback_snapshot(ref, full, delete_dependents=False)


def _limits_back(backend, ref, size, before):
    """Put back the limits ``before`` (a ShareInfo) of a share grown to
    ``size`` bytes for a revert that failed; never raises (the failure is
    the revert's)."""
    plan = client_limits.plan_limits(
        ref.path, size, size if before.thick else before.reservation_bytes,
        0, want_quota=before.quota_bytes,
        want_reservation=before.reservation_bytes if before.thick else None)
    try:
        # All or nothing: a rollback that ran despite its error (a lost
        # reply) brought data the old quota refuses; a thick share's
        # reservation, lowered first, then goes back up with it.
        client_limits.apply_limits(backend.client, plan, ref, log=LOG,
                                   undo_on=(client_errors.QuotaError,))
    except (client_errors.IntelliFlashError, client_limits.LimitError) as err:
        LOG.error('Could not put the quota of %(path)s back to %(quota)s '
                  'bytes after a failed revert: %(err)s',
                  {'path': ref.path, 'quota': before.quota_bytes,
                   'err': err})


def _newer_snapshots(backend, ref, full):
    try:
        names = [snap.full_name for snap in
                 backend.client.list_snapshots(ref)]
    except client_errors.IntelliFlashError:
        return []
    if full not in names:
        return []
    return names[names.index(full) + 1:]
