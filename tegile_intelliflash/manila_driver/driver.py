# SPDX-License-Identifier: Apache-2.0
"""OpenStack Manila share driver for Tegile (DDN) IntelliFlash arrays.

A thin layer over this project's REST client (``tegile_intelliflash.client``,
API v2 only). This module holds Manila's entry points (the ShareDriver
subclass) and the set-up; the work is done by the package's other modules
(the reasons are in docs/manila-driver.md):

* ``backend``: the driver's state and where a share lives on the array;
* ``errors``: the one translation of client errors into Manila exceptions;
* ``protocols/``: what differs between NFS and CIFS, and the one routine
  that syncs an access list;
* ``shares``, ``snapshots``, ``access``: share life cycle, snapshots and
  clones, access rules;
* ``manage``: manage and unmanage; ``capacity``: stats and usage;
* ``groups``: share groups and their consistent snapshots.
"""

import contextlib
import logging

from oslo_log import log

from manila.common import constants
from manila import exception
from manila.i18n import _
from manila.share import driver

from tegile_intelliflash.client import errors as client_errors
from tegile_intelliflash.client.api import IntelliFlashClient
from tegile_intelliflash.client import paths as client_paths
from tegile_intelliflash.client.transport import __version__ as package_version
from tegile_intelliflash.manila_driver import access
from tegile_intelliflash.manila_driver import backend as backend_mod
from tegile_intelliflash.manila_driver import capacity
from tegile_intelliflash.manila_driver import errors
from tegile_intelliflash.manila_driver import groups
from tegile_intelliflash.manila_driver import manage
from tegile_intelliflash.manila_driver import options
from tegile_intelliflash.manila_driver import shares as shares_mod
from tegile_intelliflash.manila_driver import snapshots
from tegile_intelliflash.manila_driver.protocols import nfs

LOG = log.getLogger(__name__)

# The collection's version (galaxy.yml, scripts/version.py).
VERSION = package_version
VENDOR = 'Tegile'
DEFAULT_BACKEND_NAME = 'Tegile'
# The client's names of the settings do_setup hands it, as the options that
# hold them: a refused setting is named as the option to fix.
OPTION_OF_FIELD = {
    'host': 'tegile_nas_server', 'port': 'tegile_nas_port',
    'username': 'tegile_nas_login', 'password': 'tegile_nas_password',
    'ca_path': 'tegile_nas_ssl_ca_file', 'timeout': 'tegile_nas_timeout',
    'retry_budget': 'tegile_nas_retry_budget'}


def _refused_setting(err):
    """The text of a client refusal of a setting, naming its option."""
    field = getattr(err, 'field', None)
    message = getattr(err, 'message', None) or str(err)
    if field not in OPTION_OF_FIELD:
        return str(err)
    if message.startswith(field + ': '):
        message = message[len(field) + 2:]
    return '%s: %s' % (OPTION_OF_FIELD[field], message)


#: The NFS "no access" entry (see protocols/nfs.py).
NO_ACCESS_HOST = nfs.NO_ACCESS_HOST


def _group_entry_point(operation):
    """Manila's entry point of the same name for a groups.py ``operation``.

    The share-group entry points only hand their dictionaries (the group,
    the group snapshot) to groups.py: with DHSS=False there is no share
    server and the request context is not needed. Built here once rather
    than written out five times; ``operation``'s docstring documents it.
    A group made before the driver had share groups (no project of its own,
    groups.has_project) is served by Manila's generic implementation.
    """
    name = operation.__name__

    def entry_point(self, context, *payload, share_server=None):
        if not groups.has_project(self._backend, name, payload):
            generic = getattr(driver.ShareDriver, name)
            return generic(self, context, *payload,
                           share_server=share_server)
        return operation(self._backend, *payload)

    entry_point.__name__ = operation.__name__
    entry_point.__qualname__ = 'TegileShareDriver.' + operation.__name__
    entry_point.__doc__ = operation.__doc__
    return entry_point


class TegileShareDriver(driver.ShareDriver):
    """Tegile IntelliFlash NAS driver (NFS and CIFS, no share servers).

    Version history:
        1.0.0 - First version over the v2 REST API: quotas as share sizes,
                bulk access rules, manage/unmanage, revert, clone progress.
    """

    VERSION = VERSION

    def __init__(self, *args, **kwargs):
        private_storage = kwargs.get('private_storage')
        if private_storage is None:
            # Clone progress and managed shares' array names live there:
            # without it they would be lost at the first restart.
            raise TypeError(
                'TegileShareDriver needs private_storage (Manila\'s '
                'DriverPrivateData, which Manila\'s share manager always '
                'passes)')
        super(TegileShareDriver, self).__init__(False, *args, **kwargs)
        self.configuration.append_config_values(options.ALL_OPTS)
        self.private_storage = private_storage
        self._backend = backend_mod.Backend(self.configuration,
                                            private_storage)
        self._backend_name = None
        # Tegile arrays export over IPv6 as well; the versions actually
        # offered are those of the array's floating IPs (see
        # get_configured_ip_versions).
        self.ipv6_implemented = True
        self._ip_versions = None

    @property
    def client(self):
        """The REST client (ShareBackendException before set-up)."""
        return self._backend.client

    @contextlib.contextmanager
    def _allocation_of(self, share):
        """The operations record the size of the share they change
        (allocation.py); one that fails may have changed it by an unknown
        amount: that share is read again at the next refresh."""
        try:
            yield
        except exception.ShareShrinkingPossibleDataLoss:
            # A shrink refused: the quota is the one before (shares.resize
            # refuses before writing it, or the array refused it), as
            # recorded. Nothing to read again.
            raise
        except Exception:
            self._backend.allocation_unknown(share)
            raise

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
        project = (self._conf('tegile_default_project')
                   or backend_mod.DEFAULT_PROJECT)
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
        self._backend.project = project
        self._backend_name = (self._conf('share_backend_name')
                              or DEFAULT_BACKEND_NAME)
        # Manila retries a failed set-up (every few minutes, for ever): each
        # attempt releases the connections of the one before.
        self._backend.close_client()
        try:
            client = IntelliFlashClient(
                server, login, password,
                port=self._conf('tegile_nas_port') or 443,
                verify=bool(verify),
                ca_path=ca_file or None,
                timeout=(min(10.0, timeout), timeout),
                retry_budget=float(retry_budget),
                user_agent='manila-share/%s' % VERSION,
                logger=logging.getLogger('tegile_intelliflash.client'),
                pool_maxsize=backend_mod.connection_pool_size())
        except client_errors.IntelliFlashError as err:
            raise exception.BadConfigurationException(
                reason=_refused_setting(err))
        except ValueError as err:
            raise exception.BadConfigurationException(
                reason=_('invalid Tegile connection settings: %s') % err)
        self._backend.connect(client)
        try:
            self._check_connection(client)
        except Exception:
            # Kept (closed) for inspection; every call on it now fails.
            client.close()
            raise

    def _check_connection(self, client):
        server = self._conf('tegile_nas_server')

        def failure(message, **values):
            values['server'] = server
            return lambda err: exception.ShareBackendException(
                msg=message % dict(values, err=err))

        with errors.translate(
                'check the connection',
                (client_errors.AuthenticationError, failure(
                    _('the IntelliFlash array %(server)s rejected the '
                      'credentials of user %(user)s (tegile_nas_login / '
                      'tegile_nas_password)'),
                    user=self._conf('tegile_nas_login'))),
                (client_errors.TLSVerificationError,
                 lambda err: exception.ShareBackendException(
                     msg=_('cannot connect to the IntelliFlash array '
                           '%(server)s: %(err)s') % {
                         'server': server, 'err': errors.tls_text(err)})),
                ((client_errors.ConnectionFailedError,
                  client_errors.ArrayTimeoutError), failure(
                    _('cannot reach the IntelliFlash array %(server)s: '
                      '%(err)s'))),
                (client_errors.IntelliFlashError, failure(
                    _('the IntelliFlash array %(server)s answered the '
                      'connection check with an error: %(err)s')))):
            system = client.check_connection()
        LOG.info('Connected to IntelliFlash array %(server)s (model '
                 '%(model)s, version %(version)s, API %(api)s.%(minor)s), '
                 'project %(project)s.',
                 {'server': server, 'model': system.model,
                  'version': system.version, 'api': system.api_version,
                  'minor': system.api_minor_version,
                  'project': self._backend.project})

    def check_for_setup_error(self):
        """Fail fast when the array has no pool; create missing projects;
        list the shares each pool's allocated capacity counts (the listing
        half of its first count, capacity.list_at_setup)."""
        pools = self._backend.list_pools()
        if not pools:
            raise exception.ShareBackendException(
                msg=_('the IntelliFlash array %s has no storage pool') %
                self._conf('tegile_nas_server'))
        for pool in pools:
            capacity.list_at_setup(self._backend, pool.name)
        self._refresh_ip_versions()

    # ------------------------------------------------------------------
    # Shares
    # ------------------------------------------------------------------

    def create_share(self, context, share, share_server=None):
        """Create a share whose quota is the requested size."""
        with self._allocation_of(share):
            return shares_mod.create_share(self._backend, share)

    def delete_share(self, context, share, share_server=None):
        """Delete a share; a share already gone is a success."""
        with self._allocation_of(share):
            shares_mod.delete_share(self._backend, share)

    def extend_share(self, share, new_size, share_server=None):
        """Grow the share's quota (and its reservation when thick)."""
        with self._allocation_of(share):
            shares_mod.resize(self._backend, share, new_size)

    def shrink_share(self, share, new_size, share_server=None):
        """Lower the share's quota, never below the space in use."""
        with self._allocation_of(share):
            shares_mod.resize(self._backend, share, new_size, shrink=True)

    def get_pool(self, share):
        """Pool of a share: from its host, else looked up on the array."""
        return (backend_mod.pool_of(share)
                or self._backend.find_pool_of(share))

    def get_network_allocations_number(self):
        return 0

    # ------------------------------------------------------------------
    # Snapshots
    # ------------------------------------------------------------------

    def create_snapshot(self, context, snapshot, share_server=None):
        return snapshots.create_snapshot(self._backend, snapshot)

    def delete_snapshot(self, context, snapshot, share_server=None):
        snapshots.delete_snapshot(self._backend, snapshot)

    def create_share_from_snapshot(self, context, share, snapshot,
                                   share_server=None, parent_share=None):
        """Clone a snapshot; the clone's quota is the requested size."""
        with self._allocation_of(share):
            return snapshots.create_share_from_snapshot(
                self._backend, share, snapshot, parent_share=parent_share)

    def get_share_status(self, share, share_server=None):
        """Progress of a share created asynchronously from a snapshot."""
        with self._allocation_of(share):
            return snapshots.get_share_status(self._backend, share)

    def revert_to_snapshot(self, context, snapshot, share_access_rules,
                           snapshot_access_rules, share_server=None):
        """Roll the share back; snapshots newer than the target stop it."""
        with self._allocation_of(snapshot.get('share')
                                 or snapshot.get('share_instance')):
            snapshots.revert_to_snapshot(self._backend, snapshot)

    # ------------------------------------------------------------------
    # Share groups
    # ------------------------------------------------------------------

    # Manila calls these as (context, group and/or group snapshot,
    # share_server=None); groups.py does the work (see _group_entry_point).
    create_share_group = _group_entry_point(groups.create_share_group)
    delete_share_group = _group_entry_point(groups.delete_share_group)
    create_share_group_snapshot = _group_entry_point(
        groups.create_share_group_snapshot)
    delete_share_group_snapshot = _group_entry_point(
        groups.delete_share_group_snapshot)
    create_share_group_from_share_group_snapshot = _group_entry_point(
        groups.create_share_group_from_share_group_snapshot)

    # ------------------------------------------------------------------
    # Access
    # ------------------------------------------------------------------

    def update_access(self, context, share, access_rules, add_rules,
                      delete_rules, update_rules, share_server=None):
        """Make the array's access lists equal to Manila's rules
        (``access_rules`` already reflects the three change lists)."""
        return access.update_access(self._backend, share, access_rules,
                                    add_rules, delete_rules, update_rules)

    # ------------------------------------------------------------------
    # Start-up, usage and stats
    # ------------------------------------------------------------------

    def get_backend_info(self, context):
        """What decides the shares' export locations and access (no secret).

        Manila hashes this dictionary and calls ensure_shares when it changes.
        """
        return capacity.backend_info(self._backend, VERSION)

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
        # Every share's export locations are written again: from the floating
        # IPs as they are now (one call; an administrator asks for an ensure
        # to have moved addresses seen at once, docs/manila-driver.md).
        self._backend.forget_floating_ips()
        return shares_mod.ensure_shares(self._backend, shares)

    def ensure_share(self, context, share, share_server=None):
        update = self.ensure_shares(context, [share]).get(share['id'], {})
        if update.get('status') == constants.STATUS_ERROR:
            raise exception.ShareResourceNotFound(share_id=share['id'])
        return update.get('export_locations')

    def update_share_usage_size(self, context, shares):
        """Used space of each share, in GiB."""
        return capacity.share_usage(self._backend, shares)

    def _refresh_ip_versions(self):
        versions = capacity.ip_versions(self._backend)
        if versions is not None:
            self._ip_versions = versions

    def get_configured_ip_versions(self):
        return self._ip_versions or [4]

    def _update_share_stats(self, data=None):
        """Capacity and capabilities of every pool of the array."""
        pools = capacity.pool_stats(self._backend)
        self._refresh_ip_versions()
        stats = {
            'share_backend_name': self._backend_name or DEFAULT_BACKEND_NAME,
            'vendor_name': VENDOR,
            'driver_version': VERSION,
        }
        stats.update(capacity.backend_stats(pools))
        stats['share_group_stats'] = {
            'consistent_snapshot_support': groups.CONSISTENT_SNAPSHOT_SUPPORT}
        if data:
            stats.update(data)
        super(TegileShareDriver, self)._update_share_stats(stats)

    # ------------------------------------------------------------------
    # Manage / unmanage
    # ------------------------------------------------------------------

    def manage_existing(self, share, driver_options):
        """Take over a share of the project; its size is its quota."""
        return manage.manage_existing(self._backend, share)

    def unmanage(self, share):
        """Forget the share; it stays on the array untouched (never a
        share group's member)."""
        groups.refuse_unmanage(share)
        manage.unmanage(self._backend, share)

    def manage_existing_snapshot(self, snapshot, driver_options):
        """Take over a snapshot named by its provider_location."""
        return manage.manage_existing_snapshot(self._backend, snapshot)

    def unmanage_snapshot(self, snapshot):
        manage.unmanage_snapshot(snapshot)
