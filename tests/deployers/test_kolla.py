# SPDX-License-Identifier: Apache-2.0
"""kolla-ansible: the role's override file, merged over a kolla-style base configuration by
kolla-ansible's own merge_configs action (kolla-ansible from the package index), is what Manila
reads: oslo.config loads our backend with kolla's, and oslo-config-validator accepts it."""

import glob
import os
import shutil
import subprocess

import pytest
import yaml

from conftest import PASSWORD, backend, load_manila_conf, validate_manila_conf

# What kolla renders for manila-share before the operator's overrides, in the shape of its
# templates (manila.conf.j2 then manila-share.conf.j2): kolla's own "generic" backend enabled.
KOLLA_MANILA_CONF = """\
[DEFAULT]
debug = False
log_dir = /var/log/kolla/manila
my_ip = 192.0.2.10
osapi_share_workers = 2
rootwrap_config = /etc/manila/rootwrap.conf
api_paste_config = /etc/manila/api-paste.ini
enabled_share_protocols = "NFS,CIFS"
auth_strategy = keystone
transport_url = rabbit://openstack:rabbit-secret@192.0.2.10:5672//

[oslo_concurrency]
lock_path = /var/lib/manila/tmp

[database]
connection = mysql+pymysql://manila:db-secret@192.0.2.10:3306/manila
max_retries = -1

[keystone_authtoken]
www_authenticate_uri = http://192.0.2.10:5000
auth_url = http://192.0.2.10:5000
auth_type = password
project_name = service
username = manila
password = keystone-secret
"""
KOLLA_SHARE_CONF = """\
[DEFAULT]
enabled_share_backends = generic

default_share_type = default_share_type

[generic]
share_driver = manila.share.drivers.generic.GenericShareDriver
interface_driver = manila.network.linux.interface.OVSInterfaceDriver
driver_handles_share_servers = true
service_instance_password = manila
service_instance_user = manila
service_image_name = manila-service-image
share_backend_name = GENERIC
"""
# The operator's own override, already there: the role must keep it.
OPERATOR_OVERRIDE = """\
# operator's manila-share override
[DEFAULT]
debug = True
"""


def kolla_merge(kolla_venv, base_dir, node_custom_config, dest, tmp_path):
    """Render manila-share's manila.conf with kolla-ansible's merge_configs action and kolla's
    source order for manila-share (roles/manila/tasks/config.yml)."""
    plugins = glob.glob(os.path.join(kolla_venv, "share", "kolla-ansible", "ansible", "action_plugins"))
    assert plugins, "kolla-ansible's action plugins not found in %s" % kolla_venv
    sources = [os.path.join(base_dir, "manila.conf.j2"), os.path.join(base_dir, "manila-share.conf.j2"),
               "%s/global.conf" % node_custom_config, "%s/manila.conf" % node_custom_config,
               "%s/manila-share.conf" % node_custom_config, "%s/manila/manila-share.conf" % node_custom_config,
               "%s/manila/localhost/manila.conf" % node_custom_config]
    play = tmp_path / "merge.yml"
    play.write_text(yaml.safe_dump([{
        "hosts": "localhost", "gather_facts": False,
        "tasks": [{"name": "Copying over manila-share.conf", "merge_configs": {
            "sources": sources, "dest": str(dest), "mode": "0660"}}]}]))
    env = dict(os.environ, ANSIBLE_ACTION_PLUGINS=plugins[0], ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    proc = subprocess.run([os.path.join(kolla_venv, "bin", "ansible-playbook"), "-i", "localhost,", "-c", "local",
                           "-e", "ansible_python_interpreter=" + os.path.join(kolla_venv, "bin", "python"),
                           str(play)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:]


def kolla_tree(tmp_path, copy_ca=True):
    etc = tmp_path / "etc-kolla"
    config = etc / "config"
    (config / "manila").mkdir(parents=True)
    (config / "manila" / "manila-share.conf").write_text(OPERATOR_OVERRIDE)
    (etc / "globals.yml").write_text("---\nkolla_base_distro: ubuntu\nkolla_copy_ca_into_containers: %s\n"
                                     % ("yes" if copy_ca else "no"))
    base = tmp_path / "kolla-templates"
    base.mkdir()
    (base / "manila.conf.j2").write_text(KOLLA_MANILA_CONF)
    (base / "manila-share.conf.j2").write_text(KOLLA_SHARE_CONF)
    ca = tmp_path / "array-ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    return etc, config, base, ca


def kolla_vars(etc, config, ca, backends=None):
    return {
        "manila_backend_deployment": "kolla",
        "manila_backend_check": False,
        "manila_backend_kolla_config_dir": str(config),
        "manila_backend_kolla_certificates_dir": str(etc / "certificates"),
        "manila_backend_kolla_globals": str(etc / "globals.yml"),
        "manila_backend_kolla_backends": ["generic"],
        "manila_backend_kolla_protocols": ["NFS", "CIFS"],
        "manila_backend_backends": backends or [backend(ssl_ca_file=str(ca), port=8443)],
    }


def test_override_merged_by_kolla_loads_and_validates(tmp_path, run_role, kolla_venv, manila_python):
    etc, config, base, ca = kolla_tree(tmp_path)
    rc, out = run_role(kolla_vars(etc, config, ca), extra_args=["--diff"])
    assert rc == 0, out[-4000:]
    assert PASSWORD not in out and PASSWORD.replace("$", "$$") not in out
    override = (config / "manila" / "manila-share.conf").read_text()
    assert override.startswith(OPERATOR_OVERRIDE)  # the operator's lines stay
    assert "enabled_share_backends = generic,tegile_gold\n" in override
    ca_copy = etc / "certificates" / "ca" / "intelliflash-tegile_gold.crt"
    assert ca_copy.read_text() == ca.read_text()

    # Second run: nothing changes.
    rc, out = run_role(kolla_vars(etc, config, ca))
    assert rc == 0 and "changed=0" in out, out[-3000:]

    merged = tmp_path / "manila-share" / "manila.conf"
    merged.parent.mkdir()
    kolla_merge(kolla_venv, str(base), str(config), merged, tmp_path)
    loaded = load_manila_conf(manila_python, merged)
    assert loaded["enabled_share_backends"] == ["generic", "tegile_gold"]
    assert loaded["enabled_share_protocols"] == ["NFS", "CIFS"]
    assert loaded["debug"] is True  # the operator's override still applies
    ours = loaded["backends"]["tegile_gold"]
    assert ours["share_driver"] == "tegile_intelliflash.manila_driver.TegileShareDriver"
    assert ours["share_backend_name"] == "TEGILE_GOLD"
    assert ours["driver_handles_share_servers"] is False
    assert ours["tegile_nas_server"] == "array-1.example.com"
    assert ours["tegile_nas_password"] == PASSWORD  # neither Jinja nor oslo.config changed it
    assert ours["tegile_nas_port"] == 8443
    assert ours["tegile_nas_ssl_verify"] is True
    assert ours["tegile_nas_ssl_ca_file"] == "/var/lib/kolla/share/ca-certificates/intelliflash-tegile_gold.crt"
    assert ours["tegile_default_project"] == "manila"
    assert loaded["backends"]["generic"]["share_driver"] == "manila.share.drivers.generic.GenericShareDriver"

    result = validate_manila_conf(manila_python, merged)
    assert result.returncode == 0, result.stdout[-3000:]


def test_misspelt_option_in_the_override_fails_validation(tmp_path, run_role, kolla_venv, manila_python):
    """The validation is not a formality: an unknown option in our section is found."""
    etc, config, base, ca = kolla_tree(tmp_path)
    vars_ = kolla_vars(etc, config, ca, [backend(extra_options={"tegile_nas_pasword": "x"})])
    rc, out = run_role(vars_)
    assert rc == 0, out[-3000:]
    merged = tmp_path / "merged.conf"
    kolla_merge(kolla_venv, str(base), str(config), merged, tmp_path)
    result = validate_manila_conf(manila_python, merged)
    assert result.returncode != 0 and "tegile_nas_pasword" in result.stdout


def test_kolla_mode_refuses_jinja_in_values_and_a_ca_kolla_would_not_copy(tmp_path, run_role):
    etc, config, base, ca = kolla_tree(tmp_path, copy_ca=False)
    before = (config / "manila" / "manila-share.conf").read_text()
    rc, out = run_role(kolla_vars(etc, config, ca, [backend(ssl_ca_file=str(ca))]))
    assert rc != 0 and "kolla_copy_ca_into_containers: true" in out
    # Ansible itself templates variables; an operator passes such a value as !unsafe.
    text = yaml.safe_dump(kolla_vars(etc, config, ca, [backend(login="LOGIN")]))
    rc, out = run_role(text.replace("login: LOGIN", "login: !unsafe 'a{{b}}'"))
    assert rc != 0 and "manila_backend_backends[0].login contains {{" in out, out[-3000:]
    assert (config / "manila" / "manila-share.conf").read_text() == before
    assert not (etc / "certificates").exists()


def test_removing_the_backend_keeps_kollas_backends(tmp_path, run_role):
    etc, config, base, ca = kolla_tree(tmp_path)
    rc, out = run_role(kolla_vars(etc, config, ca))
    assert rc == 0, out[-3000:]
    rc, out = run_role(kolla_vars(etc, config, ca, [{"name": "tegile_gold", "state": "absent"}]))
    assert rc == 0, out[-3000:]
    override = (config / "manila" / "manila-share.conf").read_text()
    assert "[tegile_gold]" not in override
    assert "enabled_share_backends = generic\n" in override
    assert not (etc / "certificates" / "ca" / "intelliflash-tegile_gold.crt").exists()


def test_values_kolla_would_unquote_reach_manila_unchanged(tmp_path, run_role, kolla_venv, manila_python):
    """merge_configs strips one pair of quotes and writes the bare value, which oslo.config then
    reads again: white space at either end and a value in matching quotes must survive both."""
    etc, config, base, ca = kolla_tree(tmp_path)
    password, login, project = "  Pa$$ w0rd ", "'svc'", '"proj"'
    vars_ = kolla_vars(etc, config, ca, [backend(password=password, login=login, default_project=project)])
    rc, out = run_role(vars_, extra_args=["--diff"])
    assert rc == 0, out[-4000:]
    assert "Pa$$ w0rd" not in out and "Pa$$$$ w0rd" not in out
    rc, out = run_role(vars_)
    assert rc == 0 and "changed=0" in out, out[-3000:]

    merged = tmp_path / "merged.conf"
    kolla_merge(kolla_venv, str(base), str(config), merged, tmp_path)
    ours = load_manila_conf(manila_python, merged)["backends"]["tegile_gold"]
    assert ours["tegile_nas_password"] == password
    assert ours["tegile_nas_login"] == login
    assert ours["tegile_default_project"] == project
    assert ours["tegile_nas_server"] == "array-1.example.com"


def test_a_fresh_kolla_config_dir_gets_its_manila_directory(tmp_path, run_role):
    """A deployment host whose node_custom_config holds no manila/ yet (kolla creates none): the
    role makes the directory and the override, instead of stopping in its own checks."""
    etc, config, _base, ca = kolla_tree(tmp_path)
    shutil.rmtree(str(config / "manila"))
    rc, out = run_role(kolla_vars(etc, config, ca))
    assert rc == 0, out[-3000:]
    override = (config / "manila" / "manila-share.conf").read_text()
    assert "[tegile_gold]" in override and "enabled_share_backends = generic,tegile_gold\n" in override
    rc, out = run_role(kolla_vars(etc, config, ca))
    assert rc == 0 and "changed=0" in out, out[-3000:]


@pytest.mark.parametrize("deployment", ["kolla", "native"])
def test_line_breaks_are_refused_before_anything_is_written(tmp_path, run_role, deployment):
    """oslo.config reads manila.conf with universal newlines: a value with LF or CR would end
    there, its rest read as lines, options or sections of their own. The configuration module
    refuses such a value when it writes; the role's checks refuse it before anything else (kolla:
    the manila/ directory, the CA copy; native: the driver install), naming the variable, never
    the value."""
    etc, config, _base, ca = kolla_tree(tmp_path)
    shutil.rmtree(str(config / "manila"))
    conf = tmp_path / "manila.conf"
    conf.write_text("[DEFAULT]\n")
    secrets = ["Pass0\nXq0", "Log1\rXq1", "Opt2\r\nXq2"]
    backends = [{"name": "retired", "state": "absent"},
                backend(password=secrets[0], login=secrets[1], ssl_ca_file=str(ca),
                        extra_options={"migration_ignore_files": ["a", secrets[2]]})]
    role_vars = kolla_vars(etc, config, ca, backends)
    if deployment == "native":
        role_vars.update(manila_backend_deployment="native", manila_backend_config_path=str(conf),
                         manila_backend_restart=False)
    rc, out = run_role(role_vars)
    assert rc != 0, out[-3000:]
    for field in ("password", "login", "extra_options.migration_ignore_files"):
        assert ("manila_backend_backends[1].%s: a line break (LF or CR) cannot be written to manila.conf" % field
                in out), (field, out[-3000:])
    for part in " ".join(secrets).split():
        assert part not in out, part
    assert not (config / "manila").exists() and not (etc / "certificates").exists()
    assert conf.read_text() == "[DEFAULT]\n"
