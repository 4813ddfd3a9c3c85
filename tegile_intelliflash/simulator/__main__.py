# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""``python -m tegile_intelliflash.simulator``: same as the ``intelliflash-sim`` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
