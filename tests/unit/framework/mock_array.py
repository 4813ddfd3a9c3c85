# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A mocked array for the modules' unit tests: the client's JSON-RPC calls answered from a table.

A test registers the calls it expects, in order, with the reply of each::

    array.expect(
        ("getProject", wire.not_found("Project pool-a/Local/p1")),
        ("listPools", wire.pools()),
        ("createProject", wire.SUCCESS, [{"poolName": "pool-a", "projectName": "p1"}]),
    )
    result = run_module(project.main, name="p1", pool="pool-a")

The real client runs: it builds the request (``POST https://<host>/zebi/api/v2/<method>`` with a
positional JSON body) and reads the reply; only the network is replaced, by a requests transport
adapter in place of every session's. A call that is not the next one expected (method, and
arguments when the entry gives them) is refused with an ErrorModel and recorded; the ``array``
fixture fails the test when a call was refused or an expected one never came. So a table that
lists only reads proves a run writes nothing.

Module arguments go through ``patch_module_args`` (ansible-core 2.19+; tests/unit/conftest.py
provides it on older cores).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import contextlib
import io
import json
import os

import pytest

from ansible.module_utils.common import warnings as _warnings
from ansible.module_utils.testing import patch_module_args

from ansible_collections.tegile.intelliflash.tests.unit.framework.wire import ErrorReply

try:
    import requests
    from requests.adapters import BaseAdapter
    from requests.structures import CaseInsensitiveDict
except ImportError:  # pragma: no cover - tests/unit/requirements.txt installs requests
    requests = None
    BaseAdapter = object

HOST = "192.0.2.50"
PASSWORD = "Mock-array.pw!7"
ENV_NAMES = ["INTELLIFLASH_" + name for name in ("HOST", "USERNAME", "PASSWORD", "VALIDATE_CERTS", "CA_PATH")]
READ_PREFIXES = ("get", "list", "is")

Call = collections.namedtuple("Call", "method args verify")


def is_write(method):
    """Reads are get*, list* and is*; every other v2 call changes the array."""
    return not method.startswith(READ_PREFIXES)


class MockArray(BaseAdapter):
    """The requests transport adapter that answers the client from the expected-calls table."""

    def __init__(self):
        super(MockArray, self).__init__()
        self.expected = collections.deque()
        self.calls = []
        self.problems = []

    # -- the table -----------------------------------------------------------------------
    def expect(self, *entries):
        """Append ``(method, reply)`` or ``(method, reply, args)`` entries (args: the JSON body
        as a list, or a callable that returns True for acceptable args)."""
        for entry in entries:
            if len(entry) not in (2, 3):
                raise ValueError("an entry is (method, reply) or (method, reply, args): %r" % (entry,))
            self.expected.append(tuple(entry) + (None,) * (3 - len(entry)))

    def methods(self):
        return [call.method for call in self.calls]

    def writes(self):
        return [call for call in self.calls if is_write(call.method)]

    def args_of(self, method):
        """The arguments of every call of ``method``, in order."""
        return [call.args for call in self.calls if call.method == method]

    def check(self):
        """The problems of the run: refused calls and expected calls that never came."""
        problems = list(self.problems)
        if self.expected:
            problems.append("expected but not called: %s" % ", ".join(entry[0] for entry in self.expected))
        return problems

    # -- requests adapter -----------------------------------------------------------------
    def send(self, request, **kwargs):  # pylint: disable=arguments-differ
        method = request.url.rsplit("/", 1)[-1]
        body = request.body.decode("utf-8") if isinstance(request.body, bytes) else request.body
        args = json.loads(body) if body else []
        self.calls.append(Call(method, args, kwargs.get("verify")))
        if not (request.headers.get("Authorization") or "").startswith("Basic "):
            return self._refuse(request, "%s was sent without HTTP Basic credentials" % method)
        if not self.expected:
            return self._refuse(request, "unexpected call %s%r (the table is used up)" % (method, args))
        want_method, reply, want_args = self.expected[0]
        if want_method != method:
            return self._refuse(request, "call %d is %s%r; expected %s" % (len(self.calls), method, args, want_method))
        if want_args is not None and not (want_args(args) if callable(want_args) else want_args == args):
            return self._refuse(request, "%s called with %r; expected %r" % (method, args, want_args))
        self.expected.popleft()
        if isinstance(reply, ErrorReply):
            return self._response(request, reply.status, reply.body())
        return self._response(request, 200, reply)

    def _refuse(self, request, problem):
        self.problems.append(problem)
        return self._response(request, 500, {"code": "EZEBI_GENERAL", "message": "mock array: " + problem})

    @staticmethod
    def _response(request, status, value):
        response = requests.Response()
        response.status_code = status
        response.request = request
        response.url = request.url
        response.encoding = "utf-8"
        response.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
        response._content = b"" if value is None else json.dumps(value).encode("utf-8")
        response._content_consumed = True
        response.raw = io.BytesIO(b"")
        return response

    def close(self):
        pass


@contextlib.contextmanager
def mocked_array():
    """Every requests session talks to one MockArray for the duration of the block."""
    array = MockArray()
    original = requests.Session.get_adapter
    requests.Session.get_adapter = lambda session, url: array
    try:
        yield array
    finally:
        requests.Session.get_adapter = original


def array_fixture():
    """A function-scoped ``array`` fixture that fails the test on a refused or missing call."""
    @pytest.fixture
    def array():
        with mocked_array() as mock:
            yield mock
        problems = mock.check()
        assert not problems, "mocked array: %s (calls: %s)" % ("; ".join(problems), ", ".join(mock.methods()))
    return array


def run_module(main, check_mode=False, diff=False, **args):
    """Run a module's ``main`` in-process against the mocked array; returns its result dict.

    Connection options point at the mocked array with verification on; None values are dropped.
    The password must not appear anywhere in the result.
    """
    params = dict(host=HOST, username="admin", password=PASSWORD)
    params.update(args)
    params = dict((key, value) for key, value in params.items() if value is not None)
    if check_mode:
        params["_ansible_check_mode"] = True
    if diff:
        params["_ansible_diff"] = True
    # In-process runs share ansible's warning list; a real module is a process of its own.
    _warnings._global_warnings.clear()  # pylint: disable=protected-access
    _warnings._global_deprecations.clear()  # pylint: disable=protected-access
    saved = dict((name, os.environ.pop(name)) for name in ENV_NAMES if name in os.environ)
    out = io.StringIO()
    try:
        with patch_module_args(params):
            with contextlib.redirect_stdout(out):
                with pytest.raises(SystemExit):
                    main()
    finally:
        os.environ.update(saved)
    text = out.getvalue()
    assert PASSWORD not in text
    return json.loads(text)


def warnings_of(result):
    """The warning texts of a result (core 2.19+ returns dicts with the text under event.msg)."""
    return [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]
