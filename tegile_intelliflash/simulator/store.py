# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Persistent state of the simulated array: one SQLite file in the state directory.

Every API call runs in exactly one transaction (``Store.transaction``): writes take the database
lock up front (``BEGIN IMMEDIATE``), reads use a plain deferred transaction and see one consistent
snapshot (WAL). The journal is ``WAL`` with ``synchronous=NORMAL``: a commit is in the WAL file
before the call answers, so a committed call survives a ``kill -9`` of the simulator (not a
power loss of the host, which a test array need not survive) and an interrupted one leaves no
trace; no fsync per write. Objects are stored as JSON documents with
their identifying columns (path, parent, pool, origin) indexed beside them.
"""

import contextlib
import functools
import json
import os
import sqlite3
import threading

from . import model

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pools (
    name TEXT PRIMARY KEY, seq INTEGER NOT NULL, total INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS floating_ips (
    ip TEXT PRIMARY KEY, seq INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS projects (
    path TEXT PRIMARY KEY, pool TEXT NOT NULL, container TEXT NOT NULL, name TEXT NOT NULL,
    origin TEXT, seq INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS projects_pool ON projects (pool, container);
CREATE INDEX IF NOT EXISTS projects_origin ON projects (origin);
CREATE TABLE IF NOT EXISTS shares (
    path TEXT PRIMARY KEY, project TEXT NOT NULL, pool TEXT NOT NULL, name TEXT NOT NULL,
    origin TEXT, seq INTEGER NOT NULL, doc TEXT NOT NULL,
    consumption INTEGER NOT NULL DEFAULT 0, quota INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS shares_project ON shares (project);
CREATE INDEX IF NOT EXISTS shares_pool ON shares (pool);
CREATE INDEX IF NOT EXISTS shares_origin ON shares (origin);
CREATE INDEX IF NOT EXISTS shares_name ON shares (name);
CREATE INDEX IF NOT EXISTS shares_own_mount ON shares (json_extract(doc, '$.own.mountPoint'));
CREATE TABLE IF NOT EXISTS snapshots (
    path TEXT PRIMARY KEY, dataset TEXT NOT NULL, name TEXT NOT NULL,
    seq INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS snapshots_dataset ON snapshots (dataset, seq);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""

# Columns added after the first release of the schema: (column, definition, value of a row).
# A state directory made before them gets them at its next start (``Store._migrate``).
_SHARE_COLUMNS = (
    ("consumption", "INTEGER NOT NULL DEFAULT 0",
     "MAX(COALESCE(json_extract(doc, '$.used'), 0), "
     "COALESCE(json_extract(doc, '$.reservation'), 0))"),
    ("quota", "INTEGER NOT NULL DEFAULT 0", "COALESCE(json_extract(doc, '$.quota'), 0)"),
    # Filled from each document by Python (``model.smb_name_key``): SQLite's lower() folds
    # ASCII only.
    ("smb_name", "TEXT", model.smb_name_key),
)
# Sums over a pool's or a project's shares read these indexes only (every getShare answers its
# pool's free space: it must not decode every share of the pool).
_SHARE_INDEXES = (
    "CREATE INDEX IF NOT EXISTS shares_pool_space ON shares (pool, consumption, quota)",
    "CREATE INDEX IF NOT EXISTS shares_project_space ON shares (project, consumption)",
    # C27: a create into a project with SMB on looks its new share's name up, never every share.
    "CREATE INDEX IF NOT EXISTS shares_smb_name ON shares (smb_name)",
)


def _dump(doc):
    return json.dumps(doc, sort_keys=True, separators=(",", ":"))


@functools.lru_cache(maxsize=None)
def _upsert_sql(table, columns, update):
    """INSERT ... ON CONFLICT(first column) DO UPDATE SET the ``update`` columns. Table and
    column names are literals of this module, never input."""
    return "INSERT INTO %s (%s) VALUES (%s) ON CONFLICT(%s) DO UPDATE SET %s" % (
        table, ", ".join(columns), ", ".join("?" * len(columns)), columns[0],
        ", ".join("%s = excluded.%s" % (column, column) for column in update))


class Txn:
    """Accessors for one transaction. Documents are plain dicts; ``put_*`` writes them back."""

    def __init__(self, conn, write):
        self.conn = conn
        self.write = write

    # -- helpers -----------------------------------------------------------------------------
    def _one(self, sql, args=()):
        row = self.conn.execute(sql, args).fetchone()
        return json.loads(row[0]) if row else None

    def _all(self, sql, args=()):
        return [json.loads(row[0]) for row in self.conn.execute(sql, args).fetchall()]

    def _sequenced(self, doc):
        """The document's creation order, given on its first write (lists follow it); called
        before the document is serialised, so the stored document holds it too."""
        if "seq" not in doc:
            doc["seq"] = self.next_seq()
        return doc["seq"]

    def next_seq(self, name="objects"):
        row = self.conn.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
        value = (row[0] if row else 0) + 1
        self._upsert("counters", {"name": name, "value": value}, ("value",))
        return value

    def _upsert(self, table, row, update):
        """Insert ``row`` (column: value; its first column is the table's key) into ``table``,
        or update the ``update`` columns of the row with that key."""
        self.conn.execute(_upsert_sql(table, tuple(row), update), tuple(row.values()))

    # -- settings ----------------------------------------------------------------------------
    def setting(self, key, default=None):
        value = self._one("SELECT doc FROM settings WHERE key = ?", (key,))
        return default if value is None else value

    def put_setting(self, key, value):
        self._upsert("settings", {"key": key, "doc": _dump(value)}, ("doc",))

    # -- pools and floating IPs --------------------------------------------------------------
    def pools(self):
        rows = self.conn.execute("SELECT name, total FROM pools ORDER BY seq").fetchall()
        return [{"name": name, "total": total} for name, total in rows]

    def pool(self, name):
        row = self.conn.execute("SELECT name, total FROM pools WHERE name = ?", (name,)).fetchone()
        return {"name": row[0], "total": row[1]} if row else None

    def put_pool(self, name, total):
        self._upsert("pools", {"name": name, "seq": self.next_seq("pools"), "total": int(total)},
                     ("total",))

    def floating_ips(self):
        return self._all("SELECT doc FROM floating_ips ORDER BY seq")

    def put_floating_ip(self, doc):
        self._upsert("floating_ips", {"ip": doc["ipAddress"], "seq": self.next_seq("floating_ips"),
                                      "doc": _dump(doc)}, ("doc",))

    # -- projects ----------------------------------------------------------------------------
    def project(self, path):
        return self._one("SELECT doc FROM projects WHERE path = ?", (path,))

    def projects(self, pool, container):
        return self._all(
            "SELECT doc FROM projects WHERE pool = ? AND container = ? ORDER BY seq",
            (pool, container),
        )

    def all_projects(self):
        return self._all("SELECT doc FROM projects ORDER BY seq")

    def projects_with_origin(self, snapshot_path):
        return self._with_origin("projects", snapshot_path)

    def put_project(self, doc):
        # "seq" before "doc": _sequenced puts the order into the document it serialises.
        self._upsert("projects", {
            "path": doc["path"], "pool": doc["pool"], "container": doc["container"],
            "name": doc["name"], "origin": doc.get("origin"), "seq": self._sequenced(doc),
            "doc": _dump(doc)}, ("origin", "doc"))

    def delete_project(self, path):
        self.conn.execute("DELETE FROM projects WHERE path = ?", (path,))

    # -- shares ------------------------------------------------------------------------------
    def share(self, path):
        return self._one("SELECT doc FROM shares WHERE path = ?", (path,))

    def shares_of_project(self, project_path):
        return self._all("SELECT doc FROM shares WHERE project = ? ORDER BY seq", (project_path,))

    def shares_of_pool(self, pool):
        return self._all("SELECT doc FROM shares WHERE pool = ? ORDER BY seq", (pool,))

    def all_shares(self):
        return self._all("SELECT doc FROM shares ORDER BY seq")

    # Sums over a pool's or a project's shares, from the columns ``put_share`` keeps (indexed):
    # every getShare answers its pool's free space, which must not decode every share.
    def pool_consumption(self, pool):
        """Σ max(used, reservation) over the shares of ``pool`` (C8)."""
        return self.conn.execute("SELECT COALESCE(SUM(consumption), 0) FROM shares "
                                 "WHERE pool = ?", (pool,)).fetchone()[0]

    def project_consumption(self, project_path):
        """Σ max(used, reservation) over the shares of a project (C7)."""
        return self.conn.execute("SELECT COALESCE(SUM(consumption), 0) FROM shares "
                                 "WHERE project = ?", (project_path,)).fetchone()[0]

    def pool_quota_total(self, pool):
        """Σ quota over the shares of ``pool``; quotas up to 2**63 - 1 each may overflow
        SQLite's integers, then Python sums them."""
        try:
            return self.conn.execute("SELECT COALESCE(SUM(quota), 0) FROM shares "
                                     "WHERE pool = ?", (pool,)).fetchone()[0]
        except sqlite3.OperationalError:  # integer overflow
            return sum(share.get("quota", 0) for share in self.shares_of_pool(pool))

    def shares_maybe_mounted_at(self, mount_point):
        """Shares that may be mounted at ``mount_point`` (C33): those named like its last
        component (mounted below their project) and those whose own mountPoint it is. The
        caller checks each; nothing else is decoded. Both conditions are indexed: a create
        does not scan every share."""
        name = mount_point.rstrip("/").rsplit("/", 1)[-1]
        return self._all("SELECT doc FROM shares WHERE name = ? OR "
                         "json_extract(doc, '$.own.mountPoint') = ? ORDER BY seq",
                         (name, mount_point))

    def shares_with_smb_names(self, keys):
        """Shares whose SMB name key (``model.smb_name_key``) is one of ``keys`` (C27), read
        through the index; in chunks below SQLite's limit on bound parameters."""
        keys = sorted(set(keys))
        found = []
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            found.extend(self._all("SELECT doc FROM shares WHERE smb_name IN (%s) ORDER BY seq"
                                   % ", ".join("?" * len(chunk)), chunk))
        return found

    def shares_with_origin(self, snapshot_path):
        return self._with_origin("shares", snapshot_path)

    def _with_origin(self, table, snapshot_path):
        """The clones of a snapshot (``table``: a literal of this module, never input)."""
        return self._all("SELECT doc FROM %s WHERE origin = ? ORDER BY seq" % table,
                         (snapshot_path,))

    def put_share(self, doc):
        self._upsert("shares", {
            "path": doc["path"], "project": doc["project_path"], "pool": doc["pool"],
            "name": doc["name"], "origin": doc.get("origin"), "seq": self._sequenced(doc),
            "doc": _dump(doc), "consumption": max(doc.get("used", 0), doc.get("reservation", 0)),
            "quota": doc.get("quota", 0), "smb_name": model.smb_name_key(doc)},
            ("origin", "doc", "consumption", "quota", "smb_name"))

    def delete_share(self, path):
        self.conn.execute("DELETE FROM shares WHERE path = ?", (path,))

    # -- snapshots ---------------------------------------------------------------------------
    def snapshot(self, path):
        return self._one("SELECT doc FROM snapshots WHERE path = ?", (path,))

    def snapshots_of(self, dataset_path):
        return self._all(
            "SELECT doc FROM snapshots WHERE dataset = ? ORDER BY seq", (dataset_path,)
        )

    def all_snapshots(self):
        return self._all("SELECT doc FROM snapshots ORDER BY seq")

    def put_snapshot(self, doc):
        self._upsert("snapshots", {"path": doc["path"], "dataset": doc["dataset"],
                                   "name": doc["name"], "seq": self._sequenced(doc),
                                   "doc": _dump(doc)}, ("doc",))

    def delete_snapshot(self, path):
        self.conn.execute("DELETE FROM snapshots WHERE path = ?", (path,))


class Store:
    """The state database. Thread-safe: a small pool of SQLite connections, one per transaction."""

    FILENAME = "state.db"

    def __init__(self, state_dir):
        self.path = os.path.join(state_dir, self.FILENAME)
        self._idle = []
        self._lock = threading.Lock()
        # Writers queue here rather than on SQLite's lock, whose busy handler sleeps (1 ms,
        # then up to 25 ms) before trying again: one process owns the database (state
        # directory lock), so a thread lock serializes its writers at no cost.
        self._write_lock = threading.Lock()
        self._closed = False
        conn = self._acquire()
        conn.executescript("BEGIN IMMEDIATE;" + _SCHEMA + "COMMIT;")
        self._migrate(conn)
        self._release(conn)
        with self.transaction(write=True) as txn:
            if txn.setting("schema_version") is None:
                txn.put_setting("schema_version", SCHEMA_VERSION)

    @staticmethod
    def _migrate(conn):
        """Add the share columns a state directory made by an older simulator lacks."""
        conn.execute("BEGIN IMMEDIATE")
        # Read under the write lock: another start may have added them since.
        have = {row[1] for row in conn.execute("PRAGMA table_info(shares)")}
        for column, definition, value in _SHARE_COLUMNS:
            if column in have:
                continue
            conn.execute("ALTER TABLE shares ADD COLUMN %s %s" % (column, definition))
            if callable(value):
                rows = conn.execute("SELECT path, doc FROM shares").fetchall()
                conn.executemany("UPDATE shares SET %s = ? WHERE path = ?" % column,
                                 [(value(json.loads(doc)), path) for path, doc in rows])
            else:
                conn.execute("UPDATE shares SET %s = %s" % (column, value))
        for statement in _SHARE_INDEXES:
            conn.execute(statement)
        conn.execute("COMMIT")

    def _open(self):
        conn = sqlite3.connect(self.path, timeout=60.0, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 60000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def _acquire(self):
        with self._lock:
            if self._closed:
                raise RuntimeError("state store is closed")
            if self._idle:
                return self._idle.pop()
        return self._open()

    def _release(self, conn):
        with self._lock:
            if not self._closed and len(self._idle) < 16:
                self._idle.append(conn)
                return
        conn.close()

    @contextlib.contextmanager
    def transaction(self, write):
        """One transaction: ``BEGIN IMMEDIATE`` for writes, ``BEGIN`` for reads.

        Commits when the block ends normally, rolls back on any exception (which propagates).
        """
        if write:
            with self._write_lock:
                yield from self._transaction(write)
        else:
            yield from self._transaction(write)

    def _transaction(self, write):
        conn = self._acquire()
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield Txn(conn, write)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.close()
                raise
            self._release(conn)
            raise
        self._release(conn)

    def close(self):
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
