# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shared argument specs (_argspec): merging parts, the dataset options, wait_timeout."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tegile.intelliflash.plugins.module_utils._argspec import (
    ArgumentSpec,
    dataset_spec,
    positive_seconds,
    wait_timeout_spec,
)


def test_merge_adds_options_relations_and_checks():
    def check(params):
        return "a: wrong" if params.get("a") == "bad" else None

    spec = ArgumentSpec(dict(a=dict(type="str")), required_together=[("a", "b")], required_by={"a": "b"},
                        checks=[check])
    spec.merge(ArgumentSpec(dict(b=dict(type="str")), required_one_of=[("a", "b")],
                            required_if=[("b", "x", ("a",))], mutually_exclusive=[("a", "c")],
                            required_by={"b": "a"}))
    spec.merge(wait_timeout_spec())
    kwargs = spec.module_kwargs()
    assert sorted(kwargs["argument_spec"]) == ["a", "b", "wait_timeout"]
    assert kwargs["required_together"] == [("a", "b")]
    assert kwargs["required_one_of"] == [("a", "b")]
    assert kwargs["required_if"] == [("b", "x", ("a",))]
    assert kwargs["mutually_exclusive"] == [("a", "c")]
    assert kwargs["required_by"] == {"a": "b", "b": "a"}
    assert spec.check(dict(a="bad", wait_timeout=0)) == "a: wrong"
    assert spec.check(dict(a="ok", wait_timeout=0)) == "wait_timeout: must be a positive number of seconds, got 0"
    assert spec.check(dict(a="ok", wait_timeout=1)) is None


def test_relations_not_set_are_left_out():
    assert ArgumentSpec(dict(a=dict(type="str"))).module_kwargs() == dict(argument_spec=dict(a=dict(type="str")))


def test_an_option_defined_twice_is_a_programming_error():
    spec = dataset_spec()
    with pytest.raises(ValueError, match="option pool is defined twice"):
        spec.merge(dataset_spec())
    with pytest.raises(ValueError, match="option state is defined twice"):
        spec.update_argspec(state=dict(type="str"))
    with pytest.raises(ValueError, match="required_by of option a"):
        ArgumentSpec(required_by={"a": "b"}).merge(ArgumentSpec(required_by={"a": "c"}))


def test_parts_are_copies():
    """A module changing its merged spec changes no other module's."""
    first = dataset_spec()
    first.argument_spec["pool"]["required"] = False
    first.module_kwargs()["argument_spec"]["project"]["type"] = "int"
    assert dataset_spec().argument_spec["pool"]["required"] is True
    assert first.argument_spec["project"]["type"] == "str"


@pytest.mark.parametrize("kwargs, options", [
    (dict(), dict(pool=dict(type="str", required=True), project=dict(type="str", required=True),
                  state=dict(type="str", choices=["present", "absent"], default="present"))),
    (dict(project=False), dict(pool=dict(type="str", required=True),
                               state=dict(type="str", choices=["present", "absent"], default="present"))),
    (dict(share=True, states=("present", "absent", "rolled_back")),
     dict(pool=dict(type="str", required=True), project=dict(type="str", required=True), share=dict(type="str"),
          state=dict(type="str", choices=["present", "absent", "rolled_back"], default="present"))),
    (dict(share=True, states=()), dict(pool=dict(type="str", required=True), project=dict(type="str", required=True),
                                       share=dict(type="str"))),
])
def test_dataset_spec(kwargs, options):
    assert dataset_spec(**kwargs).argument_spec == options


@pytest.mark.parametrize("value, problem", [
    (None, None),
    (1, None),
    (0.5, None),
    (0, "timeout: must be a positive number of seconds, got 0"),
    (-3, "timeout: must be a positive number of seconds, got -3"),
    (float("nan"), "timeout: must be a positive number of seconds, got nan"),
    (float("inf"), "timeout: must be a positive number of seconds, got inf"),
])
def test_positive_seconds(value, problem):
    assert positive_seconds("timeout")(dict(timeout=value)) == problem


def test_wait_timeout_spec():
    spec = wait_timeout_spec()
    assert spec.argument_spec == dict(wait_timeout=dict(type="int", default=300))
    assert spec.check(dict(wait_timeout=-1)) == "wait_timeout: must be a positive number of seconds, got -1"


def test_options_used_with_some_states_only_are_reported_when_set_with_another():
    spec = ArgumentSpec(dict(size=dict(type="str"), recursive=dict(type="bool", default=False),
                             rules=dict(type="list")))
    spec.merge(dataset_spec())
    spec.used_with(("present",), "size", "rules").used_with(("absent",), "recursive")
    assert spec.ignored(dict(state="present", size="1G", rules=[], recursive=False)) == []
    # Set to its default, an option is not reported: the user may not have set it.
    assert spec.ignored(dict(state="absent", size=None, rules=None, recursive=False)) == []
    assert spec.ignored(dict(state="absent", size="1G", rules=[], recursive=True)) == ["rules", "size"]
    assert spec.ignored(dict(state="present", size=None, rules=None, recursive=True)) == ["recursive"]


def test_states_of_an_option_are_defined_once_and_for_a_defined_option():
    spec = ArgumentSpec(dict(size=dict(type="str")))
    with pytest.raises(ValueError, match="not defined"):
        spec.used_with(("present",), "sise")
    spec.used_with(("present",), "size")
    with pytest.raises(ValueError, match="defined twice"):
        spec.used_with(("absent",), "size")
    other = ArgumentSpec(dict(extra=dict(type="str")), state_options=dict(size=("absent",)))
    with pytest.raises(ValueError, match="defined twice"):
        spec.merge(other)
