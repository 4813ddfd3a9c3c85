# SPDX-License-Identifier: GPL-3.0-or-later
"""No module outputs the password, whatever the input: malformed input for every module, ``-vvv``.

ansible-core drops every ``no_log`` value when it cannot walk a malformed sub-option list, and
``manila_config`` registered its secret option values only after validation: both returned the
password in ``invocation.module_args``. Each task below fails in argument validation or in the
module's own checks; stdout at ``-vvv``, ``ANSIBLE_LOG_PATH`` and the registered results are
scanned for the password (and for its base64 and URL-quoted forms).
"""

import base64
import json
import os
import urllib.parse

from playbook_helpers import PASSWORD, connection_vars, module_defaults, run_playbook

# Wrong for every module that takes the connection options.
COMMON_CASES = [
    {"bogus_option": 1},
    {"timeout": "soon"},
    {"validate_certs": "maybe"},
    {"host": ["a", "list"]},
    {"username": {"a": "dict"}},
]

MODULE_CASES = {
    "project": [
        {"pool": "pool-a", "name": ["x"]},
        {"pool": "pool-a", "name": "p", "state": "presnt"},
        {"pool": "pool-a", "name": "p", "quota": {"a": 1}},
        {"pool": "pool-a", "name": "p", "quota": "1e30"},
        {"pool": "pool-a", "name": "bad/name"},
        {"pool": "pool-a"},
    ],
    "share": [
        {"pool": "pool-a", "project": "p", "name": "s", "state": "gone"},
        {"pool": "pool-a", "project": "p", "name": "s", "size": [1]},
        {"pool": "pool-a", "project": "p", "name": "s", "wait_timeout": "x"},
        {"pool": "pool-a", "project": "p", "name": "a b"},
        {"pool": "pool-a", "project": None, "name": "s"},
        {"pool": "pool-a", "project": "p", "name": "s", "access_rules": ["just a string"]},
        {"pool": "pool-a", "project": "p", "name": "s", "access_rules": [None]},
        {"pool": "pool-a", "project": "p", "name": "s", "access_rules": [{"type": "ip", "to": "10.0.0.1", "x": 1}]},
        {"pool": "pool-a", "project": "p", "name": "s", "access_rules": "not-a-list"},
    ],
    "snapshot": [
        {"pool": "pool-a", "project": "p", "name": "n", "state": "rolledback"},
        {"pool": "pool-a", "project": "p", "name": "n", "quiesce": "perhaps"},
        {"pool": "pool-a", "project": "p", "name": "n", "share": ["x"]},
    ],
    "quota": [
        {"pool": "pool-a", "project": "p"},
        {"pool": "pool-a", "project": "p", "quota": {"x": 1}},
        {"pool": "pool-a", "project": "p", "quota": "5\tG"},
    ],
    "info": [
        {"gather_subset": "bogus"},
        {"gather_subset": [["x"]]},
        {"gather_subset": [None], "pool": {"a": 1}},
    ],
    "share_access": [
        {"pool": "pool-a", "project": "p", "share": "s", "rules": ["just a string"]},
        {"pool": "pool-a", "project": "p", "share": "s", "rules": [["a", "list"]]},
        {"pool": "pool-a", "project": "p", "share": "s", "rules": [None]},
        {"pool": "pool-a", "project": "p", "share": "s", "rules": [{"type": "ip", "to": "10.0.0.1"}, "x"]},
        {"pool": "pool-a", "project": "p", "share": "s", "rules": "not-a-list"},
        {"pool": "pool-a", "project": "p", "share": "s", "rules": 42},
        {"pool": "pool-a", "project": "p", "share": "s", "rules": [{"type": "ip", "to": "10.0.0.1", "x": 1}]},
        {"pool": "pool-a", "project": "p", "share": "s", "rules": [{"type": "ipv9", "to": "x"}]},
        {"pool": "pool-a", "project": "p", "share": "s", "purge": "sometimes"},
        {"pool": "pool-a", "project": "p", "share": "s", "state": "absent"},
    ],
}


def manila_config_cases(path):
    options = {"tegile_nas_password": PASSWORD, "tegile_nas_login": "openstack"}
    good = {"name": "tegile1", "options": options}
    return [
        {"path": path, "backends": [dict(good, state="presnt")]},
        {"path": path, "backends": [dict(good, bogus=1)]},
        {"path": path, "backends": [good, "a string"]},
        {"path": path, "backends": [good, None]},
        {"path": path, "backends": [good, ["a", "list"]]},
        {"path": path, "backends": "not-a-list", "secret_options": {"a": 1}},
        {"path": [path], "backends": [good]},
        {"path": path, "backends": [good], "unknown_key": True},
        {"path": path, "backends": [dict(good, options=dict(options, nested={"a": 1}))]},
        {"path": path, "backends": [good], "validate": "no placeholder"},
        {"path": path, "backends": [dict(good, name="bad name")], "create": "perhaps"},
        {"path": path, "backends": [dict(good, options=json.dumps(options))], "state": "absent"},
    ]


def forms(secret):
    """The password and the encodings in which an output could carry it."""
    return [secret, urllib.parse.quote(secret), urllib.parse.quote_plus(secret),
            base64.b64encode(("admin:" + secret).encode()).decode(), json.dumps(secret)[1:-1]]


def build_play(manila_path):
    tasks, names = [], []
    for module, cases in sorted(MODULE_CASES.items()):
        for index, args in enumerate(COMMON_CASES + cases):
            if index < len(COMMON_CASES):
                args = dict(cases[0], **args)
            names.append("r_%s_%d" % (module, index))
            tasks.append({"name": "%s case %d" % (module, index), "tegile.intelliflash." + module: args,
                          "register": names[-1], "ignore_errors": True})
    for index, args in enumerate(manila_config_cases(manila_path)):
        names.append("r_manila_config_%d" % index)
        tasks.append({"name": "manila_config case %d" % index, "tegile.intelliflash.manila_config": args,
                      "register": names[-1], "ignore_errors": True})
    results_file = os.path.join(os.path.dirname(manila_path), "results.json")
    tasks.append({"name": "Keep the registered results",
                  "ansible.builtin.copy": {
                      "content": "{{ {%s} | to_json }}" % ", ".join("'%s': %s" % (n, n) for n in names),
                      "dest": results_file}})
    play = {"name": "Malformed input", "hosts": "localhost", "gather_facts": False,
            "module_defaults": module_defaults(), "tasks": tasks}
    return [play], names, results_file


def test_no_module_outputs_the_password_for_malformed_input(sim, ansible_env, tmp_path):
    manila_path = str(tmp_path / "manila.conf")
    plays, names, results_file = build_play(manila_path)
    sim.reset_calls()
    rc, out, log = run_playbook(ansible_env, tmp_path, plays, connection_vars(sim), verbosity=3)
    assert rc == 0, out[-3000:]
    with open(results_file) as handle:
        results_text = handle.read()
    results = json.loads(results_text)
    assert sorted(results) == sorted(names)
    for name, result in sorted(results.items()):
        # Every case is refused with a message, by ansible-core or the module; none crashes.
        assert result.get("failed") is True, (name, result)
        assert result.get("msg") and "MODULE FAILURE" not in result["msg"], (name, result)
        assert "Traceback" not in json.dumps(result.get("msg")), (name, result)
    assert "MODULE FAILURE" not in out
    for where, text in (("stdout", out), ("log", log), ("registered results", results_text)):
        assert text, where
        for form in forms(PASSWORD):
            assert form not in text, "%s holds the password (as %r)" % (where, form)
    # the -vvv output was really captured, and the invocation is in it (masked)
    assert "invocation" in out and "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in out
    assert not os.path.exists(manila_path)
    assert sim.calls()["writes"] == 0
