# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers of the module unit tests: a simulator over HTTPS and in-process module runs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import json
import os

import pytest

from ansible.module_utils.testing import patch_module_args

PASSWORD = "Un1t.m0dule-pw"
ENV_NAMES = ["INTELLIFLASH_" + name for name in ("HOST", "USERNAME", "PASSWORD", "VALIDATE_CERTS", "CA_PATH")]


@contextlib.contextmanager
def simulator(state_dir):
    """A simulator process (HTTPS, its own CA) with the test password; stopped on exit."""
    from tegile_intelliflash.simulator.harness import SimulatorProcess
    with SimulatorProcess(state_dir, password=PASSWORD) as sim:
        yield sim


def connection(sim):
    return dict(host=sim.address, username="admin", password=PASSWORD, ca_path=sim.ca_path)


def run_module(main, sim, capsys, **args):
    """Run ``main`` against ``sim`` with ``args`` (None values dropped); returns (result, stdout)."""
    params = connection(sim)
    params.update(args)
    params = dict((key, value) for key, value in params.items() if value is not None)
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
