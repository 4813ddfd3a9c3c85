# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Argument specs the modules share, as parts a module merges (private).

An ``ArgumentSpec`` carries options together with their relations (``required_together``, ...)
and the checks of their values that Ansible's types cannot express (a positive number of
seconds). A module merges the parts it needs and builds itself with
``IntelliFlashModule.from_spec(spec, ...)``, which runs the checks right after Ansible's own
validation, before any call. The dataset options (``pool``, ``project``, ``share``, ``state``)
and ``wait_timeout`` are defined once here, so they are the same option, with the same check,
in every module that has them. (The layout follows community.crypto's ``_argspec.py``.)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

RELATIONS = ("mutually_exclusive", "required_together", "required_one_of", "required_if", "required_by")
DEFAULT_WAIT_TIMEOUT = 300


class ArgumentSpec:
    """Options, their relations and value checks; ``merge`` adds another spec's."""

    def __init__(self, argument_spec=None, mutually_exclusive=None, required_together=None,
                 required_one_of=None, required_if=None, required_by=None, checks=None,
                 state_options=None):
        self.argument_spec = copy.deepcopy(argument_spec or {})
        self.mutually_exclusive = list(mutually_exclusive or [])
        self.required_together = list(required_together or [])
        self.required_one_of = list(required_one_of or [])
        self.required_if = list(required_if or [])
        self.required_by = dict(required_by or {})
        # callables params -> error text naming the option, or None
        self.checks = list(checks or [])
        # option -> the states it is used with; given with another state it is ignored, and
        # the module says so (a warning) rather than leave the user to think it did something
        self.state_options = dict(state_options or {})

    def update_argspec(self, **options):
        """Add options; an option defined twice is an error (two parts would disagree on it)."""
        for name, definition in options.items():
            if name in self.argument_spec:
                raise ValueError("option %s is defined twice" % name)
            self.argument_spec[name] = copy.deepcopy(definition)
        return self

    def merge(self, other):
        """Add ``other``'s options, relations and checks; returns self."""
        self.update_argspec(**other.argument_spec)
        for relation in RELATIONS[:-1]:
            getattr(self, relation).extend(getattr(other, relation))
        for name, required in other.required_by.items():
            if name in self.required_by:
                raise ValueError("required_by of option %s is defined twice" % name)
            self.required_by[name] = required
        self.checks.extend(other.checks)
        for name, states in other.state_options.items():
            self._set_states(name, states)
        return self

    def used_with(self, states, *names):
        """Options ``names`` are used with ``states`` only (see ``ignored``); returns self."""
        for name in names:
            if name not in self.argument_spec:
                raise ValueError("option %s is not defined" % name)
            self._set_states(name, states)
        return self

    def _set_states(self, name, states):
        if name in self.state_options:
            raise ValueError("the states of option %s are defined twice" % name)
        self.state_options[name] = tuple(states)

    def ignored(self, params):
        """The options ``params`` sets (not to their default) that its ``state`` does not use."""
        state = params.get("state")
        names = []
        for name in sorted(self.state_options):
            value = params.get(name)
            if state in self.state_options[name] or value is None \
                    or value == self.argument_spec[name].get("default"):
                continue
            names.append(name)
        return names

    def module_kwargs(self):
        """The ``AnsibleModule`` keyword arguments of the spec (relations only when set)."""
        kwargs = dict(argument_spec=copy.deepcopy(self.argument_spec))
        for relation in RELATIONS:
            value = getattr(self, relation)
            if value:
                kwargs[relation] = copy.deepcopy(value)
        return kwargs

    def check(self, params):
        """The first problem the checks find in ``params`` (text naming the option), or None."""
        for check in self.checks:
            problem = check(params)
            if problem:
                return problem
        return None


def positive_seconds(option):
    """A check: ``option``, when set, is a positive (finite) number of seconds."""
    def check(params):
        value = params.get(option)
        if value is not None and not 0 < value < float("inf"):  # NaN compares false
            return "%s: must be a positive number of seconds, got %s" % (option, value)
        return None
    return check


def dataset_spec(project=True, share=False, states=("present", "absent")):
    """The options that say which dataset a module works on, and ``state``.

    ``pool`` always (required); ``project`` (required) unless the module's ``name`` is the
    project; ``share`` (optional: the share, or the project itself when omitted) for modules
    that work on either; ``state`` with ``states`` as choices, the first the default, unless
    ``states`` is empty.
    """
    options = dict(pool=dict(type="str", required=True))
    if project:
        options["project"] = dict(type="str", required=True)
    if share:
        options["share"] = dict(type="str")
    if states:
        options["state"] = dict(type="str", choices=list(states), default=states[0])
    return ArgumentSpec(options)


def wait_timeout_spec():
    """``wait_timeout``: how long a module waits for the array to finish (a positive number of seconds)."""
    return ArgumentSpec(dict(wait_timeout=dict(type="int", default=DEFAULT_WAIT_TIMEOUT)),
                        checks=[positive_seconds("wait_timeout")])
