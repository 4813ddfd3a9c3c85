# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tegile.intelliflash.manila_config and its INI editor (module_utils/_ini.py), on real files."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat
import sys

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.tegile.intelliflash.plugins.module_utils import _ini
from ansible_collections.tegile.intelliflash.plugins.modules import manila_config

PASSWORD = "Pa$$ w0rd#;'x"

FOREIGN = (
    "# Manila host with another backend\n"
    "[DEFAULT]\n"
    "debug=True\n"
    "enabled_share_backends = lvm1 , generic1\n"
    "transport_url = rabbit://guest:bus-secret@127.0.0.1:5672/\n"
    "\t\n"
    "[database]\n"
    "connection = mysql+pymysql://manila:db-secret@127.0.0.1/manila   \n"
    "\n"
    "; the LVM backend\n"
    "[lvm1]\n"
    "share_driver = manila.share.drivers.lvm.LVMShareDriver\n"
    "lvm_share_export_ips = 10.0.0.1,\n"
    "   10.0.0.2\n"
    "\n"
    "[generic1]\n"
    "share_driver: manila.share.drivers.generic.GenericShareDriver\n"
)


def backend(name="tegile1", **options):
    opts = {
        "share_backend_name": name,
        "share_driver": "tegile_intelliflash.manila_driver.TegileShareDriver",
        "driver_handles_share_servers": False,
        "tegile_nas_server": "array.example.com",
        "tegile_nas_login": "openstack",
        "tegile_nas_password": PASSWORD,
        "tegile_nas_port": 443,
        "tegile_nas_ssl_verify": True,
        "tegile_default_project": None,
    }
    opts.update(options)
    return {"name": name, "state": "present", "options": opts}


def run(capsys, check_mode=False, diff=True, **args):
    args.setdefault("_ansible_check_mode", check_mode)
    args.setdefault("_ansible_diff", diff)
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exc:
            manila_config.main()
    out = capsys.readouterr().out
    result = json.loads(out)
    return result, out, exc.value.code


@pytest.fixture
def conf(tmp_path):
    path = tmp_path / "manila.conf"
    path.write_text(FOREIGN)
    return path


def sections_text(text):
    """{section: text} split at headers (independent of the module's parser)."""
    out, name = {}, None
    for line in text.splitlines(True):
        if line.startswith("["):
            name = line.strip()[1:-1]
        out[name] = out.get(name, "") + line
    return out


# --- the INI editor --------------------------------------------------------------------------

def test_parse_reads_like_oslo():
    doc = _ini.IniDocument(FOREIGN)
    assert doc.get("DEFAULT", "enabled_share_backends") == "lvm1 , generic1"
    assert doc.get("lvm1", "lvm_share_export_ips") == "10.0.0.1,\n10.0.0.2"
    assert doc.get("generic1", "share_driver") == "manila.share.drivers.generic.GenericShareDriver"
    assert doc.get("database", "connection").endswith("/manila")
    assert doc.sections() == ["DEFAULT", "database", "lvm1", "generic1"]
    assert doc.text() == FOREIGN


@pytest.mark.parametrize("text, message", [
    ("[DEFAULT\nx = 1\n", "closing bracket"),
    ("[]\n", "without a name"),
    ("  continued\n", "continuation line without a key"),
    ("[s]\njust words\n", "neither"),
    ("[s]\n= 1\n", "empty key"),
])
def test_parse_errors(text, message):
    with pytest.raises(_ini.IniError, match=message):
        _ini.IniDocument(text)


@pytest.mark.parametrize("value, written, read_back", [
    (True, "True", "True"),
    (False, "False", "False"),
    (443, "443", "443"),
    (["NFS", "CIFS"], "NFS,CIFS", "NFS,CIFS"),
    (" padded ", '" padded "', " padded "),
    ('"quoted"', '""quoted""', '"quoted"'),
    ("a$b", "a$$b", "a$b"),
])
def test_encode_round_trip(value, written, read_back):
    text = _ini.encode_value(value, escape_dollar=True)
    assert text == written
    assert _ini.decode_value(text, escape_dollar=True) == read_back


def test_encode_refuses_line_breaks():
    with pytest.raises(_ini.IniError, match="tegile1.tegile_nas_login: line breaks"):
        _ini.encode_value("a\nb", field="tegile1.tegile_nas_login")


def test_values_equal_is_boolean_aware():
    assert _ini.values_equal("true", "True")
    assert _ini.values_equal("off", "False")
    assert not _ini.values_equal("1", "True")
    assert not _ini.values_equal(None, "x")
    assert _ini.values_equal("a$$b", "a$$b")
    # Only a boolean option compares as a boolean: a string option that reads "on" is not "yes".
    assert not _ini.values_equal("on", "yes", boolean=False)
    assert _ini.values_equal("on", "True", boolean=True)


def test_set_keeps_other_lines_and_line_endings():
    text = "[a]\r\nx = 1\r\ny=2\r\n"
    doc = _ini.IniDocument(text)
    assert doc.set("a", "x", "5") is True
    assert doc.set("a", "y", "2") is True  # same value, but written differently: rewritten
    assert doc.set("a", "z", "3") is True
    assert doc.text() == "[a]\r\nx = 5\r\ny = 2\r\nz = 3\r\n"
    assert doc.set("a", "x", "5") is False


def test_set_replaces_continuation_lines():
    doc = _ini.IniDocument(FOREIGN)
    doc.set("lvm1", "lvm_share_export_ips", "10.0.0.9")
    assert "   10.0.0.2" not in doc.text()
    assert doc.get("lvm1", "lvm_share_export_ips") == "10.0.0.9"


def test_add_section_and_default_at_top():
    doc = _ini.IniDocument("[x]\na = 1")
    doc.set("new", "k", "v")
    doc.set("DEFAULT", "enabled_share_backends", "new")
    assert doc.text() == "[DEFAULT]\nenabled_share_backends = new\n\n[x]\na = 1\n\n[new]\nk = v\n"


def test_remove_section_keeps_next_header_comment():
    text = "[a]\nx = 1\n\n[gone]\nk = v\n\n# about b\n[b]\ny = 2\n"
    doc = _ini.IniDocument(text)
    assert doc.remove_section("gone") is True
    assert doc.text() == "[a]\nx = 1\n\n# about b\n[b]\ny = 2\n"
    assert doc.remove_section("gone") is False


def test_add_then_remove_last_section_restores_file():
    doc = _ini.IniDocument(FOREIGN)
    doc.set("tegile1", "k", "v")
    doc.remove_section("tegile1")
    assert doc.text() == FOREIGN


def test_redacted_text_hides_credentials():
    doc = _ini.IniDocument(FOREIGN + "\n[tegile1]\ntegile_nas_password = abc\n  more\n")
    shown = doc.redacted_text({"tegile_nas_password"}, {("tegile1", "tegile_nas_password")})
    assert "bus-secret" not in shown and "db-secret" not in shown and "abc" not in shown
    assert "more" not in shown
    assert "tegile_nas_password = ******** (changed)" in shown


# --- the module ------------------------------------------------------------------------------

def test_adds_backend_merges_lists_and_keeps_foreign_bytes(conf, capsys):
    result, out, code = run(capsys, path=str(conf), backends=[backend()], protocols=["nfs", "CIFS"], mode="0640")
    assert code == 0 and result["changed"] is True
    text = conf.read_text()
    before, after = sections_text(FOREIGN), sections_text(text)
    for name in ("database", "lvm1", None):
        assert after[name] == before[name]
    # generic1 was the last section: one blank line now separates it from the new one.
    assert after["generic1"] == before["generic1"] + "\n"
    assert "enabled_share_backends = lvm1,generic1,tegile1\n" in text
    # enabled_share_protocols was unset (Manila's default NFS,CIFS): nothing to add.
    assert "enabled_share_protocols" not in text
    assert result["enabled_share_backends"] == ["lvm1", "generic1", "tegile1"]
    assert result["enabled_share_protocols"] is None
    assert stat.S_IMODE(os.stat(str(conf)).st_mode) == 0o640
    assert "tegile_nas_password = Pa$$$$ w0rd#;'x\n" in text
    assert "tegile_default_project" not in text
    assert "driver_handles_share_servers = False\n" in text
    # The password is in no output: not in the diff, not in the invocation.
    assert PASSWORD not in out and PASSWORD.replace("$", "$$") not in out
    assert "bus-secret" not in out and "db-secret" not in out
    after_diff = result["diff"][0]["after"]
    assert "tegile_nas_password = ******** (changed)" in after_diff
    assert result["backends"] == [{"name": "tegile1", "state": "present", "changed": True,
                                   "changed_options": ["share_backend_name", "share_driver",
                                                       "driver_handles_share_servers", "tegile_nas_server",
                                                       "tegile_nas_login", "tegile_nas_password",
                                                       "tegile_nas_port", "tegile_nas_ssl_verify"]}]


def test_oslo_reads_the_password_back(conf, capsys):
    from oslo_config import cfg as oslo  # in tests/unit/requirements.txt: never skipped
    run(capsys, path=str(conf), backends=[backend()])
    opts = oslo.ConfigOpts()
    opts.register_opts([oslo.StrOpt("tegile_nas_password", secret=True)], group="tegile1")
    opts(args=[], default_config_files=[str(conf)])
    assert opts.tegile1.tegile_nas_password == PASSWORD


def test_literal_options_keep_a_dollar_from_oslo_interpolation(conf, capsys):
    from oslo_config import cfg as oslo  # in tests/unit/requirements.txt: never skipped
    wanted = backend(tegile_nas_login="svc$", tegile_default_project="proj")
    result, _out, _code = run(capsys, path=str(conf), backends=[wanted], literal_options=["tegile_nas_login"])
    assert result["changed"] is True
    assert "tegile_nas_login = svc$$\n" in conf.read_text()
    opts = oslo.ConfigOpts()
    opts.register_opts([oslo.StrOpt("tegile_nas_login")], group="tegile1")
    opts(args=[], default_config_files=[str(conf)])
    assert opts.tegile1.tegile_nas_login == "svc$"
    again, _out, _code = run(capsys, path=str(conf), backends=[wanted], literal_options=["tegile_nas_login"])
    assert again["changed"] is False


def test_second_run_changes_nothing(conf, capsys):
    run(capsys, path=str(conf), backends=[backend()], protocols=["NFS", "CEPHFS"], mode="0640")
    first = conf.read_bytes()
    result, _out, _code = run(capsys, path=str(conf), backends=[backend()], protocols=["nfs", "cephfs"], mode="0640")
    assert result["changed"] is False
    assert result["diff"] == []
    assert conf.read_bytes() == first
    assert "enabled_share_protocols = NFS,CIFS,CEPHFS\n" in first.decode()


def test_changed_value_and_removed_option(conf, capsys):
    run(capsys, path=str(conf), backends=[backend(tegile_default_project="p1")])
    result, _out, _code = run(capsys, path=str(conf), backends=[backend(tegile_nas_port=8443)])
    assert result["changed"] is True
    assert result["backends"][0]["changed_options"] == ["tegile_nas_port", "tegile_default_project"]
    text = conf.read_text()
    assert "tegile_nas_port = 8443\n" in text and "tegile_default_project" not in text
    assert "-tegile_nas_port = 443" in "".join(
        "-" + line + "\n" for line in result["diff"][0]["before"].splitlines())


def test_existing_boolean_spelling_is_not_rewritten(conf, capsys):
    run(capsys, path=str(conf), backends=[backend()])
    conf.write_text(conf.read_text().replace("tegile_nas_ssl_verify = True", "tegile_nas_ssl_verify = true"))
    result, _out, _code = run(capsys, path=str(conf), backends=[backend()])
    assert result["changed"] is False


def test_check_mode_writes_nothing(conf, capsys):
    result, out, _code = run(capsys, check_mode=True, path=str(conf), backends=[backend()])
    assert result["changed"] is True
    assert conf.read_text() == FOREIGN
    assert "+enabled_share_backends" not in out  # the diff is structured, not a rendered patch
    assert "tegile1" in result["diff"][0]["after"]


def test_remove_backend(conf, capsys):
    run(capsys, path=str(conf), backends=[backend(), backend("tegile2")])
    result, _out, _code = run(capsys, path=str(conf), backends=[{"name": "tegile2", "state": "absent"}])
    assert result["changed"] is True
    text = conf.read_text()
    assert "[tegile2]" not in text and "[tegile1]" in text
    assert result["enabled_share_backends"] == ["lvm1", "generic1", "tegile1"]
    result, _out, _code = run(capsys, path=str(conf), backends=[{"name": "tegile2", "state": "absent"}])
    assert result["changed"] is False


def test_removing_every_backend_drops_the_list(tmp_path, capsys):
    path = tmp_path / "m.conf"
    path.write_text("[DEFAULT]\nenabled_share_backends = tegile1\n\n[tegile1]\nk = v\n")
    result, _out, _code = run(capsys, path=str(path), backends=[{"name": "tegile1", "state": "absent"}])
    assert path.read_text() == "[DEFAULT]\n"
    assert result["enabled_share_backends"] == []


def test_validate_failure_leaves_the_file(conf, capsys, tmp_path):
    script = tmp_path / "reject.py"
    script.write_text("import sys\nprint('tegile1/tegile_nas_pasword is not part of the sample config: ' + sys.argv[1])\n"
                      "sys.exit(1)\n")
    result, out, code = run(capsys, path=str(conf), backends=[backend()],
                            validate="%s %s %%s" % (sys.executable, script))
    assert code == 1 and result["failed"] is True
    assert "was not changed" in result["msg"] and "tegile_nas_pasword" in result["msg"]
    assert str(conf) + " (new content)" in result["msg"]
    assert conf.read_text() == FOREIGN
    assert [p.name for p in conf.parent.iterdir() if p.name.startswith(".manila.conf")] == []
    assert PASSWORD not in out


def test_validate_success_sees_the_new_content(conf, capsys, tmp_path):
    script = tmp_path / "accept.py"
    script.write_text("import sys\nsys.exit(0 if '[tegile1]' in open(sys.argv[1]).read() else 3)\n")
    result, _out, code = run(capsys, path=str(conf), backends=[backend()],
                             validate="%s %s %%s" % (sys.executable, script))
    assert code == 0 and result["changed"] is True
    assert "[tegile1]" in conf.read_text()


def test_missing_file(tmp_path, capsys):
    path = tmp_path / "absent.conf"
    result, _out, code = run(capsys, path=str(path), backends=[backend()], create=False)
    assert code == 1 and "does not exist" in result["msg"] and not path.exists()
    result, _out, code = run(capsys, path=str(path), backends=[backend()])
    assert code == 0 and result["changed"] is True and path.exists()


@pytest.mark.parametrize("backends, message", [
    ([{"name": "DEFAULT"}], "backends[0].name"),
    ([{"name": "bad name"}], "backends[0].name"),
    ([{"name": "a@b"}], "backends[0].name"),
    ([{"name": "t1"}, {"name": "t1"}], "backends[1].name: backend 't1' is given twice"),
    ([{"name": "t1", "options": {"bad key": 1}}], "backends[0].options: 'bad key'"),
    ([{"name": "t1", "options": {"k": {"x": 1}}}], "backends[0].options.k: a mapping"),
    ([{"name": "t1", "options": {"k": "a\nb"}}], "backends[0].options.k: line breaks"),
    ([{"name": "t1", "state": "absent", "options": {"k": 1}}], "backends[0].options: not allowed with state=absent"),
    # A final newline would end the header or key line early: "[t1\n]", "key\n = value".
    ([{"name": "t1\n"}], "backends[0].name"),
    ([{"name": "t1", "options": {"key\n": 1}}], "backends[0].options: 'key\\n'"),
])
def test_bad_input_names_the_field_and_writes_nothing(conf, capsys, backends, message):
    result, _out, code = run(capsys, path=str(conf), backends=backends)
    assert code == 1 and message in result["msg"]
    assert conf.read_text() == FOREIGN


def test_bad_validate_and_protocol(conf, capsys):
    result, _out, code = run(capsys, path=str(conf), backends=[backend()], validate="true")
    assert code == 1 and result["msg"].startswith("validate:")
    result, _out, code = run(capsys, path=str(conf), protocols=["N FS"])
    assert code == 1 and result["msg"].startswith("protocols[0]")
    result, _out, code = run(capsys, path=str(conf), protocols=["NFS\n"])
    assert code == 1 and result["msg"].startswith("protocols[0]")
    result, _out, code = run(capsys, path=str(conf), backends=[backend()], keep_backends=["old\n"])
    assert code == 1 and result["msg"].startswith("keep_backends[0]")
    assert conf.read_text() == FOREIGN


def test_unparsable_file_is_not_touched(tmp_path, capsys):
    path = tmp_path / "broken.conf"
    path.write_text("[DEFAULT\nx = 1\n")
    result, _out, code = run(capsys, path=str(path), backends=[backend()])
    assert code == 1 and "cannot be parsed" in result["msg"]
    assert path.read_text() == "[DEFAULT\nx = 1\n"


def test_backup(conf, capsys):
    result, _out, _code = run(capsys, path=str(conf), backends=[backend()], backup=True)
    with open(result["backup_file"]) as handle:
        assert handle.read() == FOREIGN


# --- sections that belong to something else (owned_drivers) -----------------------------------

OURS = "tegile_intelliflash.manila_driver.TegileShareDriver"


@pytest.mark.parametrize("backends, message", [
    ([backend("lvm1")], "backends[0].name: section [lvm1] belongs to another share driver "
                        "(share_driver = manila.share.drivers.lvm.LVMShareDriver)"),
    ([backend("tegile1"), backend("LVM1")], "backends[1].name: section [lvm1] belongs to another share driver"),
    ([{"name": "generic1", "state": "absent"}], "backends[0].name: section [generic1] belongs to another share driver"),
    ([{"name": "database", "state": "absent"}], "backends[0].name: section [database] exists and is not a share "
                                                "backend of this driver (it has no share_driver)"),
    ([backend("database")], "section [database] exists and is not a share backend"),
])
def test_foreign_sections_are_refused_and_nothing_is_written(conf, capsys, backends, message):
    result, out, code = run(capsys, path=str(conf), backends=backends, owned_drivers=[OURS])
    assert code == 1 and message in result["msg"]
    assert "choose another backend name" in result["msg"] and "was not changed" in result["msg"]
    assert conf.read_text() == FOREIGN
    assert PASSWORD not in out


def test_foreign_sections_are_refused_in_check_mode_too(conf, capsys):
    result, _out, code = run(capsys, check_mode=True, path=str(conf),
                             backends=[{"name": "database", "state": "absent"}], owned_drivers=[OURS])
    assert code == 1 and "section [database]" in result["msg"]


def test_owned_sections_are_taken_over(tmp_path, capsys):
    path = tmp_path / "m.conf"
    path.write_text("[DEFAULT]\nenabled_share_backends = old\n\n"
                    "[old]\nshare_driver = manila.share.drivers.tegile.tegile.TegileShareDriver\n"
                    "tegile_nas_server = a\n\n[empty]\n")
    owned = [OURS, "manila.share.drivers.tegile.tegile.TegileShareDriver"]
    result, _out, code = run(capsys, path=str(path), backends=[backend("old"), backend("empty")], owned_drivers=owned)
    assert code == 0 and result["changed"] is True
    doc = _ini.IniDocument(path.read_text())
    assert doc.get("old", "share_driver") == OURS and doc.get("empty", "share_driver") == OURS
    result, _out, code = run(capsys, path=str(path), backends=[{"name": "old", "state": "absent"}], owned_drivers=owned)
    assert code == 0 and "[old]" not in path.read_text()


def test_a_section_differing_in_case_only_is_refused(tmp_path, capsys):
    # oslo.config reads [TEGILE1] and [tegile1] as one group: a second section would mix them.
    path = tmp_path / "m.conf"
    text = "[DEFAULT]\nenabled_share_backends = TEGILE1\n\n[TEGILE1]\nshare_driver = %s\n" % OURS
    path.write_text(text)
    result, _out, code = run(capsys, path=str(path), backends=[backend("tegile1")], owned_drivers=[OURS])
    assert code == 1 and "section [TEGILE1] already exists" in result["msg"] and "name the backend 'TEGILE1'" in result["msg"]
    assert path.read_text() == text


def test_without_owned_drivers_no_section_is_guarded(conf, capsys):
    result, _out, code = run(capsys, path=str(conf), backends=[{"name": "generic1", "state": "absent"}])
    assert code == 0 and "[generic1]" not in conf.read_text()


def test_backend_names_differing_in_case_are_one_backend(conf, capsys):
    result, _out, code = run(capsys, path=str(conf), backends=[backend("tegile1"), backend("Tegile1")])
    assert code == 1 and "backends[1].name: backend 'Tegile1' is given twice" in result["msg"]
    assert conf.read_text() == FOREIGN


# --- content_changed: attributes alone do not need a restart --------------------------------

def test_content_changed_is_false_when_only_the_mode_changes(conf, capsys):
    result, _out, _code = run(capsys, path=str(conf), backends=[backend()], mode="0640")
    assert result["changed"] is True and result["content_changed"] is True
    os.chmod(str(conf), 0o644)
    result, _out, _code = run(capsys, path=str(conf), backends=[backend()], mode="0640")
    assert result["changed"] is True and result["content_changed"] is False
    assert stat.S_IMODE(os.stat(str(conf)).st_mode) == 0o640
    result, _out, _code = run(capsys, path=str(conf), backends=[backend()], mode="0640")
    assert result["changed"] is False and result["content_changed"] is False


def test_content_changed_when_the_file_is_created(tmp_path, capsys):
    path = tmp_path / "new.conf"
    result, _out, _code = run(capsys, check_mode=True, path=str(path), backends=[backend()])
    assert result["content_changed"] is True and not path.exists()


# --- override files (kolla-ansible) -----------------------------------------------------------

def test_override_file_lists_the_other_tools_backends_and_its_protocols(tmp_path, capsys):
    """An override merged over kolla-ansible's file replaces kolla's enabled_share_backends and
    enabled_share_protocols: it must name kolla's backends too, and an unset protocol list is
    kolla's value, not Manila's default."""
    path = tmp_path / "manila-share.conf"
    result, out, code = run(capsys, path=str(path), backends=[backend()], keep_backends=["generic"],
                            protocols=["CEPHFS", "NFS", "CIFS"], protocols_default=[])
    assert code == 0 and result["changed"] is True
    text = path.read_text()
    assert "enabled_share_backends = generic,tegile1\n" in text
    assert "enabled_share_protocols = CEPHFS,NFS,CIFS\n" in text
    result, out, code = run(capsys, path=str(path), backends=[backend()], keep_backends=["generic"],
                            protocols=["CEPHFS", "NFS", "CIFS"], protocols_default=[])
    assert code == 0 and result["changed"] is False
    # Removing our last backend keeps kolla's.
    result, out, code = run(capsys, path=str(path), backends=[{"name": "tegile1", "state": "absent"}],
                            keep_backends=["generic"], protocols_default=[])
    assert "enabled_share_backends = generic\n" in path.read_text()


def test_keep_backends_refuses_bad_names(tmp_path, capsys):
    path = tmp_path / "manila-share.conf"
    result, out, code = run(capsys, path=str(path), backends=[backend()], keep_backends=["tegile1"])
    assert code == 1 and "keep_backends[0]: 'tegile1' is also in backends" in result["msg"]
    result, out, code = run(capsys, path=str(path), backends=[], keep_backends=["a b"])
    assert code == 1 and "keep_backends[0]" in result["msg"]
    assert not path.exists()


def test_two_tasks_adding_backends_at_once_both_keep_theirs(conf, capsys, monkeypatch, tmp_path):
    """Forks delegating to one Manila host: task two (another process) runs while task one has read
    the file and not written it yet. Before the lock, task two added its backend and task one's
    rename then put back the file it had read, without task two's backend."""
    import subprocess
    import time

    locks = tmp_path / "locks"
    monkeypatch.setenv("INTELLIFLASH_LOCK_DIR", str(locks))
    args = tmp_path / "args.json"
    args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {"path": str(conf), "backends": [backend("tegile2")]}}))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    original = manila_config._apply
    other = []

    def waits_for_the_lock(proc):
        fds = "/proc/%d/fd" % proc.pid
        try:
            return any(os.readlink(os.path.join(fds, fd)).startswith(str(locks)) for fd in os.listdir(fds))
        except OSError:
            return False

    def apply_while_the_other_runs(doc, params):
        proc = subprocess.Popen([sys.executable, manila_config.__file__, str(args)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        other.append(proc)
        # Without the lock it runs to its end here; with it, it opens the lock file and waits.
        deadline = time.monotonic() + 60
        while proc.poll() is None and not waits_for_the_lock(proc) and time.monotonic() < deadline:
            time.sleep(0.02)
        return original(doc, params)

    monkeypatch.setattr(manila_config, "_apply", apply_while_the_other_runs)
    result, _out, code = run(capsys, path=str(conf), backends=[backend("tegile1")])
    out, err = other[0].communicate(timeout=120)
    assert code == 0 and result["changed"] is True
    assert other[0].returncode == 0 and json.loads(out)["changed"] is True, err
    text = conf.read_text()
    assert "[tegile1]" in text and "[tegile2]" in text
    assert "enabled_share_backends = lvm1,generic1,tegile1,tegile2\n" in text


def test_check_mode_takes_no_lock(conf, capsys, monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("INTELLIFLASH_LOCK_DIR", str(blocker))
    result, _out, code = run(capsys, check_mode=True, path=str(conf), backends=[backend()])
    assert code == 0 and result["changed"] is True
    failed, _out, code = run(capsys, path=str(conf), backends=[backend()])
    assert code == 1 and failed["msg"].startswith("path: cannot serialize the writes to %s" % conf)
    assert "INTELLIFLASH_LOCK_DIR" in failed["msg"] and "[tegile1]" not in conf.read_text()
