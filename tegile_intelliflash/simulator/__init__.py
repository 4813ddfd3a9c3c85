# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""IntelliFlash array simulator.

The simulator itself (``cli``, ``app`` and friends) needs Flask, Werkzeug and cryptography (the
``simulator`` extra). This package's ``__init__`` imports none of them, so
``tegile_intelliflash.simulator.harness`` (standard library only) imports anywhere.
"""
