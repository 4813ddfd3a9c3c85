# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Secrets are masked from the first output on, whatever the shape of the input (module_utils/_secrets.py).

ansible-core drops every no_log value when it cannot walk a malformed sub-option list, and
manila_config's secret option values were only registered after validation: these runs fail
in argument validation, before any call, and their output must not hold the password.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.tegile.intelliflash.plugins.module_utils import _secrets, common
from ansible_collections.tegile.intelliflash.plugins.modules import manila_config, project, share, share_access

PASSWORD = "S3cret-unit.pw"
CONNECTION = dict(host="127.0.0.1:9", username="admin", password=PASSWORD)


def run(main, args):
    """Run a module in-process; returns (result, stdout, syslog lines)."""
    logged = []
    original = basic.AnsibleModule.log

    def capture(self, msg, log_args=None):
        logged.append("%s %r" % (msg, log_args))

    basic.AnsibleModule.log = capture
    try:
        with patch_module_args(args):
            with pytest.raises(SystemExit):
                main()
    finally:
        basic.AnsibleModule.log = original
    return logged


def run_json(main, args, capsys):
    logged = run(main, args)
    out = capsys.readouterr().out
    return json.loads(out), out, logged


@pytest.mark.parametrize("rules", [
    ["just a string"],
    [["a", "list"]],
    [None],
    [{"type": "ip", "to": "10.0.0.1"}, "second"],
    "not-a-list",
    42,
    [{"type": "ip", "to": "10.0.0.1", "bogus": 1}],
], ids=["string", "list", "null", "mixed", "text", "int", "unknown-key"])
@pytest.mark.parametrize("module, args", [
    (share_access, dict(pool="pool-a", project="p", share="s")),
    (share, dict(pool="pool-a", project="p", name="s", size="1G")),  # its access_rules are share_access's
], ids=["share_access", "share"])
def test_malformed_rules_keep_the_password(module, args, rules, capsys):
    key = "rules" if module is share_access else "access_rules"
    args = dict(CONNECTION, **dict(args, **{key: rules}))
    result, out, logged = run_json(module.main, args, capsys)
    assert result.get("failed") is True, result
    assert PASSWORD not in out
    assert all(PASSWORD not in line for line in logged)


@pytest.mark.parametrize("extra", [
    dict(state="presnt"),
    dict(bogus_option=1),
    dict(name=["a", "list"]),
    dict(_ansible_check_mode=True, quota={"a": 1}),
    dict(password=[PASSWORD, "x"]),
    dict(password={"nested": PASSWORD}, bogus=1),
])
def test_project_malformed_input_keeps_the_password(extra, capsys):
    args = dict(CONNECTION, pool="pool-a", name="p")
    args.update(extra)
    result, out, _logged = run_json(project.main, args, capsys)
    assert result.get("failed") is True, result
    assert PASSWORD not in out


def manila_backend(**extra):
    backend = {"name": "tegile1", "options": {"tegile_nas_password": PASSWORD, "custom_secret": PASSWORD + "-2"}}
    backend.update(extra)
    return backend


@pytest.mark.parametrize("args", [
    dict(backends=[manila_backend(state="presnt")]),
    dict(backends=[manila_backend(bogus=1)]),
    dict(backends=[manila_backend(), "a string"]),
    dict(backends=[manila_backend(), None]),
    dict(backends=manila_backend(name=["x"])),
    dict(backends=[manila_backend()], unknown=True, secret_options=["tegile_nas_password", "custom_secret"]),
    dict(backends=[manila_backend()], secret_options="tegile_nas_password,custom_secret", create="maybe"),
    dict(backends=[dict(manila_backend(), options=json.dumps(manila_backend()["options"]))], state="x",
         secret_options=["tegile_nas_password", "custom_secret"]),
])
def test_manila_config_malformed_input_keeps_the_password(args, tmp_path, capsys):
    args = dict(args, path=str(tmp_path / "manila.conf"))
    result, out, logged = run_json(manila_config.main, args, capsys)
    assert result.get("failed") is True, result
    assert PASSWORD not in out
    assert all(PASSWORD not in line for line in logged)
    if "custom_secret" in str(args.get("secret_options")):
        assert PASSWORD + "-2" not in out
    assert not (tmp_path / "manila.conf").exists()


def test_manila_config_invocation_log_keeps_the_password(tmp_path, capsys):
    """The invocation line AnsibleModule sends to syslog/journald is written before main() runs."""
    args = dict(path=str(tmp_path / "manila.conf"), backends=[manila_backend()])
    result, out, logged = run_json(manila_config.main, args, capsys)
    assert result.get("changed") is True, result
    assert logged and all(PASSWORD not in line for line in logged)
    assert PASSWORD not in out
    assert PASSWORD in (tmp_path / "manila.conf").read_text()


@pytest.mark.parametrize("params, found", [
    (dict(password="a"), {"a"}),
    (dict(pw_alias="b"), {"b"}),
    (dict(password=12345), {"12345"}),
    (dict(password={"nested": ["x", "y"]}), {"x", "y"}),
    (dict(password=""), set()),
    (dict(password=None), set()),
    (dict(items=[{"secret": "s1"}, "junk", None, ["l"], {"secret": "s2", "other": "o"}]), {"s1", "s2"}),
    (dict(items={"secret": "s3"}), {"s3"}),
    (dict(items='{"secret": "s4"}'), {"s4"}),
    (dict(items=["secret=s5"]), {"s5"}),
    (dict(items=7), set()),
    ("not a dict", set()),
])
def test_spec_secrets_walks_any_shape(params, found):
    spec = dict(
        password=dict(type="str", no_log=True, aliases=["pw_alias"]),
        items=dict(type="list", elements="dict", options=dict(secret=dict(type="str", no_log=True),
                                                              other=dict(type="str"))),
    )
    assert _secrets.spec_secrets(spec, params) == found


@pytest.mark.parametrize("host", [
    "https://admin:Other.pw-9@127.0.0.1:9",
    "admin:Other.pw-9@127.0.0.1:9",
    "  https://admin:Other.pw-9@[fd00::9]:9/",
    "https://admin:Other%2Epw-9@127.0.0.1:9",
    "http://admin:Other.pw-9@127.0.0.1:9",
    "https://admin:Other.pw-9@127.0.0.1:99999",
])
def test_credentials_in_host_are_refused_without_showing(host, capsys, monkeypatch):
    """A password written into the host option is in no output: not in the message that refuses
    the host (which names it), not in the invocation the failed result echoes."""
    monkeypatch.delenv("INTELLIFLASH_HOST", raising=False)
    args = dict(CONNECTION, host=host, pool="pool-a", name="p")
    result, out, logged = run_json(project.main, args, capsys)
    assert result.get("failed") is True, result
    assert result["msg"].startswith("host: "), result["msg"]
    for secret in ("Other.pw-9", "Other%2Epw-9", PASSWORD):
        assert secret not in out
        assert all(secret not in line for line in logged)


@pytest.mark.parametrize("params, environ, found", [
    (dict(host="https://u:p%40ss@h"), None, {"p%40ss", "p@ss"}),
    (dict(host="u:a:b@c@h"), None, {"a:b@c"}),
    (dict(host="u@h"), None, set()),
    (dict(host="h"), "https://u:env-pw@h", {"env-pw"}),
    (dict(host=["not", "a", "string"]), None, set()),
    (dict(), None, set()),
])
def test_host_passwords(params, environ, found, monkeypatch):
    if environ is None:
        monkeypatch.delenv("INTELLIFLASH_HOST", raising=False)
    else:
        monkeypatch.setenv("INTELLIFLASH_HOST", environ)
    assert set(common.host_passwords(params)) == found
