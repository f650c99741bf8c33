"""Content validation: every kind of bad input gives exact `path:line: message` lines.

Each test adds or overrides files in the small bilingual site of conftest.py and runs
`check` in-process. Line numbers are counted in the file, the opening `---` of a story
being line 1; PROBE below is written so its lines can be counted at a glance.

The second half checks what valid content becomes: inheritance, drafts, [[id]] links,
sanitised HTML and partial dates, on the model and on parsed built pages.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import OLDER_EN, PERSON, write_files
from pages import parse, resolve, tree
from site_builder.assemble import assemble
from site_builder.load import load_content, shown_path
from site_builder.cli import main
from site_builder.wikilinks import scan_links
from site_builder.markup import PLACEHOLDER_RE, render_markdown

PROBE_PATH = PROBE_FILE = "content/stories/probe.en.md"
PROBE = """\
---
title: Probe story
date: 2020-01-15
summary: A story for validation tests.
source:
  publisher: Test Wire
  title: The original headline
people: [kang-sungcheon]
orgs: [gbsa]
places: [chongqing]
events:
  - date: 2019-11-27
    title: A meeting
    people: [kang-sungcheon]
    orgs: [gbsa]
    places: [chongqing]
---
Body about [[chongqing]].
"""
#  1 ---                     7   title             13     title
#  2 title                   8 people              14     people
#  3 date                    9 orgs                15     orgs
#  4 summary                10 places              16     places
#  5 source:                11 events:             17 ---
#  6   publisher            12   - date            18 body


def probe(*edits: tuple[str, str]) -> str:
    """PROBE with each (old, new) applied; old must occur exactly once."""
    text = PROBE
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} is not unique in PROBE"
        text = text.replace(old, new)
    return text


def test_the_probe_story_is_valid(make_site, capsys):
    make_site({PROBE_PATH: PROBE})
    assert main(["check"]) == 0, capsys.readouterr().err


# YAML syntax ---------------------------------------------------------------------------
def test_yaml_syntax_error_in_front_matter_is_at_its_file_line(problems):
    assert problems({PROBE_PATH: probe(("summary: A story", "summary: [A story"))}) == [
        f"{PROBE_FILE}:5: YAML syntax error: expected ',' or ']', but got ':' (while parsing a flow sequence, line 4)",
    ]


def test_yaml_syntax_error_in_an_entity_file_hides_no_reference_to_it(problems):
    # gbsa is referenced by a person, two stories and their bodies: none of that is reported.
    assert problems({"content/orgs/gbsa.yaml": "name: {en: GBSA\nkind: agency\n"}) == [
        "content/orgs/gbsa.yaml:2: YAML syntax error: expected ',' or '}', but got ':' (while parsing a flow mapping, line 1)",
    ]


@pytest.mark.parametrize("text, expected", [
    ("name: China\n\tkind: country\n", "2: YAML syntax error: found character '\\t' that cannot start any token"),
    ("name: China\nsummary: 'unclosed\n", "3: YAML syntax error: found unexpected end of stream (while scanning a quoted scalar, line 2)"),
    ("name: China\naliases: *nope\n", "2: YAML syntax error: found undefined alias 'nope'"),
    ("name: China\n---\nname: PRC\n", "2: YAML syntax error: but found another document (expected a single document in the stream, line 1)"),
    ("name: Chi\x07na\n", "1: YAML cannot read character #x0007: special characters are not allowed"),
])
def test_yaml_syntax_errors_in_entity_files(problems, text, expected):
    assert problems({"content/places/china.yaml": text}) == [f"content/places/china.yaml:{expected}"]


def test_yaml_syntax_error_in_site_yaml(problems):
    assert problems({"content/site.yaml": "title: Test\nbase_url: [https://example.org/\n"}) == [
        "content/site.yaml:3: YAML syntax error: expected ',' or ']', but got '<stream end>' (while parsing a flow sequence, line 2)",
    ]


# Required fields -----------------------------------------------------------------------
@pytest.mark.parametrize("edit, expected", [
    (("title: Probe story\n", ""), "1: missing required key 'title'"),
    (("date: 2020-01-15\n", ""), "1: missing required key 'date'"),
    (("summary: A story for validation tests.\n", ""), "1: missing required key 'summary'"),
    (("source:\n  publisher: Test Wire\n  title: The original headline\n", ""), "1: missing required key 'source'"),
    (("  publisher: Test Wire\n", ""), "6: source: missing required key 'publisher'"),
    (("  title: The original headline\n", ""), "6: source: missing required key 'title'"),
    (("  - date: 2019-11-27\n    title", "  - title"), "12: events: missing required key 'date'"),
    (("    title: A meeting\n", ""), "12: events: missing required key 'title'"),
])
def test_missing_required_story_fields(problems, edit, expected):
    assert problems({PROBE_PATH: probe(edit)}) == [f"{PROBE_FILE}:{expected}"]


def test_a_translation_requires_nothing_it_can_inherit(make_site, capsys):
    make_site({PROBE_PATH: PROBE, "content/stories/probe.zh.md": "---\n---\n"})
    assert main(["check"]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("path, text, expected", [
    ("content/places/china.yaml", "kind: country\n", "1: missing required key 'name'"),
    ("content/places/china.yaml", "# China, to be written\nkind: country\n", "1: missing required key 'name'"),
    ("content/places/china.yaml", "", "1: missing required key 'name'"),
    ("content/places/china.yaml", "name: {zh: 中国}\n", "1: name: missing the 'en' text, which other languages fall back to"),
    ("content/people/kang-sungcheon.yaml", PERSON.replace("  - title: {en: President, zh: 院长}\n    org", "  - org"),
     "4: roles: missing required key 'title'"),
])
def test_missing_required_entity_fields(problems, path, text, expected):
    assert problems({path: text}) == [f"{path}:{expected}"]


def test_an_empty_front_matter_is_not_a_story_silently_dropped(problems):
    assert problems({PROBE_PATH: "---\n---\nA body.\n"}) == [
        f"{PROBE_FILE}:1: missing required key '{key}'" for key in ("date", "source", "summary", "title")
    ]


def test_an_original_story_needs_its_title_in_its_own_language(problems):
    assert problems({PROBE_PATH: probe(("title: Probe story", "title: {zh: 探针}"))}) == [
        f"{PROBE_FILE}:2: title: missing the 'en' text, which other languages fall back to",
    ]


# Unknown keys --------------------------------------------------------------------------
def test_unknown_keys_suggest_the_closest(problems):
    assert problems({
        PROBE_PATH: probe(("title: Probe", "tittle: Probe"), ("  publisher:", "  publsher:"), ("    places: [chongqing]\n---", "    plases: [chongqing]\n---")),
        "content/places/china.yaml": "name: China\nsumary: The country.\n",
    }) == [
        "content/places/china.yaml:2: unknown key 'sumary' (did you mean 'summary'?)",
        f"{PROBE_FILE}:1: missing required key 'title'",
        f"{PROBE_FILE}:2: unknown key 'tittle' (did you mean 'title'?)",
        f"{PROBE_FILE}:6: source: missing required key 'publisher'",
        f"{PROBE_FILE}:6: source: unknown key 'publsher' (did you mean 'publisher'?)",
        f"{PROBE_FILE}:16: events: unknown key 'plases' (did you mean 'places'?)",
    ]


def test_an_unknown_key_with_nothing_close_lists_the_allowed_ones(problems):
    assert problems({"content/places/china.yaml": "name: China\ncolour: red\n"}) == [
        "content/places/china.yaml:2: unknown key 'colour' (expected one of: name, summary, aliases, kind, parent, sources)",
    ]


def test_unknown_key_in_site_yaml(problems):
    assert problems({"content/site.yaml": "title: Test\nbase_url: https://example.org/\nbase_ur: x\n"}) == [
        "content/site.yaml:3: unknown key 'base_ur' (did you mean 'base_url'?)",
    ]


def test_site_yaml_checks(problems):
    assert problems({"content/site.yaml": "tagline: A site\nlanguages: [en, fr]\ndefault_language: zh\ntags:\n  Big Data: x\n"}) == [
        "content/site.yaml:1: missing required key 'base_url'",
        "content/site.yaml:1: missing required key 'title'",
        "content/site.yaml:2: languages: unsupported language 'fr' (expected one of: en, zh)",
        "content/site.yaml:3: default_language: 'zh' is not in languages",
        "content/site.yaml:5: tags: 'Big Data' is not a tag id (lowercase ASCII letters, digits and hyphens)",
    ]


# Wrong types and YAML's silent coercions -----------------------------------------------
@pytest.mark.parametrize("line, expected", [
    ("name: no", "name: expected text, but YAML reads 'no' as the boolean false: put it in quotes"),
    ("name: yes", "name: expected text, but YAML reads 'yes' as the boolean true: put it in quotes"),
    ("name: 12:30", "name: expected text, but YAML reads '12:30' as the number 750: put it in quotes"),
    ("name: {en: 1.10}", "name: expected text, but YAML reads '1.10' as the number 1.1: put it in quotes"),
    ("name: 1949", "name: expected text, but YAML reads '1949' as the number 1949: put it in quotes"),
    ("name: 2019-12-10", "name: expected text, but YAML reads '2019-12-10' as a date: put it in quotes"),
    ("name: [China]", "name: expected text, not a list"),
    ("name:", "name: is empty"),
    ("name: ''", "name: is empty"),
    ("name: {en: China, fr: Chine}", "name: unknown language 'fr' (expected one of: en, zh)"),
])
def test_wrong_types_in_an_entity(problems, line, expected):
    assert problems({"content/places/china.yaml": line + "\n"}) == [f"content/places/china.yaml:1: {expected}"]


def test_quoting_a_coerced_value_makes_it_text(make_site, capsys):
    make_site({"content/places/china.yaml": "name: {en: 'no', zh: '12:30'}\naliases: ['1.10', \"1949\"]\n"})
    assert main(["check"]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("edit, expected", [
    (("  publisher: Test Wire", "  publisher: 2019"), "6: source.publisher: expected text, but YAML reads '2019' as the number 2019: put it in quotes"),
    (("source:\n  publisher: Test Wire\n  title: The original headline\n", "source: Test Wire\n\n\n"), "5: source: expected a mapping of keys to values"),
    (("\npeople: [kang-sungcheon]", "\npeople: kang-sungcheon"), "8: people: expected a list of ids, like [an-id, another-id]"),
    (("\npeople: [kang-sungcheon]", "\npeople: [Kang Sungcheon]"), "8: people: 'Kang Sungcheon' is not an id (lowercase ASCII letters, digits and hyphens)"),
    (("\npeople: [kang-sungcheon]", "\ndraft: 'no'"), "8: draft: expected true or false"),
    (("events:\n  - date", "events:\n  - 2019\n  - date"), "12: events: expected a mapping of keys to values"),
    (("Probe story", "2019-12-10"), "2: title: expected text, but YAML reads '2019-12-10' as a date: put it in quotes"),
])
def test_wrong_types_in_a_story(problems, edit, expected):
    assert problems({PROBE_PATH: probe(edit)}) == [f"{PROBE_FILE}:{expected}"]


def test_a_bad_url_is_reported_at_its_line(problems):
    assert problems({PROBE_PATH: probe(("  title: The original headline", "  title: The original headline\n  url: javascript:alert(1)"))}) == [
        f"{PROBE_FILE}:8: source.url: expected an http(s) URL, got 'javascript:alert(1)'",
    ]


def test_one_bad_item_in_a_list_does_not_hide_the_others(problems):
    assert problems({"content/places/china.yaml": "name: China\naliases:\n  - PRC\n  - 1949\n  - no\n"}) == [
        "content/places/china.yaml:4: aliases: expected text, but YAML reads '1949' as the number 1949: put it in quotes",
        "content/places/china.yaml:5: aliases: expected text, but YAML reads 'no' as the boolean false: put it in quotes",
    ]


# Duplicate keys ------------------------------------------------------------------------
def test_duplicate_keys(problems):
    assert problems({
        PROBE_PATH: probe(("date: 2020-01-15", "title: Again")),
        "content/places/china.yaml": "name: {en: China, en: PRC}\nkind: country\nkind: province\n",
    }) == [
        "content/places/china.yaml:1: name: duplicate key 'en' (first set at line 1)",
        "content/places/china.yaml:3: duplicate key 'kind' (first set at line 2)",
        f"{PROBE_FILE}:1: missing required key 'date'",
        f"{PROBE_FILE}:3: duplicate key 'title' (first set at line 2)",
    ]


# Dates ---------------------------------------------------------------------------------
@pytest.mark.parametrize("edit, expected", [
    (("date: 2020-01-15", "date: 2023-02-30"), "3: date: impossible date '2023-02-30'"),
    (("date: 2020-01-15", "date: 2020-01"), "3: date: expected a full date YYYY-MM-DD, got '2020-01'"),
    (("date: 2020-01-15", "date: 2020"), "3: date: expected a full date YYYY-MM-DD, got '2020'"),
    (("date: 2020-01-15", "date: 15/01/2020"), "3: date: expected a date (YYYY, YYYY-MM or YYYY-MM-DD), got '15/01/2020'"),
    (("  - date: 2019-11-27", "  - date: 2024-13"), "12: events.date: impossible date '2024-13'"),
    (("  - date: 2019-11-27", "  - date: 20240101"), "12: events.date: expected a date (YYYY, YYYY-MM or YYYY-MM-DD), got '20240101'"),
    (("  - date: 2019-11-27", "  - date: 0000"), "12: events.date: impossible date '0000'"),
    (("  - date: 2019-11-27", "  - date: [2019]"), "12: events.date: expected a date (YYYY, YYYY-MM or YYYY-MM-DD), got '…'"),
    (("    title: A meeting", "    end: 2019-10\n    title: A meeting"), "13: events: end 2019-10 is before date 2019-11-27"),
])
def test_invalid_and_impossible_dates(problems, edit, expected):
    assert problems({PROBE_PATH: probe(edit)}) == [f"{PROBE_FILE}:{expected}"]


def test_a_range_ending_in_its_own_month_is_not_before_its_start(make_site, capsys):
    make_site({PROBE_PATH: probe(("    title: A meeting", "    end: 2019-11\n    title: A meeting"))})
    assert main(["check"]) == 0, capsys.readouterr().err


def test_role_dates(problems):
    path = "content/people/kang-sungcheon.yaml"
    assert problems({path: PERSON + "  - title: Adviser\n    start: 2023-02-29\n  - title: Director\n    start: 2023\n    end: 2022\n"}) == [
        f"{path}:8: roles.start: impossible date '2023-02-29'",
        f"{path}:11: roles: end 2022 is before start 2023",
    ]


# Unknown ids ---------------------------------------------------------------------------
def test_unknown_ids_in_story_lists_suggest_the_closest_of_the_right_type(problems):
    assert problems({PROBE_PATH: probe(
        ("\npeople: [kang-sungcheon]", "\npeople: [kang-sungchon]"),
        ("\norgs: [gbsa]", "\norgs: [gbs]"),
        ("places: [chongqing]\nevents", "places: [chongquing, nowhere-at-all]\nevents"),
    )}) == [
        f"{PROBE_FILE}:8: people: unknown person 'kang-sungchon' (did you mean 'kang-sungcheon'?)",
        f"{PROBE_FILE}:9: orgs: unknown organisation 'gbs' (did you mean 'gbsa'?)",
        f"{PROBE_FILE}:10: places: unknown place 'chongquing' (did you mean 'chongqing'?)",
        f"{PROBE_FILE}:10: places: unknown place 'nowhere-at-all'",
    ]


def test_unknown_ids_in_event_lists(problems):
    assert problems({PROBE_PATH: probe(
        ("    people: [kang-sungcheon]", "    people: [kang]"),
        ("    orgs: [gbsa]", "    orgs: [gbsa-hq]"),
        ("    places: [chongqing]\n---", "    places: [chinaa]\n---"),
    )}) == [
        f"{PROBE_FILE}:14: events.people: unknown person 'kang'",
        f"{PROBE_FILE}:15: events.orgs: unknown organisation 'gbsa-hq' (did you mean 'gbsa'?)",
        f"{PROBE_FILE}:16: events.places: unknown place 'chinaa' (did you mean 'china'?)",
    ]


def test_an_id_in_a_block_list_is_reported_at_its_own_line(problems):
    assert problems({PROBE_PATH: probe(("places: [chongqing]\nevents", "places:\n  - chongqing\n  - gyeongi\n  - china\nevents"))}) == [
        f"{PROBE_FILE}:12: places: unknown place 'gyeongi' (did you mean 'gyeonggi'?)",
    ]


def test_an_id_in_a_flow_list_over_several_lines_is_reported_at_its_own_line(problems):
    assert problems({PROBE_PATH: probe(("places: [chongqing]\nevents", "places: [chongqing,\n  gyeongi]\nevents"))}) == [
        f"{PROBE_FILE}:11: places: unknown place 'gyeongi' (did you mean 'gyeonggi'?)",
    ]


def test_unknown_ids_in_entity_files(problems):
    assert problems({
        "content/people/kang-sungcheon.yaml": PERSON.replace("org: gbsa", "org: gbs"),
        "content/orgs/gbsa.yaml": "name: GBSA\nparent: gyeonggi-government\nplace: gyeongi\n",
        "content/places/chongqing.yaml": "name: Chongqing\nparent: chinaa\n",
    }) == [
        "content/orgs/gbsa.yaml:2: parent: unknown organisation 'gyeonggi-government'",
        "content/orgs/gbsa.yaml:3: place: unknown place 'gyeongi' (did you mean 'gyeonggi'?)",
        "content/people/kang-sungcheon.yaml:5: roles.org: unknown organisation 'gbs' (did you mean 'gbsa'?)",
        "content/places/chongqing.yaml:2: parent: unknown place 'chinaa' (did you mean 'china'?)",
    ]


def test_an_id_of_the_wrong_type(problems):
    assert problems({
        PROBE_PATH: probe(("\npeople: [kang-sungcheon]", "\npeople: [kang-sungcheon, gbsa]"), ("    places: [chongqing]\n---", "    places: [kang-sungcheon]\n---")),
        "content/orgs/gbsa.yaml": "name: GBSA\nparent: gyeonggi\nplace: gbsa\n",
    }) == [
        "content/orgs/gbsa.yaml:2: parent: 'gyeonggi' is a place, not an organisation",
        "content/orgs/gbsa.yaml:3: place: 'gbsa' is an organisation, not a place",
        f"{PROBE_FILE}:8: people: 'gbsa' is an organisation, not a person",
        f"{PROBE_FILE}:16: events.places: 'kang-sungcheon' is a person, not a place",
    ]


def test_unknown_ids_in_body_links_suggest_any_known_id(problems):
    body = "Body about [[chongqin]] and\n[[gbs|the agency]], [[Chongqing]] and [[kang-sungcheon]].\n"
    assert problems({PROBE_PATH: probe(("Body about [[chongqing]].\n", body))}) == [
        f"{PROBE_FILE}:18: [[chongqin]]: unknown id 'chongqin' (did you mean 'chongqing', 'china'?)",
        f"{PROBE_FILE}:19: [[Chongqing]]: unknown id 'Chongqing' (did you mean 'chongqing'?)",
        f"{PROBE_FILE}:19: [[gbs|the agency]]: unknown id 'gbs' (did you mean 'gbsa'?)",
    ]


CODE_BODY = """\
Inline `[[in-span]]` and ``[[in-double-span]]`` code, and a span that
runs `across [[two-lines]]
of text`, are code.

```
[[in-backtick-fence]]
```

~~~python
[[in-tilde-fence]]
~~~

    [[in-indented-code]]

Escaped \\[[not-a-link]] is text. But [[after-the-code]] is a link.

- a list item

    [[in-list-paragraph]] is a link: four spaces continue the item.

        [[in-list-code]] is code: eight spaces inside a list.
"""


def test_links_inside_code_are_not_checked(problems):
    assert problems({PROBE_PATH: probe(("Body about [[chongqing]].\n", CODE_BODY))}) == [
        f"{PROBE_FILE}:32: [[after-the-code]]: unknown id 'after-the-code'",
        f"{PROBE_FILE}:36: [[in-list-paragraph]]: unknown id 'in-list-paragraph'",
    ]


@pytest.mark.parametrize("body", [
    CODE_BODY,
    "```\nnot closed [[a]]\n\n[[b]]\n",
    "para\n    [[lazy-continuation]]\n",
    "1. one\n2. two\n\n    [[in-item]]\n\n[[after]]\n\n    [[code-after-paragraph]]\n",
    "| a | b |\n|---|---|\n| [[in-cell]] | `[[code-cell]]` |\n",
    "> quoted [[in-quote]]\n",
    "# Heading [[in-heading]]\n\ntext ``a ` [[in-odd-span]] ` b``\n",
    "- a\n    - b\n\n        [[nested-list-paragraph]]\n\n            [[nested-list-code]]\n",
    "- a\n    - b\n\n- c\n\n        [[code-in-item]]\n",
    "a\\\\[[after-escaped-backslash]] and \\[[escaped]]\n",
    ">     [[code-in-quote]]\n>\n> [[in-quote]]\n",
    "``[[x]]`` and `` ` `` [[y]] and ``[[unequal-runs]]` text\n",
    "# Heading ` [[heading-ends-span]]\ntext ` [[z]]\n",
])
def test_links_checked_are_exactly_the_links_rendered(body):
    """The scan in load.py and Python-Markdown in markup.py agree on what is code."""
    scanned = {ref.id for ref in scan_links(body, "x.md", 1)}
    rendered = {m.group(1) for m in PLACEHOLDER_RE.finditer(render_markdown(body))}
    assert scanned == rendered


# Hierarchies and ids -------------------------------------------------------------------
def test_cycles_in_parent(problems):
    assert problems({
        "content/places/china.yaml": "name: China\nparent: chongqing\n",
        "content/orgs/a.yaml": "name: A\nparent: b\n",
        "content/orgs/b.yaml": "name: B\nparent: c\n",
        "content/orgs/c.yaml": "name: C\nparent: a\n",
        "content/orgs/d.yaml": "name: D\nparent: d\n",
    }) == [
        "content/orgs/a.yaml:2: parent: cycle a → b → c → a",
        "content/orgs/d.yaml:2: parent: cycle d → d",
        "content/places/china.yaml:2: parent: cycle china → chongqing → china",
    ]


def test_duplicate_ids_across_people_orgs_and_places(problems):
    # Reported once: the stories listing chongqing as a place are not told it is an org.
    assert problems({"content/orgs/chongqing.yaml": "name: Chongqing Municipal Government\n"}) == [
        "content/places/chongqing.yaml:1: id 'chongqing' is already used by content/orgs/chongqing.yaml: ids are unique across people, orgs and places",
    ]


def test_unknown_kind(problems):
    assert problems({
        "content/places/china.yaml": "name: China\nkind: contry\n",
        "content/orgs/gbsa.yaml": "name: GBSA\nkind: ngo\n",
    }) == [
        "content/orgs/gbsa.yaml:2: kind: unknown kind 'ngo' (expected one of: government, department, agency, company, association, media, mission, zone, programme, other)",
        "content/places/china.yaml:2: kind: unknown kind 'contry' (did you mean 'country', 'county', 'city'?)",
    ]


# Files ---------------------------------------------------------------------------------
def test_a_translation_without_its_original(problems):
    assert problems({"content/stories/lonely.zh.md": "---\ntitle: 孤独\n---\n"}) == [
        "content/stories/lonely.zh.md:1: translation without its original lonely.en.md",
    ]


def test_a_translation_of_an_unreadable_original_is_not_an_orphan(problems):
    assert problems({"content/stories/gbsa-centre.en.md": "title: no front-matter\n"}) == [
        "content/stories/gbsa-centre.en.md:1: a story must start with a '---' line opening its front-matter",
    ]


def test_an_unknown_language_suffix(problems):
    assert problems({"content/stories/new-door.fr.md": "---\ntitle: Une porte\n---\n", "content/stories/new-door.EN.md": "---\n---\n"}) == [
        "content/stories/new-door.EN.md:1: unknown language suffix '.EN' (did you mean 'en'?)",
        "content/stories/new-door.fr.md:1: unknown language suffix '.fr' (expected one of: en, zh)",
    ]


def test_badly_named_files(problems):
    assert problems({
        "content/stories/new-door.md": OLDER_EN,
        "content/stories/New_Door.en.md": OLDER_EN,
        "content/places/Asia.yaml": "name: Asia\n",
        "content/places/asia.yml": "name: Asia\n",
    }) == [
        "content/places/Asia.yaml:1: file name 'Asia' is not an id (lowercase ASCII letters, digits and hyphens)",
        "content/places/asia.yml:1: entity files end in .yaml, not .yml",
        "content/stories/New_Door.en.md:1: story slug 'New_Door' is not an id (lowercase ASCII letters, digits and hyphens)",
        "content/stories/new-door.md:1: a story file is named <slug>.<language>.md, e.g. my-story.en.md",
    ]


def test_files_that_are_not_utf8(problems):
    assert problems({
        PROBE_PATH: PROBE.replace("Body about", "Café about").encode("latin-1"),
        "content/places/china.yaml": "name: China\nsummary: Café\n".encode("latin-1"),
        "content/places/gyeonggi.yaml": "name: 경기도\n".encode("euc-kr"),
    }) == [  # and no "unknown place" for the stories naming china or gyeonggi
        "content/places/china.yaml:2: not UTF-8 (byte 0xe9 at column 13): save the file as UTF-8",
        "content/places/gyeonggi.yaml:1: not UTF-8 (byte 0xb0 at column 7): save the file as UTF-8",
        f"{PROBE_FILE}:18: not UTF-8 (byte 0xe9 at column 4): save the file as UTF-8",
    ]


def test_a_story_without_front_matter(problems):
    assert problems({
        PROBE_PATH: "title: Probe\n",
        "content/stories/unclosed.en.md": "---\ntitle: Unclosed\n",
    }) == [
        f"{PROBE_FILE}:1: a story must start with a '---' line opening its front-matter",
        "content/stories/unclosed.en.md:1: front-matter is not closed by a '---' line",
    ]


def test_front_matter_that_is_not_a_mapping(problems):
    assert problems({PROBE_PATH: "---\n- title\n---\n"}) == [f"{PROBE_FILE}:2: expected a mapping of keys to values"]


def test_windows_line_endings_and_a_byte_order_mark_keep_lines_right(problems):
    text = "\ufeff" + probe(("date: 2020-01-15", "date: 2020-02-30")).replace("\n", "\r\n")
    assert problems({PROBE_PATH: text.encode("utf-8")}) == [f"{PROBE_FILE}:3: date: impossible date '2020-02-30'"]


# A whole run ---------------------------------------------------------------------------
def test_all_problems_of_a_run_are_reported_together_sorted(problems):
    assert problems({
        PROBE_PATH: probe(("date: 2020-01-15", "date: 2020-13-01"), ("    orgs: [gbsa]", "    orgs: [gbsx]"), ("Body about [[chongqing]]", "Body about [[x]]")),
        "content/stories/lonely.zh.md": "---\n---\n",
        "content/places/china.yaml": "name: no\nkind: contry\nparent: asia\n",
        "content/orgs/gbsa.yaml": "name: GBSA\nbogus: 1\n",
    }) == [
        "content/orgs/gbsa.yaml:2: unknown key 'bogus' (expected one of: name, summary, aliases, short, kind, parent, place, url, sources)",
        "content/places/china.yaml:1: name: expected text, but YAML reads 'no' as the boolean false: put it in quotes",
        "content/places/china.yaml:2: kind: unknown kind 'contry' (did you mean 'country', 'county', 'city'?)",
        "content/places/china.yaml:3: parent: unknown place 'asia'",
        "content/stories/lonely.zh.md:1: translation without its original lonely.en.md",
        f"{PROBE_FILE}:3: date: impossible date '2020-13-01'",
        f"{PROBE_FILE}:15: events.orgs: unknown organisation 'gbsx' (did you mean 'gbsa'?)",  # 15 after 3: by number
        f"{PROBE_FILE}:18: [[x]]: unknown id 'x'",
    ]


def test_a_failed_build_leaves_the_previous_output_byte_for_byte(make_site, capsys):
    root = make_site()
    assert main(["build"]) == 0
    before = tree(root / "public")
    assert "en/stories/gbsa-centre/index.html" in before
    write_files(root, {
        "content/stories/gbsa-centre.en.md": probe(("date: 2020-01-15", "date: 2020-02-30")),
        "content/stories/brand-new.en.md": PROBE,
    })
    assert main(["build"]) == 1
    err = capsys.readouterr().err
    assert "content/stories/gbsa-centre.en.md:3: date: impossible date '2020-02-30'" in err.splitlines()
    assert "Traceback" not in err
    assert tree(root / "public") == before
    assert [p.name for p in root.iterdir() if p.name.startswith(".public")] == []


def test_drafts_are_validated_even_when_not_published(make_site, capsys):
    make_site({PROBE_PATH: probe(("\npeople: [kang-sungcheon]", "\npeople: [nobody]\ndraft: true"))})
    assert main(["build"]) == 1
    assert f"{PROBE_FILE}:8: people: unknown person 'nobody'" in capsys.readouterr().err.splitlines()


# What valid content becomes ------------------------------------------------------------
def site_model(root: Path, drafts: bool = False):
    """The assembled Site, as a build sees it (the first two stages only)."""
    return assemble(load_content(root / "content", shown_path(root / "content")), drafts=drafts)


def test_a_translation_inherits_every_field_it_does_not_set(make_site):
    site = site_model(make_site())
    en, zh = site.stories["en"]["gbsa-centre"], site.stories["zh"]["gbsa-centre"]
    assert not zh.fallback
    assert zh.title.pick("zh", "en") == ("GBSA在重庆设立首个中国创新中心", "zh")
    assert zh.summary.pick("zh", "en") == ("该机构在中国的首个中心落户两江。", "zh")
    assert (zh.date, zh.source, zh.people, zh.orgs, zh.places, zh.tags, zh.draft) == \
           (en.date, en.source, en.people, en.orgs, en.places, en.tags, en.draft)
    assert [(e.date, e.title, e.entities) for e in zh.events] == [(e.date, e.title, e.entities) for e in en.events]
    assert zh.body.startswith("[[kang-sungcheon]]领导的") and zh.body_lang == "zh"


def test_a_translation_that_sets_a_list_replaces_it(make_site):
    site = site_model(make_site({"content/stories/new-door.zh.md": """\
---
title: 京畿道与重庆开启新的大门
people: []
events:
  - date: 2019-11-27
    title: 李在明与唐良智在重庆会面
---
"""}))
    en, zh = site.stories["en"]["new-door"], site.stories["zh"]["new-door"]
    assert len(en.events) == 2
    assert [(e.date.iso(), e.title.pick("zh", "en")) for e in zh.events] == [("2019-11-27", ("李在明与唐良智在重庆会面", "zh"))]
    assert zh.people == () and zh.places == en.places
    assert zh.body == en.body and zh.body_lang == "en"  # an empty body inherits too


def test_an_untranslated_story_falls_back_to_the_original(make_site):
    site = site_model(make_site())
    zh = site.stories["zh"]["new-door"]
    assert zh.fallback and zh.title.pick("zh", "en") == ("Gyeonggi and Chongqing open a new door", "en")


def test_drafts_are_built_only_with_drafts(make_site, capsys):
    root = make_site({PROBE_PATH: probe(("\npeople: [kang-sungcheon]", "\npeople: [kang-sungcheon]\ndraft: true"))})
    assert main(["build"]) == 0
    assert not (root / "public/en/stories/probe").exists()
    assert not (root / "public/zh/stories/probe").exists()
    assert "probe" not in (root / "public/en/feed.xml").read_text("utf-8")
    assert main(["build", "--drafts"]) == 0
    assert (root / "public/en/stories/probe/index.html").is_file()
    assert (root / "public/zh/stories/probe/index.html").is_file()


def body_links(root: Path, page_url: str) -> list[tuple[str, str, str | None]]:
    """(text, file linked, lang) of each link in the story body of a built page."""
    page = parse(root / "public" / page_url / "index.html")
    links = []
    for stack, text in page.texts:
        if in_story_body(stack) and stack[-1][0] == "a":
            attrs = stack[-1][1]
            file, _ = resolve(root / "public", page_url, attrs["href"], "/briefing/")
            links.append((text, file.relative_to(root / "public").as_posix(), attrs.get("lang")))
    return links


def in_story_body(stack: list[tuple[str, dict[str, str]]]) -> bool:
    return any(tag == "div" and "body" in attrs.get("class", "").split() for tag, attrs in stack)


def test_entity_links_show_the_localised_name_or_the_given_text(make_site):
    root = make_site()
    assert main(["build"]) == 0
    assert body_links(root, "en/stories/gbsa-centre/") == [
        ("Kang Sungcheon", "en/people/kang-sungcheon/index.html", None),
        ("the agency", "en/orgs/gbsa/index.html", None),
        ("Chongqing", "en/places/chongqing/index.html", None),
    ]
    assert body_links(root, "zh/stories/gbsa-centre/") == [
        ("Kang Sungcheon", "zh/people/kang-sungcheon/index.html", "en"),  # no Chinese name: the English one, marked
        ("Gyeonggi Business & Science Accelerator", "zh/orgs/gbsa/index.html", "en"),
        ("重庆", "zh/places/chongqing/index.html", None),
    ]
    for _, file, _ in body_links(root, "zh/stories/gbsa-centre/"):
        assert (root / "public" / file).is_file()


def test_a_link_in_code_is_shown_as_code(make_site):
    root = make_site({PROBE_PATH: probe(("Body about [[chongqing]].\n", "Body about [[chongqing]] and `[[gbsa]]`.\n"))})
    assert main(["build"]) == 0
    page = parse(root / "public/en/stories/probe/index.html")
    assert page.text_in(lambda stack: stack and stack[-1][0] == "code") == "[[gbsa]]"


UNSAFE_BODY = """\
Before.

<script>alert('script')</script>

<p onclick="alert('click')" class="kept">Click <b>kept</b></p>

<a href="javascript:alert('href')">bad link</a> <a href="JaVaScRiPt:alert('mixed')">mixed</a>
<img src="photo.png" onerror="alert('error')" alt="a photo">
<iframe src="https://example.org/"></iframe>

After [[chongqing]].
"""


def test_raw_html_is_sanitised_in_the_built_story_page(make_site):
    root = make_site({PROBE_PATH: probe(("Body about [[chongqing]].\n", UNSAFE_BODY))})
    assert main(["build"]) == 0
    page = parse(root / "public/en/stories/probe/index.html")
    body: list[tuple[str, dict[str, str]]] = []
    depth = None
    # elements inside <div class="body">: everything between its start tag and the aside
    for tag, attrs in page.elements:
        if depth is None and tag == "div" and "body" in attrs.get("class", "").split():
            depth = 0
        elif depth is not None:
            if tag in ("footer", "aside"):
                break
            body.append((tag, attrs))
    tags = [tag for tag, _ in body]
    assert "script" not in tags and "iframe" not in tags
    assert ("b", {}) in body and ("p", {"class": "kept"}) in body
    for tag, attrs in page.elements:  # the whole page, not only the body
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        for name in ("href", "src"):
            assert not attrs.get(name, "").strip().lower().startswith("javascript:"), (tag, attrs)
    text = page.text_in(in_story_body)
    assert "alert" not in text
    assert "Before." in text and "bad link" in text and "Click" in text and "Chongqing" in text


DATED_EVENTS = """\
events:
  - date: 2015-10
    title: A month
  - date: 2015-10
    end: 2016-03
    title: A range of months
  - date: 2014
    title: A year
  - date: 2019-11-27
    title: A day
"""


def event_dates(root: Path, page_url: str) -> list[tuple[str, str]]:
    """(datetime attribute, shown text) of each event on a built story page."""
    page = parse(root / "public" / page_url / "index.html")
    found = []
    for stack, text in page.texts:
        if stack and stack[-1][0] == "time" and any(t == "ol" and "event-list" in a.get("class", "") for t, a in stack):
            found.append((stack[-1][1]["datetime"], " ".join(text.split())))
    return found


def built_with_dated_events(make_site) -> Path:
    root = make_site({PROBE_PATH: probe(("events:\n  - date: 2019-11-27\n    title: A meeting\n", DATED_EVENTS))})
    assert main(["build"]) == 0
    return root


def test_partial_dates_are_shown_with_their_precision(make_site):
    root = built_with_dated_events(make_site)
    assert event_dates(root, "en/stories/probe/")[:3] == [
        ("2015-10", "October 2015"), ("2015-10", "October 2015 – March 2016"), ("2014", "2014"),
    ]
    assert event_dates(root, "zh/stories/probe/") == [
        ("2015-10", "2015年10月"), ("2015-10", "2015年10月至2016年3月"), ("2014", "2014年"), ("2019-11-27", "2019年11月27日"),
    ]


def test_full_dates_spell_the_month_in_english(make_site):
    root = built_with_dated_events(make_site)
    assert event_dates(root, "en/stories/probe/")[3] == ("2019-11-27", "November 27, 2019")
