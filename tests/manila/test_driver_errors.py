# SPDX-License-Identifier: Apache-2.0
"""The driver's one translation of client errors into Manila exceptions (errors.translate,
errors.undo_on_failure): mapping order, the default, what passes through untouched."""

import pytest

from manila import exception

from tegile_intelliflash.client import errors as client_errors
from tegile_intelliflash.manila_driver import errors


def test_a_client_error_without_mapping_becomes_could_not_what():
    with pytest.raises(exception.ShareBackendException) as err:
        with errors.translate("delete share s1"):
            raise client_errors.ApiError("boom")
    assert "could not delete share s1: " in str(err.value)
    assert isinstance(err.value.__context__, client_errors.ApiError)


def test_mappings_are_tried_in_order_and_default_falls_through():
    seen = []

    def first(err):
        seen.append("first")
        return errors.DEFAULT

    def second(err):
        seen.append("second")
        return exception.ShareSnapshotIsBusy(snapshot_name="snap")

    with pytest.raises(exception.ShareSnapshotIsBusy):
        with errors.translate("x", (client_errors.BusyError, first),
                              (client_errors.InUseError, second)):
            raise client_errors.InUseError("boom")
    assert seen == ["first", "second"]

    # A mapping of another class is never asked; a DEFAULT answer leaves the default.
    with pytest.raises(exception.ShareBackendException):
        with errors.translate("x", (client_errors.NotFoundError, second),
                              (client_errors.BusyError, first)):
            raise client_errors.BusyError("boom")
    assert seen == ["first", "second", "first"]


def test_ignore_swallows_the_error_and_the_block_ends():
    reached = []
    with errors.translate("x", (client_errors.NotFoundError, errors.IGNORE)):
        raise client_errors.NotFoundError("boom")
    reached.append(True)
    with errors.translate("x", (client_errors.NotFoundError, lambda err: errors.IGNORE)):
        raise client_errors.NotFoundError("boom")
    reached.append(True)
    assert reached == [True, True]


def test_manila_and_programming_errors_pass_through_untouched():
    with pytest.raises(exception.InvalidShare):
        with errors.translate("x"):
            raise exception.InvalidShare(reason="r")
    with pytest.raises(KeyError):
        with errors.translate("x"):
            raise KeyError("k")


def test_translate_as_a_decorator():
    @errors.translate("list the pools", (client_errors.NotFoundError, errors.IGNORE))
    def failing(cls):
        raise cls("boom")

    assert failing(client_errors.NotFoundError) is None
    with pytest.raises(exception.ShareBackendException) as err:
        failing(client_errors.NoSpaceError)
    assert "could not list the pools" in str(err.value)


@pytest.mark.parametrize("raised, expected", [
    (client_errors.NoSpaceError("full"), exception.ShareBackendException),
    (exception.InvalidShare(reason="r"), exception.InvalidShare),
    (RuntimeError("bug"), exception.ShareBackendException),
])
def test_undo_on_failure_undoes_whatever_the_failure(raised, expected):
    undone = []
    with pytest.raises(expected) as err:
        with errors.undo_on_failure("set up share s1", lambda: undone.append(True)):
            raise raised
    assert undone == [True]
    if expected is exception.ShareBackendException:
        assert "could not set up share s1" in str(err.value)


def test_undo_on_failure_applies_its_mappings_and_leaves_success_alone():
    undone = []
    with pytest.raises(exception.ShareShrinkingPossibleDataLoss):
        with errors.undo_on_failure(
                "x", lambda: undone.append(True),
                (client_errors.QuotaError,
                 lambda err: exception.ShareShrinkingPossibleDataLoss(share_id="s1"))):
            raise client_errors.QuotaError("too small")
    with errors.undo_on_failure("x", lambda: undone.append(True)):
        pass
    assert undone == [True]
