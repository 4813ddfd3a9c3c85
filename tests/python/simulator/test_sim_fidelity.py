# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Edge cases found by an audit against the spec and protocol-choices.md: bodies the array
cannot parse are EZEBI_INVALID_ARGUMENT (never an internal error), numbers are 64-bit, and the
rules of C5, C23 and C27 hold on every path that can break them."""

import pytest

from tegile_intelliflash.simulator.harness import SimulatorError

GiB = 1024 ** 3


def _error(resp):
    assert resp.status_code == 500, resp.text
    body = resp.json()
    assert set(body) >= {"code", "message"} and body["message"], body
    return body["code"]


@pytest.mark.parametrize("body", [
    '{"arg9999999999_DatasetPath": "pool-a/Local/x/y"}',   # would be a list of 10^10 slots
    '{"arg64_X": 1}',
])
def test_named_body_with_absurd_argument_index(api, body):
    resp = api.raw("getShare", body)
    assert _error(resp) == "EZEBI_INVALID_ARGUMENT"
    assert "arguments" in resp.json()["message"]


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_json_numbers_are_invalid_json(api, share, number):
    resp = api.raw("modifyShareProperties", '["%s", {"quota": %s}]' % (share, number))
    assert _error(resp) == "EZEBI_INVALID_ARGUMENT"
    assert "JSON" in resp.json()["message"]
    assert api("getShare", share)["quotaInByte"] == 0


def test_deeply_nested_body_is_invalid_argument(api):
    resp = api.raw("getShare", "[" * 100000 + "]" * 100000)
    assert _error(resp) == "EZEBI_INVALID_ARGUMENT"


@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "1e400"])
def test_non_finite_numeric_strings_are_refused(api, share, value):
    assert api.error("modifyShareProperties", share, {"quota": value}) == \
        "EZEBI_INVALID_QUOTA_RESERVATION_VALUE"
    assert api.error("resizeShare", share, value, "GB", service="openstack") == \
        "EZEBI_INVALID_QUOTA_RESERVATION_VALUE"
    assert api("getShare", share)["quotaInByte"] == 0


def test_sizes_beyond_64_bits_are_refused(api, share, project):
    big = 2 ** 63
    for obj in ({"quotaInByte": big}, {"quotaInByte": str(big)}, {"reservationInByte": big},
                {"quota": 2 ** 60, "quotaMetric": "PB"}, {"quota": float(2 ** 70)}):
        assert api.error("modifyShareProperties", share, obj) == \
            "EZEBI_INVALID_QUOTA_RESERVATION_VALUE", obj
    assert api.error("modifyProjectProperties", "pool-a/Local/" + project,
                     {"quotaInByte": big}) == "EZEBI_INVALID_QUOTA_RESERVATION_VALUE"
    assert api.error("createShare", "pool-a", project, "big", {"quota": big}, []) == \
        "EZEBI_INVALID_QUOTA_RESERVATION_VALUE"
    reply = api("getShare", share)
    assert reply["quotaInByte"] == 0 and reply["reservationInByte"] == 0
    # The largest 64-bit value is a number the array holds (a quota that never limits).
    api("modifyShareProperties", share, {"quotaInByte": 2 ** 63 - 1})
    assert api("getShare", share)["quotaInByte"] == 2 ** 63 - 1


@pytest.mark.parametrize("name", ["a\x00b", "a\x01b", "a\x1bb", "a\x7fb", ".", ".."])
def test_names_with_control_characters_or_path_components_are_refused(api, project, share, name):
    assert api.error("createShare", "pool-a", project, name, {}, []) == "EZEBI_INVALID_ARGUMENT"
    assert api.error("createProject", {"poolName": "pool-a", "projectName": name}) == \
        "EZEBI_INVALID_ARGUMENT"
    snap_arg = {"poolName": "pool-a", "projectName": project, "name": "s1", "local": True}
    assert api.error("createShareSnapshot", snap_arg, name, False) == "EZEBI_INVALID_ARGUMENT"
    assert api.error("createShare", "pool-a", project, name, "NFS", service="openstack") == \
        "EZEBI_INVALID_ARGUMENT"
    assert [s["name"] for s in api("listShares", "pool-a", project, True)] == ["s1"]
    assert api("listSnapshots", share, "") == []


def test_acl_inherit_with_override_false_is_refused(api, share):
    before = api("getShare", share)
    assert before["aclInherit"] == "on" and before["overrideAclInherit"] is False
    # C23: the change needs overrideAclInherit true; false in the same request does not count.
    assert api.error("modifyShareProperties", share,
                     {"aclInherit": "off", "overrideAclInherit": False}) == \
        "EZEBI_OPERATION_NOT_ALLOWED"
    after = api("getShare", share)
    assert after["aclInherit"] == "on" and after["overrideAclInherit"] is False
    # The project's value with override false is a no-op, and reverting an override works.
    api("modifyShareProperties", share, {"aclInherit": "on", "overrideAclInherit": False})
    api("modifyShareProperties", share, {"aclInherit": "off", "overrideAclInherit": True})
    assert api("getShare", share)["aclInherit"] == "off"
    assert api.error("modifyShareProperties", share,
                     {"aclInherit": "passthrough", "overrideAclInherit": False}) == \
        "EZEBI_OPERATION_NOT_ALLOWED"
    api("modifyShareProperties", share, {"aclInherit": "on", "overrideAclInherit": False})
    reply = api("getShare", share)
    assert reply["aclInherit"] == "on" and reply["overrideAclInherit"] is False


def test_smb_name_is_unique_through_modify_share_properties(api, project, share):
    other = "pool-a/Local/%s/s2" % project
    api("createShare", "pool-a", project, "s2", {}, [])
    api("setSMBSharingOnShare", share, True, "Finance", False)
    # C27 holds whichever call sets the name: the sharing call and modifyShareProperties.
    assert api.error("setSMBSharingOnShare", other, True, "FINANCE", False) == \
        "EZEBI_RESOURCE_EXIST"
    assert api.error("modifyShareProperties", other, {"cifsDisplayName": "finance"}) == \
        "EZEBI_RESOURCE_EXIST"
    assert api("getShare", other)["cifsDisplayName"] == "%s_s2" % project
    # Its own name sent back unchanged, a free name and the default ("") are accepted.
    api("modifyShareProperties", share, {"cifsDisplayName": "Finance"})
    api("modifyShareProperties", other, {"cifsDisplayName": "Sales"})
    assert api("getShare", other)["cifsDisplayName"] == "Sales"
    api("modifyShareProperties", other, {"cifsDisplayName": ""})
    assert api("getShare", other)["cifsDisplayName"] == "%s_s2" % project


def test_default_smb_name_taken_by_another_share_is_refused(api, project, share):
    """C27 also holds for the default name <project>_<share> another share chose explicitly."""
    # s1 takes the name s3 will have by default, before s3 exists (nothing to collide with yet).
    api("setSMBSharingOnShare", share, True, "%s_s3" % project, False)
    later = "pool-a/Local/%s/s3" % project
    api("createShare", "pool-a", project, "s3", {}, [])
    assert api.error("setSMBSharingOnShare", later, True, "", False) == "EZEBI_RESOURCE_EXIST"
    assert api("isShareExposedOverSMB", later) is False
    api("setSMBSharingOnShare", later, True, "Mine", False)
    assert api.error("modifyShareProperties", later, {"cifsDisplayName": ""}) == "EZEBI_RESOURCE_EXIST"
    assert api("getShare", later)["cifsDisplayName"] == "Mine"
    # Once s1 gives the name up, the default is free again.
    api("modifyShareProperties", share, {"cifsDisplayName": "Theirs"})
    api("modifyShareProperties", later, {"cifsDisplayName": ""})
    assert api("getShare", later)["cifsDisplayName"] == "%s_s3" % project


def test_reservations_count_against_the_project_quota(api, sim, project):
    """C7: a project's quota limits Σ max(used, reservation) of its shares, as the pool does."""
    path = "pool-a/Local/" + project
    api("createShare", "pool-a", project, "a", {}, [])
    api("createShare", "pool-a", project, "b", {}, [])
    api("modifyProjectProperties", path, {"quotaInByte": 4 * GiB})
    # A reservation beyond what the project quota leaves is not space the array can guarantee.
    assert api.error("modifyShareProperties", path + "/a", {"reservationInByte": 5 * GiB}) == \
        "EZEBI_NOSPACE"
    api("modifyShareProperties", path + "/a", {"reservationInByte": 3 * GiB})
    assert api.error("modifyShareProperties", path + "/b", {"reservationInByte": 2 * GiB}) == \
        "EZEBI_NOSPACE"
    assert api.error("createShare", "pool-a", project, "c", {"reservation": 2 * GiB}, []) == \
        "EZEBI_NOSPACE"
    # Writes into b may use only what a's reservation leaves (1 GiB).
    with pytest.raises(SimulatorError) as info:
        sim.set_used(path + "/b", 2 * GiB)
    assert "quota" in str(info.value)
    sim.set_used(path + "/b", GiB)
    # The project quota cannot drop below what its shares use or reserve (3 + 1 GiB).
    assert api.error("modifyProjectProperties", path, {"quotaInByte": 4 * GiB - 1}) == \
        "EZEBI_INVALID_QUOTA_RESERVATION_VALUE"
    assert api("getProject", "pool-a", project, True)["quotaInByte"] == 4 * GiB
    # Lowering a's reservation frees project space again.
    api("modifyShareProperties", path + "/a", {"reservationInByte": GiB})
    api("modifyShareProperties", path + "/b", {"reservationInByte": 2 * GiB})
    api("modifyProjectProperties", path, {"quotaInByte": 3 * GiB})
    reply = api("getShare", path + "/b")
    assert reply["reservationInByte"] == 2 * GiB
