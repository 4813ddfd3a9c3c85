# SPDX-License-Identifier: Apache-2.0
"""Malformed input, per module: tracebacks, secret leaks and writes for invalid input.

Each module gets one play at -vvv (module_defaults carry the password, as users write it)
with one task per malformed input; stdout and ANSIBLE_LOG_PATH are scanned for the password
and for tracebacks, per task, and the simulator's write counter must not move. For
manila_config the secret is a backend option and the file must not appear.
"""

import concurrent.futures
import json
import os
import re
import time

from . import common
from tegile_intelliflash.client.paths import dataset_ref, project_ref, share_ref

ZWSP, RLO, BOM = "\u200b", "\u202e", "\ufeff"
_SHARE = {"pool": "pool-a", "project": "mal", "share": "s1"}
# The quick profile's cases: one or two of each kind of defect per module.
QUICK = {
    ("info", "gather_subset unknown"), ("manila_config", "backend state misspelt"),
    ("manila_config", "backend unknown key"), ("project", "unknown option"),
    ("project", "name '\\u202eevil'"), ("quota", "quota '16E'"), ("quota", "quota '_5G'"),
    ("share", "size '1e30'"), ("share", "size '5\\tG'"), ("share", "name 'a\\u200bb'"),
    ("share_access", "rules is a string"), ("share_access", "rule is null"),
    ("share_access", "host 0x0a.0.0.1"), ("share_access", "host a_b.example.com"),
    ("snapshot", "name '\\ufeffx'"), ("snapshot", "state misspelt"),
}
_LOG_TASK = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) .*\| TASK \[case (\d+):", re.M)


def _cases():
    """(module, label, arguments): inputs no module may act on."""
    share = dict(_SHARE)
    dataset = {"pool": "pool-a", "project": "mal", "name": "s2"}
    out = []
    for module in ("project", "share", "snapshot", "share_access", "quota", "info"):
        base = {"project": {"pool": "pool-a", "name": "mal"}, "share": dict(dataset),
                "snapshot": dict(share, name="snap"), "share_access": dict(share, rules=[]),
                "quota": dict(share), "info": {}}[module]
        out.append((module, "unknown option", dict(base, bogus_option=1)))
        if module not in ("quota", "info"):
            out.append((module, "state misspelt", dict(base, state="presnt")))
    for size in ("16E", "9223372036854775808", "1e30", "1e", "_5G", "5\tG", "-1G", [1]):
        out.append(("share", "size %r" % (size,), dict(dataset, size=size)))
        out.append(("quota", "quota %r" % (size,), dict(_SHARE, quota=size)))
    out.append(("project", "quota 1e30", {"pool": "pool-a", "name": "mal2", "quota": "1e30"}))
    for name in ("a" + ZWSP + "b", RLO + "evil", BOM + "x", "a/b", "", "..", "x" * 300):
        out.append(("project", "name %r" % name, {"pool": "pool-a", "name": name}))
        out.append(("share", "name %r" % name, dict(dataset, name=name)))
        out.append(("snapshot", "name %r" % name, dict(share, name=name)))
    out.append(("share", "smb_name with BOM", dict(dataset, smb=True, smb_name=BOM + "home")))
    rules = [
        ("rules is a string", "10.0.0.1"),
        ("rules is a dict", {"type": "ip", "to": "10.0.0.1"}),
        ("rule is a string", ["10.0.0.1"]),
        ("rule is null", [None]),
        ("rule is a list", [["ip", "10.0.0.1"]]),
        ("rule with unknown key", [{"type": "ip", "to": "10.0.0.1", "bogus": 1}]),
        ("host 0x0a.0.0.1", [{"type": "host", "to": "0x0a.0.0.1"}]),
        ("host a_b.example.com", [{"type": "host", "to": "a_b.example.com"}]),
        ("ip 10.0.0.1/33", [{"type": "ip", "to": "10.0.0.1/33"}]),
        ("ip with host bits", [{"type": "ip", "to": "10.0.0.1/24"}]),
        ("user with ZWSP", [{"type": "user", "to": "al" + ZWSP + "ice"}]),
        ("access level", [{"type": "ip", "to": "10.0.0.1", "access_level": "all"}]),
    ]
    for label, value in rules:
        out.append(("share_access", label, dict(share, rules=value)))
    out.append(("share_access", "purge not a bool", dict(share, rules=[], purge="maybe")))
    out.append(("info", "gather_subset unknown", {"gather_subset": ["bogus"]}))
    out.append(("info", "gather_subset not a list of str", {"gather_subset": [{"a": 1}]}))
    backend = {"name": "tegile1", "options": {"tegile_nas_password": common.PASSWORD,
                                              "tegile_nas_server": "192.0.2.1"}}
    for label, backends in (
            ("backend state misspelt", [dict(backend, state="presnt")]),
            ("backend unknown key", [dict(backend, bogus=1)]),
            ("backends not a list", "tegile1"),
            ("backend is a string", ["tegile1", backend]),
            ("backend without name", [{"options": backend["options"]}])):
        out.append(("manila_config", label, {"path": "@MANILA_CONF@", "backends": backends}))
    out.append(("manila_config", "unknown option", {"path": "@MANILA_CONF@", "bogus": 1,
                                                    "backends": [backend]}))
    return out


def _playbook(module, cases, sim, conf_path):
    tasks = []
    for index, (_module, label, args) in enumerate(cases):
        args = json.loads(json.dumps(args).replace("@MANILA_CONF@", conf_path))
        tasks.append({"name": "case %d: %s" % (index, label.encode("unicode_escape").decode()),
                      "tegile.intelliflash." + module: args, "ignore_errors": True})
    return [{
        "name": "malformed input for " + module, "hosts": "localhost", "gather_facts": False,
        "vars": {"ansible_python_interpreter": os.path.join(common.VENV_BIN, "python")},
        "module_defaults": {"group/tegile.intelliflash.intelliflash": {
            "host": sim.address, "username": sim.user, "password": "{{ secret }}",
            "ca_path": sim.ca_path}},
        "tasks": tasks,
    }]


def _sections(output):
    """{case index: text} from ansible's output (a task's block starts with TASK [case N:)."""
    parts = re.split(r"^TASK \[case (\d+):", output, flags=re.M)
    return {int(parts[i]): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def _writes_by_case(logged, log):
    """Executed writes per case: each write belongs to the last task started before it."""
    starts = sorted((time.mktime(time.strptime(m.group(1), "%Y-%m-%d %H:%M:%S"))
                     + int(m.group(2)) / 1000.0, int(m.group(3)))
                    for m in _LOG_TASK.finditer(logged))
    counts = {}
    for entry in common.executed_writes(log):
        owner = [index for start, index in starts if start <= entry["start"]]
        key = owner[-1] if owner else -1
        counts[key] = counts.get(key, 0) + 1
    return counts


def run_module(workdir, sim, module, cases):
    """One play for ``module``; the simulator is this module's own (its call log is read)."""
    conf_path = os.path.join(workdir.path, "manila-%s.conf" % module)
    playbook = os.path.join(workdir.path, "malformed-%s.yml" % module)
    with open(playbook, "w") as handle:
        json.dump(_playbook(module, cases, sim, conf_path), handle)
    log_path = os.path.join(workdir.path, "malformed-%s.log" % module)
    sim.reset_calls()
    rc, output = common.run_playbook(workdir, playbook, {"secret": common.PASSWORD},
                                     verbosity=3, log_path=log_path)
    common.wait_quiet(sim)
    with open(log_path) as handle:
        logged = handle.read()
    writes = _writes_by_case(logged, sim.call_log())
    out_sections, log_sections = _sections(output), _sections(logged)
    results = []
    for index, (_m, label, _a) in enumerate(cases):
        text = out_sections.get(index, "")
        both = text + log_sections.get(index, "")
        results.append({
            "case": label, "ran": bool(text),
            "leaks": common.leaks(both),
            "traceback": "Traceback (most recent call last)" in both or "MODULE FAILURE" in text,
            "refused": "fatal: [localhost]" in text,
            "writes": writes.get(index, 0),
        })
    return {
        "module": module, "rc": rc, "cases": results,
        "writes_outside_cases": writes.get(-1, 0),
        "file_written": os.path.exists(conf_path),
        # Leaks outside any task (ansible's own start-up or summary lines) count too.
        "other_leaks": common.leaks(output) + common.leaks(logged)
        - sum(common.leaks(out_sections.get(i, "") + log_sections.get(i, ""))
              for i in range(len(cases))),
    }


def _one_module(workdir, module, cases):
    with common.simulator(workdir, "malformed-" + module) as sim:
        with common.client_for(sim) as client:
            client.create_project(project_ref("pool-a", "mal"))
            client.create_share(share_ref("pool-a", "mal", "s1"))
            client.set_nfs_sharing(dataset_ref("pool-a", "mal", "s1"), True)
        return run_module(workdir, sim, module, cases)


def run(workdir, profile, jobs=2, log=print):
    by_module = {}
    for module, label, args in _cases():
        if profile == "soak" or (module, label) in QUICK:
            by_module.setdefault(module, []).append((module, label, args))
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        modules = list(pool.map(lambda item: _one_module(workdir, *item),
                                sorted(by_module.items())))
    for result in modules:
        cases = result["cases"]
        log("malformed %-14s cases=%d ran=%d refused=%d tracebacks=%d leaks=%d writes=%d%s"
            % (result["module"], len(cases), sum(c["ran"] for c in cases),
               sum(c["refused"] for c in cases), sum(c["traceback"] for c in cases),
               sum(c["leaks"] for c in cases) + result["other_leaks"],
               sum(c["writes"] for c in cases) + result["writes_outside_cases"],
               " (file written)" if result["file_written"] else ""))
    cases = [c for m in modules for c in m["cases"]]
    return {
        "modules": modules,
        "figures": {
            "cases": len(cases),
            "cases_not_run": sum(not c["ran"] for c in cases),
            "not_refused": sum(c["ran"] and not c["refused"] for c in cases),
            "tracebacks": sum(c["traceback"] for c in cases),
            "secret_leaks": sum(c["leaks"] for c in cases) + sum(m["other_leaks"] for m in modules),
            "writes_for_invalid_input": sum(c["writes"] for c in cases)
            + sum(m["writes_outside_cases"] + m["file_written"] for m in modules),
        },
    }
