# SPDX-License-Identifier: Apache-2.0
"""The supported ansible-core range is stated once (tests/tools/ansible_matrix.py) and every
place that states it again agrees: requires_ansible, the role's min_ansible_version, the README's
matrix table, the requirement files of each matrix venv."""
import glob
import os
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))
import ansible_matrix  # noqa: E402  pylint: disable=wrong-import-position


def load(*parts):
    with open(os.path.join(ROOT, *parts)) as handle:
        return yaml.safe_load(handle)


def oldest():
    return min(ansible_matrix.MATRIX, key=lambda c: tuple(int(x) for x in c.version.split(".")))


def test_requires_ansible_is_the_oldest_tested_core():
    assert load("meta", "runtime.yml")["requires_ansible"] == ">=%s.0" % oldest().version


def test_role_min_ansible_version_is_the_oldest_tested_core():
    assert str(load("roles", "manila_backend", "meta", "main.yml")["galaxy_info"]["min_ansible_version"]) \
        == oldest().version


def test_oldest_and_newest_run_every_ansible_test_stage():
    versions = sorted(ansible_matrix.MATRIX, key=lambda c: tuple(int(x) for x in c.version.split(".")))
    for core in (versions[0], versions[-1]):
        assert set(core.stages) == {"sanity", "units", "integration"}, core
    assert all("integration" in core.stages for core in ansible_matrix.MATRIX)
    minors = [int(c.version.split(".")[1]) for c in versions]
    assert minors == list(range(minors[0], minors[-1] + 1)), "every release between them"


def test_readme_shows_the_matrix():
    with open(os.path.join(ROOT, "README.md")) as handle:
        readme = handle.read()
    assert ansible_matrix.table() in readme


def test_each_cached_core_venv_pins_its_core():
    for core in ansible_matrix.MATRIX:
        if core.version == ansible_matrix.MAIN_VENV_CORE:
            with open(os.path.join(ROOT, "requirements", "dev.txt")) as handle:
                text = handle.read()
        else:
            req, con = ansible_matrix.requirement_files(core.version)
            assert os.path.isfile(con), con
            with open(req) as handle:
                text = handle.read()
        assert re.search(r"^ansible-core==%s\.\d+$" % re.escape(core.version), text, re.M), core


def test_module_utils_init_files_are_empty_for_every_core():
    """ansible-core 2.16's empty-init sanity test wants them empty to the byte; no core skips it."""
    found = glob.glob(os.path.join(ROOT, "plugins", "module_utils", "**", "__init__.py"), recursive=True)
    assert found and all(os.path.getsize(path) == 0 for path in found), found
    assert all(not core.skip for core in ansible_matrix.MATRIX)
