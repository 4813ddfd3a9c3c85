# SPDX-License-Identifier: Apache-2.0
"""TegileShareDriver: options, set-up checks, backend info, stats."""

import base64
import http.server
import json
import logging
import os
import socket
import subprocess
import sys
import threading
from unittest import mock

import pytest

from manila import exception

from tegile_intelliflash.manila_driver.driver import TegileShareDriver

from tegile_driver_helpers import GiB, POOL, create, make_configuration, new_driver, where
from tegile_intelliflash.client.paths import project_ref
from tegile_intelliflash.simulator import tls

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)


def _run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, check=False)


def test_options_register_alongside_the_in_tree_driver_loaded_first():
    code = (
        "import manila.share.drivers.tegile.tegile as intree\n"
        "import tegile_intelliflash.manila_driver as pkg\n"
        "from tegile_intelliflash.manila_driver import options\n"
        "assert pkg.TegileShareDriver.__module__.endswith('driver')\n"
        "from oslo_config import cfg\n"
        "from manila.share import configuration, driver\n"
        "conf = configuration.Configuration(driver.share_opts, config_group='b1')\n"
        "conf.append_config_values(intree.tegile_opts)\n"
        "conf.append_config_values(options.ALL_OPTS)\n"
        "cfg.CONF.set_override('tegile_nas_server', 'a.example.com', group='b1')\n"
        "print(conf.tegile_nas_server, conf.tegile_nas_port, conf.tegile_nas_ssl_verify,\n"
        "      conf.tegile_nas_timeout, conf.tegile_nas_retry_budget,\n"
        "      conf.tegile_default_project, cfg.CONF.tegile_nas_port)\n")
    result = _run(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["a.example.com", "443", "True", "60", "60", "None", "443"]


def test_options_register_alongside_the_in_tree_driver_loaded_second(simulator):
    # This process already registered ours (the driver module is imported above).
    import manila.share.drivers.tegile.tegile as in_tree
    from oslo_config import cfg

    conf = make_configuration(simulator)
    conf.append_config_values(in_tree.tegile_opts)  # no DuplicateOptError
    assert conf.tegile_nas_port == simulator.port
    assert cfg.CONF.tegile_nas_ssl_verify is True
    assert cfg.CONF.tegile_nas_password is None


def test_oslo_config_generator_lists_the_options():
    result = subprocess.run(
        [os.path.join(BIN, "oslo-config-generator"), "--namespace", "tegile_intelliflash"],
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    for name in ("tegile_nas_server", "tegile_nas_login", "tegile_nas_password",
                 "tegile_default_project", "tegile_nas_port = 443",
                 "tegile_nas_ssl_verify = true", "tegile_nas_ssl_ca_file",
                 "tegile_nas_timeout = 60", "tegile_nas_retry_budget = 60"):
        assert "#%s" % name in result.stdout
    assert "[DEFAULT]" in result.stdout


def test_setup_creates_the_project_in_every_pool(simulator, array):
    drv = new_driver(simulator)
    project = drv.configuration.safe_get("tegile_default_project")
    for pool in array.list_pools():
        assert array.find_project(project_ref(pool.name, project)) is not None
    # A second start finds the projects and creates nothing.
    simulator.reset_calls()
    new_driver(simulator, tegile_default_project=project)
    calls = simulator.calls()["by_method"]
    assert "createProject" not in calls


def test_default_project_is_openstack_when_unset(simulator, array):
    drv = new_driver(simulator, tegile_default_project=None)
    assert drv.get_backend_info(None)["project"] == "openstack"
    assert array.find_project(project_ref(POOL, "openstack")) is not None


@pytest.mark.parametrize("unset", ["tegile_nas_server", "tegile_nas_login",
                                   "tegile_nas_password"])
def test_setup_fails_when_an_option_is_unset(simulator, unset):
    drv = new_driver(simulator, setup=False, **{unset: None})
    with pytest.raises(exception.BadConfigurationException) as err:
        drv.do_setup(None)
    assert unset in str(err.value)


def test_setup_refuses_an_invalid_project_name(simulator):
    drv = new_driver(simulator, setup=False, tegile_default_project="bad name")
    with pytest.raises(exception.BadConfigurationException) as err:
        drv.do_setup(None)
    assert "tegile_default_project" in str(err.value)


@pytest.mark.parametrize("option, value, words", [
    ("tegile_nas_login", "ad:min", "must not contain ':'"),
    ("tegile_nas_login", "ad\nmin", "control characters"),
    ("tegile_nas_ssl_ca_file", "/nonexistent/ca.pem", "does not exist"),
])
def test_setup_names_the_option_of_a_refused_setting(simulator, option, value, words):
    """The client names its own argument (username, ca_path); manila.conf has options."""
    drv = new_driver(simulator, setup=False, **{option: value})
    with pytest.raises(exception.BadConfigurationException) as err:
        drv.do_setup(None)
    assert "%s: " % option in str(err.value) and words in str(err.value)
    assert "username" not in str(err.value) and "ca_path" not in str(err.value)
    assert simulator.password not in str(err.value)


def test_setup_fails_fast_when_the_array_is_unreachable(simulator):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    drv = new_driver(simulator, setup=False, tegile_nas_port=port)
    with pytest.raises(exception.ShareBackendException) as err:
        drv.do_setup(None)
    assert "cannot reach" in str(err.value)
    assert simulator.password not in str(err.value)


def test_setup_reports_rejected_credentials_without_the_password(simulator, caplog):
    caplog.set_level(logging.DEBUG)
    drv = new_driver(simulator, setup=False, tegile_nas_password="Wr0ng-s3cret")
    with pytest.raises(exception.ShareBackendException) as err:
        drv.do_setup(None)
    text = str(err.value)
    assert "rejected the credentials" in text and simulator.user in text
    assert "Wr0ng-s3cret" not in text
    assert "Wr0ng-s3cret" not in repr(drv.client)
    assert caplog.records and "Wr0ng-s3cret" not in caplog.text


class _EchoingArray(http.server.BaseHTTPRequestHandler):
    """An array that answers every call with ``server.reply(method, header, password)``: the
    Authorization header it received and the password in it, echoed back."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        header = self.headers.get("Authorization", "")
        password = base64.b64decode(header.split(" ", 1)[1]).decode().split(":", 1)[1]
        status, body = self.server.reply(self.path.rsplit("/", 1)[-1], header, password)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


# A quote and a backslash: a repr of the password escapes them, so a repr of a reply holding
# it no longer contains the password as redaction looks for it.
ECHOED_PASSWORD = "Ech0'ed\\s3cret\""


def _connected_then(status):
    """The connection check succeeds; every other call gets ``status`` with an ErrorModel
    whose code (not its message) carries the request's header and password."""
    def reply(method, header, password):
        if method == "listSystemProperties":
            return 200, ["IntelliFlash T4700", "3.10", "2", "2"]
        return status, {"code": header + " " + password, "message": "refused"}
    return reply


@pytest.mark.parametrize("reply, setup", [
    # listSystemProperties answered with something that is not its list of values.
    (lambda method, header, password: (200, {"echo": header, "password": password}), False),
    # An ErrorModel whose code (not its message) carries the request's header.
    (lambda method, header, password: (500, {"code": header + " " + password,
                                             "message": "refused"}), False),
    # The same in the code of a 401 answering an operation after set-up (a stats refresh).
    (_connected_then(401), True),
], ids=["malformed-reply", "error-code", "auth-error-code"])
def test_errors_never_carry_a_password_the_array_echoes(simulator, tmp_path, caplog, reply,
                                                        setup):
    caplog.set_level(logging.DEBUG)
    context = tls.server_ssl_context(str(tmp_path), "127.0.0.1")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _EchoingArray)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.reply = reply
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        drv = new_driver(simulator, setup=False, tegile_nas_port=server.server_address[1],
                         tegile_nas_ssl_ca_file=str(tmp_path / tls.CA_CERT),
                         tegile_nas_password=ECHOED_PASSWORD)
        with pytest.raises(exception.ShareBackendException) as err:
            drv.do_setup(None)
            assert setup, "the set-up was to fail"
            drv.get_share_stats(refresh=True)
        drv.client.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
    text = str(err.value)
    # The array's answer is reported (not some unrelated failure), with the secrets redacted.
    assert ("list the pools" if setup else "127.0.0.1") in text and "********" in text
    token = base64.b64encode(("%s:%s" % (simulator.user, ECHOED_PASSWORD)).encode()).decode()
    for secret in (ECHOED_PASSWORD, repr(ECHOED_PASSWORD)[1:-1], token):
        assert secret not in text
        assert secret not in caplog.text


def test_failed_setups_retried_by_manila_release_their_connections(simulator):
    # Manila retries do_setup for ever after a failure: no attempt may leave its HTTP
    # session (a kept-alive connection to the array) behind.
    from tegile_intelliflash.client.api import IntelliFlashClient

    closed = set()

    def close(client):
        closed.add(id(client))
        real_close(client)

    real_close = IntelliFlashClient.close
    drv = new_driver(simulator, setup=False, tegile_nas_password="Wr0ng-s3cret")
    clients = []
    with mock.patch.object(IntelliFlashClient, "close", autospec=True, side_effect=close):
        for _attempt in range(3):
            with pytest.raises(exception.ShareBackendException):
                drv.do_setup(None)
            clients.append(drv.client)
        # A set-up run again (service re-initialised) releases the working client too.
        good = new_driver(simulator)
        clients.append(good.client)
        good.do_setup(None)
        assert good.client is not clients[-1]
        assert id(good.client) not in closed
    assert len(set(map(id, clients))) == 4
    assert closed >= set(map(id, clients))
    good.client.close()


def test_setup_verifies_tls_by_default(simulator):
    # Without the simulator's CA, the system trust store does not trust it.
    drv = new_driver(simulator, setup=False, tegile_nas_ssl_ca_file=None)
    with pytest.raises(exception.ShareBackendException) as err:
        drv.do_setup(None)
    message = str(err.value)
    assert "TLS verification failed" in message and "is not trusted" in message
    # The fix is worded in manila.conf's options, not in the client's arguments.
    assert "set tegile_nas_ssl_ca_file to the PEM file" in message
    assert "tegile_nas_ssl_verify = False" in message
    assert "ca_path" not in message and "validate_certs" not in message


def test_a_host_name_the_certificate_does_not_name_says_which_option_to_fix(
        simulator, monkeypatch):
    # array.test resolves to the simulator (127.0.0.1) but is not a name in its certificate.
    resolve = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *args, **kwargs: resolve(
        "127.0.0.1" if host == "array.test" else host, *args, **kwargs))
    drv = new_driver(simulator, setup=False, tegile_nas_server="array.test")
    with pytest.raises(exception.ShareBackendException) as err:
        drv.do_setup(None)
    message = str(err.value)
    assert "does not match the host name 'array.test'" in message
    assert "set tegile_nas_server to a host name or address listed" in message
    assert "connect with" not in message and "verify=False" not in message


def test_a_certificate_refused_after_set_up_is_worded_for_manila(simulator, caplog):
    from tegile_intelliflash.client.api import IntelliFlashClient
    from tegile_intelliflash.manila_driver import errors

    client = IntelliFlashClient("127.0.0.1", simulator.user, simulator.password,
                                port=simulator.port, retry_budget=0)
    try:
        with pytest.raises(exception.ShareBackendException) as err:
            with errors.translate("list the pools"):
                client.list_pools()
    finally:
        client.close()
    message = str(err.value)
    assert "could not list the pools: TLS verification failed" in message
    assert "tegile_nas_ssl_ca_file" in message and "ca_path" not in message
    assert "tegile_nas_ssl_ca_file" in caplog.text and "ca_path" not in caplog.text


def test_setup_fails_when_the_array_has_no_pool(simulator):
    # The simulator always has pools: an empty pool list is injected.
    drv = new_driver(simulator, setup=False)
    drv.do_setup(None)
    with mock.patch.object(drv.client, "list_pools", return_value=[]):
        with pytest.raises(exception.ShareBackendException) as err:
            drv.check_for_setup_error()
    assert "no storage pool" in str(err.value)


def test_driver_mode_and_network_allocations(driver):
    assert driver.driver_handles_share_servers is False
    assert driver.get_network_allocations_number() == 0


def test_backend_info_holds_settings_but_never_the_password(simulator, driver):
    info = driver.get_backend_info(None)
    assert info["server"] == "127.0.0.1"
    assert info["port"] == str(simulator.port)
    assert info["project"] == driver.configuration.safe_get("tegile_default_project")
    assert info["ssl_verify"] == "True"
    assert info["ca_digest"]
    assert simulator.password not in repr(info)
    # Same settings, same info; a different project changes it.
    again = new_driver(simulator, tegile_default_project=info["project"])
    assert again.get_backend_info(None) == info
    other = new_driver(simulator)
    assert other.get_backend_info(None) != info


def test_stats_per_pool_from_the_array(simulator, driver, array):
    share = create(driver, size=3)
    drv_conf = driver.configuration
    stats = driver.get_share_stats(refresh=True)
    assert stats["vendor_name"] == "Tegile"
    assert stats["storage_protocol"] == "NFS_CIFS"
    assert stats["driver_version"] == driver.VERSION
    assert stats["share_backend_name"] == "tegile"
    assert stats["driver_handles_share_servers"] is False
    assert stats["snapshot_support"] is True
    assert stats["create_share_from_snapshot_support"] is True
    assert stats["revert_to_snapshot_support"] is True
    assert stats["mount_snapshot_support"] is False
    assert stats["ipv4_support"] is True
    pools = {p["pool_name"]: p for p in stats["pools"]}
    wire = {p.name: p for p in array.list_pools()}
    assert set(pools) == set(wire)
    for name, pool in pools.items():
        assert pool["total_capacity_gb"] == round(wire[name].total_bytes / GiB, 2)
        assert pool["free_capacity_gb"] == round(wire[name].available_bytes / GiB, 2)
        assert pool["thin_provisioning"] == [True, False]
        assert pool["dedupe"] == [True, False]
        assert pool["compression"] == [True, False]
        assert pool["reserved_percentage"] == drv_conf.reserved_share_percentage
        assert pool["max_over_subscription_ratio"] == drv_conf.max_over_subscription_ratio
        assert pool["revert_to_snapshot_support"] is True
        assert pool["mount_snapshot_support"] is False
    # The project holds one 3 GiB share in pool-a, none in the others.
    assert pools[POOL]["allocated_capacity_gb"] == 3
    assert all(p["allocated_capacity_gb"] == 0 for n, p in pools.items() if n != POOL)
    assert where(driver, share)[0] == POOL


def test_stats_reserved_percentages_come_from_the_configuration(simulator):
    drv = new_driver(simulator, reserved_share_percentage=5,
                     reserved_share_from_snapshot_percentage=7,
                     reserved_share_extend_percentage=9)
    stats = drv.get_share_stats(refresh=True)
    for pool in stats["pools"]:
        assert (pool["reserved_percentage"], pool["reserved_snapshot_percentage"],
                pool["reserved_share_extend_percentage"]) == (5, 7, 9)


def test_stats_fail_with_a_backend_error_when_the_array_fails(simulator, driver):
    simulator.set_faults(error_rate=1, status=503, methods=["listPools"], count=1)
    try:
        with pytest.raises(exception.ShareBackendException) as err:
            driver.get_share_stats(refresh=True)
    finally:
        simulator.clear_faults()
    assert "list the pools" in str(err.value)
    assert simulator.password not in str(err.value)


def test_stats_stop_counting_pools_once_the_array_is_unreachable(simulator, driver):
    # The pools listed, then every count answered 503 (after the retry budget): the first
    # failure says the array is unusable; the other pools report what the driver recorded
    # without waiting out a budget each (a refresh stalled for pools x budget, delaying the
    # share service's other periodic tasks).
    create(driver, size=3)
    driver._backend.allocated.forget()  # every pool due for a count
    simulator.reset_calls()
    simulator.set_faults(error_rate=1, status=503, methods=["listProjects"], count=1000)
    try:
        stats = driver.get_share_stats(refresh=True)
    finally:
        simulator.clear_faults()
    assert len(stats["pools"]) >= 2
    assert all(p["allocated_capacity_gb"] == 0 for p in stats["pools"])
    assert simulator.calls()["by_method"].get("listProjects") == 1
    stats = driver.get_share_stats(refresh=True)  # counted again once the array answers
    assert {p["pool_name"]: p["allocated_capacity_gb"] for p in stats["pools"]}[POOL] == 3


def test_configuration_of_the_client_follows_the_options(simulator):
    conf = make_configuration(simulator, tegile_nas_timeout=7, tegile_nas_retry_budget=3)
    assert conf.tegile_nas_timeout == 7
    drv = new_driver(simulator, tegile_nas_timeout=7, tegile_nas_retry_budget=3)
    assert drv.client.port == simulator.port
    assert drv.client.insecure is False
    assert "admin" not in repr(drv.client).split("password")[1]


def test_driver_refuses_to_start_without_private_storage(simulator):
    # Clone progress and managed shares' array names live in Manila's private data: an
    # in-memory stand-in would lose them at the first restart, so the driver has none.
    conf = make_configuration(simulator)
    for kwargs in ({}, {"private_storage": None}):
        with pytest.raises(TypeError) as err:
            TegileShareDriver(configuration=conf, **kwargs)
        assert "private_storage" in str(err.value)


def test_entry_points_take_manilas_calls():
    """Every Manila entry point the driver overrides accepts the call the
    share manager makes (the base class's positional arguments and its
    keywords with defaults) under its own name; the share-group ones built
    by _group_entry_point carry groups.py's docstrings."""
    import inspect

    from manila.share import driver as manila_driver

    from tegile_intelliflash.manila_driver import groups
    from tegile_intelliflash.manila_driver.driver import TegileShareDriver

    checked = []
    for name, base in inspect.getmembers(manila_driver.ShareDriver, inspect.isfunction):
        ours = TegileShareDriver.__dict__.get(name)
        if name.startswith("_") or ours is None or not callable(ours):
            continue
        params = list(inspect.signature(base).parameters.values())[1:]
        positional = [p for p in params if p.default is p.empty
                      and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        keywords = {p.name: None for p in params if p.default is not p.empty}
        inspect.signature(ours).bind(object(), *[None] * len(positional), **keywords)
        assert ours.__name__ == name
        checked.append(name)
    assert {"create_share_group", "delete_share_group_snapshot", "update_access"} <= set(checked)
    for name in ("create_share_group", "delete_share_group",
                 "create_share_group_snapshot", "delete_share_group_snapshot",
                 "create_share_group_from_share_group_snapshot"):
        assert getattr(TegileShareDriver, name).__doc__ == getattr(groups, name).__doc__
