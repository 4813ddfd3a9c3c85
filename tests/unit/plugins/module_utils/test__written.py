# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a failed task reports of the writes it made before failing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.tegile.intelliflash.plugins.module_utils._written import written_note
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.errors import OutcomeUnknownError
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.limits import plan_limits

SHARE = "pool-a/Local/p1/s1"


def test_nothing_written_is_no_change():
    extra = {}
    assert written_note("Error x: refused.", [], extra) == "Error x: refused."
    assert extra == {}


def test_each_write_is_named_once_in_order():
    written = [("createProject", "pool-a/Local/p1"), ("addNFSNetworkACLOnShare", SHARE),
               ("addNFSNetworkACLOnShare", SHARE)]
    extra = {}
    assert written_note("Error x: refused.", written, extra) == (
        "Error x: refused. Written before the failure: createProject pool-a/Local/p1, "
        "addNFSNetworkACLOnShare %s" % SHARE)
    assert extra == {"changed": True}


def _unknown_limits_write(done):
    """written_note as common.fail calls it: while handling the error of a share's limits plan
    (quota then reservation) whose write number ``done`` (from 0) has an unknown outcome."""
    plan = plan_limits(SHARE, 0, 0, 0, want_quota=4 * 1024 ** 3, want_reservation=4 * 1024 ** 3)
    err = OutcomeUnknownError("the outcome of modifyShareProperties %s is unknown" % SHARE,
                              method="modifyShareProperties", dataset=SHARE)
    err.limits_written = (plan, done)
    written = [("modifyShareProperties", SHARE)] * done
    extra = {}
    try:
        raise err
    except OutcomeUnknownError:
        return written_note("Error x: %s" % err.message, written, extra), extra


def test_a_first_limits_write_of_unknown_outcome_names_its_limit():
    assert _unknown_limits_write(0) == (
        "Error x: quota change outcome unknown: the outcome of modifyShareProperties %s is unknown"
        % SHARE, {})


def test_a_later_limits_write_of_unknown_outcome_names_the_ones_kept():
    assert _unknown_limits_write(1) == (
        "Error x: quota set to 4 GiB (4294967296 bytes) and kept; reservation change outcome "
        "unknown: the outcome of modifyShareProperties %s is unknown. Written before the failure: "
        "modifyShareProperties %s" % (SHARE, SHARE), {"changed": True})
