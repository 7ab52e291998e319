"""File datasets built on the standard library: pickle, JSON, text, CSV, SQLite.

Each module holds one dataset and mirrors a kedro-datasets class. File
datasets save atomically (see ``minikedro.datasets._files``) and can be
versioned (``versioned: true`` in the catalog).

Public names: ``PickleDataset``, ``JSONDataset``, ``TextDataset``,
``CSVDataset``, ``SQLiteTableDataset``, ``SQLiteQueryDataset``.

Kedro counterpart: the ``kedro-datasets`` package (``kedro_datasets``).
"""

from minikedro.datasets.csv_dataset import CSVDataset
from minikedro.datasets.json_dataset import JSONDataset
from minikedro.datasets.pickle_dataset import PickleDataset
from minikedro.datasets.sqlite_dataset import SQLiteQueryDataset, SQLiteTableDataset
from minikedro.datasets.text_dataset import TextDataset

__all__ = [
    "CSVDataset",
    "JSONDataset",
    "PickleDataset",
    "SQLiteQueryDataset",
    "SQLiteTableDataset",
    "TextDataset",
]
