"""What configuration may make minikedro do: README's "What minikedro trusts".

Each case is provoked as a user would: a run file that names a function as an
executor factory, versions that climb out of a dataset's folder, project and
pipeline names that are modules, keywords or paths, and a catalog path outside
the project, which the catalog logs.
"""
from __future__ import annotations

import json
import logging
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest

from minikedro.cli import main
from minikedro.datasets import PickleDataset
from minikedro.io import DataCatalog, DatasetError, Version
from tests.project_factory import forget_package, make_project, subprocess_env

PACKAGE = "trust_demo"
VERSION = "2020-01-01T00.00.00.000Z"


@pytest.fixture
def project(tmp_path):
    yield make_project(tmp_path / "project", PACKAGE, {
        f"src/{PACKAGE}/settings.py": f"""
            from {PACKAGE}.executors import make_threads

            EXECUTOR_FACTORIES = {{"threads": make_threads}}
        """,
        f"src/{PACKAGE}/executors.py": """
            from concurrent.futures import ThreadPoolExecutor
            from pathlib import Path

            MADE = Path(__file__).resolve().parents[2] / "data" / "factory.log"


            def make_threads(**kwargs):
                MADE.write_text(repr(sorted(kwargs.items())))
                return ThreadPoolExecutor(**kwargs)
        """,
        "conf/versioned/catalog.toml": """
            [numbers_raw]
            type = "JSONDataset"
            filepath = "data/01_raw/versioned.json"
            versioned = true
        """,
        f"data/01_raw/versioned.json/{VERSION}/versioned.json": "[10]",
        # Where the version '../../evil' leads from data/01_raw/versioned.json/.
        "data/evil/versioned.json": "[6, 6, 6]",
    })
    forget_package(PACKAGE)


def run_cli(project: Path, *args: str, run_file: dict | None = None) -> subprocess.CompletedProcess:
    """``python -m minikedro run`` in the project, with ``run_file`` as its ``--config``."""
    if run_file is not None:
        (project / "run.json").write_text(json.dumps({"run": run_file}))
        args = (*args, "--config", "run.json")
    return subprocess.run([sys.executable, "-m", "minikedro", "run", *args], cwd=project,
                          env=subprocess_env(), capture_output=True, text=True, timeout=120)


def error_of(result: subprocess.CompletedProcess) -> str:
    """The one ``error:`` line of a failed command (and no traceback)."""
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if "__pycache__" not in p.parts)


# -- 6: a run file names classes, never a function to call ---------------------------------


def test_a_run_file_cannot_make_minikedro_call_a_function(project, tmp_path):
    target = tmp_path / "pwned"
    result = run_cli(project, run_file={
        "runner": "minikedro.runner.ExecutorRunner",
        "runner_params": {"executor_factory": "subprocess.getoutput", "cmd": f"touch {target}"},
    })
    error = error_of(result)
    assert not target.exists()
    assert ("executor_factory 'subprocess.getoutput' names a function, not a "
            "concurrent.futures.Executor subclass, so it was not called") in error
    assert "EXECUTOR_FACTORIES" in error and "(registered: threads)" in error
    assert not (project / "data/08_reporting/total.json").exists()


@pytest.mark.parametrize("factory, made_by_project", [
    ("concurrent.futures.ThreadPoolExecutor", False),
    ("threads", True),  # settings.py: EXECUTOR_FACTORIES = {"threads": make_threads}
])
def test_a_run_file_may_name_an_executor_class_or_a_registered_factory(project, factory,
                                                                        made_by_project):
    result = run_cli(project, run_file={
        "runner": "minikedro.runner.ExecutorRunner",
        "runner_params": {"executor_factory": factory, "max_workers": 2},
    })
    assert result.returncode == 0, result.stderr
    assert json.loads((project / "data/08_reporting/total.json").read_text())["total"] == 30
    made = project / "data/factory.log"
    assert made.exists() == made_by_project
    if made_by_project:
        assert made.read_text() == "[('max_workers', 2)]"


# -- 7: versions are timestamps, never paths ------------------------------------------------------


@pytest.mark.parametrize("how", ["flag", "run file"])
def test_a_load_version_cannot_leave_the_dataset_folder(project, how):
    args = ("-e", "versioned", "-n", "describe_node")
    if how == "flag":
        result = run_cli(project, *args, "--load-versions", "numbers_raw:../../evil")
    else:
        result = run_cli(project, *args, run_file={"load_versions": {"numbers_raw": "../../evil"}})
    error = error_of(result)
    assert "version '../../evil' of dataset 'numbers_raw' is not a version" in error
    assert ("valid form is one folder name of letters, digits, '_', '.' and '-', not starting "
            "with '.', such as the timestamps minikedro writes ('2024-01-31T12.00.00.000Z')") in error
    assert not (project / "data/08_reporting/description.txt").exists()
    # A version minikedro wrote still loads.
    assert run_cli(project, *args, "--load-versions", f"numbers_raw:{VERSION}").returncode == 0
    assert (project / "data/08_reporting/description.txt").read_text() == "1 numbers"


def test_the_api_refuses_versions_that_are_paths(tmp_path):
    folder = tmp_path / "models" / "model.pkl"
    PickleDataset(folder, version=Version(None, VERSION)).save("trained")
    (tmp_path / "evil").mkdir()
    (tmp_path / "evil" / "model.pkl").write_bytes(pickle.dumps("planted"))
    config = {"model": {"type": "PickleDataset", "filepath": str(folder), "versioned": True}}

    with pytest.raises(DatasetError, match=r"^Catalog entry 'model': PickleDataset could not be "
                       r"created: load version '\.\./\.\./evil' of dataset '.*model\.pkl' is not "
                       r"a version: valid form is one folder name"):
        DataCatalog.from_config(config, load_versions={"model": "../../evil"})
    with pytest.raises(DatasetError, match=r"save version 'run/../..' of dataset"):
        DataCatalog.from_config(config, save_version="run/../..")
    # A dataset made in code, pinned by the catalog, is refused when it loads.
    made = DataCatalog({"model": PickleDataset(folder, version=Version(None, None))},
                       load_versions={"model": "../../evil"})
    with pytest.raises(DatasetError, match=r"load version '\.\./\.\./evil' of dataset 'model'"):
        made.load("model")
    assert DataCatalog.from_config(config, load_versions={"model": VERSION}).load("model") == "trained"


@pytest.mark.parametrize("version", ["..", "a/b", "a\\b", ".hidden", "v*", ""])
def test_a_version_is_one_plain_folder_name(tmp_path, version):
    with pytest.raises(ValueError, match=f"load version {re.escape(repr(version))} of dataset .* is not"):
        PickleDataset(tmp_path / "m.pkl", version=Version(version, None))
    # Any plain name works, as in Kedro's docs: Version(load="my_exact_version", ...).
    PickleDataset(tmp_path / "m.pkl", version=Version(None, "my_exact_version")).save(1)


# -- 8: project and pipeline names --------------------------------------------------------------


@pytest.mark.parametrize("name, problem", [
    ("json", "its package name 'json' is already a Python module"),
    ("os", "its package name 'os' is already a Python module"),
    ("logging", "its package name 'logging' is already a Python module"),
    ("class", "its package name 'class' is a Python keyword"),
    ("../escape", "use letters, digits, spaces, '-' and '_' only, starting with a letter; not a path"),
])
def test_new_refuses_a_name_that_is_a_module_a_keyword_or_a_path(tmp_path, monkeypatch, capsys,
                                                                 name, problem):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    assert main(["new", name]) == 1
    error = capsys.readouterr().err
    assert f"error: cannot create a project named {name!r}: {problem}" in error
    assert files_under(tmp_path) == [here]  # nothing written, here or above


def test_new_accepts_a_plain_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "Trust Lab", "--example=n"]) == 0
    assert (tmp_path / "trust-lab/src/trust_lab/settings.py").is_file()


@pytest.mark.parametrize("name", ["__default__", "__init__", "__pycache__"])
def test_pipeline_create_refuses_reserved_names(project, capsys, name):
    before = files_under(project)
    assert main(["pipeline", "create", name, "--project", str(project)]) == 1
    assert (f"error: {name!r} is not a valid pipeline name: use letters, digits and underscores, "
            f"starting with a letter, and not a Python keyword") in capsys.readouterr().err
    assert files_under(project) == before
    assert main(["pipeline", "create", "scoring", "--project", str(project)]) == 0
    assert (project / f"src/{PACKAGE}/pipelines/scoring/pipeline.py").is_file()


# -- 9: the catalog says where each file dataset's data lives -----------------------------------


def test_the_catalog_logs_each_file_datasets_resolved_path(tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="minikedro.io")
    catalog = DataCatalog.from_config({
        "shared": {"type": "JSONDataset", "filepath": str(tmp_path / "project/../shared/x.json")},
        "{name}_text": {"type": "TextDataset", "filepath": str(tmp_path / "{name}.txt")},
        "in_memory": {"type": "MemoryDataset"},
    })
    catalog.get("notes_text")
    lines = [r.getMessage() for r in caplog.records if r.name == "minikedro.io.catalog_config"]
    assert lines == [
        f"Dataset 'shared' (JSONDataset) uses {(tmp_path / 'shared/x.json').resolve()}",
        f"Dataset 'notes_text' (TextDataset) uses {(tmp_path / 'notes.txt').resolve()}",
    ]
