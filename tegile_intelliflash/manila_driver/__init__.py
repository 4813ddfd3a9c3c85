# SPDX-License-Identifier: Apache-2.0
"""OpenStack Manila share driver for Tegile (DDN) IntelliFlash arrays.

Use it with ``share_driver = tegile_intelliflash.manila_driver.TegileShareDriver``.
"""

from tegile_intelliflash.manila_driver.driver import TegileShareDriver

__all__ = ['TegileShareDriver']
