# SPDX-License-Identifier: Apache-2.0
"""`make clean` removes what builds, pip/setuptools, caches and test runs leave, and nothing else."""
import os
import shutil
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
LEFT_BEHIND = ["build/lib/tegile_intelliflash/__init__.py", "dist/tegile_intelliflash-1.0.0.tar.gz",
               "tegile_intelliflash.egg-info/PKG-INFO", ".pytest_cache/v/cache/nodeids", "tests/output/x.xml",
               "plugins/modules/__pycache__/share.cpython-311.pyc", "tests/python/.pytest_cache/x",
               ".build/docs/index.html", "docs/_build/html/index.html", "tegile-intelliflash-1.0.0.tar.gz",
               "tests/integration/integration_config.yml"]


def test_make_clean(tmp_path):
    tree = subprocess.run([os.path.join(ROOT, "tests", "tools", "stage-collection.sh"), str(tmp_path)],
                          check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
    tracked = sorted(os.path.relpath(os.path.join(d, f), tree) for d, _s, fs in os.walk(tree) for f in fs)
    for junk in LEFT_BEHIND:
        os.makedirs(os.path.join(tree, os.path.dirname(junk)), exist_ok=True)
        open(os.path.join(tree, junk), "w").close()
    venv_file = os.path.join(tree, ".venv", "lib", "x.egg-info", "PKG-INFO")  # venvs are distclean's
    os.makedirs(os.path.dirname(venv_file))
    open(venv_file, "w").close()
    subprocess.run([shutil.which("make") or "make", "-s", "-C", tree, "clean"], check=True)
    left = sorted(os.path.relpath(os.path.join(d, f), tree) for d, _s, fs in os.walk(tree) for f in fs)
    assert left == sorted(tracked + [os.path.relpath(venv_file, tree)])
