# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The resident worker (``INTELLIFLASH_WORKER``): tasks run by ansible itself, over AnsiballZ.

Each test runs ``ansible`` (ad hoc, pipelining, local connection) against the simulator, with a
worker directory of its own, and stops every worker it started.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import zipfile

import pytest

from module_runner import PASSWORD, client, simulator_fixture, wait_until
from ansible_collections.tegile.intelliflash.plugins.module_utils import _worker_client
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.paths import project_ref, share_ref

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
POOL, PROJECT = "pool-a", "worker"


def _setup(api, sim):
    api.create_project(project_ref(POOL, PROJECT))
    api.create_share(share_ref(POOL, PROJECT, "s1"), quota="1G")


sim = simulator_fixture(_setup)


@pytest.fixture
def ansible(tmp_path):
    """``run(module, args, *flags, **env)`` runs a task with ``ansible-playbook``; returns its result
    (its output is ``run.output``)."""
    collections = tmp_path / "collections" / "ansible_collections" / "tegile"
    collections.mkdir(parents=True)
    (collections / "intelliflash").symlink_to(ROOT)
    workers = tmp_path / "workers"
    env = dict((key, value) for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "INTELLIFLASH_")))
    env.update(ANSIBLE_COLLECTIONS_PATH=str(tmp_path / "collections"), ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_PIPELINING="1", ANSIBLE_NOCOLOR="1", ANSIBLE_HOME=str(tmp_path / "home"),
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"), INTELLIFLASH_WORKER="1",
               INTELLIFLASH_WORKER_DIR=str(workers), INTELLIFLASH_WORKER_IDLE="60")

    def run(module, args, *flags, **extra_env):
        playbook, saved = tmp_path / "task.json", tmp_path / "result.json"
        playbook.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": [
            {"tegile.intelliflash." + module: args, "register": "result", "ignore_errors": True},
            {"ansible.builtin.copy": {"content": "{{ result | to_json }}", "dest": str(saved)},
             "check_mode": False}]}]))
        proc = subprocess.run([PLAYBOOK, "-i", "localhost,", "-c", "local", str(playbook)] + list(flags),
                              env=dict(env, **extra_env), cwd=str(tmp_path), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True, timeout=120, check=False)
        assert proc.returncode == 0, proc.stdout
        result = json.loads(saved.read_text())
        saved.unlink()
        run.output = proc.stdout
        return result

    run.workers = workers
    yield run
    _stop_workers(str(workers))


def _stop_workers(workers):
    """Stop every worker of the directory ``workers``, also one still starting (no pid file yet):
    its command line names its socket there."""
    def running():
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as handle:
                    if workers.encode() + b"/" in handle.read():
                        found.append(int(pid))
            except OSError:
                pass
        return found

    for pid in running():
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    assert wait_until(lambda: not running())


def _connection(sim):
    return dict(host=sim.address, username="admin", password=PASSWORD, ca_path=sim.ca_path)


def _quota(sim, size, share="s1"):
    return dict(_connection(sim), pool=POOL, project=PROJECT, share=share, quota=size)


def _worker_started(workers):
    """The socket of the one worker in ``workers``, once it listens."""
    assert wait_until(lambda: len(list(workers.glob("*.sock"))) == 1 and len(list(workers.glob("*.pid"))) == 1)
    return next(workers.glob("*.sock"))


def _served(workers):
    return sum(len(log.read_text().splitlines()) for log in workers.glob("*.log"))


def test_the_first_task_starts_the_worker_and_the_next_ones_run_in_it(sim, ansible):
    result = ansible("quota", _quota(sim, "2G"))
    assert result["changed"] is True
    _worker_started(ansible.workers)
    assert _served(ansible.workers) == 0  # the first task ran in its own process

    sim.reset_calls()
    checked = ansible("quota", _quota(sim, "3G"), "--check", "--diff")
    assert checked["changed"] is True and sim.calls()["writes"] == 0  # check mode, in the worker
    assert checked["diff"] == {"before": {"quota_bytes": 2 << 30}, "after": {"quota_bytes": 3 << 30}}
    changed = ansible("quota", _quota(sim, "3G"))
    converged = ansible("quota", _quota(sim, "3G"))
    assert changed["changed"] is True and converged["changed"] is False
    assert sim.calls()["writes"] == 1
    with client(sim) as api:
        assert api.get_share(share_ref(POOL, PROJECT, "s1")).quota_bytes == 3 << 30
    assert _served(ansible.workers) == 3
    assert all(" rc=0 " in line for line in next(ansible.workers.glob("*.log")).read_text().splitlines())


def test_a_task_fails_in_the_worker_as_it_fails_alone(sim, ansible):
    ansible("quota", _quota(sim, "3G"))
    _worker_started(ansible.workers)
    missing = ansible("quota", _quota(sim, "3G", share="nope"))
    assert missing.get("failed") is True and "nope" in missing["msg"]
    refused = ansible("quota", dict(_quota(sim, "3G"), password="Wr0ng-" + PASSWORD))
    output = ansible.output
    assert refused.get("failed") is True
    assert _served(ansible.workers) == 2
    # The password is in no result, and in nothing the worker keeps: its files, its command line
    # and environment (each task's environment goes to that task's child only).
    pid = int(next(ansible.workers.glob("*.pid")).read_text())
    kept = [path.read_bytes() for path in ansible.workers.iterdir() if not path.name.endswith((".sock", ".zip"))]
    for where in ("cmdline", "environ"):
        with open("/proc/%d/%s" % (pid, where), "rb") as handle:
            kept.append(handle.read())
    assert PASSWORD not in output
    assert not any(PASSWORD.encode() in data for data in kept)


def test_each_task_gets_its_own_environment(sim, ansible):
    """The environment the worker was started in is not the next task's (the password here)."""
    from_env = dict(_quota(sim, "3G"))
    del from_env["password"]
    ansible("quota", from_env, INTELLIFLASH_PASSWORD=PASSWORD)
    _worker_started(ansible.workers)
    wrong = ansible("quota", from_env, INTELLIFLASH_PASSWORD="Wr0ng-" + PASSWORD)
    missing = ansible("quota", from_env)
    right = ansible("quota", from_env, INTELLIFLASH_PASSWORD=PASSWORD)
    assert wrong.get("failed") is True and missing.get("failed") is True and "password" in missing["msg"]
    assert right["changed"] is False and not right.get("failed")
    assert _served(ansible.workers) == 3
    with open("/proc/%s/environ" % next(ansible.workers.glob("*.pid")).read_text().strip(), "rb") as handle:
        assert PASSWORD.encode() not in handle.read()


def _stand_in(socket_path, acknowledge):
    """Replace the worker at ``socket_path`` by one that takes a task and dies (or never answers)."""
    pid = int(open(socket_path[:-len(".sock")] + ".pid").read())
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not os.path.exists("/proc/%d" % pid) or open("/proc/%d/stat" % pid).read().split()[2] == "Z")
    os.unlink(socket_path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(1)
    taken = []

    def take_one():
        conn = listener.accept()[0]
        if acknowledge:
            conn.sendall(_worker_client.ACK)
            taken.append(_worker_client.recv_frame(conn))
        conn.close()
        listener.close()

    thread = threading.Thread(target=take_one)
    thread.start()
    return thread, taken


def test_a_worker_that_dies_with_the_task_leaves_its_outcome_unknown(sim, ansible):
    ansible("quota", _quota(sim, "3G"))
    thread, taken = _stand_in(str(_worker_started(ansible.workers)), acknowledge=True)
    sim.reset_calls()
    result = ansible("quota", _quota(sim, "4G"))
    output = ansible.output
    thread.join(10)
    assert len(taken) == 1  # the task was handed over ...
    assert result.get("failed") is True and "unknown" in result["msg"] and "run it again" in result["msg"]
    assert sim.calls()["total"] == 0  # ... and not run a second time in the task's own process
    assert PASSWORD not in output


def test_a_worker_that_does_not_acknowledge_leaves_the_task_to_its_own_process(sim, ansible):
    ansible("quota", _quota(sim, "3G"))
    thread, taken = _stand_in(str(_worker_started(ansible.workers)), acknowledge=False)
    sim.reset_calls()
    result = ansible("quota", _quota(sim, "5G"))
    thread.join(10)
    assert result["changed"] is True and sim.calls()["writes"] == 1 and taken == []
    with client(sim) as api:
        assert api.get_share(share_ref(POOL, PROJECT, "s1")).quota_bytes == 5 << 30


def test_the_worker_leaves_after_its_idle_time(sim, ansible):
    ansible("quota", _quota(sim, "3G"), INTELLIFLASH_WORKER_IDLE="1")
    _worker_started(ansible.workers)
    assert wait_until(lambda: not list(ansible.workers.glob("*.sock")) and not list(ansible.workers.glob("*.pid")))
    assert not list(ansible.workers.glob("*.zip"))


def test_a_worker_stopped_with_kill_removes_its_files(sim, ansible):
    ansible("quota", _quota(sim, "3G"))
    _worker_started(ansible.workers)
    os.kill(int(next(ansible.workers.glob("*.pid")).read_text()), signal.SIGTERM)
    assert wait_until(lambda: not [path for path in ansible.workers.iterdir() if path.suffix in (".sock", ".pid", ".zip")])


def test_a_directory_others_can_enter_is_not_used(sim, ansible):
    ansible.workers.mkdir(mode=0o755)
    ansible.workers.chmod(0o755)
    first = ansible("quota", _quota(sim, "3G"))
    second = ansible("quota", _quota(sim, "3G"))
    assert not first.get("failed") and not second.get("failed")
    assert list(ansible.workers.iterdir()) == []


def test_without_the_variable_no_worker_is_started(sim, ansible):
    result = ansible("quota", _quota(sim, "3G"), INTELLIFLASH_WORKER="")
    assert not result.get("failed") and not ansible.workers.exists()


def _payload(path, members):
    with zipfile.ZipFile(str(path), "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return str(path)


def test_the_key_follows_the_code_not_the_task(tmp_path):
    module = "ansible_collections.tegile.intelliflash.plugins.modules.quota"
    code = {"ansible/module_utils/basic.py": "x = 1\n", "ansible_collections/tegile/quota.py": "y = 2\n"}
    one = _payload(tmp_path / "one.zip", dict(code, **{"sitecustomize.py": "sys.path.insert(0, '/tmp/a')\n"}))
    two = _payload(tmp_path / "two.zip", dict(code, **{"sitecustomize.py": "sys.path.insert(0, '/tmp/b')\n"}))
    changed = _payload(tmp_path / "changed.zip", dict(code, **{"ansible_collections/tegile/quota.py": "y = 3\n"}))
    key = _worker_client.worker_key(one, module)
    assert _worker_client.worker_key(two, module) == key  # the task's own temporary path
    assert _worker_client.worker_key(changed, module) != key  # another version of the code
    assert _worker_client.worker_key(one, module.replace("quota", "share")) != key
