# SPDX-License-Identifier: Apache-2.0
"""Share groups and consistent share group snapshots.

The shares of a share group live in an array project of their own,
``<backend project>-sg-<share group id>`` (backend.group_project), so that
one project snapshot captures every member at one instant. The layout and
its reasons are in docs/protocol-choices.md ("Share groups"):

* the group's project is created with the group, with the data settings of
  the back end's project (compression, dedup, record size, caches, ...), in
  the group's pool, or in every pool when Manila does not say which (its
  share manager hands the driver the back end's host, without the pool);
* a group snapshot is one project snapshot (``Manual-P-<name>``); each member
  snapshot is that snapshot's part on the member share;
* a group made from a group snapshot is one project clone of it: the new
  project holds a clone of every member under the member's array name, which
  the new share records in Manila's private data (as a managed share does).
"""

from oslo_log import log
from oslo_utils import uuidutils

from manila.common import constants
from manila import exception
from manila.i18n import _

from tegile_intelliflash.client import errors as client_errors
from tegile_intelliflash.client import paths as client_paths
from tegile_intelliflash.client import views as client_views
from tegile_intelliflash.manila_driver import backend as backend_mod
from tegile_intelliflash.manila_driver import errors
from tegile_intelliflash.manila_driver import protocols
from tegile_intelliflash.manila_driver import snapshots

LOG = log.getLogger(__name__)

#: Scope of consistent group snapshots: every member of a group is in the
#: group's pool, and a project snapshot is taken at one instant.
CONSISTENT_SNAPSHOT_SUPPORT = 'pool'

#: Seconds a group from a group snapshot waits for the array's project
#: clone, and between two reads of its progress.
GROUP_CLONE_TIMEOUT = 600
GROUP_CLONE_POLL = 2


def snapshot_name(group_snapshot_id):
    """The project snapshot name (without its ``Manual-P-`` prefix)."""
    return backend_mod.GROUP_SNAPSHOT_PREFIX + group_snapshot_id


def project_name(backend, group_id):
    """The group's project name; InvalidShareGroup when the array would
    refuse it (a very long tegile_default_project)."""
    name = backend_mod.group_project(backend.project, group_id)
    try:
        client_paths.validate_name(name, 'share group project')
    except client_errors.InvalidArgumentError as err:
        raise exception.InvalidShareGroup(
            reason=_('share group %(id)s: %(err)s') % {'id': group_id,
                                                       'err': err})
    return name


def is_group_project(backend, name):
    """Whether ``name`` is the project of one of this back end's groups:
    the prefix followed by a group id (a UUID). Not any name the prefix
    starts: another back end on the array may have a project named so
    (``manila-sg-east`` beside ``manila``)."""
    prefix = backend_mod.group_project(backend.project, '')
    return bool(name) and name.startswith(prefix) and \
        uuidutils.is_uuid_like(name[len(prefix):])


def _group_pools(backend, group):
    pool = backend_mod.pool_of(group)
    if pool:
        return [pool]
    return [item.name for item in backend.list_pools()]


def _member_pool(group_id, shares):
    """The one pool of a group's shares (Manila places them together)."""
    pools = set(backend_mod.pool_of(share) for share in shares)
    if len(pools) != 1 or None in pools:
        raise exception.InvalidShareGroup(
            reason=_('share group %(id)s: its shares are not in one pool '
                     '(%(pools)s)') % {'id': group_id,
                                       'pools': ', '.join(sorted(
                                           str(p) for p in pools))})
    return pools.pop()


def _project_gone(group_id, pool, project):
    return lambda err: exception.ShareBackendException(
        msg=_('share group %(id)s: its project %(pool)s/%(project)s is not '
              'on the array (removed outside Manila?)') % {
            'id': group_id, 'pool': pool, 'project': project})


def inherited_settings(backend, pool):
    """The settings of the back end's project in ``pool`` that a group's
    project takes: its data settings (what its shares inherit; none when
    it is missing: it is created then, with the array's defaults, which a
    new group project has too). Not the quota (the back end project's quota
    bounds the shares in it, not the groups'), nor the mount point, sharing
    state or network ACLs (every share sets its own access)."""
    with errors.translate('read project %s/%s' % (pool, backend.project)):
        info = backend.client.find_project(
            client_paths.project_ref(pool, backend.project))
    if info is None:
        backend.ensure_project(pool)
        return {}
    return info.data_settings()


# ----------------------------------------------------------------------
# Groups
# ----------------------------------------------------------------------

def create_share_group(backend, group):
    """Create the group's project (in every pool when the host names
    none); one left by an earlier attempt is taken as it is.

    When one pool fails, the projects this call made in the pools before
    it are deleted again (only those, and only while empty: a project that
    was there before is never touched), then the failure is raised. A
    project whose creation has an unknown outcome is not deleted (the array
    may still make it after the deletion); deleting the group removes it.
    """
    name = project_name(backend, group['id'])
    backend.record_group_project(group['id'])
    created = []
    try:
        for pool in _group_pools(backend, group):
            settings = inherited_settings(backend, pool)
            with errors.translate(
                    'create project %s/%s for share group %s' % (
                        pool, name, group['id']),
                    (client_errors.AlreadyExistsError, errors.IGNORE)):
                backend.client.create_project(
                    client_paths.project_ref(pool, name), settings)
                created.append(pool)
                LOG.info('Created project %(pool)s/%(project)s for share '
                         'group %(id)s.', {'pool': pool, 'project': name,
                                           'id': group['id']})
    except Exception:
        # Each one that cannot go is logged, named; the failure is raised.
        for pool in reversed(created):
            _remove_project(backend, group['id'], pool, name)
        raise
    return None


def _remove_project(backend, group_id, pool, project):
    """Delete a project made for a share group whose creation failed
    (never one holding shares: the array refuses); whether it is gone.
    Never raises."""
    try:
        backend.client.delete_project(client_paths.project_ref(pool, project),
                                      missing_ok=True)
    except client_errors.IntelliFlashError as err:
        LOG.error('Could not remove project %(pool)s/%(project)s after the '
                  'failed creation of share group %(id)s; remove it by '
                  'hand: %(err)s', {'pool': pool, 'project': project,
                                    'id': group_id, 'err': err})
        return False
    return True


def delete_share_group(backend, group):
    """Delete the group's project wherever it is; one already gone is a
    success, one still holding shares is an error naming them."""
    name = project_name(backend, group['id'])
    for pool in _group_pools(backend, group):

        def in_use(err, pool=pool):
            with errors.translate('list the shares of %s/%s' % (pool, name)):
                left = [item.name for item in backend.client.list_shares(
                    client_paths.project_ref(pool, name))]
            return exception.ShareBackendException(
                msg=_('cannot delete share group %(id)s: its project '
                      '%(pool)s/%(project)s still holds shares unknown to '
                      'the group (%(shares)s)') % {
                    'id': group['id'], 'pool': pool, 'project': name,
                    'shares': ', '.join(left) or _('snapshots with clones')})

        with errors.translate(
                'delete project %s/%s of share group %s' % (pool, name,
                                                            group['id']),
                (client_errors.InUseError, in_use)):
            deleted = backend.client.delete_project(
                client_paths.project_ref(pool, name), missing_ok=True)
        if deleted:
            LOG.info('Deleted project %(pool)s/%(project)s of share group '
                     '%(id)s.', {'pool': pool, 'project': name,
                                 'id': group['id']})
    # Once every pool's project is gone: a deletion that fails in one pool
    # is tried again as the deletion of a group with projects.
    backend.forget_group(group['id'])
    return None


# ----------------------------------------------------------------------
# Group snapshots
# ----------------------------------------------------------------------

def _member_shares(snap):
    return [member['share'] for member in
            snap.get('share_group_snapshot_members') or []]


def create_share_group_snapshot(backend, snap):
    """One project snapshot; every member gets its part as
    provider_location. Nothing is left behind when it fails."""
    members = snap.get('share_group_snapshot_members') or []
    if not members:
        LOG.warning('Share group snapshot %s: the group has no shares; '
                    'nothing to snapshot.', snap['id'])
        return None, None
    group_id = snap['share_group_id']
    pool = _member_pool(group_id, _member_shares(snap))
    project = project_name(backend, group_id)
    name = snapshot_name(snap['id'])
    full = client_paths.snapshot_name(name, None)

    def remove_partial():
        try:
            backend.client.delete_snapshot(
                client_paths.project_ref(pool, project), full,
                recursive=False, missing_ok=True)
        except client_errors.IntelliFlashError as err:
            LOG.error('Could not remove the failed group snapshot '
                      '%(pool)s/%(project)s@%(full)s; remove it by hand: '
                      '%(err)s', {'pool': pool, 'project': project,
                                  'full': full, 'err': err})

    with errors.undo_on_failure(
            'snapshot share group %s (%s/%s)' % (group_id, pool, project),
            remove_partial,
            (client_errors.NotFoundError,
             _project_gone(group_id, pool, project))):
        try:
            full = backend.client.create_snapshot(
                client_paths.project_ref(pool, project), name)
        except client_errors.OutcomeUnknownError:
            # The deletion below may come before the array takes it; the
            # name is the group snapshot's, which its deletion removes.
            LOG.error('Share group snapshot %(snap)s: the array may still '
                      'take %(path)s@%(full)s; deleting the group snapshot '
                      'in Manila removes it.',
                      {'snap': snap['id'], 'full': full,
                       'path': client_paths.project_ref(pool, project).path})
            raise
    LOG.info('Created share group snapshot %(snap)s as '
             '%(pool)s/%(project)s@%(full)s (%(n)d shares).',
             {'snap': snap['id'], 'pool': pool, 'project': project,
              'full': full, 'n': len(members)})
    return None, [{'id': member['id'], 'provider_location': full,
                   'status': constants.STATUS_AVAILABLE}
                  for member in members]


def _full_name(snap):
    for member in snap.get('share_group_snapshot_members') or []:
        if member.get('provider_location'):
            return member['provider_location'].split('@')[-1]
    return client_paths.snapshot_name(snapshot_name(snap['id']), None)


def delete_share_group_snapshot(backend, snap):
    """Delete the project snapshot (its parts go with it); one already gone
    is a success, one a group was cloned from is busy."""
    members = snap.get('share_group_snapshot_members') or []
    if not members:
        return None, None
    group_id = snap['share_group_id']
    pool = _member_pool(group_id, _member_shares(snap))
    project = project_name(backend, group_id)
    full = _full_name(snap)
    with errors.translate(
            'delete share group snapshot %s (%s/%s@%s)' % (
                snap['id'], pool, project, full),
            (client_errors.NotFoundError, errors.IGNORE),
            (client_errors.InUseError,
             lambda err: exception.ShareBackendException(
                 msg=_('cannot delete share group snapshot %(id)s: share '
                       'groups created from it depend on it on the array '
                       '(%(err)s); delete them first') % {
                     'id': snap['id'], 'err': err}))):
        backend.client.delete_snapshot(
            client_paths.project_ref(pool, project), full, recursive=False,
            missing_ok=True)
    LOG.info('Deleted share group snapshot %(snap)s (%(pool)s/%(project)s@'
             '%(full)s).', {'snap': snap['id'], 'pool': pool,
                            'project': project, 'full': full})
    return None, None


# ----------------------------------------------------------------------
# A group from a group snapshot
# ----------------------------------------------------------------------

def _pair_members(group, snap):
    """(new share, source share instance) pairs."""
    members = dict((member['id'], member) for member in
                   snap.get('share_group_snapshot_members') or [])
    pairs = []
    for share in group.get('shares') or []:
        member = members.get(
            share.get('source_share_group_snapshot_member_id'))
        if member is None:
            raise exception.InvalidShareGroup(
                reason=_('share %(share)s of share group %(id)s has no '
                         'member in share group snapshot %(snap)s') % {
                    'share': share['id'], 'id': group['id'],
                    'snap': snap['id']})
        pairs.append((share, member['share']))
    return pairs


def create_share_group_from_share_group_snapshot(backend, group, snap):
    """Clone the group snapshot's project snapshot into the new group's
    project; each new share is the clone of its source member, with its own
    size, type properties and closed access."""
    if not snap.get('share_group_snapshot_members'):
        create_share_group(backend, group)
        return None, None
    pairs = _pair_members(group, snap)
    source_group = snap['share_group_id']
    pool = _member_pool(source_group, [source for _new, source in pairs] +
                        [share for share, _source in pairs])
    source_project = project_name(backend, source_group)
    project = project_name(backend, group['id'])
    full = _full_name(snap)
    # The clones: what they hold is unknown when the clone or their set-up
    # fails (allocation.py; each is read again at the next refresh).
    with backend.allocated.writing(*[
            client_paths.share_ref(pool, project, backend.array_name(source))
            for _share, source in pairs]):
        return _clone_group(backend, group, pairs, pool, source_project,
                            project, full)


def _clone_group(backend, group, pairs, pool, source_project, project,
                 full):
    backend.record_group_project(group['id'])
    # Each clone keeps its source's array name. Recorded before the clone:
    # when its reply is lost the clones may exist (now, or once the array
    # finishes), and deleting the group's shares must find them (then the
    # group's project can go).
    for share, source in pairs:
        backend.private_storage.update(share['id'], {
            backend_mod.PD_ARRAY_NAME: backend.array_name(source)})
    with errors.translate(
            'clone %s/%s@%s into share group %s' % (pool, source_project,
                                                    full, group['id']),
            (client_errors.NotFoundError,
             lambda err: exception.ShareBackendException(
                 msg=_('cannot create share group %(id)s: snapshot '
                       '%(pool)s/%(project)s@%(full)s is not on the array') %
                 {'id': group['id'], 'pool': pool, 'project': source_project,
                  'full': full}))):
        # Not inheriting: no host that reaches a source share reaches its
        # clone before the clone's access is set; the project takes the
        # back end project's settings once the clone is done.
        try:
            backend.client.clone_project_snapshot(
                client_paths.project_ref(pool, source_project), full,
                project, inherit=False)
        except client_errors.OutcomeUnknownError:
            LOG.error('Share group %(id)s: the clone into project '
                      '%(pool)s/%(project)s may still be made by the array; '
                      'deleting the group\'s shares, then the group, removes '
                      'it.', {'id': group['id'], 'pool': pool,
                              'project': project})
            raise
        except Exception:
            for share, _source in pairs:  # nothing was cloned
                backend.private_storage.delete(share['id'])
            raise
    LOG.info('Cloned %(pool)s/%(src)s@%(full)s into project %(project)s for '
             'share group %(id)s.', {'pool': pool, 'src': source_project,
                                     'full': full, 'project': project,
                                     'id': group['id']})
    with errors.undo_on_failure(
            'set up project %s/%s of share group %s' % (pool, project,
                                                        group['id']),
            lambda: _abandon_group_clone(backend, group, pool, project,
                                         pairs)):
        _finish_group_clone(backend, group['id'], pool, source_project, full,
                            project)
        updates = [dict(_finish_member(backend, share), id=share['id'])
                   for share, _source in pairs]
    return None, updates


def _finish_group_clone(backend, group_id, pool, source_project, full,
                        project):
    """Wait until the project clone is done (at most GROUP_CLONE_TIMEOUT
    seconds): Manila's share manager marks every share of the new group
    available when the call returns, whatever status it answers, and
    never asks get_share_status about them. The project then takes the
    back end project's settings."""
    def verdict(err):
        status = getattr(err, 'reply', None)
        if not isinstance(status, client_views.CloneStatus):
            return errors.DEFAULT  # the progress could not be read
        if status.state == 'in_progress':
            return exception.ShareBackendException(
                msg=_('share group %(id)s: the array did not finish the '
                      'clone into project %(pool)s/%(project)s within '
                      '%(timeout)s seconds') % {
                    'id': group_id, 'pool': pool, 'project': project,
                    'timeout': GROUP_CLONE_TIMEOUT})
        return exception.ShareBackendException(
            msg=_('the array failed to clone %(project)s@%(snap)s into '
                  'project %(target)s of share group %(id)s (state '
                  '%(state)s)') % {'project': source_project, 'snap': full,
                                   'target': project, 'id': group_id,
                                   'state': status.state})

    LOG.info('Waiting (at most %(timeout)s s) for the clone into project '
             '%(pool)s/%(project)s of share group %(id)s.',
             {'timeout': GROUP_CLONE_TIMEOUT, 'pool': pool,
              'project': project, 'id': group_id})
    with errors.translate('read the progress of clone %s/%s' % (pool,
                                                                project),
                          (client_errors.IntelliFlashError, verdict)):
        backend.client.wait_for_clone(
            client_paths.project_ref(pool, source_project), full, project,
            poll_interval=GROUP_CLONE_POLL, wait_timeout=GROUP_CLONE_TIMEOUT)
    settings = inherited_settings(backend, pool)
    if settings:
        with errors.translate('set the settings of project %s/%s' % (
                pool, project)):
            backend.client.modify_project(
                client_paths.project_ref(pool, project), settings)


def _abandon_group_clone(backend, group, pool, project, pairs):
    """Remove the new group's project and its clones; never raises."""
    for share, _source in pairs:
        backend.delete_quietly(backend.share_ref(share, pool), share['id'])
        backend.private_storage.delete(share['id'])
    if _remove_project(backend, group['id'], pool, project):
        backend.forget_group(group['id'])


def _finish_member(backend, share):
    """Size, type properties and closed access for a share cloned with its
    group; its update for Manila (the group's creation cleans up after a
    failure)."""
    ref = backend.share_ref(share)
    locations = snapshots.finish_clone(
        backend, share, ref, protocols.of_share(share),
        backend_mod.size_bytes(share), backend_mod.type_properties(share))
    return {'status': constants.STATUS_AVAILABLE,
            'export_locations': locations}


# ----------------------------------------------------------------------
# What other operations need to know
# ----------------------------------------------------------------------

def has_project(backend, operation, payload):
    """Whether ``operation`` (a share group entry point's name, called
    with ``payload``) is for a group with an array project of its own. Not
    for a group made before the driver had share groups (1.1.0 and older:
    Manila's generic groups, the shares in the back end's project, a group
    snapshot one snapshot per share, docs/operator-guide.md "Upgrading"):
    Manila's generic implementation serves it, as it did then. A new group
    always has one (its creation records it)."""
    if operation == 'create_share_group':
        return True
    group_id = payload[-1].get('share_group_id') \
        if operation.endswith('snapshot') else payload[0]['id']
    return backend.group_has_project(group_id)


def refuse_unmanage(share):
    """Members stay with their group: their project belongs to it."""
    if share.get('share_group_id'):
        raise exception.InvalidShare(
            reason=_('share %(id)s is a member of share group %(group)s: '
                     'its array project belongs to the group, so it cannot '
                     'be unmanaged alone (delete it, or unmanage nothing)') %
            {'id': share['id'], 'group': share['share_group_id']})
