# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""The test harness (SimulatorProcess) as users' CI meets it."""

import socket
import sys
import threading

import pytest
import requests

from tegile_intelliflash.simulator.harness import SimulatorError, SimulatorProcess


class _RecordingProxy:
    """A TCP listener standing in for a CI job's HTTP proxy: it counts the connections it gets
    and closes them (a real proxy on another machine could not reach our loopback anyway)."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _peer = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


def test_control_calls_ignore_proxy_environment(sim, monkeypatch):
    proxy = _RecordingProxy()
    try:
        url = "http://127.0.0.1:%d" % proxy.port
        for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY",
                     "all_proxy"):
            monkeypatch.setenv(name, url)
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        sim.reset_calls()
        assert sim.calls()["total"] == 0
        assert sim.get_faults() == {"active": False}
        assert proxy.connections == 0
    finally:
        proxy.close()


def test_a_port_in_use_is_a_one_line_error(tmp_path):
    busy = socket.create_server(("127.0.0.1", 0))
    try:
        port = busy.getsockname()[1]
        proc = SimulatorProcess(tmp_path / "state", port=port, python=sys.executable)
        with pytest.raises(SimulatorError) as info:
            proc.start()
    finally:
        busy.close()
    message = str(info.value)
    assert "exited with status 2" in message
    assert "cannot listen on 127.0.0.1 port %d: Address already in use" % port in message
    assert "Traceback" not in message
    assert not proc.running


def test_pool_sizes_are_exact_and_64_bit(tmp_path):
    # 2^53 + 1 bytes: exactly representable as an integer, not as a float.
    exact = 2 ** 53 + 1
    with SimulatorProcess(tmp_path / "a", python=sys.executable,
                          extra_args=("--pool", "big=%d" % exact)) as sim:
        resp = requests.post(sim.url + "/zebi/api/v2/listPools", data="[]", verify=sim.ca_path,
                             auth=(sim.user, sim.password), timeout=30)
        assert resp.status_code == 200
        assert [(p["name"], p["totalSize"]) for p in resp.json()] == [("big", exact)]
    too_big = SimulatorProcess(tmp_path / "b", python=sys.executable,
                               extra_args=("--pool", "huge=8192P"))  # 2^63 bytes
    with pytest.raises(SimulatorError) as info:
        too_big.start()
    message = str(info.value)
    assert "exited with status 2" in message and "must be below 2^63 bytes" in message
    assert "Traceback" not in message
