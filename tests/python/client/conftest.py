# SPDX-License-Identifier: Apache-2.0
"""Fixtures: one simulator (HTTPS, verification on) for the whole client test session.

Helpers (password, client factory, unique names) are in ``client_helpers``.
"""

import pytest

from client_helpers import PASSWORD, make_client, make_client_like, unique
from tegile_intelliflash.simulator.harness import SimulatorProcess
from tegile_intelliflash.client.paths import project_ref, share_ref


@pytest.fixture(scope="session")
def sim(tmp_path_factory):
    state = tmp_path_factory.mktemp("client-sim")
    with SimulatorProcess(str(state), host="127.0.0.1", port=0, user="admin",
                          password=PASSWORD) as process:
        yield process


@pytest.fixture
def sim_clean(sim):
    """The simulator with zeroed call counters; faults and delays are cleared afterwards."""
    # Every test using this fixture leaves no faults or delays behind (teardown below), so
    # setting up only needs fresh counters.
    sim.reset_calls()
    yield sim
    sim.clear_faults()
    sim.set_delays(snapshot_ms=0, clone_ms=0)


@pytest.fixture
def client(sim_clean):
    with make_client(sim_clean) as c:
        yield c


@pytest.fixture
def project(client):
    """A fresh project in pool-a, deleted (with its shares) afterwards."""
    name = unique("p")
    client.create_project(project_ref("pool-a", name))
    yield name
    cleanup = make_client_like(client)
    try:
        for item in cleanup.list_shares(project_ref("pool-a", name)):
            cleanup.delete_share(share_ref("pool-a", name, item.name), recursive=True)
        cleanup.delete_project(project_ref("pool-a", name))
    finally:
        cleanup.close()
