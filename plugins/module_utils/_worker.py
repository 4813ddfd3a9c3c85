# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Hand a task to a resident worker when ``INTELLIFLASH_WORKER`` asks for it (opt-in).

A task is a new Python process that compiles every module_utils file from the AnsiballZ zip and
imports requests before its first call: on a converged run that costs more than the calls. With
``INTELLIFLASH_WORKER`` set where the module runs, a resident worker that has all of it loaded
runs the task (``_worker_client``, ``_worker_server``; docs/worker.md). Every task imports this
file, so it only reads the environment.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

WORKER_ENV = "INTELLIFLASH_WORKER"


def hand_over(module_globals):
    """Run this task in the worker and exit with its result when asked for; else return at once."""
    if module_globals.get("__name__") != "__main__":
        return  # imported (by the worker itself, tests, sanity), not run as a task
    if os.environ.get(WORKER_ENV, "").strip().lower() not in ("1", "true", "yes", "on"):
        return
    from ansible_collections.tegile.intelliflash.plugins.module_utils._worker_client import run_in_worker
    run_in_worker(module_globals)
