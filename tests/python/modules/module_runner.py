# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers of the modules' functional tests: a simulator over HTTPS and in-process module runs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import json
import os
import subprocess
import sys
import time

import pytest

from ansible.module_utils.common import warnings as _warnings
from ansible.module_utils.testing import patch_module_args

PASSWORD = "Un1t.m0dule-pw"
ENV_NAMES = ["INTELLIFLASH_" + name for name in ("HOST", "USERNAME", "PASSWORD", "VALIDATE_CERTS", "CA_PATH")]


@contextlib.contextmanager
def simulator(state_dir):
    """A simulator process (HTTPS, its own CA) with the test password; stopped on exit."""
    from tegile_intelliflash.simulator.harness import SimulatorProcess
    with SimulatorProcess(state_dir, password=PASSWORD) as sim:
        yield sim


def simulator_fixture(setup=None):
    """A module-scoped ``sim`` fixture; ``setup(api, sim)`` prepares it through the REST client."""
    @pytest.fixture(scope="module")
    def sim(tmp_path_factory):
        with simulator(tmp_path_factory.mktemp("sim")) as proc:
            if setup is not None:
                with client(proc) as api:
                    setup(api, proc)
            yield proc
    return sim


def connection(sim):
    return dict(host=sim.address, username="admin", password=PASSWORD, ca_path=sim.ca_path)


def forget_warnings():
    """Drop the warnings earlier in-process module runs left behind.

    A real module is a process of its own; in-process runs share ansible's global warning list.
    """
    _warnings._global_warnings.clear()  # pylint: disable=protected-access
    _warnings._global_deprecations.clear()  # pylint: disable=protected-access


def run_module(main, sim, capsys, **args):
    """Run ``main`` against ``sim`` with ``args`` (None values dropped); returns (result, stdout)."""
    params = connection(sim)
    params.update(args)
    params = dict((key, value) for key, value in params.items() if value is not None)
    forget_warnings()
    saved = dict((name, os.environ.pop(name)) for name in ENV_NAMES if name in os.environ)
    try:
        with patch_module_args(params):
            with pytest.raises(SystemExit):
                main()
    finally:
        os.environ.update(saved)
    out = capsys.readouterr().out
    return json.loads(out), out


def writes(sim):
    """Write calls the simulator counted since the last reset."""
    return sim.calls()["writes"]


def client(sim):
    """A REST client of ``sim`` (verification on) to set up what a test needs."""
    from ansible_collections.tegile.intelliflash.plugins.module_utils.client.api import (
        IntelliFlashClient,
    )
    return IntelliFlashClient(sim.address, "admin", PASSWORD, ca_path=sim.ca_path)


def assert_refused(run, sim, capsys, args, words, no_call=True):
    """Run with ``args``; the run must fail with ``words`` in its message and send no call at all
    (``no_call``), or at least no write (False), or (None) any call. Returns the result."""
    sim.reset_calls()
    result, _out = run(sim, capsys, **args)
    assert result.get("failed") is True, result
    assert words in result["msg"]
    if no_call is not None:
        calls = sim.calls()
        assert (calls["total"] if no_call else calls["writes"]) == 0, calls
    return result


def example_tasks(module):
    """(task name, module args) of the tasks in ``module.EXAMPLES`` that call ``module`` itself."""
    import yaml
    fqcn = "tegile.intelliflash." + module.__name__.rsplit(".", 1)[-1]
    return [(task["name"], task[fqcn]) for task in yaml.safe_load(module.EXAMPLES) if fqcn in task]


def run_examples(module, sim, capsys, before=None, replace=None):
    """Run the module's EXAMPLES tasks in order against ``sim``; returns the results by task name.

    ``before`` maps a task name to a callable run first (to create what the example expects, e.g.
    a snapshot); ``replace`` maps option values the simulator cannot have (such as an array's host
    name) to usable ones. Every task must succeed.
    """
    results = {}
    for name, args in example_tasks(module):
        if before and name in before:
            before[name]()
        args = dict((key, (replace or {}).get(value, value) if isinstance(value, str) else value)
                    for key, value in args.items())
        result, _out = run_module(module.main, sim, capsys, **args)
        assert not result.get("failed"), "%s: %s" % (name, result.get("msg"))
        results[name] = result
    return results


def waits_for_a_lock(proc, locks):
    """Whether process ``proc`` waits for a lock of the directory ``locks``: it has a lock file
    open there and holds no flock (Linux: /proc)."""
    fds = "/proc/%d/fd" % proc.pid
    try:
        opened = any(os.readlink(os.path.join(fds, fd)).startswith(str(locks)) for fd in os.listdir(fds))
        with open("/proc/locks") as held:
            holds = any(line.split()[1:2] == ["FLOCK"] and line.split()[4] == str(proc.pid) for line in held)
    except (OSError, IndexError):
        return False
    return opened and not holds


def start_module(module, args, directory):
    """Run ``module`` as a process of its own (as ansible-playbook does: another writer on this
    machine), with ``args`` (written to a file in ``directory``); returns its Popen."""
    path = os.path.join(str(directory), "%s-%d.json" % (module.__name__.rsplit(".", 1)[-1], time.monotonic_ns()))
    with open(path, "w") as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": args}, handle)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    return subprocess.Popen([sys.executable, module.__file__, path], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def let_in(proc, locks, seconds=60):
    """Wait until process ``proc`` has ended, or waits for a lock of the directory ``locks``."""
    deadline = time.monotonic() + seconds
    while proc.poll() is None and not waits_for_a_lock(proc, locks) and time.monotonic() < deadline:
        time.sleep(0.02)


def module_result(proc):
    """The result ``proc`` (from ``start_module``) printed."""
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return json.loads(out)


def lose_the_next_reply(monkeypatch, sim, owner, attribute, method, budget=1.0):
    """Once ``owner.<attribute>`` (a method of a client call group, e.g. ``ShareCalls``) has
    succeeded, the reply of the next ``method`` call is lost behind a proxy (504) and the array
    applies that call only after the client gave up looking for its effect (a retry budget of
    ``budget`` s): its outcome is unknown. Clear the faults after the run."""
    real = getattr(owner, attribute)

    def call_then_lose_the_next(self, *args, **kwargs):
        result = real(self, *args, **kwargs)
        self._transport.retry_budget = budget  # pylint: disable=protected-access
        sim.set_faults(latency_ms=int(budget * 3000), proxy_timeout_ms=100, methods=[method], count=1)
        return result

    monkeypatch.setattr(owner, attribute, call_then_lose_the_next)


def wait_until(check, timeout=10.0):
    """Poll ``check()`` until it is true (a write the array applies late); returns its last value."""
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        time.sleep(0.1)
    return check()
