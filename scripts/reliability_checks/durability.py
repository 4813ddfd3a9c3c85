# SPDX-License-Identifier: Apache-2.0
"""kill -9 durability of the simulator: no acknowledged write is lost.

Writer threads create shares and then keep raising each one's quota, through the client,
while the simulator is killed with SIGKILL at a random moment. After a restart on the same
state every acknowledged create must be there, and each share's quota must be the last
acknowledged value or the one that was in flight (never an older one). The database must
pass SQLite's integrity check.
"""

import random
import sqlite3
import threading
import time

from . import common
from tegile_intelliflash.client.paths import project_ref, share_ref

GiB = 1024 ** 3
POOL, PROJECT = "pool-a", "durable"


class _Writer(threading.Thread):
    def __init__(self, sim, index, stop):
        super(_Writer, self).__init__(daemon=True)
        self.sim, self.index, self.stop = sim, index, stop
        self.created = set()        # acknowledged creates
        self.quota = {}             # share -> (last acknowledged GiB, in-flight GiB or None)
        self.acknowledged = 0

    def run(self):
        with common.client_for(self.sim, timeout=(2.0, 5.0)) as client:
            n = 0
            while not self.stop.is_set():
                n += 1
                name = "w%s-%d" % (self.index, n)
                try:
                    client.create_share(share_ref(POOL, PROJECT, name), quota=GiB)
                except Exception:  # pylint: disable=broad-except
                    return  # the simulator is gone
                self.created.add(name)
                self.acknowledged += 1
                for size in (2, 3):
                    self.quota[name] = (self.quota.get(name, (1, None))[0], size)
                    try:
                        client.set_share_quota(share_ref(POOL, PROJECT, name), size * GiB)
                    except Exception:  # pylint: disable=broad-except
                        return
                    self.quota[name] = (size, None)
                    self.acknowledged += 1


def _cycle(workdir, sim, seconds, writers_count, rng):
    stop = threading.Event()
    writers = [_Writer(sim, "%d%d" % (rng.randint(0, 9999), i), stop)
               for i in range(writers_count)]
    for writer in writers:
        writer.start()
    time.sleep(seconds * rng.uniform(0.5, 1.0))
    sim.kill()                                     # SIGKILL, mid-write
    stop.set()
    for writer in writers:
        writer.join(timeout=30)
    db = sqlite3.connect("file:%s/state.db?mode=ro" % sim.state_dir, uri=True)
    try:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()
    sim.start()
    lost = 0
    with common.client_for(sim, retry_budget=10) as client:
        present = {s.name: s for s in client.list_shares(project_ref(POOL, PROJECT))}
        for writer in writers:
            lost += len(writer.created - set(present))
            for name, (acked, in_flight) in writer.quota.items():
                if name not in present:
                    continue
                quota = client.get_share(share_ref(POOL, PROJECT, name)).quota_bytes // GiB
                if quota not in (acked, in_flight):
                    lost += 1
    del workdir
    return {"acknowledged": sum(w.acknowledged for w in writers), "lost": lost,
            "integrity": integrity}


def run(workdir, profile, log=print):
    cycles, seconds = (2, 3.0) if profile == "quick" else (12, 8.0)
    rng = random.Random(8)
    results = []
    with common.simulator(workdir, "durability") as sim:
        with common.client_for(sim) as client:
            client.create_project(project_ref(POOL, PROJECT))
        for _cycle_no in range(cycles):
            result = _cycle(workdir, sim, seconds, 4, rng)
            results.append(result)
            log("durability kill -9: acknowledged=%d lost=%d integrity=%s"
                % (result["acknowledged"], result["lost"], result["integrity"]))
    return {
        "cycles": results,
        "figures": {
            "kills": len(results),
            "acknowledged_writes": sum(r["acknowledged"] for r in results),
            "acknowledged_writes_lost": sum(r["lost"] for r in results),
            "integrity_failures": sum(r["integrity"] != "ok" for r in results),
        },
    }
