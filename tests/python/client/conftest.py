# SPDX-License-Identifier: Apache-2.0
"""Fixtures: one simulator (HTTPS, verification on) for the whole client test session."""

import logging
import uuid

import pytest

from tegile_intelliflash.client import IntelliFlashClient
from tegile_intelliflash.simulator.harness import SimulatorProcess

# A distinctive password, so that scanning logs and exception texts for it is meaningful.
PASSWORD = "Pw-9f3c7e-Sekr1t!"


@pytest.fixture(scope="session")
def sim(tmp_path_factory):
    state = tmp_path_factory.mktemp("client-sim")
    with SimulatorProcess(str(state), host="127.0.0.1", port=0, user="admin",
                          password=PASSWORD) as process:
        yield process


@pytest.fixture
def sim_clean(sim):
    """The simulator with no faults, no delays and zeroed call counters (restored after)."""
    # Every test using this fixture leaves no faults or delays behind (teardown below), so
    # setting up only needs fresh counters.
    sim.reset_calls()
    yield sim
    sim.clear_faults()
    sim.set_delays(snapshot_ms=0, clone_ms=0)


def make_client(sim, **overrides):
    options = dict(ca_path=sim.ca_path, retry_budget=5.0, backoff=0.01, backoff_max=0.05,
                   timeout=(5.0, 10.0))
    options.update(overrides)
    return IntelliFlashClient(sim.address, sim.user, sim.password, **options)


@pytest.fixture
def client(sim_clean):
    with make_client(sim_clean) as c:
        yield c


@pytest.fixture
def project(client):
    """A fresh project in pool-a, deleted (with its shares) afterwards."""
    name = "p-" + uuid.uuid4().hex[:10]
    client.create_project("pool-a", name)
    yield name
    cleanup = make_client_like(client)
    try:
        for item in cleanup.list_shares("pool-a", name):
            cleanup.delete_share("pool-a", name, item["name"], recursive=True)
        cleanup.delete_project("pool-a", name)
    finally:
        cleanup.close()


def make_client_like(client):
    t = client._transport
    return IntelliFlashClient(client.base_url.split("/zebi")[0], t.username, t._password,
                              ca_path=t.ca_path, retry_budget=5.0, backoff=0.01,
                              backoff_max=0.05)


def unique(prefix="s"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


@pytest.fixture
def debug_logs(caplog):
    caplog.set_level(logging.DEBUG, logger="tegile_intelliflash.client")
    return caplog


def fake_response(status, text):
    """A real requests.Response carrying ``text`` (for the few mocked replies)."""
    import requests

    response = requests.models.Response()
    response.status_code = status
    response._content = text.encode("utf-8")
    response.headers["Content-Type"] = "application/json"
    return response
