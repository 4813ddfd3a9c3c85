# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""v2 NFS/SMB sharing, SMB configuration and network ACLs (spec §10-11; C15-C17)."""

import copy
import ipaddress
import re

from . import convert, core, model
from .errors import (
    ApiError, INVALID_ACL_PARAM, INVALID_SMB_PARAM, RESOURCE_EXIST, RESOURCE_NOT_FOUND,
)
from .registry import V2
from .v2_datasets import check_display_name_unique, project_for_write, share_for_write

HOST_TYPES = ("IP", "FQDN")
ACCESS_MODES = ("rw", "ro")
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
# C15: a last label of digits or 0x-hex is an IPv4 address in inet_aton notation (0x0a.0.0.1).
_NUMERIC_LABEL = re.compile(r"^(?:[0-9]+|0[xX][0-9A-Fa-f]*)$")
SMB_MODES = ("CIFS", "SMB3")


# -- network ACL entries (C15) ---------------------------------------------------------------
def host_identity(host_type, host):
    if host_type == "IP":
        network = ipaddress.ip_network(host, strict=True)
        if network.num_addresses == 1:
            return host_type, str(network.network_address)
        return host_type, str(network)
    return host_type, host.rstrip(".").lower()


def validate_host(host_type, host, where="host"):
    if host_type not in HOST_TYPES:
        raise ApiError(INVALID_ACL_PARAM, "hostType must be IP or FQDN (exact case), got %r"
                       % (host_type,))
    if not isinstance(host, str) or not host:
        raise ApiError(INVALID_ACL_PARAM, "%s must be a non-empty string" % where)
    if host_type == "IP":
        if "%" in host:
            # ipaddress accepts scoped IPv6 (fe80::1%eth0); a zone is local to one host (C15).
            raise ApiError(INVALID_ACL_PARAM, "%s %r: an IPv6 zone index has no meaning in an "
                           "ACL entry" % (where, host))
        try:
            ipaddress.ip_network(host, strict=True)
        except ValueError:
            raise ApiError(INVALID_ACL_PARAM, "%s %r is not an IP address or a network without "
                           "host bits set" % (where, host)) from None
        return host
    name = host[:-1] if host.endswith(".") else host
    labels = name.split(".")
    if len(name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ApiError(INVALID_ACL_PARAM, "%s %r is not a valid host or domain name"
                       % (where, host))
    if _NUMERIC_LABEL.match(labels[-1]):
        raise ApiError(INVALID_ACL_PARAM, "%s %r is an IPv4 address in another notation, not a "
                       "host name; use an IP entry in dotted-decimal form" % (where, host))
    return host


def validate_entry(entry, proto, where="networkACL"):
    if not isinstance(entry, dict):
        raise ApiError(INVALID_ACL_PARAM, "%s must be an object" % where)
    host_type = entry.get("hostType")
    host = validate_host(host_type, entry.get("host"), where + ".host")
    mode = entry.get("accessMode")
    if mode not in ACCESS_MODES:
        raise ApiError(INVALID_ACL_PARAM, "%s.accessMode must be rw or ro (exact case), got %r"
                       % (where, mode))
    root = entry.get("rootAccessForNFS", False)
    root = convert.to_bool(root, where + ".rootAccessForNFS") if root is not None else False
    return {"hostType": host_type, "host": host, "accessMode": mode,
            "rootAccessForNFS": bool(root) if proto == "nfs" else False}


def _find(acls, host_type, host):
    wanted = host_identity(host_type, host)
    for index, entry in enumerate(acls):
        if host_identity(entry["hostType"], entry["host"]) == wanted:
            return index
    return None


# -- targets ---------------------------------------------------------------------------------
class Target:
    """The dataset an ACL/sharing call acts on, with copy-on-write for shares (C16)."""

    def __init__(self, ctx, value, level, what):
        self.ctx = ctx
        self.level = level
        if level == "share":
            _ignored, self.share, self.project = share_for_write(ctx, value, what=what)
            self.doc = self.share
        else:
            _ignored, self.project = project_for_write(ctx, value, what=what)
            self.share = None
            self.doc = self.project

    def own(self, proto):
        if self.share is not None:
            model.take_ownership(self.share, self.project, proto)
        return self.doc

    def save(self):
        if self.share is not None:
            self.ctx.txn.put_share(self.share)
        else:
            self.ctx.txn.put_project(self.project)


def read_target(ctx, value, level):
    path = core.parse_path(value, kind=level)
    if level == "share":
        share = core.get_share(ctx.txn, path)
        return share, ctx.txn.project(share["project_path"])
    return None, core.get_project(ctx.txn, path)


def effective_state(share, project, proto):
    if share is not None:
        return model.sharing(share, project, proto)
    return project[proto], project[proto + "_acls"]


# -- sharing on/off (C17) --------------------------------------------------------------------
def _smb_mode(txn):
    return txn.setting("smb_config")["smbProtocolMode"]


def set_sharing(ctx, target, proto, on):
    other = "smb" if proto == "nfs" else "nfs"
    other_on, _ignored = effective_state(target.share, target.project, other)
    if on and other_on and _smb_mode(ctx.txn) == "SMB3":
        raise ApiError(INVALID_SMB_PARAM, "NFS and SMB cannot both be on for %s while "
                       "smbProtocolMode is SMB3" % target.doc["path"])
    current, _ignored = effective_state(target.share, target.project, proto)
    doc = target.own(proto)
    if current != on:
        doc[proto] = on
        doc[proto + "_acls"] = []


def _sharing_call(proto, level):
    def handler(ctx, args):
        target = Target(ctx, args.raw(0, "datasetPath"), level,
                        "set%sSharingOn%s" % (proto.upper(), level.title()))
        on = args.bool(1, "turnOn")
        if proto == "smb" and level == "share":
            name = args.raw(2, "displayName", "")
            guest = args.bool(3, "enableGuestMode", False)
            name = model.validate_display_name(name) if name not in (None, "") else ""
            effective = name or model.default_display_name(target.share)
            if on or effective != model.display_name(target.share):
                # Turning SMB on with the default name checks it too: another share may have
                # chosen <project>_<share> explicitly before this share existed (C27).
                check_display_name_unique(ctx.txn, effective, target.share["path"])
            set_sharing(ctx, target, proto, on)
            target.share["cifsDisplayName"] = name  # "" = the default name (C17)
            target.share["guestStatus"] = guest
        else:
            set_sharing(ctx, target, proto, on)
        target.save()
        return 0
    return handler


for _proto in ("nfs", "smb"):
    for _level in ("share", "project"):
        V2.method("set%sSharingOn%s" % (_proto.upper(), _level.title()), write=True)(
            _sharing_call(_proto, _level))


def _exposed_call(proto, level):
    def handler(ctx, args):
        share, project = read_target(ctx, args.raw(0, "datasetPath"), level)
        on, _ignored = effective_state(share, project, proto)
        return bool(on)
    return handler


for _proto in ("nfs", "smb"):
    for _level in ("share", "project"):
        V2.method("is%sExposedOver%s" % (_level.title(), _proto.upper()))(
            _exposed_call(_proto, _level))


# -- SMB configuration -----------------------------------------------------------------------
@V2.method("getSMBConfig")
def get_smb_config(ctx, args):
    return dict(ctx.txn.setting("smb_config"))


@V2.method("setSMBConfig", write=True)
def set_smb_config(ctx, args):
    obj = args.obj(0, "smbConfig")
    config = dict(ctx.txn.setting("smb_config"))
    if obj.get("pdc") is not None:
        if not isinstance(obj["pdc"], str):
            raise ApiError(INVALID_SMB_PARAM, "pdc must be a string")
        config["pdc"] = obj["pdc"]
    for key in ("subsharesFeatureEnabled", "restrictAnonymous", "restrictGuest"):
        if obj.get(key) is not None:
            try:
                config[key] = convert.to_bool(obj[key], key)
            except ApiError as exc:
                raise ApiError(INVALID_SMB_PARAM, exc.message) from None
    if obj.get("smbProtocolMode") is not None:
        mode = obj["smbProtocolMode"]
        if mode not in SMB_MODES:
            raise ApiError(INVALID_SMB_PARAM, "smbProtocolMode must be CIFS or SMB3, got %r"
                           % (mode,))
        if mode == "SMB3" and config["smbProtocolMode"] != "SMB3":
            for share in ctx.txn.all_shares():
                project = ctx.txn.project(share["project_path"])
                if model.sharing(share, project, "nfs")[0] and \
                        model.sharing(share, project, "smb")[0]:
                    raise ApiError(INVALID_SMB_PARAM, "cannot switch to SMB3: %s is shared over "
                                   "both NFS and SMB" % share["path"])
            for project in ctx.txn.all_projects():
                if project["nfs"] and project["smb"]:
                    raise ApiError(INVALID_SMB_PARAM, "cannot switch to SMB3: %s is shared over "
                                   "both NFS and SMB" % project["path"])
        config["smbProtocolMode"] = mode
    ctx.txn.put_setting("smb_config", config)
    return 0


# -- network ACL calls (C15, C16) ------------------------------------------------------------
def _acl_calls(proto, level):
    P = proto.upper()
    L = level.title()

    def add(ctx, args):
        target = Target(ctx, args.raw(0, "datasetPath"), level, "add%sNetworkACLOn%s" % (P, L))
        entry = {"hostType": args.raw(1, "type"), "host": args.raw(2, "host"),
                 "accessMode": args.raw(3, "accessMode")}
        if proto == "nfs":
            entry["rootAccessForNFS"] = args.bool(4, "isRoot")
        entry = validate_entry(entry, proto, "acl")
        doc = target.own(proto)
        if _find(doc[proto + "_acls"], entry["hostType"], entry["host"]) is not None:
            raise ApiError(RESOURCE_EXIST, "%s ACL entry %s %s already exists on %s"
                           % (P, entry["hostType"], entry["host"], doc["path"]))
        model.check_acl_size(len(doc[proto + "_acls"]) + 1, "%s ACL of %s" % (P, doc["path"]))
        doc[proto + "_acls"].append(entry)
        target.save()
        return 0

    def get(ctx, args):
        share, project = read_target(ctx, args.raw(0, "datasetPath"), level)
        _ignored, acls = effective_state(share, project, proto)
        return copy.deepcopy(acls)

    def set_all(ctx, args):
        target = Target(ctx, args.raw(0, "datasetPath"), level, "set%sNetworkACLsOn%s" % (P, L))
        entries = args.list(1, "networkACLs")
        model.check_acl_size(len(entries), "networkACLs")
        clean = []
        seen = set()
        for index, entry in enumerate(entries):
            item = validate_entry(entry, proto, "networkACLs[%d]" % index)
            identity = host_identity(item["hostType"], item["host"])
            if identity in seen:
                raise ApiError(INVALID_ACL_PARAM, "networkACLs[%d]: duplicate entry for %s %s"
                               % (index, item["hostType"], item["host"]))
            seen.add(identity)
            clean.append(item)
        doc = target.own(proto)
        doc[proto + "_acls"] = clean
        target.save()
        return 0

    def remove(ctx, args):
        target = Target(ctx, args.raw(0, "datasetPath"), level,
                        "remove%sNetworkACLOn%s" % (P, L))
        host_type = args.raw(1, "type")
        host = validate_host(host_type, args.raw(2, "host"))
        share, project = target.share, target.project
        _ignored, acls = effective_state(share, project, proto)
        if _find(acls, host_type, host) is None:
            raise ApiError(RESOURCE_NOT_FOUND, "%s ACL entry %s %s does not exist on %s"
                           % (P, host_type, host, target.doc["path"]))
        doc = target.own(proto)
        del doc[proto + "_acls"][_find(doc[proto + "_acls"], host_type, host)]
        target.save()
        return 0

    def remove_all(ctx, args):
        target = Target(ctx, args.raw(0, "datasetPath"), level,
                        "removeAll%sNetworkACLsOn%s" % (P, L))
        doc = target.own(proto)
        doc[proto + "_acls"] = []
        target.save()
        return 0

    V2.method("add%sNetworkACLOn%s" % (P, L), write=True)(add)
    V2.method("get%sNetworkACLsOn%s" % (P, L))(get)
    V2.method("set%sNetworkACLsOn%s" % (P, L), write=True)(set_all)
    V2.method("remove%sNetworkACLOn%s" % (P, L), write=True)(remove)
    V2.method("removeAll%sNetworkACLsOn%s" % (P, L), write=True)(remove_all)


for _proto in ("nfs", "smb"):
    for _level in ("share", "project"):
        _acl_calls(_proto, _level)


@V2.method("inheritNetworkACLsettingsFromProject", write=True)
def inherit_network_acl_settings(ctx, args):
    target = Target(ctx, args.raw(0, "datasetPath"), "share",
                    "inheritNetworkACLsettingsFromProject")
    share = target.share
    for proto in ("nfs", "smb"):
        share[proto + "_override"] = False
        share[proto] = False
        share[proto + "_acls"] = []
    target.save()
    return 0
