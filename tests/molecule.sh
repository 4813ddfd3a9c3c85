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
# Molecule keeps a scenario's state (e.g. "prepared") under ~/.ansible/tmp in a directory named
# after the project directory's name ("extensions"), so every checkout, clone and interrupted
# run would share it: a run after an interrupted one skipped prepare and failed. Each run gets
# its own, removed with $work.
export MOLECULE_EPHEMERAL_DIRECTORY="$work/ephemeral"
cd "$coll/extensions"
exec molecule test -s "$scenario" "$@"
