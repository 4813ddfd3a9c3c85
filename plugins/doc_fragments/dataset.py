# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Properties shared by projects and shares (a share inherits its project's value until it sets its own).
    DOCUMENTATION = r"""
options:
  compression:
    description:
      - Compression algorithm. A share without its own value uses its project's.
    type: str
    choices: ["off", lz4, gzip, igzip, gzip-1, gzip-2, gzip-3, gzip-4, gzip-5, gzip-6, gzip-7, gzip-8, gzip-9]
  dedup:
    description:
      - Deduplication on (V(true)) or off (V(false)).
    type: bool
  readonly:
    description:
      - Make the dataset read-only. A project's value also applies to the shares that inherit it.
    type: bool
  record_size:
    description:
      - Record (block) size; for a project, the default of its new shares.
    type: str
    choices: [4KB, 8KB, 16KB, 32KB, 64KB, 128KB]
notes:
  - >-
    Project, share and snapshot names have at most 255 characters, with no white space, no parentheses, no backslash
    and none of C(, / ! ? @ < > # $ ' % ^ * ~ + = { } | : [ ] ; " &); C(.) and C(..) are not names.
"""
