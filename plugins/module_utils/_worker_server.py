# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The resident worker: one module with its module_utils imported once, a child per task.

The worker imports ansible-core's ``basic``, the module and every module_utils file of the
collection in its payload, then listens on its unix socket. Each connection gets a forked child:
the task starts from that state instead of compiling it all again, and it runs in a process of
its own as it would under AnsiballZ (its own arguments, environment, working directory, locks,
``sys.exit``), so one task can neither see nor break another. The child acknowledges the
connection, reads the whole request, runs the module's ``main()`` with its output captured and
sends that back with the exit code; the task's process prints it as its own.

The worker holds a lock file for its key while it lives (a second one started at the same time
exits), and it exits after ``INTELLIFLASH_WORKER_IDLE`` seconds without a task, removing its
socket, pid file and code (also when it gets SIGTERM). ``<key>.log`` has a line per task (time, child pid, exit code,
seconds), never its arguments.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import atexit
import base64
import fcntl
import importlib
import io
import json
import os
import signal
import socket
import ssl
import sys
import time
import traceback
import zipfile

from ansible_collections.tegile.intelliflash.plugins.module_utils._worker_client import ACK, recv_frame, send_frame

PRELOADED = ("ansible_collections/tegile/intelliflash/plugins/module_utils/", "ansible/module_utils/")
# AnsiballZ's own code (how a payload starts), not what a module runs.
WRAPPER_ONLY = "/_ansiballz/"
# The request follows the acknowledgement at once; a peer that sends nothing is not a task.
REQUEST_TIMEOUT = 30.0


def serve(code, module_fqn, socket_path, idle):
    base = socket_path[:-len(".sock")]
    lock = os.open(base + ".lock", os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return  # this key's worker is running (or starting) already
    from ansible.module_utils import basic
    module = importlib.import_module(module_fqn)
    _import_payload(code)
    listener = _listen(socket_path, float(idle))
    _write(base + ".pid", "%d\n" % os.getpid())
    _write(base + ".log", "")
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    signal.signal(signal.SIGTERM, _stop)
    try:
        while True:
            try:
                conn = listener.accept()[0]
            except socket.timeout:
                break  # idle for long enough
            except OSError:
                break  # out of descriptors or memory: tasks run in their own processes again
            if os.fork() == 0:
                listener.close()
                os.close(lock)  # a long task must not keep the next worker from starting
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the task may wait for its own children
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                try:
                    _run_task(conn, module, basic, base + ".log")
                finally:
                    os._exit(0)
            conn.close()
    finally:
        listener.close()
        for path in (socket_path, base + ".pid", code):
            try:
                os.unlink(path)
            except OSError:
                pass


def _stop(_signum, _frame):
    """``kill`` (SIGTERM) ends the worker as its idle time does: its files go with it."""
    raise SystemExit(0)


def _import_payload(code):
    """Import every module of the payload (the collection's module_utils and ansible-core's,
    also those a task imports late, such as the JSON profile of its arguments), so that no task
    compiles one; and set up OpenSSL once (its first TLS context in a process costs more)."""
    with zipfile.ZipFile(code) as payload:
        names = [name[:-3].replace("/", ".") for name in payload.namelist()
                 if name.startswith(PRELOADED) and name.endswith(".py") and WRAPPER_ONLY not in name]
    for name in sorted(names):
        try:
            importlib.import_module(name[:-len(".__init__")] if name.endswith(".__init__") else name)
        except Exception:  # pylint: disable=broad-except
            pass  # what a task that needs it would report (a missing optional library)
    ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def _listen(socket_path, idle):
    try:
        os.unlink(socket_path)  # a stale socket of a worker that died; the lock says none runs
    except OSError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    umask = os.umask(0o177)
    try:
        listener.bind(socket_path)
    finally:
        os.umask(umask)
    listener.listen(64)
    listener.settimeout(idle)
    return listener


def _write(path, text):
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
        handle.write(text)


def _run_task(conn, module, basic, log_path):
    started = time.time()
    conn.settimeout(REQUEST_TIMEOUT)
    try:
        conn.sendall(ACK)
        request = json.loads(recv_frame(conn).decode("utf-8", "surrogateescape"))
    except (OSError, EOFError, ValueError):
        return  # the task gave up waiting and runs in its own process: nothing ran here
    conn.settimeout(None)
    os.environ.clear()
    os.environ.update(request["env"])
    try:
        os.chdir(request["cwd"])
    except OSError:
        os.chdir("/")
    os.umask(request["umask"])
    basic._ANSIBLE_ARGS = base64.b64decode(request["args"])
    if request.get("profile") is not None:
        basic._ANSIBLE_PROFILE = request["profile"]
    code, output, errors = _run_main(module)
    send_frame(conn, json.dumps(dict(rc=code, stdout=output, stderr=errors)).encode("utf-8", "surrogateescape"))
    conn.close()
    with open(log_path, "a") as log:
        log.write("%s pid=%d rc=%d seconds=%.3f\n" % (
            time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(started)), os.getpid(), code, time.time() - started))


def _run_main(module):
    """Run ``module.main()`` as AnsiballZ would: (exit code, stdout, stderr)."""
    output, errors = io.StringIO(), io.StringIO()
    sys.stdout, sys.stderr = output, errors
    code = 0
    try:
        module.main()
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            errors.write("%s\n" % exc.code)
            code = 1
    except BaseException:  # pylint: disable=broad-except
        traceback.print_exc()  # what the controller shows as MODULE FAILURE, as in-process
        code = 1
    try:
        atexit._run_exitfuncs()  # what interpreter exit would run (module temporary files)
    except Exception:  # pylint: disable=broad-except
        pass
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    return code, output.getvalue(), errors.getvalue()
