# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Operations on sharing and network ACLs (spec §10-11; C15-C17)."""

import ipaddress
import re

from .. import convert, core, model
from ..errors import ApiError, INVALID_ACL_PARAM, INVALID_SMB_PARAM
from .datasets import project_for_write, share_for_write

HOST_TYPES = ("IP", "FQDN")
ACCESS_MODES = ("rw", "ro")
# Matched with fullmatch: "$" also matches before a final newline ("host.example.com\n").
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
# C15: a last label of digits or 0x-hex is an IPv4 address in inet_aton notation (0x0a.0.0.1).
_NUMERIC_LABEL = re.compile(r"(?:[0-9]+|0[xX][0-9A-Fa-f]*)")
# C15: ::ffff:10.0.0.1 is the IPv4 host 10.0.0.1, which has one spelling: dotted-decimal.
_IPV4_MAPPED = ipaddress.ip_network("::ffff:0:0/96")


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
            network = ipaddress.ip_network(host, strict=True)
        except ValueError:
            raise ApiError(INVALID_ACL_PARAM, "%s %r is not an IP address or a network without "
                           "host bits set" % (where, host)) from None
        if network.version == 6 and network.subnet_of(_IPV4_MAPPED):
            raise ApiError(INVALID_ACL_PARAM, "%s %r is an IPv4-mapped IPv6 address, an IPv4 "
                           "host in another notation; use dotted-decimal form" % (where, host))
        return host
    name = host[:-1] if host.endswith(".") else host
    labels = name.split(".")
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ApiError(INVALID_ACL_PARAM, "%s %r is not a valid host or domain name"
                       % (where, host))
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
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


def find_entry(acls, host_type, host):
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
def smb_mode(txn):
    return txn.setting("smb_config")["smbProtocolMode"]


def set_sharing(ctx, target, proto, on):
    other = "smb" if proto == "nfs" else "nfs"
    other_on, _ignored = effective_state(target.share, target.project, other)
    if on and other_on and smb_mode(ctx.txn) == "SMB3":
        raise ApiError(INVALID_SMB_PARAM, "NFS and SMB cannot both be on for %s while "
                       "smbProtocolMode is SMB3" % target.doc["path"])
    if proto == "smb" and on and target.share is None and not target.project["smb"]:
        # C27: every share that inherits SMB is exported with the project, under its name.
        core.check_smb_names(ctx.txn, [share for share in
                                       ctx.txn.shares_of_project(target.project["path"])
                                       if not share["smb_override"]])
    if on and target.share is None and smb_mode(ctx.txn) == "SMB3":
        # The project's shares that inherit ``proto`` turn it on with the project: one that
        # has the other protocol on as its own setting would be shared over both.
        turned_on = dict(target.project, **{proto: True})
        for share in ctx.txn.shares_of_project(target.project["path"]):
            core.check_smb3(ctx.txn, share, turned_on)
    current, _ignored = effective_state(target.share, target.project, proto)
    doc = target.own(proto)
    if current != on:
        doc[proto] = on
        doc[proto + "_acls"] = []


# -- per-rule access of the openstack service (C22) ------------------------------------------
def turn_on_share(ctx, share, project, proto):
    """Sharing on for ``share`` over ``proto`` ("nfs"/"smb"); the share takes its own settings."""
    other = "smb" if proto == "nfs" else "nfs"
    if model.sharing(share, project, other)[0] and smb_mode(ctx.txn) == "SMB3":
        raise ApiError(INVALID_SMB_PARAM, "NFS and SMB cannot both be on while smbProtocolMode "
                       "is SMB3")
    current, _ignored = model.sharing(share, project, proto)
    if proto == "smb" and not current:
        # C27: the share goes out under its (default) SMB name, which another share may
        # have chosen before this one existed.
        core.check_smb_names(ctx.txn, [share])
    model.take_ownership(share, project, proto)
    if not current:
        share[proto] = True
        share[proto + "_acls"] = []


def allow_ip(share, project, host, mode):
    """Add the share's NFS entry for ``host``, or change its access mode if it has one."""
    model.take_ownership(share, project, "nfs")
    acls = share["nfs_acls"]
    index = find_entry(acls, "IP", host)
    entry = {"hostType": "IP", "host": host, "accessMode": mode, "rootAccessForNFS": False}
    if index is None:
        model.check_acl_size(len(acls) + 1, "NFS ACL of %s" % share["path"])
        acls.append(entry)
    else:
        acls[index] = entry


def deny_ip(share, project, host):
    """Remove the NFS entry for ``host``; a share without one keeps inheriting its project's."""
    _ignored, acls = model.sharing(share, project, "nfs")
    if find_entry(acls, "IP", host) is not None:
        model.take_ownership(share, project, "nfs")
        del share["nfs_acls"][find_entry(share["nfs_acls"], "IP", host)]


def allow_user(share, name, mode):
    """Grant ``name`` ``mode`` in the share's file ACL (replacing the user's entry)."""
    entry = model.acl_entry("user", name, mode)
    acl = [e for e in share["aclList"] if model.acl_identity(e) != model.acl_identity(entry)]
    model.check_acl_size(len(acl) + 1, "file ACL of %s" % share["path"])
    share["aclList"] = acl + [entry]


def deny_user(share, name):
    identity = ("user", name.lower())
    share["aclList"] = [e for e in share["aclList"] if model.acl_identity(e) != identity]


def clear_rules(share, project, nfs):
    """Drop the file ACL and, with ``nfs``, the share's NFS entries (then its own, empty)."""
    if nfs:
        model.take_ownership(share, project, "nfs")
        share["nfs_acls"] = []
    share["aclList"] = []


SMB_MODES = ("CIFS", "SMB3")


def set_smb_config(txn, obj):
    """setSMBConfig: the settings given (None = unchanged); SMB3 is refused while a share or
    project is shared over both NFS and SMB."""
    config = dict(txn.setting("smb_config"))
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
            for share in txn.all_shares():
                project = txn.project(share["project_path"])
                if model.sharing(share, project, "nfs")[0] and \
                        model.sharing(share, project, "smb")[0]:
                    raise ApiError(INVALID_SMB_PARAM, "cannot switch to SMB3: %s is shared over "
                                   "both NFS and SMB" % share["path"])
            for project in txn.all_projects():
                if project["nfs"] and project["smb"]:
                    raise ApiError(INVALID_SMB_PARAM, "cannot switch to SMB3: %s is shared over "
                                   "both NFS and SMB" % project["path"])
        config["smbProtocolMode"] = mode
    txn.put_setting("smb_config", config)
