# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Wire protocol: body forms, type leniency, auth, content types, unknown methods, TLS."""

import ipaddress
import os
import stat

import pytest
import requests
from cryptography import x509

from conftest import TiB


def test_positional_and_named_bodies_are_equivalent(api, project):
    positional = api("getProject", "pool-a", project, True)
    resp = api.raw("getProject", {"arg0_PoolName": "pool-a", "arg1_ProjectName": project,
                                  "arg2_Local": True})
    assert resp.status_code == 200
    assert resp.json() == positional
    # argN_ keys are ordered by N whatever their order in the object and their suffix
    resp = api.raw("getProject", {"arg2_whatever": "true", "arg0_TargetName": "pool-a",
                                  "arg1_NewAlias": project})
    assert resp.json() == positional


def test_named_body_with_nested_model_creates_share(api, project):
    body = {"arg0_PoolName": "pool-a", "arg1_ProjectName": project, "arg2_ShareName": "named",
            "arg3_ShareOptions": {"blockSize": "", "mountPoint": "/export/%s/named" % project,
                                  "quota": -1, "reservation": -1},
            "arg4_SharePermissions": [{"sharePermissionEnum": 0, "sharePermissionMode": 0}]}
    resp = api.raw("createShare", body)
    assert resp.status_code == 200 and resp.json() == 0
    share = api("getShare", "pool-a/Local/%s/named" % project)
    assert share["overrideMountPoint"] is True and share["overrideRecordSize"] is False


def test_no_content_type_get_and_empty_bodies(api):
    for resp in (api.raw("listPools", http="GET"), api.raw("listPools", "[]"),
                 api.raw("listPools", ""), api.raw("getSMBConfig", http="GET")):
        assert resp.status_code == 200
        assert resp.headers["Content-Type"] == "application/json"
    # the Manila driver posts a JSON string body without any Content-Type
    req = requests.Request("POST", api.sim.url + "/zebi/api/v2/listPools", data="[]",
                           auth=(api.sim.user, api.sim.password)).prepare()
    assert "Content-Type" not in req.headers
    assert api.session.send(req).status_code == 200


def test_type_leniency(api, project):
    # booleans as strings, integers as numeric strings, extra trailing arguments
    assert api("getProject", "pool-a", project, "true")["projectName"] == project
    api("createShare", "pool-a", project, "len", {"quota": "1073741824", "reservation": "-1"},
        [{"sharePermissionEnum": "0", "sharePermissionMode": 0, "groupList": [
            {"groupId": "", "groupName": ""}]}])
    assert api("getShare", "pool-a/Local/%s/len" % project)["quotaInByte"] == 1024 ** 3
    api("modifyShareProperties", "pool-a/Local/%s/len" % project, {"quotaInByte": "2147483648"})
    assert api("getShare", "pool-a/Local/%s/len" % project)["quotaInByte"] == 2 * 1024 ** 3
    api("deleteShare", "pool-a/Local/%s/len" % project, "false", "true", False)
    assert api.error("getShare", "pool-a/Local/%s/len" % project) == "EZEBI_RESOURCE_NOT_FOUND"


def test_invalid_values_are_rejected(api, project):
    assert api.error("getProject", "pool-a", project, "maybe") == "EZEBI_INVALID_ARGUMENT"
    assert api.error("getProject", "pool-a") == "EZEBI_INVALID_ARGUMENT"  # missing argument
    assert api.error("createShare", "pool-a", project, "x", {"quota": "lots"}) == \
        "EZEBI_INVALID_QUOTA_RESERVATION_VALUE"
    resp = api.raw("listPools", "{not json")
    assert resp.status_code == 500 and resp.json()["code"] == "EZEBI_INVALID_ARGUMENT"


def test_command_status_and_void_replies(api, project):
    resp = api.raw("createShare", ["pool-a", project, "void", {}, []])
    assert resp.text == "0"
    resp = api.raw("createShareSnapshot", [{"poolName": "pool-a", "projectName": project,
                                            "name": "void"}, "s", False])
    assert resp.status_code == 200 and resp.content == b""
    assert api.raw("isShareExposedOverNFS", ["pool-a/Local/%s/void" % project]).text == "false"


def test_authentication(sim, api):
    url = sim.url + "/zebi/api/v2/listPools"
    for auth in (None, ("admin", "wrong"), ("root", "admin")):
        resp = requests.get(url, auth=auth, verify=sim.ca_path)
        assert resp.status_code == 401
        assert resp.headers["WWW-Authenticate"] == 'Basic realm="IntelliFlash"'
        assert resp.json()["code"] == "EZEBI_PERMISSION_DENIED"
    for path in ("/sim/v1/calls", "/zebi/api/openstack/getArrayStats"):
        assert requests.get(sim.url + path, verify=sim.ca_path).status_code == 401


def test_unknown_method_is_404(api):
    for service in ("v2", "openstack"):
        resp = api.raw("createVolume", [], service=service)
        assert resp.status_code == 404
    assert api.raw("listPools", [], service="v1").status_code == 404


def test_system_properties_and_pools(api):
    names = ["ZEBI_APPLIANCE_MODEL", "ZEBI_GUI_VERSION", "ZEBI_API_VERSION",
             "ZEBI_API_MINOR_VERSION", "ZEBI_APPLIANCE_VERSION", "INTELLIFLASH_ARRAY_GUID",
             "INTELLIFLASH_ARRAY_FQDN", "ZEBI_SUPPORTED_TDPS_API_VERSIONS"]
    values = api("listSystemProperties", names)
    assert values[:4] == ["IntelliFlash-SIM", "3.7.1.0", "2", "2"]
    assert all(isinstance(v, str) and v for v in values)
    assert api("listSystemProperties", ["ZEBI_GUI_VERSION"]) == ["3.7.1.0"]
    assert api.error("listSystemProperties", ["NOPE"]) == "EZEBI_INVALID_ARGUMENT"
    pools = {p["name"]: p for p in api("listPools")}
    assert pools["pool-a"]["totalSize"] == 10 * TiB and pools["pool-b"]["totalSize"] == 4 * TiB
    assert set(pools["pool-a"]) == {"name", "availableSize", "totalSize"}


def test_floating_ips(api):
    everything = api("getFloatingIPList", "All")
    assert {ip["poolName"] for ip in everything} >= {"pool-a", "pool-b"}
    for ip in everything:
        assert set(ip) == {"resourceGroupName", "description", "failoverMode", "ipAddress",
                           "netmask", "poolName"}
        assert ipaddress.ip_address(ip["ipAddress"]) in ipaddress.ip_network("192.0.2.0/24")
    only_b = api("getFloatingIPList", "pool-b")
    assert [ip["poolName"] for ip in only_b] == ["pool-b"]
    assert api.error("getFloatingIPList", "pool-x") == "EZEBI_RESOURCE_NOT_FOUND"


def test_tls_material(sim):
    key_path = os.path.join(sim.state_dir, "ca-key.pem")
    assert stat.S_IMODE(os.stat(key_path).st_mode) == 0o600
    with open(os.path.join(sim.state_dir, "server.pem"), "rb") as handle:
        cert = x509.load_pem_x509_certificate(handle.read())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    ips = {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}
    assert ips >= {"127.0.0.1", "127.0.0.2", "::1"}
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    # verification against the system store fails: the CA is the simulator's own
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(sim.url + "/zebi/api/v2/listPools", verify=True,
                     auth=(sim.user, sim.password))
    # and "localhost" verifies too (SAN)
    url = sim.url.replace("127.0.0.1", "localhost") + "/zebi/api/v2/listPools"
    assert requests.get(url, verify=sim.ca_path, auth=(sim.user, sim.password)).ok


def test_every_method_rejects_wrong_types_cleanly(api):
    """No method crashes on arguments of the wrong type: each answers a specific ErrorModel."""
    from tegile_intelliflash.simulator.routes import OPENSTACK, V2

    wrong = [{"x": []}, [{}], {"poolName": ["pool-a"]}, [[]], {}]
    for service, registry in (("v2", V2), ("openstack", OPENSTACK)):
        for name in sorted(registry.methods):
            resp = api.raw(name, wrong, service=service)
            if resp.status_code == 200:  # zero-argument methods ignore arguments
                continue
            body = resp.json()
            assert resp.status_code == 500, (name, body)
            assert body["code"] not in ("EZEBI_GENERAL",), (name, body)
            assert body["message"], name
