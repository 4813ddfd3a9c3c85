# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A module that names its client's call groups (``CALLS``, common.client_class) names every group
it calls: each client method the module, the ``_array`` functions it uses and the groups themselves
call is one its client has (a method left out would fail only on the path that calls it)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import importlib
import inspect
import os

import pytest

from ansible_collections.tegile.intelliflash.plugins.module_utils import _array, common
from ansible_collections.tegile.intelliflash.plugins.module_utils.client import limits

PREFIX = "ansible_collections.tegile.intelliflash.plugins."
MODULES = ("project", "quota", "share_access", "snapshot")
# Set by ClientBase.__init__ on the instance, not methods.
INSTANCE = {"_transport", "log"}


def _tree(module):
    with open(inspect.getsourcefile(module)) as handle:
        return ast.parse(handle.read())


def _client_calls(node):
    """Attribute names used on a name ``client`` or on ``<x>.client`` within ``node``."""
    found = set()
    for item in ast.walk(node):
        if isinstance(item, ast.Attribute):
            owner = item.value
            if (isinstance(owner, ast.Name) and owner.id == "client") or \
                    (isinstance(owner, ast.Attribute) and owner.attr == "client"):
                found.add(item.attr)
    return found


def _array_functions():
    return dict((node.name, node) for node in _tree(_array).body if isinstance(node, ast.FunctionDef))


def _used_from_array(tree):
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == PREFIX + "module_utils._array":
            for alias in node.names:
                yield alias.name


def module_calls(name):
    """Client attributes module ``name`` uses, directly and through ``_array`` (and ``limits``)."""
    tree = _tree(importlib.import_module(PREFIX + "modules." + name))
    functions = _array_functions()
    calls = _client_calls(tree)
    todo, seen = list(_used_from_array(tree)), set()
    while todo:
        function = todo.pop()
        if function in seen or function not in functions:
            continue
        seen.add(function)
        node = functions[function]
        calls |= _client_calls(node)
        for item in ast.walk(node):
            if isinstance(item, ast.Call) and isinstance(item.func, ast.Name):
                todo.append(item.func.id)
            if isinstance(item, ast.Attribute) and isinstance(item.value, ast.Name) and item.value.id == "limits":
                limit_functions = dict((n.name, n) for n in _tree(limits).body if isinstance(n, ast.FunctionDef))
                calls |= _client_calls(limit_functions[item.attr])
    return calls


def group_calls(groups):
    """``self.<name>`` attributes the call groups use."""
    found = set()
    for group in groups:
        tree = _tree(importlib.import_module(group.__module__))
        found |= set(item.attr for item in ast.walk(tree) if isinstance(item, ast.Attribute)
                     and isinstance(item.value, ast.Name) and item.value.id == "self")
    return found


@pytest.mark.parametrize("name", MODULES)
def test_the_client_of_a_module_has_every_call_it_makes(name):
    module = importlib.import_module(PREFIX + "modules." + name)
    client = common.client_class(module.CALLS)
    calls = module_calls(name)
    assert {"find_project", "list_pools"} <= calls  # the walk finds calls made through _array
    missing = sorted(call for call in (calls | group_calls(module.CALLS)) - INSTANCE if not hasattr(client, call))
    assert missing == []


def test_without_groups_the_client_is_the_whole_client():
    from ansible_collections.tegile.intelliflash.plugins.module_utils.client.api import IntelliFlashClient
    assert common.client_class() is IntelliFlashClient


def test_the_modules_that_name_their_groups_are_checked_here():
    modules = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(common.__file__))), "modules")
    naming = sorted(name[:-3] for name in os.listdir(modules)
                    if name.endswith(".py") and "calls=CALLS" in open(os.path.join(modules, name)).read())
    assert naming == sorted(MODULES)
