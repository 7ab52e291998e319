"""Time DaskRunner: a CPU-bound pipeline, and the cost per node against plain Dask.

1. Four independent CPU-bound nodes of 0.5 s each (pure Python, so threads
   would not help): SequentialRunner, then DaskRunner on a running
   ``LocalCluster`` of two single-threaded worker processes, then
   ``DaskRunner(n_workers=2)`` starting and closing its own cluster.
2. The overhead per node, for 1,000 trivial nodes, measured in the same run
   on the same cluster against a baseline of plain ``client.submit`` calls
   doing the same work (best of three, the two alternating):

   - chain: each node needs the one before. Baseline: submit one task, wait
     for its result, submit the next.
   - wide: 1,000 independent nodes. Baseline: submit all, then gather.

Usage (needs Dask: ``pip install 'minikedro[dask]'``; without it the script
says so and exits 0)::

    python benchmarks/bench_dask.py            # 1,000 trivial nodes
    python benchmarks/bench_dask.py 200        # fewer
"""
from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minikedro.io import DataCatalog  # noqa: E402
from minikedro.pipeline import Pipeline, node  # noqa: E402
from minikedro.runner import SequentialRunner  # noqa: E402

CPU_NODES, CPU_SECONDS = 4, 0.5
TRIVIAL_NODES = 1_000
WORKERS = 2
REPEAT = 3  # part 2 reports the best of this many runs of each


def spin(tag: int) -> int:
    """Hold the CPU for CPU_SECONDS in pure Python."""
    end = time.perf_counter() + CPU_SECONDS
    while time.perf_counter() < end:
        pass
    return tag


def inc(x: int) -> int:
    return x + 1


def cpu_pipeline() -> tuple[Pipeline, Callable[[], DataCatalog]]:
    nodes = [node(spin, f"tag{i}", f"out{i}", name=f"spin{i}") for i in range(CPU_NODES)]
    return Pipeline(nodes), lambda: DataCatalog(raw_data={f"tag{i}": i for i in range(CPU_NODES)})


def chain_pipeline(size: int) -> tuple[Pipeline, Callable[[], DataCatalog]]:
    nodes = [node(inc, f"c{i}", f"c{i + 1}", name=f"c{i}") for i in range(size)]
    return Pipeline(nodes), lambda: DataCatalog(raw_data={"c0": 0})


def wide_pipeline(size: int) -> tuple[Pipeline, Callable[[], DataCatalog]]:
    nodes = [node(inc, f"w{i}", f"v{i}", name=f"w{i}") for i in range(size)]
    return Pipeline(nodes), lambda: DataCatalog(raw_data={f"w{i}": i for i in range(size)})


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def run(runner: Any, shape: tuple[Pipeline, Callable[[], DataCatalog]]) -> tuple[float, dict]:
    pipeline, catalog = shape
    seconds, outputs = timed(lambda: runner.run(pipeline, catalog()))
    return seconds, {name: dataset.load() for name, dataset in outputs.items()}


def baseline_chain(client: Any, size: int) -> int:
    x = 0
    for _ in range(size):
        x = client.submit(inc, x, pure=False).result()
    return x


def baseline_wide(client: Any, size: int) -> list[int]:
    return client.gather([client.submit(inc, i, pure=False) for i in range(size)])


def main() -> int:
    try:
        import distributed
    except ImportError:
        print("Dask is not installed (pip install 'minikedro[dask]'): benchmark skipped.")
        return 0
    from minikedro.runner.dask_runner import DaskRunner

    size = int(sys.argv[1]) if len(sys.argv) > 1 else TRIVIAL_NODES
    logging.basicConfig(level=logging.WARNING)  # no per-node progress lines in the timings
    print(f"Python {sys.version.split()[0]}, Dask {distributed.__version__}, "
          f"{os.cpu_count()} CPUs; LocalCluster of {WORKERS} processes x 1 thread")

    print(f"\n1. {CPU_NODES} independent CPU-bound nodes of {CPU_SECONDS} s")
    sequential, expected = run(SequentialRunner(), cpu_pipeline())
    with distributed.LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        run(DaskRunner(cluster.scheduler_address), cpu_pipeline())  # warm the workers up
        dask, got = run(DaskRunner(cluster.scheduler_address), cpu_pipeline())
        assert got == expected
        print(f"   SequentialRunner                      {sequential:6.2f} s")
        ideal = CPU_NODES * CPU_SECONDS / WORKERS
        print(f"   DaskRunner, cluster already running   {dask:6.2f} s   "
              f"({sequential / dask:.2f}x faster; ideal {ideal:.2f} s)")

        print(f"\n2. {size:,} trivial nodes: milliseconds per node")
        print(f"   {'shape':<8}{'DaskRunner':>12}{'client.submit':>15}{'overhead':>11}")
        with distributed.Client(cluster.scheduler_address) as client:
            for name, shape, baseline in (("chain", chain_pipeline, baseline_chain),
                                          ("wide", wide_pipeline, baseline_wide)):
                ours = plain = float("inf")
                for _ in range(REPEAT):  # alternate, so both see the same machine
                    seconds, outputs = run(DaskRunner(cluster.scheduler_address), shape(size))
                    ours = min(ours, seconds)
                    seconds, result = timed(lambda: baseline(client, size))
                    plain = min(plain, seconds)
                    assert (outputs[f"c{size}"] == result) if name == "chain" else (
                        sorted(outputs.values()) == sorted(result))
                per_node, per_task = 1000 * ours / size, 1000 * plain / size
                print(f"   {name:<8}{per_node:>12.2f}{per_task:>15.2f}"
                      f"{per_node - per_task:>+11.2f}")

    own, got = run(DaskRunner(n_workers=WORKERS), cpu_pipeline())
    assert got == expected
    print(f"\n3. DaskRunner(n_workers={WORKERS}) starting and closing its own cluster: "
          f"{own:.2f} s for the CPU-bound pipeline")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
