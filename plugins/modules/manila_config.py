#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: manila_config
short_description: Manage share backend sections of an OpenStack Manila configuration file
version_added: 1.0.0
description:
  - Adds, updates and removes share backend sections in C(manila.conf) and keeps the C([DEFAULT]) options
    C(enabled_share_backends) and C(enabled_share_protocols) in step with them.
  - The lists in C([DEFAULT]) are B(merged). A backend with O(backends[].state=present) is added to
    C(enabled_share_backends) when missing; one with O(backends[].state=absent) is removed from it and its section is
    deleted. Backends of other drivers listed there are never touched. Protocols in O(protocols) are added to
    C(enabled_share_protocols) when missing and never removed (other backends may need them); when the option is not
    set, Manila's default C(NFS,CIFS) is taken as its current value.
  - Every line the module does not change is kept byte for byte, comments, order, spacing and line endings included.
    Within a backend section only the options given in O(backends[].options) are touched.
  - The file is read the way C(oslo.config) reads it (same comment, continuation and quoting rules).
  - With O(validate), the new content is written to a temporary file beside the target, checked with the command, and
    only then moved over the target in one rename, so a configuration that fails the check never replaces the live one.
  - This module manages a local file of the managed host; it does not talk to an IntelliFlash array and is not part of
    the C(tegile.intelliflash.intelliflash) action group.
author:
  - tegile.intelliflash developers (!UNKNOWN)
options:
  path:
    description: The Manila configuration file.
    type: path
    required: true
  backends:
    description: Share backends (sections) to manage.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - Section name, which is also the name listed in C(enabled_share_backends).
          - Letters, digits, C(_), C(.) and C(-), starting with a letter, digit or C(_). C(DEFAULT) is refused.
        type: str
        required: true
      state:
        description:
          - V(present) writes the section and lists the backend; V(absent) deletes the section and unlists it.
        type: str
        choices: [present, absent]
        default: present
      options:
        description:
          - Options of the section, name to value. Booleans are written C(True)/C(False), lists comma-separated.
          - A V(null) value removes the option from the section. Options of the section that are not named here are
            left alone.
          - Values of options listed in O(secret_options) are never returned or shown in a diff, and a C($) in them is
            doubled so that C(oslo.config) does not interpolate it.
        type: dict
        default: {}
  protocols:
    description:
      - Share protocols that must be listed in C(enabled_share_protocols) (for example V(NFS), V(CIFS)). Case is
        ignored; the names are written in upper case.
    type: list
    elements: str
    default: []
  keep_backends:
    description:
      - Backends of other tools that must stay listed in C(enabled_share_backends); added when missing, never
        removed.
      - Meant for an override file that another tool merges over its own file, such as kolla-ansible's
        C(/etc/kolla/config/manila/manila-share.conf). The override's list replaces the tool's, so it must name the
        tool's own backends too.
    type: list
    elements: str
    default: []
    version_added: 1.1.0
  protocols_default:
    description:
      - What C(enabled_share_protocols) is taken to be when the file does not set it. Manila's default C(NFS,CIFS)
        for a whole C(manila.conf); V([]) for an override file, where an unset option means the other tool's value.
    type: list
    elements: str
    default: [NFS, CIFS]
    version_added: 1.1.0
  owned_drivers:
    description:
      - Share driver classes whose sections this module may take over, change or remove.
      - When set, a backend whose section already exists (C(oslo.config) compares section names other than
        C(DEFAULT) case-insensitively) is refused, and nothing is written, unless that section is empty or its
        C(share_driver) is one of these. So a backend name that happens to be another vendor's backend or one of
        Manila's own sections (C(database), C(keystone_authtoken), ...) never overwrites or deletes it.
      - Empty (the default) disables the check.
    type: list
    elements: str
    default: []
  literal_options:
    description:
      - Option names whose values are written literally. A C($) in them is doubled so that C(oslo.config) does not
        interpolate it (an account such as C(svc$) stays C(svc$)). Values of O(secret_options) are always literal.
      - Options not listed keep C($) as written, so C($state_path/...) style interpolation still works in them.
    type: list
    elements: str
    default: []
  secret_options:
    description:
      - Option names whose values are secret. In a diff their values are replaced with C(********), as are the values
        of any option whose name suggests a credential (C(*password*), C(*secret*), C(*token*), C(transport_url),
        C(*connection), C(backend_url), ...) or that Manila's own configuration declares secret (such as
        C(hdfs_ssh_pw) or C(hmac_keys)), in every section.
      - Their values in O(backends[].options) are masked in every output from the start, also when the task fails
        on invalid arguments. Values of V(tegile_nas_password) are always masked.
    type: list
    elements: str
    default: [tegile_nas_password]
  validate:
    description:
      - Command that checks the new content before it replaces O(path). C(%s) in the command is replaced with the
        path of a temporary file holding the new content; the command must exit 0.
      - The command runs without a shell. It also runs in check mode (on a temporary copy) when the content would
        change.
    type: str
  create:
    description: Create O(path) when it does not exist. With V(false) a missing file is an error.
    type: bool
    default: true
  backup:
    description: Keep a time-stamped copy of the previous file when the content changes.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.files
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying the target.
    support: full
    details:
      - In check mode the file is not written. O(validate) still runs, on a temporary file.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details:
      - The diff never shows a password or other credential; a changed secret is shown as C(******** (changed)).
  idempotent:
    description: When run twice in a row with the same arguments, the second run reports no change.
    support: full
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
notes:
  - The module does not restart Manila. Notify a handler from the task, as the collection's role
    C(tegile.intelliflash.manila_backend) does (it also installs the driver and validates the file with this
    module's O(validate)).
  - Several tasks writing the same file at once (forks, for example several hosts delegating to one Manila host)
    take turns, through a lock file per path in C(/tmp/tegile-intelliflash-locks) (or the directory in the
    E(INTELLIFLASH_LOCK_DIR) environment variable) held from the read of the file to its replacement, so that no
    task writes over the backends another has just added. Check mode takes no lock.
"""

EXAMPLES = r"""
- name: Add an IntelliFlash backend to manila.conf
  tegile.intelliflash.manila_config:
    path: /etc/manila/manila.conf
    owner: root
    group: manila
    mode: "0640"
    protocols: [NFS, CIFS]
    backends:
      - name: tegile1
        options:
          share_backend_name: tegile1
          share_driver: tegile_intelliflash.manila_driver.TegileShareDriver
          driver_handles_share_servers: false
          tegile_nas_server: array1.example.com
          tegile_nas_login: openstack
          tegile_nas_password: "{{ vault_tegile1_password }}"
          tegile_default_project: null   # removes the option
    validate: /usr/bin/python3 /usr/local/libexec/validate-manila-conf.py --input-file %s
  no_log: true
  notify: Restart manila-share

- name: Remove a backend (section and list entry)
  tegile.intelliflash.manila_config:
    path: /etc/manila/manila.conf
    backends:
      - name: tegile_old
        state: absent
"""

RETURN = r"""
path:
  description: The configuration file.
  returned: always
  type: str
  sample: /etc/manila/manila.conf
enabled_share_backends:
  description: C(enabled_share_backends) after the run (the names in file order).
  returned: always
  type: list
  elements: str
  sample: [generic1, tegile1]
enabled_share_protocols:
  description: C(enabled_share_protocols) after the run; V(null) when the file does not set it (Manila's default).
  returned: always
  type: list
  elements: str
  sample: [NFS, CIFS]
backends:
  description: What happened to each backend given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The backend.
      type: str
    state:
      description: The requested state.
      type: str
    changed:
      description: Whether its section or list entry changed.
      type: bool
    changed_options:
      description: Names (never values) of the options written or removed in its section.
      type: list
      elements: str
  sample: [{"name": "tegile1", "state": "present", "changed": true, "changed_options": ["tegile_nas_server"]}]
content_changed:
  description:
    - Whether the content of the file changed (or would change in check mode). V(false) when only owner, group,
      mode or other attributes were corrected, which a running Manila does not need a restart for.
  returned: always
  type: bool
  sample: true
backup_file:
  description: The copy of the previous file, when O(backup=true) and the content changed.
  returned: changed and O(backup=true)
  type: str
  sample: /etc/manila/manila.conf.12345.2026-11-25@12:00:00~
"""

import contextlib
import os
import re
import shlex
import tempfile

from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text

from ansible_collections.tegile.intelliflash.plugins.module_utils._ini import (
    IniDocument,
    IniError,
    KEY_RE,
    SECTION_RE,
    encode_value,
    split_list,
    values_equal,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils._locks import LockError, dataset_lock
from ansible_collections.tegile.intelliflash.plugins.module_utils._secrets import (
    SecretSafeModule,
    as_elements,
    as_mapping,
    leaves,
)

# Manila's default for enabled_share_protocols (manila/share/api.py, manila/common/config.py).
MANILA_DEFAULT_PROTOCOLS = ["NFS", "CIFS"]
PROTOCOL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
DEFAULT_SECRET_OPTIONS = ["tegile_nas_password"]


# Seconds a task waits for another task writing the same file on this host.
LOCK_TIMEOUT = 300


def secret_option_values(raw):
    """Values of secret options in raw (unvalidated, any shape) arguments, to mask before validation.

    The default secret option names always count, so a malformed ``secret_options`` cannot unmask them.
    """
    keys = set(DEFAULT_SECRET_OPTIONS)
    names = as_mapping(raw) or {}
    given = names.get("secret_options")
    if isinstance(given, str):
        keys.update(part.strip() for part in given.split(","))
    elif isinstance(given, (list, tuple)):
        keys.update(str(part) for part in given if part is not None)
    found = set()
    for backend in as_elements(names.get("backends")):
        options = as_mapping(backend.get("options")) or {}
        for key, value in options.items():
            if str(key) in keys:
                found.update(leaves(value))
    return found


def _check_input(module):
    """Every input error, naming the field, before the file is read or written."""
    params = module.params
    names = set()
    for idx, backend in enumerate(params["backends"]):
        field = "backends[%d]" % idx
        name = backend["name"]
        if not name or not SECTION_RE.fullmatch(name) or name == "DEFAULT":
            module.fail_json(
                msg="%s.name: %r is not a valid backend name (letters, digits, '_', '.', '-'; not DEFAULT)" % (field, name))
        # oslo.config reads [Tegile1] and [tegile1] as one group.
        if name.lower() in names:
            module.fail_json(msg="%s.name: backend %r is given twice (section names are case-insensitive)" % (field, name))
        names.add(name.lower())
        options = backend.get("options") or {}
        if backend["state"] == "absent" and options:
            module.fail_json(msg="%s.options: not allowed with state=absent (the whole section %r is removed)" % (field, name))
        for key, value in options.items():
            if not isinstance(key, str) or not KEY_RE.fullmatch(key):
                module.fail_json(msg="%s.options: %r is not a valid option name" % (field, key))
            if isinstance(value, dict):
                module.fail_json(msg="%s.options.%s: a mapping cannot be written to manila.conf" % (field, key))
            if value is not None:
                try:
                    encode_value(value, escape_dollar=key in params["secret_options"] or key in params["literal_options"],
                                 field="%s.options.%s" % (field, key))
                except IniError as exc:
                    module.fail_json(msg=to_native(exc))
    for field in ("protocols", "protocols_default"):
        for idx, proto in enumerate(params[field]):
            if not PROTOCOL_RE.fullmatch(proto or ""):
                module.fail_json(msg="%s[%d]: %r is not a share protocol name" % (field, idx, proto))
    for idx, name in enumerate(params["keep_backends"]):
        if not name or not SECTION_RE.fullmatch(name) or name == "DEFAULT":
            module.fail_json(msg="keep_backends[%d]: %r is not a valid backend name" % (idx, name))
        if name.lower() in names:
            module.fail_json(msg="keep_backends[%d]: %r is also in backends" % (idx, name))
    validate = params["validate"]
    if validate is not None and "%s" not in validate:
        module.fail_json(msg="validate: the command must contain %s (the path of the file to check)")


def _foreign_sections(doc, params):
    """Problems with backends whose section belongs to something else (see owned_drivers)."""
    owned = set(params["owned_drivers"])
    problems = []
    if not owned:
        return problems
    for idx, backend in enumerate(params["backends"]):
        name = backend["name"]
        field = "backends[%d].name" % idx
        for section in doc.sections_like(name):
            driver = doc.get(section, "share_driver")
            if not doc.items(section):
                foreign = None
            elif driver is None:
                foreign = "exists and is not a share backend of this driver (it has no share_driver)"
            elif driver.strip() not in owned:
                foreign = "belongs to another share driver (share_driver = %s)" % driver.strip()
            else:
                foreign = None
            if foreign:
                problems.append("%s: section [%s] %s; choose another backend name" % (field, section, foreign))
            elif section != name:
                problems.append(
                    "%s: section [%s] already exists and oslo.config reads it as the same group as [%s] "
                    "(section names are case-insensitive); name the backend %r" % (field, section, name, section))
    return problems


def _apply(doc, params):
    """Edit ``doc`` in place. Returns (changed, per-backend results, changed secrets)."""
    secret_keys = set(params["secret_options"])
    results = []
    changed_secrets = set()
    any_change = False

    current = split_list(doc.get("DEFAULT", "enabled_share_backends"))
    wanted_list = list(current)

    for name in params["keep_backends"]:
        if name not in wanted_list:
            wanted_list.append(name)

    for backend in params["backends"]:
        name = backend["name"]
        result = {"name": name, "state": backend["state"], "changed": False, "changed_options": []}
        if backend["state"] == "absent":
            if name in wanted_list:
                wanted_list = [item for item in wanted_list if item != name]
                result["changed"] = True
            if doc.remove_section(name):
                result["changed"] = True
        else:
            if name not in wanted_list:
                wanted_list.append(name)
                result["changed"] = True
            if not doc.has_section(name):
                doc.add_section(name)
                result["changed"] = True
            for key in (backend["options"] or {}):
                value = backend["options"][key]
                secret = key in secret_keys
                if value is None:
                    if doc.remove(name, key):
                        result["changed_options"].append(key)
                    continue
                literal = secret or key in params["literal_options"]
                text = encode_value(value, escape_dollar=literal, field="%s.%s" % (name, key))
                if values_equal(doc.get(name, key), text, boolean=isinstance(value, bool)):
                    continue
                doc.set(name, key, text)
                result["changed_options"].append(key)
                if secret:
                    changed_secrets.add((name, key))
            if result["changed_options"]:
                result["changed"] = True
        any_change = any_change or result["changed"]
        results.append(result)

    if wanted_list != current:
        if wanted_list:
            doc.set("DEFAULT", "enabled_share_backends", ",".join(wanted_list))
        else:
            doc.remove("DEFAULT", "enabled_share_backends")
        any_change = True

    raw_protocols = doc.get("DEFAULT", "enabled_share_protocols")
    effective = split_list(raw_protocols) if raw_protocols is not None else [p.upper() for p in params["protocols_default"]]
    upper = [p.upper() for p in effective]
    missing = []
    for proto in params["protocols"]:
        if proto.upper() not in upper and proto.upper() not in missing:
            missing.append(proto.upper())
    if missing:
        doc.set("DEFAULT", "enabled_share_protocols", ",".join(effective + missing))
        any_change = True
    return any_change, results, changed_secrets


def _run_validate(module, command, path):
    cmd = command.replace("%s", shlex.quote(path))
    rc, out, err = module.run_command(cmd)
    if rc != 0:
        live = module.params["path"]
        # Name the file the user knows, not the temporary candidate.
        out, err = out.replace(path, live + " (new content)"), err.replace(path, live + " (new content)")
        module.fail_json(
            msg="validate: the new configuration was rejected (rc=%d); %s was not changed. %s"
                % (rc, live, (err or out).strip()),
            rc=rc, stdout=out, stderr=err, validate_command=command)


def main():
    module = SecretSafeModule(
        extra_secrets=secret_option_values,
        argument_spec=dict(
            path=dict(type="path", required=True),
            backends=dict(
                type="list", elements="dict", default=[],
                options=dict(
                    name=dict(type="str", required=True),
                    state=dict(type="str", choices=["present", "absent"], default="present"),
                    options=dict(type="dict", default={}),
                ),
            ),
            protocols=dict(type="list", elements="str", default=[]),
            protocols_default=dict(type="list", elements="str", default=list(MANILA_DEFAULT_PROTOCOLS)),
            keep_backends=dict(type="list", elements="str", default=[]),
            secret_options=dict(type="list", elements="str", default=list(DEFAULT_SECRET_OPTIONS), no_log=False),
            literal_options=dict(type="list", elements="str", default=[]),
            owned_drivers=dict(type="list", elements="str", default=[]),
            validate=dict(type="str"),
            create=dict(type="bool", default=True),
            backup=dict(type="bool", default=False),
        ),
        add_file_common_args=True,
        supports_check_mode=True,
    )
    params = module.params
    _check_input(module)
    with _serialized(module, params["path"]):
        result, diffs, changed = _update(module, params)

    file_args = module.load_file_common_arguments(params)
    path = params["path"]
    if os.path.exists(path):
        # In check mode this only reports (the file is not there yet when it would be created).
        attr_diff = {}
        changed = module.set_fs_attributes_if_different(file_args, changed, diff=attr_diff)
        if attr_diff.get("before") or attr_diff.get("after"):
            attr_diff.setdefault("before_header", path)
            attr_diff.setdefault("after_header", path)
            diffs.append(attr_diff)

    result["changed"] = changed
    if module._diff:
        result["diff"] = diffs
    module.exit_json(**result)


@contextlib.contextmanager
def _serialized(module, path):
    """One task at a time reads, changes and replaces the file at ``path`` on this host: without it
    two tasks that each add a backend both read the file without the other's, and the second
    rename drops the first one's section. Check mode writes nothing and takes no lock."""
    if module.check_mode:
        yield
        return
    lock = dataset_lock("manila_config", os.path.realpath(path), LOCK_TIMEOUT)
    try:
        lock.__enter__()
    except LockError as exc:
        module.fail_json(msg="path: cannot serialize the writes to %s: %s" % (path, to_native(exc)))
    try:
        yield
    finally:
        lock.__exit__(None, None, None)


def _update(module, params):
    """Read the file, apply the task, write it back when it changed; (result, diffs, content changed)."""
    secret_keys = set(params["secret_options"])
    path = params["path"]
    exists = os.path.exists(path)
    if exists and not os.path.isfile(path):
        module.fail_json(msg="path: %s is not a regular file" % path)
    if not exists:
        if not params["create"]:
            module.fail_json(msg="path: %s does not exist (set create=true to create it)" % path)
        parent = os.path.dirname(os.path.abspath(path)) or "."
        if not os.path.isdir(parent):
            module.fail_json(msg="path: directory %s does not exist" % parent)
        before_text = ""
    else:
        try:
            with open(path, "rb") as handle:
                before_text = to_text(handle.read(), errors="surrogate_or_strict")
        except (IOError, OSError, UnicodeError) as exc:
            module.fail_json(msg="path: cannot read %s: %s" % (path, to_native(exc)))

    try:
        doc = IniDocument(before_text)
        before_redacted = doc.redacted_text(secret_keys)
    except IniError as exc:
        module.fail_json(msg="path: %s cannot be parsed as oslo.config reads it: %s" % (path, to_native(exc)))
    problems = _foreign_sections(doc, params)
    if problems:
        module.fail_json(msg="%s; %s was not changed" % ("; ".join(problems), path))
    try:
        changed, results, changed_secrets = _apply(doc, params)
    except IniError as exc:
        module.fail_json(msg="path: %s cannot be written: %s" % (path, to_native(exc)))

    after_text = doc.text()
    changed = changed and after_text != before_text or (not exists)
    result = dict(
        changed=False,
        content_changed=changed,
        path=path,
        backends=results,
        enabled_share_backends=split_list(doc.get("DEFAULT", "enabled_share_backends")),
        enabled_share_protocols=(split_list(doc.get("DEFAULT", "enabled_share_protocols"))
                                 if doc.get("DEFAULT", "enabled_share_protocols") is not None else None),
    )
    diffs = []
    if changed:
        diffs.append(dict(
            before_header="%s (before)" % path if exists else "/dev/null",
            after_header="%s (after)" % path,
            before=before_redacted if exists else "",
            after=doc.redacted_text(secret_keys, changed_secrets),
        ))

    if changed:
        if module.check_mode:
            if params["validate"]:
                fd, tmp = tempfile.mkstemp(prefix="manila.conf.", dir=module.tmpdir)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(to_bytes(after_text))
                _run_validate(module, params["validate"], tmp)
        else:
            directory = os.path.dirname(os.path.abspath(path))
            fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=directory)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(to_bytes(after_text))
                if params["validate"]:
                    _run_validate(module, params["validate"], tmp)
                if params["backup"] and exists:
                    result["backup_file"] = module.backup_local(path)
                old_umask = os.umask(0o077)
                try:
                    module.atomic_move(tmp, path, unsafe_writes=params["unsafe_writes"])
                finally:
                    os.umask(old_umask)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
    return result, diffs, changed


if __name__ == "__main__":
    main()
