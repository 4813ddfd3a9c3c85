# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tegile.intelliflash.project in-process against the simulator (HTTPS, verification on).

The integration target runs the full flow through ansible-playbook; these tests look from
inside: which calls are made, bad input, lost replies, the password.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tegile.intelliflash.plugins.modules import project
from module_runner import (
    assert_refused,
    client,
    lose_the_next_reply,
    PASSWORD,
    run_examples,
    run_module,
    simulator_fixture,
    wait_until,
    writes,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.projects import ProjectCalls
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.paths import project_ref, share_ref

GIB = 1024 ** 3


sim = simulator_fixture()


def run(sim, capsys, **args):
    args.setdefault("pool", "pool-a")
    return run_module(project.main, sim, capsys, **args)


@pytest.mark.parametrize("args, words", [
    (dict(name="two words"), "name: 'two words' must not contain white space"),
    (dict(name="a#b"), "name: 'a#b' contains forbidden character"),
    (dict(name="p", quota="10X"), "quota: '10X' is not a size"),
    (dict(name="p", quota=0), "quota: 0 is not a valid size; use 'none'"),
    (dict(name="p", quota="-2G"), "quota: must not be negative"),
    (dict(name="p", compression="zstd"), "compression"),
    (dict(name="p", record_size="1MB"), "record_size"),
    (dict(name="p", pool="pool a/b"), "pool: 'pool a/b' is not a pool name"),
])
def test_bad_input_fails_before_any_call(sim, capsys, args, words):
    assert_refused(run, sim, capsys, args, words)


def test_unknown_pool_is_named_and_nothing_is_written(sim, capsys):
    sim.reset_calls()
    result, _out = run(sim, capsys, name="p", pool="pool-z")
    assert result["failed"] is True
    assert result["msg"].startswith("pool: pool 'pool-z' does not exist on the array (pools: pool-a, pool-b)")
    assert writes(sim) == 0


def test_lifecycle_calls_and_password(sim, capsys):
    wanted = dict(name="unit_p1", compression="gzip-9", dedup=True, record_size="128KB", nfs=True, quota="2G")
    sim.reset_calls()
    result, out = run(sim, capsys, _ansible_check_mode=True, _ansible_diff=True, **wanted)
    assert result["changed"] is True and writes(sim) == 0
    assert result["project"]["quota_bytes"] == 2 * GIB and result["project"]["nfs"] is True
    assert result["diff"]["after"]["state"] == "present"

    result, out = run(sim, capsys, _ansible_diff=True, **wanted)
    assert result["changed"] is True
    assert result["project"]["compression"] == "gzip-9" and result["project"]["dedup"] is True
    assert PASSWORD not in out

    sim.reset_calls()
    result, out = run(sim, capsys, _ansible_diff=True, **wanted)
    assert result["changed"] is False
    assert result["diff"] == {"before": {}, "after": {}}
    calls = sim.calls()
    assert calls["writes"] == 0
    assert calls["by_method"].get("getProject") == 1

    result, _out = run(sim, capsys, _ansible_diff=True, name="unit_p1", quota="none", nfs=False)
    assert result["changed"] is True
    assert result["diff"] == {"before": {"nfs": True, "quota_bytes": 2 * GIB},
                              "after": {"nfs": False, "quota_bytes": 0}}
    assert result["project"]["quota"] is None and result["project"]["nfs"] is False

    result, _out = run(sim, capsys, name="unit_p1", state="absent")
    assert result["changed"] is True and result["project"] == {}
    sim.reset_calls()
    result, _out = run(sim, capsys, name="unit_p1", state="absent")
    assert result["changed"] is False and writes(sim) == 0


def test_project_quota_below_used_says_how_much_is_used(sim, capsys):
    run(sim, capsys, name="unit_p2", quota="10G")
    with client(sim) as api:
        api.create_share(share_ref("pool-a", "unit_p2", "s1"))
    sim.set_used("pool-a/Local/unit_p2/s1", 3 * GIB)
    try:
        sim.reset_calls()
        result, _out = run(sim, capsys, name="unit_p2", quota="2G")
        assert result["failed"] is True
        assert "quota: 2 GiB (2147483648 bytes) is below the 3 GiB (3221225472 bytes) already used" in result["msg"]
        assert writes(sim) == 0

        # A project that holds shares: refused before any write, naming them, in check mode too.
        for check_mode in (True, False):
            sim.reset_calls()
            result, _out = run(sim, capsys, name="unit_p2", state="absent", _ansible_check_mode=check_mode)
            assert result["failed"] is True
            assert result["error_code"] == "EZEBI_RESOURCE_INUSE"
            assert result["dataset"] == "pool-a/Local/unit_p2"
            assert "still holds 1 share(s) (s1)" in result["msg"]
            assert sim.calls()["writes"] == 0
    finally:
        with client(sim) as api:
            api.delete_share(share_ref("pool-a", "unit_p2", "s1"))
            api.delete_project(project_ref("pool-a", "unit_p2"))


def test_lost_reply_of_create_is_not_a_failure(sim, capsys):
    sim.set_faults(drop_reply_rate=1, count=1, methods=["createProject"])
    try:
        result, _out = run(sim, capsys, name="unit_p3")
        assert sim.get_faults()["fired"] == 1
    finally:
        sim.clear_faults()
    assert result["changed"] is True and "failed" not in result
    result, _out = run(sim, capsys, name="unit_p3", state="absent")
    assert result["changed"] is True


@pytest.mark.parametrize("verbosity", [0, 1])
def test_a_create_answered_by_an_error_page_is_found_applied_and_counted(sim, capsys, monkeypatch, verbosity):
    """The array created the project and an application server's 500 page came back instead of
    its reply: the client looks for the effect (no second createProject), the task succeeds, and
    the wait is in the one summary warning (and in array_retries at -v), the page's text with it."""
    import requests

    real_post = requests.Session.post

    def answered_by_a_page(session, url, *args, **kwargs):
        response = real_post(session, url, *args, **kwargs)
        if url.endswith("/createProject"):
            response.close()
            page = requests.models.Response()
            page.status_code, page._content = 500, b"<html>Internal Server Error</html>"
            return page
        return response

    monkeypatch.setattr(requests.Session, "post", answered_by_a_page)
    sim.reset_calls()
    result, _out = run(sim, capsys, name="unit_p_page", _ansible_verbosity=verbosity)
    monkeypatch.undo()
    assert result["changed"] is True and "failed" not in result, result
    assert sim.calls()["by_method"]["createProject"] == 1
    warnings = [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]
    summary = [w for w in warnings if "wait for the array during this task" in w]
    assert len(summary) == 1 and "error pages" in summary[0], warnings
    assert "HTTP 500 with a non-JSON error body: <html>Internal Server Error</html>" in summary[0]
    if verbosity:
        assert len(result["array_retries"]) == 1 and "createProject" in result["array_retries"][0]
    result, _out = run(sim, capsys, name="unit_p_page", state="absent")
    assert result["changed"] is True


def test_examples_run_as_written(sim, capsys):
    results = run_examples(project, sim, capsys)
    assert [result["changed"] for result in results.values()] == [True, True, True]


def test_check_mode_predicts_the_created_project(sim, capsys):
    # RETURN says "as it would be, in check mode": a project to create gets the array's defaults
    # (C9) for what the task does not set, as the real run reads them back, not nulls.
    wanted = dict(name="unit_p_pred", dedup=True, record_size="128KB", quota="3G")
    predicted, _out = run(sim, capsys, _ansible_check_mode=True, **wanted)
    assert predicted["changed"] is True
    try:
        real, _out = run(sim, capsys, **wanted)
        assert real["changed"] is True
        assert predicted["project"] == real["project"]
        assert (real["project"]["compression"], real["project"]["mount_point"]) == ("lz4", "/export/unit_p_pred")
    finally:
        run(sim, capsys, name="unit_p_pred", state="absent")


def test_raising_the_quota_does_not_read_the_shares(sim, capsys):
    """A raise cannot put the shares above the quota (they fit under the old one): its calls do
    not grow with the project's shares."""
    costs = []
    with client(sim) as api:
        for total in (2, 20):
            name = "unit_raise_%d" % total
            run(sim, capsys, name=name, quota="10G")
            for number in range(total):
                api.create_share(share_ref("pool-a", name, "s%02d" % number))
            sim.reset_calls()
            result, _out = run(sim, capsys, name=name, quota="20G")
            assert result["changed"] is True and result["project"]["quota_bytes"] == 20 * GIB
            costs.append(sim.calls()["by_method"])
    assert costs[0] == costs[1], costs
    assert "getShare" not in costs[1] and "listShares" not in costs[1], costs


def test_a_failure_after_the_creation_reports_the_change(sim, capsys):
    """The project is created, then the array answers the NFS sharing write with an error: the
    task fails, reports the change (the project exists now) and names the write done."""
    sim.set_faults(error_rate=1, status=400, methods=["setNFSSharingOnProject"], count=1)
    try:
        result, out = run(sim, capsys, name="half_made", nfs=True)
    finally:
        sim.clear_faults()
    assert result.get("failed") is True, result
    assert result["changed"] is True
    assert result["api_method"] == "setNFSSharingOnProject"
    assert "Written before the failure: createProject pool-a/Local/half_made" in result["msg"]
    assert PASSWORD not in out
    result, _out = run(sim, capsys, name="half_made", state="absent")
    assert result["changed"] is True


def test_a_quota_write_of_unknown_outcome_after_the_properties_is_named(sim, capsys, monkeypatch):
    """The properties and the quota of a project are two writes of the same call
    (modifyProjectProperties). The reply of the quota write is lost and its effect shows only
    after the client gave up: the task fails, changed, saying that it is the quota whose change
    is unknown (the properties written before it are listed); the quota lands later."""
    ref = project_ref("pool-a", "unit_p_lost")
    with client(sim) as api:
        api.create_project(ref)
    lose_the_next_reply(monkeypatch, sim, ProjectCalls, "modify_project", "modifyProjectProperties")
    try:
        result, _out = run(sim, capsys, name="unit_p_lost", dedup=True, quota="3G")
    finally:
        sim.clear_faults()
    assert result["failed"] is True and result["changed"] is True, result
    assert ("Error writing project %s: quota change outcome unknown: the outcome of modifyProjectProperties %s "
            "is unknown" % (ref.path, ref.path)) in result["msg"]
    assert "Written before the failure: modifyProjectProperties %s" % ref.path in result["msg"]

    def quota():
        with client(sim) as api:
            return api.get_project(ref).quota_bytes
    assert wait_until(lambda: quota() == 3 * GIB), quota()  # the quota write lands late
