# SPDX-License-Identifier: GPL-3.0-or-later
"""The manila_backend role's array check (tasks/check.yml) asks what the driver needs: the
system, the pools and the back end's project, not every project of the array (one getProject,
and a sharing read, per project: thousands of calls on a large array)."""

import sys

from playbook_helpers import PASSWORD, run_playbook
from tegile_intelliflash.client.api import IntelliFlashClient
from tegile_intelliflash.client.paths import project_ref

POOL = "pool-a"


def check_play(sim, project):
    backend = {"name": "tegile1", "server": "127.0.0.1", "port": sim.port, "login": sim.user,
               "password": PASSWORD, "ssl_ca_file": sim.ca_path, "default_project": project,
               "pools": [POOL]}
    return [{"name": "The role's array check", "hosts": "localhost", "gather_facts": False,
             "vars": {"manila_backend_backends": [backend], "manila_backend_python": sys.executable,
                      "manila_backend_check_python": sys.executable},
             "tasks": [{"ansible.builtin.include_role": {"name": "tegile.intelliflash.manila_backend",
                                                         "tasks_from": "check"}}]}]


def test_the_check_reads_the_backends_project_only(sim, ansible_env, tmp_path):
    with IntelliFlashClient(sim.address, sim.user, PASSWORD, ca_path=sim.ca_path) as client:
        client.create_project(project_ref(POOL, "checked"))
        costs = []
        made = 0
        for others in (2, 25):
            for number in range(made, others):
                client.create_project(project_ref(POOL, "unrelated-%02d" % number))
            made = others
            sim.reset_calls()
            code, out, _log = run_playbook(ansible_env, tmp_path, check_play(sim, "checked"), {})
            assert code == 0, out
            costs.append(sim.calls()["by_method"])
    assert costs[0] == costs[1], costs
    assert "listProjects" not in costs[1], costs
    # A missing project is still reported, naming it.
    code, out, _log = run_playbook(ansible_env, tmp_path, check_play(sim, "missing"), {})
    assert code != 0 and "project 'missing' (tegile_default_project) does not exist" in out, out
