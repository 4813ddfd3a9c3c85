# SPDX-License-Identifier: Apache-2.0
"""Fixtures of the deployers stage: the role run on this machine as on a deployment host, the
Manila venv of the newest release (to load and validate what the tools would hand to Manila),
and kolla-ansible from the package index in a cached venv (for its own merge logic)."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))

import manila_matrix  # noqa: E402
import venvs  # noqa: E402

PASSWORD = "Pa$$ {w0rd} #;'x"


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory):
    """The checkout staged as ansible_collections/tegile/intelliflash (what a clean clone holds)."""
    dest = str(tmp_path_factory.mktemp("collections"))
    subprocess.run([os.path.join(ROOT, "tests", "tools", "stage-collection.sh"), dest], check=True,
                   stdout=subprocess.DEVNULL)
    return dest


@pytest.fixture(scope="session")
def manila_python():
    """Python of the newest Manila release's venv (this checkout installed in it)."""
    return manila_matrix.ensure(manila_matrix.releases()[-1])


@pytest.fixture(scope="session")
def kolla_venv():
    """kolla-ansible from the package index, cached by its requirements."""
    return venvs.ensure("kolla-ansible", manila_matrix.find_python("3.11"),
                        requirements=[os.path.join(ROOT, "requirements", "kolla.txt")],
                        constraints=[os.path.join(ROOT, "requirements", "kolla-constraints.txt")])


@pytest.fixture(scope="session")
def config_template_venv():
    """openstack-ansible's config_template action (its last release on the package index, whose
    INI reader is the current one's) with the ansible-core it templates with, cached."""
    return venvs.ensure("config-template", manila_matrix.find_python("3.11"),
                        requirements=[os.path.join(ROOT, "requirements", "config-template.txt")],
                        constraints=[os.path.join(ROOT, "requirements", "config-template-constraints.txt")])


@pytest.fixture
def run_role(collections_path, tmp_path):
    """Run the role on localhost with these variables; returns (rc, output). ``venv``: the
    virtualenv whose ansible-playbook runs it (default: .venv's ansible-core)."""
    def run(role_vars, check=False, extra_args=(), venv=os.path.join(ROOT, ".venv")):
        playbook = tmp_path / "play.yml"
        playbook.write_text(
            "- hosts: localhost\n  gather_facts: false\n  roles:\n"
            "    - role: tegile.intelliflash.manila_backend\n")
        # A str is YAML as written (for !unsafe values), anything else is dumped as JSON.
        varfile = tmp_path / "vars.yml"
        varfile.write_text(role_vars if isinstance(role_vars, str) else json.dumps(role_vars))
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_NOCOLOR="1",
                   ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
        cmd = [os.path.join(venv, "bin", "ansible-playbook"), "-i", "localhost,", "-c", "local",
               "-e", "ansible_python_interpreter=" + os.path.join(ROOT, ".venv", "bin", "python"),
               "-e", "@" + str(varfile), str(playbook)] + (["--check"] if check else []) + list(extra_args)
        proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, cwd=str(tmp_path), check=False)
        return proc.returncode, proc.stdout
    return run


def load_manila_conf(manila_python, path):
    """What Manila's oslo.config reads from `path` (see load_manila_conf.py)."""
    proc = subprocess.run([manila_python, os.path.join(HERE, "load_manila_conf.py"), str(path)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def validate_manila_conf(manila_python, path):
    """The role's validator (oslo-config-validator with Manila's and the driver's options)."""
    return subprocess.run([manila_python, os.path.join(ROOT, "roles", "manila_backend", "files",
                                                       "validate_manila_conf.py"),
                           "--input-file", str(path)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)


def backend(name="tegile_gold", **extra):
    b = {"name": name, "server": "array-1.example.com", "login": "openstack", "password": PASSWORD,
         "default_project": "manila", "share_backend_name": name.upper()}
    b.update(extra)
    return b
