# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""The store's capacity sums and look-ups do not grow with the shares a call does not touch.

Every getShare answers its pool's free space and every create checks mount points (C33): with
thousands of shares these must read indexes, not decode every share. Checked by the query plan
and by comparing the kept columns with the documents (no timing).
"""

import json
import sqlite3

from tegile_intelliflash.simulator import core, model
from tegile_intelliflash.simulator.store import Store

GiB = 1024 ** 3


def _plan(txn, sql, args):
    return " ".join(row[3] for row in txn.conn.execute("EXPLAIN QUERY PLAN " + sql, args))


def _seed(store, count):
    with store.transaction(write=True) as txn:
        txn.put_pool("pool-a", 100 * 1024 * GiB)
        project = model.new_project("pool-a", "p")
        txn.put_project(project)
        for index in range(count):
            share = model.new_share(project, "s%d" % index)
            share["quota"] = (index + 1) * GiB
            share["used"] = index * 1000
            share["reservation"] = GiB if index % 3 == 0 else 0
            txn.put_share(share)
    return project


def test_capacity_sums_read_an_index_and_match_the_documents(tmp_path):
    store = Store(str(tmp_path))
    project = _seed(store, 30)
    with store.transaction(write=False) as txn:
        shares = txn.shares_of_pool("pool-a")
        assert len(shares) == 30
        assert txn.pool_consumption("pool-a") == sum(map(core.share_consumption, shares))
        assert txn.project_consumption(project["path"]) == \
            sum(map(core.share_consumption, shares))
        assert txn.pool_quota_total("pool-a") == sum(s["quota"] for s in shares)
        for sql in ("SELECT COALESCE(SUM(consumption), 0) FROM shares WHERE pool = ?",
                    "SELECT COALESCE(SUM(quota), 0) FROM shares WHERE pool = ?",
                    "SELECT COALESCE(SUM(consumption), 0) FROM shares WHERE project = ?"):
            assert "COVERING INDEX" in _plan(txn, sql, ("x",)), sql
        mount_sql = ("SELECT doc FROM shares WHERE name = ? OR "
                     "json_extract(doc, '$.own.mountPoint') = ? ORDER BY seq")
        plan = _plan(txn, mount_sql, ("s1", "/export/x"))
        assert "SCAN shares" not in plan and "shares_own_mount" in plan, plan
        # C27: a create into a project with SMB on looks its name up through an index.
        plan = _plan(txn, "SELECT doc FROM shares WHERE smb_name IN (?, ?) ORDER BY seq",
                     ("p_s1", "x"))
        assert "SCAN shares" not in plan and "shares_smb_name" in plan, plan
        assert [s["name"] for s in txn.shares_with_smb_names(["P_S1".lower()])] == ["s1"]
    # A write updates the kept columns with the document.
    with store.transaction(write=True) as txn:
        share = txn.shares_of_pool("pool-a")[0]
        share["used"] = 5 * GiB
        share["cifsDisplayName"] = "Finance"
        txn.put_share(share)
        txn.delete_share(txn.shares_of_pool("pool-a")[1]["path"])
    with store.transaction(write=False) as txn:
        shares = txn.shares_of_pool("pool-a")
        assert txn.pool_consumption("pool-a") == sum(map(core.share_consumption, shares))
        assert [s["name"] for s in txn.shares_with_smb_names(["finance", "p_s0", "p_s1"])] \
            == ["s0"]
    store.close()


def _old_state_db(tmp_path):
    """A connection to a state.db as a simulator from before the share columns made it."""
    conn = sqlite3.connect(str(tmp_path / Store.FILENAME))
    conn.executescript("""
        CREATE TABLE shares (path TEXT PRIMARY KEY, project TEXT NOT NULL, pool TEXT NOT NULL,
            name TEXT NOT NULL, origin TEXT, seq INTEGER NOT NULL, doc TEXT NOT NULL);
    """)
    return conn


def test_a_state_directory_from_before_the_columns_is_migrated(tmp_path):
    """An older simulator's state.db (no consumption/quota columns) gets them, filled from the
    documents, at the next start."""
    conn = _old_state_db(tmp_path)
    for index, (used, reservation, quota) in enumerate(((10, 0, 100), (5, 50, 200), (0, 0, 0))):
        doc = {"path": "pool-a/Local/p/s%d" % index, "project_path": "pool-a/Local/p",
               "pool": "pool-a", "name": "s%d" % index, "seq": index + 1, "used": used,
               "reservation": reservation, "quota": quota, "own": {}, "project": "p",
               "container": "Local", "cifsDisplayName": "Ünïcode" if index == 1 else ""}
        conn.execute("INSERT INTO shares VALUES (?, ?, ?, ?, NULL, ?, ?)",
                     (doc["path"], doc["project_path"], doc["pool"], doc["name"], doc["seq"],
                      json.dumps(doc)))
    conn.commit()
    conn.close()
    store = Store(str(tmp_path))
    with store.transaction(write=False) as txn:
        assert txn.pool_consumption("pool-a") == 10 + 50
        assert txn.project_consumption("pool-a/Local/p") == 60
        assert txn.pool_quota_total("pool-a") == 300
        # SMB names (C27) are keyed by Python's case folding, not SQLite's ASCII-only lower().
        assert [s["name"] for s in txn.shares_with_smb_names(["p_s0", "ünïcode", "p_s1"])] \
            == ["s0", "s1"]
    store.close()
    Store(str(tmp_path)).close()  # a second start finds the columns and changes nothing


def test_the_migration_reads_the_columns_under_its_write_lock(tmp_path, monkeypatch):
    """The migration reads which columns exist inside its write transaction: read before it,
    another start that migrated in between would make ALTER TABLE fail on a duplicate column."""
    _old_state_db(tmp_path).close()
    statements = []
    opened = Store._open

    def traced_open(self):
        conn = opened(self)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(Store, "_open", traced_open)
    Store(str(tmp_path)).close()
    words = [sql.strip().rstrip(";").split()[:2] for sql in statements]
    read = words.index(["PRAGMA", "table_info(shares)"])
    ends = [w[0] for w in words[:read] if w[0] in ("BEGIN", "COMMIT", "ROLLBACK")]
    assert ends and ends[-1] == "BEGIN", statements[:read + 1]
    assert ["ALTER", "TABLE"] in words[read:]
