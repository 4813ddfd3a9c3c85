# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Method tables of the two RPC services: the types; ``routes`` holds the tables themselves."""

VOID = object()  # a handler result meaning "empty success body" (spec §4: void)


class Method:
    __slots__ = ("name", "func", "write")

    def __init__(self, name, func, write):
        self.name = name
        self.func = func
        self.write = write


class Registry:
    """The methods of one service, from the ``(service, name, handler, write)`` routes that
    name it."""

    def __init__(self, service, routes):
        self.service = service
        self.methods = {}
        for route_service, name, func, write in routes:
            if route_service != service:
                continue
            if name in self.methods:
                raise ValueError("%s: method %s routed twice" % (service, name))
            self.methods[name] = Method(name, func, write)

    def get(self, name):
        return self.methods.get(name)


class Context:
    """What a handler sees: the transaction, the current time and the delay settings."""

    __slots__ = ("txn", "now", "delays", "method")

    def __init__(self, txn, now, delays, method):
        self.txn = txn
        self.now = now
        self.delays = delays
        self.method = method
