# SPDX-License-Identifier: Apache-2.0
"""Fail fast where retrying cannot help, and say what happened.

* A port that speaks plain HTTP: the client (with its default 60 s retry budget) must fail
  at once, not retry for the whole budget.
* A connection reset after a write was sent: the error must not call it a TLS handshake
  failure (the request went out; its outcome is what is unknown).
"""

import time

from . import common
from tegile_intelliflash.client.paths import project_ref, share_ref

FAST_SECONDS = 10.0


def _plain_http(workdir):
    from tegile_intelliflash.simulator.harness import SimulatorProcess
    sim = SimulatorProcess(workdir.sub("failfast-plain"), host="127.0.0.1", port=0,
                           user=common.USER, password=common.PASSWORD,
                           python=common.VENV_PYTHON, extra_args=("--plain-http",))
    with sim:
        client = common.IntelliFlashClient(sim.address, sim.user, sim.password)
        started = time.time()
        try:
            client.list_pools()
            message = "no error"
        except Exception as exc:  # pylint: disable=broad-except
            message = getattr(exc, "message", None) or str(exc)
        finally:
            client.close()
        return time.time() - started, message


def _reset_after_send(workdir):
    with common.simulator(workdir, "failfast-reset") as sim:
        with common.client_for(sim, retry_budget=3) as client:
            client.create_project(project_ref("pool-a", "ff"))
            sim.set_faults(reset_rate=1.0, methods=["createShare"], count=1)
            try:
                client.create_share(share_ref("pool-a", "ff", "s1"))
                return "no error"
            except Exception as exc:  # pylint: disable=broad-except
                return getattr(exc, "message", None) or str(exc)
            finally:
                sim.clear_faults()


def run(workdir, profile, log=print):
    del profile  # two calls: the same in every profile
    seconds, plain_message = _plain_http(workdir)
    reset_message = _reset_after_send(workdir)
    log("failfast: plain HTTP port failed after %.1f s: %s" % (seconds, plain_message[:200]))
    log("failfast: reset after send: %s" % reset_message[:200])
    return {
        "plain_http": {"seconds": round(seconds, 1), "message": plain_message[:500]},
        "reset_after_send": {"message": reset_message[:500]},
        "figures": {
            "plain_http_seconds_to_fail": round(seconds, 1),
            "slow_failures": int(seconds > FAST_SECONDS or plain_message == "no error"),
            "reset_reported_as_tls": int("handshake" in reset_message.lower()),
        },
    }
