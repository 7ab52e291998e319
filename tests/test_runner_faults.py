"""When things go wrong: failing nodes, missing inputs, dying workers, Ctrl-C.

Every runner must re-raise a node's own exception, fire ``on_node_error``, run
nothing new after a failure, say which nodes did not run and how to resume;
a dying worker or Ctrl-C must end the run quickly and leave no process behind.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time

import pytest

from minikedro.framework.hooks import hook_impl
from minikedro.io import DataCatalog, SharedMemoryDataCatalog
from minikedro.pipeline import Pipeline, node
from minikedro.runner import (
    ParallelRunner,
    SequentialRunner,
    ThreadRunner,
    WorkerCrashedError,
)
from tests import _runner_nodes as f

# Every run here must end its worker processes and threads.
pytestmark = pytest.mark.usefixtures("no_leftover_workers")


START_METHODS = [m for m in ("fork", "spawn") if m in multiprocessing.get_all_start_methods()]
RUNNERS = ["sequential", "thread", *START_METHODS]



def make(kind, monkeypatch, raw_data=None, datasets=None):
    """A runner of this kind, and the catalog it needs."""
    if kind in ("fork", "spawn"):
        monkeypatch.setenv("KEDRO_MP_CONTEXT", kind)
        return ParallelRunner(max_workers=2), SharedMemoryDataCatalog(datasets, raw_data)
    runner = SequentialRunner() if kind == "sequential" else ThreadRunner(max_workers=2)
    return runner, DataCatalog(datasets, raw_data)


class Notes:
    def __init__(self):
        self.ran, self.errors = [], []

    @hook_impl
    def after_node_run(self, node):
        self.ran.append(node.name)

    @hook_impl
    def on_node_error(self, error, node, inputs):
        self.errors.append((node.name, type(error).__name__, str(error), sorted(inputs)))


hooks = f.hook_manager


def persisted_then_failing(tmp_path):
    """a: x -> p (on disk) ; b: p -> m (memory) ; c: m -> fails ; d: after c."""
    pipeline = Pipeline([
        node(f.inc, "x", "p", name="a"),
        node(f.inc, "p", "m", name="b"),
        node(f.fail, "m", "z", name="c"),
        node(f.inc, "z", "w", name="d"),
    ])
    return pipeline, {"p": f.PickleFile(str(tmp_path / "p.pkl"))}


@pytest.mark.parametrize("kind", RUNNERS)
def test_a_failing_node_raises_its_own_error_and_says_how_to_resume(
    kind, monkeypatch, tmp_path, caplog
):
    pipeline, datasets = persisted_then_failing(tmp_path)
    runner, catalog = make(kind, monkeypatch, {"x": 1}, datasets)
    notes = Notes()
    with caplog.at_level(logging.INFO, logger="minikedro"):
        with pytest.raises(ValueError, match="^boom from fail$"):
            runner.run(pipeline, catalog, hooks(notes))

    assert sorted(notes.ran) == ["a", "b"]
    assert notes.errors == [("c", "ValueError", "boom from fail", ["m"])]
    # The persisted p survives; the memory dataset m does not: resume from b.
    assert runner.resume_hint == 'minikedro run --from-nodes "b"'
    text = caplog.text
    assert "Node 'c' failed with ValueError: boom from fail" in text
    assert text.count("boom from fail") == 1  # named once
    assert "2 node(s) did not run: c, d" in text
    assert '--from-nodes "b"' in text


def test_the_resume_hint_starts_every_unfinished_branch(tmp_path):
    pipeline = Pipeline([
        node(f.inc, "x", "p", name="a"),
        node(f.inc, "p", "q", name="b"),     # q is persisted too
        node(f.fail, "q", "z", name="c"),
        node(f.inc, "q", "y", name="e"),     # never starts: c failed first
    ])
    catalog = DataCatalog({"p": f.PickleFile(str(tmp_path / "p")),
                           "q": f.PickleFile(str(tmp_path / "q"))}, {"x": 1})
    runner = SequentialRunner()
    with pytest.raises(ValueError):
        runner.run(pipeline, catalog)
    assert runner.resume_hint == 'minikedro run --from-nodes "c,e"'


def test_when_nothing_ran_there_is_no_resume_hint(caplog):
    runner = SequentialRunner()
    pipeline = Pipeline([node(f.fail, "x", "y", name="first"), node(f.inc, "y", "z", name="next")])
    with pytest.raises(ValueError):
        runner.run(pipeline, DataCatalog(raw_data={"x": 1}))
    assert runner.resume_hint is None
    assert "No nodes ran. Repeat the previous command" in caplog.text


def test_a_later_successful_run_clears_the_hint(tmp_path):
    pipeline, datasets = persisted_then_failing(tmp_path)
    runner = SequentialRunner()
    with pytest.raises(ValueError):
        runner.run(pipeline, DataCatalog(datasets, {"x": 1}))
    assert runner.resume_hint
    runner.run(pipeline.only_nodes("a"), DataCatalog(datasets, {"x": 1}))
    assert runner.resume_hint is None


def test_the_sequential_runner_starts_nothing_after_a_failure():
    notes = Notes()
    # Both nodes are ready at once; "a_fails" sorts first and must stop the run.
    pipeline = Pipeline([node(f.fail, "x", "y", name="a_fails"), node(f.inc, "x", "z", name="b_ok")])
    with pytest.raises(ValueError):
        SequentialRunner().run(pipeline, DataCatalog(raw_data={"x": 1}), hooks(notes))
    assert notes.ran == []


def test_running_nodes_finish_after_a_failure_but_nothing_new_starts():
    started, failed = threading.Event(), threading.Event()

    class SetWhenFailed(Notes):
        @hook_impl
        def on_node_error(self, node):
            failed.set()

    # a_slow starts first and waits for the failure; b_fails waits until a_slow runs.
    pipeline = Pipeline([
        node(f.start_then_wait, ["started", "failed", "x"], "slow_out", name="a_slow"),
        node(f.fail_once_started, ["started", "x"], "y", name="b_fails"),
        node(f.inc, "slow_out", "after", name="c_after_slow"),
    ])
    notes = SetWhenFailed()
    catalog = DataCatalog(raw_data={"x": 1, "started": started, "failed": failed})
    with pytest.raises(ValueError):
        ThreadRunner(max_workers=2).run(pipeline, catalog, hooks(notes))
    assert notes.ran == ["a_slow"]  # finished after the failure; its child never started


def test_missing_free_inputs_are_all_named_at_once():
    pipeline = Pipeline([node(f.add, ["b", "a"], "c", name="n"), node(f.inc, "z", "y", name="m")])
    catalog = DataCatalog(raw_data={"z": 1})
    with pytest.raises(ValueError, match=r"^Pipeline input\(s\) 'a', 'b' not found in the "
                                         r"DataCatalog: add them to the catalog"):
        SequentialRunner().run(pipeline, catalog)


def test_before_node_run_must_return_a_dict():
    class Bad:
        @hook_impl
        def before_node_run(self):
            return ["not", "a", "dict"]

    pipeline = Pipeline([node(f.inc, "x", "y", name="n")])
    with pytest.raises(TypeError, match="'before_node_run' must return either None or a "
                                        "dictionary mapping dataset names to updated values, "
                                        "got 'list' instead \\(a hook's reply for node 'n'\\)"):
        SequentialRunner().run(pipeline, DataCatalog(raw_data={"x": 1}), hooks(Bad()))


def test_an_error_inside_a_generator_is_the_nodes_error():
    notes = Notes()
    pipeline = Pipeline([node(f.failing_chunks, "x", "parts", name="gen")])
    with pytest.raises(ValueError, match="chunk 2 is bad"):
        SequentialRunner().run(pipeline, DataCatalog(raw_data={"x": 1}), hooks(notes))
    assert [e[:3] for e in notes.errors] == [("gen", "ValueError", "chunk 2 is bad")]


@pytest.mark.parametrize("kind", RUNNERS)
def test_sys_exit_in_a_node_fails_that_node_and_fires_on_node_error(kind, monkeypatch, caplog):
    import sys

    runner, catalog = make(kind, monkeypatch, {"x": 3})
    pipeline = Pipeline([node(sys.exit, "x", "y", name="exits"), node(f.inc, "y", "z", name="after")])
    notes = Notes()
    with pytest.raises(RuntimeError, match=r"^called sys.exit\(3\): a node ends by returning") as caught:
        runner.run(pipeline, catalog, hooks(notes))
    if kind in ("sequential", "thread"):  # a process pool's cause is the worker's traceback
        assert isinstance(caught.value.__cause__, SystemExit)
    assert [e[:2] for e in notes.errors] == [("exits", "RuntimeError")]
    assert [n.name for n in runner.failed_nodes] == ["exits"]
    assert "2 node(s) did not run: after, exits" in caplog.text


@pytest.mark.parametrize("method", START_METHODS)
def test_a_dying_worker_is_a_clear_error_naming_the_node(method, monkeypatch, caplog):
    runner, catalog = make(method, monkeypatch, {"x": 1})
    pipeline = Pipeline([node(f.crash, "x", "y", name="crasher"), node(f.inc, "y", "z", name="next")])
    started = time.monotonic()
    with pytest.raises(WorkerCrashedError, match="A worker died while running node\\(s\\) "
                                                 "'crasher'") as caught:
        runner.run(pipeline, catalog)
    assert time.monotonic() - started < 30
    assert caught.value.node_names == ["crasher"]
    assert "2 node(s) did not run: crasher, next" in caplog.text
    # the watchdog fixture checks that no worker is left behind


def test_keyboard_interrupt_from_a_node_stops_the_sequential_runner(caplog):
    notes = Notes()
    pipeline = Pipeline([node(f.inc, "x", "y", name="a"),
                         node(f.raise_keyboard_interrupt, "y", "z", name="b"),
                         node(f.inc, "z", "w", name="c")])
    runner = SequentialRunner()
    with pytest.raises(KeyboardInterrupt):
        runner.run(pipeline, DataCatalog(raw_data={"x": 1}), hooks(notes))
    assert notes.ran == ["a"]
    assert runner.resume_hint == 'minikedro run --from-nodes "a"'  # y was in memory


def test_keyboard_interrupt_from_a_hook_stops_the_run():
    class Interrupt:
        @hook_impl
        def before_node_run(self, node):
            if node.name == "b":
                raise KeyboardInterrupt

    notes = Notes()
    pipeline = Pipeline([node(f.inc, "x", "y", name="a"), node(f.inc, "y", "z", name="b")])
    with pytest.raises(KeyboardInterrupt):
        ThreadRunner().run(pipeline, DataCatalog(raw_data={"x": 1}), hooks(Interrupt(), notes))
    assert notes.ran == ["a"]


@pytest.mark.parametrize("method", START_METHODS)
def test_ctrl_c_terminates_the_workers(method, monkeypatch):
    runner, catalog = make(method, monkeypatch, {"x": 1})
    started = threading.Event()

    class SignalWhenStarted:
        @hook_impl
        def before_node_run(self, node):  # runs in this process, relayed from the worker
            started.set()

    def press_ctrl_c():
        if started.wait(timeout=60):
            os.kill(os.getpid(), signal.SIGINT)

    pipeline = Pipeline([node(f.sleep_long, "x", "y", name="slow")])
    threading.Thread(target=press_ctrl_c, daemon=True).start()
    begun = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        runner.run(pipeline, catalog, hooks(SignalWhenStarted()))
    assert started.is_set()
    assert time.monotonic() - begun < 30  # the 60 s node did not finish
    assert not [t for t in threading.enumerate() if t.name == "minikedro-manager"]


def test_thread_runner_refuses_bad_worker_counts():
    with pytest.raises(ValueError, match="max_workers should be positive, got 0: pass how many"):
        ThreadRunner(max_workers=0)
    with pytest.raises(ValueError, match="max_workers should be positive, got -1"):
        ParallelRunner(max_workers=-1)
    with pytest.raises(TypeError, match="max_workers should be a positive int, or None for the "
                                        "default; got str '2'"):
        ParallelRunner(max_workers="2")
    with pytest.raises(TypeError, match="got float 1.5"):
        ThreadRunner(max_workers=1.5)


def test_ctrl_c_under_thread_runner_says_it_waits_for_running_nodes():
    # A thread cannot be stopped: the runner starts nothing new, says so, and
    # returns once the running node ends (here: released by that very message).
    import functools
    import logging

    started, finish = threading.Event(), threading.Event()

    class ReleaseOnWarning(logging.Handler):
        def emit(self, record):
            if record.getMessage().startswith("Interrupted: no new node will start"):
                finish.set()

    def press_ctrl_c():
        if started.wait(timeout=60):
            os.kill(os.getpid(), signal.SIGINT)

    waiting = functools.partial(f.start_then_wait, started, finish)
    pipeline = Pipeline([node(waiting, "x", "y", name="waits"), node(f.inc, "y", "z", name="next")])
    handler = ReleaseOnWarning()
    logger = logging.getLogger("minikedro.runner.thread_runner")
    logger.addHandler(handler)
    threading.Thread(target=press_ctrl_c, daemon=True).start()
    try:
        with pytest.raises(KeyboardInterrupt):
            ThreadRunner().run(pipeline, DataCatalog(raw_data={"x": 1}))
    finally:
        logger.removeHandler(handler)
    assert finish.is_set()
    # Ctrl-C can land inside submit() before the pool records its new thread, so
    # the pool may not join it: the node still ends by itself, just after.
    for thread in threading.enumerate():
        if thread.name.startswith("minikedro-node"):
            thread.join(timeout=20)
