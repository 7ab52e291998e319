"""Tests for minikedro.io.memory_dataset.MemoryDataset."""

from __future__ import annotations

import pickle
import threading

import pytest

from minikedro.io import AbstractDataset, DataCatalog, DatasetError, MemoryDataset


def test_save_then_load():
    dataset = MemoryDataset()
    dataset.save({"a": 1})
    assert dataset.load() == {"a": 1}


def test_initial_data():
    assert MemoryDataset(data=[1, 2, 3]).load() == [1, 2, 3]


def test_loading_before_saving_is_a_clear_error():
    with pytest.raises(DatasetError, match=r"^Data for MemoryDataset has not been saved yet\.$"):
        MemoryDataset().load()


def test_default_copy_mode_assigns_so_load_returns_the_saved_object():
    data = {"rows": [1, 2]}
    dataset = MemoryDataset(data)
    assert dataset.load() is data
    assert dataset._copy_mode == "assign"


def test_default_mode_holds_objects_that_cannot_be_copied():
    lock = threading.Lock()  # deepcopy would fail: "cannot pickle '_thread.lock' object"
    dataset = MemoryDataset()
    dataset.save(lock)
    assert dataset.load() is lock


def test_deepcopy_mode_protects_saved_data_from_later_edits():
    data = {"rows": [1, 2]}
    dataset = MemoryDataset(data, copy_mode="deepcopy")
    data["rows"].append(3)
    loaded = dataset.load()
    assert loaded == {"rows": [1, 2]}
    loaded["rows"].append(4)
    assert dataset.load() == {"rows": [1, 2]}


def test_copy_mode_makes_a_shallow_copy():
    inner = [1]
    dataset = MemoryDataset(copy_mode="copy")
    dataset.save({"inner": inner})
    loaded = dataset.load()
    loaded["new"] = True
    assert "new" not in dataset.load()
    assert loaded["inner"] is inner


def test_an_invalid_copy_mode_is_refused_with_the_valid_ones():
    with pytest.raises(ValueError, match=r"^Invalid copy mode: 'clone'\. Possible values are: deepcopy, copy, assign\.$"):
        MemoryDataset(copy_mode="clone")


def test_exists_and_release():
    dataset = MemoryDataset()
    assert dataset.exists() is False
    dataset.save(0)  # falsy data still counts as saved
    assert dataset.exists() is True
    dataset.release()
    assert dataset.exists() is False
    with pytest.raises(DatasetError, match="has not been saved yet"):
        dataset.load()


def test_saving_none_through_a_catalog_is_refused_like_any_dataset():
    with pytest.raises(DatasetError, match="Saving 'None' to a 'Dataset' is not allowed"):
        DataCatalog({"m": MemoryDataset()}).save("m", None)


def test_repr_shows_the_type_of_data_not_the_data():
    # Kedro's form: kedro.io.memory_dataset.MemoryDataset(data='<list>')
    assert repr(MemoryDataset()) == "minikedro.io.memory_dataset.MemoryDataset()"
    assert repr(MemoryDataset([1, 2])) == "minikedro.io.memory_dataset.MemoryDataset(data='<list>')"
    assert repr(MemoryDataset(copy_mode="deepcopy")).endswith("MemoryDataset(copy_mode='deepcopy')")


def test_it_is_ephemeral_and_a_dataset():
    assert MemoryDataset._EPHEMERAL is True
    assert isinstance(MemoryDataset(), AbstractDataset)


def test_pickling_keeps_data_and_emptiness():
    full = pickle.loads(pickle.dumps(MemoryDataset({"a": 1}, copy_mode="copy")))
    assert full.load() == {"a": 1} and full._copy_mode == "copy"
    empty = pickle.loads(pickle.dumps(MemoryDataset()))
    assert empty.exists() is False  # the "nothing saved" marker survives pickling
    with pytest.raises(DatasetError, match="has not been saved yet"):
        empty.load()


def test_metadata_is_kept():
    assert MemoryDataset(metadata={"layer": "raw"}).metadata == {"layer": "raw"}


def test_from_config_passes_the_copy_mode():
    dataset = AbstractDataset.from_config("m", {"type": "MemoryDataset", "copy_mode": "deepcopy"})
    assert isinstance(dataset, MemoryDataset) and dataset._copy_mode == "deepcopy"


def test_from_config_with_a_bad_copy_mode_names_the_entry():
    with pytest.raises(DatasetError, match=r"^Catalog entry 'm': MemoryDataset could not be created: Invalid copy mode: 'x'"):
        AbstractDataset.from_config("m", {"type": "MemoryDataset", "copy_mode": "x"})
