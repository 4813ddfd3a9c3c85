# SPDX-License-Identifier: Apache-2.0
"""Allocated capacity per pool without reading every share at every stats
refresh.

The allocated capacity of a pool is what its shares were promised: the
quotas of the shares of the back end's project and of its share groups'
projects (a share without quota counts its used space). Counting it reads
every share (listShares gives no quota), so a stats refresh that counted
would cost one call per share, every minute, for ever.

Instead the driver keeps a record per pool: share -> bytes, and reports
its sum. The record is filled by a first count from the array (its
listing at set-up, its reads at the first refresh: see below), then kept
by the driver's own operations, each writing the
outcome of its share: create, clone, extend, shrink, revert, manage and
ensure write the share's new size (:meth:`AllocatedBytes.set`), delete
removes it (:meth:`AllocatedBytes.remove`), and an operation that failed,
or whose outcome is unknown, marks its share alone dirty
(:meth:`AllocatedBytes.writing`): the next refresh reads that share again
(one getShare), not the pool.

Counts and operations may overlap (a count of 5,000 shares takes seconds).
Every write of the record gets a sequence number, and what a read (a
count, a single share read again, the read of ensure or of the usage
gathering) found is kept for a share only when nothing wrote that share
since the read began: the operation's own outcome wins, and a deletion
leaves a tombstone, so that a count that listed a share before its
deletion does not bring it back. A count is thus always kept, share by
share, however busy the pool.

A pool is counted again from the array every RECOUNT_INTERVAL seconds,
which catches what changed outside the driver (an administrator's quota,
shares of the project made or deleted by hand). The first count of a pool
does not read again the shares whose size the driver recorded since it
connected (they were written or read by it): it lists the shares, to find
the others, and reads those alone. The hourly counts read every share.

The first count is split in two. Set-up lists the shares of each pool
(capacity.list_at_setup: listProjects, which also tells whether the back
end's project is there, and one listShares per counted project:
:meth:`AllocatedBytes.listing`); each share listed that the record does
not hold is "to be read" (as a dirty share), and the pool counts as
counted then. Its first refresh reads those shares alone (one getShare
each) and lists nothing: with no share made outside the driver, it is
listPools alone, as every refresh after. The listing is a read like the
others: it began before the writes that follow it, so a share the driver
creates, resizes or deletes since keeps that outcome (not read again, a
deletion not undone). A listing that fails leaves its pool uncounted: its
first refresh counts it whole, as without set-up's listing. A new set-up
(Manila's retry, a reconnection) starts from a forgotten record and lists
again.

The trade-offs: set-up pays listProjects and listShares per pool (bounded
by the projects, not the shares) once, where the first refresh paid them;
a share made outside the driver after set-up is seen at the pool's next
count, as any change by hand. Between two counts, a change made on the
array by someone else is not seen (the scheduler sees at most
RECOUNT_INTERVAL-old figures for it, and the pool's free space, read at
every refresh, is always current).
"""

import contextlib
import threading
import time

#: Seconds between two counts of a pool from the array.
RECOUNT_INTERVAL = 3600


class _Pool(object):
    """The record of one pool (only used with AllocatedBytes' lock held)."""

    def __init__(self):
        self.entries = {}     # share ref -> bytes
        self.total = 0        # sum of entries
        self.dirty = set()    # share refs to read again
        self.counted_at = None  # clock() of the last count kept
        self.reads = []       # sequence numbers of the reads under way
        # Share ref -> sequence number of its last write (a tombstone for a
        # share removed): kept while reads are under way, the only ones that
        # need it.
        self.written = {}

    def put(self, ref, n_bytes):
        """``n_bytes`` for share ``ref`` (None: the share is gone)."""
        self.total -= self.entries.pop(ref, 0)
        if n_bytes is not None:
            self.entries[ref] = n_bytes
            self.total += n_bytes


class AllocatedBytes(object):
    """Bytes allocated per pool, share by share: counted from the array,
    kept up to date by the driver's own operations (thread-safe). Shares
    are client DatasetRefs (``ref.pool`` is their pool)."""

    def __init__(self, interval=RECOUNT_INTERVAL, clock=time.monotonic):
        self.interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._pools = {}  # pool name -> _Pool
        self._sequence = 0

    def _pool(self, name):
        pool = self._pools.get(name)
        if pool is None:
            pool = self._pools[name] = _Pool()
        return pool

    def _write(self, pool, ref, n_bytes):
        """Write a share's entry (the lock held); stamped while reads are
        under way, so that they do not overwrite it."""
        self._sequence += 1
        pool.put(ref, n_bytes)
        if pool.reads:
            pool.written[ref] = self._sequence

    # -- what the operations write ------------------------------------------

    def set(self, ref, n_bytes):
        """The driver gave share ``ref`` a quota of ``n_bytes``."""
        with self._lock:
            pool = self._pool(ref.pool)
            pool.dirty.discard(ref)
            self._write(pool, ref, n_bytes)

    def remove(self, ref):
        """Share ``ref`` is not on the array (any more)."""
        with self._lock:
            pool = self._pool(ref.pool)
            pool.dirty.discard(ref)
            self._write(pool, ref, None)

    def dirty(self, *refs):
        """What these shares hold is not known: each is read again at the
        next refresh (their entries are kept meanwhile)."""
        with self._lock:
            for ref in refs:
                pool = self._pool(ref.pool)
                pool.dirty.add(ref)
                self._sequence += 1
                if pool.reads:
                    pool.written[ref] = self._sequence

    @contextlib.contextmanager
    def writing(self, *refs):
        """The block writes the limits of these shares: when it fails, they
        are marked dirty (its effect on them is unknown)."""
        try:
            yield
        except BaseException:
            self.dirty(*refs)
            raise

    def forget(self, pool=None):
        """Drop the record of ``pool`` (every pool: None): it is counted
        again at the next refresh; reads under way are not kept."""
        with self._lock:
            if pool is None:
                self._pools.clear()
            else:
                self._pools.pop(pool, None)

    def retain(self, pool_names):
        """Drop the record of every pool not in ``pool_names`` (the pools the
        array lists now): a pool removed from the array holds nothing."""
        keep = set(pool_names)
        with self._lock:
            for name in [name for name in self._pools if name not in keep]:
                del self._pools[name]

    def recorded(self, pool_name):
        """The bytes the record holds for ``pool_name`` now, without reading
        the array (what a refresh reports when its count fails)."""
        with self._lock:
            pool = self._pools.get(pool_name)
            return pool.total if pool is not None else 0

    # -- what reads the array -------------------------------------------------

    @contextlib.contextmanager
    def _read(self, pool_name):
        """A read of ``pool_name`` under way: yields (its _Pool, its start),
        the writes since being stamped meanwhile."""
        with self._lock:
            pool = self._pool(pool_name)
            self._sequence += 1
            start = self._sequence
            pool.reads.append(start)
        try:
            yield pool, start
        finally:
            with self._lock:
                pool.reads.remove(start)
                if not pool.reads:
                    pool.written.clear()

    @contextlib.contextmanager
    def reading(self, pool_name):
        """Reads of shares of ``pool_name`` from the array: yields
        ``keep(ref, n_bytes)`` (None: the share is not there), which records
        what the block read unless the share was written since the block
        began (a forget since: nothing is kept)."""
        with self._read(pool_name) as (pool, start):

            def keep(ref, n_bytes):
                with self._lock:
                    self._keep(pool, start, ref, n_bytes)

            yield keep

    @contextlib.contextmanager
    def listing(self, pool_name):
        """A listing of every share of ``pool_name`` without their sizes
        (set-up's, the listing half of the first count): yields
        ``listed(refs)``, to call once with the shares the block listed.

        A share listed that the record does not hold is read at the next
        refresh (one getShare, as a dirty share); a share the record holds
        is trusted, as by the first count; a share recorded but not listed
        is gone. A share written since the block began keeps that write
        (a deletion is not undone), and a forget since keeps nothing. The
        pool counts then as counted (its next count is the interval
        after); a block that does not call ``listed`` (its listing failed)
        leaves the pool as it was: uncounted, the next refresh counts it.
        """
        with self._read(pool_name) as (pool, start):

            def listed(refs):
                refs = set(refs)
                with self._lock:
                    self._drop_unlisted(pool, start, refs)
                    for ref in refs:
                        if (pool.written.get(ref, 0) <= start
                                and ref not in pool.entries):
                            pool.dirty.add(ref)
                    if pool.counted_at is None:
                        pool.counted_at = self._clock()

            yield listed

    def _drop_unlisted(self, pool, start, listed):
        """(The lock held.) A share the record holds or marks dirty that a
        listing begun at ``start`` did not show is gone, unless written
        since the listing began."""
        for ref in (set(pool.entries) | pool.dirty) - set(listed):
            self._keep(pool, start, ref, None)

    def _keep(self, pool, start, ref, n_bytes):
        if pool.written.get(ref, 0) > start:
            return  # written since the read began: that write wins
        pool.dirty.discard(ref)
        self._write(pool, ref, n_bytes)

    def get(self, pool_name, count, read):
        """The bytes allocated in ``pool_name``.

        ``count(pool_name, known)`` counts the pool from the array: it
        returns {share ref: bytes} for every share it lists, None for those
        of ``known`` (their sizes are recorded already; it need not read
        them). It runs when the pool was never counted or its count is
        older than the interval; otherwise ``read(ref)`` reads each dirty
        share again (bytes, None when the share is gone).
        """
        with self._lock:
            pool = self._pool(pool_name)
            counted_at = pool.counted_at
            due = (counted_at is None
                   or self._clock() - counted_at >= self.interval)
            if not due and not pool.dirty:
                return pool.total
            dirty = set(pool.dirty)
            # The first count trusts what the driver recorded itself since
            # it connected; the later ones read every share (they are there
            # to see changes made outside the driver).
            known = (frozenset(ref for ref in pool.entries
                               if ref not in dirty)
                     if counted_at is None else frozenset())
        with self._read(pool_name) as (pool, start):
            if due:
                self._count(pool, start, count(pool_name, known))
            else:
                for ref in dirty:
                    n_bytes = read(ref)
                    with self._lock:
                        self._keep(pool, start, ref, n_bytes)
        with self._lock:
            return pool.total

    def _count(self, pool, start, counted):
        """Keep a count begun at ``start``: {share ref: bytes, or None for a
        share listed but not read (recorded already)}."""
        with self._lock:
            self._drop_unlisted(pool, start, counted)
            for ref, n_bytes in counted.items():
                if n_bytes is not None:
                    self._keep(pool, start, ref, n_bytes)
            pool.counted_at = self._clock()
