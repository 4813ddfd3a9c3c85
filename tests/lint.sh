#!/usr/bin/env bash
# ansible-lint (production profile, offline) on a scratch copy of the collection placed at
# .../ansible_collections/tegile/intelliflash, so that the collection's own modules, action
# group and role resolve by their FQCN.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV="$ROOT/.venv"
[ -x "$VENV/bin/ansible-lint" ] || make -C "$ROOT" venv >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/tegile-lint.XXXXXX")
trap 'rm -rf "$work"' EXIT
coll=$("$ROOT/tests/tools/stage-collection.sh" "$work")
export PATH="$VENV/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$work"
cd "$coll"
exec ansible-lint --offline --profile production "$@"
