"""minikedro.observe.records and .progress: run records, timings, the progress line, --resume."""
from __future__ import annotations

import argparse
import io
import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from minikedro.io import DataCatalog, SharedMemoryDataCatalog
from minikedro.observe import records
from minikedro.observe.progress import critical_path, format_seconds, timing_summary
from minikedro.observe.records import (
    RunRecorder, describe_plan, list_runs, load_run, plan_resume, resumable_run, runs_main,
    runs_show_main)
from minikedro.pipeline import Pipeline, node
from minikedro.runner import ParallelRunner, SequentialRunner, ThreadRunner
from tests import _runner_nodes as f
from tests.project_factory import forget_package, make_project, subprocess_env

PACKAGE = "records_demo"
pytestmark = pytest.mark.usefixtures("no_leftover_workers")


@pytest.fixture
def project(tmp_path, monkeypatch):
    forget_package(PACKAGE)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv("PYTHONPATH", os.environ.get("PYTHONPATH", ""))
    return make_project(tmp_path / "proj", PACKAGE)


class FakeClock:
    """The records' clock: time moves only when a node says it took some."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now

    def take(self, seconds: float):
        def work(x):
            self.now += seconds
            return x
        return work


def record_run(project, pipeline, catalog, runner, run_id="run-1", **options):
    """Run ``pipeline`` with a recorder registered; return the record file's JSON and the error."""
    recorder = RunRecorder(project, run_id, ["minikedro", "run"], pipeline, ["__default__"],
                           runner, {"runner": type(runner).__name__}, **options)
    recorder.start()
    error = None
    try:
        runner.run(pipeline, catalog, f.hook_manager(recorder))
    except Exception as exc:
        recorder.on_pipeline_error(exc)
        error = exc
    else:
        recorder.after_pipeline_run()
    return json.loads(recorder.path.read_text()), error


RUNNERS = {"sequential": (SequentialRunner, DataCatalog), "thread": (ThreadRunner, DataCatalog),
           "parallel": (ParallelRunner, SharedMemoryDataCatalog)}


@pytest.mark.parametrize("keep_going", [False, True], ids=["stop", "keep_going"])
@pytest.mark.parametrize("kind", RUNNERS)
def test_every_runner_leaves_a_record_of_each_node(project, kind, keep_going):
    runner_class, catalog_class = RUNNERS[kind]
    pipeline = Pipeline([node(f.inc, "x", "a", name="first"), node(f.inc, "a", "b", name="second"),
                         node(f.fail, "x", "c", name="broken"), node(f.inc, "c", "d", name="after")])
    workers = {} if kind == "sequential" else {"max_workers": 2}
    runner = runner_class(keep_going=keep_going, **workers)
    record, error = record_run(project, pipeline, catalog_class(raw_data={"x": 1}), runner)
    assert record["status"] == "failed" and record["error"] == f"{type(error).__name__}: {error}"
    assert record["runner"] == runner_class.__name__ and record["pid"] == os.getpid()
    assert record["workers"] == workers.get("max_workers")  # two chains: a pool of two
    assert [entry["name"] for entry in record["nodes"]] == [n.name for n in pipeline.nodes]
    nodes = {entry["name"]: entry for entry in record["nodes"]}
    assert nodes["broken"]["status"] == "failed"
    assert nodes["broken"]["error"] == "ValueError: boom from fail"
    assert nodes["after"]["status"] == ("skipped" if keep_going else "not_run")
    assert nodes["after"]["started"] is nodes["after"]["seconds"] is None
    if keep_going:  # what does not depend on the failure runs
        assert nodes["first"]["status"] == nodes["second"]["status"] == "completed"
    for entry in nodes.values():
        if entry["status"] in ("completed", "failed"):
            assert entry["started"] <= entry["finished"] and entry["seconds"] >= 0


def test_run_times_are_local_iso_8601_and_node_times_count_from_the_start(project, monkeypatch, caplog):
    clock = FakeClock()
    monkeypatch.setattr(records, "_now", clock)
    pipeline = Pipeline([node(clock.take(0.5), "x", "a", name="load"),
                         node(clock.take(2.0), "a", "b", name="train"),
                         node(clock.take(0.012), "a", "c", name="report")])
    with caplog.at_level(logging.INFO, logger="minikedro.observe"):
        record, _ = record_run(project, pipeline, DataCatalog(raw_data={"x": 1}), SequentialRunner())
    started = record["started"]
    assert started.startswith(time.strftime("%Y-%m-%dT%H:%M:%S.000", time.localtime(clock.now - 2.512)))
    assert started[-6] in "+-" and started[-3] == ":"  # the UTC offset
    assert [(e["name"], e["started"], e["finished"], e["seconds"]) for e in record["nodes"]] == [
        ("load", 0.0, 0.5, 0.5), ("report", 0.5, 0.512, pytest.approx(0.012)),
        ("train", 0.512, 2.512, 2.0)]
    assert record["status"] == "completed"
    summary = [r.getMessage() for r in caplog.records if r.name == "minikedro.observe.records"]
    assert summary == ["Ran 3 of 3 nodes in 2.5 s; slowest: train 2.0 s, load 0.5 s, report 12 ms"]


def test_the_summary_gives_the_critical_path_and_how_busy_workers_were():
    pipeline = Pipeline([node(f.inc, "x", "a", name="a"), node(f.inc, "a", "b", name="b"),
                         node(f.inc, "a", "c", name="c"), node(f.add, ["b", "c"], "d", name="d")])
    seconds = {"a": 0.5, "b": 1.0, "c": 0.2, "d": 0.1}
    assert critical_path(pipeline, seconds) == (1.6, ["a", "b", "d"])
    assert timing_summary(pipeline, seconds, wall=1.8, workers=2) == (
        "Ran 4 of 4 nodes in 1.8 s; slowest: b 1.0 s, a 0.5 s, c 0.2 s; "
        "critical path 1.6 s through 3 node(s) (a -> b -> d); 2 workers 50% busy")
    assert [format_seconds(s) for s in (0.0004, 0.012, 0.4, 75, 3725)] == [
        "0.4 ms", "12 ms", "0.4 s", "1 min 15 s", "1 h 2 min"]


def test_the_progress_line_shows_running_nodes_then_clears(project, monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setenv("COLUMNS", "200")
    handler = logging.StreamHandler(stream)
    logging.getLogger().addHandler(handler)
    seen = threading.Event()

    def wait_to_be_shown(x):
        deadline = time.monotonic() + 20
        while "[1/3]" not in stream.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
        logging.getLogger("records_demo").warning("a log line")
        seen.set()
        return x

    pipeline = Pipeline([node(f.inc, "x", "a", name="quick"),
                         node(wait_to_be_shown, "a", "b", name="waits_to_be_shown"),
                         node(f.inc, "b", "c", name="last")])
    try:
        record_run(project, pipeline, DataCatalog(raw_data={"x": 1}), SequentialRunner(),
                   progress=True)
    finally:
        logging.getLogger().removeHandler(handler)
    assert seen.is_set()
    text = stream.getvalue()
    assert "\r\x1b[K[1/3] " in text and "waits_to_be_shown\r" in text
    assert "\r\x1b[Ka log line\n" in text  # the line was cleared before the log record
    assert not text.rpartition("\r\x1b[K")[2].startswith("[")  # nor left at the end
    assert "progress" not in repr(handler.filters)


def test_a_run_killed_with_sigkill_leaves_its_record_up_to_the_last_finished_node(project):
    script = textwrap.dedent(f"""
        import time
        from minikedro.io import DataCatalog
        from minikedro.observe.records import RunRecorder
        from minikedro.pipeline import Pipeline, node
        from minikedro.runner import SequentialRunner
        from tests import _runner_nodes as f

        pipeline = Pipeline([node(f.inc, "x", "a", name="quick"),
                             node(f.sleep_long, "a", "b", name="sleeps"),
                             node(f.inc, "b", "c", name="never")])
        runner = SequentialRunner()
        recorder = RunRecorder({str(project)!r}, "killed", ["minikedro", "run"], pipeline,
                               ["__default__"], runner, {{}})
        recorder.start()
        runner.run(pipeline, DataCatalog(raw_data={{"x": 1}}), f.hook_manager(recorder))
    """)
    child = subprocess.Popen([sys.executable, "-c", script], env=subprocess_env())
    path = project / ".minikedro" / "runs" / "killed.json"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and child.poll() is None:
            if path.exists() and '"name": "sleeps", "status": "running"' in path.read_text():
                break
            time.sleep(0.05)
        else:
            pytest.fail(f"the child's record never showed node 'sleeps' running (exit {child.poll()})")
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
    assert json.loads(path.read_text())["status"] == "running"  # nothing was left to say otherwise
    record = load_run(project, "killed")
    assert record["status"] == "interrupted"  # its process is gone
    assert [(e["name"], e["status"]) for e in record["nodes"]] == [
        ("quick", "completed"), ("sleeps", "running"), ("never", "not_run")]


def write_record(project, run_id, status="completed", started="2026-01-01T10:00:00.000+00:00", **extra):
    folder = project / ".minikedro" / "runs"
    folder.mkdir(parents=True, exist_ok=True)
    record = {"run_id": run_id, "command": ["minikedro", "run"], "started": started,
              "finished": None, "status": status, "pid": 1, "runner": "SequentialRunner",
              "pipeline_names": ["__default__"], "options": {}, "nodes": [], **extra}
    (folder / f"{run_id}.json").write_text(json.dumps(record))
    return folder / f"{run_id}.json"


def test_corrupt_and_foreign_records_are_named_and_skipped(project, caplog, capsys):
    write_record(project, "good", finished="2026-01-01T10:00:01.500+00:00",
                 nodes=[{"name": "a", "status": "completed"}, {"name": "b", "status": "failed"}])
    folder = project / ".minikedro" / "runs"
    (folder / "torn.json").write_text('{"run_id": "torn", "sta')
    (folder / "foreign.json").write_text('{"name": "something else"}')
    (folder / "odd.json").write_text('{"run_id": 7, "started": "2026-01-01", "status": "x", "nodes": []}')
    (folder / "binary.json").write_bytes(b"\xff\xfe\x00")
    assert [r["run_id"] for r in list_runs(project)] == ["good"]
    warned = sorted(r.getMessage().split(":")[0] for r in caplog.records if r.levelname == "WARNING")
    assert warned == [f"Skipping {folder / name}" for name in ("binary.json", "foreign.json", "odd.json", "torn.json")]
    assert runs_main(argparse.Namespace(project=str(project))) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["RUN", "ID", "STARTED", "STATUS", "NODES", "WALL", "TIME"]
    assert lines[1].split() == ["good", "2026-01-01", "10:00:00", "completed", "1/2", "1.5", "s"]


def test_runs_show_prints_the_nodes_in_the_order_they_started(project, capsys):
    nodes = [{"name": "late", "status": "failed", "started": 2.0, "seconds": 0.25,
              "error": "ValueError: boom"},
             {"name": "early", "status": "completed", "started": 0.1, "seconds": 1.5, "error": None},
             {"name": "never", "status": "not_run", "started": None, "seconds": None, "error": None}]
    write_record(project, "run-7", "failed", finished="2026-01-01T10:00:03.000+00:00", nodes=nodes)
    assert runs_show_main(argparse.Namespace(project=str(project), run="last")) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:3] == ["run run-7: failed, wall time 3.0 s", "command: minikedro run",
                                    "runner: SequentialRunner"]
    table = [line.split() for line in out.split("\n\n")[1].splitlines()]
    assert table == [["NODE", "STARTED", "TIME", "STATUS"], ["early", "+0.1", "s", "1.5", "s", "completed"],
                     ["late", "+2.0", "s", "0.2", "s", "failed"], ["never", "-", "-", "not_run"]]
    assert out.endswith("late: ValueError: boom\n")


def test_asking_for_a_run_that_is_not_recorded_names_what_is(project):
    with pytest.raises(ValueError, match="no run recorded in .*: runs are recorded by 'minikedro run'"):
        load_run(project, "last")
    write_record(project, "old", started="2026-01-01T10:00:00.000+00:00")
    write_record(project, "new", started="2026-01-02T10:00:00.000+01:00")
    assert load_run(project, "last")["run_id"] == "new"
    with pytest.raises(ValueError, match="no run 'nope' recorded in .*; the newest: new, old"):
        load_run(project, "nope")


def test_only_the_newest_records_are_kept(project):
    for i in range(7):
        path = write_record(project, f"old-{i}")
        os.utime(path, (1_000_000 + i, 1_000_000 + i))
    pipeline = Pipeline([node(f.inc, "x", "a", name="only")])
    record_run(project, pipeline, DataCatalog(raw_data={"x": 1}), SequentialRunner(), keep=5)
    assert sorted(p.stem for p in (project / ".minikedro" / "runs").glob("*.json")) == [
        "old-3", "old-4", "old-5", "old-6", "run-1"]


def test_a_record_is_finished_once_and_only_after_it_started(project):
    pipeline = Pipeline([node(f.inc, "x", "a", name="only")])
    recorder = RunRecorder(project, "once", None, pipeline, ["__default__"], SequentialRunner(), {})
    recorder.finish("completed")  # never started: nothing to write
    assert not recorder.path.exists()
    recorder.start()
    recorder.finish("interrupted")
    recorder.finish("completed")
    assert json.loads(recorder.path.read_text())["status"] == "interrupted"


def test_ctrl_c_leaves_an_interrupted_record_that_resume_finishes(project):
    pipeline = Pipeline([node(f.inc, "x", "a", name="first"),
                         node(f.raise_keyboard_interrupt, "a", "b", name="stopped"),
                         node(f.inc, "b", "c", name="never")])
    catalog = DataCatalog(raw_data={"x": 1})
    recorder = RunRecorder(project, "ctrl-c", None, pipeline, ["__default__"], SequentialRunner(), {})
    recorder.start()
    with pytest.raises(KeyboardInterrupt):
        SequentialRunner().run(pipeline, catalog, f.hook_manager(recorder))
    recorder.finish("interrupted")  # what session.run does on KeyboardInterrupt
    record = resumable_run(project)
    assert record["status"] == "interrupted"
    assert [(e["name"], e["status"], e["error"]) for e in record["nodes"]] == [
        ("first", "completed", None), ("stopped", "failed", "did not finish (run interrupted)"),
        ("never", "not_run", None)]
    assert plan_resume(record, {"__default__": pipeline}, catalog) == ["first", "stopped", "never"]


def demo_pipelines(project):
    """The demo project's registered pipelines and the catalog a run of it has."""
    from minikedro.framework.project import pipelines
    from minikedro.framework.session import KedroSession

    catalog = KedroSession.create(project_path=project).load_context().catalog
    return pipelines, catalog


def test_resume_runs_what_did_not_complete_and_what_it_needs_from_memory(project):
    pipelines, catalog = demo_pipelines(project)
    nodes = [{"name": name, "status": status} for name, status in (
        ("double_node", "completed"), ("describe_node", "completed"),
        ("stats.square", "completed"), ("total_node", "failed"))]
    write_record(project, "broken", "failed", nodes=nodes)
    record = resumable_run(project)
    planned = plan_resume(record, pipelines, catalog)
    assert planned == ["double_node", "total_node"]  # "doubled" was only in memory
    assert describe_plan(record, planned) == (
        "Resuming run broken (failed, 3 of 4 nodes completed): will run 2 node(s): "
        "double_node, total_node")


def test_resume_reruns_a_producer_whose_persisted_output_is_missing(project):
    pipelines, catalog = demo_pipelines(project)
    write_record(project, "failing", "failed", pipeline_names=["failing"], nodes=[
        {"name": "prepare_node", "status": "completed"}, {"name": "explode_node", "status": "failed"}])
    record = resumable_run(project)
    assert plan_resume(record, pipelines, catalog) == ["prepare_node", "explode_node"]
    catalog.save("prepared", [1, 2])
    assert plan_resume(record, pipelines, catalog) == ["explode_node"]


def test_resume_refuses_when_there_is_nothing_to_resume(project):
    with pytest.raises(ValueError, match="nothing to resume: no run is recorded"):
        resumable_run(project)
    write_record(project, "fine", "completed")
    with pytest.raises(ValueError, match="nothing to resume: the last run, fine, completed"):
        resumable_run(project)
    write_record(project, "live", "running", started="2026-02-01T10:00:00.000+00:00", pid=os.getpid())
    with pytest.raises(ValueError, match=f"the last run, live, is still running \\(pid {os.getpid()}\\)"):
        resumable_run(project)


def test_resume_refuses_when_recorded_nodes_are_gone(project):
    pipelines, catalog = demo_pipelines(project)
    record = {"run_id": "r", "status": "failed", "pipeline_names": ["numbers"], "nodes": [
        {"name": "double_node", "status": "completed"}, {"name": "renamed_node", "status": "failed"}]}
    with pytest.raises(ValueError, match="cannot resume run r: node\\(s\\) renamed_node are no longer "
                                         "in pipeline\\(s\\) numbers; start a new run instead"):
        plan_resume(record, pipelines, catalog)
    with pytest.raises(ValueError, match="pipeline\\(s\\) gone are no longer registered"):
        plan_resume({**record, "pipeline_names": ["gone"]}, pipelines, catalog)
