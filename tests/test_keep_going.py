"""``keep_going``: a failing node stops only what depends on it, under every runner.

Each runner (Sequential, Thread, Parallel with fork and spawn, Executor) runs the
same pipelines with ``keep_going=True``: every node that does not depend on a
failed one runs, and the run then raises one error naming each failure and the
nodes it kept from running (``NodesFailedError``), or the node's own exception
when it alone failed and nothing was skipped. ``failed_nodes``,
``skipped_nodes`` and ``resume_hint`` say the same after the run.
"""
from __future__ import annotations

import multiprocessing

import pytest

from minikedro.io import DataCatalog, SharedMemoryDataCatalog
from minikedro.pipeline import Pipeline, node
from minikedro.runner import (
    ExecutorRunner,
    NodesFailedError,
    ParallelRunner,
    SequentialRunner,
    ThreadRunner,
)
from tests import _runner_nodes as f

RUNNERS = ["sequential", "thread", "fork", "spawn", "executor"]


@pytest.fixture(params=RUNNERS)
def make(request, monkeypatch):
    """Make ``(runner, catalog)`` for one kind of runner, with ``keep_going=True``."""
    kind = request.param
    if kind in ("fork", "spawn"):
        if kind not in multiprocessing.get_all_start_methods():
            pytest.skip(f"{kind} is not available on this platform")
        monkeypatch.setenv("KEDRO_MP_CONTEXT", kind)

    def make_one(raw_data, keep_going=True):
        if kind in ("fork", "spawn"):
            return (ParallelRunner(max_workers=2, keep_going=keep_going),
                    SharedMemoryDataCatalog(raw_data=raw_data))
        runner = {"sequential": lambda: SequentialRunner(keep_going=keep_going),
                  "thread": lambda: ThreadRunner(max_workers=2, keep_going=keep_going),
                  "executor": lambda: ExecutorRunner(max_workers=2, keep_going=keep_going)}[kind]
        return runner(), DataCatalog(raw_data=raw_data)

    yield make_one
    assert multiprocessing.active_children() == []


def two_branches() -> Pipeline:
    """``bad`` fails; ``after_bad`` and ``last`` depend on it; the other branch does not."""
    return Pipeline([
        node(f.fail, "x", "b", name="bad"),
        node(f.inc, "b", "c", name="after_bad"),
        node(f.inc, "x", "g1", name="good1"),
        node(f.inc, "g1", "g2", name="good2"),
        node(f.add, ["c", "g2"], "z", name="last"),
    ])


def test_the_independent_branch_runs_and_one_error_names_the_failure_and_what_it_skipped(make):
    runner, catalog = make({"x": 1})
    with pytest.raises(NodesFailedError) as caught:
        runner.run(two_branches(), catalog)
    assert str(caught.value) == (
        "1 node(s) failed and 2 node(s) were skipped because they depend on them:\n"
        "- 'bad' failed with ValueError: boom from fail; skipped because of it: after_bad, last")
    assert isinstance(caught.value.__cause__, ValueError)
    assert caught.value.skipped == {"bad": ["after_bad", "last"]}
    assert list(caught.value.errors) == ["bad"]
    assert catalog.load("g2") == 3  # the other branch ran to its end
    assert [n.name for n in runner.failed_nodes] == ["bad"]
    assert [n.name for n in runner.skipped_nodes] == ["after_bad", "last"]
    # "last" reads g2 too, which lived in memory: good1 must run again to remake it
    assert runner.resume_hint == 'minikedro run --from-nodes "bad,good1"'


def test_each_failure_is_named_with_the_nodes_skipped_because_of_it(make):
    pipeline = Pipeline([
        node(f.fail, "x", "a", name="fail_a"),
        node(f.fail, "x", "b", name="fail_b"),
        node(f.inc, "a", "a2", name="after_a"),
        node(f.add, ["a", "b"], "ab", name="after_both"),
        node(f.inc, "x", "ok", name="fine"),
    ])
    runner, catalog = make({"x": 1})
    with pytest.raises(NodesFailedError) as caught:
        runner.run(pipeline, catalog)
    message = str(caught.value)
    assert message.startswith("2 node(s) failed and 2 node(s) were skipped")
    assert "- 'fail_a' failed with ValueError: boom from fail; skipped because of it: " \
           "after_a, after_both\n" in message
    assert message.endswith("- 'fail_b' failed with ValueError: boom from fail; skipped "
                            "because of it: after_both")
    assert catalog.load("ok") == 2
    assert [n.name for n in runner.failed_nodes] == ["fail_a", "fail_b"]
    assert [n.name for n in runner.skipped_nodes] == ["after_a", "after_both"]


def test_a_lone_failure_that_skips_nothing_raises_the_nodes_own_error(make):
    pipeline = Pipeline([node(f.inc, "x", "y", name="fine"), node(f.fail, "x", "z", name="bad")])
    runner, catalog = make({"x": 1})
    with pytest.raises(ValueError, match="^boom from fail$"):
        runner.run(pipeline, catalog)
    assert catalog.load("y") == 2
    assert runner.skipped_nodes == []
    assert [n.name for n in runner.failed_nodes] == ["bad"]


def test_without_keep_going_a_failure_stops_the_run_and_skips_nothing(make):
    pipeline = Pipeline([node(f.fail, "x", "b", name="a_bad"), node(f.inc, "b", "c", name="b_after"),
                         node(f.inc, "x", "y", name="c_other")])
    runner, catalog = make({"x": 1}, keep_going=False)
    assert runner.keep_going is False
    with pytest.raises(ValueError, match="boom from fail"):
        runner.run(pipeline, catalog)
    assert runner.skipped_nodes == []


def test_a_successful_run_after_a_failed_one_clears_what_the_failure_recorded():
    runner = SequentialRunner(keep_going=True)
    with pytest.raises(NodesFailedError):
        runner.run(two_branches(), DataCatalog(raw_data={"x": 1}))
    outputs = runner.run(Pipeline([node(f.inc, "x", "y", name="n")]), DataCatalog(raw_data={"x": 1}))
    assert outputs["y"].load() == 2
    assert (runner.failed_nodes, runner.skipped_nodes, runner.resume_hint) == ([], [], None)


def test_keep_going_is_keyword_only_on_every_runner():
    for runner_type in (SequentialRunner, ThreadRunner, ParallelRunner, ExecutorRunner):
        assert runner_type(keep_going=True).keep_going is True
        assert runner_type().keep_going is False
    with pytest.raises(TypeError):
        SequentialRunner(False, True)


def test_a_dead_worker_still_ends_the_run_with_worker_crashed_error():
    from minikedro.runner import WorkerCrashedError

    pipeline = Pipeline([node(f.crash, "x", "y", name="dies"), node(f.inc, "y", "z", name="after")])
    runner = ParallelRunner(max_workers=2, keep_going=True)
    with pytest.raises(WorkerCrashedError, match="'dies'") as caught:
        runner.run(pipeline, SharedMemoryDataCatalog(raw_data={"x": 1}))
    assert caught.value.node_names == ["dies"]
    assert multiprocessing.active_children() == []
