# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The module tests on every ansible-core of the matrix, with the collection under test.

``ansible.module_utils.testing.patch_module_args`` (ansible-core 2.19+) is provided on older
cores, where the raw arguments are all a module reads.

ansible-test runs the units from a staged copy of the checkout, on any ansible-core of the
matrix; the venv running them (possibly shared by several checkouts) holds no project code. The
package ``tegile_intelliflash`` sits at the collection's root: put that root first on the path of
this process and of any process it starts. (The unit tests themselves start no simulator: the
modules run over a mocked array, tests/unit/framework; the simulator-backed module tests are in
tests/python/modules.)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import json
import os
import sys
import types

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

if COLLECTION_ROOT not in sys.path:
    sys.path.insert(0, COLLECTION_ROOT)
os.environ["PYTHONPATH"] = os.pathsep.join([COLLECTION_ROOT] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])


try:
    from ansible.module_utils.testing import patch_module_args  # noqa: F401  pylint: disable=unused-import
except ImportError:  # ansible-core < 2.19: no serialization profiles
    from unittest import mock

    from ansible.module_utils import basic

    @contextlib.contextmanager
    def _patch_module_args(args=None):
        raw = json.dumps({"ANSIBLE_MODULE_ARGS": args or {}}).encode("utf-8")
        with mock.patch.object(basic, "_ANSIBLE_ARGS", raw):
            yield

    _testing = types.ModuleType("ansible.module_utils.testing")
    _testing.patch_module_args = _patch_module_args
    sys.modules["ansible.module_utils.testing"] = _testing
