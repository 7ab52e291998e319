"""minikedro.framework.startup and .project: finding a project, settings, the registry."""
from __future__ import annotations

import os
import sys

import pytest

from minikedro.framework import config as config_module
from minikedro.framework import config_files
from minikedro.framework import project as project_module
from minikedro.framework.project import configure_project, find_pipelines, pipelines, settings
from minikedro.framework.startup import (
    ProjectError,
    bootstrap_project,
    find_project,
    read_project_metadata,
)
from minikedro.pipeline import Pipeline
from tests.project_factory import forget_package, make_project, write_files

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


@pytest.mark.parametrize("toml_available", [True, False])
def test_a_kedro_projects_tool_kedro_table_is_read_when_there_is_no_minikedro_one(
    tmp_path, monkeypatch, toml_available
):
    if not toml_available:
        monkeypatch.setattr(config_files, "toml_library", lambda: None)
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


def test_without_a_toml_library_the_simple_reader_takes_over(tmp_path, monkeypatch):
    monkeypatch.setattr(config_files, "toml_library", lambda: None)
    write_files(tmp_path, {"pyproject.toml": """
        [project]
        name = "x"  # package_name = "wrong" is not in our table

        [tool.minikedro]
        # a comment
        package_name = "fallback_pkg"   # trailing comment
        source_dir = 'code'

        [tool.other]
        package_name = "wrong"
    """})
    metadata = read_project_metadata(tmp_path)
    assert (metadata.package_name, metadata.source_dir.name) == ("fallback_pkg", "code")


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
