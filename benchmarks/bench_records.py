"""What the run record costs: 10,000 trivial nodes under SequentialRunner, with and without it.

Run ``python benchmarks/bench_records.py [--nodes N] [--repeat R]``. Each case is the CPU
time of the whole process (the recorder's writer thread included), best of R, the cases
taking turns so that a busy machine slows them alike; each is shown as a ratio to "no
hooks". The cases: no hooks; two empty node hooks (the core's cost of calling a hook);
the ``RunRecorder`` that every CLI and ``KedroSession`` run registers; the same drawing
its progress line (to a buffer here, not a terminal). Issue 13 allows the progress line
5% of a 10,000-node run.
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minikedro.hooks import PluginManager, hook_impl  # noqa: E402
from minikedro.io import DataCatalog, MemoryDataset  # noqa: E402
from minikedro.observe.records import RunRecorder  # noqa: E402
from minikedro.pipeline import Pipeline, node  # noqa: E402
from minikedro.runner import SequentialRunner  # noqa: E402


def inc(x):
    return x + 1


class EmptyHooks:
    @hook_impl
    def before_node_run(self, node):
        pass

    @hook_impl
    def after_node_run(self, node):
        pass


def run(pipeline: Pipeline, case: str, folder: str, number: int) -> float:
    """The CPU time of one run of ``pipeline`` in ``case``."""
    catalog = DataCatalog({"d0": MemoryDataset(0)})
    runner, manager = SequentialRunner(), PluginManager()
    gc.collect()
    began = time.process_time()
    recorder = None
    if case == "empty node hooks":
        manager.register(EmptyHooks())
    elif case.startswith("recorder"):
        recorder = RunRecorder(folder, f"run-{number}", None, pipeline, ["__default__"], runner,
                               {}, progress=case == "recorder + progress")
        manager.register(recorder)
        recorder.start()
    runner.run(pipeline, catalog, manager, run_id=f"run-{number}")
    if recorder is not None:
        recorder.finish("completed")
    return time.process_time() - began


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    pipeline = Pipeline([node(inc, f"d{i}", f"d{i + 1}", name=f"n{i}") for i in range(args.nodes)])
    cases = ["no hooks", "empty node hooks", "recorder", "recorder + progress"]
    best = dict.fromkeys(cases, float("inf"))
    with tempfile.TemporaryDirectory() as folder, contextlib.redirect_stderr(io.StringIO()):
        for number in range(args.repeat):
            for case in cases:
                seconds = run(pipeline, case, folder, number * len(cases) + cases.index(case))
                best[case] = min(best[case], seconds)
    print(f"{args.nodes:,} trivial nodes, SequentialRunner, CPU time, best of {args.repeat}:")
    for case in cases:
        print(f"  {case:<22} {best[case] * 1000:7.1f} ms  {best[case] / best['no hooks']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
