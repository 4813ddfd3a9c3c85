#!/usr/bin/env bash
# Copy the collection (the files git tracks plus new files it does not ignore: what a clean
# clone holds) to DEST/ansible_collections/tegile/intelliflash and print that path.
# DEST must lie outside the checkout: inside it git reports the copy as ignored, and
# ansible-test then skips every file.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
dest=${1:?usage: stage-collection.sh DEST}
coll="$dest/ansible_collections/tegile/intelliflash"
mkdir -p "$coll"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard) \
  | (cd "$ROOT" && while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done; true) \
  | (cd "$ROOT" && tar --null -T - -cf -) | tar -xf - -C "$coll"
echo "$coll"
