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
