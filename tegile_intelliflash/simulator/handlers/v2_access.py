# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""v2 handlers for NFS/SMB sharing, SMB configuration and network ACLs (spec §10-11).

One function serves a family of calls (NFS/SMB x share/project); ``routes`` binds the protocol
and level to each literal method name. ``ctx.method`` is that name, used in error messages.
"""

import copy

from .. import core, model
from ..errors import ApiError, INVALID_ACL_PARAM, RESOURCE_EXIST, RESOURCE_NOT_FOUND
from ..ops import access
from ..ops.datasets import check_sharing_inherited


# -- sharing on/off (C17) --------------------------------------------------------------------
def set_sharing(proto, level, ctx, args):
    """set{NFS,SMB}SharingOn{Share,Project}."""
    target = access.Target(ctx, args.raw(0, "datasetPath"), level, ctx.method)
    on = args.bool(1, "turnOn")
    if proto == "smb" and level == "share":
        name = args.raw(2, "displayName", "")
        guest = args.bool(3, "enableGuestMode", False)
        name = model.validate_display_name(name) if name not in (None, "") else ""
        effective = name or model.default_display_name(target.share)
        if on or effective != model.display_name(target.share):
            # Turning SMB on with the default name checks it too: another share may have
            # chosen <project>_<share> explicitly before this share existed (C27).
            core.check_smb_names(ctx.txn, [dict(target.share, cifsDisplayName=name)])
        access.set_sharing(ctx, target, proto, on)
        target.share["cifsDisplayName"] = name  # "" = the default name (C17)
        target.share["guestStatus"] = guest
    else:
        access.set_sharing(ctx, target, proto, on)
    target.save()
    return 0


def is_exposed(proto, level, ctx, args):
    """is{Share,Project}ExposedOver{NFS,SMB}."""
    share, project = access.read_target(ctx, args.raw(0, "datasetPath"), level)
    on, _ignored = access.effective_state(share, project, proto)
    return bool(on)


# -- SMB configuration -----------------------------------------------------------------------
def get_smb_config(ctx, args):
    return dict(ctx.txn.setting("smb_config"))


def set_smb_config(ctx, args):
    obj = args.obj(0, "smbConfig")
    access.set_smb_config(ctx.txn, obj)
    return 0


# -- network ACL calls (C15, C16) ------------------------------------------------------------

def add_acl(proto, level, ctx, args):
    """add{NFS,SMB}NetworkACLOn{Share,Project}."""
    target = access.Target(ctx, args.raw(0, "datasetPath"), level, ctx.method)
    entry = {"hostType": args.raw(1, "type"), "host": args.raw(2, "host"),
             "accessMode": args.raw(3, "accessMode")}
    if proto == "nfs":
        entry["rootAccessForNFS"] = args.bool(4, "isRoot")
    entry = access.validate_entry(entry, proto, "acl")
    doc = target.own(proto)
    if access.find_entry(doc[proto + "_acls"], entry["hostType"], entry["host"]) is not None:
        raise ApiError(RESOURCE_EXIST, "%s ACL entry %s %s already exists on %s"
                       % (proto.upper(), entry["hostType"], entry["host"], doc["path"]))
    model.check_acl_size(len(doc[proto + "_acls"]) + 1,
                         "%s ACL of %s" % (proto.upper(), doc["path"]))
    doc[proto + "_acls"].append(entry)
    target.save()
    return 0


def get_acls(proto, level, ctx, args):
    """get{NFS,SMB}NetworkACLsOn{Share,Project}."""
    share, project = access.read_target(ctx, args.raw(0, "datasetPath"), level)
    _ignored, acls = access.effective_state(share, project, proto)
    return copy.deepcopy(acls)


def set_acls(proto, level, ctx, args):
    """set{NFS,SMB}NetworkACLsOn{Share,Project}: replace the whole list."""
    target = access.Target(ctx, args.raw(0, "datasetPath"), level, ctx.method)
    entries = args.list(1, "networkACLs")
    model.check_acl_size(len(entries), "networkACLs")
    clean = []
    seen = set()
    for index, entry in enumerate(entries):
        item = access.validate_entry(entry, proto, "networkACLs[%d]" % index)
        identity = access.host_identity(item["hostType"], item["host"])
        if identity in seen:
            raise ApiError(INVALID_ACL_PARAM, "networkACLs[%d]: duplicate entry for %s %s"
                           % (index, item["hostType"], item["host"]))
        seen.add(identity)
        clean.append(item)
    doc = target.own(proto)
    doc[proto + "_acls"] = clean
    target.save()
    return 0


def remove_acl(proto, level, ctx, args):
    """remove{NFS,SMB}NetworkACLOn{Share,Project}."""
    target = access.Target(ctx, args.raw(0, "datasetPath"), level, ctx.method)
    host_type = args.raw(1, "type")
    host = access.validate_host(host_type, args.raw(2, "host"))
    _ignored, acls = access.effective_state(target.share, target.project, proto)
    if access.find_entry(acls, host_type, host) is None:
        raise ApiError(RESOURCE_NOT_FOUND, "%s ACL entry %s %s does not exist on %s"
                       % (proto.upper(), host_type, host, target.doc["path"]))
    doc = target.own(proto)
    del doc[proto + "_acls"][access.find_entry(doc[proto + "_acls"], host_type, host)]
    target.save()
    return 0


def remove_all_acls(proto, level, ctx, args):
    """removeAll{NFS,SMB}NetworkACLsOn{Share,Project}."""
    target = access.Target(ctx, args.raw(0, "datasetPath"), level, ctx.method)
    doc = target.own(proto)
    doc[proto + "_acls"] = []
    target.save()
    return 0


def inherit_network_acl_settings(ctx, args):
    target = access.Target(ctx, args.raw(0, "datasetPath"), "share",
                           "inheritNetworkACLsettingsFromProject")
    share = target.share
    smb_was_on = model.sharing(share, target.project, "smb")[0]
    for proto in ("nfs", "smb"):
        share[proto + "_override"] = False
        share[proto] = False
        share[proto + "_acls"] = []
    check_sharing_inherited(ctx.txn, share, target.project, smb_was_on)
    target.save()
    return 0
