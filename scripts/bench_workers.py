# SPDX-License-Identifier: GPL-3.0-or-later
"""``make bench``: the modules' opt-in resident worker (``INTELLIFLASH_WORKER=1``), confined to a
directory of the bench's own, and stopped when a measurement is done.

``worker_env(directory)`` is what a measured ansible-playbook run adds to its environment: the
worker on, its sockets in ``directory`` (a private directory under the bench's work directory,
so that no worker of the user's is reused or touched) and a short idle time. ``stop(directory)``
ends every worker of that directory: the pids its ``<key>.pid`` files name and every process
holding a unix socket whose path is in the directory (found through /proc, so that a worker
whose pid file is missing is found too); SIGTERM, then SIGKILL after a grace period. Nothing
else is signalled: a pid named by a pid file counts only when the process is ours and started
after the directory was made.
"""

import glob
import os
import signal
import time

IDLE_SECONDS = 30
GRACE_SECONDS = 5.0
MARKER = ".bench-made"


def worker_env(directory, idle=IDLE_SECONDS):
    """The environment of a run with the worker, its sockets in ``directory`` (made here, with
    a marker of when: a pid file counts only for a process started after it)."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    with open(os.path.join(directory, MARKER), "w") as handle:
        handle.write("%f\n" % time.time())
    return {"INTELLIFLASH_WORKER": "1", "INTELLIFLASH_WORKER_DIR": directory,
            "INTELLIFLASH_WORKER_IDLE": str(idle)}


def _socket_inodes(directory):
    """Inodes of the unix sockets bound to a path in ``directory`` (/proc/net/unix)."""
    prefix = os.path.join(os.path.realpath(directory), "")
    inodes = set()
    try:
        with open("/proc/net/unix") as handle:
            next(handle, None)
            for line in handle:
                fields = line.split()
                if (len(fields) >= 8 and fields[7].startswith("/")
                        and os.path.realpath(fields[7]).startswith(prefix)):
                    inodes.add(fields[6])
    except OSError:
        pass
    return inodes


def _socket_holders(inodes):
    """Pids of our processes holding one of ``inodes`` open."""
    wanted = set("socket:[%s]" % inode for inode in inodes)
    holders = set()
    if not wanted:
        return holders
    for fd_dir in glob.glob("/proc/[0-9]*/fd"):
        try:
            links = os.listdir(fd_dir)
        except OSError:
            continue  # gone, or not ours
        for name in links:
            try:
                if os.readlink(os.path.join(fd_dir, name)) in wanted:
                    holders.add(int(fd_dir.split("/")[2]))
                    break
            except OSError:
                continue
    holders.discard(os.getpid())
    return holders


def _boot_time():
    with open("/proc/stat") as handle:
        for line in handle:
            if line.startswith("btime "):
                return float(line.split()[1])
    return 0.0


def _started_after(pid, since):
    """Whether ``pid`` is a process of ours that started after ``since`` (epoch seconds)."""
    try:
        if os.stat("/proc/%d" % pid).st_uid != os.getuid():
            return False
        with open("/proc/%d/stat" % pid) as handle:
            ticks = int(handle.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return False
    return _boot_time() + ticks / float(os.sysconf("SC_CLK_TCK")) >= since - 1


def _read_pid_files(directory):
    """{pid file: the pid it names} of ``directory``."""
    pids = {}
    for path in glob.glob(os.path.join(directory, "*.pid")):
        try:
            with open(path) as handle:
                pids[path] = int(handle.read().split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return pids


def _pid_files(directory, since):
    return set(pid for pid in _read_pid_files(directory).values() if pid > 1 and _started_after(pid, since))


def _alive(pid):
    """Alive and not a zombie (a worker left to an init that does not reap)."""
    try:
        with open("/proc/%d/stat" % pid) as handle:
            state = handle.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _made(directory):
    try:
        with open(os.path.join(directory, MARKER)) as handle:
            return float(handle.read())
    except (OSError, ValueError):
        return float("inf")  # not made by worker_env: no pid file counts


def workers(directory):
    """Pids of the workers of ``directory`` still running."""
    if not os.path.isdir(directory):
        return set()
    found = (_pid_files(directory, _made(directory))
             | _socket_holders(_socket_inodes(directory)))
    return set(pid for pid in found if _alive(pid))


def stop(directory, grace=GRACE_SECONDS):
    """End the workers of ``directory``; returns {"found": [pids], "killed": [pids still
    there after SIGTERM and the grace period], "left": [pids alive after SIGKILL]}."""
    found = sorted(workers(directory))
    for pid in found:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(_alive(pid) for pid in found):
        time.sleep(0.05)
    stubborn = [pid for pid in found if _alive(pid)]
    for pid in stubborn:
        _signal(pid, signal.SIGKILL)
    time.sleep(0.2 if stubborn else 0)
    left = [pid for pid in found if _alive(pid)]
    # A worker ended by a signal leaves its pid file: no later stop() may take the pid for it.
    for path, pid in _read_pid_files(directory).items():
        if pid in found and pid not in left:
            try:
                os.unlink(path)
            except OSError:
                pass
    return {"found": found, "killed": stubborn, "left": left}


def _signal(pid, number):
    try:
        os.kill(pid, number)
    except OSError:
        pass
