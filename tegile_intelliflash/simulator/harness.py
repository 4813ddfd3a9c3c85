# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Run the simulator from tests and scripts. Standard library only.

    from tegile_intelliflash.simulator.harness import SimulatorProcess
    with SimulatorProcess(state_dir) as sim:
        sim.url, sim.ca_path, sim.calls(), sim.set_faults(drop_reply_rate=1, count=1), ...

The process is ``python -m tegile_intelliflash.simulator``; ``start()`` waits for its
``listening on`` line; leaving the ``with`` block (or ``stop()``) always ends it.
"""

import base64
import collections
import json
import os
import queue
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

_READY_PREFIX = "listening on "
_STDERR_KEEP = 5000  # last stderr lines kept for error messages (the request log is chatty)


class SimulatorError(RuntimeError):
    """The simulator did not start, or a control call failed."""


class SimulatorProcess:
    def __init__(self, state_dir, host="127.0.0.1", port=0, user="admin", password="admin",
                 python=None, extra_args=(), start_timeout=30.0, env=None):
        self.state_dir = os.path.abspath(str(state_dir))
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.python = python or sys.executable
        self.extra_args = tuple(extra_args)
        self.start_timeout = start_timeout
        self.env = env
        self.url = None
        self.process = None
        self._stderr_lines = collections.deque(maxlen=_STDERR_KEEP)
        self._stderr_thread = None
        self._plain = "--plain-http" in self.extra_args

    def __repr__(self):
        return "SimulatorProcess(url=%r, state_dir=%r, user=%r)" % (
            self.url, self.state_dir, self.user)

    # -- properties --------------------------------------------------------------------------
    @property
    def ca_path(self):
        return os.path.join(self.state_dir, "ca.pem")

    @property
    def address(self):
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "%s:%d" % (host, self.port)

    @property
    def stderr_text(self):
        """The simulator's recent stderr (its last few thousand lines)."""
        return "".join(list(self._stderr_lines))

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self):
        if self.running:
            return self
        os.makedirs(self.state_dir, mode=0o700, exist_ok=True)
        cmd = [self.python, "-m", "tegile_intelliflash.simulator", "--host", self.host,
               "--port", str(self.port), "--state", self.state_dir, "--user", self.user]
        cmd.extend(self.extra_args)
        env = dict(os.environ if self.env is None else self.env)
        env["INTELLIFLASH_SIM_PASSWORD"] = self.password  # not on the command line (ps)
        # The simulator stops by itself if this process dies without stopping it.
        env["INTELLIFLASH_SIM_EXIT_WITH_PARENT"] = str(os.getpid())
        env.setdefault("PYTHONUNBUFFERED", "1")
        self._stderr_lines = collections.deque(maxlen=_STDERR_KEEP)
        self.process = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=env, text=True, bufsize=1, start_new_session=True,
        )
        self._stderr_thread = threading.Thread(
            target=self._drain, args=(self.process.stderr, self._stderr_lines), daemon=True)
        self._stderr_thread.start()
        lines = queue.Queue()
        threading.Thread(target=self._read_stdout, args=(self.process.stdout, lines),
                         daemon=True).start()
        deadline = time.monotonic() + self.start_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._terminate()
                raise SimulatorError("simulator did not start within %.0f s; stderr:\n%s"
                                     % (self.start_timeout, self.stderr_text))
            try:
                line = lines.get(timeout=min(remaining, 0.2))
            except queue.Empty:
                if self.process.poll() is not None:
                    self._wait_stderr()
                    raise SimulatorError("simulator exited with status %s before listening; "
                                         "stderr:\n%s" % (self.process.returncode,
                                                          self.stderr_text))
                continue
            if line is None:
                continue
            if line.startswith(_READY_PREFIX):
                self.url = line[len(_READY_PREFIX):].strip()
                self.port = int(self.url.rsplit(":", 1)[1])
                return self

    @staticmethod
    def _drain(stream, sink):
        for line in stream:
            sink.append(line)
        stream.close()

    @staticmethod
    def _read_stdout(stream, lines):
        for line in stream:
            lines.put(line)
        lines.put(None)

    def _wait_stderr(self):
        if self._stderr_thread is not None:
            self._stderr_thread.join(timeout=5)

    def _terminate(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def stop(self, timeout=15.0):
        """SIGTERM, then SIGKILL if it does not exit within ``timeout`` seconds."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._wait_stderr()

    def kill(self):
        """SIGKILL: the state must survive it (each API call is one committed transaction)."""
        if self.process is None:
            return
        self._terminate()
        self._wait_stderr()

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- control API -------------------------------------------------------------------------
    def _ssl_context(self):
        if self._plain:
            return None
        return ssl.create_default_context(cafile=self.ca_path)

    def control(self, method, path, body=None, timeout=30.0):
        """Call the control API; returns the decoded JSON reply, raises SimulatorError."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(self.url + path, data=data, method=method)
        token = base64.b64encode(("%s:%s" % (self.user, self.password)).encode()).decode()
        req.add_header("Authorization", "Basic " + token)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        # No ProxyHandler from the environment: a CI job's HTTPS_PROXY/HTTP_PROXY would send
        # these calls (and their Basic credentials) to the proxy, which cannot reach a
        # simulator on this machine's loopback anyway.
        handlers = [urllib.request.ProxyHandler({})]
        context = self._ssl_context()
        if context is not None:
            handlers.append(urllib.request.HTTPSHandler(context=context))
        opener = urllib.request.build_opener(*handlers)
        try:
            with opener.open(req, timeout=timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            text = exc.read().decode("utf-8", "replace")
            raise SimulatorError("%s %s failed: HTTP %d %s" % (method, path, exc.code, text)) \
                from None
        return json.loads(raw) if raw else None

    def calls(self):
        return self.control("GET", "/sim/v1/calls")

    def stats(self):
        """Connections accepted (``connections.opened``), open now, and requests served."""
        return self.control("GET", "/sim/v1/stats")

    def call_log(self):
        return self.control("GET", "/sim/v1/calls/log")

    def reset_calls(self):
        return self.control("POST", "/sim/v1/calls/reset", {})

    def set_faults(self, **config):
        return self.control("POST", "/sim/v1/faults", config)

    def get_faults(self):
        return self.control("GET", "/sim/v1/faults")

    def clear_faults(self):
        return self.control("DELETE", "/sim/v1/faults")

    def set_used(self, dataset, nbytes):
        return self.control("POST", "/sim/v1/used", {"dataset": dataset, "bytes": nbytes})

    def receive_replica(self, project):
        """A Replica copy of the Local project ``pool/Local/name`` (``/sim/v1/replica``)."""
        return self.control("POST", "/sim/v1/replica", {"project": project})

    def drop_replica(self, project):
        """Remove the Replica project ``pool/Replica/name`` and its shares."""
        return self.control("DELETE", "/sim/v1/replica", {"project": project})

    def set_delays(self, snapshot_ms=0, clone_ms=0):
        return self.control("POST", "/sim/v1/delays",
                            {"snapshot_ms": snapshot_ms, "clone_ms": clone_ms})
