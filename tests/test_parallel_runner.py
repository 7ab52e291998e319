"""ParallelRunner specifics: hooks in the parent, what it refuses up front, start methods.

The contract suite (test_runner_contract.py) already checks results and hooks
under fork and spawn; this file covers what only ParallelRunner does.
"""
from __future__ import annotations

import functools
import multiprocessing
import os
import threading

import pytest

from minikedro.framework.hooks import hook_impl
from minikedro.io import DataCatalog, DatasetError, MemoryDataset, SharedMemoryDataCatalog
from minikedro.pipeline import Pipeline, node
from minikedro.runner import ParallelRunner
from tests import _runner_nodes as f

# Every run here must end its worker processes and threads.
pytestmark = pytest.mark.usefixtures("no_leftover_workers")


START_METHODS = [m for m in ("fork", "spawn", "forkserver")
                 if m in multiprocessing.get_all_start_methods()]



@pytest.fixture(params=[m for m in START_METHODS if m != "forkserver"])
def method(request, monkeypatch):
    monkeypatch.setenv("KEDRO_MP_CONTEXT", request.param)
    return request.param


hooks = f.hook_manager


def test_hooks_run_in_the_parent_and_can_replace_inputs(method):
    class Hooks:
        def __init__(self):
            self.pids, self.errors = set(), []

        @hook_impl
        def before_node_run(self, node, catalog, inputs):
            self.pids.add(os.getpid())
            assert isinstance(catalog, SharedMemoryDataCatalog)
            if node.name == "double":
                return {"x": inputs["x"] * 100}

        @hook_impl
        def on_node_error(self, error, node):
            self.errors.append((node.name, type(error).__name__))

    pipeline = Pipeline([node(f.scale, ["x", "params:two"], "y", name="double"),
                         node(f.fail, "y", "z", name="breaks")])
    catalog = SharedMemoryDataCatalog(raw_data={"x": 3})
    catalog.add_parameters({"two": 2})
    recorder = Hooks()
    with pytest.raises(ValueError, match="boom from fail"):
        ParallelRunner().run(pipeline, catalog, hooks(recorder))
    assert recorder.pids == {os.getpid()}
    assert recorder.errors == [("breaks", "ValueError")]


def test_a_hook_failing_in_the_parent_fails_the_node_with_its_own_error(method):
    class Strict:
        @hook_impl
        def after_dataset_loaded(self, dataset_name, data):
            raise LookupError(f"{dataset_name} looks wrong")

    pipeline = Pipeline([node(f.inc, "x", "y", name="n")])
    with pytest.raises(LookupError, match="x looks wrong"):
        ParallelRunner().run(pipeline, SharedMemoryDataCatalog(raw_data={"x": 1}), hooks(Strict()))


def test_hook_arguments_that_cannot_travel_arrive_described(monkeypatch):
    monkeypatch.setenv("KEDRO_MP_CONTEXT", START_METHODS[0])
    seen = []

    class Outputs:
        @hook_impl
        def after_node_run(self, outputs):
            seen.append(outputs)

    pipeline = Pipeline([node(f.chunks, "n", "parts", name="gen")])
    catalog = SharedMemoryDataCatalog(raw_data={"n": 2})
    outputs = ParallelRunner().run(pipeline, catalog, hooks(Outputs()))
    assert outputs["parts"].load() == 10
    assert seen == [{"parts": "<generator object: cannot be sent to the parent process>"}]


def test_results_stay_loadable_after_the_run(method):
    pipeline = Pipeline([node(f.inc, "x", "y", name="a"), node(f.inc, "y", "z", name="b")])
    catalog = SharedMemoryDataCatalog(raw_data={"x": 1})
    outputs = ParallelRunner().run(pipeline, catalog)
    assert outputs["z"].load() == 3
    assert catalog.load("z") == 3
    assert not catalog.exists("y")  # intermediate: released


def test_only_a_shared_memory_catalog_is_accepted():
    pipeline = Pipeline([node(f.inc, "x", "y", name="a")])
    with pytest.raises(TypeError, match="ParallelRunner needs a SharedMemoryDataCatalog, got "
                                        "DataCatalog: build it with SharedMemoryDataCatalog"):
        ParallelRunner().run(pipeline, DataCatalog(raw_data={"x": 1}))


def test_unpicklable_nodes_are_all_named_with_their_culprit():
    def local(x):
        return x

    pipeline = Pipeline([
        node(lambda x: x, "x", "a", name="with_lambda"),
        node(local, "x", "b", name="with_closure"),
        node(f.CallableWithLock(), "x", "c", name="with_lock"),
        node(functools.partial(f.scale, factor=threading.Lock()), "x", "d", name="with_partial"),
        node(f.inc, "x", "e", name="fine"),
    ])
    with pytest.raises(ValueError) as caught:
        ParallelRunner().run(pipeline, SharedMemoryDataCatalog(raw_data={"x": 1}))
    message = str(caught.value)
    # The message every remote runner gives (remote.check_portable): one shape, all at once.
    assert message.startswith("ParallelRunner cannot send 4 object(s) to its workers, because "
                              "they cannot be pickled:\n")
    assert "- node 'with_lambda': func is a lambda" in message
    assert "- node 'with_closure': func is a local function or closure " \
           "(test_unpicklable_nodes_are_all_named_with_their_culprit.<locals>.local)" in message
    assert "- node 'with_lock': attribute 'lock' of func (CallableWithLock) holds an " \
           "unpicklable _thread.lock" in message
    assert "- node 'with_partial': func is a partial whose argument 'factor' is an " \
           "unpicklable _thread.lock" in message
    assert "'fine'" not in message


def test_unpicklable_datasets_are_refused_before_any_node_runs():
    ran = []

    class Note:
        @hook_impl
        def before_node_run(self, node):
            ran.append(node)

    pipeline = Pipeline([node(f.inc, "locked", "y", name="a")])
    catalog = SharedMemoryDataCatalog({"locked": f.LockedDataset()})
    with pytest.raises(DatasetError, match="'locked' \\(LockedDataset\\)"):
        ParallelRunner().run(pipeline, catalog, hooks(Note()))
    assert ran == []


def test_outputs_to_process_local_memory_datasets_are_refused():
    pipeline = Pipeline([node(f.inc, "x", "y", name="a"), node(f.inc, "y", "z", name="b")])
    catalog = SharedMemoryDataCatalog({"y": MemoryDataset()}, raw_data={"x": 1})
    with pytest.raises(ValueError, match="cannot save output\\(s\\) 'y' to a MemoryDataset"):
        ParallelRunner().run(pipeline, catalog)


def test_a_bad_start_method_is_refused_with_the_valid_ones(monkeypatch):
    monkeypatch.setenv("KEDRO_MP_CONTEXT", "bogus")
    pipeline = Pipeline([node(f.inc, "x", "y", name="a")])
    with pytest.raises(ValueError, match="KEDRO_MP_CONTEXT='bogus' is not a start method: valid "
                                         "values are .*spawn.*or leave it unset"):
        ParallelRunner().run(pipeline, SharedMemoryDataCatalog(raw_data={"x": 1}))


def test_the_renamed_variable_is_read_too_and_wins(monkeypatch):
    monkeypatch.setenv("KEDRO_MP_CONTEXT", START_METHODS[0])
    monkeypatch.setenv("MINIKEDRO_MP_CONTEXT", "bogus")
    pipeline = Pipeline([node(f.inc, "x", "y", name="a")])
    with pytest.raises(ValueError, match="MINIKEDRO_MP_CONTEXT='bogus' is not a start method"):
        ParallelRunner().run(pipeline, SharedMemoryDataCatalog(raw_data={"x": 1}))


@pytest.mark.parametrize("value", ["", *START_METHODS])
def test_every_start_method_runs(monkeypatch, value):
    monkeypatch.setenv("KEDRO_MP_CONTEXT", value)
    pipeline = Pipeline([node(f.split_pair, "x", ["p", "n"], name="a"),
                         node(f.add, ["p", "n"], "zero", name="b")])
    outputs = ParallelRunner(is_async=True).run(pipeline, SharedMemoryDataCatalog(raw_data={"x": 4}))
    assert outputs["zero"].load() == 0


def test_the_worker_count_follows_cpus_and_the_pipeline(monkeypatch):
    chain = Pipeline([node(f.inc, f"d{i}", f"d{i + 1}", name=f"n{i}") for i in range(5)])
    wide = Pipeline([node(f.inc, "x", f"y{i}", name=f"n{i}") for i in range(50)])
    assert ParallelRunner()._get_required_workers_count(chain) == 1
    assert ParallelRunner()._get_required_workers_count(wide) == (os.cpu_count() or 1)
    assert ParallelRunner(max_workers=3)._get_required_workers_count(wide) == 3


@pytest.mark.parametrize("start", [m for m in START_METHODS if m != "fork"])
def test_a_spawned_workers_log_lines_reach_the_parents_handlers(start, monkeypatch, caplog):
    # A spawned worker starts with no logging set up; its records must be
    # forwarded to the parent, as a forked worker's reach the inherited handlers.
    monkeypatch.setenv("KEDRO_MP_CONTEXT", start)
    caplog.set_level("INFO")
    catalog = SharedMemoryDataCatalog(raw_data={"x": 7})
    pipe = Pipeline([node(f.log_and_return, "x", "y", name="talker")])
    ParallelRunner(max_workers=1).run(pipe, catalog)
    said = [r for r in caplog.records if r.name == "tests.worker_node"]
    assert [r.getMessage() for r in said] == ["worker says 7"]
    assert any(r.getMessage().startswith("Running node: talker") for r in caplog.records)


# os.register_at_fork offers no way to unregister: one hook for the whole
# session notes the threads alive at each fork, for the tests that listen.
_fork_listeners: list[list[list[str]]] = []


def _note_threads_at_fork() -> None:
    for listener in _fork_listeners:
        listener.append(sorted(thread.name for thread in threading.enumerate()))


if "fork" in START_METHODS:
    os.register_at_fork(before=_note_threads_at_fork)


@pytest.mark.skipif("fork" not in START_METHODS, reason="no fork on this platform")
@pytest.mark.parametrize("is_async, with_hooks", [(False, False), (True, True)],
                         ids=["plain", "async-with-hooks"])
def test_workers_are_forked_while_this_process_has_only_its_main_thread(
    monkeypatch, is_async, with_hooks
):
    """Forking beside a running thread can copy a lock that thread holds into the
    child, where nothing will ever release it: the worker hangs. Python 3.12+ warns
    about such forks only in a way a test cannot turn into an error, so this test
    looks at the threads themselves, at the moment each worker is forked."""
    monkeypatch.setenv("KEDRO_MP_CONTEXT", "fork")
    main = threading.main_thread().name
    before = sorted(thread.name for thread in threading.enumerate())
    assert before == [main], f"threads left over from an earlier test: {before}"

    class Noting:
        @hook_impl
        def before_node_run(self, node):
            return None

    pipeline = Pipeline([node(f.inc, "x", f"y{i}", name=f"n{i}") for i in range(4)])
    plugins = [Noting()] if with_hooks else []
    seen: list[list[str]] = []
    _fork_listeners.append(seen)
    try:
        outputs = ParallelRunner(max_workers=2, is_async=is_async).run(
            pipeline, SharedMemoryDataCatalog(raw_data={"x": 1}), hooks(*plugins))
    finally:
        _fork_listeners.remove(seen)
    assert {name: dataset.load() for name, dataset in outputs.items()} == {
        f"y{i}": 2 for i in range(4)}
    # The data manager's process, then two workers: each forked beside no other thread.
    assert seen == [[main], [main], [main]]


def test_an_unpicklable_dataset_the_pipeline_never_touches_does_not_stop_the_run():
    import threading as _threading

    unused = MemoryDataset(_threading.Lock())  # would be refused if the run needed it
    catalog = SharedMemoryDataCatalog({"unused_lock": unused}, raw_data={"x": 1})
    outputs = ParallelRunner(max_workers=1).run(Pipeline([node(f.inc, "x", "y", name="a")]), catalog)
    assert outputs["y"].load() == 2
