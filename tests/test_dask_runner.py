"""Integration tests for minikedro.runner.dask_runner.DaskRunner on a real local Dask cluster.

Dask is an optional extra, so the whole module is skipped, saying why, where
it is not installed. The cluster (two worker processes, one thread each) is
started once for the module; the example project runs through the CLI in a
subprocess, where DaskRunner starts and closes a cluster of its own. Each run
happens in a thread joined with a timeout, so a hang fails the test.
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

distributed = pytest.importorskip(
    "distributed", reason="Dask is an optional extra: pip install 'minikedro[dask]'"
)

from minikedro.io import DataCatalog  # noqa: E402
from minikedro.pipeline import Pipeline, node  # noqa: E402
from minikedro.runner.dask_runner import DaskRunner  # noqa: E402
from tests import _executor_nodes as f  # noqa: E402
from tests.test_executor_runner import failing, reference_and_remote, run  # noqa: E402
from tests.test_runner_contract import ZOO  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 120



@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=":0") as local:  # any free port
        yield local


@pytest.fixture
def runner(cluster):
    return DaskRunner(cluster.scheduler_address)


@pytest.mark.parametrize("shape", f.SHAPES.values(), ids=list(f.SHAPES))
def test_every_shape_gives_what_the_sequential_runner_gives(runner, shape, tmp_path):
    (expected, _), (got, _) = reference_and_remote(shape, tmp_path, runner)
    assert got == expected


@pytest.mark.parametrize("shape", ZOO, ids=lambda s: s.__name__)
def test_the_runner_contract_zoo_gives_the_expected_outputs(runner, shape):
    pipeline, raw_data, params, expected = shape()
    catalog = DataCatalog(raw_data=raw_data)
    catalog.add_parameters(params or {})
    outputs = run(runner, pipeline, catalog, timeout=TIMEOUT)
    assert {name: dataset.load() for name, dataset in outputs.items()} == expected


def test_async_mode_gives_the_same_results(cluster, tmp_path):
    runner = DaskRunner(cluster.scheduler_address, is_async=True)
    (expected, _), (got, _) = reference_and_remote(f.persisted, tmp_path, runner)
    assert got == expected


def test_nodes_run_on_the_workers_and_hooks_in_the_driver(runner, tmp_path):
    (_, expected), (got, hooks) = reference_and_remote(f.persisted, tmp_path, runner, f.EventHooks)
    assert sorted(hooks.events) == sorted(expected.events)
    assert hooks.pids == {os.getpid()}
    pipeline, catalog = f.components(tmp_path / "components")
    pid = run(runner, pipeline, catalog(), timeout=TIMEOUT)["pid"].load()
    with distributed.Client(runner._address) as client:  # noqa: SLF001
        workers = client.run(os.getpid)
    assert pid in workers.values() and pid != os.getpid()


def test_a_failing_node_on_a_worker_is_reported_with_the_resume_hint(runner, tmp_path, caplog):
    hooks = f.EventHooks()
    with caplog.at_level(logging.INFO), pytest.raises(ValueError, match=r"^bad value 1$"):
        run(runner, *failing(tmp_path), hooks=[hooks], timeout=TIMEOUT)
    assert runner.resume_hint == 'minikedro run --from-nodes "explode"'
    assert "Node 'explode' failed with ValueError: bad value 1" in caplog.text
    assert ("on_node_error", "explode", "ValueError") in hooks.events


def test_dask_pickles_with_cloudpickle_so_lambdas_travel(runner):
    pipeline = Pipeline([node(lambda x: x * 3, "x", "y", name="lambda_node")])
    outputs = run(runner, pipeline, DataCatalog(raw_data={"x": 2}), timeout=TIMEOUT)
    assert outputs["y"].load() == 6


def test_a_cluster_given_by_address_is_left_running(runner, cluster, tmp_path):
    pipeline, catalog = f.chain(tmp_path)
    run(runner, pipeline, catalog(), timeout=TIMEOUT)
    with distributed.Client(cluster.scheduler_address) as client:
        assert client.submit(f.inc, 1).result(timeout=TIMEOUT) == 2


def test_a_local_cluster_it_starts_is_closed_after_the_run(monkeypatch, tmp_path):
    started = []

    class Recorded(distributed.LocalCluster):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append((self, kwargs))

    monkeypatch.setattr(distributed, "LocalCluster", Recorded)
    runner = DaskRunner(n_workers=1)
    assert repr(runner) == ("DaskRunner(processes=True, threads_per_worker=1, "
                            "dashboard_address=':0', n_workers=1, is_async=False)")
    with pytest.raises(ValueError):
        run(runner, *failing(tmp_path), timeout=TIMEOUT)
    (cluster, kwargs), = started
    assert kwargs["n_workers"] == 1 and kwargs["processes"] is True
    assert cluster.status.name == "closed"
    assert runner._client is None  # noqa: SLF001


def test_cluster_arguments_with_an_address_are_refused():
    with pytest.raises(ValueError, match="address='tcp://x:8786' and cluster argument"):
        DaskRunner("tcp://x:8786", n_workers=2)


def test_minikedro_run_on_the_example_project(tmp_path):
    shutil.copytree(ROOT / "examples" / "iris", tmp_path / "iris",
                    ignore=shutil.ignore_patterns("model.pkl"))
    command = [sys.executable, "-m", "minikedro", "run", "--project", str(tmp_path / "iris")]
    reporting = tmp_path / "iris" / "data" / "08_reporting"
    found = []
    for runner in ([], ["--runner", "minikedro.runner.dask_runner.DaskRunner",
                        "--runner-params", "n_workers=2"]):
        done = subprocess.run(command + runner, cwd=ROOT, capture_output=True, text=True,
                              timeout=TIMEOUT)
        assert done.returncode == 0, done.stderr
        assert "Completed 7 out of 7 tasks" in done.stderr + done.stdout
        found.append({path.name: path.read_text() for path in sorted(reporting.iterdir())})
        shutil.rmtree(reporting)
    assert found[0] == found[1] and "metrics.json" in found[0]


def test_a_failing_node_on_the_example_project_prints_the_resume_command(tmp_path):
    shutil.copytree(ROOT / "examples" / "iris", tmp_path / "iris")
    done = subprocess.run(
        [sys.executable, "-m", "minikedro", "run", "--project", str(tmp_path / "iris"),
         "--runner", "minikedro.runner.dask_runner.DaskRunner", "--runner-params", "n_workers=2",
         "--params", "split.test_fraction=0"],  # no test rows: evaluate divides by zero
        cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT,
    )
    assert done.returncode != 0
    assert "node 'evaluate_node' failed: ZeroDivisionError: division by zero" in done.stderr
    assert 'minikedro run --from-nodes "predict_node"' in done.stderr.splitlines()[-1]
