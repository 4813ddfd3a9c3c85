# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""The listSnapshots pattern engine (C11) against Python's re on the language they share: same
full-match answer for generated patterns and names, bounded cost where re backtracks."""

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tegile_intelliflash.simulator.pattern import MAX_STEPS, Budget, Pattern, PatternError

ATOMS = st.sampled_from(["a", "b", "-", "1", ".", "[ab]", "[^a]", "[a-b1]", "\\d", "\\w", "\\W",
                         "\\-", "\\x61", "[]a]", "^", "$", "(?:)", "\\s"])
QUANTIFIERS = st.sampled_from(["*", "+", "?", "{2}", "{1,2}", "{,1}", "{0,}", "*?", "+?", "??"])


def _extend(children):
    return st.one_of(
        st.lists(children, min_size=2, max_size=3).map("".join),
        st.lists(children, min_size=2, max_size=3).map(lambda xs: "(%s)" % "|".join(xs)),
        st.tuples(children, QUANTIFIERS).map(lambda t: "(?:%s)%s" % t),
    )


PATTERNS = st.recursive(ATOMS, _extend, max_leaves=8)
NAMES = st.text(alphabet="ab-1 ", max_size=7)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(pattern=PATTERNS, name=NAMES)
def test_full_match_agrees_with_re(pattern, name):
    expected = re.fullmatch(pattern, name, re.ASCII) is not None
    assert Pattern(pattern).fullmatch(name, Budget()) == expected, (pattern, name)


@pytest.mark.parametrize("pattern,name,expected", [
    ("Manual-S-daily-\\d+", "Manual-S-daily-12", True), ("a{,2}", "", True),
    ("x{", "x{", True), ("a{1,}", "aaa", True), ("[\\d.]+", "1.2", True), ("a|", "", True),
    ("\\u0041\\t", "A\t", True), ("[^\\w]", "-", True), ("(a*)*b", "aab", True),
    ("a^b", "ab", False), (".", "\n", False),
])
def test_examples(pattern, name, expected):
    assert Pattern(pattern).fullmatch(name, Budget()) is expected


def test_backtracking_patterns_are_linear():
    """Python's re needs about 2^n steps for these; the NFA needs n × states."""
    name = "a" * 255
    for pattern in ("(a+)+b", "(a|a)*b", "(a|aa)*c", "(.*a){12}b"):
        started = time.monotonic()
        assert Pattern(pattern).fullmatch(name, Budget()) is False
        assert time.monotonic() - started < 2, pattern


def test_budget_is_spent_across_names():
    compiled = Pattern("(.*){1000}x")
    budget = Budget()
    with pytest.raises(PatternError, match="too costly"):
        for _ignored in range(100):
            compiled.fullmatch("a" * 255, budget)
    assert budget.left < 0 and MAX_STEPS == 1000000


# Characters a snapshot name may hold (C5): no separators, invisible or forbidden ones.
NAME_CHARS = st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zs", "Zl", "Zp"),
                           blacklist_characters=",/\\!?@<>#$'%^*()~+=}|:{[];\"&")


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(name=st.text(alphabet=NAME_CHARS, min_size=1, max_size=255),
       other=st.text(alphabet="ab-.", max_size=4))
def test_re_escape_of_a_name_matches_that_name_only(name, other):
    """The snapshot module looks a snapshot up with re.escape(full name) (C11 must accept it)."""
    full = "Manual-S-" + name
    compiled = Pattern(re.escape(full))
    assert compiled.fullmatch(full, Budget())
    assert compiled.fullmatch(full + other, Budget()) is (other == "")
