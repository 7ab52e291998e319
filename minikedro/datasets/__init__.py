"""Datasets on the standard library: ``files`` (pickle, JSON, text, CSV) and ``sqlite``.

Classes load on first use, so importing this package loads no dataset module, and
``sqlite3`` only when a SQLite dataset is used. Kedro counterpart: ``kedro_datasets``.
"""

from importlib import import_module
from typing import Any

_LAZY = {"CSVDataset": "files", "JSONDataset": "files", "PickleDataset": "files", "TextDataset": "files",
         "SQLiteQueryDataset": "sqlite", "SQLiteTableDataset": "sqlite"}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f"minikedro.datasets.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
