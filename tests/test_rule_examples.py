"""Every rule's examples are its tests: each INVALID example reports the rule's code at every line
marked ``# expect: CODE`` and nowhere else; each VALID example reports nothing for that rule; a
given ``fixed`` text is what the fixes produce, it re-parses, and fixing it again changes nothing."""
from __future__ import annotations

import libcst as cst
import pytest

from dllint.registry import default_registry
from dllint.rule import Invalid, expected_lines
from dllint.testing import fix_snippet, lint_snippet

REGISTRY = default_registry()


def _cases(kind: str):
    for rule in REGISTRY:
        for number, example in enumerate(getattr(rule, kind)):
            yield pytest.param(rule, example, id=f"{rule.code}-{kind.lower()}-{number}")


@pytest.mark.parametrize("rule, example", list(_cases("INVALID")))
def test_invalid_example_reports_at_marked_lines(rule, example):
    source = example.code if isinstance(example, Invalid) else example
    expected = expected_lines(source, rule.code)
    assert expected, f"{rule.code}: an INVALID example marks no '# expect: {rule.code}' line"
    found = sorted(d.line for d in lint_snippet(source, [rule.code]) if d.code == rule.code)
    assert found == expected, f"{rule.code} reported at lines {found}, expected {expected}\n{source}"


@pytest.mark.parametrize("rule, example", list(_cases("VALID")))
def test_valid_example_is_silent(rule, example):
    found = [d for d in lint_snippet(example, [rule.code]) if d.code == rule.code]
    assert not found, f"{rule.code} false positive: {found}\n{example}"


def _fix_cases():
    for rule in REGISTRY:
        for number, example in enumerate(rule.INVALID):
            if isinstance(example, Invalid) and example.fixed is not None:
                yield pytest.param(rule, example, id=f"{rule.code}-fix-{number}")


@pytest.mark.parametrize("rule, example", list(_fix_cases()))
def test_fix_output_parses_and_is_idempotent(rule, example):
    fixed = fix_snippet(example.code, [rule.code])
    assert fixed == example.fixed
    cst.parse_module(fixed)
    assert fix_snippet(fixed, [rule.code]) == fixed


def test_every_rule_has_examples_of_both_kinds():
    for rule in REGISTRY:
        if rule.code in ("DL000",):
            continue
        assert rule.INVALID and rule.VALID, f"{rule.code} lacks VALID or INVALID examples"
