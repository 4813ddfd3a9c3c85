# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""C33 for the Replica copies of the control API (/sim/v1/replica): a replica is mounted below
/export/Replica/<project>, which another replica or a Local share may already hold."""

import pytest

from tegile_intelliflash.simulator.harness import SimulatorError


def test_replica_shares_do_not_take_a_mount_point_in_use(private_sim, private_api):
    api = private_api
    # Projects of one name in two pools: their shares of one name differ in mount point only
    # through an own mountPoint, which a replica does not keep.
    for pool, mount in (("pool-a", {}), ("pool-b", {"mountPoint": "/export/b/s"})):
        api("createProject", {"poolName": pool, "projectName": "p"})
        api("createShare", pool, "p", "s", mount, [])
    private_sim.receive_replica("pool-a/Local/p")
    assert api("getShare", "pool-a/Replica/p/s")["mountPoint"] == "/export/Replica/p/s"
    with pytest.raises(SimulatorError) as err:
        private_sim.receive_replica("pool-b/Local/p")
    assert "/export/Replica/p/s" in str(err.value)
    assert api.error("getProject", "pool-b", "p", False) == "EZEBI_RESOURCE_NOT_FOUND"
    # A Local share that chose the directory a replica share would get.
    api("createProject", {"poolName": "pool-b", "projectName": "q"})
    api("createShare", "pool-b", "q", "s", {}, [])
    api("createShare", "pool-b", "q", "t", {"mountPoint": "/export/Replica/q/s"}, [])
    with pytest.raises(SimulatorError):
        private_sim.receive_replica("pool-b/Local/q")
    assert api.error("getProject", "pool-b", "q", False) == "EZEBI_RESOURCE_NOT_FOUND"
