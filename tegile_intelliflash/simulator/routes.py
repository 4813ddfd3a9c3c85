# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""The route tables: every RPC name of both services, written out, with its handler.

Names are literal strings so that ``grep setNFSNetworkACLsOnShare`` finds the route; a family
of calls that shares one handler (NFS/SMB x share/project) binds its protocol and level here.
``WRITE`` marks the calls that change state (a write transaction; counted as writes).
"""

from functools import partial

from .handlers import openstack, v2_access, v2_datasets, v2_snapshots, v2_system
from .registry import Registry

READ = False
WRITE = True

V2_ROUTES = (
    # system, pools, network (spec §7.1-7.3)
    ("listSystemProperties", v2_system.list_system_properties, READ),
    ("listPools", v2_system.list_pools, READ),
    ("getFloatingIPList", v2_system.get_floating_ip_list, READ),
    # projects (§7.4)
    ("createProject", v2_datasets.create_project, WRITE),
    ("getProject", v2_datasets.get_project, READ),
    ("listProjects", v2_datasets.list_projects, READ),
    ("modifyProjectProperties", v2_datasets.modify_project_properties, WRITE),
    ("deleteProject", v2_datasets.delete_project, WRITE),
    ("getProjectProperty", v2_datasets.get_project_property, READ),
    # shares (§7.5)
    ("createShare", v2_datasets.create_share, WRITE),
    ("getShare", v2_datasets.get_share, READ),
    ("listShares", v2_datasets.list_shares, READ),
    ("modifyShareProperties", v2_datasets.modify_share_properties, WRITE),
    ("deleteShare", v2_datasets.delete_share, WRITE),
    ("deleteDataset", v2_datasets.delete_dataset, WRITE),
    ("inheritPropertyFromProject", v2_datasets.inherit_property_from_project, WRITE),
    # snapshots, clones, rollback (§8)
    ("createShareSnapshot", v2_snapshots.create_share_snapshot, WRITE),
    ("getShareSnapshotCreationStatus", v2_snapshots.get_share_snapshot_creation_status, READ),
    ("listSnapshots", v2_snapshots.list_snapshots, READ),
    ("deleteShareSnapshot", v2_snapshots.delete_share_snapshot, WRITE),
    ("cloneShareSnapshot", v2_snapshots.clone_share_snapshot, WRITE),
    ("rollBackToShareSnapshot", v2_snapshots.roll_back_to_share_snapshot, WRITE),
    ("createProjectSnapshot", v2_snapshots.create_project_snapshot, WRITE),
    ("getProjectSnapshotCreationStatus", v2_snapshots.get_project_snapshot_creation_status,
     READ),
    ("deleteProjectSnapshot", v2_snapshots.delete_project_snapshot, WRITE),
    ("cloneProjectSnapshot", v2_snapshots.clone_project_snapshot, WRITE),
    ("getProjectCloneStatus", v2_snapshots.get_project_clone_status, READ),
    ("rollBackToProjectSnapshot", v2_snapshots.roll_back_to_project_snapshot, WRITE),
    # sharing on/off (§10.1)
    ("setNFSSharingOnShare", partial(v2_access.set_sharing, "nfs", "share"), WRITE),
    ("setNFSSharingOnProject", partial(v2_access.set_sharing, "nfs", "project"), WRITE),
    ("setSMBSharingOnShare", partial(v2_access.set_sharing, "smb", "share"), WRITE),
    ("setSMBSharingOnProject", partial(v2_access.set_sharing, "smb", "project"), WRITE),
    ("isShareExposedOverNFS", partial(v2_access.is_exposed, "nfs", "share"), READ),
    ("isProjectExposedOverNFS", partial(v2_access.is_exposed, "nfs", "project"), READ),
    ("isShareExposedOverSMB", partial(v2_access.is_exposed, "smb", "share"), READ),
    ("isProjectExposedOverSMB", partial(v2_access.is_exposed, "smb", "project"), READ),
    # SMB configuration (§10.2)
    ("getSMBConfig", v2_access.get_smb_config, READ),
    ("setSMBConfig", v2_access.set_smb_config, WRITE),
    # network ACLs (§11)
    ("addNFSNetworkACLOnShare", partial(v2_access.add_acl, "nfs", "share"), WRITE),
    ("getNFSNetworkACLsOnShare", partial(v2_access.get_acls, "nfs", "share"), READ),
    ("setNFSNetworkACLsOnShare", partial(v2_access.set_acls, "nfs", "share"), WRITE),
    ("removeNFSNetworkACLOnShare", partial(v2_access.remove_acl, "nfs", "share"), WRITE),
    ("removeAllNFSNetworkACLsOnShare", partial(v2_access.remove_all_acls, "nfs", "share"), WRITE),
    ("addNFSNetworkACLOnProject", partial(v2_access.add_acl, "nfs", "project"), WRITE),
    ("getNFSNetworkACLsOnProject", partial(v2_access.get_acls, "nfs", "project"), READ),
    ("setNFSNetworkACLsOnProject", partial(v2_access.set_acls, "nfs", "project"), WRITE),
    ("removeNFSNetworkACLOnProject", partial(v2_access.remove_acl, "nfs", "project"), WRITE),
    ("removeAllNFSNetworkACLsOnProject", partial(v2_access.remove_all_acls, "nfs", "project"),
     WRITE),
    ("addSMBNetworkACLOnShare", partial(v2_access.add_acl, "smb", "share"), WRITE),
    ("getSMBNetworkACLsOnShare", partial(v2_access.get_acls, "smb", "share"), READ),
    ("setSMBNetworkACLsOnShare", partial(v2_access.set_acls, "smb", "share"), WRITE),
    ("removeSMBNetworkACLOnShare", partial(v2_access.remove_acl, "smb", "share"), WRITE),
    ("removeAllSMBNetworkACLsOnShare", partial(v2_access.remove_all_acls, "smb", "share"), WRITE),
    ("addSMBNetworkACLOnProject", partial(v2_access.add_acl, "smb", "project"), WRITE),
    ("getSMBNetworkACLsOnProject", partial(v2_access.get_acls, "smb", "project"), READ),
    ("setSMBNetworkACLsOnProject", partial(v2_access.set_acls, "smb", "project"), WRITE),
    ("removeSMBNetworkACLOnProject", partial(v2_access.remove_acl, "smb", "project"), WRITE),
    ("removeAllSMBNetworkACLsOnProject", partial(v2_access.remove_all_acls, "smb", "project"),
     WRITE),
    ("inheritNetworkACLsettingsFromProject", v2_access.inherit_network_acl_settings, WRITE),
)

OPENSTACK_ROUTES = (
    # spec §12, protocol choice C22
    ("getArrayStats", openstack.get_array_stats, READ),
    ("createShare", openstack.create_share, WRITE),
    ("deleteShare", openstack.delete_share, WRITE),
    ("resizeShare", openstack.resize_share, WRITE),
    ("createShareSnapshot", openstack.create_share_snapshot, WRITE),
    ("deleteShareSnapshot", openstack.delete_share_snapshot, WRITE),
    ("cloneShareSnapshot", openstack.clone_share_snapshot, WRITE),
    ("getShareIPAndMountPoint", openstack.get_share_ip_and_mount_point, READ),
    ("shareAllowAccess", openstack.share_allow_access, WRITE),
    ("shareDenyAccess", openstack.share_deny_access, WRITE),
    ("clearAccessRules", openstack.clear_access_rules, WRITE),
)

V2 = Registry("v2", V2_ROUTES)
OPENSTACK = Registry("openstack", OPENSTACK_ROUTES)
