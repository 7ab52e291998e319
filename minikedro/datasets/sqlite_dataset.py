"""SQLite datasets: a table as a list of row dicts, and a read-only query.

Each load or save opens its own connection and closes it before returning,
so the datasets hold nothing but strings: they pickle, and many threads or
processes can use them at once (SQLite serialises the writers). A save is
one transaction, so a failure half-way leaves the table as it was.

Public names: ``SQLiteTableDataset``, ``SQLiteQueryDataset``.

Kedro counterpart: ``kedro_datasets.pandas.SQLTableDataset`` and
``SQLQueryDataset``, for SQLite only and without pandas or SQLAlchemy: rows
are dicts, and the database is a file path rather than a connection string.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path, PurePath
from typing import Any

from minikedro.io.core import AbstractDataset, DatasetError

__all__ = ["SQLiteQueryDataset", "SQLiteTableDataset"]

_SAVE_MODES = ("replace", "append")


@contextlib.contextmanager
def _connect(path: Path, must_exist: bool) -> Iterator[sqlite3.Connection]:
    """Open ``path``; with ``must_exist``, refuse to create an empty database."""
    if must_exist and not path.is_file():
        # sqlite3.connect would quietly create an empty database instead.
        raise FileNotFoundError(errno.ENOENT, "No such database file", str(path))
    # isolation_level=None: no implicit transactions, so that ours below
    # also cover DROP/CREATE (the default mode leaves DDL outside them).
    connection = sqlite3.connect(os.fspath(path), isolation_level=None)
    try:
        yield connection
    finally:
        connection.close()


def _database_path(filepath: Any, credentials: Mapping[str, Any] | None) -> Path:
    """The database file: ``filepath``, or Kedro's ``credentials={"con": "sqlite:///db.sqlite"}``.

    Raises:
        ValueError: Neither is given, both are, or ``con`` is not a SQLite URL.
    """
    con = (credentials or {}).get("con")
    if (filepath is None) == (con is None):
        raise ValueError(
            "give the database as filepath='data/db.sqlite' or as "
            "credentials={'con': 'sqlite:///data/db.sqlite'} (one of them)"
        )
    if filepath is not None:
        return Path(filepath)
    if not isinstance(con, str) or not con.startswith("sqlite:///"):
        raise ValueError(
            f"credentials 'con' must be a SQLite URL such as 'sqlite:///data/db.sqlite', got {con!r}"
        )
    return Path(con[len("sqlite:///"):])  # SQLAlchemy's form: sqlite:////abs/path for /abs/path


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _read_rows(connection: sqlite3.Connection, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    connection.row_factory = sqlite3.Row
    return [dict(row) for row in connection.execute(sql, params)]


class SQLiteTableDataset(AbstractDataset):
    """Save and load one table of a SQLite database file as a list of dicts.

    Columns are created without declared types, so SQLite keeps each value
    as given: ``int``, ``float``, ``str``, ``bytes`` and ``None`` come back
    unchanged (other types are refused by ``sqlite3``).

    Args:
        table_name: The table.
        filepath: The database file; created, with its folders, on first save.
        save_args: ``{"mode": "replace"}`` (default: the table becomes
            exactly the rows saved) or ``{"mode": "append"}`` (rows are
            added; the table is created if missing). Kedro's pandas-style
            ``{"if_exists": "replace"|"append"}`` means the same.
        metadata: Free-form information; unused here.
        credentials: Instead of ``filepath``, Kedro's form
            ``{"con": "sqlite:///data/db.sqlite"}``.

    Raises:
        ValueError: ``table_name`` is empty or ``save_args`` is invalid.

    Example:
        >>> dataset = SQLiteTableDataset("scores", "data/db.sqlite")  # doctest: +SKIP
        >>> dataset.save([{"name": "ada", "score": 3}])  # doctest: +SKIP
        >>> dataset.load()  # doctest: +SKIP
        [{'name': 'ada', 'score': 3}]
    """

    def __init__(
        self,
        table_name: str,
        filepath: str | os.PathLike | None = None,
        save_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        credentials: dict[str, Any] | None = None,
    ) -> None:
        if not isinstance(table_name, str) or not table_name:
            raise ValueError(f"table_name must be a non-empty string, got {table_name!r}")
        save_args = dict(save_args or {})
        if "if_exists" in save_args and "mode" not in save_args:
            save_args["mode"] = save_args.pop("if_exists")
        save_args = {"mode": "replace", **save_args}
        unknown = sorted(set(save_args) - {"mode"})
        if unknown:
            raise ValueError(
                f"save_args takes only 'mode' (or pandas' 'if_exists'), got "
                f"{', '.join(map(repr, unknown))}"
            )
        if save_args["mode"] not in _SAVE_MODES:
            raise ValueError(
                f"save_args 'mode' must be 'replace' or 'append', got {save_args['mode']!r}"
            )
        self._table_name = table_name
        self._filepath = _database_path(filepath, credentials)
        self._save_args = save_args
        self.metadata = metadata

    def load(self) -> list[dict[str, Any]]:
        with _connect(self._filepath, must_exist=True) as connection:
            return _read_rows(connection, f"SELECT * FROM {_quote(self._table_name)}")

    def save(self, data: Iterable[Mapping[str, Any]]) -> None:
        rows = list(data)
        columns = list({key: None for row in rows for key in _check_row(row)})
        table = _quote(self._table_name)
        self._filepath.parent.mkdir(parents=True, exist_ok=True)
        with _connect(self._filepath, must_exist=False) as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                exists = _table_exists(connection, self._table_name)
                if exists and self._save_args["mode"] == "replace":
                    if columns:  # the new rows define the columns afresh
                        connection.execute(f"DROP TABLE {table}")
                        exists = False
                    else:  # no rows to take columns from: keep them, drop the rows
                        connection.execute(f"DELETE FROM {table}")
                if not exists:
                    if not columns:
                        raise ValueError(
                            f"cannot create table '{self._table_name}' from no rows: "
                            "its columns are unknown"
                        )
                    connection.execute(f"CREATE TABLE {table} ({', '.join(map(_quote, columns))})")
                if rows:
                    connection.executemany(
                        f"INSERT INTO {table} ({', '.join(map(_quote, columns))}) "
                        f"VALUES ({', '.join('?' * len(columns))})",
                        [[row.get(column) for column in columns] for row in rows],
                    )
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise

    def _exists(self) -> bool:
        if not self._filepath.is_file():
            return False
        with _connect(self._filepath, must_exist=True) as connection:
            return _table_exists(connection, self._table_name)

    def _describe(self) -> dict[str, Any]:
        return {
            "table_name": self._table_name,
            "filepath": PurePath(self._filepath).as_posix(),
            "save_args": self._save_args,
        }


def _check_row(row: Any) -> Mapping[str, Any]:
    if not isinstance(row, Mapping):
        raise TypeError(f"SQLiteTableDataset saves a list of dicts; got a row of type {type(row).__name__}")
    return row


def _table_exists(connection: sqlite3.Connection, table_name: str) -> bool:
    found = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?", (table_name,)
    )
    return found.fetchone() is not None


class SQLiteQueryDataset(AbstractDataset):
    """Load the rows of a SQL query on a SQLite database file (read-only).

    Args:
        sql: The query, e.g. ``"SELECT * FROM scores WHERE score > ?"``.
        filepath: The database file (note: in Kedro's ``SQLQueryDataset``
            ``filepath`` is a file holding the SQL; here it is the database).
        load_args: ``{"params": ...}``: values for the query's ``?`` or
            ``:name`` placeholders.
        metadata: Free-form information; unused here.
        credentials: Instead of ``filepath``, Kedro's form
            ``{"con": "sqlite:///data/db.sqlite"}``.

    Raises:
        ValueError: ``sql`` is empty or ``load_args`` has other keys.

    Example:
        >>> query = SQLiteQueryDataset("SELECT name FROM scores", "data/db.sqlite")  # doctest: +SKIP
        >>> query.load()  # doctest: +SKIP
        [{'name': 'ada'}]
    """

    def __init__(
        self,
        sql: str,
        filepath: str | os.PathLike | None = None,
        load_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        credentials: dict[str, Any] | None = None,
    ) -> None:
        if not isinstance(sql, str) or not sql.strip():
            raise ValueError(f"sql must be a non-empty string, got {sql!r}")
        load_args = dict(load_args or {})
        unknown = sorted(set(load_args) - {"params"})
        if unknown:
            raise ValueError(f"load_args takes only 'params', got {', '.join(map(repr, unknown))}")
        self._sql = sql
        self._filepath = _database_path(filepath, credentials)
        self._load_args = load_args
        self.metadata = metadata

    def load(self) -> list[dict[str, Any]]:
        with _connect(self._filepath, must_exist=True) as connection:
            return _read_rows(connection, self._sql, self._load_args.get("params", ()))

    def save(self, data: Any) -> None:
        raise DatasetError(
            f"{self._label()} is read-only: it runs a query. Save rows with "
            "SQLiteTableDataset instead.",
            dataset_name=self._dataset_name,
        )

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def _describe(self) -> dict[str, Any]:
        sql = " ".join(self._sql.split())
        return {
            "sql": sql if len(sql) <= 60 else sql[:57] + "...",
            "filepath": PurePath(self._filepath).as_posix(),
            "load_args": self._load_args,
        }
