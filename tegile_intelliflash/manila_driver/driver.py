# SPDX-License-Identifier: Apache-2.0
"""OpenStack Manila share driver for Tegile (DDN) IntelliFlash arrays.

A thin layer over this project's REST client (``tegile_intelliflash.client``,
API v2 only). Every Manila share lives in one project of the array (option
``tegile_default_project``, default ``openstack``) in the pool named by the
share's host (``host@backend#pool``). Share size is the share's quota.

Design notes (the reasons are in docs/manila-driver.md):

* A new share has its own protocol turned on and the other one turned off,
  whatever its project says, and no access: NFS exports get a "no access"
  network ACL entry (:data:`NO_ACCESS_HOST`, an address no client can have)
  while they have no IP rule, because an IntelliFlash NFS export with an empty
  ACL list is open to every host.
* Access rules are applied as whole lists (``set`` calls), compared first, so
  re-applying or resyncing a converged share writes nothing, and a change
  never goes through an empty list.
* Clones are made with ``inherit=False`` so that no host that can reach the
  source share reaches the clone before its access is reset.
"""

import datetime
import hashlib
import logging
import math
import re

from oslo_concurrency import lockutils
from oslo_log import log

from manila.common import constants
from manila import exception
from manila.i18n import _
from manila.share import driver
from manila.share import share_types
from manila.share import utils as share_utils

from tegile_intelliflash.client import acl as client_acl
from tegile_intelliflash.client import errors as client_errors
from tegile_intelliflash.client import IntelliFlashClient
from tegile_intelliflash.client import paths as client_paths
from tegile_intelliflash.client import __version__ as package_version
from tegile_intelliflash.client import written as client_written
from tegile_intelliflash.manila_driver import options

LOG = log.getLogger(__name__)

VERSION = package_version  # the collection's version (galaxy.yml), scripts/version.py
VENDOR = 'Tegile'
DEFAULT_BACKEND_NAME = 'Tegile'
DEFAULT_PROJECT = 'openstack'
GiB = 1024 ** 3

#: NFS network ACL entry that keeps an NFS export closed while a share has no
#: IP rule: 255.255.255.255 is the limited broadcast address, which can never
#: be the source address of an NFS client.
NO_ACCESS_HOST = '255.255.255.255'

# Keys of the driver's private data (manila's DriverPrivateData).
# Managed share: its name on the array.
PD_ARRAY_NAME = 'tegile_share_name'
# Clone in progress: its source share and full snapshot name.
PD_CLONE_SOURCE = 'tegile_clone_source'
PD_CLONE_SNAPSHOT = 'tegile_clone_snapshot'

THICK = 'thick'  # not an array property: "reserve the whole size"

_NFS = 'NFS'
_CIFS = 'CIFS'
_PROTO_WIRE = {_NFS: 'nfs', _CIFS: 'smb'}


class _BadRule(Exception):
    """An access rule this driver cannot apply (reported as 'error')."""


class _MemoryPrivateStorage(object):
    """Stand-in for manila's DriverPrivateData when none is given."""

    def __init__(self):
        self._data = {}

    def get(self, entity_id, key=None, default=None):
        values = self._data.get(entity_id, {})
        if key is None:
            return dict(values)
        return values.get(key, default)

    def update(self, entity_id, details, delete_existing=False):
        if delete_existing:
            self._data[entity_id] = {}
        self._data.setdefault(entity_id, {}).update(details)

    def delete(self, entity_id, key=None):
        if key is None:
            self._data.pop(entity_id, None)
        else:
            self._data.get(entity_id, {}).pop(key, None)


class _ShareRef(object):
    """Where a Manila share lives on the array."""

    __slots__ = ('pool', 'project', 'name')

    def __init__(self, pool, project, name):
        self.pool = pool
        self.project = project
        self.name = name

    @property
    def path(self):
        return client_paths.share_path(self.pool, self.project, self.name)

    def __repr__(self):
        return '<share %s>' % self.path


def _access_id(rule):
    return rule.get('access_id') or rule.get('id')


def _gib_ceil(n_bytes):
    return max(1, int(math.ceil(float(n_bytes) / GiB)))


def _used_bytes(info):
    """Bytes used by a share, from a getShare reply: the array reports
    ``totalSize`` = used + ``availableSize`` (protocol choice C8)."""
    total = int(info.get('totalSize') or 0)
    available = int(info.get('availableSize') or 0)
    return max(0, total - available)


class TegileShareDriver(driver.ShareDriver):
    """Tegile IntelliFlash NAS driver (NFS and CIFS, no share servers).

    Version history:
        1.0.0 - First version over the v2 REST API: quotas as share sizes,
                bulk access rules, manage/unmanage, revert, clone progress.
    """

    VERSION = VERSION

    def __init__(self, *args, **kwargs):
        super(TegileShareDriver, self).__init__(False, *args, **kwargs)
        self.configuration.append_config_values(options.ALL_OPTS)
        self.private_storage = (kwargs.get('private_storage')
                                or _MemoryPrivateStorage())
        self._client = None
        self._project = None
        self._backend_name = None
        # Tegile arrays export over IPv6 as well; the versions actually
        # offered are those of the array's floating IPs (see
        # get_configured_ip_versions).
        self.ipv6_implemented = True
        self._ip_versions = None

    # ------------------------------------------------------------------
    # Set-up
    # ------------------------------------------------------------------

    def _conf(self, name):
        return self.configuration.safe_get(name)

    def do_setup(self, context):
        """Validate the configuration and connect to the array."""
        server = self._conf('tegile_nas_server')
        login = self._conf('tegile_nas_login')
        password = self._conf('tegile_nas_password')
        missing = [name for name, value in (
            ('tegile_nas_server', server),
            ('tegile_nas_login', login),
            ('tegile_nas_password', password)) if not value]
        if missing:
            raise exception.BadConfigurationException(
                reason=_('%(opts)s must be set in the [%(group)s] section of '
                         'manila.conf') % {
                    'opts': ', '.join(missing),
                    'group': self.configuration.config_group or 'DEFAULT'})
        project = self._conf('tegile_default_project') or DEFAULT_PROJECT
        try:
            client_paths.validate_name(project, 'tegile_default_project')
        except client_errors.InvalidArgumentError as err:
            raise exception.BadConfigurationException(reason=str(err))
        ca_file = self._conf('tegile_nas_ssl_ca_file')
        verify = self._conf('tegile_nas_ssl_verify')
        if verify is None:
            verify = True
        timeout = float(self._conf('tegile_nas_timeout') or 60)
        retry_budget = self._conf('tegile_nas_retry_budget')
        if retry_budget is None:
            retry_budget = 60
        self._project = project
        self._backend_name = (self._conf('share_backend_name')
                              or DEFAULT_BACKEND_NAME)
        # Manila retries a failed set-up (every few minutes, for ever): each
        # attempt releases the connections of the one before.
        self._close_client()
        try:
            self._client = IntelliFlashClient(
                server, login, password,
                port=self._conf('tegile_nas_port') or 443,
                verify=bool(verify),
                ca_path=ca_file or None,
                timeout=(min(10.0, timeout), timeout),
                retry_budget=float(retry_budget),
                user_agent='manila-share/%s' % VERSION,
                logger=logging.getLogger('tegile_intelliflash.client'))
        except client_errors.IntelliFlashError as err:
            raise exception.BadConfigurationException(reason=str(err))
        except ValueError as err:
            raise exception.BadConfigurationException(
                reason=_('invalid Tegile connection settings: %s') % err)
        try:
            self._check_connection()
        except Exception:
            # Kept (closed) for inspection; every call on it now fails.
            self._client.close()
            raise

    def _close_client(self):
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def _check_connection(self):
        server = self._conf('tegile_nas_server')
        try:
            info = self._client.check_connection()
        except client_errors.AuthenticationError:
            raise exception.ShareBackendException(
                msg=_('the IntelliFlash array %(server)s rejected the '
                      'credentials of user %(user)s (tegile_nas_login / '
                      'tegile_nas_password)') % {
                    'server': server, 'user': self._conf('tegile_nas_login')})
        except client_errors.TLSVerificationError as err:
            raise exception.ShareBackendException(
                msg=_('TLS verification of the IntelliFlash array %(server)s '
                      'failed: %(err)s (set tegile_nas_ssl_ca_file to the '
                      'array\'s CA)') % {'server': server, 'err': err})
        except (client_errors.ConnectionFailedError,
                client_errors.ArrayTimeoutError) as err:
            raise exception.ShareBackendException(
                msg=_('cannot reach the IntelliFlash array %(server)s: '
                      '%(err)s') % {'server': server, 'err': err})
        except client_errors.IntelliFlashError as err:
            raise exception.ShareBackendException(
                msg=_('the IntelliFlash array %(server)s answered the '
                      'connection check with an error: %(err)s') % {
                    'server': server, 'err': err})
        LOG.info('Connected to IntelliFlash array %(server)s (%(info)s), '
                 'project %(project)s.',
                 {'server': server, 'info': info, 'project': self._project})

    def check_for_setup_error(self):
        """Fail fast when the array has no pool; create missing projects."""
        pools = self._call(self.client.list_pools, what='list the pools')
        if not pools:
            raise exception.ShareBackendException(
                msg=_('the IntelliFlash array %s has no storage pool') %
                self._conf('tegile_nas_server'))
        for pool in pools:
            self._ensure_project(pool['name'])
        self._refresh_ip_versions()

    def _ensure_project(self, pool):
        found = self._call(self._client.find_project, pool, self._project,
                           what='read project %s/%s' % (pool, self._project))
        if found:
            return
        LOG.info('Creating project %(project)s in pool %(pool)s.',
                 {'project': self._project, 'pool': pool})
        try:
            self._client.create_project(pool, self._project)
        except client_errors.AlreadyExistsError:
            pass
        except client_errors.IntelliFlashError as err:
            raise self._backend_error(
                'create project %s in pool %s' % (self._project, pool), err)

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    @property
    def client(self):
        if self._client is None:
            raise exception.ShareBackendException(
                msg=_('the Tegile driver is not set up (do_setup was not '
                      'called or failed)'))
        return self._client

    def _backend_error(self, what, err):
        LOG.error('IntelliFlash: could not %(what)s: %(err)s',
                  {'what': what, 'err': err})
        return exception.ShareBackendException(
            msg=_('could not %(what)s: %(err)s') % {'what': what, 'err': err})

    def _call(self, func, *args, **kwargs):
        what = kwargs.pop('what')
        try:
            return func(*args, **kwargs)
        except client_errors.IntelliFlashError as err:
            raise self._backend_error(what, err)

    @staticmethod
    def _pool_of(share):
        return share_utils.extract_host(share['host'], level='pool')

    def _share_ref(self, share, pool=None):
        """(pool, project, array share name) of a Manila share instance."""
        pool = pool or self._pool_of(share)
        if not pool:
            pool = self._find_pool_of(share)
        name = self.private_storage.get(share['id'], PD_ARRAY_NAME) or \
            share['name']
        return _ShareRef(pool, self._project, name)

    def _find_pool_of(self, share):
        name = (self.private_storage.get(share['id'], PD_ARRAY_NAME)
                or share['name'])
        for pool in self._call(self.client.list_pools, what='list the pools'):
            found = self._call(self.client.find_share, pool['name'],
                               self._project, name,
                               what='look for share %s' % name)
            if found:
                return pool['name']
        raise exception.ShareResourceNotFound(share_id=share['id'])

    @staticmethod
    def _proto(share):
        proto = (share.get('share_proto') or '').upper()
        if proto not in (_NFS, _CIFS):
            raise exception.InvalidShare(
                reason=_('share %(id)s: protocol %(proto)s is not supported '
                         '(NFS or CIFS)') % {
                    'id': share.get('id'), 'proto': share.get('share_proto')})
        return proto

    @staticmethod
    def _size_bytes(share, size=None):
        given = share.get('size') if size is None else size
        try:
            gib = int(given)
        except (TypeError, ValueError):
            gib = 0
        if gib <= 0 or isinstance(given, bool) or gib != given:
            raise exception.InvalidShare(
                reason=_('share %(id)s: size must be a positive whole number '
                         'of GiB, got %(size)r') % {'id': share.get('id'),
                                                    'size': given})
        return gib * GiB

    def _validate_name(self, share, name):
        try:
            client_paths.validate_name(name, 'share name')
        except client_errors.InvalidArgumentError as err:
            raise exception.InvalidShare(
                reason=_('share %(id)s: %(err)s') % {'id': share.get('id'),
                                                     'err': err})

    def _get_extra_specs(self, share):
        if not share.get('share_type_id'):
            return {}
        return share_types.get_extra_specs_from_share(share) or {}

    def _type_properties(self, share):
        """Properties requested by the share type: dedupe, compression and
        thin_provisioning (False: the share reserves its whole size; key
        THICK in the result).

        Raises InvalidShare (before anything is written) on a bad value.
        """
        specs = self._get_extra_specs(share)
        props = {}
        for key, prop, on, off in (('dedupe', 'dedup', 'on', 'off'),
                                   ('compression', 'compression', 'lz4',
                                    'off')):
            value = specs.get(key)
            if value is None:
                continue
            try:
                wanted = share_types.parse_boolean_extra_spec(key, value)
            except exception.InvalidExtraSpec as err:
                raise exception.InvalidShare(
                    reason=_('share %(id)s: %(err)s') % {'id': share['id'],
                                                         'err': err})
            props[prop] = on if wanted else off
        value = specs.get('thin_provisioning')
        if value is not None:
            try:
                thin = share_types.parse_boolean_extra_spec(
                    'thin_provisioning', value)
            except exception.InvalidExtraSpec as err:
                raise exception.InvalidShare(
                    reason=_('share %(id)s: %(err)s') % {'id': share['id'],
                                                         'err': err})
            if not thin:
                props[THICK] = True
        return props

    def _apply_type_properties(self, ref, props):
        """Pin the share type's properties on the share.

        Written even when the inherited value already matches, so that the
        share keeps them when the project changes. ``compression on`` keeps
        the algorithm in force (the project's), or lz4 when it is off.
        """
        wanted = dict((k, v) for k, v in props.items() if k != THICK)
        if not wanted:
            return
        if wanted.get('compression') not in (None, 'off'):
            current = self.client.get_share(ref.pool, ref.project, ref.name)
            algorithm = current.get('compression')
            if algorithm and algorithm != 'off':
                wanted['compression'] = algorithm
        self.client.modify_share(ref.pool, ref.project, ref.name, wanted)

    def _export_locations(self, ref, proto):
        locations = self.client.export_locations(ref.pool, ref.project,
                                                 ref.name)
        paths = locations.get(_PROTO_WIRE[proto]) or []
        if not paths:
            paths = self._fallback_locations(ref, proto)
        return [{
            'path': path,
            'is_admin_only': False,
            'metadata': {'preferred': index == 0},
        } for index, path in enumerate(paths)]

    def _fallback_locations(self, ref, proto):
        """Export paths on the management address when no floating IP serves
        the pool (what the in-tree driver always used)."""
        info = self.client.get_share(ref.pool, ref.project, ref.name)
        key = 'sharenfs' if proto == _NFS else 'sharesmb'
        if str(info.get(key) or 'off').lower() == 'off':
            return []
        server = str(self._conf('tegile_nas_server'))
        LOG.warning('No floating IP serves pool %(pool)s: the export location '
                    'of %(path)s uses the management address %(server)s.',
                    {'pool': ref.pool, 'path': ref.path, 'server': server})
        if proto == _NFS:
            return [client_paths.nfs_export(server, client_paths.mount_point(
                info, ref.project, ref.name))]
        return [client_paths.smb_export(server, client_paths.smb_name(
            info, ref.project, ref.name))]

    def _prepare_access(self, ref, proto):
        """Turn the share's protocol on, the other off, and close it.

        Leaves the share with no access at all: the NFS list holds only the
        no-access entry, the SMB list is empty, the file ACL is empty.
        """
        client = self.client
        if proto == _NFS:
            client.set_smb_sharing(ref.pool, ref.project, ref.name, False)
            client.set_nfs_sharing(ref.pool, ref.project, ref.name, True)
            closed = [self._no_access_rule()]
            current = client.get_network_acls('nfs', ref.pool, ref.project,
                                              ref.name)
            if set(current) != set(closed):
                client.set_network_acls('nfs', ref.pool, ref.project,
                                        ref.name, closed)
        else:
            client.set_nfs_sharing(ref.pool, ref.project, ref.name, False)
            client.set_smb_sharing(ref.pool, ref.project, ref.name, True)
            if client.get_network_acls('smb', ref.pool, ref.project,
                                       ref.name):
                client.set_network_acls('smb', ref.pool, ref.project,
                                        ref.name, [])
        if client.get_user_acls(ref.pool, ref.project, ref.name):
            client.set_user_acls(ref.pool, ref.project, ref.name, [])

    @staticmethod
    def _no_access_rule():
        return client_acl.NetworkRule('IP', NO_ACCESS_HOST, 'ro')

    def _delete_quietly(self, ref, share_id):
        try:
            self.client.delete_share(ref.pool, ref.project, ref.name,
                                     recursive=False, missing_ok=True)
            LOG.info('Removed share %(path)s after a failed creation of '
                     'Manila share %(id)s.', {'path': ref.path,
                                              'id': share_id})
        except Exception as err:  # pylint: disable=broad-except
            LOG.error('Could not remove share %(path)s after a failed '
                      'creation of Manila share %(id)s; remove it by hand: '
                      '%(err)s', {'path': ref.path, 'id': share_id,
                                  'err': err})

    # ------------------------------------------------------------------
    # Shares
    # ------------------------------------------------------------------

    def create_share(self, context, share, share_server=None):
        """Create a share whose quota is the requested size."""
        proto = self._proto(share)
        size = self._size_bytes(share)
        ref = self._share_ref(share)
        self._validate_name(share, ref.name)
        props = self._type_properties(share)
        self._ensure_project(ref.pool)
        try:
            self.client.create_share(
                ref.pool, ref.project, ref.name, quota=size,
                reservation=size if props.get(THICK) else None)
        except client_errors.AlreadyExistsError:
            raise exception.ShareBackendException(
                msg=_('cannot create share %(id)s: %(path)s already exists '
                      'on the array') % {'id': share['id'], 'path': ref.path})
        except client_errors.NoSpaceError as err:
            raise exception.ShareBackendException(
                msg=_('cannot create share %(id)s in pool %(pool)s: '
                      '%(err)s') % {'id': share['id'], 'pool': ref.pool,
                                    'err': err})
        except client_errors.IntelliFlashError as err:
            raise self._backend_error('create share %s (%s)' % (
                share['id'], ref.path), err)
        try:
            self._apply_type_properties(ref, props)
            self._prepare_access(ref, proto)
            locations = self._export_locations(ref, proto)
        except Exception as err:
            self._delete_quietly(ref, share['id'])
            if isinstance(err, exception.ManilaException):
                raise
            raise self._backend_error('set up share %s (%s)' % (
                share['id'], ref.path), err)
        LOG.info('Created share %(id)s as %(path)s (%(size)s GiB, %(proto)s).',
                 {'id': share['id'], 'path': ref.path,
                  'size': share['size'], 'proto': proto})
        return locations

    def delete_share(self, context, share, share_server=None):
        """Delete a share; a share already gone is a success."""
        try:
            ref = self._share_ref(share)
        except exception.ShareResourceNotFound:
            LOG.info('Share %s is not on the array; nothing to delete.',
                     share['id'])
            return
        try:
            self.client.delete_share(ref.pool, ref.project, ref.name,
                                     recursive=False, missing_ok=True)
        except client_errors.NotFoundError:
            pass
        except client_errors.InUseError:
            # Snapshots Manila does not know (array schedules, admins). They
            # go with the share; one with a clone depending on it stops us.
            self._delete_foreign_snapshots(share, ref)
            try:
                self.client.delete_share(ref.pool, ref.project, ref.name,
                                         recursive=False, missing_ok=True)
            except client_errors.IntelliFlashError as err:
                raise self._backend_error('delete share %s (%s)' % (
                    share['id'], ref.path), err)
        except client_errors.IntelliFlashError as err:
            raise self._backend_error('delete share %s (%s)' % (
                share['id'], ref.path), err)
        self.private_storage.delete(share['id'])
        LOG.info('Deleted share %(id)s (%(path)s).',
                 {'id': share['id'], 'path': ref.path})

    def _delete_foreign_snapshots(self, share, ref):
        names = self._call(self.client.list_snapshots, ref.pool, ref.project,
                           ref.name, what='list snapshots of %s' % ref.path)
        for name in names:
            try:
                self.client.delete_snapshot(ref.pool, ref.project, ref.name,
                                            name, recursive=False,
                                            missing_ok=True)
            except client_errors.InUseError:
                raise exception.ShareBackendException(
                    msg=_('cannot delete share %(id)s: its snapshot '
                          '%(path)s@%(snap)s has dependent clones on the '
                          'array') % {'id': share['id'], 'path': ref.path,
                                      'snap': name})
            except client_errors.IntelliFlashError as err:
                raise self._backend_error('delete snapshot %s@%s of share %s'
                                          % (ref.path, name, share['id']),
                                          err)

    def extend_share(self, share, new_size, share_server=None):
        """Grow the share's quota (and its reservation when thick)."""
        self._resize(share, new_size)

    def shrink_share(self, share, new_size, share_server=None):
        """Lower the share's quota, never below the space in use."""
        self._resize(share, new_size, shrink=True)

    def _resize(self, share, new_size, shrink=False):
        size = self._size_bytes(share, new_size)
        ref = self._share_ref(share)
        try:
            info = self.client.get_share(ref.pool, ref.project, ref.name)
            if shrink:
                used = _used_bytes(info)
                if used > size:
                    LOG.warning('Refusing to shrink share %(id)s to %(new)s '
                                'GiB: %(used)s bytes are in use.',
                                {'id': share['id'], 'new': new_size,
                                 'used': used})
                    raise exception.ShareShrinkingPossibleDataLoss(
                        share_id=share['id'])
            self._set_size(ref, size, info)
        except client_errors.QuotaError as err:
            if shrink:
                raise exception.ShareShrinkingPossibleDataLoss(
                    share_id=share['id'])
            raise self._backend_error('resize share %s (%s) to %s GiB' % (
                share['id'], ref.path, new_size), err)
        except client_errors.NoSpaceError as err:
            raise exception.ShareBackendException(
                msg=_('cannot resize share %(id)s to %(size)s GiB: pool '
                      '%(pool)s has not enough free space to reserve it '
                      '(%(err)s)') % {'id': share['id'], 'size': new_size,
                                      'pool': ref.pool, 'err': err})
        except client_errors.NotFoundError:
            raise exception.ShareResourceNotFound(share_id=share['id'])
        except client_errors.IntelliFlashError as err:
            raise self._backend_error('resize share %s (%s) to %s GiB' % (
                share['id'], ref.path, new_size), err)
        LOG.info('Share %(id)s now has a quota of %(size)s GiB.',
                 {'id': share['id'], 'size': new_size})

    def _set_size(self, ref, size, info):
        """Set the quota to ``size`` bytes; a thick share (one with a
        reservation) keeps its reservation equal to its quota.

        The reservation never exceeds the quota in between (shrink: the
        reservation first; grow: the quota first). A reservation the pool
        cannot hold puts the old quota back and raises NoSpaceError.
        """
        client = self.client
        old_quota = int(info.get('quotaInByte') or 0)
        reservation = int(info.get('reservationInByte') or 0)
        if reservation <= 0:
            client.set_share_quota(ref.pool, ref.project, ref.name, size)
            return
        if size < reservation:
            client.set_share_reservation(ref.pool, ref.project, ref.name,
                                         size)
            client.set_share_quota(ref.pool, ref.project, ref.name, size)
            return
        client.set_share_quota(ref.pool, ref.project, ref.name, size)
        try:
            client.set_share_reservation(ref.pool, ref.project, ref.name,
                                         size)
        except client_errors.NoSpaceError:
            try:
                client.set_share_quota(ref.pool, ref.project, ref.name,
                                       old_quota)
            except client_errors.IntelliFlashError as err:
                LOG.error('Could not put the quota of %(path)s back to '
                          '%(quota)s bytes: %(err)s',
                          {'path': ref.path, 'quota': old_quota, 'err': err})
            raise

    def get_pool(self, share):
        """Pool of a share: from its host, else looked up on the array."""
        pool = self._pool_of(share)
        if pool:
            return pool
        return self._find_pool_of(share)

    def get_network_allocations_number(self):
        return 0

    # ------------------------------------------------------------------
    # Snapshots
    # ------------------------------------------------------------------

    def _snapshot_share(self, snapshot):
        share = snapshot.get('share') or snapshot.get('share_instance')
        if share is None or not share.get('host'):
            raise exception.InvalidShareSnapshot(
                reason=_('snapshot %s carries no share') % snapshot['id'])
        return share

    def _snapshot_full_name(self, snapshot):
        location = snapshot.get('provider_location')
        if location:
            return location.split('@')[-1]
        return client_paths.share_snapshot_name(snapshot['name'])

    def create_snapshot(self, context, snapshot, share_server=None):
        share = self._snapshot_share(snapshot)
        ref = self._share_ref(share)
        try:
            client_paths.validate_name(snapshot['name'], 'snapshot name')
            full = self.client.create_snapshot(ref.pool, ref.project,
                                               ref.name, snapshot['name'])
        except client_errors.NotFoundError:
            raise exception.ShareResourceNotFound(share_id=share['id'])
        except client_errors.InvalidArgumentError as err:
            raise exception.InvalidShareSnapshot(
                reason=_('snapshot %(id)s: %(err)s') % {
                    'id': snapshot['id'], 'err': err})
        except client_errors.IntelliFlashError as err:
            raise self._backend_error('create snapshot %s of share %s (%s)' %
                                      (snapshot['id'], share['id'],
                                       ref.path), err)
        LOG.info('Created snapshot %(snap)s of share %(id)s as '
                 '%(path)s@%(full)s.', {'snap': snapshot['id'],
                                        'id': share['id'], 'path': ref.path,
                                        'full': full})
        return {'provider_location': full}

    def delete_snapshot(self, context, snapshot, share_server=None):
        share = self._snapshot_share(snapshot)
        full = self._snapshot_full_name(snapshot)
        try:
            ref = self._share_ref(share)
        except exception.ShareResourceNotFound:
            return
        try:
            self.client.delete_snapshot(ref.pool, ref.project, ref.name, full,
                                        recursive=False, missing_ok=True)
        except client_errors.NotFoundError:
            pass
        except client_errors.InUseError:
            raise exception.ShareSnapshotIsBusy(snapshot_name=full)
        except client_errors.IntelliFlashError as err:
            raise self._backend_error('delete snapshot %s (%s@%s)' % (
                snapshot['id'], ref.path, full), err)
        LOG.info('Deleted snapshot %(snap)s (%(path)s@%(full)s).',
                 {'snap': snapshot['id'], 'path': ref.path, 'full': full})

    def create_share_from_snapshot(self, context, share, snapshot,
                                   share_server=None, parent_share=None):
        """Clone a snapshot; the clone's quota is the requested size."""
        proto = self._proto(share)
        size = self._size_bytes(share)
        props = self._type_properties(share)
        source_share = parent_share or self._snapshot_share(snapshot)
        source_ref = self._share_ref(source_share)
        ref = self._share_ref(share)
        self._validate_name(share, ref.name)
        if ref.pool != source_ref.pool:
            raise exception.InvalidShare(
                reason=_('share %(id)s: a share created from a snapshot lives '
                         'in the pool of its source (%(src)s), not in '
                         '%(pool)s') % {'id': share['id'],
                                        'src': source_ref.pool,
                                        'pool': ref.pool})
        full = self._snapshot_full_name(snapshot)
        try:
            self.client.clone_snapshot(source_ref.pool, source_ref.project,
                                       source_ref.name, full, ref.name,
                                       inherit=False)
        except client_errors.NotFoundError:
            raise exception.ShareBackendException(
                msg=_('cannot create share %(id)s: snapshot %(path)s@%(snap)s'
                      ' is not on the array') % {
                    'id': share['id'], 'path': source_ref.path, 'snap': full})
        except client_errors.AlreadyExistsError:
            raise exception.ShareBackendException(
                msg=_('cannot create share %(id)s: %(path)s already exists '
                      'on the array') % {'id': share['id'], 'path': ref.path})
        except client_errors.IntelliFlashError as err:
            raise self._backend_error('clone %s@%s into share %s' % (
                source_ref.path, full, share['id']), err)
        LOG.info('Cloned %(src)s@%(snap)s into %(path)s for share %(id)s.',
                 {'src': source_ref.path, 'snap': full, 'path': ref.path,
                  'id': share['id']})
        self.private_storage.update(share['id'], {
            PD_CLONE_SOURCE: source_ref.name,
            PD_CLONE_SNAPSHOT: full,
        })
        return self._clone_progress(share, ref, proto, size, props,
                                    source_ref.name, full)

    def _clone_progress(self, share, ref, proto, size, props, source, full,
                        first=True):
        """Finish a clone when the array says it is done.

        ``first``: called from create_share_from_snapshot (a failure to read
        the progress removes the clone); later calls (get_share_status) leave
        it, since Manila then puts the share in error and deletes it.
        """
        try:
            status = self.client.get_clone_status(ref.pool, ref.project,
                                                  source, full, ref.name)
        except client_errors.IntelliFlashError as err:
            if first:
                self._abandon_clone(share, ref)
            raise self._backend_error('read the progress of clone %s' %
                                      ref.path, err)
        state = status.get('state')
        if state == 'in_progress':
            LOG.info('Clone %(path)s of share %(id)s is in progress.',
                     {'path': ref.path, 'id': share['id']})
            return {'status': constants.STATUS_CREATING_FROM_SNAPSHOT}
        if state != 'success':
            self._abandon_clone(share, ref)
            raise exception.ShareBackendException(
                msg=_('the array failed to clone %(src)s@%(snap)s into share '
                      '%(id)s (state %(state)s)') % {
                    'src': source, 'snap': full, 'id': share['id'],
                    'state': state})
        try:
            self.client.set_share_quota(ref.pool, ref.project, ref.name, size)
            if props.get(THICK):
                self.client.set_share_reservation(ref.pool, ref.project,
                                                  ref.name, size)
            self._apply_type_properties(ref, props)
            self._prepare_access(ref, proto)
            locations = self._export_locations(ref, proto)
        except client_errors.NoSpaceError as err:
            self._abandon_clone(share, ref)
            raise exception.ShareBackendException(
                msg=_('share %(id)s: pool %(pool)s has not enough free space '
                      'to reserve %(size)s GiB (%(err)s)') % {
                    'id': share['id'], 'pool': ref.pool,
                    'size': share['size'], 'err': err})
        except client_errors.QuotaError as err:
            self._abandon_clone(share, ref)
            raise exception.ShareBackendException(
                msg=_('share %(id)s: the snapshot holds more data than the '
                      'requested %(size)s GiB (%(err)s)') % {
                    'id': share['id'], 'size': share['size'], 'err': err})
        except Exception as err:
            self._abandon_clone(share, ref)
            if isinstance(err, exception.ManilaException):
                raise
            raise self._backend_error('set up clone %s for share %s' % (
                ref.path, share['id']), err)
        self.private_storage.delete(share['id'])
        return {'status': constants.STATUS_AVAILABLE,
                'export_locations': locations}

    def _abandon_clone(self, share, ref):
        self.private_storage.delete(share['id'])
        self._delete_quietly(ref, share['id'])

    def get_share_status(self, share, share_server=None):
        """Progress of a share created asynchronously from a snapshot."""
        status = share.get('status')
        if status == constants.STATUS_CREATING_FROM_SNAPSHOT:
            source = self.private_storage.get(share['id'], PD_CLONE_SOURCE)
            full = self.private_storage.get(share['id'], PD_CLONE_SNAPSHOT)
            if not (source and full):
                raise exception.ShareBackendException(
                    msg=_('share %s: no record of the clone in progress')
                    % share['id'])
            ref = self._share_ref(share)
            return self._clone_progress(
                share, ref, self._proto(share), self._size_bytes(share),
                self._type_properties(share), source, full, first=False)
        # Reverts are synchronous: nothing is pending.
        ref = self._share_ref(share)
        try:
            locations = self._export_locations(ref, self._proto(share))
        except client_errors.NotFoundError:
            raise exception.ShareResourceNotFound(share_id=share['id'])
        except client_errors.IntelliFlashError as err:
            raise self._backend_error('read share %s' % share['id'], err)
        return {'status': constants.STATUS_AVAILABLE,
                'export_locations': locations}

    def revert_to_snapshot(self, context, snapshot, share_access_rules,
                           snapshot_access_rules, share_server=None):
        """Roll the share back; snapshots newer than the target stop it.

        Manila only reverts to a share's latest Manila snapshot, so a newer
        snapshot on the array was made outside Manila (an array schedule or
        an administrator). It is never destroyed: the revert fails and names
        it.
        """
        share = self._snapshot_share(snapshot)
        ref = self._share_ref(share)
        full = self._snapshot_full_name(snapshot)
        try:
            self.client.rollback_snapshot(ref.pool, ref.project, ref.name,
                                          full, delete_dependents=False)
        except client_errors.InUseError:
            newer = self._newer_snapshots(ref, full)
            raise exception.ShareBackendException(
                msg=_('cannot revert share %(id)s to snapshot %(snap)s: the '
                      'array holds newer snapshots that a revert would '
                      'destroy (%(newer)s); remove them on the array first') %
                {'id': share['id'], 'snap': snapshot['id'],
                 'newer': ', '.join(newer) or _('unknown')})
        except client_errors.NotFoundError:
            raise exception.ShareBackendException(
                msg=_('cannot revert share %(id)s: snapshot %(path)s@%(snap)s'
                      ' is not on the array') % {
                    'id': share['id'], 'path': ref.path, 'snap': full})
        except client_errors.IntelliFlashError as err:
            raise self._backend_error('revert share %s to %s@%s' % (
                share['id'], ref.path, full), err)
        # Manila sets the share's size to the snapshot's: follow it.
        snap_size = snapshot.get('size') or share.get('size')
        if snap_size:
            try:
                info = self.client.get_share(ref.pool, ref.project, ref.name)
                self._set_size(ref, int(snap_size) * GiB, info)
            except client_errors.IntelliFlashError as err:
                raise self._backend_error(
                    'set the quota of share %s to %s GiB after its revert' %
                    (share['id'], snap_size), err)
        LOG.info('Reverted share %(id)s to snapshot %(snap)s.',
                 {'id': share['id'], 'snap': snapshot['id']})

    def _newer_snapshots(self, ref, full):
        try:
            names = self.client.list_snapshots(ref.pool, ref.project,
                                               ref.name)
        except client_errors.IntelliFlashError:
            return []
        if full not in names:
            return []
        return names[names.index(full) + 1:]

    # ------------------------------------------------------------------
    # Access
    # ------------------------------------------------------------------

    def _translate_rule(self, proto, rule):
        access_type = (rule.get('access_type') or '').lower()
        level = (rule.get('access_level') or '').lower()
        access_to = rule.get('access_to') or ''
        if level not in (constants.ACCESS_LEVEL_RW, constants.ACCESS_LEVEL_RO):
            raise _BadRule(_('access level %s is not supported') % level)
        if access_type == 'ip':
            if proto != _NFS:
                raise _BadRule(_('only user access is supported for CIFS'))
            try:
                host_type, host = client_acl.normalize_host(access_to,
                                                            'access_to')
            except client_errors.IntelliFlashError as err:
                raise _BadRule(str(err))
            if host_type != 'IP':
                raise _BadRule(_('%s is not an IP address or network') %
                               access_to)
            if host == NO_ACCESS_HOST:
                raise _BadRule(_('%s is reserved') % access_to)
            return 'net', (host_type, host), client_acl.NetworkRule(
                host_type, host, level)
        if access_type == 'user':
            name = access_to.strip()
            try:
                user = client_acl.UserRule('user', name, level)
            except (client_errors.IntelliFlashError, ValueError) as err:
                raise _BadRule(str(err))
            return 'user', ('user', name.lower()), user
        raise _BadRule(_('access type %(type)s is not supported for '
                         '%(proto)s (NFS: ip, user; CIFS: user)') % {
            'type': access_type, 'proto': proto})

    @staticmethod
    def _user_key(rule):
        return (rule.kind, rule.name.lower(), rule.access)

    def update_access(self, context, share, access_rules, add_rules,
                      delete_rules, update_rules, share_server=None):
        """Make the array's access lists equal to Manila's rules.

        The target lists are computed from ``access_rules`` (every rule that
        must be on the share, which already reflects add_rules, delete_rules
        and update_rules) and written with one ``set`` call per list only
        when they differ from what the array holds; a rule the driver cannot
        apply is reported in error and never stops the others.
        """
        try:
            proto = self._proto(share)
        except exception.InvalidShare as err:
            raise exception.InvalidShareAccess(reason=str(err))
        ref = self._share_ref(share)
        updates = {}
        owners = {}
        want_net = {}
        want_user = {}
        # Rules being added come last, so that when two rules give one client
        # different levels, the new one is refused and the one already on
        # the share stays active (Manila's order of access_rules is
        # arbitrary).
        adding = set(_access_id(rule) for rule in add_rules or [])
        ordered = sorted(access_rules,
                         key=lambda rule: _access_id(rule) in adding)
        for rule in ordered:
            rule_id = _access_id(rule)
            try:
                kind, key, obj = self._translate_rule(proto, rule)
            except _BadRule as err:
                LOG.warning('Share %(id)s: access rule %(rule)s (%(type)s '
                            '%(to)s) cannot be applied: %(err)s',
                            {'id': share['id'], 'rule': rule_id,
                             'type': rule.get('access_type'),
                             'to': rule.get('access_to'), 'err': err})
                updates[rule_id] = {'state': constants.ACCESS_STATE_ERROR}
                continue
            target = want_net if kind == 'net' else want_user
            existing = target.get(key)
            if existing is not None and existing.access != obj.access:
                LOG.warning('Share %(id)s: access rule %(rule)s gives %(to)s '
                            'a second, different access level.',
                            {'id': share['id'], 'rule': rule_id,
                             'to': rule.get('access_to')})
                updates[rule_id] = {'state': constants.ACCESS_STATE_ERROR}
                continue
            target[key] = obj
            owners.setdefault((kind, key), []).append(rule_id)

        try:
            # One update of a share's lists at a time in this process: each
            # call reads, writes and checks its own write; interleaved, one
            # call's stale list could land between another's write and its
            # check, which then reported an applied rule as 'error'.
            with lockutils.lock('tegile-intelliflash-access-%s-%s'
                                % (self.client.host, ref.path)):
                info = self.client.get_share(ref.pool, ref.project, ref.name)
                if proto == _NFS:
                    failed = self._sync_network(ref, info, want_net)
                    for key in failed:
                        for rule_id in owners.get(('net', key), []):
                            updates[rule_id] = {
                                'state': constants.ACCESS_STATE_ERROR}
                failed = self._sync_users(ref, info, want_user)
                for key in failed:
                    for rule_id in owners.get(('user', key), []):
                        updates[rule_id] = {
                            'state': constants.ACCESS_STATE_ERROR}
        except client_errors.NotFoundError:
            raise exception.ShareResourceNotFound(share_id=share['id'])
        except client_errors.IntelliFlashError as err:
            raise self._backend_error('update the access rules of share %s'
                                      % share['id'], err)
        return updates

    def _sync_network(self, ref, info, want):
        """Set the NFS network ACL list; return the keys that failed."""
        client = self.client
        if not client_written.sharing_written(info, 'nfs', True):
            client.set_nfs_sharing(ref.pool, ref.project, ref.name, True)
        current = client.get_network_acls('nfs', ref.pool, ref.project,
                                          ref.name)
        target = sorted(want.values(), key=lambda r: (r.host_type, r.host)) \
            or [self._no_access_rule()]
        if set(current) == set(target):
            return []
        try:
            client.set_network_acls('nfs', ref.pool, ref.project, ref.name,
                                    target)
        except client_errors.InvalidArgumentError as err:
            # The array refused the list: find the entries it refuses, one
            # by one, keeping the list it accepts (never an empty one).
            LOG.warning('Share %(path)s: the array refused the NFS access '
                        'list (%(err)s); applying rule by rule.',
                        {'path': ref.path, 'err': err})
            accepted = []
            for rule in target:
                try:
                    client.set_network_acls('nfs', ref.pool, ref.project,
                                            ref.name, accepted + [rule])
                    accepted.append(rule)
                except client_errors.InvalidArgumentError:
                    pass
            if not accepted:
                client.set_network_acls('nfs', ref.pool, ref.project,
                                        ref.name, [self._no_access_rule()])
        applied = set(client.get_network_acls('nfs', ref.pool, ref.project,
                                              ref.name))
        return [key for key, rule in want.items() if rule not in applied]

    def _sync_users(self, ref, info, want):
        """Set the file ACL; return the keys that failed."""
        client = self.client
        current = [client_acl.UserRule.from_wire(entry)
                   for entry in info.get('aclList') or []]
        target = sorted(want.values(), key=lambda r: r.name.lower())
        if set(map(self._user_key, current)) == \
                set(map(self._user_key, target)):
            return []
        try:
            client.set_user_acls(ref.pool, ref.project, ref.name, target)
        except client_errors.InvalidArgumentError as err:
            LOG.warning('Share %(path)s: the array refused the file ACL '
                        '(%(err)s); applying rule by rule.',
                        {'path': ref.path, 'err': err})
            accepted = []
            for rule in target:
                try:
                    client.set_user_acls(ref.pool, ref.project, ref.name,
                                         accepted + [rule])
                    accepted.append(rule)
                except client_errors.InvalidArgumentError:
                    pass
        applied = set(map(self._user_key, client.get_user_acls(
            ref.pool, ref.project, ref.name)))
        return [key for key, rule in want.items()
                if self._user_key(rule) not in applied]

    # ------------------------------------------------------------------
    # Start-up, usage and stats
    # ------------------------------------------------------------------

    def get_backend_info(self, context):
        """What decides the shares' export locations and access (no secret).

        Manila hashes this dictionary and calls ensure_shares when it changes.
        """
        return {
            'driver_version': VERSION,
            'server': str(self._conf('tegile_nas_server')),
            'port': str(self._conf('tegile_nas_port')),
            'project': str(self._project or
                           self._conf('tegile_default_project') or
                           DEFAULT_PROJECT),
            'ssl_verify': str(self._conf('tegile_nas_ssl_verify')),
            'ssl_ca_file': str(self._conf('tegile_nas_ssl_ca_file')),
            'ca_digest': self._ca_digest(),
        }

    def _ca_digest(self):
        path = self._conf('tegile_nas_ssl_ca_file')
        if not path:
            return ''
        try:
            with open(path, 'rb') as handle:
                return hashlib.sha256(handle.read()).hexdigest()
        except OSError:
            return 'unreadable'

    def ensure_shares(self, context, shares):
        """Export locations of every share; error for shares gone.

        Also repairs what an earlier driver (or an administrator) left: a
        share without quota gets its Manila size as quota; a share that does
        not export its protocol by a setting of its own (override flag) is
        exported again (closed), the other protocol is turned off on a share
        that only inherits "off" from its project, and a share whose NFS
        list is empty (open to every host) or that was re-exported asks
        Manila to re-apply its access rules.

        Every share gets an entry, even one that could not be checked: Manila
        23 puts the shares in ``ensuring`` before this call and sets a share
        back to ``available`` only when the result holds it (an exception or
        a missing entry leaves it in ``ensuring``, where users cannot use it,
        and Manila does not ensure again at the next start since the backend
        info is unchanged). A share that could not be checked gets an empty
        entry (status and export locations kept); once the array is
        unreachable the remaining shares are not tried.
        """
        updates = {}
        array_down = False
        for share in shares:
            if array_down:
                updates[share['id']] = {}
                continue
            try:
                update = self._ensure_one(share)
            except (client_errors.ConnectionFailedError,
                    client_errors.ArrayTimeoutError,
                    client_errors.AuthenticationError) as err:
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

    def _ensure_one(self, share):
        try:
            proto = self._proto(share)
            ref = self._share_ref(share)
            info = self.client.get_share(ref.pool, ref.project, ref.name)
        except (exception.ShareResourceNotFound, client_errors.NotFoundError):
            LOG.error('Share %s is not on the array any more.', share['id'])
            return {'status': constants.STATUS_ERROR}
        except exception.InvalidShare as err:
            LOG.error('Share %(id)s: %(err)s', {'id': share['id'], 'err': err})
            return {'status': constants.STATUS_ERROR}
        reapply = False
        # Checked on the share's own settings, not the effective ones: a
        # setting inherited from the project changes when the project does
        # (e.g. a CIFS share NFS-exported once the project turns NFS on).
        own = _PROTO_WIRE[proto]
        other = 'smb' if own == 'nfs' else 'nfs'
        if not client_written.sharing_written(info, own, True):
            LOG.warning('Share %(id)s is not exported over %(p)s by a setting '
                        'of its own; exporting it again.',
                        {'id': share['id'], 'p': proto})
            self._prepare_access(ref, proto)
            reapply = True
        elif not client_written.sharing_written(info, other, False):
            LOG.warning('Share %(id)s does not turn %(other)s off by a '
                        'setting of its own (it follows its project); '
                        'turning it off on the share.',
                        {'id': share['id'], 'other': other.upper()})
            if other == 'nfs':
                self.client.set_nfs_sharing(ref.pool, ref.project, ref.name,
                                            False)
            else:
                self.client.set_smb_sharing(ref.pool, ref.project, ref.name,
                                            False)
        if not reapply and proto == _NFS and not self.client.get_network_acls(
                'nfs', ref.pool, ref.project, ref.name):
            LOG.warning('Share %s is exported to every host (empty NFS '
                        'access list); asking Manila to apply its rules.',
                        share['id'])
            reapply = True
        if not int(info.get('quotaInByte') or 0) and share.get('size'):
            try:
                self._set_size(ref, self._size_bytes(share), info)
                LOG.info('Share %(id)s had no quota; it is now its size, '
                         '%(size)s GiB.', {'id': share['id'],
                                           'size': share['size']})
            except client_errors.QuotaError as err:
                LOG.warning('Share %(id)s has no quota and holds more than '
                            'its size (%(size)s GiB); left without quota: '
                            '%(err)s', {'id': share['id'],
                                        'size': share['size'], 'err': err})
        return {
            'export_locations': self._export_locations(ref, proto),
            'status': constants.STATUS_AVAILABLE,
            'reapply_access_rules': reapply,
        }

    def ensure_share(self, context, share, share_server=None):
        update = self.ensure_shares(context, [share]).get(share['id'], {})
        if update.get('status') == constants.STATUS_ERROR:
            raise exception.ShareResourceNotFound(share_id=share['id'])
        return update.get('export_locations')

    def update_share_usage_size(self, context, shares):
        """Used space of each share, in GiB."""
        result = []
        for share in shares:
            try:
                ref = self._share_ref(share)
                info = self.client.get_share(ref.pool, ref.project, ref.name)
            except (exception.ShareResourceNotFound,
                    client_errors.NotFoundError):
                LOG.warning('Share %s is not on the array; no usage.',
                            share['id'])
                continue
            except client_errors.IntelliFlashError as err:
                LOG.warning('Could not read the usage of share %(id)s: '
                            '%(err)s', {'id': share['id'], 'err': err})
                continue
            result.append({
                'id': share['id'],
                'used_size': round(float(_used_bytes(info)) / GiB, 3),
                'gathered_at': datetime.datetime.now(datetime.timezone.utc),
            })
        return result

    def _refresh_ip_versions(self):
        try:
            ips = self.client.list_floating_ips()
        except client_errors.IntelliFlashError as err:
            LOG.warning('Could not list the floating IPs: %s', err)
            return
        versions = set()
        for item in ips:
            address = item.get('ipAddress') or ''
            versions.add(6 if ':' in address else 4)
        self._ip_versions = sorted(versions) or [4]

    def get_configured_ip_versions(self):
        return self._ip_versions or [4]

    def _update_share_stats(self, data=None):
        """Capacity and capabilities of every pool of the array."""
        pools = []
        for pool in self._call(self.client.list_pools, what='list the pools'):
            name = pool['name']
            total = int(pool.get('totalSize') or 0)
            free = int(pool.get('availableSize') or 0)
            pools.append({
                'pool_name': name,
                'total_capacity_gb': round(float(total) / GiB, 2),
                'free_capacity_gb': round(float(free) / GiB, 2),
                'allocated_capacity_gb': self._allocated_gb(name),
                'reserved_percentage':
                    self.configuration.reserved_share_percentage,
                'reserved_snapshot_percentage': (
                    self.configuration.reserved_share_from_snapshot_percentage
                    or self.configuration.reserved_share_percentage),
                'reserved_share_extend_percentage': (
                    self.configuration.reserved_share_extend_percentage
                    or self.configuration.reserved_share_percentage),
                'thin_provisioning': [True, False],
                'max_over_subscription_ratio':
                    self.configuration.max_over_subscription_ratio,
                'dedupe': [True, False],
                'compression': [True, False],
                'qos': False,
                'snapshot_support': True,
                'create_share_from_snapshot_support': True,
                'revert_to_snapshot_support': True,
                'mount_snapshot_support': False,
            })
        self._refresh_ip_versions()
        stats = {
            'share_backend_name': self._backend_name or DEFAULT_BACKEND_NAME,
            'vendor_name': VENDOR,
            'driver_version': VERSION,
            'storage_protocol': 'NFS_CIFS',
            'total_capacity_gb': round(sum(
                p['total_capacity_gb'] for p in pools), 2),
            'free_capacity_gb': round(sum(
                p['free_capacity_gb'] for p in pools), 2),
            'snapshot_support': True,
            'create_share_from_snapshot_support': True,
            'revert_to_snapshot_support': True,
            'mount_snapshot_support': False,
            'qos': False,
            'pools': pools,
        }
        if data:
            stats.update(data)
        super(TegileShareDriver, self)._update_share_stats(stats)

    def _allocated_gb(self, pool):
        """GiB promised to the shares of the project (their quotas)."""
        try:
            shares = self.client.list_shares(pool, self._project)
        except client_errors.NotFoundError:
            return 0
        except client_errors.IntelliFlashError as err:
            raise self._backend_error('list the shares of %s/%s' % (
                pool, self._project), err)
        allocated = 0
        for item in shares:
            try:
                info = self.client.get_share(pool, self._project,
                                             item['name'])
            except client_errors.NotFoundError:
                continue
            except client_errors.IntelliFlashError as err:
                raise self._backend_error('read share %s/%s/%s' % (
                    pool, self._project, item['name']), err)
            quota = int(info.get('quotaInByte') or 0)
            allocated += quota if quota > 0 else _used_bytes(info)
        return _gib_ceil(allocated) if allocated else 0

    # ------------------------------------------------------------------
    # Manage / unmanage
    # ------------------------------------------------------------------

    def _parse_export_path(self, share, proto):
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
        if proto == _NFS:
            match = re.match(r'^(\[[^\]]+\]|[^:/]+):(/.+)$', path)
            if not match:
                raise exception.ManageInvalidShare(
                    reason=_('%s is not an NFS export path '
                             '(address:/export/path)') % path)
            return match.group(2).rstrip('/') or '/'
        match = re.match(r'^\\\\([^\\]+)\\([^\\]+)\\?$', path)
        if not match:
            raise exception.ManageInvalidShare(
                reason=_('%s is not a CIFS export path (\\\\address\\name)')
                % path)
        return match.group(2)

    def _find_managed(self, share, proto, pool, wanted):
        """Find the array share whose export path is ``wanted``."""
        shares = self._call(self.client.list_shares, pool, self._project,
                            what='list the shares of %s/%s' % (
                                pool, self._project))
        candidates = []
        for item in shares:
            if proto == _NFS:
                mount = client_paths.mount_point(item, self._project,
                                                 item['name'])
                if mount.rstrip('/') == wanted:
                    candidates.append(item['name'])
            else:
                candidates.append(item['name'])
        for name in candidates:
            info = self._call(self.client.get_share, pool, self._project,
                              name, what='read share %s' % name)
            if proto == _NFS:
                return name, info
            display = client_paths.smb_name(info, self._project, name)
            if display.lower() == wanted.lower():
                return name, info
        if proto == _NFS:
            match = re.match(r'^/export/([^/]+)/([^/]+)$', wanted)
            if match and match.group(1) != self._project:
                raise exception.ManageInvalidShare(
                    reason=_('%(path)s belongs to project %(other)s; this '
                             'back end manages only project %(project)s') % {
                        'path': wanted, 'other': match.group(1),
                        'project': self._project})
        raise exception.ManageInvalidShare(
            reason=_('no share of project %(project)s in pool %(pool)s is '
                     'exported as %(path)s') % {
                'project': self._project, 'pool': pool, 'path': wanted})

    def _check_type_matches(self, share, info, name):
        """Refuse to manage a share whose dedupe, compression or thin
        provisioning contradicts what its share type asks for (nothing is
        changed on the array to make it fit)."""
        props = self._type_properties(share)
        problems = []
        for prop, spec in (('dedup', 'dedupe'),
                           ('compression', 'compression')):
            wanted = props.get(prop)
            if wanted is None:
                continue
            actual = str(info.get(prop) or 'off').lower()
            if (wanted == 'off') != (actual == 'off'):
                problems.append(_('%(spec)s is %(actual)s on the array but '
                                  'the share type asks for %(wanted)s') % {
                    'spec': spec, 'actual': actual,
                    'wanted': 'off' if wanted == 'off' else 'on'})
        if props.get(THICK) and int(info.get('reservationInByte') or 0) <= 0:
            problems.append(_('the share type asks for thin_provisioning '
                              'False but the share has no reservation'))
        if problems:
            raise exception.ManageExistingShareTypeMismatch(
                reason=_('%(name)s: %(problems)s') % {
                    'name': name, 'problems': '; '.join(problems)})

    def manage_existing(self, share, driver_options):
        """Take over a share of the project; its size is its quota."""
        proto = self._proto(share)
        pool = self._pool_of(share)
        if not pool:
            raise exception.ManageInvalidShare(
                reason=_('share %s: the host must name a pool '
                         '(host@backend#pool)') % share['id'])
        wanted = self._parse_export_path(share, proto)
        name, info = self._find_managed(share, proto, pool, wanted)
        if info.get('projectName') not in (None, self._project):
            raise exception.ManageInvalidShare(
                reason=_('%(name)s belongs to project %(other)s') % {
                    'name': name, 'other': info.get('projectName')})
        if (info.get('containerName') or 'Local') != 'Local':
            raise exception.ManageInvalidShare(
                reason=_('%s is a replica and cannot be managed') % name)
        key = 'sharenfs' if proto == _NFS else 'sharesmb'
        if info.get(key) == 'off':
            raise exception.ManageInvalidShare(
                reason=_('%(name)s is not exported over %(proto)s') % {
                    'name': name, 'proto': proto})
        self._check_type_matches(share, info, name)
        quota = int(info.get('quotaInByte') or 0)
        ref = _ShareRef(pool, self._project, name)
        if quota > 0:
            size = _gib_ceil(quota)
        else:
            size = _gib_ceil(_used_bytes(info))
        if quota != size * GiB:
            self._call(self.client.set_share_quota, pool, self._project, name,
                       size * GiB, what='set the quota of %s to %s GiB' % (
                           ref.path, size))
        self.private_storage.update(share['id'], {PD_ARRAY_NAME: name})
        try:
            locations = self._export_locations(ref, proto)
        except client_errors.IntelliFlashError as err:
            raise self._backend_error('export share %s' % ref.path, err)
        LOG.info('Managing %(path)s as share %(id)s (%(size)s GiB).',
                 {'path': ref.path, 'id': share['id'], 'size': size})
        return {'size': size, 'export_locations': locations}

    def unmanage(self, share):
        """Forget the share; it stays on the array untouched."""
        self.private_storage.delete(share['id'])
        LOG.info('Share %s is no longer managed by Manila.', share['id'])

    def manage_existing_snapshot(self, snapshot, driver_options):
        """Take over a snapshot named by its provider_location."""
        share = self._snapshot_share(snapshot)
        ref = self._share_ref(share)
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
        names = self._call(self.client.list_snapshots, ref.pool, ref.project,
                           ref.name, what='list snapshots of %s' % ref.path)
        if name not in names:
            prefixed = client_paths.share_snapshot_name(name)
            if prefixed in names:
                name = prefixed
            else:
                raise exception.ManageInvalidShareSnapshot(
                    reason=_('share %(path)s has no snapshot %(name)s') % {
                        'path': ref.path, 'name': name})
        size = share.get('size') or 1
        LOG.info('Managing snapshot %(path)s@%(name)s as %(id)s.',
                 {'path': ref.path, 'name': name, 'id': snapshot['id']})
        return {'size': int(size), 'provider_location': name}

    def unmanage_snapshot(self, snapshot):
        LOG.info('Snapshot %s is no longer managed by Manila.',
                 snapshot['id'])
