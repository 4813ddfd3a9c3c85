# SPDX-License-Identifier: Apache-2.0
"""The modules, module_utils and the Manila driver read the client's views, never wire keys.

The client turns the array's replies into typed views (client/views.py); a wire key in the
layers above would let the protocol leak again (issue 11): two rules implemented twice, with
different details. Keys a module *writes* (partial Project_V2_1/Share_V2_1 dicts) are allowed;
these are only ever read.
"""
import glob
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
READ_ONLY_WIRE_KEYS = (
    "quotaInByte", "reservationInByte", "sharenfs", "sharesmb", "aclList", "overrideSharenfs",
    "overrideSharesmb", "usedSize", "usedInByte", "usedBytes", "totalSize", "availableSize",
    "cifsDisplayName", "guestStatus", "ipAddress", "poolName", "projectName", "zfsDataSetName",
    "projectCloneState", "deletedList", "failedToDeleteList", "snapshotDeletionStatus",
    "smbProtocolMode", "subsharesFeatureEnabled", "restrictAnonymous", "restrictGuest",
    "ZEBI_APPLIANCE_MODEL", "ZEBI_APPLIANCE_VERSION", "ZEBI_GUI_VERSION", "ZEBI_API_VERSION",
    "ZEBI_API_MINOR_VERSION", "ZEBI_SUPPORTED_TDPS_API_VERSIONS", "INTELLIFLASH_ARRAY_GUID",
    "INTELLIFLASH_ARRAY_FQDN", "containerName", "localDataset",
)
LAYERS = ("plugins/modules/*.py", "plugins/module_utils/*.py", "tegile_intelliflash/manila_driver/**/*.py")


def test_no_wire_key_is_read_above_the_client():
    pattern = re.compile(r"""["'](%s)["']""" % "|".join(READ_ONLY_WIRE_KEYS))
    found = []
    for layer in LAYERS:
        for path in glob.glob(os.path.join(ROOT, layer), recursive=True):
            with open(path, encoding="utf-8") as handle:
                for number, line in enumerate(handle, 1):
                    if pattern.search(line):
                        found.append("%s:%d: %s" % (os.path.relpath(path, ROOT), number, line.strip()))
    assert not found, "\n".join(found)


def test_the_rule_sees_the_layers():
    assert all(glob.glob(os.path.join(ROOT, layer), recursive=True) for layer in LAYERS)
