"""Time the pipeline model on chain and wide graphs of 1k, 10k and 100k nodes.

Every operation should grow linearly: going from 10k to 100k nodes should
cost about 10x (the table's last column). Usage::

    python benchmarks/bench_pipeline.py            # 1k, 10k, 100k
    python benchmarks/bench_pipeline.py 1000 5000  # chosen sizes
    python benchmarks/bench_pipeline.py --no-gc    # cycle collector off

A "chain" is ``n0 -> n1 -> ... -> nN`` (N layers of one node). A "wide"
pipeline is one source feeding N-2 independent nodes that one sink joins
(three layers, the middle one huge). Each figure is the best of three runs,
each timed after a ``gc.collect()`` so it is not billed for a collection its
predecessor triggered. The "baseline" row allocates as many plain slotted
objects as there are nodes: CPython itself grows faster than 10x from 10k to
100k objects (cache misses, the cycle collector), which bounds what any
pipeline operation can show; ``--no-gc`` separates the two. When Kedro is
importable the same sequence runs on it too, in the same run (its wide shape
only up to ``KEDRO_MAX_NODES``); otherwise the script says "Kedro not
installed: skipped".
"""

from __future__ import annotations

import gc
import importlib
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SIZES = (1_000, 10_000, 100_000)
REPEAT = 3  # each figure is the best of this many runs
GOAL_GROWTH = 12.0
GOAL_TOTAL_SECONDS = 2.5
# Kedro's cost on the wide shape grows quadratically (on the 2-core machine,
# 10,000 nodes took 60 to 70 times as long as 1,000): 100,000 nodes would take
# most of an hour.
KEDRO_MAX_NODES = {"wide": 10_000}


def identity(x: Any) -> Any:
    return x


def join(*parts: Any) -> list[Any]:
    return list(parts)


# Nodes are named: Kedro's generated names hold a 32-bit hash, which two of
# 100,000 nodes share more often than not (a "duplicate node names" error).


def chain_nodes(lib: Any, size: int) -> list[Any]:
    """n0 reads d0 and writes d1; n1 reads d1 and writes d2; ..."""
    return [
        lib.node(identity, f"d{i}", f"d{i + 1}", name=f"n{i}",
                 tags=["even" if i % 2 == 0 else "odd"])
        for i in range(size)
    ]


def wide_nodes(lib: Any, size: int) -> list[Any]:
    """A source, size-2 parallel nodes, and one sink reading all their outputs."""
    middle = [
        lib.node(identity, "src", f"w{i}", name=f"n{i}", tags=["even" if i % 2 == 0 else "odd"])
        for i in range(size - 2)
    ]
    source = lib.node(identity, "raw", "src", name="source")
    sink = lib.node(join, [f"w{i}" for i in range(size - 2)], "out", name="sink")
    return [source, *middle, sink]


class Plain:
    """The baseline: a small object, allocated once per node."""

    __slots__ = ("name", "inputs")

    def __init__(self, name: str, inputs: tuple[str, ...]) -> None:
        self.name = name
        self.inputs = inputs


def best_of(lib: Any, shape: Callable[[Any, int], list[Any]], size: int) -> dict[str, float]:
    """Run the sequence REPEAT times; return the best seconds per operation."""
    runs = [measure(lib, shape, size) for _ in range(REPEAT)]
    return {label: min(run[label] for run in runs) for label in runs[0]}


def measure(lib: Any, shape: Callable[[Any, int], list[Any]], size: int) -> dict[str, float]:
    """Run the benchmark sequence once; return seconds per operation."""
    Pipeline = lib.Pipeline
    times: dict[str, float] = {}

    def timed(label: str, action: Callable[[], Any]) -> Any:
        gc.collect()  # start each operation clean: not billed for earlier garbage
        start = time.perf_counter()
        result = action()
        times[label] = time.perf_counter() - start
        return result

    timed("baseline", lambda: [Plain(f"d{i}", (f"d{i}",)) for i in range(size)])
    nodes = timed("create nodes", lambda: shape(lib, size))
    pipe = timed("Pipeline(...)", lambda: Pipeline(nodes))
    ordered = timed(".nodes", lambda: pipe.nodes)
    middle = ordered[len(ordered) // 2].name
    timed("filter(from_nodes)", lambda: pipe.filter(from_nodes=[middle]))
    timed("only_nodes_with_tags", lambda: pipe.only_nodes_with_tags("even"))
    timed("inputs()", pipe.inputs)
    timed("outputs()", pipe.outputs)
    timed("describe()", pipe.describe)
    half = len(nodes) // 2
    first, second = Pipeline(nodes[:half]), Pipeline(nodes[half:])
    timed("+", lambda: first + second)
    return times


def report(name: str, lib: Any, max_nodes: dict[str, int] | None = None) -> None:
    for shape in (chain_nodes, wide_nodes):
        shape_name = shape.__name__.replace("_nodes", "")
        cap = (max_nodes or {}).get(shape_name, max(SIZES))
        results = {size: best_of(lib, shape, size) for size in SIZES if size <= cap}
        growth = len(SIZES) > 1 and SIZES[-1] in results
        print(f"\n{name}: {shape_name} pipeline (seconds)")
        header = f"{'operation':<22}" + "".join(f"{size:>12,}" for size in SIZES)
        if growth:
            header += f"{'growth':>10}"
        print(header)
        print("-" * len(header))

        def cells(value_at: Callable[[int], float]) -> str:
            return "".join(f"{value_at(s):>12.4f}" if s in results else f"{'-':>12}"
                           for s in SIZES)

        for label in results[SIZES[0]]:
            row = f"{label:<22}" + cells(lambda s: results[s][label])
            if growth:
                before, after = results[SIZES[-2]][label], results[SIZES[-1]][label]
                row += f"{after / before:>9.1f}x" if before > 1e-5 else f"{'-':>10}"
            print(row)
        totals = {
            size: sum(t for label, t in results[size].items() if label != "baseline")
            for size in results
        }
        row = f"{'total':<22}" + cells(lambda s: totals[s])
        if growth:
            row += f"{totals[SIZES[-1]] / totals[SIZES[-2]]:>9.1f}x"
        print(row)
        if len(results) < len(SIZES):
            print(f"(not run above {cap:,} nodes: see KEDRO_MAX_NODES)")
        if name == "minikedro" and len(SIZES) > 1:
            last, before = SIZES[-1], SIZES[-2]
            growth = totals[last] / totals[before]
            baseline = results[last]["baseline"] / results[before]["baseline"]
            print(
                f"goal: total growth {growth:.1f}x <= {GOAL_GROWTH:g}x "
                f"({'ok' if growth <= GOAL_GROWTH else 'over'}; allocation baseline grew "
                f"{baseline:.1f}x), {last:,}-node total {totals[last]:.2f}s <= "
                f"{GOAL_TOTAL_SECONDS:g}s ({'ok' if totals[last] <= GOAL_TOTAL_SECONDS else 'over'})"
            )


def main() -> None:
    global SIZES
    arguments = sys.argv[1:]
    if "--no-gc" in arguments:
        arguments.remove("--no-gc")
        gc.disable()  # gc.collect() between operations still frees their garbage
    if arguments:
        SIZES = tuple(int(arg) for arg in arguments)
    print(f"Python {sys.version.split()[0]}, cycle collector {'on' if gc.isenabled() else 'off'}")
    report("minikedro", importlib.import_module("minikedro.pipeline"))
    try:
        kedro = importlib.import_module("kedro.pipeline")
    except ImportError:
        print("\nKedro not installed: skipped (the same sequence on kedro.pipeline).")
    else:
        report("kedro", kedro, KEDRO_MAX_NODES)


if __name__ == "__main__":
    main()
