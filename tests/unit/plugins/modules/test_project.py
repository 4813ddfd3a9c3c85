# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tegile.intelliflash.project over a mocked array: what it decides and which calls it makes.

The simulator-backed tests of the module are in tests/python/modules/test_project.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tegile.intelliflash.plugins.modules import project
from ansible_collections.tegile.intelliflash.tests.unit.framework import wire
from ansible_collections.tegile.intelliflash.tests.unit.framework.mock_array import run_module

PATH = "pool-a/Local/p1"
GIB = wire.GIB
MISSING = ("getProject", wire.not_found("Project %s" % PATH), ["pool-a", "p1", True])
WANTED = dict(name="p1", pool="pool-a", compression="gzip-6", dedup=True, nfs=True, quota="20G")


def wanted(**changes):
    """WANTED with some options changed."""
    args = dict(WANTED)
    args.update(changes)
    return args


def run(**args):
    return run_module(project.main, **args)


def test_create_sends_the_properties_then_the_quota_then_sharing(array):
    created = wire.project(compression="gzip-6", dedup="on", quotaInByte=20 * GIB)
    array.expect(
        MISSING,
        ("listPools", wire.pools()),
        ("createProject", wire.SUCCESS,
         [{"compression": "gzip-6", "dedup": "on", "poolName": "pool-a", "projectName": "p1"}]),
        ("modifyProjectProperties", wire.SUCCESS, [PATH, {"quotaInByte": 20 * GIB}]),
        ("setNFSSharingOnProject", wire.SUCCESS, [PATH, True]),
        ("getProject", created),  # carries no sharing state: the result takes it from the write
    )
    result = run(diff=True, **WANTED)
    assert result["changed"] is True
    assert result["diff"]["before"]["state"] == "absent" and result["diff"]["after"]["state"] == "present"
    assert result["project"]["quota_bytes"] == 20 * GIB and result["project"]["dedup"] is True
    assert result["project"]["nfs"] is True


def test_check_mode_predicts_the_creation_and_writes_nothing(array):
    array.expect(MISSING, ("listPools", wire.pools()))
    result = run(check_mode=True, diff=True, **WANTED)
    assert result["changed"] is True
    assert result["project"]["path"] == PATH
    assert result["project"]["compression"] == "gzip-6" and result["project"]["quota_bytes"] == 20 * GIB
    assert result["diff"]["after"]["nfs"] is True
    assert array.writes() == []


def test_converged_project_is_read_once_and_not_written(array):
    array.expect(
        ("getProject", wire.project(compression="gzip-6", dedup="on", quotaInByte=20 * GIB)),
        ("isProjectExposedOverNFS", True, [PATH]),
    )
    result = run(diff=True, **WANTED)
    assert result["changed"] is False
    assert result["diff"] == {"before": {}, "after": {}}
    assert result["project"]["nfs"] is True


def test_changes_only_what_differs(array):
    array.expect(
        ("getProject", wire.project(compression="gzip-6", dedup="on", quotaInByte=20 * GIB)),
        ("isProjectExposedOverNFS", True),
        ("modifyProjectProperties", wire.SUCCESS, [PATH, {"dedup": "off"}]),
        ("getProject", wire.project(compression="gzip-6", dedup="off", quotaInByte=20 * GIB)),
    )
    result = run(diff=True, **wanted(dedup=False))
    assert result["changed"] is True
    assert result["diff"] == {"before": {"dedup": True}, "after": {"dedup": False}}


def test_absent_project_deletes_only_when_it_holds_no_share(array):
    array.expect(
        ("getProject", wire.project()),
        ("listShares", [], ["pool-a", "p1", True]),
        ("deleteProject", wire.SUCCESS, [PATH]),
    )
    result = run(name="p1", pool="pool-a", state="absent", diff=True)
    assert result["changed"] is True and result["project"] == {}
    assert result["diff"] == {"before": {"state": "present"}, "after": {"state": "absent"}}


def test_absent_project_that_is_gone_is_not_a_change(array):
    array.expect(MISSING)
    result = run(name="p1", pool="pool-a", state="absent")
    assert result["changed"] is False


@pytest.mark.parametrize("check_mode", [True, False])
def test_project_with_shares_is_refused_before_any_write(array, check_mode):
    array.expect(("getProject", wire.project()), ("listShares", [wire.share_item("s2"), wire.share_item("s1")]))
    result = run(name="p1", pool="pool-a", state="absent", check_mode=check_mode)
    assert result["failed"] is True
    assert result["error_code"] == "EZEBI_RESOURCE_INUSE" and result["dataset"] == PATH
    assert "still holds 2 share(s) (s1, s2)" in result["msg"]


def test_unknown_pool_is_named(array):
    array.expect(MISSING, ("listPools", wire.pools(**{"pool-c": wire.TIB, "pool-b": wire.TIB})))
    result = run(name="p1", pool="pool-a")
    assert result["failed"] is True
    assert result["msg"] == "pool: pool 'pool-a' does not exist on the array (pools: pool-b, pool-c)"


@pytest.mark.parametrize("args, words", [
    (dict(name="two words"), "name: 'two words' must not contain white space"),
    (dict(name="p1", quota="10X"), "quota: '10X' is not a size"),
    (dict(name="p1", quota=0), "quota: 0 is not a valid size; use 'none'"),
    (dict(name="p1", pool="pool a/b"), "pool: 'pool a/b' is not a pool name"),
])
def test_bad_input_fails_naming_the_field_before_any_call(array, args, words):
    args.setdefault("pool", "pool-a")
    result = run(**args)
    assert result["failed"] is True and words in result["msg"]
    assert array.calls == []


def test_quota_below_what_the_shares_use_is_refused_before_any_write(array):
    array.expect(
        ("getProject", wire.project(quotaInByte=10 * GIB)),
        ("listShares", [wire.share_item("s1")]),
        ("getShare", wire.share("s1", used=3 * GIB), [PATH + "/s1"]),
    )
    result = run(name="p1", pool="pool-a", quota="2G")
    assert result["failed"] is True
    assert result["msg"].startswith("quota: 2 GiB (2147483648 bytes) is below the 3 GiB (3221225472 bytes)")


def test_array_error_names_the_call_and_dataset(array):
    array.expect(
        ("getProject", wire.project()),
        ("modifyProjectProperties", wire.error("EZEBI_INVALID_COMPRESSION_ALGORITHM", "no such algorithm")),
    )
    result = run(name="p1", pool="pool-a", compression="gzip-6")
    assert result["failed"] is True
    assert result["error_code"] == "EZEBI_INVALID_COMPRESSION_ALGORITHM"
    assert result["api_method"] == "modifyProjectProperties" and result["dataset"] == PATH
    assert result["msg"].startswith("Error writing project %s: " % PATH)
