"""ParallelRunner with a SharedMemoryDataCatalog, as on the seed page.

    python examples/parallel_shared_memory.py

Nodes run in worker processes; intermediate results travel between them through
the catalog's shared-memory datasets. The ``__main__`` guard matters: with the
``spawn`` start method (``KEDRO_MP_CONTEXT=spawn``, the default on macOS and
Windows) each worker imports this file, and must not start a run of its own.
"""
import importlib.util, pathlib, sys  # noqa: E401
if importlib.util.find_spec("minikedro") is None:  # not installed: use this checkout's copy
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import os

from minikedro.io import SharedMemoryDataCatalog
from minikedro.pipeline import node, pipeline
from minikedro.runner import ParallelRunner


def count_primes(limit):
    """Deliberately plain CPU work, the kind ParallelRunner spreads over processes."""
    sieve = bytearray([1]) * (limit + 1)
    sieve[:2] = b"\x00\x00"
    for n in range(2, int(limit**0.5) + 1):
        if sieve[n]:
            sieve[n * n :: n] = bytearray(len(sieve[n * n :: n]))
    return sum(sieve)


def worker_says(count, label):
    return f"{label}: {count} primes (computed in process {os.getpid()})"


def combine(*lines):
    return "\n".join(sorted(lines))


primes = pipeline(
    [node(count_primes, "params:limit", "count", name="count")]
    + [node(worker_says, ["count", f"params:label_{i}"], f"line_{i}", name=f"say_{i}")
       for i in range(3)]
    + [node(combine, [f"line_{i}" for i in range(3)], "report", name="combine")]
)

if __name__ == "__main__":
    # Nothing declared: every dataset becomes a SharedMemoryDataset. (A MemoryDataset
    # entry would be refused: each worker process would write to its own copy.)
    catalog_config = {}
    catalog = SharedMemoryDataCatalog.from_config(catalog_config)
    catalog.add_parameters({"limit": 200_000, "label_0": "a", "label_1": "b", "label_2": "c"})

    runner = ParallelRunner(max_workers=3)
    output_datasets = runner.run(pipeline=primes, catalog=catalog)
    for ds_name, dataset in output_datasets.items():
        print(f"{ds_name}:\n{dataset.load()}")
    print(f"parent process: {os.getpid()}")
