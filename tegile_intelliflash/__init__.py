# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Tegile (DDN) IntelliFlash: REST client, Manila share driver and array simulator.

``tegile_intelliflash.client`` is the collection's ``plugins/module_utils/client`` package.
"""
