"""The catalogue in rules/ and the registered rules stay in step: every rule has its page, every
page names a registered rule, and every page has the sections a reader expects, in order."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from dllint.registry import default_registry

PAGES = Path(__file__).resolve().parent.parent / "rules"
SECTIONS = [
    "## What it finds",
    "## Why it is a bug",
    "## Example",
    "## Use instead",
    "## Fix safety",
    "## At run time",
    "## Related",
]
REGISTRY = default_registry()


def _pages() -> list[Path]:
    return sorted(PAGES.glob("*.md"))


def test_pages_directory_exists():
    assert PAGES.is_dir(), f"{PAGES} is missing"


@pytest.mark.parametrize("code", [rule.code for rule in REGISTRY])
def test_every_rule_has_a_page(code):
    assert (PAGES / f"{code}.md").is_file(), f"rule {code} has no page rules/{code}.md"


@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.stem)
def test_every_page_names_a_registered_rule(page):
    assert page.stem in REGISTRY, f"rules/{page.name} describes no registered rule"


def _headings(text: str) -> list[str]:
    # Headings inside fenced code blocks do not count.
    out, fenced = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            out.append(line.rstrip())
    return out


@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.stem)
def test_page_has_the_sections_in_order(page):
    text = page.read_text(encoding="utf-8")
    headings = _headings(text)
    rule = REGISTRY.get(page.stem)
    assert headings, f"rules/{page.name} has no headings"
    if rule is not None:  # an unregistered page fails test_every_page_names_a_registered_rule
        title = f"# {page.stem}: {rule.name}"
        assert headings[0] == title, f"rules/{page.name} must start with {title!r}, not {headings[0]!r}"
    level2 = [h for h in headings if h.startswith("## ")]
    assert level2 == SECTIONS, f"rules/{page.name}: sections {level2}, expected {SECTIONS}"


@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.stem)
def test_page_sections_are_filled_and_examples_fenced(page):
    text = page.read_text(encoding="utf-8")
    bodies = re.split(r"^## .*$", text, flags=re.MULTILINE)[1:]
    for heading, body in zip(SECTIONS, bodies):
        assert body.strip(), f"rules/{page.name}: section {heading!r} is empty"
    for heading, body in zip(SECTIONS, bodies):
        if heading in ("## Example", "## Use instead"):
            assert "```" in body, f"rules/{page.name}: {heading!r} has no fenced code block"
