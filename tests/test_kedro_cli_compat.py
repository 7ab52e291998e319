"""Kedro's documented project and CLI behaviour, with ``kedro`` replaced by ``minikedro``.

Each test cites the Kedro documentation page it follows: the CLI reference
(``kedro run`` options, ``catalog describe-datasets/list-patterns/
resolve-patterns``, ``registry``, ``pipeline create``, ``new``, ``info``),
"Parameters", "Advanced configuration" (``runtime_params``, globals, custom
resolvers, merge strategies), "Project settings", "Hooks", "KedroSession",
"Logging". The project below is shaped like Kedro's spaceflights tutorial;
each test writes its own copy (one package name: bootstrapping a new copy
forgets the old one). Most tests call ``main([...])`` in this process; the few
that must see what a user sees run ``python -m minikedro``.
"""
from __future__ import annotations

import json
import re
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from minikedro.cli import main
from tests.project_factory import subprocess_env, write_files

PACKAGE = "compat_demo"

PROJECT = {
    "pyproject.toml": """
        [tool.minikedro]
        package_name = "compat_demo"
        project_name = "Compat Demo"
        minikedro_init_version = "1.0.0"
    """,
    "conf/base/catalog.toml": """
        [companies]
        type = "CSVDataset"
        filepath = "data/01_raw/companies.csv"

        ["{{name}}#json"]
        type = "JSONDataset"
        filepath = "data/02_intermediate/{{name}}.json"

        [model_input_table]
        type = "JSONDataset"
        filepath = "data/03_primary/model_input_table.json"

        [report]
        type = "JSONDataset"
        filepath = "data/08_reporting/report.json"
    """,
    "conf/base/parameters.toml": """
        threshold = 3.0

        [model_options]
        test_size = 0.2
        random_state = 3
        features = ["engines", "passenger_capacity"]
    """,
    "conf/local/.gitkeep": "",
    "data/01_raw/companies.csv": "id,rating\n1,2.5\n2,4.0\n3,5.0\n",
    "src/{package}/__init__.py": "",
    "src/{package}/settings.py": """
        from {package}.hooks import ProjectHooks

        HOOKS = (ProjectHooks(),)
        DISABLE_HOOKS_FOR_PLUGINS = ("kedro-viz",)

        from minikedro.config import OmegaConfigLoader  # noqa: E402

        CONFIG_LOADER_CLASS = OmegaConfigLoader
        CONFIG_LOADER_ARGS = {{"base_env": "base", "default_run_env": "local"}}
    """,
    "src/{package}/hooks.py": """
        import time

        from minikedro.framework.hooks import hook_impl


        class ProjectHooks:
            def __init__(self):
                self.calls, self.started, self.seconds = [], {{}}, {{}}

            @hook_impl
            def after_context_created(self, context):
                self.calls.append(("after_context_created", context.env, sorted(context.params)))

            @hook_impl
            def after_catalog_created(self, catalog, conf_catalog):
                self.calls.append(("after_catalog_created", sorted(conf_catalog)))

            @hook_impl
            def before_node_run(self, node):
                self.started[node.name] = time.perf_counter()

            @hook_impl
            def after_node_run(self, node):
                self.seconds[node.name] = time.perf_counter() - self.started.pop(node.name)
    """,
    "src/{package}/pipeline_registry.py": """
        from minikedro.framework.project import find_pipelines
        from minikedro.pipeline import Pipeline


        def register_pipelines() -> dict[str, Pipeline]:
            pipelines = find_pipelines()
            pipelines["__default__"] = sum(pipelines.values())
            return pipelines
    """,
    "src/{package}/pipelines/__init__.py": "",
    "src/{package}/pipelines/data_processing/__init__.py": "from .pipeline import create_pipeline  # NOQA\n",
    "src/{package}/pipelines/data_processing/nodes.py": """
        def preprocess_companies(companies):
            return [{{"id": int(r["id"]), "rating": float(r["rating"])}} for r in companies]


        def create_model_input_table(rows, options):
            return {{"rows": rows, "test_size": options["test_size"]}}


        def echo(parameters):
            return parameters
    """,
    "src/{package}/pipelines/data_processing/pipeline.py": """
        from minikedro.pipeline import Node, Pipeline

        from .nodes import create_model_input_table, echo, preprocess_companies


        def create_pipeline(**kwargs) -> Pipeline:
            return Pipeline([
                Node(preprocess_companies, "companies", "preprocessed#json",
                     name="preprocess_companies_node", tags="preprocess"),
                Node(create_model_input_table, ["preprocessed#json", "params:model_options"],
                     "model_input_table", name="create_model_input_table_node"),
                Node(echo, "parameters", "params_seen#json", name="echo_params_node"),
            ])
    """,
    "src/{package}/pipelines/reporting/__init__.py": "from .pipeline import create_pipeline  # NOQA\n",
    "src/{package}/pipelines/reporting/pipeline.py": """
        from minikedro.pipeline import Node, Pipeline


        def summarise(table, threshold):
            return {{"n": len(table["rows"]), "above": sum(r["rating"] > threshold for r in table["rows"])}}


        def create_pipeline(**kwargs) -> Pipeline:
            nodes = Pipeline([
                Node(summarise, ["model_input_table", "params:threshold"], "summary", name="summarise"),
                Node(dict, "summary", "report", name="write_report"),
            ])
            return Pipeline(nodes, namespace="reporting", inputs="model_input_table",
                            outputs="report", parameters="threshold")
    """,
}


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "compat-demo"
    write_files(root, PROJECT, package=PACKAGE)
    return root


def put(root, files):
    """Write files verbatim (no ``{package}`` formatting, so ``${...}`` stays as it is)."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def run(project, *args):
    return main(["run", "--project", str(project), *args])


def output(project, relative):
    return json.loads((project / relative).read_text())


def hooks():
    return sys.modules[f"{PACKAGE}.settings"].HOOKS[0]


def error_line(capsys):
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def cli(*args, cwd, env=None):
    return subprocess.run([sys.executable, "-m", "minikedro", *args], cwd=cwd,
                          env={**subprocess_env(), **(env or {})},
                          capture_output=True, text=True, timeout=60)


# kedro run --params (Parameters: "How to specify parameters at runtime") ----------------


@pytest.mark.parametrize("params, seen", [
    ("param_key1=value1,param_key2=2.0", {"param_key1": "value1", "param_key2": 2.0}),
    ("param_key1:value1,param_key2:2.0", {"param_key1": "value1", "param_key2": 2.0}),  # 0.18 form
    ("key1=value with spaces,key2=value", {"key1": "value with spaces", "key2": "value"}),
    ("endpoint_url=https://endpoint.example.com", {"endpoint_url": "https://endpoint.example.com"}),
    ("endpoint_url:https://endpoint.example.com", {"endpoint_url": "https://endpoint.example.com"}),
])
def test_params_are_split_on_the_first_separator_and_typed(project, params, seen):
    assert run(project, "-n", "echo_params_node", f"--params={params}") == 0
    parameters = output(project, "data/02_intermediate/params_seen.json")
    assert {key: parameters[key] for key in seen} == seen
    assert parameters["threshold"] == 3.0


def test_params_given_twice_are_combined(project):
    assert run(project, "-n", "echo_params_node", "--params", "a=1", "--params", "b.c=x") == 0
    parameters = output(project, "data/02_intermediate/params_seen.json")
    assert (parameters["a"], parameters["b"]) == (1, {"c": "x"})


def test_nested_runtime_params_merge_destructively_when_the_env_has_parameters(project):
    put(project, {
        "conf/base/parameters_options.toml": """
            [data_options]
            step_size = 123123
        """,
        "conf/local/parameters.toml": "[features]\nrate = 123\n",
    })
    assert run(project, "-n", "echo_params_node",
               "--params=model_options.model_params.training_date=2011-11-11") == 0
    parameters = output(project, "data/02_intermediate/params_seen.json")
    assert parameters["model_options"] == {"model_params": {"training_date": "2011-11-11"}}
    assert parameters["data_options"] == {"step_size": 123123}
    assert parameters["features"] == {"rate": 123}


def test_soft_merge_strategy_keeps_the_other_nested_parameters(project):
    write_files(project, {
        "conf/local/parameters.toml": "[features]\nrate = 123\n",
        "src/{package}/settings.py": """
            CONFIG_LOADER_ARGS = {{"merge_strategy": {{"parameters": "soft"}}}}
        """,
    }, package=PACKAGE)
    assert run(project, "-n", "echo_params_node", "--params", "model_options.test_size=0.5") == 0
    options = output(project, "data/02_intermediate/params_seen.json")["model_options"]
    assert options == {"test_size": 0.5, "random_state": 3, "features": ["engines", "passenger_capacity"]}


def test_without_run_environment_parameters_nested_params_override_one_key(project):
    assert run(project, "-n", "echo_params_node", "--params", "model_options.test_size=0.5") == 0
    options = output(project, "data/02_intermediate/params_seen.json")["model_options"]
    assert options["test_size"] == 0.5 and options["random_state"] == 3


# Advanced configuration: ${runtime_params:...}, globals, custom resolvers, oc.env ---------


def test_runtime_params_resolver_switches_a_catalog_filepath(project):
    put(project, {"conf/local/catalog.toml": """
        [report]
        type = "JSONDataset"
        filepath = "${runtime_params:report_folder, data/08_reporting}/report.json"
    """})
    assert run(project) == 0
    assert output(project, "data/08_reporting/report.json") == {"n": 3, "above": 2}
    assert run(project, "--params", "report_folder=data/elsewhere") == 0
    assert output(project, "data/elsewhere/report.json") == {"n": 3, "above": 2}


def test_globals_custom_resolvers_and_underscore_variables(project):
    put(project, {
        "conf/base/globals.toml": 'folder = "data/09_globals"\n[model]\nthreshold = 4.5\n',
        "conf/local/parameters.toml": """
            threshold = "${globals:model.threshold}"
            doubled = "${twice:21}"
            _unit = "km"
            label = "distance in ${_unit}"
        """,
        "conf/local/catalog.toml": """
            _layer = "08_reporting"
            [report]
            type = "JSONDataset"
            filepath = "${globals:folder}/${_layer}/report.json"
        """,
    })
    write_files(project, {"src/{package}/settings.py": """
        CONFIG_LOADER_ARGS = {{"custom_resolvers": {{"twice": lambda x: 2 * x}}}}
    """}, package=PACKAGE)
    assert run(project) == 0
    assert output(project, "data/09_globals/08_reporting/report.json") == {"n": 3, "above": 1}
    parameters = output(project, "data/02_intermediate/params_seen.json")
    assert (parameters["doubled"], parameters["label"], parameters["threshold"]) == (42, "distance in km", 4.5)


def test_oc_env_reads_environment_variables_in_credentials_only(project, monkeypatch):
    from minikedro.config import BadConfigException, OmegaConfigLoader

    put(project, {
        "conf/local/credentials.toml": '[db]\ncon = "${oc.env:COMPAT_DB, sqlite:///default.db}"\n',
        "conf/local/parameters.toml": 'secret = "${oc.env:COMPAT_DB}"\n',
    })
    monkeypatch.setenv("COMPAT_DB", "sqlite:///from-env.db")
    loader = OmegaConfigLoader(project / "conf")
    assert loader["credentials"] == {"db": {"con": "sqlite:///from-env.db"}}
    with pytest.raises(BadConfigException, match=r"secret uses unknown resolver 'oc.env'"):
        loader["parameters"]


# minikedro.config, as kedro.config --------------------------------------------------------


def test_config_loader_api_from_minikedro_config(project):
    from minikedro.config import AbstractConfigLoader, MissingConfigException, OmegaConfigLoader

    loader = OmegaConfigLoader(conf_source=str(project / "conf"), env="local")
    assert isinstance(loader, AbstractConfigLoader)
    assert loader["parameters"]["model_options"]["random_state"] == 3
    assert "{name}#json" in loader["catalog"]
    assert loader.get("spark") is None and loader.get("spark", {}) == {}
    assert {"catalog", "parameters", "credentials", "globals"} <= set(loader.keys())
    loader["catalog"] = {"cars": {"type": "MemoryDataset"}}
    assert loader["catalog"] == {"cars": {"type": "MemoryDataset"}}
    with pytest.raises(MissingConfigException):
        OmegaConfigLoader(conf_source=str(project / "conf"), env="nowhere")


def test_settings_choose_the_config_loader_and_its_arguments(project):
    write_files(project, {
        "conf/prod/parameters.toml": "threshold = 4.5\n",
        "conf/base/spark.toml": '[spark]\nmaster = "local[*]"\n',
        "src/{package}/settings.py": """
            from minikedro.config import AbstractConfigLoader, OmegaConfigLoader


            class ProdLoader(OmegaConfigLoader):
                pass


            CONFIG_LOADER_CLASS = ProdLoader
            CONFIG_LOADER_ARGS = {{"base_env": "base", "default_run_env": "prod",
                                   "config_patterns": {{"spark": ["spark*"]}}}}
        """,
    }, package=PACKAGE)
    from minikedro.framework.session import KedroSession

    with KedroSession.create(project_path=project) as session:
        context = session.load_context()
        assert type(context.config_loader).__name__ == "ProdLoader"
        assert context.params["threshold"] == 4.5
        assert context.config_loader["spark"] == {"spark": {"master": "local[*]"}}


# KedroSession (Kedro's session docs and project template tests) ---------------------------


def test_session_create_run_and_load_context_as_documented(project, monkeypatch):
    from minikedro.framework.session import KedroSession, KedroSessionError
    from minikedro.framework.startup import bootstrap_project
    from minikedro.runner import ThreadRunner

    monkeypatch.chdir(project)
    bootstrap_project(Path.cwd())
    with KedroSession.create(project_path=Path.cwd(), env="local",
                             runtime_params={"threshold": 4.5}) as session:
        context = session.load_context()
        assert context.params["threshold"] == 4.5
        assert context.catalog.load("companies")[0] == {"id": "1", "rating": "2.5"}
        outputs = session.run(pipeline_name="__default__", runner=ThreadRunner(),
                              tags=None, node_names=None, from_nodes=None)
        assert outputs is not None
        with pytest.raises(KedroSessionError, match="A run has already been completed"):
            session.run()
    assert output(project, "data/08_reporting/report.json") == {"n": 3, "above": 1}
    assert ("after_context_created", "local", ["model_options", "threshold"]) in hooks().calls
    assert ("after_catalog_created", ["companies", "model_input_table", "report", "{name}#json"]) \
        in hooks().calls
    assert set(hooks().seconds) == {"preprocess_companies_node", "create_model_input_table_node",
                                    "echo_params_node", "reporting.summarise", "reporting.write_report"}
    with KedroSession.create(project_path=project) as session, pytest.raises(
            ValueError, match="Failed to find the pipeline named 'nope'"):
        session.run(pipeline_names=["nope"])


# kedro run filters with namespaced names --------------------------------------------------


@pytest.mark.parametrize("args, ran", [
    (["--from-nodes", "reporting.summarise"], {"reporting.summarise", "reporting.write_report"}),
    (["--to-nodes", "reporting.summarise", "--from-nodes", "reporting.summarise"],
     {"reporting.summarise"}),
    (["--namespaces", "reporting"], {"reporting.summarise", "reporting.write_report"}),
    (["-ns", "reporting", "--to-outputs", "reporting.summary"], {"reporting.summarise"}),
    (["--namespace", "reporting", "--node", "reporting.summarise"], {"reporting.summarise"}),
    (["--tag", "preprocess"], {"preprocess_companies_node"}),
    (["--nodes", "echo_params_node,preprocess_companies_node"],
     {"echo_params_node", "preprocess_companies_node"}),
])
def test_filters_take_namespaced_node_names(project, args, ran):
    assert run(project) == 0  # everything persisted, so any slice can run
    hooks().seconds.clear()
    assert run(project, *args) == 0
    assert set(hooks().seconds) == ran


# kedro catalog describe-datasets / list-patterns / resolve-patterns ----------------------


def printed(text: str):
    """What a registry or catalog command printed, as data: YAML, or JSON without PyYAML."""
    try:
        import yaml
    except ImportError:
        return json.loads(text)
    return yaml.safe_load(text)


# Kedro prints YAML; where PyYAML is missing (a bare Python 3.9) minikedro prints the JSON form of
# the same data, which YAML also reads: the tests of the YAML text need PyYAML.


def test_catalog_describe_datasets_groups_entries_factories_and_defaults(project, capsys):
    pytest.importorskip("yaml")
    assert main(["catalog", "describe-datasets", "-p", "data_processing,reporting",
                 "--project", str(project)]) == 0
    assert capsys.readouterr().out == """\
data_processing:
  datasets:
    minikedro.datasets.files.CSVDataset:
    - companies
    minikedro.datasets.files.JSONDataset:
    - model_input_table
  defaults: {}
  factories:
    minikedro.datasets.files.JSONDataset:
    - params_seen#json
    - preprocessed#json
reporting:
  datasets:
    minikedro.datasets.files.JSONDataset:
    - model_input_table
    - report
  defaults:
    minikedro.io.MemoryDataset:
    - reporting.summary
  factories: {}
"""
    assert main(["catalog", "describe-datasets", "--project", str(project)]) == 0
    assert sorted(line for line in capsys.readouterr().out.splitlines() if line[0] != " ") == [
        "__default__:", "data_processing:", "reporting:"]


def test_catalog_list_patterns_and_resolve_patterns(project, capsys):
    pytest.importorskip("yaml")
    assert main(["catalog", "list-patterns", "--project", str(project)]) == 0
    assert capsys.readouterr().out == "- '{name}#json'\n- '{default}'\n"
    assert main(["catalog", "resolve-patterns", "-p", "data_processing", "--project", str(project)]) == 0
    out = capsys.readouterr().out
    assert f"""\
preprocessed#json:
  filepath: {project.as_posix()}/data/02_intermediate/preprocessed.json
  type: JSONDataset
""" in out
    assert "companies:\n  filepath: " in out and "reporting.summary" not in out


def test_catalog_commands_print_what_yaml_safe_dump_prints(project, capsys):
    yaml = pytest.importorskip("yaml")
    for command in ("describe-datasets", "list-patterns", "resolve-patterns"):
        assert main(["catalog", command, "--project", str(project)]) == 0
        out = capsys.readouterr().out
        assert out == yaml.safe_dump(yaml.safe_load(out))


def test_the_context_catalog_has_the_pipeline_aware_commands(project):
    from minikedro.framework.context import CatalogCommandsMixin, compose_classes
    from minikedro.framework.session import KedroSession
    from minikedro.io import DataCatalog, MemoryDataset

    catalog = KedroSession.create(project_path=project).load_context().catalog
    assert catalog.describe_datasets(["reporting"])["reporting"]["defaults"] == {
        "minikedro.io.MemoryDataset": ["reporting.summary"]}
    assert catalog.list_patterns() == ["{name}#json", "{default}"]
    composed = compose_classes(DataCatalog, CatalogCommandsMixin)(datasets={"example": MemoryDataset()})
    assert isinstance(composed, DataCatalog) and hasattr(composed, "describe_datasets")
    assert composed.resolve_patterns([])["example"] == {"type": "minikedro.io.memory_dataset.MemoryDataset"}


# kedro registry, kedro info, kedro -V --------------------------------------------------------


def test_registry_list_and_describe_print_yaml(project, capsys):
    pytest.importorskip("yaml")
    assert main(["registry", "list", "--project", str(project)]) == 0
    assert capsys.readouterr().out == "- __default__\n- data_processing\n- reporting\n"
    assert main(["registry", "describe", "reporting", "--project", str(project)]) == 0
    assert capsys.readouterr().out == (
        "Nodes:\n- reporting.summarise (summarise)\n- reporting.write_report (dict)\n")


def test_info_and_short_version_flag(capsys):
    import minikedro

    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"minikedro v{minikedro.__version__}\n") and "No plugins installed" in out
    assert main(["-V"]) == 0
    assert capsys.readouterr().out.strip() == f"minikedro, version {minikedro.__version__}"


# kedro pipeline create / delete, kedro new --------------------------------------------------


def test_pipeline_create_is_found_by_find_pipelines_and_delete_removes_it(project, capsys):
    assert main(["pipeline", "create", "data_science", "--project", str(project)]) == 0
    folder = project / "src" / PACKAGE / "pipelines" / "data_science"
    assert sorted(p.name for p in folder.iterdir()) == ["__init__.py", "nodes.py", "pipeline.py"]
    assert (project / "conf/base/parameters_data_science.toml").is_file()
    (folder / "nodes.py").write_text("def count(rows):\n    return len(rows)\n")
    (folder / "pipeline.py").write_text(
        "from minikedro.pipeline import Node, Pipeline\nfrom .nodes import count\n\n\n"
        "def create_pipeline(**kwargs):\n"
        "    return Pipeline([Node(count, 'companies', 'n_companies#json', name='count_node')])\n")
    assert run(project, "--pipeline", "data_science") == 0
    assert output(project, "data/02_intermediate/n_companies.json") == 3
    assert main(["pipeline", "create", "data_science", "--project", str(project)]) == 1
    assert "pipeline 'data_science' already exists" in error_line(capsys)
    assert main(["pipeline", "delete", "data_science", "-y", "--project", str(project)]) == 0
    assert not folder.exists() and not (project / "conf/base/parameters_data_science.toml").exists()


def test_new_with_name_and_without_the_example_then_a_pipeline(tmp_path, capsys):
    assert main(["new", "--name=Spaceflights Demo", "--example=n", "--directory", str(tmp_path)]) == 0
    created = tmp_path / "spaceflights-demo"
    assert not (created / "src/spaceflights_demo/pipelines/data_processing").exists()
    assert main(["pipeline", "create", "data_processing", "--project", str(created)]) == 0
    capsys.readouterr()
    assert main(["registry", "list", "--project", str(created)]) == 0
    assert printed(capsys.readouterr().out) == ["__default__", "data_processing"]
    put(tmp_path, {"new.toml": 'project_name = "From Config"\n'})
    assert main(["new", "--config", str(tmp_path / "new.toml"), "--directory", str(tmp_path)]) == 0
    assert (tmp_path / "from-config/src/from_config/pipelines/data_processing").is_dir()


def test_new_and_pipeline_delete_read_answers_from_standard_input(tmp_path, monkeypatch, capsys):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("Piped Project\n"))
    assert main(["new", "--directory", str(tmp_path)]) == 0
    created = tmp_path / "piped-project"
    assert (created / "src/piped_project/pipelines/data_processing").is_dir()
    monkeypatch.setattr(sys, "stdin", io.StringIO("n\n"))
    assert main(["pipeline", "delete", "data_processing", "--project", str(created)]) == 0
    assert "Deletion aborted" in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["pipeline", "delete", "data_processing", "--project", str(created)]) == 1
    assert "add -y" in error_line(capsys)
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))
    assert main(["pipeline", "delete", "data_processing", "--project", str(created)]) == 0
    assert not (created / "src/piped_project/pipelines/data_processing").exists()


# Errors: exit code 1, one line, no traceback --------------------------------------------------


def test_user_errors_name_what_is_wrong(project, capsys):
    assert run(project, "-n", "nope,echo_params_node") == 1
    assert "Pipeline does not contain nodes named ['nope']" in error_line(capsys)
    assert run(project, "--from-nodes", "reporting.nope") == 1
    assert "reporting.nope" in error_line(capsys)
    put(project, {"conf/base/parameters_broken.toml": "x = [1,\n"})
    assert run(project) == 1
    line = error_line(capsys)
    assert "parameters_broken.toml" in line and "line" in line
    (project / "conf/base/parameters_broken.toml").unlink()
    (project / "data/01_raw/companies.csv").unlink()
    assert run(project) == 1
    assert "dataset 'companies'" in error_line(capsys)


def test_a_failing_node_ends_with_the_resume_command(project):
    nodes = project / "src" / PACKAGE / "pipelines/data_processing/nodes.py"
    nodes.write_text(nodes.read_text().replace('"test_size": options["test_size"]', '"x": 1 / 0'))
    result = cli("run", cwd=project / "conf")  # from a folder inside the project
    assert result.returncode == 1 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: node 'create_model_input_table_node' failed: ZeroDivisionError")
    assert re.search(r'To resume: (\S+ -m )?minikedro run --from-nodes "create_model_input_table_node"$',
                     last), last


# Logging: conf/logging.yml from Kedro's template, KEDRO_LOGGING_CONFIG ---------------------------


TEMPLATE_LOGGING = {  # Kedro's conf/logging.yml, kedro -> minikedro, as JSON
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"simple": {"format": "%(asctime)s - %(name)s - %(levelname)s - %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "level": "INFO", "formatter": "simple",
                    "stream": "ext://sys.stdout"},
        "info_file_handler": {"class": "logging.handlers.RotatingFileHandler", "level": "INFO",
                              "formatter": "simple", "filename": "info.log", "maxBytes": 10485760,
                              "backupCount": 20, "encoding": "utf8", "delay": True},
        "rich": {"class": "minikedro.logging.RichHandler", "rich_tracebacks": True},
    },
    "loggers": {"minikedro": {"level": "INFO"}, PACKAGE: {"level": "INFO"}},
    "root": {"handlers": ["rich", "info_file_handler"]},
}


def test_the_template_logging_config_works_without_rich(project, tmp_path):
    put(project, {"conf/logging.json": json.dumps(TEMPLATE_LOGGING)})
    result = cli("run", "--project", str(project), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "INFO     Completed 5 out of 5 tasks" in result.stderr
    assert " - INFO - Completed 5 out of 5 tasks" in (project / "info.log").read_text()
    elsewhere = tmp_path / "logging.json"
    elsewhere.write_text(json.dumps({**TEMPLATE_LOGGING, "root": {"handlers": ["console"]}}))
    result = cli("run", "--project", str(project), cwd=tmp_path,
                 env={"KEDRO_LOGGING_CONFIG": str(elsewhere)})
    assert result.returncode == 0, result.stderr
    assert " - INFO - Completed 5 out of 5 tasks" in result.stdout


def test_the_template_main_module_runs_the_project(project):
    put(project, {f"src/{PACKAGE}/__main__.py": '''
        """Kedro's template src/<package>/__main__.py, kedro -> minikedro."""
        import sys
        from pathlib import Path
        from typing import Any

        from minikedro.framework.cli.utils import find_run_command
        from minikedro.framework.project import configure_project


        def main(*args, **kwargs) -> Any:
            package_name = Path(__file__).parent.name
            configure_project(package_name)

            interactive = hasattr(sys, "ps1")
            kwargs["standalone_mode"] = not interactive

            run = find_run_command(package_name)
            return run(*args, **kwargs)


        if __name__ == "__main__":
            main()
    '''})
    env = subprocess_env()
    env["PYTHONPATH"] = os.pathsep.join([str(project / "src"), env["PYTHONPATH"]])
    result = subprocess.run([sys.executable, "-m", PACKAGE, "--pipeline", "data_processing"],
                            cwd=project, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Completed 3 out of 3 tasks" in result.stderr


# Hooks: "Use Hooks to load external credentials" -----------------------------------------


def test_after_context_created_can_replace_the_credentials(project):
    write_files(project, {"src/{package}/settings.py": """
        from minikedro.framework.hooks import hook_impl


        class SecretsHooks:
            @hook_impl
            def after_context_created(self, context):
                creds = context.config_loader["credentials"]
                context.config_loader["credentials"] = {{**creds, "db": {{"con": "from-vault"}}}}

            @hook_impl
            def after_catalog_created(self, conf_creds):
                self.conf_creds = conf_creds


        HOOKS = (SecretsHooks(),)
    """}, package=PACKAGE)
    assert run(project, "-n", "preprocess_companies_node") == 0
    assert hooks().conf_creds == {"db": {"con": "from-vault"}}
