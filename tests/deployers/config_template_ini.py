# SPDX-License-Identifier: Apache-2.0
"""What openstack-ansible's config_template action writes for INI texts (no overrides).

Run with the Python of the config_template venv (conftest.config_template_venv):
    config_template_ini.py PLUGIN < JSON list of INI texts
prints the JSON list of the files config_template would write for them: each text goes through
the action's own INI merge (its ConfigTemplateParser reads it, writes it back), as when
os_manila renders manila.conf with config_type ini and no config_overrides.
"""
import importlib.util
import json
import sys
import warnings


def main(plugin):
    warnings.simplefilter("ignore")  # the 2.1.1 release imports distutils
    spec = importlib.util.spec_from_file_location("config_template_action", plugin)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # The INI merge uses no state of the action: an instance without Ansible's task context.
    action = module.ActionModule.__new__(module.ActionModule)
    out = [action.return_config_overrides_ini(config_overrides={}, resultant=text)[0]
           for text in json.load(sys.stdin)]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
