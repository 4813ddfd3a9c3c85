# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Operations on stored state (datasets, snapshots, sharing and ACLs), shared by the handlers.

An operation takes the transaction context and already-typed values; it never parses a request
(no ``args``) and never imports a handler.
"""
