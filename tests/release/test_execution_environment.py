# SPDX-License-Identifier: Apache-2.0
"""An execution environment with the collection: ansible-builder's build context, and what its
image build would install (no container engine here, so the build's steps run locally)."""
import os
import shutil

import yaml

from conftest import BIN, ROOT, run

EE_DIR = os.path.join(ROOT, "docs", "execution-environment")


def test_collection_declares_its_ee_dependencies():
    meta = yaml.safe_load(open(os.path.join(ROOT, "meta", "execution-environment.yml")))
    assert meta["version"] == 3
    assert meta["dependencies"] == {"python": "requirements.txt", "system": "bindep.txt"}
    for name in meta["dependencies"].values():
        assert os.path.isfile(os.path.join(ROOT, name)), name


def test_build_context_installs_the_collection_and_requests(tarball, tmp_path):
    work = tmp_path / "ee"
    shutil.copytree(EE_DIR, str(work))
    shutil.copy(tarball, str(work / "tegile-intelliflash.tar.gz"))
    ctx = work / "context"
    run([os.path.join(BIN, "ansible-builder"), "create", "-f", "execution-environment.yml", "-c", str(ctx),
         "--output-filename", "Containerfile"],
        cwd=str(work))
    build = ctx / "_build"
    containerfile = (ctx / "Containerfile").read_text()
    assert "ansible-galaxy collection install" in containerfile and "requirements.yml" in containerfile
    assert "introspect" in containerfile, "the image build must read the collections' EE metadata"
    assert (build / "collections" / "tegile-intelliflash.tar.gz").is_file()
    reqs = yaml.safe_load((build / "requirements.yml").read_text())
    assert [c["name"] for c in reqs["collections"]] == ["tegile.intelliflash"]

    # The galaxy stage of the image build: install what the context's requirements.yml names.
    collections = tmp_path / "collections"
    run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "-r", "requirements.yml",
         "-p", str(collections)], cwd=str(build))
    assert (collections / "ansible_collections" / "tegile" / "intelliflash" / "plugins" / "modules"
            / "share.py").is_file()
    # The builder stage: introspect the installed collections for Python and system packages.
    pip_out, bindep_out = tmp_path / "pip.txt", tmp_path / "bindep.txt"
    run([os.path.join(BIN, "ansible-builder"), "introspect", "--sanitize", str(collections),
         "--write-pip", str(pip_out), "--write-bindep", str(bindep_out)])
    pip_lines = [line for line in pip_out.read_text().splitlines() if line and not line.startswith("#")]
    assert any(line.startswith("requests") and "tegile.intelliflash" in line for line in pip_lines), pip_lines
    assert "ca-certificates" in bindep_out.read_text()
