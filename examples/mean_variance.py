"""The seed page's Python API example: a pipeline, a DataCatalog, a SequentialRunner.

    python examples/mean_variance.py

prints the catalog's names, then {'v': 0.666...}. As in Kedro 1.x,
``runner.run`` returns the output *datasets*; ``.load()`` gives their data.
"""
import importlib.util, pathlib, sys  # noqa: E401
if importlib.util.find_spec("minikedro") is None:  # not installed: use this checkout's copy
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from minikedro.io import DataCatalog, MemoryDataset
from minikedro.pipeline import node, pipeline
from minikedro.runner import SequentialRunner


def mean(xs, n):
    return sum(xs) / n


def mean_sos(xs, n):
    return sum(x**2 for x in xs) / n


def variance(m, m2):
    return m2 - m * m


variance_pipeline = pipeline(
    [
        node(len, "xs", "n"),
        node(mean, ["xs", "n"], "m", name="mean_node"),
        node(mean_sos, ["xs", "n"], "m2", name="mean_sos"),
        node(variance, ["m", "m2"], "v", name="variance_node"),
    ]
)

io = DataCatalog(dict(xs=MemoryDataset()))
print(io.list())  # ['xs']

io.save("xs", [1, 2, 3])
outputs = SequentialRunner().run(variance_pipeline, catalog=io)
print({name: dataset.load() for name, dataset in outputs.items()})  # {'v': 0.666...}
