# SPDX-License-Identifier: Apache-2.0
"""Fixtures of the Manila end-to-end stage.

Session scope: one simulator (HTTPS, its own CA), one Manila stack using our
driver against it, one python-manilaclient.  Everything is stopped by the
fixture finalizers, and again by atexit handlers / SIGTERM as a backstop.

Environment knobs (all optional):
  MANILA_E2E_WORKDIR  scratch directory to use (default: a new /tmp/manila-e2e-*)
  MANILA_E2E_KEEP=1   keep the scratch directory even when every test passed
  MANILA_E2E_DRIVER   dotted path of the share driver (default: ours)
"""

import atexit
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import manila_stack  # noqa: E402
from array_view import ArrayView  # noqa: E402

DRIVER = "tegile_intelliflash.manila_driver.TegileShareDriver"
PROJECT = "manila-e2e"
SIM_USER = "e2eadmin"

_FAILED = []
_STACK = []


def _sigterm(signum, frame):  # let finalizers and atexit handlers run
    raise KeyboardInterrupt("SIGTERM")


signal.signal(signal.SIGTERM, _sigterm)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        _FAILED.append(report.nodeid)
        if _STACK:
            stack = _STACK[0]
            report.sections.append(("manila logs (scratch dir %s)" % stack.workdir,
                                    stack.tails()))


class Env:
    """What the tests get: the stack, the array view, the simulator, names."""

    def __init__(self, stack, sim, array, password):
        self.stack = stack
        self.sim = sim
        self.array = array
        self.password = password
        self.project = PROJECT
        self.pools = array.pools()


@pytest.fixture(scope="session")
def workdir():
    path = os.environ.get("MANILA_E2E_WORKDIR")
    if path:
        os.makedirs(path, exist_ok=True)
    else:
        path = tempfile.mkdtemp(prefix="manila-e2e-")
    yield path
    if _FAILED or os.environ.get("MANILA_E2E_KEEP") == "1" or os.environ.get(
            "MANILA_E2E_WORKDIR"):
        print("\nmanila e2e scratch directory kept: %s" % path)
    else:
        shutil.rmtree(path, ignore_errors=True)


def _check_driver_importable(driver):
    module, cls = driver.rsplit(".", 1)
    proc = subprocess.run(
        [sys.executable, "-c", "import importlib; getattr(importlib.import_module(%r), %r)"
         % (module, cls)], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        pytest.fail("share driver %s is not importable with %s:\n%s"
                    % (driver, sys.executable, proc.stderr[-3000:]), pytrace=False)


@pytest.fixture(scope="session")
def simulator(workdir):
    from tegile_intelliflash.simulator.harness import SimulatorProcess

    password = secrets.token_hex(16)
    sim = SimulatorProcess(os.path.join(workdir, "array"), host="127.0.0.1", port=0,
                           user=SIM_USER, password=password,
                           python=manila_stack.python_dying_with_parent(workdir))
    atexit.register(sim.stop)
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()
        os.makedirs(os.path.join(workdir, "logs"), exist_ok=True)
        with open(os.path.join(workdir, "logs", "simulator.err"), "w") as handle:
            handle.write(sim.stderr_text)


@pytest.fixture(scope="session")
def e2e(workdir, simulator):
    driver = os.environ.get("MANILA_E2E_DRIVER", DRIVER)
    _check_driver_importable(driver)
    backend = manila_stack.tegile_backend(simulator, PROJECT)
    stack = manila_stack.ManilaStack(workdir, sys.prefix, driver, backend,
                                     log=lambda msg: print("[manila-e2e] " + msg))
    _STACK.append(stack)
    array = ArrayView(simulator.url, simulator.ca_path, simulator.user, simulator.password)
    try:
        stack.start()
        yield Env(stack, simulator, array, simulator.password)
    finally:
        array.close()
        stack.stop()
        left = stack.leftover_pids()
        _STACK.clear()
        if left:
            raise AssertionError("processes still alive after stopping the stack: %s" % left)


@pytest.fixture(scope="session")
def manila(e2e):
    import manilaclient
    from manilaclient import client

    # The newest microversion this release's client speaks (2.88 for 2025.1's 5.4.1, 2.98 for
    # 6.3.0); every server of the same release serves it.
    return client.Client(manilaclient.API_MAX_VERSION.get_string(), input_auth_token="admin:admin",
                         service_catalog_url=e2e.stack.api_url)
