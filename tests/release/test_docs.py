# SPDX-License-Identifier: Apache-2.0
"""The rendered documentation: antsibull-docs finds no broken reference, the site builds, and the
module docs follow the collection's conventions (what renderers and readers trip over)."""
import json
import os
import re

import yaml

from conftest import BIN, ROOT, run

MODULES = sorted(f[:-3] for f in os.listdir(os.path.join(ROOT, "plugins", "modules"))
                 if f.endswith(".py") and not f.startswith("_"))


def collection_path(installed):
    return os.path.join(installed, "ansible_collections", "tegile", "intelliflash")


def module_docs(installed):
    out = run([os.path.join(BIN, "ansible-doc"), "--json"] + ["tegile.intelliflash." + m for m in MODULES],
              ANSIBLE_COLLECTIONS_PATH=installed)
    return json.loads(out)


def test_lint_collection_docs(installed):
    out = run([os.path.join(BIN, "antsibull-docs"), "lint-collection-docs", "--plugin-docs",
               "--validate-collection-refs", "all", "--disallow-unknown-collection-refs",
               collection_path(installed)], ANSIBLE_COLLECTIONS_PATH=installed)
    assert out.strip() == "", out


def versions_added(node):
    """Every version_added of this collection in a DOCUMENTATION/RETURN tree (doc fragments of
    ansible.builtin carry core's versions)."""
    if isinstance(node, dict):
        if "version_added" in node and node.get("version_added_collection", "tegile.intelliflash") \
                == "tegile.intelliflash":
            yield str(node["version_added"])
        for value in node.values():
            yield from versions_added(value)
    elif isinstance(node, list):
        for value in node:
            yield from versions_added(value)


def as_tuple(version):
    return tuple(int(x) for x in version.split("."))


def test_version_added_names_a_version_that_exists(installed):
    # Released (changelog) or this version (galaxy.yml): never a later one.
    galaxy = yaml.safe_load(open(os.path.join(ROOT, "galaxy.yml")))["version"]
    released = set(yaml.safe_load(open(os.path.join(ROOT, "changelogs", "changelog.yaml")))["releases"])
    for name, doc in module_docs(installed).items():
        for version in versions_added({"doc": doc["doc"], "return": doc.get("return")}):
            assert version in released or version == galaxy, (name, version)
            assert as_tuple(version) <= as_tuple(galaxy), (name, version)


def test_examples_are_task_lists_and_modules_link_related_ones(installed):
    docs = module_docs(installed)
    for name, doc in docs.items():
        examples = yaml.safe_load(doc["examples"])
        assert isinstance(examples, list) and examples, name
        for task in examples:
            assert "hosts" not in task and "tasks" not in task, "%s: EXAMPLES hold tasks, not plays" % name
        authors = doc["doc"]["author"]
        for author in authors if isinstance(authors, list) else [authors]:
            handle = re.search(r"\((@[\w-]+|!UNKNOWN)\)$", author)
            assert handle, (name, author)
            assert handle.group(1) not in ("@tegile", "@example", "@TODO"), "placeholder handle: %s" % author
    storage = [m for m in MODULES if m != "manila_config"]
    for name in storage:
        seealso = [s.get("module") for s in docs["tegile.intelliflash." + name]["doc"].get("seealso", [])]
        assert seealso, name
        for other in seealso:
            assert other.startswith("tegile.intelliflash.") and other.split(".")[-1] in MODULES, (name, other)
    # info reads what every other storage module writes: it links to each of them.
    info_links = {s["module"] for s in docs["tegile.intelliflash.info"]["doc"]["seealso"]}
    assert info_links == {"tegile.intelliflash." + m for m in storage if m != "info"}


def test_docs_site_builds(tmp_path):
    out = tmp_path / "site"
    run([os.path.join(ROOT, "scripts", "build-docs.sh"), str(out)])
    html = out / "html"
    for name in MODULES:
        page = html / "collections" / "tegile" / "intelliflash" / ("%s_module.html" % name)
        assert page.is_file(), page
    assert (html / "collections" / "tegile" / "intelliflash" / "manila_backend_role.html").is_file()
    for guide in os.listdir(os.path.join(ROOT, "docs")):
        if guide.endswith(".md"):
            assert (html / "guides" / guide.replace(".md", ".html")).is_file(), guide
    share = (html / "collections" / "tegile" / "intelliflash" / "share_module.html").read_text()
    assert "source_snapshot" in share and "tegile.intelliflash.share_access" in share
