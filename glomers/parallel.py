"""Runs independent bench runs (the seeds of --seeds, the parts of `challenge all`) on
several cores, handing results back in the order a serial loop would produce them.

Each run is a process of its own (forked where the system can, so nothing is re-imported),
and every run depends only on its options and seed, so a run made here and the same run made
alone write the same history. With one job, or one item, nothing is forked at all.
"""

import os
import time

# Seconds the runs under way get to stop after SIGTERM (their nodes' teardown is bounded
# well within it) before the bench kills what is left of them.
STOP_WAIT = 10.0


def default_jobs():
    """The number of cores this process may use (the default of --jobs)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def ordered(function, items, jobs):
    """Yield function(item) for each item, in the items' order, computing up to `jobs` of
    them at once in worker processes. `function` must be a module-level function and its
    arguments and results picklable. An exception in a run is raised here, at its turn;
    on any exception, Ctrl-C or SIGTERM the runs not yet started are cancelled and those
    under way are sent SIGTERM."""
    items = list(items)
    if jobs <= 1 or len(items) <= 1:
        for item in items:
            yield function(item)
        return
    # Imported here: a single run (the usual command) never pays for multiprocessing.
    import concurrent.futures
    import multiprocessing
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=min(jobs, len(items)),
                                                  mp_context=context)
    try:
        futures = [pool.submit(function, item) for item in items]
        for future in futures:
            yield future.result()
    except GeneratorExit:
        # The consumer stopped asking: after the last result (a zip with the items), as
        # after a normal end; before it, the runs under way are stopped.
        if not all(future.done() for future in futures):
            _stop(pool)
        raise
    except BaseException:
        # Ctrl-C, SIGTERM or a failed run: the runs under way stop as they would alone
        # (SIGTERM: their nodes torn down, their folders left saying so).
        _stop(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _stop(pool):
    """SIGTERM to the pool's workers, then SIGKILL to any still there after STOP_WAIT: a
    worker that died holding the pool's queue lock would otherwise leave an idle one
    waiting for that lock forever, and the pool's shutdown waiting for it."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    deadline = time.monotonic() + STOP_WAIT
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join()
