"""Run records through the command line: `minikedro runs`, `runs show`, `run --resume`, progress."""
from __future__ import annotations

import json
import re
import os
import signal
import subprocess
import sys
import time

import pytest

from minikedro.cli import main
from tests.project_factory import forget_package, make_project, subprocess_env

PACKAGE = "runs_cli_demo"

# The failing pipeline, made to fail (or be interrupted) only when asked.
FLAKY = """
    import os
    import sys
    import time

    from minikedro.pipeline import node, pipeline


    def prepare(numbers):
        return numbers


    def explode(prepared):
        how = os.environ.get("EXPLODE")
        if how == "error":
            return 1 / 0
        if how == "ctrl-c":
            raise KeyboardInterrupt
        if how == "sleep":
            time.sleep(60)
        if how == "until-shown":  # until the progress line shows this node running
            deadline = time.monotonic() + 30
            while "] " not in sys.stderr.getvalue() and time.monotonic() < deadline:
                time.sleep(0.01)
        return sum(prepared)


    def create_pipeline():
        return pipeline([
            node(prepare, "numbers_raw", "prepared", name="prepare_node"),
            node(explode, "prepared", "exploded", name="explode_node"),
        ])
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    forget_package(PACKAGE)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv("PYTHONPATH", os.environ.get("PYTHONPATH", ""))
    return make_project(tmp_path / "proj", PACKAGE,
                        {f"src/{PACKAGE}/pipelines/failing/pipeline.py": FLAKY})


def minikedro(project, *args):
    return main([*args, "--project", str(project)])


def records(project):
    folder = project / ".minikedro" / "runs"
    return sorted((json.loads(p.read_text()) for p in folder.glob("*.json")),
                  key=lambda r: r["started"])


def test_runs_lists_each_run_and_runs_show_its_nodes(project, capsys, monkeypatch):
    monkeypatch.setenv("EXPLODE", "error")
    assert minikedro(project, "run") == 0
    assert minikedro(project, "run", "--pipeline", "failing") == 1
    err = capsys.readouterr().err
    assert "Ran 4 of 4 nodes in" in err and "Ran 2 of 2 nodes in" in err
    assert minikedro(project, "runs") == 0
    table = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert [row[3:5] for row in table[1:]] == [["failed", "1/2"], ["completed", "4/4"]]
    assert minikedro(project, "runs", "show", "last") == 0
    out = capsys.readouterr().out
    assert "command: minikedro run --pipeline failing --project" in out
    assert [line.split()[0::len(line.split()) - 1] for line in out.split("\n\n")[1].splitlines()] == [
        ["NODE", "STATUS"], ["prepare_node", "completed"], ["explode_node", "failed"]]
    assert "explode_node: ZeroDivisionError: division by zero" in out


def test_resume_after_a_failure_runs_what_did_not_complete_with_the_same_options(
        project, capsys, monkeypatch):
    monkeypatch.setenv("EXPLODE", "error")
    assert minikedro(project, "run", "--pipeline", "failing", "--env", "prod") == 1
    monkeypatch.delenv("EXPLODE")
    capsys.readouterr()
    assert minikedro(project, "run", "--resume") == 0
    out = capsys.readouterr().out
    failed, resumed = records(project)
    assert out.startswith(f"Resuming run {failed['run_id']} (failed, 1 of 2 nodes completed): "
                          f"will run 1 node(s): explode_node")
    assert resumed["options"]["env"] == "prod" and resumed["options"]["pipeline"] == "failing"
    assert [(n["name"], n["status"]) for n in resumed["nodes"]] == [("explode_node", "completed")]


def test_resume_after_ctrl_c(project, capsys, monkeypatch):
    monkeypatch.setenv("EXPLODE", "ctrl-c")
    assert minikedro(project, "run", "--pipeline", "failing") == 130
    assert records(project)[0]["status"] == "interrupted"
    (project / "data/02_intermediate/prepared.json").unlink()  # so prepare_node must run again
    monkeypatch.delenv("EXPLODE")
    assert minikedro(project, "run", "--resume") == 0
    assert [(n["name"], n["status"]) for n in records(project)[1]["nodes"]] == [
        ("prepare_node", "completed"), ("explode_node", "completed")]


def test_resume_refuses_when_the_last_run_completed(project, capsys):
    assert minikedro(project, "run", "--resume") == 1
    assert "error: nothing to resume: no run is recorded in" in capsys.readouterr().err
    assert minikedro(project, "run") == 0
    assert minikedro(project, "run", "--resume") == 1
    assert ", completed; to run again, leave out --resume" in capsys.readouterr().err


def test_the_progress_line_is_drawn_only_when_asked_for(project, capsys, monkeypatch):
    def stderr_of(*options):
        return subprocess.run([sys.executable, "-m", "minikedro", "run", "--project", str(project),
                               *options], env=subprocess_env(), capture_output=True, text=True,
                              timeout=60).stderr

    assert "\x1b[K" not in stderr_of()  # stderr is no terminal here
    assert "\x1b[K" not in stderr_of("--no-progress")
    monkeypatch.setenv("EXPLODE", "until-shown")
    assert minikedro(project, "run", "--pipeline", "failing", "--progress") == 0
    err = capsys.readouterr().err
    assert "\r\x1b[K[1/2] " in err and " explode_node\r" in err
    assert not err.rpartition("\r\x1b[K")[2].startswith("[")  # cleared in the end


def test_a_killed_run_is_listed_as_interrupted_and_resumed(project, capsys):
    env = {**subprocess_env(), "EXPLODE": "sleep"}
    child = subprocess.Popen([sys.executable, "-m", "minikedro", "run", "--pipeline", "failing",
                              "--project", str(project)], env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and child.poll() is None:
            found = list((project / ".minikedro" / "runs").glob("*.json"))
            if found and '"name": "explode_node", "status": "running"' in found[0].read_text():
                break
            time.sleep(0.05)
        else:
            pytest.fail("the run never recorded explode_node running")
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
    assert minikedro(project, "runs") == 0
    assert capsys.readouterr().out.splitlines()[1].split()[3:5] == ["interrupted", "1/2"]
    assert minikedro(project, "run", "--resume") == 0
    assert "will run 1 node(s): explode_node" in capsys.readouterr().out


BRANCHES = """
    from minikedro.pipeline import node, pipeline


    def fail(numbers):
        raise ValueError("no good")


    def double(numbers):
        return [2 * n for n in numbers]


    def create_pipeline():
        return pipeline([
            node(fail, "numbers_raw", "bad", name="fail_node"),
            node(len, "bad", "bad_count", name="after_fail_node"),
            node(double, "numbers_raw", "doubled", name="double_node"),
            node(sum, "doubled", "total", name="sum_node"),
        ])
"""


@pytest.mark.parametrize("runner", ["SequentialRunner", "ThreadRunner", "ParallelRunner"])
def test_keep_going_runs_every_branch_a_failure_does_not_reach(tmp_path, capsys, runner):
    forget_package(PACKAGE)
    project = make_project(tmp_path / "proj", PACKAGE,
                           {f"src/{PACKAGE}/pipelines/branches/pipeline.py": BRANCHES})
    assert minikedro(project, "run", "--pipeline", "branches", "--runner", runner, "--keep-going") == 1
    error = capsys.readouterr().err.rpartition("\nerror: ")[2]  # one line per failed node
    assert error.startswith("1 node(s) failed and 1 node(s) were skipped because they depend on them:")
    assert error.splitlines()[1].startswith(
        "- 'fail_node' failed with ValueError: no good; skipped because of it: after_fail_node. "
        "To resume: ")
    statuses = {n["name"]: n["status"] for n in records(project)[-1]["nodes"]}
    assert statuses == {"fail_node": "failed", "after_fail_node": "skipped",
                        "double_node": "completed", "sum_node": "completed"}
    # without --keep-going the first failure stops the run (fail_node runs first)
    assert minikedro(project, "run", "--pipeline", "branches", "--runner", "SequentialRunner") == 1
    statuses = {n["name"]: n["status"] for n in records(project)[-1]["nodes"]}
    assert statuses["fail_node"] == "failed" and statuses["sum_node"] == "not_run"


def test_a_resumed_run_that_fails_again_says_to_resume_again(project, capsys, monkeypatch):
    monkeypatch.setenv("EXPLODE", "error")
    assert minikedro(project, "run", "--pipeline", "failing", "--env", "prod") == 1
    (project / "data/02_intermediate/prepared.json").unlink()  # so prepare_node runs again
    assert minikedro(project, "run", "--resume") == 1  # the same options: the same failure
    error = capsys.readouterr().err.rstrip().splitlines()[-1]
    assert re.search(r"To resume: (\S+ -m )?minikedro run --resume --project \S+$", error), error
    assert [r["options"]["env"] for r in records(project)] == ["prod", "prod"]


def test_a_thread_run_ends_with_its_critical_path_and_how_busy_its_workers_were(project, capsys):
    # max_workers left to the runner: the pool is sized from the pipeline, not from the options
    assert minikedro(project, "run", "--runner", "ThreadRunner") == 0
    summary = [line for line in capsys.readouterr().err.splitlines() if "Ran 4 of 4 nodes" in line]
    assert len(summary) == 1 and "; critical path " in summary[0], summary
    assert re.search(r"; \d+ workers \d+% busy$", summary[0]), summary
