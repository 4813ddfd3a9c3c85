# SPDX-License-Identifier: Apache-2.0
"""TegileShareDriver.update_access: bulk lists, bad rules, updates, recovery."""

from unittest import mock

import pytest

from manila import exception

from tegile_driver_helpers import create, fault_after_first_call, make_rule, make_share, where
from tegile_intelliflash.client import errors as client_errors
from tegile_intelliflash.client.paths import dataset_ref, share_ref
from tegile_intelliflash.manila_driver.driver import NO_ACCESS_HOST

ACL_WRITES = ("setNFSNetworkACLsOnShare", "addNFSNetworkACLOnShare",
              "removeNFSNetworkACLOnShare", "removeAllNFSNetworkACLsOnShare",
              "setSMBNetworkACLsOnShare", "removeAllSMBNetworkACLsOnShare",
              "modifyShareProperties", "setNFSSharingOnShare", "setSMBSharingOnShare",
              "inheritNetworkACLsettingsFromProject")
REMOVALS = ("removeNFSNetworkACLOnShare", "removeAllNFSNetworkACLsOnShare",
            "removeSMBNetworkACLOnShare", "removeAllSMBNetworkACLsOnShare")


def nfs_acls(array, driver, share):
    return sorted((r.host, r.access) for r in array.get_network_acls(
        "nfs", dataset_ref(*where(driver, share))))


def user_acls(array, driver, share):
    return sorted((r.name, r.access) for r in array.get_user_acls(share_ref(*where(driver, share))))


def writes(simulator):
    by_method = simulator.calls()["by_method"]
    return {m: n for m, n in by_method.items() if m in ACL_WRITES}


def written(simulator):
    """The writes the simulator received, in order."""
    return [e["method"] for e in simulator.call_log()["entries"] if e["write"]]


def test_ip_rules_are_applied_in_one_call(simulator, driver, array):
    share = create(driver)
    rules = [make_rule("ip", "10.0.0.1"), make_rule("ip", "10.1.0.0/16", "ro"),
             make_rule("ip", "2001:db8::/64")]
    simulator.reset_calls()
    assert driver.update_access(None, share, rules, rules, [], []) == {}
    assert nfs_acls(array, driver, share) == [("10.0.0.1", "rw"), ("10.1.0.0/16", "ro"),
                                              ("2001:db8::/64", "rw")]
    # The first rules export the share (NFS on, its own setting), then write the list.
    assert written(simulator) == ["setNFSSharingOnShare", "setNFSNetworkACLsOnShare"]
    assert array.is_exposed("nfs", dataset_ref(*where(driver, share))) is True


def test_first_rule_added_to_a_share_with_other_rules_exports_it_first(
        simulator, driver, array):
    """A share whose only rules are user rules is not exported; the first IP rule, sent as a
    change (Manila's add of one rule), turns NFS on before a list holding only that rule."""
    share = create(driver)
    ref = dataset_ref(*where(driver, share))
    alice = make_rule("user", "alice", "ro")
    assert driver.update_access(None, share, [alice], [alice], [], []) == {}
    assert array.is_exposed("nfs", ref) is False
    rule = make_rule("ip", "10.0.0.7", "ro")
    simulator.reset_calls()
    assert driver.update_access(None, share, [alice, rule], [rule], [], []) == {}
    assert written(simulator) == ["setNFSSharingOnShare", "setNFSNetworkACLsOnShare"]
    assert array.is_exposed("nfs", ref) is True
    assert nfs_acls(array, driver, share) == [("10.0.0.7", "ro")]
    assert user_acls(array, driver, share) == [("alice", "ro")]


@pytest.mark.parametrize("rules", [[], [make_rule("ip", "db1.example.com")]],
                         ids=["no-rule", "only-a-bad-rule"])
def test_no_rule_on_an_unexported_share_writes_nothing(simulator, driver, array, rules):
    """A share closed by NFS off (new) is not turned on only to write the closed list."""
    share = create(driver)
    simulator.reset_calls()
    updates = driver.update_access(None, share, rules, rules, [], [])
    assert set(updates) == set(r["access_id"] for r in rules)
    assert driver.update_access(None, share, rules, [], [], []) == updates  # Manila's resync
    assert written(simulator) == []
    assert array.is_exposed("nfs", dataset_ref(*where(driver, share))) is False


def test_bad_rules_are_reported_and_the_others_applied(driver, array):
    share = create(driver)
    good = make_rule("ip", "10.0.0.2", "ro")
    user = make_rule("user", "alice", "rw")
    bad = [make_rule("ip", "10.0.0.0/8x"), make_rule("ip", "10.0.0.1/24"),
           make_rule("cert", "client.example.com"), make_rule("ip", "10.0.0.3", "admin"),
           make_rule("ip", "db1.example.com"), make_rule("ip", NO_ACCESS_HOST)]
    rules = [good, user] + bad
    updates = driver.update_access(None, share, rules, rules, [], [])
    assert updates == {r["access_id"]: {"state": "error"} for r in bad}
    assert nfs_acls(array, driver, share) == [("10.0.0.2", "ro")]
    assert user_acls(array, driver, share) == [("alice", "rw")]


def test_two_levels_for_one_client_put_the_second_rule_in_error(driver, array):
    share = create(driver)
    first = make_rule("ip", "10.0.0.5", "rw")
    second = make_rule("ip", "10.0.0.5/32", "ro")
    same = make_rule("ip", "10.0.0.5/32", "rw")
    updates = driver.update_access(None, share, [first, second, same], [first, second, same],
                                   [], [])
    assert updates == {second["access_id"]: {"state": "error"}}
    assert nfs_acls(array, driver, share) == [("10.0.0.5", "rw")]


def test_a_new_rule_conflicting_with_an_active_one_is_the_one_in_error(driver, array):
    # Manila's order of access_rules is arbitrary: the rule being added must lose, never the
    # rule already active on the share. Names compare case-insensitively on the array.
    share = create(driver)
    active = make_rule("user", "alice", "rw")
    driver.update_access(None, share, [active], [active], [], [])
    new = make_rule("user", "Alice", "ro")
    updates = driver.update_access(None, share, [new, active], [new], [], [])
    assert updates == {new["access_id"]: {"state": "error"}}
    assert user_acls(array, driver, share) == [("alice", "rw")]


def test_cifs_allows_user_rules_only(driver, array):
    share = create(driver, "CIFS")
    ip = make_rule("ip", "10.0.0.1")
    bob = make_rule("user", "Bob", "ro")
    carol = make_rule("user", "carol", "rw")
    # A name the array refuses in a file ACL: only that rule fails.
    refused = make_rule("user", "CORP\\Carol Smith", "rw")
    rules = [ip, bob, refused, carol]
    updates = driver.update_access(None, share, rules, rules, [], [])
    assert updates == {ip["access_id"]: {"state": "error"},
                       refused["access_id"]: {"state": "error"}}
    assert user_acls(array, driver, share) == [("Bob", "ro"), ("carol", "rw")]
    pool, project, name = where(driver, share)
    assert array.get_network_acls("smb", dataset_ref(pool, project, name)) == []


@pytest.mark.parametrize("proto", ["CIFS", "NFS"])
def test_a_denied_user_loses_access_when_every_remaining_user_rule_is_refused(
        driver, array, proto):
    # One call denies alice and adds a user the array refuses in a file ACL. The list falls back
    # to rule-by-rule writes, all refused: the array then still held alice, whom Manila deleted.
    share = create(driver, proto)
    alice = make_rule("user", "alice", "rw")
    assert driver.update_access(None, share, [alice], [alice], [], []) == {}
    refused = make_rule("user", "CORP\\Carol Smith", "rw")
    updates = driver.update_access(None, share, [refused], [refused], [alice], [])
    assert updates == {refused["access_id"]: {"state": "error"}}
    assert user_acls(array, driver, share) == []
    # Manila's resync (no changes) of the same rules converges too, writing nothing more.
    assert driver.update_access(None, share, [refused], [], [], []) == {
        refused["access_id"]: {"state": "error"}}
    assert user_acls(array, driver, share) == []


def test_nfs_user_rules_go_to_the_file_acl_and_do_not_open_the_export(driver, array):
    share = create(driver)
    alice = make_rule("user", "alice", "ro")
    assert driver.update_access(None, share, [alice], [alice], [], []) == {}
    assert user_acls(array, driver, share) == [("alice", "ro")]
    assert array.is_exposed("nfs", dataset_ref(*where(driver, share))) is False
    # On an exported share (its IP rule gone since), they leave the closed list alone.
    ip = make_rule("ip", "10.0.0.1")
    driver.update_access(None, share, [alice, ip], [ip], [], [])
    driver.update_access(None, share, [alice], [], [ip], [])
    assert nfs_acls(array, driver, share) == [(NO_ACCESS_HOST, "ro")]
    assert driver.update_access(None, share, [alice], [], [], []) == {}
    assert nfs_acls(array, driver, share) == [(NO_ACCESS_HOST, "ro")]


def test_add_delete_and_update_rules(simulator, driver, array):
    share = create(driver)
    a = make_rule("ip", "10.0.0.1")
    b = make_rule("ip", "10.0.0.2")
    driver.update_access(None, share, [a, b], [a, b], [], [])
    # Access level change of b, deletion of a, addition of c.
    c = make_rule("ip", "10.0.0.3", "ro")
    b_ro = dict(b, access_level="ro")
    simulator.reset_calls()
    assert driver.update_access(None, share, [b_ro, c], [c], [a], [b_ro]) == {}
    assert nfs_acls(array, driver, share) == [("10.0.0.2", "ro"), ("10.0.0.3", "ro")]
    assert writes(simulator) == {"setNFSNetworkACLsOnShare": 1}
    # Deleting the last rules closes the export again, in one call.
    simulator.reset_calls()
    driver.update_access(None, share, [], [], [b_ro, c], [])
    assert nfs_acls(array, driver, share) == [(NO_ACCESS_HOST, "ro")]
    assert writes(simulator) == {"setNFSNetworkACLsOnShare": 1}
    assert array.is_exposed("nfs", dataset_ref(*where(driver, share))) is True  # NFS stays on


def test_denying_a_rule_never_applied_succeeds(simulator, driver, array):
    share = create(driver)
    a = make_rule("ip", "10.0.0.1")
    driver.update_access(None, share, [a], [a], [], [])
    ghost = make_rule("ip", "10.9.9.9")
    bad_ghost = make_rule("ip", "not-an-address!")
    simulator.reset_calls()
    assert driver.update_access(None, share, [a], [], [ghost, bad_ghost], []) == {}
    assert nfs_acls(array, driver, share) == [("10.0.0.1", "rw")]
    # The removal is asked for without reading the list first (the rule the driver could not
    # translate is not), and the array has nothing to remove.
    assert writes(simulator) == {"removeNFSNetworkACLOnShare": 1}
    assert [e["outcome"] for e in simulator.call_log()["entries"] if e["write"]] == [
        "EZEBI_RESOURCE_NOT_FOUND"]


def test_reapplying_existing_rules_writes_nothing(simulator, driver, array):
    share = create(driver)
    rules = [make_rule("ip", "10.0.0.1"), make_rule("user", "alice")]
    driver.update_access(None, share, rules, rules, [], [])
    simulator.reset_calls()
    assert driver.update_access(None, share, rules, rules, [], []) == {}
    assert writes(simulator) == {}


def test_recovery_of_a_converged_share_removes_nothing(simulator, driver, array):
    share = create(driver)
    rules = [make_rule("ip", "10.0.0.1"), make_rule("ip", "10.2.0.0/16", "ro"),
             make_rule("user", "alice", "ro")]
    driver.update_access(None, share, rules, rules, [], [])
    simulator.reset_calls()
    assert driver.update_access(None, share, rules, [], [], []) == {}
    calls = simulator.calls()["by_method"]
    assert not any(m in calls for m in REMOVALS)
    assert writes(simulator) == {}


def test_recovery_converges_a_drifted_share_without_removing_everything(simulator, driver,
                                                                        array):
    share = create(driver)
    rules = [make_rule("ip", "10.0.0.1"), make_rule("ip", "10.0.0.2", "ro")]
    driver.update_access(None, share, rules, rules, [], [])
    pool, project, name = where(driver, share)
    # Drift on the array: an extra host, a changed level, a stray file ACL entry.
    array.set_network_acls("nfs", dataset_ref(pool, project, name), [
        {"host": "10.0.0.1", "access": "ro"}, {"host": "10.0.0.2", "access": "ro"},
        {"host": "10.66.0.0/16", "access": "rw"}])
    array.set_user_acls(share_ref(pool, project, name), [{"kind": "user", "name": "mallory"}])
    simulator.reset_calls()
    assert driver.update_access(None, share, rules, [], [], []) == {}
    assert nfs_acls(array, driver, share) == [("10.0.0.1", "rw"), ("10.0.0.2", "ro")]
    assert user_acls(array, driver, share) == []
    calls = simulator.calls()["by_method"]
    assert not any(m in calls for m in REMOVALS)
    assert writes(simulator) == {"setNFSNetworkACLsOnShare": 1, "modifyShareProperties": 1}


def test_a_rule_the_array_refuses_is_isolated(driver, array):
    # The simulator accepts every valid entry; an array that refuses one is injected.
    share = create(driver)
    real_set = driver.client.set_network_acls

    def refusing(protocol, ref, rules):
        if any(r.host == "10.0.0.66" for r in rules):
            raise client_errors.InvalidArgumentError(
                "host 10.0.0.66 refused", method="setNFSNetworkACLsOnShare",
                code="EZEBI_INVALID_ACL_API_PARAM_GENERAL")
        return real_set(protocol, ref, rules)

    good = [make_rule("ip", "10.0.0.1"), make_rule("ip", "10.0.0.99", "ro")]
    refused = make_rule("ip", "10.0.0.66")
    rules = [good[0], refused, good[1]]
    with mock.patch.object(driver.client, "set_network_acls", side_effect=refusing):
        updates = driver.update_access(None, share, rules, rules, [], [])
    assert updates == {refused["access_id"]: {"state": "error"}}
    assert nfs_acls(array, driver, share) == [("10.0.0.1", "rw"), ("10.0.0.99", "ro")]


def test_update_access_on_a_share_of_an_unsupported_protocol(driver):
    share = make_share("GLUSTERFS")
    with pytest.raises(exception.InvalidShareAccess) as err:
        driver.update_access(None, share, [make_rule("ip", "10.0.0.1")], [], [], [])
    assert share["id"] in str(err.value)


def test_update_access_on_a_missing_share(driver):
    share = make_share()
    with pytest.raises(exception.ShareResourceNotFound):
        driver.update_access(None, share, [make_rule("ip", "10.0.0.1")], [], [], [])


def test_update_access_turns_a_switched_off_export_back_on(driver, array):
    share = create(driver)
    pool, project, name = where(driver, share)
    array.set_nfs_sharing(dataset_ref(pool, project, name), False)
    rule = make_rule("ip", "10.0.0.1")
    assert driver.update_access(None, share, [rule], [], [], []) == {}
    assert array.is_exposed("nfs", dataset_ref(pool, project, name)) is True
    assert nfs_acls(array, driver, share) == [("10.0.0.1", "rw")]


def test_update_access_raises_when_the_array_fails(simulator, driver, array):
    # Raising is Manila's contract for "nothing could be decided": only the rules in
    # transition (applying/denying/updating) go to error and the share's access_rules_status
    # says so. Per-rule 'error' would also flip rules already active on the array.
    share = create(driver)
    active = make_rule("ip", "10.0.0.1")
    driver.update_access(None, share, [active], [active], [], [])
    new = make_rule("ip", "10.0.0.2")
    simulator.set_faults(error_rate=1, status=503, count=1000)
    try:
        with pytest.raises(exception.ShareBackendException) as err:
            driver.update_access(None, share, [active, new], [new], [], [])
    finally:
        simulator.clear_faults()
    assert share["id"] in str(err.value)
    assert simulator.password not in str(err.value)
    assert nfs_acls(array, driver, share) == [("10.0.0.1", "rw")]


def test_replacing_every_ip_rule_never_leaves_the_export_open(simulator, driver, array):
    # One call denies the only IP rule and grants another. Were the removal sent before the
    # addition, the list would be empty in between (an empty NFS list lets every host in), and
    # stay empty when the addition fails.
    share = create(driver)
    old = make_rule("ip", "10.0.0.1")
    driver.update_access(None, share, [old], [old], [], [])
    new = make_rule("ip", "10.0.0.2")
    simulator.set_faults(error_rate=1, status=503, methods=["addNFSNetworkACLOnShare"],
                         count=1000)
    try:
        with pytest.raises(exception.ShareBackendException):
            driver.update_access(None, share, [new], [new], [old], [])
    finally:
        simulator.clear_faults()
    assert nfs_acls(array, driver, share) == [("10.0.0.1", "rw")]
    # Without the fault the same call replaces the entry.
    assert driver.update_access(None, share, [new], [new], [old], []) == {}
    assert nfs_acls(array, driver, share) == [("10.0.0.2", "rw")]


def test_two_threads_never_report_an_applied_rule_in_error(driver, array):
    # Thread "one" reads the list, then thread "two" reads it too and writes its rules; only then
    # does "one" write its own (stale) list. Without serialization, "two" read back a list
    # without its rule and reported the rule it had applied as 'error'.
    import threading

    share = create(driver)
    rule_a, rule_b = make_rule("ip", "10.20.0.1"), make_rule("ip", "10.20.0.2")
    client = driver.client
    read_acls, set_acls = client.get_network_acls, client.set_network_acls
    both_read = threading.Barrier(2, timeout=2)
    wrote = {"one": threading.Event(), "two": threading.Event()}
    local = threading.local()

    def get_network_acls(*args, **kwargs):
        name = threading.current_thread().name
        if getattr(local, "read", False) and name == "two":
            wrote["one"].wait(2)  # "two" checks its write after "one" wrote its stale list
        result = read_acls(*args, **kwargs)
        if not getattr(local, "read", False):
            local.read = True
            try:
                both_read.wait()
            except threading.BrokenBarrierError:
                pass  # the other thread is waiting for the lock this one holds
        return result

    def set_network_acls(*args, **kwargs):
        name = threading.current_thread().name
        if name == "one":
            wrote["two"].wait(2)
        set_acls(*args, **kwargs)
        wrote[name].set()

    results = {}

    def run(name, rules, added):
        results[name] = driver.update_access(None, share, rules, added, [], [])

    with mock.patch.object(client, "get_network_acls", side_effect=get_network_acls), \
            mock.patch.object(client, "set_network_acls", side_effect=set_network_acls):
        threads = [threading.Thread(target=run, name="one", args=("one", [rule_a], [rule_a])),
                   threading.Thread(target=run, name="two", args=("two", [rule_a, rule_b], [rule_b]))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert results == {"one": {}, "two": {}}
    assert nfs_acls(array, driver, share) in ([("10.20.0.1", "rw")],
                                              [("10.20.0.1", "rw"), ("10.20.0.2", "rw")])


@pytest.mark.parametrize("status, count", [(503, 1000), (500, 1)],
                         ids=["refused", "outcome-unknown"])
def test_first_rule_whose_list_write_fails_leaves_the_share_unexported(
        simulator, driver, array, status, count):
    """The first 'ip' rule turns NFS on (which empties the share's list: open to every host),
    then writes the list. When that write fails (503: not executed), or its outcome is unknown
    (500 with a proxy's page), NFS goes back off: the share is left as closed as it was, never
    exported to every host."""
    share = create(driver)
    ref = dataset_ref(*where(driver, share))
    rule = make_rule("ip", "10.0.0.1")
    simulator.set_faults(error_rate=1, status=status, methods=["setNFSNetworkACLsOnShare"],
                         count=count)
    try:
        with pytest.raises(exception.ShareBackendException) as err:
            driver.update_access(None, share, [rule], [rule], [], [])
    finally:
        simulator.clear_faults()
    assert simulator.password not in str(err.value)
    assert array.is_exposed("nfs", ref) is False
    # Manila's retry exports it with the rule.
    assert driver.update_access(None, share, [rule], [rule], [], []) == {}
    assert array.is_exposed("nfs", ref) is True
    assert nfs_acls(array, driver, share) == [("10.0.0.1", "rw")]


def test_rules_added_together_are_taken_back_when_a_later_add_fails(
        simulator, driver, array, monkeypatch):
    """Two rules added in one call, one call per rule: the first is on the array when the array
    answers the second with an error (a proxy's 400: the call did not run). Manila then puts
    both in 'error'; the first must not stay active behind that state: it is removed again."""
    share = create(driver)
    active = make_rule("ip", "10.0.0.1")
    driver.update_access(None, share, [active], [active], [], [])
    first, second = make_rule("ip", "10.0.0.2"), make_rule("ip", "10.0.0.3")
    fault_after_first_call(monkeypatch, simulator, driver.client, "add_network_acl",
                           "addNFSNetworkACLOnShare")
    try:
        with pytest.raises(exception.ShareBackendException):
            driver.update_access(None, share, [active, first, second], [first, second], [], [])
    finally:
        simulator.clear_faults()
    assert nfs_acls(array, driver, share) == [("10.0.0.1", "rw")]


def test_ip_rules_added_are_taken_back_when_the_file_acl_write_fails(simulator, driver, array):
    """One call adds an IP rule and a user rule: the NFS entry is added, then the file ACL write
    fails without running. Manila puts both rules in 'error': the NFS entry is removed again."""
    share = create(driver)
    active = make_rule("ip", "10.0.0.1")
    driver.update_access(None, share, [active], [active], [], [])
    new_ip, new_user = make_rule("ip", "10.0.0.2"), make_rule("user", "alice")
    simulator.set_faults(error_rate=1, status=400, methods=["modifyShareProperties"], count=1)
    try:
        with pytest.raises(exception.ShareBackendException):
            driver.update_access(None, share, [active, new_ip, new_user], [new_ip, new_user], [],
                                 [])
    finally:
        simulator.clear_faults()
    assert nfs_acls(array, driver, share) == [("10.0.0.1", "rw")]
    assert user_acls(array, driver, share) == []


def test_a_list_written_whole_goes_back_when_the_file_acl_write_fails(simulator, driver, array):
    """A level change writes the NFS list whole; the file ACL write of the same call then fails
    without running. Manila puts the call's rules in 'error': the list goes back to what it was
    (the host keeps ro, the new host is not let in)."""
    share = create(driver)
    a = make_rule("ip", "10.0.0.1", "ro")
    driver.update_access(None, share, [a], [a], [], [])
    a_rw, b, user = dict(a, access_level="rw"), make_rule("ip", "10.0.0.2"), \
        make_rule("user", "alice")
    simulator.set_faults(error_rate=1, status=400, methods=["modifyShareProperties"], count=1)
    try:
        with pytest.raises(exception.ShareBackendException):
            driver.update_access(None, share, [a_rw, b, user], [b, user], [], [a_rw])
    finally:
        simulator.clear_faults()
    assert nfs_acls(array, driver, share) == [("10.0.0.1", "ro")]
    assert user_acls(array, driver, share) == []
