# SPDX-License-Identifier: Apache-2.0
"""Retry-After on a 503 or 429 (C36), over HTTPS against the simulator's ``retry_after`` fault.

The next attempt waits max(backoff, Retry-After); a wait that would end past the retry budget
is an error at once. Most tests run the transport on a fake clock whose sleep is recorded (as
the backoff tests do); the write test measures the wait in the simulator's call log.
"""

import logging
import time

import pytest

from tegile_intelliflash.client import failures
from tegile_intelliflash.client.errors import ConnectionFailedError
from tegile_intelliflash.client.paths import project_ref, share_ref

from client_helpers import PASSWORD, make_client

POOL = "pool-a"


def _fake_time(c):
    """Run ``c``'s retries on a clock that only its sleeps advance; returns the sleeps."""
    now, sleeps = [1000.0], []
    t = c._transport

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    t._clock = lambda: now[0]
    t._sleep = sleep
    return sleeps


@pytest.mark.parametrize("status", [503, 429])
def test_delta_seconds_set_the_earliest_next_attempt(sim_clean, caplog, status):
    sim_clean.set_faults(error_rate=1, status=status, retry_after=3, methods=["listPools"],
                         count=1)
    with make_client(sim_clean, retry_budget=5.0) as c, \
            caplog.at_level(logging.WARNING, logger="tegile_intelliflash.client"):
        sleeps = _fake_time(c)
        assert c.list_pools()
    assert sleeps == [3]  # not the backoff (at most 0.05 s)
    assert sim_clean.calls()["by_method"]["listPools"] == 2
    assert "retrying in 3.00 s (attempt 2), as its Retry-After asked" in caplog.text


def test_an_http_date_is_counted_from_the_reply_date(sim_clean):
    sim_clean.set_faults(error_rate=1, status=503, retry_after=4, retry_after_date=True,
                         methods=["listPools"], count=1)
    with make_client(sim_clean, retry_budget=10.0) as c:
        sleeps = _fake_time(c)
        assert c.list_pools()
    # The date is N seconds after the reply, to the second; the Date header too.
    assert len(sleeps) == 1 and 3 <= sleeps[0] <= 4
    assert sim_clean.calls()["by_method"]["listPools"] == 2


@pytest.mark.parametrize("value", ["soon", "-5", "1.5", "", "Sun, 32 Foo 2026 25:00:00 GMT",
                                   PASSWORD],
                         ids=["word", "negative", "fraction", "empty", "bad-date", "password"])
def test_a_malformed_retry_after_falls_back_to_the_backoff(sim_clean, caplog, value):
    sim_clean.set_faults(error_rate=1, status=503, retry_after=value, methods=["listPools"],
                         count=1)
    with make_client(sim_clean, retry_budget=5.0) as c, \
            caplog.at_level(logging.DEBUG, logger="tegile_intelliflash.client"):
        sleeps = _fake_time(c)
        assert c.list_pools()
    assert len(sleeps) == 1 and sleeps[0] <= 0.05
    assert sim_clean.calls()["by_method"]["listPools"] == 2
    assert "ignoring the malformed Retry-After header" in caplog.text
    assert "as its Retry-After asked" not in caplog.text
    assert PASSWORD not in caplog.text


@pytest.mark.parametrize("status", [503, 429])
def test_a_wait_beyond_the_budget_gives_up_at_once(sim_clean, status):
    """No sleep to the end of the budget, no early retry: the error, saying what was asked."""
    sim_clean.set_faults(error_rate=1, status=status, retry_after=120, methods=["listPools"])
    with make_client(sim_clean, retry_budget=5.0) as c, \
            pytest.raises(ConnectionFailedError) as info:
        sleeps = _fake_time(c)
        c.list_pools()
    assert sleeps == []
    assert sim_clean.calls()["by_method"]["listPools"] == 1
    error = info.value
    assert (error.http_status, error.attempts) == (status, 1)
    text = str(error)
    assert text.startswith("listPools: HTTP %d from the array" % status)
    assert text.endswith("(the array or a proxy asked to retry after 120 s, beyond the retry "
                         "budget of 5 s: 5.0 s left)")
    assert PASSWORD not in text


def test_a_wait_beyond_what_is_left_of_the_budget_ends_the_retries(sim_clean):
    """The wait asked for fits the budget once (3 s of 5), not twice: the second reply ends
    the call with the attempts made."""
    sim_clean.set_faults(error_rate=1, status=503, retry_after=3, methods=["listPools"])
    with make_client(sim_clean, retry_budget=5.0) as c, \
            pytest.raises(ConnectionFailedError) as info:
        sleeps = _fake_time(c)
        c.list_pools()
    assert sleeps == [3]
    assert info.value.attempts == 2
    assert sim_clean.calls()["by_method"]["listPools"] == 2
    assert str(info.value).endswith("asked to retry after 3 s, beyond the retry budget of 5 s: "
                                    "2.0 s left; gave up after 2 attempts)")


def test_a_write_is_sent_again_once_and_not_before_the_asked_wait(sim_clean, client, project):
    """503 + Retry-After: the write was not executed (C32); it goes again once, after the wait,
    measured between the two calls in the simulator's call log."""
    sim_clean.set_faults(error_rate=1, status=503, retry_after=1, methods=["createShare"],
                         count=1)
    client.create_share(share_ref(POOL, project, "s1"))
    entries = [e for e in sim_clean.call_log()["entries"] if e["method"] == "createShare"]
    assert [(e["fault"], e["outcome"]) for e in entries] == [
        ("http 503", "not executed"), (None, "applied")]
    assert entries[0]["digest"] == entries[1]["digest"]
    assert entries[1]["start"] - entries[0]["end"] >= 1.0
    assert [s.name for s in client.list_shares(project_ref(POOL, project))] == ["s1"]


def test_a_write_asked_to_wait_beyond_the_budget_is_not_sent_again(sim_clean, project):
    sim_clean.set_faults(error_rate=1, status=429, retry_after=60, methods=["createShare"],
                         count=1)
    with make_client(sim_clean, retry_budget=5.0) as c:
        with pytest.raises(ConnectionFailedError) as info:
            c.create_share(share_ref(POOL, project, "s1"))
        assert c.list_shares(project_ref(POOL, project)) == []
    assert "asked to retry after 60 s, beyond the retry budget" in str(info.value)
    assert sim_clean.calls()["by_method"]["createShare"] == 1


class _Transport(object):
    """What ``failures.retry_after`` uses of a transport."""

    log = logging.getLogger("tegile_intelliflash.client")
    where = "array:443"

    @staticmethod
    def redact(text):
        return text


@pytest.mark.parametrize("headers, seconds", [
    ({"Retry-After": " 007 "}, 7),
    ({"Retry-After": "99999999999999999999"}, 2 ** 31),  # RFC 9111 §1.2.2
    ({"Retry-After": "Sun, 06 Dec 2026 18:30:10 GMT", "Date": "Sun, 06 Dec 2026 18:30:00 GMT"},
     10.0),
    ({"Retry-After": "Sunday, 06-Dec-26 18:30:10 GMT", "Date": "Sun Dec  6 18:30:00 2026"}, 10.0),
    ({"Retry-After": "Sun, 06 Dec 2026 18:29:00 GMT", "Date": "Sun, 06 Dec 2026 18:30:00 GMT"},
     0.0),  # a date past: no wait
    ({"Retry-After": "Thu, 01 Jan 1970 00:00:00 GMT"}, 0.0),  # no Date: the client's clock
    ({"Retry-After": "\u00b2"}, None), ({"Retry-After": "5, 10"}, None), ({"Date": "x"}, None),
])
def test_retry_after_forms(headers, seconds):
    assert failures.retry_after(_Transport(), headers) == seconds


def test_a_retry_after_date_without_a_date_header_counts_from_the_client_clock():
    import email.utils

    header = email.utils.formatdate(time.time() + 100, usegmt=True)
    assert 98 <= failures.retry_after(_Transport(), {"Retry-After": header}) <= 100
