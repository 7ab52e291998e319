"""Tests for minikedro.datasets: one contract every dataset keeps, then each class.

The contract runs against every dataset class (and MemoryDataset where it
applies): round trips, exists, parent folders, a clear error for a missing
file, pickling, repr, from_config, versioning, and atomic saves: a save that
fails half-way leaves the previous file byte for byte, with no temporary file.
"""

from __future__ import annotations

import decimal
import json
import os
import pickle
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable, NamedTuple

import pytest

from minikedro.datasets import (
    CSVDataset,
    JSONDataset,
    PickleDataset,
    SQLiteQueryDataset,
    SQLiteTableDataset,
    TextDataset,
)
from minikedro.datasets.files import FileDataset, atomic_write
from minikedro.io import AbstractDataset, DataCatalog, DatasetError, MemoryDataset, Version, VersionAlreadyExistsError

TIMEOUT = 30


class Explodes:
    """Fails half-way through any serialisation: pickle, JSON, CSV or SQLite."""

    def __reduce__(self) -> Any:
        raise RuntimeError("exploded while pickling")

    def __str__(self) -> str:
        raise RuntimeError("exploded while writing")


class Case(NamedTuple):
    """How to exercise one dataset class in the contract suite."""

    make: Callable[[Path, Version | None], AbstractDataset]  # (filepath, version) -> dataset
    filename: str
    sample: Any  # what to save ...
    loaded: Any  # ... and what comes back
    other: Any  # a second, different sample ...
    other_loaded: Any  # ... and what comes back
    half_way_failure: Any  # data that fails after part of it is written
    versioned: bool = True
    writable: bool = True
    byte_exact: bool = True  # saves replace a whole file (SQLite updates pages in place)


def _json_default(value: Any) -> Any:
    raise TypeError(f"cannot encode {type(value).__name__}")


CASES = {
    "PickleDataset": Case(
        lambda path, version: PickleDataset(path, version=version), "data.pkl",
        {"a": (1, 2.5), "b": {3}}, {"a": (1, 2.5), "b": {3}}, [0], [0], ["x" * 100_000, Explodes()],
    ),
    "JSONDataset": Case(
        lambda path, version: JSONDataset(path, save_args={"default": _json_default}, version=version),
        "data.json", {"a": [1, 2.5, None, True]}, {"a": [1, 2.5, None, True]}, [0], [0],
        ["x" * 100_000, Explodes()],
    ),
    "TextDataset": Case(
        lambda path, version: TextDataset(path, version=version), "data.txt",
        "héllo\nworld", "héllo\nworld", "other", "other", 12,
    ),
    "CSVDataset": Case(
        lambda path, version: CSVDataset(path, version=version), "data.csv",
        [{"a": 1, "b": "x,y"}, {"a": 2, "b": None}], [{"a": "1", "b": "x,y"}, {"a": "2", "b": ""}],
        [{"z": 0}], [{"z": "0"}], [{"a": "x" * 100_000}, {"a": Explodes()}],
    ),
    "SQLiteTableDataset": Case(
        lambda path, version: SQLiteTableDataset("scores", path), "data.db",
        [{"name": "ada", "score": 3, "ratio": 0.5, "blob": b"\x00", "none": None}],
        [{"name": "ada", "score": 3, "ratio": 0.5, "blob": b"\x00", "none": None}],
        [{"z": 0}], [{"z": 0}], [{"name": "ok"}, {"name": object()}], versioned=False, byte_exact=False,
    ),
    "SQLiteQueryDataset": Case(
        lambda path, version: SQLiteQueryDataset("SELECT name FROM scores ORDER BY name", path),
        "data.db", None, [{"name": "ada"}, {"name": "bob"}], None, None, None,
        versioned=False, writable=False,
    ),
}


@pytest.fixture(params=sorted(CASES))
def case(request) -> Case:
    return CASES[request.param]


@pytest.fixture(params=sorted(name for name, case in CASES.items() if case.writable))
def writable(request) -> Case:
    return CASES[request.param]


@pytest.fixture(params=sorted(name for name, case in CASES.items() if case.versioned))
def versioned(request) -> Case:
    return CASES[request.param]


def make_database(path: Path) -> None:
    """Give SQLiteQueryDataset something to read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    SQLiteTableDataset("scores", path).save([{"name": "bob"}, {"name": "ada"}])


def save_or_prepare(case: Case, dataset: AbstractDataset, path: Path) -> None:
    if case.writable:
        dataset.save(case.sample)
    else:
        make_database(path)


def temporary_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".tmp"))


class Catalogued:
    """Call a dataset as a run does: through a catalog, where errors become named DatasetErrors."""

    def __init__(self, dataset: AbstractDataset):
        self.catalog = DataCatalog({"data": dataset})

    def load(self) -> Any:
        return self.catalog.load("data")

    def save(self, data: Any) -> None:
        self.catalog.save("data", data)


# -- the contract -----------------------------------------------------------


def test_round_trip(case: Case, tmp_path: Path):
    path = tmp_path / case.filename
    dataset = case.make(path, None)
    save_or_prepare(case, dataset, path)
    assert dataset.load() == case.loaded


def test_exists_only_after_saving(case: Case, tmp_path: Path):
    path = tmp_path / case.filename
    dataset = case.make(path, None)
    assert dataset.exists() is False
    save_or_prepare(case, dataset, path)
    assert dataset.exists() is True


def test_saving_creates_parent_folders(writable: Case, tmp_path: Path):
    path = tmp_path / "deep" / "er" / writable.filename
    writable.make(path, None).save(writable.sample)
    assert path.is_file()


def test_loading_a_missing_file_names_the_path(case: Case, tmp_path: Path):
    path = tmp_path / "missing" / case.filename
    dataset = case.make(path, None)
    with pytest.raises(DatasetError, match=rf"^Failed while loading data from dataset 'data' \({type(dataset).__name__}\(.*\)\)\.\n\[Errno 2\] No such .*: '{path}'$"):
        Catalogued(dataset).load()
    assert not path.exists()  # SQLite in particular must not create an empty database


def test_saving_again_replaces_the_data(writable: Case, tmp_path: Path):
    dataset = writable.make(tmp_path / writable.filename, None)
    dataset.save(writable.sample)
    dataset.save(writable.other)
    assert dataset.load() == writable.other_loaded
    assert temporary_files(tmp_path) == []


def test_a_save_failing_half_way_leaves_the_previous_data_intact(writable: Case, tmp_path: Path):
    path = tmp_path / writable.filename
    dataset = writable.make(path, None)
    dataset.save(writable.sample)
    before = path.read_bytes()
    with pytest.raises(DatasetError, match=rf"^Failed while saving data to dataset 'data' \({type(dataset).__name__}\("):
        Catalogued(dataset).save(writable.half_way_failure)
    if writable.byte_exact:
        assert path.read_bytes() == before
    assert dataset.load() == writable.loaded
    assert temporary_files(tmp_path) == []


def test_saving_none_is_refused(case: Case, tmp_path: Path):
    with pytest.raises(DatasetError, match="Saving 'None' to a 'Dataset' is not allowed"):
        Catalogued(case.make(tmp_path / case.filename, None)).save(None)


def test_datasets_pickle_and_still_work(case: Case, tmp_path: Path):
    path = tmp_path / case.filename
    dataset = case.make(path, None)
    save_or_prepare(case, dataset, path)
    assert pickle.loads(pickle.dumps(dataset)).load() == case.loaded


def test_repr_names_the_class_and_the_file(case: Case, tmp_path: Path):
    dataset = case.make(tmp_path / case.filename, None)
    assert repr(dataset).startswith(f"{type(dataset).__module__}.{type(dataset).__name__}(")
    assert f"filepath='{(tmp_path / case.filename).as_posix()}'" in repr(dataset)


def test_from_config_builds_the_same_dataset(case: Case, tmp_path: Path):
    dataset = case.make(tmp_path / case.filename, None)
    config = {"type": type(dataset).__name__, "filepath": str(tmp_path / case.filename)}
    config.update({key: getattr(dataset, f"_{key}") for key in ("table_name", "sql", "load_args", "save_args")
                   if hasattr(dataset, f"_{key}")})
    built = AbstractDataset.from_config("entry", config)
    assert repr(built) == repr(dataset) and type(built) is type(dataset)


def test_file_datasets_are_not_ephemeral(case: Case, tmp_path: Path):
    assert case.make(tmp_path / case.filename, None)._EPHEMERAL is False


def test_versioned_saves_keep_every_version(versioned: Case, tmp_path: Path):
    path = tmp_path / versioned.filename
    versioned.make(path, Version(None, "2024-01-01T00.00.00.000Z")).save(versioned.other)
    versioned.make(path, Version(None, "2024-02-01T00.00.00.000Z")).save(versioned.sample)
    assert (path / "2024-02-01T00.00.00.000Z" / versioned.filename).is_file()
    assert versioned.make(path, Version(None, None)).load() == versioned.loaded
    assert versioned.make(path, Version("2024-01-01T00.00.00.000Z", None)).load() == versioned.other_loaded
    with pytest.raises(VersionAlreadyExistsError, match="versioned saves never overwrite"):
        versioned.make(path, Version(None, "2024-01-01T00.00.00.000Z")).save(versioned.sample)


def test_concurrent_saves_never_leave_a_mixed_file(writable: Case, tmp_path: Path):
    dataset = writable.make(tmp_path / writable.filename, None)
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def save(payload: Any) -> None:
        try:
            barrier.wait(timeout=TIMEOUT)
            for _ in range(10):
                dataset.save(payload)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    workers = [threading.Thread(target=save, args=(writable.sample if i % 2 else writable.other,)) for i in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=TIMEOUT)
    assert not errors
    assert dataset.load() in (writable.loaded, writable.other_loaded)
    assert temporary_files(tmp_path) == []


# -- atomic_write ---------------------------------------------------------------


def test_atomic_write_respects_the_umask(tmp_path: Path):
    umask = os.umask(0o022)
    os.umask(umask)
    with atomic_write(tmp_path / "f.txt", "w") as file:
        file.write("x")
    assert (tmp_path / "f.txt").stat().st_mode & 0o777 == 0o666 & ~umask


def test_atomic_write_cleans_up_after_any_exception(tmp_path: Path):
    (tmp_path / "f.txt").write_text("keep me")
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(tmp_path / "f.txt", "w") as file:
            file.write("half")
            raise KeyboardInterrupt
    assert (tmp_path / "f.txt").read_text() == "keep me"
    assert temporary_files(tmp_path) == []


def test_memory_datasets_keep_the_basic_contract():
    dataset = MemoryDataset()
    assert dataset.exists() is False
    dataset.save({"a": 1})
    assert pickle.loads(pickle.dumps(dataset)).load() == {"a": 1}
    assert dataset._EPHEMERAL is True


# -- PickleDataset ----------------------------------------------------------------


def test_pickle_protocol_comes_from_save_args(tmp_path: Path):
    PickleDataset(tmp_path / "p.pkl", save_args={"protocol": 2}).save([1])
    assert (tmp_path / "p.pkl").read_bytes()[:2] == b"\x80\x02"
    assert PickleDataset(tmp_path / "p.pkl").load() == [1]


def test_pickle_load_args_reach_pickle_load(tmp_path: Path):
    PickleDataset(tmp_path / "p.pkl").save(b"bytes")
    dataset = PickleDataset(tmp_path / "p.pkl", load_args={"encoding": 123})  # must be a str
    with pytest.raises(DatasetError, match="encoding"):
        Catalogued(dataset).load()


# -- JSONDataset ---------------------------------------------------------------------


def test_json_indents_by_two_by_default_like_kedro(tmp_path: Path):
    JSONDataset(tmp_path / "j.json").save({"a": 1})
    assert (tmp_path / "j.json").read_text() == '{\n  "a": 1\n}'


def test_json_passes_names_it_does_not_know_to_a_custom_cls(tmp_path: Path):
    class Shouting(json.JSONEncoder):
        def __init__(self, *, shout: bool = False, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.shout = shout

        def iterencode(self, o: Any, _one_shot: bool = False) -> Any:
            return (chunk.upper() if self.shout else chunk for chunk in super().iterencode(o, _one_shot))

    JSONDataset(tmp_path / "j.json", save_args={"cls": Shouting, "shout": True}).save({"a": "b"})
    assert (tmp_path / "j.json").read_text() == '{\n  "A": "B"\n}'


def test_json_args_reach_the_json_module(tmp_path: Path):
    JSONDataset(tmp_path / "j.json", save_args={"indent": None, "sort_keys": True}).save({"b": 1, "a": 0.1})
    assert (tmp_path / "j.json").read_text() == '{"a": 0.1, "b": 1}'
    loaded = JSONDataset(tmp_path / "j.json", load_args={"parse_float": decimal.Decimal}).load()
    assert loaded == {"a": decimal.Decimal("0.1"), "b": 1}


def test_json_turns_tuples_into_lists(tmp_path: Path):
    dataset = JSONDataset(tmp_path / "j.json")
    dataset.save({"t": (1, 2)})
    assert dataset.load() == {"t": [1, 2]}


def test_json_refuses_unserialisable_data(tmp_path: Path):
    with pytest.raises(DatasetError, match=r"Object of type set is not JSON serializable"):
        Catalogued(JSONDataset(tmp_path / "j.json")).save({1, 2})


# -- TextDataset ------------------------------------------------------------------------


def test_text_encoding_comes_from_the_args(tmp_path: Path):
    TextDataset(tmp_path / "t.txt", save_args={"encoding": "latin-1"}).save("café")
    assert (tmp_path / "t.txt").read_bytes() == "café".encode("latin-1")
    assert TextDataset(tmp_path / "t.txt", load_args={"encoding": "latin-1"}).load() == "café"


def test_text_refuses_anything_but_str(tmp_path: Path):
    with pytest.raises(DatasetError, match=r"\nTextDataset saves a str, got bytes$"):
        Catalogued(TextDataset(tmp_path / "t.txt")).save(b"bytes")


# -- CSVDataset ----------------------------------------------------------------------------


def test_csv_columns_are_every_key_in_order_of_appearance(tmp_path: Path):
    dataset = CSVDataset(tmp_path / "c.csv")
    dataset.save([{"b": 1}, {"a": 2, "b": 3}])
    assert (tmp_path / "c.csv").read_text().splitlines() == ["b,a", "1,", "3,2"]
    assert dataset.load() == [{"b": "1", "a": ""}, {"b": "3", "a": "2"}]


def test_csv_delimiter_and_fieldnames_come_from_the_args(tmp_path: Path):
    CSVDataset(tmp_path / "c.csv", save_args={"delimiter": ";", "fieldnames": ["y", "x"]}).save([{"x": 1, "y": 2}])
    assert (tmp_path / "c.csv").read_text().splitlines() == ["y;x", "2;1"]
    assert CSVDataset(tmp_path / "c.csv", load_args={"delimiter": ";"}).load() == [{"y": "2", "x": "1"}]


def test_csv_reads_a_headerless_file_with_given_fieldnames(tmp_path: Path):
    (tmp_path / "c.csv").write_text("1,2\n3,4\n")
    dataset = CSVDataset(tmp_path / "c.csv", load_args={"fieldnames": ["a", "b"]})
    assert dataset.load() == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]


def test_csv_encoding_comes_from_the_args(tmp_path: Path):
    CSVDataset(tmp_path / "c.csv", save_args={"encoding": "latin-1"}).save([{"name": "José"}])
    assert CSVDataset(tmp_path / "c.csv", load_args={"encoding": "latin-1"}).load() == [{"name": "José"}]


def test_csv_round_trips_no_rows(tmp_path: Path):
    dataset = CSVDataset(tmp_path / "c.csv")
    dataset.save([])
    assert dataset.load() == []


def test_csv_refuses_rows_that_are_not_dicts(tmp_path: Path):
    with pytest.raises(DatasetError, match=r"\nCSVDataset saves a list of dicts; row 1 is a list$"):
        Catalogued(CSVDataset(tmp_path / "c.csv")).save([{"a": 1}, [1]])


# -- SQLiteTableDataset -------------------------------------------------------------------------


def test_sqlite_replace_is_the_default_and_append_adds(tmp_path: Path):
    replace = SQLiteTableDataset("t", tmp_path / "d.db")
    append = SQLiteTableDataset("t", tmp_path / "d.db", save_args={"mode": "append"})
    append.save([{"a": 1}])  # creates the missing table
    append.save([{"a": 2}])
    assert replace.load() == [{"a": 1}, {"a": 2}]
    replace.save([{"b": "new"}])
    assert replace.load() == [{"b": "new"}]


def test_sqlite_replace_with_no_rows_empties_the_table(tmp_path: Path):
    dataset = SQLiteTableDataset("t", tmp_path / "d.db")
    dataset.save([{"a": 1}])
    dataset.save([])
    assert dataset.load() == [] and dataset.exists()


def test_sqlite_cannot_create_a_table_from_no_rows(tmp_path: Path):
    with pytest.raises(DatasetError, match=r"\ncannot create table 't' from no rows: its columns are unknown$"):
        Catalogued(SQLiteTableDataset("t", tmp_path / "d.db")).save([])


def test_sqlite_exists_needs_the_table_not_just_the_file(tmp_path: Path):
    SQLiteTableDataset("other", tmp_path / "d.db").save([{"a": 1}])
    assert SQLiteTableDataset("t", tmp_path / "d.db").exists() is False


def test_sqlite_quotes_awkward_table_and_column_names(tmp_path: Path):
    dataset = SQLiteTableDataset('my "table"; DROP', tmp_path / "d.db")
    dataset.save([{'col "1"': 1, "select": 2}])
    assert dataset.load() == [{'col "1"': 1, "select": 2}]


def test_sqlite_append_with_an_unknown_column_fails_and_rolls_back(tmp_path: Path):
    SQLiteTableDataset("t", tmp_path / "d.db").save([{"a": 1}])
    append = SQLiteTableDataset("t", tmp_path / "d.db", save_args={"mode": "append"})
    with pytest.raises(DatasetError, match="has no column named b"):
        Catalogued(append).save([{"a": 2}, {"b": 3}])
    assert append.load() == [{"a": 1}]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"table_name": ""}, r"^table_name must be a non-empty string, got ''$"),
        ({"save_args": {"mode": "upsert"}}, r"^save_args 'mode' must be 'replace' or 'append', got 'upsert'$"),
        ({"save_args": {"index": False}}, r"^save_args takes only 'mode' \(or pandas' 'if_exists'\), got 'index'$"),
        ({"save_args": {"if_exists": "fail"}}, r"^save_args 'mode' must be 'replace' or 'append', got 'fail'$"),
    ],
)
def test_sqlite_table_arguments_are_checked(tmp_path: Path, kwargs: dict, message: str):
    with pytest.raises(ValueError, match=message):
        SQLiteTableDataset(**{"table_name": "t", "filepath": tmp_path / "d.db", **kwargs})


# -- SQLiteQueryDataset ----------------------------------------------------------------------------


def test_sqlite_query_takes_params(tmp_path: Path):
    make_database(tmp_path / "d.db")
    query = SQLiteQueryDataset("SELECT name FROM scores WHERE name = :who", tmp_path / "d.db",
                               load_args={"params": {"who": "bob"}})
    assert query.load() == [{"name": "bob"}]


def test_sqlite_query_is_read_only(tmp_path: Path):
    query = SQLiteQueryDataset("SELECT 1", tmp_path / "d.db")
    with pytest.raises(DatasetError, match=r"^SQLiteQueryDataset\(sql='SELECT 1', .*\) is read-only: it runs a query\. Save rows with SQLiteTableDataset instead\.$"):
        query.save([{"a": 1}])


def test_sqlite_query_shortens_long_sql_in_repr(tmp_path: Path):
    query = SQLiteQueryDataset("SELECT\n  " + ", ".join(f"c{i}" for i in range(40)) + " FROM t", tmp_path / "d.db")
    assert "sql='SELECT c0, c1," in repr(query) and "...'" in repr(query)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"sql": "  "}, r"^sql must be a non-empty string, got '  '$"),
        ({"load_args": {"chunksize": 5}}, r"^load_args takes only 'params', got 'chunksize'$"),
    ],
)
def test_sqlite_query_arguments_are_checked(tmp_path: Path, kwargs: dict, message: str):
    with pytest.raises(ValueError, match=message):
        SQLiteQueryDataset(**{"sql": "SELECT 1", "filepath": tmp_path / "d.db", **kwargs})


def test_sqlite_files_are_real_databases(tmp_path: Path):
    SQLiteTableDataset("t", tmp_path / "d.db").save([{"a": 1}])
    with sqlite3.connect(tmp_path / "d.db") as connection:
        assert connection.execute("SELECT a FROM t").fetchall() == [(1,)]
    connection.close()
    assert json.loads(json.dumps(SQLiteTableDataset("t", tmp_path / "d.db").load())) == [{"a": 1}]


# -- pandas-style arguments and Kedro's SQL credentials --------------------------------


def test_csv_understands_sep_and_index_false(tmp_path: Path):
    dataset = CSVDataset(tmp_path / "a.csv", load_args={"sep": ";"}, save_args={"sep": ";", "index": False})
    dataset.save([{"a": 1, "b": 2}])
    assert (tmp_path / "a.csv").read_text().splitlines() == ["a;b", "1;2"]
    assert dataset.load() == [{"a": "1", "b": "2"}]
    with pytest.raises(DatasetError, match="index=True has no meaning"):
        Catalogued(CSVDataset(tmp_path / "b.csv", save_args={"index": True})).save([{"a": 1}])


def test_sqlite_datasets_take_kedros_con_credentials(tmp_path: Path):
    con = {"con": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    table = SQLiteTableDataset(table_name="t", credentials=con, save_args={"if_exists": "append"})
    table.save([{"a": 1}])
    table.save([{"a": 2}])
    assert SQLiteQueryDataset(sql="SELECT a FROM t", credentials=con).load() == [{"a": 1}, {"a": 2}]
    with pytest.raises(ValueError, match="give the database as filepath=.* or as credentials="):
        SQLiteTableDataset(table_name="t")
    with pytest.raises(ValueError, match="one of them"):
        SQLiteTableDataset(table_name="t", filepath=tmp_path / "x", credentials=con)
    with pytest.raises(ValueError, match="must be a SQLite URL"):
        SQLiteQueryDataset(sql="SELECT 1", credentials={"con": "postgresql://host/db"})


# -- append mode: a generator node's chunks --------------------------------------------


def _chunks():
    for i in range(3):
        yield [{"i": i}]


@pytest.mark.parametrize("versioned", [False, True])
def test_a_generator_node_appends_every_chunk_to_a_csv_in_mode_a(tmp_path, versioned):
    from minikedro.io import DataCatalog
    from minikedro.pipeline import Pipeline, node
    from minikedro.runner import SequentialRunner

    dataset = CSVDataset(str(tmp_path / "rows.csv"), save_args={"mode": "a"},
                         version=Version(None, None) if versioned else None)
    catalog = DataCatalog({"rows": dataset}, save_version="2026-01-01T00.00.00.000Z")
    SequentialRunner().run(Pipeline([node(_chunks, None, "rows", name="chunks")]), catalog)
    assert catalog.load("rows") == [{"i": "0"}, {"i": "1"}, {"i": "2"}]  # one header, all rows


def test_a_failed_append_leaves_the_file_as_it_was(tmp_path):
    path = tmp_path / "rows.csv"
    dataset = CSVDataset(str(path), save_args={"mode": "a", "fieldnames": ["i"]})
    dataset.save([{"i": 1}])
    before = path.read_bytes()
    with pytest.raises(DatasetError, match="fields not in fieldnames"):
        Catalogued(dataset).save([{"i": 2}, {"j": 3}])  # the first row is written before the second fails
    assert path.read_bytes() == before


def test_text_appends_in_mode_a_and_refuses_other_modes(tmp_path):
    path = tmp_path / "log.txt"
    appending = TextDataset(str(path), save_args={"mode": "a"})
    appending.save("one\n")
    appending.save("two\n")
    assert path.read_text() == "one\ntwo\n"
    with pytest.raises(DatasetError, match="mode must be 'w' \\(replace\\) or 'a' \\(append\\), got 'x'"):
        Catalogued(TextDataset(str(path), save_args={"mode": "x"})).save("three")


# -- the package: lazy classes, old import paths, FileDataset for your own ---------------


def test_importing_the_package_loads_no_dataset_module_and_sqlite3_only_when_used():
    code = """if True:
        import sys
        import minikedro.datasets
        assert not {"minikedro.datasets.files", "minikedro.datasets.sqlite"} & set(sys.modules)
        from minikedro.datasets import JSONDataset
        assert "minikedro.datasets.files" in sys.modules and "sqlite3" not in sys.modules
        from minikedro.datasets import SQLiteTableDataset
        assert "sqlite3" in sys.modules
    """
    subprocess.run([sys.executable, "-c", code], check=True, timeout=TIMEOUT)


@pytest.mark.parametrize("module, name", [
    ("csv_dataset", "CSVDataset"), ("json_dataset", "JSONDataset"), ("pickle_dataset", "PickleDataset"),
    ("text_dataset", "TextDataset"), ("sqlite_dataset", "SQLiteTableDataset"),
])
def test_configs_naming_the_modules_the_datasets_used_to_live_in_still_work(tmp_path: Path, module, name):
    config = {"type": f"minikedro.datasets.{module}.{name}", "filepath": str(tmp_path / "x")}
    config.update({"table_name": "t"} if name.startswith("SQLite") else {})
    built = AbstractDataset.from_config("entry", config)
    assert type(built).__name__ == name and type(built).__module__.startswith("minikedro.datasets.")


def _read_lines(file: Any, strip: bool = True) -> list[str]:
    return [line.rstrip("\n") if strip else line for line in file]


def _write_lines(data: list[str], file: Any) -> None:
    file.writelines(f"{line}\n" for line in data)


class LinesDataset(FileDataset):
    """A dataset of your own: a text file read and written by two functions."""

    _read = staticmethod(_read_lines)
    _write = staticmethod(_write_lines)


def test_a_file_dataset_of_your_own_is_two_functions(tmp_path: Path):
    dataset = LinesDataset(tmp_path / "lines.txt", load_args={"strip": False, "encoding": "latin-1"})
    dataset.save(["a", "b"])
    assert dataset.load() == ["a\n", "b\n"]
    versioned = LinesDataset(tmp_path / "v.txt", version=Version(None, "v1"))
    versioned.save(["x"])
    assert (tmp_path / "v.txt" / "v1" / "v.txt").read_text() == "x\n"
    assert LinesDataset(tmp_path / "v.txt", version=Version(None, None)).load() == ["x"]
    # Your functions' keywords are what the arguments may hold: a typo is refused up front.
    with pytest.raises(ValueError, match=r"^LinesDataset does not take 'bogus'; its load_args take: "
                                         r"encoding, errors, newline, strip$"):
        LinesDataset(tmp_path / "lines.txt", load_args={"bogus": 1})


@pytest.mark.parametrize("cls", [PickleDataset, JSONDataset, TextDataset, CSVDataset])
def test_a_built_in_dataset_called_directly_raises_dataset_error_naming_itself(cls, tmp_path):
    """Kedro's datasets raise DatasetError from load()/save() themselves; so do ours."""
    missing = tmp_path / "nowhere" / "file"
    with pytest.raises(DatasetError, match=rf"Failed while loading data from dataset {cls.__name__}\(") as caught:
        cls(filepath=str(missing)).load()
    assert isinstance(caught.value.__cause__, FileNotFoundError)
    blocked = tmp_path / "a_file"
    blocked.write_text("")
    with pytest.raises(DatasetError, match="Failed while saving data to dataset"):
        cls(filepath=str(blocked / "below_a_file")).save([{"a": 1}] if cls is CSVDataset else "x")
