# SPDX-License-Identifier: Apache-2.0
"""What every reliability check shares: simulators, ansible-playbook runs, array snapshots and
the reading of the simulator's call log.

Every simulator runs on 127.0.0.1 with a free port and its own state directory, through
``SimulatorProcess`` (which stops it on exit and makes it exit by itself if this process dies).
"""

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tegile_intelliflash.client.api import IntelliFlashClient  # noqa: E402
from tegile_intelliflash.client.paths import dataset_ref, project_ref, share_ref  # noqa: E402
from tegile_intelliflash.simulator.harness import SimulatorProcess  # noqa: E402

VENV_BIN = os.path.join(ROOT, ".venv", "bin")
VENV_PYTHON = os.path.join(VENV_BIN, "python")
MANILA_PYTHON = os.path.join(ROOT, ".venv-manila", "bin", "python")
# A password nobody would type by chance: any occurrence of it (or of the Basic token made
# from it) in an output is a leak.
PASSWORD = "Rel1ab-Pw-7f3q9Zk2"
USER = "admin"
# Keys of array models that differ between two runs that made the same objects.
_VOLATILE = re.compile(r"guid|time|date", re.I)


class Workdir(object):
    """A scratch directory removed at the end (kept with ``keep=True`` for debugging)."""

    def __init__(self, keep=False):
        self.path = tempfile.mkdtemp(prefix="intelliflash-reliability-")
        self.keep = keep
        self._n = 0

    def sub(self, name):
        self._n += 1
        path = os.path.join(self.path, "%03d-%s" % (self._n, re.sub(r"[^\w.-]+", "_", name)))
        os.makedirs(path)
        return path

    def close(self):
        if not self.keep:
            shutil.rmtree(self.path, ignore_errors=True)


@contextlib.contextmanager
def simulator(workdir, name):
    """A fresh simulator (empty array) for one case."""
    sim = SimulatorProcess(workdir.sub(name), host="127.0.0.1", port=0, user=USER,
                           password=PASSWORD, python=VENV_PYTHON,
                           extra_args=("--log-level", "WARNING"))
    with sim:
        yield sim


def client_for(sim, **kwargs):
    """A client that looks at the array (verified HTTPS, no retries unless asked)."""
    kwargs.setdefault("retry_budget", 0)
    return IntelliFlashClient(sim.address, sim.user, sim.password, ca_path=sim.ca_path, **kwargs)


# The retry-after kind: a 429 asking for this wait (seconds), within every caller's budget.
RETRY_AFTER_S = 2


def fault_kinds(latency_ms):
    """The fault kinds: /sim/v1/faults settings of one kind at rate 1 (``latency_ms`` is
    chosen above the caller's read timeout, so the reply comes after the caller gave up).

    ``trickle``: the call runs, then its reply leaves 16 bytes every 0.4 s; each pause is below
    every caller's read timeout (1 s or more), the whole reply (300 bytes or more, headers
    included) takes far longer than it (C37). ``retry-after``: a 429 with ``Retry-After: 2``,
    which the client must wait for before it sends the call again (C36)."""
    return {
        "http-503": {"error_rate": 1.0, "status": 503},
        "http-502": {"error_rate": 1.0, "status": 502},
        "reset": {"reset_rate": 1.0},
        "drop-reply": {"drop_reply_rate": 1.0},
        "latency": {"latency_ms": latency_ms},
        "trickle": {"trickle_ms": 400, "trickle_bytes": 16},
        "retry-after": {"error_rate": 1.0, "status": 429, "retry_after": RETRY_AFTER_S},
    }


def retry_after_beyond(budget_s):
    """A 503 whose Retry-After (an HTTP-date) asks for a wait far beyond a retry budget of
    ``budget_s`` seconds: the client must give up at once, without sending the call again."""
    return {"error_rate": 1.0, "status": 503, "retry_after": int(budget_s) * 10 + 60,
            "retry_after_date": True}


def kind_of(case_name):
    """The fault kind of a case named ``kind/...``."""
    return case_name.split("/", 1)[0]


# -- ansible ---------------------------------------------------------------------------------

def ansible_env(workdir, log_path=None):
    """Environment of an ansible-playbook run that finds this checkout as tegile.intelliflash."""
    collections = os.path.join(workdir.path, "collections")
    link = os.path.join(collections, "ansible_collections", "tegile", "intelliflash")
    if not os.path.exists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(ROOT, link)
    env = dict(os.environ)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": collections,
        "ANSIBLE_PYTHON_INTERPRETER": os.path.join(VENV_BIN, "python"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCAL_TEMP": os.path.join(workdir.path, "ansible-tmp"),
        "ANSIBLE_HOME": os.path.join(workdir.path, "ansible-home"),
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
        "PATH": VENV_BIN + os.pathsep + env.get("PATH", ""),
    })
    env.pop("ANSIBLE_LOG_PATH", None)
    if log_path:
        env["ANSIBLE_LOG_PATH"] = log_path
    return env


def connection_vars(sim, **extra):
    out = {
        "intelliflash_host": sim.address,
        "intelliflash_username": sim.user,
        "intelliflash_password": sim.password,
        "intelliflash_ca_path": sim.ca_path,
    }
    out.update(extra)
    return out


def run_playbook(workdir, playbook, extra_vars, verbosity=0, log_path=None, timeout=600):
    """Run ansible-playbook; returns (rc, output). Extra vars go through a file (no password
    on a command line)."""
    fd, vars_path = tempfile.mkstemp(suffix=".json", dir=workdir.path)
    with os.fdopen(fd, "w") as handle:
        json.dump(extra_vars, handle)
    cmd = [os.path.join(VENV_BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local",
           playbook, "-e", "@" + vars_path]
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    # Output to a file, not a pipe: if this process dies, ansible-playbook would otherwise
    # write into a pipe nobody reads and can hang; with a file it ends by itself.
    out_path = vars_path[:-len(".json")] + ".out"
    try:
        with open(out_path, "w+") as out:
            proc = subprocess.run(cmd, env=ansible_env(workdir, log_path), cwd=workdir.path,
                                  stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  timeout=timeout, check=False)
            out.seek(0)
            output = out.read()
    finally:
        os.remove(vars_path)
        if os.path.exists(out_path):
            os.remove(out_path)
    return proc.returncode, output


def recap_counts(output):
    """(ok, changed, failed) summed over the PLAY RECAP lines."""
    totals = [0, 0, 0]
    for match in re.finditer(r"ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)", output):
        for i in range(3):
            totals[i] += int(match.group(i + 1))
    return tuple(totals)


# -- array state -----------------------------------------------------------------------------

def _clean(model):
    # The client's reads return typed views (ProjectInfo, ShareInfo): compare the whole reply.
    wire = getattr(model, "_wire", model)
    return {k: v for k, v in sorted((wire or {}).items()) if not _VOLATILE.search(k)}


def array_state(sim):
    """Everything the array holds, as comparable plain data keyed by object path."""
    state = {}
    with client_for(sim, retry_budget=10) as client:
        for pool in client.list_pools():
            pname = pool.name
            for proj in client.list_projects(pname):
                project = proj.name
                # The whole reply, every key: the raw call, not the client's view of it.
                state["%s/%s" % (pname, project)] = _clean(client.call("getProject", pname, project, True))
                for snap in client.list_snapshots(project_ref(pname, project)):
                    state["%s/%s@%s" % (pname, project, snap.full_name)] = {}
                for item in client.list_shares(project_ref(pname, project)):
                    share = item.name
                    path = "%s/%s/%s" % (pname, project, share)
                    model = _clean(client.call("getShare", share_ref(pname, project, share).path))
                    for proto in ("nfs", "smb"):
                        model["acl_" + proto] = sorted(
                            repr([getattr(r, k) for k in r.__slots__])
                            for r in client.get_network_acls(proto, dataset_ref(pname, project, share)))
                    state[path] = model
                    for snap in client.list_snapshots(dataset_ref(pname, project, share)):
                        state["%s@%s" % (path, snap.full_name)] = {}
    return state


def compare_states(expected, actual):
    """(missing or different object paths, orphan object paths, first differences)."""
    mismatches, details = [], []
    for path, model in sorted(expected.items()):
        if path not in actual:
            mismatches.append(path)
            details.append("%s: missing" % path)
        elif actual[path] != model:
            mismatches.append(path)
            keys = sorted(k for k in set(model) | set(actual[path])
                          if model.get(k) != actual[path].get(k))
            details.append("%s: %s" % (path, ", ".join(
                "%s %r != %r" % (k, actual[path].get(k), model.get(k)) for k in keys[:4])))
    orphans = sorted(set(actual) - set(expected))
    details.extend("%s: orphan" % path for path in orphans)
    return mismatches, orphans, details


# -- the call log ----------------------------------------------------------------------------

def executed_writes(log):
    """Writes the array ran (applied, or refused by the handler), in arrival order."""
    return [e for e in log["entries"] if e["write"] and e["outcome"] != "not executed"]


def replayed_writes(log, boundaries=()):
    """Writes that ran twice: an executed write with the method and arguments of the write the
    array ran just before it, within one operation (from one sequential caller, nothing
    legitimate sends the same write twice in a row: the second could only repeat the first).

    ``boundaries``: call-log sequence numbers after which a new operation began (two separate
    operations may each send one idempotent write, e.g. a rollback's delete and then the
    caller's own delete of the same share)."""
    writes = executed_writes(log)
    return [b["method"] for a, b in zip(writes, writes[1:])
            if (a["method"], a["digest"]) == (b["method"], b["digest"])
            and not any(a["seq"] <= s < b["seq"] for s in boundaries)]


def early_resends(log, faults, boundaries=()):
    """Calls sent again sooner than a Retry-After asked (C36): for each call a fault answered
    with ``faults``' Retry-After, the next call with its method and arguments, within one run
    or operation (``boundaries`` as in ``replayed_writes``), must start no earlier than that
    reply's end plus the asked wait. Returns the methods of the early ones."""
    wait = faults.get("retry_after") if faults.get("error_rate") else None
    if not isinstance(wait, int):
        return []
    # An HTTP-date has whole seconds: the wait it asks can be up to 1 s shorter.
    wait -= 1.0 if faults.get("retry_after_date") else 0.05
    entries = log["entries"]
    out = []
    for i, first in enumerate(entries):
        if not (first["fault"] or "").startswith("http ") or first["end"] is None:
            continue
        for again in entries[i + 1:]:
            if any(first["seq"] <= s < again["seq"] for s in boundaries):
                break
            if (again["method"], again["digest"]) == (first["method"], first["digest"]):
                if again["start"] < first["end"] + wait:
                    out.append(again["method"])
                break
    return out


def last_seq(sim):
    """The sequence number of the last call in the simulator's log (0 when empty)."""
    entries = sim.call_log()["entries"]
    return entries[-1]["seq"] if entries else 0


def faults_fired(sim):
    return int(sim.get_faults().get("fired", 0) or 0)


def wait_quiet(sim, seconds=0.2, limit=30.0):
    """Wait until no array call is in progress (a delayed write may still be executing after
    its caller gave up on it), so the state read next is the final one."""
    deadline = time.time() + limit
    while time.time() < deadline:
        entries = sim.call_log()["entries"]
        if all(e["end"] is not None for e in entries):
            last_end = max([e["end"] for e in entries] or [0])
            if time.time() - last_end >= seconds:
                return True
        time.sleep(seconds)
    return False


def leaks(text, secret=PASSWORD, user=USER):
    """How many times the secret (or the Basic token built from it) occurs in ``text``."""
    import base64
    token = base64.b64encode(("%s:%s" % (user, secret)).encode()).decode()
    return text.count(secret) + text.count(token)
