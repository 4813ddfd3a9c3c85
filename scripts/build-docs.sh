#!/usr/bin/env bash
# The collection's HTML documentation site (make docs): antsibull-docs renders the modules' own
# DOCUMENTATION/EXAMPLES/RETURN and the role's argument_specs, the guides in docs/ (Markdown,
# with README.md and DEVELOPERS.md) are added as they are, Sphinx builds it with warnings as
# errors (a broken reference fails the build). Tools: the cached release-tools venv.
#
#   scripts/build-docs.sh [OUTPUT_DIR]     # default .build/docs; open OUTPUT_DIR/html/index.html
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$ROOT/.build/docs}")
tools=$(python3 "$ROOT/tests/tools/venvs.py" path release-tools \
  --python "$(python3 -c 'import sys; sys.path.insert(0, "'"$ROOT"'/tests/tools"); import ansible_matrix; print(ansible_matrix.find_python("3.11"))')" \
  -r "$ROOT/requirements/release-tools.txt" -c "$ROOT/requirements/release-tools-constraints.txt")
export PATH="$tools/bin:$PATH"

work=$(mktemp -d "${TMPDIR:-/tmp}/tegile-docs.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$ROOT/tests/tools/stage-collection.sh" "$work/collections" >/dev/null
export ANSIBLE_COLLECTIONS_PATH="$work/collections"
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false

site="$work/site"
mkdir -m 700 "$site"
antsibull-docs sphinx-init --use-current --dest-dir "$site" tegile.intelliflash >/dev/null
chmod 700 "$site/rst"
antsibull-docs --config-file "$site/antsibull-docs.cfg" collection --cleanup everything --use-current \
  --dest-dir "$site/rst" tegile.intelliflash

# The guides, with links between them rewritten to their place in the site.
mkdir -p "$site/rst/guides"
cp "$ROOT"/docs/*.md "$site/rst/guides/"
# Images the guides show (docs/benchmarks.md's plots), at the same relative place.
if [ -d "$ROOT/docs/img" ]; then cp -r "$ROOT/docs/img" "$site/rst/guides/img"; fi
cp "$ROOT/README.md" "$site/rst/guides/readme.md"
cp "$ROOT/DEVELOPERS.md" "$site/rst/guides/developers.md"
sed -i -e 's#](docs/#](#g' -e 's#](DEVELOPERS.md#](developers.md#g' "$site/rst/guides/readme.md"
sed -i -e 's#](\.\./README.md#](readme.md#g' -e 's#](\.\./DEVELOPERS.md#](developers.md#g' \
  -e 's#](\.\./roles/manila_backend/README.md)#](../collections/tegile/intelliflash/manila_backend_role.rst)#g' \
  "$site"/rst/guides/*.md
# Every guide in docs/ is in the table of contents (a new one needs no edit here): the user's
# path first, the rest by name, the developers' guide last.
{
  printf '\n.. toctree::\n   :maxdepth: 1\n   :caption: Guides:\n\n   guides/readme\n   guides/fleet\n   guides/execution-environment\n'
  for guide in "$ROOT"/docs/*.md; do
    name=$(basename "$guide" .md)
    case "$name" in fleet|execution-environment) ;; *) printf '   guides/%s\n' "$name" ;; esac
  done
  printf '   guides/developers\n   ansible-references\n'
} >> "$site/rst/index.rst"
# Labels of the Ansible documentation the generated pages refer to (no intersphinx without network).
cat > "$site/rst/ansible-references.rst" <<'RST'
Ansible documentation referred to
=================================

.. _common_return_values:

Return values common to all modules
-----------------------------------

`docs.ansible.com: common return values <https://docs.ansible.com/projects/ansible/latest/reference_appendices/common_return_values.html>`_

.. _ansible_configuration_settings:

Ansible configuration settings
------------------------------

`docs.ansible.com: configuration settings <https://docs.ansible.com/projects/ansible/latest/reference_appendices/config.html>`_
RST
cat >> "$site/conf.py" <<'PY'

# tegile.intelliflash: no intersphinx (no network where the site is built); Markdown guides.
project = 'tegile.intelliflash'
title = html_short_title = 'tegile.intelliflash documentation'
intersphinx_mapping = {}
extensions.append('myst_parser')
source_suffix = {'.rst': 'restructuredtext', '.md': 'markdown'}
myst_heading_anchors = 3
PY
sphinx-build -q -b html "$site/rst" "$work/html" -c "$site" -W --keep-going
rm -rf "$out"
mkdir -p "$out"
cp -r "$work/html" "$out/html"
echo "docs site: $out/html/index.html"
