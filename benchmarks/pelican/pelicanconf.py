# Pelican settings for the benchmark; one run per language: PELICAN_LANG=en|zh.
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
LANG = os.environ.get("PELICAN_LANG", "en")
with open(os.path.join(HERE, "entities.json"), encoding="utf-8") as _f:
    _data = json.load(_f)


def _loc(t, lang=LANG):
    if t is None or isinstance(t, str):
        return t
    return t.get(lang) or t.get("en")


ENTITIES = _data["entities"]
BY_TAG = {e["tag"]: dict(e, id=i) for i, e in ENTITIES.items()}
for _t, _n in _data["site"]["tags"].items():
    BY_TAG[f"t-{_t}"] = {"kind": "tags", "name": _n, "id": _t}
# reverse relations, computed once per run (Hugo computes them in a cached partial)
RELATIONS = {}
for _i, _e in ENTITIES.items():
    for _r in _e.get("roles", []):
        RELATIONS.setdefault(_r["org"], {}).setdefault("members", []).append(_i)
    if _e.get("parent"):
        RELATIONS.setdefault(_e["parent"], {}).setdefault("children", []).append(_i)
    if _e["kind"] == "orgs" and _e.get("place"):
        RELATIONS.setdefault(_e["place"], {}).setdefault("located", []).append(_i)

SITENAME = _loc(_data["site"]["title"])
TAGLINE = _loc(_data["site"]["tagline"])
BASE_URL = _data["site"]["base_url"]
SITEURL = f"{BASE_URL}/{LANG}"
DEFAULT_LANG = LANG
OTHER_LANG = "zh" if LANG == "en" else "en"
HTML_LANG = {"en": "en", "zh": "zh-Hans"}
TIMEZONE = "UTC"
PATH = os.path.join(HERE, f"content_{LANG}")
ARTICLE_PATHS = ["stories"]
PAGE_PATHS = ["pages"]
THEME = os.path.join(HERE, "theme")
THEME_STATIC_PATHS = ["static"]
STATIC_PATHS = []
CACHE_PATH = os.environ.get("PELICAN_CACHE", os.path.join(HERE, f".cache-{LANG}"))
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CONTENT_CACHING_LAYER = "reader"
DEFAULT_PAGINATION = False
DEFAULT_DATE_FORMAT = "%Y-%m-%d" if LANG == "en" else "%Y年%m月%d日"
SLUGIFY_SOURCE = "basename"
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.meta": {},
        "markdown.extensions.sane_lists": {},
        "markdown.extensions.toc": {},
    },
    "output_format": "html5",
}

ARTICLE_URL = "stories/{slug}/"
ARTICLE_SAVE_AS = "stories/{slug}/index.html"
ARTICLE_LANG_URL = ARTICLE_URL
ARTICLE_LANG_SAVE_AS = ARTICLE_SAVE_AS
DRAFT_SAVE_AS = ""
DRAFT_LANG_SAVE_AS = ""
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
TAG_URL = "tags/{slug}/"
TAG_SAVE_AS = "tags/{slug}/index.html"
TAGS_SAVE_AS = "tags/index.html"
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
YEAR_ARCHIVE_SAVE_AS = ""
MONTH_ARCHIVE_SAVE_AS = ""
ARCHIVES_SAVE_AS = "stories/index.html"
INDEX_SAVE_AS = "index.html"
DIRECT_TEMPLATES = ["index", "archives", "tags", "people", "orgs", "places", "timeline",
                    "sitemap"]
PEOPLE_SAVE_AS = "people/index.html"
ORGS_SAVE_AS = "orgs/index.html"
PLACES_SAVE_AS = "places/index.html"
TIMELINE_SAVE_AS = "timeline/index.html"
SITEMAP_SAVE_AS = "sitemap.xml"

FEED_DOMAIN = SITEURL
FEED_ALL_ATOM = "feed.xml"
FEED_ALL_RSS = None
FEED_MAX_ITEMS = None
RSS_FEED_SUMMARY_ONLY = True
CATEGORY_FEED_ATOM = None
CATEGORY_FEED_RSS = None
TAG_FEED_ATOM = "tags/{slug}/feed.xml"  # entity feeds, like site_builder
TAG_FEED_RSS = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
TRANSLATION_FEED_RSS = None

UI = {
    "en": {"stories": "Stories", "people": "People", "orgs": "Organisations", "places": "Places",
           "timeline": "Timeline", "tags": "Topics", "source": "Source", "whos_who": "Who's who",
           "events": "Events", "previous": "Previous", "next": "Next", "related": "Related",
           "roles": "Roles", "members": "Members", "children": "Includes", "parent": "Part of",
           "located": "Organisations here", "mentioned_in": "Stories that mention it",
           "fallback": "This story has not been translated yet; the English text is shown.",
           "other_language": "Read in Chinese", "latest": "Latest stories",
           "highlights": "Timeline highlights", "key_entities": "Key entities"},
    "zh": {"stories": "简讯", "people": "人物", "orgs": "机构", "places": "地点", "timeline": "大事记",
           "tags": "主题", "source": "来源", "whos_who": "相关人物", "events": "事件",
           "previous": "上一篇", "next": "下一篇", "related": "相关条目", "roles": "职务",
           "members": "成员", "children": "下属", "parent": "上级", "located": "当地机构",
           "mentioned_in": "相关简讯", "fallback": "本文尚未翻译，以下显示英文原文。",
           "other_language": "Read in English", "latest": "最新简讯", "highlights": "大事记要点",
           "key_entities": "主要人物与机构"},
}[LANG]


def _fmt_date(s):
    parts = str(s).split("-")
    if LANG == "zh":
        return "".join(p + u for p, u in zip(parts, ("年", "月", "日")))
    import calendar
    if len(parts) == 1:
        return parts[0]
    month = calendar.month_name[int(parts[1])]
    return f"{month} {int(parts[2])}, {parts[0]}" if len(parts) == 3 else f"{month} {parts[0]}"


JINJA_FILTERS = {"fromjson": json.loads, "loc": _loc, "fmtdate": _fmt_date}
