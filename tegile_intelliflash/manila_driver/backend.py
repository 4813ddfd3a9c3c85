# SPDX-License-Identifier: Apache-2.0
"""What every part of the driver shares: the array connection, the project
Manila's shares live in, Manila's private data, and where a share lives.

Every Manila share lives in one project of the array (option
``tegile_default_project``, default ``openstack``) in the pool named by the
share's host (``host@backend#pool``), except the shares of a share group:
they live in the group's own project (:func:`group_project`, see groups.py).
Share size is the share's quota.
"""

import threading
import time

from oslo_config import cfg
from oslo_log import log

from manila import exception
from manila.i18n import _
from manila.share import share_types
from manila.share import utils as share_utils

from tegile_intelliflash.client import errors as client_errors
from tegile_intelliflash.client import limits as client_limits
from tegile_intelliflash.client import paths as client_paths
from tegile_intelliflash.client import sizes as client_sizes
from tegile_intelliflash.client import transport as client_transport
from tegile_intelliflash.manila_driver import allocation
from tegile_intelliflash.manila_driver import errors

LOG = log.getLogger(__name__)

DEFAULT_PROJECT = 'openstack'

# Keys of the driver's private data (manila's DriverPrivateData).
# Managed share: its name on the array.
PD_ARRAY_NAME = 'tegile_share_name'
# Clone in progress: its source share and full snapshot name.
PD_CLONE_SOURCE = 'tegile_clone_source'
PD_CLONE_SNAPSHOT = 'tegile_clone_snapshot'
# Share group (its id): 'true' when its shares live in a project of its own
# (groups.py). A group without it was made by a driver before share groups
# (1.1.0 and older, Manila's generic groups): its shares live in the back
# end's project and its snapshots are one per share.
PD_GROUP_PROJECT = 'tegile_group_project'

THICK = 'thick'  # not an array property: "reserve the whole size"

#: Seconds a list of the array's floating IPs is used before it is read again
#: (by whatever needs it first: a stats refresh, or a share's export
#: location). They are the addresses clients mount from, and the IP versions
#: reported to the scheduler; an administrator moves or adds one rarely, and
#: expects the change to show within minutes, not at once. Ten minutes (ten
#: stats refreshes at Manila's default interval of 60 s) makes the reading
#: one call in ten refreshes, while a moved address reaches new shares'
#: export locations within that time (docs/manila-driver.md, "What each
#: operation costs"). A restart of the share service reads them at once.
FLOATING_IP_TTL = 600

#: Threads running driver calls beside the RPC server's: the share manager's
#: periodic tasks (stats, share status, ...) run one after another in one.
PERIODIC_CALLERS = 1

#: oslo.messaging's default executor_thread_pool_size, for a Manila where the
#: option cannot be read.
DEFAULT_RPC_WORKERS = 64

#: Between the back end's project name and a share group id in the name of
#: the group's project (docs/protocol-choices.md, "Share groups").
GROUP_PROJECT_INFIX = '-sg-'


def connection_pool_size(conf=None):
    """Connections the driver's client keeps open for reuse: one per driver
    call Manila can run at once. A manila-share process serves one back end
    (manila.cmd.share starts one per back end); its RPC server runs up to
    ``executor_thread_pool_size`` requests at once (oslo.messaging's
    executor, green or native threads), and the share manager's periodic
    tasks add their thread. With fewer connections each call beyond them
    opens one and closes it after (urllib3's "Connection pool is full,
    discarding connection"), a TLS handshake per call; more cost nothing
    (a connection is opened only when a call needs one). At most the
    client's MAX_POOL_MAXSIZE: past it, calls open their own connections."""
    size = _rpc_workers(cfg.CONF if conf is None else conf) + PERIODIC_CALLERS
    if size > client_transport.MAX_POOL_MAXSIZE:
        LOG.warning('executor_thread_pool_size allows %(n)d calls at once; '
                    'the client keeps %(max)d connections for reuse (calls '
                    'beyond them open one each).',
                    {'n': size, 'max': client_transport.MAX_POOL_MAXSIZE})
        return client_transport.MAX_POOL_MAXSIZE
    return size


def _rpc_workers(conf):
    try:
        return max(1, int(conf.executor_thread_pool_size))
    except cfg.NoSuchOptError:
        pass
    # do_setup runs in the share manager's init_host, before the service
    # builds its RPC server, which registers the option: register it here
    # from oslo.messaging's own definition (the same option, so the server's
    # registration later is no conflict) to read what manila.conf says.
    try:
        from oslo_messaging import opts as messaging_opts
        conf.register_opts([opt for group, opts in messaging_opts.list_opts()
                            if group in (None, 'DEFAULT') for opt in opts
                            if opt.name == 'executor_thread_pool_size'])
        return max(1, int(conf.executor_thread_pool_size))
    except (ImportError, cfg.Error, TypeError, ValueError) as err:
        LOG.warning('Cannot read executor_thread_pool_size (%(err)s): the '
                    'client keeps %(n)d connections.',
                    {'err': err, 'n': DEFAULT_RPC_WORKERS + PERIODIC_CALLERS})
        return DEFAULT_RPC_WORKERS


def allocated_bytes(info):
    """What a share (its ShareInfo) counts in its pool's allocated capacity:
    its quota, or the space it uses when it has none."""
    return info.quota_bytes or info.used_bytes


#: The start of a share group snapshot's name on the array (after the
#: array's ``Manual-P-``): the rest is the Manila group snapshot's id.
GROUP_SNAPSHOT_PREFIX = 'share-group-snapshot-'


def group_snapshot_id(full_name):
    """The Manila share group snapshot whose part ``full_name`` (a snapshot
    of a share, with its array prefix) is, or None."""
    prefix = client_paths.PROJECT_SNAPSHOT_PREFIX + GROUP_SNAPSHOT_PREFIX
    if full_name.startswith(prefix) and len(full_name) > len(prefix):
        return full_name[len(prefix):]
    return None


def group_project(project, group_id):
    """The array project of share group ``group_id`` on a back end whose
    project is ``project``."""
    return '%s%s%s' % (project, GROUP_PROJECT_INFIX, group_id)


def pool_of(share):
    return share_utils.extract_host(share['host'], level='pool')


def size_bytes(share, size=None):
    """A Manila size (whole GiB) in bytes; InvalidShare otherwise."""
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
    return gib * client_sizes.GiB


def validate_name(share, name):
    try:
        client_paths.validate_name(name, 'share name')
    except client_errors.InvalidArgumentError as err:
        raise exception.InvalidShare(
            reason=_('share %(id)s: %(err)s') % {'id': share.get('id'),
                                                 'err': err})


def _parse_boolean(share, key, value):
    try:
        return share_types.parse_boolean_extra_spec(key, value)
    except exception.InvalidExtraSpec as err:
        raise exception.InvalidShare(
            reason=_('share %(id)s: %(err)s') % {'id': share['id'],
                                                 'err': err})


def type_properties(share):
    """Properties requested by the share type: dedupe, compression and
    thin_provisioning (False: the share reserves its whole size; key
    THICK in the result).

    Raises InvalidShare (before anything is written) on a bad value.
    """
    if not share.get('share_type_id'):
        return {}
    specs = share_types.get_extra_specs_from_share(share) or {}
    props = {}
    for key, prop, on, off in (('dedupe', 'dedup', 'on', 'off'),
                               ('compression', 'compression', 'lz4', 'off')):
        value = specs.get(key)
        if value is not None:
            props[prop] = on if _parse_boolean(share, key, value) else off
    value = specs.get('thin_provisioning')
    if value is not None and not _parse_boolean(share, 'thin_provisioning',
                                                value):
        props[THICK] = True
    return props


def known_limits(share, private_storage):
    """(quota, reservation) bytes the driver gave ``share``: its Manila size,
    reserved whole when its type is thick (as :func:`type_properties` made
    it); None for a managed share (its limits were an administrator's: only
    the array can say).

    A type changed since, or limits changed on the array, make a write the
    array refuses; the caller then reads the share (shares.resize)."""
    if private_storage.get(share['id'], PD_ARRAY_NAME):
        return None
    size = size_bytes(share)
    return size, size if type_properties(share).get(THICK) else 0


#: The errors after which a write did not run (the array refused it, or it
#: never reached the array): the writes of a limits plan done before it are
#: undone. Not OutcomeUnknownError: that write may have run, and undoing
#: the ones before would break the plan's order (a reservation above the
#: quota).
NOT_RUN = (client_errors.ApiError, client_errors.ConnectionFailedError,
           client_errors.ArrayTimeoutError, client_errors.AuthenticationError,
           client_errors.ProtocolError)


class Backend(object):
    """The driver's state, shared by its parts (one per Manila back end)."""

    def __init__(self, configuration, private_storage):
        self.configuration = configuration
        self.private_storage = private_storage
        self.project = None
        self._client = None
        # Pool -> ProjectInfo of the back end's project as set-up (or the
        # last create) found it (from listProjects at set-up: its name and
        # pool only); None when the driver created it. Only the keys are
        # read: a pool listed here is not checked again before each share
        # creation.
        self.projects = {}
        self._floating_ips = None
        self._floating_ips_at = 0.0
        # Bumped by every forget and every reading kept: a reading started
        # before is not kept (it may predate a move the forget was for).
        self._floating_ips_generation = 0
        # Pool names of the last listPools, and of the last listPools before
        # the floating IPs were read: a pool new since may come with floating
        # IPs of its own (see floating_ips).
        self._pools_listed = frozenset()
        self._pools_at_floating_ips = frozenset()
        #: Seconds, for the floating IPs' age (time.monotonic; tests set it).
        self.clock = time.monotonic
        self._lock = threading.Lock()
        #: Bytes allocated per pool (allocation.py), kept by the operations.
        self.allocated = allocation.AllocatedBytes()
        # Share group id -> whether it has a project of its own (a group's
        # layout never changes: read once from Manila's private data).
        self._group_layouts = {}

    def conf(self, name):
        return self.configuration.safe_get(name)

    @property
    def server(self):
        return str(self.conf('tegile_nas_server'))

    @property
    def client(self):
        if self._client is None:
            raise exception.ShareBackendException(
                msg=_('the Tegile driver is not set up (do_setup was not '
                      'called or failed)'))
        return self._client

    def connect(self, client):
        """Use ``client`` from now on, closing the one before (Manila
        retries a failed set-up every few minutes, for ever)."""
        self.close_client()
        self._client = client

    def close_client(self):
        client, self._client = self._client, None
        self.projects = {}
        self.forget_floating_ips()
        self.allocated.forget()
        if client is not None:
            client.close()

    @errors.translate('list the pools')
    def list_pools(self):
        pools = self.client.list_pools()
        with self._lock:
            self._pools_listed = frozenset(pool.name for pool in pools)
        return pools

    # -- where shares live ------------------------------------------------

    def array_name(self, share):
        """The share's name on the array (a managed share keeps its own)."""
        return (self.private_storage.get(share['id'], PD_ARRAY_NAME)
                or share['name'])

    def project_of(self, share):
        """The project a share lives in: its share group's when the group
        has one, else the back end's."""
        group_id = share.get('share_group_id')
        return group_project(self.project, group_id) \
            if self.group_has_project(group_id) else self.project

    def group_has_project(self, group_id):
        """Whether share group ``group_id`` has an array project of its own
        (:data:`PD_GROUP_PROJECT`); not a group made before the driver had
        share groups, whose shares live in the back end's project."""
        if not group_id:
            return False
        if group_id not in self._group_layouts:
            self._group_layouts[group_id] = bool(
                self.private_storage.get(group_id, PD_GROUP_PROJECT))
        return self._group_layouts[group_id]

    def record_group_project(self, group_id):
        """Record that share group ``group_id`` has a project of its own,
        before anything of it is made on the array."""
        self.private_storage.update(group_id, {PD_GROUP_PROJECT: 'true'})
        self._group_layouts[group_id] = True

    def forget_group(self, group_id):
        """The share group is deleted: drop its private data."""
        self.private_storage.delete(group_id)
        self._group_layouts.pop(group_id, None)

    def share_ref(self, share, pool=None):
        """Where a Manila share instance lives on the array (a client
        DatasetRef: pool, project, array share name)."""
        pool = pool or pool_of(share) or self.find_pool_of(share)
        return client_paths.share_ref(pool, self.project_of(share),
                                      self.array_name(share))

    def find_pool_of(self, share):
        name = self.array_name(share)
        project = self.project_of(share)
        for pool in self.list_pools():
            with errors.translate('look for share %s' % name):
                found = self.client.find_share(
                    client_paths.share_ref(pool.name, project, name))
            if found:
                return pool.name
        raise exception.ShareResourceNotFound(share_id=share['id'])

    def ensure_project(self, pool, known=False, listed=None):
        """Create the back end's project in ``pool`` if it is missing.

        ``known``: skip the check when set-up (or an earlier call) already
        found or made the project; a share creation that finds it gone
        forgets it (:meth:`forget_project`) and calls this again.
        ``listed``: the projects of ``pool`` (listProjects' ProjectInfo,
        set-up's): whether the project is there is read from them, without
        a getProject.
        """
        if known and pool in self.projects:
            return
        if listed is not None:
            found = next((item for item in listed
                          if item.name == self.project), None)
        else:
            with errors.translate('read project %s/%s' % (pool,
                                                          self.project)):
                found = self.client.find_project(
                    client_paths.project_ref(pool, self.project))
        if found:
            self.projects[pool] = found
            return
        LOG.info('Creating project %(project)s in pool %(pool)s.',
                 {'project': self.project, 'pool': pool})
        with errors.translate('create project %s in pool %s' % (
                self.project, pool),
                (client_errors.AlreadyExistsError, errors.IGNORE)):
            self.client.create_project(
                client_paths.project_ref(pool, self.project))
        self.projects[pool] = None

    def forget_project(self, pool):
        self.projects.pop(pool, None)

    # -- floating IPs (export locations, IP versions) ----------------------

    def floating_ips(self):
        """The array's floating IPs (FloatingIP), kept between calls: read
        again when never read, older than FLOATING_IP_TTL, or when the last
        listPools named a pool that was not there when they were read (a new
        pool comes with its own floating IPs; the stats refresh that shows it
        to the scheduler reads them, before any share is placed in it)."""
        with self._lock:
            cached = self._floating_ips
            age = self.clock() - self._floating_ips_at
            new_pool = not self._pools_listed <= self._pools_at_floating_ips
            stale = cached is None or age >= FLOATING_IP_TTL or new_pool
            pools = self._pools_listed
            generation = self._floating_ips_generation
        if stale:
            cached = self.client.list_floating_ips()
            with self._lock:
                # A forget (or another reading kept) since this one began:
                # this one is used by its caller, not kept for the others.
                if generation == self._floating_ips_generation:
                    self._floating_ips_generation += 1
                    self._floating_ips = cached
                    self._floating_ips_at = self.clock()
                    self._pools_at_floating_ips = pools
        return cached

    def forget_floating_ips(self):
        """Read the floating IPs again at their next use."""
        with self._lock:
            self._floating_ips = None
            self._floating_ips_generation += 1

    # -- writes shared by creation, resize, revert and ensure -------------

    def apply_type_properties(self, ref, props):
        """Pin the share type's properties on the share.

        Written even when the inherited value already matches, so that the
        share keeps them when the project changes. ``compression on`` keeps
        the algorithm in force (the project's), or lz4 when it is off.
        """
        wanted = dict((k, v) for k, v in props.items() if k != THICK)
        if not wanted:
            return
        if wanted.get('compression') not in (None, 'off'):
            current = self.client.get_share(ref)
            algorithm = current.compression
            if algorithm and algorithm != 'off':
                wanted['compression'] = algorithm
        self.client.modify_share(ref, wanted)

    def set_size(self, ref, size, info):
        """Set the quota to ``size`` bytes; a thick share (one with a
        reservation) keeps its reservation equal to its quota (``info``:
        the share's ShareInfo).

        The client plans the writes so that the reservation never exceeds
        the quota in between; a reservation the pool cannot hold puts the
        old quota back and raises NoSpaceError. A quota the array refuses
        (data written since ``info`` was read) puts a reservation lowered
        before it back and raises QuotaError: a refused shrink leaves a
        thick share as thick as it was. Any other write that did not run
        (:data:`NOT_RUN`) undoes the one before it the same way.
        """
        plan = client_limits.plan_size(info, size)
        client_limits.apply_limits(self.client, plan, ref, undo_on=NOT_RUN,
                                   log=LOG)

    def read_share(self, ref):
        """getShare of ``ref`` (NotFoundError when it is not on the array).
        What it holds goes into the allocated record (allocation.py): the
        first count of its pool need not read it again, and a share marked
        dirty is not read again at the next refresh. The reading begins
        before the call, so that an operation's outcome recorded meanwhile
        wins over it."""
        with self.allocated.reading(ref.pool) as keep:
            try:
                info = self.client.get_share(ref)
            except client_errors.NotFoundError:
                keep(ref, None)
                raise
            keep(ref, allocated_bytes(info))
        return info

    def allocation_unknown(self, share):
        """An operation on ``share`` failed: what it holds now is read
        again at the next refresh (allocation.py); every pool is counted
        again when the share's place is not known without asking the
        array."""
        try:
            pool = pool_of(share) if share else None
            ref = self.share_ref(share, pool) if pool else None
        except Exception:  # pylint: disable=broad-except
            ref = None  # no host, or Manila's private data unreadable
        if ref is None:
            self.allocated.forget()
        else:
            self.allocated.dirty(ref)

    def delete_quietly(self, ref, share_id):
        """Remove what a failed creation left; never raises."""
        try:
            self.client.delete_share(ref, recursive=False, missing_ok=True)
            LOG.info('Removed share %(path)s after a failed creation of '
                     'Manila share %(id)s.', {'path': ref.path,
                                              'id': share_id})
        except Exception as err:  # pylint: disable=broad-except
            LOG.error('Could not remove share %(path)s after a failed '
                      'creation of Manila share %(id)s; remove it by hand: '
                      '%(err)s', {'path': ref.path, 'id': share_id,
                                  'err': err})
