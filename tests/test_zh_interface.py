"""The Chinese interface reads as Chinese: patterns the templates compose, on built pages.

Roles organisation first (京畿道知事, not 知事（京畿道政府）), sources as 来源 with titles in
《》, counts without spaces (2篇报道), full-width punctuation in composed strings.
"""

from __future__ import annotations

from conftest import build_site
from pages import parse

GOVERNMENT = "name: {en: Gyeonggi Provincial Government, zh: 京畿道政府}\nkind: government\nplace: gyeonggi\n"
GOVERNOR = """\
name: {en: Lee Jae-myung, zh: 李在明}
roles:
  - title: {en: Governor, zh: 知事}
    org: gyeonggi-provincial-government
"""
PRESIDENT = """\
name: {en: Kang Sungcheon}
roles:
  - title: {en: President, zh: 院长}
    org: gbsa
"""
ORG_ZH = "name: {en: Gyeonggi Business & Science Accelerator, zh: 京畿道经济科学振兴院}\nkind: agency\nplace: gyeonggi\n"
FILES = {
    "content/orgs/gyeonggi-provincial-government.yaml": GOVERNMENT,
    "content/people/lee-jae-myung.yaml": GOVERNOR,
    "content/people/kang-sungcheon.yaml": PRESIDENT,
    "content/orgs/gbsa.yaml": ORG_ZH,
    "content/places/gyeonggi.yaml": "name: {en: Gyeonggi Province, zh: 京畿道}\nkind: province\n",
}


def built(make_site, files=None):
    root = make_site({**FILES, **(files or {})})
    story = (root / "content/stories/gbsa-centre.en.md").read_text("utf-8")
    (root / "content/stories/gbsa-centre.en.md").write_text(
        story.replace("people: [kang-sungcheon]", "people: [kang-sungcheon, lee-jae-myung]"), "utf-8")
    build_site(root)
    return root / "public"


def squeezed(text: str) -> str:
    return "".join(text.split())  # the parser joins text nodes with spaces


def whos_who(page) -> str:
    return squeezed(page.text_in(lambda stack: any(a.get("class") == "whos-who" for _, a in stack)))


def test_a_role_reads_organisation_first_and_a_governments_office_after_its_place(make_site):
    public = built(make_site)
    zh = whos_who(parse(public / "zh/stories/gbsa-centre/index.html"))
    assert "李在明京畿道知事" in zh and "京畿道政府" not in zh and "（" not in zh
    assert "京畿道经济科学振兴院院长" in zh
    en = " ".join(parse(public / "en/stories/gbsa-centre/index.html").text_in(
        lambda stack: any(a.get("class") == "whos-who" for _, a in stack)).split())
    assert "Governor , Gyeonggi Province" in en
    assert "President , Gyeonggi Business & Science Accelerator" in en
    # the place's name links to the government's page
    page = parse(public / "zh/stories/gbsa-centre/index.html")
    assert page.find("a", href="../../orgs/gyeonggi-provincial-government/", **{"class": "entity-link entity-org"})


def test_an_entity_page_lists_roles_and_members_the_same_way(make_site):
    public = built(make_site)
    person = squeezed(parse(public / "zh/people/lee-jae-myung/index.html").text_in(
        lambda stack: any(a.get("class") == "role-list" for _, a in stack)))
    assert person == "京畿道知事"
    members = squeezed(parse(public / "zh/orgs/gbsa/index.html").text_in(
        lambda stack: any(a.get("class") == "role-list" for _, a in stack)))
    assert members == "院长KangSungcheon"


def test_a_source_is_credited_as_来源_with_its_title_in_book_marks(make_site):
    public = built(make_site)
    page = parse(public / "zh/stories/gbsa-centre/index.html")
    text = squeezed(page.text())
    assert "来源：iChongqing" in text and "据iChongqing" not in text
    assert "《South" in text and "Chongqing》" in text
    assert "署名：DaiYuan" in text


def test_counts_have_no_spaces_around_the_number(make_site):
    public = built(make_site)
    home = parse(public / "zh/index.html").text()
    assert "1篇报道" in home and "1 篇" not in home


def test_a_description_composed_from_kind_and_name_uses_a_full_width_colon(make_site):
    public = built(make_site)
    html = (public / "zh/orgs/gyeonggi-provincial-government/index.html").read_text("utf-8")
    assert '<meta name="description" content="机构 · 政府：京畿道政府">' in html


def test_the_feed_is_called_订阅(make_site):
    public = built(make_site)
    text = parse(public / "zh/index.html").text()
    assert "订阅（Atom）" in text and "Atom 订阅" not in text
