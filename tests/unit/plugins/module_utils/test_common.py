# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The module glue: connection options, error results, diff handling, DifferenceTracker."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import json

import pytest

from ansible.module_utils.common import warnings as ansible_warnings
from ansible.module_utils.testing import patch_module_args

from ansible_collections.tegile.intelliflash.plugins.module_utils import common
from ansible_collections.tegile.intelliflash.plugins.module_utils.client import errors
from ansible_collections.tegile.intelliflash.plugins.module_utils._argspec import ArgumentSpec, wait_timeout_spec
from ansible_collections.tegile.intelliflash.plugins.module_utils.common import (
    DifferenceTracker,
    IntelliFlashModule,
    client_timeout,
)

PASSWORD = "s3cr3t-pa55"
BASE = dict(host="127.0.0.1:9", username="admin", password=PASSWORD)


@contextlib.contextmanager
def build(args):
    """An IntelliFlashModule for ``args``; exit/fail must run inside the context."""
    with patch_module_args(args):
        yield IntelliFlashModule(argument_spec=dict(name=dict(type="str")), supports_check_mode=True)


def finish(capsys, call, *args, **kwargs):
    with pytest.raises(SystemExit):
        call(*args, **kwargs)
    return json.loads(capsys.readouterr().out)


class TestDifferenceTracker:
    def test_records_only_differences(self):
        tracker = DifferenceTracker()
        assert tracker.add("quota_bytes", before=1, after=2) is True
        assert tracker.add("dedup", before=False, after=False) is False
        assert tracker.has_differences()
        assert tracker.changed_keys() == ["quota_bytes"]
        assert tracker.get_before_after() == ({"quota_bytes": 1}, {"quota_bytes": 2})
        assert len(tracker) == 1

    def test_empty(self):
        tracker = DifferenceTracker()
        assert not tracker.has_differences()
        assert tracker.get_before_after() == ({}, {})
        assert tracker.get("x") is None

    def test_same_key_keeps_first_before_and_last_after(self):
        tracker = DifferenceTracker()
        tracker.add("smb", before=False, after=True)
        tracker.add("smb", before=True, after=None)
        assert tracker.get("smb") == (False, None)
        assert tracker.changed_keys() == ["smb"]

    def test_return_to_the_first_value_is_no_change(self):
        tracker = DifferenceTracker()
        tracker.add("nfs", before=True, after=False)
        assert tracker.add("nfs", before=False, after=True) is False
        assert not tracker.has_differences()

    def test_order_is_kept(self):
        tracker = DifferenceTracker()
        for key in ("state", "compression", "quota_bytes"):
            tracker.add(key, before=None, after=key)
        assert tracker.changed_keys() == ["state", "compression", "quota_bytes"]


class TestConnectionOptions:
    def test_password_is_no_log_and_options_have_env_fallbacks(self):
        spec = common.connection_argument_spec()
        assert spec["password"]["no_log"] is True
        assert spec["validate_certs"]["default"] is True
        for name in ("host", "username", "password", "validate_certs", "ca_path"):
            assert spec[name]["fallback"][1] == ["INTELLIFLASH_" + name.upper()]

    def test_environment_fallback(self, monkeypatch):
        monkeypatch.setenv("INTELLIFLASH_HOST", "array.example.com")
        monkeypatch.setenv("INTELLIFLASH_USERNAME", "ops")
        monkeypatch.setenv("INTELLIFLASH_PASSWORD", PASSWORD)
        monkeypatch.setenv("INTELLIFLASH_VALIDATE_CERTS", "false")
        with build({}) as module:
            assert module.params["host"] == "array.example.com"
            assert module.params["username"] == "ops"
            assert module.params["validate_certs"] is False

    def test_missing_host_fails(self, capsys, monkeypatch):
        monkeypatch.delenv("INTELLIFLASH_HOST", raising=False)
        with patch_module_args(dict(username="admin", password=PASSWORD)):
            result = finish(capsys, IntelliFlashModule, argument_spec={})
        assert result["failed"] is True
        assert "host" in result["msg"]

    def test_clashing_option_is_a_programming_error(self):
        with pytest.raises(ValueError):
            IntelliFlashModule(argument_spec=dict(host=dict(type="str")))

    @pytest.mark.parametrize("options, problem", [
        (dict(timeout=0), "timeout: must be a positive number of seconds, got 0.0"),
        (dict(timeout=-1, wait_timeout=0), "timeout: must be a positive number of seconds, got -1.0"),
        (dict(wait_timeout=0), "wait_timeout: must be a positive number of seconds, got 0"),
    ])
    def test_the_spec_checks_fail_naming_the_option_before_the_client_is_built(self, capsys, options, problem):
        spec = wait_timeout_spec().update_argspec(name=dict(type="str"))
        with patch_module_args(dict(BASE, **options)):
            result = finish(capsys, IntelliFlashModule.from_spec, spec)
        assert result["failed"] is True
        assert result["msg"] == problem

    def test_from_spec_passes_the_relations(self, capsys):
        spec = ArgumentSpec(dict(a=dict(type="str"), b=dict(type="str")), required_together=[("a", "b")])
        with patch_module_args(dict(BASE, a="x")):
            result = finish(capsys, IntelliFlashModule.from_spec, spec)
        assert "parameters are required together: a, b" in result["msg"]
        with patch_module_args(dict(BASE, a="x", b="y")):
            module = IntelliFlashModule.from_spec(spec)
        assert module.params["b"] == "y"

    def test_without_requests_the_module_fails_before_anything_else(self, capsys, monkeypatch):
        monkeypatch.setattr(common, "HAS_REQUESTS", False)
        monkeypatch.setattr(common, "REQUESTS_IMPORT_ERROR", "Traceback: No module named 'requests'")
        with patch_module_args(dict(BASE, timeout=0)):
            result = finish(capsys, IntelliFlashModule, argument_spec=dict(name=dict(type="str")))
        assert result["failed"] is True
        assert "Failed to import the required Python library (requests)" in result["msg"]

    def test_timeout_split(self):
        assert client_timeout(60) == (10.0, 60.0)
        assert client_timeout(3) == (3.0, 3.0)


class TestClient:
    def test_client_is_built_lazily_with_verification(self, tmp_path):
        ca = tmp_path / "ca.pem"
        ca.write_text(u"not used: no connection is made\n")
        with build(dict(BASE, ca_path=str(ca))) as module:
            assert module._client is None
            client = module.client
            assert client is module.client
            assert client.insecure is False
            assert client.ca_path == str(ca)
            assert PASSWORD not in repr(client)

    @pytest.mark.parametrize("verbosity", [0, 1])
    def test_retry_warnings_are_one_summary_per_task(self, capsys, monkeypatch, verbosity):
        """Retries (records the client marks transient) give one warning per task; each one is
        in the result at -v; other warnings are shown once each."""
        # ansible-core keeps module warnings in a process-global list (a dict since 2.19):
        # without a fresh one, warnings of earlier tests in the same process would count here.
        monkeypatch.setattr(ansible_warnings, "_global_warnings", type(ansible_warnings._global_warnings)())
        with build(dict(BASE, _ansible_verbosity=verbosity)) as module:
            module.client  # pylint: disable=pointless-statement  # builds the client and its log handler
            log = common.logging.getLogger(common.LOGGER_NAME)
            for attempt in range(2, 9):
                log.warning("%s %s: %s; retrying in %.2f s (attempt %d)", "listPools", "", "refused", 0.5, attempt,
                            extra={"intelliflash_transient": True})
            log.warning("something else")
            log.warning("something else")
            result = finish(capsys, module.fail, "gave up")
        # core 2.19 returns warnings as WarningSummary dicts (text under event.msg); older cores as strings
        warnings = [w["event"]["msg"] if isinstance(w, dict) else w for w in result["warnings"]]
        assert len(warnings) == 2, result["warnings"]
        assert warnings[0] == "something else"
        assert warnings[1].startswith("7 retries or waits for the array during this task")
        assert "the first: listPools : refused; retrying in 0.50 s (attempt 2)" in warnings[1]
        assert "the last: listPools : refused; retrying in 0.50 s (attempt 8)" in warnings[1]
        if verbosity:
            assert len(result["array_retries"]) == 7
            assert result["array_retries"][-1].endswith("(attempt 8)")
        else:
            assert "array_retries" not in result
            assert warnings[1].endswith("(each one: run with -v)")

    def test_insecure_client_warns(self, capsys):
        with build(dict(BASE, validate_certs=False, ca_path="/etc/ssl/ca.pem")) as module:
            assert module.client.insecure is True
            assert module.client.ca_path is None
            result = finish(capsys, module.exit, False)
            assert "validate_certs is false" in json.dumps(result["warnings"])

    def test_non_positive_timeout_fails_before_the_client_is_built(self, capsys):
        with patch_module_args(dict(BASE, timeout=0)):
            result = finish(capsys, IntelliFlashModule, argument_spec=dict(name=dict(type="str")))
        assert result["msg"] == "timeout: must be a positive number of seconds, got 0.0"


class TestErrors:
    def test_api_error_carries_code_dataset_and_method(self, capsys):
        with build(BASE) as module:
            exc = errors.api_error("EZEBI_RESOURCE_INUSE", "project has shares", method="deleteProject",
                                   dataset="pool-a/Local/p1")

            def run():
                with module.api_errors("deleting project pool-a/Local/p1"):
                    raise exc
            result = finish(capsys, run)
            assert result["failed"] is True
            assert result["msg"] == ("Error deleting project pool-a/Local/p1: project has shares "
                                     "(EZEBI_RESOURCE_INUSE)")
            assert result["error_code"] == "EZEBI_RESOURCE_INUSE"
            assert result["dataset"] == "pool-a/Local/p1"
            assert result["api_method"] == "deleteProject"

    def test_client_side_validation_keeps_the_field_message(self, capsys):
        with build(BASE) as module:
            def run():
                with module.api_errors("validating options"):
                    raise errors.invalid_argument("quota", "'10X' is not a size")
            result = finish(capsys, run)
            assert result["msg"] == "quota: '10X' is not a size"
            assert result["error_code"] == "EZEBI_INVALID_ARGUMENT"

    def test_dataset_default(self, capsys):
        with build(BASE) as module:
            def run():
                with module.api_errors("reading share", "pool-a/Local/p/s"):
                    raise errors.ConnectionFailedError("connection refused")
            result = finish(capsys, run)
            assert result["dataset"] == "pool-a/Local/p/s"
            assert result["error_code"] is None

    @pytest.mark.parametrize("dataset", [None, "pool-a/Local/p"])
    def test_input_errors_of_the_planners_fail_with_their_text(self, capsys, dataset):
        with build(BASE) as module:
            def run():
                with module.api_errors("planning the limits of pool-a/Local/p", dataset):
                    raise common.InputError("quota: 1 GiB is below the 2 GiB already used (%s)" % PASSWORD)
            result = finish(capsys, run)
        assert result["failed"] is True
        assert result["msg"] == "quota: 1 GiB is below the 2 GiB already used (********)"
        assert "error_code" not in result
        assert result.get("dataset") == dataset

    def test_explained_client_error(self, capsys):
        with build(BASE) as module:
            def run():
                with module.api_errors("deleting snapshot s@x", "pool-a/Local/p/s",
                                       explain={errors.InUseError: "Cannot delete s@x: it has clones."}):
                    raise errors.api_error("EZEBI_RESOURCE_INUSE", "snapshot has clones", method="deleteSnapshot")
            result = finish(capsys, run)
        assert result["msg"] == "Cannot delete s@x: it has clones. Array: snapshot has clones"
        assert result["error_code"] == "EZEBI_RESOURCE_INUSE"
        assert result["dataset"] == "pool-a/Local/p/s"
        assert result["api_method"] == "deleteSnapshot"

    def test_an_explanation_of_another_error_class_is_not_used(self, capsys):
        with build(BASE) as module:
            def run():
                with module.api_errors("deleting snapshot s@x", explain={errors.InUseError: "has clones"}):
                    raise errors.ConnectionFailedError("connection refused")
            result = finish(capsys, run)
        assert result["msg"] == "Error deleting snapshot s@x: connection refused"

    def test_password_never_in_failure(self, capsys):
        with build(BASE) as module:
            result = finish(capsys, module.fail, "the array said %s" % PASSWORD)
            assert PASSWORD not in json.dumps(result)

    def test_validate_names(self, capsys):
        with build(BASE) as module:
            result = finish(capsys, module.validate_names, name="ok", project="bad name")
            assert result["msg"].startswith("project:")
            assert "white space" in result["msg"]

    def test_dataset_path(self, capsys):
        with build(BASE) as module:
            assert module.dataset_path("pool-a", "p1") == "pool-a/Local/p1"
            assert module.dataset_path("pool-a", "p1", "s1") == "pool-a/Local/p1/s1"
            # An invalid pool name fails the module naming the option (was an unhandled exception).
            result = finish(capsys, module.dataset_path, "pool a/b", "p1")
            assert result["failed"] is True
            assert result["msg"].startswith("pool: 'pool a/b' is not a pool name")


class TestExit:
    def test_diff_only_in_diff_mode(self, capsys):
        tracker = DifferenceTracker()
        tracker.add("dedup", before=False, after=True)
        with build(dict(BASE, _ansible_diff=True)) as module:
            result = finish(capsys, module.exit, True, diff=tracker, share={"name": "s"})
            assert result["changed"] is True
            assert result["diff"] == {"before": {"dedup": False}, "after": {"dedup": True}}
            assert result["share"] == {"name": "s"}

        with build(BASE) as module:
            result = finish(capsys, module.exit, True, diff=tracker)
            assert "diff" not in result

    def test_check_mode_flag(self):
        with build(dict(BASE, _ansible_check_mode=True)) as module:
            assert module.check_mode is True
        with build(BASE) as module:
            assert module.check_mode is False
