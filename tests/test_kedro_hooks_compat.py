"""Kedro's documented hooks and runner behaviour, under every runner.

Each test follows a page of Kedro's docs ("Hooks: introduction", "Common use
cases", "Hooks examples", "Hook specifications", "Run a pipeline") or a way a
real run goes wrong, with ``kedro`` replaced by ``minikedro``. Where it makes
sense a test runs under SequentialRunner, ThreadRunner and ParallelRunner with
``fork`` and ``spawn``: hooks always run in this process, so what they record
is checked here. Node functions and wrappers that travel to worker processes
live in ``tests/_runner_nodes.py``, so that spawned workers can import them.
"""
from __future__ import annotations

import logging
import multiprocessing
import sys
import threading
import time
from typing import Any

import pytest

from minikedro.datasets import PickleDataset
from minikedro.framework.hooks import hook_impl
from minikedro.io import DataCatalog, MemoryDataset, SharedMemoryDataCatalog
from minikedro.pipeline import Pipeline, node, pipeline
from minikedro.runner import (
    AbstractRunner,
    ExecutorRunner,
    ParallelRunner,
    SequentialRunner,
    Task,
    ThreadRunner,
)
from tests import _runner_nodes as f

# Every run here must end its worker processes and threads.
pytestmark = pytest.mark.usefixtures("no_leftover_workers")

METHODS = [m for m in ("fork", "spawn") if m in multiprocessing.get_all_start_methods()]
KINDS = ["sequential", "thread", *METHODS]
KIND_IDS = {"fork": "parallel-fork", "spawn": "parallel-spawn"}



@pytest.fixture(params=KINDS, ids=lambda kind: KIND_IDS.get(kind, kind))
def kind(request, monkeypatch):
    if request.param in METHODS:
        monkeypatch.setenv("KEDRO_MP_CONTEXT", request.param)
    return request.param


def make_runner(kind: str, is_async: bool = False) -> AbstractRunner:
    if kind == "sequential":
        return SequentialRunner(is_async=is_async)
    if kind == "thread":
        return ThreadRunner(max_workers=2)
    return ParallelRunner(max_workers=2, is_async=is_async)


def make_catalog(kind: str, raw_data=None, datasets=None):
    catalog_class = SharedMemoryDataCatalog if kind in METHODS else DataCatalog
    return catalog_class(datasets=datasets, raw_data=raw_data)


hooks = f.hook_manager


def run(kind, pipe, raw_data=None, *plugins, datasets=None, run_id="run-1", is_async=False):
    """Run ``pipe`` under ``kind``; return ``{free output: data}``."""
    catalog = make_catalog(kind, raw_data, datasets)
    outputs = make_runner(kind, is_async).run(pipe, catalog, hooks(*plugins), run_id=run_id)
    return {name: dataset.load() for name, dataset in outputs.items()}


# -- "Common use cases": extend a node's behaviour ------------------------------------


def test_say_hello_before_a_node_chosen_by_name_tag_or_for_all(kind):
    said = []

    class ProjectHooks:
        @hook_impl
        def before_node_run(self, node):
            if node.name == "hello":
                said.append(f"by name: {node.name}")
            if "hello" in node.tags:
                said.append(f"by tag: {node.name}")
            said.append(f"all: {node.name}")

    pipe = Pipeline([node(f.inc, "x", "y", name="hello"),
                     node(f.inc, "y", "z", name="tagged", tags="hello")])
    assert run(kind, pipe, {"x": 1}, ProjectHooks()) == {"z": 3}
    assert said == ["by name: hello", "all: hello", "by tag: tagged", "all: tagged"]


def test_a_wrapper_set_on_node_func_in_before_node_run_is_what_runs(kind):
    """The docs retry flaky nodes with ``node.func = retry(node.func)`` in the hook."""
    class RetryHooks:
        @hook_impl
        def before_node_run(self, node):
            if "flaky" in node.tags and not isinstance(node.func, f.Retry):
                node.func = f.Retry(node.func)

    pipe = Pipeline([node(f.flaky, "x", "y", name="call_service", tags="flaky"),
                     node(f.inc, "x", "steady", name="steady")])
    assert run(kind, pipe, {"x": 1}, RetryHooks()) == {"y": "gave up after 3 attempts",
                                                        "steady": 2}


@pytest.mark.parametrize("method", METHODS)
def test_a_wrapper_that_cannot_reach_the_worker_is_refused_naming_the_node(method, monkeypatch):
    monkeypatch.setenv("KEDRO_MP_CONTEXT", method)

    class ClosureRetry:
        @hook_impl
        def before_node_run(self, node):
            node.func = f.closure_retry(node.func)

    pipe = Pipeline([node(f.flaky, "x", "y", name="call_service")])
    with pytest.raises(ValueError, match=(
        "A before_node_run hook replaced the function of node 'call_service' "
        r"\(node.func = ...\), but ParallelRunner cannot send the new function to the "
        "worker that runs the node: func is a wrapper made with functools.wraps, which "
        "gave it the name 'flaky'.*Make the wrapper picklable.*or run with ThreadRunner"
    )):
        run(method, pipe, {"x": 1}, ClosureRetry())


def test_executor_runner_sends_the_wrapper_a_hook_set_or_names_the_node():
    class Wrap:
        def __init__(self, wrapper):
            self.wrapper = wrapper

        @hook_impl
        def before_node_run(self, node):
            node.func = self.wrapper(node.func)

    def outputs(wrapper):
        runner = ExecutorRunner(executor_factory="concurrent.futures.ThreadPoolExecutor",
                                max_workers=1)
        pipe = Pipeline([node(f.flaky, "x", "y", name="call_service")])
        result = runner.run(pipe, DataCatalog(raw_data={"x": 1}), hooks(Wrap(wrapper)))
        return result["y"].load()

    assert outputs(f.Retry) == "gave up after 3 attempts"
    with pytest.raises(ValueError, match="replaced the function of node 'call_service'.*"
                                         "ExecutorRunner cannot send the new function"):
        outputs(f.closure_retry)


# -- "Common use cases": customise dataset load and save ------------------------------


class LoggingHook:
    """The docs' hook that logs how long loading each dataset takes.

    It reads ``clock`` where the docs call ``time.time``, so that a test can
    hand it a clock whose every reading it knows.
    """

    def __init__(self, clock=time.time):
        self._timers = {}
        self._clock = clock

    @property
    def _logger(self):
        return logging.getLogger(__name__)

    @hook_impl
    def before_dataset_loaded(self, dataset_name: str, node) -> None:
        self._timers[dataset_name] = self._clock()

    @hook_impl
    def after_dataset_loaded(self, dataset_name: str, data: Any, node) -> None:
        start = self._timers[dataset_name]
        self._logger.info("Loading dataset %s before node '%s' takes %0.2f seconds",
                          dataset_name, node.name, self._clock() - start)


class TickingClock:
    """A fake clock: each reading is ``step`` seconds after the one before, however long it took."""

    def __init__(self, step: float) -> None:
        self.step, self.readings = step, 0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            self.readings += 1
            return 1_000.0 + self.readings * self.step


class MemoryProfilingHooks:
    """The docs' memory profiling hooks, with a stand-in for memory_profiler."""

    def __init__(self):
        self._mem_usage = {}
        self.report = []

    @hook_impl
    def before_dataset_loaded(self, dataset_name: str) -> None:
        self._mem_usage[dataset_name] = 100.0

    @hook_impl
    def after_dataset_loaded(self, dataset_name: str) -> None:
        self.report.append((dataset_name, 100.5 - self._mem_usage[dataset_name]))


def test_dataset_load_hooks_time_and_profile_every_load(kind, caplog):
    caplog.set_level(logging.INFO, logger=__name__)
    profiling = MemoryProfilingHooks()
    clock = TickingClock(step=0.25)
    pipe = Pipeline([node(f.add, ["a", "b"], "c", name="adder"),
                     node(f.inc, "c", "d", name="incr")])
    assert run(kind, pipe, {"a": 1, "b": 2}, LoggingHook(clock), profiling) == {"d": 4}
    logged = [r.getMessage() for r in caplog.records if r.name == __name__]
    # One tick between each load's two hooks: each before_dataset_loaded is
    # followed by its own after_dataset_loaded, in the order the node loads its inputs.
    assert logged == [f"Loading dataset {name} before node '{node_name}' takes 0.25 seconds"
                      for name, node_name in [("a", "adder"), ("b", "adder"), ("c", "incr")]]
    assert clock.readings == 6
    assert sorted(profiling.report) == [("a", 0.5), ("b", 0.5), ("c", 0.5)]


# -- "Hooks examples": modify node inputs with before_node_run -------------------------


def test_before_node_run_replaces_one_input_and_not_the_catalog(kind, tmp_path):
    """The docs' ``NodeInputReplacementHook`` passes a dataset's file path instead of its data."""
    class NodeInputReplacementHook:
        @hook_impl
        def before_node_run(self, node, catalog):
            if node.name == "my_node":
                return {"first_input": catalog._get_dataset("first_input")._filepath}
            return None

    stored = PickleDataset(filepath=str(tmp_path / "first.pkl"))
    stored.save("the data")
    pipe = Pipeline([node(f.path_of, ["first_input", "second_input"], "out", name="my_node")])
    outputs = run(kind, pipe, {"second_input": 2}, NodeInputReplacementHook(),
                  datasets={"first_input": stored})
    assert outputs == {"out": f"{stored._filepath}|2"}
    assert stored.load() == "the data"


def test_an_input_a_node_does_not_take_fails_that_node(kind):
    class Stray:
        @hook_impl
        def before_node_run(self, node):
            return {"not_an_input": 1}

    pipe = Pipeline([node(f.inc, "x", "y", name="n")])
    with pytest.raises(ValueError, match=r"Node 'n' expected inputs \['x'\].*unexpected: "
                                         r"\['not_an_input'\]"):
        run(kind, pipe, {"x": 1}, Stray())


def test_before_node_run_must_return_none_or_a_dict(kind):
    class Wrong:
        @hook_impl
        def before_node_run(self, node):
            return [("x", 2)]

    pipe = Pipeline([node(f.inc, "x", "y", name="n")])
    with pytest.raises(TypeError, match="'before_node_run' must return either None or a "
                                        "dictionary mapping dataset names to updated values, "
                                        "got 'list' instead"):
        run(kind, pipe, {"x": 1}, Wrong())


@pytest.mark.parametrize("method", METHODS)
def test_replacement_data_that_cannot_reach_the_worker_is_named(method, monkeypatch):
    monkeypatch.setenv("KEDRO_MP_CONTEXT", method)

    class GiveALock:
        @hook_impl
        def before_node_run(self, node):
            return {"x": threading.Lock()}

    pipe = Pipeline([node(f.inc, "x", "y", name="n")])
    with pytest.raises(ValueError, match="A before_node_run hook replaced input\\(s\\) 'x' of "
                                         "node 'n' with data that cannot be sent"):
        run(method, pipe, {"x": 1}, GiveALock())


# -- "Hook specifications": every argument, by Kedro's names --------------------------


class EveryArgument:
    """Implements every node and dataset hook with its full Kedro signature."""

    def __init__(self):
        self.calls = []

    @hook_impl
    def before_dataset_loaded(self, dataset_name, node):
        self.calls.append(("before_dataset_loaded", node.name, dataset_name))

    @hook_impl
    def after_dataset_loaded(self, dataset_name, data, node):
        self.calls.append(("after_dataset_loaded", node.name, dataset_name, data))

    @hook_impl
    def before_node_run(self, node, catalog, inputs, is_async, run_id):
        self.catalog = catalog
        self.calls.append(("before_node_run", node.name, inputs, is_async, run_id))

    @hook_impl
    def after_node_run(self, node, catalog, inputs, outputs, is_async, run_id):
        assert catalog is self.catalog
        self.calls.append(("after_node_run", node.name, inputs, outputs, is_async, run_id))

    @hook_impl
    def on_node_error(self, error, node, catalog, inputs, is_async, run_id):
        self.calls.append(("on_node_error", node.name, repr(error), inputs, is_async, run_id))

    @hook_impl
    def before_dataset_saved(self, dataset_name, data, node):
        self.calls.append(("before_dataset_saved", node.name, dataset_name, data))

    @hook_impl
    def after_dataset_saved(self, dataset_name, data, node):
        self.calls.append(("after_dataset_saved", node.name, dataset_name, data))


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_every_node_and_dataset_hook_gets_kedros_arguments(kind, is_async):
    if is_async and kind == "thread":
        pytest.skip("ThreadRunner ignores is_async, as Kedro does (tested on its own)")
    every = EveryArgument()
    catalog = make_catalog(kind, {"x": 1})
    pipe = Pipeline([node(f.inc, "x", "y", name="first"), node(f.fail, "y", "z", name="second")])
    with pytest.raises(ValueError, match="boom from fail"):
        make_runner(kind, is_async).run(pipe, catalog, hooks(every), run_id="run-7")
    assert every.catalog is catalog
    assert every.calls == [
        ("before_dataset_loaded", "first", "x"),
        ("after_dataset_loaded", "first", "x", 1),
        ("before_node_run", "first", {"x": 1}, is_async, "run-7"),
        ("after_node_run", "first", {"x": 1}, {"y": 2}, is_async, "run-7"),
        ("before_dataset_saved", "first", "y", 2),
        ("after_dataset_saved", "first", "y", 2),
        ("before_dataset_loaded", "second", "y"),
        ("after_dataset_loaded", "second", "y", 2),
        ("before_node_run", "second", {"y": 2}, is_async, "run-7"),
        ("on_node_error", "second", "ValueError('boom from fail')", {"y": 2}, is_async, "run-7"),
    ]


def test_kedro_0_19_hooks_taking_session_id_get_the_run_id(kind):
    seen = []

    class Old:
        @hook_impl
        def after_node_run(self, node, session_id):
            seen.append((node.name, session_id))

    run(kind, Pipeline([node(f.inc, "x", "y", name="n")]), {"x": 1}, Old(), run_id="abc")
    assert seen == [("n", "abc")]


def test_a_declared_argument_with_a_default_still_gets_the_value():
    """Kedro's docs warn that pluggy passes the default instead; minikedro passes the value."""
    seen = []

    class Defaulted:
        @hook_impl
        def before_node_run(self, node, inputs={}):  # noqa: B006 (the docs' "wrong" example)
            seen.append(inputs)

    run("sequential", Pipeline([node(f.inc, "x", "y", name="n")]), {"x": 5}, Defaulted())
    assert seen == [{"x": 5}]


# -- "Common use cases": debugging with sys.exc_info() -------------------------------


def test_on_node_error_runs_while_the_error_is_being_handled(kind):
    """The docs' ``PDBNodeDebugHook`` reads the error from ``sys.exc_info()``."""
    seen = []

    class PDBNodeDebugHook:
        @hook_impl
        def on_node_error(self):
            kind_, error, traceback_object = sys.exc_info()
            seen.append((kind_, str(error), traceback_object is not None))

    with pytest.raises(ValueError, match="boom from fail"):
        run(kind, Pipeline([node(f.fail, "x", "y", name="n")]), {"x": 1}, PDBNodeDebugHook())
    assert seen == [(ValueError, "boom from fail", True)]


# -- a hook that raises: its own exception reaches the caller -------------------------

RAISING_HOOKS = ["before_dataset_loaded", "after_dataset_loaded", "before_node_run",
                 "after_node_run", "before_dataset_saved", "after_dataset_saved"]


class HookProblem(Exception):
    """Defined here, so a worker process could not even unpickle it."""


def raising(hook_name: str):
    class Raising:
        error = HookProblem(f"{hook_name} says no")

    def implementation(self, **_: Any) -> None:
        raise self.error

    setattr(Raising, hook_name, hook_impl(implementation))
    return Raising()


@pytest.mark.parametrize("hook_name", RAISING_HOOKS)
def test_a_failing_hook_fails_the_run_with_its_own_exception(kind, hook_name):
    plugin = raising(hook_name)
    errors = []

    class Errors:
        @hook_impl
        def on_node_error(self, error, node):
            errors.append(node.name)

    pipe = Pipeline([node(f.inc, "x", "y", name="n"), node(f.inc, "y", "z", name="m")])
    with pytest.raises(HookProblem) as caught:
        run(kind, pipe, {"x": 1}, Errors(), plugin)
    assert caught.value is plugin.error  # the very object, even from a worker's call
    assert errors == []  # the node's function did not fail


def test_a_failing_on_node_error_hook_replaces_the_node_error(kind):
    class Fails:
        @hook_impl
        def on_node_error(self, error):
            raise LookupError(f"while handling {error}")

    with pytest.raises(LookupError, match="while handling boom from fail") as caught:
        run(kind, Pipeline([node(f.fail, "x", "y", name="n")]), {"x": 1}, Fails())
    assert isinstance(caught.value.__context__, ValueError)  # as with a plain except block


@pytest.mark.parametrize("method", METHODS)
def test_ctrl_c_in_a_parent_hook_stops_a_parallel_run(method, monkeypatch):
    monkeypatch.setenv("KEDRO_MP_CONTEXT", method)
    ran = []

    class Interrupt:
        @hook_impl
        def before_node_run(self, node):
            if node.name == "b":
                raise KeyboardInterrupt

        @hook_impl
        def after_node_run(self, node):
            ran.append(node.name)

    pipe = Pipeline([node(f.inc, "x", "y", name="a"), node(f.inc, "y", "z", name="b")])
    with pytest.raises(KeyboardInterrupt):
        run(method, pipe, {"x": 1}, Interrupt())
    assert ran == ["a"]  # the watchdog checks that no worker is left


# -- what nodes raise and return across processes --------------------------------------


@pytest.mark.parametrize("node_func, kind_of_error, message", [
    (f.raise_two_part, ValueError, "tests._runner_nodes.TwoPartError: half of everything is "
                                   "wrong \\(raised by node 'n' in a worker process; the "
                                   "exception itself cannot be sent between processes: "
                                   "TypeError: .*__init__\\(\\) missing 1 required"),
    (f.raise_locked, LookupError, "tests._runner_nodes.LockedError: cannot find it \\(raised "
                                  "by node 'n' in a worker process; .*cannot pickle"),
], ids=["cannot-unpickle", "cannot-pickle"])
@pytest.mark.parametrize("method", METHODS)
def test_a_node_error_that_cannot_travel_arrives_as_its_builtin_base(
    method, monkeypatch, node_func, kind_of_error, message
):
    monkeypatch.setenv("KEDRO_MP_CONTEXT", method)
    errors = []

    class Errors:
        @hook_impl
        def on_node_error(self, error):
            errors.append(type(error))

    with pytest.raises(kind_of_error, match=message) as caught:
        run(method, Pipeline([node(node_func, "x", "y", name="n")]), {"x": 1}, Errors())
    assert type(caught.value) is kind_of_error  # not a dead worker, not a pickling error
    assert caught.value.original_type.startswith("tests._runner_nodes.")
    assert errors == [kind_of_error]


def test_executor_runner_sends_a_node_error_that_cannot_travel_as_a_stand_in():
    runner = ExecutorRunner(max_workers=1)  # spawned processes
    with pytest.raises(ValueError, match="tests._runner_nodes.TwoPartError: half of everything "
                                         "is wrong \\(raised by node 'n' in a worker"):
        runner.run(Pipeline([node(f.raise_two_part, "x", "y", name="n")]),
                   DataCatalog(raw_data={"x": 1}))


def test_a_wrong_number_of_outputs_names_the_node(kind):
    pipe = Pipeline([node(f.inc, "x", ["y", "z"], name="two_outputs")])
    with pytest.raises(ValueError, match="Failed to save outputs of node 'two_outputs': it "
                                         "declares 2 outputs \\['y', 'z'\\], so its function "
                                         "must return a list or tuple; it returned int"):
        run(kind, pipe, {"x": 1})


@pytest.mark.parametrize("method", METHODS)
def test_fifty_megabytes_pass_between_worker_processes(method, monkeypatch):
    monkeypatch.setenv("KEDRO_MP_CONTEXT", method)
    pipe = Pipeline([node(f.fifty_megabytes, "x", "blob", name="make"),
                     node(f.length, "blob", "size", name="measure")])
    assert run(method, pipe, {"x": 0}) == {"size": 50 * 1024 * 1024}


# -- generator nodes, namespaces, dotted names -----------------------------------------


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_a_generator_node_saves_each_chunk_to_each_output(kind, is_async):
    if is_async and kind == "thread":
        pytest.skip("ThreadRunner ignores is_async, as Kedro does (tested on its own)")
    saved = []

    class Saves:
        @hook_impl
        def after_dataset_saved(self, dataset_name, data):
            saved.append((dataset_name, data))

    pipe = Pipeline([node(f.chunk_pairs, "n", ["up", "down"], name="gen"),
                     node(f.add, ["up", "down"], "zero", name="sum")])
    assert run(kind, pipe, {"n": 3}, Saves(), is_async=is_async) == {"zero": 0}
    assert saved == [("up", 0), ("down", 0), ("up", 1), ("down", -1), ("up", 2), ("down", -2),
                     ("zero", 0)]


def test_namespaced_and_dotted_names_run_and_reach_the_hooks(kind):
    names = set()

    class Names:
        @hook_impl
        def after_dataset_saved(self, dataset_name, node):
            names.add((node.name, dataset_name))

    inner = Pipeline([node(f.inc, "x", "y", name="step"), node(f.inc, "y", "z", name="again")])
    pipe = pipeline(inner, namespace="outer.inner", inputs={"x": "raw.values.x"})
    assert run(kind, pipe, {"raw.values.x": 1}, Names()) == {"outer.inner.z": 3}
    assert names == {("outer.inner.step", "outer.inner.y"), ("outer.inner.again", "outer.inner.z")}


# -- runners: reuse, max_workers, Kedro 1.x's names for custom runners ------------------


def test_one_runner_instance_runs_again_and_again_after_a_failure_too(kind):
    runner = make_runner(kind)
    seen = []

    class Count:
        @hook_impl
        def after_node_run(self, outputs):
            seen.append(outputs)

    pipe = Pipeline([node(f.inc, "x", "y", name="n")])
    assert runner.run(pipe, make_catalog(kind, {"x": 1}), hooks(Count()))["y"].load() == 2
    with pytest.raises(ValueError, match="boom from fail"):
        runner.run(Pipeline([node(f.fail, "x", "y", name="n")]), make_catalog(kind, {"x": 1}))
    assert runner.run(pipe, make_catalog(kind, {"x": 10}), hooks(Count()))["y"].load() == 11
    assert seen == [{"y": 2}, {"y": 11}]


def test_thread_runner_runs_every_ready_node_at_once_by_default_as_kedro_does():
    """Kedro's default: as many threads as the pipeline can use, whatever the CPU count."""
    width = 40
    barrier = threading.Barrier(width)
    pipe = Pipeline([node(f.meet, ["barrier", "x"], f"y{i}", name=f"n{i}") for i in range(width)])
    runner = ThreadRunner()
    assert runner._get_required_workers_count(pipe) == width
    outputs = runner.run(pipe, DataCatalog(raw_data={"barrier": barrier, "x": 1}))
    assert {name: dataset.load() for name, dataset in outputs.items()} == {
        f"y{i}": 1 for i in range(width)
    }
    assert ThreadRunner(max_workers=3)._get_required_workers_count(pipe) == 3


@pytest.mark.parametrize("runner_class", [ThreadRunner, ParallelRunner])
@pytest.mark.parametrize("max_workers", [0, -2])
def test_max_workers_must_be_positive_as_in_kedro(runner_class, max_workers):
    with pytest.raises(ValueError, match=f"max_workers should be positive, got {max_workers}"):
        runner_class(max_workers=max_workers)


def test_kedro_validate_max_workers_helper_gives_the_cpu_count_by_default():
    assert AbstractRunner._validate_max_workers(3) == 3
    assert AbstractRunner._validate_max_workers(None) >= 1
    with pytest.raises(TypeError, match="max_workers should be a positive int"):
        AbstractRunner._validate_max_workers(True)


def test_thread_runner_warns_and_turns_async_mode_off_as_kedro_does():
    with pytest.warns(UserWarning, match="ThreadRunner doesn't support loading and saving"):
        runner = ThreadRunner(is_async=True)
    catalog = DataCatalog(raw_data={"x": 1})
    outputs = runner.run(Pipeline([node(f.inc, "x", "y", name="n")]), catalog)
    assert outputs["y"].load() == 2
    assert "is_async=False" in repr(runner) or not runner._is_async


class KeepGoingRunner(AbstractRunner):
    """A custom runner in Kedro 1.x's style: ``Task`` per node, ``_suggest_resume_scenario``."""

    def _get_executor(self, max_workers: int) -> None:
        return None

    def _run(self, pipeline, catalog, hook_manager=None, run_id=None) -> None:
        done, failed = [], set()
        for node_ in pipeline.nodes:
            if pipeline.node_dependencies[node_] & failed:
                failed.add(node_)
                continue
            try:
                Task(node=node_, catalog=catalog, is_async=self._is_async,
                     hook_manager=hook_manager, run_id=run_id).execute()
                done.append(node_)
            except Exception as error:
                self._logger.warning("Skipped %s: %s", node_.name, error)
                failed.add(node_)
        if failed:
            self._suggest_resume_scenario(pipeline, done, catalog)


def test_a_kedro_1_custom_runner_with_task_and_resume_scenario(caplog):
    seen = []

    class Note:
        @hook_impl
        def after_node_run(self, node, run_id):
            seen.append((node.name, run_id))

    pipe = Pipeline([node(f.inc, "x", "y", name="a"), node(f.fail, "y", "z", name="b"),
                     node(f.inc, "z", "w", name="c"), node(f.inc, "x", "v", name="d")])
    catalog = DataCatalog(raw_data={"x": 1})
    outputs = KeepGoingRunner().run(pipe, catalog, hooks(Note()), run_id="r")
    assert outputs["v"].load() == 2
    assert seen == [("a", "r"), ("d", "r")]
    assert "Skipped b: boom from fail" in caplog.text
    assert '--from-nodes "a"' in caplog.text  # y was only in memory: a runs again


def test_a_task_without_a_hook_manager_runs_the_node_alone():
    catalog = DataCatalog({"y": MemoryDataset()}, raw_data={"x": 4})
    task = Task(node(f.inc, "x", "y", name="n"), catalog, is_async=True)
    assert repr(task) == "Task(node='n', is_async=True)"
    assert task().name == "n"
    assert catalog.load("y") == 5
