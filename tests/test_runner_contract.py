"""The runner contract: every runner, over a zoo of pipeline shapes, gives the same results.

One suite, parametrised over SequentialRunner, ThreadRunner and ParallelRunner
(fork and spawn), each with and without async loading where it has it. Shapes
cover chains, diamonds, fan-out/fan-in, several outputs, dict inputs and outputs,
parameters, generator nodes and free inputs. Seeded random DAGs must give, under
every runner, exactly what calling their functions in a plain loop gives. Hooks
must fire for every node under every runner and be recorded in this (the
parent) process.
"""
from __future__ import annotations

import multiprocessing
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from minikedro.framework.hooks import PluginManager, hook_impl
from minikedro.io import DataCatalog, SharedMemoryDataCatalog
from minikedro.pipeline import Pipeline, node
from minikedro.runner import ParallelRunner, SequentialRunner, ThreadRunner
from tests import _runner_nodes as f


ROOT = Path(__file__).resolve().parents[1]

RUNNERS = [
    pytest.param(("sequential", False), id="sequential"),
    pytest.param(("sequential", True), id="sequential-async"),
    pytest.param(("thread", False), id="thread"),
    pytest.param(("fork", False), id="parallel-fork"),
    pytest.param(("fork", True), id="parallel-fork-async"),
    pytest.param(("spawn", False), id="parallel-spawn"),
    pytest.param(("spawn", True), id="parallel-spawn-async"),
]



class Runs:
    """Runs pipelines with one kind of runner and the catalog that runner needs."""

    def __init__(self, kind: str, is_async: bool) -> None:
        self.kind, self.is_async = kind, is_async
        self.parallel = kind in ("fork", "spawn")

    def runner(self):
        if self.kind == "sequential":
            return SequentialRunner(is_async=self.is_async)
        if self.kind == "thread":
            return ThreadRunner()
        return ParallelRunner(max_workers=2, is_async=self.is_async)

    def catalog(self, raw_data=None, datasets=None, parameters=None):
        kind = SharedMemoryDataCatalog if self.parallel else DataCatalog
        catalog = kind(datasets=datasets, raw_data=raw_data)
        if parameters:
            catalog.add_parameters(parameters)
        return catalog

    def __call__(self, pipeline, raw_data=None, parameters=None, hooks=(), datasets=None):
        catalog = self.catalog(raw_data, datasets, parameters)
        manager = PluginManager()
        for hook in hooks:
            manager.register(hook)
        outputs = self.runner().run(pipeline, catalog, manager, run_id="run-1")
        return {name: dataset.load() for name, dataset in outputs.items()}


@pytest.fixture(params=RUNNERS)
def runs(request, monkeypatch) -> Runs:
    kind, is_async = request.param
    if kind in ("fork", "spawn"):
        if kind not in multiprocessing.get_all_start_methods():
            pytest.skip(f"{kind} is not available on this platform")
        monkeypatch.setenv("KEDRO_MP_CONTEXT", kind)
    yield Runs(kind, is_async)
    assert multiprocessing.active_children() == []


class Recorder:
    """Hooks that note every event, in the process that runs the loop."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, str]] = []
        self.lock = threading.Lock()

    def note(self, event: str, node_name: str, detail: str = "") -> None:
        with self.lock:
            self.events.append((event, node_name, detail))

    @hook_impl
    def before_dataset_loaded(self, dataset_name, node):
        self.note("before_load", node.name, dataset_name)

    @hook_impl
    def after_dataset_loaded(self, dataset_name, data, node):
        self.note("after_load", node.name, dataset_name)

    @hook_impl
    def before_node_run(self, node, catalog, inputs, is_async, run_id):
        assert run_id == "run-1" and catalog is not None
        self.note("before_node_run", node.name, ",".join(sorted(inputs)))

    @hook_impl
    def after_node_run(self, node, inputs, outputs):
        self.note("after_node_run", node.name)

    @hook_impl
    def before_dataset_saved(self, dataset_name, data, node):
        self.note("before_save", node.name, dataset_name)

    @hook_impl
    def after_dataset_saved(self, dataset_name, data, node):
        self.note("after_save", node.name, f"{dataset_name}={data!r}")

    def of(self, event: str) -> list[tuple[str, str]]:
        return sorted((n, d) for e, n, d in self.events if e == event)


# -- the zoo ---------------------------------------------------------------------------


def chain():
    nodes = [node(f.inc, "x", "a", name="a"), node(f.inc, "a", "b", name="b"),
             node(f.inc, "b", "c", name="c")]
    return Pipeline(nodes), {"x": 1}, None, {"c": 4}


def diamond():
    nodes = [node(f.inc, "x", "top", name="top"), node(f.inc, "top", "left", name="left"),
             node(f.split_pair, "top", ["right", "unused"], name="right"),
             node(f.add, ["left", "right"], "bottom", name="bottom")]
    return Pipeline(nodes), {"x": 1}, None, {"bottom": 5, "unused": -2}


def fan_out_fan_in():
    spokes = [node(f.scale, ["x", f"params:k{i}"], f"y{i}", name=f"spoke{i}") for i in range(8)]
    hub = node(f.total, [f"y{i}" for i in range(8)], "sum", name="hub")
    return Pipeline([*spokes, hub]), {"x": 2}, {f"k{i}": i for i in range(8)}, {"sum": 56}


def several_outputs():
    nodes = [node(f.split_pair, "x", ["pos", "neg"], name="split"),
             node(f.inc, "pos", "pos1", name="inc_pos"), node(f.inc, "neg", "neg1", name="inc_neg")]
    return Pipeline(nodes), {"x": 5}, None, {"pos1": 6, "neg1": -4}


def dict_inputs_and_outputs():
    nodes = [node(f.subtract, {"left": "x", "right": "y"}, "diff", name="diff"),
             node(f.as_dict, "diff", {"p": "p", "q": "q"}, name="halves")]
    return Pipeline(nodes), {"x": 10, "y": 3}, None, {"p": 7, "q": 14}


def parameters():
    nodes = [node(f.scale, ["x", "params:model.factor"], "scaled", name="scaled"),
             node(f.first_of, "params:pair", "first", name="first")]
    params = {"model": {"factor": 3}, "pair": {"first": "one", "second": "two"}}
    return Pipeline(nodes), {"x": 2}, params, {"scaled": 6, "first": "one"}


def generator_nodes():
    nodes = [node(f.chunks, "n", "parts", name="chunks"),
             node(f.chunk_pairs, "n", ["ga", "gb"], name="pairs")]
    return Pipeline(nodes), {"n": 3}, None, {"parts": 20, "ga": 2, "gb": -2}


ZOO = [chain, diamond, fan_out_fan_in, several_outputs, dict_inputs_and_outputs, parameters,
       generator_nodes]


@pytest.mark.parametrize("shape", ZOO, ids=lambda s: s.__name__)
def test_every_shape_gives_the_expected_outputs(runs, shape):
    pipeline, raw_data, params, expected = shape()
    assert runs(pipeline, raw_data, params) == expected


def computed_without_a_runner(pipeline: Pipeline, inputs: dict) -> dict:
    """The free outputs of a ``random_dag``, by calling its functions in a plain loop.

    ``random_dag`` names nodes ``n00``, ``n01``, ... in the order it made them,
    and each reads only free inputs or what an earlier node wrote: that order
    is a topological one, with no scheduler or catalog involved.
    """
    values = dict(inputs)
    for each in sorted(pipeline.nodes, key=lambda n: n.name):
        result = each.func(*(values[name] for name in each.inputs))
        values.update(zip(each.outputs, result if len(each.outputs) > 1 else [result]))
    read = {name for each in pipeline.nodes for name in each.inputs}
    return {name: values[name] for each in pipeline.nodes for name in each.outputs
            if name not in read}


@pytest.mark.parametrize("seed", range(5))
def test_random_dags_give_what_a_plain_loop_computes(runs, seed):
    pipeline, inputs = f.random_dag(seed)
    reference = computed_without_a_runner(pipeline, inputs)
    assert len(reference) >= 2  # several free outputs to compare
    assert runs(pipeline, inputs) == reference


def test_every_hook_fires_for_every_node_in_this_process(runs):
    pipeline, raw_data, params, _ = diamond()
    recorder = Recorder()
    runs(pipeline, raw_data, params, hooks=[recorder])

    names = sorted(n.name for n in pipeline.nodes)
    assert [n for n, _ in recorder.of("after_node_run")] == names
    assert [n for n, _ in recorder.of("before_node_run")] == names
    loads = [(n.name, i) for n in pipeline.nodes for i in n.inputs]
    assert recorder.of("before_load") == recorder.of("after_load") == sorted(loads)
    saves = [(n.name, o) for n in pipeline.nodes for o in n.outputs]
    assert recorder.of("before_save") == sorted(saves)
    # Per node: loads, then before/after_node_run, then saves.
    for name in names:
        mine = [e for e, n, _ in recorder.events if n == name]
        assert mine.index("before_node_run") > max(i for i, e in enumerate(mine) if "load" in e)
        assert mine.index("after_node_run") > mine.index("before_node_run")
        assert mine.index("after_node_run") < min(i for i, e in enumerate(mine) if "save" in e)


def test_generator_chunks_are_saved_one_by_one(runs):
    pipeline, raw_data, _, _ = generator_nodes()
    recorder = Recorder()
    runs(pipeline.only_nodes("chunks"), raw_data, hooks=[recorder])
    assert [d for e, _, d in recorder.events if e == "after_save"] == [
        "parts=0", "parts=10", "parts=20"
    ]


def test_outputs_are_returned_as_loadable_datasets(runs):
    pipeline, raw_data, _, _ = chain()
    catalog = runs.catalog(raw_data)
    outputs = runs.runner().run(pipeline, catalog)
    assert list(outputs) == ["c"]
    assert outputs["c"].load() == 4
    assert outputs["c"] is catalog.get("c")
    assert catalog.load("x") == 1  # free inputs are left alone


def test_intermediate_data_is_released_after_its_last_reader(runs):
    f.ReleaseLog.releases.clear()
    recorder = Recorder()

    class ReleaseOrder:
        @hook_impl
        def after_node_run(self, node):
            recorder.note("done", node.name)

    names = ["x", "top", "left", "right", "unused", "bottom"]
    datasets = {name: f.ReleaseLog() for name in names if name != "x"}
    pipeline, raw_data, _, _ = diamond()
    catalog = runs.catalog(raw_data, datasets)
    manager = PluginManager()
    manager.register(ReleaseOrder())
    original_release = catalog.release

    def noting_release(name):
        recorder.note("release", name)
        original_release(name)

    catalog.release = noting_release
    runs.runner().run(pipeline, catalog, manager)

    released = [n for e, n, _ in recorder.events if e == "release"]
    assert sorted(released) == ["left", "right", "top"]  # not x (free input), bottom, unused
    when = {(e, n): i for i, (e, n, _) in enumerate(recorder.events)}
    assert when["release", "top"] > max(when["done", "left"], when["done", "right"])
    assert when["release", "left"] > when["done", "bottom"]
    assert when["release", "right"] > when["done", "bottom"]
    assert sorted(f.ReleaseLog.releases) == ["left", "right", "top"]


def test_nodes_run_at_once_under_concurrent_runners_and_one_by_one_otherwise(runs):
    if runs.kind == "sequential":
        in_flight, most = [], []

        class CountRunning:
            @hook_impl
            def before_node_run(self, node):
                in_flight.append(node.name)
                most.append(len(in_flight))

            @hook_impl
            def after_node_run(self, node):
                in_flight.remove(node.name)

        independent = Pipeline([node(f.inc, "x", f"y{i}", name=f"n{i}") for i in range(4)])
        assert len(runs(independent, {"x": 1}, hooks=[CountRunning()])) == 4
        assert most == [1, 1, 1, 1]
        return
    width = 4 if runs.kind == "thread" else 2  # ParallelRunner(max_workers=2) has two workers
    barrier = threading.Barrier(width)

    class MeetInTheParent:
        """Under ParallelRunner this hook runs in the parent: both workers must be in it."""

        @hook_impl
        def before_node_run(self, node):
            barrier.wait(timeout=20)

    pipeline = Pipeline([node(f.pid_of, "x", f"pid{i}", name=f"n{i}") for i in range(width)])
    hooks, raw_data = [MeetInTheParent()], {"x": 1}
    if runs.kind == "thread":
        pipeline = Pipeline([node(f.meet, ["barrier", "x"], f"y{i}", name=f"n{i}")
                             for i in range(width)])
        hooks, raw_data = [], {"x": 1, "barrier": barrier}
    outputs = runs(pipeline, raw_data, hooks=hooks)
    assert len(outputs) == width
    if runs.parallel:
        assert len(set(outputs.values())) == width  # two distinct worker processes


def test_the_seeds_dry_runner_works():
    from minikedro.io import DataCatalog as CatalogAlias
    from minikedro.runner.runner import AbstractRunner

    class DryRunner(AbstractRunner):
        def __init__(self, is_async: bool = False):
            super().__init__(is_async=is_async)

        def _get_executor(self, max_workers: int) -> None:
            return None

        def _run(self, pipeline, catalog: CatalogAlias, hook_manager=None, run_id=None) -> None:
            nodes = pipeline.nodes
            self._logger.info("Actual run would execute %d nodes:\n%s", len(nodes),
                              pipeline.describe())
            self._logger.info("Checking inputs...")
            missing = [name for name in pipeline.inputs() if not catalog.get(name).exists()]
            if missing:
                raise KeyError(f"Datasets {missing} not found.")

    pipeline, raw_data, _, _ = chain()
    catalog = DataCatalog(raw_data=raw_data)
    outputs = DryRunner().run(pipeline, catalog)
    assert list(outputs) == ["c"] and not outputs["c"].exists()


def test_a_none_executor_runs_nodes_inline():
    from minikedro.runner.runner import AbstractRunner

    class NoExecutor(AbstractRunner):
        def _get_executor(self, max_workers):
            return None

    pipeline, raw_data, _, expected = chain()
    outputs = NoExecutor().run(pipeline, DataCatalog(raw_data=raw_data))
    assert {k: v.load() for k, v in outputs.items()} == expected


def test_the_order_does_not_depend_on_the_hash_seed():
    script = textwrap.dedent(
        """
        from minikedro.framework.hooks import PluginManager, hook_impl
        from minikedro.io import DataCatalog
        from minikedro.runner import SequentialRunner
        from tests import _runner_nodes as f

        class Order:
            @hook_impl
            def before_node_run(self, node):
                print(node.name)

        pipeline, inputs = f.random_dag(7)
        manager = PluginManager()
        manager.register(Order())
        SequentialRunner().run(pipeline, DataCatalog(raw_data=inputs), manager)
        """
    )
    orders = set()
    for seed in ("1", "2", "3"):
        result = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
            timeout=60, env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
        )
        assert result.returncode == 0, result.stderr
        orders.add(result.stdout)
    assert len(orders) == 1


# -- run(only_missing_outputs=True) ----------------------------------------------------


def test_only_missing_outputs_runs_what_is_needed_to_make_the_missing_ones(tmp_path, caplog):
    # a: x -> A (disk) ; b: A -> B (memory) ; c: B -> C (disk) ; d: C -> D (memory, free
    # output) ; e: reads C, writes nothing.
    pipeline = Pipeline([
        node(f.inc, "x", "A", name="a"), node(f.inc, "A", "B", name="b"),
        node(f.inc, "B", "C", name="c"), node(f.inc, "C", "D", name="d"),
        node(f.sink, "C", None, name="e"),
    ])
    disk = {name: f.PickleFile(str(tmp_path / name)) for name in ("A", "C")}

    def run_missing():
        recorder = Recorder()
        manager = PluginManager()
        manager.register(recorder)
        outputs = SequentialRunner().run(pipeline, DataCatalog(disk, {"x": 1}), manager,
                                         run_id="run-1", only_missing_outputs=True)
        return [n for n, _ in recorder.of("after_node_run")], outputs

    ran, _ = run_missing()
    assert ran == ["a", "b", "c", "d", "e"]

    with caplog.at_level("INFO", logger="minikedro"):
        ran, outputs = run_missing()
    # A and C exist: a, b, c are skipped; d makes the free output D kept in memory
    # (Kedro would skip it and return an empty dataset); e has no outputs, so it runs.
    assert ran == ["d", "e"]
    assert outputs["D"].load() == 5
    assert "Skipping 3 node(s) with existing outputs: a, b, c" in caplog.text
    assert "Running 2 out of 5 nodes" in caplog.text

    (tmp_path / "C").unlink()
    ran, _ = run_missing()
    assert ran == ["b", "c", "d", "e"]  # c needs B, kept in memory only: b runs; A exists


def test_run_only_missing_is_kedros_older_name_for_only_missing_outputs(tmp_path):
    # Kedro's "slice a pipeline" page calls runner.run_only_missing(pipeline, catalog).
    pipeline = Pipeline([node(f.inc, "x", "A", name="a"), node(f.inc, "A", "B", name="b")])
    disk = {"A": f.PickleFile(str(tmp_path / "A")), "B": f.PickleFile(str(tmp_path / "B"))}
    SequentialRunner().run(pipeline, DataCatalog(disk, {"x": 1}))
    (tmp_path / "B").unlink()
    ran = []

    class Ran:
        @hook_impl
        def after_node_run(self, node):
            ran.append(node.name)

    manager = PluginManager()
    manager.register(Ran())
    SequentialRunner().run_only_missing(pipeline, DataCatalog(disk, {"x": 1}), manager)
    assert ran == ["b"]
    assert (tmp_path / "B").exists()


def test_sequential_runs_follow_pipeline_nodes_exactly():
    # 'p' is ready before 'q' in pipeline.nodes (layer, then name), although q's
    # parent finishes first; Kedro's SequentialRunner runs pipeline.nodes in order.
    pipeline = Pipeline([
        node(f.inc, "x", "ax", name="a"), node(f.inc, "x", "bx", name="b"),
        node(f.inc, "x", "cx", name="c"), node(f.inc, "cx", "px", name="p"),
        node(f.inc, "ax", "qx", name="q"),
    ])
    ran = []

    class Ran:
        @hook_impl
        def before_node_run(self, node):
            ran.append(node.name)

    manager = PluginManager()
    manager.register(Ran())
    SequentialRunner().run(pipeline, DataCatalog(raw_data={"x": 1}), manager)
    assert ran == [n.name for n in pipeline.nodes]


def test_a_run_leaves_the_garbage_collector_as_it_found_it():
    # run() freezes what exists for the run's length (speed at 100k nodes), then unfreezes.
    import gc

    pipeline, raw_data, _, _ = chain()
    before = gc.get_freeze_count()  # Python 3.12 freezes a few objects at start-up
    SequentialRunner().run(pipeline, DataCatalog(raw_data=raw_data))
    assert gc.get_freeze_count() == before
    with pytest.raises(ValueError):
        SequentialRunner().run(Pipeline([node(f.fail, "x", "y")]), DataCatalog(raw_data={"x": 1}))
    assert gc.get_freeze_count() == before
    gc.freeze()  # the program's own freeze is not the runner's to undo
    try:
        frozen = gc.get_freeze_count()
        ThreadRunner().run(pipeline, DataCatalog(raw_data=raw_data))
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_free_outputs_come_back_in_the_order_the_pipeline_makes_them():
    pipeline, raw_data, _, _ = diamond()  # top, left, right (-> right, unused), bottom
    outputs = SequentialRunner().run(pipeline, DataCatalog(raw_data=raw_data))
    assert list(outputs) == ["unused", "bottom"]
