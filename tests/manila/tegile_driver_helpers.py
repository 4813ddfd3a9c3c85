# SPDX-License-Identifier: Apache-2.0
"""Helpers of the TegileShareDriver tests: a driver configured through Manila's real
Configuration, pointed at the session simulator over verified HTTPS, and share / snapshot /
access-rule dicts shaped like the ones Manila's share manager passes.

Every driver gets its own array project, so tests never see each other's shares.
"""

import itertools
import uuid

import pytest
from oslo_config import cfg

from manila.share import configuration
from manila.share import driver as manila_driver
from manila.share import drivers_private_data
from manila.share import share_types

from tegile_intelliflash.client.api import IntelliFlashClient
from tegile_intelliflash.manila_driver import options
from tegile_intelliflash.manila_driver.driver import TegileShareDriver

CONF = cfg.CONF
GiB = 1024 ** 3
POOL = "pool-a"
HOST = "manila@tegile#%s" % POOL
_groups = itertools.count(1)


class MemoryStorage(drivers_private_data.StorageDriver):
    """In-memory back end for Manila's real DriverPrivateData (no database here)."""

    def __init__(self):
        super(MemoryStorage, self).__init__(None, "test-host")
        self.data = {}

    def get(self, entity_id, key, default):
        values = self.data.get(entity_id, {})
        if key is None:
            return dict(values)
        if isinstance(key, list):
            return {k: values[k] for k in key if k in values} or default
        return values.get(key, default)

    def update(self, entity_id, details, delete_existing):
        if delete_existing:
            self.data[entity_id] = {}
        self.data.setdefault(entity_id, {}).update(details)

    def delete(self, entity_id, key):
        if key is None:
            self.data.pop(entity_id, None)
        else:
            self.data.get(entity_id, {}).pop(key, None)


def make_configuration(simulator, **overrides):
    group = "tegile_test_%d" % next(_groups)
    conf = configuration.Configuration(manila_driver.share_opts, config_group=group)
    conf.append_config_values(options.ALL_OPTS)
    values = {
        "driver_handles_share_servers": False,
        "share_backend_name": "tegile",
        "tegile_nas_server": "127.0.0.1",
        "tegile_nas_port": simulator.port,
        "tegile_nas_login": simulator.user,
        "tegile_nas_password": simulator.password,
        "tegile_nas_ssl_ca_file": simulator.ca_path,
        "tegile_default_project": "p%s" % uuid.uuid4().hex[:10],
        "tegile_nas_timeout": 30,
        "tegile_nas_retry_budget": 0,
    }
    values.update(overrides)
    for name, value in values.items():
        CONF.set_override(name, value, group=group)
    return conf


def pass_floating_ip_ttl(driver):
    """Age the driver's list of floating IPs past its TTL (backend.FLOATING_IP_TTL) without
    sleeping: the back end's clock runs that much ahead from now on (each call adds one TTL)."""
    from tegile_intelliflash.manila_driver import backend as backend_mod

    backend = driver._backend
    clock = backend.clock
    backend.clock = lambda: clock() + backend_mod.FLOATING_IP_TTL


def new_driver(simulator, setup=True, private_storage=None, **overrides):
    """A driver set up on ``simulator``; ``private_storage``: Manila's private data of an
    earlier driver (Manila keeps it in its database across restarts and upgrades)."""
    conf = make_configuration(simulator, **overrides)
    storage = private_storage or drivers_private_data.DriverPrivateData(storage=MemoryStorage())
    drv = TegileShareDriver(configuration=conf, private_storage=storage)
    if setup:
        drv.do_setup(None)
        drv.check_for_setup_error()
    return drv


@pytest.fixture
def driver(simulator):
    drv = new_driver(simulator)
    yield drv
    drv.client.close()


@pytest.fixture
def array(simulator):
    """An independent client to look at the array (verified HTTPS)."""
    client = IntelliFlashClient("127.0.0.1", simulator.user, simulator.password,
                                port=simulator.port, ca_path=simulator.ca_path,
                                retry_budget=0)
    yield client
    client.close()


@pytest.fixture
def share_type_specs(monkeypatch):
    """Extra specs per share type id (Manila reads them from its database)."""
    specs = {}

    def fake(share):
        return dict(specs.get(share.get("share_type_id"), {}))

    monkeypatch.setattr(share_types, "get_extra_specs_from_share", fake)
    return specs


def make_share(proto="NFS", size=1, host=HOST, share_type_id=None, **extra):
    instance_id = str(uuid.uuid4())
    share = {
        "id": instance_id,
        "share_id": str(uuid.uuid4()),
        "name": "share-%s" % instance_id,
        "size": size,
        "share_proto": proto,
        "host": host,
        "share_type_id": share_type_id,
        "status": "creating",
        "export_locations": [],
        "share_server": None,
    }
    share.update(extra)
    return share


def make_snapshot(share, **extra):
    instance_id = str(uuid.uuid4())
    snapshot = {
        "id": instance_id,
        "snapshot_id": str(uuid.uuid4()),
        "name": "share-snapshot-%s" % instance_id,
        "share_id": share["id"],
        "share_instance_id": share["id"],
        "share_name": share["name"],
        "share": share,
        "size": share["size"],
        "share_size": share["size"],
        "provider_location": None,
        "status": "creating",
    }
    snapshot.update(extra)
    return snapshot


def make_rule(access_type, access_to, level="rw"):
    access_id = str(uuid.uuid4())
    return {
        "id": str(uuid.uuid4()),
        "access_id": access_id,
        "access_type": access_type,
        "access_to": access_to,
        "access_level": level,
        "access_key": None,
        "state": "applying",
    }


def create(driver, proto="NFS", size=1, **extra):
    share = make_share(proto=proto, size=size, **extra)
    share["export_locations"] = driver.create_share(None, share)
    share["status"] = "available"
    return share


def where(driver, share):
    """(pool, project, array share name) of a share this driver created."""
    pool = share["host"].split("#", 1)[1]
    return pool, driver.configuration.safe_get("tegile_default_project"), share["name"]


def snapshot_names(array, ref):
    """Full names (``Manual-S-x``) of the snapshots of ``ref``, in creation order."""
    return [snap.full_name for snap in array.list_snapshots(ref)]


def fault_after_first_call(monkeypatch, simulator, client, attribute, method, status=400):
    """Once the first ``client.<attribute>`` call has succeeded, the next ``method`` call is
    answered ``status`` without running (a later write of the same operation fails)."""
    real = getattr(client, attribute)
    armed = []

    def call_then_fault(*args, **kwargs):
        result = real(*args, **kwargs)
        if not armed:
            armed.append(True)
            simulator.set_faults(error_rate=1, status=status, methods=[method], count=1)
        return result

    monkeypatch.setattr(client, attribute, call_then_fault)


def lose_reply_after_first_call(monkeypatch, simulator, client, attribute, method):
    """Once the first ``client.<attribute>`` call has succeeded, the reply of the next ``method``
    call is lost behind a proxy (504) and the array applies that call 1.5 s later, after the
    driver gave up looking for its effect: its outcome is unknown. Clear the faults after."""
    real = getattr(client, attribute)

    def call_then_lose_the_next(*args, **kwargs):
        result = real(*args, **kwargs)
        simulator.set_faults(latency_ms=1500, proxy_timeout_ms=100, methods=[method], count=1)
        return result

    monkeypatch.setattr(client, attribute, call_then_lose_the_next)
