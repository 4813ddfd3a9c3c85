# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a failed task reports of the writes it made before failing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.tegile.intelliflash.plugins.module_utils._written import written_note

SHARE = "pool-a/Local/p1/s1"


def test_nothing_written_is_no_change():
    assert written_note("Error x: refused.", []) == ("Error x: refused.", False)


def test_each_write_is_named_once_in_order():
    written = [("createProject", "pool-a/Local/p1"), ("addNFSNetworkACLOnShare", SHARE),
               ("addNFSNetworkACLOnShare", SHARE)]
    assert written_note("Error x: refused.", written) == (
        "Error x: refused. Written before the failure: createProject pool-a/Local/p1, "
        "addNFSNetworkACLOnShare %s" % SHARE, True)
