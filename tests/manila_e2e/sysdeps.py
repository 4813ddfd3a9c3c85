# SPDX-License-Identifier: Apache-2.0
"""Find (and install when missing) the Debian packages the Manila stack runs on.

RabbitMQ and MariaDB come from Debian's archive.  Nothing here starts a
service: the harness runs private instances in its scratch directory.
"""

import glob
import os
import shutil
import subprocess

PACKAGES = ("rabbitmq-server", "mariadb-server")

_RABBIT_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
_RABBIT_CTL = "/usr/lib/rabbitmq/bin/rabbitmqctl"


class MissingDependency(RuntimeError):
    """A system package could not be installed."""


def _first_existing(candidates):
    for cand in candidates:
        for path in sorted(glob.glob(cand)):
            if os.path.isfile(path) and os.access(path, os.X_OK):
                return path
    return None


def find_binaries():
    """Return a dict of the executables the stack needs, or None for missing ones."""
    return {
        "rabbitmq-server": _first_existing([_RABBIT_SERVER]),
        "rabbitmqctl": _first_existing([_RABBIT_CTL]),
        "epmd": _first_existing(["/usr/bin/epmd", "/usr/lib/erlang/bin/epmd",
                                 "/usr/lib/erlang/erts-*/bin/epmd"]),
        "mariadbd": _first_existing(["/usr/sbin/mariadbd", "/usr/sbin/mysqld",
                                     "/usr/bin/mariadbd"]),
        "mariadb-install-db": _first_existing(["/usr/bin/mariadb-install-db",
                                               "/usr/bin/mysql_install_db",
                                               "/usr/scripts/mariadb-install-db"]),
    }


def _missing_packages(bins):
    missing = []
    if not (bins["rabbitmq-server"] and bins["epmd"]):
        missing.append("rabbitmq-server")
    if not (bins["mariadbd"] and bins["mariadb-install-db"]):
        missing.append("mariadb-server")
    return missing


def _apt(args, log):
    cmd = ["apt-get", "-o", "DPkg::Lock::Timeout=600", "-o", "Acquire::Retries=3"] + args
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            raise MissingDependency(
                "%s are not installed and this user cannot install them "
                "(not root, no sudo): run `apt-get install -y --no-install-recommends %s` "
                "as root" % (", ".join(PACKAGES), " ".join(PACKAGES)))
        cmd = ["sudo", "-n", "env", "DEBIAN_FRONTEND=noninteractive"] + cmd
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    log("running: %s" % " ".join(cmd))
    proc = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, check=False)
    return proc.returncode, proc.stdout


def ensure_installed(log=print):
    """Install rabbitmq-server / mariadb-server when missing; return find_binaries()."""
    bins = find_binaries()
    missing = _missing_packages(bins)
    if not missing:
        return bins
    install = ["install", "-y", "--no-install-recommends"] + missing
    rc, out = _apt(install, log)
    if rc != 0:
        # A fresh machine may have no package lists yet: update once, retry once.
        log("apt-get install failed (rc=%d); running apt-get update and retrying" % rc)
        _apt(["update"], log)
        rc, out = _apt(install, log)
        if rc != 0:
            raise MissingDependency("apt-get install %s failed (rc=%d):\n%s"
                                    % (" ".join(missing), rc, out[-4000:]))
    bins = find_binaries()
    still = [name for name, path in bins.items() if path is None]
    if still:
        raise MissingDependency("after installing %s these are still missing: %s"
                                % (" ".join(missing), ", ".join(still)))
    return bins
