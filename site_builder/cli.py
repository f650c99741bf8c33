"""The command line: parse arguments, call one function, map the outcome to an exit code.

0 success, 1 content or template errors (printed as path:line: message), 2 usage errors.
The same commands are `python -m site_builder …` and the `site-builder` console script;
the options are where users of Hugo and MkDocs look for them (`--version`, `-q`/`-v`,
`--base-url`, `build --clean`, `serve --open`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import sys
import time
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

from typing import TYPE_CHECKING

from site_builder.config import ENTITY_TYPES, LANGUAGES, BuildOptions
from site_builder.errors import ContentError, Problem
from site_builder.faults import EnvironmentFailure, describe
from site_builder.load import shown_path
from site_builder.schema import ID_RE

if TYPE_CHECKING:
    from site_builder.build import BuildReport
# The build pipeline (Jinja2, Markdown, Babel, Pagefind's wrapper) is imported by the commands
# that build: `status`, `new` and `i18n` start without it.

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2
QUIET, NORMAL, VERBOSE = -1, 0, 1
BASE_URL_HINT = "give the address the site will be served at, e.g. --base-url https://preview.example.org/briefing/"


def prog_name() -> str:
    """How the user called us, for usage lines and hints."""
    return "site-builder" if Path(sys.argv[0]).name == "site-builder" else "python -m site_builder"


def base_url(value: str) -> str:
    """`--base-url`: an absolute http(s) URL without query or fragment, normalised to end in '/'."""
    try:
        parts = urlsplit(value)
        valid = (parts.scheme in ("http", "https") and bool(parts.hostname) and not parts.query and not parts.fragment
                 and (parts.port or 0) >= 0  # reading .port checks it
                 and not any(c.isspace() or ord(c) < 32 for c in value))
    except ValueError:  # a port out of range, an unclosed IPv6 bracket
        valid = False
    if not valid:
        raise argparse.ArgumentTypeError(f"'{value}' is not an http(s) URL; {BASE_URL_HINT}")
    return value.rstrip("/") + "/"


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog=prog_name(), description="Build a bilingual briefing site from Markdown and YAML.",
                                  epilog=f"Run '{prog_name()} COMMAND --help' for a command's options. Exit codes: 0 "
                                         "success, 1 content or template errors, 2 usage errors.")
    top.add_argument("--version", action="store_true", help="print the version and exit (with -v: also the libraries')")
    top.add_argument("-v", "--verbose", action="store_true", dest="top_verbose",
                     help="with --version: also the versions of Jinja2, Markdown, PyYAML, Babel, livereload, Pagefind")
    commands = top.add_subparsers(dest="command", metavar="COMMAND")

    def verbosity(p: argparse.ArgumentParser) -> None:
        quiet_or_verbose = p.add_mutually_exclusive_group()
        quiet_or_verbose.add_argument("-q", "--quiet", action="store_const", dest="verbosity", const=QUIET, default=NORMAL,
                                      help="print only errors")
        quiet_or_verbose.add_argument("-v", "--verbose", action="store_const", dest="verbosity", const=VERBOSE,
                                      help="also print the time of each stage and every page written")

    def base_url_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--base-url", type=base_url, metavar="URL",
                       help="the site's address for this run instead of site.yaml's base_url (canonical, hreflang, "
                            "feed, sitemap and JSON-LD URLs), e.g. for a preview deploy")

    def site_paths(p: argparse.ArgumentParser, out: bool = True) -> None:
        p.add_argument("--content", type=Path, default=Path("content"), help="content directory (default: content)")
        p.add_argument("--templates", type=Path, default=Path("templates"), help="templates directory (default: templates)")
        if out:
            p.add_argument("--out", type=Path, default=Path("public"), help="output directory (default: public)")

    p = commands.add_parser("build", help="build the site into --out", description="Build the site into --out, writing only what changed.")
    site_paths(p)
    p.add_argument("--drafts", action="store_true", help="also publish stories marked draft: true")
    p.add_argument("--jobs", type=int, default=0, help="processes for a large build (default: one per core)")
    base_url_option(p)
    p.add_argument("--clean", action="store_true",
                   help="start from nothing: delete .cache/ first, and leave no file in --out that this build did not write")
    verbosity(p)

    p = commands.add_parser("serve", help="build and serve with live reload", description="Build (drafts included), serve the output and rebuild on every save; after each rebuild, print the address of the page of the story saved last.")
    site_paths(p)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    base_url_option(p)
    p.add_argument("--open", action="store_true", help="open the site in the default browser once the first build is done")
    verbosity(p)

    p = commands.add_parser("check", help="validate content and templates, write nothing", description="Validate content, templates and catalogs; write nothing.")
    site_paths(p, out=False)
    p.add_argument("--drafts", action="store_true", help=argparse.SUPPRESS)
    verbosity(p)

    p = commands.add_parser("new", help="scaffold a story, person, org or place", description="Create a new content file that passes check.")
    p.add_argument("kind", choices=["story", "person", "org", "place"], help="what to create")
    p.add_argument("name", nargs="?", help='the story\'s title, or the entity\'s id (e.g. "lee-jae-myung")')
    p.add_argument("--content", type=Path, default=Path("content"), help="content directory (default: content)")
    p.add_argument("--translate", metavar="SLUG", help="start the translations of story SLUG (new story --translate SLUG)")

    p = commands.add_parser("status", help="what is missing or out of date in each translation", description="Translation status: stories (missing, stale, unverified, current), entity names and summaries, UI catalogs.")
    site_paths(p, out=False)
    p.add_argument("--strict", nargs="?", const="stale,missing,unverified", metavar="KINDS", help="exit 1 when any item of these kinds exists (default: stale,missing,unverified; also name, summary, catalog)")
    p.add_argument("--json", action="store_true", help="print the status as JSON")
    p.add_argument("--ack", metavar="SLUG", action="append", help="record that SLUG's translations match the original as it is now (after a change that needs no re-translation)")

    p = commands.add_parser("i18n", help="extract, update, compile or check the translation catalogs", description="Maintain the gettext catalogs under templates/locale.")
    p.add_argument("action", choices=["extract", "update", "compile", "check"], help="extract: write the .pot; update: merge it into each .po; compile: write .mo files; check: fail on untranslated, fuzzy or stale entries")
    p.add_argument("--templates", type=Path, default=Path("templates"), help="templates directory (default: templates)")
    p.add_argument("--content", type=Path, default=Path("content"), help="content directory, for its languages (default: content)")
    return top


def main(argv: list[str] | None = None) -> int:
    top = parser()
    args = top.parse_args(argv)
    if args.version:
        from site_builder.versions import report

        print(report(verbose=args.top_verbose or getattr(args, "verbosity", NORMAL) == VERBOSE))
        return EXIT_OK
    if args.command is None:
        top.error("choose a command")  # exits 2 with the usage line
    if args.top_verbose and getattr(args, "verbosity", None) == NORMAL:
        args.verbosity = VERBOSE  # `-v build` as `build -v`
    try:
        return COMMANDS[args.command](args)
    except ContentError as bad:
        return report_problems(bad.problems)
    except EnvironmentFailure as bad:  # the machine failed, not the content: one line
        print(f"error: {bad}", file=sys.stderr)
        return EXIT_CONTENT
    except BrokenPipeError:  # `build -v | head`: the reader stopped reading; the site is built
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return EXIT_OK
    except OSError as bad:
        print(f"error: {describe(bad)}", file=sys.stderr)
        return EXIT_CONTENT
    except KeyboardInterrupt:
        print("interrupted; the output directory was left whole", file=sys.stderr)
        return 130


def run() -> None:
    """`python -m site_builder` and the `site-builder` console script ([project.scripts])."""
    code = main()
    # Done: leave without freeing the model object by object, which takes a third of a
    # one-story rebuild at 10,000 stories. Everything was written and closed; flush the rest.
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:
        pass
    os._exit(code or 0)


def report_problems(problems: list[Problem]) -> int:
    for problem in problems:
        print(problem, file=sys.stderr)
    count = len(problems)
    print(f"{count} problem{'s' if count != 1 else ''} found; nothing was written.", file=sys.stderr)
    return EXIT_CONTENT


def usage_error(message: str) -> int:
    print(f"error: {message}\nhint: run '{prog_name()} --help'", file=sys.stderr)
    return EXIT_USAGE


def check_dirs(args: argparse.Namespace) -> int | None:
    for name in ("content", "templates"):
        path = getattr(args, name, None)
        if path is not None and not path.is_dir():
            return usage_error(f"--{name} {path}: no such directory")
    return None


def cmd_build(args: argparse.Namespace) -> int:
    from site_builder.build import build, terminal_progress

    if (bad := check_dirs(args)) is not None:
        return bad
    options = BuildOptions(args.content, args.templates, args.out, args.drafts, jobs=args.jobs, base_url=args.base_url)
    before = clean(options) if args.clean else None
    start = time.perf_counter()
    # Progress only for a person watching: never into a CI log or a pipe.
    progress = terminal_progress(start) if sys.stderr.isatty() and args.verbosity > QUIET else None
    try:
        report = build(options, progress)
    finally:
        if progress:
            sys.stderr.write("\r\033[K")
    if args.verbosity == QUIET:
        return EXIT_OK
    print(f"built {shown_path(args.out)}: {report.summary()}")
    if before is not None:
        stale = len(before - output_files(args.out))
        print(f"cleaned: {shown_path(options.cache_dir)}/ deleted, {stale} stale file{'s' if stale != 1 else ''} "
              f"left out of {shown_path(args.out)}")
    if args.verbosity == VERBOSE:
        print_details(report)
    return EXIT_OK


def clean(options: BuildOptions) -> set[str]:
    """`build --clean`: delete the caches, so that the build is a cold one, which replaces the
    output whole (only once it succeeded: a failed build still leaves it as it was).
    Returns the output's files before, to tell how many stale ones are gone."""
    if options.cache_dir is not None and options.cache_dir.exists():
        shutil.rmtree(options.cache_dir)
    return output_files(options.out)


def output_files(out: Path) -> set[str]:
    if not out.is_dir():
        return set()
    return {os.path.relpath(os.path.join(d, f), out) for d, _, files in os.walk(out) for f in files}


def print_details(report: BuildReport) -> None:
    """`-v`: the time of each stage, then every page written and removed."""
    if not report.phases:
        print("  no input changed since the last build: nothing rendered")
        return
    print("  stages: " + ", ".join(f"{name} {ms:.0f} ms" for name, ms in report.phases.items()))
    for name in report.written:
        print(f"  wrote {name}")
    for name in report.removed:
        print(f"  removed {name}")


def cmd_check(args: argparse.Namespace) -> int:
    from site_builder.build import build

    if (bad := check_dirs(args)) is not None:
        return bad
    report = build(BuildOptions(args.content, args.templates, Path("public"), drafts=True, write=False))
    if args.verbosity > QUIET:
        print(f"ok: {report.pages} pages would be built")
    if args.verbosity == VERBOSE:
        print("  stages: " + ", ".join(f"{name} {ms:.0f} ms" for name, ms in report.phases.items()))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    if (bad := check_dirs(args)) is not None:
        return bad
    from site_builder.server import serve

    return serve(args.content, args.templates, args.out, args.host, args.port, base_url=args.base_url,
                 verbosity=args.verbosity, open_browser=args.open)


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].strip("-")


def cmd_new(args: argparse.Namespace) -> int:
    content: Path = args.content
    if not content.is_dir():
        return usage_error(f"--content {content}: no such directory")
    if args.translate or not args.name:
        if args.kind != "story" or not args.translate or args.name:
            return usage_error("give a title or an id, or for a story only --translate SLUG")
        return cmd_translate(args)
    if args.kind == "story":
        slug = slugify(args.name)
        if not slug:
            return usage_error(f"cannot make a file name from {args.name!r}: use some Latin letters or digits")
        path = content / "stories" / f"{slug}.en.md"
        title = args.name.replace('"', '\\"')
        text = (
            "---\n"
            f'title: "{title}"\n'
            f"date: {dt.date.today().isoformat()}\n"
            'summary: "One or two sentences for lists, feeds and social previews."\n'
            "source:\n"
            '  publisher: "Publisher of the original"\n'
            '  title: "Headline of the original"\n'
            "people: []\norgs: []\nplaces: []\ntags: []\n"
            "draft: true\n"
            "---\n"
            "The brief, in Markdown. Link an entity with `[[its-id]]` (without the backticks).\n"
        )
    else:
        if not ID_RE.match(args.name):
            return usage_error(f"{args.name!r} is not an id: use lowercase ASCII letters, digits and hyphens")
        path = content / ENTITY_TYPES[args.kind] / f"{args.name}.yaml"
        existing = [p for f in ENTITY_TYPES.values() for p in [content / f / f"{args.name}.yaml"] if p.exists()]
        if existing:
            print(f"error: {shown_path(existing[0])} already uses the id '{args.name}'", file=sys.stderr)
            return EXIT_CONTENT
        name = " ".join(part.capitalize() for part in args.name.split("-"))
        text = f"name: {{en: \"{name}\"}}\n"
        if args.kind == "person":
            text += "roles: []\n"
        elif args.kind == "org":
            text += "kind: other\n"
        else:
            text += "kind: other\n"
    if path.exists():
        print(f"error: {shown_path(path)} already exists", file=sys.stderr)
        return EXIT_CONTENT
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"created {shown_path(path)}")
    return EXIT_OK


def cmd_i18n(args: argparse.Namespace) -> int:
    from site_builder import i18n
    from site_builder.load import load_site_config

    if not args.templates.is_dir():
        return usage_error(f"--templates {args.templates}: no such directory")
    problems: list[Problem] = []
    config = load_site_config(args.content, shown_path(args.content), problems) if args.content.is_dir() else None
    languages = config.languages if config else tuple(LANGUAGES)
    default = config.default_language if config else "en"
    try:
        if args.action == "extract":
            catalog = i18n.extract(args.templates)
            i18n.write_catalog(i18n.template_path(args.templates), catalog)
            print(f"extracted {len(catalog)} messages to {shown_path(i18n.template_path(args.templates))}")
        elif args.action == "update":
            for path in i18n.update(args.templates, languages):
                print(f"updated {shown_path(path)}")
        elif args.action == "compile":
            for path in i18n.compile_catalogs(args.templates, languages):
                print(f"compiled {shown_path(path)}")
        else:
            found = i18n.check(args.templates, languages, default)
            if found:
                raise ContentError(found)
            print("catalogs complete and up to date")
    except ContentError:
        raise
    except Exception as bad:  # a template syntax error found while extracting
        lineno = getattr(bad, "lineno", 0) or 0
        name = getattr(bad, "filename", None) or getattr(bad, "name", None) or str(args.templates)
        print(f"{name}:{lineno}: {type(bad).__name__}: {getattr(bad, 'message', bad)}", file=sys.stderr)
        return EXIT_CONTENT
    return EXIT_OK


def cmd_translate(args: argparse.Namespace) -> int:
    from site_builder.status import start_translation

    for path in start_translation(args.content, Path("templates"), Path(".cache"), args.translate):
        print(f"created {shown_path(path)}")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from site_builder import status

    if (bad := check_dirs(args)) is not None:
        return bad
    try:
        kinds = status.parse_kinds(args.strict)
    except ValueError as bad:
        return usage_error(str(bad))
    for slug in args.ack or ():
        for path in status.acknowledge(args.content, args.templates, Path(".cache"), slug):
            print(f"acknowledged {shown_path(path)}")
    if args.ack and not (args.json or kinds):
        return EXIT_OK
    found = status.status(args.content, args.templates, Path(".cache"))
    print(status.as_json(found) if args.json else status.table(found))
    failing = found.failing(kinds) if kinds else {}
    if failing:
        print("status --strict: " + ", ".join(f"{n} {kind}" for kind, n in failing.items()), file=sys.stderr)
        return EXIT_CONTENT
    return EXIT_OK


COMMANDS = {"status": cmd_status, "build": cmd_build, "check": cmd_check, "serve": cmd_serve, "new": cmd_new, "i18n": cmd_i18n}
