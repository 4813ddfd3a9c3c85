#!/usr/bin/env bash
# The fleet pattern of playbooks/fleet.yml against three simulated arrays at once: arrays as
# inventory hosts (host: "{{ inventory_hostname }}"), the password from a vault in group_vars,
# modules delegated to the controller, --forks 3, a snapshot with async/poll and clones waited for
# with async_status. The simulators listen on 127.0.0.11-13:443, as real arrays on 443 would (a
# lock keeps two runs on one machine apart); each has its own CA and the fleet's password.
set -euo pipefail

coll=$(python -c '
import os
for root in os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep):
    path = os.path.join(root, "ansible_collections", "tegile", "intelliflash")
    if os.path.isdir(os.path.join(path, "tegile_intelliflash", "simulator")):
        print(path)
        break
')
[ -n "$coll" ] || { echo "collection under test not found on ANSIBLE_COLLECTIONS_PATH" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/tegile-fleet.XXXXXX")
pids=()
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

exec 9>/tmp/tegile-fleet-443.lock
flock 9

password="Fl33t-$(python -c 'import secrets; print(secrets.token_hex(8))')"
arrays=(127.0.0.11 127.0.0.12 127.0.0.13)
mkdir -p "$work/inventory/group_vars/intelliflash_arrays"
{
  echo "intelliflash_arrays:"
  echo "  hosts:"
} > "$work/inventory/hosts.yml"
for ip in "${arrays[@]}"; do
  mkfifo "$work/$ip.out"
  # The simulator is the collection's own (the staged copy of the checkout under test).
  PYTHONPATH="$coll" INTELLIFLASH_SIM_PASSWORD="$password" python -m tegile_intelliflash.simulator \
      --host "$ip" --port 443 --state "$work/$ip" >"$work/$ip.out" 2>"$work/$ip.log" &
  pids+=($!)
  exec 3<"$work/$ip.out"
  if ! IFS= read -r -t 60 line <&3 || [ "$line" != "listening on https://$ip:443" ]; then
    echo "simulator on $ip did not start: ${line:-}" >&2
    cat "$work/$ip.log" >&2
    exit 1
  fi
  exec 3<&-
  printf '    %s:\n      intelliflash_ca_path: %s\n' "$ip" "$work/$ip/ca.pem" >> "$work/inventory/hosts.yml"
done

# Credentials as a user keeps them: the password in a vault, the rest in plain group_vars.
cat > "$work/inventory/group_vars/intelliflash_arrays/vars.yml" <<VARS
---
intelliflash_username: admin
intelliflash_password: "{{ vault_intelliflash_password }}"
fleet_shares: [{name: data, size: 2G}, {name: logs, size: 1G}]
VARS
python -c 'import secrets; print(secrets.token_hex(16))' > "$work/vault-pass"
printf -- '---\nvault_intelliflash_password: "%s"\n' "$password" > "$work/inventory/group_vars/intelliflash_arrays/vault.yml"
ansible-vault encrypt --vault-password-file "$work/vault-pass" "$work/inventory/group_vars/intelliflash_arrays/vault.yml"
grep -q '^[$]ANSIBLE_VAULT' "$work/inventory/group_vars/intelliflash_arrays/vault.yml"

run() {
  ansible-playbook -i "$work/inventory" --vault-password-file "$work/vault-pass" --forks 3 "$@"
}

# First run: every array gets the layout; second run: nothing changes anywhere.
run tegile.intelliflash.fleet | tee "$work/run1.log"
run tegile.intelliflash.fleet | tee "$work/run2.log"
for ip in "${arrays[@]}"; do
  grep -Eq "^$ip +: ok=[0-9]+ +changed=[1-9][0-9]* +unreachable=0 +failed=0" "$work/run1.log"
  grep -Eq "^$ip +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0" "$work/run2.log"
done
if grep -F "$password" "$work/run1.log" "$work/run2.log"; then
  echo "the password appeared in the output" >&2
  exit 1
fi

# What each array holds, read back over the API (the verify play).
run verify.yml -e "fleet_expect_shares=data,logs,data_nightly,logs_nightly"
