#!/usr/bin/env python3
"""Convert a site_builder corpus into an equivalent multilingual Hugo site.

    python benchmarks/hugo/convert.py CORPUS_DIR SITE_DIR

SITE_DIR gets hugo.toml, layouts/, i18n/, static/ (copied from this folder) and
content/en, content/zh:
  stories/<slug>.md            one page per story and language (JSON front matter; the zh
                               page inherits the English fields, an untranslated story gets
                               the English text with `fallback: true`, like site_builder)
  people|orgs|places/<id>/_index.md   term pages of the people/orgs/places taxonomies,
                               carrying the entity's data (names, summary, roles, parent…)
  tags/<tag>/_index.md         tag display names
  timeline/_index.md, stories/_index.md, _index.md   list pages
`[[id]]` / `[[id|text]]` become the `e` shortcode, which looks the entity up at build time.
Only resolution of the content format happens here; all rendering is Hugo's.
"""
from __future__ import annotations

import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from corpus import LANGS, LINK_RE, Corpus, date_str, first_day, last_day, loc  # noqa: E402

UI_TITLES = {
    "stories": {"en": "Stories", "zh": "简讯"},
    "people": {"en": "People", "zh": "人物"},
    "orgs": {"en": "Organisations", "zh": "机构"},
    "places": {"en": "Places", "zh": "地点"},
    "tags": {"en": "Topics", "zh": "主题"},
    "timeline": {"en": "Timeline", "zh": "大事记"},
}


def write(path, fm, body=""):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(fm, ensure_ascii=False, sort_keys=True))
        f.write("\n\n")
        f.write(body)


def shortcodes(body, corpus):
    def rep(m):
        eid, text = m.group(1), m.group(2)
        path = f"/{corpus.kind_of(eid)}/{eid}"
        if text is None:
            return '{{< e "%s" >}}' % path
        return '{{< e "%s" %s >}}' % (path, json.dumps(text, ensure_ascii=False))
    return LINK_RE.sub(rep, body)


def convert(corpus_dir, site):
    c = Corpus(corpus_dir)
    if os.path.exists(site):
        shutil.rmtree(site)
    os.makedirs(site)
    for sub in ("layouts", "i18n", "static"):
        shutil.copytree(os.path.join(HERE, sub), os.path.join(site, sub))
    with open(os.path.join(HERE, "hugo.toml"), encoding="utf-8") as f:
        cfg = f.read()
    title = c.site["title"]
    tagline = c.site["tagline"]
    cfg = cfg.replace("@BASE_URL@", c.site["base_url"])
    for lang in LANGS:
        cfg = cfg.replace(f"@TITLE_{lang}@", json.dumps(loc(title, lang)[0], ensure_ascii=False))
        cfg = cfg.replace(f"@TAGLINE_{lang}@", json.dumps(loc(tagline, lang)[0], ensure_ascii=False))
    with open(os.path.join(site, "hugo.toml"), "w", encoding="utf-8") as f:
        f.write(cfg)

    for lang in LANGS:
        root = os.path.join(site, "content", lang)
        write(os.path.join(root, "_index.md"), {"title": loc(title, lang)[0]})
        for sec, t in UI_TITLES.items():
            write(os.path.join(root, sec, "_index.md"), {"title": t[lang]})
        # entities
        for eid, (kind, d) in c.entities.items():
            name, name_lang = loc(d["name"], lang)
            fm = {"title": name, "name_lang": name_lang, "outputs": ["html", "atom"],
                  "name_en": d["name"].get("en") if isinstance(d["name"], dict) else d["name"],
                  "name_zh": d["name"].get("zh") if isinstance(d["name"], dict) else None}
            if d.get("summary"):
                fm["summary"], fm["summary_lang"] = loc(d["summary"], lang)
            if kind == "people":
                roles = []
                for r in d.get("roles", []):
                    role = {"title": loc(r["title"], lang)[0], "org": r["org"]}
                    if "start" in r:
                        role["start"] = date_str(r["start"])
                    if "end" in r:
                        role["end"] = date_str(r["end"])
                    role["from"] = first_day(r["start"]) if "start" in r else "0000-01-01"
                    role["to"] = last_day(r["end"]) if "end" in r else "9999-12-31"
                    roles.append(role)
                fm["roles"] = roles
                if d.get("aliases"):
                    fm["other_names"] = d["aliases"]
            elif kind == "orgs":
                for k in ("short", "kind", "parent", "place"):
                    if k in d:
                        fm[k] = d[k]
                if "url" in d:
                    fm["website"] = d["url"]
            else:
                fm["kind"] = d["kind"]
                if d.get("parent"):
                    fm["parent"] = d["parent"]
            write(os.path.join(root, kind, eid, "_index.md"), fm)
        for tag in sorted(c.site.get("tags") or {}):
            write(os.path.join(root, "tags", tag, "_index.md"), {"title": c.tag_name(tag, lang)})
        # stories
        for slug, versions in c.stories.items():
            fm, body, fallback = versions[lang]
            out = {"title": fm["title"], "date": date_str(fm["date"]), "summary": fm["summary"],
                   "source": fm["source"]}
            for k in ("people", "orgs", "places", "tags"):
                if fm.get(k):
                    out[k] = fm[k]
            if fm.get("draft"):
                out["draft"] = True
            if fallback:
                out["fallback"] = True
            evs = []
            for ev in fm.get("events") or []:
                e = {"date": date_str(ev["date"])}
                if "end" in ev:
                    e["end"] = date_str(ev["end"])
                e["title"], tl = loc(ev["title"], lang)
                if tl != lang:
                    e["title_lang"] = tl
                for k in ("people", "orgs", "places"):
                    if ev.get(k):
                        e[k] = ev[k]
                evs.append(e)
            if evs:
                out["events"] = evs
            write(os.path.join(root, "stories", slug + ".md"), out, shortcodes(body, c))
    return c


def main(argv=None):
    argv = argv if argv is not None else sys.argv[1:]
    if len(argv) != 2:
        raise SystemExit(__doc__)
    c = convert(argv[0], argv[1])
    print(f"hugo site for {len(c.stories)} stories in {argv[1]}", file=sys.stderr)


if __name__ == "__main__":
    main()
