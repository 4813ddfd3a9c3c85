# SPDX-License-Identifier: Apache-2.0
"""The Manila end-to-end tests are independent: none skips because another did not run or
failed, and none reads what another created (each makes its own through the ``made`` fixture)."""

import ast
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
E2E = os.path.join(ROOT, "tests", "manila_e2e", "test_manila_e2e.py")
# Session and module fixtures the tests may share: the stack, the client, the share type.
SHARED = {"manila", "e2e", "share_type"}
PER_TEST = {"made", "share_service"}


def e2e_tests():
    with open(E2E) as handle:
        tree = ast.parse(handle.read())
    return [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")]


def test_no_test_skips_for_another():
    with open(E2E) as handle:
        assert "pytest.skip(" not in handle.read()


def test_tests_take_only_shared_infrastructure_or_their_own_resources():
    functions = e2e_tests()
    assert len(functions) >= 10
    for function in functions:
        names = {arg.arg for arg in function.args.args}
        assert names <= SHARED | PER_TEST, (function.name, names - SHARED - PER_TEST)
