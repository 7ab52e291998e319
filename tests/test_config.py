"""minikedro.framework.config: reading conf/ files and merging environments as Kedro does."""
from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from minikedro.framework.config import (
    BadConfigException,
    MissingConfigException,
    OmegaConfigLoader,
    merge_dicts,
    read_config_file,
)
from minikedro.framework.config_files import dump_yaml
from minikedro.framework.cli_commands import find_logging_config


def write(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


# read_config_file ---------------------------------------------------------------


def test_reads_toml_and_json(tmp_path):
    write(tmp_path, {"a.toml": 'x = 1\n[t]\ny = "z"\n', "b.json": '{"x": [1, 2]}'})
    assert read_config_file(tmp_path / "a.toml") == {"x": 1, "t": {"y": "z"}}
    assert read_config_file(tmp_path / "b.json") == {"x": [1, 2]}


def test_reads_yaml_when_pyyaml_is_installed(tmp_path):
    pytest.importorskip("yaml")
    write(tmp_path, {"a.yml": "x: 1\nt:\n  y: z\n", "empty.yaml": ""})
    assert read_config_file(tmp_path / "a.yml") == {"x": 1, "t": {"y": "z"}}
    assert read_config_file(tmp_path / "empty.yaml") == {}


@pytest.mark.parametrize(
    "name, text, where",
    [
        ("bad.toml", "a = 1\nb = \n", "line 2"),
        ("bad.json", '{\n  "a": 1,\n  oops\n}', "line 3, column 3"),
    ],
)
def test_a_parse_error_names_the_file_line_and_column(tmp_path, name, text, where):
    write(tmp_path, {name: text})
    with pytest.raises(BadConfigException, match=rf"cannot parse .*{name}.*{where}"):
        read_config_file(tmp_path / name)


def test_a_yaml_parse_error_names_line_and_column(tmp_path):
    pytest.importorskip("yaml")
    write(tmp_path, {"bad.yml": "a: 1\nb: [unclosed\n"})
    with pytest.raises(BadConfigException, match=r"bad\.yml.*\(at line \d+, column \d+\)"):
        read_config_file(tmp_path / "bad.yml")


def test_without_pyyaml_a_yaml_file_names_both_fixes(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "yaml", None)  # makes "import yaml" fail
    write(tmp_path, {"catalog.yml": "a: 1\n"})
    with pytest.raises(BadConfigException, match=r"install PyYAML .*or convert .*catalog\.yml to TOML/JSON"):
        read_config_file(tmp_path / "catalog.yml")


def test_without_a_toml_library_the_error_names_tomli_and_json(tmp_path, monkeypatch):
    for name in ("tomllib", "tomli"):  # as on a bare Python 3.9/3.10
        monkeypatch.setitem(sys.modules, name, None)
    write(tmp_path, {"catalog.toml": "a = 1\n"})
    with pytest.raises(BadConfigException, match=r"pip install tomli.*catalog\.json"):
        read_config_file(tmp_path / "catalog.toml")


def test_the_top_level_must_be_a_table(tmp_path):
    write(tmp_path, {"list.json": "[1, 2]"})
    with pytest.raises(BadConfigException, match="expected a table .* got list"):
        read_config_file(tmp_path / "list.json")


def test_an_unknown_suffix_is_refused(tmp_path):
    write(tmp_path, {"a.ini": "[x]"})
    with pytest.raises(BadConfigException, match=r"unknown format '\.ini'"):
        read_config_file(tmp_path / "a.ini")


YAML_CASES = [  # what the registry and catalog commands print
    {"p": {"datasets": {"a.B": ["x", "y#csv"]}, "factories": {}, "defaults": {"m.M": ["z"]}}},
    ["{name}_data", "out-{dataset_name}", "{default}", "yes", "1.5", "2011-11-11", "x: y", "-a",
     "null", "", " padded", "a #b", "10:30", "params:x", "a,b", True, None, 3, 0.5, []],
    {"nested": {"l": [1, {"k": "v", "j": [1, 2]}, [3, [4]]], "empty": {}, "n": 3}},
]


@pytest.mark.parametrize("value", YAML_CASES)
def test_dump_yaml_is_yaml_safe_dump_when_pyyaml_is_installed(value):
    yaml = pytest.importorskip("yaml")
    assert dump_yaml(value) == yaml.safe_dump(value)


@pytest.mark.parametrize("value", YAML_CASES)
def test_without_pyyaml_dump_yaml_writes_json_which_yaml_reads_too(monkeypatch, value):
    import json

    monkeypatch.setitem(sys.modules, "yaml", None)
    text = dump_yaml(value)
    assert text == json.dumps(value, indent=2, sort_keys=True) + "\n"
    assert json.loads(text) == value


def test_merge_dicts_recurses_and_copies():
    base = {"a": {"b": 1, "c": 2}, "d": 1}
    merged = merge_dicts(base, {"a": {"b": 9}, "e": 5})
    assert merged == {"a": {"b": 9, "c": 2}, "d": 1, "e": 5}
    assert base == {"a": {"b": 1, "c": 2}, "d": 1}


# OmegaConfigLoader ----------------------------------------------------------------


@pytest.fixture
def conf(tmp_path):
    return write(tmp_path / "conf", {
        "base/catalog.toml": """
            [cars]
            type = "CSVDataset"
            filepath = "data/cars.csv"
            load_args = { delimiter = ";" }

            [boats]
            type = "JSONDataset"
            filepath = "data/boats.json"
        """,
        "base/catalog/extra.json": '{"planes": {"type": "MemoryDataset"}}',
        "base/pipelines/ds/catalog_ds.toml": '[trains]\ntype = "MemoryDataset"\n',
        "base/parameters.toml": """
            seed = 1
            [model]
            depth = 3
            rate = 0.1
        """,
        "base/parameters_extra.json": '{"extra": true}',
        "base/.hidden/catalog.toml": '[hidden]\ntype = "MemoryDataset"\n',
        "base/.catalog_secret.toml": '[secret]\ntype = "MemoryDataset"\n',
        "base/notes.toml": 'catalog = "not a catalog file"\n',
        "local/catalog.toml": '[cars]\ntype = "CSVDataset"\nfilepath = "data/local_cars.csv"\n',
        "local/parameters.toml": "[model]\ndepth = 5\n",
        "prod/parameters.toml": "seed = 99\n",
    })


def test_catalog_files_are_found_by_kedros_patterns(conf):
    catalog = OmegaConfigLoader(conf)["catalog"]
    assert sorted(catalog) == ["boats", "cars", "planes", "trains"]


def test_the_run_environment_overrides_base_per_top_level_key(conf):
    loader = OmegaConfigLoader(conf)  # env defaults to "local"
    assert loader.env == "local"
    # The whole "cars" entry is replaced: its load_args are gone, as in Kedro.
    assert loader["catalog"]["cars"] == {"type": "CSVDataset", "filepath": "data/local_cars.csv"}
    # Parameters too: Kedro's default merge is "destructive", not nested.
    assert loader["parameters"] == {"seed": 1, "model": {"depth": 5}, "extra": True}


def test_soft_merge_strategy_merges_nested_keys(conf):
    loader = OmegaConfigLoader(conf, merge_strategy={"parameters": "soft"})
    assert loader["parameters"]["model"] == {"depth": 5, "rate": 0.1}


def test_an_unknown_merge_strategy_is_refused(conf):
    with pytest.raises(BadConfigException, match="valid strategies: destructive, soft"):
        OmegaConfigLoader(conf, merge_strategy={"parameters": "deep"})


def test_another_environment_and_base_only(conf):
    assert OmegaConfigLoader(conf, env="prod")["parameters"]["seed"] == 99
    assert OmegaConfigLoader(conf, env="base")["parameters"]["model"]["depth"] == 3


def test_a_missing_default_environment_is_fine(conf):
    loader = OmegaConfigLoader(conf, default_run_env="staging")
    assert loader["parameters"]["model"]["depth"] == 3


def test_a_missing_explicit_environment_is_an_error_listing_the_others(conf):
    with pytest.raises(MissingConfigException, match=r"environment 'qa' not found.*base, local, prod"):
        OmegaConfigLoader(conf, env="qa")


def test_a_missing_conf_source_is_an_error(tmp_path):
    with pytest.raises(MissingConfigException, match="configuration folder .*nowhere does not exist"):
        OmegaConfigLoader(tmp_path / "nowhere")


def test_keys_without_files_are_empty_and_unknown_keys_raise(conf):
    loader = OmegaConfigLoader(conf)
    assert loader["credentials"] == {}
    assert set(loader) == {"catalog", "parameters", "credentials", "globals", "logging"}
    with pytest.raises(KeyError):
        loader["spark"]


def test_extra_config_patterns_add_keys(conf):
    write(conf, {"base/spark.toml": "[spark]\nmaster = 'local'\n"})
    loader = OmegaConfigLoader(conf, config_patterns={"spark": ["spark*"]})
    assert loader["spark"] == {"spark": {"master": "local"}}


def test_duplicate_keys_in_one_environment_name_both_files(conf):
    write(conf, {"base/catalog_more.toml": '[boats]\ntype = "MemoryDataset"\n'})
    with pytest.raises(BadConfigException) as info:
        OmegaConfigLoader(conf)["catalog"]
    message = str(info.value)
    assert "duplicate catalog keys" in message and "boats" in message
    assert "catalog.toml" in message and "catalog_more.toml" in message


def test_underscore_entries_are_dropped_from_the_catalog(conf):
    write(conf, {"local/catalog_anchors.json": '{"_defaults": {"type": "CSVDataset"}}'})
    assert "_defaults" not in OmegaConfigLoader(conf)["catalog"]


def test_a_bad_file_in_conf_names_the_file(conf):
    write(conf, {"local/parameters_broken.toml": "x = [1,\n"})
    with pytest.raises(BadConfigException, match="parameters_broken.toml"):
        OmegaConfigLoader(conf)["parameters"]


def test_the_loader_is_lazy_and_caches(conf):
    loader = OmegaConfigLoader(conf)
    write(conf, {"base/parameters_broken.toml": "x = \n"})  # catalog does not read it
    assert "cars" in loader["catalog"]
    assert loader["catalog"] is loader["catalog"]
    assert "OmegaConfigLoader(" in repr(loader)


# find_logging_config ------------------------------------------------------------------


def test_logging_config_comes_from_the_environments_by_default(conf, monkeypatch):
    monkeypatch.delenv("MINIKEDRO_LOGGING_CONFIG", raising=False)
    monkeypatch.delenv("KEDRO_LOGGING_CONFIG", raising=False)
    assert find_logging_config(conf, OmegaConfigLoader(conf)) == ({}, "")
    write(conf, {"local/logging.json": '{"root": {"level": "INFO"}}'})
    config, origin = find_logging_config(conf, OmegaConfigLoader(conf))
    assert config == {"root": {"level": "INFO"}} and "logging files" in origin


def test_logging_config_at_the_conf_root_or_named_by_the_environment(conf, monkeypatch):
    monkeypatch.delenv("MINIKEDRO_LOGGING_CONFIG", raising=False)
    write(conf, {"logging.toml": "version = 1\n", "elsewhere/log.json": '{"version": 1, "x": 1}'})
    assert find_logging_config(conf, {}) == ({"version": 1}, str(conf / "logging.toml"))
    monkeypatch.setenv("KEDRO_LOGGING_CONFIG", str(conf / "elsewhere/log.json"))
    assert find_logging_config(conf, {})[0] == {"version": 1, "x": 1}
    monkeypatch.setenv("MINIKEDRO_LOGGING_CONFIG", str(conf / "missing.yml"))
    with pytest.raises(MissingConfigException, match=r"\$MINIKEDRO_LOGGING_CONFIG names .*missing.yml"):
        find_logging_config(conf, {})


# Interpolation, runtime parameters, archives (Kedro's "Advanced configuration") --------------


def test_parameter_files_may_share_a_table_but_not_a_key(conf):
    write(conf, {"base/parameters_model.toml": "[model]\nepochs = 10\n"})
    loader = OmegaConfigLoader(conf, env="base")
    assert loader["parameters"]["model"] == {"depth": 3, "rate": 0.1, "epochs": 10}
    write(conf, {"base/parameters_clash.toml": "[model]\ndepth = 4\n"})
    with pytest.raises(BadConfigException, match=r"duplicate parameters keys .*: model\.depth"):
        OmegaConfigLoader(conf, env="base")["parameters"]


def test_runtime_params_merge_into_each_environment_with_parameter_files(conf):
    runtime = {"model": {"depth": 9}, "seed": 5}
    # local has parameter files: its runtime-merged "model" replaces base's whole table
    assert OmegaConfigLoader(conf, runtime_params=runtime)["parameters"]["model"] == {"depth": 9}
    soft = OmegaConfigLoader(conf, runtime_params=runtime, merge_strategy={"parameters": "soft"})
    assert soft["parameters"]["model"] == {"depth": 9, "rate": 0.1}
    base_only = OmegaConfigLoader(conf, env="base", runtime_params=runtime)["parameters"]
    assert base_only["model"] == {"depth": 9, "rate": 0.1} and base_only["seed"] == 5


def test_a_warning_names_the_parameters_that_runtime_params_drop(conf, caplog):
    # prod's parameter files define only "seed": base's model.rate is lost to --params alone.
    OmegaConfigLoader(conf, env="prod", runtime_params={"model": {"depth": 9}})["parameters"]
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 1 and messages[0].endswith(
        "because the 'prod' environment has parameter files (Kedro's destructive merge): "
        "dropped model.rate. Give every key of the table in --params, or set "
        'CONFIG_LOADER_ARGS = {"merge_strategy": {"parameters": "soft"}} in settings.py '
        "to keep them.")
    caplog.clear()  # nothing lost: every key given, or the environment defines the table itself
    OmegaConfigLoader(conf, env="prod", runtime_params={"model": {"depth": 9, "rate": 1}})["parameters"]
    OmegaConfigLoader(conf, env="local", runtime_params={"model": {"depth": 9}})["parameters"]
    assert caplog.records == []


def test_interpolation_of_keys_globals_runtime_params_and_custom_resolvers(conf, monkeypatch):
    write(conf, {
        "base/globals.json": '{"root": "data", "epochs": 10}',
        "local/globals.json": '{"root": "local_data"}',
        "base/catalog_x.toml": """
            _folder = "${globals:root}/01_raw"
            [x]
            type = "CSVDataset"
            filepath = "${_folder}/${runtime_params:name, x}.csv"
            sep = "\\\\${not interpolated}"
        """,
        "local/parameters_x.toml": """
            epochs = "${globals:epochs}"
            total = "${add:${globals:epochs}, 5}"
            missing = "${globals:nope, 42}"
            today = "${today:}"
        """,
    })
    resolvers = {"add": lambda *xs: sum(xs), "today": lambda: "2024-01-31"}
    loader = OmegaConfigLoader(conf, runtime_params={"name": "cars"}, custom_resolvers=resolvers)
    assert loader["catalog"]["x"] == {"type": "CSVDataset", "filepath": "local_data/01_raw/cars.csv",
                                      "sep": "${not interpolated}"}
    parameters = loader["parameters"]
    assert (parameters["epochs"], parameters["total"], parameters["missing"]) == (10, 15, 42)
    assert parameters["today"] == "2024-01-31"
    assert "_folder" not in loader["catalog"]


@pytest.mark.parametrize("text, message", [
    ('a = "${b}"\n', r"a refers to \$\{b\}, which is not defined"),
    ('a = "${b}"\nb = "${a}"\n', r"interpolation cycle (a -> b -> a|b -> a -> b)"),
    ('a = "${nope:1}"\n', r"unknown resolver 'nope'"),
    ('a = "${globals:nope}"\n', r"globals key 'nope' not found and no default value provided"),
    ('a = "${runtime_params:nope}"\n', r"runtime parameter key 'nope' not found"),
    ('a = "${b"\n', r"unclosed"),
])
def test_interpolation_errors_name_the_key(conf, text, message):
    write(conf, {"local/parameters_bad.toml": text})
    with pytest.raises(BadConfigException, match=message):
        OmegaConfigLoader(conf)["parameters"]


def test_a_zip_or_tar_archive_of_conf_is_read_like_the_folder(conf, tmp_path):
    import shutil

    flat = shutil.make_archive(str(tmp_path / "flat"), "zip", conf)  # base/ at the top
    nested = shutil.make_archive(str(tmp_path / "nested"), "gztar", conf.parent, "conf")
    for archive in (flat, nested):
        loader = OmegaConfigLoader(archive)
        assert loader["parameters"]["model"] == {"depth": 5}
        assert loader.conf_source.is_dir()


def test_a_custom_abstract_config_loader(tmp_path):
    from minikedro.config import AbstractConfigLoader

    class DictLoader(AbstractConfigLoader):
        def __getitem__(self, key):
            return {"parameters": {"x": 1}}.get(key, {})

    loader = DictLoader(str(tmp_path), env="local", runtime_params={"y": 2})
    assert (loader["parameters"], loader.env, loader.runtime_params) == ({"x": 1}, "local", {"y": 2})
    assert loader.get("catalog") == {}
