"""Every example in examples/ runs and prints what its docstring promises."""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import threading

import pytest

from minikedro.io import DataCatalog, DatasetError
from minikedro.runner import SequentialRunner
from tests.project_factory import ROOT, subprocess_env

EXAMPLES = ROOT / "examples"


@pytest.fixture
def iris(tmp_path):
    """A copy of the iris project without outputs, so runs leave the checkout alone."""
    copy = tmp_path / "iris"
    shutil.copytree(EXAMPLES / "iris", copy, ignore=shutil.ignore_patterns("0[2-9]_*", "__pycache__"))
    return copy


def bare_env() -> dict:
    """A newcomer's environment: minikedro neither installed nor on PYTHONPATH."""
    env = subprocess_env()
    env.pop("PYTHONPATH")
    return env


def python(*args, cwd=ROOT, env=None, timeout=60):
    """Run ``python <args>`` from the repository root, with this checkout importable."""
    result = subprocess.run([sys.executable, *args], cwd=cwd, env=env or subprocess_env(),
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr
    return result


def test_every_example_has_a_test():
    scripts = {path.name for path in EXAMPLES.glob("*.py")}
    tested = {"mean_variance.py", "dry_runner.py", "parallel_shared_memory.py", "async_io.py",
              "run_registered_pipeline.py"}
    assert scripts == tested


def test_the_readme_command_works_from_the_repository_root_without_install(iris):
    env = bare_env()  # python -m finds ./minikedro in the current folder
    result = python("-m", "minikedro", "run", "--project", str(iris), env=env)
    assert "Completed 7 out of 7 tasks" in result.stderr
    assert "iris.hooks - INFO - 7 nodes ran in environment 'local'" in result.stderr
    assert (iris / "data/08_reporting/report.md").read_text().startswith("# Iris")
    assert len(os.listdir(iris / "data/06_models/model.pkl")) == 1  # one saved version
    # The reporting pipeline alone reuses the persisted splits and metrics.
    python("-m", "minikedro", "run", "--project", str(iris), "-p", "reporting", env=env)


def test_scripts_run_from_the_repository_root_without_install():
    # -S: no site-packages, so no installed minikedro; the script finds this checkout itself.
    lines = python("-S", str(EXAMPLES / "mean_variance.py"), env=bare_env()).stdout.splitlines()
    assert lines[1].startswith("{'v': 0.666")


def test_iris_with_the_run_config_file(iris):
    result = python("-m", "minikedro", "run", "--project", str(iris),
                    "--config", str(EXAMPLES / "run_config.toml"))
    assert "thread_runner - INFO - Completed 7 out of 7 tasks" in result.stderr
    report = (iris / "data/08_reporting/report.md").read_text()
    assert "Accuracy on 30 test rows: 96.7%" in report  # manhattan distance, 1 decimal


def test_mean_variance_prints_the_seed_output():
    lines = python(str(EXAMPLES / "mean_variance.py")).stdout.splitlines()
    assert lines[0] == "['xs']"
    assert lines[1].startswith("{'v': 0.666")


def test_dry_runner_lists_nodes_without_running_them():
    result = python(str(EXAMPLES / "dry_runner.py"))
    assert "dry_runner - INFO - Actual run would execute 7 nodes:" in result.stderr
    assert "dry_runner - INFO - Checking inputs..." in result.stderr
    assert "Running node" not in result.stderr


def test_run_registered_pipeline_prints_the_report():
    assert "# Iris nearest-centroid model" in python(str(EXAMPLES / "run_registered_pipeline.py")).stdout


@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_parallel_shared_memory(context):
    if context == "fork" and sys.platform == "win32":
        pytest.skip("no fork on Windows")
    env = {**subprocess_env(), "KEDRO_MP_CONTEXT": context}
    out = python(str(EXAMPLES / "parallel_shared_memory.py"), env=env).stdout
    assert out.startswith("report:\na: 17984 primes (computed in process ")
    parent = out.rsplit("parent process: ", 1)[1].strip()
    assert f"process {parent})" not in out  # the nodes ran in worker processes


def load_example(name: str):
    """Import ``examples/<name>.py`` as a module (its ``__main__`` part does not run)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_async_io_runs_both_ways():
    lines = python(str(EXAMPLES / "async_io.py")).stdout.splitlines()
    assert lines[0].startswith("is_async=False: total=6 in ")
    assert lines[1].startswith("is_async=True: total=6 in ")


@pytest.mark.parametrize("is_async", [True, False])
def test_async_io_loads_concurrently(is_async):
    """The example's three inputs meet at a barrier while loading: only loads in flight together pass it."""
    example = load_example("async_io")
    # Sequential loads can never meet, so they need not wait long to find out.
    all_loading = threading.Barrier(3, timeout=60 if is_async else 0.5)

    class MeetingDataset(example.SlowDataset):
        def load(self):
            all_loading.wait()
            return self._value

    catalog = DataCatalog({name: MeetingDataset(n) for n, name in enumerate("abc", 1)})
    runner = SequentialRunner(is_async=is_async)
    if is_async:
        assert runner.run(example.adder, catalog)["total"].load() == 6
    else:
        with pytest.raises(DatasetError) as caught:
            runner.run(example.adder, catalog)
        assert isinstance(caught.value.__cause__, threading.BrokenBarrierError)
