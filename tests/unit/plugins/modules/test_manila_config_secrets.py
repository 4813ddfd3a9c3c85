# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tegile.intelliflash.manila_config: no secret in any output, whatever the password or the file holds."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tegile.intelliflash.tests.unit.plugins.modules.test_manila_config import backend, run


def test_password_with_a_unicode_line_separator_is_idempotent_and_hidden(tmp_path, capsys):
    # U+2028 ends a line for str.splitlines() but not for oslo.config's file object.
    password = "abc\u2028user=tail-of-the-secret"
    conf = tmp_path / "manila.conf"
    conf.write_text("[DEFAULT]\n")
    wanted = [backend(tegile_nas_password=password)]
    first, _out, code = run(capsys, path=str(conf), backends=wanted)
    assert code == 0 and first["changed"] is True
    written = conf.read_bytes()

    again, out, code = run(capsys, path=str(conf), backends=wanted)
    assert code == 0
    assert again["changed"] is False and again["diff"] == []
    assert conf.read_bytes() == written
    assert "tail-of-the-secret" not in out

    # A change elsewhere shows the whole file in the diff: still no part of the password.
    other, out, code = run(capsys, path=str(conf), backends=[backend(tegile_nas_password=password,
                                                                     tegile_nas_port=8443)])
    assert code == 0 and other["changed"] is True
    assert other["backends"][0]["changed_options"] == ["tegile_nas_port"]
    assert "tail-of-the-secret" not in out


@pytest.mark.parametrize("text", [
    # A wrapped password whose second part no longer follows its key (a comment in between).
    "[DEFAULT]\n[tegile1]\ntegile_nas_password = first-part\n# wrapped\n  second-part-of-secret\n",
    "[DEFAULT]\n[tegile1]\ntegile_nas_password = first-part\n\n\tsecond-part-of-secret\n",
    # A stray password pasted above the first section.
    "second-part-of-secret\n[DEFAULT]\n",
])
def test_unparsable_file_is_reported_without_its_content(tmp_path, capsys, text):
    conf = tmp_path / "manila.conf"
    conf.write_text(text)
    result, out, code = run(capsys, path=str(conf), backends=[backend()])
    assert code == 1 and result["failed"] is True
    assert "cannot be parsed as oslo.config reads it: line " in result["msg"]
    assert "second-part-of-secret" not in out
    assert conf.read_text() == text


def test_an_unescaped_dollar_in_the_file_is_corrected(tmp_path, capsys):
    from oslo_config import cfg as oslo  # in tests/unit/requirements.txt: never skipped
    # Written by hand (or by an older tool): oslo.config reads "$word" as an interpolation.
    conf = tmp_path / "manila.conf"
    conf.write_text("[DEFAULT]\nenabled_share_backends = tegile1\n\n[tegile1]\n"
                    "share_driver = tegile_intelliflash.manila_driver.TegileShareDriver\n"
                    "tegile_nas_password = Pa$word\ntegile_nas_login = svc$x\n")
    wanted = [{"name": "tegile1", "options": {"tegile_nas_password": "Pa$word", "tegile_nas_login": "svc$x"}}]
    result, out, code = run(capsys, path=str(conf), backends=wanted, literal_options=["tegile_nas_login"])
    assert code == 0 and result["changed"] is True
    assert result["backends"][0]["changed_options"] == ["tegile_nas_password", "tegile_nas_login"]
    assert "Pa$word" not in out and "Pa$$word" not in out

    opts = oslo.ConfigOpts()
    opts.register_opts([oslo.StrOpt("tegile_nas_password", secret=True), oslo.StrOpt("tegile_nas_login")],
                       group="tegile1")
    opts(args=[], default_config_files=[str(conf)])
    assert opts.tegile1.tegile_nas_password == "Pa$word"
    assert opts.tegile1.tegile_nas_login == "svc$x"

    again, _out, code = run(capsys, path=str(conf), backends=wanted, literal_options=["tegile_nas_login"])
    assert code == 0 and again["changed"] is False
