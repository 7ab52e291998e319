"""minikedro.framework.startup and .project: finding a project, settings, the registry."""
from __future__ import annotations

import glob
import os
import shlex
import shutil
import subprocess
import sys

import pytest

from minikedro.framework import config as config_module
from minikedro.framework import project as project_module
from minikedro.framework.project import configure_project, find_pipelines, pipelines, settings
from minikedro.framework.startup import (
    ProjectError,
    bootstrap_project,
    find_project,
    read_project_metadata,
)
from minikedro.pipeline import Pipeline
from tests.project_factory import ROOT, forget_package, make_project, subprocess_env, write_files

PACKAGE = "proj_demo"


@pytest.fixture
def project(tmp_path):
    forget_package(PACKAGE)
    return make_project(tmp_path / "proj", PACKAGE)


@pytest.fixture(autouse=True)
def restore_globals(monkeypatch):
    """Each test configures the project again; leave sys.path and PYTHONPATH as found."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv("PYTHONPATH", os.environ.get("PYTHONPATH", ""))
    yield
    configure_project_none()


def configure_project_none():
    project_module.PACKAGE_NAME = None
    settings.configure(None)
    pipelines.configure(None)


# Finding the project ----------------------------------------------------------------


def test_the_project_is_found_from_any_folder_inside_it(project):
    inner = project / "src" / PACKAGE / "pipelines"
    assert find_project(inner) == project.resolve()
    assert find_project(project) == project.resolve()


def test_no_project_is_a_clear_error(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "not-ours"\n')
    with pytest.raises(ProjectError, match=r"no minikedro project found in .*--project PATH.*minikedro new"):
        find_project(tmp_path)


def test_metadata_defaults(project):
    metadata = read_project_metadata(project)
    assert metadata.package_name == PACKAGE
    assert metadata.source_dir == project.resolve() / "src"
    assert metadata.project_name == "proj"


def test_package_name_is_required(tmp_path):
    write_files(tmp_path, {"pyproject.toml": '[tool.minikedro]\nsource_dir = "lib"\n'})
    with pytest.raises(ProjectError, match='needs package_name = "<your package>"'):
        read_project_metadata(tmp_path)


def test_a_kedro_projects_tool_kedro_table_is_read_when_there_is_no_minikedro_one(tmp_path):
    write_files(tmp_path, {"pyproject.toml": """
        [tool.kedro]
        package_name = "spaceflights"
        project_name = "spaceflights"
        kedro_init_version = "1.0.0"
    """})
    assert find_project(tmp_path) == tmp_path.resolve()
    assert read_project_metadata(tmp_path).package_name == "spaceflights"
    write_files(tmp_path, {"pyproject.toml": """
        [tool.kedro]
        package_name = "spaceflights"

        [tool.minikedro]
        package_name = "ours"
    """})
    assert read_project_metadata(tmp_path).package_name == "ours"


# Python 3.9/3.10 without tomli ---------------------------------------------------------


@pytest.fixture
def without_toml(monkeypatch):
    """This Python as a bare 3.9/3.10 is: neither tomllib nor tomli can be imported."""
    for name in ("tomllib", "tomli"):
        monkeypatch.setitem(sys.modules, name, None)


def test_without_toml_the_layout_marks_the_project_and_pyproject_is_not_read(tmp_path, without_toml):
    write_files(tmp_path, {
        "pyproject.toml": '[tool.minikedro]\npackage_name = "unread"\nproject_name = "Unread"\n',
        "src/layout_pkg/pipeline_registry.py": "",
    })
    assert find_project(tmp_path / "src" / "layout_pkg") == tmp_path.resolve()
    metadata = read_project_metadata(tmp_path)
    assert metadata.package_name == "layout_pkg" and metadata.project_name == tmp_path.name
    assert metadata.source_dir == tmp_path.resolve() / "src"


@pytest.mark.parametrize("files", [
    {"lib/pkg/pipeline_registry.py": ""},  # another source_dir
    {"src/a/pipeline_registry.py": "", "src/b/pipeline_registry.py": ""},  # which one?
    {"src/pkg/settings.py": ""},  # no registry
])
def test_without_toml_another_layout_is_an_error_naming_the_fix(tmp_path, without_toml, files):
    write_files(tmp_path, {"pyproject.toml": '[tool.minikedro]\npackage_name = "pkg"\n', **files})
    fix = r"this Python cannot read TOML.*one src/<package>/pipeline_registry\.py.*pip install tomli"
    with pytest.raises(ProjectError, match=rf"no minikedro project found in .*\({fix}.*\)\. Run from"):
        find_project(tmp_path)
    with pytest.raises(ProjectError, match=fix):
        read_project_metadata(tmp_path)


def bare_python(version: str) -> str:
    """pyenv's Python ``version``; skip the test where there is none."""
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = sorted(glob.glob(os.path.join(root, "versions", f"{version}.*", "bin", "python3")))
    if not found:
        pytest.skip(f"no Python {version} under {root}/versions")
    return found[-1]


def run_from_the_checkout(python: str, *args: str) -> subprocess.CompletedProcess:
    """``python args`` from the repository root with nothing installed, as README's first command.

    ``-S`` keeps site-packages out, so a tomli or PyYAML installed there is not seen.
    """
    env = subprocess_env()
    env.pop("PYTHONPATH")  # python -m finds ./minikedro in the current folder
    return subprocess.run([python, "-S", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("version", ["3.9", "3.10"])
def test_the_readme_command_runs_the_example_on_a_bare_python(tmp_path, version):
    iris = tmp_path / "iris"
    shutil.copytree(ROOT / "examples/iris", iris, ignore=shutil.ignore_patterns("0[2-9]_*", "__pycache__"))
    result = run_from_the_checkout(bare_python(version), "-m", "minikedro", "run", "--project", str(iris))
    assert result.returncode == 0, result.stderr
    assert "Completed 7 out of 7 tasks" in result.stderr
    assert "iris.hooks - INFO - 7 nodes ran in environment 'local'" in result.stderr


@pytest.mark.parametrize("version", ["3.9", "3.10"])
def test_new_on_a_bare_python_writes_json_configuration_that_runs(tmp_path, version):
    python = bare_python(version)
    result = run_from_the_checkout(python, "-m", "minikedro", "new", "Bare Demo", "--directory", str(tmp_path))
    assert result.returncode == 0, result.stderr
    created = tmp_path / "bare-demo"
    assert sorted(p.name for p in (created / "conf/base").iterdir()) == ["catalog.json", "parameters.json"]
    said, next_line = result.stdout.splitlines()[1:]
    assert said.startswith("This Python cannot read TOML (that needs Python 3.11+ or pip install tomli), "
                           "so the configuration is JSON")
    assert next_line == f"Next: {shlex.join([python, '-m', 'minikedro', 'run', '--project', str(created)])}"
    result = run_from_the_checkout(python, *shlex.split(next_line)[2:])  # the same, with -S
    assert result.returncode == 0, result.stderr
    assert "Completed 2 out of 2 tasks" in result.stderr


def new_project(tmp_path, *options: str) -> list[str]:
    """What ``python -m minikedro new`` prints, run from the checkout as a newcomer would."""
    result = run_from_the_checkout(sys.executable, "-m", "minikedro", "new", "Next Demo",
                                   "--directory", str(tmp_path), *options)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def follow(line: str) -> str:
    """Run a command ``minikedro new`` suggested, from where it was typed; return its log."""
    env = subprocess_env()
    env.pop("PYTHONPATH")
    result = subprocess.run(shlex.split(line), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_new_suggests_a_run_command_that_works_where_minikedro_is_not_installed(tmp_path):
    lines = new_project(tmp_path)
    assert lines[-1].startswith("Next: ") and " -m minikedro run --project " in lines[-1]
    assert "Completed 2 out of 2 tasks" in follow(lines[-1][len("Next: "):])


def test_new_without_the_example_says_how_to_add_a_pipeline_then_run_it(tmp_path):
    lines = new_project(tmp_path, "--example=n")
    assert lines[-3] == ("Next: the project has no pipeline yet. Create one, add nodes to its "
                         "pipeline.py, then run it:")
    create, run = lines[-2:]
    assert " -m minikedro pipeline create data_processing --project " in create
    follow(create)
    write_files(tmp_path / "next-demo/src/next_demo/pipelines/data_processing", {"pipeline.py": """
        from minikedro.pipeline import Pipeline, node


        def greet():
            return "hello"


        def create_pipeline(**kwargs):
            return Pipeline([node(greet, None, "greeting", name="greet_node")])
    """})
    assert "Completed 1 out of 1 tasks" in follow(run)


def test_new_writes_the_same_configuration_as_toml_or_as_json(tmp_path, monkeypatch):
    from minikedro.framework.config import read_config_file
    from minikedro.framework.starter import create_pipeline, create_project

    as_toml = create_project("Twin Demo", tmp_path / "toml")
    with monkeypatch.context() as bare:
        for name in ("tomllib", "tomli"):
            bare.setitem(sys.modules, name, None)
        as_json = create_project("Twin Demo", tmp_path / "json")
        assert create_pipeline(read_project_metadata(as_json), "scoring")[-1].name == "parameters_scoring.json"
    for key in ("catalog", "parameters"):
        assert (read_config_file(as_toml / f"conf/base/{key}.toml")
                == read_config_file(as_json / f"conf/base/{key}.json"))
        assert not (as_toml / f"conf/base/{key}.json").exists()
        assert not (as_json / f"conf/base/{key}.toml").exists()
    assert create_pipeline(read_project_metadata(as_toml), "scoring")[-1].name == "parameters_scoring.toml"


def test_bootstrap_makes_the_package_importable_here_and_in_child_processes(project):
    metadata = bootstrap_project(project)
    source = str(project.resolve() / "src")
    assert sys.path[0] == source
    assert os.environ["PYTHONPATH"].split(os.pathsep)[0] == source
    assert project_module.PACKAGE_NAME == PACKAGE == metadata.package_name


def test_bootstrap_refuses_a_missing_package(project):
    write_files(project, {"pyproject.toml": '[tool.minikedro]\npackage_name = "absent"\n'})
    with pytest.raises(ProjectError, match="package 'absent' not found in"):
        bootstrap_project(project)


# Settings ---------------------------------------------------------------------------


def test_settings_default_without_a_settings_module(project):
    write_files(project, {"src/{package}/settings.py": None}, package=PACKAGE)
    bootstrap_project(project)
    assert settings.CONF_SOURCE == "conf"
    assert settings.HOOKS == ()
    assert settings.CONFIG_LOADER_ARGS == {"base_env": "base", "default_run_env": "local"}
    assert settings.CONFIG_LOADER_CLASS is config_module.OmegaConfigLoader
    from minikedro.io import DataCatalog

    assert settings.DATA_CATALOG_CLASS is DataCatalog
    with pytest.raises(AttributeError, match="no setting named 'NOPE'"):
        settings.NOPE


def test_settings_come_from_the_settings_module(project):
    write_files(project, {"src/{package}/settings.py": """
        CONF_SOURCE = "configuration"
        CONFIG_LOADER_ARGS = {{"default_run_env": "dev"}}
    """}, package=PACKAGE)
    bootstrap_project(project)
    assert settings.CONF_SOURCE == "configuration"
    assert settings.CONFIG_LOADER_ARGS == {"base_env": "base", "default_run_env": "dev"}


# The registry -------------------------------------------------------------------------


def test_pipelines_load_lazily_on_first_use(project):
    bootstrap_project(project)
    assert f"{PACKAGE}.pipeline_registry" not in sys.modules
    assert "not loaded yet" in repr(pipelines)
    assert sorted(pipelines) == ["__default__", "failing", "numbers"]
    assert isinstance(pipelines["numbers"], Pipeline)
    assert len(pipelines) == 3


@pytest.mark.parametrize(
    "registry, error, message",
    [
        (None, LookupError, "no pipeline registry: create .*pipeline_registry.py"),
        ("x = 1\n", LookupError, "has no register_pipelines"),
        ("def register_pipelines():\n    return 1 / 0\n", RuntimeError,
         r"register_pipelines\(\) in .* failed: ZeroDivisionError"),
        ("def register_pipelines():\n    return []\n", TypeError, "must return a dict"),
    ],
)
def test_registry_mistakes_are_explained(project, registry, error, message):
    write_files(project, {"src/{package}/pipeline_registry.py": registry}, package=PACKAGE)
    bootstrap_project(project)
    with pytest.raises(error, match=message):
        pipelines["numbers"]


def test_find_pipelines_reads_init_or_pipeline_module(project):
    bootstrap_project(project)
    found = find_pipelines()
    assert sorted(found) == ["__default__", "failing", "numbers"]  # failing: pipeline.py only
    assert found["__default__"].nodes == []  # no <package>/pipeline.py
    assert find_pipelines() is not found


def test_find_pipelines_uses_package_pipeline_module_as_default(project):
    write_files(project, {"src/{package}/pipeline.py": """
        from minikedro.pipeline import node, pipeline

        def create_pipeline():
            return pipeline([node(len, "a", "b", name="single")])
    """}, package=PACKAGE)
    bootstrap_project(project)
    assert [n.name for n in find_pipelines()["__default__"].nodes] == ["single"]


@pytest.mark.parametrize(
    "init, reason",
    [
        ("import does_not_exist\n", "ModuleNotFoundError"),
        ("def create_pipeline():\n    return 'not a pipeline'\n", "must return a Pipeline"),
        ("x = 1\n", "has no create_pipeline"),
    ],
)
def test_a_broken_pipeline_is_skipped_with_a_warning(project, init, reason):
    write_files(project, {"src/{package}/pipelines/broken/__init__.py": init}, package=PACKAGE)
    bootstrap_project(project)
    skipped = f"pipeline 'broken' skipped: {PACKAGE}.pipelines.broken: .*{reason}"
    with pytest.warns(UserWarning, match=skipped):
        found = find_pipelines()
    assert "broken" not in found and "numbers" in found
    with pytest.raises(ImportError, match=f"pipeline 'broken' skipped.*{reason}"):
        find_pipelines(raise_errors=True)


def test_find_pipelines_needs_a_configured_project():
    configure_project_none()
    with pytest.raises(LookupError, match="needs a configured project"):
        find_pipelines()


def test_configure_project_points_settings_and_pipelines_at_the_package(project):
    sys.path.insert(0, str(project / "src"))
    configure_project(PACKAGE)
    assert project_module.PACKAGE_NAME == PACKAGE
    assert "numbers" in pipelines
