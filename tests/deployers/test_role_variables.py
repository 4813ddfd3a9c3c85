# SPDX-License-Identifier: Apache-2.0
"""Units over the manila_backend role's variables: the service name and configuration group per
OS family (with overrides), the file each deployment writes, and the interpreter probe that
finds an externally managed Python (PEP 668)."""

import json
import os
import subprocess
import sys

import pytest
import yaml

from conftest import ROOT

ROLE = os.path.join(ROOT, "roles", "manila_backend")
SHOWN = ["__manila_backend_service", "__manila_backend_group", "__manila_backend_conf_path",
         "__manila_backend_conf_var", "__manila_backend_conf_create", "__manila_backend_osa_password_vars"]


# (case id, facts, role variables): every case is resolved by one playbook run (ansible-playbook
# is slow to start), one task per case with the case's variables as task variables.
CASES = {
    "Debian": ({"os_family": "Debian"}, {}),
    "RedHat": ({"os_family": "RedHat"}, {}),
    "Suse": ({"os_family": "Suse"}, {}),
    "override": ({"os_family": "RedHat"},
                 {"manila_backend_service_name": "devstack@m-shr", "manila_backend_config_group": "stack"}),
    "native": ({}, {"manila_backend_deployment": "native"}),
    "kolla": ({}, {"manila_backend_deployment": "kolla"}),
    "openstack_ansible": ({}, {"manila_backend_deployment": "openstack_ansible"}),
    "osa_passwords": ({}, {"manila_backend_deployment": "openstack_ansible", "manila_backend_backends": [
        {"name": "tegile-gold.2"}, {"name": "old", "state": "absent"}, {"name": "Silver", "state": "present"}]}),
}


@pytest.fixture(scope="module")
def resolved(tmp_path_factory):
    """{case: the role's internal variables as Ansible resolves them from defaults and vars}."""
    out = tmp_path_factory.mktemp("role-vars")
    tasks = []
    for case, (facts, role_vars) in CASES.items():
        task_vars = dict(role_vars, ansible_facts=facts)
        tasks.append({"name": case, "vars": task_vars, "ansible.builtin.copy": {
            "content": "{{ __shown | to_json }}", "dest": str(out / ("%s.json" % case)), "mode": "0600"}})
    play = out / "vars.yml"
    play.write_text(yaml.safe_dump([{
        "hosts": "localhost", "gather_facts": False,
        "vars_files": [os.path.join(ROLE, "defaults", "main.yml"), os.path.join(ROLE, "vars", "main.yml")],
        "vars": {"__shown": {k: "{{ %s }}" % k for k in SHOWN}},
        "tasks": tasks}]))
    env = dict(os.environ, ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    proc = subprocess.run([os.path.join(ROOT, ".venv", "bin", "ansible-playbook"), "-i", "localhost,",
                           "-c", "local", "-e", "ansible_python_interpreter=" + sys.executable, str(play)],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    return {case: json.loads((out / ("%s.json" % case)).read_text()) for case in CASES}


@pytest.mark.parametrize("family, service, group", [
    ("Debian", "manila-share", "manila"),
    ("RedHat", "openstack-manila-share", "manila"),
    ("Suse", "manila-share", "manila"),  # not packaged: Debian's names
])
def test_service_and_group_follow_the_os_family(resolved, family, service, group):
    shown = resolved[family]
    assert (shown["__manila_backend_service"], shown["__manila_backend_group"]) == (service, group)


def test_service_and_group_variables_override_the_os_family(resolved):
    shown = resolved["override"]
    assert shown["__manila_backend_service"] == "devstack@m-shr"
    assert shown["__manila_backend_group"] == "stack"


@pytest.mark.parametrize("deployment, path, var, create", [
    ("native", "/etc/manila/manila.conf", "manila_backend_config_path", False),
    ("kolla", "/etc/kolla/config/manila/manila-share.conf", "manila_backend_kolla_config_dir", True),
    ("openstack_ansible", "/etc/openstack_deploy/user_variables_tegile_intelliflash.yml",
     "manila_backend_osa_config_dir", True),
])
def test_each_deployment_writes_its_own_file(resolved, deployment, path, var, create):
    shown = resolved[deployment]
    assert shown["__manila_backend_conf_path"] == path
    assert shown["__manila_backend_conf_var"] == var
    assert shown["__manila_backend_conf_create"] in (create, str(create))


def test_the_password_variable_of_each_backend_to_write(resolved):
    """One name per backend written (what a variable name cannot hold becomes _), read by the
    checks, the variables file and the closing message alike."""
    assert resolved["osa_passwords"]["__manila_backend_osa_password_vars"] == {
        "tegile-gold.2": "tegile_intelliflash_tegile_gold_2_password",
        "Silver": "tegile_intelliflash_Silver_password"}
    assert resolved["native"]["__manila_backend_osa_password_vars"] == {}


def _probe():
    with open(os.path.join(ROLE, "vars", "main.yml")) as handle:
        return yaml.safe_load(handle)["__manila_backend_python_probe"]


def test_probe_says_a_virtualenv_is_not_externally_managed(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    # Even with the marker in the base interpreter's stdlib, a venv is not externally managed.
    out = json.loads(subprocess.run([str(venv / "bin" / "python"), "-c", _probe()], check=True,
                                    stdout=subprocess.PIPE, universal_newlines=True).stdout)
    assert out["venv"] is True and out["externally_managed"] is False


def test_probe_finds_the_marker_of_a_distribution_python(tmp_path):
    dest = tmp_path / "system"
    script = os.path.join(ROOT, "extensions", "molecule", "manila_backend_pep668", "files",
                          "make_system_python.sh")
    subprocess.run(["sh", script, sys.executable, str(dest)], check=True, stdout=subprocess.DEVNULL)
    out = json.loads(subprocess.run([str(dest / "bin" / "python3"), "-c", _probe()], check=True,
                                    stdout=subprocess.PIPE, universal_newlines=True).stdout)
    assert out["venv"] is False and out["externally_managed"] is True
    assert out["marker"] == str(dest / "lib" / ("python%d.%d" % sys.version_info[:2]) / "EXTERNALLY-MANAGED")
