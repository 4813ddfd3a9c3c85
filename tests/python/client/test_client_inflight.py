# SPDX-License-Identifier: Apache-2.0
"""A write is never in flight twice (issue 8, item 1).

The simulator's latency fault makes one write slower than the client's read timeout (or a proxy
answers 504 while the array still executes it). The client must not send it again: it reads
until the effect shows, then the caller's next write runs. The state is checked a few seconds
after the last call returned, when a second copy of the first write would have committed and
undone the caller's next write.
"""

import time

import pytest

from tegile_intelliflash.client.acl import NetworkRule
from tegile_intelliflash.client.errors import OutcomeUnknownError
from tegile_intelliflash.client.sizes import GiB
from tegile_intelliflash.client.paths import dataset_ref, share_ref

from client_helpers import make_client

POOL = "pool-a"
SLOW_MS = 1500
# Read timeout well below the latency; a budget that covers it.
TIMEOUTS = dict(timeout=(5.0, 0.3), retry_budget=6.0)
FAULTS = {
    "latency": dict(latency_ms=SLOW_MS),
    "proxy-504": dict(latency_ms=SLOW_MS, proxy_timeout_ms=200),
}


def _settle():
    """Long enough for any copy of the slow write to have committed."""
    time.sleep(SLOW_MS / 1000.0 + 1.0)


@pytest.fixture
def slow_client(sim_clean):
    with make_client(sim_clean, **TIMEOUTS) as c:
        yield c


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_revoked_rule_stays_revoked(sim_clean, slow_client, project, fault):
    """Whole-list ACL writes: grant A+B (slow), then revoke B. B must stay revoked."""
    c = slow_client
    c.create_share(share_ref(POOL, project, "acl"))
    a = NetworkRule("IP", "10.1.0.0/16", "rw")
    b = NetworkRule("IP", "10.2.0.0/16", "rw")
    sim_clean.reset_calls()
    sim_clean.set_faults(methods=["setNFSNetworkACLsOnShare"], count=1, **FAULTS[fault])
    c.set_network_acls("nfs", dataset_ref(POOL, project, "acl"), [a, b])
    assert set(c.get_network_acls("nfs", dataset_ref(POOL, project, "acl"))) == {a, b}
    c.set_network_acls("nfs", dataset_ref(POOL, project, "acl"), [a])
    _settle()
    assert c.get_network_acls("nfs", dataset_ref(POOL, project, "acl")) == [a]
    assert sim_clean.calls()["by_method"]["setNFSNetworkACLsOnShare"] == 2


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_quota_change_then_another(sim_clean, slow_client, project, fault):
    c = slow_client
    c.create_share(share_ref(POOL, project, "q"))
    sim_clean.reset_calls()
    sim_clean.set_faults(methods=["modifyShareProperties"], count=1, **FAULTS[fault])
    c.set_share_quota(share_ref(POOL, project, "q"), 2 * GiB)
    c.set_share_quota(share_ref(POOL, project, "q"), 3 * GiB)
    _settle()
    assert c.get_share(share_ref(POOL, project, "q")).quota_bytes == 3 * GiB
    assert sim_clean.calls()["by_method"]["modifyShareProperties"] == 2


def test_delete_then_create_same_name(sim_clean, slow_client, project):
    """A slow delete, then a create of the same name: the new share survives."""
    c = slow_client
    c.create_share(share_ref(POOL, project, "again"), quota="1G")
    sim_clean.reset_calls()
    sim_clean.set_faults(methods=["deleteShare"], count=1, **FAULTS["latency"])
    c.delete_share(share_ref(POOL, project, "again"))
    c.create_share(share_ref(POOL, project, "again"), quota="2G")
    _settle()
    assert c.get_share(share_ref(POOL, project, "again")).quota_bytes == 2 * GiB
    assert sim_clean.calls()["by_method"]["deleteShare"] == 1


def test_effect_never_shows_is_outcome_unknown(sim_clean, project):
    """The write takes longer than the whole budget: one call, an error that says the outcome
    is unknown and names it; the write still commits once, later."""
    with make_client(sim_clean, timeout=(5.0, 0.3), retry_budget=0.5) as c:
        c.create_share(share_ref(POOL, project, "slow"))
        sim_clean.reset_calls()
        sim_clean.set_faults(methods=["modifyShareProperties"], count=1, latency_ms=2500)
        started = time.monotonic()
        with pytest.raises(OutcomeUnknownError) as info:
            c.set_share_quota(share_ref(POOL, project, "slow"), 5 * GiB)
        assert time.monotonic() - started < 2.0
        text = str(info.value)
        assert text.startswith("the outcome of modifyShareProperties %s/Local/%s/slow is unknown"
                               % (POOL, project))
        assert "no reply from" in text and "not sent again" in text
        assert info.value.method == "modifyShareProperties"
        time.sleep(3.0)
        assert c.get_share(share_ref(POOL, project, "slow")).quota_bytes == 5 * GiB
        assert sim_clean.calls()["by_method"]["modifyShareProperties"] == 1
