"""Benchmarks for minikedro's runners, each beside a plain-Python baseline measured in the same run.

Run ``python benchmarks/bench_runner.py`` (a few minutes on 2 cores) or add
``--quick`` for a smaller run. Every "baseline" is plain Python doing the same
work, measured in the same run; a figure that is a constant is called "ideal"
and is part of the case's name. When Kedro is importable the same pipelines
run under Kedro's runners too, in the same run (its column says "-" for sizes
Kedro would take minutes over); otherwise the script says "Kedro not
installed: skipped". Times are followed by their ratio to the row's baseline.

What is measured (the goals are those of the runner's design brief):

- SequentialRunner overhead per node (CPU time) on a chain and a wide fan-out of
  trivial nodes, at 1k/10k/100k nodes (goal: <= 10 us/node at 10k, and per node at
  100k within 1.3x of that at 10k); baseline: calling the functions in a loop;
- ThreadRunner on 1,000 and 10,000 trivial nodes (goal <= 1 s at 10k);
  baseline: the same calls through a ThreadPoolExecutor;
- ParallelRunner on 200 and 1,000 trivial nodes (goal <= 3 s at 1k); baseline:
  a ProcessPoolExecutor;
- ParallelRunner on 4 CPU-bound nodes of 0.5 s: speed-up over SequentialRunner
  (goal >= 1.8x; ideal: the CPU count, at most 4); baseline: a
  ProcessPoolExecutor's speed-up over a loop on the same work;
- ThreadRunner, 64 workers, 64 nodes sleeping 50 ms (goal <= 1.5x the ideal
  50 ms); baseline: a ThreadPoolExecutor of 64 threads;
- async mode: one node with 8 inputs and 4 outputs, 100 ms per load/save
  (goal <= 0.25 s; ideal 0.2 s); baseline: a thread per load, then per save;
- a 20-node chain of 50 MB objects: most such objects alive at once (goal <= 2;
  under ParallelRunner <= 2.5 in the parent and <= 3 in any worker);
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
import tempfile
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
        if Payload.live > Payload.peak:
            Payload.peak = Payload.live
            if os.environ.get("BENCH_PEAKS_DIR"):  # a worker process's peak, for the parent
                Path(os.environ["BENCH_PEAKS_DIR"], str(os.getpid())).write_text(str(Payload.peak))

    def __reduce__(self):
        return Payload, (self.step,)

    def __del__(self):
        Payload.live -= 1


def first_payload(seed):
    return Payload(seed)


def grow(payload):
    return Payload(payload.step + 1)


def slow_dataset_class(base):
    """A dataset type on ``base`` (minikedro's or Kedro's AbstractDataset): 100 ms per load or save."""

    class SlowDataset(base):
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

    return SlowDataset


# -- helpers ------------------------------------------------------------------------------


REPEATS = 3  # each timing is the best of this many, as timeit does: the machine may be shared


def timed(function, *args, repeats=None, clock=time.perf_counter, **kwargs):
    best = float("inf")
    for _ in range(repeats or REPEATS):
        gc.collect()
        started = clock()
        function(*args, **kwargs)
        best = min(best, clock() - started)
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


def kedro_time(runner_name, make_pipeline, size=0, repeats=1, **kwargs):
    """Kedro's best time on ``make_pipeline(kedro.pipeline)``; None without Kedro or above its cap."""
    if kedro_runner is None or size > KEDRO_MAX_NODES[runner_name]:
        return None
    return timed(run_kedro, runner_name, make_pipeline(kedro_pipeline),
                 runner_name == "ParallelRunner", repeats=repeats, **kwargs)


def kedro_version():
    from importlib.metadata import version

    return version("kedro")


def loop_baseline(n):
    x = 0
    for _ in range(n):
        x = inc(x)


def pool_baseline(pool_type, n, **kwargs):
    with pool_type(**kwargs) as pool:
        for future in [pool.submit(inc, i) for i in range(n)]:
            future.result()


ROWS = []
KEDRO_SKIPPED = "Kedro not installed: skipped"


def row(case, ours, baseline=None, kedro=None, goal="", ok=None, unit="s", kedro_case=True):
    """Add a result; ``kedro_case=False`` for cases that have no Kedro counterpart."""
    def show(value, ratio=False):
        if value is None:
            return "-"
        if unit == "us/node":
            return f"{value:.1f} us/node"
        if unit == "x":
            return f"{value:.2f}x"
        if unit == "":
            return f"{value}"
        text = f"{value:.3f} s"
        if ratio and baseline:  # a time: say how it compares with the baseline
            text += f" ({value / baseline:.1f}x baseline)"
        return text

    verdict = "" if ok is None else ("ok" if ok else "MISSED")
    kedro_text = "skipped" if kedro_runner is None and kedro_case else show(kedro, ratio=True)
    ROWS.append((case, show(ours, ratio=True), show(baseline), kedro_text, goal, verdict))


# -- the cases ----------------------------------------------------------------------------


def sequential_overhead(shape_name, n):
    shape = {"chain": chain, "wide": wide}[shape_name]
    pipeline = shape(n)
    # CPU time, not wall time: a single-threaded run's cost, whatever else the machine runs.
    repeats, cpu = 2 if n >= 100_000 else REPEATS, time.process_time
    elapsed = timed(run, SequentialRunner(), pipeline, repeats=repeats, clock=cpu)
    base = timed(loop_baseline, n, repeats=repeats, clock=cpu)
    per_node = (elapsed - base) / n * 1e6
    kedro = kedro_time("SequentialRunner", lambda lib: shape(n, lib), n)
    goal, ok = ("<= 10 us/node", per_node <= 10) if n == 10_000 else ("", None)
    row(f"SequentialRunner {shape_name} {n:,} nodes: overhead", per_node, base / n * 1e6,
        None if kedro is None else (kedro - base) / n * 1e6, goal, ok, unit="us/node")
    # For reference: the same run with the cyclic garbage collector off shows how
    # much of any growth is the collector scanning a bigger heap.
    gc.disable()
    without_gc = timed(run, SequentialRunner(), pipeline, repeats=repeats, clock=cpu)
    gc.enable()
    return {"total": elapsed, "total_without_gc": without_gc, "per_node": per_node}


def thread_runner_trivial(n):
    elapsed = timed(run, ThreadRunner(), wide(n))
    base = timed(pool_baseline, ThreadPoolExecutor, n)
    kedro = kedro_time("ThreadRunner", lambda lib: wide(n, lib), n)
    row(f"ThreadRunner {n:,} trivial nodes", elapsed, base, kedro,
        "<= 1 s" if n == 10_000 else "", elapsed <= 1 if n == 10_000 else None)


def parallel_runner_trivial(n):
    elapsed = timed(run, ParallelRunner(), wide(n), SharedMemoryDataCatalog)
    base = timed(pool_baseline, ProcessPoolExecutor, n)
    kedro = kedro_time("ParallelRunner", lambda lib: wide(n, lib), n)
    row(f"ParallelRunner {n:,} trivial nodes", elapsed, base, kedro,
        "<= 3 s" if n == 1_000 else "", elapsed <= 3 if n == 1_000 else None)


def burners(lib=mk_pipeline):
    return lib.Pipeline([lib.node(burn, "d0", f"o{i}", name=f"burn{i}") for i in range(4)])


def burn_in_a_loop():
    for i in range(4):
        burn(i)


def burn_in_a_pool():
    with ProcessPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        list(pool.map(burn, range(4)))


def parallel_speedup():
    pipeline = burners()
    sequential = timed(run, SequentialRunner(), pipeline)
    parallel = timed(run, ParallelRunner(), pipeline, SharedMemoryDataCatalog)
    speedup = sequential / parallel
    base = timed(burn_in_a_loop) / timed(burn_in_a_pool)
    kedro = None
    if kedro_runner is not None:
        kedro = (kedro_time("SequentialRunner", burners, repeats=REPEATS)
                 / kedro_time("ParallelRunner", burners, repeats=REPEATS))
    ideal = min(4, os.cpu_count() or 1)
    row(f"ParallelRunner 4 x 0.5 s CPU: speed-up over Sequential ({os.cpu_count()} cpus, "
        f"ideal {ideal:.2f}x)", speedup, base, kedro, ">= 1.8x", speedup >= 1.8, unit="x")


def sleepers(lib=mk_pipeline):
    return lib.Pipeline([lib.node(nap, "d0", f"o{i}", name=f"nap{i}") for i in range(64)])


def naps_in_a_pool():
    with ThreadPoolExecutor(max_workers=64) as pool:
        list(pool.map(nap, range(64)))


def thread_sleepers():
    elapsed = timed(run, ThreadRunner(max_workers=64), sleepers())
    base = timed(naps_in_a_pool)
    kedro = kedro_time("ThreadRunner", sleepers, repeats=REPEATS, max_workers=64)
    row("ThreadRunner 64 workers x 64 nodes of 50 ms (ideal 0.050 s)", elapsed, base, kedro,
        "<= 1.5x ideal", elapsed <= 1.5 * 0.05)


ASYNC_INPUTS = [f"in{i}" for i in range(8)]
ASYNC_OUTPUTS = [f"out{i}" for i in range(4)]


def slow_datasets(base):
    dataset_type = slow_dataset_class(base)
    datasets = {name: dataset_type(i) for i, name in enumerate(ASYNC_INPUTS)}
    datasets.update({name: dataset_type() for name in ASYNC_OUTPUTS})
    return datasets


def async_run(io_lib, pipeline_lib, runner_lib):
    pipeline = pipeline_lib.Pipeline(
        [pipeline_lib.node(gather, ASYNC_INPUTS, ASYNC_OUTPUTS, name="gather")])
    catalog = io_lib.DataCatalog(slow_datasets(io_lib.AbstractDataset))
    runner_lib.SequentialRunner(is_async=True).run(pipeline, catalog)


def async_baseline():
    """What async mode does, by hand: a thread per load, the call, a thread per save."""
    datasets = slow_datasets(AbstractDataset)
    with ThreadPoolExecutor(max_workers=len(ASYNC_INPUTS)) as pool:
        values = list(pool.map(lambda name: datasets[name].load(), ASYNC_INPUTS))
        results = gather(*values)
        list(pool.map(lambda pair: datasets[pair[0]].save(pair[1]),
                      zip(ASYNC_OUTPUTS, results)))


def async_io():
    import minikedro.io as mk_io
    import minikedro.runner as mk_runner

    elapsed = timed(async_run, mk_io, mk_pipeline, mk_runner)
    base = timed(async_baseline)
    kedro = None
    if kedro_runner is not None:
        kedro = timed(async_run, kedro_io, kedro_pipeline, kedro_runner)
    row("async: 1 node, 8 inputs + 4 outputs, 100 ms each (ideal 0.200 s)", elapsed, base,
        kedro, "<= 0.25 s", elapsed <= 0.25)


def big_objects():
    pipeline = Pipeline([node(first_payload, "seed", "p0", name="first"),
                         *(node(grow, f"p{i}", f"p{i + 1}", name=f"grow{i:02d}")
                           for i in range(19))])
    for runner, catalog_type in ((SequentialRunner(), DataCatalog),
                                 (ThreadRunner(), DataCatalog),
                                 (ParallelRunner(), SharedMemoryDataCatalog)):
        Payload.live = Payload.peak = 0
        catalog = catalog_type(raw_data={"seed": 0})
        with tempfile.TemporaryDirectory() as peaks:
            os.environ["BENCH_PEAKS_DIR"] = peaks  # the workers inherit it
            runner.run(pipeline, catalog)
            del os.environ["BENCH_PEAKS_DIR"]
            in_workers = [int(p.read_text()) for p in Path(peaks).iterdir()
                          if p.name != str(os.getpid())]
        parallel = isinstance(runner, ParallelRunner)
        goal = 2.5 if parallel else 2
        row(f"{type(runner).__name__}: 50 MB objects alive at once"
            f"{' (in the parent)' if parallel else ''}", Payload.peak, None, None,
            f"<= {goal}", Payload.peak <= goal, unit="", kedro_case=False)
        if parallel:
            worst = max(in_workers, default=0)
            row("ParallelRunner: 50 MB objects alive at once (in the busiest worker)", worst,
                None, None, "<= 3", worst <= 3, unit="", kedro_case=False)
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
        None, None, "", None, unit="us/node", kedro_case=False)
    row("all INFO lines (+ node and catalog), cost per node", (everything - quiet) / n * 1e6,
        None, None, "", None, unit="us/node", kedro_case=False)


def cases(quick: bool) -> list[tuple]:
    sizes = [1_000, 10_000, 100_000]  # the growth to 100k is a goal: measured even when quick
    return [
        *(("sequential_overhead", shape, n) for shape in ("chain", "wide") for n in sizes),
        *(("thread_runner_trivial", n) for n in ([1_000] if quick else [1_000, 10_000])),
        *(("parallel_runner_trivial", n) for n in ([200] if quick else [200, 1_000])),
        ("parallel_speedup",),
        ("thread_sleepers",),
        ("async_io",),
        ("big_objects",),
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

    kedro = (f"Kedro {kedro_version()} measured in the same run" if kedro_runner
             else KEDRO_SKIPPED)
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cpus, "
          f"start method {os.environ.get('KEDRO_MP_CONTEXT') or 'default'}, "
          f"{kedro}; each case in a fresh interpreter, best of {REPEATS}", flush=True)
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
            growth = big["per_node"] / small["per_node"]
            row(f"SequentialRunner {shape}: overhead per node at 100k / at 10k (linear: 1x)",
                growth, None, None, "<= 1.3x", growth <= 1.3, unit="x", kedro_case=False)
            row("  total time 100k / 10k, garbage collector off (reference; linear: 10x)",
                big["total_without_gc"] / small["total_without_gc"], unit="x", kedro_case=False)

    header = ("case", "minikedro", "baseline", "kedro", "goal", "")
    widths = [max(len(str(r[i])) for r in [header, *ROWS]) for i in range(len(header))]
    print()
    for r in [header, tuple("-" * w for w in widths), *ROWS]:
        print(" | ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip())
    if kedro_runner is None:
        print(f"\n{KEDRO_SKIPPED}")
    return 1 if any(r[-1] == "MISSED" for r in ROWS) else 0


if __name__ == "__main__":
    raise SystemExit(main())
