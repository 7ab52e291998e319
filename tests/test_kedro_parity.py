"""Kedro 1.x behaviour a migrating user meets on day one, pinned through the public API and CLI.

One test (or a few) per point of the "Kedro parity" issue; each would fail on
code that differs from what Kedro documents or does.
"""
from __future__ import annotations

import logging

import pytest

from minikedro.cli import main
from minikedro.io import DataCatalog
from minikedro.pipeline import Pipeline, node, pipeline
from minikedro.runner import ThreadRunner
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
