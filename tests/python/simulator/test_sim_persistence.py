# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Persistence across restarts, SIGKILL consistency, and concurrency (no lost update)."""

import os
import sqlite3
import sys
import threading

import requests

from conftest import Api, ArrayError, GiB
from tegile_intelliflash.simulator.harness import SimulatorProcess


def test_restart_keeps_everything(private_sim, private_api):
    api = private_api
    api("createProject", {"poolName": "pool-a", "projectName": "keep", "dedup": "on"})
    api("createShare", "pool-a", "keep", "s", {"quota": 3 * GiB}, [])
    share = "pool-a/Local/keep/s"
    api("setNFSSharingOnShare", share, True)
    api("addNFSNetworkACLOnShare", share, "IP", "10.0.0.0/8", "ro", False)
    private_sim.set_used(share, GiB)
    api("createShareSnapshot", {"poolName": "pool-a", "projectName": "keep", "name": "s"}, "a",
        False)
    api("cloneShareSnapshot", share + "@Manual-S-a", "c", True)
    api("setSMBConfig", {"pdc": "dc.example.com"})
    before = [api("getShare", share), api("getShare", "pool-a/Local/keep/c"),
              api("getProject", "pool-a", "keep", True), api("listPools"),
              api("getNFSNetworkACLsOnShare", share), api("getSMBConfig"),
              api("listSystemProperties", ["INTELLIFLASH_ARRAY_GUID"])]
    port = private_sim.port
    private_sim.stop()  # SIGTERM: a clean exit
    assert not private_sim.running and private_sim.process.returncode == 0
    private_sim.start()
    assert private_sim.port == port
    after = [api("getShare", share), api("getShare", "pool-a/Local/keep/c"),
             api("getProject", "pool-a", "keep", True), api("listPools"),
             api("getNFSNetworkACLsOnShare", share), api("getSMBConfig"),
             api("listSystemProperties", ["INTELLIFLASH_ARRAY_GUID"])]
    assert after == before
    # a second simulator on the same state directory is refused
    second = SimulatorProcess(private_sim.state_dir, python=sys.executable)
    try:
        second.start()
    except Exception as exc:
        assert "in use by another simulator" in str(exc)
    else:
        second.stop()
        raise AssertionError("two simulators shared one state directory")
    assert api.error("deleteShareSnapshot", share + "@Manual-S-a", False) == \
        "EZEBI_RESOURCE_INUSE"
    # the journal is WAL with FULL sync
    conn = sqlite3.connect(os.path.join(private_sim.state_dir, "state.db"))
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_pool_option_plain_http_and_startup_error(tmp_path):
    with SimulatorProcess(tmp_path / "a", python=sys.executable,
                          extra_args=("--pool", "fast=2T", "--pool", "slow=512G",
                                      "--plain-http")) as sim:
        assert sim.url == "http://127.0.0.1:%d" % sim.port
        api = Api(sim)
        pools = {p["name"]: p["totalSize"] for p in api("listPools")}
        assert pools == {"fast": 2 * 1024 ** 4, "slow": 512 * GiB}
        assert [ip["poolName"] for ip in api("getFloatingIPList", "All")] == ["fast", "slow"]
        # capacity: a clone's used bytes must fit in the pool (C26)
        api("createProject", {"poolName": "slow", "projectName": "p"})
        api("createShare", "slow", "p", "big", {}, [])
        sim.set_used("slow/Local/p/big", 300 * GiB)
        api("createShareSnapshot", {"poolName": "slow", "projectName": "p", "name": "big"},
            "s", False)
        assert api.error("cloneShareSnapshot", "slow/Local/p/big@Manual-S-s", "c", True) == \
            "EZEBI_NOSPACE"
        api("createProjectSnapshot", {"poolName": "slow", "name": "p"}, "all", False)
        assert api.error("cloneProjectSnapshot", "slow/Local/p@Manual-P-all", "p2", True) == \
            "EZEBI_NOSPACE"
        assert api("listProjects", "slow", True) == [{"name": "p", "poolName": "slow",
                                                      "local": True}]
        api.close()
    bad = SimulatorProcess(tmp_path / "b", python=sys.executable, extra_args=("--pool", "x=lots"))
    try:
        bad.start()
    except Exception as exc:  # SimulatorError carrying the process's stderr
        assert "invalid size" in str(exc)
    else:
        bad.stop()
        raise AssertionError("a bad --pool must be refused")


def _check_invariants(api):
    """Every reference resolves and pool free space equals total minus consumption."""
    pools = {p["name"]: p for p in api("listPools")}
    consumption = {name: 0 for name in pools}
    for pool in pools:
        for proj in api("listProjects", pool, True):
            project = api("getProject", pool, proj["name"], True)
            assert project["poolName"] == pool
            for item in api("listShares", pool, proj["name"], True):
                share = api("getShare", item["datasetPath"])
                assert share["projectName"] == proj["name"]
                used = share["totalSize"] - share["availableSize"]
                consumption[pool] += max(used, share["reservationInByte"])
                for name in api("listSnapshots", item["datasetPath"], ""):
                    status = api("getShareSnapshotCreationStatus", item["datasetPath"], name)
                    assert status["snapshotProgressStatus"] == 0
    for name, pool in pools.items():
        assert pool["availableSize"] == pool["totalSize"] - consumption[name]


def _check_database(path):
    """What the API cannot show: no orphan rows (every reference in the store resolves)."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        orphans = {
            "share without project": "SELECT path FROM shares WHERE project NOT IN "
                                     "(SELECT path FROM projects)",
            "project without pool": "SELECT path FROM projects WHERE pool NOT IN "
                                    "(SELECT name FROM pools)",
            "snapshot without dataset": "SELECT path FROM snapshots WHERE dataset NOT IN "
                                        "(SELECT path FROM shares UNION SELECT path FROM projects)",
            "clone without snapshot": "SELECT path FROM shares WHERE origin IS NOT NULL AND "
                                      "origin NOT IN (SELECT path FROM snapshots)",
        }
        for what, sql in orphans.items():
            assert conn.execute(sql).fetchall() == [], what
    finally:
        conn.close()


def test_sigkill_during_concurrent_writes_leaves_consistent_state(tmp_path):
    sim = SimulatorProcess(tmp_path, python=sys.executable,
                           extra_args=("--log-level", "WARNING"))
    sim.start()
    try:
        api = Api(sim)
        for i in range(3):
            api("createProject", {"poolName": "pool-a", "projectName": "w%d" % i})
        acknowledged = []
        failures = []
        lock = threading.Lock()
        enough = threading.Event()
        killing = threading.Event()

        def writer(index):
            client = Api(sim)
            project = "w%d" % index
            n = 0
            while not killing.is_set():
                n += 1
                share = "s%d" % n
                path = "pool-a/Local/%s/%s" % (project, share)
                try:
                    client("createShare", "pool-a", project, share,
                           {"reservation": GiB}, [])
                    with lock:
                        acknowledged.append(path)
                    client("modifyShareProperties", path, {"reservationInByte": 2 * GiB,
                                                           "dedup": "on"})
                    client("createShareSnapshot", {"poolName": "pool-a", "projectName": project,
                                                   "name": share}, "x", False)
                    client("addNFSNetworkACLOnShare", path, "IP", "10.0.0.%d" % (n % 250 + 1),
                           "rw", False)
                    client("cloneShareSnapshot", path + "@Manual-S-x", "c" + share, True)
                except (requests.exceptions.RequestException, ArrayError) as exc:
                    if not killing.is_set():
                        failures.append(exc)
                    break
                if len(acknowledged) >= 9:
                    enough.set()
            client.close()

        threads = [threading.Thread(target=writer, args=(i,), daemon=True) for i in range(3)]
        for thread in threads:
            thread.start()
        enough.wait(timeout=120)
        killing.set()
        sim.kill()  # SIGKILL while the writers are mid-call
        for thread in threads:
            thread.join(timeout=60)
        assert not failures
        assert enough.is_set(), "writers did not make progress"
        _check_database(os.path.join(sim.state_dir, "state.db"))
        sim.start()
        api = Api(sim)
        for path in acknowledged:  # every acknowledged create survived
            api("getShare", path)
        _check_invariants(api)
        # the array still works normally afterwards
        api("createShare", "pool-a", "w0", "after", {"reservation": GiB}, [])
        assert api("getShare", "pool-a/Local/w0/after")["reservationInByte"] == GiB
    finally:
        sim.stop()


def test_parallel_writers_lose_no_update(api):
    api("createProject", {"poolName": "pool-b", "projectName": "race"})
    api("createShare", "pool-b", "race", "s", {}, [])
    share = "pool-b/Local/race/s"
    errors = []
    results = []

    def add(index):
        client = Api(api.sim)
        try:
            for j in range(5):
                client("addNFSNetworkACLOnShare", share, "IP", "10.%d.%d.0/24" % (index, j),
                       "rw", False)
            try:
                client("createShare", "pool-b", "race", "same", {}, [])
                results.append("created")
            except ArrayError as exc:
                results.append(exc.code)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            client.close()

    threads = [threading.Thread(target=add, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(api("getNFSNetworkACLsOnShare", share)) == 30
    assert sorted(results) == ["EZEBI_RESOURCE_EXIST"] * 5 + ["created"]
