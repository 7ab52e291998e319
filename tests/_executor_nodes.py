"""Node functions, hooks and pipeline shapes for the ExecutorRunner and DaskRunner tests.

Worker processes (spawned, or Dask's) import node functions by name, so they
live at the top level of this module rather than inside the tests.
"""
from __future__ import annotations

import os
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterator

from minikedro.datasets import JSONDataset, PickleDataset
from minikedro.framework.hooks import hook_impl
from minikedro.io import AbstractDataset, DataCatalog, Version
from minikedro.pipeline import Pipeline, node

# -- node functions -------------------------------------------------------------------


def inc(x: int) -> int:
    return x + 1


def double(x: int) -> int:
    return 2 * x


def add(a: int, b: int) -> int:
    return a + b


def total(*values: int) -> int:
    return sum(values)


def summed(values: list[int]) -> int:
    return sum(values)


def split_pair(x: int) -> tuple[int, int]:
    return x, -x


def low_high(x: int) -> dict[str, int]:
    return {"low": x - 1, "high": x + 1}


def scaled(x: int, factor: int, offset: int = 0) -> int:
    return x * factor + offset


def squares(n: int) -> Iterator[tuple[int, int]]:
    """A generator node with two outputs: each chunk is (i, i * i)."""
    for i in range(n):
        yield i, i * i


def source() -> int:
    return 7


def where_am_i(x: Any) -> int:
    return os.getpid()


def fail(x: Any) -> Any:
    raise ValueError(f"bad value {x!r}")


def meet(barrier: Any, x: int) -> int:
    """Returns only when the other node holding the same barrier runs at the same time."""
    barrier.wait(timeout=20)
    return x


def cpu_work(seconds: float, tag: int = 0) -> int:
    """Spin the CPU for about ``seconds`` (pure Python: holds the GIL)."""
    import time

    end, count = time.perf_counter() + seconds, 0
    while time.perf_counter() < end:
        count += 1
    return tag


def announce_then_spin(folder: str, seconds: float) -> int:
    """Leave a file saying this node started, then hold the CPU (for the Ctrl-C test)."""
    Path(folder, f"started-{os.getpid()}").touch()
    return cpu_work(seconds)


def identity(x: Any) -> Any:
    return x


# -- executors and datasets -------------------------------------------------------------


class RecordingPool(ThreadPoolExecutor):
    """A thread pool that remembers being shut down (for the ownership tests)."""

    made: list[RecordingPool] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kwargs, self.shut_down = kwargs, False
        RecordingPool.made.append(self)

    def shutdown(self, wait: bool = True, **kwargs: Any) -> None:
        self.shut_down = True
        super().shutdown(wait, **kwargs)


class LockedDataset(AbstractDataset):
    """A persisted-looking dataset holding a lock: it cannot travel to a worker."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def load(self) -> Any:
        return 1

    def save(self, data: Any) -> None:
        pass

    def _describe(self) -> dict[str, Any]:
        return {}


# -- hooks --------------------------------------------------------------------------------


class EventHooks:
    """Records every node and dataset hook as (hook, node name, ...) in the process it runs in."""

    def __init__(self) -> None:
        self.events: list[tuple] = []
        self.pids: set[int] = set()

    def _note(self, *event: Any) -> None:
        self.pids.add(os.getpid())
        self.events.append(event)

    def of_node(self, name: str) -> list[tuple]:
        return [event for event in self.events if event[1] == name]

    @hook_impl
    def before_node_run(self, node):
        self._note("before_node_run", node.name)

    @hook_impl
    def after_node_run(self, node):
        self._note("after_node_run", node.name)

    @hook_impl
    def on_node_error(self, node, error):
        self._note("on_node_error", node.name, type(error).__name__)

    @hook_impl
    def before_dataset_loaded(self, dataset_name, node):
        self._note("before_dataset_loaded", node.name, dataset_name)

    @hook_impl
    def after_dataset_loaded(self, dataset_name, node):
        self._note("after_dataset_loaded", node.name, dataset_name)

    @hook_impl
    def before_dataset_saved(self, dataset_name, node):
        self._note("before_dataset_saved", node.name, dataset_name)

    @hook_impl
    def after_dataset_saved(self, dataset_name, node):
        self._note("after_dataset_saved", node.name, dataset_name)


class DataHooks(EventHooks):
    """Like EventHooks, but asks for the data too: inputs, outputs, dataset data."""

    @hook_impl
    def before_node_run(self, node, inputs):
        self._note("before_node_run", node.name, dict(inputs))

    @hook_impl
    def after_node_run(self, node, inputs, outputs):
        self._note("after_node_run", node.name, dict(inputs), _plain(outputs))

    @hook_impl
    def after_dataset_loaded(self, dataset_name, data, node):
        self._note("after_dataset_loaded", node.name, dataset_name, data)

    @hook_impl
    def after_dataset_saved(self, dataset_name, data, node):
        self._note("after_dataset_saved", node.name, dataset_name, data)


def _plain(outputs: dict) -> dict:
    """Generator outputs are iterators (or a description): keep only their names."""
    return {k: v if isinstance(v, (int, float, str, list, tuple, dict)) else "<iter>"
            for k, v in outputs.items()}


class Replace:
    """A before_node_run hook that replaces one input of one node."""

    def __init__(self, node_name: str, replacement: dict) -> None:
        self.node_name, self.replacement = node_name, replacement

    @hook_impl
    def before_node_run(self, node):
        return self.replacement if node.name == self.node_name else None


# -- pipeline shapes: name -> builder(folder) returning (pipeline, catalog factory) --------

Shape = Callable[[Path], "tuple[Pipeline, Callable[[], DataCatalog]]"]


def _memory(raw: dict) -> Callable[[], DataCatalog]:
    return lambda: DataCatalog(raw_data=raw)


def chain(folder: Path):
    nodes = [node(inc, f"d{i}", f"d{i + 1}", name=f"n{i}") for i in range(6)]
    return Pipeline(nodes), _memory({"d0": 0})


def diamond(folder: Path):
    return Pipeline([
        node(inc, "a", "b", name="left"),
        node(double, "a", "c", name="right"),
        node(add, ["b", "c"], "d", name="join"),
    ]), _memory({"a": 5})


def wide(folder: Path):
    middle = [node(scaled, ["src", f"params:f{i}"], f"w{i}", name=f"w{i}") for i in range(8)]
    return Pipeline([
        node(identity, "raw", "src", name="source"),
        *middle,
        node(total, [f"w{i}" for i in range(8)], "sum", name="sink"),
    ]), _with_params({"raw": 3}, {f"f{i}": i for i in range(8)})


def outputs_and_dicts(folder: Path):
    return Pipeline([
        node(split_pair, "x", ["pos", "neg"], name="split"),
        node(low_high, "pos", {"low": "lo", "high": "hi"}, name="bounds"),
        node(scaled, {"x": "hi", "factor": "params:model.factor", "offset": "neg"}, "y",
             name="kw"),
        node(add, ["lo", "lo"], "twice_lo", name="same_input_twice"),
    ]), _with_params({"x": 4}, {"model": {"factor": 3}})


def generator_and_source(folder: Path):
    return Pipeline([
        node(source, None, "n", name="source"),
        node(squares, "n", ["i", "i2"], name="squares"),
        node(add, ["i", "i2"], "last", name="after_chunks"),
    ]), _memory({})


def components(folder: Path):
    return Pipeline([
        node(inc, "a0", "a1", name="a"), node(inc, "a1", "a2", name="a2"),
        node(double, "b0", "b1", name="b"), node(double, "b1", "b2", name="b2"),
        node(where_am_i, "b2", "pid", name="pid"),
    ]), _memory({"a0": 1, "b0": 2})


def persisted(folder: Path):
    """Intermediate data in files: the workers save and load them."""
    def catalog() -> DataCatalog:
        return DataCatalog({
            "raw": JSONDataset(folder / "raw.json"),
            "cleaned": PickleDataset(folder / "cleaned.pkl"),
            "model": PickleDataset(folder / "model.pkl", version=Version(None, None)),
            "report": JSONDataset(folder / "report.json"),
        }, raw_data={"factor": 2})

    (folder / "raw.json").write_text("[1, 2, 3]")
    return Pipeline([
        node(summed, "raw", "cleaned", name="clean"),
        node(scaled, ["cleaned", "factor"], "model", name="train"),
        node(add, ["model", "cleaned"], "score", name="score"),
        node(split_pair, "score", ["report", "neg_score"], name="report"),
    ]), catalog


def random_dag(folder: Path, size: int = 30, seed: int = 2024):
    """Each node adds up to three earlier datasets (a seeded random DAG)."""
    rng = random.Random(seed)
    nodes = []
    for i in range(size):
        parents = sorted(rng.sample(range(i), min(i, rng.randint(1, 3)))) if i else []
        inputs = [f"r{p}" for p in parents] or ["seed"]
        nodes.append(node(total, inputs, f"r{i}", name=f"rand{i:02d}"))
    return Pipeline(nodes), _memory({"seed": 1})


def _with_params(raw: dict, params: dict) -> Callable[[], DataCatalog]:
    def catalog() -> DataCatalog:
        built = DataCatalog(raw_data=raw)
        built.add_parameters(params)
        return built
    return catalog


SHAPES: dict[str, Shape] = {
    shape.__name__: shape
    for shape in (chain, diamond, wide, outputs_and_dicts, generator_and_source,
                  components, persisted, random_dag)
}


def results(outputs: dict[str, Any], folder: Path) -> dict[str, Any]:
    """What a run produced: its free outputs' data, and the files it wrote (not versions)."""
    found = {name: dataset.load() for name, dataset in outputs.items() if name != "pid"}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in (".json", ".pkl"):
            relative = path.relative_to(folder)
            # A versioned file's folder name is the same under every runner; its version is not.
            key = relative.parts[0] if len(relative.parts) > 1 else str(relative)
            found[f"file:{key}"] = path.read_bytes()
    return found
