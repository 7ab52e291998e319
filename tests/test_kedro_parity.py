"""Kedro 1.x behaviour a migrating user meets on day one, pinned through the public API and CLI.

One test (or a few) per point of the "Kedro parity" issue; each would fail on
code that differs from what Kedro documents or does.
"""
from __future__ import annotations

import logging

import pytest

from minikedro.cli import main
from minikedro.framework.hooks import hook_impl
from minikedro.io import (
    AbstractDataset,
    CachedDataset,
    DataCatalog,
    DatasetError,
    SharedMemoryDataCatalog,
)
from minikedro.pipeline import Pipeline, node, pipeline
from minikedro.runner import SequentialRunner, ThreadRunner
from tests import _runner_nodes as f
from tests.test_kedro_hooks_compat import KIND_IDS, KINDS, make_catalog, make_runner

pytestmark = pytest.mark.usefixtures("no_leftover_workers")


@pytest.fixture(params=KINDS, ids=lambda kind: KIND_IDS.get(kind, kind))
def kind(request, monkeypatch):
    if request.param not in ("sequential", "thread"):
        monkeypatch.setenv("KEDRO_MP_CONTEXT", request.param)
    return request.param


# 1. "Completed node: <full name>" then "Completed i out of n tasks", under every runner.
def test_each_node_is_logged_by_its_full_namespaced_name_when_it_completes(kind, caplog):
    inner = Pipeline([node(f.inc, "x", "y", name="split_data_node"),
                      node(f.inc, "y", "z", name="train_node")])
    pipe = pipeline(inner, namespace="data_processing", inputs={"x"}, outputs={"z"})
    caplog.set_level(logging.INFO, logger="minikedro")
    make_runner(kind).run(pipe, make_catalog(kind, {"x": 1}))
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Completed")]
    assert lines == [
        "Completed node: data_processing.split_data_node", "Completed 1 out of 2 tasks",
        "Completed node: data_processing.train_node", "Completed 2 out of 2 tasks",
    ]


# 3. ThreadRunner with is_async: Kedro warns and runs with it off.
def test_thread_runner_with_async_warns_and_runs_with_it_off():
    with pytest.warns(UserWarning, match="Setting 'is_async' to False"):
        runner = ThreadRunner(is_async=True)
    outputs = runner.run(Pipeline([node(f.inc, "x", "y", name="n")]), DataCatalog(raw_data={"x": 1}))
    assert outputs["y"].load() == 2


def test_thread_runner_with_async_on_the_command_line_warns_and_runs(tmp_path, capsys):
    from tests.project_factory import make_project
    make_project(tmp_path / "p", "parity_thread")
    assert main(["run", "--project", str(tmp_path / "p"), "-r", "ThreadRunner", "--async"]) == 0
    assert "Setting 'is_async' to False" in capsys.readouterr().err


def _run_cli(tmp_path, package, *args, files=None):
    """Run ``minikedro run`` in-process on a fresh demo project; return (exit code, stderr)."""
    from tests.project_factory import make_project

    project = make_project(tmp_path / package, package, files)
    return main(["run", "--project", str(project), *args])


# 2. is_async among the runner parameters means --async.
def test_runner_params_is_async_sets_async_mode_from_the_command_line(tmp_path, capsys):
    assert _run_cli(tmp_path, "parity_async_flag", "--runner-params", "is_async=true") == 0
    assert "Asynchronous mode is enabled" in capsys.readouterr().err


def test_runner_params_is_async_in_a_run_file_sets_async_mode(tmp_path, capsys):
    run_file = tmp_path / "run.json"
    run_file.write_text('{"run": {"runner_params": {"is_async": true}}}')
    assert _run_cli(tmp_path, "parity_async_file", "--config", str(run_file)) == 0
    assert "Asynchronous mode is enabled" in capsys.readouterr().err


# 4. A node that returns an iterator streams, however its function was wrapped.
class _RetryGenerators:
    """Kedro's retry recipe: ``node.func = retry(node.func)`` in ``before_node_run``."""

    @hook_impl
    def before_node_run(self, node):
        if not isinstance(node.func, f.Retry):
            node.func = f.Retry(node.func)


@pytest.mark.parametrize("make", ["decorated", "returns_iter", "retry_hook"])
def test_a_node_returning_an_iterator_saves_each_chunk_under_every_runner(kind, make):
    saved = []

    class Saves:
        @hook_impl
        def after_dataset_saved(self, dataset_name, data):
            saved.append((dataset_name, data))

    func = {"decorated": f.decorated_chunks, "returns_iter": f.iterator_of_chunks,
            "retry_hook": f.chunks}[make]
    plugins = [Saves(), _RetryGenerators()] if make == "retry_hook" else [Saves()]
    pipe = Pipeline([node(func, "n", "chunk", name="gen"),
                     node(f.inc, "chunk", "last", name="next")])
    outputs = make_runner(kind).run(pipe, make_catalog(kind, {"n": 3}), f.hook_manager(*plugins))
    assert saved == [("chunk", 0), ("chunk", 10), ("chunk", 20), ("last", 21)]
    assert outputs["last"].load() == 21


def test_an_iterator_of_pairs_is_split_between_two_outputs():
    result = node(lambda n: iter([(1, -1), (2, -2)]), "n", ["up", "down"]).run({"n": 0})
    assert (list(result["up"]), list(result["down"])) == ([1, 2], [-1, -2])


# 5. run_params has Kedro 1.x's keys, kedro_version included.
KEDRO_RUN_PARAMS = {
    "run_id", "project_path", "env", "kedro_version", "tags", "from_nodes", "to_nodes",
    "node_names", "from_inputs", "to_outputs", "load_versions", "runtime_params",
    "pipeline_names", "namespaces", "runner", "only_missing_outputs",
}


def test_run_params_carry_kedro_1x_keys_for_hooks_written_for_kedro(tmp_path):
    import importlib

    import minikedro

    files = {
        "src/parity_run_params/tracking.py": """
            from minikedro.framework.hooks import hook_impl

            SEEN = []


            class TrackingHooks:  # what Kedro's MLflow recipe reads
                @hook_impl
                def before_pipeline_run(self, run_params):
                    SEEN.append({**run_params, "logged": run_params["kedro_version"]})
        """,
        "src/parity_run_params/settings.py": """
            from parity_run_params.tracking import TrackingHooks

            HOOKS = (TrackingHooks(),)
        """,
    }
    assert _run_cli(tmp_path, "parity_run_params", "-t", "math", files=files) == 0
    params = importlib.import_module("parity_run_params.tracking").SEEN[-1]
    assert KEDRO_RUN_PARAMS <= params.keys()
    assert params["kedro_version"] == params["logged"] == minikedro.__version__
    assert (params["tags"], params["pipeline_names"], params["runner"]) == (
        ["math"], ["__default__"], "SequentialRunner")


# 6. DataCatalog.from_config's first parameter is called catalog, as in Kedro.
def test_from_config_takes_the_catalog_by_kedros_keyword(tmp_path):
    catalog = DataCatalog.from_config(
        catalog={"cars": {"type": "JSONDataset", "filepath": str(tmp_path / "cars.json")}}
    )
    catalog.save("cars", [1, 2])
    assert catalog.load("cars") == [1, 2]


# 7. find_pipelines(pipelines_to_find=...) and runs that import only what they run.
BROKEN_PIPELINE = {"src/{package}/pipelines/broken/__init__.py": "import not_installed\n"}


def _project_with_a_broken_pipeline(tmp_path, package, registry=None):
    from tests.project_factory import make_project

    files = {path.format(package=package): text for path, text in BROKEN_PIPELINE.items()}
    if registry is not None:
        files[f"src/{package}/pipeline_registry.py"] = registry
    return make_project(tmp_path / package, package, files)


def test_find_pipelines_imports_only_the_pipelines_to_find(tmp_path):
    import sys
    import warnings

    from minikedro.framework.project import find_pipelines
    from minikedro.framework.startup import bootstrap_project

    bootstrap_project(_project_with_a_broken_pipeline(tmp_path, "parity_find"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = find_pipelines(raise_errors=True, pipelines_to_find=["numbers"])
    assert list(found) == ["numbers"] and "parity_find.pipelines.broken" not in sys.modules
    with pytest.warns(UserWarning, match=(
        r"pipeline 'broken' skipped: parity_find.pipelines.broken: "
        r"ModuleNotFoundError: No module named 'not_installed'"
    )):
        everything = find_pipelines()
    assert sorted(everything) == ["__default__", "failing", "numbers"]


SELECTIVE_REGISTRY = """
    from minikedro.framework.project import find_pipelines


    def register_pipelines(pipelines_to_find=None):
        return find_pipelines(raise_errors=True, pipelines_to_find=pipelines_to_find)
"""
STRICT_REGISTRY = """
    from minikedro.framework.project import find_pipelines


    def register_pipelines():
        pipelines = find_pipelines(raise_errors=True)
        pipelines["__default__"] = sum(pipelines.values())
        return pipelines
"""


def test_a_run_of_one_pipeline_asks_a_selective_registry_for_that_one_only(tmp_path, capsys):
    project = _project_with_a_broken_pipeline(tmp_path, "parity_selective", SELECTIVE_REGISTRY)
    assert main(["run", "--project", str(project), "-p", "numbers"]) == 0
    assert "broken" not in capsys.readouterr().err


def test_a_broken_pipeline_the_run_does_not_need_only_warns(tmp_path, capsys):
    project = _project_with_a_broken_pipeline(tmp_path, "parity_strict", STRICT_REGISTRY)
    assert main(["run", "--project", str(project), "--pipelines", "numbers,failing",
                 "-n", "double_node,prepare_node"]) == 0
    assert ("UserWarning: pipeline 'broken' skipped: parity_strict.pipelines.broken: "
            "ModuleNotFoundError: No module named 'not_installed'") in capsys.readouterr().err
    assert main(["run", "--project", str(project)]) == 1  # __default__ needs every pipeline
    assert ("error: register_pipelines() in parity_strict.pipeline_registry failed: ImportError: "
            "pipeline 'broken' skipped") in capsys.readouterr().err


# 8. Kedro's UserWarning for a value with nowhere to go.
def test_a_value_returned_by_a_node_without_outputs_is_lost_with_a_warning():
    import warnings

    pipe = Pipeline([node(f.inc, "x", None, name="log_it")])
    with pytest.warns(UserWarning, match=(
        r"Node 'log_it' declares no outputs \(outputs=None\), but its function returned a "
        r"value \(int\): the value is lost. Name an output to save it"
    )):
        SequentialRunner().run(pipe, DataCatalog(raw_data={"x": 1}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # returning None is what such a node should do
        SequentialRunner().run(Pipeline([node(f.sink, "x", None)]), DataCatalog(raw_data={"x": 1}))


# 9. Node.namespace_prefixes and CachedDataset.
def test_namespace_prefixes_lists_every_enclosing_namespace_outermost_first():
    inner = pipeline([node(f.inc, "x", "y", name="step")], namespace="c")
    nested = pipeline(pipeline(inner, namespace="b"), namespace="a")
    assert nested.nodes[0].namespace_prefixes == ["a", "a.b", "a.b.c"]
    assert node(f.inc, "x", "y").namespace_prefixes == []


class _CountingDataset(AbstractDataset):
    def __init__(self, data):
        self.data, self.loads, self.saves = data, 0, 0

    def load(self):
        self.loads += 1
        return self.data

    def save(self, data):
        self.saves += 1
        self.data = data

    def _describe(self):
        return {}


def test_cached_dataset_loads_once_saves_through_and_release_drops_the_cache():
    slow = _CountingDataset([1, 2])
    cached = CachedDataset(slow)
    assert cached.load() == cached.load() == [1, 2] and slow.loads == 1
    cached.save([3])
    assert (slow.data, slow.saves, cached.load(), slow.loads) == ([3], 1, [3], 1)
    cached.release()
    assert cached.load() == [3] and slow.loads == 2


def test_cached_dataset_from_a_catalog_entry_versioned_on_the_wrapper(tmp_path):
    entry = {"type": "CachedDataset", "versioned": True, "copy_mode": "deepcopy",
             "dataset": {"type": "JSONDataset", "filepath": str(tmp_path / "model.json")}}
    catalog = DataCatalog.from_config({"model": entry}, save_version="2024-01-31T12.00.00.000Z")
    catalog.save("model", [1, 2])
    assert (tmp_path / "model.json" / "2024-01-31T12.00.00.000Z" / "model.json").exists()
    catalog.load("model").append(3)  # deepcopy: the cache keeps its own copy
    assert catalog.load("model") == [1, 2]
    with pytest.raises(ValueError, match="put 'versioned' on the CachedDataset entry"):
        CachedDataset({"type": "JSONDataset", "filepath": "x.json", "versioned": True})
    with pytest.raises(DatasetError, match=r"'model' \(CachedDataset\): it is marked _SINGLE_PRO"):
        SharedMemoryDataCatalog({"model": catalog["model"]}).validate_catalog()


# 10. An unknown --pipeline suggests the closest registered names.
def test_an_unknown_pipeline_name_suggests_the_closest_registered_ones(tmp_path, capsys):
    assert _run_cli(tmp_path, "parity_typo", "-p", "numbrs") == 1
    err = capsys.readouterr().err
    assert "error: Failed to find the pipeline named 'numbrs'; registered pipelines: " in err
    assert "Did you mean: 'numbers'?" in err
