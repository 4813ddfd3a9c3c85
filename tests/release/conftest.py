# SPDX-License-Identifier: Apache-2.0
"""The collection as its users get it: a tarball built with ansible-galaxy, installed into an
empty collections path. These tests run in the cached "release tools" venv (ansible-core,
ansible-builder, antsibull-docs, antsibull-changelog; requirements/release-tools.txt), which
holds no project code: everything under test comes from this checkout."""
import glob
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
# Left behind by pip/setuptools, virtualenvs, caches and test runs: none of it may ship.
JUNK = ["build/lib/tegile_intelliflash/__init__.py", "dist/tegile_intelliflash-1.0.0-py3-none-any.whl",
        "tegile_intelliflash.egg-info/PKG-INFO", ".pytest_cache/README.md", "tests/output/junit/x.xml",
        ".venv/bin/python", ".venv-manila/bin/python", ".tox/py/x", ".cache/x",
        "plugins/modules/__pycache__/share.cpython-311.pyc", "docs/_build/html/index.html",
        "tests/integration/integration_config.yml", "tests/integration/inventory",
        ".build/docs/index.html", "tegile-intelliflash-0.9.0.tar.gz", ".mypy_cache/x", ".ruff_cache/x"]


def env(**extra):
    """An environment in which Ansible sees only what a test gives it."""
    out = dict(os.environ)
    out["PATH"] = BIN + os.pathsep + out.get("PATH", "")
    for name in list(out):
        if name.startswith("ANSIBLE_"):
            del out[name]
    out.update(ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false", ANSIBLE_NOCOLOR="1")
    out.update(extra)
    return out


def run(cmd, cwd=None, **extra):
    proc = subprocess.run(cmd, cwd=cwd, env=env(**extra), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    assert proc.returncode == 0, "%s failed (%d):\n%s" % (" ".join(cmd), proc.returncode, proc.stdout[-6000:])
    return proc.stdout


def tracked_files():
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                         check=True, stdout=subprocess.PIPE).stdout.decode()
    return sorted(f for f in out.split("\0") if f and os.path.exists(os.path.join(ROOT, f)))


@pytest.fixture(scope="session")
def source_tree(tmp_path_factory):
    """A copy of the checkout (what git tracks) with the usual junk of a working tree planted in it."""
    dest = tmp_path_factory.mktemp("src")
    coll = subprocess.run([os.path.join(ROOT, "tests", "tools", "stage-collection.sh"), str(dest)], check=True,
                          stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
    for junk in JUNK:
        path = os.path.join(coll, junk)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            handle.write("junk\n")
    return coll


@pytest.fixture(scope="session")
def tarball(source_tree, tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", source_tree, "--output-path", str(out)])
    found = glob.glob(str(out / "tegile-intelliflash-*.tar.gz"))
    assert len(found) == 1, found
    return found[0]


@pytest.fixture(scope="session")
def installed(tarball, tmp_path_factory):
    """The tarball installed into an empty collections path; returns that path."""
    path = tmp_path_factory.mktemp("collections")
    run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", tarball, "-p", str(path)],
        cwd=str(path))
    return str(path)
