"""Languages at the edges: gettext catalogs, one Jinja Environment per language (dates: `dates.py`).

The `.po` files under `templates/locale/` are the source; they are compiled in memory at
build time (no `.mo` in git). `extract`, `update`, `compile` and `check` keep them in step
with the templates. Each language's Environment is made here, with its catalog installed
and the speed-ups every page's rendering goes through (`PageTemplateContext`,
`FragmentCache`, `fast_gettext`).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import BuiltinFunctionType, FunctionType, MethodType

import jinja2
import jinja2.runtime
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import Translations
from jinja2 import nodes
from jinja2.ext import Extension
from markupsafe import Markup
from markupsafe import escape as markupsafe_escape

from site_builder.config import LANGUAGES
from site_builder.errors import ContentError, Problem
from site_builder.trust import SealedBytecodeCache

DOMAIN = "messages"
METHOD_MAP = [("**.html", "jinja2"), ("**.xml", "jinja2")]
EXTRACT_OPTIONS = {"extensions": "jinja2.ext.i18n,site_builder.i18n.FragmentCache", "silent": "false", "trim_blocks": "true", "lstrip_blocks": "true"}


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
    return [problem for _, _, problem in catalog_issues(templates, languages, default)]


def catalog_issues(templates: Path, languages: tuple[str, ...], default: str) -> list[tuple[str, str, Problem]]:
    """(language, kind, problem) for every issue `check` reports; kind is 'stale' (also a
    missing catalog or an obsolete entry), 'untranslated', 'fuzzy' or 'placeholder', so that
    `status` can count them."""
    problems: list[tuple[str, str, Problem]] = []
    template = extract(templates)
    wanted = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in template if m.id}
    for lang in languages:
        path = catalog_path(templates, lang)
        shown = str(path)
        if not path.is_file():
            problems.append((lang, "stale", Problem(shown, 0, "catalog missing (run: python -m site_builder i18n update)")))
            continue
        with path.open("rb") as f:
            catalog = read_po(f, locale=LANGUAGES[lang].locale)
        have = {}
        for message in catalog:
            if message.id:
                have[(message.id if isinstance(message.id, str) else message.id[0], message.context)] = message
        for key in sorted(wanted - have.keys(), key=str):
            problems.append((lang, "stale", Problem(shown, 0, f"stale catalog: {key[0]!r} is used in the templates but missing here (run: python -m site_builder i18n update)")))
        for key in sorted(have.keys() - wanted, key=str):
            problems.append((lang, "stale", Problem(shown, have[key].lineno, f"stale catalog: {key[0]!r} is no longer used in the templates (run: python -m site_builder i18n update)")))
        for message in catalog.obsolete.values():
            problems.append((lang, "stale", Problem(shown, message.lineno, f"obsolete entry {message.id!r}: remove it (run: python -m site_builder i18n update)")))
        for message, errors in catalog.check():
            for error in errors:
                problems.append((lang, "placeholder", Problem(shown, message.lineno, f"placeholder error in {message.id!r}: {error}")))
        if lang == default:
            continue
        for message in catalog:
            if not message.id:
                continue
            if message.fuzzy:
                problems.append((lang, "fuzzy", Problem(shown, message.lineno, f"fuzzy translation of {message.id!r}: review it and remove the fuzzy flag")))
            strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
            if not all(strings):
                problems.append((lang, "untranslated", Problem(shown, message.lineno, f"untranslated: {message.id!r}")))
    return problems


@dataclass(frozen=True)
class CatalogSet:
    """The compiled translations of every language, with a digest for page signatures."""

    translations: dict[str, Translations]
    digests: dict[str, str]


def load_catalogs(templates: Path, languages: tuple[str, ...], problems: list[Problem]) -> CatalogSet:
    translations, digests = {}, {}
    for lang in languages:
        translations[lang] = load_translations(templates, lang, problems)
        path = catalog_path(templates, lang)
        digests[lang] = hashlib.sha1(path.read_bytes()).hexdigest() if path.is_file() else ""
    return CatalogSet(translations, digests)


# One Jinja Environment per language ------------------------------------------------------
class PageTemplateContext(jinja2.runtime.Context):
    """Jinja's context with a quicker `call`: every helper or macro call in a template goes
    through it (~250 a story page), and Jinja's asks four `hasattr` questions each time to
    learn whether to pass the context. The answer depends only on the function, so it is
    remembered per function, in the Environment (one per language and build); built-ins and
    macros never take one; anything else takes Jinja's own way."""

    def call(__self, __obj, *args, **kwargs):  # noqa: N805 (Jinja's signature)
        kind = type(__obj)
        if kind is BuiltinFunctionType or kind is jinja2.runtime.Macro:
            plain = True  # `list.append` and the like are new objects each time: not remembered
        elif kind is FunctionType or kind is MethodType:
            function = __obj.__func__ if kind is MethodType else __obj
            known = __self.environment.plain_calls
            plain = known.get(function)
            if plain is None:
                plain = known[function] = not hasattr(function, "jinja_pass_arg")
        else:
            plain = False
        if not plain:
            return super().call(__obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined("value was undefined because a callable raised a StopIteration exception")


def escape(value, /) -> Markup:
    """markupsafe.escape, without its copy of what is already Markup.

    Every `{{ … }}` of an autoescaped template goes through `escape`, and most of a page's
    are helpers' Markup (links, names, translated strings: ~230 a story page); markupsafe
    makes each a new, equal Markup through two `__html__` calls. A Markup is immutable, so
    the value itself is the same answer.
    """
    if type(value) is Markup:
        return value
    return markupsafe_escape(value)


class PageTemplate(jinja2.Template):
    """Jinja's Template, its compiled code using `escape` above (a module namespace of its own)."""

    @classmethod
    def _from_namespace(cls, environment, namespace, globals):
        namespace["escape"] = escape
        return super()._from_namespace(environment, namespace, globals)


class FragmentCache(Extension):
    """`{% cache key, ... %}…{% endcache %}`: the body is rendered once per build and key.

    For the parts of the base template every page repeats (navigation, footer: a quarter of
    a story page's time): the key must name everything the body depends on besides the
    language (one Environment per language), and the body must not look up entities
    (the lookups of later pages would not be recorded). Jinja's documented extension example.
    """

    tags = {"cache"}

    def __init__(self, environment: jinja2.Environment):
        super().__init__(environment)
        environment.extend(fragment_cache={})

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        key = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            key.append(parser.parse_expression())
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_cached", [nodes.List(key)]), [], [], body).set_lineno(lineno)

    def _cached(self, key: list, caller: Callable[[], str]) -> str:
        store, key = self.environment.fragment_cache, tuple(key)
        found = store.get(key)
        if found is None:
            found = store[key] = caller()
        return found


def make_environment(templates: Path, lang: str | None, catalogs: CatalogSet,
                     bytecode_dir: Path | None = None) -> jinja2.Environment:
    """One Environment per language. Compiled templates are cached on disk when a cache
    directory is given (Jinja keys them by the source's checksum): compiling is most of a
    one-page rebuild."""
    cache = None
    if bytecode_dir is not None:
        bytecode_dir.mkdir(parents=True, exist_ok=True)
        # never loads code it did not write, nor code compiled against another version of this module
        cache = SealedBytecodeCache(str(bytecode_dir), hashlib.sha1(Path(__file__).read_bytes()).hexdigest()[:16])
    env = jinja2.Environment(
        bytecode_cache=cache,
        loader=jinja2.FileSystemLoader(str(templates)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n", FragmentCache],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one Environment per build: no template changes under it
    )
    env.context_class = PageTemplateContext
    env.template_class = PageTemplate
    env.extend(plain_calls={})
    translations = catalogs.translations[lang or "en"]
    env.install_gettext_translations(translations, newstyle=True)
    env.globals.update(fast_gettext(translations))
    return env


def fast_gettext(translations) -> dict[str, Callable]:
    """Jinja's newstyle gettext, without its three nested context calls per string.

    Same results (autoescaped, always %-formatted), but plain functions and a memo for
    strings without variables: a page calls `_()` dozens of times, on every page.
    """
    memo: dict[str, Markup] = {}

    def gettext(string: str, /, **variables) -> Markup:
        if not variables:
            found = memo.get(string)
            if found is None:
                found = memo[string] = Markup(translations.gettext(string)) % {}
            return found
        return Markup(translations.gettext(string)) % variables

    def ngettext(singular: str, plural: str, num: int, /, **variables) -> Markup:
        variables.setdefault("num", num)
        return Markup(translations.ngettext(singular, plural, num)) % variables

    return {"gettext": gettext, "_": gettext, "ngettext": ngettext}


def environments(templates: Path, catalogs: CatalogSet, languages: tuple[str, ...], default: str,
                 bytecode_dir: Path | None = None) -> dict[str | None, jinja2.Environment]:
    """The Environment of each language; pages of no language (None) use the default's."""
    envs: dict[str | None, jinja2.Environment] = {
        lang: make_environment(templates, lang, catalogs, bytecode_dir) for lang in languages}
    envs[None] = envs[default]
    return envs
