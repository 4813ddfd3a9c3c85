# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The mocked array itself: it answers from the table and reports every call it did not expect."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tegile.intelliflash.plugins.module_utils.client.api import (
    IntelliFlashClient,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.errors import ApiError, NotFoundError
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.paths import project_ref, share_ref
from ansible_collections.tegile.intelliflash.tests.unit.framework import wire
from ansible_collections.tegile.intelliflash.tests.unit.framework.mock_array import (
    HOST,
    PASSWORD,
    is_write,
    mocked_array,
)


def client():
    return IntelliFlashClient(HOST, "admin", PASSWORD, retry_budget=0)


def test_answers_in_order_and_records_the_calls():
    with mocked_array() as array:
        array.expect(("listPools", wire.pools()),
                     ("getProject", wire.project("p1"), ["pool-a", "p1", True]),
                     ("deleteProject", wire.SUCCESS))
        with client() as api:
            assert [pool.name for pool in api.list_pools()] == ["pool-a", "pool-b"]
            assert api.get_project(project_ref("pool-a", "p1")).name == "p1"
            assert api.delete_project(project_ref("pool-a", "p1")) is True
    assert array.check() == []
    assert array.methods() == ["listPools", "getProject", "deleteProject"]
    assert [call.method for call in array.writes()] == ["deleteProject"]
    assert array.args_of("deleteProject") == [["pool-a/Local/p1"]]
    # Verification on, passed with every request (requests puts REQUESTS_CA_BUNDLE in place of True).
    assert all(call.verify not in (False, None) for call in array.calls)


def test_error_replies_reach_the_client_as_typed_errors():
    with mocked_array() as array:
        array.expect(("getShare", wire.not_found("Share pool-a/Local/p1/s1")))
        with client() as api:
            with pytest.raises(NotFoundError) as info:
                api.get_share(share_ref("pool-a", "p1", "s1"))
    assert info.value.code == "EZEBI_RESOURCE_NOT_FOUND"
    assert array.check() == []


@pytest.mark.parametrize("table, problem", [
    ([], "unexpected call listPools[] (the table is used up)"),
    ([("getProject", wire.project())], "call 1 is listPools[]; expected getProject"),
    ([("listPools", wire.pools(), ["x"])], "listPools called with []; expected ['x']"),
    ([("listPools", wire.pools(), lambda args: len(args) == 1)], "listPools called with []"),
])
def test_a_call_off_the_table_is_refused_and_reported(table, problem):
    with mocked_array() as array:
        array.expect(*table)
        with client() as api:
            with pytest.raises(ApiError) as info:
                api.list_pools()
    assert "mock array: " + problem in str(info.value)
    assert problem in array.check()[0]


def test_an_expected_call_that_never_came_is_reported():
    with mocked_array() as array:
        array.expect(("listPools", wire.pools()), ("getProject", wire.project()))
        with client() as api:
            api.list_pools()
    assert array.check() == ["expected but not called: getProject"]


def test_reads_and_writes():
    assert [is_write(method) for method in ("getShare", "listSnapshots", "isShareExposedOverNFS")] == [False] * 3
    assert [is_write(method) for method in ("createShare", "setNFSSharingOnShare", "rollBackToShareSnapshot",
                                            "inheritNetworkACLsettingsFromProject")] == [True] * 4
