# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""tests/tools/ansible-test-ssh-key.sh: ansible-test's SSH key pair, made once however many
integration runs start together (ansible-test's own ssh-keygen fails for the second one)."""

import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SCRIPT = os.path.join(ROOT, "tests", "tools", "ansible-test-ssh-key.sh")


def _start(home):
    return subprocess.Popen([SCRIPT], env=dict(os.environ, HOME=str(home)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)


def test_runs_at_once_make_one_pair_that_ansible_test_takes(tmp_path):
    runs = [_start(tmp_path) for _run in range(4)]
    for run in runs:
        _out, err = run.communicate(timeout=60)
        assert run.returncode == 0, err
    key = tmp_path / ".ansible" / "test" / "id_rsa"
    text = key.read_text()
    assert text.startswith("-----BEGIN RSA PRIVATE KEY-----"), text[:40]
    assert (tmp_path / ".ansible" / "test" / "id_rsa.pub").read_text().startswith("ssh-rsa ")
    assert [p.name for p in key.parent.iterdir() if p.name.startswith(".ssh-key.") and p.is_dir()] == []
    # ansible-test finds it and makes none of its own.
    core_ci = pytest.importorskip("ansible_test._internal.core_ci")
    assert core_ci.SshKey.KEY_NAME == key.name
    before = key.stat().st_mtime_ns
    assert _start(tmp_path).wait(timeout=60) == 0
    assert key.stat().st_mtime_ns == before  # an existing pair is kept
