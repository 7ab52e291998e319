"""Kedro's documentation examples, run with ``kedro`` replaced by ``minikedro``.

Each section follows one page of Kedro's docs (``docs/build/nodes.md``,
``pipeline_introduction.md``, ``slice_a_pipeline.md``, ``namespaces.md``,
``catalog-data/*.md``, ``extend/how_to_create_a_custom_dataset.md``). YAML
catalogs become dicts; pandas datasets become our stdlib ones (rows as
dicts). Where a page's printed output is stale (``Name: None`` lines in
``describe()``, ``,`` between inputs in ``str(node)``, the AND wording for
``only_nodes_with_tags``) the test follows Kedro's code, which is what the
page's own API reference documents.
"""

from __future__ import annotations

import glob
import json
import os
import re
import threading
from pathlib import Path, PurePosixPath
from typing import Any, Dict

import pytest

from minikedro.datasets import CSVDataset, JSONDataset, PickleDataset, SQLiteQueryDataset, SQLiteTableDataset
from minikedro.io import (
    AbstractDataset,
    AbstractVersionedDataset,
    DataCatalog,
    DatasetError,
    DatasetNotFoundError,
    MemoryDataset,
    SharedMemoryDataCatalog,
    Version,
)
from minikedro.io.core import get_filepath_str, get_protocol_and_path
from minikedro.pipeline import (
    ConfirmNotUniqueError,
    GroupedNodes,
    Node,
    OutputNotUniqueError,
    Pipeline,
    node,
    pipeline,
)
from minikedro.runner import SequentialRunner


def add(x, y):
    return x + y


def mean(xs, n):
    return sum(xs) / n


def mean_sos(xs, n):
    return sum(x**2 for x in xs) / n


def variance(m, m2):
    return m2 - m * m


def describe(inputs: str, names: list[str], outputs: str) -> str:
    listed = "\n".join(names)
    return (
        f"#### Pipeline execution order ####\nInputs: {inputs}\n\n{listed}\n\n"
        f"Outputs: {outputs}\n##################################"
    )


# -- docs/build/nodes.md ---------------------------------------------------------------


def test_how_to_create_a_node():
    adder_node = Node(func=add, inputs=["a", "b"], outputs="sum")
    assert repr(adder_node) == "Node(add, ['a', 'b'], 'sum', None)"
    assert str(adder_node) == "add([a;b]) -> [sum]"  # Kedro's code joins with ';'
    named = node(func=add, inputs=["a", "b"], outputs="sum", name="adding_a_and_b")
    assert str(named) == "adding_a_and_b: add([a;b]) -> [sum]"


def test_how_to_run_a_node_and_call_it_like_a_function():
    adder_node = node(func=add, inputs=["a", "b"], outputs="sum")
    assert adder_node.run(dict(a=2, b=3)) == {"sum": 5}
    assert adder_node(dict(a=2, b=3)) == {"sum": 5}  # the docs' form
    assert adder_node(a=2, b=3) == {"sum": 5}  # Kedro's own __call__(**kwargs)


@pytest.mark.parametrize(
    ("inputs", "func", "given", "expected"),
    [
        (None, lambda: 1, {}, 1),
        ("a", lambda arg1: arg1, {"a": 1}, 1),
        (["a", "b"], lambda arg1, arg2: (arg1, arg2), {"a": 1, "b": 2}, (1, 2)),
        (["a", "b", "c"], lambda arg1, *args: (arg1, args), {"a": 1, "b": 2, "c": 3}, (1, (2, 3))),
        (dict(arg1="x", arg2="y"), lambda arg1, arg2: (arg1, arg2), {"x": 1, "y": 2}, (1, 2)),
    ],
)
def test_syntax_for_input_variables(inputs, func, given, expected):
    assert node(func, inputs, "out").run(given) == {"out": expected}


def test_syntax_for_output_variables():
    assert node(lambda x: 1, "i", "a").run({"i": 0}) == {"a": 1}
    assert node(lambda x: [1, 2], "i", ["a", "b"]).run({"i": 0}) == {"a": 1, "b": 2}
    both = node(lambda x: dict(key1=1, key2=2), "i", dict(key1="a", key2="b"))
    assert both.run({"i": 0}) == {"a": 1, "b": 2}
    with pytest.raises(ValueError, match="it must have some 'inputs' or 'outputs'"):
        node(lambda: None, None, None)


def test_kwargs_node_functions_with_a_mapping_helper():
    def reporting(**kwargs):
        return sorted(f"{name}={data}" for name, data in kwargs.items())

    mapping = lambda x: {k: k for k in x}  # noqa: E731 (the docs' helper)
    uk_reporting_node = Node(reporting, inputs=mapping(["uk_input1", "uk_input2"]), outputs="uk")
    assert uk_reporting_node.inputs == ["uk_input1", "uk_input2"]
    assert uk_reporting_node.run({"uk_input1": 1, "uk_input2": 2}) == {"uk": ["uk_input1=1", "uk_input2=2"]}


def test_how_to_tag_a_node_and_the_label_rule():
    tagged = Node(func=add, inputs=["a", "b"], outputs="sum", name="adding_a_and_b", tags="node_tag")
    assert tagged.tags == {"node_tag"}
    with pytest.raises(ValueError, match="must contain only letters, digits, hyphens, underscores"):
        node(add, ["a", "b"], "sum", tags="no spaces")


def test_generator_node_saves_each_chunk_through_an_appending_dataset(tmp_path):
    """The docs' ChunkWiseCSVDataset, over our CSVDataset: save appends after the first chunk."""

    class ChunkWiseCSVDataset(CSVDataset):
        _overwrite = True

        def save(self, data):
            if self._overwrite:
                super().save(data)
                self._overwrite = False
            else:
                with open(self._filepath, "a", newline="") as file:
                    file.writelines(",".join(str(v) for v in row.values()) + "\n" for row in data)

    def make_predictions(x_test):
        for chunk in x_test:
            yield [{"y": value * 2} for value in chunk]

    catalog = DataCatalog({"X_test": MemoryDataset([[1, 2], [3]]), "y_pred": ChunkWiseCSVDataset(tmp_path / "y.csv")})
    SequentialRunner().run(Pipeline([node(make_predictions, "X_test", "y_pred")]), catalog)
    assert catalog.load("y_pred") == [{"y": "2"}, {"y": "4"}, {"y": "6"}]


def test_hooks_may_replace_a_node_function_keeping_its_identity():
    adder = node(add, ["a", "b"], "sum", name="adder")
    before = hash(adder)

    def doubled(x, y):
        return 2 * add(x, y)

    adder.func = doubled  # Kedro's Node.func setter, used by before_node_run hooks
    assert adder.run({"a": 1, "b": 2}) == {"sum": 6}
    assert (hash(adder), adder.name, str(adder)) == (before, "adder", "adder: add([a;b]) -> [sum]")


# -- docs/build/pipeline_introduction.md -----------------------------------------------


@pytest.fixture
def variance_pipeline() -> Pipeline:
    return Pipeline(
        [
            Node(len, "xs", "n"),
            Node(mean, ["xs", "n"], "m", name="mean_node"),
            Node(mean_sos, ["xs", "n"], "m2", name="mean_sos"),
            Node(variance, ["m", "m2"], "v", name="variance_node"),
        ]
    )


def test_how_to_build_a_pipeline_and_describe_it(variance_pipeline):
    expected = describe("xs", ["len([xs]) -> [n]", "mean_node", "mean_sos", "variance_node"], "v")
    assert variance_pipeline.describe() == expected


def test_how_to_merge_multiple_pipelines():
    pipeline_de = Pipeline([Node(len, "xs", "n"), Node(mean, ["xs", "n"], "m")])
    pipeline_ds = Pipeline([Node(mean_sos, ["xs", "n"], "m2"), Node(variance, ["m", "m2"], "v")])
    last_node = Node(print, "v", None)
    pipeline_all = Pipeline([pipeline_de, pipeline_ds, last_node])
    names = [
        "len([xs]) -> [n]", "mean([xs;n]) -> [m]", "mean_sos([xs;n]) -> [m2]",
        "variance([m;m2]) -> [v]", "print([v]) -> None",
    ]
    assert pipeline_all.describe() == describe("xs", names, "None")


def test_information_about_nodes_inputs_and_outputs(variance_pipeline):
    nodes = variance_pipeline.nodes
    assert repr(nodes[0]) == "Node(len, 'xs', 'n', None)"
    assert nodes[0].inputs == ["xs"]
    assert (variance_pipeline.inputs(), variance_pipeline.outputs()) == ({"xs"}, {"v"})


def test_how_to_tag_a_pipeline():
    tagged = Pipeline(
        [node(add, ["a", "b"], "c", name="node1"), node(add, ["c", "d"], "e", name="node2", tags="node_tag")],
        tags="pipeline_tag",
    )
    assert [sorted(n.tags) for n in tagged.nodes] == [["pipeline_tag"], ["node_tag", "pipeline_tag"]]


def test_bad_pipelines_are_refused_with_kedros_messages():
    with pytest.raises(ValueError, match=r"Invalid Node definition: it must have some 'inputs' or 'outputs'"):
        Pipeline([Node(lambda: print("!"), None, None)])
    with pytest.raises(ValueError, match=r"Circular dependencies exist among the following 2 item\(s\)"):
        Pipeline(
            [
                Node(lambda x: x + 1, "x", "y", name="first_node"),
                Node(lambda y: y - 1, "y", "x", name="second_node"),
            ]
        )


def test_modular_pipeline_template_with_empty_optional_arguments(variance_pipeline):
    built = Pipeline(variance_pipeline, tags="tag3", namespace="", inputs={}, outputs={}, parameters={})
    assert [n.name for n in built.nodes] == [n.name for n in variance_pipeline.nodes]
    assert all("tag3" in n.tags for n in built.nodes)


# -- docs/build/slice_a_pipeline.md ----------------------------------------------------


@pytest.fixture
def full_pipeline() -> Pipeline:
    return pipeline(
        [
            node(len, "xs", "n"),
            node(mean, ["xs", "n"], "m", name="mean_node", tags="mean"),
            node(mean_sos, ["xs", "n"], "m2", name="mean_sos", tags=["mean", "variance"]),
            node(variance, ["m", "m2"], "v", name="variance_node", tags="variance"),
        ]
    )


def test_slice_by_inputs(full_pipeline):
    assert full_pipeline.from_inputs("m2").describe() == describe("m, m2", ["variance_node"], "v")
    everything = ["len([xs]) -> [n]", "mean_node", "mean_sos", "variance_node"]
    assert full_pipeline.from_inputs("m", "xs").describe() == describe("xs", everything, "v")


def test_slice_by_start_and_final_nodes(full_pipeline):
    expected = describe("m2, n, xs", ["mean_node", "variance_node"], "v")
    assert full_pipeline.from_nodes("mean_node").describe() == expected
    expected = describe("xs", ["len([xs]) -> [n]", "mean_node"], "m")
    assert full_pipeline.to_nodes("mean_node").describe() == expected


def test_slice_by_tags_selects_nodes_with_any_tag(full_pipeline):
    either = full_pipeline.only_nodes_with_tags("mean", "variance")
    assert [n.name for n in either.nodes] == ["mean_node", "mean_sos", "variance_node"]
    added = full_pipeline.only_nodes_with_tags("mean") + full_pipeline.only_nodes_with_tags("variance")
    assert added.describe() == describe("n, xs", ["mean_node", "mean_sos", "variance_node"], "v")


def test_slice_by_running_specified_nodes(full_pipeline):
    sliced = full_pipeline.only_nodes("mean_node", "mean_sos")
    assert sliced.describe() == describe("n, xs", ["mean_node", "mean_sos"], "m, m2")


def test_filter_intersects_like_kedros_docstring():
    func = lambda x: x  # noqa: E731
    pipe = Pipeline(
        [node(func, "A", "B", name="node1"), node(func, "B", "C", name="node2"), node(func, "C", "D", name="node3")]
    )
    assert [n.name for n in pipe.filter(node_names=["node1", "node3"], from_inputs=["A"]).nodes] == [
        "node1", "node3",
    ]


def test_recreate_missing_outputs(full_pipeline, tmp_path):
    n_json = JSONDataset(filepath=str(tmp_path / "07_model_output" / "len.json"))
    io = DataCatalog(dict(xs=MemoryDataset([1, 2, 3]), n=n_json))
    assert io.exists("n") is False
    assert SequentialRunner().run(full_pipeline, io)["v"].load() == pytest.approx(2 / 3)
    assert io.exists("n") is True
    outputs = SequentialRunner().run(full_pipeline, io, only_missing_outputs=True)
    assert outputs["v"].load() == pytest.approx(2 / 3)


# -- docs/build/namespaces.md ----------------------------------------------------------


def split_data(table, options):
    return table[: options["cut"]], table[options["cut"] :]


def train_model(x_train):
    return sum(x_train)


EVALUATED: list = []


def evaluate_model(regressor, x_test):
    EVALUATED.append(regressor)


@pytest.fixture
def base_data_science() -> Pipeline:
    return Pipeline(
        [
            Node(split_data, ["model_input_table", "params:model_options"], ["X_train", "X_test"], name="split_data_node"),
            Node(train_model, "X_train", "regressor", name="train_model_node"),
            Node(evaluate_model, ["regressor", "X_test"], None, name="evaluate_model_node"),
        ]
    )


def test_reuse_a_pipeline_with_new_parameters(base_data_science):
    reused = Pipeline([base_data_science], parameters={"params:model_options": "params:model_options_1"})
    assert "params:model_options_1" in reused.inputs()
    assert [n.name for n in reused.nodes] == [n.name for n in base_data_science.nodes]


def test_namespace_with_inputs_kept(base_data_science):
    ds_2 = Pipeline(
        base_data_science,
        namespace="ds_2",
        parameters={"params:model_options": "params:model_options_2"},
        inputs={"model_input_table"},
    )
    assert ds_2.inputs() == {"model_input_table", "params:model_options_2"}
    assert {n.name for n in ds_2.nodes} == {
        "ds_2.split_data_node", "ds_2.train_model_node", "ds_2.evaluate_model_node",
    }
    both = base_data_science + ds_2  # unique node names now, so they run together
    catalog = DataCatalog(raw_data={"model_input_table": [1, 2, 3, 4]})
    catalog.add_parameters({"model_options": {"cut": 2}, "model_options_2": {"cut": 3}})
    EVALUATED.clear()
    SequentialRunner().run(both, catalog)
    assert sorted(EVALUATED) == [3, 6]


def test_namespace_without_prefixing_datasets():
    grouped = Pipeline(
        [
            Node(str.upper, "companies", "preprocessed_companies", name="preprocess_companies_node",
                 namespace="preprocessing"),
            Node(str.lower, "preprocessed_companies", "model_input_table", name="create_model_input_table_node"),
        ],
        namespace="data_processing",
        prefix_datasets_with_namespace=False,
    )
    assert grouped.inputs() == {"companies"} and grouped.outputs() == {"model_input_table"}
    assert sorted(n.name for n in grouped.nodes) == [
        "data_processing.create_model_input_table_node",
        "data_processing.preprocessing.preprocess_companies_node",
    ]
    assert len(grouped.only_nodes_with_namespaces(["data_processing.preprocessing"]).nodes) == 1


def test_group_nodes_by_namespace_for_deployment():
    first = Pipeline([node(len, "raw", "n", name="count")], namespace="prep", inputs="raw")
    second = Pipeline([node(str, "prep.n", "text", name="show")], namespace="report", inputs="prep.n")
    alone = node(print, "report.text", None, name="printer")
    groups = Pipeline([first, second, alone]).group_nodes_by("namespace")
    assert groups == [
        GroupedNodes(name="prep", type="namespace", nodes=["prep.count"], dependencies=[]),
        GroupedNodes(name="report", type="namespace", nodes=["report.show"], dependencies=["prep"]),
        GroupedNodes(name="printer", type="node", nodes=["printer"], dependencies=["report"]),
    ]
    each = Pipeline([first, second, alone]).group_nodes_by(None)
    assert [(g.name, g.dependencies) for g in each] == [
        ("prep.count", []), ("report.show", ["prep.count"]), ("printer", ["report.show"]),
    ]
    with pytest.raises(ValueError, match="Unsupported group_by strategy"):
        Pipeline([first]).group_nodes_by("tags")


# -- docs/catalog-data/advanced_data_catalog_usage.md ----------------------------------


def test_access_add_iterate_and_count_datasets(tmp_path):
    catalog = DataCatalog(datasets={"example": MemoryDataset()})
    assert "example" in catalog and "nonexistent" not in catalog
    intermediate_ds = catalog.get("intermediate_ds", fallback_to_runtime_pattern=True)
    assert isinstance(intermediate_ds, MemoryDataset)
    catalog["bikes"] = CSVDataset(filepath=str(tmp_path / "bikes.csv"))
    catalog["cars"] = ["Ferrari", "Audi"]
    assert catalog.load("cars") == ["Ferrari", "Audi"]
    assert list(catalog) == catalog.keys() == ["example", "intermediate_ds", "bikes", "cars"]
    assert [name for name, _ in catalog.items()] == catalog.keys()
    assert len(catalog.values()) == len(catalog) == 4
    with pytest.raises(DatasetNotFoundError, match="Dataset 'reviews' not found in the catalog"):
        catalog["reviews"]


def test_print_the_catalog_and_a_dataset():
    catalog = DataCatalog(datasets={"example": MemoryDataset(data=0.5)})
    assert repr(catalog["example"]) == "minikedro.io.memory_dataset.MemoryDataset(data='<float>')"
    assert "'example': minikedro.io.memory_dataset.MemoryDataset(data='<float>')" in repr(catalog)


def test_save_to_memory_and_to_sqlite(tmp_path):
    catalog = DataCatalog()
    memory_ds = MemoryDataset(data=None)
    catalog["cars_cache"] = memory_ds
    catalog.save("cars_cache", "Memory can store anything.")
    assert catalog.load("cars_cache") == "Memory can store anything."
    con = f"sqlite:///{tmp_path / 'kedro.db'}"
    catalog["cars_table"] = SQLiteTableDataset(table_name="cars", credentials=dict(con=con))
    catalog["scooters_query"] = SQLiteQueryDataset(
        sql="select * from cars where gear=4", credentials=dict(con=con)
    )
    catalog.save("cars_table", [{"brand": "a", "gear": 4}, {"brand": "b", "gear": 5}])
    assert catalog.load("scooters_query") == [{"brand": "a", "gear": 4}]
    with pytest.raises(DatasetError, match="Saving 'None' to a 'Dataset' is not allowed"):
        catalog.save("cars_table", None)


def test_version_a_dataset_using_the_code_api(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    stamps = iter(["2024-01-01T00.00.00.000Z", "2024-01-02T00.00.00.000Z"])
    monkeypatch.setattr("minikedro.io.core.generate_timestamp", lambda: next(stamps))
    version = Version(load=None, save=None)
    test_dataset = CSVDataset(filepath="data/01_raw/test.csv", save_args={"index": False}, version=version)
    catalog = DataCatalog({"test_dataset": test_dataset})
    catalog.save("test_dataset", [{"col1": 1}])
    catalog.save("test_dataset", [{"col1": 7}])
    assert catalog.load("test_dataset") == [{"col1": "7"}]
    assert test_dataset.list_versions(full_path=False) == ["2024-01-02T00.00.00.000Z", "2024-01-01T00.00.00.000Z"]
    assert catalog._datasets["test_dataset"].list_versions()[0] == str(
        Path("data/01_raw/test.csv/2024-01-02T00.00.00.000Z/test.csv")
    )
    assert catalog.load("test_dataset", version="2024-01-01T00.00.00.000Z") == [{"col1": "1"}]

    exact = Version(load="my_exact_version", save="my_exact_version")
    catalog = DataCatalog({"test_dataset": CSVDataset(filepath="data/01_raw/t.csv", version=exact)})
    catalog.save("test_dataset", [{"col1": 1}])
    assert catalog.load("test_dataset") == [{"col1": "1"}]
    with pytest.raises(DatasetError, match="already saved"):
        catalog.save("test_dataset", [{"col1": 2}])


def test_get_accepts_a_version(tmp_path):
    dataset = JSONDataset(filepath=str(tmp_path / "a.json"), version=Version(None, "v1"))
    catalog = DataCatalog({"a": dataset})
    catalog.save("a", {"x": 1})
    pinned = catalog.get("a", version=Version("v1", None))
    assert pinned.load() == {"x": 1} and pinned is not catalog["a"]


def test_save_catalog_to_config_and_back(tmp_path):
    cars = CSVDataset(filepath=str(tmp_path / "cars.csv"), save_args={"sep": ";"})
    catalog = DataCatalog(datasets={"cars": cars, "in_memory": MemoryDataset([1])})
    config, credentials, load_versions, save_version = catalog.to_config()
    assert config == {
        "cars": {
            "type": "minikedro.datasets.files.CSVDataset",
            "filepath": str(tmp_path / "cars.csv"),
            "save_args": {"sep": ";"},
        }
    }
    assert (credentials, load_versions, save_version) == ({}, {"cars": None}, None)
    new_catalog = DataCatalog.from_config(config, credentials, load_versions, save_version)
    new_catalog.save("cars", [{"a": 1, "b": 2}])
    assert (tmp_path / "cars.csv").read_text().splitlines() == ["a;b", "1;2"]


def test_to_config_keeps_config_entries_and_credentials_by_name(tmp_path):
    config = {
        "db": {"type": "SQLiteTableDataset", "table_name": "t", "credentials": "sql"},
        "{name}_json": {"type": "json.JSONDataset", "filepath": str(tmp_path / "{name}.json")},
    }
    credentials = {"sql": {"con": f"sqlite:///{tmp_path / 'x.db'}"}}
    catalog = DataCatalog.from_config(config, credentials)
    catalog["a_json"]  # resolved from the pattern
    written, creds, _, _ = catalog.to_config()
    assert written == {
        "db": config["db"],
        "a_json": {"type": "json.JSONDataset", "filepath": str(tmp_path / "a.json")},
    }
    assert creds == credentials


def test_filter_and_get_type():
    catalog = DataCatalog(
        datasets={"raw_cars": MemoryDataset(), "model_input": PickleDataset(filepath="m.pkl"), "train_csv": CSVDataset(filepath="t.csv")}
    )
    assert catalog.filter(name_regex="raw") == ["raw_cars"]
    assert catalog.filter(name_regex=re.compile("^model_")) == ["model_input"]
    assert catalog.filter(type_regex="files.CSVDataset") == ["train_csv"]
    assert catalog.filter(name_regex="train", type_regex="CSV") == ["train_csv"]
    assert catalog.filter(by_type=[MemoryDataset, PickleDataset]) == ["raw_cars", "model_input"]
    example = DataCatalog(datasets={"example": MemoryDataset()})
    assert example.get_type("example") == "minikedro.io.memory_dataset.MemoryDataset"
    assert example.get_type("nonexistent") is None


# -- docs/catalog-data/kedro_dataset_factories.md --------------------------------------


def test_dataset_factory_patterns_resolve_at_runtime(tmp_path):
    config = {
        "{name}_data": {"type": "CSVDataset", "filepath": str(tmp_path / "01_raw" / "{name}_data.csv")},
        "{dataset_name}#csv": {"type": "CSVDataset", "filepath": str(tmp_path / "{dataset_name}.csv")},
    }
    catalog = DataCatalog.from_config(config)
    (tmp_path / "01_raw").mkdir()
    (tmp_path / "01_raw" / "factory_data.csv").write_text("a\n1\n")
    pipe = Pipeline([Node(func=lambda rows: rows * 2, inputs="factory_data", outputs="process_data")])
    SequentialRunner().run(pipe, catalog)
    assert catalog.load("process_data") == [{"a": "1"}, {"a": "1"}]
    assert str(catalog.get("reviews#csv")._filepath) == str(tmp_path / "reviews.csv")
    assert catalog.get("nonexistent") is None
    fallback = catalog.get("nonexistent", fallback_to_runtime_pattern=True)
    assert repr(fallback) == "minikedro.io.memory_dataset.MemoryDataset()"


def test_user_catch_all_pattern_and_the_resolver_api(tmp_path):
    config = {
        "{dataset_name}#csv": {"type": "CSVDataset", "filepath": str(tmp_path / "01_raw/{dataset_name}.csv")},
        "{default_dataset}": {"type": "CSVDataset", "filepath": str(tmp_path / "{default_dataset}.csv")},
    }
    catalog = DataCatalog.from_config(config)
    assert isinstance(catalog.get("nonexistent"), CSVDataset)
    resolver = catalog.config_resolver
    assert resolver.list_patterns() == ["{dataset_name}#csv", "{default_dataset}", "{default}"]
    assert resolver.match_dataset_pattern("reviews#csv") == "{dataset_name}#csv"
    assert resolver.match_dataset_pattern("reviews") is None
    assert resolver.match_user_catch_all_pattern("reviews") == "{default_dataset}"
    assert resolver.match_runtime_pattern("reviews") == "{default}"
    assert resolver.resolve_pattern("reviews#csv") == {
        "type": "CSVDataset", "filepath": str(tmp_path / "01_raw/reviews.csv"),
    }
    assert resolver.is_pattern("{x}") and not resolver.is_pattern("x")
    with pytest.raises(DatasetError, match="only one catch-all pattern is allowed"):
        DataCatalog.from_config({**config, "{other}": {"type": "MemoryDataset"}})


def test_patterns_generalise_namespaced_datasets(tmp_path):
    pipeline_instance = Pipeline(
        [
            Node(split_data, ["model_input_table", "params:model_options"], ["X_train", "X_test"], name="split_data_node"),
            Node(train_model, "X_train", "regressor", name="train_model_node"),
        ]
    )
    ds_pipeline_1 = Pipeline(nodes=pipeline_instance, inputs="model_input_table", namespace="active_modelling_pipeline")
    ds_pipeline_2 = Pipeline(nodes=pipeline_instance, inputs="model_input_table", namespace="candidate_modelling_pipeline")
    catalog = DataCatalog.from_config(
        {
            "{namespace}.regressor": {
                "type": "pickle.PickleDataset",
                "filepath": str(tmp_path / "06_models" / "regressor_{namespace}.pkl"),
                "versioned": True,
            }
        }
    )
    catalog["model_input_table"] = [1, 2, 3]
    catalog.add_parameters(
        {"active_modelling_pipeline": {"model_options": {"cut": 1}},
         "candidate_modelling_pipeline": {"model_options": {"cut": 2}}}
    )
    SequentialRunner().run(ds_pipeline_1 + ds_pipeline_2, catalog)
    assert catalog.load("active_modelling_pipeline.regressor") == 1
    assert catalog.load("candidate_modelling_pipeline.regressor") == 3
    assert len(glob.glob(str(tmp_path / "06_models" / "regressor_*.pkl" / "*" / "*.pkl"))) == 2


# -- docs/catalog-data/data_catalog_yaml_examples.md: transcoding ----------------------


def test_transcoding_reads_one_file_through_two_entries(tmp_path):
    catalog = DataCatalog.from_config(
        {
            "my_dataframe@json": {"type": "JSONDataset", "filepath": str(tmp_path / "data.json")},
            "my_dataframe@text": {"type": "TextDataset", "filepath": str(tmp_path / "data.json")},
        }
    )
    pipe = Pipeline(
        [
            Node(name="my_func2_node", func=len, inputs="my_dataframe@text", outputs="pipeline_output"),
            Node(name="my_func1_node", func=lambda x: {"v": x}, inputs="spark_input", outputs="my_dataframe@json"),
        ]
    )
    assert [n.name for n in pipe.nodes] == ["my_func1_node", "my_func2_node"]  # resolved order
    assert (pipe.inputs(), pipe.outputs()) == ({"spark_input"}, {"pipeline_output"})
    catalog["spark_input"] = 7
    SequentialRunner().run(pipe, catalog)
    assert catalog.load("pipeline_output") == len(json.dumps({"v": 7}, indent=2))


def test_how_not_to_use_transcoding():
    with pytest.raises(ValueError, match=r"same inputs and outputs even if they are transcoded: \['my_dataframe'\]"):
        Node(name="my_func1_node", func=len, inputs="my_dataframe@pandas", outputs="my_dataframe@spark")
    with pytest.raises(OutputNotUniqueError, match=r"Output\(s\) \['my_dataframe'\] are returned by more than one nodes. Node outputs must be unique"):
        Pipeline(
            [
                Node(name="my_func1_node", func=len, inputs="spark_input", outputs="my_dataframe@spark"),
                Node(name="my_func2_node", func=len, inputs="pandas_input", outputs="my_dataframe@pandas"),
            ]
        )
    hidden = Pipeline(
        [
            Node(name="my_func1_node", func=len, inputs="my_dataframe@spark", outputs="spark_output"),
            Node(name="my_func2_node", func=len, inputs="pandas_input", outputs="my_dataframe@pandas"),
            Node(name="my_func3_node", func=len, inputs="my_dataframe@pandas", outputs="pandas_output"),
        ]
    )
    assert [n.name for n in hidden.nodes] == ["my_func2_node", "my_func1_node", "my_func3_node"]


def test_transcoded_names_in_filters_and_modular_pipelines():
    pipe = Pipeline(
        [
            node(len, "raw", "data@json", name="write"),
            node(len, "data@text", "a", name="read_text"),
            node(len, "data@json", "b", name="read_json"),
        ]
    )
    assert [n.name for n in pipe.only_nodes_with_inputs("data").nodes] == ["read_json", "read_text"]
    assert [n.name for n in pipe.only_nodes_with_inputs("data@text").nodes] == ["read_text"]
    assert [n.name for n in pipe.to_outputs("a").nodes] == ["write", "read_text"]
    renamed = pipeline(pipe, outputs={"data": "shared"}, namespace="ns")
    assert renamed.all_outputs() == {"shared@json", "ns.a", "ns.b"}
    with pytest.raises(ValueError, match="used with transcoding, but were referenced without the separator: data"):
        Pipeline([node(len, "raw", "data@json", name="w"), node(len, "data", "z", name="r")])


def test_two_nodes_may_not_confirm_one_dataset():
    with pytest.raises(ConfirmNotUniqueError, match=r"\['x'\] datasets are confirmed by more than one node"):
        Pipeline([node(len, "a", "b", name="one", confirms="x"), node(len, "c", "d", name="two", confirms="x")])


# -- docs/extend/how_to_create_a_custom_dataset.md -------------------------------------


class TextLinesDataset(AbstractDataset[list, list]):
    """The guide's ImageDataset, with text lines instead of Pillow images."""

    def __init__(self, filepath: str):
        protocol, path = get_protocol_and_path(filepath)
        self._protocol = protocol
        self._filepath = PurePosixPath(path)

    def load(self) -> list:
        with open(get_filepath_str(self._filepath, self._protocol)) as f:
            return f.read().splitlines()

    def save(self, data: list) -> None:
        with open(get_filepath_str(self._filepath, self._protocol), "w") as f:
            f.write("\n".join(data))

    def _describe(self) -> Dict[str, Any]:
        return dict(filepath=self._filepath, protocol=self._protocol)


class VersionedTextLinesDataset(AbstractVersionedDataset[list, list]):
    """The guide's versioned ImageDataset, with os/glob in place of fsspec."""

    def __init__(self, filepath: str, version: Version = None):
        protocol, path = get_protocol_and_path(filepath)
        self._protocol = protocol
        super().__init__(
            filepath=PurePosixPath(path), version=version, exists_function=os.path.exists, glob_function=glob.glob
        )

    def load(self) -> list:
        with open(get_filepath_str(self._get_load_path(), self._protocol)) as f:
            return f.read().splitlines()

    def save(self, data: list) -> None:
        path = get_filepath_str(self._get_save_path(), self._protocol)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("\n".join(data))

    def _describe(self) -> Dict[str, Any]:
        return dict(filepath=self._filepath, version=self._version, protocol=self._protocol)


def test_custom_dataset_from_the_guide_in_a_catalog(tmp_path):
    (tmp_path / "pikachu.txt").write_text("pika\nchu")
    catalog = DataCatalog.from_config(
        {"pikachu": {"type": f"{__name__}.TextLinesDataset", "filepath": f"file://{tmp_path}/pikachu.txt"}}
    )
    image = catalog.load("pikachu")
    catalog.save("pikachu", data=image + ["!"])
    assert catalog.load("pikachu") == ["pika", "chu", "!"]
    assert repr(catalog["pikachu"]).startswith(f"{__name__}.TextLinesDataset(filepath=PurePosixPath(")


def test_versioned_custom_dataset_loads_the_newest_version(tmp_path):
    folder = tmp_path / "pikachu.txt" / "2020-02-22T00.00.00.000Z"
    folder.mkdir(parents=True)
    (folder / "pikachu.txt").write_text("first")
    catalog = DataCatalog.from_config(
        {"pikachu": {"type": f"{__name__}.VersionedTextLinesDataset", "filepath": str(tmp_path / "pikachu.txt"),
                     "versioned": True}},
        save_version="2020-02-23T00.00.00.000Z",
    )
    img = catalog.load("pikachu")
    catalog.save("pikachu", data=img + ["second"])
    assert catalog.load("pikachu") == ["first", "second"]
    assert catalog["pikachu"].list_versions(full_path=False) == [
        "2020-02-23T00.00.00.000Z", "2020-02-22T00.00.00.000Z",
    ]


def test_custom_dataset_thread_safety_check(tmp_path):
    """The guide checks that a dataset can reach ParallelRunner's workers with
    ``ForkingPickler.dumps``: the copy a worker gets must read and write the same
    data, and a dataset holding something process-bound must fail the check."""
    from multiprocessing.reduction import ForkingPickler

    catalog = DataCatalog({"pokemon": VersionedTextLinesDataset(str(tmp_path / "p.txt"))})
    dataset = catalog._datasets["pokemon"]
    in_worker = ForkingPickler.loads(ForkingPickler.dumps(dataset))  # the guide's check
    assert in_worker is not dataset and type(in_worker) is VersionedTextLinesDataset
    in_worker.save(["pika", "chu"])
    assert dataset.load() == ["pika", "chu"]  # the worker's copy wrote where the original reads

    holding_a_lock = TextLinesDataset(str(tmp_path / "q.txt"))
    holding_a_lock._lock = threading.Lock()
    with pytest.raises(TypeError, match="cannot pickle '_thread.lock' object"):
        ForkingPickler.dumps(holding_a_lock)


def test_single_process_datasets_are_refused_by_the_parallel_catalog():
    class SparkLike(MemoryDataset):
        _SINGLE_PROCESS = True

    with pytest.raises(DatasetError, match="'spark' .*_SINGLE_PROCESS"):
        SharedMemoryDataCatalog({"spark": SparkLike()}).validate_catalog()


def test_http_paths_cannot_be_versioned():
    assert get_protocol_and_path("https://host/a.csv") == ("https", "host/a.csv")
    assert get_filepath_str(PurePosixPath("host/a.csv"), "https") == "https://host/a.csv"
    with pytest.raises(DatasetError, match="Versioning is not supported for HTTP protocols"):
        get_protocol_and_path("https://host/a.csv", Version(None, None))
