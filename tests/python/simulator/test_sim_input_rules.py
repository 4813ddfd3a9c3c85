# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Input rules the array enforces before any change (C1, C5, C6, C15): invisible characters in
names, sizes of 2^63 bytes or more, numeric strings that are not plain decimal, host names."""

import pytest

from conftest import ArrayError

INVISIBLE = [
    ("zero width space", "a\u200bb"), ("right-to-left override", "share\u202egpj.exe"),
    ("byte order mark", "\ufeffname"), ("soft hyphen", "na\u00adme"),
    ("word joiner", "x\u2060y"), ("C1 control", "a\u0085b"), ("NUL", "a\x00b"),
    ("DEL", "a\x7fb"), ("left-to-right isolate", "a\u2066b"),
]


@pytest.mark.parametrize("label,name", INVISIBLE, ids=[label for label, _name in INVISIBLE])
def test_names_with_invisible_characters_are_refused(api, project, share, label, name):
    before = api("listProjects", "pool-a", True)
    err = _error(api, "createProject", {"poolName": "pool-a", "projectName": name})
    assert err.code == "EZEBI_INVALID_ARGUMENT" and "projectName" in err.body["message"]
    assert _error(api, "createShare", "pool-a", project, name, {}, []).code == \
        "EZEBI_INVALID_ARGUMENT"
    obj = {"poolName": "pool-a", "projectName": project, "name": "s1", "local": True}
    assert _error(api, "createShareSnapshot", obj, name, False).code == "EZEBI_INVALID_ARGUMENT"
    assert api("listProjects", "pool-a", True) == before
    assert [s["name"] for s in api("listShares", "pool-a", project, True)] == ["s1"]
    assert api("listSnapshots", share, "") == []


def test_visible_unicode_names_are_accepted(api, project):
    for name in ("caf\u00e9", "\u65e5\u672c", "\u0434\u0430\u043d\u043d\u044b\u0435"):
        api("createShare", "pool-a", project, name, {}, [])
        assert api("getShare", "pool-a/Local/%s/%s" % (project, name))["name"] == name


def test_invisible_character_is_shown_by_code_point(api):
    err = _error(api, "createProject", {"poolName": "pool-a", "projectName": "a\u202eb"})
    assert "U+202E" in err.body["message"]


@pytest.mark.parametrize("key,value", [
    ("quotaInByte", 2 ** 63), ("quotaInByte", "9223372036854775808"),
    ("quotaInByte", 16 * 2 ** 60), ("quotaInByte", 1e30), ("reservationInByte", 2 ** 64),
])
def test_sizes_of_2_63_bytes_or_more_are_refused(api, share, key, value):
    before = api("getShare", share)
    assert api.error("modifyShareProperties", share, {key: value}) == \
        "EZEBI_INVALID_QUOTA_RESERVATION_VALUE"
    assert api("getShare", share) == before


def test_metric_sizes_of_2_63_bytes_or_more_are_refused(api, share):
    assert api.error("modifyShareProperties", share, {"quota": 8192, "quotaMetric": "PB"}) == \
        "EZEBI_INVALID_QUOTA_RESERVATION_VALUE"
    api("modifyShareProperties", share, {"quota": 8191, "quotaMetric": "PB"})
    assert api("getShare", share)["quotaInByte"] == 8191 * 1024 ** 5


# "1024\n": a final newline is white space other than a space (C1), though int() takes it.
@pytest.mark.parametrize("value", ["1e3", "1_024", "\u0661\u0662", "0x400", "1 024", "inf",
                                   "1024\n", "1.5\n"])
def test_numeric_strings_are_plain_ascii_decimal(api, share, value):
    before = api("getShare", share)
    assert api.error("modifyShareProperties", share, {"quotaInByte": value}) == \
        "EZEBI_INVALID_QUOTA_RESERVATION_VALUE"
    assert api.error("modifyShareProperties", share, {"quota": value, "quotaMetric": "GB"}) == \
        "EZEBI_INVALID_QUOTA_RESERVATION_VALUE"
    assert api("getShare", share) == before


def test_plain_decimal_strings_are_accepted(api, share):
    api("modifyShareProperties", share, {"quotaInByte": "1073741824"})
    assert api("getShare", share)["quotaInByte"] == 1024 ** 3
    api("modifyShareProperties", share, {"quota": "1.5", "quotaMetric": "GB"})
    assert api("getShare", share)["quotaInByte"] == 1536 * 1024 ** 2


@pytest.mark.parametrize("host", [
    "0x0a.0.0.1", "10.1", "0x0a", "a.b.0XFF", "a_b.example.com", "-a.example.com",
    "a..example.com", "caf\u00e9.example.com", "x" * 64 + ".example.com",
    # A final newline is no host-name character (and would let a second entry for one host in).
    "db1.example.com\n",
])
def test_host_names_that_are_not_host_names_are_refused(api, share, host):
    before = api("getNFSNetworkACLsOnShare", share)
    assert api.error("addNFSNetworkACLOnShare", share, "FQDN", host, "rw", False) == \
        "EZEBI_INVALID_ACL_API_PARAM_GENERAL"
    entry = {"hostType": "FQDN", "host": host, "accessMode": "rw", "rootAccessForNFS": False}
    assert api.error("setNFSNetworkACLsOnShare", share, [entry]) == \
        "EZEBI_INVALID_ACL_API_PARAM_GENERAL"
    assert api("getNFSNetworkACLsOnShare", share) == before


@pytest.mark.parametrize("host", ["db1.example.com", "1a.example.com", "DB-2.Example.COM.",
                                  "localhost", "a.b.c0x"])
def test_host_names_are_accepted(api, share, host):
    api("addNFSNetworkACLOnShare", share, "FQDN", host, "ro", False)
    assert host in [e["host"] for e in api("getNFSNetworkACLsOnShare", share)]


def _error(api, method, *args):
    with pytest.raises(ArrayError) as info:
        api(method, *args)
    assert info.value.status == 500
    return info.value


@pytest.mark.parametrize("name", ["docs\u202etxt", "a\u200bb", "\ufeffdocs", "a\x7fb", "a[b]"])
def test_smb_names_with_invisible_or_forbidden_characters_are_refused(api, share, name):
    before = api("getShare", share)
    assert api.error("setSMBSharingOnShare", share, True, name, False) == \
        "EZEBI_INVALID_WINDOWS_DISPLAY_NAME"
    assert api.error("modifyShareProperties", share, {"cifsDisplayName": name}) == \
        "EZEBI_INVALID_WINDOWS_DISPLAY_NAME"
    assert api("getShare", share) == before


@pytest.mark.parametrize("quota", [
    {"quota": 0.4}, {"quota": "1.7"}, {"quota": "0.1", "quotaMetric": "KB"},
    {"quota": 1.3, "quotaMetric": "GB"},
])
def test_sizes_that_are_no_whole_number_of_bytes_are_refused(api, share, quota):
    # C6: every size is a whole number of bytes; rounding 0.4 bytes gave 0, which clears the
    # quota a caller asked to set.
    api("modifyShareProperties", share, {"quotaInByte": 1024 ** 3})
    before = api("getShare", share)
    assert api.error("modifyShareProperties", share, quota) == \
        "EZEBI_INVALID_QUOTA_RESERVATION_VALUE"
    reservation = {"reservation" + key[5:]: value for key, value in quota.items()}
    assert api.error("modifyShareProperties", share, reservation) == \
        "EZEBI_INVALID_QUOTA_RESERVATION_VALUE"
    assert api("getShare", share) == before
    api("modifyShareProperties", share, {"quota": "0.5", "quotaMetric": "KB"})
    assert api("getShare", share)["quotaInByte"] == 512
