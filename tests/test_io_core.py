"""Tests for minikedro.io.core: the dataset base classes, versioning and errors."""

from __future__ import annotations

import pickle
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from minikedro.io import core
from minikedro.io.core import (
    AbstractDataset,
    AbstractVersionedDataset,
    DatasetError,
    DatasetNotFoundError,
    Version,
    VersionAlreadyExistsError,
    VersionNotFoundError,
    generate_timestamp,
)


class Box(AbstractDataset):
    """A minimal dataset whose behaviour each test can choose."""

    def __init__(self, value: Any = None, fail_with: BaseException | None = None):
        self.value = value
        self.fail_with = fail_with
        self.releases = 0

    def load(self) -> Any:
        if self.fail_with is not None:
            raise self.fail_with
        return self.value

    def save(self, data: Any) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.value = data

    def _exists(self) -> bool:
        if self.fail_with is not None:
            raise self.fail_with
        return self.value is not None

    def _release(self) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.releases += 1

    def _describe(self) -> dict[str, Any]:
        return {"value": self.value, "empty": {}, "nothing": None}


class TextFile(AbstractVersionedDataset):
    """A tiny versioned dataset: one string in one file."""

    def load(self) -> str:
        return self._get_load_path().read_text()

    def save(self, data: str) -> None:
        path = self._get_save_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data)

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "version": self._version}


# -- errors ------------------------------------------------------------------


def test_error_hierarchy_matches_kedro():
    assert issubclass(DatasetNotFoundError, DatasetError)
    assert issubclass(core.DatasetAlreadyExistsError, DatasetError)
    assert issubclass(VersionNotFoundError, DatasetError)
    assert issubclass(VersionAlreadyExistsError, DatasetError)


def test_dataset_error_carries_the_dataset_name_and_pickles():
    error = DatasetError("boom", dataset_name="cars")
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.dataset_name) == ("boom", "cars")


# -- AbstractDataset: the code a subclass writes is the code that runs ----------------


def test_load_and_save_reach_the_subclass():
    box = Box()
    box.save([1, 2])
    assert box.load() == [1, 2]


def test_load_and_save_are_not_rewrapped():
    # The catalog wraps errors where it calls a dataset (tests/test_data_catalog.py);
    # called directly, a dataset's own exception reaches the caller unchanged.
    assert Box.load is Box.__dict__["load"] and Box.save is Box.__dict__["save"]
    assert Box.__init__ is Box.__dict__["__init__"]
    original = ValueError("disk on fire")
    with pytest.raises(ValueError) as info:
        Box(fail_with=original).load()
    assert info.value is original


def test_exists_and_release_wrap_errors_too():
    box = Box(fail_with=RuntimeError("gone"))
    with pytest.raises(DatasetError, match=r"Failed during exists check for dataset Box\(\)\.\ngone"):
        box.exists()
    with pytest.raises(DatasetError, match=r"Failed during release for dataset Box\(\)\.\ngone"):
        box.release()


def test_exists_and_release_defaults():
    class Plain(AbstractDataset):
        def load(self) -> Any:
            return 1

        def save(self, data: Any) -> None:
            pass

        def _describe(self) -> dict[str, Any]:
            return {}

    plain = Plain()
    assert plain.exists() is False
    assert plain.release() is None
    assert Plain._EPHEMERAL is False


def test_a_subclass_must_define_load_save_and_describe():
    class Incomplete(AbstractDataset):
        def load(self) -> Any:
            return 1

    with pytest.raises(TypeError, match="abstract"):
        Incomplete()


def test_repr_comes_from_describe_without_empty_values():
    # Kedro's form: the class's full import path.
    assert repr(Box(value=[1])) == "tests.test_io_core.Box(value=[1])"
    assert str(Box(value="a")) == "tests.test_io_core.Box(value='a')"


def test_copy_replaces_attributes_on_a_new_object():
    box = Box(value=1)
    twin = box._copy(value=2)
    assert (box.value, twin.value, type(twin)) == (1, 2, Box)


def test_from_config_builds_any_dataset_type():
    dataset = AbstractDataset.from_config("numbers", {"type": "MemoryDataset", "data": [1]})
    assert dataset.load() == [1]
    assert dataset._dataset_name == "numbers"


def test_from_config_names_the_entry_and_key_at_fault():
    with pytest.raises(DatasetError, match=r"^Catalog entry 'numbers', key 'type': unknown dataset type 'Nope'"):
        AbstractDataset.from_config("numbers", {"type": "Nope"})


# -- versions -----------------------------------------------------------------


def test_version_is_a_namedtuple_of_load_and_save():
    version = Version(None, "2024-01-01T00.00.00.000Z")
    assert version.load is None and version.save == "2024-01-01T00.00.00.000Z"
    assert version == (None, "2024-01-01T00.00.00.000Z")


class _FrozenClock:
    def __init__(self, *moments: datetime):
        self.moments = list(moments)

    def now(self, tz: Any = None) -> datetime:
        return self.moments.pop(0)


def test_generate_timestamp_uses_kedros_format_and_sorts_by_time(monkeypatch):
    clock = _FrozenClock(
        datetime(2024, 5, 1, 9, 30, 0, 123456, tzinfo=timezone.utc),
        datetime(2024, 12, 31, 23, 59, 59, 999000, tzinfo=timezone.utc),
    )
    monkeypatch.setattr(core, "datetime", clock)
    first, second = generate_timestamp(), generate_timestamp()
    assert first == "2024-05-01T09.30.00.123Z"
    assert second == "2024-12-31T23.59.59.999Z"
    assert sorted([second, first]) == [first, second]


def test_generate_timestamp_reads_the_real_clock():
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d\.\d\d\.\d\d\.\d{3}Z", generate_timestamp())


def test_unversioned_dataset_uses_the_filepath(tmp_path: Path):
    dataset = TextFile(tmp_path / "a.txt", None)
    assert dataset.exists() is False
    dataset.save("one")
    assert (tmp_path / "a.txt").read_text() == "one"
    assert dataset.load() == "one" and dataset.exists()
    assert dataset.resolve_load_version() is None and dataset.resolve_save_version() is None


def test_versioned_saves_go_to_filepath_version_filename(tmp_path: Path):
    TextFile(tmp_path / "a.txt", Version(None, "2024-01-01T00.00.00.000Z")).save("old")
    TextFile(tmp_path / "a.txt", Version(None, "2024-02-01T00.00.00.000Z")).save("new")
    assert (tmp_path / "a.txt" / "2024-01-01T00.00.00.000Z" / "a.txt").read_text() == "old"
    assert TextFile(tmp_path / "a.txt", Version(None, None)).load() == "new"
    pinned = TextFile(tmp_path / "a.txt", Version("2024-01-01T00.00.00.000Z", None))
    assert pinned.load() == "old"


def test_an_unsaved_version_folder_is_not_loaded(tmp_path: Path):
    TextFile(tmp_path / "a.txt", Version(None, "2024-01-01T00.00.00.000Z")).save("done")
    (tmp_path / "a.txt" / "2099-01-01T00.00.00.000Z").mkdir()  # a save in progress
    assert TextFile(tmp_path / "a.txt", Version(None, None)).load() == "done"


def test_an_unpinned_save_gets_a_fresh_timestamp(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(core, "generate_timestamp", lambda: "2030-01-01T00.00.00.000Z")
    dataset = TextFile(tmp_path / "a.txt", Version(None, None))
    assert dataset.resolve_save_version() == "2030-01-01T00.00.00.000Z"
    dataset.save("x")
    assert dataset.resolve_load_version() == "2030-01-01T00.00.00.000Z"


def test_saving_over_an_existing_version_is_refused(tmp_path: Path):
    dataset = TextFile(tmp_path / "a.txt", Version(None, "2024-01-01T00.00.00.000Z"))
    dataset.save("first")
    with pytest.raises(VersionAlreadyExistsError, match=r"Version '2024-01-01T00.00.00.000Z' of dataset .* is already saved at '.*a.txt'; versioned saves never overwrite"):
        dataset.save("second")
    assert dataset.load() == "first"


def test_loading_with_no_versions_names_the_path(tmp_path: Path):
    dataset = TextFile(tmp_path / "a.txt", Version(None, None))
    with pytest.raises(VersionNotFoundError, match=r"Did not find any saved version of dataset TextFile\(.*\) under '.*a.txt'"):
        dataset.load()
    assert dataset.exists() is False


def test_loading_a_missing_pinned_version_names_the_path(tmp_path: Path):
    TextFile(tmp_path / "a.txt", Version(None, "2024-01-01T00.00.00.000Z")).save("x")
    dataset = TextFile(tmp_path / "a.txt", Version("1999-01-01T00.00.00.000Z", None))
    expected = re.escape(str(tmp_path / "a.txt" / "1999-01-01T00.00.00.000Z" / "a.txt"))
    with pytest.raises(VersionNotFoundError, match=rf"Version '1999-01-01T00.00.00.000Z' of dataset .* not found: no file at '{expected}'"):
        dataset.load()
    assert dataset.exists() is False


def test_versioning_over_a_plain_file_explains_the_fix(tmp_path: Path):
    (tmp_path / "a.txt").write_text("from before versioning")
    dataset = TextFile(tmp_path / "a.txt", Version(None, "2024-01-01T00.00.00.000Z"))
    with pytest.raises(DatasetError, match=r"'.*a.txt' is a plain file, probably saved before versioning was enabled\. Move it to"):
        dataset.save("x")


def test_remote_paths_are_refused():
    with pytest.raises(ValueError, match=r"filepath 's3://bucket/a.txt' names a remote filesystem"):
        TextFile("s3://bucket/a.txt", None)


# -- Kedro compatibility: generics, versions, path helpers, to_config's records ------------


def test_dataset_classes_are_generic_like_kedros():
    class Numbers(AbstractDataset[list, list]):
        def load(self) -> list:
            return [1]

        def save(self, data: list) -> None:
            pass

        def _describe(self) -> dict[str, Any]:
            return {}

    class Versioned(AbstractVersionedDataset[str, str]):
        load = TextFile.load
        save = TextFile.save

        def _describe(self) -> dict[str, Any]:
            return {}

    assert Numbers().load() == [1]
    assert Versioned("x.txt", None).exists() is False


def test_kedro_019_underscored_methods_alone_do_not_make_a_dataset():
    # Kedro 1.x datasets write load/save; the 0.19 names _load/_save are not read.
    class Legacy(AbstractDataset):
        def _load(self) -> Any:
            return 1

        def _save(self, data: Any) -> None:
            pass

        def _describe(self) -> dict[str, Any]:
            return {}

    with pytest.raises(TypeError, match="abstract"):
        Legacy()


def test_constructor_arguments_are_recorded_except_for_memory_datasets():
    from minikedro.io import MemoryDataset

    box = Box([1], fail_with=None)
    assert box._init_args == (([1],), {"fail_with": None})
    assert box._copy(value=2)._init_args == pickle.loads(pickle.dumps(box))._init_args == box._init_args
    assert MemoryDataset(data=[1])._init_args is None


def test_list_versions_newest_first(tmp_path: Path):
    dataset = TextFile(tmp_path / "a.txt", Version(None, None))
    assert dataset.list_versions() == []
    for version in ("2024-01-01T00.00.00.000Z", "2024-03-01T00.00.00.000Z"):
        TextFile(tmp_path / "a.txt", Version(None, version)).save(version)
    (tmp_path / "a.txt" / "2099-01-01T00.00.00.000Z").mkdir()  # no file: not a version
    assert dataset.list_versions(full_path=False) == ["2024-03-01T00.00.00.000Z", "2024-01-01T00.00.00.000Z"]
    assert dataset.list_versions()[0] == str(tmp_path / "a.txt" / "2024-03-01T00.00.00.000Z" / "a.txt")


def test_exists_and_glob_functions_are_used_when_given(tmp_path: Path):
    seen: list[str] = []

    def exists(path: str) -> bool:
        seen.append(path)
        return path.endswith("v2/a.txt")

    dataset = TextFile(tmp_path / "a.txt", Version(None, None))
    dataset._exists_function = exists
    dataset._glob_function = lambda pattern: [pattern.replace("*", "v1"), pattern.replace("*", "v2")]
    assert dataset.resolve_load_version() == "v2"
    assert seen == [str(tmp_path / "a.txt" / "v2" / "a.txt")]


def test_path_helpers_for_custom_datasets():
    assert core.get_protocol_and_path("data/a.csv") == ("file", "data/a.csv")
    assert core.get_protocol_and_path(Path("data/a.csv")) == ("file", "data/a.csv")
    assert core.get_protocol_and_path("s3://bucket/a.csv") == ("s3", "bucket/a.csv")
    assert core.get_filepath_str(Path("data") / "a.csv", "file") == "data/a.csv"


def test_only_plain_constructor_arguments_are_recorded():
    from minikedro.io.compat import dataset_config

    client = object()
    holder = Box(value=client)
    assert holder._init_args is False  # not kept: it must not travel with the dataset
    with pytest.raises(DatasetError, match=r"Dataset Box\(value=<object .*>\) cannot be written as configuration"):
        dataset_config(holder)
    assert dataset_config(Box({"a": [1, Path("p")]})) == {
        "type": "tests.test_io_core.Box", "value": {"a": [1, Path("p")]},
    }


def test_saving_a_version_other_than_the_pinned_load_version_warns(tmp_path: Path):
    dataset = TextFile(tmp_path / "a.txt", Version("v0", "v1"))
    with pytest.warns(UserWarning, match=r"Save version 'v1' did not match load version 'v0'"):
        dataset.save("x")
