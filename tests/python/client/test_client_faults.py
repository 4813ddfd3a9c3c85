# SPDX-License-Identifier: Apache-2.0
"""Writes under injected faults: a lost reply is verified by a re-read, never blindly re-sent.

Simulator faults: ``reset`` cuts the connection before the call runs (not applied),
``drop_reply`` runs the call and then cuts the connection (applied, reply lost), ``error_rate``
answers an HTTP error page before the call runs (not applied).
"""

import pytest

from tegile_intelliflash.client.acl import NetworkRule, UserRule
from tegile_intelliflash.client.errors import BusyError
from tegile_intelliflash.client.sizes import GiB
from tegile_intelliflash.client.paths import dataset_ref, project_ref, share_ref

from client_helpers import fake_response, make_client, unique

POOL = "pool-a"
RULE = NetworkRule("IP", "10.20.0.0/16", "rw", root=True)


def _prepare_share(c, project, s):
    c.create_share(share_ref(POOL, project, s))


def _prepare_acl(c, project, s):
    c.create_share(share_ref(POOL, project, s))
    c.add_network_acl("nfs", dataset_ref(POOL, project, s), RULE)


def _prepare_snapshot(c, project, s):
    c.create_share(share_ref(POOL, project, s))
    c.create_snapshot(dataset_ref(POOL, project, s), "snap")


def _snapshot_names(c, project, s):
    return [snap.full_name for snap in c.list_snapshots(dataset_ref(POOL, project, s))]


def _nothing(c, project, s):
    pass


# (wire method, preparation, the write, check after the call)
WRITES = [
    ("createShare", _nothing,
     lambda c, p, s: c.create_share(share_ref(POOL, p, s), quota="1G"),
     lambda c, p, s: [x.name for x in c.list_shares(project_ref(POOL, p))].count(s) == 1),
    ("modifyShareProperties", _prepare_share,
     lambda c, p, s: c.set_share_quota(share_ref(POOL, p, s), "2G"),
     lambda c, p, s: c.get_share(share_ref(POOL, p, s)).quota_bytes == 2 * GiB),
    ("modifyShareProperties", _prepare_share,
     lambda c, p, s: c.modify_share(share_ref(POOL, p, s), {"compression": "gzip"}),
     lambda c, p, s: c.get_share(share_ref(POOL, p, s)).compression == "gzip"),
    ("modifyShareProperties", _prepare_share,
     lambda c, p, s: c.set_user_acls(share_ref(POOL, p, s), [UserRule("user", "alice", "rw")]),
     lambda c, p, s: c.get_user_acls(share_ref(POOL, p, s)) == [UserRule("user", "alice", "rw")]),
    ("modifyProjectProperties", _nothing,
     lambda c, p, s: c.set_project_quota(project_ref(POOL, p), "3G"),
     lambda c, p, s: c.get_project(project_ref(POOL, p)).quota_bytes == 3 * GiB),
    ("modifyProjectProperties", _nothing,
     lambda c, p, s: c.modify_project(project_ref(POOL, p), {"dedup": "on"}),
     lambda c, p, s: c.get_project(project_ref(POOL, p)).dedup is True),
    ("setNFSSharingOnShare", _prepare_share,
     lambda c, p, s: c.set_nfs_sharing(dataset_ref(POOL, p, s), True),
     lambda c, p, s: c.is_exposed("nfs", dataset_ref(POOL, p, s))),
    ("setSMBSharingOnShare", _prepare_share,
     lambda c, p, s: c.set_smb_sharing(dataset_ref(POOL, p, s), True, display_name=s),
     lambda c, p, s: c.get_share(share_ref(POOL, p, s)).smb_name == s),
    ("setNFSSharingOnProject", _nothing,
     lambda c, p, s: c.set_nfs_sharing(project_ref(POOL, p), True),
     lambda c, p, s: c.is_exposed("nfs", project_ref(POOL, p))),
    ("addNFSNetworkACLOnShare", _prepare_share,
     lambda c, p, s: c.add_network_acl("nfs", dataset_ref(POOL, p, s), RULE),
     lambda c, p, s: c.get_network_acls("nfs", dataset_ref(POOL, p, s)) == [RULE]),
    ("removeNFSNetworkACLOnShare", _prepare_acl,
     lambda c, p, s: c.remove_network_acl("nfs", dataset_ref(POOL, p, s), "IP", "10.20.0.0/16"),
     lambda c, p, s: c.get_network_acls("nfs", dataset_ref(POOL, p, s)) == []),
    ("setSMBNetworkACLsOnShare", _prepare_share,
     lambda c, p, s: c.set_network_acls("smb", dataset_ref(POOL, p, s), [NetworkRule(None, "h1", "ro")]),
     lambda c, p, s: c.get_network_acls("smb", dataset_ref(POOL, p, s)) == [NetworkRule(None, "h1", "ro")]),
    ("removeAllNFSNetworkACLsOnShare", _prepare_acl,
     lambda c, p, s: c.remove_all_network_acls("nfs", dataset_ref(POOL, p, s)),
     lambda c, p, s: c.get_network_acls("nfs", dataset_ref(POOL, p, s)) == []),
    ("inheritNetworkACLsettingsFromProject", _prepare_acl,
     lambda c, p, s: c.inherit_network_acls(share_ref(POOL, p, s)),
     lambda c, p, s: c.get_share(share_ref(POOL, p, s)).nfs_own is False),
    ("inheritPropertyFromProject", _prepare_share,
     lambda c, p, s: (c.modify_share(share_ref(POOL, p, s), {"dedup": "on"}),
                      c.inherit_share_property(share_ref(POOL, p, s), "Dedup")),
     lambda c, p, s: not c.get_share(share_ref(POOL, p, s)).owns("dedup")),
    ("createShareSnapshot", _prepare_share,
     lambda c, p, s: c.create_snapshot(dataset_ref(POOL, p, s), "snap"),
     lambda c, p, s: _snapshot_names(c, p, s) == ["Manual-S-snap"]),
    ("deleteShareSnapshot", _prepare_snapshot,
     lambda c, p, s: c.delete_snapshot(dataset_ref(POOL, p, s), "Manual-S-snap").status,
     lambda c, p, s: c.list_snapshots(dataset_ref(POOL, p, s)) == []),
    ("cloneShareSnapshot", _prepare_snapshot,
     lambda c, p, s: c.clone_snapshot(dataset_ref(POOL, p, s), "Manual-S-snap", s + "-copy"),
     lambda c, p, s: c.find_share(share_ref(POOL, p, s + "-copy")) is not None),
    ("rollBackToShareSnapshot", _prepare_snapshot,
     lambda c, p, s: c.rollback_snapshot(dataset_ref(POOL, p, s), "Manual-S-snap"),
     lambda c, p, s: _snapshot_names(c, p, s) == ["Manual-S-snap"]),
    ("deleteShare", _prepare_share,
     lambda c, p, s: c.delete_share(share_ref(POOL, p, s)),
     lambda c, p, s: c.find_share(share_ref(POOL, p, s)) is None),
]
IDS = ["%s-%d" % (w[0], i) for i, w in enumerate(WRITES)]


@pytest.fixture(scope="module")
def shared_project(sim):
    """One project for the parametrized write tests (each test uses its own share names)."""
    name = unique("pf")
    with make_client(sim) as c:
        c.create_project(project_ref(POOL, name))
        yield name
        for item in c.list_shares(project_ref(POOL, name)):
            c.delete_share(share_ref(POOL, name, item.name), recursive=True)
        c.delete_project(project_ref(POOL, name))


def _run(sim, client, project, spec, fault):
    method, prepare, write, check = spec
    share = unique("w")
    prepare(client, project, share)
    if method.endswith("OnProject") or method == "modifyProjectProperties":
        # Project-level writes get a project of their own.
        project = unique("pw")
        client.create_project(project_ref(POOL, project))
    sim.reset_calls()
    sim.set_faults(methods=[method], count=1, **fault)
    try:
        write(client, project, share)
    finally:
        sim.clear_faults()
    calls = sim.calls()["by_method"]
    assert check(client, project, share)
    if project != client._test_project:
        client.delete_project(project_ref(POOL, project))
    return calls


@pytest.fixture
def fclient(client, shared_project):
    client._test_project = shared_project
    return client


VERIFIED = [w for w in WRITES if w[0] != "rollBackToShareSnapshot"]
VERIFIED_IDS = [i for i in IDS if not i.startswith("rollBackToShareSnapshot")]


@pytest.mark.parametrize("spec", VERIFIED, ids=VERIFIED_IDS)
def test_dropped_reply_is_verified_not_resent(sim_clean, fclient, shared_project, spec):
    """The write applied but its reply was lost: no error, sent exactly once."""
    calls = _run(sim_clean, fclient, shared_project, spec, {"drop_reply_rate": 1})
    assert calls[spec[0]] == 1


def test_dropped_rollback_reply_is_outcome_unknown(sim_clean, client, project):
    """A rollback has no effect a read can see: its lost reply is reported as an unknown
    outcome naming the call, and it is never sent twice (a late first copy could undo what
    the caller does next)."""
    from tegile_intelliflash.client.errors import OutcomeUnknownError

    client.create_share(share_ref(POOL, project, "r"))
    full = client.create_snapshot(dataset_ref(POOL, project, "r"), "snap")
    sim_clean.reset_calls()
    sim_clean.set_faults(drop_reply_rate=1, methods=["rollBackToShareSnapshot"], count=1)
    with pytest.raises(OutcomeUnknownError) as info:
        client.rollback_snapshot(dataset_ref(POOL, project, "r"), full)
    text = str(info.value)
    assert "outcome of rollBackToShareSnapshot %s/Local/%s/r@%s is unknown" % (
        POOL, project, full) in text
    assert "after the request was sent" in text
    assert sim_clean.calls()["by_method"]["rollBackToShareSnapshot"] == 1


@pytest.mark.parametrize("write", ["create", "delete"])
def test_a_lost_snapshot_reply_is_checked_on_that_snapshot_only(sim_clean, client, project, write):
    """A lost snapshot reply is checked by listing that one snapshot (the ``listSnapshots``
    pattern), not every snapshot of the share: the read does not grow with the share's
    schedule snapshots (thousands on a real array)."""
    ref = dataset_ref(POOL, project, "many")
    client.create_share(share_ref(POOL, project, "many"))
    for number in range(40):
        client.create_snapshot(ref, "old-%d" % number)
    if write == "delete":
        client.create_snapshot(ref, "snap")
    sim_clean.reset_calls()
    sim_clean.set_faults(drop_reply_rate=1, methods=[write + "ShareSnapshot"], count=1)
    if write == "create":
        client.create_snapshot(ref, "snap")
    else:
        client.delete_snapshot(ref, "Manual-S-snap")
    sim_clean.clear_faults()
    listed = [entry["reply_bytes"] for entry in sim_clean.call_log()["entries"]
              if entry["method"] == "listSnapshots"]
    assert listed, "the lost reply was not checked"
    # At most the one snapshot written: '["Manual-S-snap"]'.
    assert max(listed) <= len('["Manual-S-snap"]'), listed
    assert ("Manual-S-snap" in _snapshot_names(client, project, "many")) == (write == "create")


@pytest.mark.parametrize("spec", VERIFIED, ids=VERIFIED_IDS)
def test_reset_after_send_is_outcome_unknown_never_resent(sim_clean, fclient, shared_project,
                                                          spec):
    """The connection was reset after the request was sent (the simulator resets before
    applying, but the client cannot know that): the write is not sent again; the client reads
    for its effect within the budget and then says the outcome is unknown, naming the call."""
    from tegile_intelliflash.client.errors import OutcomeUnknownError

    method, prepare, write = spec[:3]
    share = unique("w")
    project = shared_project
    prepare(fclient, project, share)
    if method.endswith("OnProject") or method == "modifyProjectProperties":
        project = unique("pw")
        fclient.create_project(project_ref(POOL, project))
    sim_clean.reset_calls()
    sim_clean.set_faults(methods=[method], count=1, reset_rate=1)
    with make_client(sim_clean, retry_budget=0.3) as c:
        with pytest.raises(OutcomeUnknownError) as info:
            write(c, project, share)
    calls = sim_clean.calls()["by_method"]
    assert calls[method] == 1
    assert sum(n for name, n in calls.items() if name != method) >= 1  # it looked
    text = str(info.value)
    assert "the outcome of %s " % method in text and " is unknown" in text
    assert "after the request was sent" in text
    assert "did not show on the array" in text
    assert info.value.method == method
    if project != shared_project:
        fclient.delete_project(project_ref(POOL, project))


@pytest.mark.parametrize("status", [503, 429, 408])
def test_a_status_saying_not_handled_on_write_is_resent(sim_clean, client, project, status):
    """HTTP 503, 429 (a rate-limiting proxy or gateway) and 408 say the call was not handled
    (C32): the write is sent again."""
    sim_clean.set_faults(error_rate=1, status=status, methods=["createShare"], count=1)
    client.create_share(share_ref(POOL, project, "s1"))
    calls = sim_clean.calls()["by_method"]
    assert calls["createShare"] == 2
    assert [s.name for s in client.list_shares(project_ref(POOL, project))] == ["s1"]


@pytest.mark.parametrize("status", [502, 504])
def test_502_504_on_write_is_outcome_unknown(sim_clean, client, project, status):
    """HTTP 502/504 come from a proxy that forwarded the call: never re-sent."""
    from tegile_intelliflash.client.errors import OutcomeUnknownError

    sim_clean.set_faults(error_rate=1, status=status, methods=["createShare"], count=1)
    with make_client(sim_clean, retry_budget=0.3) as c:
        with pytest.raises(OutcomeUnknownError) as info:
            c.create_share(share_ref(POOL, project, "s1"))
    assert "HTTP %d" % status in str(info.value)
    assert sim_clean.calls()["by_method"]["createShare"] == 1
    assert info.value.http_status == status


def test_dropped_create_share_gives_one_share(sim_clean, client, project):
    sim_clean.reset_calls()
    sim_clean.set_faults(drop_reply_rate=1, methods=["createShare"], count=1)
    client.create_share(share_ref(POOL, project, "only"), quota="1G")
    assert sim_clean.calls()["by_method"]["createShare"] == 1
    shares = client.list_shares(project_ref(POOL, project))
    assert [s.name for s in shares] == ["only"]


def test_lost_reply_and_failed_reread_is_an_error(sim_clean, project):
    """Reply lost and the verification reads fail too: the client cannot know, so it says so
    instead of re-sending."""
    from tegile_intelliflash.client.errors import OutcomeUnknownError

    sim_clean.set_faults(drop_reply_rate=1, methods=["createShare", "getShare"])
    with make_client(sim_clean, retry_budget=0.2) as c:
        with pytest.raises(OutcomeUnknownError) as info:
            c.create_share(share_ref(POOL, project, "s1"))
        sim_clean.clear_faults()
        assert "reading the array to look for its effect failed" in str(info.value)
        assert "Check the array" in str(info.value)
        assert sim_clean.calls()["by_method"]["createShare"] == 1


def test_busy_write_is_not_retried(sim_clean, client, project):
    """EZEBI_RESOURCE_BUSY on a write (a clone still in progress) is raised at once."""
    client.create_share(share_ref(POOL, project, "src"))
    full = client.create_snapshot(dataset_ref(POOL, project, "src"), "b")
    sim_clean.set_delays(clone_ms=60000)
    client.clone_snapshot(dataset_ref(POOL, project, "src"), full, "c1")
    sim_clean.reset_calls()
    with pytest.raises(BusyError) as info:
        client.set_nfs_sharing(dataset_ref(POOL, project, "c1"), True)
    assert info.value.code == "EZEBI_RESOURCE_BUSY"
    assert info.value.attempts == 1
    assert sim_clean.calls()["by_method"]["setNFSSharingOnShare"] == 1
    sim_clean.set_delays(clone_ms=0)


def test_busy_read_is_retried(sim_clean, monkeypatch):
    """EZEBI_RESOURCE_BUSY on a read is retried (the simulator never answers BUSY to a read,
    so this one reply is mocked; the retry goes to the simulator)."""
    c = make_client(sim_clean)
    real_post = c.session.post
    sent = []

    def post(*args, **kwargs):
        sent.append(args[0])
        if len(sent) == 1:
            return fake_response(500, '{"code": "EZEBI_RESOURCE_BUSY", "message": "busy"}')
        return real_post(*args, **kwargs)

    monkeypatch.setattr(c.session, "post", post)
    with c:
        assert c.list_pools()
    assert len(sent) == 2
    assert sim_clean.calls()["by_method"]["listPools"] == 1


class _MaxJitter(object):
    """Backoff jitter at its maximum (deterministic sleeps)."""

    def uniform(self, low, high):
        return high


def test_slow_write_is_awaited_not_resent(sim_clean, project):
    """The createShare is slower than the read timeout: the client does not send it again but
    reads until the share shows (the slow call commits at 1.2 s): success, one call, one
    share."""
    sim_clean.set_faults(latency_ms=1200, methods=["createShare"], count=1)
    with make_client(sim_clean, timeout=(5.0, 0.2), retry_budget=5.0) as c:
        c.create_share(share_ref(POOL, project, "late"))
        calls = sim_clean.calls()["by_method"]
        assert calls["createShare"] == 1
        assert calls["getShare"] >= 1
        assert [s.name for s in c.list_shares(project_ref(POOL, project))] == ["late"]


def test_refused_resend_after_not_sent_is_raised(sim_clean, project, monkeypatch):
    """A write that provably never reached the array (connection refused) is sent again; the
    array's refusal of that copy is raised as is."""
    from tegile_intelliflash.client.errors import NotFoundError
    from requests.exceptions import ConnectionError as RequestsConnectionError
    from urllib3.exceptions import NewConnectionError

    c = make_client(sim_clean)
    real_post = c.session.post
    sent = []

    def post(*args, **kwargs):
        sent.append(args[0])
        if len(sent) == 1:
            raise RequestsConnectionError(NewConnectionError(None, "Connection refused"))
        return real_post(*args, **kwargs)

    monkeypatch.setattr(c.session, "post", post)
    with c, pytest.raises(NotFoundError) as info:
        c.create_share(share_ref(POOL, project + "-missing", "s1"))
    assert info.value.attempts == 2
    assert sim_clean.calls()["by_method"]["createShare"] == 1


def test_lost_write_with_zero_budget_reads_once(sim_clean, project):
    sim_clean.set_faults(reset_rate=1, methods=["createShare"], count=1)
    from tegile_intelliflash.client.errors import OutcomeUnknownError

    with make_client(sim_clean, retry_budget=0) as c:
        with pytest.raises(OutcomeUnknownError) as info:
            c.create_share(share_ref(POOL, project, "s1"))
        assert "(1 read(s))" in str(info.value)
        assert sim_clean.calls()["by_method"]["createShare"] == 1
        assert c.find_share(share_ref(POOL, project, "s1")) is None


def test_one_client_shared_by_threads_under_faults(sim_clean, client, project):
    """Several threads share one client while a third of the reads fail with 503 and some
    write replies are lost: every operation succeeds and each share exists exactly once."""
    import threading

    sim_clean.set_faults(error_rate=0.3, drop_reply_rate=0.2, status=503, seed=7,
                         methods=["getShare", "listShares", "createShare", "deleteShare"])
    errors = []

    def work(n):
        try:
            for i in range(3):
                name = "t%d-%d" % (n, i)
                client.create_share(share_ref(POOL, project, name))
                assert client.get_share(share_ref(POOL, project, name)).name == name
            client.delete_share(share_ref(POOL, project, "t%d-0" % n))
        except Exception as exc:  # collected and reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    sim_clean.clear_faults()
    assert errors == []
    names = sorted(s.name for s in client.list_shares(project_ref(POOL, project)))
    assert names == sorted("t%d-%d" % (n, i) for n in range(4) for i in (1, 2))
