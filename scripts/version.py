#!/usr/bin/env python
# SPDX-License-Identifier: Apache-2.0
"""The project's one version, and the places that must repeat it.

galaxy.yml holds the version. The Python distribution (pyproject.toml) and the REST client
(``__version__``, sent in its User-Agent) repeat it because their tools cannot read galaxy.yml,
the user docs name it in commands to copy; the Manila driver's VERSION is the client's. ``check`` fails when one differs (a test runs it);
``set`` changes them all.

    scripts/version.py            # print the version
    scripts/version.py check
    scripts/version.py set 1.2.0
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = ("galaxy.yml", r"^version: *(\S+) *$")
COPIES = (
    ("pyproject.toml", r'^version = "([^"]+)"$'),
    ("plugins/module_utils/client/transport.py", r'^__version__ = "([^"]+)"$'),
    ("README.md", r"tegile-intelliflash-(\d+\.\d+\.\d+)\.tar\.gz"),
    ("docs/manila-driver.md", r"tegile_intelliflash-(\d+\.\d+\.\d+)-py3-none-any\.whl|driver_version: (\d+\.\d+\.\d+)"),
)
SEMVER = re.compile(r"^\d+\.\d+\.\d+$")


def _read(path):
    with open(os.path.join(ROOT, path)) as handle:  # ROOT looked up at call time (tests move it)
        return handle.read()


def _matches(path, pattern):
    return [m.group(m.lastindex) if m.lastindex else m.group(0) for m in re.finditer(pattern, _read(path), re.M)]


def found(path, pattern):
    """The version ``path`` states (every place in it must state the same one)."""
    versions = sorted(set(_matches(path, pattern)))
    if len(versions) != 1:
        raise SystemExit("%s: expected one version matching %r, found %s" % (path, pattern, versions or "none"))
    return versions[0]


def version():
    return found(*SOURCE)


def mismatches():
    """[(path, version found)] of the copies that differ from galaxy.yml."""
    want = version()
    return [(path, got) for path, pattern in COPIES for got in [found(path, pattern)] if got != want]


def set_version(new):
    if not SEMVER.match(new):
        raise SystemExit("%r is not a semantic version X.Y.Z" % new)
    for path, pattern in (SOURCE,) + COPIES:
        text = _read(path)
        old = found(path, pattern)
        text = re.sub(pattern, lambda m: m.group(0).replace(old, new), text, flags=re.M)
        with open(os.path.join(ROOT, path), "w") as handle:
            handle.write(text)


def main(argv):
    if not argv:
        print(version())
    elif argv == ["check"]:
        bad = mismatches()
        for path, got in bad:
            print("%s says %s, galaxy.yml says %s" % (path, got, version()))
        return 1 if bad else 0
    elif len(argv) == 2 and argv[0] == "set":
        set_version(argv[1])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
