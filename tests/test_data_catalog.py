"""Tests for minikedro.io.data_catalog: DataCatalog and SharedMemoryDataCatalog."""

from __future__ import annotations

import logging
import pickle
import re
import subprocess
import sys
import threading
from multiprocessing.managers import BaseManager
from pathlib import Path
from typing import Any

import pytest

from minikedro.datasets import CSVDataset, PickleDataset, TextDataset
from minikedro.io import (
    AbstractDataset,
    DataCatalog,
    DatasetAlreadyExistsError,
    DatasetError,
    DatasetNotFoundError,
    MemoryDataset,
    SharedMemoryDataCatalog,
    SharedMemoryDataset,
    Version,
)

TIMEOUT = 30


class DatasetManager(BaseManager):
    pass


DatasetManager.register(
    "MemoryDataset", MemoryDataset, exposed=("load", "save", "exists", "release", "_describe")
)


class Confirmable(MemoryDataset):
    def __init__(self) -> None:
        super().__init__()
        self.confirmed = 0

    def confirm(self) -> None:
        self.confirmed += 1


# -- construction ------------------------------------------------------------


def test_the_seed_example():
    io = DataCatalog(dict(xs=MemoryDataset()))
    assert io.list() == ["xs"]
    io.save("xs", [1, 2, 3])
    assert io.load("xs") == [1, 2, 3]


def test_raw_data_becomes_memory_datasets():
    catalog = DataCatalog(raw_data={"a": 1, "b": [2]})
    assert isinstance(catalog["a"], MemoryDataset)
    assert (catalog.load("a"), catalog.load("b")) == (1, [2])


def test_a_name_in_both_datasets_and_raw_data_is_refused():
    with pytest.raises(DatasetAlreadyExistsError, match=r"^Dataset\(s\) 'a' given both in datasets and raw_data; give each name once\.$"):
        DataCatalog({"a": MemoryDataset(), "b": MemoryDataset()}, raw_data={"a": 1})


def test_plain_data_in_datasets_is_refused_with_the_fix():
    with pytest.raises(TypeError, match=r"^datasets\['a'\] is a list, not a dataset; pass plain data as raw_data="):
        DataCatalog({"a": [1, 2]})


def test_the_catalog_names_its_datasets_for_error_messages():
    catalog = DataCatalog({"xs": MemoryDataset()})
    with pytest.raises(DatasetError, match="has not been saved yet") as info:
        catalog.load("xs")
    assert info.value.dataset_name == "xs"
    assert catalog["xs"]._dataset_name == "xs"


def test_a_named_dataset_keeps_its_first_name():
    dataset = MemoryDataset()
    dataset._dataset_name = "original"
    catalog = DataCatalog({"alias": dataset})
    assert catalog["alias"]._dataset_name == "original"


# -- the dict-like interface ---------------------------------------------------


def test_dict_like_access():
    catalog = DataCatalog({"a": MemoryDataset(1)})
    catalog["b"] = [2]
    catalog["c"] = MemoryDataset(3)
    assert "a" in catalog and "zz" not in catalog and 5 not in catalog
    assert catalog.keys() == ["a", "b", "c"] == list(catalog)
    assert len(catalog) == 3
    assert [dataset.load() for dataset in catalog.values()] == [1, [2], 3]
    assert [(name, dataset.load()) for name, dataset in catalog.items()] == [("a", 1), ("b", [2]), ("c", 3)]
    assert catalog["c"] is catalog.get("c")


def test_replacing_a_dataset_logs_a_warning(caplog):
    catalog = DataCatalog({"a": MemoryDataset(1)})
    with caplog.at_level(logging.WARNING, logger="minikedro.io.data_catalog"):
        catalog["a"] = 2
    assert catalog.load("a") == 2
    assert "Replacing dataset 'a'" in caplog.text


def test_get_returns_the_default_for_unknown_names():
    catalog = DataCatalog()
    assert catalog.get("nope") is None
    fallback = MemoryDataset()
    assert catalog.get("nope", fallback) is fallback
    assert "nope" not in catalog


def test_get_with_runtime_fallback_registers_a_memory_dataset():
    catalog = DataCatalog()
    dataset = catalog.get("intermediate", fallback_to_runtime_pattern=True)
    assert type(dataset) is MemoryDataset
    assert catalog.get("intermediate", fallback_to_runtime_pattern=True) is dataset
    assert "intermediate" in catalog and catalog.keys() == ["intermediate"]
    assert dataset._dataset_name == "intermediate"


def test_an_unknown_name_suggests_close_matches():
    catalog = DataCatalog(raw_data={"cars": 1, "cats": 2, "boats": 3, "planes": 4})
    with pytest.raises(DatasetNotFoundError, match=r"^Dataset 'carts' not found in the catalog; did you mean 'cats', 'cars' or 'boats'\?$") as info:
        catalog["carts"]
    assert info.value.dataset_name == "carts"
    with pytest.raises(DatasetNotFoundError, match=r"^Dataset 'plane' not found in the catalog; did you mean 'planes'\?$"):
        catalog["plane"]
    with pytest.raises(DatasetNotFoundError, match=r"^Dataset 'trains' not found in the catalog$"):
        catalog.load("trains")
    with pytest.raises(DatasetNotFoundError, match="'trains' not found"):
        catalog.save("trains", 1)
    with pytest.raises(DatasetNotFoundError, match="'trains' not found"):
        catalog.release("trains")


def test_repr_lists_datasets_and_patterns():
    assert repr(DataCatalog()) == "DataCatalog()"
    catalog = DataCatalog.from_config({"{name}_m": {"type": "MemoryDataset"}})
    catalog["xs"] = [1]
    expected = "DataCatalog(\n  'xs': minikedro.io.memory_dataset.MemoryDataset(data='<list>'),\n  patterns: '{name}_m',\n)"
    assert repr(catalog) == expected


# -- data operations -------------------------------------------------------------


class Failing(AbstractDataset):
    """Raises ``error`` from load and save."""

    def __init__(self, error: Exception):
        self.error = error

    def load(self) -> Any:
        raise self.error

    def save(self, data: Any) -> None:
        raise self.error

    def _describe(self) -> dict[str, Any]:
        return {"error": type(self.error).__name__}


def test_a_failing_load_or_save_becomes_a_dataset_error_naming_the_dataset():
    original = OSError("disk on fire")
    catalog = DataCatalog({"cars": Failing(original)})
    with pytest.raises(DatasetError, match=r"^Failed while loading data from dataset 'cars' \(Failing\(error='OSError'\)\)\.\ndisk on fire$") as info:
        catalog.load("cars")
    assert info.value.__cause__ is original and info.value.dataset_name == "cars"
    with pytest.raises(DatasetError, match=r"^Failed while saving data to dataset 'cars' \(Failing\(.*\)\)\.\ndisk on fire$") as info:
        catalog.save("cars", 1)
    assert info.value.__cause__ is original


def test_a_dataset_error_raised_inside_passes_through_with_the_name_filled_in():
    original = DatasetError("already clear")
    with pytest.raises(DatasetError, match="^already clear$") as info:
        DataCatalog({"cars": Failing(original)}).load("cars")
    assert info.value is original and info.value.__cause__ is None
    assert info.value.dataset_name == "cars"


def test_saving_none_is_refused_as_in_kedro():
    with pytest.raises(DatasetError, match=r"^Saving 'None' to a 'Dataset' is not allowed: dataset 'xs' \(MemoryDataset\(\)\) got None; return a value for every declared output\.$"):
        DataCatalog({"xs": MemoryDataset()}).save("xs", None)


def test_a_broken_describe_does_not_hide_the_real_error():
    class Broken(Failing):
        def _describe(self) -> dict[str, Any]:
            raise RuntimeError("describe broke")

    with pytest.raises(DatasetError, match=r"from dataset 'b' \(Broken\)\.\nreal problem"):
        DataCatalog({"b": Broken(ValueError("real problem"))}).load("b")


def test_a_plain_catalog_never_loads_the_configuration_modules():
    code = (
        "import sys\n"
        "from minikedro.io import DataCatalog\n"
        "catalog = DataCatalog(raw_data={'a': 1})\n"
        "catalog.get('b', fallback_to_runtime_pattern=True)\n"
        "catalog.save('b', catalog.load('a'))\n"
        "print(sorted(m for m in sys.modules if m.startswith('minikedro.io')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT,
                            cwd=Path(__file__).resolve().parents[1])
    assert result.stdout.split() == [
        "['minikedro.io',", "'minikedro.io.core',", "'minikedro.io.data_catalog',", "'minikedro.io.memory_dataset']"]


def test_load_and_save_log_like_kedro(caplog):
    catalog = DataCatalog({"xs": MemoryDataset()})
    with caplog.at_level(logging.INFO, logger="minikedro.io.data_catalog"):
        catalog.save("xs", 1)
        catalog.load("xs")
    assert caplog.messages == ["Saving data to xs (MemoryDataset)...", "Loading data from xs (MemoryDataset)..."]


def test_exists_is_false_for_unknown_names():
    catalog = DataCatalog({"xs": MemoryDataset()})
    assert catalog.exists("nope") is False
    assert catalog.exists("xs") is False
    catalog.save("xs", 0)
    assert catalog.exists("xs") is True


def test_release_frees_memory_data():
    catalog = DataCatalog(raw_data={"xs": 1})
    catalog.release("xs")
    assert catalog.exists("xs") is False


def test_confirm_calls_the_dataset_confirm():
    dataset = Confirmable()
    catalog = DataCatalog({"c": dataset, "m": MemoryDataset()})
    catalog.confirm("c")
    assert dataset.confirmed == 1
    with pytest.raises(DatasetError, match=r"^Dataset 'm' does not have 'confirm' method$"):
        catalog.confirm("m")
    with pytest.raises(DatasetNotFoundError):
        catalog.confirm("nope")


def test_load_a_chosen_version(tmp_path: Path):
    for version, text in (("2024-01-01T00.00.00.000Z", "old"), ("2024-02-01T00.00.00.000Z", "new")):
        TextDataset(tmp_path / "t.txt", version=Version(None, version)).save(text)
    catalog = DataCatalog({"t": TextDataset(tmp_path / "t.txt", version=Version(None, None)), "m": MemoryDataset(1)})
    assert catalog.load("t") == "new"
    assert catalog.load("t", version="2024-01-01T00.00.00.000Z") == "old"
    assert catalog["t"]._version == Version(None, None)  # the registered dataset is unchanged
    with pytest.raises(DatasetError, match=r"^Dataset 'm' is not versioned; load it without version=$"):
        catalog.load("m", version="2024")


def test_constructor_versions_apply_to_versioned_datasets(tmp_path: Path):
    given = TextDataset(tmp_path / "t.txt", version=Version(None, None))
    catalog = DataCatalog({"t": given}, load_versions={"t": "v1"}, save_version="v2")
    assert catalog["t"]._version == Version("v1", "v2")
    assert given._version == Version(None, None)  # the caller's object is not changed
    with pytest.raises(DatasetNotFoundError, match=r"'load_versions' keys \[ghost\] are not found in the catalog"):
        DataCatalog({"t": given}, load_versions={"ghost": "v1"})
    with pytest.raises(DatasetError, match=r"'m' is not versioned"):
        DataCatalog({"m": MemoryDataset()}, load_versions={"m": "v1"})


# -- queries ----------------------------------------------------------------------


@pytest.fixture
def mixed_catalog(tmp_path: Path) -> DataCatalog:
    return DataCatalog({
        "raw_cars": CSVDataset(tmp_path / "cars.csv"),
        "raw_boats": PickleDataset(tmp_path / "boats.pkl"),
        "model": PickleDataset(tmp_path / "model.pkl"),
        "scratch": MemoryDataset(),
    })


def test_filter_by_name_type_and_class(mixed_catalog: DataCatalog):
    assert mixed_catalog.filter(name_regex="^raw_") == ["raw_cars", "raw_boats"]
    assert mixed_catalog.filter(name_regex=re.compile("o")) == ["raw_boats", "model"]
    assert mixed_catalog.filter(type_regex=r"files\.PickleDataset$") == ["raw_boats", "model"]
    assert mixed_catalog.filter(name_regex="raw", type_regex="Pickle") == ["raw_boats"]
    assert mixed_catalog.filter(by_type=MemoryDataset) == ["scratch"]
    assert mixed_catalog.filter(by_type=[CSVDataset, MemoryDataset]) == ["raw_cars", "scratch"]
    assert mixed_catalog.filter() == mixed_catalog.keys()


def test_list_is_the_older_name_filter(mixed_catalog: DataCatalog):
    assert mixed_catalog.list() == ["raw_cars", "raw_boats", "model", "scratch"]
    assert mixed_catalog.list("cars|model") == ["raw_cars", "model"]


def test_an_invalid_regex_is_a_value_error(mixed_catalog: DataCatalog):
    with pytest.raises(ValueError, match=r"^Invalid regular expression '\(raw': missing \), unterminated subpattern"):
        mixed_catalog.list("(raw")


# -- parameters ---------------------------------------------------------------------


def test_add_parameters_registers_every_level():
    catalog = DataCatalog()
    params = {"model": {"lr": 0.1, "layers": {"n": 3}}, "seed": 7}
    catalog.add_parameters(params)
    assert catalog.keys() == [
        "parameters", "params:model", "params:model.lr", "params:model.layers",
        "params:model.layers.n", "params:seed",
    ]
    assert catalog.load("parameters") == params
    assert catalog.load("params:model.layers") == {"n": 3}
    assert catalog.load("params:model.layers.n") == 3


def test_a_node_editing_its_parameters_cannot_change_them_for_others():
    catalog = DataCatalog()
    catalog.add_parameters({"model": {"lr": 0.1}})
    catalog.load("params:model")["lr"] = 99
    assert catalog.load("params:model") == {"lr": 0.1}


def test_add_parameters_needs_a_mapping():
    with pytest.raises(TypeError, match=r"^params must be a mapping, got list$"):
        DataCatalog().add_parameters([1])  # type: ignore[arg-type]


# -- concurrency and pickling ---------------------------------------------------------


def test_many_threads_share_one_catalog_safely():
    catalog = DataCatalog()
    threads, operations = 16, 500
    barrier = threading.Barrier(threads)
    seen: list[dict[str, AbstractDataset]] = [{} for _ in range(threads)]
    errors: list[BaseException] = []

    def hammer(worker: int) -> None:
        try:
            barrier.wait(timeout=TIMEOUT)
            for step in range(operations):
                shared = f"shared_{step % 25}"  # every thread races to create these
                seen[worker][shared] = catalog.get(shared, fallback_to_runtime_pattern=True)
                own = f"own_{worker}_{step % 10}"
                catalog.get(own, fallback_to_runtime_pattern=True)
                catalog.save(own, (worker, step))
                assert catalog.load(own) == (worker, step)
                assert catalog.exists(shared) is False  # created empty; no thread saves to it
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    workers = [threading.Thread(target=hammer, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=TIMEOUT)
    assert not errors
    assert not any(worker.is_alive() for worker in workers)
    # Each shared name was created once: every thread got the same object.
    for name, dataset in seen[0].items():
        assert all(view[name] is dataset for view in seen)
    assert len(catalog) == 25 + threads * 10


def test_the_catalog_pickles_without_its_lock_and_keeps_working():
    catalog = DataCatalog.from_config({"{name}_m": {"type": "MemoryDataset"}})
    catalog["xs"] = [1, 2]
    copy = pickle.loads(pickle.dumps(catalog))
    assert copy.load("xs") == [1, 2]
    assert isinstance(copy["a_m"], MemoryDataset)
    copy.get("new", fallback_to_runtime_pattern=True)  # the lock came back
    assert "new" not in catalog


# -- SharedMemoryDataCatalog -----------------------------------------------------------


def test_shared_catalog_defaults_to_shared_memory_datasets():
    catalog = SharedMemoryDataCatalog(raw_data={"given": 1})
    assert type(catalog.get("x", fallback_to_runtime_pattern=True)) is SharedMemoryDataset
    assert type(catalog["given"]) is MemoryDataset


def test_shared_catalog_attaches_and_detaches_a_manager():
    catalog = SharedMemoryDataCatalog({"plain": MemoryDataset(0)})
    first = catalog.get("a", fallback_to_runtime_pattern=True)
    with DatasetManager() as manager:
        catalog.set_manager_datasets(manager)
        assert first.shared_memory_dataset is not None
        copy = pickle.loads(pickle.dumps(catalog))  # what a worker process receives
        copy.save("a", "from a copy")
        assert catalog.load("a") == "from a copy"
        catalog.set_manager_datasets(None)
    assert first.shared_memory_dataset is None
    assert catalog.load("a") == "from a copy"


class Unpicklable(MemoryDataset):
    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()


def test_validate_catalog_names_every_unpicklable_dataset_sorted():
    catalog = SharedMemoryDataCatalog({"zeta": Unpicklable(), "fine": MemoryDataset(1), "alpha": Unpicklable()})
    catalog["data_lock"] = threading.Lock()
    with pytest.raises(DatasetError) as info:
        catalog.validate_catalog()
    assert str(info.value) == (
        "3 dataset(s) cannot be sent to worker processes because they cannot be pickled:\n"
        "- 'alpha' (Unpicklable): cannot pickle '_thread.lock' object\n"
        "- 'data_lock' (MemoryDataset): cannot pickle '_thread.lock' object\n"
        "- 'zeta' (Unpicklable): cannot pickle '_thread.lock' object\n"
        "Make them picklable, or run with ThreadRunner or SequentialRunner."
    )


def test_validate_catalog_accepts_picklable_datasets(tmp_path: Path):
    catalog = SharedMemoryDataCatalog({"m": MemoryDataset(1), "p": PickleDataset(tmp_path / "p.pkl")})
    catalog.get("shared", fallback_to_runtime_pattern=True)
    with DatasetManager() as manager:
        catalog.set_manager_datasets(manager)
        assert catalog.validate_catalog() is None
        catalog.set_manager_datasets(None)


# -- Kedro 1.x API: get(version=), get_type, config_resolver, to_config, _get_dataset -------


def test_get_with_a_version_leaves_the_registered_dataset_alone(tmp_path: Path):
    versioned = PickleDataset(tmp_path / "m.pkl", version=Version(None, "v1"))
    catalog = DataCatalog({"m": versioned, "plain": MemoryDataset(1)})
    pinned = catalog.get("m", version=Version("v0", None))
    assert pinned._version == Version("v0", None) and catalog["m"]._version.load is None
    assert catalog.get("plain", version=Version("v0", None)) is catalog["plain"]


def test_get_type_does_not_create_pattern_datasets(tmp_path: Path):
    catalog = DataCatalog.from_config({"{name}_t": {"type": "TextDataset", "filepath": str(tmp_path / "{name}")}})
    assert catalog.get_type("a_t") == "minikedro.datasets.files.TextDataset"
    assert "a_t" not in catalog.keys()
    assert catalog.get_type("a") is None


def test_to_config_leaves_out_memory_datasets_and_parameters(tmp_path: Path):
    catalog = DataCatalog({"t": TextDataset(tmp_path / "t.txt")}, raw_data={"m": 1})
    catalog.add_parameters({"p": 1})
    config, credentials, load_versions, save_version = catalog.to_config()
    assert list(config) == ["t"] and config["t"]["type"].endswith("TextDataset")
    assert config["t"]["filepath"] == tmp_path / "t.txt"  # as the constructor got it


def test_to_config_describes_a_replaced_entry_by_its_new_dataset(tmp_path: Path):
    catalog = DataCatalog.from_config({"t": {"type": "TextDataset", "filepath": str(tmp_path / "a")}})
    catalog["t"] = TextDataset(filepath=str(tmp_path / "b"))
    assert catalog.to_config()[0]["t"]["filepath"] == str(tmp_path / "b")


def test_to_config_moves_credentials_given_in_code(tmp_path: Path):
    from minikedro.datasets import SQLiteTableDataset

    con = {"con": f"sqlite:///{tmp_path / 'x.db'}"}
    catalog = DataCatalog({"table": SQLiteTableDataset(table_name="t", credentials=con)})
    config, credentials, _, _ = catalog.to_config()
    assert config["table"]["credentials"] == "table_credentials"
    assert credentials == {"table_credentials": con}
    rebuilt = DataCatalog.from_config(config, credentials)
    rebuilt.save("table", [{"a": 1}])
    assert catalog.load("table") == [{"a": 1}]


def test_load_versions_of_none_pin_nothing(tmp_path: Path):
    catalog = DataCatalog.from_config(
        {"t": {"type": "TextDataset", "filepath": str(tmp_path / "t")}}, load_versions={"t": None}
    )
    assert catalog.to_config()[2] == {"t": None}


def test_shared_memory_catalog_is_importable_from_the_kedro_path():
    from minikedro.io import data_catalog

    assert data_catalog.SharedMemoryDataCatalog is SharedMemoryDataCatalog
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        data_catalog.Nope  # noqa: B018


def test_kedro_019_get_dataset_for_old_custom_runners(tmp_path: Path):
    catalog = DataCatalog({"t": TextDataset(tmp_path / "t.txt", version=Version(None, "v1"))})
    catalog.save("t", "x")
    assert catalog._get_dataset("t", version="v1").load() == "x"
    with pytest.raises(DatasetNotFoundError, match="Dataset 'nope' not found"):
        catalog._get_dataset("nope")
