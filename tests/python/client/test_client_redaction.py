# SPDX-License-Identifier: Apache-2.0
"""The password, the Basic token and the Authorization header never appear in logs,
exception texts or reprs."""

import base64
import logging
import socket

import pytest

from tegile_intelliflash.client.api import IntelliFlashClient
from tegile_intelliflash.client.errors import IntelliFlashError
from tegile_intelliflash.client.paths import dataset_ref, project_ref, share_ref

from client_helpers import PASSWORD, fake_response, make_client, unique

POOL = "pool-a"


def _secrets(user, password):
    token = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    return [password, token, "Basic " + token]


def _assert_clean(texts, secrets):
    for text in texts:
        for secret in secrets:
            assert secret not in text, "secret leaked in: %r" % text[:300]
        assert "Authorization" not in text


def _exc_texts(exc):
    texts = [str(exc), repr(exc), repr(vars(exc))]
    assert exc.__cause__ is None
    assert exc.__context__ is None or isinstance(exc.__context__, IntelliFlashError)
    return texts


def test_nothing_leaks_in_logs_errors_or_reprs(sim_clean, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    wrong = "Wr0ng-" + PASSWORD[::-1]
    secrets = _secrets("admin", PASSWORD) + _secrets("admin", wrong)
    texts = []
    project = unique("p")
    with make_client(sim_clean, retry_budget=1.0) as c:
        texts += [repr(c), repr(vars(c)), repr(vars(c._transport)), repr(c._transport._auth),
                  repr(vars(c._transport._auth)), repr(c.session.__dict__)]
        c.create_project(project_ref(POOL, project))
        c.create_share(share_ref(POOL, project, "s1"), quota="1G")
        # Faults: retried reads, a lost write reply, a reset write.
        sim_clean.set_faults(error_rate=1, status=503, methods=["getShare"], count=2)
        c.get_share(share_ref(POOL, project, "s1"))
        sim_clean.set_faults(drop_reply_rate=1, methods=["modifyShareProperties"], count=1)
        c.set_share_quota(share_ref(POOL, project, "s1"), "2G")
        sim_clean.set_faults(reset_rate=1, methods=["setNFSSharingOnShare"], count=1)
        with pytest.raises(IntelliFlashError) as info:  # outcome unknown, never re-sent
            c.set_nfs_sharing(dataset_ref(POOL, project, "s1"), True)
        texts += _exc_texts(info.value)
        sim_clean.clear_faults()
        for func in (lambda: c.get_share(share_ref(POOL, project, "missing")),
                     lambda: c.create_share(share_ref(POOL, project, "s1")),
                     lambda: c.create_share(share_ref(POOL, project, "bad name")),
                     lambda: c.call("noSuchMethod")):
            with pytest.raises(IntelliFlashError) as info:
                func()
            texts += _exc_texts(info.value)
        c.delete_share(share_ref(POOL, project, "s1"))
        c.delete_project(project_ref(POOL, project))
    # Wrong password, untrusted CA, connection refused, verification off.
    bad = IntelliFlashClient(sim_clean.address, "admin", wrong, ca_path=sim_clean.ca_path)
    texts += [repr(bad), repr(vars(bad._transport))]
    with bad, pytest.raises(IntelliFlashError) as info:
        bad.list_pools()
    texts += _exc_texts(info.value)
    with IntelliFlashClient(sim_clean.address, "admin", PASSWORD, retry_budget=0) as untrusted:
        with pytest.raises(IntelliFlashError) as info:
            untrusted.list_pools()
        texts += _exc_texts(info.value)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with IntelliFlashClient("127.0.0.1", "admin", PASSWORD, port=port, retry_budget=0) as gone:
        with pytest.raises(IntelliFlashError) as info:
            gone.list_pools()
        texts += _exc_texts(info.value)
    with IntelliFlashClient(sim_clean.address, "admin", PASSWORD, verify=False) as insecure:
        insecure.list_pools()
        texts.append(repr(insecure))
    logged = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("-> createShare") for m in logged)  # debug lines were captured
    assert any("retrying" in m for m in logged)
    _assert_clean(texts + logged + [caplog.text], secrets)


def test_server_text_echoing_the_password_is_redacted(sim_clean, monkeypatch):
    """Even if the array echoed the credentials in an error, they are masked."""
    c = make_client(sim_clean)
    token = base64.b64encode(("admin:%s" % PASSWORD).encode()).decode()

    echo = ('{"code": "EZEBI_GENERAL", "message": "login admin/%s failed", '
            '"details": "Authorization: Basic %s"}' % (PASSWORD, token))
    monkeypatch.setattr(c.session, "post", lambda *a, **k: fake_response(500, echo))
    with c, pytest.raises(IntelliFlashError) as info:
        c.list_pools()
    assert "login admin/******** failed" in str(info.value)
    assert token not in repr(vars(info.value)) and PASSWORD not in repr(vars(info.value))

    html = "<h1>error</h1> password=%s" % PASSWORD
    c2 = make_client(sim_clean)
    monkeypatch.setattr(c2.session, "post", lambda *a, **k: fake_response(500, html))
    with c2, pytest.raises(IntelliFlashError) as info:
        c2.list_pools()
    assert PASSWORD not in str(info.value) and "password=********" in str(info.value)


def test_snapshot_deletion_reply_echoing_the_password_is_redacted(sim_clean, monkeypatch):
    """The lists of a partial deletion are the array's text, strings or not: a password in them
    (one with a quote and a backslash, which a repr would escape past a plain search) is masked
    in the error and in the reply it carries."""
    import json

    password = "It's-a\\secret-42"
    token = base64.b64encode(("admin:%s" % password).encode()).decode()
    reply = {"deletedList": ["pool-a/Local/p/s@Manual-S-a " + password],
             "failedToDeleteList": ["pool-a/Local/p/s@Manual-S-b by " + password,
                                    {"path": password, "auth": "Basic " + token}, 7],
             "snapshotDeletionStatus": 1}
    client = IntelliFlashClient(sim_clean.address, "admin", password, ca_path=sim_clean.ca_path)
    monkeypatch.setattr(client.session, "post",
                        lambda *a, **k: fake_response(200, json.dumps(reply)))
    with client, pytest.raises(IntelliFlashError) as info:
        client.delete_snapshot(share_ref(POOL, "p", "s"), "Manual-S-b")
    texts = _exc_texts(info.value) + [repr(info.value.reply)]
    assert ("could not delete pool-a/Local/p/s@Manual-S-b by ********, "
            "{'path': '********', 'auth': '********'}, 7 (status 1)") in texts[0]
    _assert_clean(texts, [password, repr(password)[1:-1], token])


def test_error_fields_that_are_not_strings_are_redacted(sim_clean, monkeypatch):
    """An ErrorModel whose message or details is a JSON object or list: each string in it is
    redacted before the whole is turned into text (whose escaping would hide the password)."""
    import json

    password = "It's-a\\secret-43"
    model = {"code": "EZEBI_GENERAL", "message": {"user": "admin", "password": password},
             "details": ["login", password, {"again": password}]}
    client = IntelliFlashClient(sim_clean.address, "admin", password, ca_path=sim_clean.ca_path)
    monkeypatch.setattr(client.session, "post",
                        lambda *a, **k: fake_response(500, json.dumps(model)))
    with client, pytest.raises(IntelliFlashError) as info:
        client.list_pools()
    texts = _exc_texts(info.value)
    assert "'password': '********'" in texts[0]
    _assert_clean(texts, [password, repr(password)[1:-1]])
