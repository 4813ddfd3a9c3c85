# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One writer at a time per array dataset on one machine (an advisory file lock).

Some lists have only a whole-list write on the array (a share's file ACL, a purge of the network
rules): two tasks that read, change and write the same list at once would each overwrite the
other's change. A play with forks and ``delegate_to: localhost`` does exactly that. Modules hold
``dataset_lock`` (``_array.module_dataset_lock``) from their read to their last write: writers on the
machine that runs the modules take turns. Other machines and the Manila driver are not serialized,
and a whole-list write can overwrite their change (no read-back, no compare-and-set on the array).
``manila_config`` holds the lock of the configuration file it rewrites (host ``manila_config``,
the file's real path) from its read to its replacement, for the same reason.

The lock is ``flock`` on a file named after a hash of the array host and the dataset path, in a
directory every process on the machine shares (``INTELLIFLASH_LOCK_DIR``, default
``/tmp/tegile-intelliflash-locks``, created sticky and world-writable like ``/tmp``). The kernel
releases it when the process ends, however it ends.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import errno
import fcntl
import hashlib
import os
import time

LOCK_DIR_ENV = "INTELLIFLASH_LOCK_DIR"
DEFAULT_LOCK_DIR = "/tmp/tegile-intelliflash-locks"
POLL_INTERVAL = 0.05


class LockError(Exception):
    """The lock could not be taken (timeout, or the directory is unusable)."""


def lock_directory():
    return os.environ.get(LOCK_DIR_ENV) or DEFAULT_LOCK_DIR


def lock_path(host, dataset, directory=None):
    """The lock file of ``dataset`` on the array ``host`` (case-insensitive host)."""
    key = "%s\n%s" % (str(host).strip().lower(), dataset)
    name = hashlib.sha256(key.encode("utf-8")).hexdigest()[:40] + ".lock"
    return os.path.join(directory or lock_directory(), name)


def _ensure_directory(directory):
    try:
        os.mkdir(directory, 0o700)
    except OSError as exc:
        if exc.errno != errno.EEXIST:
            raise LockError("cannot create the lock directory %s: %s" % (directory, exc.strerror))
    else:
        # Shared by every user that runs the modules, like /tmp (the mode above survives any umask).
        os.chmod(directory, 0o1777)
    if not os.path.isdir(directory):
        raise LockError("the lock path %s is not a directory (set %s to another directory)"
                        % (directory, LOCK_DIR_ENV))


def _open(path):
    # An existing file is opened without O_CREAT: fs.protected_regular (systemd's default) refuses
    # O_CREAT on another user's file in a sticky world-writable directory, even when it exists.
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = error = None
    for create in (0, os.O_CREAT | os.O_EXCL, 0):  # there; made here; made meanwhile by another
        try:
            fd = os.open(path, flags | create, 0o644)
            break
        except OSError as exc:
            error = exc
            if exc.errno not in (errno.ENOENT, errno.EEXIST):
                break
    if fd is None:
        raise LockError("cannot open the lock file %s: %s (set %s to a directory this user can write)"
                        % (path, error.strerror, LOCK_DIR_ENV))
    try:
        if os.fstat(fd).st_uid == os.getuid():
            os.fchmod(fd, 0o644)  # readable by other users whatever the umask: flock needs only that
    except OSError:
        pass
    return fd


@contextlib.contextmanager
def dataset_lock(host, dataset, timeout, directory=None):
    """Hold the lock of ``dataset`` on ``host`` for the block; LockError after ``timeout`` seconds."""
    directory = directory or lock_directory()
    _ensure_directory(directory)
    path = lock_path(host, dataset, directory)
    fd = _open(path)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except (IOError, OSError) as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise LockError("cannot lock %s: %s" % (path, exc.strerror))
            if time.monotonic() >= deadline:
                raise LockError("another task on this machine has been changing %s for more than %d s "
                                "(lock file %s)" % (dataset, timeout, path))
            time.sleep(POLL_INTERVAL)
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the lock
