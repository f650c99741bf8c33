#!/usr/bin/env python3
"""Convert a site_builder corpus into two Pelican projects (en and zh).

    python benchmarks/pelican/convert.py CORPUS_DIR SITE_DIR

Pelican has no per-language sites without the heavy i18n_subsites plugin, so each
language is its own Pelican run over SITE_DIR/content_en or SITE_DIR/content_zh, with
SITE_DIR/pelicanconf.py reading PELICAN_LANG. People, organisations and places become
tags (`p-<id>`, `o-<id>`, `l-<id>`; topics are `t-<tag>`), so each entity page is a tag
page; the entity data (names, roles, parents) is in SITE_DIR/entities.json, loaded by
pelicanconf.py into the ENTITIES template global. Events and the source are JSON in the
metadata (decoded by a `fromjson` filter). `[[id]]` links become plain Markdown links here,
as Pelican has no shortcodes. An untranslated story gets the English text in the zh run.
"""
from __future__ import annotations

import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from corpus import LANGS, LINK_RE, Corpus, date_str, first_day, last_day, loc  # noqa: E402

PREFIX = {"people": "p", "orgs": "o", "places": "l"}


def meta_line(k, v):
    v = str(v).replace("\n", " ")
    return f"{k}: {v}\n"


def convert(corpus_dir, site):
    c = Corpus(corpus_dir)
    if os.path.exists(site):
        shutil.rmtree(site)
    os.makedirs(site)
    shutil.copytree(os.path.join(HERE, "theme"), os.path.join(site, "theme"))
    shutil.copy(os.path.join(HERE, "pelicanconf.py"), site)
    ents = {}
    for eid, (kind, d) in c.entities.items():
        e = {"kind": kind, "tag": f"{PREFIX[kind]}-{eid}", "name": d["name"],
             "summary": d.get("summary")}
        for k in ("short", "parent", "place", "url", "aliases"):
            if k in d:
                e[k] = d[k]
        if kind != "people":
            e["ekind"] = d.get("kind")
        if kind == "people":
            e["roles"] = [{"title": r["title"], "org": r["org"],
                           "start": date_str(r["start"]) if "start" in r else None,
                           "end": date_str(r["end"]) if "end" in r else None,
                           "from": first_day(r["start"]) if "start" in r else "0000-01-01",
                           "to": last_day(r["end"]) if "end" in r else "9999-12-31"}
                          for r in d.get("roles", [])]
        ents[eid] = e
    site_meta = {"title": c.site["title"], "tagline": c.site["tagline"],
                 "base_url": c.site["base_url"].rstrip("/"),
                 "tags": dict(c.site.get("tags") or {})}
    for versions in c.stories.values():  # tags without a display name show their id
        for t in versions["en"][0].get("tags") or []:
            site_meta["tags"].setdefault(t, t)
    with open(os.path.join(site, "entities.json"), "w", encoding="utf-8") as f:
        json.dump({"site": site_meta, "entities": ents}, f, ensure_ascii=False, sort_keys=True)

    for lang in LANGS:
        root = os.path.join(site, f"content_{lang}")
        os.makedirs(os.path.join(root, "stories"))
        os.makedirs(os.path.join(root, "pages"))
        with open(os.path.join(root, "pages", "404.md"), "w", encoding="utf-8") as f:
            f.write("Title: 404\nSlug: 404\nSave_as: 404.html\nStatus: hidden\n\n"
                    + ("Page not found." if lang == "en" else "页面不存在。") + "\n")

        def link(m, lang=lang):
            eid, text = m.group(1), m.group(2)
            e = ents[eid]
            name = text if text is not None else loc(e["name"], lang)[0]
            return f"[{name}](/{lang}/tags/{e['tag']}/)"

        for slug, versions in c.stories.items():
            fm, body, fallback = versions[lang]
            if fm.get("draft"):
                continue  # not published (Pelican's own drafts need a category; same output)
            tags = [ents[i]["tag"] for k in ("people", "orgs", "places") for i in fm.get(k) or []]
            tags += [f"t-{t}" for t in fm.get("tags") or []]
            events = []
            for ev in fm.get("events") or []:
                e = {"date": date_str(ev["date"]), "end": date_str(ev["end"]) if "end" in ev else None,
                     "title": loc(ev["title"], lang)[0]}
                for k in ("people", "orgs", "places"):
                    e[k] = ev.get(k) or []
                events.append(e)
            out = ["Title: " + fm["title"] + "\n", meta_line("Date", date_str(fm["date"])),
                   meta_line("Slug", slug), meta_line("Lang", lang),
                   meta_line("Summary", fm["summary"]),
                   meta_line("Tags", ", ".join(tags)),
                   meta_line("Source", json.dumps(fm["source"], ensure_ascii=False)),
                   meta_line("Events", json.dumps(events, ensure_ascii=False))]
            if fallback:
                out.append("Fallback: true\n")
            with open(os.path.join(root, "stories", slug + ".md"), "w", encoding="utf-8") as f:
                f.write("".join(out) + "\n" + LINK_RE.sub(link, body))
    return c


def main(argv=None):
    argv = argv if argv is not None else sys.argv[1:]
    if len(argv) != 2:
        raise SystemExit(__doc__)
    c = convert(argv[0], argv[1])
    print(f"pelican sites for {len(c.stories)} stories in {argv[1]}", file=sys.stderr)


if __name__ == "__main__":
    main()
