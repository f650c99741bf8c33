"""Sharing work out: map jobs over forked workers, costliest first, results in job order.

Whatever the jobs read (the model, the renderer) is built before the fork and shared
copy-on-write. This process does the first share itself: one copy of the model fewer than a
worker per core (each worker's reference counts copy the pages it reads). Each worker sends
back one `Outcome`: its results, the content problems it met, the machine's failure (an
OSError, raised again here) or a crash's traceback.
"""

from __future__ import annotations

import heapq
import signal
import threading
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Generic, TypeVar

from site_builder.errors import ContentError, Problem

Job = TypeVar("Job")
Result = TypeVar("Result")
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Done(Generic[Result]):
    results: list[Result]


@dataclass(frozen=True)
class Failed:
    problems: list[Problem]


@dataclass(frozen=True)
class Crashed:
    traceback: str


@dataclass(frozen=True)
class Raised:
    error: OSError  # the machine failed the worker (a full disk…): raised again in this process


Outcome = Done | Failed | Crashed | Raised


def map_jobs(work: Callable[[Job], Result], jobs: Sequence[Job], cost: Callable[[Job], float], processes: int,
             threshold: int, progress: Progress | None = None) -> list[Result]:
    """`[work(job) for job in jobs]`, across `processes` when there are at least `threshold`
    jobs (below, forking costs more than it saves). Raises ContentError with every worker's
    problems, or RuntimeError when a worker crashed."""
    if len(jobs) < threshold or processes < 2:
        return run_share(work, jobs, progress)
    context = get_context("fork")
    shares = share_out(jobs, cost, processes)
    pipes, workers, collected = [], [], False
    try:
        for share in shares[1:]:
            receive, send = context.Pipe(duplex=False)
            worker = context.Process(target=_worker, args=(work, [jobs[i] for i in share], send))
            worker.start()
            send.close()
            pipes.append(receive)
            workers.append(worker)
        outcomes: list[Outcome] = [_outcome(work, [jobs[i] for i in shares[0]], progress, processes)]
        for receive in pipes:
            try:
                outcomes.append(receive.recv())
            except EOFError:
                outcomes.append(Crashed("a worker process died"))
        collected = True
    finally:
        for worker in workers:
            if not collected:  # this process failed: the others' work is moot
                worker.terminate()
            worker.join()
    raise_for(outcomes)
    merged: list = [None] * len(jobs)
    for share, outcome in zip(shares, outcomes):
        for i, result in zip(share, outcome.results):
            merged[i] = result
    return merged


def run_apart(work: Callable[[Job], Result], jobs: Sequence[Job], stop: threading.Event | None,
              poll: float = 0.02) -> list[Result] | None:
    """`[work(job) for job in jobs]` in one forked process, so that setting `stop` ends it at
    once (the process is killed: a job may take a second that nothing could cut short in a
    thread); None then. Raises as map_jobs does."""
    if stop is not None and stop.is_set():
        return None
    context = get_context("fork")
    receive, send = context.Pipe(duplex=False)
    worker = context.Process(target=_worker, args=(work, list(jobs), send))
    worker.start()
    send.close()
    try:
        while not receive.poll(poll):
            if stop is not None and stop.is_set():
                worker.kill()
                return None
        try:
            outcome: Outcome = receive.recv()
        except EOFError:
            outcome = Crashed("a worker process died")
    finally:
        receive.close()
        worker.join()
    raise_for([outcome])
    return outcome.results


def raise_for(outcomes: list[Outcome]) -> None:
    """ContentError with every worker's problems, a worker's OSError again, or RuntimeError
    with a crash's traceback; nothing when all are Done."""
    problems = [p for outcome in outcomes if isinstance(outcome, Failed) for p in outcome.problems]
    if problems:
        raise ContentError(problems)
    for outcome in outcomes:
        if isinstance(outcome, Raised):
            raise outcome.error
        if isinstance(outcome, Crashed):
            raise RuntimeError(outcome.traceback)


def share_out(jobs: Sequence[Job], cost: Callable[[Job], float], processes: int) -> list[list[int]]:
    """Job indexes per process, costliest first to the least loaded, so that no process is
    left alone with the largest job while the others are done (a 10k-story timeline takes 2 s)."""
    costs = [cost(job) for job in jobs]
    loads = [(0.0, i) for i in range(processes)]
    shares: list[list[int]] = [[] for _ in range(processes)]
    for index in sorted(range(len(jobs)), key=lambda i: -costs[i]):
        load, process = heapq.heappop(loads)
        shares[process].append(index)
        heapq.heappush(loads, (load + costs[index], process))
    return [sorted(share) for share in shares]


def run_share(work: Callable[[Job], Result], jobs: Sequence[Job], progress: Progress | None = None,
              scale: int = 1) -> list[Result]:
    """The jobs one after the other, telling `progress` every 500 (scaled to all processes)."""
    results = []
    for n, job in enumerate(jobs, 1):
        results.append(work(job))
        if progress and n % 500 == 0:
            progress(n * scale, len(jobs) * scale)
    return results


def _outcome(work: Callable[[Job], Result], jobs: list[Job], progress: Progress | None, scale: int) -> Outcome:
    try:
        return Done(run_share(work, jobs, progress, scale))
    except ContentError as bad:
        return Failed(bad.problems)


def _worker(work: Callable[[Job], Result], jobs: list[Job], send) -> None:  # noqa: ANN001 (a Connection)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it ends this one
    try:
        send.send(_outcome(work, jobs, None, 1))
    except OSError as bad:
        send.send(Raised(bad))
    except BaseException:  # reported by the parent, which owns the terminal
        send.send(Crashed(traceback.format_exc()))
    finally:
        send.close()
