# SPDX-License-Identifier: Apache-2.0
"""Build, install and use the collection as a user does (README's install path)."""
import json
import os
import re
import subprocess
import sys
import tarfile

import yaml

from conftest import BIN, JUNK, ROOT, run, tracked_files

sys.path.insert(0, ROOT)  # the simulator's harness, from this checkout


def members(tarball):
    with tarfile.open(tarball) as tar:
        return sorted(m.name for m in tar.getmembers() if m.isfile())


def test_tarball_holds_the_tracked_files_and_nothing_else(tarball):
    shipped = set(members(tarball)) - {"MANIFEST.json", "FILES.json"}
    assert not [junk for junk in JUNK if junk in shipped]
    assert not [n for n in shipped if "__pycache__" in n or n.endswith((".pyc", ".tar.gz"))]
    # Every file is one git tracks; what is not shipped is left out on purpose (build_ignore).
    tracked = set(tracked_files())
    assert shipped <= tracked, sorted(shipped - tracked)[:20]
    left_out = sorted(tracked - shipped)
    assert all(n.startswith(".ci/") or n == "galaxy.yml" for n in left_out), left_out  # galaxy.yml: MANIFEST.json


def test_ansible_doc_lists_every_module_from_the_installed_copy(installed):
    out = run([os.path.join(BIN, "ansible-doc"), "-l", "tegile.intelliflash", "--json"],
              ANSIBLE_COLLECTIONS_PATH=installed)
    listed = sorted(json.loads(out))
    modules = sorted("tegile.intelliflash." + f[:-3] for f in os.listdir(os.path.join(ROOT, "plugins", "modules"))
                     if f.endswith(".py") and not f.startswith("_"))
    assert listed == modules
    roles = run([os.path.join(BIN, "ansible-doc"), "-t", "role", "-l", "tegile.intelliflash", "--json"],
                ANSIBLE_COLLECTIONS_PATH=installed)
    assert "tegile.intelliflash.manila_backend" in json.loads(roles)


def test_provision_playbook_from_the_installed_copy(installed, tmp_path):
    from tegile_intelliflash.simulator.harness import SimulatorProcess
    python = os.path.join(ROOT, ".venv", "bin", "python")  # the checkout's simulator dependencies
    with SimulatorProcess(str(tmp_path / "sim"), password="R3lease-pw", python=python) as sim:
        cmd = [os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local",
               "tegile.intelliflash.provision",  # by its FQCN: the installed collection's playbook
               "-e", "intelliflash_host=%s" % sim.address, "-e", "intelliflash_username=admin",
               "-e", "intelliflash_password=R3lease-pw", "-e", "intelliflash_ca_path=%s" % sim.ca_path,
               "-e", "ansible_python_interpreter=%s" % sys.executable]
        first = run(cmd, cwd=str(tmp_path), ANSIBLE_COLLECTIONS_PATH=installed)
        second = run(cmd, cwd=str(tmp_path), ANSIBLE_COLLECTIONS_PATH=installed)
    assert re.search(r"localhost\s+: ok=\d+\s+changed=[1-9]", first), first[-2000:]
    assert re.search(r"localhost\s+: ok=\d+\s+changed=0\s+unreachable=0\s+failed=0", second), second[-2000:]
    assert "R3lease-pw" not in first + second
    # The playbook ran from the installed copy, not from this checkout.
    tasks_path = os.path.join(installed, "ansible_collections", "tegile", "intelliflash", "playbooks")
    assert os.path.isfile(os.path.join(tasks_path, "provision.yml"))


def readme_block(after, language):
    with open(os.path.join(ROOT, "README.md")) as handle:
        text = handle.read()
    start = text.index(after)
    match = re.compile(r"```%s\n(.*?)```" % language, re.S).search(text, start)
    return match.group(1)


def test_readme_install_path_comes_first_and_works(tarball, tmp_path):
    with open(os.path.join(ROOT, "README.md")) as handle:
        readme = handle.read()
    first_section = readme.split("\n## ", 2)[1]
    assert first_section.startswith("Install")
    assert "ansible-galaxy collection install" in first_section and "pip install requests" in first_section
    assert readme.index("## Install") < readme.index("make test") and "make demo" in readme
    # The requirements.yml of the README, pointed at this build, installs the collection.
    reqs = yaml.safe_load(readme_block("requirements.yml", "yaml"))
    entry = reqs["collections"][0]
    assert entry["name"] == "tegile.intelliflash" and entry["type"] == "file"
    entry["source"] = tarball
    (tmp_path / "requirements.yml").write_text(yaml.safe_dump(reqs))
    dest = tmp_path / "collections"
    run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "-r", "requirements.yml", "-p", str(dest)],
        cwd=str(tmp_path))
    manifest = json.load(open(str(dest / "ansible_collections" / "tegile" / "intelliflash" / "MANIFEST.json")))
    assert manifest["collection_info"]["version"] == yaml.safe_load(open(os.path.join(ROOT, "galaxy.yml")))["version"]


def test_install_from_the_git_repository(tmp_path):
    # As the README's git line does, from a clone of this checkout (file:// instead of https).
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, check=True, stdout=subprocess.PIPE,
                          universal_newlines=True).stdout.strip()
    dest = tmp_path / "collections"
    run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "git+file://%s,%s" % (ROOT, head),
         "-p", str(dest)], cwd=str(tmp_path))
    installed = dest / "ansible_collections" / "tegile" / "intelliflash"
    assert (installed / "plugins" / "modules" / "share.py").is_file()
    assert not (installed / ".venv").exists() and not (installed / "tests" / "output").exists()
