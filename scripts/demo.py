#!/usr/bin/env python
# SPDX-License-Identifier: Apache-2.0
"""``make demo``: provision an IntelliFlash array and show what it holds.

Starts the embedded array simulator (HTTPS, its own CA, basic auth) in a scratch directory,
then:

* runs ``playbooks/demo.yml`` twice with ansible-playbook — the second run must report
  ``changed=0`` — (projects, NFS and SMB shares, quotas, access rules and snapshots through the
  collection's modules, and a manila.conf rendered by the role and validated with Manila's own
  Python in ``.venv-manila``, which ``make demo`` bootstraps);
* or, with ``--client-only``, provisions a smaller set directly through the REST client;

and finally prints a table of what the array holds, read back through the REST client with TLS
verification on, and stops the simulator.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tegile_intelliflash.client.api import IntelliFlashClient  # noqa: E402
from tegile_intelliflash.client import acl, paths, sizes  # noqa: E402
from tegile_intelliflash.client.paths import dataset_ref, project_ref, share_ref  # noqa: E402
from tegile_intelliflash.simulator.harness import SimulatorProcess  # noqa: E402

POOL = "pool-a"
PROJECT = "demo"


def provision_with_client(client):
    """The stage-one demo: the same objects, made through the client alone."""
    if client.find_project(project_ref(POOL, PROJECT)) is None:
        client.create_project(project_ref(POOL, PROJECT), {"compression": "lz4", "dedup": "off"})
    client.set_project_quota(project_ref(POOL, PROJECT), sizes.parse_size("500G"))
    for share, quota in (("nfs-data", "100G"), ("smb-home", "50G")):
        if client.find_share(share_ref(POOL, PROJECT, share)) is None:
            client.create_share(share_ref(POOL, PROJECT, share), quota=sizes.parse_size(quota))
    client.set_share_reservation(share_ref(POOL, PROJECT, "nfs-data"), sizes.parse_size("10G"))
    client.set_nfs_sharing(dataset_ref(POOL, PROJECT, "nfs-data"), True)
    client.set_network_acls("nfs", dataset_ref(POOL, PROJECT, "nfs-data"), [
        acl.NetworkRule("IP", "10.20.0.0/24", "rw"),
        acl.NetworkRule("FQDN", "backup.example.com", "ro"),
    ])
    client.set_user_acls(share_ref(POOL, PROJECT, "nfs-data"), [acl.UserRule("user", "alice", "rw")])
    client.set_smb_sharing(dataset_ref(POOL, PROJECT, "smb-home"), True, display_name="home")
    client.set_user_acls(share_ref(POOL, PROJECT, "smb-home"), [
        acl.UserRule("group", "finance", "rw"), acl.UserRule("user", "auditor", "ro")])
    snapshots = client.list_snapshots(dataset_ref(POOL, PROJECT, "nfs-data"))
    if paths.share_snapshot_name("before-migration") not in [snap.full_name for snap in snapshots]:
        client.create_snapshot(dataset_ref(POOL, PROJECT, "nfs-data"), "before-migration")


def run_playbooks(sim, env):
    """Run playbooks/demo.yml twice; the second run must change nothing."""
    extra = [
        "-e", "intelliflash_host=%s" % sim.address,
        "-e", "intelliflash_username=%s" % sim.user,
        "-e", "intelliflash_password=%s" % sim.password,
        "-e", "intelliflash_ca_path=%s" % sim.ca_path,
    ]
    playbook = os.path.join(ROOT, ".venv", "bin", "ansible-playbook")
    for attempt in ("first run", "second run (must report changed=0)"):
        print("\n--- ansible-playbook playbooks/demo.yml: %s" % attempt, flush=True)
        proc = subprocess.run([playbook, "-i", "localhost,", "-c", "local",
                               os.path.join(ROOT, "playbooks", "demo.yml")] + extra,
                              env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, check=False)
        print(proc.stdout, flush=True)
        if proc.returncode != 0:
            raise SystemExit("demo playbook failed (exit %d)" % proc.returncode)
    recap = re.findall(r"changed=(\d+)", proc.stdout)
    if not recap or any(int(n) for n in recap):
        raise SystemExit("the second run of the demo playbook changed something: not idempotent")
    print("second run: changed=0 — the playbook is idempotent", flush=True)


def collection_env(workdir):
    """ansible-playbook finds the collection through a link named like its FQCN."""
    base = os.path.join(workdir, "collections", "ansible_collections", "tegile")
    os.makedirs(base)
    os.symlink(ROOT, os.path.join(base, "intelliflash"))
    env = dict(os.environ)
    env["ANSIBLE_COLLECTIONS_PATH"] = os.path.join(workdir, "collections")
    env["ANSIBLE_PYTHON_INTERPRETER"] = sys.executable
    env["ANSIBLE_NOCOLOR"] = "1"
    env["ANSIBLE_RETRY_FILES_ENABLED"] = "0"
    env["TEGILE_DEMO_OUTPUT"] = os.path.join(workdir, "out")
    env["PATH"] = os.path.join(ROOT, ".venv", "bin") + os.pathsep + env.get("PATH", "")
    return env


def table(rows, headers):
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)] if rows else [len(h) for h in headers]
    line = "  ".join("%-*s" % (w, h) for w, h in zip(widths, headers))
    out = [line, "  ".join("-" * w for w in widths)]
    for row in rows:
        out.append("  ".join("%-*s" % (w, c) for w, c in zip(widths, row)))
    return "\n".join(out)


def show_array(client):
    """Print what the array holds, read back through the client."""
    system = client.check_connection()
    print("\nArray: model=%s, version=%s, API %s.%s"
          % (system.model, system.version, system.api_version, system.api_minor_version))
    print("\nPools")
    print(table([(p.name, sizes.format_size(p.total_bytes), sizes.format_size(p.available_bytes))
                 for p in client.list_pools()], ("pool", "total", "available")))
    share_rows, acl_rows, snap_rows = [], [], []
    for pool in client.list_pools():
        for proj in client.list_projects(pool.name):
            project = proj.name
            for item in client.list_shares(project_ref(pool.name, project)):
                name = item.name
                share = client.get_share(share_ref(pool.name, project, name))
                quota = share.quota_bytes or 0
                reservation = share.reservation_bytes or 0
                exports = client.export_locations(share_ref(pool.name, project, name))
                share_rows.append((
                    "%s/%s/%s" % (pool.name, project, name),
                    sizes.format_size(quota) if quota else "none",
                    sizes.format_size(reservation) if reservation else "none",
                    " ".join(exports.get("nfs", []) + exports.get("smb", [])) or "(not shared)",
                ))
                for proto in ("nfs", "smb"):
                    for rule in client.get_network_acls(proto, dataset_ref(pool.name, project, name)):
                        acl_rows.append((name, proto.upper(), rule.host_type, rule.host, rule.access))
                for rule in client.get_user_acls(share_ref(pool.name, project, name)):
                    acl_rows.append((name, "file", rule.kind, rule.name, rule.access))
                for snap in client.list_snapshots(dataset_ref(pool.name, project, name)):
                    snap_rows.append((name, snap.full_name))
    print("\nShares")
    print(table(share_rows, ("share", "quota", "reservation", "export locations")))
    print("\nAccess rules")
    print(table(acl_rows, ("share", "protocol", "type", "who", "access")))
    print("\nSnapshots")
    print(table(snap_rows, ("share", "snapshot")))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--client-only", action="store_true",
                        help="provision through the REST client even when the playbooks exist")
    args = parser.parse_args()
    use_playbooks = not args.client_only
    with tempfile.TemporaryDirectory(prefix="intelliflash-demo-") as workdir:
        state = os.path.join(workdir, "array")
        os.makedirs(state)
        with SimulatorProcess(state, host="127.0.0.1", port=0) as sim:
            print("IntelliFlash simulator listening on %s (CA %s)" % (sim.url, sim.ca_path), flush=True)
            with IntelliFlashClient(sim.address, sim.user, sim.password, ca_path=sim.ca_path) as client:
                if use_playbooks:
                    run_playbooks(sim, collection_env(workdir))
                else:
                    provision_with_client(client)
                show_array(client)
        print("\nsimulator stopped; demo done.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
