# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""C17 in SMB3 mode: no share may end up shared over NFS and SMB, whichever call would turn
the second protocol on, the share's own or one that makes it follow its project."""


def _smb3_array(api):
    """pool-b/Local/p with share ``s`` that has NFS on as its own setting, in SMB3 mode."""
    api("createProject", {"poolName": "pool-b", "projectName": "p"})
    api("createShare", "pool-b", "p", "s", {}, [])
    api("setNFSSharingOnShare", "pool-b/Local/p/s", True)
    api("setSMBConfig", {"smbProtocolMode": "SMB3"})
    return "pool-b/Local/p", "pool-b/Local/p/s"


def _exposed(api, share):
    return api("isShareExposedOverNFS", share), api("isShareExposedOverSMB", share)


def test_project_sharing_on_cannot_give_a_share_both_protocols(private_api):
    api = private_api
    project, share = _smb3_array(api)
    # The share inherits SMB from its project: turning it on there would share it both ways.
    assert api.error("setSMBSharingOnProject", project, True) == \
        "EZEBI_INVALID_SMB_API_PARAM_GENERAL"
    assert _exposed(api, share) == (True, False)
    assert api("isProjectExposedOverSMB", project) is False
    # Once the share has SMB off as its own setting, the project may turn it on.
    api("setSMBSharingOnShare", share, False, "", False)
    api("setSMBSharingOnProject", project, True)
    assert _exposed(api, share) == (True, False)


def test_inheriting_a_protocol_cannot_give_a_share_both(private_api):
    api = private_api
    project, share = _smb3_array(api)
    api("createShare", "pool-b", "p", "t", {}, [])
    other = "pool-b/Local/p/t"
    api("setNFSSharingOnShare", other, False)
    api("setSMBSharingOnShare", other, True, "", False)
    # The project shares over NFS; ``t`` turned NFS off and SMB on as its own settings.
    api("setNFSSharingOnShare", share, False)
    api("setNFSSharingOnProject", project, True)
    assert _exposed(api, other) == (False, True)
    assert api.error("inheritPropertyFromProject", other, "Sharenfs") == \
        "EZEBI_INVALID_SMB_API_PARAM_GENERAL"
    assert _exposed(api, other) == (False, True)
    assert api("getShare", other)["overrideSharenfs"] is True
