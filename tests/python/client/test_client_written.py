# SPDX-License-Identifier: Apache-2.0
"""Verifications check what was written, not only the effective value (issue 8, item 4).

Each write below pins on a share a value its project already has. Its request is lost before
the array runs it (the simulator's reset fault): the effective value read back matches anyway,
because the share inherits it. A verification that looked only at the effective value would
report success although the share's own setting was never written (and the share would follow
the project when the project changes). The verification must look at the override flag too, so
the outcome stays unknown.
"""

import pytest

from tegile_intelliflash.client.acl import NetworkRule
from tegile_intelliflash.client.errors import OutcomeUnknownError
from tegile_intelliflash.client.paths import dataset_ref, project_ref, share_ref

from client_helpers import make_client

POOL = "pool-a"
RULE = NetworkRule("IP", "10.9.0.0/16", "rw")


def _project_nfs_on_with_rule(c, project):
    c.set_nfs_sharing(project_ref(POOL, project), True)
    c.set_network_acls("nfs", project_ref(POOL, project), [RULE])


# (wire method, preparation of the project, the share-level write)
PINS = [
    ("setSMBSharingOnShare", None,
     lambda c, p, s: c.set_smb_sharing(dataset_ref(POOL, p, s), False)),
    ("setNFSSharingOnShare", None,
     lambda c, p, s: c.set_nfs_sharing(dataset_ref(POOL, p, s), False)),
    ("setNFSSharingOnShare", lambda c, p: c.set_nfs_sharing(project_ref(POOL, p), True),
     lambda c, p, s: c.set_nfs_sharing(dataset_ref(POOL, p, s), True)),
    ("modifyShareProperties", None,
     lambda c, p, s: c.modify_share(share_ref(POOL, p, s), {"compression": "lz4", "dedup": "off"})),
    ("setNFSNetworkACLsOnShare", _project_nfs_on_with_rule,
     lambda c, p, s: c.set_network_acls("nfs", dataset_ref(POOL, p, s), [RULE])),
    ("addNFSNetworkACLOnShare", _project_nfs_on_with_rule,
     lambda c, p, s: c.add_network_acl("nfs", dataset_ref(POOL, p, s), RULE)),
    ("removeAllSMBNetworkACLsOnShare", None,
     lambda c, p, s: c.remove_all_network_acls("smb", dataset_ref(POOL, p, s))),
]
IDS = ["%s-%d" % (pin[0], i) for i, pin in enumerate(PINS)]


@pytest.mark.parametrize("pin", PINS, ids=IDS)
def test_inherited_value_is_not_taken_for_the_written_one(sim_clean, client, project, pin):
    method, prepare, write = pin
    if prepare:
        prepare(client, project)
    client.create_share(share_ref(POOL, project, "pinned"))
    sim_clean.reset_calls()
    sim_clean.set_faults(reset_rate=1, methods=[method], count=1)
    with make_client(sim_clean, retry_budget=0.3) as c:
        with pytest.raises(OutcomeUnknownError) as info:
            write(c, project, "pinned")
    assert info.value.method == method
    assert sim_clean.calls()["by_method"][method] == 1


# An add of a rule the inherited list holds already is refused by the array (C15/C16): not a
# write that applies.
APPLIED = [(pin, i) for pin, i in zip(PINS, IDS) if pin[0] != "addNFSNetworkACLOnShare"]


@pytest.mark.parametrize("pin", [p for p, _i in APPLIED], ids=[i for _p, i in APPLIED])
def test_written_value_with_lost_reply_is_success(sim_clean, client, project, pin):
    """The same writes, applied with their reply lost: the override flag shows, success."""
    method, prepare, write = pin
    if prepare:
        prepare(client, project)
    client.create_share(share_ref(POOL, project, "pinned"))
    sim_clean.reset_calls()
    sim_clean.set_faults(drop_reply_rate=1, methods=[method], count=1)
    write(client, project, "pinned")
    assert sim_clean.calls()["by_method"][method] == 1


def test_create_share_checks_its_options(sim_clean, client, project):
    """A createShare whose request was lost while another writer created the same share with
    another quota is not taken for ours."""
    sim_clean.set_faults(reset_rate=1, methods=["createShare"], count=1)
    other = make_client(sim_clean)
    with make_client(sim_clean, retry_budget=0.3) as c:
        with pytest.raises(OutcomeUnknownError):
            real_sleep = c._transport._sleep

            def sleep_and_race(seconds):
                if other.find_share(share_ref(POOL, project, "race")) is None:
                    other.create_share(share_ref(POOL, project, "race"), quota="5G")
                real_sleep(seconds)

            c._transport._sleep = sleep_and_race
            c.create_share(share_ref(POOL, project, "race"), quota="1G")
    other.close()
