# SPDX-License-Identifier: Apache-2.0
"""The collection and the Python distribution are built from one tree, with one client.

Builds the collection artifact with ansible-galaxy, unpacks it, builds the Python wheel from the
unpacked collection (what the role installs into Manila's environment), and checks what the wheel
holds: the client mapped from plugins/module_utils/client (byte-identical, not a copy), the driver,
the simulator, the entry points and the licence metadata.
"""
import email
import glob
import os
import re
import subprocess
import sys
import tarfile
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
CLIENT_DIR = os.path.join(ROOT, "plugins", "module_utils", "client")
BIN = os.path.dirname(sys.executable)


@pytest.fixture(scope="module")
def collection_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("collection")
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", ROOT,
                    "--output-path", str(out)], check=True, stdout=subprocess.PIPE)
    tarballs = glob.glob(str(out / "tegile-intelliflash-*.tar.gz"))
    assert len(tarballs) == 1, tarballs
    unpacked = out / "unpacked"
    with tarfile.open(tarballs[0]) as tar:
        names = tar.getnames()
        tar.extractall(unpacked, filter="data")
    assert not [n for n in names if n.startswith((".venv", "tests/output", ".build"))], \
        "build artefacts must not ship in the collection"
    return unpacked


@pytest.fixture(scope="module")
def wheel(collection_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out),
                    str(collection_dir)], check=True)
    wheels = glob.glob(str(out / "tegile_intelliflash-*.whl"))
    assert len(wheels) == 1, wheels
    return zipfile.ZipFile(wheels[0])


def test_collection_artifact_carries_the_python_distribution(collection_dir):
    for path in ("pyproject.toml", "meta/runtime.yml", "MANIFEST.json",
                 "plugins/module_utils/client/api.py", "tegile_intelliflash/manila_driver/driver.py",
                 "tegile_intelliflash/simulator/cli.py", "LICENSES/Apache-2.0.txt",
                 "LICENSES/GPL-3.0-or-later.txt"):
        assert (collection_dir / path).is_file(), path


def test_wheel_maps_the_client_from_module_utils(wheel):
    sources = sorted(f for f in os.listdir(CLIENT_DIR) if f.endswith(".py"))
    assert "api.py" in sources and "__init__.py" in sources
    for name in sources:
        with open(os.path.join(CLIENT_DIR, name), "rb") as handle:
            assert wheel.read("tegile_intelliflash/client/" + name) == handle.read(), name
    members = wheel.namelist()
    for required in ("tegile_intelliflash/manila_driver/__init__.py",
                     "tegile_intelliflash/manila_driver/options.py",
                     "tegile_intelliflash/manila_driver/driver.py",
                     "tegile_intelliflash/manila_driver/protocols/nfs.py",
                     "tegile_intelliflash/manila_driver/protocols/cifs.py",
                     "tegile_intelliflash/simulator/harness.py",
                     "tegile_intelliflash/simulator/cli.py"):
        assert required in members, required
    # every module of the simulator, subpackages (handlers/, ops/) included
    sim_root = os.path.join(ROOT, "tegile_intelliflash", "simulator")
    for folder, _dirs, files in os.walk(sim_root):
        for name in files:
            if name.endswith(".py"):
                rel = os.path.relpath(os.path.join(folder, name), ROOT).replace(os.sep, "/")
                assert rel in members, rel


def test_wheel_metadata(wheel):
    dist_info = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")][0]
    meta = email.message_from_bytes(wheel.read(dist_info))
    assert meta["License-Expression"] == "Apache-2.0"
    requires = meta.get_all("Requires-Dist")
    assert any(r.startswith("requests") for r in requires)
    # Server libraries only with the [simulator] extra: the driver's users do not get them.
    assert all("extra ==" in r for r in requires if r.lower().startswith(("flask", "werkzeug", "cryptography")))
    assert "simulator" in meta.get_all("Provides-Extra")
    entry_points = wheel.read(dist_info.replace("METADATA", "entry_points.txt")).decode()
    assert "intelliflash-sim = tegile_intelliflash.simulator.cli:main" in entry_points
    assert "tegile_intelliflash = tegile_intelliflash.manila_driver.options:list_opts" in entry_points


def test_one_client_in_the_tree():
    """No second copy of the client anywhere in the repository."""
    defining = []
    for base, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in ("output", "__pycache__")]
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(base, name)
                with open(path, encoding="utf-8", errors="replace") as handle:
                    if re.search(r"^class IntelliFlashClient\b", handle.read(), re.M):
                        defining.append(os.path.relpath(path, ROOT))
    assert defining == [os.path.join("plugins", "module_utils", "client", "api.py")], defining
