# SPDX-License-Identifier: Apache-2.0
"""Share life cycle: create, delete, resize, and ensure at start-up.

A new share has both sharing settings of its own, whatever its project says,
and no access: an NFS share is not exported until its first rule, a CIFS
share is exported with nobody allowed (see protocols/base.py).
"""

from oslo_log import log

from manila.common import constants
from manila import exception
from manila.i18n import _

from tegile_intelliflash.client import errors as client_errors
from tegile_intelliflash.client import failures as client_failures
from tegile_intelliflash.client import limits as client_limits
from tegile_intelliflash.manila_driver import backend as backend_mod
from tegile_intelliflash.manila_driver import errors
from tegile_intelliflash.manila_driver import protocols

LOG = log.getLogger(__name__)


def _already_exists(share, ref):
    return lambda err: exception.ShareBackendException(
        msg=_('cannot create share %(id)s: %(path)s already exists on the '
              'array') % {'id': share['id'], 'path': ref.path})


def finish_new_share(backend, ref, protocol, props):
    """Pin the type's properties, close the share and return its export
    locations (a new share, or a finished clone)."""
    backend.apply_type_properties(ref, props)
    info = protocol.close_new_share(backend, ref, protocols.other(protocol))
    return protocol.export_locations(backend, ref, info)


def _create_on_array(backend, share, ref, size, props):
    """createShare with the quota (and the reservation of a thick share).

    The back end's project is checked once per pool (set-up does it); when
    it is gone since, the array refuses the creation (nothing written), the
    project is made again and the creation sent once more.
    """
    unchecked = False
    if ref.project == backend.project:
        # A share group's project is made with the group (groups.py).
        unchecked = ref.pool in backend.projects
        backend.ensure_project(ref.pool, known=True)

    def project_gone(err):
        if not unchecked:
            return errors.project_missing(share, ref)(err)
        backend.forget_project(ref.pool)
        return errors.IGNORE

    for attempt in (1, 2):
        with errors.translate(
                'create share %s (%s)' % (share['id'], ref.path),
                (client_errors.AlreadyExistsError,
                 _already_exists(share, ref)),
                (client_errors.NotFoundError,
                 project_gone if attempt == 1 else
                 errors.project_missing(share, ref)),
                (client_errors.NoSpaceError,
                 lambda err: exception.ShareBackendException(
                     msg=_('cannot create share %(id)s in pool %(pool)s: '
                           '%(err)s') % {'id': share['id'], 'pool': ref.pool,
                                         'err': err}))):
            backend.client.create_share(
                ref, quota=size,
                reservation=size if props.get(backend_mod.THICK) else None)
            return
        LOG.warning('Project %(project)s of pool %(pool)s is gone; making '
                    'it again.', {'project': ref.project, 'pool': ref.pool})
        backend.ensure_project(ref.pool)


def create_share(backend, share):
    """Create a share whose quota is the requested size."""
    protocol = protocols.of_share(share)
    size = backend_mod.size_bytes(share)
    ref = backend.share_ref(share)
    backend_mod.validate_name(share, ref.name)
    props = backend_mod.type_properties(share)
    _create_on_array(backend, share, ref, size, props)
    with errors.undo_on_failure(
            'set up share %s (%s)' % (share['id'], ref.path),
            lambda: backend.delete_quietly(ref, share['id'])):
        locations = finish_new_share(backend, ref, protocol, props)
    backend.allocated.set(ref, size)
    LOG.info('Created share %(id)s as %(path)s (%(size)s GiB, %(proto)s).',
             {'id': share['id'], 'path': ref.path,
              'size': share['size'], 'proto': protocol.name})
    return locations


def delete_share(backend, share):
    """Delete a share; a share already gone is a success."""
    try:
        ref = backend.share_ref(share)
    except exception.ShareResourceNotFound:
        LOG.info('Share %s is not on the array; nothing to delete.',
                 share['id'])
        return
    what = 'delete share %s (%s)' % (share['id'], ref.path)

    def delete():
        # errorIfNotExist: the array refuses to delete a share with
        # snapshots unless told to (in_use below).
        backend.client.delete_share(ref, recursive=False, missing_ok=False)

    def in_use(err):
        # Snapshots Manila does not know (array schedules, admins). They go
        # with the share; one with a clone depending on it stops us.
        _delete_foreign_snapshots(backend, share, ref)
        with errors.translate(what,
                              (client_errors.NotFoundError, errors.IGNORE)):
            delete()
        return errors.IGNORE

    with errors.translate(what, (client_errors.NotFoundError, errors.IGNORE),
                          (client_errors.InUseError, in_use)):
        delete()
    # Gone, or never there (a creation that failed): it holds nothing.
    backend.allocated.remove(ref)
    backend.private_storage.delete(share['id'])
    LOG.info('Deleted share %(id)s (%(path)s).',
             {'id': share['id'], 'path': ref.path})


def _delete_foreign_snapshots(backend, share, ref):
    with errors.translate('list snapshots of %s' % ref.path):
        names = [snap.full_name for snap in
                 backend.client.list_snapshots(ref)]
    for name in names:
        with errors.translate(
                'delete snapshot %s@%s of share %s' % (ref.path, name,
                                                       share['id']),
                (client_errors.InUseError,
                 lambda err, name=name: exception.ShareBackendException(
                     msg=_('cannot delete share %(id)s: its snapshot '
                           '%(path)s@%(snap)s has dependent clones on the '
                           'array') % {'id': share['id'], 'path': ref.path,
                                       'snap': name}))):
            backend.client.delete_snapshot(ref, name, recursive=False,
                                           missing_ok=True)


def resize(backend, share, new_size, shrink=False):
    """Set the share's quota (and its reservation when thick); a shrink
    never goes below the space in use."""
    size = backend_mod.size_bytes(share, new_size)
    ref = backend.share_ref(share)
    what = 'resize share %s (%s) to %s GiB' % (share['id'], ref.path,
                                               new_size)

    def data_loss(err):
        if shrink:
            return exception.ShareShrinkingPossibleDataLoss(
                share_id=share['id'])
        return errors.DEFAULT

    with errors.translate(
            what, (client_errors.QuotaError, data_loss),
            partly_resized(what),
            (client_errors.NoSpaceError,
             lambda err: exception.ShareBackendException(
                 msg=_('cannot resize share %(id)s to %(size)s GiB: pool '
                       '%(pool)s has not enough free space to reserve it '
                       '(%(err)s)') % {'id': share['id'], 'size': new_size,
                                       'pool': ref.pool, 'err': err})),
            (client_errors.NotFoundError, errors.share_missing(share))):
        if not _resize_as_known(backend, share, ref, size):
            _resize_as_read(backend, share, ref, size, new_size, shrink)
    backend.allocated.set(ref, size)
    LOG.info('Share %(id)s now has a quota of %(size)s GiB.',
             {'id': share['id'], 'size': new_size})


def partly_resized(what):
    """The :class:`errors.translate` mapping of a limits write of unknown
    outcome that names its limit and the writes done before it
    (:func:`_partly_resized`)."""
    return (client_errors.OutcomeUnknownError,
            lambda err: _partly_resized(what, err))


def _partly_resized(what, err):
    """The error of a resize whose write has an unknown outcome
    (client_failures.limits_left): it names the limit whose change is
    unknown and what was set before it, so that the operator knows the
    share's state. An earlier write is kept, not put back: the write whose
    outcome is unknown may still run on the array, and a blind undo could
    cross it (e.g. a quota lowered again under a reservation that then
    lands); either way the order of the plan keeps the reservation under the
    quota, and resizing again converges."""
    left = client_failures.limits_left(err)
    if not left:
        return errors.DEFAULT
    return errors.backend_error(what, '%s: %s' % (left, err))


def _resize_as_read(backend, share, ref, size, new_size, shrink):
    info = backend.client.get_share(ref)
    if shrink and info.used_bytes > size:
        LOG.warning('Refusing to shrink share %(id)s to %(new)s GiB: %(used)s '
                    'bytes are in use.', {'id': share['id'], 'new': new_size,
                                          'used': info.used_bytes})
        raise exception.ShareShrinkingPossibleDataLoss(share_id=share['id'])
    backend.set_size(ref, size, info)


def _resize_as_known(backend, share, ref, size):
    """Resize without reading the share when the driver knows its limits
    (:func:`backend.known_limits`); whether it did: not when it does not
    know them, nor when the array refused (a shrink below the space in use,
    limits changed on the array): the writes done are undone and the caller
    reads the share.

    The space in use is not read before a shrink: the array refuses a quota
    below it (C7), which is the check; only then is the share read, to say
    why.
    """
    known = backend_mod.known_limits(share, backend.private_storage)
    if known is None:
        return False
    quota, reservation = known
    plan = client_limits.plan_limits(
        ref.path, quota, reservation, 0, want_quota=size,
        want_reservation=size if reservation else None)
    if not plan.writes:
        # Manila resizes to another size: this one is what the driver
        # believes the share has already, so its belief is wrong.
        return False
    try:
        client_limits.apply_limits(backend.client, plan, ref, log=LOG,
                                   undo_on=backend_mod.NOT_RUN)
    except client_errors.QuotaError:
        return False
    return True


def ensure_shares(backend, shares):
    """Export locations of every share; error for shares gone.

    Every share gets an entry, even one that could not be checked (see
    TegileShareDriver.ensure_shares); once the array is unreachable the
    remaining shares are not tried.
    """
    updates = {}
    array_down = False
    for share in shares:
        if array_down:
            updates[share['id']] = {}
            continue
        try:
            update = _ensure_one(backend, share)
        except errors.ARRAY_DOWN as err:
            array_down = True
            LOG.error('Could not ensure share %(id)s nor the %(n)d '
                      'shares after it: the array is unusable (%(err)s). '
                      'They keep their status and export locations.',
                      {'id': share['id'], 'err': err,
                       'n': len(shares) - len(updates) - 1})
            update = {}
        except Exception as err:  # pylint: disable=broad-except
            LOG.error('Could not ensure share %(id)s: %(err)s',
                      {'id': share['id'], 'err': err})
            update = {}
        updates[share['id']] = update
    return updates


def _ensure_one(backend, share):
    client = backend.client
    try:
        protocol = protocols.of_share(share)
        ref = backend.share_ref(share)
        # Recorded: the first count of its pool need not read it again.
        info = backend.read_share(ref)
    except (exception.ShareResourceNotFound, client_errors.NotFoundError):
        LOG.error('Share %s is not on the array any more.', share['id'])
        return {'status': constants.STATUS_ERROR}
    except exception.InvalidShare as err:
        LOG.error('Share %(id)s: %(err)s', {'id': share['id'], 'err': err})
        return {'status': constants.STATUS_ERROR}
    other = protocols.other(protocol)
    reapply = False
    current = info
    # Checked on the share's own settings, not the effective ones: a setting
    # inherited from the project changes when the project does (e.g. a CIFS
    # share NFS-exported once the project turns NFS on).
    closed = protocol.left_unexported(info)
    if not closed and not info.sets_sharing(protocol.wire, True):
        LOG.warning('Share %(id)s is not exported over %(p)s by a setting '
                    'of its own; exporting it again.',
                    {'id': share['id'], 'p': protocol.name})
        protocol.prepare_access(client, ref, other)
        reapply = True
        current = None
    elif not info.sets_sharing(other.wire, False):
        LOG.warning('Share %(id)s does not turn %(other)s off by a setting '
                    'of its own (it follows its project); turning it off on '
                    'the share.',
                    {'id': share['id'], 'other': other.wire.upper()})
        other.set_sharing(client, ref, False)
    if closed:
        # Not exported (a share without rules since its creation, or one
        # turned off on the array): nobody can reach it, nothing to repair.
        # Manila applies its rules again, if it holds any: the first 'ip'
        # one exports the share.
        LOG.info('Share %(id)s is not exported over %(p)s (off by a setting '
                 'of its own): closed; asking Manila to apply its rules.',
                 {'id': share['id'], 'p': protocol.name})
        reapply = True
    elif not reapply and protocol.is_open_to_all(client, ref):
        LOG.warning('Share %s is exported to every host (empty NFS access '
                    'list); asking Manila to apply its rules.', share['id'])
        reapply = True
    if not info.quota_bytes and share.get('size'):
        size = backend_mod.size_bytes(share)
        try:
            with backend.allocated.writing(ref):
                backend.set_size(ref, size, info)
            backend.allocated.set(ref, size)
            LOG.info('Share %(id)s had no quota; it is now its size, '
                     '%(size)s GiB.', {'id': share['id'],
                                       'size': share['size']})
        except client_errors.QuotaError as err:
            LOG.warning('Share %(id)s has no quota and holds more than its '
                        'size (%(size)s GiB); left without quota: %(err)s',
                        {'id': share['id'], 'size': share['size'],
                         'err': err})
        except client_errors.OutcomeUnknownError as err:
            what = ('give share %s a quota of its size, %s GiB' %
                    (share['id'], share['size']))
            raise _partly_resized(what, err) or err
    return {
        'export_locations': protocol.export_locations(backend, ref,
                                                      current),
        'status': constants.STATUS_AVAILABLE,
        'reapply_access_rules': reapply,
    }
