# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Fixtures for the simulator tests: a real simulator process over HTTPS (verification on).

The tests talk to it with ``requests`` directly (never the project's client). One simulator is
shared by the whole directory (tests use distinct project names); tests that restart or kill it
start their own.
"""

import itertools
import json
import sys

import pytest
import requests

from tegile_intelliflash.simulator.harness import SimulatorProcess

GiB = 1024 ** 3
TiB = 1024 ** 4


class ArrayError(Exception):
    def __init__(self, status, body):
        super().__init__("HTTP %s %s" % (status, body))
        self.status = status
        self.body = body
        self.code = body.get("code") if isinstance(body, dict) else None


class Api:
    """Minimal raw caller for ``/zebi/api/<service>/<method>`` (positional bodies by default)."""

    def __init__(self, sim):
        self.sim = sim
        self.session = requests.Session()
        self.session.trust_env = False  # REQUESTS_CA_BUNDLE must not replace our CA
        self.session.verify = sim.ca_path
        self.session.auth = (sim.user, sim.password)

    def raw(self, method, body=None, service="v2", http="POST", **kw):
        url = "%s/zebi/api/%s/%s" % (self.sim.url, service, method)
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        return self.session.request(http, url, data=body, timeout=30, **kw)

    def __call__(self, method, *args, service="v2"):
        resp = self.raw(method, list(args), service=service)
        if resp.status_code != 200:
            try:
                body = resp.json()
            except ValueError:
                body = resp.text
            raise ArrayError(resp.status_code, body)
        assert resp.headers["Content-Type"].startswith("application/json")
        return resp.json() if resp.content else None

    def error(self, method, *args, service="v2"):
        """Call expecting an array error; returns its code (and checks the ErrorModel shape)."""
        with pytest.raises(ArrayError) as info:
            self(method, *args, service=service)
        err = info.value
        assert err.status == 500, err
        assert set(err.body) >= {"code", "message"} and err.body["message"], err.body
        return err.code

    def os(self, method, *args):
        return self(method, *args, service="openstack")

    def close(self):
        self.session.close()


@pytest.fixture(scope="session")
def sim(tmp_path_factory):
    state = tmp_path_factory.mktemp("sim-shared")
    with SimulatorProcess(state, python=sys.executable) as proc:
        yield proc


@pytest.fixture(scope="session")
def api(sim):
    client = Api(sim)
    yield client
    client.close()


_names = itertools.count(1)


@pytest.fixture
def project(api, request):
    """A fresh project in pool-a (unique name per test)."""
    name = "p%d-%s" % (next(_names), request.node.name[:40].replace("[", "-").replace("]", ""))
    name = "".join(c if c.isalnum() or c in "-_." else "-" for c in name)
    api("createProject", {"poolName": "pool-a", "projectName": name})
    return name


@pytest.fixture
def share(api, project):
    """A fresh share ``s1`` in a fresh project; returns its dataset path."""
    api("createShare", "pool-a", project, "s1", {"quota": -1, "reservation": -1},
        [{"sharePermissionEnum": 0, "sharePermissionMode": 0}])
    return "pool-a/Local/%s/s1" % project


@pytest.fixture
def clean_faults(sim):
    sim.clear_faults()
    yield
    sim.clear_faults()
    sim.set_delays(snapshot_ms=0, clone_ms=0)


def pool_free(api, name):
    return next(p["availableSize"] for p in api("listPools") if p["name"] == name)


@pytest.fixture
def private_sim(tmp_path):
    """A simulator of its own (for tests that change array-wide settings, restart or kill it)."""
    with SimulatorProcess(tmp_path / "state", python=sys.executable) as proc:
        yield proc


@pytest.fixture
def private_api(private_sim):
    client = Api(private_sim)
    yield client
    client.close()
