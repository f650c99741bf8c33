"""Languages at the edges: gettext catalogs and their maintenance (dates: `dates.py`).

The `.po` files under `templates/locale/` are the source; they are compiled in memory at
build time (no `.mo` in git). `extract`, `update`, `compile` and `check` keep them in step
with the templates.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import jinja2
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import Translations

from site_builder.config import LANGUAGES
from site_builder.errors import ContentError, Problem

DOMAIN = "messages"
METHOD_MAP = [("**.html", "jinja2"), ("**.xml", "jinja2")]
EXTRACT_OPTIONS = {"extensions": "jinja2.ext.i18n,site_builder.render.FragmentCache", "silent": "false", "trim_blocks": "true", "lstrip_blocks": "true"}


def catalog_path(templates: Path, lang: str) -> Path:
    return templates / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def template_path(templates: Path) -> Path:
    return templates / "locale" / f"{DOMAIN}.pot"


def load_translations(templates: Path, lang: str, problems: list[Problem]) -> Translations:
    """The language's catalog compiled in memory; a missing or broken one is a problem."""
    path = catalog_path(templates, lang)
    if not path.is_file():
        if lang != "en":
            problems.append(Problem(str(path), 0, f"no catalog for '{lang}' (run: python -m site_builder i18n update)"))
        return Translations()
    try:
        with path.open("rb") as f:
            catalog = read_po(f, locale=LANGUAGES[lang].locale, abort_invalid=True)
    except Exception as bad:  # babel raises PoFileError and others with the line in the text
        problems.append(Problem(str(path), getattr(bad, "lineno", 0), f"cannot read catalog: {bad}"))
        return Translations()
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


# Catalog maintenance --------------------------------------------------------------------
def extract(templates: Path) -> Catalog:
    """Every UI string in the templates; a template syntax error is raised, not skipped."""
    catalog = Catalog(project="site_builder", charset="utf-8", fuzzy=False)
    options = {pattern: EXTRACT_OPTIONS for pattern, _ in METHOD_MAP}
    current: list[str] = [""]  # the file being read, for the error's location
    try:
        for filename, lineno, message, comments, context in extract_from_dir(
            str(templates), METHOD_MAP, options_map=options, strip_comment_tags=True,
            callback=lambda filename, method, options: current.__setitem__(0, filename),
        ):
            catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    except jinja2.TemplateSyntaxError as bad:
        raise ContentError([Problem(str(templates / current[0]), bad.lineno or 0, f"template syntax error: {bad.message}")]) from None
    return catalog


def write_catalog(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=True, omit_header=False, include_lineno=False)
    path.write_bytes(buffer.getvalue())


def update(templates: Path, languages: tuple[str, ...]) -> list[Path]:
    """Extract the .pot and merge it into each language's .po (new strings empty)."""
    template = extract(templates)
    write_catalog(template_path(templates), template)
    written = []
    for lang in languages:
        path = catalog_path(templates, lang)
        if path.is_file():
            with path.open("rb") as f:
                catalog = read_po(f, locale=LANGUAGES[lang].locale)
        else:
            catalog = Catalog(locale=LANGUAGES[lang].locale, project="site_builder", fuzzy=False)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.fuzzy = False
        write_catalog(path, catalog)
        written.append(path)
    return written


def compile_catalogs(templates: Path, languages: tuple[str, ...]) -> list[Path]:
    """Write .mo files beside the .po files (for other tools; the build compiles in memory)."""
    written = []
    for lang in languages:
        path = catalog_path(templates, lang)
        with path.open("rb") as f:
            catalog = read_po(f, locale=LANGUAGES[lang].locale)
        mo = path.with_suffix(".mo")
        with mo.open("wb") as f:
            write_mo(f, catalog)
        written.append(mo)
    return written


def check(templates: Path, languages: tuple[str, ...], default: str) -> list[Problem]:
    """Problems that make a catalog unfit: stale, untranslated, fuzzy or bad placeholders."""
    problems: list[Problem] = []
    template = extract(templates)
    wanted = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in template if m.id}
    for lang in languages:
        path = catalog_path(templates, lang)
        shown = str(path)
        if not path.is_file():
            problems.append(Problem(shown, 0, "catalog missing (run: python -m site_builder i18n update)"))
            continue
        with path.open("rb") as f:
            catalog = read_po(f, locale=LANGUAGES[lang].locale)
        have = {}
        for message in catalog:
            if message.id:
                have[(message.id if isinstance(message.id, str) else message.id[0], message.context)] = message
        for key in sorted(wanted - have.keys(), key=str):
            problems.append(Problem(shown, 0, f"stale catalog: {key[0]!r} is used in the templates but missing here (run: python -m site_builder i18n update)"))
        for key in sorted(have.keys() - wanted, key=str):
            problems.append(Problem(shown, have[key].lineno, f"stale catalog: {key[0]!r} is no longer used in the templates (run: python -m site_builder i18n update)"))
        for message in catalog.obsolete.values():
            problems.append(Problem(shown, message.lineno, f"obsolete entry {message.id!r}: remove it (run: python -m site_builder i18n update)"))
        for message, errors in catalog.check():
            for error in errors:
                problems.append(Problem(shown, message.lineno, f"placeholder error in {message.id!r}: {error}"))
        if lang == default:
            continue
        for message in catalog:
            if not message.id:
                continue
            if message.fuzzy:
                problems.append(Problem(shown, message.lineno, f"fuzzy translation of {message.id!r}: review it and remove the fuzzy flag"))
            strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
            if not all(strings):
                problems.append(Problem(shown, message.lineno, f"untranslated: {message.id!r}"))
    return problems


@dataclass(frozen=True)
class CatalogSet:
    """The compiled translations of every language, with a digest for page signatures."""

    translations: dict[str, Translations]
    digests: dict[str, str]


def load_catalogs(templates: Path, languages: tuple[str, ...], problems: list[Problem]) -> CatalogSet:
    import hashlib

    translations, digests = {}, {}
    for lang in languages:
        translations[lang] = load_translations(templates, lang, problems)
        path = catalog_path(templates, lang)
        digests[lang] = hashlib.sha1(path.read_bytes()).hexdigest() if path.is_file() else ""
    return CatalogSet(translations, digests)
