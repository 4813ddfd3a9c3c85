#!/usr/bin/env python
# SPDX-License-Identifier: Apache-2.0
"""Virtualenvs cached by what goes into them, shared by every checkout on a machine.

A cached venv holds third-party packages only: the key is a hash of the interpreter (path and
version), the requirement and constraint files (their contents, and the files they include with
-r/-c), the extra pip arguments and this tool's format version. The same inputs in two checkouts
(worktrees, a CI clone) give the same venv; change any input and a new one is built beside it.
Requirement files that name a local path (``.``, ``-e``, ``file:``) are refused: the project under
test must always come from the checkout being tested, never from whichever checkout built the venv.
For that, ``overlay`` makes a small per-checkout venv on top of a cached one, with the checkout
installed in editable mode.

    venvs.py path NAME --python PY -r REQ [-c CONSTRAINTS] [--pip-arg ARG]   # build if needed, print path
    venvs.py overlay DEST --base PATH [--project DIR]                        # per-checkout layer, print DEST
    venvs.py list
    venvs.py prune --unused-days 14

A venv is built under an exclusive lock (``<dir>.lock``) and marked complete only at the end
(``.tegile-venv.json``); an interrupted build is discarded and redone by the next caller. A
complete venv is never changed again. The cache directory is ``$TEGILE_VENV_CACHE``, else
``$XDG_CACHE_HOME/tegile-intelliflash/venvs`` (``~/.cache/...``).
"""
import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

FORMAT = 1  # bump when the layout of a cached venv changes: every key changes with it
MARKER = ".tegile-venv.json"
LAST_USED = ".last-used"
OVERLAY_MARKER = ".tegile-overlay.json"
_INCLUDE = re.compile(r"^\s*(-r|--requirement|-c|--constraint)\s*=?\s*(\S+)")
_LOCAL = re.compile(r"^\s*(-e\b|--editable\b|\.|/|file:|[A-Za-z0-9_.-]+\s*@\s*file:)")


class VenvError(Exception):
    pass


def cache_root():
    explicit = os.environ.get("TEGILE_VENV_CACHE")
    if explicit:
        return os.path.abspath(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tegile-intelliflash", "venvs")


def _read_requirements(path, seen):
    """[(path, text)] of ``path`` and every file it includes; refuses local project paths."""
    path = os.path.abspath(path)
    if path in seen:
        return []
    seen.add(path)
    with open(path) as handle:
        text = handle.read()
    files = [(path, text)]
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        include = _INCLUDE.match(line)
        if include:
            files.extend(_read_requirements(os.path.join(os.path.dirname(path), include.group(2)), seen))
        elif _LOCAL.match(line):
            raise VenvError("%s:%d: %r is a local path; a cached venv holds released packages only "
                            "(install the checkout with 'venvs.py overlay')" % (path, number, line))
    return files


def _requirement_lines(text):
    return [line for line in (raw.split(" #", 1)[0].strip() for raw in text.splitlines())
            if line and not line.startswith("#")]


def interpreter(python):
    """(realpath, version string) of an interpreter given as a path or a command name."""
    found = python if os.sep in python else shutil.which(python)
    if not found or not os.access(found, os.X_OK):
        raise VenvError("no Python interpreter %r" % python)
    proc = subprocess.run([found, "-c", "import sys; print(sys.version)"], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    if proc.returncode != 0:
        raise VenvError("Python interpreter %s does not run: %s" % (found, proc.stdout.strip()[-300:]))
    version = proc.stdout.strip()
    return os.path.realpath(found), version


def key(python, requirements=(), constraints=(), pip_args=()):
    """The cache key: a hash of everything that decides what the venv holds."""
    real, version = interpreter(python)
    seen = set()
    content = {
        "format": FORMAT,
        "python": [real, version],
        # Contents, not paths: two checkouts with the same files share the venv.
        "requirements": [text for name in requirements for _p, text in _read_requirements(name, seen)],
        "constraints": [text for name in constraints for _p, text in _read_requirements(name, seen)],
        "pip_args": list(pip_args),
    }
    blob = json.dumps(content, sort_keys=True).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:16], content


@contextlib.contextmanager
def _locked(path, blocking=True):
    with open(path + ".lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _complete(path):
    return os.path.isfile(os.path.join(path, MARKER))


def _touch(path):
    with open(os.path.join(path, LAST_USED), "a"):
        pass
    os.utime(os.path.join(path, LAST_USED))


def ensure(name, python, requirements=(), constraints=(), pip_args=(), log=sys.stderr):
    """Path of the cached venv ``name`` for these inputs; builds it when it does not exist yet."""
    if not re.match(r"^[A-Za-z0-9_.-]+$", name):
        raise VenvError("venv name %r: letters, digits, '.', '_' and '-' only" % name)
    digest, content = key(python, requirements, constraints, pip_args)
    root = cache_root()
    os.makedirs(root, exist_ok=True)
    path = os.path.join(root, "%s-%s" % (name, digest))
    if _complete(path):
        _touch(path)
        return path
    with _locked(path):
        if _complete(path):  # another process built it while this one waited
            _touch(path)
            return path
        shutil.rmtree(path, ignore_errors=True)  # an interrupted build
        started = time.time()
        log.write("venvs: building %s (%s)\n" % (path, content["python"][1].split()[0]))
        log.flush()
        try:
            # Nothing to install (only comments): no pip either, which makes the venv quick.
            bare = not pip_args and not any(_requirement_lines(text) for text in content["requirements"])
            subprocess.run([content["python"][0], "-m", "venv"] + (["--without-pip"] if bare else []) + [path],
                           check=True)
            cmd = [os.path.join(path, "bin", "python"), "-m", "pip", "install", "-q",
                   "--disable-pip-version-check"]
            for req in requirements:
                cmd += ["-r", os.path.abspath(req)]
            for con in constraints:
                cmd += ["-c", os.path.abspath(con)]
            cmd += list(pip_args)
            if not bare:
                subprocess.run(cmd, check=True)
        except (subprocess.CalledProcessError, OSError) as exc:
            shutil.rmtree(path, ignore_errors=True)
            raise VenvError("building %s failed: %s" % (path, exc))
        content["built_seconds"] = round(time.time() - started, 1)
        content["name"] = name
        tmp = os.path.join(path, MARKER + ".tmp")
        with open(tmp, "w") as handle:
            json.dump(content, handle, indent=1, sort_keys=True)
        os.rename(tmp, os.path.join(path, MARKER))  # complete only now
        _touch(path)
        log.write("venvs: built %s in %.0f s\n" % (os.path.basename(path), content["built_seconds"]))
        return path


def _site_packages(venv):
    out = subprocess.run([os.path.join(venv, "bin", "python"), "-c",
                          "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout
    return out.strip()


def overlay(dest, base, project=None, log=sys.stderr):
    """A per-checkout venv at ``dest`` that sees every package of the cached venv ``base`` and
    has ``project`` (a checkout) installed in editable mode. Rebuilt when ``base`` changes."""
    base = os.path.abspath(base)
    dest = os.path.abspath(dest)
    if not _complete(base):
        raise VenvError("%s is not a complete cached venv" % base)
    want = {"base": base, "project": os.path.abspath(project) if project else None}
    marker = os.path.join(dest, OVERLAY_MARKER)
    try:
        with open(marker) as handle:
            if json.load(handle) == want:
                _touch(base)
                return dest
    except (OSError, ValueError):
        pass
    shutil.rmtree(dest, ignore_errors=True)
    base_python = json.load(open(os.path.join(base, MARKER)))["python"][0]
    subprocess.run([base_python, "-m", "venv", "--without-pip", dest], check=True)
    # addsitedir (not a bare path line) so the .pth files of the cached venv are processed too.
    with open(os.path.join(_site_packages(dest), "_tegile_venv_base.pth"), "w") as handle:
        handle.write("import site; site.addsitedir(%r)\n" % _site_packages(base))
    # The cached venv's console scripts, pointing at this interpreter.
    old = "#!" + os.path.join(base, "bin", "python")
    for entry in sorted(os.listdir(os.path.join(base, "bin"))):
        src, dst = os.path.join(base, "bin", entry), os.path.join(dest, "bin", entry)
        if os.path.exists(dst) or not os.path.isfile(src) or os.path.islink(src):
            continue
        with open(src, "rb") as handle:
            head = handle.read(len(old) + 16)
        if not head.startswith(old.encode()):
            continue
        with open(src) as handle:
            rest = handle.read().split("\n", 1)[1]
        with open(dst, "w") as handle:
            handle.write("#!" + os.path.join(dest, "bin", "python") + "\n" + rest)
        os.chmod(dst, 0o755)
    if project:
        subprocess.run([os.path.join(dest, "bin", "python"), "-m", "pip", "install", "-q",
                        "--disable-pip-version-check", "--no-deps", "-e", os.path.abspath(project)],
                       check=True)
    with open(marker, "w") as handle:
        json.dump(want, handle)
    _touch(base)
    log.write("venvs: overlay %s on %s\n" % (dest, os.path.basename(base)))
    return dest


def entries():
    root = cache_root()
    if not os.path.isdir(root):
        return []
    return sorted(os.path.join(root, d) for d in os.listdir(root)
                  if os.path.isdir(os.path.join(root, d)))


def prune(unused_days, log=sys.stderr):
    """Remove cached venvs not used for ``unused_days`` days (and leftovers of failed builds)."""
    limit = time.time() - unused_days * 86400
    removed = []
    for path in entries():
        with _locked(path, blocking=False) as got:
            if not got:
                continue  # being built right now
            stamp = os.path.join(path, LAST_USED)
            used = os.path.getmtime(stamp) if os.path.exists(stamp) else 0
            if not _complete(path) or used < limit:
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
        if path in removed:
            os.remove(path + ".lock")
    for path in removed:
        log.write("venvs: removed %s\n" % path)
    return removed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("path", help="build the venv if needed and print its path")
    p.add_argument("name")
    p.add_argument("--python", default=sys.executable)
    p.add_argument("-r", "--requirement", action="append", default=[])
    p.add_argument("-c", "--constraint", action="append", default=[])
    p.add_argument("--pip-arg", action="append", default=[])
    o = sub.add_parser("overlay", help="a per-checkout venv on a cached one, with the checkout editable")
    o.add_argument("dest")
    o.add_argument("--base", required=True)
    o.add_argument("--project")
    sub.add_parser("list")
    r = sub.add_parser("prune")
    r.add_argument("--unused-days", type=float, default=14)
    args = parser.parse_args(argv)
    try:
        if args.command == "path":
            print(ensure(args.name, args.python, args.requirement, args.constraint, args.pip_arg))
        elif args.command == "overlay":
            print(overlay(args.dest, args.base, args.project))
        elif args.command == "list":
            for path in entries():
                print("%s%s" % (path, "" if _complete(path) else "  (incomplete)"))
        else:
            prune(args.unused_days)
    except VenvError as exc:
        sys.stderr.write("venvs: %s\n" % exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
