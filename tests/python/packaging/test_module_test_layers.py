# SPDX-License-Identifier: GPL-3.0-or-later
"""Each array module has a unit test over the mocked array and a functional one against the
simulator; the unit layer never needs a simulator (ansible-test units runs without one)."""

import glob
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ARRAY_MODULES = ("info", "project", "quota", "share", "share_access", "snapshot")


def test_every_array_module_has_both_layers():
    for module in ARRAY_MODULES:
        unit = os.path.join(ROOT, "tests", "unit", "plugins", "modules", "test_%s.py" % module)
        functional = os.path.join(ROOT, "tests", "python", "modules", "test_%s.py" % module)
        with open(unit) as handle:
            assert "run_module(%s.main" % module in handle.read(), unit
        with open(functional) as handle:
            assert "from module_runner import" in handle.read(), functional


def test_the_unit_layer_starts_no_simulator():
    offenders = []
    for path in glob.glob(os.path.join(ROOT, "tests", "unit", "**", "*.py"), recursive=True):
        with open(path) as handle:
            if re.search(r"^\s*(from|import)\s+tegile_intelliflash\.simulator", handle.read(), re.M):
                offenders.append(os.path.relpath(path, ROOT))
    assert offenders == []
