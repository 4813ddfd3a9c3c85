# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Attributes of the modules that change the array (project, share, quota, snapshot, share_access).
    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying the array.
    support: full
    details:
      - In check mode the module reads the array but sends no write call.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details:
      - The diff holds the before and after values of exactly the properties that change. It never holds the password.
  idempotent:
    description: When run twice in a row with the same arguments, the second run reports no change.
    support: full
    details:
      - A run that finds the array converged sends no write call.
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: IntelliFlash
"""

    # Membership of the tegile.intelliflash.intelliflash action group (every module).
    ACTIONGROUP = r"""
attributes:
  action_group:
    description: Use C(group/tegile.intelliflash.intelliflash) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - tegile.intelliflash.intelliflash
"""
