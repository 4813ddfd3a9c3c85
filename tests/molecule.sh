#!/usr/bin/env bash
# Run one molecule scenario (extensions/molecule/<scenario>) from a scratch copy of the
# collection at .../ansible_collections/tegile/intelliflash.
#   tests/molecule.sh <scenario> [molecule test args]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV="$ROOT/.venv"
scenario=${1:?usage: tests/molecule.sh SCENARIO [args]}
shift
[ -x "$VENV/bin/molecule" ] || make -C "$ROOT" venv >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/tegile-molecule.XXXXXX")
trap 'rm -rf "$work"' EXIT
coll=$("$ROOT/tests/tools/stage-collection.sh" "$work")
export PATH="$VENV/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$work"
export TEGILE_REPO_ROOT="$ROOT"   # where .venv / .venv-manila live
cd "$coll/extensions"
exec molecule test -s "$scenario" "$@"
