# SPDX-License-Identifier: Apache-2.0
"""Allocated capacity per pool without reading every share at every stats
refresh.

The allocated capacity of a pool is what its shares were promised: the
quotas of the shares of the back end's project and of its share groups'
projects (a share without quota counts its used space). Counting it reads
every share (listShares gives no quota), so a stats refresh that counted
would cost one call per share, every minute, for ever.

Instead the driver keeps a running total per pool: a count from the array
once, then the changes the driver makes itself (create, clone, extend,
shrink, delete add or take away the size they gave). A pool is counted
again from the array:

* every RECOUNT_INTERVAL seconds, which catches what changed outside the
  driver (an administrator's quota, shares of the project made by hand);
* at the next refresh after an operation whose effect on the total is not
  known (it failed, or its outcome is unknown; manage, ensure, share groups
  made from snapshots), and after a count that ran while the driver changed
  the pool (the count may or may not hold that change). An operation changes
  the pool from its first write on the array to its add(): it runs inside
  :meth:`AllocatedBytes.changing`, and a count that overlaps any part of it
  is not kept (a count between the write and the add holds the change, and
  the add would count it twice).

The trade-off: between two counts, a change made on the array by someone
else is not seen (the scheduler sees at most RECOUNT_INTERVAL-old figures
for it, and the pool's free space, read at every refresh, is always
current).
"""

import contextlib
import threading
import time

#: Seconds between two counts of a pool from the array.
RECOUNT_INTERVAL = 3600


class AllocatedBytes(object):
    """Bytes allocated per pool: counted from the array, kept up to date by
    the driver's own changes (thread-safe)."""

    def __init__(self, interval=RECOUNT_INTERVAL, clock=time.monotonic):
        self.interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._bytes = {}       # pool -> bytes
        self._counted_at = {}  # pool -> clock() of the count
        self._counting = {}    # pool -> changes seen while a count runs
        self._changing = {}    # pool (None: any) -> operations under way

    def _mark(self, pool):
        """A change of ``pool`` (None: any pool) during the counts running
        (the lock held)."""
        for name in list(self._counting) if pool is None else [pool]:
            if name in self._counting:
                self._counting[name] += 1

    @contextlib.contextmanager
    def changing(self, pool=None):
        """An operation that may change the quotas of ``pool`` (None: of
        any pool) runs inside: a count that overlaps it is counted again."""
        with self._lock:
            self._changing[pool] = self._changing.get(pool, 0) + 1
            self._mark(pool)
        try:
            yield
        finally:
            with self._lock:
                left = self._changing.pop(pool) - 1
                if left:
                    self._changing[pool] = left

    def add(self, pool, delta):
        """The driver changed the quotas of ``pool`` by ``delta`` bytes."""
        with self._lock:
            if pool in self._bytes:
                self._bytes[pool] += delta
            if pool in self._counting:
                self._counting[pool] += 1

    def forget(self, pool=None):
        """Count ``pool`` (every pool: None) again at the next refresh."""
        with self._lock:
            # Every pool: those with a total, and those being counted (a
            # first count, or one after a forget, has no total yet).
            pools = (set(self._bytes) | set(self._counting)
                     if pool is None else [pool])
            for name in pools:
                self._bytes.pop(name, None)
                self._counted_at.pop(name, None)
                if name in self._counting:
                    self._counting[name] += 1

    def get(self, pool, count):
        """The bytes allocated in ``pool``; ``count(pool)`` counts them from
        the array when the total is unknown or older than the interval."""
        with self._lock:
            known = self._bytes.get(pool)
            counted_at = self._counted_at.get(pool)
            fresh = (known is not None and counted_at is not None
                     and self._clock() - counted_at < self.interval)
            if fresh:
                return known
            # Operations under way: the count may hold their change before
            # their add() (not kept).
            self._counting[pool] = (self._changing.get(pool, 0)
                                    + self._changing.get(None, 0))
        try:
            counted = count(pool)
        except Exception:
            with self._lock:
                self._counting.pop(pool, None)
            raise
        with self._lock:
            changed = self._counting.pop(pool, 0)
            self._bytes[pool] = counted
            # A change during the count may be in it or not: count again at
            # the next refresh (meanwhile the figure is off by that change
            # at most).
            self._counted_at[pool] = None if changed else self._clock()
        return counted
