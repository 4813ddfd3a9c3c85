# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Network ACLs (per protocol, on shares and projects) and a share's user (file) ACL."""

from . import acl as acl_mod
from . import paths as paths_mod
from .acl import NetworkRule, UserRule
from .base import by_level, check_protocol
from .errors import NotFoundError, invalid_argument

# verb -> protocol -> (project method, share method): every network ACL call, written out.
NETWORK_ACL_METHODS = {
    "get": {"nfs": ("getNFSNetworkACLsOnProject", "getNFSNetworkACLsOnShare"),
            "smb": ("getSMBNetworkACLsOnProject", "getSMBNetworkACLsOnShare")},
    "add": {"nfs": ("addNFSNetworkACLOnProject", "addNFSNetworkACLOnShare"),
            "smb": ("addSMBNetworkACLOnProject", "addSMBNetworkACLOnShare")},
    "remove": {"nfs": ("removeNFSNetworkACLOnProject", "removeNFSNetworkACLOnShare"),
               "smb": ("removeSMBNetworkACLOnProject", "removeSMBNetworkACLOnShare")},
    "set": {"nfs": ("setNFSNetworkACLsOnProject", "setNFSNetworkACLsOnShare"),
            "smb": ("setSMBNetworkACLsOnProject", "setSMBNetworkACLsOnShare")},
    "removeAll": {"nfs": ("removeAllNFSNetworkACLsOnProject", "removeAllNFSNetworkACLsOnShare"),
                  "smb": ("removeAllSMBNetworkACLsOnProject", "removeAllSMBNetworkACLsOnShare")},
}


def _acl_method(verb, protocol, share):
    return by_level(share, *NETWORK_ACL_METHODS[verb][protocol])


def _duplicates_error(wanted):
    dups = acl_mod.find_duplicates(wanted)
    if dups:
        raise invalid_argument("rules", "duplicate entries for %s"
                               % ", ".join("%s %s" % d for d in dups),
                               code="EZEBI_INVALID_ACL_API_PARAM_GENERAL")


class AccessCalls(object):
    """The network ACL calls and the share's file ACL (``aclList``)."""

    def _acl_target(self, protocol, ref, verb, what):
        """(pool, project, share, protocol, method, dataset path) of the network ACL call
        ``verb`` on ``ref`` (every verb but ``get`` writes: Local datasets only); ``what``
        names the call in an error about the protocol."""
        ref = self._ref(ref, share=None, write=verb != "get")
        with self._context(what):
            proto = check_protocol(protocol)
        method = _acl_method(verb, proto, ref.share)
        return (ref.pool, ref.project, ref.share, proto, method,
                self._ref_path(method, ref))

    def get_network_acls(self, protocol, ref):
        """The effective network ACL list as NetworkRule objects."""
        method, path = self._acl_target(protocol, ref, "get", "getNetworkACLs")[4:]
        reply = self.call(method, path, dataset=path) or []
        return [NetworkRule.from_wire(item) for item in reply]

    def _coerce_rule(self, proto, rule, field):
        rule = NetworkRule.coerce(rule, field)
        if proto == "smb" and rule.root:
            raise invalid_argument("%s.root" % field, "root access applies to NFS only")
        return rule

    def add_network_acl(self, protocol, ref, rule):
        """add{NFS,SMB}NetworkACLOn{Share,Project} (rule: NetworkRule or dict)."""
        pool, project, share, proto, method, path = self._acl_target(
            protocol, ref, "add", "addNetworkACL")
        with self._context(method, path):
            rule = self._coerce_rule(proto, rule, "rule")
        args = [path, rule.host_type, rule.host, rule.access]
        if proto == "nfs":
            args.append(rule.root)
        self.call(method, *args, write=True, dataset=path,
                  verify=lambda: self._acls_written(
                      proto, pool, project, share, lambda rules: rule in rules))

    def remove_network_acl(self, protocol, ref, host_type, host,
                           missing_ok=True):
        """remove{NFS,SMB}NetworkACLOn{Share,Project}; True when removed, False when the rule
        was not there (missing_ok). A missing share/project still raises NotFoundError."""
        pool, project, share, proto, method, path = self._acl_target(
            protocol, ref, "remove", "removeNetworkACL")
        with self._context(method, path):
            detected, norm = acl_mod.normalize_host(host, "host")
            if host_type:
                if not isinstance(host_type, str) or host_type.upper() != detected:
                    raise invalid_argument("host_type", "%r is a %s, not %r"
                                           % (host, detected, host_type))
            key = (detected, norm)

        def absent():
            return self._acls_written(proto, pool, project, share,
                                      lambda rules: all(r.key != key for r in rules))

        try:
            self.call(method, path, detected, norm, write=True, dataset=path, verify=absent)
        except NotFoundError:
            if not missing_ok:
                raise
            # Distinguish "no such rule" from "no such dataset".
            if share is None:
                self._read_project(pool, project)
            else:
                self._read_share(pool, project, share)
            return False
        return True

    def set_network_acls(self, protocol, ref, rules):
        """set{NFS,SMB}NetworkACLsOn{Share,Project}: replace the whole list."""
        pool, project, share, proto, method, path = self._acl_target(
            protocol, ref, "set", "setNetworkACLs")
        with self._context(method, path):
            if isinstance(rules, (str, dict)) or rules is None:
                raise invalid_argument("rules", "must be a list of rules")
            wanted = [self._coerce_rule(proto, r, "rules[%d]" % i) for i, r in enumerate(rules)]
            acl_mod.check_size(wanted, "rules")
            _duplicates_error(wanted)
        self.call(method, path, [r.to_wire() for r in wanted], write=True, dataset=path,
                  verify=lambda: self._acls_written(
                      proto, pool, project, share,
                      lambda rules: acl_mod.same_rules(rules, wanted)))

    def remove_all_network_acls(self, protocol, ref):
        """removeAll{NFS,SMB}NetworkACLsOn{Share,Project}."""
        pool, project, share, proto, method, path = self._acl_target(
            protocol, ref, "removeAll", "removeAllNetworkACLs")
        self.call(method, path, write=True, dataset=path,
                  verify=lambda: self._acls_written(proto, pool, project, share,
                                                    lambda rules: not rules))

    def _acls_written(self, proto, pool, project, share, check):
        """Verification of a network ACL write: ``check(rules)`` holds for the list read back
        and, on a share, the list is the share's own (C16: every share-level ACL write sets
        the override flag; an equal list inherited from the project is not what was
        written)."""
        from . import written  # write verification: after a lost reply only
        if not check(self.get_network_acls(proto, paths_mod.dataset_ref(pool, project, share))):
            return False
        return share is None or written.acls_owned(self._read_share(pool, project, share),
                                                   proto)

    def inherit_network_acls(self, ref):
        """inheritNetworkACLsettingsFromProject: the share follows the project again (NFS and
        SMB)."""
        pool, project, share = self._unpack(ref, share=True)
        path = self._dataset("inheritNetworkACLsettingsFromProject", pool, project, share)

        def verify():
            current = self.get_share(paths_mod.share_ref(pool, project, share))
            return not current.nfs_own and not current.smb_own

        self.call("inheritNetworkACLsettingsFromProject", path, write=True, dataset=path,
                  verify=verify)

    # -- user (file) ACLs ------------------------------------------------------------------

    def get_user_acls(self, ref):
        """The share's file ACL (C18) as UserRule objects."""
        return self.get_share(self._ref(ref, share=True)).user_acls

    def set_user_acls(self, ref, rules):
        """Replace the share's file ACL (``modifyShareProperties`` ``aclList``)."""
        pool, project, share = self._unpack(ref, share=True)
        path = self._dataset("modifyShareProperties", pool, project, share)
        with self._context("modifyShareProperties", path):
            if isinstance(rules, (str, dict)) or rules is None:
                raise invalid_argument("rules", "must be a list of rules")
            wanted = []
            for i, rule in enumerate(rules):
                wanted.append(UserRule.coerce(rule, "rules[%d]" % i))
            acl_mod.check_size(wanted, "rules")
            _duplicates_error(wanted)
        self.call("modifyShareProperties", path, {"aclList": [r.to_wire() for r in wanted]},
                  write=True, dataset=path,
                  verify=lambda: acl_mod.same_rules(self.get_user_acls(ref),
                                                    wanted))
