# SPDX-License-Identifier: Apache-2.0
"""The array's own view, read straight from the simulator's REST API.

Deliberately independent of the project's REST client: the end-to-end test
checks what the driver (through the client) did by asking the array itself,
over HTTPS with certificate verification against the simulator's CA.
"""

import requests


class ArrayCallError(Exception):
    def __init__(self, method, status, code, message):
        super().__init__("%s: HTTP %s %s %s" % (method, status, code, message))
        self.method = method
        self.status = status
        self.code = code


class ArrayView:
    def __init__(self, base_url, ca_path, user, password):
        self.base_url = base_url.rstrip("/")
        self.ca_path = ca_path
        self.session = requests.Session()
        self.session.auth = (user, password)

    def __repr__(self):
        return "ArrayView(%r)" % self.base_url

    def close(self):
        self.session.close()

    def call(self, method, *args):
        resp = self.session.post("%s/zebi/api/v2/%s" % (self.base_url, method), json=list(args),
                                 timeout=30,
                                 # per call: a session-level verify loses to REQUESTS_CA_BUNDLE
                                 verify=self.ca_path)
        if resp.status_code != 200:
            try:
                body = resp.json()
            except ValueError:
                body = {"code": None, "message": resp.text[:200]}
            raise ArrayCallError(method, resp.status_code, body.get("code"), body.get("message"))
        return resp.json() if resp.content else None

    # -- reads used by the tests -------------------------------------------------------------
    def shares(self, pool, project):
        """{share name: Share_V1_0} of a project; {} when the project does not exist."""
        try:
            items = self.call("listShares", pool, project, True)
        except ArrayCallError as exc:
            if exc.code == "EZEBI_RESOURCE_NOT_FOUND":
                return {}
            raise
        return {item["name"]: item for item in items}

    def all_shares(self, pools, project):
        """{dataset path: Share_V1_0} over several pools."""
        found = {}
        for pool in pools:
            for name, item in self.shares(pool, project).items():
                found["%s/Local/%s/%s" % (pool, project, name)] = item
        return found

    def share(self, path):
        return self.call("getShare", path)

    def share_or_none(self, path):
        try:
            return self.share(path)
        except ArrayCallError as exc:
            if exc.code == "EZEBI_RESOURCE_NOT_FOUND":
                return None
            raise

    def snapshots(self, share_path):
        """Full snapshot names (with their Manual-S- prefix) of a share, oldest first."""
        items = self.call("listSnapshots", share_path, "")
        names = []
        for item in items:
            name = item if isinstance(item, str) else item.get("name") or item.get("snapName")
            names.append(name.split("@", 1)[-1])
        return names

    def nfs_acls(self, share_path):
        """{host: accessMode} of the effective NFS network ACL list of a share."""
        return {entry["host"]: entry["accessMode"]
                for entry in self.call("getNFSNetworkACLsOnShare", share_path)}

    def file_acls(self, share_path):
        """{user or group name (lower case): aclValDisplay} of the share's file ACL."""
        acl = {}
        for entry in self.share(share_path).get("aclList") or []:
            name = entry.get("aclUser") or entry.get("aclGroup") or ""
            acl[name.lower()] = entry.get("aclValDisplay")
        return acl

    def pools(self):
        return [pool["name"] for pool in self.call("listPools")]
