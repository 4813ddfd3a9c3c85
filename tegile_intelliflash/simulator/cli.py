# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""``intelliflash-sim``: run the IntelliFlash array simulator.

    intelliflash-sim --host 127.0.0.1 --port 0 --state DIR [--user U --password P]
                     [--pool NAME=SIZE ...] [--plain-http] [--allow-remote]

Prints exactly one line ``listening on https://HOST:PORT`` on stdout once the socket is bound and
being served; everything else (request log, faults) goes to stderr. SIGTERM/SIGINT stop it.
"""

import argparse
import fcntl
import ipaddress
import logging
import os
import signal
import sys
import threading
import time

from . import seed, tls
from .app import Simulator, create_app
from .server import DEFAULT_IDLE_TIMEOUT, build_server
from .store import Store


def _is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_parser():
    parser = argparse.ArgumentParser(
        prog="intelliflash-sim",
        description="IntelliFlash (Tegile/DDN) array simulator: REST API v2 and the openstack "
                    "service over HTTPS, with persistent state.",
    )
    parser.add_argument("--host", default="127.0.0.1",
                        help="bind address (default 127.0.0.1; loopback only unless "
                             "--allow-remote)")
    parser.add_argument("--port", type=int, default=0, help="TCP port; 0 picks a free one")
    parser.add_argument("--state", required=True, help="state directory (created if missing)")
    parser.add_argument("--user", default="admin", help="API user name (default admin)")
    parser.add_argument("--password", default=None,
                        help="API password (default admin; or set INTELLIFLASH_SIM_PASSWORD)")
    parser.add_argument("--pool", action="append", default=[], metavar="NAME=SIZE",
                        help="a pool and its size, e.g. pool-a=10T (repeatable). Default at "
                             "first start: pool-a=10T and pool-b=4T.")
    parser.add_argument("--plain-http", action="store_true",
                        help="serve plain HTTP (debugging only)")
    parser.add_argument("--allow-remote", action="store_true",
                        help="allow a non-loopback bind address")
    parser.add_argument("--idle-timeout", type=float, default=DEFAULT_IDLE_TIMEOUT,
                        metavar="SECONDS",
                        help="close a kept-alive connection after this long without a request "
                             "(default %(default)s)")
    parser.add_argument("--log-level", default="INFO",
                        choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    return parser


def main(argv=None):
    parser = build_parser()
    opts = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=getattr(logging, opts.log_level),
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(getattr(logging, opts.log_level))
    if not _is_loopback(opts.host) and not opts.allow_remote:
        parser.error("--host %s is not a loopback address; pass --allow-remote to expose the "
                     "simulator beyond this machine" % opts.host)
    if not opts.idle_timeout > 0:
        parser.error("--idle-timeout must be a positive number of seconds")
    if not 0 <= opts.port <= 65535:
        parser.error("--port must be between 0 and 65535")
    try:
        pools = [seed.parse_pool_option(p) for p in opts.pool]
    except ValueError as exc:
        parser.error(str(exc))
    password = opts.password
    if password is None:
        password = os.environ.get("INTELLIFLASH_SIM_PASSWORD", "admin")

    os.makedirs(opts.state, mode=0o700, exist_ok=True)
    # One simulator per state directory: the lock is held for the life of the process (the
    # kernel releases it on any exit, SIGKILL included).
    lock = open(os.path.join(opts.state, "simulator.lock"), "a")
    try:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        parser.error("state directory %s is in use by another simulator" % opts.state)
    store = Store(opts.state)
    with store.transaction(write=True) as txn:
        seed.ensure_seed(txn, pools)

    ssl_context = None if opts.plain_http else tls.server_ssl_context(opts.state, opts.host)
    sim = Simulator(store, opts.user, password)
    app = create_app(sim)
    try:
        server = build_server(opts.host, opts.port, app, ssl_context, opts.idle_timeout,
                              sim.connections, inline=sim.runs_inline)
    except OSError as exc:
        # A port in use or an address this host does not have is the user's to fix: one line
        # saying so, not a traceback.
        store.close()
        parser.error("cannot listen on %s port %d: %s"
                     % (opts.host, opts.port, exc.strerror or exc))

    def stop(signum, frame):
        logging.getLogger("tegile_intelliflash.simulator").info("signal %d: stopping", signum)
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    _exit_with_parent(server)

    scheme = "http" if opts.plain_http else "https"
    host = opts.host
    display = "[%s]" % host if ":" in host else host
    print("listening on %s://%s:%d" % (scheme, display, server.port), flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        store.close()
        lock.close()
    return 0


def _exit_with_parent(server):
    """Stop when the process named by INTELLIFLASH_SIM_EXIT_WITH_PARENT is gone.

    The test harness sets it to its own pid: a test runner that dies (or a forked test worker
    that exits without running its fixtures' teardown) then leaves no simulator behind.
    """
    value = os.environ.get("INTELLIFLASH_SIM_EXIT_WITH_PARENT", "")
    if not value.isdigit():
        return
    parent = int(value)

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        logging.getLogger("tegile_intelliflash.simulator").info("parent %d gone: stopping", parent)
        server.shutdown()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
