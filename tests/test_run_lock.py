"""Run locks: two runs of one project never consume each other's half-written data.

The end-to-end cases start a real ``python -m minikedro run -p hold`` whose
node writes a ``started`` file and then waits for a ``release`` file: while it
waits, that run holds its locks, and a second run is started against it. The
two sides synchronise on files with deadlines, never on sleeps; every process
started is ended and reaped in a ``finally``.
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from minikedro.framework.run_lock import RunLock, RunLockError, datasets_to_lock
from minikedro.framework.run_options import read_run_config
from minikedro.io import DataCatalog, MemoryDataset
from minikedro.datasets import JSONDataset
from minikedro.pipeline import node, pipeline
from tests.project_factory import make_project, subprocess_env

PACKAGE = "lock_demo"
TIMEOUT = 60

LOCK_FILES = {
    "conf/base/catalog_locks.toml": """
        [held]
        type = "JSONDataset"
        filepath = "data/02_intermediate/held.json"

        [held_again]  # the same file under another name
        type = "JSONDataset"
        filepath = "data/02_intermediate/held.json"

        [report]
        type = "JSONDataset"
        filepath = "data/08_reporting/report.json"
    """,
    f"src/{PACKAGE}/pipelines/hold/__init__.py": """
        import os
        import time
        from pathlib import Path

        from minikedro.pipeline import node, pipeline


        def hold(numbers):
            folder = Path(os.environ["LOCK_TEST_DIR"])
            (folder / "started").write_text(str(os.getpid()))
            deadline = time.monotonic() + 60
            while not (folder / "release").exists():
                if time.monotonic() > deadline:
                    raise TimeoutError("the test never released this run")
                time.sleep(0.01)
            if (folder / "fail").exists():
                raise RuntimeError("told to fail")
            return [n + 1 for n in numbers]


        def create_pipeline():
            return pipeline([node(hold, "numbers_raw", "held", name="hold_node")])
    """,
    f"src/{PACKAGE}/pipelines/use_held/__init__.py": """
        from minikedro.pipeline import node, pipeline


        def report(held):
            return {"sum": sum(held)}


        def create_pipeline():
            return pipeline([node(report, "held_again", "report", name="report_node")])
    """,
}


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path / "project", PACKAGE, LOCK_FILES)


def env_for(project):
    return {**subprocess_env(), "LOCK_TEST_DIR": str(project)}


def run(project, *args):
    return subprocess.run([sys.executable, "-m", "minikedro", "run", *args], cwd=project,
                          env=env_for(project), capture_output=True, text=True, timeout=TIMEOUT)


def start(project, *args, log="first.log"):
    with open(project / log, "w") as output:  # a file, not a pipe: it never fills up
        return subprocess.Popen([sys.executable, "-m", "minikedro", "run", *args], cwd=project,
                                env=env_for(project), stdout=output, stderr=subprocess.STDOUT)


def wait_for(condition, what, process=None):
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert process is None or process.poll() is None, f"the run ended before {what}"
        assert time.monotonic() < deadline, f"no {what} within {TIMEOUT} s"
        time.sleep(0.01)


def end(process, project):
    """Let a held run finish, and make sure it has ended."""
    (project / "release").touch()
    try:
        return process.wait(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def lock_files(project):
    return sorted((project / ".minikedro" / "locks").glob("*.json"))


def error_line(result):
    return result.stderr.strip().splitlines()[-1]


# -- end to end ---------------------------------------------------------------------------


def test_a_conflicting_run_fails_at_once_naming_the_running_one_and_the_datasets(project):
    first = start(project, "-p", "hold")
    try:
        wait_for((project / "started").exists, "started file", first)
        second = run(project, "-p", "use_held")
        assert first.poll() is None  # the second run did not wait for the first
    finally:
        assert end(first, project) == 0
    held = os.path.realpath(project / "data/02_intermediate/held.json")
    assert second.returncode == 1
    assert re.fullmatch(
        rf"error: datasets in use by another run of this project: run '.*run -p hold' "
        rf"\(pid {first.pid} on {re.escape(socket.gethostname())}, since [-\d: ]+\) writes "
        rf"'held_again' \({re.escape(held)}\)\. Run again when it ends, or add --wait to wait "
        rf"for it; if that run is gone, delete .*\.json",
        error_line(second),
    ), second.stderr
    assert not (project / "data/08_reporting/report.json").exists()


def test_runs_on_disjoint_datasets_go_side_by_side(project):
    first = start(project, "-p", "hold")
    try:
        wait_for((project / "started").exists, "started file", first)
        [lock] = lock_files(project)  # the first run holds its locks...
        assert set(json.loads(lock.read_text())["read"].values()) == {"numbers_raw"}
        second = run(project, "-p", "numbers")  # ...and this one reads numbers_raw too
        assert first.poll() is None
    finally:
        assert end(first, project) == 0
    assert second.returncode == 0, second.stderr
    assert json.loads((project / "data/08_reporting/total.json").read_text())["total"] == 30


@pytest.mark.parametrize("how", ["--wait", "run file"])
def test_wait_waits_for_the_running_one_then_runs(project, how):
    (project / "run.toml").write_text("[run]\nwait = true\n")
    first = start(project, "-p", "hold")
    second = None
    try:
        wait_for((project / "started").exists, "started file", first)
        options = ["--wait"] if how == "--wait" else ["--config", "run.toml"]
        second = start(project, "-p", "use_held", *options, log="second.log")
        wait_for(lambda: "Waiting for another run" in (project / "second.log").read_text(),
                 "'Waiting' log line", second)
        assert not (project / "data/02_intermediate/held.json").exists()
    finally:
        assert end(first, project) == 0
        if second is not None:
            code = end(second, project)
    log = (project / "second.log").read_text()
    assert code == 0, log
    assert f"pid {first.pid} on {socket.gethostname()}" in log
    assert json.loads((project / "data/08_reporting/report.json").read_text()) == {"sum": 14}


def test_a_stale_lock_is_taken_over_with_a_warning(project):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, timeout=TIMEOUT)
    pid = int(dead.stdout)  # ended and reaped: no process has this pid now
    stale = project / ".minikedro" / "locks" / f"{pid}-dead.json"
    stale.parent.mkdir(parents=True)
    stale.write_text(json.dumps({
        "pid": pid, "host": socket.gethostname(), "command": "minikedro run -p killed",
        "since": "2024-01-01 00:00:00", "read": {},
        "written": {os.path.realpath(project / "data/02_intermediate/held.json"): "held"},
    }))
    (project / "release").touch()
    result = run(project, "-p", "hold")
    assert result.returncode == 0, result.stderr
    assert (f"WARNING - Taking over the locks of a run that is no longer running: run "
            f"'minikedro run -p killed' (pid {pid} on {socket.gethostname()}") in result.stderr
    assert lock_files(project) == []


@pytest.mark.parametrize("how", ["success", "failure", "ctrl-c"])
def test_locks_are_released_however_the_run_ends(project, how):
    if how == "ctrl-c" and sys.platform == "win32":
        pytest.skip("needs SIGINT")
    first = start(project, "-p", "hold")
    try:
        wait_for((project / "started").exists, "started file", first)
        assert len(lock_files(project)) == 1
        if how == "failure":
            (project / "fail").touch()
        if how == "ctrl-c":
            first.send_signal(signal.SIGINT)
            code = first.wait(timeout=TIMEOUT)
        else:
            code = end(first, project)
    finally:
        end(first, project)
    log = (project / "first.log").read_text()
    assert code == {"success": 0, "failure": 1, "ctrl-c": 130}[how], log
    assert lock_files(project) == []


# -- in one process -------------------------------------------------------------------------


RACER = """
import sys, time
from pathlib import Path
from minikedro.framework.run_lock import RunLock, RunLockError

folder, index = Path(sys.argv[1]), sys.argv[2]
(folder / f"ready-{index}").touch()
deadline = time.monotonic() + 60
while not (folder / "go").exists() and time.monotonic() < deadline:
    time.sleep(0.001)
try:
    with RunLock(folder / "locks", {"/data/x": "x"}, {}):
        (folder / f"result-{index}").write_text("took")
        while not (folder / "release").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
except RunLockError:
    (folder / f"result-{index}").write_text("refused")
"""


def test_taking_the_locks_is_atomic_between_processes_starting_together(tmp_path):
    racers = []
    try:
        for index in range(4):
            racers.append(subprocess.Popen([sys.executable, "-c", RACER, str(tmp_path), str(index)],
                                           env=subprocess_env()))
        wait_for(lambda: len(list(tmp_path.glob("ready-*"))) == 4, "ready files")
        (tmp_path / "go").touch()
        wait_for(lambda: len(list(tmp_path.glob("result-*"))) == 4, "results")
        results = sorted(path.read_text() for path in tmp_path.glob("result-*"))
    finally:
        (tmp_path / "release").touch()
        for racer in racers:
            try:
                racer.wait(timeout=TIMEOUT)
            finally:
                if racer.poll() is None:
                    racer.kill()
                    racer.wait()
    assert results == ["refused", "refused", "refused", "took"]
    assert [racer.returncode for racer in racers] == [0, 0, 0, 0]


def test_a_dataset_is_known_by_its_file_and_memory_datasets_are_not_locked(tmp_path):
    catalog = DataCatalog({
        "raw": JSONDataset(str(tmp_path / "raw.json")),
        "out": JSONDataset(str(tmp_path / "out.json")),
        "out_alias": JSONDataset(str(tmp_path / "sub" / ".." / "out.json")),
        "scratch": MemoryDataset(),
    })
    catalog.add_parameters({"k": 1})
    steps = pipeline([
        node(lambda raw, k: raw, ["raw", "params:k"], "scratch", name="a"),
        node(lambda scratch: scratch, "scratch", "out", name="b"),
        node(lambda raw: raw, "raw", "unregistered", name="c"),
        node(lambda out_alias: out_alias, "out_alias", "report", name="d"),
    ])
    written, read = datasets_to_lock(steps, catalog)
    out = os.path.realpath(tmp_path / "out.json")
    assert written == {out: "out"}  # out_alias is the same file: read by this run, written too
    assert read == {os.path.realpath(tmp_path / "raw.json"): "raw"}


def test_a_second_lock_on_written_data_is_refused_and_readers_share(tmp_path):
    folder = tmp_path / "locks"
    with RunLock(folder, {"/d/out": "out"}, {"/d/raw": "raw"}) as first:
        with RunLock(folder, {"/d/other": "other"}, {"/d/raw": "raw"}):  # shares raw
            with pytest.raises(RunLockError, match=r"writes 'out_again' \(/d/out\)") as caught:
                with RunLock(folder, {}, {"/d/out": "out_again"}):
                    pass
            assert len(list(folder.glob("*.json"))) == 2
    [conflict] = caught.value.conflicts
    assert conflict.lock_file == first.path and conflict.run["pid"] == os.getpid()
    assert conflict.writes == {"/d/out": "out_again"}  # it writes what we read
    assert conflict.reads == {}
    assert list(folder.glob("*.json")) == []


def test_wait_is_a_run_file_key(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text("[run]\nwait = true\n")
    assert read_run_config(path) == {"wait": True}
