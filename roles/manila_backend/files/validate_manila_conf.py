# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Validate a manila.conf with oslo.config's validator, backend sections included.

Run it with the Python of Manila's environment (the one that runs manila-share):

    validate_manila_conf.py --input-file /path/to/manila.conf.candidate

1. ``oslo-config-generator --format yaml`` writes the option data of Manila's namespaces plus
   ``tegile_intelliflash`` (this collection's driver; it must be installed in that environment).
2. Option data do not know share backend sections, so a group is added for every section that
   is listed in ``enabled_share_backends`` or sets ``share_driver``, carrying the [DEFAULT]
   options (Manila registers every share driver's options there and appends them to each
   backend section).
3. ``oslo-config-validator --opt-data ... --input-file ...`` then reports every option that no
   namespace knows (a misspelt ``tegile_nas_pasword`` fails).
4. The validator checks names only, so the values of [DEFAULT] and of the backend sections are
   then converted with Manila's own option objects (booleans, ports, host addresses, integer
   bounds, choices), and the ``share_driver`` of every enabled backend is imported.

Exit status 0 when the file is valid, 1 otherwise, with one line per problem on stderr. The value
of an option declared ``secret`` (a password) is never printed.
"""

import argparse
import importlib
import importlib.metadata
import logging
import os
import subprocess
import sys
import tempfile
import warnings

# Manila's own namespaces (manila's etc/oslo-config-generator/manila.conf plus the libraries it
# configures). Namespaces that are not installed are skipped with a notice, except REQUIRED.
DEFAULT_NAMESPACES = [
    "manila",
    "castellan.config",
    "keystonemiddleware.auth_token",
    "oslo.concurrency",
    "oslo.db",
    "oslo.log",
    "oslo.messaging",
    "oslo.middleware.cors",
    "oslo.middleware.http_proxy_to_wsgi",
    "oslo.policy",
    "oslo.reports",
    "oslo.service.periodic_task",
    "oslo.service.service",
    "oslo.service.sslutils",
    "oslo.service.wsgi",
    "osprofiler",
    "tegile_intelliflash",
]
REQUIRED = ("manila", "tegile_intelliflash")


def problem(text):
    sys.stderr.write("ERROR: %s\n" % text)


def notice(text):
    sys.stderr.write("NOTICE: %s\n" % text)


def installed_namespaces():
    return {ep.name: ep for ep in importlib.metadata.entry_points(group="oslo.config.opts")}


def parse_input(path):
    from oslo_config import cfg

    sections = {}
    cfg.ConfigParser(path, sections).parse()
    return sections


def backend_sections(sections):
    enabled = sections.get("DEFAULT", {}).get("enabled_share_backends")
    names = []
    if enabled:
        names = [n.strip() for n in enabled[-1].split(",") if n.strip()]
    driven = [name for name, opts in sections.items() if name != "DEFAULT" and "share_driver" in opts]
    result = list(names)
    result.extend(n for n in driven if n not in result)
    return names, result


def generate_opt_data(namespaces, workdir):
    from oslo_config import generator

    gen_conf = os.path.join(workdir, "generator.conf")
    with open(gen_conf, "w") as handle:
        handle.write("[DEFAULT]\n")
        for name in namespaces:
            handle.write("namespace = %s\n" % name)
    out = os.path.join(workdir, "opt-data.yaml")
    generator.main(["--config-file", gen_conf, "--format", "yaml", "--output-file", out])
    return out


def extend_opt_data(path, backends):
    import yaml

    with open(path) as handle:
        data = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    default = data["options"]["DEFAULT"]
    deprecated = data.get("deprecated_options", {}).get("DEFAULT", [])
    for name in backends:
        group = data["options"].setdefault(name, {"opts": [], "help": "", "standard_opts": [],
                                                  "driver_opts": {}, "driver_option": "",
                                                  "dynamic_group_owner": ""})
        known = {o["name"] for o in group["opts"]}
        # The validator reads only the name and dest of an option: keep the file small.
        group["opts"].extend({"name": o["name"], "dest": o.get("dest")}
                             for o in default["opts"] if o["name"] not in known)
        if deprecated:
            data.setdefault("deprecated_options", {}).setdefault(name, []).extend(
                {"name": o.get("name"), "dest": o.get("dest")} for o in deprecated)
    with open(path, "w") as handle:
        yaml.dump(data, handle, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper))


def run_validator(opt_data, input_file):
    proc = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "oslo_config.validator",
         "--opt-data", opt_data, "--input-file", input_file],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    errors = []
    for line in proc.stdout.splitlines():
        if line.startswith("ERROR:"):
            errors.append(line.split(":", 2)[-1].strip())
        elif line.startswith("WARNING:"):
            notice(line.split(":", 2)[-1].strip())
    if proc.returncode != 0 and not errors:
        errors.append("oslo-config-validator failed (rc=%d): %s" % (proc.returncode, proc.stdout.strip()[-2000:]))
    return proc.returncode, errors


def load_default_opts(namespaces, eps):
    """name -> opt object of every [DEFAULT] option of the namespaces (deprecated names too)."""
    opts = {}
    for ns in namespaces:
        for group, group_opts in eps[ns].load()():
            gname = getattr(group, "name", group) or "DEFAULT"
            if gname != "DEFAULT":
                continue
            for opt in group_opts:
                opts.setdefault(opt.name, opt)
                opts.setdefault(opt.dest, opt)
                for dep in opt.deprecated_opts:
                    if dep.name and (dep.group in (None, "DEFAULT")):
                        opts.setdefault(dep.name, opt)
    return opts


def check_values(sections, groups, opts):
    from oslo_config import cfg

    errors = []
    for section in groups:
        for key, values in sorted(sections.get(section, {}).items()):
            opt = opts.get(key)
            if opt is None:
                continue
            candidates = values if getattr(opt, "multi", False) else values[-1:]
            for raw in candidates:
                if opt.secret:
                    raw = raw.replace("$$", "$")
                elif "$" in raw:
                    continue  # interpolated at run time; oslo.config resolves it then
                try:
                    opt.type(raw)
                except (ValueError, TypeError, cfg.Error) as exc:
                    if opt.secret:
                        errors.append("%s/%s: invalid value (not shown: secret option)" % (section, key))
                    else:
                        errors.append("%s/%s: invalid value %r: %s" % (section, key, raw, exc))
    return errors


def check_drivers(sections, enabled):
    errors = []
    for name in enabled:
        opts = sections.get(name)
        if opts is None:
            errors.append("DEFAULT/enabled_share_backends: backend %r has no [%s] section" % (name, name))
            continue
        driver = (opts.get("share_driver") or [""])[-1]
        if not driver:
            continue  # Manila's default driver
        module_name, class_name = driver.rpartition(".")[::2]
        try:
            module = importlib.import_module(module_name)
            getattr(module, class_name)
        except Exception as exc:  # noqa: BLE001 - report any import failure, it stops manila-share
            errors.append("%s/share_driver: cannot import %s: %s: %s"
                          % (name, driver, type(exc).__name__, exc))
    return errors


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--input-file", required=True, help="manila.conf to check")
    parser.add_argument("--namespace", action="append", default=None,
                        help="oslo.config namespace (repeatable; default: Manila's and tegile_intelliflash)")
    parser.add_argument("--skip-driver-import", action="store_true",
                        help="do not import the share_driver classes of the enabled backends")
    args = parser.parse_args(argv)

    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)

    if not os.path.isfile(args.input_file):
        problem("--input-file: %s does not exist" % args.input_file)
        return 2
    try:
        sections = parse_input(args.input_file)
    except Exception as exc:  # noqa: BLE001 - oslo's ParseError and I/O errors alike
        problem("%s cannot be parsed: %s" % (args.input_file, exc))
        return 1

    eps = installed_namespaces()
    wanted = args.namespace or DEFAULT_NAMESPACES
    namespaces = []
    for ns in wanted:
        if ns in eps:
            namespaces.append(ns)
        elif ns in REQUIRED:
            problem("oslo.config namespace %r is not installed in %s (install %s into Manila's environment)"
                    % (ns, sys.prefix, "manila" if ns == "manila" else "the tegile-intelliflash package"))
            return 1
        else:
            notice("namespace %s is not installed here; its options are not checked" % ns)

    enabled, groups = backend_sections(sections)
    errors = []
    with tempfile.TemporaryDirectory(prefix="validate-manila-conf.") as workdir:
        opt_data = generate_opt_data(namespaces, workdir)
        extend_opt_data(opt_data, groups)
        val_errors = run_validator(opt_data, args.input_file)[1]
        errors.extend(val_errors)

    opts = load_default_opts(namespaces, eps)
    errors.extend(check_values(sections, ["DEFAULT"] + groups, opts))
    if not args.skip_driver_import:
        errors.extend(check_drivers(sections, enabled))

    for line in errors:
        problem(line)
    if errors:
        problem("%s: %d problem(s); fix them before this file is used" % (args.input_file, len(errors)))
        return 1
    sys.stdout.write("%s: valid (backends checked: %s)\n" % (args.input_file, ", ".join(groups) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
