"""Tests for minikedro.runner.executor_runner.ExecutorRunner (no Dask needed).

Executors: process pools the test owns (fork and spawn), a thread pool, and
pools the runner makes from a factory. Every shape must give what
SequentialRunner gives; hooks fire in this (the driver) process; a failing
node is reported with its resume hint; the runner shuts down only what it made.
Each run happens in a thread joined with a timeout, so a hang fails the test.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import subprocess
import sys
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest

from minikedro.datasets import JSONDataset, PickleDataset
from minikedro.framework.hooks import PluginManager
from minikedro.framework.run_options import load_runner, parse_key_values
from minikedro.io import DataCatalog, DatasetError, MemoryDataset
from minikedro.pipeline import Pipeline, node
from minikedro.runner import SequentialRunner
from minikedro.runner.executor_runner import ExecutorRunner
from tests import _executor_nodes as f
from tests import _runner_nodes
from tests.test_runner_contract import ZOO, Recorder

pytestmark = pytest.mark.filterwarnings("ignore:.*multi-threaded.*fork:DeprecationWarning")

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60
START_METHODS = [m for m in ("fork", "spawn") if m in multiprocessing.get_all_start_methods()]


def run(runner, pipeline, catalog, hooks=(), timeout=TIMEOUT, **kwargs):
    """Run in a thread and give up after ``timeout`` seconds; re-raise the run's error."""
    manager = PluginManager()
    for hook in hooks:
        manager.register(hook)
    box = {}

    def target():
        try:
            box["outputs"] = runner.run(pipeline, catalog, manager, **kwargs)
        except BaseException as error:  # noqa: B036 - handed to the test thread
            box["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"{runner!r} did not finish within {timeout} s"
    if "error" in box:
        raise box["error"]
    return box["outputs"]



@pytest.fixture(scope="module")
def pools():
    """Pools the tests own, made once per module: process pools by start method, and threads."""
    made = {}

    def get(kind):
        if kind not in made:
            if kind == "threads":
                made[kind] = ThreadPoolExecutor(4)
            else:  # start the workers now, before any run, so none forks from a threaded process
                made[kind] = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context(kind))
                assert list(made[kind].map(f.inc, [1, 2], timeout=TIMEOUT)) == [2, 3]
        return made[kind]

    yield get
    for pool in made.values():
        pool.shutdown()


@pytest.fixture(params=START_METHODS)
def process_pool(request, pools):
    return pools(request.param)


@pytest.fixture
def thread_pool(pools):
    return pools("threads")


@pytest.fixture(params=[*START_METHODS, "threads"])
def pool(request, pools):
    return pools(request.param)


def reference_and_remote(shape, tmp_path, runner, hooks_factory=None):
    """Run a shape with SequentialRunner and with ``runner``; return both results (and hooks)."""
    found = []
    for name, each in (("sequential", SequentialRunner()), ("remote", runner)):
        folder = tmp_path / name
        folder.mkdir()
        pipeline, catalog = shape(folder)
        hooks = hooks_factory() if hooks_factory else None
        outputs = run(each, pipeline, catalog(), hooks=[hooks] if hooks else ())
        found.append((f.results(outputs, folder), hooks))
    return found


# -- the same results as SequentialRunner ------------------------------------------------


@pytest.mark.parametrize("shape", f.SHAPES.values(), ids=list(f.SHAPES))
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_every_shape_gives_what_the_sequential_runner_gives(pool, shape, is_async, tmp_path):
    (expected, _), (got, _) = reference_and_remote(
        shape, tmp_path, ExecutorRunner(executor=pool, is_async=is_async)
    )
    assert got == expected


@pytest.mark.parametrize("shape", ZOO, ids=lambda s: s.__name__)
def test_the_runner_contract_zoo_gives_the_expected_outputs(process_pool, shape):
    pipeline, raw_data, params, expected = shape()
    catalog = DataCatalog(raw_data=raw_data)
    catalog.add_parameters(params or {})
    outputs = run(ExecutorRunner(executor=process_pool), pipeline, catalog)
    assert {name: dataset.load() for name, dataset in outputs.items()} == expected


@pytest.mark.parametrize("seed", range(3))
def test_random_dags_match_the_sequential_runner(process_pool, seed):
    pipeline, inputs = _runner_nodes.random_dag(seed)
    reference = run(SequentialRunner(), pipeline, DataCatalog(raw_data=inputs))
    got = run(ExecutorRunner(executor=process_pool), pipeline, DataCatalog(raw_data=inputs))
    assert {n: d.load() for n, d in got.items()} == {n: d.load() for n, d in reference.items()}


def test_nodes_run_in_the_workers_and_data_comes_back(process_pool, tmp_path):
    pipeline, catalog = f.components(tmp_path)
    outputs = run(ExecutorRunner(executor=process_pool), pipeline, catalog())
    assert outputs["pid"].load() != os.getpid()
    assert isinstance(outputs["pid"], MemoryDataset)  # memory outputs live in the driver


def test_independent_nodes_run_at_the_same_time(thread_pool):
    barrier = threading.Barrier(2)
    pipeline = Pipeline([node(f.meet, ["barrier", "x"], f"y{i}", name=f"n{i}") for i in range(2)])
    catalog = DataCatalog(raw_data={"barrier": barrier, "x": 1})
    outputs = run(ExecutorRunner(executor=thread_pool), pipeline, catalog)
    assert {name: d.load() for name, d in outputs.items()} == {"y0": 1, "y1": 1}


# -- hooks fire in the driver --------------------------------------------------------------


def test_hooks_on_memory_data_fire_in_the_driver_in_sequential_order(process_pool, tmp_path):
    (_, expected), (_, got) = reference_and_remote(
        f.diamond, tmp_path, ExecutorRunner(executor=process_pool), f.EventHooks
    )
    for name in ("left", "right", "join"):  # left and right may interleave
        assert got.of_node(name) == expected.of_node(name)
    assert len(got.events) == len(expected.events)
    assert got.pids == {os.getpid()}


def test_hooks_fire_in_the_driver_in_the_sequential_runners_order(process_pool, tmp_path):
    # Hook calls travel live from the worker to the driver's relay, so the order is
    # Kedro's even for the worker's own loads and saves (the record-and-replay
    # protocol this replaced fired those after the node had finished).
    (_, expected), (_, got) = reference_and_remote(
        f.persisted, tmp_path, ExecutorRunner(executor=process_pool), f.EventHooks
    )
    assert got.events == expected.events
    assert [(e[0], e[2:]) for e in got.of_node("train")] == [
        ("before_dataset_loaded", ("cleaned",)), ("after_dataset_loaded", ("cleaned",)),
        ("before_dataset_loaded", ("factor",)), ("after_dataset_loaded", ("factor",)),
        ("before_node_run", ()),
        ("after_node_run", ()),
        ("before_dataset_saved", ("model",)), ("after_dataset_saved", ("model",)),
    ]
    assert got.pids == {os.getpid()}


@pytest.mark.parametrize("shape", [f.persisted, f.outputs_and_dicts], ids=lambda s: s.__name__)
def test_hooks_asking_for_data_get_what_the_sequential_runner_gives(process_pool, shape, tmp_path):
    (_, expected), (_, got) = reference_and_remote(
        shape, tmp_path, ExecutorRunner(executor=process_pool), f.DataHooks
    )
    # Inputs load in the driver: per node, the very same calls with the very same data.
    for name in sorted({event[1] for event in expected.events}):
        assert got.of_node(name) == expected.of_node(name)
    assert len(got.events) == len(expected.events)


def test_the_contract_recorder_sees_every_event(process_pool):
    pipeline, raw_data, params, _ = ZOO[1]()  # diamond
    recorder, reference = Recorder(), Recorder()
    run(SequentialRunner(), pipeline, DataCatalog(raw_data=raw_data), hooks=[reference],
        run_id="run-1")
    run(ExecutorRunner(executor=process_pool), pipeline, DataCatalog(raw_data=raw_data),
        hooks=[recorder], run_id="run-1")
    assert sorted(recorder.events) == sorted(reference.events)


def test_a_generator_nodes_outputs_reach_after_node_run_as_a_description(process_pool, tmp_path):
    hooks = f.DataHooks()
    pipeline, catalog = f.generator_and_source(tmp_path)
    run(ExecutorRunner(executor=process_pool), pipeline, catalog(), hooks=[hooks])
    after = [e for e in hooks.events if e[:2] == ("after_node_run", "squares")]
    described = "<map object: cannot be sent to the parent process>"  # each output's iterator
    assert after[0][3] == {"i": described, "i2": described}
    saved = [e[3] for e in hooks.of_node("squares") if e[0:3:2] == ("after_dataset_saved", "i2")]
    assert saved == [0, 1, 4, 9, 16, 25, 36]  # chunk by chunk, as SequentialRunner saves them


@pytest.mark.parametrize("name, replacement, expected", [
    ("train", {"cleaned": 100}, 206),  # a worker-side (persisted) input
    ("train", {"factor": 10}, 66),  # a driver-side (memory) input
])
def test_before_node_run_can_replace_inputs(process_pool, tmp_path, name, replacement, expected):
    results = []
    for runner in (SequentialRunner(), ExecutorRunner(executor=process_pool)):
        folder = tmp_path / type(runner).__name__
        folder.mkdir()
        pipeline, catalog = f.persisted(folder)
        outputs = run(runner, pipeline, catalog(), hooks=[f.Replace(name, replacement)])
        results.append(outputs["report"].load())
    assert results == [expected, expected]


# -- failures --------------------------------------------------------------------------------


def failing(folder):
    """clean (to a file) -> explode -> never."""
    catalog = DataCatalog({"cleaned": PickleDataset(folder / "cleaned.pkl")},
                          raw_data={"raw": [1]})
    return Pipeline([
        node(f.summed, "raw", "cleaned", name="clean"),
        node(f.fail, "cleaned", "boom", name="explode"),
        node(f.inc, "boom", "never", name="never"),
    ]), catalog


def test_a_failing_node_is_reported_with_the_resume_hint(pool, tmp_path, caplog):
    hooks = f.EventHooks()
    pipeline, catalog = failing(tmp_path)
    runner = ExecutorRunner(executor=pool)
    with caplog.at_level(logging.INFO), pytest.raises(ValueError, match="^bad value 1$") as raised:
        run(runner, pipeline, catalog, hooks=[hooks])
    assert runner.resume_hint == 'minikedro run --from-nodes "explode"'
    assert "Node 'explode' failed with ValueError: bad value 1" in caplog.text
    assert "2 node(s) did not run: explode, never" in caplog.text
    assert type(raised.value) is ValueError  # the node's own exception
    assert hooks.of_node("explode") == [
        ("before_dataset_loaded", "explode", "cleaned"),
        ("after_dataset_loaded", "explode", "cleaned"),
        ("before_node_run", "explode"),
        ("on_node_error", "explode", "ValueError"),
    ]
    assert hooks.pids == {os.getpid()}


def test_a_failing_save_on_a_worker_fails_the_node_without_on_node_error(process_pool, tmp_path):
    hooks = f.EventHooks()
    pipeline = Pipeline([node(f.identity, "x", "out", name="bad_save")])
    catalog = DataCatalog({"out": JSONDataset(tmp_path / "out.json")}, raw_data={"x": {1, 2}})
    runner = ExecutorRunner(executor=process_pool)
    with pytest.raises(DatasetError, match="(?s)'out'.*not JSON serializable"):
        run(runner, pipeline, catalog, hooks=[hooks])
    assert [e[0] for e in hooks.events][-2:] == ["after_node_run", "before_dataset_saved"]


# -- who owns the executor ------------------------------------------------------------------------


def test_an_executor_the_user_passes_is_not_shut_down(pool, tmp_path):
    pipeline, catalog = f.chain(tmp_path)
    run(ExecutorRunner(executor=pool), pipeline, catalog())
    with pytest.raises(ValueError):
        run(ExecutorRunner(executor=pool), *failing(tmp_path))
    assert pool.submit(f.inc, 1).result(timeout=TIMEOUT) == 2


@pytest.mark.parametrize("spec", [
    f.RecordingPool, "tests._executor_nodes:RecordingPool", "tests._executor_nodes.RecordingPool",
], ids=["callable", "colon", "dots"])
def test_an_executor_made_by_the_factory_is_shut_down(spec, tmp_path):
    pipeline, catalog = f.chain(tmp_path)
    outputs = run(ExecutorRunner(executor_factory=spec, max_workers=2), pipeline, catalog())
    assert outputs["d6"].load() == 6
    made = f.RecordingPool.made[-1]
    assert made.kwargs == {"max_workers": 2} and made.shut_down
    with pytest.raises(ValueError):
        run(ExecutorRunner(executor_factory=spec, factory_kwargs={"max_workers": 1}),
            *failing(tmp_path))
    assert f.RecordingPool.made[-1] is not made and f.RecordingPool.made[-1].shut_down


def test_a_process_pool_by_dotted_path_as_the_cli_passes_it(tmp_path):
    params = parse_key_values(
        "executor_factory=concurrent.futures.ProcessPoolExecutor,max_workers=2", "--runner-params"
    )
    runner = load_runner("minikedro.runner.executor_runner.ExecutorRunner", False, params)
    assert repr(runner) == (
        "ExecutorRunner(executor_factory=concurrent.futures.process.ProcessPoolExecutor, "
        "factory_kwargs={'max_workers': 2}, is_async=False)"
    )
    (expected, _), (got, _) = reference_and_remote(f.persisted, tmp_path, runner)
    assert got == expected


def test_the_default_executor_is_spawned_processes(tmp_path):
    runner = ExecutorRunner(max_workers=2)
    assert "_spawned_processes" in repr(runner)
    pipeline, catalog = f.components(tmp_path)
    assert run(runner, pipeline, catalog())["pid"].load() != os.getpid()


# -- refused before anything runs ----------------------------------------------------------------


def test_what_cannot_travel_is_refused_at_once_before_any_node_runs(thread_pool, tmp_path):
    pipeline = Pipeline([
        node(f.identity, "x", "y", name="first"),
        node(lambda y: y, "y", "z", name="lambda_node"),
        node(f.identity, "locked", "w", name="reads_locked"),
    ])
    catalog = DataCatalog({"locked": f.LockedDataset()}, raw_data={"x": 1})
    with pytest.raises(ValueError, match=r"cannot send 2 object\(s\)") as caught:
        run(ExecutorRunner(executor=thread_pool), pipeline, catalog)
    message = str(caught.value)
    assert "- node 'lambda_node': func is a lambda" in message
    assert "- dataset 'locked' (LockedDataset): TypeError: cannot pickle '_thread.lock'" in message
    assert not catalog.get("y", fallback_to_runtime_pattern=True).exists()  # nothing ran


@pytest.mark.parametrize("kwargs, error, message", [
    ({"executor": "pool"}, TypeError, "executor must be a concurrent.futures.Executor"),
    ({"executor": ThreadPoolExecutor(1), "executor_factory": ThreadPoolExecutor}, ValueError,
     "ExecutorRunner got executor= and executor_factory"),
    ({"executor": ThreadPoolExecutor(1), "max_workers": 2}, ValueError,
     "ExecutorRunner got executor= and max_workers"),
    ({"factory_kwargs": {"max_workers": 1}, "max_workers": 2}, ValueError,
     "factory argument\\(s\\) max_workers given twice"),
    ({"executor_factory": 3}, TypeError, "executor_factory must be a callable or a dotted path"),
    ({"executor_factory": "ProcessPoolExecutor"}, ValueError, "is not a dotted path; valid forms"),
    ({"executor_factory": "no_such_module.Pool"}, ValueError,
     "cannot import 'no_such_module'"),
    ({"executor_factory": "concurrent.futures:NoPool"}, ValueError,
     # Python 3.9/3.10 print the names without quotes
     "module '?concurrent.futures'? has no attribute '?NoPool'?"),
    ({"executor_factory": "subprocess.getoutput"}, ValueError,
     "'subprocess.getoutput' names a function, not a concurrent.futures.Executor subclass"),
])
def test_bad_arguments_are_refused_when_the_runner_is_made(kwargs, error, message):
    with pytest.raises(error, match=message):
        ExecutorRunner(**kwargs)


def test_a_factory_that_makes_no_executor_is_refused(tmp_path):
    pipeline, catalog = f.chain(tmp_path)
    with pytest.raises(TypeError, match="returned a dict, which has no submit"):
        run(ExecutorRunner(executor_factory=dict), pipeline, catalog())


def test_dask_runner_without_dask_says_how_to_install(monkeypatch):
    from minikedro.runner.dask_runner import DaskRunner

    monkeypatch.setitem(sys.modules, "distributed", None)  # "not installed"
    install = r"^DaskRunner needs Dask: pip install 'minikedro\[dask\]'"
    with pytest.raises(ImportError, match=install):
        DaskRunner()


# -- end to end ---------------------------------------------------------------------------------

CTRL_C_SCRIPT = """
import sys
from minikedro.io import DataCatalog
from minikedro.pipeline import Pipeline, node
from minikedro.runner.executor_runner import ExecutorRunner
from tests._executor_nodes import announce_then_spin

if __name__ == "__main__":
    pipeline = Pipeline([node(announce_then_spin, ["folder", "seconds"], f"o{i}", name=f"n{i}")
                         for i in range(6)])
    catalog = DataCatalog(raw_data={"folder": sys.argv[1], "seconds": 120})
    ExecutorRunner(max_workers=2).run(pipeline, catalog)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="needs process groups and SIGINT")
def test_ctrl_c_ends_the_run_and_its_worker_processes(tmp_path):
    import signal
    import time

    script = tmp_path / "run.py"
    script.write_text(CTRL_C_SCRIPT)
    process = subprocess.Popen(  # a session of its own: Ctrl-C reaches its whole group
        [sys.executable, str(script), str(tmp_path)], cwd=ROOT, start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + TIMEOUT
        while len(list(tmp_path.glob("started-*"))) < 2:  # both workers are in a node
            assert process.poll() is None and time.monotonic() < deadline, process.stdout.read()
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=TIMEOUT)  # the nodes would spin for 120 s
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode != 0 and "KeyboardInterrupt" in output
    workers = [int(path.name.split("-")[1]) for path in tmp_path.glob("started-*")]
    for pid in workers:  # each is gone, or a zombie its parent's exit is about to reap
        stat = Path(f"/proc/{pid}/stat")
        assert not stat.exists() or stat.read_text().split()[2] == "Z"


def test_minikedro_run_on_the_example_project(tmp_path):
    import shutil

    shutil.copytree(ROOT / "examples" / "iris", tmp_path / "iris",
                    ignore=shutil.ignore_patterns("model.pkl"))
    command = [sys.executable, "-m", "minikedro", "run", "--project", str(tmp_path / "iris")]
    metrics = tmp_path / "iris" / "data" / "08_reporting" / "metrics.json"
    found = []
    for runner in ([], ["--runner", "minikedro.runner.executor_runner.ExecutorRunner",
                        "--runner-params", "max_workers=2"]):
        done = subprocess.run(command + runner, cwd=ROOT, capture_output=True, text=True,
                              timeout=TIMEOUT * 2)
        assert done.returncode == 0, done.stderr
        assert "Completed 7 out of 7 tasks" in done.stderr + done.stdout
        found.append(metrics.read_text())
        metrics.unlink()
    assert found[0] == found[1]
