# SPDX-License-Identifier: Apache-2.0
"""allocation.AllocatedBytes alone: the per-share record of a pool's allocated bytes, against
a fake array (a dict). Each race is forced by running the operation inside the count's own
reads, never by timing."""

import random
import sys
import threading
import time

import pytest

from tegile_intelliflash.client.paths import share_ref
from tegile_intelliflash.manila_driver.allocation import AllocatedBytes

GiB = 1024 ** 3
POOL = "pool-a"


def ref(name, pool=POOL):
    return share_ref(pool, "openstack", name)


class FakeArray(object):
    """Shares' quotas (ref -> bytes), and what the record asked of them. ``during(name,
    action)`` runs ``action`` right after the count read share ``name``."""

    def __init__(self, **quotas):
        self.quotas = dict((ref(name), size * GiB) for name, size in quotas.items())
        self.counts = []   # the ``known`` set of each count
        self.reads = []    # the shares read, by counts and alone
        self.hooks = {}

    def during(self, name, action):
        self.hooks[ref(name)] = action

    def count(self, pool, known):
        self.counts.append(set(known))
        counted = {}
        for share in sorted(self.quotas):
            if share.pool != pool:
                continue
            if share in known:
                counted[share] = None
                continue
            self.reads.append(share)
            counted[share] = self.quotas[share]
            hook = self.hooks.pop(share, None)
            if hook:
                hook()
        return counted

    def read(self, share):
        self.reads.append(share)
        return self.quotas.get(share)

    def total(self, record, pool=POOL):
        return record.get(pool, self.count, self.read)


def test_first_count_then_the_operations_keep_the_total():
    array = FakeArray(a=1, b=2)
    record = AllocatedBytes()
    assert array.total(record) == 3 * GiB
    array.quotas[ref("a")] = 5 * GiB
    record.set(ref("a"), 5 * GiB)       # extend
    array.quotas[ref("c")] = 4 * GiB
    record.set(ref("c"), 4 * GiB)       # create
    del array.quotas[ref("b")]
    record.remove(ref("b"))             # delete
    array.reads = []
    assert array.total(record) == 9 * GiB
    assert len(array.counts) == 1 and array.reads == []  # nothing read again


def test_count_versus_extend_the_extend_wins():
    """The count read the share before the extend recorded it: the count's figure is older
    than the extend's and must not replace it (the old total recounted the whole pool)."""
    array = FakeArray(a=1, b=1)
    record = AllocatedBytes()

    def extend():
        array.quotas[ref("a")] = 3 * GiB
        record.set(ref("a"), 3 * GiB)

    array.during("a", extend)
    assert array.total(record) == 4 * GiB  # a: 3 (the extend's), b: 1 (the count's)
    assert array.total(record) == 4 * GiB
    assert len(array.counts) == 1  # kept: not counted again at the next refresh


def test_count_after_the_array_write_before_the_record_last_writer_wins():
    """The extend wrote the array, the count read that, and the extend recorded after the
    count ended: both say 3 GiB, never 3 + the delta."""
    array = FakeArray(a=1)
    record = AllocatedBytes()
    array.quotas[ref("a")] = 3 * GiB  # the extend's write, not recorded yet
    assert array.total(record) == 3 * GiB
    record.set(ref("a"), 3 * GiB)
    assert array.total(record) == 3 * GiB


def test_count_versus_delete_leaves_a_tombstone():
    """The count listed and read a share, then the driver deleted it: the count must not bring
    it back."""
    array = FakeArray(a=1, b=2)
    record = AllocatedBytes()

    def delete():
        del array.quotas[ref("b")]
        record.remove(ref("b"))

    array.during("b", delete)  # right after the count read b's quota
    assert array.total(record) == 1 * GiB
    assert array.total(record) == 1 * GiB
    assert len(array.counts) == 1


def test_count_versus_create_keeps_the_new_share():
    array = FakeArray(a=1)
    record = AllocatedBytes()

    def create():
        array.quotas[ref("z")] = 2 * GiB  # after the count listed the shares
        record.set(ref("z"), 2 * GiB)

    array.during("a", create)
    assert array.total(record) == 3 * GiB


def test_unknown_outcome_reads_that_share_alone_again():
    array = FakeArray(a=1, b=1, c=1)
    record = AllocatedBytes()
    assert array.total(record) == 3 * GiB
    array.reads = []
    with pytest.raises(RuntimeError):
        with record.writing(ref("b")):
            array.quotas[ref("b")] = 2 * GiB  # written, then the answer was lost
            raise RuntimeError("timed out")
    assert array.total(record) == 4 * GiB
    assert array.reads == [ref("b")] and len(array.counts) == 1
    array.reads = []
    assert array.total(record) == 4 * GiB
    assert array.reads == []  # read once


def test_a_failed_creation_is_read_once_and_dropped():
    array = FakeArray(a=1)
    record = AllocatedBytes()
    assert array.total(record) == 1 * GiB
    record.dirty(ref("never-made"))
    assert array.total(record) == 1 * GiB
    array.reads = []
    assert array.total(record) == 1 * GiB and array.reads == []


def test_dirty_during_a_count_stays_dirty():
    """An operation on a share failed while a count ran: the count may have read the share
    before or after the failed write, so the share is read again afterwards."""
    array = FakeArray(a=1, b=1)
    record = AllocatedBytes()

    def failed_extend():
        array.quotas[ref("b")] = 2 * GiB
        record.dirty(ref("b"))

    array.during("b", failed_extend)  # the count read 1 GiB, before the write
    assert array.total(record) == 1 * GiB  # b not known yet: not kept from the count
    array.reads = []
    assert array.total(record) == 3 * GiB
    assert array.reads == [ref("b")]


def test_first_count_does_not_read_what_the_driver_recorded():
    array = FakeArray(a=1, b=2, by_hand=4)
    record = AllocatedBytes()
    record.set(ref("a"), 1 * GiB)
    record.set(ref("b"), 2 * GiB)
    record.dirty(ref("b"))  # ... and then b's outcome became unknown
    assert array.total(record) == 7 * GiB
    assert array.counts == [{ref("a")}]
    assert sorted(array.reads) == [ref("b"), ref("by_hand")]


def test_hourly_count_reads_every_share_and_sees_changes_by_hand():
    now = [0.0]
    array = FakeArray(a=1, gone=1)
    record = AllocatedBytes(clock=lambda: now[0])
    assert array.total(record) == 2 * GiB
    record.set(ref("a"), 1 * GiB)
    array.quotas[ref("a")] = 6 * GiB   # by hand
    del array.quotas[ref("gone")]      # by hand
    array.quotas[ref("new")] = 2 * GiB  # by hand
    now[0] += record.interval - 1
    assert array.total(record) == 2 * GiB  # not seen before the interval
    now[0] += 1
    array.reads = []
    assert array.total(record) == 8 * GiB
    assert array.counts[-1] == set() and sorted(array.reads) == [ref("a"), ref("new")]


def test_forget_during_a_count_keeps_nothing_of_it():
    array = FakeArray(a=1)
    record = AllocatedBytes()
    array.during("a", record.forget)
    assert array.total(record) == 1 * GiB  # the caller gets its figure
    array.quotas[ref("a")] = 2 * GiB
    assert array.total(record) == 2 * GiB  # counted again
    assert len(array.counts) == 2


def _set_up(record, array, pool=POOL, during=None):
    """Set-up's listing of ``pool`` (capacity.list_at_setup): the shares on the array when the
    listing runs; ``during()`` runs after the listing read the array, before it is kept."""
    with record.listing(pool) as listed:
        refs = [share for share in sorted(array.quotas) if share.pool == pool]
        if during:
            during()
        listed(refs)


def test_setup_listing_leaves_the_first_refresh_the_reads_alone():
    """Shares listed at set-up are read at the first refresh (one read each, no count); the
    pool counts as counted at set-up: its next count is the interval after."""
    now = [0.0]
    array = FakeArray(a=1, b=2)
    record = AllocatedBytes(clock=lambda: now[0])
    _set_up(record, array)
    assert array.reads == []
    assert array.total(record) == 3 * GiB
    assert array.counts == [] and sorted(array.reads) == [ref("a"), ref("b")]
    array.reads = []
    now[0] += record.interval - 1
    assert array.total(record) == 3 * GiB
    assert array.counts == [] and array.reads == []
    now[0] += 1
    assert array.total(record) == 3 * GiB
    assert array.counts == [set()]  # the hourly count, every share read


def test_setup_listing_of_an_empty_pool_makes_the_first_refresh_read_nothing():
    array = FakeArray()
    record = AllocatedBytes()
    _set_up(record, array)
    record.set(ref("new"), 2 * GiB)  # created after set-up: recorded by its creation
    assert array.total(record) == 2 * GiB
    assert array.counts == [] and array.reads == []


def test_setup_listing_trusts_what_the_driver_recorded_and_drops_what_is_gone():
    array = FakeArray(a=1, by_hand=4)
    record = AllocatedBytes()
    record.set(ref("a"), 1 * GiB)
    record.set(ref("gone"), 7 * GiB)  # not on the array (any more)
    _set_up(record, array)
    assert array.total(record) == 5 * GiB
    assert array.reads == [ref("by_hand")]


def test_setup_listing_versus_the_drivers_writes_the_writes_win():
    """Written after the listing read the array, before it was kept: a share deleted is not
    brought back, a share extended keeps its extend, a share created keeps its creation;
    none of them is read."""
    array = FakeArray(doomed=1, grown=1, other=1)
    record = AllocatedBytes()

    def operations():
        del array.quotas[ref("doomed")]
        record.remove(ref("doomed"))
        array.quotas[ref("grown")] = 3 * GiB
        record.set(ref("grown"), 3 * GiB)
        array.quotas[ref("new")] = 2 * GiB
        record.set(ref("new"), 2 * GiB)

    _set_up(record, array, during=operations)
    assert array.total(record) == 3 * GiB + 2 * GiB + 1 * GiB
    assert array.reads == [ref("other")] and array.counts == []


def test_setup_listing_versus_a_deletion_after_it_not_read_again():
    array = FakeArray(a=1, b=1)
    record = AllocatedBytes()
    _set_up(record, array)
    del array.quotas[ref("b")]
    record.remove(ref("b"))  # deleted by the driver after set-up
    assert array.total(record) == 1 * GiB
    assert array.reads == [ref("a")]


def test_a_failed_setup_listing_leaves_the_pool_to_its_first_count():
    array = FakeArray(a=1)
    record = AllocatedBytes()
    with pytest.raises(RuntimeError):
        with record.listing(POOL):
            raise RuntimeError("listShares failed")
    with record.listing(POOL):
        pass  # failed and said so (capacity.list_at_setup): nothing listed
    assert array.total(record) == 1 * GiB
    assert len(array.counts) == 1


def test_forget_during_the_setup_listing_keeps_nothing_of_it():
    array = FakeArray(a=1)
    record = AllocatedBytes()
    _set_up(record, array, during=record.forget)
    assert array.total(record) == 1 * GiB
    assert len(array.counts) == 1  # counted: the listing was not kept


def test_pools_are_apart():
    array = FakeArray(a=1)
    array.quotas[ref("x", "pool-b")] = 5 * GiB
    record = AllocatedBytes()
    assert array.total(record) == 1 * GiB
    assert array.total(record, "pool-b") == 5 * GiB
    record.dirty(ref("x", "pool-b"))
    array.reads = []
    assert array.total(record) == 1 * GiB and array.reads == []


def test_operations_racing_counts_end_with_the_arrays_total():
    """Threads resize, create and delete their own shares (array first, then the record, as
    the driver does) while counts and single reads run; once they stop, the record equals the
    array, and no count ever has to be redone."""
    array = {}
    lock = threading.Lock()
    now = [0.0]
    record = AllocatedBytes(clock=lambda: now[0])

    def count(pool, known):
        with lock:
            listed = list(array)
        counted = {}
        for share in listed:
            time.sleep(0)  # let the operations run between two reads
            with lock:
                value = array.get(share)
            if value is not None:
                counted[share] = None if share in known else value
        return counted

    def read(share):
        with lock:
            return array.get(share)

    def operate(worker):
        rng = random.Random(worker)
        for step in range(2000):
            share = ref("w%d-%d" % (worker, rng.randrange(4)))
            action = rng.random()
            time.sleep(0)
            if action < 0.2:
                with lock:
                    array.pop(share, None)
                record.remove(share)
            elif action < 0.3:
                with lock:
                    array[share] = (step + 1) * GiB
                record.dirty(share)  # written, outcome unknown
            else:
                with lock:
                    array[share] = (step + 1) * GiB
                record.set(share, (step + 1) * GiB)

    workers = [threading.Thread(target=operate, args=(n,)) for n in range(4)]
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns often
    try:
        for thread in workers:
            thread.start()
        while any(thread.is_alive() for thread in workers):
            now[0] += record.interval  # every refresh counts
            record.get(POOL, count, read)
        for thread in workers:
            thread.join()
    finally:
        sys.setswitchinterval(switch)
    total = record.get(POOL, count, read)  # reads the dirty shares left, if any
    assert total == sum(array.values())
