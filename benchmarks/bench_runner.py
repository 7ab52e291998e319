"""Benchmarks for minikedro's runners, each beside a plain-Python baseline measured in the same run.

Run ``python benchmarks/bench_runner.py`` (about a minute on 2 cores) or add
``--quick`` for a smaller run. When Kedro is importable the same pipelines run
under Kedro's runners too; otherwise that column says "-".

What is measured (the goals are those of the runner's design brief):

- SequentialRunner overhead per node on a chain and a wide fan-out of trivial
  nodes, at 1k/10k/100k nodes (goal: <= 30 us/node at 10k, total time growing
  <= 12x from 10k to 100k); baseline: calling the functions in a loop;
- ThreadRunner on 10,000 trivial nodes (goal <= 1 s); baseline: the same calls
  through a ThreadPoolExecutor;
- ParallelRunner on 1,000 trivial nodes (goal <= 3 s); baseline: a
  ProcessPoolExecutor;
- ParallelRunner on 4 CPU-bound nodes of 0.5 s vs SequentialRunner (goal >= 1.8x);
- ThreadRunner, 64 workers, 64 nodes sleeping 50 ms (goal <= 1.5x the ideal 50 ms);
- async mode: one node with 8 inputs and 4 outputs, 100 ms per load/save (goal <= 0.25 s);
- a 20-node chain of 50 MB objects: most such objects alive at once (goal <= 2);
- the cost per node of the INFO progress log lines.
"""
from __future__ import annotations

import argparse
import gc
import io
import json
import logging
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import minikedro.pipeline as mk_pipeline  # noqa: E402
from minikedro.io import AbstractDataset, DataCatalog, SharedMemoryDataCatalog  # noqa: E402
from minikedro.pipeline import Pipeline, node  # noqa: E402
from minikedro.runner import ParallelRunner, SequentialRunner, ThreadRunner  # noqa: E402

try:  # optional comparison
    import kedro.io as kedro_io
    import kedro.pipeline as kedro_pipeline
    import kedro.runner as kedro_runner
except ImportError:
    kedro_io = kedro_pipeline = kedro_runner = None


# -- node functions (module level: ParallelRunner's workers import them) -----------------


def inc(x):
    return x + 1


def burn(x, seconds=0.5):
    """Pure-Python CPU work for about ``seconds`` on this machine."""
    end = time.process_time() + seconds
    n = 0
    while time.process_time() < end:
        n += 1
    return x


def nap(x):
    time.sleep(0.05)
    return x


def gather(*values):
    return tuple(values[:4])


class Payload:
    """A big object whose live instances are counted (in the process that holds them)."""

    live = peak = 0
    size = 50 * 1024 * 1024

    def __init__(self, step: int) -> None:
        self.step = step
        self.data = bytearray(Payload.size)
        Payload.live += 1
        Payload.peak = max(Payload.peak, Payload.live)

    def __reduce__(self):
        return Payload, (self.step,)

    def __del__(self):
        Payload.live -= 1


def first_payload(seed):
    return Payload(seed)


def grow(payload):
    return Payload(payload.step + 1)


class SlowDataset(AbstractDataset):
    """100 ms to load or save."""

    def __init__(self, data=None):
        self._data = data

    def load(self):
        time.sleep(0.1)
        return self._data

    def save(self, data):
        time.sleep(0.1)
        self._data = data

    def _describe(self):
        return {}


# -- helpers ------------------------------------------------------------------------------


REPEATS = 3  # each timing is the best of this many, as timeit does: the machine may be shared


def timed(function, *args, repeats=None, **kwargs):
    best = float("inf")
    for _ in range(repeats or REPEATS):
        gc.collect()
        started = time.perf_counter()
        function(*args, **kwargs)
        best = min(best, time.perf_counter() - started)
    return best


def chain(n, lib=mk_pipeline):
    return lib.Pipeline([lib.node(inc, f"d{i}", f"d{i + 1}", name=f"n{i}") for i in range(n)])


def wide(n, lib=mk_pipeline):
    return lib.Pipeline([lib.node(inc, "d0", f"o{i}", name=f"n{i}") for i in range(n)])


def run(runner, pipeline, catalog_type=DataCatalog, raw=None):
    return runner.run(pipeline, catalog_type(raw_data=raw or {"d0": 0}))


def run_kedro(runner_name, pipeline, shared=False, **kwargs):
    catalog_type = kedro_io.SharedMemoryDataCatalog if shared else kedro_io.DataCatalog
    catalog = catalog_type({"d0": kedro_io.MemoryDataset(0)})
    getattr(kedro_runner, runner_name)(**kwargs).run(pipeline, catalog)


# Kedro's scheduler rescans every pending node after each completion, and its
# ParallelRunner pickles the whole catalog for every node: beyond these sizes
# a comparison takes minutes (10k sequential nodes) or most of an hour.
KEDRO_MAX_NODES = {"SequentialRunner": 1_000, "ThreadRunner": 1_000, "ParallelRunner": 200}


def kedro_time(runner_name, shape, n, **kwargs):
    if kedro_runner is None or n > KEDRO_MAX_NODES[runner_name]:
        return None
    pipeline = shape(n, kedro_pipeline)
    return timed(run_kedro, runner_name, pipeline, runner_name == "ParallelRunner", repeats=1,
                 **kwargs)


def loop_baseline(n):
    x = 0
    for _ in range(n):
        x = inc(x)


def pool_baseline(pool_type, n, **kwargs):
    with pool_type(**kwargs) as pool:
        for future in [pool.submit(inc, i) for i in range(n)]:
            future.result()


ROWS = []


def row(case, ours, baseline=None, kedro=None, goal="", ok=None, unit="s"):
    def show(value):
        if value is None:
            return "-"
        if unit == "us/node":
            return f"{value:.1f} us/node"
        if unit == "x":
            return f"{value:.2f}x"
        if unit == "":
            return f"{value}"
        return f"{value:.3f} s"

    verdict = "" if ok is None else ("ok" if ok else "MISSED")
    ROWS.append((case, show(ours), show(baseline), show(kedro), goal, verdict))


# -- the cases ----------------------------------------------------------------------------


def sequential_overhead(shape_name, n):
    shape = {"chain": chain, "wide": wide}[shape_name]
    pipeline = shape(n)
    repeats = 2 if n >= 100_000 else REPEATS
    elapsed = timed(run, SequentialRunner(), pipeline, repeats=repeats)
    base = timed(loop_baseline, n, repeats=repeats)
    per_node = (elapsed - base) / n * 1e6
    kedro = kedro_time("SequentialRunner", shape, n)
    goal, ok = ("<= 30 us/node", per_node <= 30) if n == 10_000 else ("", None)
    row(f"SequentialRunner {shape_name} {n:,} nodes", per_node, base / n * 1e6,
        kedro and kedro / n * 1e6, goal, ok, unit="us/node")
    # For reference: the same run with the cyclic garbage collector off shows how
    # much of any growth is the collector scanning a bigger heap.
    gc.disable()
    without_gc = timed(run, SequentialRunner(), pipeline, repeats=repeats)
    gc.enable()
    return {"total": elapsed, "total_without_gc": without_gc}


def thread_runner_trivial(n):
    elapsed = timed(run, ThreadRunner(), wide(n))
    base = timed(pool_baseline, ThreadPoolExecutor, n)
    row(f"ThreadRunner {n:,} trivial nodes", elapsed, base, kedro_time("ThreadRunner", wide, n),
        "<= 1 s" if n == 10_000 else "", elapsed <= 1 if n == 10_000 else None)


def parallel_runner_trivial(n):
    elapsed = timed(run, ParallelRunner(), wide(n), SharedMemoryDataCatalog)
    base = timed(pool_baseline, ProcessPoolExecutor, n)
    row(f"ParallelRunner {n:,} trivial nodes", elapsed, base,
        kedro_time("ParallelRunner", wide, n), "<= 3 s" if n == 1_000 else "",
        elapsed <= 3 if n == 1_000 else None)


def parallel_speedup():
    pipeline = Pipeline([node(burn, "d0", f"o{i}", name=f"burn{i}") for i in range(4)])
    sequential = timed(run, SequentialRunner(), pipeline)
    parallel = timed(run, ParallelRunner(), pipeline, SharedMemoryDataCatalog)
    speedup = sequential / parallel
    ideal = min(4, os.cpu_count() or 1)
    row(f"ParallelRunner 4 x 0.5 s CPU vs Sequential ({os.cpu_count()} cpus)", speedup,
        float(ideal), None, ">= 1.8x", speedup >= 1.8, unit="x")


def thread_sleepers():
    pipeline = Pipeline([node(nap, "d0", f"o{i}", name=f"nap{i}") for i in range(64)])
    elapsed = timed(run, ThreadRunner(max_workers=64), pipeline)
    ratio = elapsed / 0.05
    row("ThreadRunner 64 workers x 64 nodes of 50 ms (x ideal)", ratio, None, None,
        "<= 1.5x", ratio <= 1.5, unit="x")


def async_io():
    inputs = [f"in{i}" for i in range(8)]
    outputs = [f"out{i}" for i in range(4)]
    pipeline = Pipeline([node(gather, inputs, outputs, name="gather")])

    def once():
        datasets = {name: SlowDataset(i) for i, name in enumerate(inputs)}
        datasets.update({name: SlowDataset() for name in outputs})
        SequentialRunner(is_async=True).run(pipeline, DataCatalog(datasets))

    elapsed = timed(once)
    row("async: 1 node, 8 inputs + 4 outputs, 100 ms each", elapsed, 0.2, None,
        "<= 0.25 s", elapsed <= 0.25)


def big_objects():
    pipeline = Pipeline([node(first_payload, "seed", "p0", name="first"),
                         *(node(grow, f"p{i}", f"p{i + 1}", name=f"grow{i:02d}")
                           for i in range(19))])
    for runner, catalog_type in ((SequentialRunner(), DataCatalog),
                                 (ThreadRunner(), DataCatalog),
                                 (ParallelRunner(), SharedMemoryDataCatalog)):
        Payload.live = Payload.peak = 0
        catalog = catalog_type(raw_data={"seed": 0})
        runner.run(pipeline, catalog)
        note = " (in the parent)" if isinstance(runner, ParallelRunner) else ""
        row(f"{type(runner).__name__}: 50 MB objects alive at once{note}", Payload.peak,
            None, None, "<= 2", Payload.peak <= 2, unit="")
        del catalog
        gc.collect()


def log_cost(n):
    pipeline = chain(n)
    logger = logging.getLogger("minikedro")
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(logging.Formatter("%(asctime)s - %(name)s - %(levelname)s - %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False  # measure our lines, not whatever handlers the root logger has
    try:
        logger.setLevel(logging.WARNING)
        quiet = timed(run, SequentialRunner(), pipeline)
        logging.getLogger("minikedro.runner").setLevel(logging.INFO)
        progress = timed(run, SequentialRunner(), pipeline)
        logger.setLevel(logging.INFO)
        everything = timed(run, SequentialRunner(), pipeline)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
        logging.getLogger("minikedro.runner").setLevel(logging.NOTSET)
    row("INFO progress line (1 per node), cost per node", (progress - quiet) / n * 1e6,
        None, None, "", None, unit="us/node")
    row("all INFO lines (+ node and catalog), cost per node", (everything - quiet) / n * 1e6,
        None, None, "", None, unit="us/node")


def cases(quick: bool) -> list[tuple]:
    sizes = [1_000, 10_000] if quick else [1_000, 10_000, 100_000]
    return [
        *(("sequential_overhead", shape, n) for shape in ("chain", "wide") for n in sizes),
        *(("thread_runner_trivial", n) for n in ([1_000] if quick else [1_000, 10_000])),
        *(("parallel_runner_trivial", n) for n in ([200] if quick else [200, 1_000])),
        ("parallel_speedup",),
        ("thread_sleepers",),
        ("async_io",),
        *([] if quick else [("big_objects",)]),
        ("log_cost", 2_000 if quick else 10_000),
    ]


def run_case(case: list) -> None:
    """Run one case in this interpreter and print its rows as JSON."""
    for name in ("minikedro", "kedro"):
        logging.getLogger(name).setLevel(logging.WARNING)
        logging.getLogger(name).addHandler(logging.NullHandler())
    extra = globals()[case[0]](*case[1:])
    print(json.dumps({"rows": ROWS, "extra": extra}))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # internal: one case, JSON out
    args = parser.parse_args(argv)
    if args.case:
        run_case(json.loads(args.case))
        return 0

    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cpus, "
          f"start method {os.environ.get('KEDRO_MP_CONTEXT') or 'default'}, "
          f"Kedro {'present' if kedro_runner else 'not installed'}; "
          f"each case in a fresh interpreter, best of {REPEATS}", flush=True)
    totals = {}
    for case in cases(args.quick):
        out = subprocess.run([sys.executable, __file__, "--case", json.dumps(case)],
                             capture_output=True, text=True, check=False)
        if out.returncode != 0:
            print(out.stderr, file=sys.stderr)
            ROWS.append((" ".join(map(str, case)), "FAILED", "", "", "", "MISSED"))
            continue
        result = json.loads(out.stdout.splitlines()[-1])
        for r in result["rows"]:
            ROWS.append(tuple(r))
            print(f"  {r[0]}: {r[1]}", flush=True)
        if case[0] == "sequential_overhead":
            totals[case[1], case[2]] = result["extra"]
    for shape in ("chain", "wide"):
        if (shape, 100_000) in totals:
            big, small = totals[shape, 100_000], totals[shape, 10_000]
            growth = big["total"] / small["total"]
            row(f"SequentialRunner {shape} growth 10k -> 100k", growth, 10.0, None,
                "<= 12x", growth <= 12, unit="x")
            row("  same, garbage collector off (reference)",
                big["total_without_gc"] / small["total_without_gc"], 10.0, unit="x")

    header = ("case", "minikedro", "baseline", "kedro", "goal", "")
    widths = [max(len(str(r[i])) for r in [header, *ROWS]) for i in range(len(header))]
    print()
    for r in [header, tuple("-" * w for w in widths), *ROWS]:
        print(" | ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip())
    return 1 if any(r[-1] == "MISSED" for r in ROWS) else 0


if __name__ == "__main__":
    raise SystemExit(main())
