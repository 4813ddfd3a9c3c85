# SPDX-License-Identifier: Apache-2.0
"""A real, private Manila 23.0.1 deployment for end-to-end tests.

Everything runs from one scratch directory and listens on 127.0.0.1 only:

* an Erlang port mapper (epmd) and a RabbitMQ node (Debian's rabbitmq-server),
* a MariaDB server (Debian's mariadb-server) with a `manila` database,
* manila-scheduler and manila-share (console scripts of the Manila venv),
* manila-api: `manila.wsgi.api:application` in werkzeug's threaded server
  (see api_server.py).

Every process is started in its own session (process group); `stop()` ends
each group (SIGTERM, then SIGKILL after a bounded wait) and `leftover_pids()`
reports any process of those groups that is still alive.  Ports are picked
free at start, so several stacks (or a system RabbitMQ) can coexist.
"""

import atexit
import ctypes
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time

import sysdeps

HERE = os.path.dirname(os.path.abspath(__file__))

#: Log lines to print per file when a test fails.
TAIL_LINES = 60

#: What manila-share logs when the driver's do_setup/check_for_setup_error fail.
DRIVER_INIT_FAILED = "Error encountered during initialization of driver"


class StackError(RuntimeError):
    """The stack could not be brought up (or a wait ran out)."""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout, what, interval=0.2, on_timeout=None):
    """Call predicate() until it returns a true value; return that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            detail = on_timeout() if on_timeout else ""
            raise StackError("timed out after %ss waiting for %s%s"
                             % (timeout, what, ("\n" + detail) if detail else ""))
        time.sleep(interval)


def tail(path, lines=TAIL_LINES, skip_debug=False):
    """The last `lines` lines of a file (without DEBUG lines if asked)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 256 * 1024))
            data = handle.read().decode("utf-8", "replace")
    except OSError as exc:
        return "<cannot read %s: %s>" % (path, exc)
    kept = data.splitlines()
    if skip_debug:
        kept = [line for line in kept if " DEBUG " not in line]
    return "\n".join(kept[-lines:])


def _die_with_parent():
    """In the child: get SIGTERM when the harness dies, even by SIGKILL (Linux)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def python_dying_with_parent(directory):
    """Path of a `python` that gets SIGTERM when its parent dies.

    For children this module does not spawn itself (the simulator harness
    builds its own command line from a `python` path): the wrapper sets
    PR_SET_PDEATHSIG, which survives exec, then execs this interpreter.
    """
    path = os.path.join(directory, "python-dying-with-parent")
    with open(path, "w") as handle:
        handle.write("#!%s\n"
                     "import ctypes, os, signal, sys\n"
                     "try:\n"
                     "    ctypes.CDLL(None).prctl(1, signal.SIGTERM, 0, 0, 0)\n"
                     "except (OSError, AttributeError):\n"
                     "    pass\n"
                     "os.execv(sys.executable, [sys.executable] + sys.argv[1:])\n"
                     % sys.executable)
    os.chmod(path, 0o755)
    return path


class ManagedProcess:
    """A child process in its own process group, output appended to a file."""

    def __init__(self, name, argv, out_path, env=None, cwd=None):
        self.name = name
        self.argv = argv
        self.out_path = out_path
        self._out = open(out_path, "ab")
        self.popen = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=self._out, stderr=subprocess.STDOUT,
            env=env, cwd=cwd, start_new_session=True, preexec_fn=_die_with_parent)
        self.pgid = self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def check_alive(self):
        if not self.alive():
            raise StackError("%s exited with %s; last output:\n%s"
                             % (self.name, self.popen.returncode, tail(self.out_path)))

    def _signal_group(self, sig):
        try:
            os.killpg(self.pgid, sig)
            return True
        except ProcessLookupError:
            return False
        except PermissionError:
            return False

    def group_alive(self):
        return bool(group_members(self.pgid))

    def terminate(self):
        """SIGTERM the whole group (returns at once)."""
        self._signal_group(signal.SIGTERM)

    def stop(self, timeout=20.0):
        """SIGTERM the group, wait up to `timeout`, then SIGKILL what is left."""
        self.terminate()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.popen.poll()
            if not self.group_alive():
                break
            time.sleep(0.1)
        else:
            self._signal_group(signal.SIGKILL)
            wait_until(lambda: (self.popen.poll(), not self.group_alive())[1], 10,
                       "%s to die after SIGKILL" % self.name)
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        if not self._out.closed:
            self._out.close()


def group_members(pgid):
    """PIDs of live (non-zombie) processes whose process group is `pgid`."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as handle:
                stat = handle.read().decode("ascii", "replace")
        except OSError:
            continue
        # "pid (comm) state ppid pgrp ..." -- comm may hold spaces/parens.
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 2 and fields[0] != "Z" and int(fields[2]) == pgid:
            pids.append(int(entry))
    return pids


class ManilaStack:
    """RabbitMQ + MariaDB + manila-{api,scheduler,share} in `workdir`.

    `backend` is a dict of options for the share backend section (besides
    share_driver / share_backend_name / driver_handles_share_servers).
    """

    HOST = "e2e"
    BACKEND = "tegile1"

    def __init__(self, workdir, manila_venv, share_driver, backend, log=print):
        self.workdir = workdir
        self.venv = manila_venv
        self.share_driver = share_driver
        self.backend = dict(backend)
        self.log = log
        self.logdir = os.path.join(workdir, "logs")
        self.procs = {}
        self._stopped_groups = []
        self.bins = None
        self.amqp_port = free_port()
        self.epmd_port = free_port()
        self.dist_port = free_port()
        self.db_port = free_port()
        self.api_port = free_port()
        self.db_password = secrets.token_hex(12)
        self.conf_path = os.path.join(workdir, "manila.conf")
        for sub in ("logs", "rabbitmq", "mysql", "state", "lock", "home", "tmp"):
            os.makedirs(os.path.join(workdir, sub), exist_ok=True)
        atexit.register(self.stop)

    # ------------------------------------------------------------------ paths
    @property
    def api_url(self):
        return "http://127.0.0.1:%d/v2" % self.api_port

    @property
    def backend_host(self):
        return "%s@%s" % (self.HOST, self.BACKEND)

    def log_path(self, service):
        return os.path.join(self.logdir, "%s.log" % service)

    def _bin(self, name):
        return os.path.join(self.venv, "bin", name)

    def _start(self, name, argv, env=None):
        proc = ManagedProcess(name, argv, os.path.join(self.logdir, name + ".out"),
                              env=env, cwd=self.workdir)
        self.procs[name] = proc
        return proc

    # --------------------------------------------------------------- rabbitmq
    def _rabbit_env(self):
        rdir = os.path.join(self.workdir, "rabbitmq")
        env = dict(os.environ)
        env.update({
            "HOME": os.path.join(self.workdir, "home"),
            "RABBITMQ_NODENAME": "e2e%d@localhost" % self.amqp_port,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.amqp_port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": os.path.join(rdir, "mnesia"),
            "RABBITMQ_LOG_BASE": os.path.join(self.logdir, "rabbitmq"),
            "RABBITMQ_CONFIG_FILE": os.path.join(rdir, "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": os.path.join(rdir, "advanced.config"),
            "RABBITMQ_CONF_ENV_FILE": os.path.join(rdir, "rabbitmq-env.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": os.path.join(rdir, "enabled_plugins"),
            "RABBITMQ_PID_FILE": os.path.join(rdir, "rabbitmq.pid"),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS":
                "-kernel inet_dist_use_interface {127,0,0,1}",
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "ERL_EPMD_PORT": str(self.epmd_port),
        })
        return env

    def _start_rabbitmq(self):
        rdir = os.path.join(self.workdir, "rabbitmq")
        with open(os.path.join(rdir, "rabbitmq.conf"), "w") as handle:
            handle.write("listeners.tcp.default = 127.0.0.1:%d\n" % self.amqp_port)
            handle.write("loopback_users.guest = true\n")
            handle.write("log.console = false\n")
            handle.write("log.file.level = info\n")
        with open(os.path.join(rdir, "advanced.config"), "w") as handle:
            handle.write("[{kernel, [{inet_dist_use_interface, {127,0,0,1}}]}].\n")
        with open(os.path.join(rdir, "rabbitmq-env.conf"), "w") as handle:
            handle.write("# private node of the manila e2e harness\n")
        with open(os.path.join(rdir, "enabled_plugins"), "w") as handle:
            handle.write("[].\n")
        env = self._rabbit_env()
        # Our own epmd, in the foreground (a daemonised one would outlive the stack).
        self._start("epmd", [self.bins["epmd"], "-port", str(self.epmd_port),
                             "-address", "127.0.0.1"], env=env)
        wait_until(lambda: self._port_open(self.epmd_port), 10, "epmd")
        self._start("rabbitmq", [self.bins["rabbitmq-server"]], env=env)

    def _amqp_ready(self):
        self.procs["rabbitmq"].check_alive()
        try:
            with socket.create_connection(("127.0.0.1", self.amqp_port), timeout=2) as sock:
                sock.sendall(b"AMQP\x00\x00\x09\x01")
                sock.settimeout(3)
                return sock.recv(1) == b"\x01"  # a method frame: connection.start
        except OSError:
            return False

    # ---------------------------------------------------------------- mariadb
    def _start_mariadb(self):
        datadir = os.path.join(self.workdir, "mysql", "data")
        sock = os.path.join(self.workdir, "mysql", "mysqld.sock")
        self.db_socket = sock
        user = ["--user=root"] if os.geteuid() == 0 else []
        install = [self.bins["mariadb-install-db"], "--no-defaults", "--datadir=" + datadir,
                   "--auth-root-authentication-method=normal", "--skip-test-db",
                   "--skip-name-resolve"] + user
        out = os.path.join(self.logdir, "mariadb-install-db.out")
        with open(out, "wb") as handle:
            rc = subprocess.run(install, stdin=subprocess.DEVNULL, stdout=handle,
                                stderr=subprocess.STDOUT, cwd=self.workdir,
                                check=False).returncode
        if rc != 0:
            raise StackError("mariadb-install-db failed (rc=%d):\n%s" % (rc, tail(out)))
        self._start("mariadb", [
            self.bins["mariadbd"], "--no-defaults", "--datadir=" + datadir,
            "--socket=" + sock, "--port=%d" % self.db_port, "--bind-address=127.0.0.1",
            "--pid-file=" + os.path.join(self.workdir, "mysql", "mysqld.pid"),
            "--log-error=" + os.path.join(self.logdir, "mariadb.log"),
            "--tmpdir=" + os.path.join(self.workdir, "tmp"),
            "--skip-log-bin", "--skip-name-resolve", "--innodb-buffer-pool-size=64M",
            "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0",
            "--innodb-flush-method=nosync", "--innodb-log-file-size=32M",
            "--character-set-server=utf8mb4",
            "--max-connections=200"] + user)

    def _db_ready(self):
        self.procs["mariadb"].check_alive()
        import pymysql
        try:
            conn = pymysql.connect(unix_socket=self.db_socket, user="root", password="",
                                   connect_timeout=2)
        except pymysql.err.OperationalError:
            return False
        conn.close()
        return True

    def _create_database(self):
        import pymysql
        conn = pymysql.connect(unix_socket=self.db_socket, user="root", password="",
                               autocommit=True)
        try:
            with conn.cursor() as cur:
                cur.execute("CREATE DATABASE manila CHARACTER SET utf8")
                cur.execute("CREATE USER 'manila'@'%%' IDENTIFIED BY %s", (self.db_password,))
                cur.execute("GRANT ALL PRIVILEGES ON manila.* TO 'manila'@'%'")
        finally:
            conn.close()

    def db_execute(self, sql, args=None):
        """Run one statement on the manila database; return fetched rows."""
        import pymysql
        conn = pymysql.connect(unix_socket=self.db_socket, user="root", password="",
                               database="manila", autocommit=True)
        try:
            with conn.cursor() as cur:
                cur.execute(sql, args)
                return cur.fetchall()
        finally:
            conn.close()

    # ----------------------------------------------------------------- manila
    def write_config(self):
        lines = [
            "[DEFAULT]",
            "host = %s" % self.HOST,
            "auth_strategy = noauthv2",
            "transport_url = rabbit://guest:guest@127.0.0.1:%d/" % self.amqp_port,
            "api_paste_config = %s" % self._api_paste_config(),
            "state_path = %s" % os.path.join(self.workdir, "state"),
            "enabled_share_backends = %s" % self.BACKEND,
            "enabled_share_protocols = NFS,CIFS",
            "periodic_fuzzy_delay = 0",
            "graceful_shutdown_timeout = 5",
            "osapi_share_listen = 127.0.0.1",
            "osapi_share_listen_port = %d" % self.api_port,
            "debug = True",
            "use_stderr = False",
            "",
            "[oslo_concurrency]",
            "lock_path = %s" % os.path.join(self.workdir, "lock"),
            "",
            "[database]",
            "connection = mysql+pymysql://manila:%s@127.0.0.1:%d/manila?charset=utf8"
            % (self.db_password, self.db_port),
            "",
            "[oslo_messaging_rabbit]",
            "heartbeat_timeout_threshold = 0",
            "",
            "[%s]" % self.BACKEND,
            "share_driver = %s" % self.share_driver,
            "share_backend_name = %s" % self.BACKEND,
            "driver_handles_share_servers = False",
        ]
        for key, value in self.backend.items():
            lines.append("%s = %s" % (key, value))
        with open(self.conf_path, "w") as handle:
            handle.write("\n".join(lines) + "\n")
        os.chmod(self.conf_path, 0o600)

    def _api_paste_config(self):
        """The release's api-paste.ini; up to 2025.1 a copy in which the old v1 API's pipeline
        section also answers to noauthv2. Its pipeline_factory looks auth_strategy up in every
        pipeline section, and 2025.1's v1 section only knows 'noauth' (KeyError: 'noauthv2')."""
        # A per-checkout overlay venv (tests/tools/venvs.py) has no data files: they are in the
        # cached venv that holds the manila package.
        import manila
        prefixes = [self.venv, os.path.abspath(os.path.join(os.path.dirname(manila.__file__),
                                                            *[os.pardir] * 4))]
        shipped = next((p for p in (os.path.join(prefix, "etc", "manila", "api-paste.ini")
                                    for prefix in prefixes) if os.path.exists(p)),
                       os.path.join(self.venv, "etc", "manila", "api-paste.ini"))
        with open(shipped) as handle:
            lines = handle.read().split("\n")
        out, section, has_v2, noauth_at = [], None, False, None

        def close_section():
            if section is not None and noauth_at is not None and not has_v2:
                out.append("noauthv2 = " + out[noauth_at].split("=", 1)[1].strip())
        for line in lines:
            if line.startswith("["):
                close_section()
                section, has_v2, noauth_at = line.strip(), False, None
            elif re.match(r"noauthv2\s*=", line):
                has_v2 = True
            elif re.match(r"noauth\s*=", line):
                noauth_at = len(out)
            out.append(line)
        close_section()
        if out == lines:
            return shipped
        path = os.path.join(self.workdir, "api-paste.ini")
        with open(path, "w") as handle:
            handle.write("\n".join(out))
        return path

    def _manila_cmd(self, service):
        return [self._bin(service), "--config-file", self.conf_path,
                "--log-file", self.log_path(service)]

    def _db_sync(self):
        out = os.path.join(self.logdir, "manila-manage.out")
        with open(out, "ab") as handle:
            rc = subprocess.run(self._manila_cmd("manila-manage") + ["db", "sync"],
                                stdin=subprocess.DEVNULL, stdout=handle,
                                stderr=subprocess.STDOUT, cwd=self.workdir,
                                timeout=300, check=False).returncode
        if rc != 0:
            raise StackError("manila-manage db sync failed (rc=%d):\n%s\n%s"
                             % (rc, tail(out), tail(self.log_path("manila-manage"))))

    def log_size(self, service):
        try:
            return os.path.getsize(self.log_path(service))
        except OSError:
            return 0

    def log_text(self, service, since=0):
        try:
            with open(self.log_path(service), "rb") as handle:
                handle.seek(since)
                return handle.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_for_log(self, service, needle, since=0, timeout=60, proc=None):
        def found():
            if proc is not None:
                self.procs[proc].check_alive()
            return needle in self.log_text(service, since)
        wait_until(found, timeout, "%r in the %s log" % (needle, service),
                   on_timeout=lambda: tail(self.log_path(service), skip_debug=True))

    def _start_scheduler(self):
        since = self.log_size("manila-scheduler")
        self._start("manila-scheduler", self._manila_cmd("manila-scheduler"))
        return since

    def start_share_service(self, expect_init_failure=False):
        """Start manila-share; wait until the scheduler got its capabilities.

        With expect_init_failure, wait instead for the driver's initialisation
        to fail and return the ERROR lines manila-share logged about it (the
        service keeps running and retrying: stop it with stop_share_service).
        """
        since = self.log_size("manila-scheduler")
        share_since = self.log_size("manila-share")
        self._start("manila-share", self._manila_cmd("manila-share"))
        needle = "Received share service update from %s" % self.backend_host

        def init_errors():
            text = self.log_text("manila-share", share_since)
            if DRIVER_INIT_FAILED not in text:
                return None
            return [line for line in text.splitlines() if " ERROR " in line]

        def reported():
            self.procs["manila-share"].check_alive()
            errors = init_errors()
            if expect_init_failure:
                if needle in self.log_text("manila-scheduler", since):
                    raise StackError("the share driver initialised although it should not have")
                return errors
            if errors:
                # The share manager retries forever; the first failure is the answer.
                raise StackError("the share driver failed to initialise:\n%s"
                                 % "\n".join(errors[:12]))
            return needle in self.log_text("manila-scheduler", since)
        what = ("the driver's initialisation to fail" if expect_init_failure
                else "%r in the manila-scheduler log" % needle)
        return wait_until(reported, 120, what,
                          on_timeout=lambda: tail(self.log_path("manila-share"),
                                                  skip_debug=True))

    def stop_share_service(self):
        proc = self.procs.pop("manila-share", None)
        if proc is not None:
            proc.stop()
            self._stopped_groups.append(proc.pgid)

    def _start_api(self):
        self._start("manila-api", [self._bin("python"), os.path.join(HERE, "api_server.py"),
                                   "127.0.0.1", str(self.api_port), self.conf_path,
                                   self.log_path("manila-api")])

    def _api_ready(self):
        self.procs["manila-api"].check_alive()
        try:
            with socket.create_connection(("127.0.0.1", self.api_port), timeout=2) as sock:
                sock.sendall(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                sock.settimeout(10)
                return sock.recv(12).startswith(b"HTTP/1.")
        except OSError:
            return False

    @staticmethod
    def _port_open(port):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False

    # ------------------------------------------------------------- lifecycle
    def start(self):
        t0 = time.monotonic()
        self.bins = sysdeps.ensure_installed(self.log)
        self.log("system packages ready (%.1fs)" % (time.monotonic() - t0))
        self._start_rabbitmq()
        self._start_mariadb()
        wait_until(self._db_ready, 120, "MariaDB",
                   on_timeout=lambda: tail(os.path.join(self.logdir, "mariadb.log")))
        self._create_database()
        self.write_config()
        self._db_sync()
        self.log("database ready (%.1fs)" % (time.monotonic() - t0))
        wait_until(self._amqp_ready, 120, "RabbitMQ", interval=0.5,
                   on_timeout=lambda: tail(self.procs["rabbitmq"].out_path))
        self.log("rabbitmq ready (%.1fs)" % (time.monotonic() - t0))
        self._start_api()
        since = self._start_scheduler()
        self.wait_for_log("manila-scheduler", "Starting manila-scheduler node",
                          since=since, timeout=120, proc="manila-scheduler")
        self.start_share_service()
        wait_until(self._api_ready, 120, "manila-api",
                   on_timeout=lambda: tail(self.log_path("manila-api")))
        self.log("manila ready (%.1fs)" % (time.monotonic() - t0))

    def stop(self):
        """Stop everything this stack started (idempotent)."""
        # Waves, each signalled at once and then waited for: the Manila
        # services first, then what they depend on.
        services = ["manila-api", "manila-share", "manila-scheduler"]
        waves = [services, ["rabbitmq", "mariadb"],
                 [n for n in self.procs if n not in services]]  # epmd last
        for wave in waves:
            procs = [(name, self.procs.pop(name)) for name in wave if name in self.procs]
            for _name, proc in procs:
                proc.terminate()
            for name, proc in procs:
                try:
                    proc.stop()
                except Exception as exc:  # keep stopping the others
                    self.log("stopping %s: %s" % (name, exc))
                self._stopped_groups.append(proc.pgid)

    def leftover_pids(self):
        """Processes of every group this stack started that are still alive."""
        left = []
        for pgid in self._stopped_groups + [p.pgid for p in self.procs.values()]:
            left.extend(group_members(pgid))
        return left

    def log_files(self):
        files = []
        for root, _dirs, names in os.walk(self.logdir):
            files.extend(os.path.join(root, name) for name in sorted(names))
        return files

    def tails(self, services=("manila-share", "manila-scheduler", "manila-api")):
        parts = []
        for service in services:
            parts.append("----- %s (last lines, DEBUG left out) -----\n%s"
                         % (self.log_path(service),
                            tail(self.log_path(service), skip_debug=True)))
        return "\n".join(parts)


def tegile_backend(sim, project, ca_path=None):
    """Backend options of our driver for a running SimulatorProcess."""
    return {
        "tegile_nas_server": "127.0.0.1",
        "tegile_nas_port": sim.port,
        "tegile_nas_ssl_ca_file": ca_path or sim.ca_path,
        "tegile_nas_login": sim.user,
        "tegile_nas_password": sim.password,
        "tegile_default_project": project,
        "tegile_nas_timeout": 30,
        "tegile_nas_retry_budget": 30,
    }


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


def main(argv):
    """Manual bring-up: simulator + Manila with our driver until Ctrl-C."""
    import argparse

    from tegile_intelliflash.simulator.harness import SimulatorProcess

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("workdir", help="scratch directory (created)")
    parser.add_argument("--driver", default="tegile_intelliflash.manila_driver.TegileShareDriver")
    parser.add_argument("--project", default="manila-e2e")
    opts = parser.parse_args(argv)
    os.makedirs(opts.workdir, exist_ok=True)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    sim = SimulatorProcess(os.path.join(opts.workdir, "array"), host="127.0.0.1", port=0,
                           user="admin", password=secrets.token_hex(12),
                           python=python_dying_with_parent(opts.workdir))
    stack = None
    try:
        sim.start()
        stack = ManilaStack(opts.workdir, sys.prefix, opts.driver,
                            tegile_backend(sim, opts.project))
        stack.start()
        print("simulator   %s (user %s, password in %s)" % (sim.url, sim.user, stack.conf_path))
        print("manila API  %s  (token admin:admin, API version up to 2.98)" % stack.api_url)
        print("logs        %s  -- Ctrl-C stops everything" % stack.logdir, flush=True)
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        if stack is not None:
            stack.stop()
        sim.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
