"""Asynchronous loading and saving (``--async``): a node's inputs load at the same time.

    python examples/async_io.py

Three inputs that each take 0.2 s to load: about 0.6 s one after another, about
0.2 s with ``SequentialRunner(is_async=True)`` (``minikedro run --async``).
"""
import importlib.util, pathlib, sys  # noqa: E401
if importlib.util.find_spec("minikedro") is None:  # not installed: use this checkout's copy
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import time

from minikedro.io import AbstractDataset, DataCatalog
from minikedro.pipeline import node, pipeline
from minikedro.runner import SequentialRunner


class SlowDataset(AbstractDataset):
    """Stands for a database or a remote file: every load waits."""

    def __init__(self, value, delay=0.2):
        self._value, self._delay = value, delay

    def load(self):
        time.sleep(self._delay)
        return self._value

    def save(self, data):
        time.sleep(self._delay)

    def _describe(self):
        return {"value": self._value, "delay": self._delay}


def add(a, b, c):
    return a + b + c


adder = pipeline([node(add, ["a", "b", "c"], "total", name="add")])

if __name__ == "__main__":
    for is_async in (False, True):
        catalog = DataCatalog({name: SlowDataset(n) for n, name in enumerate("abc", 1)})
        started = time.perf_counter()
        outputs = SequentialRunner(is_async=is_async).run(adder, catalog)
        seconds = time.perf_counter() - started
        print(f"is_async={is_async}: total={outputs['total'].load()} in {seconds:.2f} s")
