"""Fuzzing the loader (Hypothesis): mutated front-matter and entity files — wrong types,
unicode edge cases, huge and negative numbers, deep nesting, duplicate and empty keys,
truncated files, BOMs and CRLFs — must each give a successful `check` or exit 1 with only
`path:line: message` lines; never a traceback, and each case within a time bound.

A few hundred examples run by default (CI); set SITE_BUILDER_FUZZ_EXAMPLES for more. The
bound is generous (it is there to catch a hang, not to time the machine).
"""

from __future__ import annotations

import os
import re
import signal

import pytest
import yaml

from conftest import BASE_FILES
from site_builder.cli import main

if os.environ.get("CI") != "true":
    pytest.importorskip("hypothesis", reason="in the test extra and requirements.lock")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

EXAMPLES = int(os.environ.get("SITE_BUILDER_FUZZ_EXAMPLES", "200"))
BOUND_S = 120  # per case: a hang, not a slow machine
TARGETS = [name for name in BASE_FILES if name != "content/site.yaml"]
PROBLEM = re.compile(r"^content/[^:\n]+:\d+: \S.*$")
SUMMARY = re.compile(r"^\d+ problems? found; nothing was written\.$")

EDGE_TEXT = st.sampled_from([
    "", " ", "\t", "\u200b", "\u202e" + "gnp.exe", "\ufeff", "\x00", "\x07", "e\u0301", "🇰🇷", "𠀀",
    "a" * 10_000, "<script>alert(1)</script>", "{{ 7*7 }}", "[[", "[[nobody]]", "]]", "---", "%", "*a",
    "&a", "!!python/object:os.system", "no", "yes", "~", "null", "1.10", "0x1f", "1e999", "-0", "2024-02-30",
    "2015-13", "9999-12-31", "0000-01-01", "10000-01-01",
])
SCALARS = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40), EDGE_TEXT,
    st.dates().map(str),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.text(max_size=8), EDGE_TEXT), inner, max_size=4),
), max_leaves=12)


def parts(text: str) -> tuple[str, str, str]:
    """(opening, YAML, rest): a story's front-matter between its --- lines, or an entity file."""
    if text.startswith("---\n"):
        end = text.index("\n---\n", 4)
        return "---\n", text[4:end + 1], text[end + 1:]
    return "", text, ""


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@st.composite
def mutated_file(draw) -> tuple[str, bytes]:
    name = draw(st.sampled_from(TARGETS))
    head, front, rest = parts(BASE_FILES[name])
    data = yaml.safe_load(front) or {}
    kind = draw(st.sampled_from(["value", "key", "nesting", "duplicate", "truncate", "bytes", "alias", "newlines"]))
    if kind == "value":  # a key's value of a wrong type or an edge case
        key = draw(st.sampled_from(sorted(data)))
        path = [key]
        node = data[key]
        while isinstance(node, (dict, list)) and node and draw(st.booleans()):
            step = draw(st.sampled_from(sorted(node) if isinstance(node, dict) else list(range(len(node)))))
            path.append(step)
            node = node[step]
        target = data
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = draw(VALUES)
        front = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    elif kind == "key":  # an empty, unknown or odd key
        data[draw(st.one_of(st.just(""), st.text(max_size=6), EDGE_TEXT))] = draw(VALUES)
        front = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    elif kind == "nesting":
        key = draw(st.sampled_from(sorted(data)))
        front += f"{key}: {nested(draw(st.integers(min_value=1, max_value=3000)))}\n"
    elif kind == "duplicate":
        key = draw(st.sampled_from(sorted(data)))
        front += f"{key}: {yaml.safe_dump(draw(VALUES), allow_unicode=True, default_flow_style=True).strip()}\n"
    elif kind == "alias":
        front = "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\n" + front
    text = (head + front + rest).encode("utf-8", "surrogatepass")
    if kind == "newlines":
        text = (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + text.replace(b"\n", b"\r\n" if draw(st.booleans()) else b"\r")
    if kind == "truncate":
        text = text[: draw(st.integers(min_value=0, max_value=len(text)))]
    if kind == "bytes":  # a few bytes changed anywhere: not UTF-8, control characters, lost quotes
        text = bytearray(text)
        for _ in range(draw(st.integers(min_value=1, max_value=4))):
            text[draw(st.integers(min_value=0, max_value=len(text) - 1))] = draw(st.integers(min_value=0, max_value=255))
        text = bytes(text)
    return name, text


class TooLong(Exception):
    pass


def bounded(seconds: int):
    def alarm(*_):
        raise TooLong(f"a case took over {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    return previous


@pytest.fixture
def fuzz_site(make_site):
    return make_site()


@settings(max_examples=EXAMPLES, deadline=None, derandomize=os.environ.get("CI") == "true",
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=mutated_file())
def test_a_mutated_file_is_checked_or_reported_never_a_traceback(fuzz_site, capsys, case):
    name, data = case
    path = fuzz_site / name
    path.write_bytes(data)
    capsys.readouterr()
    previous = bounded(BOUND_S)
    try:
        code = main(["check"])  # any exception but ContentError escapes main: the test fails on it
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        path.write_text(BASE_FILES[name], "utf-8")
    err = capsys.readouterr().err.splitlines()
    assert code in (0, 1)
    if code == 0:
        assert err == []
    else:
        assert err and SUMMARY.match(err[-1]), err
        assert all(PROBLEM.match(line) for line in err[:-1]), err


@pytest.mark.parametrize("depth", [60, 999, 1001, 5000])
def test_nesting_deeper_than_the_parser_allows_is_one_problem(make_site, capsys, depth):
    """Found by the fuzzer: libyaml refuses nesting past 1,000 and PyYAML's pure-Python parser,
    asked for the message, ran out of stack (a RecursionError traceback)."""
    make_site({"content/people/kang-sungcheon.yaml": BASE_FILES["content/people/kang-sungcheon.yaml"]
               + f"aliases: {nested(depth)}\n"})
    assert main(["check"]) == 1
    expected = ("YAML nested more than 64 levels deep (lists or mappings within each other)" if depth > 64
                else "aliases: expected text, not a list")
    assert capsys.readouterr().err.splitlines() == [f"content/people/kang-sungcheon.yaml:7: {expected}",
                                                    "1 problem found; nothing was written."]
