"""SQLite datasets: ``SQLiteTableDataset`` (a table as row dicts), ``SQLiteQueryDataset`` (a query).

Each load or save opens and closes its own connection, so the datasets hold only strings:
they pickle, and many threads or processes can use them at once. A save is one transaction:
a failure half-way leaves the table as it was. Kedro counterpart: ``pandas.SQLTableDataset``
and ``pandas.SQLQueryDataset``, for SQLite alone, without pandas or SQLAlchemy.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterable, Mapping
from contextlib import closing
from pathlib import Path, PurePath
from typing import Any

from minikedro.datasets.files import _columns
from minikedro.io.core import AbstractDataset, DatasetError

__all__ = ["SQLiteQueryDataset", "SQLiteTableDataset"]


def _database_path(filepath: Any, credentials: Mapping[str, Any] | None) -> Path:
    """The database file: ``filepath``, or Kedro's ``credentials={"con": "sqlite:///db.sqlite"}``."""
    con = (credentials or {}).get("con")
    if (filepath is None) == (con is None):
        raise ValueError("give the database as filepath='data/db.sqlite' or as "
                         "credentials={'con': 'sqlite:///data/db.sqlite'} (one of them)")
    if filepath is None and not (isinstance(con, str) and con.startswith("sqlite:///")):
        raise ValueError("credentials 'con' must be a SQLite URL such as "
                         f"'sqlite:///data/db.sqlite', got {con!r}")
    return Path(con[len("sqlite:///"):] if filepath is None else filepath)  # sqlite:////abs is /abs


def _connect(path: Path, must_exist: bool = True) -> closing[sqlite3.Connection]:
    """Open ``path`` (rows as ``sqlite3.Row``) for a ``with`` block that closes it."""
    if must_exist and not path.is_file():  # sqlite3 would quietly create an empty database
        raise FileNotFoundError(errno.ENOENT, "No such database file", str(path))
    connection = sqlite3.connect(os.fspath(path), isolation_level=None)  # our BEGIN covers DROP/CREATE too
    connection.row_factory = sqlite3.Row
    return closing(connection)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _table_exists(connection: sqlite3.Connection, table: str) -> bool:
    query = "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?"
    return connection.execute(query, (table,)).fetchone() is not None


class SQLiteTableDataset(AbstractDataset):
    """One table of a SQLite database file as a list of dicts; ``ValueError`` for bad arguments.

    Columns have no declared types: ``int``, ``float``, ``str``, ``bytes``, ``None`` come back as
    saved. ``save_args={"mode": "replace"}`` (the default; pandas' ``if_exists`` too) makes the
    table exactly the rows saved; ``"append"`` adds them, creating the table if it is missing.
    """

    def __init__(self, table_name: str, filepath: str | os.PathLike | None = None,
                 save_args: dict[str, Any] | None = None, metadata: dict[str, Any] | None = None,
                 credentials: dict[str, Any] | None = None) -> None:
        if not isinstance(table_name, str) or not table_name:
            raise ValueError(f"table_name must be a non-empty string, got {table_name!r}")
        self._check_args("save_args", save_args)
        save_args = dict(save_args or {})
        if "if_exists" in save_args:
            save_args["mode"] = save_args.pop("if_exists")
        save_args = {"mode": "replace", **save_args}
        if save_args["mode"] not in ("replace", "append"):
            raise ValueError(f"save_args 'mode' must be 'replace' or 'append', got {save_args['mode']!r}")
        self._table_name, self._save_args, self.metadata = table_name, save_args, metadata
        self._filepath = _database_path(filepath, credentials)

    @classmethod
    def _check_args(cls, which: str, args: Any) -> None:
        """Refuse save_args but ``mode`` (or ``if_exists``), when the catalog is built too."""
        taken = {"mode"} if "mode" in (args or {}) else {"if_exists", "mode"}
        unknown = ", ".join(map(repr, sorted(set(args or {}) - taken))) if which == "save_args" else ""
        if unknown:
            raise ValueError(f"save_args takes only 'mode' (or pandas' 'if_exists'), got {unknown}")

    def load(self) -> list[dict[str, Any]]:
        with _connect(self._filepath) as connection:
            return list(map(dict, connection.execute(f"SELECT * FROM {_quote(self._table_name)}")))

    def save(self, data: Iterable[Mapping[str, Any]]) -> None:
        rows = list(data)
        columns = _columns(rows, "SQLiteTableDataset")
        table, names = _quote(self._table_name), ", ".join(map(_quote, columns))
        self._filepath.parent.mkdir(parents=True, exist_ok=True)
        # "with connection": COMMIT if the block succeeds, ROLLBACK on any exception.
        with _connect(self._filepath, must_exist=False) as connection, connection:
            connection.execute("BEGIN IMMEDIATE")
            exists = _table_exists(connection, self._table_name)
            if exists and self._save_args["mode"] == "replace":
                # New rows define the columns afresh; no rows: keep the columns, drop the rows.
                connection.execute(f"DROP TABLE {table}" if columns else f"DELETE FROM {table}")
                exists = not columns
            if not exists:
                if not columns:
                    raise ValueError(f"cannot create table '{self._table_name}' from no rows: "
                                     "its columns are unknown")
                connection.execute(f"CREATE TABLE {table} ({names})")
            if rows:
                marks = ", ".join("?" * len(columns))
                connection.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})",
                                       [[row.get(column) for column in columns] for row in rows])

    def _exists(self) -> bool:
        if not self._filepath.is_file():
            return False
        with _connect(self._filepath) as connection:
            return _table_exists(connection, self._table_name)

    def _describe(self) -> dict[str, Any]:
        return {"table_name": self._table_name, "filepath": PurePath(self._filepath).as_posix(),
                "save_args": self._save_args}


class SQLiteQueryDataset(AbstractDataset):
    """The rows of a SQL query on a SQLite database file, read-only; ``ValueError`` for bad arguments.

    ``filepath`` is the database (in Kedro, a file holding the SQL); ``load_args={"params": ...}``
    fills the query's ``?`` or ``:name`` placeholders.
    """

    def __init__(self, sql: str, filepath: str | os.PathLike | None = None,
                 load_args: dict[str, Any] | None = None, metadata: dict[str, Any] | None = None,
                 credentials: dict[str, Any] | None = None) -> None:
        if not isinstance(sql, str) or not sql.strip():
            raise ValueError(f"sql must be a non-empty string, got {sql!r}")
        self._check_args("load_args", load_args)
        self._sql, self._load_args, self.metadata = sql, dict(load_args or {}), metadata
        self._filepath = _database_path(filepath, credentials)

    @classmethod
    def _check_args(cls, which: str, args: Any) -> None:
        """Refuse load_args but ``params``, when the catalog is built too."""
        unknown = ", ".join(map(repr, sorted(set(args or {}) - {"params"}))) if which == "load_args" else ""
        if unknown:
            raise ValueError(f"load_args takes only 'params', got {unknown}")

    def load(self) -> list[dict[str, Any]]:
        with _connect(self._filepath) as connection:
            return list(map(dict, connection.execute(self._sql, self._load_args.get("params", ()))))

    def save(self, data: Any) -> None:
        raise DatasetError(f"{self._label()} is read-only: it runs a query. Save rows with "
                           "SQLiteTableDataset instead.", dataset_name=self._dataset_name)

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def _describe(self) -> dict[str, Any]:
        sql = " ".join(self._sql.split())
        return {"sql": sql if len(sql) <= 60 else sql[:57] + "...",
                "filepath": PurePath(self._filepath).as_posix(), "load_args": self._load_args}
