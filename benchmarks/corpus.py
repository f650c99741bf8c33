"""Read a corpus in site_builder's content format (for the Hugo and Pelican converters).

This is deliberately small: the corpus comes from gen_corpus.py and is assumed valid.
"""
from __future__ import annotations

import calendar
import datetime as dt
import os
import re

import yaml

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

LINK_RE = re.compile(r"\[\[([a-z0-9-]+)(?:\|([^\]]*))?\]\]")
LANGS = ("en", "zh")
DEFAULT = "en"


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=_Loader) or {}


def split_front_matter(text):
    if not text.startswith("---\n"):
        raise ValueError("no front matter")
    end = text.index("\n---\n", 3)
    return yaml.load(text[4:end], Loader=_Loader) or {}, text[end + 5:]


def loc(t, lang):
    """Localise a translatable text: (text, language actually used)."""
    if t is None:
        return None, None
    if isinstance(t, str):
        return t, DEFAULT
    if t.get(lang):
        return t[lang], lang
    return t.get(DEFAULT), DEFAULT


def date_str(v):
    if isinstance(v, (dt.date, dt.datetime)):
        return v.strftime("%Y-%m-%d")
    return str(v)


def first_day(v):
    s = date_str(v).split("-")
    return f"{int(s[0]):04d}-{int(s[1]) if len(s) > 1 else 1:02d}-{int(s[2]) if len(s) > 2 else 1:02d}"


def last_day(v):
    s = [int(x) for x in date_str(v).split("-")]
    if len(s) == 3:
        return f"{s[0]:04d}-{s[1]:02d}-{s[2]:02d}"
    m = s[1] if len(s) > 1 else 12
    return f"{s[0]:04d}-{m:02d}-{calendar.monthrange(s[0], m)[1]:02d}"


class Corpus:
    def __init__(self, root):
        self.root = root
        self.site = load_yaml(os.path.join(root, "site.yaml"))
        self.entities = {}  # id -> (kind, data)
        for kind in ("people", "orgs", "places"):
            d = os.path.join(root, kind)
            for name in sorted(os.listdir(d)):
                if name.endswith(".yaml"):
                    self.entities[name[:-5]] = (kind, load_yaml(os.path.join(d, name)))
        self.stories = {}  # slug -> {lang: (fm, body, fallback)}
        sd = os.path.join(root, "stories")
        names = sorted(os.listdir(sd))
        for name in names:
            if not name.endswith(".en.md"):
                continue
            slug = name[:-6]
            with open(os.path.join(sd, name), encoding="utf-8") as f:
                fm, body = split_front_matter(f.read())
            out = {"en": (fm, body, False)}
            zh = os.path.join(sd, slug + ".zh.md")
            if os.path.exists(zh):
                with open(zh, encoding="utf-8") as f:
                    zfm, zbody = split_front_matter(f.read())
                merged = dict(fm)
                merged.update(zfm)
                out["zh"] = (merged, zbody, False)
            else:
                out["zh"] = (fm, body, True)
            self.stories[slug] = out

    def kind_of(self, eid):
        return self.entities[eid][0]

    def name(self, eid, lang):
        return loc(self.entities[eid][1]["name"], lang)[0]

    def tag_name(self, tag, lang):
        t = (self.site.get("tags") or {}).get(tag)
        return loc(t, lang)[0] if t else tag
