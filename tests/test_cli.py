"""The command line: exit codes 0 / 1 / 2, help for every command, and `new` scaffolds that pass `check`."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import OLDER_EN, REPO, STORY_ZH
from site_builder.cli import main, parser


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse: usage errors and --help
        code = exit_.code
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_check_passes_on_a_valid_site(make_site, capsys):
    make_site()
    code, out, _ = run(capsys, "check")
    assert code == 0 and out.startswith("ok: ")


def test_content_errors_exit_1_and_write_nothing(make_site, capsys):
    root = make_site({"content/places/china.yaml": "name: no\n"})
    code, _, err = run(capsys, "build")
    assert code == 1
    assert err.splitlines()[0] == "content/places/china.yaml:1: name: expected text, but YAML reads 'no' as the boolean false: put it in quotes"
    assert not (root / "public").exists()


@pytest.mark.parametrize("argv", [
    ["frobnicate"],
    ["build", "--no-such-option"],
    ["build", "--content", "no-such-dir"],
    ["check", "--templates", "no-such-dir"],
    ["new", "person", "Not An Id"],
    ["new", "story", "标题"],
    ["new", "planet", "mars"],
    [],
])
def test_usage_errors_exit_2(make_site, capsys, argv):
    make_site()
    code, _, err = run(capsys, *argv)
    assert code == 2, err
    assert err.strip()


def test_every_command_has_help(capsys):
    commands = parser()._subparsers._group_actions[0].choices  # noqa: SLF001 (argparse keeps them here)
    assert set(commands) >= {"build", "serve", "check", "new", "i18n"}
    for name, sub in commands.items():
        assert sub.description, name
        code, out, _ = run(capsys, name, "--help")
        assert code == 0 and out.startswith("usage:"), name


def test_a_real_process_reports_problems_without_a_traceback(make_site):
    make_site({"content/stories/new-door.en.md": "no front-matter\n"})
    done = subprocess.run([sys.executable, "-m", "site_builder", "check"], capture_output=True, text=True,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == "content/stories/new-door.en.md:1: a story must start with a '---' line opening its front-matter"
    assert "Traceback" not in done.stderr


# new -------------------------------------------------------------------------------------
def test_new_story_scaffold_passes_check(make_site, capsys):
    root = make_site()
    code, out, _ = run(capsys, "new", "story", "Chengdu welcomes a Busan trade mission")
    assert code == 0
    path = root / "content/stories/chengdu-welcomes-a-busan-trade-mission.en.md"
    assert out.strip() == "created content/stories/chengdu-welcomes-a-busan-trade-mission.en.md"
    text = path.read_text("utf-8")
    assert text.startswith('---\ntitle: "Chengdu welcomes a Busan trade mission"\n') and "draft: true" in text
    assert run(capsys, "check")[0] == 0


@pytest.mark.parametrize("kind, folder", [("person", "people"), ("org", "orgs"), ("place", "places")])
def test_new_entity_scaffolds_pass_check(make_site, capsys, kind, folder):
    root = make_site()
    code, out, _ = run(capsys, "new", kind, "busan-example")
    assert code == 0 and out.strip() == f"created content/{folder}/busan-example.yaml"
    assert (root / f"content/{folder}/busan-example.yaml").is_file()
    assert run(capsys, "check")[0] == 0


def test_new_refuses_an_id_already_in_use(make_site, capsys):
    root = make_site()
    before = (root / "content/places/chongqing.yaml").read_bytes()
    code, _, err = run(capsys, "new", "org", "chongqing")
    assert code == 1
    assert "content/places/chongqing.yaml" in err
    assert not (root / "content/orgs/chongqing.yaml").exists()
    assert (root / "content/places/chongqing.yaml").read_bytes() == before


def test_new_story_refuses_to_overwrite(make_site, capsys):
    root = make_site()
    assert run(capsys, "new", "story", "Same title")[0] == 0
    path = root / "content/stories/same-title.en.md"
    path.write_text(path.read_text("utf-8") + "Edited.\n", "utf-8")
    edited = path.read_bytes()
    assert run(capsys, "new", "story", "Same title")[0] == 1
    assert path.read_bytes() == edited


# --version and the console script ------------------------------------------------------------
def test_version_and_with_v_the_libraries(capsys, monkeypatch):
    import site_builder
    from site_builder import versions

    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.splitlines() == [f"site_builder {site_builder.__version__} (Python {sys.version.split()[0]})"]
    monkeypatch.setattr(versions, "pagefind_version", lambda: "1.5.2")
    for argv in (["--version", "-v"], ["-v", "--version"]):
        code, out, _ = run(capsys, *argv)
        lines = out.splitlines()
        assert code == 0 and lines[0].startswith("site_builder ")
        names = [line.split()[0] for line in lines[1:]]
        assert names[:5] == ["Jinja2", "Markdown", "PyYAML", "Babel", "livereload"] and names[-1] == "Pagefind"
        import jinja2, yaml  # noqa: E401 (the versions must be the installed ones)
        assert f"  Jinja2      {jinja2.__version__}" in lines and f"  PyYAML      {yaml.__version__}" in lines
        assert "  Pagefind    1.5.2" in lines


def test_pagefind_is_listed_only_when_present(monkeypatch, tmp_path):
    from site_builder import versions

    monkeypatch.setattr(versions, "installed", lambda name: None if name.startswith("pagefind") else "1.0")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert versions.pagefind_version() is None
    assert "Pagefind" not in versions.report(verbose=True)
    fake = tmp_path / "pagefind"
    fake.write_text("#!/bin/sh\n[ \"$1\" = --version ] && echo 'pagefind 9.8.7'\n")
    fake.chmod(0o755)
    assert versions.pagefind_version() == "9.8.7"


def test_the_console_script_is_declared_and_runs_the_same_commands(make_site):
    import tomllib

    scripts = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]
    assert scripts == {"site-builder": "site_builder.cli:run"}
    make_site()
    script = Path(sys.executable).with_name("site-builder")
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    commands = [[str(script)]] if script.exists() else []  # pip install -e . made it
    # What pip writes for [project.scripts], run here so that the test holds without a reinstall:
    commands.append([sys.executable, "-c", "import sys; sys.argv[0] = 'site-builder'; "
                     "from site_builder.cli import run; sys.exit(run())"])
    for command in commands:
        done = subprocess.run([*command, "--version"], capture_output=True, text=True, env=env)
        assert done.returncode == 0 and done.stdout.startswith("site_builder "), done.stderr
        done = subprocess.run([*command, "build", "--content", "missing"], capture_output=True, text=True, env=env)
        assert done.returncode == 2 and done.stderr.splitlines() == [
            "error: --content missing: no such directory", "hint: run 'site-builder --help'"]
    done = subprocess.run([*commands[0], "check"], capture_output=True, text=True, env=env)
    assert done.returncode == 0 and done.stdout.startswith("ok: "), done.stderr


# --base-url --------------------------------------------------------------------------------------
def tree(directory: Path) -> dict[str, bytes]:
    """Every file's bytes; a SQLite file's as its SQL dump, which a URL substitution keeps
    comparable (the file's bytes move with the length of every address in it)."""
    found = {}
    for p in sorted(directory.rglob("*")):
        if p.is_file():
            found[p.relative_to(directory).as_posix()] = sql_dump(p) if p.suffix == ".sqlite" else p.read_bytes()
    return found


def sql_dump(path: Path) -> bytes:
    db = sqlite3.connect(path)
    try:
        return "\n".join(db.iterdump()).encode("utf-8")
    finally:
        db.close()


def test_base_url_changes_only_the_urls(make_site, capsys):
    """Same path, other host: with the URL substituted back the output is byte-identical, and
    the site.yaml address appears nowhere (canonical, hreflang, feeds, sitemap, JSON-LD)."""
    root = make_site()
    assert run(capsys, "build", "--out", "yaml")[0] == 0
    assert run(capsys, "build", "--out", "preview", "--base-url", "http://preview.example.net:8080/briefing")[0] == 0
    original, preview = tree(root / "yaml"), tree(root / "preview")
    assert original.keys() == preview.keys()
    assert all(b"example.org" not in data for data in preview.values())
    substituted = {name: data.replace(b"http://preview.example.net:8080/briefing/", b"https://example.org/briefing/")
                   for name, data in preview.items()}
    assert substituted == original
    story = preview["en/stories/gbsa-centre/index.html"].decode()
    for needle in ('<link rel="canonical" href="http://preview.example.net:8080/briefing/en/stories/gbsa-centre/">',
                   'hreflang="zh-Hans" href="http://preview.example.net:8080/briefing/zh/stories/gbsa-centre/"',
                   '"http://preview.example.net:8080/briefing/en/stories/gbsa-centre/"'):  # JSON-LD
        assert needle in story
    assert b"<loc>http://preview.example.net:8080/briefing/en/</loc>" in preview["sitemap.xml"]
    assert b'href="http://preview.example.net:8080/briefing/en/stories/gbsa-centre/"' in preview["en/feed.xml"]


def test_base_url_with_another_path_moves_the_not_found_pages_links(make_site, capsys):
    """The 404 pages link root-relative under the base URL's path: those follow it too."""
    root = make_site()
    assert run(capsys, "build", "--out", "yaml")[0] == 0
    assert run(capsys, "build", "--out", "preview", "--base-url", "https://pr-17.example.dev/")[0] == 0
    original, preview = tree(root / "yaml"), tree(root / "preview")
    assert all(b"example.org" not in data and b"/briefing/" not in data for data in preview.values())
    for name, data in preview.items():
        data = data.replace(b"https://pr-17.example.dev/", b"https://example.org/briefing/")
        if name.endswith("404.html"):
            data = data.replace(b'="/', b'="/briefing/')
        assert data == original[name], name


def test_a_build_with_another_base_url_reuses_no_page_and_a_later_one_without_it_gives_site_yamls(make_site, capsys):
    root = make_site()
    run(capsys, "build")
    first = tree(root / "public")
    routes = [name for name in first if not name.startswith(("static/", "pagefind/"))]  # the search index has no URL
    pages = [name for name in routes if b"example.org" in first[name]]  # data/roles.csv, for one, shows no address
    code, out, _ = run(capsys, "build", "--base-url", "https://staging.example.net/briefing/")
    assert code == 0 and f"{len(routes)} rendered, {len(pages)} written" in out
    staged = tree(root / "public")
    assert all(b"example.org" not in data for data in staged.values())  # none made for the old URL is kept
    assert run(capsys, "build", "--out", "cold", "--base-url", "https://staging.example.net/briefing/")[0] == 0
    assert staged == tree(root / "cold")
    code, out, _ = run(capsys, "build", "--base-url", "https://staging.example.net/briefing/")
    assert code == 0 and "0 rendered, 0 written" in out  # the same override again: nothing to do
    code, out, _ = run(capsys, "build")
    assert code == 0 and tree(root / "public") == first
    code, out, _ = run(capsys, "build")
    assert code == 0 and "0 rendered, 0 written" in out


@pytest.mark.parametrize("url", ["ftp://example.org/", "example.org", "https://", "/briefing/", "https://a b.org/",
                                 "https://example.org/?preview=1", "https://example.org/#top",
                                 "https://example.org:99999/", "http://[::1/"])
@pytest.mark.parametrize("command", ["build", "serve"])
def test_a_bad_base_url_is_a_usage_error_with_a_hint(make_site, capsys, url, command):
    root = make_site()
    code, _, err = run(capsys, command, "--base-url", url)
    assert code == 2
    assert err.splitlines()[-1] == (
        f"python -m site_builder {command}: error: argument --base-url: '{url}' is not an http(s) URL; give the address "
        "the site will be served at, e.g. --base-url https://preview.example.org/briefing/")
    assert not (root / "public").exists()


# -q / -v ----------------------------------------------------------------------------------------
def test_quiet_prints_nothing_but_errors(make_site, capsys):
    root = make_site()
    assert run(capsys, "build", "-q") == (0, "", "")
    assert run(capsys, "check", "--quiet") == (0, "", "")
    (root / "content/places/china.yaml").write_text("name: no\n", "utf-8")
    code, out, err = run(capsys, "build", "-q")
    assert code == 1 and out == "" and err.startswith("content/places/china.yaml:1: name: expected text")


def test_verbose_prints_each_stage_and_every_page_written(make_site, capsys):
    root = make_site()
    code, out, _ = run(capsys, "build", "-v")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("built public: ")
    assert re.fullmatch(r"  stages: load \d+ ms, markdown \d+ ms, plan \d+ ms, render \d+ ms, (search \d+ ms, )?write \d+ ms(, \w+ \d+ ms)*", lines[1])
    written = {line.removeprefix("  wrote ") for line in lines[2:]}
    assert written == set(tree(root / "public")) and all(line.startswith("  wrote ") for line in lines[2:])
    story = root / "content/stories/new-door.en.md"
    story.write_text(story.read_text("utf-8").replace("An untranslated story", "A story"), "utf-8")
    lines = run(capsys, "-v", "build")[1].splitlines()  # -v before the command works as well
    assert "  wrote en/stories/new-door/index.html" in lines and len(lines) < len(written)
    assert run(capsys, "build", "--verbose")[1].splitlines()[1:] == ["  no input changed since the last build: nothing rendered"]
    code, out, _ = run(capsys, "check", "-v")
    assert code == 0 and re.fullmatch(r"ok: \d+ pages would be built\n  stages: load \d+ ms, .*render \d+ ms\n", out)


def test_quiet_and_verbose_together_are_a_usage_error(make_site, capsys):
    make_site()
    code, _, err = run(capsys, "build", "-q", "-v")
    assert code == 2 and "not allowed with argument" in err


def test_progress_only_on_a_terminal_and_never_when_quiet(make_site, capsys, monkeypatch):
    """Progress lines are for a person watching: never in a pipe or a CI log."""
    from site_builder import build as pipeline

    make_site()
    real = pipeline.build

    def build(options, progress=None):  # the real build, reporting progress as a large one does
        if progress:
            progress(500, 1000)
        return real(options, progress)

    monkeypatch.setattr(pipeline, "build", build)  # `build` imports it when it runs
    for tty, argv, shown in ((False, [], False), (True, [], True), (True, ["-q"], False), (True, ["-v"], True)):
        monkeypatch.setattr(sys.stderr, "isatty", lambda tty=tty: tty)
        code, _, err = run(capsys, "build", *argv)
        assert code == 0 and ("pages 500/1000" in err) == shown, (tty, argv, err)
        assert not err or err.endswith("\r\033[K")  # the progress line is cleared before the summary


def test_a_piped_build_writes_no_progress(make_site):
    make_site()
    done = subprocess.run([sys.executable, "-m", "site_builder", "build"], capture_output=True, text=True,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0 and done.stderr == "" and done.stdout.startswith("built public: ")


# build --clean --------------------------------------------------------------------------------
def test_clean_deletes_the_cache_and_stale_output_files(make_site, capsys):
    root = make_site()
    run(capsys, "build")
    (root / "public/en/leftover.html").write_text("from an old build", "utf-8")
    (root / "public/old-section").mkdir()
    (root / "public/old-section/index.html").write_text("gone", "utf-8")
    marker = root / ".cache/marker"
    marker.write_text("not from this build", "utf-8")
    code, out, _ = run(capsys, "build", "--clean")
    assert code == 0
    assert out.splitlines()[1] == "cleaned: .cache/ deleted, 2 stale files left out of public"
    assert re.search(r": \d+ rendered", out) and " 0 rendered" not in out  # a cold build
    assert not marker.exists() and (root / ".cache").is_dir()
    assert not (root / "public/en/leftover.html").exists() and not (root / "public/old-section").exists()
    clean = root / "fresh"
    assert run(capsys, "build", "--out", "fresh")[0] == 0
    assert tree(root / "public") == tree(clean)
    assert run(capsys, "build")[1].count("0 written") == 1  # the cache is whole again afterwards


def test_clean_leaves_the_output_alone_when_the_build_fails(make_site, capsys):
    root = make_site()
    run(capsys, "build")
    (root / "public/en/leftover.html").write_text("still here", "utf-8")
    before = tree(root / "public")
    (root / "content/places/china.yaml").write_text("name: no\n", "utf-8")
    code, _, err = run(capsys, "build", "--clean")
    assert code == 1 and "content/places/china.yaml:1:" in err
    assert tree(root / "public") == before


def test_help_documents_every_new_option(capsys):
    for argv, options in ((["--help"], ["--version", "-v, --verbose"]),
                          (["build", "--help"], ["--base-url URL", "--clean", "-q, --quiet", "-v, --verbose"]),
                          (["serve", "--help"], ["--base-url URL", "--open", "-q, --quiet", "-v, --verbose"]),
                          (["check", "--help"], ["-q, --quiet", "-v, --verbose"])):
        code, out, _ = run(capsys, *argv)
        assert code == 0 and all(option in out for option in options), (argv, out)


def test_the_readme_shows_both_commands_and_every_new_option():
    readme = (REPO / "README.md").read_text("utf-8")
    for needle in ("site-builder build", "python -m site_builder build", "--version", "--base-url", "--clean",
                   "--quiet", "--verbose", "--open"):
        assert needle in readme, needle


# serve --open, -q / -v, the latest story's address ---------------------------------------------
def test_serve_open_opens_the_browser_once_the_first_build_is_done(make_site, capsys, monkeypatch):
    """The real command in this process: the fake browser fetches the page it was given (so the
    site is built and served by then), then presses Ctrl-C."""
    import os
    import signal
    import threading
    import urllib.request
    import webbrowser

    root = make_site()
    opened: list[tuple[str, int, bool]] = []

    def fetch_then_stop(url: str) -> None:
        with urllib.request.urlopen(url, timeout=10) as response:
            opened.append((url, response.status, (root / "public/index.html").is_file()))
        os.kill(os.getpid(), signal.SIGINT)

    def open_(url: str, *args, **kwargs) -> bool:
        threading.Thread(target=fetch_then_stop, args=(url,), daemon=True).start()
        return True

    monkeypatch.setattr(webbrowser, "open", open_)
    code, out, err = run(capsys, "serve", "--port", "0", "--open")
    assert code == 0, err
    assert len(opened) == 1
    url, status, built = opened[0]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url) and status == 200 and built
    assert f"at {url} (drafts included)" in out and out.rstrip().endswith("stopped")


def test_serve_without_open_opens_nothing_and_quiet_prints_nothing(make_site, capsys, monkeypatch):
    import os
    import signal
    import threading
    import webbrowser

    make_site()
    monkeypatch.setattr(webbrowser, "open", lambda *a, **k: pytest.fail("opened a browser without --open"))
    from site_builder import server

    real = server.DevServer.start

    def start_then_stop(self) -> None:  # Ctrl-C right after the first build
        real(self)
        threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()

    monkeypatch.setattr(server.DevServer, "start", start_then_stop)
    assert run(capsys, "serve", "--port", "0", "-q") == (0, "", "")


def test_serve_prints_the_latest_edited_storys_page_after_each_rebuild(make_site):
    from test_server import edit, running

    import os

    root = make_site()
    for age, name in enumerate(["new-door.en.md", "gbsa-centre.zh.md", "gbsa-centre.en.md"]):
        os.utime(root / "content/stories" / name, ns=(10**18 - age * 10**9,) * 2)  # new-door saved last
    with running(root) as server:
        base = server.url
        assert server.lines[-1] == f"  latest story: {base}en/stories/new-door/"
        edit(server, root, {"content/stories/gbsa-centre.zh.md": STORY_ZH.replace("设立中心", "设立新中心")})
        assert server.lines[-1] == f"  latest story: {base}zh/stories/gbsa-centre/"
        edit(server, root, {"templates/static/site.css": (root / "templates/static/site.css").read_text() + "\n"})
        assert server.lines[-1] == f"  latest story: {base}zh/stories/gbsa-centre/"  # still the story last saved
        edit(server, root, {"content/stories/new-door.en.md": OLDER_EN.replace("An untranslated", "A")})
        assert server.lines[-1] == f"  latest story: {base}en/stories/new-door/"
        edit(server, root, {"content/stories/new-door.en.md": None})
        assert "new-door.en.md changed" in server.lines[-1] and " 0 removed" not in server.lines[-1]  # its page
        assert "latest story" not in server.lines[-1]  # is gone: no address to show


def test_serve_quiet_and_verbose(make_site):
    from test_server import edit, running

    root = make_site()
    with running(root) as server:
        server.rebuilds.verbosity = -1
        count = len(server.lines)
        edit(server, root, {"content/stories/new-door.en.md": OLDER_EN.replace("An untranslated", "A quiet")})
        assert server.lines[count:] == []
        edit(server, root, {"content/places/china.yaml": "name: no\n"})
        assert server.lines[count].endswith("1 problem; still serving the last good site")  # errors still show
        server.rebuilds.verbosity = 1
        count = len(server.lines)
        edit(server, root, {"content/places/china.yaml": "name: {en: PR China, zh: 中国}\nkind: country\n"})
        lines = server.lines[count:]
        assert "(problems fixed)" in lines[0] and lines[1].startswith("  ") and len(lines[1].split(", ")) > 5
        assert re.fullmatch(r"  stages: load \d+ ms, .*render \d+ ms, (search \d+ ms, )?write \d+ ms(, \w+ \d+ ms)*", lines[2])


def test_serve_base_url_reaches_the_pages(make_site):
    from test_server import get, running

    root = make_site()
    with running(root, base_url="http://localhost:9000/") as server:
        status, _, body = get(server, "/en/stories/gbsa-centre/")
        assert status == 200 and b'rel="canonical" href="http://localhost:9000/en/stories/gbsa-centre/"' in body


def test_a_cold_build_with_base_url_leaves_site_yamls_in_the_snapshot(make_site, capsys):
    """The snapshot of the assembled site is taken before the override: the next build reuses it."""
    root = make_site()
    assert run(capsys, "build", "--base-url", "https://staging.example.net/")[0] == 0
    assert b"https://staging.example.net/en/" in (root / "public/sitemap.xml").read_bytes()
    assert run(capsys, "build", "--out", "fresh", "--clean")[0] == 0  # site.yaml's, from nothing
    assert run(capsys, "build", "--base-url", "https://staging.example.net/")[0] == 0  # cold: the cache was cleaned
    code, out, _ = run(capsys, "build")
    assert code == 0 and " 0 Markdown bodies rendered" in out
    assert tree(root / "public") == tree(root / "fresh")


def test_a_verbose_build_into_a_closed_pipe_exits_0_without_a_traceback(make_site, monkeypatch, capfd):
    """`build -v | head -1`: the reader leaves early; the site is built, and that is no error."""
    import os

    root = make_site()
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line
    stdout = os.fdopen(write, "w", buffering=1)
    monkeypatch.setattr(sys, "stdout", stdout)
    try:
        assert main(["build", "-v"]) == 0
    finally:
        stdout.close()
    assert "Traceback" not in capfd.readouterr().err
    assert (root / "public/en/index.html").is_file()
