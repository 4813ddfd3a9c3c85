# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The per-dataset writer lock (module_utils/_locks.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import stat
import subprocess
import sys
import time

import pytest

from ansible_collections.tegile.intelliflash.plugins.module_utils._locks import (
    LockError,
    dataset_lock,
    lock_path,
)


def test_one_holder_per_array_and_dataset(tmp_path):
    directory = str(tmp_path / "locks")
    with dataset_lock("Array1:443", "pool-a/Local/p/s", 1, directory=directory):
        # flock conflicts between open file descriptions, in one process as between processes
        with pytest.raises(LockError, match="for more than 0 s"):
            with dataset_lock("array1:443", "pool-a/Local/p/s", 0.2, directory=directory):
                pass
        with dataset_lock("array1:443", "pool-a/Local/p/other", 0.2, directory=directory):
            pass
        with dataset_lock("array2", "pool-a/Local/p/s", 0.2, directory=directory):
            pass
    with dataset_lock("array1:443", "pool-a/Local/p/s", 0.2, directory=directory):
        pass


def test_directory_and_file_are_shared_by_every_user(tmp_path):
    directory = str(tmp_path / "locks")
    old = os.umask(0o077)
    try:
        with dataset_lock("h", "pool-a/Local/p", 1, directory=directory) as path:
            assert path == lock_path("h", "pool-a/Local/p", directory)
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o1777
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644


def test_an_existing_lock_file_is_opened_without_creating_it(tmp_path, monkeypatch):
    """fs.protected_regular (systemd's default 1) refuses an O_CREAT open of another user's file
    in a sticky world-writable directory, even an existing one: the kernel's rule is played by
    os.open here, as a test may not change the host's setting."""
    directory = str(tmp_path / "locks")
    with dataset_lock("h", "pool-a/Local/p", 1, directory=directory) as path:
        pass
    real_open = os.open

    def protected_regular(name, flags, mode=0o777, *args, **kwargs):
        if flags & os.O_CREAT and os.path.exists(name):
            raise OSError(errno.EACCES, os.strerror(errno.EACCES), name)
        return real_open(name, flags, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", protected_regular)
    with dataset_lock("h", "pool-a/Local/p", 1, directory=directory) as again:
        assert again == path
    # A file made by another process between this one's two attempts is opened as it is.
    made = lock_path("h", "pool-a/Local/q", directory)

    def made_meanwhile(name, flags, mode=0o777, *args, **kwargs):
        if flags & os.O_CREAT and name == made and not os.path.exists(made):
            os.close(real_open(made, os.O_RDONLY | os.O_CREAT, 0o644))
            raise OSError(errno.EEXIST, os.strerror(errno.EEXIST), name)
        return protected_regular(name, flags, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", made_meanwhile)
    with dataset_lock("h", "pool-a/Local/q", 1, directory=directory) as path_q:
        assert path_q == made


def test_a_waiter_gets_the_lock_when_another_process_ends(tmp_path):
    directory = str(tmp_path / "locks")
    path = lock_path("h", "pool-a/Local/p", directory)
    os.makedirs(directory)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, os, sys, time\n"
        "fd = os.open(sys.argv[1], os.O_RDONLY | os.O_CREAT, 0o644)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "print('held', flush=True)\n"
        "time.sleep(1.0)\n"), path], stdout=subprocess.PIPE, universal_newlines=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with dataset_lock("h", "pool-a/Local/p", 30, directory=directory):
            waited = time.monotonic() - started
        assert 0.3 < waited < 30
    finally:
        holder.wait(timeout=30)
        holder.stdout.close()


def test_an_unusable_directory_is_named(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(LockError, match="not a directory"):
        with dataset_lock("h", "d", 1, directory=str(blocker)):
            pass
