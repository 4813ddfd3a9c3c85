# SPDX-License-Identifier: Apache-2.0
"""The driver under lost replies (issue 8, items 1 and 4): a write is never in flight twice, and
a share holds its own sharing settings (not values inherited from the project)."""

import time

import pytest

from manila import exception

from tegile_driver_helpers import create, make_rule, make_share, new_driver, where
from tegile_intelliflash.client.acl import NetworkRule
from tegile_intelliflash.client.paths import dataset_ref, project_ref, share_ref
from tegile_intelliflash.manila_driver.driver import NO_ACCESS_HOST

SLOW_MS = 2000
# Every NFS access-list write on a share, whichever the driver uses.
ACL_WRITES = ["setNFSNetworkACLsOnShare", "addNFSNetworkACLOnShare",
              "removeNFSNetworkACLOnShare", "removeAllNFSNetworkACLsOnShare"]


def nfs_hosts(array, driver, share):
    return sorted(r.host for r in array.get_network_acls("nfs", dataset_ref(*where(driver, share))))


@pytest.fixture
def slow_driver(simulator):
    """Read timeout 1 s (below the latency), 10 s to wait for a write's effect."""
    drv = new_driver(simulator, tegile_nas_timeout=1, tegile_nas_retry_budget=10)
    yield drv
    simulator.clear_faults()
    drv.client.close()


def test_grant_grant_deny_under_latency_keeps_the_rule_revoked(simulator, slow_driver, array):
    """The first access-list write is slower than the read timeout. The state a few seconds
    after the last call returned: the denied rule stays denied (the slow first write, answered
    by a fast re-sent copy, used to commit after the grant and the deny)."""
    share = create(slow_driver)
    a = make_rule("ip", "10.0.0.1")
    b = make_rule("ip", "10.0.0.2")
    simulator.reset_calls()
    simulator.set_faults(latency_ms=SLOW_MS, methods=ACL_WRITES, count=1)
    assert slow_driver.update_access(None, share, [a], [a], [], []) == {}
    assert slow_driver.update_access(None, share, [a, b], [b], [], []) == {}
    assert slow_driver.update_access(None, share, [b], [], [a], []) == {}
    sent = sum(simulator.calls()["by_method"].get(m, 0) for m in ACL_WRITES)
    time.sleep(SLOW_MS / 1000.0 + 1.5)
    simulator.clear_faults()
    assert nfs_hosts(array, slow_driver, share) == ["10.0.0.2"]
    # Nothing was sent twice: no write arrived after the calls returned.
    assert sum(simulator.calls()["by_method"].get(m, 0) for m in ACL_WRITES) == sent


def test_cifs_share_whose_nfs_pin_was_lost_is_not_reported_created(simulator, driver, array):
    """create_share pins NFS off on a CIFS share. That request is lost before it runs: the
    effective NFS state read back is "off" anyway (inherited from the project), but the share's
    own setting was never written. The driver must not report the share as created (it would be
    NFS-exported to every host once the project turns NFS on)."""
    share = make_share("CIFS")
    simulator.set_faults(reset_rate=1, methods=["setNFSSharingOnShare"], count=1)
    try:
        with pytest.raises(exception.ShareBackendException) as err:
            driver.create_share(None, share)
    finally:
        simulator.clear_faults()
    assert "outcome of setNFSSharingOnShare" in str(err.value)
    assert "unknown" in str(err.value)
    assert array.find_share(share_ref(*where(driver, share))) is None


def test_ensure_repins_a_share_that_follows_its_project(simulator, driver, array):
    """A share that lost its own sharing settings (inherits them from the project, which now
    exports NFS to a network) is closed and pinned again by ensure_shares."""
    share = create(driver)
    pool, project, name = where(driver, share)
    array.inherit_network_acls(share_ref(pool, project, name))
    array.set_nfs_sharing(project_ref(pool, project), True)
    array.set_network_acls("nfs", project_ref(pool, project), [NetworkRule("IP", "10.7.0.0/16", "rw")])
    try:
        assert array.is_exposed("nfs", dataset_ref(pool, project, name))  # inherited, open to 10.7/16
        update = driver.ensure_shares(None, [share])[share["id"]]
        assert update["reapply_access_rules"] is True
        info = array.get_share(share_ref(pool, project, name))
        assert info.nfs_own is True and info.smb_own is True
        assert info.nfs is True and info.smb is False
        assert nfs_hosts(array, driver, share) == [NO_ACCESS_HOST]
        # The project's next change does not reach the share.
        array.set_nfs_sharing(project_ref(pool, project), False)
        assert array.is_exposed("nfs", dataset_ref(pool, project, name))
    finally:
        array.set_nfs_sharing(project_ref(pool, project), False)


def test_ensure_pins_the_other_protocol_off_without_closing_the_share(driver, array):
    """An NFS share exported by its own setting whose SMB "off" is only inherited (what the
    in-tree driver leaves): SMB is turned off on the share, NFS and its rules stay."""
    share = make_share("NFS", size=1)
    pool, project, name = where(driver, share)
    array.create_share(share_ref(pool, project, name), quota="1G")
    array.set_nfs_sharing(dataset_ref(pool, project, name), True)
    array.set_network_acls("nfs", dataset_ref(pool, project, name), [{"host": "10.0.0.1"}])
    assert array.get_share(share_ref(pool, project, name)).smb_own is False
    update = driver.ensure_shares(None, [share])[share["id"]]
    assert update["reapply_access_rules"] is False
    info = array.get_share(share_ref(pool, project, name))
    assert info.smb_own is True and info.smb is False
    assert nfs_hosts(array, driver, share) == ["10.0.0.1"]
    try:
        array.set_smb_sharing(project_ref(pool, project), True)
        assert not array.is_exposed("smb", dataset_ref(pool, project, name))
    finally:
        array.set_smb_sharing(project_ref(pool, project), False)


def test_ensure_whose_closed_list_write_fails_leaves_the_share_unexported(
        simulator, driver, array):
    """A share that follows its project (NFS off there) is exported again by ensure_shares: NFS
    on (an empty list: every host), then the closed list. When that write fails, NFS goes back
    off on the share instead of staying exported to every host."""
    share = create(driver)
    pool, project, name = where(driver, share)
    ref = dataset_ref(pool, project, name)
    array.inherit_network_acls(share_ref(pool, project, name))
    simulator.set_faults(error_rate=1, status=503, methods=["setNFSNetworkACLsOnShare"],
                         count=1000)
    try:
        assert driver.ensure_shares(None, [share])[share["id"]] == {}
    finally:
        simulator.clear_faults()
    assert array.is_exposed("nfs", ref) is False
    # The next ensure finds it closed by its own setting and asks Manila for its rules.
    update = driver.ensure_shares(None, [share])[share["id"]]
    assert update["reapply_access_rules"] is True
    assert array.is_exposed("nfs", ref) is False
