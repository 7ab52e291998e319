"""Node functions and datasets for the runner tests.

They live at module level in a module that imports nothing heavy, so that
``spawn`` workers can import them quickly by name. Pipelines are built by the
tests; only the functions and dataset classes travel to workers.
"""
from __future__ import annotations

import os
import pickle
import random
import threading
import time
from pathlib import Path
from typing import Any

from minikedro.framework.hooks import PluginManager
from minikedro.io import AbstractDataset, MemoryDataset, SharedMemoryDataset
from minikedro.pipeline import Pipeline, node


def hook_manager(*plugins: Any) -> PluginManager:
    """A hook manager with these plugins registered: what every runner test passes."""
    manager = PluginManager()
    for plugin in plugins:
        manager.register(plugin)
    return manager


def inc(x):
    return x + 1


def add(a, b):
    return a + b


def total(*values):
    return sum(values)


def split_pair(x):
    return x, -x


def as_dict(x):
    return {"p": x, "q": x * 2}


def subtract(left, right):
    return left - right


def scale(x, factor):
    return x * factor


def first_of(pair):
    return pair["first"]


def chunks(n):
    for i in range(n):
        yield i * 10


def chunk_pairs(n):
    for i in range(n):
        yield i, -i


def pid_of(x):
    return os.getpid()


def sink(x):
    """A node with no outputs."""


def fail(x):
    raise ValueError("boom from fail")


def crash(x):
    os._exit(1)


def sleep_long(x):
    time.sleep(60)
    return x


def meet(barrier, x):
    """Wait until every node sharing the barrier has arrived: proves they run at once."""
    barrier.wait(timeout=20)
    return x


def raise_keyboard_interrupt(x):
    raise KeyboardInterrupt


def mix(*values):
    """Deterministic, order-sensitive combination for random DAGs."""
    acc = 17
    for v in values:
        acc = (acc * 31 + v) % 1_000_003
    return acc


def mix_two(*values):
    m = mix(*values)
    return m, (m * 7) % 1_000_003


def random_dag(seed: int, size: int = 30) -> tuple[Pipeline, dict[str, int]]:
    """A seeded random DAG: free inputs ``in0..in2``, one or two outputs per node."""
    rng = random.Random(seed)
    available = ["in0", "in1", "in2"]
    nodes = []
    for i in range(size):
        inputs = rng.sample(available, k=min(len(available), rng.randint(1, 3)))
        if rng.random() < 0.25:
            outputs = [f"d{i}a", f"d{i}b"]
            nodes.append(node(mix_two, inputs, outputs, name=f"n{i:02d}"))
        else:
            outputs = [f"d{i}"]
            nodes.append(node(mix, inputs, outputs[0], name=f"n{i:02d}"))
        available.extend(outputs)
    return Pipeline(nodes), {"in0": 1, "in1": 2, "in2": 3}


class ReleaseLog(SharedMemoryDataset):
    """A shared memory dataset that notes, in the process running the loop, each release."""

    releases: list[str] = []

    def _release(self) -> None:
        ReleaseLog.releases.append(self._dataset_name)
        super()._release()


class PickleFile(AbstractDataset):
    """A minimal persisted dataset: pickles to a file."""

    def __init__(self, path: str) -> None:
        self._path = Path(path)

    def load(self) -> Any:
        return pickle.loads(self._path.read_bytes())

    def save(self, data: Any) -> None:
        self._path.write_bytes(pickle.dumps(data))

    def _exists(self) -> bool:
        return self._path.exists()

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path)}


class SlowDataset(AbstractDataset):
    """Loads and saves take ``delay`` seconds (for async mode)."""

    def __init__(self, data: Any = None, delay: float = 0.1) -> None:
        self._data = data
        self._delay = delay

    def load(self) -> Any:
        time.sleep(self._delay)
        return self._data

    def save(self, data: Any) -> None:
        time.sleep(self._delay)
        self._data = data

    def _exists(self) -> bool:
        return self._data is not None

    def _describe(self) -> dict[str, Any]:
        return {"delay": self._delay}


class LockedDataset(MemoryDataset):
    """Holds a lock, so it cannot be pickled."""

    def __init__(self) -> None:
        super().__init__(data=1)
        self.lock = threading.Lock()


class CallableWithLock:
    """A callable object whose attribute cannot be pickled."""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def __call__(self, x):
        return x


def failing_chunks(x):
    yield 1
    yield 2
    raise ValueError("chunk 2 is bad")


def start_then_wait(started, finish, x):
    started.set()
    if not finish.wait(timeout=20):
        raise TimeoutError("the event was never set")
    return x


def fail_once_started(started, x):
    if not started.wait(timeout=20):
        raise TimeoutError("the other node never started")
    raise ValueError("boom from fail_once_started")


def log_and_return(x):
    """Logs from inside the worker: under spawn the line must still reach the parent."""
    import logging

    logging.getLogger("tests.worker_node").warning("worker says %s", x)
    return x


# -- for test_kedro_hooks_compat.py: what Kedro's docs do with hooks and runners --------


def flaky(x):
    """Fails every time, as a flaky service might: only a retrying wrapper gets a result."""
    raise ConnectionError(f"service unavailable for {x}")


class Retry:
    """A picklable retrying wrapper: what Kedro's docs set with ``node.func = retry(node.func)``."""

    def __init__(self, func, attempts: int = 3) -> None:
        self.func, self.attempts = func, attempts

    def __call__(self, *args):
        failures = 0
        for _ in range(self.attempts):
            try:
                return self.func(*args)
            except ConnectionError:
                failures += 1
        return f"gave up after {failures} attempts"


def closure_retry(func):
    """The usual way to write the same wrapper: a closure, which cannot be pickled."""
    import functools

    @functools.wraps(func)
    def wrapper(*args):
        try:
            return func(*args)
        except ConnectionError:
            return "gave up"

    return wrapper


class TwoPartError(ValueError):
    """Pickles, but cannot be unpickled: its ``__init__`` wants two arguments."""

    def __init__(self, part: str, whole: str) -> None:
        super().__init__(f"{part} of {whole} is wrong")


def raise_two_part(x):
    raise TwoPartError("half", "everything")


class LockedError(LookupError):
    """Holds a lock, so it cannot be pickled at all."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.lock = threading.Lock()


def raise_locked(x):
    raise LockedError("cannot find it")


def fifty_megabytes(x):
    return b"x" * (50 * 1024 * 1024)


def length(data):
    return len(data)


def path_of(path, x):
    """Takes what a before_node_run hook put in place of a dataset: its file path."""
    return f"{path}|{x}"


def _passes_through(func):
    """A decorator written the usual way, which hides that ``func`` is a generator."""
    import functools

    @functools.wraps(func)
    def wrapper(*args):
        return func(*args)

    return wrapper


@_passes_through
def decorated_chunks(n):
    yield from chunks(n)


def iterator_of_chunks(n):
    """Not a generator function: it returns an iterator, which streams all the same."""
    return iter([i * 10 for i in range(n)])
