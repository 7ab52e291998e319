"""Time the data catalog: building from config, pattern resolution, load/save.

Prints microseconds per operation. Usage::

    python benchmarks/bench_catalog.py          # default sizes
    python benchmarks/bench_catalog.py 0.1      # a tenth of the iterations

What is measured:

- ``from_config``: a 10,000-entry catalog (plain entries of several types,
  plus a few dataset factory patterns), per entry;
- resolving 10,000 new names through those patterns, per name;
- 100,000 save+load round trips on a ``MemoryDataset``, directly and
  through the catalog (``catalog.save``/``catalog.load``, INFO logging off);
- save+load round trips on a ``SharedMemoryDataset`` attached to a real
  multiprocessing manager (each is a round trip to the manager process).
"""

from __future__ import annotations

import gc
import sys
import time
from multiprocessing.managers import BaseManager
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minikedro.io import DataCatalog, MemoryDataset, SharedMemoryDataset  # noqa: E402


class DatasetManager(BaseManager):
    pass


DatasetManager.register(
    "MemoryDataset", MemoryDataset, exposed=("load", "save", "exists", "release", "_describe")
)


def timed(label: str, count: int, operation: Callable[[], object]) -> float:
    """Run ``operation`` once and print its cost per item of ``count``."""
    gc.collect()
    start = time.perf_counter()
    operation()
    seconds = time.perf_counter() - start
    print(f"{label:<58} {count:>8,}  {seconds * 1e6 / count:9.2f} µs/op  ({seconds:.3f} s)")
    return seconds


def catalog_config(entries: int) -> dict:
    kinds = [
        {"type": "MemoryDataset"},
        {"type": "PickleDataset", "filepath": "data/{i}.pkl"},
        {"type": "json.JSONDataset", "filepath": "data/{i}.json", "versioned": True},
        {"type": "CSVDataset", "filepath": "data/{i}.csv", "load_args": {"delimiter": ";"}},
    ]
    config = {}
    for i in range(entries - 4):
        entry = dict(kinds[i % len(kinds)])
        if "filepath" in entry:
            entry["filepath"] = entry["filepath"].format(i=i)
        config[f"dataset_{i}"] = entry
    config["{name}_csv"] = {"type": "CSVDataset", "filepath": "data/{name}.csv"}
    config["{namespace}.{name}_pkl"] = {"type": "PickleDataset", "filepath": "data/{namespace}/{name}.pkl"}
    config["raw_{name}_json"] = {"type": "JSONDataset", "filepath": "data/01_raw/{name}.json", "versioned": True}
    config["{default}"] = {"type": "MemoryDataset"}
    return config


def main(scale: float = 1.0) -> None:
    entries, names = int(10_000 * scale), int(10_000 * scale)
    round_trips, shared_round_trips = int(100_000 * scale), int(10_000 * scale)
    print(f"Python {sys.version.split()[0]}")

    config = catalog_config(entries)
    holder: dict = {}
    timed("DataCatalog.from_config (per entry)", entries,
          lambda: holder.setdefault("catalog", DataCatalog.from_config(config)))
    catalog = holder["catalog"]
    pattern_names = [
        (f"ns{i}.table{i}_pkl", f"raw_file{i}_json", f"file{i}_csv")[i % 3] for i in range(names)
    ]
    timed("resolve a new name through patterns (per name)", names,
          lambda: [catalog[name] for name in pattern_names])
    timed("lookup of an already resolved name (per name)", names,
          lambda: [catalog[name] for name in pattern_names])

    direct = MemoryDataset()

    def direct_round_trips() -> None:
        for i in range(round_trips):
            direct.save(i)
            direct.load()

    timed("MemoryDataset save+load, direct (per round trip)", round_trips, direct_round_trips)

    memory_catalog = DataCatalog({"x": MemoryDataset()})

    def catalog_round_trips() -> None:
        for i in range(round_trips):
            memory_catalog.save("x", i)
            memory_catalog.load("x")

    timed("MemoryDataset save+load via catalog (per round trip)", round_trips, catalog_round_trips)

    runtime_catalog = DataCatalog()

    def runtime_defaults() -> None:
        for i in range(names):
            runtime_catalog.get(f"intermediate_{i}", fallback_to_runtime_pattern=True)

    timed("runtime default dataset creation (per name)", names, runtime_defaults)

    with DatasetManager() as manager:
        shared = SharedMemoryDataset(manager)

        def shared_round_trips_() -> None:
            for i in range(shared_round_trips):
                shared.save(i)
                shared.load()

        timed("SharedMemoryDataset save+load, real manager (per trip)", shared_round_trips,
              shared_round_trips_)


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
