# SPDX-License-Identifier: Apache-2.0
"""The client's waits (wait_for_clone, wait_for_snapshot) against the simulator over HTTPS: what
ends them, how many polls they make, and what their errors carry.

The simulator never fails a clone or a snapshot: those replies alone are mocked.
"""

import sys
import time

import pytest

from tegile_intelliflash.client import snapshots as snapshots_mod
from tegile_intelliflash.client.errors import (
    ApiError, ArrayTimeoutError, InvalidArgumentError, NotFoundError,
)
from tegile_intelliflash.client.paths import dataset_ref, project_ref, share_ref
from tegile_intelliflash.client.views import CloneStatus

from client_helpers import fake_response, make_client

POOL = "pool-a"


def _share_snapshot(client, project):
    client.create_share(share_ref(POOL, project, "src"))
    return client.create_snapshot(dataset_ref(POOL, project, "src"), "base")


def _status_calls(sim):
    return sim.calls()["by_method"].get("getProjectCloneStatus", 0)


def test_wait_for_a_share_clone_polls_until_it_succeeds(client, project, sim_clean):
    full = _share_snapshot(client, project)
    sim_clean.set_delays(clone_ms=300)
    client.clone_snapshot(dataset_ref(POOL, project, "src"), full, "copy", inherit=False)
    status = client.wait_for_clone(share_ref(POOL, project, "src"), full, "copy",
                                   poll_interval=0.05, wait_timeout=30)
    assert isinstance(status, CloneStatus) and status.state == "success"
    assert _status_calls(sim_clean) >= 2
    # Done: writes to the clone are accepted now.
    client.set_nfs_sharing(dataset_ref(POOL, project, "copy"), True)


def test_wait_for_a_project_clone_returns_its_status(client, project, sim_clean):
    client.create_share(share_ref(POOL, project, "a"))
    full = client.create_snapshot(project_ref(POOL, project), "g")
    copy = project + "-c"
    sim_clean.set_delays(clone_ms=200)
    client.clone_project_snapshot(project_ref(POOL, project), full, copy)
    try:
        status = client.wait_for_clone(project_ref(POOL, project), full, copy,
                                       poll_interval=0.05)
        assert (status.state, status.total) == ("success", 1)
    finally:
        client.delete_share(share_ref(POOL, copy, "a"))
        client.delete_project(project_ref(POOL, copy))


def _recorded_sleeps(monkeypatch):
    """The waits' sleeps (still slept), so that what they do is checked whatever the load.
    ``time.sleep`` itself is replaced: only the sleeps of the waits' loop are recorded (not a
    transport's backoff, nor another thread's)."""
    sleeps = []
    real_sleep = time.sleep

    def sleep(seconds):
        if sys._getframe(1).f_code is snapshots_mod._poll.__code__:  # pylint: disable=protected-access
            sleeps.append(seconds)
        real_sleep(seconds)
    monkeypatch.setattr(snapshots_mod.time, "sleep", sleep)
    return sleeps


def _check_last_poll_at_the_timeout(sleeps, polls, started, poll_interval, wait_timeout):
    """Sleeps of at most ``poll_interval`` that never add up past ``wait_timeout``, one poll after
    each, and the wait over no earlier than ``wait_timeout`` (its last sleep cut short; on an
    idle machine polls at 0, 0.2, 0.4 and 0.5 s for 0.2/0.5)."""
    assert time.monotonic() - started >= wait_timeout
    assert sleeps and all(0 < s <= poll_interval for s in sleeps), sleeps
    assert sum(sleeps) <= wait_timeout
    assert polls == len(sleeps) + 1


def test_a_clone_still_in_progress_at_its_timeout_ends_the_wait(client, project, sim_clean,
                                                                monkeypatch):
    """Polls every 0.2 s and a last time at the 0.5 s timeout (it never sleeps past its timeout,
    nor gives up before it), then ends with the last status."""
    full = _share_snapshot(client, project)
    sim_clean.set_delays(clone_ms=60000)
    client.clone_snapshot(dataset_ref(POOL, project, "src"), full, "slow", inherit=False)
    sim_clean.reset_calls()
    sleeps = _recorded_sleeps(monkeypatch)
    started = time.monotonic()
    with pytest.raises(ArrayTimeoutError) as info:
        client.wait_for_clone(share_ref(POOL, project, "src"), full, "slow",
                              poll_interval=0.2, wait_timeout=0.5)
    _check_last_poll_at_the_timeout(sleeps, _status_calls(sim_clean), started, 0.2, 0.5)
    err = info.value
    assert err.message == "the clone was still in progress after 0.5 seconds"
    assert (err.method, err.dataset) == ("getProjectCloneStatus",
                                         "%s/Local/%s/src@%s" % (POOL, project, full))
    assert isinstance(err.reply, CloneStatus) and err.reply.state == "in_progress"


def test_a_clone_done_between_the_last_interval_and_the_timeout_is_seen_done(
        client, project, sim_clean):
    """Done 0.3 s after the clone call: the polls at 0 and 0.25 s see it in progress, the one at
    the 0.4 s timeout sees it done (a wait giving up when the next interval would pass the
    timeout, at 0.25 s, would report a finished clone as still in progress)."""
    full = _share_snapshot(client, project)
    sim_clean.set_delays(clone_ms=300)
    client.clone_snapshot(dataset_ref(POOL, project, "src"), full, "quick", inherit=False)
    status = client.wait_for_clone(share_ref(POOL, project, "src"), full, "quick",
                                   poll_interval=0.25, wait_timeout=0.4)
    assert status.state == "success"


@pytest.mark.parametrize("wire_state, state", [(3, "failure"), (2, "partial")])
def test_a_failed_clone_ends_the_wait_with_its_state(sim_clean, project, monkeypatch, wire_state, state):
    with make_client(sim_clean) as c:
        full = _share_snapshot(c, project)
        sim_clean.set_delays(clone_ms=60000)
        c.clone_snapshot(dataset_ref(POOL, project, "src"), full, "bad", inherit=False)
        real_post = c.session.post
        polls = []

        def post(url, *args, **kwargs):
            if url.endswith("/getProjectCloneStatus"):
                polls.append(url)
                if len(polls) == 2:  # the first poll is the simulator's: in progress
                    return fake_response(200, '{"projectCloneState": %d, "totalSubProjects": 1,'
                                              ' "failedSubProjects": 1}' % wire_state)
            return real_post(url, *args, **kwargs)

        monkeypatch.setattr(c.session, "post", post)
        with pytest.raises(ApiError) as info:
            c.wait_for_clone(share_ref(POOL, project, "src"), full, "bad", poll_interval=0.01)
    assert len(polls) == 2
    err = info.value
    assert err.message == "the array reports clone state '%s'" % state
    assert err.method == "getProjectCloneStatus"
    assert err.reply == CloneStatus(state=state, total=1, failed=1)


def test_an_error_of_the_status_call_carries_no_clone_status(client, project, sim_clean):
    """What tells the clone's own verdict from a failed read: only the verdict has ``reply``."""
    full = _share_snapshot(client, project)
    with pytest.raises(NotFoundError) as info:
        client.wait_for_clone(share_ref(POOL, project, "src"), full, "never-cloned",
                              poll_interval=0.01)
    assert getattr(info.value, "reply", None) is None


@pytest.mark.parametrize("args, field", [
    (dict(poll_interval=-1), "poll_interval"),
    (dict(wait_timeout="soon"), "wait_timeout"),
    (dict(wait_timeout=True), "wait_timeout"),
    (dict(wait_timeout=float("nan")), "wait_timeout"),  # would never end
    (dict(poll_interval=float("nan")), "poll_interval"),
    (dict(poll_interval=0), "poll_interval"),  # would poll in a tight loop
])
def test_bad_wait_settings_are_refused_before_any_call(client, project, sim_clean, args, field):
    full = _share_snapshot(client, project)
    sim_clean.reset_calls()
    for wait in (lambda: client.wait_for_clone(share_ref(POOL, project, "src"), full, "c", **args),
                 lambda: client.wait_for_snapshot(dataset_ref(POOL, project, "src"), "base",
                                                  **args)):
        with pytest.raises(InvalidArgumentError) as info:
            wait()
        assert info.value.field == field
    assert sim_clean.calls()["total"] == 0


def test_a_snapshot_still_in_progress_at_its_timeout_ends_the_wait(client, project, sim_clean,
                                                                   monkeypatch):
    client.create_share(share_ref(POOL, project, "s1"))
    sim_clean.set_delays(snapshot_ms=60000)
    client.create_snapshot(dataset_ref(POOL, project, "s1"), "slow", wait=False)
    sim_clean.reset_calls()
    sleeps = _recorded_sleeps(monkeypatch)
    started = time.monotonic()
    with pytest.raises(ArrayTimeoutError) as info:
        client.wait_for_snapshot(dataset_ref(POOL, project, "s1"), "slow", poll_interval=0.2,
                                 wait_timeout=0.5)
    _check_last_poll_at_the_timeout(
        sleeps, sim_clean.calls()["by_method"]["getShareSnapshotCreationStatus"], started, 0.2,
        0.5)
    assert info.value.message == "snapshot creation still in progress after 0.5 s"
    assert info.value.dataset == "%s/Local/%s/s1@Manual-S-slow" % (POOL, project)
