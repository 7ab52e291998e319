"""A Kedro user moving to minikedro, end to end on the command line.

Every test runs ``python -m minikedro`` in a subprocess, as a user types it,
on a real project in ``tmp_path``:

1. ``minikedro new``, then pipelines added by hand (``create_pipeline`` in
   ``pipeline.py`` or in ``__init__.py``), registered by ``find_pipelines()``
   and ``sum(pipelines.values())``; ``--pipeline``, ``--pipelines a,b``.
2. Kedro's spaceflights tutorial in pure Python: CSV inputs, preprocessing, a
   modular ``data_science`` pipeline namespaced twice with its parameters per
   namespace, a versioned regressor from a factory pattern; every runner, the
   filters, ``--load-versions``, ``--params``, ``--only-missing-outputs``.
3. The hooks of Kedro's docs in ``settings.py``, their log lines under every
   runner (``ParallelRunner`` with fork and spawn).
4. A failing node: the printed resume command, pasted into the shell, works.
5. Ctrl-C during a ``ParallelRunner`` run: a quick, clean exit, no workers left.
6. Configuration: ``conf/local`` over ``conf/base``, credentials, a factory
   pattern, in TOML, YAML and JSON; a malformed file.
7. ``--config run.toml``; 8. where the project is found; 9. a Kedro project's
   ``[tool.kedro]`` table and ``settings.py``.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shlex
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from tests.project_factory import subprocess_env

TIMEOUT = 60


def cli(*args, cwd, env=None, timeout=TIMEOUT):
    return subprocess.run([sys.executable, "-m", "minikedro", *args], cwd=cwd,
                          env={**subprocess_env(), **(env or {})},
                          capture_output=True, text=True, timeout=timeout)


def ok(result):
    assert result.returncode == 0, result.stderr
    return result.stderr


def error_line(result):
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: "), result.stderr
    return last


def ran(stderr):
    """The names of the nodes a run's log says ran (the hook below logs full names)."""
    return sorted(line.split(" - Node ", 1)[1].split(" took ")[0]
                  for line in stderr.splitlines() if " took " in line)


def write(root, files):
    for relative, text in files.items():
        path = Path(root) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return Path(root)


# 1. minikedro new, then pipelines by hand ----------------------------------------------


def test_new_project_with_pipelines_added_by_hand(tmp_path):
    ok(cli("new", "weather", cwd=tmp_path))
    project = tmp_path / "weather"
    write(project / "src/weather/pipelines", {
        # create_pipeline in pipeline.py, an empty __init__.py
        "reporting/__init__.py": "",
        "reporting/pipeline.py": """
            from minikedro.pipeline import Pipeline, node, pipeline


            def count_cities(summary):
                return {"cities": len(summary)}


            def create_pipeline(**kwargs) -> Pipeline:
                return pipeline([node(count_cities, "summary", "city_count", name="count_node")])
        """,
        # create_pipeline in __init__.py
        "extras/__init__.py": """
            from minikedro.pipeline import Pipeline, node, pipeline


            def first_city(rows):
                return rows[0]["city"]


            def create_pipeline(**kwargs) -> Pipeline:
                return pipeline([node(first_city, "measurements", "first", name="first_node")])
        """,
    })
    write(project / "conf/base", {"catalog_reporting.toml": """
        [city_count]
        type = "JSONDataset"
        filepath = "data/08_reporting/city_count.json"
    """})
    listing = cli("registry", "list", cwd=project)
    assert listing.stdout.split() == ["-", "__default__", "-", "data_processing",
                                      "-", "extras", "-", "reporting"], listing.stderr
    stderr = ok(cli("run", cwd=project))  # __default__: the sum of all three
    assert "Completed 4 out of 4 tasks" in stderr
    assert json.loads((project / "data/08_reporting/city_count.json").read_text()) == {"cities": 3}
    stderr = ok(cli("run", "-p", "extras", cwd=project))
    assert "Running node: first_node" in stderr and "Completed 1 out of 1 tasks" in stderr
    stderr = ok(cli("run", "--pipelines", "data_processing,reporting", cwd=project))
    assert "Completed 3 out of 3 tasks" in stderr and "first_node" not in stderr
    assert "registered pipelines: __default__, data_processing, extras, reporting" in error_line(
        cli("run", "--pipelines", "reporting,nope", cwd=project))


# 2, 3, 9. Spaceflights, with the hooks of Kedro's docs, as a Kedro project -------------------

SPACEFLIGHTS = {
    "pyproject.toml": """
        [project]
        name = "spaceflights"
        version = "0.1"

        [tool.kedro]
        package_name = "spaceflights"
        project_name = "Spaceflights"
        kedro_init_version = "0.19.9"
        tools = "['None']"
        example_pipeline = "True"
        source_dir = "src"
    """,
    "conf/base/catalog.toml": """
        [companies]
        type = "CSVDataset"
        filepath = "data/01_raw/companies.csv"

        [reviews]
        type = "CSVDataset"
        filepath = "data/01_raw/reviews.csv"

        [shuttles]
        type = "CSVDataset"
        filepath = "data/01_raw/shuttles.csv"

        [preprocessed_companies]
        type = "pickle.PickleDataset"
        filepath = "data/02_intermediate/preprocessed_companies.pkl"

        [preprocessed_shuttles]
        type = "pickle.PickleDataset"
        filepath = "data/02_intermediate/preprocessed_shuttles.pkl"

        [model_input_table]
        type = "pickle.PickleDataset"
        filepath = "data/03_primary/model_input_table.pkl"

        ["{namespace}.regressor"]
        type = "pickle.PickleDataset"
        filepath = "data/06_models/regressor_{namespace}.pickle"
        versioned = true

        ["{namespace}.metrics"]
        type = "json.JSONDataset"
        filepath = "data/08_reporting/metrics_{namespace}.json"

        [model_report]
        type = "json.JSONDataset"
        filepath = "data/08_reporting/model_report.json"
    """,
    "conf/base/parameters_data_science.toml": """
        [active_modelling_pipeline.model_options]
        test_size = 0.2
        random_state = 3
        features = ["engines", "passenger_capacity", "crew", "d_check_complete",
                    "moon_clearance_complete", "iata_approved", "company_rating",
                    "review_scores_rating"]

        [candidate_modelling_pipeline.model_options]
        test_size = 0.2
        random_state = 8
        features = ["engines", "passenger_capacity", "crew", "review_scores_rating"]
    """,
    "conf/local/.gitkeep": "",
    "src/spaceflights/__init__.py": "",
    "src/spaceflights/settings.py": """
        from spaceflights.hooks import DataCatalogHooks, PipelineMonitoringHooks, RunHooks

        HOOKS = (PipelineMonitoringHooks(), DataCatalogHooks(), RunHooks())

        from minikedro.config import OmegaConfigLoader  # noqa: E402

        CONFIG_LOADER_CLASS = OmegaConfigLoader
        CONFIG_LOADER_ARGS = {"base_env": "base", "default_run_env": "local"}
    """,
    # Kedro's docs, "Hooks examples": timing nodes, listing the catalog; and a run hook.
    "src/spaceflights/hooks.py": """
        import logging
        import time

        from minikedro.framework.hooks import hook_impl


        class PipelineMonitoringHooks:
            def __init__(self):
                self._timers = {}
                self._logger = logging.getLogger(__name__)

            @hook_impl
            def before_node_run(self, node) -> None:
                self._timers[node.name] = time.time()

            @hook_impl
            def after_node_run(self, node) -> None:
                elapsed = time.time() - self._timers[node.name]
                self._logger.info(f"Node {node.name} took {elapsed:.4f} seconds")


        class DataCatalogHooks:
            @property
            def _logger(self):
                return logging.getLogger(self.__class__.__name__)

            @hook_impl
            def after_catalog_created(self, catalog):
                self._logger.info(catalog.list())


        class RunHooks:
            @hook_impl
            def before_pipeline_run(self, run_params, pipeline, catalog):
                logging.getLogger(__name__).info(
                    "before_pipeline_run: %d nodes, %s", len(pipeline.nodes), run_params["runner"])
    """,
    "src/spaceflights/pipeline_registry.py": """
        from minikedro.framework.project import find_pipelines
        from minikedro.pipeline import Pipeline


        def register_pipelines() -> dict[str, Pipeline]:
            pipelines = find_pipelines()
            pipelines["__default__"] = sum(pipelines.values())
            return pipelines
    """,
    "src/spaceflights/pipelines/__init__.py": "",
    "src/spaceflights/pipelines/data_processing/__init__.py": """
        from .pipeline import create_pipeline  # NOQA
    """,
    "src/spaceflights/pipelines/data_processing/nodes.py": """
        def _is_true(x):
            return x == "t"


        def _parse_percentage(x):
            return float(x.replace("%", "")) / 100


        def _parse_money(x):
            return float(x.replace("$", "").replace(",", ""))


        def preprocess_companies(companies):
            return [{**row, "iata_approved": _is_true(row["iata_approved"]),
                     "company_rating": _parse_percentage(row["company_rating"])}
                    for row in companies]


        def preprocess_shuttles(shuttles):
            return [{**row, "d_check_complete": _is_true(row["d_check_complete"]),
                     "moon_clearance_complete": _is_true(row["moon_clearance_complete"]),
                     "price": _parse_money(row["price"])}
                    for row in shuttles]


        def create_model_input_table(shuttles, companies, reviews):
            by_company = {c["id"]: c for c in companies}
            by_shuttle = {r["shuttle_id"]: r for r in reviews}
            return [{**by_company[s["company_id"]], **s, **by_shuttle[s["id"]]}
                    for s in shuttles if s["id"] in by_shuttle]
    """,
    "src/spaceflights/pipelines/data_processing/pipeline.py": """
        from minikedro.pipeline import Pipeline, node, pipeline

        from .nodes import create_model_input_table, preprocess_companies, preprocess_shuttles


        def create_pipeline(**kwargs) -> Pipeline:
            return pipeline([
                node(preprocess_companies, "companies", "preprocessed_companies",
                     name="preprocess_companies_node", tags="preprocessing"),
                node(preprocess_shuttles, "shuttles", "preprocessed_shuttles",
                     name="preprocess_shuttles_node", tags="preprocessing"),
                node(create_model_input_table,
                     ["preprocessed_shuttles", "preprocessed_companies", "reviews"],
                     "model_input_table", name="create_model_input_table_node"),
            ])
    """,
    "src/spaceflights/pipelines/data_science/__init__.py": """
        from .pipeline import create_pipeline  # NOQA
    """,
    "src/spaceflights/pipelines/data_science/nodes.py": """
        import logging
        import os
        import random
        import time


        def split_data(data, parameters):
            rows = list(data)
            random.Random(parameters["random_state"]).shuffle(rows)
            n_test = max(1, int(len(rows) * parameters["test_size"]))
            X = [[float(row[f]) for f in parameters["features"]] for row in rows]
            y = [float(row["price"]) for row in rows]
            return X[n_test:], X[:n_test], y[n_test:], y[:n_test]


        def train_model(X_train, y_train):
            if os.environ.get("SPACEFLIGHTS_FAIL"):
                raise RuntimeError("the training cluster is down")
            if os.environ.get("SPACEFLIGHTS_SLOW"):
                time.sleep(60)
            return {"intercept": sum(y_train) / len(y_train), "features": len(X_train[0])}


        def evaluate_model(regressor, X_test, y_test):
            mae = sum(abs(y - regressor["intercept"]) for y in y_test) / len(y_test)
            logging.getLogger(__name__).info("Model has a mean absolute error of %.3f.", mae)
            return {"mae": mae, "n_test": len(y_test), "features": regressor["features"]}
    """,
    "src/spaceflights/pipelines/data_science/pipeline.py": """
        from minikedro.pipeline import Pipeline, node, pipeline

        from .nodes import evaluate_model, split_data, train_model


        def create_pipeline(**kwargs) -> Pipeline:
            pipeline_instance = pipeline([
                node(split_data, ["model_input_table", "params:model_options"],
                     ["X_train", "X_test", "y_train", "y_test"], name="split_data_node"),
                node(train_model, ["X_train", "y_train"], "regressor", name="train_model_node"),
                node(evaluate_model, ["regressor", "X_test", "y_test"], "metrics",
                     name="evaluate_model_node"),
            ])
            ds_pipeline_1 = pipeline(pipe=pipeline_instance, inputs="model_input_table",
                                     namespace="active_modelling_pipeline")
            ds_pipeline_2 = pipeline(pipe=pipeline_instance, inputs="model_input_table",
                                     namespace="candidate_modelling_pipeline")
            return ds_pipeline_1 + ds_pipeline_2
    """,
    # create_pipeline in pipeline.py, nothing in __init__.py
    "src/spaceflights/pipelines/reporting/__init__.py": "",
    "src/spaceflights/pipelines/reporting/pipeline.py": """
        from minikedro.pipeline import Pipeline, node, pipeline


        def describe_model(regressor):
            return regressor


        def create_pipeline(**kwargs) -> Pipeline:
            return pipeline([node(describe_model, "active_modelling_pipeline.regressor",
                                  "model_report", name="describe_model_node")])
    """,
}

ALL_NODES = sorted(
    ["preprocess_companies_node", "preprocess_shuttles_node", "create_model_input_table_node",
     "describe_model_node"]
    + [f"{ns}_modelling_pipeline.{name}_node" for ns in ("active", "candidate")
       for name in ("split_data", "train_model", "evaluate_model")]
)
ACTIVE = [f"active_modelling_pipeline.{name}_node"
          for name in ("evaluate_model", "split_data", "train_model")]


def spaceflights_data():
    companies = ["id,company_rating,company_location,total_fleet_count,iata_approved"]
    shuttles = ["id,engines,passenger_capacity,crew,d_check_complete,moon_clearance_complete,"
                "price,company_id"]
    reviews = ["shuttle_id,review_scores_rating"]
    companies += [f"{i},{50 + i}%,Niue,{i % 4 + 1},{'tf'[i % 2]}" for i in range(1, 11)]
    for i in range(1, 31):
        shuttles.append(f'{100 + i},{i % 3 + 1},{i % 7 + 2},{i % 5 + 1},{"tf"[i % 2]},f,'
                        f'"${1000 + 37 * i * i:,}.0",{i % 10 + 1}')
        reviews.append(f"{100 + i},{80 + i % 20}")
    return {f"data/01_raw/{name}.csv": "\n".join(rows) + "\n"
            for name, rows in (("companies", companies), ("shuttles", shuttles),
                               ("reviews", reviews))}


@pytest.fixture
def spaceflights(tmp_path):
    return write(tmp_path / "spaceflights", {**SPACEFLIGHTS, **spaceflights_data()})


def metrics(project, namespace="active"):
    path = project / f"data/08_reporting/metrics_{namespace}_modelling_pipeline.json"
    return json.loads(path.read_text())


@pytest.mark.parametrize("runner, context", [
    ("SequentialRunner", None), ("ThreadRunner", None),
    ("ParallelRunner", "fork"), ("ParallelRunner", "spawn"),
])
def test_spaceflights_runs_with_every_runner_and_its_hooks_log(spaceflights, runner, context):
    env = {"KEDRO_MP_CONTEXT": context} if context else {}
    stderr = ok(cli("run", "--runner", runner, cwd=spaceflights, env=env))
    assert " - minikedro.framework.session - INFO - minikedro project Spaceflights" in stderr
    assert f"spaceflights.hooks - INFO - before_pipeline_run: 10 nodes, {runner}" in stderr
    assert ran(stderr) == ALL_NODES  # the timing hook, once per node
    # The docs' DataCatalogHooks logs to a logger named after its class, not the package.
    assert " - DataCatalogHooks - INFO - ['companies', 'reviews'," in stderr
    assert stderr.count("Model has a mean absolute error of") == 2
    active, candidate = metrics(spaceflights), metrics(spaceflights, "candidate")
    assert (active["n_test"], active["features"], candidate["features"]) == (6, 8, 4)


def test_spaceflights_filters(spaceflights):
    stderr = ok(cli("run", "--tags", "preprocessing", cwd=spaceflights))
    assert ran(stderr) == ["preprocess_companies_node", "preprocess_shuttles_node"]
    ok(cli("run", "-n", "create_model_input_table_node", cwd=spaceflights))
    stderr = ok(cli("run", "--namespaces", "active_modelling_pipeline", cwd=spaceflights))
    assert ran(stderr) == ACTIVE
    stderr = ok(cli("run", "--from-nodes", "active_modelling_pipeline.split_data_node",
                    cwd=spaceflights))
    assert ran(stderr) == sorted(ACTIVE + ["describe_model_node"])
    stderr = ok(cli("run", "--to-outputs", "candidate_modelling_pipeline.regressor",
                    cwd=spaceflights))
    assert ran(stderr) == ["candidate_modelling_pipeline.split_data_node",
                           "candidate_modelling_pipeline.train_model_node",
                           "create_model_input_table_node", "preprocess_companies_node",
                           "preprocess_shuttles_node"]


def test_spaceflights_namespaced_params_load_versions_and_missing_outputs(spaceflights):
    ok(cli("run", cwd=spaceflights))
    first = json.loads((spaceflights / "data/08_reporting/model_report.json").read_text())
    models = spaceflights / "data/06_models/regressor_active_modelling_pipeline.pickle"
    versions = sorted(os.listdir(models))
    # --params: nested keys of one namespace; a YAML-style list of bare words.
    stderr = ok(cli("run", "-ns", "active_modelling_pipeline", "--params",
                    "active_modelling_pipeline.model_options.test_size=0.5,"
                    "active_modelling_pipeline.model_options.features=[engines,crew]",
                    cwd=spaceflights))
    assert ran(stderr) == ACTIVE
    assert (metrics(spaceflights)["n_test"], metrics(spaceflights)["features"]) == (15, 2)
    # The report of the newest regressor, then of the first one, pinned.
    ok(cli("run", "-p", "reporting", cwd=spaceflights))
    report = json.loads((spaceflights / "data/08_reporting/model_report.json").read_text())
    assert report["features"] == 2
    ok(cli("run", "-p", "reporting", "--load-versions",
           f"active_modelling_pipeline.regressor:{versions[0]}", cwd=spaceflights))
    assert json.loads((spaceflights / "data/08_reporting/model_report.json").read_text()) == first
    # --only-missing-outputs: nothing to do, then only what makes the missing file.
    stderr = ok(cli("run", "--only-missing-outputs", cwd=spaceflights))
    assert ran(stderr) == [] and "Skipping 10 node(s)" in stderr
    (spaceflights / "data/08_reporting/metrics_candidate_modelling_pipeline.json").unlink()
    stderr = ok(cli("run", "--only-missing-outputs", cwd=spaceflights))
    assert ran(stderr) == ["candidate_modelling_pipeline.evaluate_model_node",
                           "candidate_modelling_pipeline.split_data_node"]


# 4. A failing node, and the resume command it prints -----------------------------------------


def test_the_printed_resume_command_works_when_pasted_into_the_shell(spaceflights):
    options = ["-r", "ThreadRunner", "--to-outputs", "active_modelling_pipeline.metrics",
               "--params", "candidate_modelling_pipeline.model_options.random_state=5"]
    failed = cli("run", *options, cwd=spaceflights, env={"SPACEFLIGHTS_FAIL": "1"})
    last = error_line(failed)
    assert last.startswith("error: node 'active_modelling_pipeline.train_model_node' failed: "
                           "RuntimeError: the training cluster is down")
    command = last.split("To resume: ", 1)[1]
    assert ' -m minikedro run --from-nodes "active_modelling_pipeline.split_data_node"' in command
    # The resumed run keeps the runner and the filters: it finishes the same run, no more.
    assert "--to-outputs active_modelling_pipeline.metrics" in command
    resumed = subprocess.run(shlex.split(command), cwd=spaceflights, env=subprocess_env(),
                             capture_output=True, text=True, timeout=TIMEOUT)
    stderr = ok(resumed)
    assert ran(stderr) == ACTIVE
    assert "minikedro.runner.thread_runner - INFO - Completed 3 out of 3 tasks" in stderr


# 5. Ctrl-C -----------------------------------------------------------------------------------


def children_of(pid):
    return [int(entry) for entry in os.listdir("/proc")
            if entry.isdigit() and alive(int(entry)) and _stat(int(entry))[1] == str(pid)]


def _stat(pid):
    try:  # state, parent's pid, ...: the fields after "(command name)"
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return ["X", "0"]


def alive(pid):
    return _stat(pid)[0] not in ("Z", "X")  # a zombie has finished; X: gone


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")
@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_ctrl_c_stops_a_parallel_run_quickly_and_leaves_no_workers(spaceflights, context):
    ok(cli("run", "-p", "data_processing", cwd=spaceflights))
    env = {**subprocess_env(), "SPACEFLIGHTS_SLOW": "1", "KEDRO_MP_CONTEXT": context}
    process = subprocess.Popen(
        [sys.executable, "-m", "minikedro", "run", "-r", "ParallelRunner", "-p", "data_science"],
        cwd=spaceflights, env=env, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(TIMEOUT, process.kill)  # reading stderr has no timeout of its own
    watchdog.start()
    try:
        seen = []
        for line in process.stderr:  # a line per node start: no waiting on the clock
            seen.append(line)
            if "Running node: train_model_node" in line:
                break
        workers = children_of(process.pid)
        assert workers, "".join(seen)
        process.send_signal(signal.SIGINT)
        rest = process.stderr.read()
        code = process.wait(timeout=30)  # the node sleeps 60 s: ending sooner means it was stopped
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
    assert code != 0 and "Completed node: train_model_node" not in rest
    assert rest.strip().splitlines()[-1].startswith("error: interrupted")  # then how to resume
    assert "Traceback" not in rest
    deadline = time.monotonic() + 10  # init reaps them once their parent has gone
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [pid for pid in workers if alive(pid)] == []


# 6. Configuration in TOML, YAML and JSON ---------------------------------------------------

CONFIG_CODE = {
    "pyproject.toml": '[tool.minikedro]\npackage_name = "cfgp"\n',
    "data/01_raw/values.csv": "name,value\na,1\nb,3\nc,6\nd,9\n",
    "src/cfgp/__init__.py": "",
    "src/cfgp/pipeline_registry.py": """
        from minikedro.pipeline import node, pipeline


        def keep(rows, threshold, model):
            kept = [r for r in rows if int(r["value"]) >= threshold]
            return kept, {"kept": len(kept), "threshold": threshold, "model": model}


        def register_pipelines():
            return {"__default__": pipeline([node(
                keep, ["values_csv", "params:threshold", "params:model"], ["scores", "report"],
                name="keep_node")])}
    """,
}
CONFIG = {
    "base/catalog": {
        "{name}_csv": {"type": "CSVDataset", "filepath": "data/01_raw/{name}.csv"},
        "scores": {"type": "SQLiteTableDataset", "table_name": "scores",
                   "credentials": "db_credentials"},
        "report": {"type": "json.JSONDataset", "filepath": "data/08_reporting/report.json"},
    },
    "base/parameters": {"threshold": 2, "model": {"name": "base", "depth": 3}},
    "local/parameters": {"threshold": 5},
    "local/credentials": {"db_credentials": {"con": "sqlite:///data/db.sqlite"}},
}
TOML_CONFIG = {
    "base/catalog": """
        ["{name}_csv"]
        type = "CSVDataset"
        filepath = "data/01_raw/{name}.csv"

        [scores]
        type = "SQLiteTableDataset"
        table_name = "scores"
        credentials = "db_credentials"

        [report]
        type = "json.JSONDataset"
        filepath = "data/08_reporting/report.json"
    """,
    "base/parameters": 'threshold = 2\n\n[model]\nname = "base"\ndepth = 3\n',
    "local/parameters": "threshold = 5\n",
    "local/credentials": '[db_credentials]\ncon = "sqlite:///data/db.sqlite"\n',
}


def yaml_available():
    return importlib.util.find_spec("yaml") is not None  # the subprocesses' Python is this one


@pytest.mark.parametrize("suffix", ["toml", "yml", "json"])
def test_configuration_environments_credentials_and_patterns(tmp_path, suffix):
    if suffix == "yml" and not yaml_available():
        pytest.skip("YAML configuration needs PyYAML")
    if suffix == "toml":
        conf = TOML_CONFIG
    elif suffix == "json":
        conf = {key: json.dumps(value, indent=2) for key, value in CONFIG.items()}
    else:
        import yaml

        conf = {key: yaml.safe_dump(value) for key, value in CONFIG.items()}
    project = write(tmp_path / "project", {
        **CONFIG_CODE, **{f"conf/{key}.{suffix}": text for key, text in conf.items()}})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    ok(cli("run", "--project", str(project), cwd=elsewhere))
    report = json.loads((project / "data/08_reporting/report.json").read_text())
    assert report == {"kept": 2, "threshold": 5, "model": {"name": "base", "depth": 3}}
    # The credentials' relative sqlite:/// URL names a file in the project, as a filepath would.
    assert (project / "data/db.sqlite").is_file() and list(elsewhere.iterdir()) == []
    # Kedro's destructive merge: conf/local has parameter files, so --params model.depth
    # replaces base's whole model table. Kept as Kedro documents it, but said out loud.
    stderr = ok(cli("run", "--params", "model.depth=7", cwd=project))
    assert "WARNING - Runtime parameters replace whole tables" in stderr
    assert "dropped model.name." in stderr
    broken = project / f"conf/local/parameters.{suffix}"
    broken.write_text({"toml": 'threshold = 5\nmodel = {name = "x"\n',
                       "yml": "threshold: 5\n  bad: [\n", "json": '{"threshold": 5,}'}[suffix])
    line = error_line(cli("run", cwd=project))
    assert f"cannot parse {broken}" in line
    assert f"line {1 if suffix == 'json' else 2}" in line


# 7. --config run.toml ----------------------------------------------------------------------


def test_a_run_config_file_and_the_command_line_over_it(spaceflights):
    ok(cli("run", "-p", "data_processing", cwd=spaceflights))
    write(spaceflights, {"run.toml": """
        [run]
        pipeline = "data_science"
        runner = "ThreadRunner"
        namespaces = ["active_modelling_pipeline"]
        params = "active_modelling_pipeline.model_options.test_size=0.5"
    """})
    stderr = ok(cli("run", "--config", "run.toml", cwd=spaceflights))
    assert ran(stderr) == ACTIVE and "thread_runner - INFO - Completed 3 out of 3" in stderr
    assert metrics(spaceflights)["n_test"] == 15
    stderr = ok(cli("run", "--config", "run.toml", "-r", "SequentialRunner", "--params",
                    "active_modelling_pipeline.model_options.test_size=0.2", cwd=spaceflights))
    assert "sequential_runner - INFO - Completed 3 out of 3" in stderr
    assert metrics(spaceflights)["n_test"] == 6
    write(spaceflights, {"bad.toml": '[run]\npipeline = "data_science"\nfrom-nodes = "x"\n'})
    assert "unknown key 'from-nodes' (did you mean 'from_nodes'?)" in error_line(
        cli("run", "-c", "bad.toml", cwd=spaceflights))


# 8. Where the project is found ---------------------------------------------------------------


def test_the_project_is_found_from_a_subfolder_or_given(spaceflights, tmp_path):
    inside = spaceflights / "src/spaceflights/pipelines"
    stderr = ok(cli("run", "-n", "preprocess_companies_node", cwd=inside))
    assert ran(stderr) == ["preprocess_companies_node"]
    assert not (inside / "data").exists()  # the project's data/, not the current folder's
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    ok(cli("run", "--project", str(spaceflights / "src"), "-n", "preprocess_shuttles_node",
           cwd=elsewhere))
    assert list(elsewhere.iterdir()) == []
    line = error_line(cli("run", cwd=elsewhere))
    assert line.startswith(f"error: no minikedro project found in {elsewhere.resolve()}")
    assert "[tool.minikedro] (or Kedro's [tool.kedro]) table" in line
    bare = cli(cwd=elsewhere)
    assert bare.returncode == 0 and bare.stdout.startswith("usage: minikedro")


# 9. A Kedro project's code, before and after "kedro" -> "minikedro" ------------------------------


def test_code_still_importing_kedro_gets_an_error_that_names_the_file_and_the_fix(spaceflights):
    settings = spaceflights / "src/spaceflights/settings.py"
    settings.write_text(settings.read_text().replace("from minikedro.config", "from kedro.config"))
    line = error_line(cli("run", cwd=spaceflights))
    assert f"cannot import the project's settings, spaceflights.settings ({settings})" in line
    assert "No module named 'kedro' (this project runs on minikedro: import from" in line
    settings.write_text(settings.read_text().replace("from kedro.config", "from minikedro.config"))
    pipeline = spaceflights / "src/spaceflights/pipelines/reporting/pipeline.py"
    text = pipeline.read_text()
    pipeline.write_text(text.replace("from minikedro.pipeline", "from kedro.pipeline"))
    result = cli("run", "-p", "reporting", cwd=spaceflights)
    assert "UserWarning: pipeline 'reporting' skipped" in result.stderr
    line = error_line(result)
    assert line.startswith("error: Failed to find the pipeline named 'reporting'")
    assert line.endswith("pipeline 'reporting' skipped: spaceflights.pipelines.reporting: "
                         "ModuleNotFoundError: No module named 'kedro' (this project runs on "
                         "minikedro: import from 'minikedro' where Kedro code imports from 'kedro', "
                         "and from 'minikedro.datasets' for 'kedro_datasets')")
