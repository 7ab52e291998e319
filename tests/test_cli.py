"""The command line end to end: every command, every ``run`` option, every user error.

Most cases call ``main([...])`` in this process (cheap); the few that must see
exactly what a user sees run ``python -m minikedro`` in a subprocess. All share
one project, made once for the module.
"""
from __future__ import annotations

import json
import re
import logging
import os
import shlex
import shutil
import subprocess
import sys
import textwrap

import pytest

import minikedro
from minikedro.cli import main
from minikedro.runner import SequentialRunner
from tests.project_factory import DEMO_FILES, ROOT, make_project, subprocess_env, write_files

PACKAGE = "cli_demo"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli") / "demo"
    runner_source = textwrap.dedent(DEMO_FILES["src/{package}/runner.py"])
    dry_runner = (ROOT / "examples" / "dry_runner.py").read_text()
    make_project(root, PACKAGE, {
        # The seed's DryRunner where the seed puts it: src/<package_name>/runner.py.
        f"src/{PACKAGE}/runner.py": dry_runner + "\n\n" + runner_source,
        "conf/versioned/catalog.toml": """
            [numbers_raw]
            type = "JSONDataset"
            filepath = "data/01_raw/versioned.json"
            versioned = true
        """,
        "data/01_raw/versioned.json/2020-01-01T00.00.00.000Z/versioned.json": "[10]",
        "data/01_raw/versioned.json/2021-01-01T00.00.00.000Z/versioned.json": "[1, 2]",
        "conf/missing/catalog.toml": """
            [numbers_raw]
            type = "JSONDataset"
            filepath = "data/01_raw/absent.json"
        """,
    })
    shutil.copytree(root / "conf", root / "other_conf")
    write_files(root, {"other_conf/base/parameters.toml": "offset = 1\n[model]\ndepth = 0\nname = 'other'\n"})
    return root


def run(project, *args):
    return main(["run", "--project", str(project), *args])


def total(project):
    return json.loads((project / "data/08_reporting/total.json").read_text())


def last_hooks(project, count=1):
    return (project / "data/hooks.log").read_text().splitlines()[-count:]


def run_cli(*args, cwd, timeout=60):
    return subprocess.run([sys.executable, "-m", "minikedro", *args], cwd=cwd, env=subprocess_env(),
                          capture_output=True, text=True, timeout=timeout)


def error_line(capsys):
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# What a user sees: subprocesses ---------------------------------------------------------


def test_run_from_inside_the_project_logs_like_kedro(project):
    result = run_cli("run", cwd=project / "src" / PACKAGE)
    assert result.returncode == 0, result.stderr
    assert " - minikedro.framework.session - INFO - minikedro project demo" in result.stderr
    assert " - INFO - Completed 4 out of 4 tasks" in result.stderr
    assert total(project)["total"] == 30
    assert last_hooks(project) == ["after_pipeline_run SequentialRunner"]


def test_a_failing_node_gives_one_paragraph_ending_with_the_resume_command(project):
    result = run_cli("run", "--pipeline", "failing", cwd=project)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: node 'explode_node' failed: ZeroDivisionError: division by zero")
    # Pasted into a shell it works: "minikedro run" if installed, else "python -m minikedro run".
    assert re.search(r'To resume: (\S+ -m )?minikedro run --from-nodes "explode_node" --pipeline failing$',
                     last), last
    verbose = run_cli("run", "-p", "failing", "--verbose", cwd=project)
    assert verbose.returncode == 1 and "Traceback (most recent call last)" in verbose.stderr


def test_parallel_runner_subclass_with_runner_params(project):
    result = run_cli("run", "-r", f"{PACKAGE}.runner.MyParallelRunner",
                       "--runner-params", "max_workers=2", cwd=project)
    assert result.returncode == 0, result.stderr
    hooks = last_hooks(project, 7)
    assert hooks[0] == "after_catalog_created SharedMemoryDataCatalog 10"
    assert hooks[-1] == "after_pipeline_run MyParallelRunner"
    assert sum(line.startswith("after_node_run") for line in hooks) == 4


def test_the_seeds_dry_runner_logs_through_the_default_logging(project):
    result = run_cli("run", f"--runner={PACKAGE}.runner.DryRunner", cwd=project)
    assert result.returncode == 0, result.stderr
    assert f" - {PACKAGE}.runner - INFO - Actual run would execute 4 nodes:" in result.stderr
    assert "Checking inputs..." in result.stderr


def test_a_logging_config_in_conf_is_honoured(project, tmp_path):
    conf = tmp_path / "conf"
    shutil.copytree(project / "conf", conf)
    (conf / "base/logging.json").write_text(json.dumps({
        "formatters": {"short": {"format": "CUSTOM %(levelname)s %(message)s"}},
        "handlers": {"err": {"class": "logging.StreamHandler", "formatter": "short",
                             "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["err"], "level": "INFO"},
    }))
    result = run_cli("run", "--conf-source", str(conf), cwd=project)
    assert result.returncode == 0, result.stderr
    assert "CUSTOM INFO Completed 4 out of 4 tasks" in result.stderr


def test_no_project_is_an_error(tmp_path):
    result = run_cli("run", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: no minikedro project found in")


# run options ---------------------------------------------------------------------------


def test_pipeline_and_pipelines(project, capsys):
    assert run(project, "-p", "numbers", "-n", "describe_node") == 0
    assert run(project, "--pipelines", "numbers,failing", "-n", "double_node,prepare_node") == 0
    assert last_hooks(project, 2)[0] == "after_node_run prepare_node"
    # The registry reads find_pipelines()["numbers"]: --pipelines must not narrow that
    # (Kedro 1.x does, and this registry would then fail with a KeyError).
    assert run(project, "--pipelines", "failing", "-n", "prepare_node") == 0
    assert run(project, "-p", "numbers", "--pipelines", "failing") == 1
    assert "--pipeline and --pipelines cannot be used together" in error_line(capsys)


@pytest.mark.parametrize("runner", ["SequentialRunner", "ThreadRunner", "ParallelRunner",
                                    "minikedro.runner.ThreadRunner"])
def test_every_built_in_runner(project, runner):
    assert run(project, "-r", runner, "-q") == 0
    assert last_hooks(project) == [f"after_pipeline_run {runner.rsplit('.', 1)[-1]}"]


def test_async_and_custom_runner_params(project, capsys):
    assert run(project, "--async", "-r", f"{PACKAGE}.runner.LoudRunner",
               "--runner-params", "volume=11") == 0
    err = capsys.readouterr().err
    assert f"{PACKAGE}.runner - INFO - LoudRunner at volume 11" in err
    assert "Asynchronous mode is enabled" in err


def test_env_params_and_conf_source(project):
    assert run(project, "-e", "prod") == 0 and total(project)["total"] == 120
    assert run(project, "--params", "offset=5,model.depth=9") == 0
    assert total(project) == {"total": 25, "depth": 9, "name": "base"}
    assert run(project, "--conf-source", str(project / "other_conf")) == 0
    assert total(project) == {"total": 21, "depth": 0, "name": "other"}


@pytest.mark.parametrize(
    "args, ran",
    [
        (["-t", "math"], ["double_node", "total_node"]),
        (["--tags", "math", "--tags", "report"], ["describe_node", "double_node", "total_node"]),
        (["-n", "double_node,total_node"], ["double_node", "total_node"]),
        (["--from-nodes", "double_node"], ["double_node", "total_node"]),
        (["--to-nodes", "double_node"], ["double_node"]),
        (["--from-inputs", "doubled"], None),  # doubled is in memory: a clear error
        (["--to-outputs", "doubled,description"], ["describe_node", "double_node"]),
        (["-ns", "stats"], ["stats.square"]),
        (["--namespaces", "stats", "-n", "stats.square"], ["stats.square"]),
    ],
)
def test_filters(project, capsys, args, ran):
    code = run(project, *args)
    if ran is None:
        assert code == 1 and "'doubled' not found" in error_line(capsys)
        return
    assert code == 0
    lines = (project / "data/hooks.log").read_text().splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith("before_pipeline_run"))
    assert sorted(line.split()[1] for line in lines[start:] if "after_node_run" in line) == ran


def test_load_versions(project):
    assert run(project, "-e", "versioned", "-n", "describe_node") == 0
    assert (project / "data/08_reporting/description.txt").read_text() == "2 numbers"
    assert run(project, "-e", "versioned", "-n", "describe_node",
               "-lv", "numbers_raw:2020-01-01T00.00.00.000Z") == 0
    assert (project / "data/08_reporting/description.txt").read_text() == "1 numbers"


def test_only_missing_outputs(project, capsys):
    assert run(project) == 0
    capsys.readouterr()
    assert run(project, "--only-missing-outputs") == 0
    err = capsys.readouterr().err
    assert "Skipping" in err and "describe_node" in err


def test_quiet_and_verbose(project, capsys):
    assert run(project, "-q") == 0
    assert " - INFO - " not in capsys.readouterr().err
    assert run(project, "-v") == 0
    assert logging.getLogger("minikedro").getEffectiveLevel() == logging.DEBUG
    assert run(project, "-p", "failing", "-v") == 1
    assert "Traceback (most recent call last)" in capsys.readouterr().err


# --config files ---------------------------------------------------------------------------


def test_config_file_toml_and_json_with_the_command_line_winning(project, tmp_path):
    toml = tmp_path / "run.toml"
    toml.write_text('[run]\ntags = "math"\nparams = { offset = 7 }\nrunner = "ThreadRunner"\n')
    assert run(project, "-c", str(toml)) == 0
    assert total(project)["total"] == 27 and last_hooks(project) == ["after_pipeline_run ThreadRunner"]
    assert run(project, "--config", str(toml), "-r", "SequentialRunner", "--params", "model.depth=1") == 0
    assert total(project) == {"total": 27, "depth": 1, "name": "base"}
    assert last_hooks(project) == ["after_pipeline_run SequentialRunner"]
    as_json = tmp_path / "run.json"
    as_json.write_text(json.dumps({"run": {"node_names": ["double_node", "total_node"],
                                           "params": "offset=3", "env": "prod"}}))
    assert run(project, "--config", str(as_json)) == 0 and total(project)["total"] == 23


def test_config_file_yaml_like_the_seed(project, tmp_path):
    pytest.importorskip("yaml")
    config = tmp_path / "config.yml"
    config.write_text("run:\n  tags: math, report\n  pipeline: numbers\n"
                      "  runner: SequentialRunner\n  node_names: double_node, total_node\n  env: prod\n")
    assert run(project, f"--config={config}") == 0 and total(project)["total"] == 120


@pytest.mark.parametrize(
    "text, message",
    [
        ("[run]\nnodes = 'a'\n", r"unknown key 'nodes' \(did you mean 'node_names'\?\).*valid keys: conf_source"),
        ("[other]\nx = 1\n", "has no 'run' table"),
        ("[run]\ntags = \n", r"cannot parse .*run.toml.*line 2"),
        ("[run]\nis_async = 'maybe'\n", "is_async must be true or false"),
    ],
)
def test_bad_config_files(project, tmp_path, capsys, text, message):
    config = tmp_path / "run.toml"
    config.write_text(text)
    assert run(project, "-c", str(config)) == 1
    assert pytest.importorskip("re").search(message, error_line(capsys))


def test_missing_config_file(project, capsys):
    assert run(project, "-c", "nowhere.toml") == 1
    assert "config file nowhere.toml does not exist" in error_line(capsys)


# User errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (["-p", "nope"], "Failed to find the pipeline named 'nope'; registered pipelines: __default__, failing, numbers"),
        (["-n", "nope"], "nope"),
        (["-t", "nope"], "no nodes"),
        (["-t", "math", "-n", "describe_node"], "no nodes"),
        (["-r", "Nope"], "unknown runner 'Nope'; built-in runners: SequentialRunner, ThreadRunner, "
                         "ParallelRunner, or a dotted path"),
        (["-r", "nowhere.Runner"], "unknown runner 'nowhere.Runner': no module 'nowhere'"),
        (["-r", "json.JSONDecoder"], "is not an AbstractRunner subclass"),
        (["--runner-params", "colour=red"], "SequentialRunner does not take colour"),
        (["--params", "offset"], "'offset' is not key=value"),
        (["-lv", "total"], "'total' is not dataset:version"),
        (["-lv", "total:2020"], "'total' is not versioned"),
        (["-e", "nope"], "environment 'nope' not found"),
        (["-e", "missing"], "absent.json"),
        (["--conf-source", "no/such/folder"], "--conf-source no/such/folder is not a folder"),
    ],
)
def test_user_errors_are_one_line_without_traceback(project, capsys, args, message):
    assert run(project, *args) == 1
    assert message in error_line(capsys)


def test_a_cycle_in_the_registry_is_reported(tmp_path, capsys):
    make_project(tmp_path / "cyclic", "cycle_demo", {
        "src/cycle_demo/pipeline_registry.py": """
            from minikedro.pipeline import Pipeline, node

            def register_pipelines():
                return {"__default__": Pipeline([node(len, "a", "b", name="ab"),
                                                 node(len, "b", "a", name="ba")])}
        """,
    })
    assert main(["run", "--project", str(tmp_path / "cyclic")]) == 1
    line = error_line(capsys)
    assert "register_pipelines() in cycle_demo.pipeline_registry failed" in line
    assert "ab" in line and "ba" in line


def test_usage_errors_exit_2(capsys):
    assert main(["run", "--no-such-option"]) == 2
    assert main(["registry"]) == 2
    assert "usage: minikedro" in capsys.readouterr().err
    assert main([]) == 0  # a bare "minikedro" shows the help, as a bare "kedro" does
    assert "usage: minikedro" in capsys.readouterr().out


# Messages a new user found confusing (issue 12, point 4) ------------------------------------


def test_a_misspelled_hook_method_is_named_by_its_class_not_an_object_id(tmp_path, capsys):
    make_project(tmp_path / "typo", "typo_hooks_demo", {"src/typo_hooks_demo/settings.py": """
        from minikedro.framework.hooks import hook_impl

        class ProjectHooks:
            @hook_impl
            def after_node_runn(self, node):
                pass

        HOOKS = (ProjectHooks(),)
    """})
    assert main(["run", "--project", str(tmp_path / "typo")]) == 1
    assert error_line(capsys) == ("error: ProjectHooks.after_node_runn is marked @hook_impl but "
                                  "'after_node_runn' is no hook (did you mean 'after_node_run'?)")


def test_config_given_a_folder_says_it_is_a_folder(project, tmp_path, capsys):
    (tmp_path / "run.toml").write_text('[run]\ntags = "math"\n')
    assert run(project, "--config", str(tmp_path)) == 1
    assert error_line(capsys) == (f"error: config file {tmp_path} is a folder: --config takes a "
                                  f"file with a [run] table; files there: run.toml")


def test_a_tag_no_node_has_is_named_with_the_tags_that_exist(project, capsys):
    assert run(project, "--tags", "nosuchtag") == 1
    assert error_line(capsys) == ("error: no nodes have the tag 'nosuchtag'; the tags in pipeline "
                                  "__default__: math, report")
    assert run(project, "--tags", "math,nosuchtag") == 0  # any of the tags, as in Kedro


def test_runner_params_from_a_run_file_can_be_cleared_or_left_behind(project, tmp_path, capsys):
    config = tmp_path / "run.toml"
    config.write_text(f'[run]\nrunner = "{PACKAGE}.runner.LoudRunner"\nrunner_params = {{ volume = 11 }}\n')
    assert run(project, "-c", str(config)) == 0
    assert "LoudRunner at volume 11" in capsys.readouterr().err
    assert run(project, "-c", str(config), "--runner-params", "") == 0  # "" clears the file's
    assert "LoudRunner at volume 1\n" in capsys.readouterr().err
    # Another runner drops what it does not take, saying so; what the command line gives stays.
    assert run(project, "-c", str(config), "-r", "ThreadRunner") == 0
    assert ("WARNING - --runner ThreadRunner does not take volume: dropped from the --config "
            "file's runner_params") in capsys.readouterr().err
    assert last_hooks(project) == ["after_pipeline_run ThreadRunner"]
    assert run(project, "-c", str(config), "-r", "ThreadRunner", "--runner-params", "volume=2") == 1
    assert "ThreadRunner does not take volume (from --runner-params)" in error_line(capsys)


def test_params_nested_too_deep_name_the_option(project, capsys):
    assert run(project, "--params", "x=" + "[" * 1000 + "]" * 1000) == 1
    assert error_line(capsys) == "error: --params: the value of 'x' has lists nested more than 100 deep"
    assert run(project, "--params", ".".join(["a"] * 1000) + "=1") == 1
    assert error_line(capsys) == "error: --params: the key 'a.a.a.a.a.a.a.a.a.a....' has more than 100 levels"


# The other commands ------------------------------------------------------------------------


def test_version_and_help(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"minikedro, version {minikedro.__version__}"
    for command in (["--help"], ["run", "--help"], ["new", "--help"],
                    ["registry", "describe", "--help"], ["catalog", "list", "--help"]):
        assert main(command) == 0
        assert "example" in capsys.readouterr().out


def test_a_misspelt_command_lists_every_command(capsys):
    # main() builds only the command it is given; an unknown word gets the whole parser.
    assert main(["rn", "--project", "x"]) == 2
    error = capsys.readouterr().err
    assert "invalid choice: 'rn' (choose from" in error
    choices = error.split("choose from", 1)[1]
    for command in ("run", "new", "pipeline", "registry", "catalog", "viz", "runs", "info"):
        assert re.search(rf"\b{command}\b", choices), command
    assert main(["--version", "run"]) == 0


def test_registry_list_and_describe(project, capsys):
    from tests.test_kedro_cli_compat import printed

    assert main(["registry", "list", "--project", str(project)]) == 0
    assert printed(capsys.readouterr().out) == ["__default__", "failing", "numbers"]
    assert main(["registry", "describe", "--project", str(project)]) == 0
    assert printed(capsys.readouterr().out) == {"Nodes": [
        "describe_node (describe)", "double_node (double)", "stats.square (square)", "total_node (total)"]}
    assert main(["registry", "describe", "nope", "--project", str(project)]) == 1
    assert "pipeline 'nope' not found" in error_line(capsys)


def test_catalog_list(project, capsys):
    assert main(["catalog", "list", "--pipeline", "numbers", "--project", str(project)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "numbers:",
        "  minikedro.datasets.files.JSONDataset:",
        "  - numbers_raw",
        "  - total",
        "  minikedro.datasets.files.TextDataset:",
        "  - description",
        "  default (MemoryDataset):",
        "  - doubled",
        "  - stats.y",
        "  parameters:",
        "  - params:model",
        "  - params:offset",
    ]
    assert main(["catalog", "list", "--project", str(project)]) == 0
    assert "failing:" in capsys.readouterr().out


def test_new_scaffolds_a_project_that_runs_at_once(tmp_path, capsys):
    assert main(["new", "Weather Demo", "--directory", str(tmp_path)]) == 0
    created = tmp_path / "weather-demo"
    assert f"Created project 'Weather Demo' in {created}" in capsys.readouterr().out
    result = run_cli("run", cwd=created)
    assert result.returncode == 0, result.stderr
    summary = json.loads((created / "data/08_reporting/summary.json").read_text())
    assert summary["Oslo"] == {"count": 2, "mean": -1.0}
    # The run left its lock folder; the project's .gitignore keeps it out of git.
    assert (created / ".minikedro").is_dir()
    assert ".minikedro/" in (created / ".gitignore").read_text().splitlines()
    assert main(["new", "Weather Demo", "--directory", str(tmp_path)]) == 1
    assert "already exists and is not empty" in error_line(capsys)
    assert main(["new", "42", "--directory", str(tmp_path)]) == 1
    assert "starting with a letter" in error_line(capsys)


def test_pipeline_create_on_a_bare_python_suggests_python_m_minikedro(tmp_path):
    # python -S -m minikedro from the checkout: no minikedro command exists for
    # this Python, so "Next:" must repeat python -m minikedro, and work as pasted.
    from tests.test_project import bare_python, run_from_the_checkout

    python = bare_python("3.9")
    assert run_from_the_checkout(python, "-m", "minikedro", "new", "Bare Pipe", "--example=n",
                                 "--directory", str(tmp_path)).returncode == 0
    created = tmp_path / "bare-pipe"
    result = run_from_the_checkout(python, "-m", "minikedro", "pipeline", "create", "greeting",
                                   "--project", str(created))
    assert result.returncode == 0, result.stderr
    told, command = result.stdout.splitlines()[-2:]
    assert told == "Pipeline 'greeting' created. Next: add nodes to its pipeline.py, then run it:"
    assert command == "  " + shlex.join([python, "-m", "minikedro", "run", "--pipeline", "greeting",
                                         "--project", str(created)])
    write_files(created / "src/bare_pipe/pipelines/greeting", {"pipeline.py": """
        from minikedro.pipeline import Pipeline, node


        def create_pipeline(**kwargs):
            return Pipeline([node(lambda: "hello", None, "greeting", name="greet_node")])
    """})
    result = run_from_the_checkout(python, *shlex.split(command)[1:])
    assert result.returncode == 0, result.stderr
    assert "Completed 1 out of 1 tasks" in result.stderr


def test_the_command_line_imports_lazily(project):
    probe = (
        "import json, sys\nfrom minikedro.cli import main\n"
        "light = sorted(sys.modules)\n"
        f"main(['run', '-q', '--project', {str(project)!r}])\n"
        "print(json.dumps(light))\nprint(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], env=subprocess_env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    at_start, after_run = (set(json.loads(line)) for line in result.stdout.splitlines())
    heavy = {"minikedro.framework.session", "minikedro.io", "minikedro.pipeline",
             "minikedro.runner", "multiprocessing", "inspect", "tomllib", "yaml"}
    assert not heavy & at_start  # --help and usage errors stay fast
    assert "yaml" not in after_run  # a project without YAML files never imports PyYAML


def test_an_input_that_fails_to_load_names_the_node_that_needed_it(project, capsys):
    # The node's function never ran (no on_node_error hook fires), yet the user
    # must still learn which node could not start, and with which dataset.
    assert run(project, "-e", "missing") == 1
    line = error_line(capsys)
    assert line.startswith("error: node '")
    assert "absent.json" in line


# The resume command and the default log filter ----------------------------------------------


def test_the_resume_command_repeats_what_chose_the_nodes(project, capsys):
    assert run(project, "-p", "failing", "--to-nodes", "explode_node", "--from-inputs",
               "numbers_raw", "--to-outputs", "exploded", "--async", "--params", "offset=2") == 1
    line = error_line(capsys)
    hint = line.split("To resume: ", 1)[1]
    assert hint == (f'minikedro run --from-nodes "explode_node" --project {project} '
                    f"--pipeline failing --params offset=2 --to-nodes explode_node "
                    f"--from-inputs numbers_raw --to-outputs exploded --async")


def test_commands_are_suggested_as_the_user_started_minikedro(monkeypatch):
    from minikedro import cli

    python = sys.executable
    monkeypatch.setattr(shutil, "which", lambda name: python if name == os.path.basename(python) else None)
    monkeypatch.setattr(sys, "argv", ["/site/minikedro/__main__.py", "run", "-p", "x"])
    assert cli.command_line("run", "-p", "x y") == f"{os.path.basename(python)} -m minikedro run -p 'x y'"
    # A project's own __main__.py runs "python -m spaceflights [run] OPTIONS".
    monkeypatch.setattr(sys, "argv", ["/proj/src/spaceflights/__main__.py", "-p", "x"])
    assert cli.command_line("run", "-p", "x", package="spaceflights") == (
        f"{os.path.basename(python)} -m spaceflights -p x")
    monkeypatch.setattr(shutil, "which", lambda name: None)  # "python3" is not this python
    assert cli.command_line("run", "-p", "x", package="spaceflights") == shlex.join(
        [python, "-m", "spaceflights", "-p", "x"])
    # main() called in pytest, or a notebook: the minikedro command if there is one.
    monkeypatch.setattr(sys, "argv", ["/venv/lib/pytest/__main__.py"])
    assert cli.command_line("run", package="spaceflights") == shlex.join([python, "-m", "minikedro", "run"])
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/" + name)
    assert cli.command_line("run") == "minikedro run"
    # Even with a minikedro command installed, python -m minikedro is repeated as
    # such: that command may belong to another copy of minikedro.
    monkeypatch.setattr(sys, "argv", ["/site/minikedro/__main__.py", "new", "x"])
    assert cli.command_line("run").endswith(" -m minikedro run")
    monkeypatch.setattr(sys, "argv", ["/usr/bin/minikedro", "run"])  # the console script
    assert cli.command_line("pipeline", "create", "p") == "minikedro pipeline create p"


def test_the_default_log_shows_info_from_minikedro_and_the_projects_code_only(tmp_path):
    from minikedro.cli import _ProjectRecords

    shown = _ProjectRecords()
    shown.names.add("iris")
    shown.folders.append(os.path.join(str(tmp_path / "src"), ""))

    def record(name, level=logging.INFO, path="/usr/lib/python3/site-packages/lib/x.py"):
        return logging.LogRecord(name, level, path, 1, "message", None, None)

    assert shown.filter(record("minikedro.runner.sequential_runner"))
    assert shown.filter(record("iris.pipelines.training.nodes"))
    assert shown.filter(record("DataCatalogHooks", path=str(tmp_path / "src/iris/hooks.py")))
    assert shown.filter(record("root", path=str(tmp_path / "src/iris/nodes.py")))
    assert not shown.filter(record("urllib3.connectionpool"))
    assert not shown.filter(record("root", path=str(tmp_path / "src2/other.py")))
    assert shown.filter(record("urllib3.connectionpool", logging.WARNING))


class InterruptedRunner(SequentialRunner):
    """Stands for a user pressing Ctrl-C during the run."""

    def _run(self, *args, **kwargs):
        raise KeyboardInterrupt


def test_ctrl_c_is_one_line_with_a_traceback_only_when_verbose(project, capsys):
    assert run(project, "-r", "tests.test_cli.InterruptedRunner") == 130
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == "error: interrupted" and "Traceback" not in err
    assert run(project, "-r", "tests.test_cli.InterruptedRunner", "--verbose") == 130
    assert "Traceback (most recent call last)" in capsys.readouterr().err
