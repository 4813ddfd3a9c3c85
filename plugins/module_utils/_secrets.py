# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Secrets masked from a module's very first output, whatever the shape of its input.

ansible-core learns the values to mask (``no_log``) while it validates the
arguments, and it learns none of them when it cannot walk a malformed
sub-option list (a string, a list or null where a dict is expected): the
whole set is dropped and the failure result echoes ``invocation.module_args``
with the password in clear.  Secrets that only a module knows about (such as
the values of ``manila_config``'s ``secret_options``) were registered after
validation, so a validation error returned them too.

``SecretSafeModule`` reads the raw arguments first, collects every value an
argument spec marks ``no_log`` (searching nested dicts and lists of any
shape) plus what the module's own ``extra_secrets`` hook finds, and keeps
those values in ``no_log_values`` from the moment ``AnsibleModule`` creates
the set: before validation, before the syslog line of the invocation, before
any result.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections.abc import Mapping

from ansible.module_utils import basic
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.validation import check_type_dict


def as_mapping(value):
    """``value`` as a dict the way ansible-core reads a dict option (JSON or k=v text), or None."""
    if isinstance(value, Mapping):
        return value
    if isinstance(value, str):
        try:
            return check_type_dict(value)
        except (TypeError, ValueError):
            return None
    return None


def as_elements(value):
    """The dicts of a dict or list-of-dicts option given in any shape (other elements skipped)."""
    items = value if isinstance(value, (list, tuple)) else [value]
    return [mapping for mapping in (as_mapping(item) for item in items) if mapping is not None]


def leaves(value):
    """Every non-empty scalar in ``value`` as text (the forms it may take in an output)."""
    found = set()
    if value is None or isinstance(value, bool):
        return found
    if isinstance(value, Mapping):
        for item in value.values():
            found.update(leaves(item))
        return found
    if isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            found.update(leaves(item))
        return found
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value)
    if text:
        found.add(text)
    return found


def spec_secrets(argument_spec, params):
    """Values of the ``no_log`` options of ``argument_spec`` in raw ``params``, sub-options included.

    Aliases count; an option given in a shape ansible-core would refuse is still searched.
    """
    found = set()
    params = as_mapping(params)
    if params is None:
        return found
    for name, opts in argument_spec.items():
        opts = opts or {}
        for key in [name] + list(opts.get("aliases") or []):
            if key not in params:
                continue
            if opts.get("no_log"):
                found.update(leaves(params[key]))
            if opts.get("options"):
                for element in as_elements(params[key]):
                    found.update(spec_secrets(opts["options"], element))
    return found


def raw_module_args():
    """The module's arguments as ansible-core received them, before any validation."""
    # The same call AnsibleModule makes first; it parses the cached input again, so the
    # dict returned here is not the one AnsibleModule will mutate.
    return basic._load_params()  # pylint: disable=protected-access


class SecretSafeModule(AnsibleModule):
    """``AnsibleModule`` whose ``no_log_values`` hold the input's secrets from the start.

    ``extra_secrets(raw_args)`` returns further values to mask that the argument spec cannot
    express; it must accept arguments of any shape.
    """

    def __init__(self, argument_spec, extra_secrets=None, **kwargs):
        raw = raw_module_args()
        early = spec_secrets(argument_spec, raw)
        if extra_secrets is not None:
            early.update(text for text in extra_secrets(raw) if text)
        self._early_secrets = frozenset(early)
        super(SecretSafeModule, self).__init__(argument_spec=argument_spec, **kwargs)

    # AnsibleModule.__init__ starts with ``self.no_log_values = set()`` and may fail (printing
    # the invocation) before it has added anything: the setter seeds every new set.
    @property
    def no_log_values(self):
        return self.__dict__["_no_log_values"]

    @no_log_values.setter
    def no_log_values(self, values):
        values = set(values)
        values.update(self.__dict__.get("_early_secrets", ()))
        self.__dict__["_no_log_values"] = values
