"""Stopping a run from outside: Ctrl-C, SIGTERM, and a node that calls ``sys.exit``.

Each test starts ``python -m minikedro run`` on a real project, waits until
its nodes say (in a file) that they are running, then signals it the way a
terminal (Ctrl-C: SIGINT to the whole process group) or ``kill``/``timeout``/
a container stop (SIGTERM to the main process) does. The nodes that run never
end by themselves before the test lets them go, so whatever ends them is the
stop under test. Afterwards: the exit status, no process left that ran a
node, no temporary file, no output written, the report and resume command.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.project_factory import make_project, subprocess_env

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

PACKAGE = "stops"
DEADLINE = 60  # seconds to wait for something that takes well under one

FILES = {
    "conf/base/catalog.toml": """
        [numbers_raw]
        type = "JSONDataset"
        filepath = "data/01_raw/numbers.json"

        [first]
        type = "JSONDataset"
        filepath = "data/first.json"

        [a_out]
        type = "JSONDataset"
        filepath = "data/a_out.json"

        [b_out]
        type = "stops.nodes.HeldSaveDataset"
        filepath = "data/b_out.json"

        [c_out]
        type = "JSONDataset"
        filepath = "data/c_out.json"
    """,
    f"src/{PACKAGE}/nodes.py": """
        import os
        import sys
        import time
        from pathlib import Path

        from minikedro.datasets import JSONDataset
        from minikedro.datasets.files import atomic_write

        DATA = Path(__file__).resolve().parents[2] / "data"


        def hold(name):
            # Tell the test which process got here, then wait until it lets go.
            part = DATA / f"{name}.pid.part"
            part.write_text(str(os.getpid()))
            os.replace(part, DATA / f"{name}.pid")
            deadline = time.monotonic() + 120  # a run that fails to stop still ends
            while not (DATA / "release").exists() and time.monotonic() < deadline:
                time.sleep(0.02)


        class HeldSaveDataset(JSONDataset):
            # Saves atomically, and holds the save half-way.
            def save(self, data):
                with atomic_write(self._get_save_path(), "w", encoding="utf-8") as file:
                    file.write("[")
                    file.flush()
                    hold("saving")
                    file.write(f"{data}]")


        def first(numbers):
            return numbers


        def a(first):
            hold("a")
            return 1


        def b(first):
            return 2


        def c(a_out, b_out):
            return [a_out] + b_out


        def calls_exit(first):
            sys.exit(3)
    """,
    f"src/{PACKAGE}/pipeline_registry.py": """
        from minikedro.pipeline import node, pipeline

        from stops import nodes


        def register_pipelines():
            start = node(nodes.first, "numbers_raw", "first", name="first")
            held = pipeline([
                start,
                node(nodes.a, "first", "a_out", name="a"),
                node(nodes.b, "first", "b_out", name="b"),
                node(nodes.c, ["a_out", "b_out"], "c_out", name="c"),
            ])
            exits = pipeline([
                start,
                node(nodes.calls_exit, "first", "exit_out", name="exit_node"),
                node(nodes.c, ["exit_out", "first"], "c_out", name="after_exit"),
            ])
            return {"__default__": held, "held": held, "exits": exits}
    """,
    f"src/{PACKAGE}/settings.py": "",
}

RUNNERS = {
    "sequential": [],
    "thread": ["-r", "ThreadRunner"],
    "fork": ["-r", "ParallelRunner", "--runner-params", "max_workers=2"],
    "spawn": ["-r", "ParallelRunner", "--runner-params", "max_workers=2"],
    "executor": ["-r", "minikedro.runner.ExecutorRunner", "--runner-params", "max_workers=2"],
}
OUTPUTS = ("a_out.json", "b_out.json", "c_out.json")


class Run:
    """``python -m minikedro run`` in its own process group, and what it leaves behind."""

    def __init__(self, tmp_path, runner, *args, archive=False):
        self.project = make_project(tmp_path / "project", PACKAGE, FILES)
        self.data = self.project / "data"
        self.tmp = tmp_path / "tmp"  # TMPDIR: multiprocessing's sockets, unpacked configuration
        self.tmp.mkdir()
        env = subprocess_env()
        env["TMPDIR"] = str(self.tmp)
        if runner in ("fork", "spawn"):
            env["KEDRO_MP_CONTEXT"] = runner
        if archive:
            conf = shutil.make_archive(str(tmp_path / "conf"), "gztar", self.project, "conf")
            args += ("--conf-source", conf)
        self.stderr_path = tmp_path / "stderr.txt"
        with open(self.stderr_path, "w") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "minikedro", "run", *RUNNERS[runner], *args],
                cwd=self.project, env=env, stdout=subprocess.DEVNULL, stderr=stderr,
                start_new_session=True,
            )

    def pid_of(self, name):
        """The process running the node (or save) ``name``, once it has got there."""
        marker = self.data / f"{name}.pid"
        deadline = time.monotonic() + DEADLINE
        while not marker.exists():
            assert self.process.poll() is None, f"the run ended early:\n{self.stderr()}"
            assert time.monotonic() < deadline, f"{name} never started:\n{self.stderr()}"
            time.sleep(0.02)
        return int(marker.read_text())

    def wait_for_log(self, text):
        deadline = time.monotonic() + DEADLINE
        while text not in self.stderr():
            assert self.process.poll() is None, f"the run ended early:\n{self.stderr()}"
            assert time.monotonic() < deadline, f"never logged {text!r}:\n{self.stderr()}"
            time.sleep(0.02)

    def ctrl_c(self):
        os.killpg(self.process.pid, signal.SIGINT)  # as a terminal does: every process

    def terminate(self):
        self.process.send_signal(signal.SIGTERM)  # as kill, timeout or a container stop do

    def wait(self):
        return self.process.wait(timeout=DEADLINE)

    def stderr(self):
        return self.stderr_path.read_text()

    def release(self):
        (self.data / "release").touch()

    def leftovers(self):
        """Temporary files in the data folder, and anything left in TMPDIR."""
        return sorted(p.name for p in self.data.rglob("*.tmp")) + sorted(
            p.name for p in self.tmp.iterdir()
        )

    def node_pids(self):
        return [int(p.read_text()) for p in self.data.glob("*.pid")]

    def close(self):
        """Whatever happened, leave no process behind."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=DEADLINE)
        for pid in self.node_pids():
            if running(pid):
                os.kill(pid, signal.SIGKILL)


def running(pid):
    """Whether the process exists and has not ended (a zombie has ended)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc here: exists is all we can tell
        return True


@pytest.fixture
def start(tmp_path):
    runs = []

    def start(*args, **kwargs):
        runs.append(Run(tmp_path, *args, **kwargs))
        return runs[-1]

    yield start
    for run in runs:
        run.close()


def held_nodes(run, runner):
    """Wait until the nodes that run at once are running; return their processes."""
    if runner == "sequential":
        return [run.pid_of("a")]
    return [run.pid_of("a"), run.pid_of("saving")]  # b is saving its output


@pytest.mark.parametrize("runner", ["sequential", "fork", "spawn", "executor"])
@pytest.mark.parametrize("how, status", [("terminate", 143), ("ctrl_c", 130)])
def test_a_stopped_run_ends_its_workers_and_leaves_nothing_behind(start, runner, how, status):
    run = start(runner, archive=True)
    pids = held_nodes(run, runner)
    getattr(run, how)()
    assert run.wait() == status, run.stderr()
    run.release()  # a node still running would now finish and save
    assert [pid for pid in pids if running(pid)] == []
    assert run.leftovers() == []  # no *.tmp, no socket, no unpacked configuration
    assert [name for name in OUTPUTS if (run.data / name).exists()] == []
    err = run.stderr()
    assert "3 node(s) did not run: a, b, c" in err
    assert '--from-nodes "a,b"' in err.splitlines()[-1], err
    assert err.splitlines()[-1].startswith("error: interrupted" if status == 130 else "error: terminated")


@pytest.mark.parametrize("how, status", [("terminate", 143), ("ctrl_c", 130)])
def test_thread_runner_reports_the_nodes_that_finished_while_it_waited(start, how, status):
    run = start("thread")
    held_nodes(run, "thread")
    getattr(run, how)()
    run.wait_for_log("waiting for the nodes already running to finish")
    run.release()
    assert run.wait() == status, run.stderr()
    assert [name for name in OUTPUTS if (run.data / name).exists()] == ["a_out.json", "b_out.json"]
    err = run.stderr()
    assert "1 node(s) did not run: c" in err
    assert "did not run: a" not in err
    assert '--from-nodes "c"' in err.splitlines()[-1], err
    assert run.leftovers() == []


def test_a_second_ctrl_c_abandons_the_running_nodes_at_once(start):
    run = start("thread", archive=True)
    held_nodes(run, "thread")
    run.ctrl_c()
    run.wait_for_log("waiting for the nodes already running to finish")
    run.ctrl_c()
    assert run.wait() == 130, run.stderr()  # the nodes have not been let go
    assert "2 node(s) abandoned mid-run: a, b" in run.stderr()
    assert run.leftovers() == []  # b's half-written output went, and the configuration
    run.release()
    assert not running(run.process.pid)
    assert [name for name in OUTPUTS if (run.data / name).exists()] == []


@pytest.mark.parametrize("runner", ["sequential", "thread", "fork", "executor"])
def test_a_node_calling_sys_exit_fails_like_any_node(start, runner):
    run = start(runner, "--pipeline", "exits")
    assert run.wait() == 1, run.stderr()
    err = run.stderr()
    assert "2 node(s) did not run: after_exit, exit_node" in err
    last = err.splitlines()[-1]
    assert last.startswith("error: node 'exit_node' failed: "), err
    assert "called sys.exit(3)" in last
    assert 'To resume: ' in last and '--from-nodes "exit_node" --pipeline exits' in last, last
