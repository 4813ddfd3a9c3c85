# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures: the collection's modules run by the real ansible-playbook against a simulator.

The collection is found through a link named like its FQCN (as ``scripts/demo.py`` does), so
the tests run the working tree's modules without a build.
"""

import os
import sys

import pytest

from playbook_helpers import PASSWORD, ROOT
from tegile_intelliflash.simulator.harness import SimulatorProcess


@pytest.fixture(scope="session")
def sim(tmp_path_factory):
    state = tmp_path_factory.mktemp("playbook-sim")
    with SimulatorProcess(str(state), host="127.0.0.1", port=0, user="admin",
                          password=PASSWORD) as process:
        yield process


@pytest.fixture(scope="session")
def ansible_env(tmp_path_factory):
    """Environment for ansible-playbook: the collection, this Python, no colours, no retry files."""
    work = tmp_path_factory.mktemp("ansible")
    base = work / "collections" / "ansible_collections" / "tegile"
    base.mkdir(parents=True)
    os.symlink(ROOT, str(base / "intelliflash"))
    env = dict((key, value) for key, value in os.environ.items()
               if not key.startswith(("ANSIBLE_", "INTELLIFLASH_")))
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": str(work / "collections"),
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_HOST_KEY_CHECKING": "0",
        # one process per task instead of a temporary directory, a copy and a chmod
        "ANSIBLE_PIPELINING": "1",
        "ANSIBLE_LOCAL_TEMP": str(work / "tmp"),
        "ANSIBLE_HOME": str(work / "home"),
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
    })
    return env
