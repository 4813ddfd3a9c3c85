# SPDX-License-Identifier: Apache-2.0
"""The driver's HTTPS connections to the array when Manila runs many calls at once.

A manila-share process runs up to ``executor_thread_pool_size`` RPC requests at once (64 by
default), beside its periodic tasks, all through the back end's one client. A client that keeps
fewer connections than that opens one for each call beyond them and closes it after (urllib3:
"Connection pool is full, discarding connection"): a TLS handshake per call. The simulator counts
the connections it accepts; its latency fault keeps every call of a round open at once.
"""

from concurrent import futures
import logging
import threading

import pytest
from oslo_config import cfg

from tegile_driver_helpers import new_driver
from tegile_intelliflash.manila_driver import backend as backend_mod

# Above requests' default of 10 connections kept per pool.
CALLERS = 24
LATENCY_MS = 500


def _connections_opened(simulator):
    """Connections the simulator accepted so far, this control call's own excluded."""
    return simulator.stats()["connections"]["opened"] - 1


def _round(client, callers):
    """``callers`` calls at once (each held LATENCY_MS by the simulator)."""
    barrier = threading.Barrier(callers)

    def call(_index):
        barrier.wait()
        return client.list_pools()

    with futures.ThreadPoolExecutor(max_workers=callers) as pool:
        assert all(list(pool.map(call, range(callers))))


def _throwaway_connections(simulator, driver, callers, rounds=3):
    """Connections opened by ``rounds`` rounds of ``callers`` calls at once, after a first round
    that opened what the calls need."""
    client = driver._backend.client
    simulator.set_faults(latency_ms=LATENCY_MS, methods=["listPools"])
    try:
        _round(client, callers)
        before = _connections_opened(simulator) + 1
        for _round_index in range(rounds):
            _round(client, callers)
        return _connections_opened(simulator) - before
    finally:
        simulator.clear_faults()


@pytest.fixture
def rpc_workers():
    """Sets manila.conf's executor_thread_pool_size for the next do_setup."""
    backend_mod.connection_pool_size()  # registers oslo.messaging's option, as do_setup does
    yield lambda value: cfg.CONF.set_override("executor_thread_pool_size", value)
    cfg.CONF.clear_override("executor_thread_pool_size")


def test_more_concurrent_calls_than_ten_reuse_their_connections(simulator, caplog):
    driver = new_driver(simulator)
    try:
        with caplog.at_level(logging.WARNING, logger="urllib3.connectionpool"):
            assert _throwaway_connections(simulator, driver, CALLERS) == 0
        assert "Connection pool is full" not in caplog.text
    finally:
        driver._backend.close_client()


def test_the_pool_follows_manilas_rpc_workers(simulator, rpc_workers, caplog):
    """executor_thread_pool_size=4: five connections kept (four RPC workers and the periodic
    tasks), so ten calls at once (what a pool of requests' default keeps) throw up to five away in
    every round (as many as the calls beyond five that overlap)."""
    rpc_workers(4)
    driver = new_driver(simulator)
    try:
        with caplog.at_level(logging.WARNING, logger="urllib3.connectionpool"):
            assert 0 < _throwaway_connections(simulator, driver, 10) <= 3 * 5
        assert "Connection pool is full, discarding connection" in caplog.text
    finally:
        driver._backend.close_client()


# -- executor_thread_pool_size: read before the RPC server registers it ------------------------

def _fresh_conf(tmp_path, value=None):
    """A ConfigOpts of its own, parsed from a manila.conf (as cfg.CONF is when do_setup runs:
    parsed, the option not yet registered)."""
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / "manila.conf"
    path.write_text("[DEFAULT]\n" + ("executor_thread_pool_size = %s\n" % value
                                     if value is not None else ""))
    conf = cfg.ConfigOpts()
    conf([], project="manila", default_config_files=[str(path)])
    return conf


def _rpc_server(conf):
    """What manila-share's service does after init_host: build its RPC server, which registers
    oslo.messaging's executor options on ``conf``."""
    import oslo_messaging

    transport = oslo_messaging.get_rpc_transport(conf, url="fake:/")
    try:
        return oslo_messaging.get_rpc_server(
            transport, oslo_messaging.Target(topic="manila-share", server="host"), [])
    finally:
        transport.cleanup()


def _opt(conf):
    return conf._opts["executor_thread_pool_size"]["opt"]  # pylint: disable=protected-access


@pytest.mark.parametrize("order", ["driver first", "server first"])
def test_the_option_read_is_oslo_messagings_own(tmp_path, order):
    """do_setup runs before the RPC server exists: the driver registers the option from
    oslo.messaging's own definition. The server's registration after it is no
    DuplicateOptError, nor one before it (a set-up retried later, a second back end); the value
    is manila.conf's, and the option keeps oslo.messaging's default and help."""
    conf = _fresh_conf(tmp_path, 7)
    reference = _fresh_conf(tmp_path / "reference")
    _rpc_server(reference)
    if order == "server first":
        _rpc_server(conf)
    assert backend_mod.connection_pool_size(conf) == 7 + backend_mod.PERIODIC_CALLERS
    assert backend_mod.connection_pool_size(conf) == 8  # a second back end, a retried set-up
    _rpc_server(conf)
    assert conf.executor_thread_pool_size == 7
    assert _opt(conf) == _opt(reference)
    assert (_opt(conf).default, _opt(conf).help) == \
        (_opt(reference).default, _opt(reference).help)


def test_a_pool_past_the_clients_limit_is_capped(tmp_path, caplog):
    """A manila.conf that lets more calls run at once than the client keeps connections for
    (urllib3 builds its queue up front): set-up goes on with the client's maximum."""
    from tegile_intelliflash.client import transport

    conf = _fresh_conf(tmp_path, transport.MAX_POOL_MAXSIZE * 4)
    with caplog.at_level(logging.WARNING):
        assert backend_mod.connection_pool_size(conf) == transport.MAX_POOL_MAXSIZE
    assert "executor_thread_pool_size allows" in caplog.text


@pytest.mark.parametrize("case", ["unlisted", "invalid"])
def test_an_unreadable_option_falls_back_to_oslo_messagings_default(tmp_path, monkeypatch,
                                                                    caplog, case):
    """An oslo.messaging that no longer lists the option, or a manila.conf value that is not a
    number: the client keeps the default's connections, with a warning; set-up goes on."""
    from oslo_messaging import opts as messaging_opts

    conf = _fresh_conf(tmp_path, "many" if case == "invalid" else None)
    if case == "unlisted":
        monkeypatch.setattr(messaging_opts, "list_opts", lambda: [])
    with caplog.at_level(logging.WARNING):
        assert backend_mod.connection_pool_size(conf) == (backend_mod.DEFAULT_RPC_WORKERS
                                                          + backend_mod.PERIODIC_CALLERS)
    assert "Cannot read executor_thread_pool_size" in caplog.text
