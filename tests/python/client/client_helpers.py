# SPDX-License-Identifier: Apache-2.0
"""Helpers shared by the client tests (a uniquely named module, not ``conftest``)."""

import uuid

from tegile_intelliflash.client.api import IntelliFlashClient

# A distinctive password, so that scanning logs and exception texts for it is meaningful.
PASSWORD = "Pw-9f3c7e-Sekr1t!"


def make_client(sim, **overrides):
    options = dict(ca_path=sim.ca_path, retry_budget=5.0, backoff=0.01, backoff_max=0.05,
                   timeout=(5.0, 10.0))
    options.update(overrides)
    return IntelliFlashClient(sim.address, sim.user, sim.password, **options)


def make_client_like(client):
    t = client._transport
    return IntelliFlashClient(client.base_url.split("/zebi")[0], t.username, t._password,
                              ca_path=t.ca_path, retry_budget=5.0, backoff=0.01,
                              backoff_max=0.05)


def unique(prefix="s"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


def fake_response(status, text):
    """A real requests.Response carrying ``text`` (for the few mocked replies)."""
    import requests

    response = requests.models.Response()
    response.status_code = status
    response._content = text.encode("utf-8")
    response.headers["Content-Type"] = "application/json"
    return response
