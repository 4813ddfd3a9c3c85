# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The task's side of the resident worker: find it, hand the task over, relay its result.

One worker serves one module payload: its key hashes the payload zip's members (not the
``sitecustomize.py`` AnsiballZ writes with the task's temporary path), the interpreter and the
user, so a changed collection, ansible-core or Python gets a worker of its own and never runs
stale code. Its socket is in a directory only this user can enter (checked, never trusted).

When there is no worker, or it does not answer at once, the task runs in its own process as it
would without ``INTELLIFLASH_WORKER`` and starts a worker for the next tasks. Nothing is sent
before the worker's child acknowledges the connection, and the child runs nothing before it has
the whole request: a task that falls back has not run anywhere. Once the request is sent, a
worker that ends without a result leaves the task's outcome unknown, and the task says so instead
of running a second time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import json
import os
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import zipfile

from ansible_collections.tegile.intelliflash.plugins.module_utils._worker import WORKER_ENV

IDLE_ENV = "INTELLIFLASH_WORKER_IDLE"
DIR_ENV = "INTELLIFLASH_WORKER_DIR"
DEFAULT_IDLE = 60.0
ACK = b"A"
# How long a task waits for the worker to acknowledge it before running in its own process.
ACK_TIMEOUT = 5.0
# Linux allows 108 bytes in a unix socket path, the BSDs 104.
MAX_SOCKET_PATH = 100
# What the worker keeps of the environment it is started in: enough to find Python and its
# packages. Each task runs with the environment of its own process (sent with the request), so
# the worker itself never holds a task's credentials or proxy settings.
KEPT_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "VIRTUAL_ENV", "XDG_RUNTIME_DIR")
BOOT = ("import sys; sys.path[0] = sys.argv[1]; "
        "from ansible_collections.tegile.intelliflash.plugins.module_utils._worker_server import serve; "
        "serve(*sys.argv[1:])")
HEADER = struct.Struct("!I")


def send_frame(conn, data):
    conn.sendall(HEADER.pack(len(data)) + data)


def recv_frame(conn):
    """One length-prefixed frame; EOFError when the peer closes before all of it came."""
    size = HEADER.unpack(_recv_exactly(conn, HEADER.size))[0]
    return _recv_exactly(conn, size)


def _recv_exactly(conn, size):
    chunks, left = [], size
    while left:
        chunk = conn.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError("the connection closed after %d of %d bytes" % (size - left, size))
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def worker_directory():
    explicit = os.environ.get(DIR_ENV)
    if explicit:
        return explicit
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return os.path.join(runtime, "tegile-intelliflash-workers")
    return os.path.join(tempfile.gettempdir(), "tegile-intelliflash-workers-%d" % os.getuid())


def private_directory(directory):
    """``directory``, made if missing, when only this user can enter it; else None."""
    try:
        os.makedirs(directory, 0o700)
    except OSError:
        pass  # there already (checked below), or not creatable: then lstat fails
    try:
        info = os.lstat(directory)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None
    return directory


def worker_key(modlib_path, module_fqn):
    digest = hashlib.sha256()
    for part in (module_fqn, sys.executable, sys.version, str(os.getuid())):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    with zipfile.ZipFile(modlib_path) as payload:
        for member in sorted(payload.infolist(), key=lambda info: info.filename):
            if member.filename != "sitecustomize.py":
                digest.update(("%s %d %d\n" % (member.filename, member.CRC, member.file_size)).encode("utf-8"))
    return digest.hexdigest()[:24]


def idle_seconds():
    try:
        idle = float(os.environ.get(IDLE_ENV, DEFAULT_IDLE))
    except ValueError:
        return DEFAULT_IDLE
    return idle if idle > 0 else DEFAULT_IDLE


def run_in_worker(module_globals):
    """Relay the task to its worker and exit; return when the task must run in this process."""
    module_fqn, modlib_path = module_globals.get("_module_fqn"), module_globals.get("_modlib_path")
    basic = sys.modules.get("ansible.module_utils.basic")
    args = getattr(basic, "_ANSIBLE_ARGS", None)
    if not module_fqn or not modlib_path or not isinstance(args, bytes):
        return  # not an AnsiballZ run this code knows
    directory = private_directory(worker_directory())
    if directory is None:
        return
    key = worker_key(modlib_path, module_fqn)
    socket_path = os.path.join(directory, key + ".sock")
    if len(socket_path.encode("utf-8", "surrogateescape")) > MAX_SOCKET_PATH:
        return
    conn = _acknowledged_connection(socket_path)
    if conn is None:
        _start_worker(directory, key, modlib_path, module_fqn, socket_path)
        return
    # The module is not named: the key already pins the worker to this payload's module.
    request = dict(
        args=base64.b64encode(args).decode("ascii"), profile=getattr(basic, "_ANSIBLE_PROFILE", None),
        env=dict(os.environ), cwd=os.getcwd(), umask=_umask(),
    )
    _relay(conn, request, socket_path)


def _umask():
    umask = os.umask(0o077)
    os.umask(umask)
    return umask


def _acknowledged_connection(socket_path):
    """A connection whose worker child acknowledged it (and runs nothing yet), or None."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.settimeout(ACK_TIMEOUT)
        conn.connect(socket_path)
        if conn.recv(1) == ACK:
            conn.settimeout(None)  # the task takes as long as it takes (the task's own timeout applies)
            return conn
    except (OSError, socket.timeout):
        pass
    conn.close()
    return None


def _relay(conn, request, socket_path):
    try:
        send_frame(conn, json.dumps(request).encode("utf-8", "surrogateescape"))
        reply = json.loads(recv_frame(conn).decode("utf-8"))
        output, errors, code = reply["stdout"], reply["stderr"], int(reply["rc"])
    except (OSError, EOFError, ValueError, KeyError, TypeError) as exc:
        output, errors, code = json.dumps(dict(failed=True, msg=(
            "the resident worker (%s) ended before it returned this task's result (%s): whether the "
            "task changed anything on the array is unknown; run it again to converge, without %s to "
            "rule the worker out" % (socket_path, exc, WORKER_ENV)))), "", 1
    finally:
        conn.close()
    sys.stdout.write(output)
    sys.stdout.flush()
    sys.stderr.write(errors)
    sys.stderr.flush()
    sys.exit(code)  # pylint: disable=ansible-bad-function  # the worker's child already printed the result


def _start_worker(directory, key, modlib_path, module_fqn, socket_path):
    """Start this payload's worker in the background for the next tasks (this one runs here)."""
    # Ships the server in the payload zip: AnsiballZ packs what the modules' imports name.
    from ansible_collections.tegile.intelliflash.plugins.module_utils import _worker_server  # noqa: F401 pylint: disable=unused-import

    code = os.path.join(directory, key + ".zip")
    try:
        if not os.path.exists(code):  # the task's own zip is removed with its temporary directory
            partial = "%s.%d" % (code, os.getpid())
            with open(modlib_path, "rb") as source, os.fdopen(
                    os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as target:
                target.write(source.read())
            os.replace(partial, code)
        env = dict((name, value) for name, value in os.environ.items()
                   if name in KEPT_ENV or name.startswith("PYTHON"))
        with open(os.devnull, "r+b") as null:
            # Not run_command: it waits for the process, and the worker outlives this task.
            subprocess.Popen([sys.executable, "-c", BOOT, code, module_fqn, socket_path,  # pylint: disable=ansible-bad-function
                              repr(idle_seconds())],
                             stdin=null, stdout=null, stderr=null, close_fds=True, cwd="/", env=env,
                             start_new_session=True)
    except OSError:
        pass  # no worker this time: the task runs here all the same
