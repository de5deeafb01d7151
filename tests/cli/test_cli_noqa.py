"""# noqa end to end: on the line, on the first line of a multi-line statement, with codes and
prefixes, file-wide; not inside strings."""
from __future__ import annotations

from cli_helpers import write


def lines(cli, source, *args):
    from pathlib import Path

    write(Path.cwd() / "a.py", source)
    return [line.split(":", 1)[1] for line in cli("--no-cache", "-q", *args).out.splitlines()]


def test_bare_noqa(cli, project):
    assert lines(cli, "bad()  # noqa\nbad()\n") == ["2:1: TST001 call to bad() [*]"]


def test_noqa_with_codes(cli, project):
    source = "bad()  # noqa: TST002\nbad()  # noqa: TST001\nrisky(bad())  # noqa: TST001, TST002\nbad()  # NOQA:TST001\n"
    assert lines(cli, source) == ["1:1: TST001 call to bad() [*]"]


def test_noqa_with_prefix(cli, project):
    assert lines(cli, "bad(risky())  # noqa: TST\n") == []


def test_noqa_on_the_first_line_of_a_multiline_statement(cli, project):
    source = (
        "result = compute(  # noqa: TST001\n"
        "    1,\n"
        "    bad(),\n"
        ")\n"
        "if flag:  # noqa\n"
        "    bad()\n"            # a compound statement's header does not cover its body
        "other = [\n"
        "    bad(),\n"
        "]  # noqa\n"            # the last line of a statement does not count
    )
    assert lines(cli, source) == ["6:5: TST001 call to bad() [*]", "8:5: TST001 call to bad() [*]"]


def test_noqa_on_a_continuation_line_itself(cli, project):
    source = "x = [\n    bad(),  # noqa: TST001\n]\n"
    assert lines(cli, source) == []


def test_noqa_inside_a_string_does_not_count(cli, project):
    source = 'bad(); s = "# noqa"\n'
    assert lines(cli, source) == ["1:1: TST001 call to bad() [*]"]


def test_file_level_noqa(cli, project):
    assert lines(cli, "# dllint: noqa\nbad()\nrisky()\n") == []


def test_file_level_noqa_with_codes(cli, project):
    assert lines(cli, "bad()\nrisky()\n# dllint: noqa: TST001\n") == ["2:1: TST002 call to risky()"]


def test_plain_noqa_comment_line_is_not_file_level(cli, project):
    assert lines(cli, "# noqa\nbad()\n") == ["2:1: TST001 call to bad() [*]"]


def test_noqa_does_not_hide_dl000(cli, project):
    assert lines(cli, "crash()  # noqa\n")[0].startswith("1:1: DL000")

