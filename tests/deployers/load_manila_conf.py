# SPDX-License-Identifier: Apache-2.0
"""Load a manila.conf the way manila-share does and print its share backends as JSON.

Run with the Python of a Manila environment:  load_manila_conf.py FILE

Manila's own options (manila.common.config) and every backend section listed in
enabled_share_backends, read through manila.share.configuration.Configuration with the share
manager's, the share driver's and this driver's options, as the share manager reads them.
Secret values are printed too: this is a test helper run on test data only.
"""
import json
import sys

from oslo_config import cfg

from manila.common import config as manila_config  # noqa: F401  (registers [DEFAULT] options)
from manila.share import configuration
from manila.share import driver as share_driver
from manila.share import manager as share_manager

from tegile_intelliflash.manila_driver import options

# migration_ignore_files: a list option of the generic driver options (how a list value reads).
KEYS = ["share_driver", "share_backend_name", "driver_handles_share_servers", "migration_ignore_files"] + [
    opt.dest for opt in options.ALL_OPTS]


def main(path):
    conf = cfg.CONF
    conf(["--config-file", path], project="manila", default_config_files=[])
    manila_config.verify_share_protocols()
    out = {"enabled_share_backends": conf.enabled_share_backends,
           "enabled_share_protocols": conf.enabled_share_protocols,
           "debug": conf.debug, "backends": {}}
    for name in conf.enabled_share_backends:
        # What the share manager does for a backend: its own options (share_driver), the
        # generic driver options, then the driver's.
        backend = configuration.Configuration(share_manager.share_manager_opts, config_group=name)
        backend.append_config_values(share_driver.share_opts)
        backend.append_config_values(options.ALL_OPTS)
        out["backends"][name] = {key: backend.safe_get(key) for key in KEYS}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
