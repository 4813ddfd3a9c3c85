# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""C27 on the calls that export a share over SMB without naming it: a create into a project
with SMB on, the project turning SMB on, a share inheriting SMB again, clones (v2, openstack,
project clones). Each refuses a name another share has with EZEBI_RESOURCE_EXIST naming the
name and both shares, and changes nothing."""

import pytest

from conftest import ArrayError


def _path(project, share=None):
    return "pool-a/Local/%s" % project + ("/%s" % share if share else "")


def _refused(api, method, *args, service="v2"):
    """The array error of a call refused under C27; returns its message."""
    with pytest.raises(ArrayError) as info:
        api(method, *args, service=service)
    assert info.value.code == "EZEBI_RESOURCE_EXIST", info.value.body
    return info.value.body["message"]


@pytest.fixture
def holder(api, project):
    """A share of another project that can take any SMB name; returns a function naming it."""
    other = project + "-holder"
    api("createProject", {"poolName": "pool-a", "projectName": other})
    api("createShare", "pool-a", other, "h", {}, [])
    path = _path(other, "h")

    def take(name):
        api("setSMBSharingOnShare", path, True, name, False)
        return path
    return take


def test_create_into_a_project_with_smb_on_checks_the_default_name(api, project, holder):
    taken_by = holder(("%s_new" % project).upper())  # names compare case-insensitively
    api("setSMBSharingOnProject", _path(project), True)
    message = _refused(api, "createShare", "pool-a", project, "new", {}, [])
    assert ("%s_new" % project).upper() in message and taken_by in message
    assert _path(project, "new") in message
    assert api("listShares", "pool-a", project, True) == []
    # The openstack service exports over SMB through the project too, whatever it was asked.
    _refused(api, "createShare", "pool-a", project, "new", "NFS", service="openstack")
    assert api("listShares", "pool-a", project, True) == []
    api("createShare", "pool-a", project, "other", {}, [])
    assert api("isShareExposedOverSMB", _path(project, "other")) is True


def test_create_into_a_project_with_smb_off_exports_nothing_and_is_not_checked(
        api, project, holder):
    holder("%s_new" % project)
    api("createShare", "pool-a", project, "new", {}, [])
    assert api("isShareExposedOverSMB", _path(project, "new")) is False


def test_project_smb_on_checks_every_share_that_inherits_it(api, project, holder):
    # The name is taken before "a" exists (once it exists, its default name is its own).
    taken_by = holder("%s_a" % project)
    for name in ("a", "b"):
        api("createShare", "pool-a", project, name, {}, [])
    message = _refused(api, "setSMBSharingOnProject", _path(project), True)
    assert taken_by in message and _path(project, "a") in message
    assert api("isProjectExposedOverSMB", _path(project)) is False
    # "a" keeps SMB off as its own setting: it is not exported with the project.
    api("setSMBSharingOnShare", _path(project, "a"), False, "", False)
    api("setSMBSharingOnProject", _path(project), True)
    assert api("isShareExposedOverSMB", _path(project, "b")) is True
    assert api("isShareExposedOverSMB", _path(project, "a")) is False
    # Back to the project's sharing: "a" would now be exported under the name "h" has.
    _refused(api, "inheritPropertyFromProject", _path(project, "a"), "Sharesmb")
    _refused(api, "inheritNetworkACLsettingsFromProject", _path(project, "a"))
    assert api("getShare", _path(project, "a"))["overrideSharesmb"] is True
    assert api("isShareExposedOverSMB", _path(project, "a")) is False


def test_two_shares_of_one_call_cannot_share_a_name(api, project):
    # Share names are case-sensitive, SMB names are not: <p>_Data and <p>_data are one name.
    for name in ("Data", "data"):
        api("createShare", "pool-a", project, name, {}, [])
    message = _refused(api, "setSMBSharingOnProject", _path(project), True)
    assert _path(project, "Data") in message and _path(project, "data") in message
    assert api("isProjectExposedOverSMB", _path(project)) is False


def _snapshot(api, project, share, name="s"):
    api("createShareSnapshot", {"poolName": "pool-a", "projectName": project, "name": share},
        name, False)
    return "%s@Manual-S-%s" % (_path(project, share), name)


def test_a_clone_exported_over_smb_gets_a_default_name_of_its_own(api, project, holder):
    api("createShare", "pool-a", project, "src", {}, [])
    api("setSMBSharingOnShare", _path(project, "src"), True, "%s-src" % project, False)
    snapshot = _snapshot(api, project, "src")
    taken_by = holder("%s_c1" % project)
    message = _refused(api, "cloneShareSnapshot", snapshot, "c1", True)
    assert taken_by in message and _path(project, "c1") in message
    _refused(api, "cloneShareSnapshot", snapshot, "c1", True, service="openstack")
    assert [s["name"] for s in api("listShares", "pool-a", project, True)] == ["src"]
    # Not inheriting, the clone takes the project's sharing (off): not exported, not checked.
    api("cloneShareSnapshot", snapshot, "c1", False)
    assert api("isShareExposedOverSMB", _path(project, "c1")) is False
    api("cloneShareSnapshot", snapshot, "c2", True)
    clone = api("getShare", _path(project, "c2"))
    assert clone["cifsDisplayName"] == "%s_c2" % project and clone["sharesmb"] == "on"


def test_a_project_clone_checks_the_names_of_its_clones(api, project, holder):
    api("createShare", "pool-a", project, "s", {}, [])
    api("setSMBSharingOnShare", _path(project, "s"), True, "%s-own" % project, False)
    api("createProjectSnapshot", {"poolName": "pool-a", "name": project, "local": True},
        "snap", False)
    snapshot = _path(project) + "@Manual-P-snap"
    clone = project + "-c"
    taken_by = holder("%s_s" % clone)
    message = _refused(api, "cloneProjectSnapshot", snapshot, clone, True)
    assert taken_by in message and _path(clone, "s") in message
    assert api.error("getProject", "pool-a", clone, True) == "EZEBI_RESOURCE_NOT_FOUND"
    api("cloneProjectSnapshot", snapshot, clone, False)  # project defaults: SMB off
    assert api("isShareExposedOverSMB", _path(clone, "s")) is False


def test_replica_shares_hold_no_smb_name(private_sim, private_api):
    """A Replica share is never exported: its default name, the same as its Local source's,
    does not stop the source from being shared over SMB."""
    api = private_api
    api("createProject", {"poolName": "pool-a", "projectName": "p"})
    api("createShare", "pool-a", "p", "s", {}, [])
    private_sim.receive_replica("pool-a/Local/p")
    api("setSMBSharingOnShare", "pool-a/Local/p/s", True, "", False)
    api("setSMBSharingOnProject", "pool-a/Local/p", True)
    assert api("getShare", "pool-a/Local/p/s")["sharesmb"] == "on"
