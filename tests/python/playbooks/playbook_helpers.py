# SPDX-License-Identifier: GPL-3.0-or-later
"""Run playbooks with the real ansible-playbook (the one beside this Python) and read what they printed."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
# A password no output may contain; the characters make it unlikely to appear by accident.
PASSWORD = "Leak-Canary.7x!pw"
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")


def connection_vars(sim):
    return {
        "intelliflash_host": sim.address,
        "intelliflash_username": sim.user,
        "intelliflash_password": sim.password,
        "intelliflash_ca_path": sim.ca_path,
    }


def module_defaults():
    """The connection options for every module of the collection's action group."""
    return {"group/tegile.intelliflash.intelliflash": {
        "host": "{{ intelliflash_host }}",
        "username": "{{ intelliflash_username }}",
        "password": "{{ intelliflash_password }}",
        "ca_path": "{{ intelliflash_ca_path }}",
    }}


def run_playbook(env, workdir, plays, extra_vars, verbosity=0, log_name="ansible.log", timeout=900,
                 inventory="localhost,"):
    """Write ``plays`` (a list of dicts) to a playbook and run it (on localhost unless ``inventory``).

    Returns (exit code, stdout+stderr, text of ANSIBLE_LOG_PATH).
    """
    path = os.path.join(str(workdir), "playbook-%d.yml" % os.getpid())
    with open(path, "w") as handle:
        json.dump(plays, handle, indent=1)  # JSON is YAML
    varfile = path + ".vars.json"
    with open(varfile, "w") as handle:
        json.dump(extra_vars, handle)
    log = os.path.join(str(workdir), log_name)
    env = dict(env, ANSIBLE_LOG_PATH=log)
    cmd = [ANSIBLE_PLAYBOOK, "-i", inventory, "-c", "local", "-e", "@" + varfile, path]
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    proc = subprocess.run(cmd, env=env, cwd=str(workdir), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, timeout=timeout, check=False)
    text = ""
    if os.path.exists(log):
        with open(log) as handle:
            text = handle.read()
    return proc.returncode, proc.stdout, text
