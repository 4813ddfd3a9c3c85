"""Operations of ``ops.access`` on stored documents, without a server (C16 copy-on-write, C22).

The openstack handlers call these; the wire behaviour is covered by test_sim_openstack.py.
"""

import pytest

from tegile_intelliflash.simulator import model
from tegile_intelliflash.simulator.errors import ApiError
from tegile_intelliflash.simulator.ops import access


class _Txn:
    def __init__(self, mode, shares=()):
        self.mode = mode
        self.shares = list(shares)

    def setting(self, name):
        assert name == "smb_config"
        return {"smbProtocolMode": self.mode}

    def shares_with_smb_names(self, keys):
        """The other shares of the array with one of these SMB names (C27)."""
        return [share for share in self.shares if model.smb_name_key(share) in keys]


class _Ctx:
    def __init__(self, mode="CIFS", shares=()):
        self.txn = _Txn(mode, shares)


def _docs(project_acls=()):
    project = model.new_project("pool-a", "proj")
    project["nfs"] = True
    project["nfs_acls"] = [{"hostType": "IP", "host": h, "accessMode": "rw",
                            "rootAccessForNFS": False} for h in project_acls]
    return project, model.new_share(project, "share1")


def test_allow_ip_copies_the_project_entries_then_adds_or_changes_one():
    project, share = _docs(["10.0.0.1"])
    access.allow_ip(share, project, "10.0.0.2", "ro")
    assert share["nfs_override"] is True
    assert [(e["host"], e["accessMode"]) for e in share["nfs_acls"]] == [
        ("10.0.0.1", "rw"), ("10.0.0.2", "ro")]
    access.allow_ip(share, project, "10.0.0.1", "ro")  # same host: mode changes, no duplicate
    assert [(e["host"], e["accessMode"]) for e in share["nfs_acls"]] == [
        ("10.0.0.1", "ro"), ("10.0.0.2", "ro")]
    assert len(project["nfs_acls"]) == 1  # the project is untouched


def test_deny_ip_of_an_absent_host_leaves_the_share_inheriting():
    project, share = _docs(["10.0.0.1"])
    access.deny_ip(share, project, "10.0.0.9")
    assert share["nfs_override"] is False
    access.deny_ip(share, project, "10.0.0.1")
    assert share["nfs_override"] is True and share["nfs_acls"] == []
    assert len(project["nfs_acls"]) == 1


def test_user_rules_replace_by_name_case_insensitively_and_clear():
    project, share = _docs(["10.0.0.1"])
    access.allow_user(share, "Alice", "ro")
    access.allow_user(share, "alice", "rw")
    assert [e["aclUser"] for e in share["aclList"]] == ["alice"]
    access.deny_user(share, "ALICE")
    assert share["aclList"] == []
    access.allow_user(share, "bob", "rw")
    access.clear_rules(share, project, nfs=False)
    assert share["aclList"] == [] and share["nfs_override"] is False
    access.clear_rules(share, project, nfs=True)
    assert share["nfs_override"] is True and share["nfs_acls"] == []


def test_turn_on_share_refuses_nfs_and_smb_together_under_smb3():
    project, share = _docs()
    access.turn_on_share(_Ctx("SMB3"), share, project, "nfs")  # inherited NFS already on
    assert share["nfs_override"] is True and share["nfs"] is True
    with pytest.raises(ApiError) as err:
        access.turn_on_share(_Ctx("SMB3"), share, project, "smb")
    assert err.value.code == "EZEBI_INVALID_SMB_API_PARAM_GENERAL"
    access.turn_on_share(_Ctx("CIFS"), share, project, "smb")
    assert share["smb"] is True and share["smb_acls"] == []


def test_turn_on_share_refuses_an_smb_name_another_share_has():
    project, share = _docs()
    other = model.new_share(project, "other")
    other["cifsDisplayName"] = model.display_name(share)  # chose this share's default name
    with pytest.raises(ApiError) as err:
        access.turn_on_share(_Ctx("CIFS", [other]), share, project, "smb")
    assert err.value.code == "EZEBI_RESOURCE_EXIST" and share["smb"] is False
