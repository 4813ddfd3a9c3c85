#!/usr/bin/env bash
# Make ansible-test's SSH key pair (~/.ansible/test/id_rsa and id_rsa.pub) once, under a lock.
#
# ansible-test makes the pair on first use with ssh-keygen, without a lock: two runs starting
# together on a machine that has none (tests/run_all.py runs two integration stages at once)
# both call ssh-keygen, and the second stops at "id_rsa already exists. Overwrite (y/n)?" and
# fails. The pair is made here as ansible-test makes it (PEM, RSA, no passphrase, the "RSA
# PRIVATE KEY" header paramiko reads), in a scratch directory, and moved in place whole.
set -euo pipefail
dir="$HOME/.ansible/test"
mkdir -p "$dir"
exec 9>"$dir/.ssh-key.lock"
flock 9
if [ -f "$dir/id_rsa" ] && [ -f "$dir/id_rsa.pub" ]; then
  exit 0
fi
tmp=$(mktemp -d "$dir/.ssh-key.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
ssh-keygen -m PEM -q -t rsa -N '' -f "$tmp/id_rsa"
sed -i -E 's/(BEGIN|END) PRIVATE KEY/\1 RSA PRIVATE KEY/' "$tmp/id_rsa"
mv -f "$tmp/id_rsa.pub" "$dir/id_rsa.pub"
mv -f "$tmp/id_rsa" "$dir/id_rsa"
