"""The command line: parse arguments, call one function, map the outcome to an exit code.

0 success, 1 content or template errors (printed as path:line: message), 2 usage errors.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import time
import unicodedata
from pathlib import Path

from site_builder.build import BuildOptions, build, shown_path, terminal_progress
from site_builder.config import ENTITY_TYPES, LANGUAGES
from site_builder.errors import ContentError, Problem
from site_builder.schema import ID_RE

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m site_builder", description="Build a bilingual briefing site from Markdown and YAML.")
    commands = top.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def site_paths(p: argparse.ArgumentParser, out: bool = True) -> None:
        p.add_argument("--content", type=Path, default=Path("content"), help="content directory (default: content)")
        p.add_argument("--templates", type=Path, default=Path("templates"), help="templates directory (default: templates)")
        if out:
            p.add_argument("--out", type=Path, default=Path("public"), help="output directory (default: public)")

    p = commands.add_parser("build", help="build the site into --out", description="Build the site into --out, writing only what changed.")
    site_paths(p)
    p.add_argument("--drafts", action="store_true", help="also publish stories marked draft: true")
    p.add_argument("--jobs", type=int, default=0, help="processes for a large build (default: one per core)")

    p = commands.add_parser("serve", help="build and serve with live reload", description="Build (drafts included), serve the output and rebuild on every save.")
    site_paths(p)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")

    p = commands.add_parser("check", help="validate content and templates, write nothing", description="Validate content, templates and catalogs; write nothing.")
    site_paths(p, out=False)
    p.add_argument("--drafts", action="store_true", help=argparse.SUPPRESS)

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
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ContentError as bad:
        return report_problems(bad.problems)
    except KeyboardInterrupt:
        return 130


def report_problems(problems: list[Problem]) -> int:
    for problem in problems:
        print(problem, file=sys.stderr)
    count = len(problems)
    print(f"{count} problem{'s' if count != 1 else ''} found; nothing was written.", file=sys.stderr)
    return EXIT_CONTENT


def usage_error(message: str) -> int:
    print(f"error: {message}\nhint: run 'python -m site_builder --help'", file=sys.stderr)
    return EXIT_USAGE


def check_dirs(args: argparse.Namespace) -> int | None:
    for name in ("content", "templates"):
        path = getattr(args, name, None)
        if path is not None and not path.is_dir():
            return usage_error(f"--{name} {path}: no such directory")
    return None


def cmd_build(args: argparse.Namespace) -> int:
    if (bad := check_dirs(args)) is not None:
        return bad
    start = time.perf_counter()
    progress = terminal_progress(start) if sys.stderr.isatty() else None
    report = build(BuildOptions(args.content, args.templates, args.out, args.drafts, jobs=args.jobs), progress)
    if progress:
        sys.stderr.write("\r\033[K")
    print(f"built {shown_path(args.out)}: {report.summary()}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    if (bad := check_dirs(args)) is not None:
        return bad
    report = build(BuildOptions(args.content, args.templates, Path("public"), drafts=True, write=False))
    print(f"ok: {report.pages} pages would be built")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    if (bad := check_dirs(args)) is not None:
        return bad
    from site_builder.server import serve

    return serve(args.content, args.templates, args.out, args.host, args.port)


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
