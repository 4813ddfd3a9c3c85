# SPDX-License-Identifier: Apache-2.0
"""scripts/bench_workers.py: the bench stops the resident workers it started, found by their pid
files or by the unix sockets they listen on in the bench's worker directory, and nothing else.
Stand-in workers here: a process listening on a socket in the directory."""

import os
import signal
import subprocess
import sys
import textwrap
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import bench_workers  # noqa: E402  pylint: disable=wrong-import-position

LISTENER = textwrap.dedent("""
    import os, signal, socket, sys, time
    if sys.argv[2] == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    server = socket.socket(socket.AF_UNIX)
    server.bind(sys.argv[1])
    server.listen(1)
    print("ready", flush=True)
    time.sleep(120)
""")


def _listener(path, mode="plain"):
    proc = subprocess.Popen([sys.executable, "-c", LISTENER, path, mode],
                            stdout=subprocess.PIPE, universal_newlines=True)
    assert proc.stdout.readline().strip() == "ready"
    return proc


def _gone(proc):
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        return False
    return True


def test_worker_env_turns_the_worker_on_in_its_directory(tmp_path):
    directory = str(tmp_path / "workers")
    env = bench_workers.worker_env(directory, idle=7)
    assert env == {"INTELLIFLASH_WORKER": "1", "INTELLIFLASH_WORKER_DIR": directory,
                   "INTELLIFLASH_WORKER_IDLE": "7"}
    assert os.path.isdir(directory) and os.stat(directory).st_mode & 0o777 == 0o700


def test_stop_ends_socket_holders_and_pid_file_workers(tmp_path):
    directory = str(tmp_path / "workers")
    bench_workers.worker_env(directory)
    by_socket = _listener(os.path.join(directory, "a.sock"))
    # SIGTERM ignored: killed after the grace period. Its pid file names it as well.
    stubborn = _listener(os.path.join(directory, "b.sock"), "stubborn")
    with open(os.path.join(directory, "b.pid"), "w") as handle:
        handle.write("%d\n" % stubborn.pid)
    try:
        assert bench_workers.workers(directory) == {by_socket.pid, stubborn.pid}
        result = bench_workers.stop(directory, grace=0.5)
        assert result["found"] == sorted([by_socket.pid, stubborn.pid])
        assert result["killed"] == [stubborn.pid] and result["left"] == []
        assert _gone(by_socket) and by_socket.returncode == -signal.SIGTERM
        assert _gone(stubborn) and stubborn.returncode == -signal.SIGKILL
        assert bench_workers.workers(directory) == set()
        # Its pid file goes with it: a later stop() cannot take the pid, reused, for a worker.
        assert not os.path.exists(os.path.join(directory, "b.pid"))
    finally:
        for proc in (by_socket, stubborn):
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_stop_ends_a_worker_named_by_its_pid_file_alone(tmp_path):
    directory = str(tmp_path / "workers")
    bench_workers.worker_env(directory)
    # Its socket is elsewhere: only the pid file names it.
    worker = _listener(str(tmp_path / "elsewhere.sock"))
    with open(os.path.join(directory, "k.pid"), "w") as handle:
        handle.write("%d\n" % worker.pid)
    try:
        assert bench_workers.stop(directory, grace=2)["found"] == [worker.pid]
        assert _gone(worker)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


def test_a_pid_file_naming_an_older_process_is_not_signalled(tmp_path):
    older = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        time.sleep(1.5)  # started well before the directory is made
        directory = str(tmp_path / "workers")
        bench_workers.worker_env(directory)
        with open(os.path.join(directory, "stale.pid"), "w") as handle:
            handle.write("%d\n" % older.pid)
        assert bench_workers.stop(directory, grace=0.5)["found"] == []
        assert older.poll() is None
        assert os.path.exists(os.path.join(directory, "stale.pid"))
    finally:
        older.kill()
        older.wait()


def test_no_directory_no_workers(tmp_path):
    result = bench_workers.stop(str(tmp_path / "never-made"))
    assert result == {"found": [], "killed": [], "left": []}
