# tegile.intelliflash — the two commands: `make demo` and `make test`.
# Both bootstrap what they need (.venv with pinned packages); nothing relies on a manual install.

PYTHON ?= python3
VENV := .venv
MANILA_VENV := .venv-manila
PIP_QUIET ?= -q

.PHONY: venv venv-manila venv-manila-all demo test bench reliability soak lint sanity units integration clean constraints help docs

help:
	@echo "make demo         run the end-to-end demo against the embedded simulator"
	@echo "make test         run every test stage; ends with 'N passed, N failed'"
	@echo "make venv         only create .venv (pinned tooling + this package in editable mode)"
	@echo "make venv-manila  only create .venv-manila (Manila 23.0.1 + this package)"
	@echo "make venv-manila-all  every Manila release's venv (requirements/manila/matrix.json)"
	@echo "make bench        REST calls and time: both Manila drivers, modules vs uri (bench/results.json, docs/benchmarks.md)"
	@echo "make reliability  quick reliability run (faults, malformed input, concurrency, kill -9); fails on a missed goal"
	@echo "make soak         long reliability run (30-60 min); rewrites the soak figures in docs/reliability.md"
	@echo "make docs         HTML documentation site into .build/docs/html"

venv: $(VENV)/.stamp
$(VENV)/.stamp: requirements/dev.txt requirements/dev-constraints.txt pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install $(PIP_QUIET) -r requirements/dev.txt -c requirements/dev-constraints.txt
	$(VENV)/bin/python -m pip install $(PIP_QUIET) --no-deps -e .
	@touch $@

# The newest Manila of requirements/manila/matrix.json, with the Python the matrix names; cached
# by tests/tools/cached_venv.py (rebuilt only when requirements, constraints or Python change).
# The other releases' venvs are built by the manila stages themselves (`venv-manila-all` builds all).
venv-manila:
	$(PYTHON) tests/tools/manila_matrix.py ensure 2026.2

venv-manila-all:
	$(PYTHON) tests/tools/manila_matrix.py ensure --all

demo: venv venv-manila
	$(VENV)/bin/python scripts/demo.py

test: venv venv-manila
	$(VENV)/bin/python tests/run_all.py

bench: venv venv-manila
	$(VENV)/bin/python scripts/bench.py

reliability: venv venv-manila
	$(VENV)/bin/python scripts/reliability.py --check

soak: venv venv-manila
	$(VENV)/bin/python scripts/reliability.py --profile soak --doc docs/reliability.md --check

# HTML documentation (antsibull-docs + Sphinx) into .build/docs/html; see DEVELOPERS.md.
docs:
	scripts/build-docs.sh

constraints: venv venv-manila
	$(VENV)/bin/python -m pip freeze --exclude-editable | grep -v '^tegile' > requirements/dev-constraints.txt
	$(MANILA_VENV)/bin/python -m pip freeze --exclude-editable | grep -v '^tegile' > requirements/manila-constraints.txt

# What builds, pip/setuptools (`pip install .` leaves build/ and *.egg-info), test runs and
# caches leave in the tree; never a tracked file (tests/python/packaging/test_make_clean.py).
clean:
	rm -rf .build build dist docs/_build tests/output .pytest_cache .mypy_cache .ruff_cache .tox
	rm -f tegile-intelliflash-*.tar.gz tests/integration/integration_config.yml tests/integration/inventory
	find . -path ./.git -prune -o \( -name '*.egg-info' -o -name __pycache__ -o -name .pytest_cache \) \
	  -not -path './.venv*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) $(MANILA_VENV) $(MANILA_VENV)-*
