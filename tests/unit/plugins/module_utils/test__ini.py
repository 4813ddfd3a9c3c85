# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""module_utils/_ini.py: the places where oslo.config's reading is easy to get wrong."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tegile.intelliflash.plugins.module_utils import _ini


@pytest.mark.parametrize("text", [
    "debug = True\n[DEFAULT]\n",
    "# header comment\n\nstate_path: /var/lib/manila\n[DEFAULT]\n",
])
def test_option_before_the_first_section_is_refused_like_oslo(text):
    # oslo.config: "Section must be started before assignment"; the file would not load.
    with pytest.raises(_ini.IniError, match="line [13]: option '(debug|state_path)' before the first section header"):
        _ini.IniDocument(text)


def test_comments_and_blank_lines_before_the_first_section_are_fine():
    text = "# manila.conf\n\n; more\n[DEFAULT]\ndebug = True\n"
    doc = _ini.IniDocument(text)
    assert doc.get("DEFAULT", "debug") == "True"
    assert doc.text() == text


def test_sections_like_compares_names_as_oslo_does():
    doc = _ini.IniDocument("[DEFAULT]\n[LVM1]\nk = 1\n[lvm1]\nj = 2\n[default]\n[tegile1]\n")
    assert doc.sections_like("lvm1") == ["LVM1", "lvm1"]
    assert doc.sections_like("Lvm1") == ["LVM1", "lvm1"]
    assert doc.sections_like("tegile2") == []
    # Only DEFAULT is special (oslo does not lower-case it); [default] is an ordinary group.
    assert doc.sections_like("DEFAULT") == ["DEFAULT"]
    assert doc.sections_like("Default") == ["default"]


def test_crlf_file_keeps_its_line_endings_when_edited():
    text = "[DEFAULT]\r\nenabled_share_backends = lvm1,\r\n  lvm2\r\n\r\n[lvm1]\r\nk = v\r\n"
    doc = _ini.IniDocument(text)
    assert _ini.split_list(doc.get("DEFAULT", "enabled_share_backends")) == ["lvm1", "lvm2"]
    doc.set("DEFAULT", "enabled_share_backends", "lvm1,lvm2,tegile1")
    doc.set("tegile1", "tegile_nas_password", _ini.encode_value("a$b", escape_dollar=True))
    assert doc.text() == ("[DEFAULT]\r\nenabled_share_backends = lvm1,lvm2,tegile1\r\n\r\n[lvm1]\r\nk = v\r\n"
                          "\r\n[tegile1]\r\ntegile_nas_password = a$$b\r\n")


# Characters str.splitlines() ends a line at but a text file (what oslo.config reads) does not.
NOT_LINE_ENDS = ["\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("sep", NOT_LINE_ENDS)
def test_value_with_a_unicode_line_separator_reads_back_whole(tmp_path, sep):
    from oslo_config import cfg as oslo  # in tests/unit/requirements.txt: never skipped
    password = "abc" + sep + "user=tail-of-the-secret"
    doc = _ini.IniDocument("[DEFAULT]\n")
    doc.set("tegile1", "tegile_nas_password", _ini.encode_value(password, escape_dollar=True))
    path = tmp_path / "manila.conf"
    path.write_bytes(doc.text().encode("utf-8"))

    again = _ini.IniDocument(path.read_bytes().decode("utf-8"))
    # Read whole, as oslo.config reads it: a second run finds it unchanged.
    assert again.get("tegile1", "tegile_nas_password") == password
    assert again.items("tegile1") == [("tegile_nas_password", password)]
    assert again.text() == doc.text()
    # No part of it reaches the diff.
    assert "tail-of-the-secret" not in again.redacted_text({"tegile_nas_password"})

    opts = oslo.ConfigOpts()
    opts.register_opts([oslo.StrOpt("tegile_nas_password", secret=True)], group="tegile1")
    opts(args=[], default_config_files=[str(path)])
    assert opts.tegile1.tegile_nas_password == password


def test_only_cr_lf_and_crlf_end_lines():
    text = "[DEFAULT]\r\ndebug = True\rverbose = False\nx = a\u2028b\n"
    doc = _ini.IniDocument(text)
    assert [line.raw for line in doc.lines] == ["[DEFAULT]\r\n", "debug = True\r", "verbose = False\n",
                                                "x = a\u2028b\n"]
    assert doc.get("DEFAULT", "x") == "a\u2028b"


# Options declared secret=True in Manila 2026.2's oslo.config namespaces (manila, oslo.db,
# osprofiler, castellan) whose names say nothing of a password: their values must stay out of
# the diff like tegile_nas_password's.
@pytest.mark.parametrize("section, key", [
    ("database", "slave_connection"),
    ("database", "asyncio_connection"),
    ("database", "asyncio_slave_connection"),
    ("DEFAULT", "backend_url"),
    ("DEFAULT", "hdfs_ssh_pw"),
    ("DEFAULT", "maprfs_ssh_pw"),
    ("DEFAULT", "flashblade_api"),
    ("profiler", "hmac_keys"),
    ("vault", "approle_role_id"),
])
def test_redacted_text_hides_every_secret_option_of_manila(section, key):
    doc = _ini.IniDocument("[%s]\n%s = mysql://manila:hidden-value@db/manila\n" % (section, key))
    shown = doc.redacted_text({"tegile_nas_password"})
    assert "hidden-value" not in shown
    assert "%s = ********\n" % key in shown
