"""Tests for minikedro.io.catalog_config: from_config parsing, types, credentials, patterns."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from minikedro.datasets import CSVDataset, JSONDataset, PickleDataset, SQLiteTableDataset, TextDataset
from minikedro.io import (
    DataCatalog,
    DatasetError,
    DatasetNotFoundError,
    MemoryDataset,
    SharedMemoryDataCatalog,
    SharedMemoryDataset,
    Version,
)
from minikedro.io.catalog_config import BUILTIN_TYPES, CatalogConfig, DatasetPattern


@pytest.fixture
def user_module(tmp_path: Path, monkeypatch) -> str:
    """An importable module ``userdatasets`` holding a custom dataset class."""
    (tmp_path / "userdatasets.py").write_text(textwrap.dedent('''
        from minikedro.io import AbstractDataset

        class GreetingDataset(AbstractDataset):
            def __init__(self, greeting, credentials=None, options=None):
                self.greeting = greeting
                self.credentials = credentials
                self.options = options

            def load(self):
                return self.greeting

            def save(self, data):
                self.greeting = data

            def _describe(self):
                return {"greeting": self.greeting}

        class NotADataset:
            pass
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "userdatasets"
    sys.modules.pop("userdatasets", None)


# -- types ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "type_name, expected",
    [
        ("MemoryDataset", MemoryDataset),
        ("SharedMemoryDataset", SharedMemoryDataset),
        ("PickleDataset", PickleDataset),
        ("pickle.PickleDataset", PickleDataset),
        ("json.JSONDataset", JSONDataset),
        ("text.TextDataset", TextDataset),
        ("CSVDataset", CSVDataset),
        ("SQLiteTableDataset", SQLiteTableDataset),
        ("minikedro.datasets.JSONDataset", JSONDataset),
        ("minikedro.io.MemoryDataset", MemoryDataset),
    ],
)
def test_type_names_resolve(type_name: str, expected: type, tmp_path: Path):
    arguments: dict[str, Any] = {}
    if expected not in (MemoryDataset, SharedMemoryDataset):
        arguments["filepath"] = str(tmp_path / "x")
    if expected is SQLiteTableDataset:
        arguments["table_name"] = "t"
    catalog = DataCatalog.from_config({"x": {"type": type_name, **arguments}})
    assert type(catalog["x"]) is expected


def test_every_builtin_type_imports():
    required = {"SQLiteTableDataset": {"table_name": "t"}, "SQLiteQueryDataset": {"sql": "s"}}
    entries = {
        name: {"type": name, "filepath": "f", **required.get(name, {})}
        for name in BUILTIN_TYPES if "Memory" not in name
    }
    entries["CachedDataset"] = {"type": "CachedDataset", "dataset": {"type": "MemoryDataset"}}
    config = CatalogConfig(entries)
    assert {entry.dataset_type.__name__ for entry in config.entries.values()} == set(BUILTIN_TYPES) - {
        "MemoryDataset", "SharedMemoryDataset"}


def test_a_dotted_import_path_finds_a_custom_dataset(user_module: str):
    catalog = DataCatalog.from_config({"hi": {"type": f"{user_module}.GreetingDataset", "greeting": "hello"}})
    assert catalog.load("hi") == "hello"


def test_a_class_object_is_accepted_as_type():
    assert isinstance(DataCatalog.from_config({"m": {"type": MemoryDataset}})["m"], MemoryDataset)


def test_kedro_pandas_csv_is_not_ours_and_the_error_lists_the_builtins():
    with pytest.raises(DatasetError) as info:
        DataCatalog.from_config({"cars": {"type": "pandas.CSVDataset", "filepath": "cars.csv"}})
    message = str(info.value)
    assert message.startswith("Catalog entry 'cars', key 'type': unknown dataset type 'pandas.CSVDataset'")
    assert "Use a built-in type (CSVDataset, CachedDataset, JSONDataset, MemoryDataset, " in message
    assert "a kedro-datasets name (json.JSONDataset, pickle.PickleDataset, text.TextDataset)" in message
    assert "or the dotted import path of an AbstractDataset subclass" in message


def test_an_unknown_plain_name_is_refused():
    with pytest.raises(DatasetError, match=r"^Catalog entry 'x', key 'type': unknown dataset type 'FancyDataset' \(not a built-in type\)"):
        DataCatalog.from_config({"x": {"type": "FancyDataset"}})


def test_a_missing_class_in_a_real_module_is_refused(user_module: str):
    with pytest.raises(DatasetError, match=r"key 'type': unknown dataset type 'userdatasets.Missing' \(module 'userdatasets' has no attribute 'Missing'\)"):
        DataCatalog.from_config({"x": {"type": f"{user_module}.Missing"}})


def test_a_class_that_is_not_a_dataset_is_refused(user_module: str):
    with pytest.raises(DatasetError, match=r"key 'type': 'userdatasets.NotADataset' is not an AbstractDataset subclass"):
        DataCatalog.from_config({"x": {"type": f"{user_module}.NotADataset"}})


def test_a_non_string_type_is_refused():
    with pytest.raises(DatasetError, match=r"key 'type': expected a class name, got int"):
        DataCatalog.from_config({"x": {"type": 3}})


# -- entry checks -------------------------------------------------------------------


def test_a_missing_type_is_refused():
    with pytest.raises(DatasetError, match=r"^Catalog entry 'cars', key 'type': missing; every entry needs a dataset type"):
        DataCatalog.from_config({"cars": {"filepath": "cars.csv"}})


def test_a_non_mapping_entry_is_refused_with_the_underscore_hint():
    with pytest.raises(DatasetError, match=r"^Catalog entry 'base': expected a mapping of dataset arguments, got str\. Prefix the name with '_'"):
        DataCatalog.from_config({"base": "data/01_raw"})


def test_a_missing_required_argument_is_named():
    with pytest.raises(DatasetError, match=r"^Catalog entry 'model', key 'filepath': missing; PickleDataset requires it$"):
        DataCatalog.from_config({"model": {"type": "PickleDataset"}})


def test_an_unknown_argument_is_named_with_the_valid_ones():
    with pytest.raises(DatasetError, match=r"^Catalog entry 'model', key 'fs_args': PickleDataset does not take this argument; it takes: filepath, load_args, metadata, save_args$"):
        DataCatalog.from_config({"model": {"type": "PickleDataset", "filepath": "m.pkl", "fs_args": {}}})


def test_versioned_must_be_a_boolean_on_a_versionable_type():
    with pytest.raises(DatasetError, match=r"key 'versioned': expected true or false, got 'yes'"):
        DataCatalog.from_config({"m": {"type": "PickleDataset", "filepath": "m.pkl", "versioned": "yes"}})
    with pytest.raises(DatasetError, match=r"^Catalog entry 'm', key 'versioned': MemoryDataset does not support versioning$"):
        DataCatalog.from_config({"m": {"type": "MemoryDataset", "versioned": True}})


def test_version_is_a_reserved_key():
    with pytest.raises(DatasetError, match=r"key 'version': reserved; set 'versioned: true' and pass load_versions instead"):
        DataCatalog.from_config({"m": {"type": "PickleDataset", "filepath": "m.pkl", "version": "x"}})


def test_a_constructor_error_names_the_entry_at_from_config_time():
    with pytest.raises(DatasetError, match=r"^Catalog entry 'scores': SQLiteTableDataset could not be created: save_args 'mode' must be 'replace' or 'append', got 'merge'$"):
        DataCatalog.from_config({"scores": {"type": "SQLiteTableDataset", "table_name": "s", "filepath": "d.db", "save_args": {"mode": "merge"}}})


# A typo inside load_args/save_args is refused when the catalog is built, not after a node ran.
@pytest.mark.parametrize("entry, problem", [
    ({"type": "json.JSONDataset", "filepath": "data/report.json", "save_args": {"indnt": 2}},
     r"key 'save_args': JSONDataset does not take 'indnt' \(did you mean 'indent'\?\); its save_args "
     r"take: allow_nan, check_circular, cls, default, encoding, ensure_ascii, errors, indent, newline, "
     r"separators, skipkeys, sort_keys$"),
    ({"type": "JSONDataset", "filepath": "r.json", "load_args": {"object_hok": None}},
     r"key 'load_args': JSONDataset does not take 'object_hok' \(did you mean 'object_hook'\?\)"),
    ({"type": "pickle.PickleDataset", "filepath": "data/model.pkl", "save_args": {"protocl": 5}},
     r"key 'save_args': PickleDataset does not take 'protocl' \(did you mean 'protocol'\?\); its save_args "
     r"take: buffer_callback, fix_imports, protocol$"),
    ({"type": "PickleDataset", "filepath": "m.pkl", "load_args": {"fix_import": True}},
     r"key 'load_args': PickleDataset does not take 'fix_import' \(did you mean 'fix_imports'\?\)"),
    ({"type": "CSVDataset", "filepath": "data/cars.csv", "load_args": {"delimeter": ";"}},
     r"key 'load_args': CSVDataset does not take 'delimeter' \(did you mean 'delimiter'\?\)"),
    ({"type": "CSVDataset", "filepath": "data/cars.csv", "save_args": {"extraaction": "ignore"}},
     r"key 'save_args': CSVDataset does not take 'extraaction' \(did you mean 'extrasaction'\?\)"),
    ({"type": "text.TextDataset", "filepath": "notes.txt", "load_args": {"newlines": ""}},
     r"key 'load_args': TextDataset does not take 'newlines' \(did you mean 'newline'\?\); its load_args "
     r"take: encoding, errors, newline$"),
    ({"type": "TextDataset", "filepath": "notes.txt", "save_args": {"encodng": "latin-1"}},
     r"key 'save_args': TextDataset does not take 'encodng' \(did you mean 'encoding'\?\); its save_args "
     r"take: encoding, errors, mode, newline$"),
    ({"type": "SQLiteTableDataset", "table_name": "scores", "filepath": "d.db", "save_args": {"if_exist": "append"}},
     r"key 'save_args': save_args takes only 'mode' \(or pandas' 'if_exists'\), got 'if_exist'$"),
    ({"type": "SQLiteQueryDataset", "sql": "SELECT 1", "filepath": "d.db", "load_args": {"param": [1]}},
     r"key 'load_args': load_args takes only 'params', got 'param'$"),
])
def test_a_typo_in_load_or_save_args_is_named_when_the_catalog_is_built(entry, problem):
    with pytest.raises(DatasetError, match=rf"^Catalog entry 'entry', {problem}"):
        DataCatalog.from_config({"entry": entry})


def test_a_typo_in_a_dataset_factory_s_save_args_is_named_before_any_dataset_is_made():
    with pytest.raises(DatasetError, match=r"^Catalog entry '\{name\}_json', key 'save_args': JSONDataset "
                                           r"does not take 'indnt' \(did you mean 'indent'\?\)"):
        DataCatalog.from_config({"{name}_json": {"type": "JSONDataset", "filepath": "data/{name}.json",
                                                 "save_args": {"indnt": 2}}})


def test_every_bad_entry_is_reported_at_once_sorted():
    with pytest.raises(DatasetError) as info:
        DataCatalog.from_config({
            "zebra": {"type": "Nope"},
            "apple": {"filepath": "a"},
            "fine": {"type": "MemoryDataset"},
            "{x}_bad": {"type": "PickleDataset"},
        })
    lines = str(info.value).splitlines()
    assert lines[0] == "3 catalog entries are invalid:"
    assert lines[1].startswith("- Catalog entry 'apple', key 'type': missing")
    assert lines[2].startswith("- Catalog entry 'zebra', key 'type': unknown dataset type 'Nope'")
    assert lines[3] == "- Catalog entry '{x}_bad', key 'filepath': missing; PickleDataset requires it"


def test_keys_starting_with_underscore_are_ignored():
    catalog = DataCatalog.from_config({"_template": {"anything": 1}, "_path": "data/", "m": {"type": "MemoryDataset"}})
    assert catalog.keys() == ["m"]


def test_catalog_config_must_be_a_mapping():
    with pytest.raises(TypeError, match=r"catalog_config must be a mapping, got list"):
        DataCatalog.from_config([{"type": "MemoryDataset"}])  # type: ignore[arg-type]


def test_an_empty_or_missing_config_gives_an_empty_catalog():
    assert len(DataCatalog.from_config(None)) == 0
    assert len(DataCatalog.from_config({})) == 0


# -- credentials ----------------------------------------------------------------------


def test_credentials_are_resolved_by_name_at_any_depth(user_module: str):
    config = {
        "top": {"type": f"{user_module}.GreetingDataset", "greeting": "x", "credentials": "db"},
        "nested": {"type": f"{user_module}.GreetingDataset", "greeting": "x", "options": {"credentials": "api"}},
        "inline": {"type": f"{user_module}.GreetingDataset", "greeting": "x", "credentials": {"user": "me"}},
    }
    credentials = {"db": {"user": "ada", "password": "s3cret"}, "api": {"token": "t"}}
    catalog = DataCatalog.from_config(config, credentials)
    assert catalog["top"].credentials == {"user": "ada", "password": "s3cret"}
    assert catalog["nested"].options == {"credentials": {"token": "t"}}
    assert catalog["inline"].credentials == {"user": "me"}


def test_unknown_credentials_name_the_entry_and_the_key(user_module: str):
    config = {"top": {"type": f"{user_module}.GreetingDataset", "greeting": "x", "credentials": "prod"}}
    with pytest.raises(DatasetError, match=r"^Catalog entry 'top', key 'credentials': no credentials named 'prod' \(known credentials: db, dev\)$"):
        DataCatalog.from_config(config, {"dev": {}, "db": {}})
    with pytest.raises(DatasetError, match=r"\(known credentials: none\)"):
        DataCatalog.from_config(config)


def test_credentials_in_a_pattern_may_use_placeholders(user_module: str):
    config = {"{env}_greeting": {"type": f"{user_module}.GreetingDataset", "greeting": "hi", "credentials": "{env}_db"}}
    catalog = DataCatalog.from_config(config, {"prod_db": {"user": "p"}})
    assert catalog["prod_greeting"].credentials == {"user": "p"}
    with pytest.raises(DatasetError, match=r"^Catalog entry '\{env\}_greeting', key 'credentials': no credentials named 'dev_db' .* \(resolving dataset 'dev_greeting'\)$"):
        catalog["dev_greeting"]


def test_plain_credentials_in_a_pattern_are_checked_at_from_config_time(user_module: str):
    config = {"{name}_g": {"type": f"{user_module}.GreetingDataset", "greeting": "hi", "credentials": "nope"}}
    with pytest.raises(DatasetError, match=r"^Catalog entry '\{name\}_g', key 'credentials': no credentials named 'nope'"):
        DataCatalog.from_config(config)


# -- versions ----------------------------------------------------------------------------


def test_versioned_entries_get_the_catalog_versions(tmp_path: Path):
    config = {"m": {"type": "PickleDataset", "filepath": str(tmp_path / "m.pkl"), "versioned": True}}
    catalog = DataCatalog.from_config(config, save_version="2024-01-01T00.00.00.000Z")
    assert catalog["m"]._version == Version(None, "2024-01-01T00.00.00.000Z")
    catalog.save("m", 1)
    pinned = DataCatalog.from_config(config, load_versions={"m": "2024-01-01T00.00.00.000Z"})
    assert pinned["m"]._version.load == "2024-01-01T00.00.00.000Z"
    assert pinned.load("m") == 1


def test_from_config_generates_one_save_version_for_all_datasets(tmp_path: Path):
    config = {name: {"type": "TextDataset", "filepath": str(tmp_path / name), "versioned": True} for name in "ab"}
    catalog = DataCatalog.from_config(config)
    assert catalog["a"]._version.save == catalog["b"]._version.save is not None


def test_load_versions_for_unknown_or_unversioned_datasets_are_refused(tmp_path: Path):
    config = {
        "plain": {"type": "PickleDataset", "filepath": str(tmp_path / "p.pkl")},
        "{name}_v": {"type": "PickleDataset", "filepath": str(tmp_path / "{name}.pkl"), "versioned": True},
        "{name}_u": {"type": "PickleDataset", "filepath": str(tmp_path / "{name}.pkl")},
    }
    assert DataCatalog.from_config(config, load_versions={"a_v": "2024"})["a_v"]._version.load == "2024"
    with pytest.raises(DatasetNotFoundError, match=r"^'load_versions' keys \[ghost\] are not found in the catalog; load_versions cannot be applied: 'plain' is not versioned \(set 'versioned: true' on its entry\); 'x_u' is not versioned"):
        DataCatalog.from_config(config, load_versions={"plain": "v", "ghost": "v", "x_u": "v"})


# -- patterns ----------------------------------------------------------------------------


def test_a_pattern_resolves_on_first_use_with_placeholders_filled_everywhere(tmp_path: Path):
    config = {
        "{name}_csv": {
            "type": "CSVDataset",
            "filepath": str(tmp_path / "{name}.csv"),
            "load_args": {"fieldnames": ["{name}_id", "value"], "delimiter": ","},
            "metadata": {"tags": ["{name}", ("{name}", 1)]},
        }
    }
    catalog = DataCatalog.from_config(config)
    assert catalog.keys() == []
    assert "cars_csv" in catalog and "cars" not in catalog
    dataset = catalog["cars_csv"]
    assert catalog.keys() == ["cars_csv"] and catalog["cars_csv"] is dataset
    assert dataset._filepath == tmp_path / "cars.csv"
    assert dataset._load_args == {"fieldnames": ["cars_id", "value"], "delimiter": ","}
    assert dataset.metadata == {"tags": ["cars", ("cars", 1)]}
    assert dataset._dataset_name == "cars_csv"


def test_namespace_patterns_split_at_the_first_dot():
    config = {"{namespace}.{name}": {"type": "MemoryDataset", "metadata": {"ns": "{namespace}", "n": "{name}"}}}
    catalog = DataCatalog.from_config(config)
    assert catalog["a.b.c"].metadata == {"ns": "a", "n": "b.c"}
    assert "nodots" not in catalog


def test_the_most_specific_pattern_wins():
    config = {
        "{a}": {"type": "MemoryDataset", "metadata": {"by": "catch-all"}},
        "{a}_{b}": {"type": "MemoryDataset", "metadata": {"by": "two placeholders"}},
        "{a}_csv": {"type": "MemoryDataset", "metadata": {"by": "literal _csv"}},
        "raw_{a}_csv": {"type": "MemoryDataset", "metadata": {"by": "literal raw_ _csv"}},
        "zz{a}": {"type": "MemoryDataset", "metadata": {"by": "zz"}},
        "yy{a}": {"type": "MemoryDataset", "metadata": {"by": "yy"}},
    }
    catalog = DataCatalog.from_config(config)
    picks = {name: catalog[name].metadata["by"] for name in ("raw_cars_csv", "cars_csv", "x_y", "plain", "yyzz1")}
    assert picks == {
        "raw_cars_csv": "literal raw_ _csv",  # 8 literal characters beat 4
        "cars_csv": "literal _csv",           # 4 literal characters beat 1
        "x_y": "two placeholders",            # 1 literal character beats 0
        "plain": "catch-all",
        "yyzz1": "yy",                         # a tie on both counts: alphabetical
    }
    assert [p.pattern for p in CatalogConfig(config).patterns] == [
        "raw_{a}_csv", "{a}_csv", "yy{a}", "zz{a}", "{a}_{b}", "{a}"]


def test_fewer_placeholders_win_a_tie_on_literal_characters():
    config = {
        "{a}-{b}-{c}": {"type": "MemoryDataset", "metadata": {"by": "three"}},
        "{a}--{b}": {"type": "MemoryDataset", "metadata": {"by": "two"}},
    }
    assert DataCatalog.from_config(config)["x--y-z"].metadata == {"by": "two"}


def test_a_repeated_placeholder_must_match_the_same_text():
    catalog = DataCatalog.from_config({"{x}_to_{x}": {"type": "MemoryDataset"}})
    assert "a_to_a" in catalog and "a_to_b" not in catalog


def test_a_user_catch_all_replaces_the_runtime_default(tmp_path: Path):
    config = {"{default}": {"type": "PickleDataset", "filepath": str(tmp_path / "{default}.pkl")}}
    catalog = DataCatalog.from_config(config)
    assert "anything" in catalog
    assert isinstance(catalog.get("anything", fallback_to_runtime_pattern=True), PickleDataset)


def test_only_one_catch_all_pattern_is_allowed():
    with pytest.raises(DatasetError, match=r"^Catalog entry '\{b\}': only one catch-all pattern is allowed, and '\{a\}' is one too; remove the extras$"):
        DataCatalog.from_config({"{a}": {"type": "MemoryDataset"}, "{b}": {"type": "MemoryDataset"}})


@pytest.mark.parametrize(
    "pattern, message",
    [
        ("{name:d}_csv", r"placeholder '\{name:d\}' in pattern '\{name:d\}_csv' must be a plain name such as '\{name\}' \(format specs are not supported\)"),
        ("{}_csv", r"placeholder '\{\}' in pattern '\{\}_csv' must be a plain name"),
        ("{name_csv", r"unbalanced braces in pattern '\{name_csv'"),
        ("name}_csv", r"unbalanced braces in pattern 'name\}_csv'"),
    ],
)
def test_bad_pattern_syntax_is_refused_at_from_config_time(pattern: str, message: str):
    with pytest.raises(DatasetError, match=rf"^Catalog entry '{pattern.replace('{', '.').replace('}', '.')}': {message}"):
        DataCatalog.from_config({pattern: {"type": "MemoryDataset"}})


def test_a_value_using_an_undefined_placeholder_is_refused_at_from_config_time():
    config = {"{name}_csv": {"type": "CSVDataset", "filepath": "data/{layer}/{name}.csv"}}
    with pytest.raises(DatasetError, match=r"^Catalog entry '\{name\}_csv', key 'filepath': uses '\{layer\}', which pattern '\{name\}_csv' does not define$"):
        DataCatalog.from_config(config)


def test_pattern_arguments_are_checked_at_from_config_time():
    with pytest.raises(DatasetError, match=r"^Catalog entry '\{name\}_csv', key 'path': CSVDataset does not take this argument"):
        DataCatalog.from_config({"{name}_csv": {"type": "CSVDataset", "path": "{name}.csv"}})


def test_explicit_entries_win_over_patterns():
    config = {"cars_csv": {"type": "MemoryDataset", "data": 1}, "{name}_csv": {"type": "MemoryDataset", "data": 2}}
    assert DataCatalog.from_config(config).load("cars_csv") == 1


def test_dataset_pattern_reports_its_specificity():
    pattern = DatasetPattern("raw.{name}_csv", {"type": "MemoryDataset"}, {})
    assert (pattern.specificity, pattern.placeholder_count) == (8, 1)
    assert pattern.match("raw.cars_csv") == {"name": "cars"}
    assert pattern.match("raw.cars") is None
    assert repr(pattern) == "DatasetPattern('raw.{name}_csv')"


# -- Kedro names and the resolver API --------------------------------------------------


@pytest.mark.parametrize("type_name", ["kedro_datasets.json.JSONDataset", "minikedro_datasets.json.JSONDataset"])
def test_kedro_datasets_module_paths_are_accepted(tmp_path: Path, type_name: str):
    catalog = DataCatalog.from_config({"j": {"type": type_name, "filepath": str(tmp_path / "j.json")}})
    assert isinstance(catalog["j"], JSONDataset)


def test_resolver_reports_entries_patterns_and_the_runtime_default(tmp_path: Path):
    config = {
        "plain": {"type": "TextDataset", "filepath": str(tmp_path / "p"), "credentials": "c"},
        "{name}@text": {"type": "TextDataset", "filepath": str(tmp_path / "{name}.txt")},
    }
    with pytest.raises(DatasetError, match="does not take this argument"):
        DataCatalog.from_config(config, {"c": {}})
    del config["plain"]["credentials"]
    resolver = DataCatalog.from_config(config).config_resolver
    assert resolver.config == {"plain": config["plain"]}
    assert resolver.resolve_pattern("plain") == config["plain"]
    assert resolver.resolve_pattern("a@text") == {"type": "TextDataset", "filepath": str(tmp_path / "a.txt")}
    assert resolver.resolve_pattern("other") == {"type": "MemoryDataset"}
    assert resolver.match_user_catch_all_pattern("other") is None
    shared = SharedMemoryDataCatalog.from_config({}).config_resolver
    assert shared.resolve_pattern("x") == {"type": "SharedMemoryDataset"}
