#!/usr/bin/env bash
# Run ansible-test on this collection from a scratch copy whose path ends in
# ansible_collections/tegile/intelliflash (ansible-test requires that layout).
#
#   tests/ansible-test.sh sanity [args]         # --venv --python 3.11 is added
#   tests/ansible-test.sh units [args]          # --local (uses .venv: requests, pytest)
#   tests/ansible-test.sh integration [args]    # --local, against a simulator started here
#
# Environment: ANSIBLE_TEST_RESULTS=DIR copies tests/output of the run to DIR afterwards.
# ANSIBLE_TEST_VENV=DIR and ANSIBLE_TEST_PYTHON=X.Y run another ansible-core (a venv of the
# version matrix, tests/tools/ansible_matrix.py) on that Python; the simulator always runs from
# this checkout's .venv.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV="$ROOT/.venv"
CORE_VENV=${ANSIBLE_TEST_VENV:-$VENV}
PY=${ANSIBLE_TEST_PYTHON:-3.11}
command=${1:?usage: tests/ansible-test.sh sanity|units|integration [ansible-test args]}
shift

[ -x "$VENV/bin/ansible-test" ] || make -C "$ROOT" venv >/dev/null

# ansible-test --venv bootstraps pip with a script it downloads; provide it locally.
pip_version=$(TEST_PY="$PY" "$CORE_VENV/bin/python" - <<'PY'
import os
from ansible_test._internal.python_requirements import get_venv_packages
class P:  # only .version is read
    version = os.environ["TEST_PY"]
print(get_venv_packages(P())["pip"])
PY
)
standin="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
if ! cmp -s "$ROOT/tests/tools/get_pip_standin.py" "$standin" 2>/dev/null; then
  mkdir -p "$(dirname "$standin")"
  cp "$ROOT/tests/tools/get_pip_standin.py" "$standin"
fi

# Outside the checkout: inside it, git would report the copy as ignored and ansible-test
# would skip every file.
work=$(mktemp -d "${TMPDIR:-/tmp}/tegile-ansible-test.XXXXXX")
sim_pid=""
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
  if [ -n "$sim_pid" ] && kill -0 "$sim_pid" 2>/dev/null; then
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

coll=$("$ROOT/tests/tools/stage-collection.sh" "$work")

export PATH="$CORE_VENV/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$work"
case "$command" in
  sanity)
    mode=(--venv --python "$PY")
    # ansible-test skips its shellcheck test (with only a warning) when shellcheck is missing.
    if ! command -v shellcheck >/dev/null 2>&1; then
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing shellcheck (Debian package) for the shellcheck sanity test" >&2
        apt_opts=(-q -y -o DPkg::Lock::Timeout=600 --no-install-recommends)
        DEBIAN_FRONTEND=noninteractive apt-get install "${apt_opts[@]}" shellcheck >/dev/null 2>&1 || {
          apt-get -q update >/dev/null 2>&1 || true
          DEBIAN_FRONTEND=noninteractive apt-get install "${apt_opts[@]}" shellcheck >/dev/null 2>&1 || true
        }
      fi
      command -v shellcheck >/dev/null 2>&1 || {
        echo "shellcheck is missing and could not be installed: apt-get install shellcheck" >&2
        exit 1
      }
    fi ;;
  units)
    mode=(--local --python "$PY") ;;
  integration)
    mode=(--local --python "$PY")
    "$ROOT/tests/tools/ansible-test-ssh-key.sh"
    state="$work/sim-state"
    mkdir -p "$state"
    fifo="$work/sim.out"
    mkfifo "$fifo"
    "$VENV/bin/python" -m tegile_intelliflash.simulator --host 127.0.0.1 --port 0 --state "$state" \
        >"$fifo" 2>"$work/sim.log" &
    sim_pid=$!
    exec 3<"$fifo"
    line=""
    if ! IFS= read -r -t 60 line <&3 || [[ "$line" != "listening on https://"* ]]; then
      echo "simulator did not start: $line" >&2
      cat "$work/sim.log" >&2 || true
      exit 1
    fi
    url=${line#listening on }
    cat > "$coll/tests/integration/integration_config.yml" <<CFG
---
intelliflash_host: "${url#https://}"
intelliflash_username: admin
intelliflash_password: admin
intelliflash_ca_path: "$state/ca.pem"
intelliflash_sim_url: "$url"
CFG
    ;;
  *)
    mode=() ;;
esac

status=0
(cd "$coll" && ansible-test "$command" "${mode[@]}" "$@") || status=$?
if [ -n "${ANSIBLE_TEST_RESULTS:-}" ] && [ -d "$coll/tests/output" ]; then
  mkdir -p "$ANSIBLE_TEST_RESULTS"
  (cd "$coll/tests/output" && tar --exclude=./.tmp -cf - .) | tar -xf - -C "$ANSIBLE_TEST_RESULTS"
fi
if [ "$command" = integration ] && [ $status -ne 0 ]; then
  echo "--- simulator log (tail) ---" >&2
  tail -n 40 "$work/sim.log" >&2 || true
fi
exit $status
