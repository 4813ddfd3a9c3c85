# SPDX-License-Identifier: Apache-2.0
"""One version (galaxy.yml); every other place repeats it or is derived from it."""
import ast
import os
import shutil
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import version  # noqa: E402  pylint: disable=wrong-import-position


def test_every_copy_says_the_galaxy_version():
    assert version.mismatches() == []
    assert version.SEMVER.match(version.version())


def test_client_user_agent_carries_the_version():
    from tegile_intelliflash.client.api import IntelliFlashClient
    client = IntelliFlashClient("h", "u", "p", timeout=5)
    assert client._transport.session.headers["User-Agent"] == "tegile-intelliflash/" + version.version()


def test_driver_version_is_the_clients():
    # The driver module needs Manila to import; read how it defines VERSION instead.
    path = os.path.join(ROOT, "tegile_intelliflash", "manila_driver", "driver.py")
    tree = ast.parse(open(path).read())
    imported = {alias.asname or alias.name: (node.module, alias.name) for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) for alias in node.names}
    value = [node.value for node in tree.body if isinstance(node, ast.Assign)
             and [getattr(t, "id", None) for t in node.targets] == ["VERSION"]]
    assert len(value) == 1 and isinstance(value[0], ast.Name), "VERSION must come from the client"
    assert imported[value[0].id] == ("tegile_intelliflash.client.transport", "__version__")


@pytest.fixture
def tree_copy(tmp_path, monkeypatch):
    for path in [version.SOURCE[0]] + [p for p, _pattern in version.COPIES]:
        os.makedirs(os.path.dirname(str(tmp_path / path)), exist_ok=True)
        shutil.copy(os.path.join(ROOT, path), str(tmp_path / path))
    monkeypatch.setattr(version, "ROOT", str(tmp_path))
    return tmp_path


def test_set_changes_every_place(tree_copy):
    version.set_version("7.8.9")
    assert version.version() == "7.8.9" and version.mismatches() == []
    assert 'version = "7.8.9"' in (tree_copy / "pyproject.toml").read_text()


def test_check_reports_a_copy_that_differs(tree_copy):
    path = tree_copy / "pyproject.toml"
    path.write_text(path.read_text().replace('version = "%s"' % version.version(), 'version = "0.0.1"'))
    assert version.mismatches() == [("pyproject.toml", "0.0.1")]
    assert version.main(["check"]) == 1
    with pytest.raises(SystemExit):
        version.set_version("1.2")
