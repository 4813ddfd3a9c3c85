# SPDX-License-Identifier: Apache-2.0
"""CHANGELOG.rst is antsibull-changelog's output, and every fragment is valid."""
import os
import shutil

import yaml

from conftest import BIN, ROOT, run


def test_config_uses_fqcn():
    config = yaml.safe_load(open(os.path.join(ROOT, "changelogs", "config.yaml")))
    assert config["use_fqcn"] is True


def test_fragments_and_changelog_lint():
    out = run([os.path.join(BIN, "antsibull-changelog"), "lint"], cwd=ROOT)
    assert out.strip() == "", out
    fragments = os.path.join(ROOT, "changelogs", "fragments")
    for name in os.listdir(fragments) if os.path.isdir(fragments) else []:
        assert name.endswith(".yml"), name


def test_changelog_rst_is_generated(tmp_path):
    for path in ("galaxy.yml", "CHANGELOG.rst", "changelogs/config.yaml", "changelogs/changelog.yaml"):
        os.makedirs(str(tmp_path / os.path.dirname(path)), exist_ok=True)
        shutil.copy(os.path.join(ROOT, path), str(tmp_path / path))
    run([os.path.join(BIN, "antsibull-changelog"), "generate"], cwd=str(tmp_path))
    with open(os.path.join(ROOT, "CHANGELOG.rst")) as handle:
        assert (tmp_path / "CHANGELOG.rst").read_text() == handle.read(), \
            "CHANGELOG.rst differs from what antsibull-changelog generates: run antsibull-changelog generate"
