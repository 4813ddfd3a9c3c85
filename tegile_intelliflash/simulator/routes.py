# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""The route table: every RPC name of both services (v2 and openstack), written out, with its
handler, in one table.

Names are literal strings so that ``grep setNFSNetworkACLsOnShare`` finds the route; a family
of calls that shares one handler (NFS/SMB x share/project) binds its protocol and level here.
``WRITE`` marks the calls that change state (a write transaction; counted as writes).
"""

from functools import partial

from .handlers import openstack, v2_access, v2_datasets, v2_snapshots, v2_system
from .registry import Registry

READ = False
WRITE = True

ROUTES = (
    # (service, RPC name, handler, WRITE or READ); the v2 service first:
    # system, pools, network (spec §7.1-7.3)
    ("v2", "listSystemProperties", v2_system.list_system_properties, READ),
    ("v2", "listPools", v2_system.list_pools, READ),
    ("v2", "getFloatingIPList", v2_system.get_floating_ip_list, READ),
    # the array-wide SMB configuration (§10.2)
    ("v2", "getSMBConfig", v2_access.get_smb_config, READ),
    ("v2", "setSMBConfig", v2_access.set_smb_config, WRITE),
    # projects (§7.4)
    ("v2", "createProject", v2_datasets.create_project, WRITE),
    ("v2", "getProject", v2_datasets.get_project, READ),
    ("v2", "listProjects", v2_datasets.list_projects, READ),
    ("v2", "modifyProjectProperties", v2_datasets.modify_project_properties, WRITE),
    ("v2", "deleteProject", v2_datasets.delete_project, WRITE),
    ("v2", "getProjectProperty", v2_datasets.get_project_property, READ),
    # shares (§7.5)
    ("v2", "createShare", v2_datasets.create_share, WRITE),
    ("v2", "getShare", v2_datasets.get_share, READ),
    ("v2", "listShares", v2_datasets.list_shares, READ),
    ("v2", "modifyShareProperties", v2_datasets.modify_share_properties, WRITE),
    ("v2", "deleteShare", v2_datasets.delete_share, WRITE),
    ("v2", "deleteDataset", v2_datasets.delete_dataset, WRITE),
    ("v2", "inheritPropertyFromProject", v2_datasets.inherit_property_from_project, WRITE),
    # snapshots, clones, rollback (§8)
    ("v2", "createShareSnapshot", v2_snapshots.create_share_snapshot, WRITE),
    ("v2", "getShareSnapshotCreationStatus", v2_snapshots.get_share_snapshot_creation_status, READ),
    ("v2", "listSnapshots", v2_snapshots.list_snapshots, READ),
    ("v2", "deleteShareSnapshot", v2_snapshots.delete_share_snapshot, WRITE),
    ("v2", "cloneShareSnapshot", v2_snapshots.clone_share_snapshot, WRITE),
    ("v2", "rollBackToShareSnapshot", v2_snapshots.roll_back_to_share_snapshot, WRITE),
    ("v2", "createProjectSnapshot", v2_snapshots.create_project_snapshot, WRITE),
    ("v2", "getProjectSnapshotCreationStatus", v2_snapshots.get_project_snapshot_creation_status, READ),
    ("v2", "deleteProjectSnapshot", v2_snapshots.delete_project_snapshot, WRITE),
    ("v2", "cloneProjectSnapshot", v2_snapshots.clone_project_snapshot, WRITE),
    ("v2", "getProjectCloneStatus", v2_snapshots.get_project_clone_status, READ),
    ("v2", "rollBackToProjectSnapshot", v2_snapshots.roll_back_to_project_snapshot, WRITE),
    # sharing on/off (§10.1)
    ("v2", "setNFSSharingOnShare", partial(v2_access.set_sharing, "nfs", "share"), WRITE),
    ("v2", "setNFSSharingOnProject", partial(v2_access.set_sharing, "nfs", "project"), WRITE),
    ("v2", "setSMBSharingOnShare", partial(v2_access.set_sharing, "smb", "share"), WRITE),
    ("v2", "setSMBSharingOnProject", partial(v2_access.set_sharing, "smb", "project"), WRITE),
    ("v2", "isShareExposedOverNFS", partial(v2_access.is_exposed, "nfs", "share"), READ),
    ("v2", "isProjectExposedOverNFS", partial(v2_access.is_exposed, "nfs", "project"), READ),
    ("v2", "isShareExposedOverSMB", partial(v2_access.is_exposed, "smb", "share"), READ),
    ("v2", "isProjectExposedOverSMB", partial(v2_access.is_exposed, "smb", "project"), READ),
    # network ACLs (§11)
    ("v2", "addNFSNetworkACLOnShare", partial(v2_access.add_acl, "nfs", "share"), WRITE),
    ("v2", "getNFSNetworkACLsOnShare", partial(v2_access.get_acls, "nfs", "share"), READ),
    ("v2", "setNFSNetworkACLsOnShare", partial(v2_access.set_acls, "nfs", "share"), WRITE),
    ("v2", "removeNFSNetworkACLOnShare", partial(v2_access.remove_acl, "nfs", "share"), WRITE),
    ("v2", "removeAllNFSNetworkACLsOnShare", partial(v2_access.remove_all_acls, "nfs", "share"), WRITE),
    ("v2", "addNFSNetworkACLOnProject", partial(v2_access.add_acl, "nfs", "project"), WRITE),
    ("v2", "getNFSNetworkACLsOnProject", partial(v2_access.get_acls, "nfs", "project"), READ),
    ("v2", "setNFSNetworkACLsOnProject", partial(v2_access.set_acls, "nfs", "project"), WRITE),
    ("v2", "removeNFSNetworkACLOnProject", partial(v2_access.remove_acl, "nfs", "project"), WRITE),
    ("v2", "removeAllNFSNetworkACLsOnProject", partial(v2_access.remove_all_acls, "nfs", "project"), WRITE),
    ("v2", "addSMBNetworkACLOnShare", partial(v2_access.add_acl, "smb", "share"), WRITE),
    ("v2", "getSMBNetworkACLsOnShare", partial(v2_access.get_acls, "smb", "share"), READ),
    ("v2", "setSMBNetworkACLsOnShare", partial(v2_access.set_acls, "smb", "share"), WRITE),
    ("v2", "removeSMBNetworkACLOnShare", partial(v2_access.remove_acl, "smb", "share"), WRITE),
    ("v2", "removeAllSMBNetworkACLsOnShare", partial(v2_access.remove_all_acls, "smb", "share"), WRITE),
    ("v2", "addSMBNetworkACLOnProject", partial(v2_access.add_acl, "smb", "project"), WRITE),
    ("v2", "getSMBNetworkACLsOnProject", partial(v2_access.get_acls, "smb", "project"), READ),
    ("v2", "setSMBNetworkACLsOnProject", partial(v2_access.set_acls, "smb", "project"), WRITE),
    ("v2", "removeSMBNetworkACLOnProject", partial(v2_access.remove_acl, "smb", "project"), WRITE),
    ("v2", "removeAllSMBNetworkACLsOnProject", partial(v2_access.remove_all_acls, "smb", "project"), WRITE),
    ("v2", "inheritNetworkACLsettingsFromProject", v2_access.inherit_network_acl_settings, WRITE),
    # the openstack service (spec §12, protocol choice C22)
    ("openstack", "getArrayStats", openstack.get_array_stats, READ),
    ("openstack", "createShare", openstack.create_share, WRITE),
    ("openstack", "deleteShare", openstack.delete_share, WRITE),
    ("openstack", "resizeShare", openstack.resize_share, WRITE),
    ("openstack", "createShareSnapshot", openstack.create_share_snapshot, WRITE),
    ("openstack", "deleteShareSnapshot", openstack.delete_share_snapshot, WRITE),
    ("openstack", "cloneShareSnapshot", openstack.clone_share_snapshot, WRITE),
    ("openstack", "getShareIPAndMountPoint", openstack.get_share_ip_and_mount_point, READ),
    ("openstack", "shareAllowAccess", openstack.share_allow_access, WRITE),
    ("openstack", "shareDenyAccess", openstack.share_deny_access, WRITE),
    ("openstack", "clearAccessRules", openstack.clear_access_rules, WRITE),
)

V2 = Registry("v2", ROUTES)
OPENSTACK = Registry("openstack", ROUTES)
