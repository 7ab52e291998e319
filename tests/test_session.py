"""minikedro.framework.session and .context: one run of a project, with its hooks."""
from __future__ import annotations

import json
import os
import sys

import pytest

from minikedro.framework.context import KedroContext, _in_project
from minikedro.framework.session import KedroSession, KedroSessionError
from minikedro.io import DataCatalog
from minikedro.runner import ParallelRunner, SequentialRunner, ThreadRunner
from tests.project_factory import forget_package, make_project, write_files

PACKAGE = "session_demo"


@pytest.fixture
def project(tmp_path, monkeypatch):
    forget_package(PACKAGE)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv("PYTHONPATH", os.environ.get("PYTHONPATH", ""))
    monkeypatch.delenv("KEDRO_ENV", raising=False)
    monkeypatch.delenv("MINIKEDRO_ENV", raising=False)
    return make_project(tmp_path / "proj", PACKAGE)


def hook_calls(project):
    path = project / "data" / "hooks.log"
    return path.read_text().splitlines() if path.exists() else []


def test_a_run_returns_the_free_outputs_and_fires_pipeline_hooks(project):
    with KedroSession.create(project_path=project) as session:
        outputs = session.run()
    assert sorted(outputs) == ["description", "stats.y", "total"]
    assert outputs["stats.y"].load() == [1, 4, 9, 16]
    assert json.loads((project / "data/08_reporting/total.json").read_text())["total"] == 30
    calls = hook_calls(project)
    assert calls[0] == "after_catalog_created DataCatalog 10"
    assert calls[1] == "before_pipeline_run local 4"
    assert calls[-1] == "after_pipeline_run SequentialRunner"


def test_context_exposes_params_and_catalog(project):
    session = KedroSession.create(project_path=project, runtime_params={"model": {"depth": 7}})
    context = session.load_context()
    assert isinstance(context, KedroContext) and context.env == "local"
    assert context.params == {"offset": 10, "model": {"depth": 7, "name": "base"}}
    catalog = context.catalog
    assert catalog.load("params:model.depth") == 7
    assert catalog.load("numbers_raw") == [1, 2, 3, 4]


def test_relative_file_paths_are_made_absolute_against_the_project(project, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # somewhere else entirely
    KedroSession.create(project_path=project).run()
    assert (project / "data/08_reporting/total.json").exists()
    converted = _in_project(
        {"a": {"filepath": "data/x.csv", "dataset": {"path": "y"}}, "b": {"filepath": "s3://b/k"}},
        project,
    )
    assert converted["a"]["filepath"] == (project / "data/x.csv").as_posix()
    assert converted["a"]["dataset"]["path"] == (project / "y").as_posix()
    assert converted["b"]["filepath"] == "s3://b/k"


def test_relative_sqlite_urls_in_credentials_name_files_in_the_project(project, monkeypatch, tmp_path):
    write_files(project, {
        "conf/local/credentials.toml": '[db]\ncon = "sqlite:///data/db.sqlite"\n',
        "conf/base/catalog_db.toml": """
            [table]
            type = "SQLiteTableDataset"
            table_name = "rows"
            credentials = "db"
        """,
    })
    monkeypatch.chdir(tmp_path)  # not the project folder
    catalog = KedroSession.create(project_path=project).load_context().catalog
    catalog.save("table", [{"a": 1}])
    assert (project / "data/db.sqlite").is_file() and not (tmp_path / "data").exists()
    kept = {"mem": "sqlite:///:memory:", "abs": "sqlite:////srv/db.sqlite", "pg": "postgresql://h/db"}
    assert _in_project({"x": kept}, project) == {"x": kept}


def test_environment_from_argument_or_kedro_env(project, monkeypatch):
    session = KedroSession.create(project_path=project, env="prod")
    assert session.load_context().params["offset"] == 100
    monkeypatch.setenv("KEDRO_ENV", "prod")
    assert KedroSession.create(project_path=project).load_context().params["offset"] == 100
    monkeypatch.setenv("KEDRO_ENV", "nowhere")
    monkeypatch.setenv("MINIKEDRO_ENV", "prod")  # the docs' KEDRO_ENV, kedro -> minikedro
    assert KedroSession.create(project_path=project).load_context().params["offset"] == 100


def test_filters_and_several_pipelines(project):
    outputs = KedroSession.create(project_path=project).run(tags=["math"])
    assert sorted(outputs) == ["total"]
    outputs = KedroSession.create(project_path=project).run(
        pipeline_names=["numbers", "failing"], node_names=["double_node", "prepare_node"]
    )
    assert sorted(outputs) == ["doubled", "prepared"]
    outputs = KedroSession.create(project_path=project).run(namespaces=["stats"])
    assert sorted(outputs) == ["stats.y"]


def test_unknown_pipeline_lists_the_registered_ones(project):
    # Kedro raises ValueError("Failed to find the pipeline named ..."); a KeyError works too.
    for error in (ValueError, KeyError):
        with pytest.raises(error, match="Failed to find the pipeline named 'nope'; registered "
                                        "pipelines: __default__, failing, numbers"):
            KedroSession.create(project_path=project).run(pipeline_names=["nope"])


def test_an_empty_pipeline_and_an_empty_filter_result_are_errors(project):
    write_files(project, {"src/{package}/pipeline_registry.py": """
        from minikedro.pipeline import Pipeline
        from minikedro.framework.project import find_pipelines

        def register_pipelines():
            return {{**find_pipelines(), "__default__": Pipeline([])}}
    """}, package=PACKAGE)
    with pytest.raises(ValueError, match="pipeline __default__ has no nodes"):
        KedroSession.create(project_path=project).run()


def test_a_failing_node_reaches_the_caller_unchanged_after_on_pipeline_error(project):
    session = KedroSession.create(project_path=project)
    with pytest.raises(ZeroDivisionError):
        session.run(pipeline_name="failing")
    assert session.failed_node.name == "explode_node"
    assert hook_calls(project)[-1] == "on_pipeline_error ZeroDivisionError"


def test_one_run_per_session_and_runner_instances_only(project):
    session = KedroSession.create(project_path=project)
    with pytest.raises(KedroSessionError, match=r"write SequentialRunner\(\) instead"):
        session.run(runner=SequentialRunner)
    session.run()
    with pytest.raises(KedroSessionError, match="A run has already been completed"):
        session.run()


def test_hooks_must_be_instances(project):
    write_files(project, {"src/{package}/settings.py": """
        from {package}.hooks import RecordingHooks
        HOOKS = (RecordingHooks,)
    """}, package=PACKAGE)
    with pytest.raises(TypeError, match=r"write RecordingHooks\(\) instead of RecordingHooks"):
        KedroSession.create(project_path=project)


def test_settings_choose_the_catalog_class_and_conf_source(project):
    (project / "conf").rename(project / "configuration")
    write_files(project, {"src/{package}/settings.py": """
        from minikedro.io import DataCatalog
        from {package}.hooks import RecordingHooks

        class ProjectCatalog(DataCatalog):
            pass

        HOOKS = (RecordingHooks(),)
        DATA_CATALOG_CLASS = ProjectCatalog
        CONF_SOURCE = "configuration"
    """}, package=PACKAGE)
    KedroSession.create(project_path=project).run(runner=ThreadRunner())
    assert hook_calls(project)[0] == "after_catalog_created ProjectCatalog 10"


def test_parallel_runners_and_their_subclasses_get_shared_memory():
    class Mine(ParallelRunner):
        pass

    from minikedro.io import SharedMemoryDataCatalog

    # A runner declares the catalog it needs; the session reads catalog_class, None meaning
    # settings.DATA_CATALOG_CLASS.
    def uses_shared_memory(runner):
        return getattr(runner, "catalog_class", None) is SharedMemoryDataCatalog

    assert uses_shared_memory(ParallelRunner()) and uses_shared_memory(Mine())
    assert not uses_shared_memory(SequentialRunner()) and not uses_shared_memory(ThreadRunner())


def test_a_parallel_run_gets_a_shared_memory_catalog(project):
    KedroSession.create(project_path=project).run(runner=ParallelRunner(max_workers=2))
    calls = hook_calls(project)
    assert calls[0] == "after_catalog_created SharedMemoryDataCatalog 10"
    assert sorted(c for c in calls if c.startswith("after_node_run")) == [
        "after_node_run describe_node", "after_node_run double_node",
        "after_node_run stats.square", "after_node_run total_node",
    ]


def test_conf_source_argument_and_repr(project, tmp_path):
    other = tmp_path / "elsewhere"
    (project / "conf").rename(other)
    session = KedroSession.create(project_path=project, conf_source=other)
    assert session.load_context().params["offset"] == 10
    assert "KedroSession(project='proj'" in repr(session)
    assert isinstance(session.load_context().catalog, DataCatalog)


def test_hooks_read_run_params_and_node_names_as_kedros_mlflow_example_does(project):
    # Kedro's MLflow hook example reads run_params["run_id"] and node._func_name.
    from minikedro.framework.hooks import hook_impl

    class MlflowLike:
        def __init__(self):
            self.run_id, self.functions = None, []

        @hook_impl
        def before_pipeline_run(self, run_params):
            self.run_id = run_params["run_id"]

        @hook_impl
        def after_node_run(self, node):
            self.functions.append(node._func_name)

    recorder = MlflowLike()
    with KedroSession.create(project_path=project) as session:
        session._hook_manager.register(recorder)
        session.run()
        assert recorder.run_id == session.session_id
    assert recorder.functions and all(isinstance(name, str) and name for name in recorder.functions)
    assert "<" not in "".join(recorder.functions)  # names, never reprs with addresses
