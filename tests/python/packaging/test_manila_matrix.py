# SPDX-License-Identifier: Apache-2.0
"""The Manila release matrix (requirements/manila/matrix.json) and its cached virtualenvs."""

import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))

import manila_matrix  # noqa: E402

#: The maintained OpenStack releases the issue asks for (at least these).
MAINTAINED = ("2025.1", "2025.2", "2026.1", "2026.2")


def _pins(path):
    pins = {}
    with open(os.path.join(ROOT, path)) as handle:
        for line in handle:
            m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)", line)
            if m:
                pins[m.group(1).lower().replace("_", "-")] = m.group(2)
    return pins


def test_every_maintained_release_runs_the_driver_stage():
    rels = manila_matrix.releases()
    names = [r["release"] for r in rels]
    assert names == sorted(names)
    for wanted in MAINTAINED:
        assert wanted in names
    assert all("manila" in r["stages"] for r in rels)


def test_the_e2e_stage_runs_on_the_oldest_and_the_newest_release():
    rels = manila_matrix.releases()
    e2e = [r["release"] for r in rels if "manila-e2e" in r["stages"]]
    assert rels[0]["release"] in e2e and rels[-1]["release"] in e2e


@pytest.mark.parametrize("rel", manila_matrix.releases(), ids=lambda r: r["release"])
def test_requirements_and_constraints_pin_the_release(rel):
    """The matrix, the requirements and the frozen constraints name one Manila version; every
    requirement is pinned by the constraints to the same version; one venv per release."""
    reqs = _pins(rel["requirements"])
    cons = _pins(rel["constraints"])
    assert reqs["manila"] == rel["manila"] == cons["manila"]
    for name, version in reqs.items():
        assert cons.get(name) == version, "%s: %s pinned %s, constraints %s" % (
            rel["release"], name, version, cons.get(name))
    venvs = [r["venv"] for r in manila_matrix.releases()]
    assert len(set(venvs)) == len(venvs)


def test_manila_major_version_follows_the_release_series():
    # 2025.1 is Manila 20, and each six-month release adds one.
    for rel in manila_matrix.releases():
        year, half = rel["release"].split(".")
        assert int(rel["manila"].split(".")[0]) == 20 + (int(year) - 2025) * 2 + int(half) - 1


def test_support_table_lists_every_release_and_stage():
    table = manila_matrix.support_table()
    for rel in manila_matrix.releases():
        assert "| %s | %s | %s |" % (rel["release"], rel["manila"], rel["python"]) in table
    outcome = manila_matrix.support_table({("2025.1", "manila"): "failed"})
    assert "| 2025.1 | 20.0.3 | 3.10 | failed | not run |" in outcome


def test_manila_releases_env_limits_the_selection(monkeypatch):
    monkeypatch.setenv("MANILA_RELEASES", "2026.2")
    assert [r["release"] for r in manila_matrix.for_stage("manila")] == ["2026.2"]
    monkeypatch.setenv("MANILA_RELEASES", "1999.1")
    with pytest.raises(ValueError, match="1999.1"):
        manila_matrix.for_stage("manila")


def test_find_python_by_version_runs_that_version():
    version = "%d.%d" % sys.version_info[:2]
    found = manila_matrix.find_python(version)
    out = subprocess.run([found, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                         stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout.strip()
    assert out == version
    with pytest.raises(manila_matrix.venvs.VenvError, match="no working Python 2.1"):
        manila_matrix.find_python("2.1")


@pytest.mark.parametrize("rel", manila_matrix.releases(), ids=lambda r: r["release"])
def test_every_release_python_is_on_this_machine(rel):
    """A release whose Python is missing cannot be tested: find it now, not in the manila stage."""
    assert manila_matrix.find_python(rel["python"])


def _marked_tables(path):
    with open(os.path.join(ROOT, path)) as handle:
        text = handle.read()
    return re.findall(r"<!-- manila-support-table -->\n(.*?)\n<!-- /manila-support-table -->", text, re.S)


@pytest.mark.parametrize("doc", ["DEVELOPERS.md", "docs/operator-guide.md"])
def test_support_tables_in_the_docs_match_the_matrix(doc):
    tables = _marked_tables(doc)
    assert tables, "%s has no <!-- manila-support-table --> block" % doc
    for table in tables:
        assert table == manila_matrix.support_table()
