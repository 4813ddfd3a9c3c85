# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``array`` fixture: a mocked array answering from the calls a test expects (framework/mock_array.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.tegile.intelliflash.tests.unit.framework.mock_array import array_fixture

array = array_fixture()
