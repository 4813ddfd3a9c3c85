# SPDX-License-Identifier: Apache-2.0
"""Capacity, usage and what the driver reports about the back end: pool
stats for the scheduler, share usage, the IP versions the array exports
over, and the backend info Manila compares at start-up."""

import datetime
import hashlib

from oslo_log import log

from manila import exception

from tegile_intelliflash.client import errors as client_errors
from tegile_intelliflash.client import paths as client_paths
from tegile_intelliflash.client import sizes as client_sizes
from tegile_intelliflash.manila_driver import backend as backend_mod
from tegile_intelliflash.manila_driver import errors
from tegile_intelliflash.manila_driver import groups

LOG = log.getLogger(__name__)

#: What every pool (and the back end) can do.
CAPABILITIES = {
    'qos': False,
    'snapshot_support': True,
    'create_share_from_snapshot_support': True,
    'revert_to_snapshot_support': True,
    'mount_snapshot_support': False,
}


def backend_info(backend, version):
    """What decides the shares' export locations and access (no secret)."""
    return {
        'driver_version': version,
        'server': backend.server,
        'port': str(backend.conf('tegile_nas_port')),
        'project': str(backend.project or
                       backend.conf('tegile_default_project') or
                       backend_mod.DEFAULT_PROJECT),
        'ssl_verify': str(backend.conf('tegile_nas_ssl_verify')),
        'ssl_ca_file': str(backend.conf('tegile_nas_ssl_ca_file')),
        'ca_digest': _ca_digest(backend.conf('tegile_nas_ssl_ca_file')),
    }


def _ca_digest(path):
    if not path:
        return ''
    try:
        with open(path, 'rb') as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return 'unreadable'


def share_usage(backend, shares):
    """Used space of each share, in GiB (shares that cannot be read are
    left out). Each read also feeds the allocated record (no extra call):
    the share's quota, or its absence, as the array says it now. Once the
    array is unreachable the remaining shares are not read (each would
    wait out its own retry budget), as in ensure_shares."""
    result = []
    for index, share in enumerate(shares):
        try:
            ref = backend.share_ref(share)
            info = backend.read_share(ref)
        except (client_errors.NotFoundError,
                exception.ShareResourceNotFound):
            LOG.warning('Share %s is not on the array; no usage.',
                        share['id'])
            continue
        except errors.ARRAY_DOWN as err:
            LOG.warning('Could not read the usage of share %(id)s nor of '
                        'the %(n)d shares after it: the array is unusable '
                        '(%(err)s).', {'id': share['id'], 'err': err,
                                       'n': len(shares) - index - 1})
            break
        except client_errors.IntelliFlashError as err:
            LOG.warning('Could not read the usage of share %(id)s: '
                        '%(err)s', {'id': share['id'], 'err': err})
            continue
        result.append({
            'id': share['id'],
            'used_size': round(float(info.used_bytes) / client_sizes.GiB, 3),
            'gathered_at': datetime.datetime.now(datetime.timezone.utc),
        })
    return result


def ip_versions(backend):
    """IP versions of the array's floating IPs (None if unknown), from the
    list the back end keeps (read again on its TTL, backend.FLOATING_IP_TTL,
    not at every stats refresh)."""
    try:
        ips = backend.floating_ips()
    except client_errors.IntelliFlashError as err:
        LOG.warning('Could not list the floating IPs: %s', err)
        return None
    versions = set()
    for item in ips:
        versions.add(6 if ':' in item.address else 4)
    return sorted(versions) or [4]


def pool_stats(backend):
    """Capacity and capabilities of every pool of the array."""
    conf = backend.configuration
    pools = []
    listed = backend.list_pools()
    backend.allocated.retain(pool.name for pool in listed)
    down = []  # a count found the array unusable: the next pools are not
    for pool in listed:
        stats = {
            'pool_name': pool.name,
            'total_capacity_gb': _gb(pool.total_bytes),
            'free_capacity_gb': _gb(pool.available_bytes),
            'allocated_capacity_gb': client_sizes.to_gib_ceil(
                _allocated(backend, pool.name, down)),
            'reserved_percentage': conf.reserved_share_percentage,
            'reserved_snapshot_percentage': (
                conf.reserved_share_from_snapshot_percentage
                or conf.reserved_share_percentage),
            'reserved_share_extend_percentage': (
                conf.reserved_share_extend_percentage
                or conf.reserved_share_percentage),
            'thin_provisioning': [True, False],
            'max_over_subscription_ratio': conf.max_over_subscription_ratio,
            'dedupe': [True, False],
            'compression': [True, False],
            'sg_consistent_snapshot_support': (
                groups.CONSISTENT_SNAPSHOT_SUPPORT),
        }
        stats.update(CAPABILITIES)
        pools.append(stats)
    return pools


def _allocated(backend, pool, down):
    """Bytes allocated in ``pool``. A count (or a share's read) that fails
    does not fail the refresh, which would keep every pool's old figures
    in Manila: the pool reports what the record holds (its last count and
    the driver's own operations since), and is counted again next time.
    Once a count found the array unusable (``down`` not empty), the next
    pools report their record without asking (each count would wait out
    the retry budget)."""
    if down:
        return backend.allocated.recorded(pool)
    try:
        return backend.allocated.get(
            pool,
            lambda name, known: _count_allocated(backend, name, known),
            lambda ref: _read_allocated(backend, ref))
    except exception.ManilaException as err:
        recorded = backend.allocated.recorded(pool)
        LOG.warning('Could not count the allocated capacity of pool '
                    '%(pool)s (%(err)s); reporting the %(gib)s GiB the '
                    'driver knows of until a count succeeds.',
                    {'pool': pool, 'err': err,
                     'gib': client_sizes.to_gib_ceil(recorded)})
        # translate() raised it while handling the client's error.
        if isinstance(err.__context__, errors.ARRAY_DOWN):
            down.append(pool)
        return recorded


def _gb(n_bytes):
    return round(float(n_bytes) / client_sizes.GiB, 2)


def backend_stats(pools):
    """The back end's totals over ``pools`` (from :func:`pool_stats`)."""
    stats = {
        'storage_protocol': 'NFS_CIFS',
        'total_capacity_gb': round(sum(
            p['total_capacity_gb'] for p in pools), 2),
        'free_capacity_gb': round(sum(
            p['free_capacity_gb'] for p in pools), 2),
        'pools': pools,
    }
    stats.update(CAPABILITIES)
    return stats


def list_at_setup(backend, pool):
    """Set-up's part of ``pool``: make sure the back end's project is there
    and list the shares its allocated capacity counts, so that the pool's
    first refresh reads only those the driver did not record itself (one
    getShare each) and lists nothing (allocation.py, "first count").

    listProjects tells whether the project exists, in place of a getProject
    (ProjectInfo of name and pool: nothing reads more of backend.projects).
    A listing that fails does not fail set-up: it is logged, the project is
    checked as without it, and the pool is counted at its first refresh.
    """
    with backend.allocated.listing(pool) as listed:
        try:
            projects = backend.client.list_projects(pool)
        except client_errors.IntelliFlashError as err:
            _setup_listing_failed(pool, err)
            backend.ensure_project(pool)
            return
        backend.ensure_project(pool, listed=projects)
        try:
            refs = []
            for name in _counted_projects(backend, projects):
                refs.extend(_list_project(backend, pool, name))
        except client_errors.IntelliFlashError as err:
            _setup_listing_failed(pool, err)
            return
        listed(refs)


def _setup_listing_failed(pool, err):
    LOG.warning('Could not list the shares of pool %(pool)s at set-up '
                '(%(err)s): its allocated capacity is counted at its first '
                'stats refresh.', {'pool': pool, 'err': err})


def _counted_projects(backend, projects):
    """Names of the projects (ProjectInfo) whose shares the allocated
    capacity counts: the back end's and its share groups'."""
    return [item.name for item in projects
            if item.name == backend.project
            or groups.is_group_project(backend, item.name)]


def _list_project(backend, pool, project):
    """Refs of the shares of ``project`` (none when it is not there);
    client errors otherwise."""
    try:
        shares = backend.client.list_shares(
            client_paths.project_ref(pool, project))
    except client_errors.NotFoundError:
        return []
    return [client_paths.share_ref(pool, project, item.name)
            for item in shares]


def _count_allocated(backend, pool, known=frozenset()):
    """{share ref: bytes promised} of the shares of the back end's project
    and of its share groups' projects (their quotas), counted from the
    array: one read per share, except those of ``known`` (None: listed,
    not read; see allocation.py for how often)."""
    with errors.translate('list the projects of pool %s' % pool):
        projects = backend.client.list_projects(pool)
    counted = {}
    for name in _counted_projects(backend, projects):
        with errors.translate('list the shares of %s/%s' % (pool, name)):
            refs = _list_project(backend, pool, name)
        for ref in refs:
            if ref in known:
                counted[ref] = None
                continue
            n_bytes = _read_allocated(backend, ref)
            if n_bytes is not None:
                counted[ref] = n_bytes
    return counted


def _read_allocated(backend, ref):
    """Bytes promised to one share (None: not on the array)."""
    info = None
    with errors.translate('read share %s' % ref.path,
                          (client_errors.NotFoundError, errors.IGNORE)):
        info = backend.client.get_share(ref)
    if info is None:
        return None
    return backend_mod.allocated_bytes(info)
