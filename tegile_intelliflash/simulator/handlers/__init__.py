# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Request handlers: ``handler(ctx, args)`` turns a call's arguments into operations (``ops``).

Handler modules never import each other; ``routes`` maps each RPC name to its handler.
"""
