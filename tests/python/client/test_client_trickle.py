# SPDX-License-Identifier: Apache-2.0
"""Replies that trickle in (C37): the read timeout bounds the whole reply of an attempt.

The simulator's trickle fault sends a reply (a head of about 150 bytes, then the body) in pieces
whose pauses are all shorter than the read timeout, so a per-read timeout never fires and each
attempt lasted as long as the array kept sending. Now a reply not whole within the read timeout
after the request was sent is a read timeout: a read is sent again within the retry budget, a
write's outcome is unknown (never sent again). Timings are loose upper bounds.
"""

import logging
import time

import pytest

from tegile_intelliflash.client.errors import ArrayTimeoutError, OutcomeUnknownError
from tegile_intelliflash.client.paths import share_ref
from tegile_intelliflash.client.transport import LOGGER_NAME

from client_helpers import make_client

POOL = "pool-a"
READ = 0.5
# 4 bytes every 100 ms, each pause far below READ: a reply of 150 to 320 bytes takes 4 to 8 s.
SLOW = dict(trickle_ms=100, trickle_bytes=4)


def _calls(sim, method):
    return sim.calls()["by_method"].get(method, 0)


def test_a_trickling_read_is_cut_and_sent_again(sim_clean):
    sim_clean.set_faults(methods=["listPools"], count=1, **SLOW)
    with make_client(sim_clean, timeout=(5.0, READ), retry_budget=3.0) as client:
        started = time.monotonic()
        pools = client.list_pools()
        elapsed = time.monotonic() - started
    assert POOL in [pool.name for pool in pools]
    assert _calls(sim_clean, "listPools") == 2
    assert elapsed < 2.5, elapsed  # the trickled reply alone takes about 8 s


# Cut in the head (4-byte pieces), or in the body (the head whole in the first 160 bytes, the
# rest 0.3 s later: 0.6 s in all).
@pytest.mark.parametrize("fault", [SLOW, dict(trickle_ms=300, trickle_bytes=160)],
                         ids=["head", "body"])
def test_a_read_that_keeps_trickling_is_a_read_timeout(sim_clean, fault):
    sim_clean.set_faults(methods=["listPools"], **fault)
    with make_client(sim_clean, timeout=(5.0, READ), retry_budget=1.0) as client:
        started = time.monotonic()
        with pytest.raises(ArrayTimeoutError) as info:
            client.list_pools()
        elapsed = time.monotonic() - started
    text = str(info.value)
    assert "reply from %s still incomplete after 0.5 s: it kept arriving too slowly" \
        % sim_clean.address in text, text
    assert info.value.method == "listPools" and info.value.attempts >= 2
    assert _calls(sim_clean, "listPools") == info.value.attempts
    assert elapsed < 3.0, elapsed  # budget 1 s + one last attempt of 0.5 s


def test_a_trickling_write_is_not_sent_again(sim_clean, project):
    """No read can show a rollback ran: its outcome is unknown, at once, and it was sent once."""
    ref = share_ref(POOL, project, "rb")
    with make_client(sim_clean, timeout=(5.0, READ), retry_budget=3.0) as client:
        client.create_share(ref)
        client.create_snapshot(ref, "s1")
        sim_clean.reset_calls()
        sim_clean.set_faults(methods=["rollBackToShareSnapshot"], **SLOW)
        started = time.monotonic()
        with pytest.raises(OutcomeUnknownError) as info:
            client.rollback_snapshot(ref, "Manual-S-s1")
        elapsed = time.monotonic() - started
    text = str(info.value)
    assert text.startswith("the outcome of rollBackToShareSnapshot %s/Local/%s/rb@Manual-S-s1 is "
                           "unknown: reply from"
                           % (POOL, project)), text
    assert "still incomplete after 0.5 s" in text and "not sent again" in text, text
    assert isinstance(info.value.cause, ArrayTimeoutError)
    assert _calls(sim_clean, "rollBackToShareSnapshot") == 1
    assert elapsed < 2.5, elapsed


def test_a_trickling_write_is_verified_by_reads(sim_clean, project, caplog):
    """The createShare reply trickles: the share was created, a read shows it, one createShare."""
    ref = share_ref(POOL, project, "made")
    sim_clean.set_faults(methods=["createShare"], count=1, **SLOW)
    with make_client(sim_clean, timeout=(5.0, READ), retry_budget=3.0) as client:
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger=LOGGER_NAME):
            client.create_share(ref)
        elapsed = time.monotonic() - started
        assert client.get_share(ref).name == "made"
    assert _calls(sim_clean, "createShare") == 1
    assert any("still incomplete after 0.5 s" in record.getMessage() and
               "not sent again" in record.getMessage() for record in caplog.records), \
        [record.getMessage() for record in caplog.records]
    assert elapsed < 2.5, elapsed


def test_a_slow_reply_complete_within_the_read_timeout_succeeds(sim_clean):
    """Three pieces 0.1 s apart, whole after about 0.3 s: well within a 1 s read timeout."""
    sim_clean.set_faults(methods=["listPools"], trickle_ms=100, trickle_bytes=128)
    with make_client(sim_clean, timeout=(5.0, 1.0), retry_budget=0) as client:
        assert POOL in [pool.name for pool in client.list_pools()]
    assert _calls(sim_clean, "listPools") == 1
    assert sim_clean.call_log()["entries"][-1]["fault"] == "trickle"
