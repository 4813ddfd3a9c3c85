# SPDX-License-Identifier: Apache-2.0
"""openstack-ansible: the user variables the role writes for os_manila, rendered the way os_manila
renders manila_backends into manila.conf, give Manila's oslo.config our backend; the password is
not in the file but in the variable it names (user_secrets.yml)."""

import io
import json
import os
import re
import subprocess

import pytest
import yaml
from oslo_config import iniparser
from oslo_config import types as oslo_types

from conftest import PASSWORD, ROOT, backend, load_manila_conf, validate_manila_conf

HERE = os.path.dirname(os.path.abspath(__file__))


def osa_vars(deploy_dir, backends, **extra):
    role_vars = {
        "manila_backend_deployment": "openstack_ansible",
        "manila_backend_check": False,
        "manila_backend_osa_config_dir": str(deploy_dir),
        "manila_backend_osa_pip_packages": ["https://repo.example.com/wheels/tegile_intelliflash-1.0.0-py3-none-any.whl"],
        "manila_backend_backends": backends,
    }
    role_vars.update(extra)
    return role_vars


def render_like_os_manila(tmp_path, deploy_dir, secrets, config_template_venv=None, expect_ok=True):
    """Template os_manila's backend part of manila.conf from the user_*.yml files (Ansible resolves
    the variable references, as in an openstack-ansible run).

    With ``config_template_venv``, as os_manila does it: through openstack-ansible's
    config_template action (config_type ini) and that venv's ansible-core, so the file is what
    config_template's own INI reader and writer make of the rendered template. Returns the path,
    or (path, output) when ``expect_ok`` is false."""
    (deploy_dir / "user_secrets.yml").write_text(yaml.safe_dump(secrets))
    out = tmp_path / "manila.conf"
    src = os.path.join(HERE, "files", "os_manila_backends.conf.j2")
    # os_manila names it openstack.config_template.config_template; the package installs the same
    # action as a plain action plugin (ANSIBLE_ACTION_PLUGINS below).
    if config_template_venv:
        task = {"config_template": {"src": src, "dest": str(out), "config_type": "ini",
                                    "config_overrides": {}, "mode": "0640"}}
    else:
        task = {"ansible.builtin.template": {"src": src, "dest": str(out)}}
    venv = config_template_venv or os.path.join(ROOT, ".venv")
    play = tmp_path / "render.yml"
    play.write_text(yaml.safe_dump([{
        "hosts": "localhost", "gather_facts": False,
        "vars_files": [str(deploy_dir / "user_variables_tegile_intelliflash.yml"),
                       str(deploy_dir / "user_secrets.yml")],
        "vars": {"openstack_ca_bundle_path": "/etc/ssl/certs/ca-certificates.crt"},
        "tasks": [task]}]))
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    if config_template_venv:
        env["ANSIBLE_ACTION_PLUGINS"] = os.path.join(config_template_venv, "share", "ansible", "plugins", "action")
    proc = subprocess.run([os.path.join(venv, "bin", "ansible-playbook"), "-i", "localhost,",
                           "-c", "local", "-e", "ansible_python_interpreter=" + os.path.join(venv, "bin", "python"),
                           str(play)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    if not expect_ok:
        return out, proc.stdout
    assert proc.returncode == 0, proc.stdout[-3000:]
    return out


def test_user_variables_render_into_a_backend_manila_loads(tmp_path, run_role, manila_python):
    deploy = tmp_path / "openstack_deploy"
    deploy.mkdir()
    ca = tmp_path / "array-ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    backends = [backend(ssl_ca_file=str(ca), login="svc$ops"), backend("tegile-silver", port=8443)]
    rc, out = run_role(osa_vars(deploy, backends), extra_args=["--diff"])
    assert rc == 0, out[-4000:]
    assert PASSWORD not in out
    written = (deploy / "user_variables_tegile_intelliflash.yml").read_text()
    assert PASSWORD not in written and PASSWORD.replace("$", "$$") not in written
    assert "tegile_intelliflash_tegile_gold_password" in out  # the run says what to define
    data = yaml.safe_load(written)
    assert data["manila_backends"] == "{{ tegile_intelliflash_manila_backends }}"
    assert data["tegile_intelliflash_manila_pip_packages"] == osa_vars(deploy, [])["manila_backend_osa_pip_packages"]
    assert data["tegile_intelliflash_ca_certificates"] == [
        {"name": "intelliflash-tegile_gold.crt",
         "src": str(deploy / "tegile_intelliflash" / "intelliflash-tegile_gold.crt")}]
    assert (deploy / "tegile_intelliflash" / "intelliflash-tegile_gold.crt").read_text() == ca.read_text()
    rc, out = run_role(osa_vars(deploy, backends))
    assert rc == 0 and "changed=0" in out, out[-3000:]

    conf = render_like_os_manila(tmp_path, deploy, {
        "tegile_intelliflash_tegile_gold_password": PASSWORD,
        "tegile_intelliflash_tegile_silver_password": "silver-secret"})
    loaded = load_manila_conf(manila_python, conf)
    assert loaded["enabled_share_backends"] == ["tegile-silver", "tegile_gold"]
    assert set(loaded["enabled_share_protocols"]) == {"NFS", "CEPHFS", "CIFS"}
    gold = loaded["backends"]["tegile_gold"]
    assert gold["share_driver"] == "tegile_intelliflash.manila_driver.TegileShareDriver"
    assert gold["driver_handles_share_servers"] is False
    assert gold["tegile_nas_login"] == "svc$ops"  # $ written as $$ for oslo.config
    assert gold["tegile_nas_password"] == PASSWORD  # the $ are doubled when os_manila renders it
    assert gold["tegile_nas_ssl_ca_file"] == "/etc/ssl/certs/ca-certificates.crt"
    assert gold["tegile_default_project"] == "manila"
    silver = loaded["backends"]["tegile-silver"]
    assert silver["tegile_nas_port"] == 8443 and silver["tegile_nas_password"] == "silver-secret"
    assert silver["tegile_nas_ssl_ca_file"] is None
    result = validate_manila_conf(manila_python, conf)
    assert result.returncode == 0, result.stdout[-3000:]


def test_without_assignments_the_file_only_defines_its_own_variables(tmp_path, run_role):
    deploy = tmp_path / "openstack_deploy"
    deploy.mkdir()
    rc, out = run_role(osa_vars(deploy, [backend()], manila_backend_osa_assign=False))
    assert rc == 0, out[-3000:]
    data = yaml.safe_load((deploy / "user_variables_tegile_intelliflash.yml").read_text())
    assert sorted(data) == ["tegile_intelliflash_ca_certificates", "tegile_intelliflash_manila_backends",
                            "tegile_intelliflash_manila_pip_packages",
                            "tegile_intelliflash_manila_share_protocols"]


def test_values_keep_white_space_and_quotes_at_either_end(tmp_path, run_role, manila_python):
    """config_template and oslo.config strip white space around a value and oslo.config one pair
    of matching quotes: such a value (the password, resolved by openstack-ansible, included) must
    reach Manila as given."""
    deploy = tmp_path / "openstack_deploy"
    deploy.mkdir()
    backends = [backend(login=" svc ops "),
                backend("tegile-silver", login="'ops'", default_project='"proj"')]
    rc, out = run_role(osa_vars(deploy, backends))
    assert rc == 0, out[-3000:]
    passwords = {"tegile_intelliflash_tegile_gold_password": "  spaced $pw ",
                 "tegile_intelliflash_tegile_silver_password": '"quoted"'}
    loaded = load_manila_conf(manila_python, render_like_os_manila(tmp_path, deploy, passwords))
    gold, silver = loaded["backends"]["tegile_gold"], loaded["backends"]["tegile-silver"]
    assert gold["tegile_nas_password"] == "  spaced $pw "
    assert gold["tegile_nas_login"] == " svc ops "
    assert silver["tegile_nas_password"] == '"quoted"'
    assert silver["tegile_nas_login"] == "'ops'"
    assert silver["tegile_default_project"] == '"proj"'


def test_list_values_reach_manila_as_lists(tmp_path, run_role, manila_python):
    """os_manila writes a value with str(): a YAML list would reach manila.conf as Python's
    ['a', 'b'], which oslo.config reads as the items "['a'" and " 'b']". A mapping, or list items
    with a comma, cannot be written: refused before the file changes."""
    deploy = tmp_path / "openstack_deploy"
    deploy.mkdir()
    rc, out = run_role(osa_vars(deploy, [backend(extra_options={
        "migration_ignore_files": ["lost+found", ".snapshot"]})]))
    assert rc == 0, out[-3000:]
    conf = render_like_os_manila(tmp_path, deploy, {"tegile_intelliflash_tegile_gold_password": "pw"})
    loaded = load_manila_conf(manila_python, conf)
    assert loaded["backends"]["tegile_gold"]["migration_ignore_files"] == ["lost+found", ".snapshot"]
    for bad, msg in ([{"a": "b"}, "extra_options.migration_ignore_files: a mapping cannot"],
                     [["a,b"], "extra_options.migration_ignore_files: list items cannot contain a comma"]):
        before = (deploy / "user_variables_tegile_intelliflash.yml").read_text()
        rc, out = run_role(osa_vars(deploy, [backend(extra_options={"migration_ignore_files": bad})]))
        assert rc != 0 and "manila_backend_backends[0]." + msg in out, out[-3000:]
        assert (deploy / "user_variables_tegile_intelliflash.yml").read_text() == before


def test_backends_that_would_share_a_password_variable_are_refused(tmp_path, run_role):
    """The password variable's name turns - and . into _: tegile-gold and tegile_gold would both
    read tegile_intelliflash_tegile_gold_password, one backend with the other array's password."""
    deploy = tmp_path / "openstack_deploy"
    deploy.mkdir()
    rc, out = run_role(osa_vars(deploy, [backend("tegile-gold"), backend("tegile_gold", server="array-2")]))
    assert rc != 0, out[-3000:]
    assert ("backends 'tegile-gold' and 'tegile_gold' would both read their password from "
            "tegile_intelliflash_tegile_gold_password") in out, out[-3000:]
    assert not (deploy / "user_variables_tegile_intelliflash.yml").exists()


# Values os_manila's config_template reads its own way but keeps: ; after anything but white
# space, a value starting with ;, # anywhere (no inline comments), %, quotes and white space at
# either end (quoted by the role), = and : in a value.
KEPT_PASSWORDS = {"tegile_intelliflash_tegile_gold_password": PASSWORD,  # "... #;'x"
                  "tegile_intelliflash_tegile_silver_password": " a;b ;c 50% = x: y "}


def test_values_config_template_keeps_reach_manila_through_it(tmp_path, run_role, manila_python,
                                                              config_template_venv):
    """Rendered through openstack-ansible's own config_template action (as os_manila does), the
    values the role accepts reach Manila's oslo.config as given."""
    deploy = tmp_path / "openstack_deploy"
    deploy.mkdir()
    backends = [backend(login=" svc #1;x ", default_project=";proj #2", share_backend_name="GOLD;1"),
                backend("tegile-silver", login="'ops'", default_project='"proj"',
                        extra_options={"migration_ignore_files": ["lost+found", ";snap", "a;b ;c"]})]
    rc, out = run_role(osa_vars(deploy, backends))
    assert rc == 0, out[-3000:]
    conf = render_like_os_manila(tmp_path, deploy, KEPT_PASSWORDS, config_template_venv=config_template_venv)
    loaded = load_manila_conf(manila_python, conf)
    gold, silver = loaded["backends"]["tegile_gold"], loaded["backends"]["tegile-silver"]
    assert gold["tegile_nas_password"] == PASSWORD
    assert gold["tegile_nas_login"] == " svc #1;x "
    assert gold["tegile_default_project"] == ";proj #2"
    assert gold["share_backend_name"] == "GOLD;1"
    assert silver["tegile_nas_password"] == KEPT_PASSWORDS["tegile_intelliflash_tegile_silver_password"]
    assert silver["tegile_nas_login"] == "'ops'" and silver["tegile_default_project"] == '"proj"'
    assert silver["migration_ignore_files"] == ["lost+found", ";snap", "a;b ;c"]


@pytest.mark.parametrize("venv", ["ansible-core 2.19", "ansible-core 2.17"])
def test_values_config_template_would_cut_are_refused_before_anything_is_written(
        tmp_path, run_role, config_template_venv, venv):
    """White space before a value's first ; (config_template cuts the value there, quotes or not)
    and a line break are refused by the role's checks, naming the variable and never the value,
    on an older ansible-core too (where no_log would hide the message), and nothing is written."""
    deploy = tmp_path / "openstack_deploy"
    deploy.mkdir()
    ca = tmp_path / "array-ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    secrets = ["Sec0ret ;Xq0", "Log1in\nXq1", "Pro2j\rXq2", "Op3t ;Xq3", "\t;It4em"]
    backends = [{"name": "retired", "state": "absent"},
                backend(password=secrets[0], ssl_ca_file=str(ca)),
                backend("tegile-silver", login=secrets[1], default_project=secrets[2],
                        extra_options={"tegile_extra": secrets[3], "migration_ignore_files": ["a", secrets[4]],
                                       "tegile x=y": "1"})]
    rc, out = run_role(osa_vars(deploy, backends),
                       venv=config_template_venv if venv.endswith("2.17") else os.path.join(ROOT, ".venv"))
    assert rc != 0, out[-3000:]
    cut = ": white space before the first ; (as in "
    line_break = ": a line break (LF or CR) cannot be written to manila.conf"
    for field, why in (("[1].password", cut), ("[2].login", line_break), ("[2].default_project", line_break),
                       ("[2].extra_options.tegile_extra", cut), ("[2].extra_options.migration_ignore_files", cut)):
        assert "manila_backend_backends" + field + why in out, (field, out[-3000:])
    # (ansible-core 2.17 prints the message only inside the result's JSON, its quotes escaped)
    assert re.search(r'manila_backend_backends\[2\]\.extra_options: \\?"tegile x=y\\?" is not an option name', out)
    for part in " ".join(secrets).split():
        assert part not in out, part
    assert list(deploy.iterdir()) == []


@pytest.mark.parametrize("password", ["Pa$$ ;w0rdQz", "Pa$$\nw0rdQz", "Pa$$\rw0rdQz", "Pa$$\t;w0rdQz"])
@pytest.mark.parametrize("renderer", ["config_template", "template"])
def test_a_password_config_template_would_cut_stops_the_openstack_ansible_run(
        tmp_path, run_role, config_template_venv, password, renderer):
    """The password os_manila writes is the one in user_secrets.yml, which the role never sees:
    one manila.conf cannot carry stops the run that renders manila.conf, naming the variable."""
    deploy = tmp_path / "openstack_deploy"
    deploy.mkdir()
    rc, out = run_role(osa_vars(deploy, [backend(password="checked-pw")]))
    assert rc == 0, out[-3000:]
    conf, out = render_like_os_manila(
        tmp_path, deploy, {"tegile_intelliflash_tegile_gold_password": password}, expect_ok=False,
        config_template_venv=config_template_venv if renderer == "config_template" else None)
    assert ("tegile_intelliflash_tegile_gold_password (user_secrets.yml) holds a line break or white space "
            "before its first ;") in out, out[-3000:]
    assert "w0rdQz" not in out and "Pa$$" not in out
    assert not conf.exists()


# Values around config_template's INI reader: a ; with or without white space before it (the first
# ; decides), Unicode white space, # (no inline comment there), quotes and white space at either
# end (which the role quotes), "" and characters other readers treat specially.
EDGE_VALUES = ["ab ;c", "ab;c", "a;b ;c", ";ab", ";ab ", " ;ab", "ab\t;c", "ab\u00a0;c", "ab\u3000;c",
               "ab\x1c;c", "ab\x0b;c", "ab #c", "ab #;c", "ab; ;c", '"ab ;c"', "'ab;c'", " ab ", "ab  ",
               '""', '"', "50% off", "a=b", "a: b", "#ab", "[ab]", "ab\u2028cd", "a ; b", "ab;"]
# Lists, written comma-separated and never quoted (osa_user_variables.yml.j2): for a value starting
# with ; config_template looks at the value's last character (its optval[pos - 1] with pos 0), and
# drops the white space before the value, so [";a", "b "] arrives empty and [" ;a", "b"] intact.
EDGE_LISTS = [[";a", "b "], [";a", "b\u3000"], [";a", "b"], [" ;a", "b"], ["\t;a", "b "], ["a", "b ;c"],
              ["a;b", " ;c"], ["a", ";b "]]


class _OsloSections(iniparser.BaseParser):
    """The sections of an INI text as oslo.config's parser reads them."""

    def __init__(self):
        self.sections, self.section = {}, None

    def new_section(self, section):
        self.section = self.sections.setdefault(section, {})

    def assignment(self, key, value):
        self.section[key] = "\n".join(value)


def oslo_read(text):
    parser = _OsloSections()
    parser.parse(io.StringIO(text, newline=None))  # universal newlines, as oslo.config opens a file
    return parser.sections


def through_config_template(config_template_venv, texts):
    """What config_template's INI merge writes for each text (config_template_ini.py)."""
    plugin = os.path.join(config_template_venv, "share", "ansible", "plugins", "action", "config_template.py")
    proc = subprocess.run([os.path.join(config_template_venv, "bin", "python"),
                           os.path.join(HERE, "config_template_ini.py"), plugin],
                          input=json.dumps(texts), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_the_role_refuses_exactly_the_values_config_template_changes(tmp_path, run_role, config_template_venv):
    """The role's rule against config_template's own INI reader: a value the role writes (one more
    pair of quotes around white space at either end or matching quotes, sections.yml) that
    config_template then changes for oslo.config is refused, and every value it accepts reaches
    oslo.config unchanged through the variables file, os_manila's template and config_template."""
    deploy = tmp_path / "openstack_deploy"
    deploy.mkdir()
    options = {"opt%02d" % i: value for i, value in enumerate(EDGE_VALUES + EDGE_LISTS)}
    rc, out = run_role(osa_vars(deploy, [backend(extra_options=options)]))
    refused = set(re.findall(r"extra_options\.(opt\d\d): white space before the first ;", out))
    assert rc != 0 and refused, out[-3000:]

    def written(value):
        if isinstance(value, list):
            return ",".join(value)
        quote = value != value.strip() or (value[:1] in "\"'" and value[:1] == value[-1:])
        return '"%s"' % value if quote else value

    def as_manila_reads(value, text):
        """A list as oslo.config's ListOpt reads it (its items stripped: white space around an
        item is lost on every way into manila.conf, config_template or not)."""
        return oslo_types.List()(text) if isinstance(value, list) else text

    def given(value):
        return as_manila_reads(value, written(value)) if isinstance(value, list) else value
    keys = sorted(options)
    files = through_config_template(config_template_venv, ["[b]\nk=%s\n" % written(options[k]) for k in keys])
    changed = {k for k, text in zip(keys, files)
               if as_manila_reads(options[k], oslo_read(text)["b"].get("k", "")) != given(options[k])}
    assert refused == changed, (sorted(refused), sorted(changed))
    assert "opt00" in refused and "opt01" not in refused and len(refused) < len(keys)
    lists = {"opt%02d" % (len(EDGE_VALUES) + i) for i in range(len(EDGE_LISTS))}
    assert lists & refused and lists - refused

    kept = {k: v for k, v in options.items() if k not in refused}
    rc, out = run_role(osa_vars(deploy, [backend(extra_options=kept)]))
    assert rc == 0, out[-3000:]
    conf = render_like_os_manila(tmp_path, deploy, KEPT_PASSWORDS, config_template_venv=config_template_venv)
    section = oslo_read(conf.read_text(encoding="utf-8"))["tegile_gold"]
    assert {k: as_manila_reads(v, section.get(k)) for k, v in kept.items()} == {k: given(v) for k, v in kept.items()}
    assert section["tegile_nas_password"] == PASSWORD.replace("$", "$$")  # oslo.config reads $$ as $
