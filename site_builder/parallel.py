"""Rendering many pages: shared out between this process and forked workers.

The model is built before the fork and shared copy-on-write; each process renders its share
into the staging directory and returns a record per page, merged back in route order.
"""

from __future__ import annotations

import gc
import hashlib
import heapq
import traceback
from collections.abc import Callable
from multiprocessing import get_context
from pathlib import Path

from site_builder.errors import ContentError
from site_builder.records import PageState
from site_builder.render import Renderer, Route
from site_builder.urls import file_of
from site_builder.write import Staging

PARALLEL_THRESHOLD = 400  # pages; below this, forking costs more than it saves


def render_pages(renderer: Renderer, routes: list[Route], signature: Callable[[Route, frozenset[str]], str],
                 out: Path, staging: Staging | None, previous: dict[str, PageState], jobs: int,
                 progress: Callable[[int, int], None] | None = None) -> list[tuple[PageState, bool]]:
    """(record, written) per route, across processes when many."""
    if len(routes) < PARALLEL_THRESHOLD or jobs < 2:
        return render_slice(renderer, routes, signature, out, staging, previous, progress)
    context = get_context("fork")
    shares = share_out(routes, renderer.cost, jobs)
    slices = [[routes[i] for i in share] for share in shares]
    gc.freeze()  # the model is shared copy-on-write: keep the collector from touching it
    thresholds = gc.get_threshold()
    # Pages leave young reference cycles (Jinja's `with context` imports), found by the
    # young collections; full ones would only walk the growing memos again and again.
    gc.set_threshold(thresholds[0], thresholds[1], 1_000_000)
    pipes, workers, collected = [], [], False
    try:
        # This process renders the first share itself: one copy of the model fewer than
        # a worker per core (each worker's reference counts copy the pages it reads).
        for chunk in slices[1:]:
            receive, send = context.Pipe(duplex=False)
            worker = context.Process(target=_worker, args=(renderer, chunk, signature, out, staging,
                                                           previous, send, None, jobs))
            worker.start()
            send.close()
            pipes.append(receive)
            workers.append(worker)
        try:
            outcomes = [("ok", render_slice(renderer, slices[0], signature, out, staging, previous,
                                            progress, jobs))]
        except ContentError as bad:
            outcomes = [("problems", bad.problems)]
        for receive in pipes:
            try:
                outcomes.append(receive.recv())
            except EOFError:
                outcomes.append(("crash", "a rendering process died"))
        collected = True
    finally:
        for worker in workers:
            if not collected:  # this process failed: the others' work is moot
                worker.terminate()
            worker.join()
        gc.set_threshold(*thresholds)
    problems = [p for status, value in outcomes if status == "problems" for p in value]
    if problems:
        raise ContentError(problems)
    for status, value in outcomes:
        if status == "crash":
            raise RuntimeError(value)
    merged: list = [None] * len(routes)
    for share, (_, value) in zip(shares, outcomes):
        for i, result in zip(share, value):
            merged[i] = result
    return merged


def share_out(routes: list[Route], cost: Callable[[Route], float], jobs: int) -> list[list[int]]:
    """Route indexes per process, costliest first to the least loaded, so that no process is
    left alone with the timeline while the others are done (a 10k-story timeline takes 2 s)."""
    costs = [cost(route) for route in routes]
    loads = [(0.0, i) for i in range(jobs)]
    shares: list[list[int]] = [[] for _ in range(jobs)]
    for index in sorted(range(len(routes)), key=lambda i: -costs[i]):
        load, job = heapq.heappop(loads)
        shares[job].append(index)
        heapq.heappush(loads, (load + costs[index], job))
    return [sorted(share) for share in shares]


def render_slice(renderer: Renderer, routes: list[Route], signature: Callable[[Route, frozenset[str]], str],
                 out: Path, staging: Staging | None, previous: dict[str, PageState],
                 progress: Callable[[int, int], None] | None = None, scale: int = 1) -> list[tuple[PageState, bool]]:
    """Render routes; write to `staging` those whose bytes differ from what `out` holds."""
    results = []
    for n, route in enumerate(routes, 1):
        data, looked_up = renderer.render(route)
        digest_ = hashlib.sha1(data).hexdigest()
        old = previous.get(route.url)
        changed = not (old and old.hash == digest_ and (out / file_of(route.url)).is_file())
        if changed and staging is not None:
            staging.write(file_of(route.url), data)
        results.append((PageState(signature(route, looked_up), digest_, looked_up), changed))
        if progress and n % 500 == 0:
            progress(n * scale, len(routes) * scale)
    return results


def _worker(renderer, routes, signature, out, staging, previous, send, progress, scale) -> None:
    try:
        send.send(("ok", render_slice(renderer, routes, signature, out, staging, previous, progress, scale)))
    except ContentError as bad:
        send.send(("problems", bad.problems))
    except BaseException:  # reported by the parent, which owns the terminal
        send.send(("crash", traceback.format_exc()))
    finally:
        send.close()
