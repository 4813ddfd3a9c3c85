# SPDX-License-Identifier: GPL-3.0-or-later
"""The integration targets share their set-up through the setup_intelliflash target, not copies.

setup_intelliflash holds the call-counting tasks and the connection values of module_defaults;
a target that uses them lists it in meta/main.yml (ansible-test then runs it first and reruns
the target when it changes).
"""

import glob
import os

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TARGETS = os.path.join(ROOT, "tests", "integration", "targets")
SETUP = "setup_intelliflash"


def target_names():
    return sorted(name for name in os.listdir(TARGETS) if os.path.isdir(os.path.join(TARGETS, name)))


def task_files(target):
    return sorted(glob.glob(os.path.join(TARGETS, target, "tasks", "*.yml")))


def read(path):
    with open(path) as handle:
        return handle.read()


def walk(node):
    """Every dict in a loaded YAML document."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def dependencies(target):
    path = os.path.join(TARGETS, target, "meta", "main.yml")
    if not os.path.exists(path):
        return []
    meta = yaml.safe_load(read(path)) or {}
    return [dep if isinstance(dep, str) else dep.get("role") for dep in meta.get("dependencies") or []]


def test_setup_target_holds_the_shared_pieces():
    defaults = yaml.safe_load(read(os.path.join(TARGETS, SETUP, "defaults", "main.yml")))
    assert set(defaults["setup_intelliflash_connection"]) == {"host", "username", "password", "ca_path"}
    assert defaults["setup_intelliflash_sim_api"]["validate_certs"] is True
    calls = read(os.path.join(TARGETS, SETUP, "tasks", "calls.yml"))
    assert "/sim/v1/calls/reset" in calls and "calls:" in calls


def test_no_target_copies_the_call_counting_tasks():
    copies = [os.path.relpath(path, TARGETS) for target in target_names() if target != SETUP
              for path in task_files(target) if "/sim/v1/calls/reset" in read(path)]
    assert copies == [], "count calls with include_role setup_intelliflash tasks_from: calls"


def test_no_target_copies_the_shared_module_defaults():
    defaults = yaml.safe_load(read(os.path.join(TARGETS, SETUP, "defaults", "main.yml")))
    shared = list(defaults.values())
    copies = []
    for target in target_names():
        if target == SETUP:
            continue
        for path in task_files(target):
            for node in walk(yaml.safe_load(read(path))):
                for value in (node.get("module_defaults") or {}).values():
                    if value in shared:
                        copies.append(os.path.relpath(path, TARGETS))
    assert copies == [], "use the setup_intelliflash_* variables as module_defaults values"


def test_targets_that_use_the_setup_target_depend_on_it():
    missing = []
    for target in target_names():
        if target == SETUP:
            continue
        uses = any(SETUP in read(path) for path in task_files(target))
        if uses and SETUP not in dependencies(target):
            missing.append(target)
    assert missing == [], "add setup_intelliflash to meta/main.yml dependencies"
    users = [target for target in target_names() if SETUP in dependencies(target)]
    assert len(users) >= 6, users
