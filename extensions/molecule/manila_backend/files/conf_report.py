# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Report on a manila.conf for the molecule verifier (run with Manila's Python).

    conf_report.py CONF ORIGINAL OWNED_SECTION[,OWNED_SECTION...]

Prints JSON:
  values      {section: {key: value}} as oslo.config reads them (the last assignment wins)
  foreign     list of problems: a section of ORIGINAL that is not owned by the role and whose
              text (header, comments, keys, spacing) differs in CONF, or changed order; in
              [DEFAULT] only the enabled_share_backends / enabled_share_protocols lines may differ.
  sections    the section names of CONF in file order
  password_ok {section: bool} for each owned section: does oslo.config read back
              tegile_nas_password equal to $MOLECULE_EXPECTED_PASSWORD (never printed)

Independent of the collection's own INI code on purpose: it splits the text at section headers.
"""

import json
import os
import sys

from oslo_config import cfg

OWNED_DEFAULT_KEYS = ("enabled_share_backends", "enabled_share_protocols")


def blocks(text):
    """[(section or None, [lines])] split at lines starting with '['."""
    out = [(None, [])]
    for line in text.splitlines(True):
        if line.startswith("[") and line.rstrip().endswith("]"):
            out.append((line.rstrip()[1:-1], [line]))
        else:
            out[-1][1].append(line)
    return out


def strip_default(lines):
    kept = []
    for line in lines:
        key = line.split("=", 1)[0].split(":", 1)[0].strip()
        if key in OWNED_DEFAULT_KEYS and not line.startswith((" ", "\t", "#", ";")):
            continue
        kept.append(line)
    return kept


def trailing_blank_stripped(lines):
    lines = list(lines)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def main():
    conf, original, owned = sys.argv[1], sys.argv[2], set(sys.argv[3].split(","))
    sections = {}
    cfg.ConfigParser(conf, sections).parse()
    values = {s: {k: v[-1] for k, v in opts.items()} for s, opts in sections.items()}

    with open(original, "rb") as handle:
        before = blocks(handle.read().decode("utf-8"))
    with open(conf, "rb") as handle:
        after = blocks(handle.read().decode("utf-8"))
    problems = []
    before_foreign = [(n, b) for n, b in before if n not in owned]
    after_foreign = [(n, b) for n, b in after if n not in owned]
    before_names = [pair[0] for pair in before_foreign]
    after_names = [pair[0] for pair in after_foreign]
    if before_names != after_names:
        problems.append("foreign sections changed order or disappeared: %s -> %s" % (before_names, after_names))
    else:
        for (name, old), new in zip(before_foreign, [pair[1] for pair in after_foreign]):
            if name == "DEFAULT":
                old, new = strip_default(old), strip_default(new)
            # A section the role appended after the last one is separated by one blank line.
            if trailing_blank_stripped(old) != trailing_blank_stripped(new):
                problems.append("section %r differs: %r != %r" % (name, "".join(old), "".join(new)))
    expected = os.environ.get("MOLECULE_EXPECTED_PASSWORD")
    password_ok = {}
    conf_opts = cfg.ConfigOpts()
    for name in sorted(owned):
        if name in sections:
            conf_opts.register_opts([cfg.StrOpt("tegile_nas_password", secret=True)], group=name)
    conf_opts(args=[], project="molecule", default_config_files=[conf])
    for name in sorted(owned):
        if name in sections:
            password_ok[name] = getattr(conf_opts, name).tegile_nas_password == expected
    for name in owned:
        values.get(name, {}).pop("tegile_nas_password", None)
    json.dump({"values": values, "foreign": problems, "sections": [pair[0] for pair in after if pair[0]],
               "password_ok": password_ok}, sys.stdout)


if __name__ == "__main__":
    main()
