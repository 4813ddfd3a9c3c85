# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tegile.intelliflash.snapshot run in-process against the simulator (HTTPS, verification on).

The integration target covers the full flow; these tests cover what is easier to see from
inside: no call at all on bad input, the password never reaching the output, lost replies
of the module's writes, and a snapshot the array is slow to finish.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
import yaml

from ansible_collections.tegile.intelliflash.plugins.modules import share, snapshot
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.api import (
    IntelliFlashClient,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.paths import project_ref, share_ref
from module_runner import (
    PASSWORD,
    connection,
    run_examples,
    run_module,
    simulator,
)

POOL, PROJECT, SHARE = "pool-a", "unit_snap", "data"


@pytest.fixture
def sim(tmp_path):
    # One simulator per test, stopped by the test's own teardown: ansible-test runs every unit
    # test in a fork that exits without tearing down module-scoped fixtures, which would leave
    # a simulator process behind per test.
    with simulator(tmp_path / "sim") as proc:
        conn = connection(proc)
        with IntelliFlashClient(conn["host"], conn["username"], PASSWORD, ca_path=conn["ca_path"]) as client:
            client.create_project(project_ref(POOL, PROJECT))
            client.create_share(share_ref(POOL, PROJECT, SHARE))
        yield proc


def run(sim, capsys, **args):
    """Run the module on the test share unless told otherwise; returns (result, stdout)."""
    params = dict(pool=POOL, project=PROJECT, share=SHARE)
    params.update(args)
    return run_module(snapshot.main, sim, capsys, **params)


@pytest.mark.parametrize("args, words", [
    (dict(name="two words"), "name: 'two words' must not contain white space"),
    (dict(name="Manual-P-weekly"), "omit share"),
    (dict(name="Manual-S-daily", share=None), "set share"),
    (dict(name="x", wait_timeout=0), "wait_timeout: must be a positive"),
    (dict(name="x", share="s/1"), "share: 's/1' contains forbidden character"),
    (dict(name="x" * 256), "at most 255"),
])
def test_bad_input_fails_before_any_call(sim, capsys, args, words):
    sim.reset_calls()
    result, _out = run(sim, capsys, **args)
    assert result["failed"] is True
    assert words in result["msg"]
    assert sim.calls()["total"] == 0


def test_password_never_in_output(sim, capsys):
    _result, created = run(sim, capsys, name="pw", _ansible_diff=True)
    _result, failed = run(sim, capsys, name="pw", share="missing")
    assert "share 'missing' does not exist" in json.loads(failed)["msg"]
    _result, deleted = run(sim, capsys, name="pw", state="absent", _ansible_diff=True)
    for out in (created, failed, deleted):
        assert PASSWORD not in out


def test_lost_reply_of_create_is_not_a_duplicate(sim, capsys):
    sim.set_faults(drop_reply_rate=1, count=1, methods=["createShareSnapshot"])
    try:
        result, _out = run(sim, capsys, name="lost")
        assert sim.get_faults()["fired"] == 1
    finally:
        sim.clear_faults()
    assert result["changed"] is True
    assert result["snapshot"]["path"] == "pool-a/Local/unit_snap/data@Manual-S-lost"
    sim.reset_calls()
    again, _out = run(sim, capsys, name="lost")
    assert again["changed"] is False and sim.calls()["writes"] == 0
    run(sim, capsys, name="lost", state="absent")


def test_lost_reply_of_rollback_is_outcome_unknown(sim, capsys):
    """No read shows that a rollback ran: a lost reply fails the task saying the outcome of
    the named call is unknown; it is never sent twice (C32)."""
    run(sim, capsys, name="rb")
    sim.reset_calls()
    sim.set_faults(drop_reply_rate=1, count=1, methods=["rollBackToShareSnapshot"])
    try:
        result, _out = run(sim, capsys, name="rb", state="rolled_back")
        assert sim.get_faults()["fired"] == 1
    finally:
        sim.clear_faults()
    assert result["failed"] is True
    assert "outcome of rollBackToShareSnapshot pool-a/Local/" in result["msg"]
    assert "is unknown" in result["msg"]
    assert sim.calls()["by_method"]["rollBackToShareSnapshot"] == 1
    run(sim, capsys, name="rb", state="absent")


def test_snapshot_done_within_wait_timeout_succeeds(sim, capsys):
    """Done 0.6 s after the create call: the last poll, at wait_timeout (1 s), sees it done,
    though the next one-second interval would end after the timeout."""
    sim.set_delays(snapshot_ms=600)
    try:
        result, _out = run(sim, capsys, name="quick", wait_timeout=1)
    finally:
        sim.set_delays(snapshot_ms=0)
    assert result.get("failed") is not True, result
    assert result["changed"] is True
    run(sim, capsys, name="quick", state="absent")


def test_snapshot_still_in_progress_after_wait_timeout(sim, capsys):
    sim.set_delays(snapshot_ms=600000)
    try:
        result, _out = run(sim, capsys, name="slow", wait_timeout=1)
    finally:
        sim.set_delays(snapshot_ms=0)
    assert result["failed"] is True
    assert "still in progress" in result["msg"]
    assert result["dataset"] == "pool-a/Local/unit_snap/data@Manual-S-slow"
    # The snapshot exists (in progress); a re-run finds it and changes nothing.
    again, _out = run(sim, capsys, name="slow")
    assert again["changed"] is False
    run(sim, capsys, name="slow", state="absent")


def test_examples_run_as_written(sim, capsys):
    conn = connection(sim)
    with IntelliFlashClient(conn["host"], conn["username"], PASSWORD, ca_path=conn["ca_path"]) as api:
        api.create_project(project_ref("pool-a", "finance"))
        api.create_share(share_ref("pool-a", "finance", "ledger"))
    clone_task = next(task["tegile.intelliflash.share"] for task in yaml.safe_load(snapshot.EXAMPLES)
                      if "tegile.intelliflash.share" in task)

    def clone():  # the example's share task, which run_examples leaves out (another module)
        result, _out = run_module(share.main, sim, capsys, **clone_task)
        assert result["changed"] is True, result

    results = run_examples(snapshot, sim, capsys, before={
        "Delete the project snapshot": clone})
    assert [result["changed"] for result in results.values()] == [True, True, True, True, True]
    assert results["Take a snapshot of a share (on the array Manual-S-before-upgrade)"]["snapshot"]["path"] == (
        "pool-a/Local/finance/ledger@Manual-S-before-upgrade")
    with IntelliFlashClient(conn["host"], conn["username"], PASSWORD, ca_path=conn["ca_path"]) as api:
        assert api.find_share(share_ref("pool-a", "finance", "ledger-test")) is None  # recursive took the clone
