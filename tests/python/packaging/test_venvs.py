# SPDX-License-Identifier: Apache-2.0
"""tests/tools/venvs.py: venvs cached by their inputs, shared safely, never holding the project."""
import json
import os
import subprocess
import sys
import threading

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))
import venvs  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TEGILE_VENV_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def write(path, text):
    path.write_text(text)
    return str(path)


def test_same_inputs_share_one_venv_and_a_change_builds_another(cache, tmp_path):
    # Two checkouts with equal files (different paths) get the same venv.
    one, two = tmp_path / "a", tmp_path / "b"
    one.mkdir()
    two.mkdir()
    req_a = write(one / "req.txt", "# nothing to install\n")
    req_b = write(two / "req.txt", "# nothing to install\n")
    first = venvs.ensure("t", sys.executable, [req_a])
    marker = os.path.join(first, venvs.MARKER)
    built = os.stat(marker).st_mtime_ns
    assert venvs.ensure("t", sys.executable, [req_b]) == first
    assert os.stat(marker).st_mtime_ns == built, "a complete venv is reused, not rebuilt"
    assert os.path.isfile(os.path.join(first, "bin", "python"))
    # Changed requirements, constraints, pip arguments or interpreter: another venv.
    write(one / "req.txt", "# nothing to install, changed\n")
    changed = venvs.ensure("t", sys.executable, [req_a])
    assert changed != first and os.path.isdir(first)
    con = write(one / "con.txt", "# constraints\n")
    assert venvs.ensure("t", sys.executable, [req_a], [con]) not in (first, changed)
    assert json.load(open(os.path.join(changed, venvs.MARKER)))["python"][0] == os.path.realpath(sys.executable)


def test_included_files_are_part_of_the_key(tmp_path):
    inner = tmp_path / "inner.txt"
    inner.write_text("# v1\n")
    outer = write(tmp_path / "outer.txt", "-r inner.txt\n")
    before = venvs.key(sys.executable, [outer])[0]
    inner.write_text("# v2\n")
    assert venvs.key(sys.executable, [outer])[0] != before


@pytest.mark.parametrize("line", [".", "-e .", "./plugins", "/work/main", "file:///work/main",
                                  "tegile-intelliflash @ file:///work/main", "--editable=."])
def test_a_local_project_path_is_refused(tmp_path, line):
    req = write(tmp_path / "req.txt", "requests\n%s\n" % line)
    with pytest.raises(venvs.VenvError, match="local path"):
        venvs.key(sys.executable, [req])


def test_an_interrupted_build_is_redone(cache, tmp_path):
    req = write(tmp_path / "req.txt", "# x\n")
    path = venvs.ensure("t", sys.executable, [req])
    os.remove(os.path.join(path, venvs.MARKER))  # as if the builder died before the end
    open(os.path.join(path, "leftover"), "w").close()
    assert venvs.ensure("t", sys.executable, [req]) == path
    assert not os.path.exists(os.path.join(path, "leftover"))
    assert os.path.isfile(os.path.join(path, venvs.MARKER))


def test_concurrent_callers_build_once(cache, tmp_path):
    req = write(tmp_path / "req.txt", "# concurrent\n")
    logs, paths = [], []

    class Log(object):
        def write(self, text):
            logs.append(text)

        def flush(self):
            pass

    threads = [threading.Thread(target=lambda: paths.append(venvs.ensure("c", sys.executable, [req], log=Log())))
               for _thread in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(paths)) == 1 and len(paths) == 3
    assert len([line for line in logs if "building" in line]) == 1, logs


def wheel(directory, name, files, scripts=None):
    """A minimal wheel built by hand (pip installs it without any build backend or index)."""
    import zipfile
    path = os.path.join(str(directory), "%s-1-py3-none-any.whl" % name)
    info = "%s-1.dist-info/" % name
    files = dict(files)
    files[info + "METADATA"] = "Metadata-Version: 2.1\nName: %s\nVersion: 1\n" % name
    files[info + "WHEEL"] = "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    if scripts:
        files[info + "entry_points.txt"] = "[console_scripts]\n" + "".join(
            "%s = %s\n" % item for item in scripts.items())
    files[info + "RECORD"] = "".join("%s,,\n" % n for n in list(files) + [info + "RECORD"])
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in files.items():
            archive.writestr(member, text)
    return path


def test_overlay_sees_the_cached_packages_and_the_checkout(cache, tmp_path):
    # The cached venv holds a package (a wheel, as a released package would be); the overlay
    # adds a project of its own in editable mode.
    lib = wheel(tmp_path, "cachedlib", {
        "cachedlib/__init__.py": "VALUE = 'from the cache'\ndef hello():\n    print('hello ' + VALUE)\n"},
        scripts={"cachedlib-hello": "cachedlib:hello"})
    base = venvs.ensure("b", sys.executable, pip_args=["--no-index", lib])
    proj = tmp_path / "checkout"
    (proj / "myproj").mkdir(parents=True)
    (proj / "myproj" / "__init__.py").write_text("WHERE = __file__\n")
    (proj / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=64", "wheel"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "myproj"\nversion = "1"\n')
    dest = str(tmp_path / "checkout" / ".venv-x")
    venvs.overlay(dest, base, project=str(proj))
    out = subprocess.run([os.path.join(dest, "bin", "python"), "-c",
                          "import cachedlib, myproj; print(cachedlib.VALUE); print(myproj.WHERE)"],
                         check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout.splitlines()
    assert out[0] == "from the cache"
    assert out[1].startswith(str(proj)), "the project comes from the checkout"
    hello = subprocess.run([os.path.join(dest, "bin", "cachedlib-hello")], check=True,
                           stdout=subprocess.PIPE, universal_newlines=True).stdout
    assert hello == "hello from the cache\n"
    # Nothing of the project went into the shared venv.
    shared = subprocess.run([os.path.join(base, "bin", "python"), "-c", "import myproj"], check=False)
    assert shared.returncode != 0
    # Same base and project: kept as it is.
    assert venvs.overlay(dest, base, project=str(proj)) == dest


def test_prune_removes_unused_and_incomplete(cache, tmp_path):
    req = write(tmp_path / "req.txt", "# p\n")
    used = venvs.ensure("u", sys.executable, [req])
    write(tmp_path / "req.txt", "# p2\n")
    old = venvs.ensure("o", sys.executable, [req])
    os.utime(os.path.join(old, venvs.LAST_USED), (0, 0))
    broken = os.path.join(str(cache), "x-0123")
    os.makedirs(broken)
    removed = venvs.prune(7)
    assert sorted(removed) == sorted([old, broken])
    assert os.path.isdir(used) and not os.path.exists(old)


def test_cli_prints_the_path(cache, tmp_path):
    req = write(tmp_path / "req.txt", "# cli\n")
    out = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "tools", "venvs.py"), "path", "cli",
                          "--python", sys.executable, "-r", req],
                         check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
    assert out == venvs.ensure("cli", sys.executable, [req])
