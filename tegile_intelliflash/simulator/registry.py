# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Method tables of the two RPC services (``/zebi/api/v2`` and ``/zebi/api/openstack``)."""

VOID = object()  # a handler result meaning "empty success body" (spec §4: void)


class Method:
    __slots__ = ("name", "func", "write")

    def __init__(self, name, func, write):
        self.name = name
        self.func = func
        self.write = write


class Registry:
    def __init__(self, service):
        self.service = service
        self.methods = {}

    def method(self, name, write=False):
        def decorate(func):
            if name in self.methods:
                raise ValueError("%s: method %s registered twice" % (self.service, name))
            self.methods[name] = Method(name, func, write)
            return func
        return decorate

    def get(self, name):
        return self.methods.get(name)


V2 = Registry("v2")
OPENSTACK = Registry("openstack")


class Context:
    """What a handler sees: the transaction, the current time and the delay settings."""

    __slots__ = ("txn", "now", "delays", "method")

    def __init__(self, txn, now, delays, method):
        self.txn = txn
        self.now = now
        self.delays = delays
        self.method = method
